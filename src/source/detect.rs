//! Format detection: from the first lines of a recording, decide the field separator, where the
//! data starts, which columns hold time and acceleration, the time unit and the acceleration unit.
//!
//! Detection only looks at a prefix of the file (a few hundred kilobytes), so it costs the same
//! for a 10-minute and a 10-hour recording. Every decision it makes is written to
//! [`Layout::notes`] so the report can say how the file was read, and every decision can be
//! overridden by [`ReadOptions`].
//!
//! Before anything else, a file whose first kilobyte is not text (NUL bytes, mostly control
//! characters or invalid UTF-8: a binary file, a spreadsheet, a UTF-16 export) is refused as
//! such, and a file with a header line but no data row says exactly that.
//!
//! The rules, in order:
//! - **Separator**: the one of tab, `;`, `,`, `|`, space that splits the last lines of the prefix
//!   into a steady number (≥ 2) of fields. With `;` or tab, numbers like `9,81` use a decimal
//!   comma.
//! - **Data start**: the first line that, with the following ones, holds mostly numbers (or dates
//!   or clock times). The non-numeric line just before it is the header if it has about as many
//!   fields as the data; lines before are a preamble, searched for a sample rate
//!   (`Acquisition frequency: 100 Hz`, `Sample Rate = 30 Hz`, `Measurement Frequency,100 Hz`).
//! - **Columns, with a header**: time is `time`, `t`, `timestamp`, `Time (s)`, `date_time`,
//!   `seconds_elapsed`, `t_ns`, …; a sample counter is `samples`, `PacketCounter`, `index`, …
//!   (and needs a rate); acceleration is the first x/y/z triple named like `x`, `ax`, `acc_x`,
//!   `Acceleration x (m/s^2)`, `gFx`, `Accelerometer X` (gyroscope, magnetometer and gravity
//!   columns are never taken), by name so `z,y,x` order is handled; otherwise a magnitude column
//!   (`Magnitude`, `TgF`, `Absolute acceleration`).
//! - **Columns, headerless**: the first column is time if it increases; constant columns (such as
//!   a sensor-type code) are skipped; the next three numeric columns are x, y, z, or a single one
//!   is a magnitude.
//! - **Time unit**: stated by the option; else a sample counter by name (`samples`,
//!   `PacketCounter`); else date-time strings (ISO, `M/D/YYYY`, `D.M.YYYY`, `:mmm`
//!   milliseconds) or clock strings (`mm:ss.fff`); else a unit in the header name (`(s)`, `_ms`,
//!   `t_ns`, `seconds`); else the one of s, ms, µs, ns that puts the median sample interval
//!   closest to a 100 Hz sensor rate (so a 405 Hz `t_ns` log is nanoseconds and a 25 Hz
//!   `Timestamp` in seconds stays seconds).
//! - **Acceleration unit**: the option, else a unit in the header (`m/s^2`, `(g)`, `gF`, `mg`),
//!   else the median magnitude of the prefix: 0.5–2 → g, 5–20 → m/s², above 20 → unknown sensor
//!   units scaled so the median is 1 g, below 0.5 → gravity removed, taken as m/s².

use super::error::{ReadWarning, SourceError};
use super::fields::{parse_clock, parse_datetime, parse_number, trim};
use super::options::{ColumnRef, ReadOptions, TimeUnit, Units};
use std::path::Path;

/// Standard gravity, m/s² per g.
pub const STANDARD_GRAVITY: f64 = 9.806_65;

/// How many lines of the prefix detection examines at most.
const MAX_DETECT_LINES: usize = 1000;

/// Where a sample's time comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum TimeSource {
    /// A column of time stamps or a sample counter.
    Column {
        /// 0-based column.
        column: usize,
        /// How its values are read.
        unit: TimeUnit,
        /// For [`TimeUnit::SampleIndex`]: the sample rate, Hz.
        rate_hz: Option<f64>,
    },
    /// No time column: the n-th data row (counting skipped rows too) is at n / rate.
    Rate {
        /// Sample rate, Hz.
        rate_hz: f64,
    },
}

/// Which columns hold acceleration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axes {
    /// Three 0-based columns: x, y, z.
    Xyz([usize; 3]),
    /// One 0-based column holding the magnitude.
    Magnitude(usize),
}

/// How a recording is laid out: the result of detection (and options).
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Field separator.
    pub delimiter: u8,
    /// Numbers use a decimal comma (`9,81`).
    pub decimal_comma: bool,
    /// 1-based line of the header, if there is one.
    pub header_line: Option<u64>,
    /// Column names from the header (empty when headerless).
    pub column_names: Vec<String>,
    /// 1-based line of the first data row.
    pub data_start_line: u64,
    /// Byte offset of the first data row in the examined text.
    pub data_start_byte: usize,
    /// Where time comes from.
    pub time: TimeSource,
    /// Where acceleration comes from.
    pub axes: Axes,
    /// Factor from the file's acceleration values to m/s².
    pub scale_to_ms2: f64,
    /// Human-readable account of each decision, for the report.
    pub notes: Vec<String>,
    /// Options that had no effect on this file, and other things the user may not expect.
    pub warnings: Vec<ReadWarning>,
}

impl Layout {
    /// Number of fields a data row must have at least.
    pub fn fields_needed(&self) -> usize {
        let mut max = match self.axes {
            Axes::Xyz(c) => c[0].max(c[1]).max(c[2]),
            Axes::Magnitude(c) => c,
        };
        if let TimeSource::Column { column, .. } = self.time {
            max = max.max(column);
        }
        max + 1
    }

    /// One line saying how the file is read, e.g. `time: column 1 (ns); acceleration: columns
    /// 3,4,5 (m/s²)`.
    pub fn describe(&self) -> String {
        self.notes.join("; ")
    }

    /// A `--columns` value naming the acceleration columns with no time column (`-,x,y,z`):
    /// header names where they are plain words, 1-based positions otherwise.
    pub fn columns_without_time(&self) -> String {
        let name = |c: usize| match self.column_names.get(c) {
            Some(n)
                if !n.is_empty()
                    && n.parse::<usize>().is_err()
                    && n.chars()
                        .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-') =>
            {
                n.clone()
            }
            _ => (c + 1).to_string(),
        };
        match self.axes {
            Axes::Xyz(c) => format!("-,{},{},{}", name(c[0]), name(c[1]), name(c[2])),
            Axes::Magnitude(c) => format!("-,{}", name(c)),
        }
    }

    fn column_label(&self, c: usize) -> String {
        match self.column_names.get(c) {
            Some(n) if !n.is_empty() => format!("`{n}`"),
            _ => format!("column {}", c + 1),
        }
    }
}

/// Split one line into fields at `delim`, honouring double quotes (a quoted field may hold the
/// separator). Quotes are kept in the field; [`trim`] removes them.
pub fn split_fields(line: &[u8], delim: u8, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut start = 0;
    let mut in_quotes = false;
    for (i, &c) in line.iter().enumerate() {
        if c == b'"' {
            in_quotes = !in_quotes;
        } else if c == delim && !in_quotes {
            out.push((start, i));
            start = i + 1;
        }
    }
    out.push((start, line.len()));
}

/// What a field looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Empty,
    Number,
    DateTime,
    Clock,
    Text,
}

fn kind_of(f: &[u8], decimal_comma: bool) -> Kind {
    let t = trim(f);
    if t.is_empty() {
        Kind::Empty
    } else if parse_number(t, decimal_comma).is_some() {
        Kind::Number
    } else if parse_datetime(t).is_some() {
        Kind::DateTime
    } else if parse_clock(t).is_some() {
        Kind::Clock
    } else {
        Kind::Text
    }
}

/// A line of the examined text: byte span without its line ending.
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    end: usize,
}

fn split_lines(text: &[u8], complete_only: bool) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() && lines.len() < MAX_DETECT_LINES {
        match memchr(b'\n', &text[start..]) {
            Some(off) => {
                let mut end = start + off;
                if end > start && text[end - 1] == b'\r' {
                    end -= 1;
                }
                lines.push(Line { start, end });
                start += off + 1;
            }
            None => {
                if !complete_only {
                    let mut end = text.len();
                    if end > start && text[end - 1] == b'\r' {
                        end -= 1;
                    }
                    lines.push(Line { start, end });
                }
                break;
            }
        }
    }
    lines
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == needle)
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

fn is_comment(line: &[u8]) -> bool {
    trim_space(line).first() == Some(&b'#')
}

/// Trim ASCII whitespace only (a whole line's quotes belong to its first and last fields).
fn trim_space(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &line[start..end]
}

/// Pick the separator that splits the data-looking lines into a steady number of fields.
fn detect_delimiter(text: &[u8], lines: &[Line]) -> u8 {
    let sample: Vec<&[u8]> = lines
        .iter()
        .rev()
        .map(|l| &text[l.start..l.end])
        .filter(|l| !is_blank(l) && !is_comment(l))
        .take(50)
        .collect();
    let mut spans = Vec::new();
    for delim in [b'\t', b';', b',', b'|', b' '] {
        let mut counts: Vec<usize> = sample
            .iter()
            .map(|l| {
                split_fields(l, delim, &mut spans);
                spans.len()
            })
            .collect();
        counts.sort_unstable();
        let Some(&mode) = counts.get(counts.len() / 2) else {
            continue;
        };
        let steady = counts.iter().filter(|&&c| c == mode).count();
        if mode >= 2 && steady * 5 >= counts.len() * 4 {
            return delim;
        }
    }
    b','
}

/// Rate in Hz stated in a preamble line (`Acquisition frequency: 100 Hz`, `Sample Rate = 30 Hz`,
/// `Measurement Frequency,100 Hz`).
fn preamble_rate(line: &[u8]) -> Option<f64> {
    let lower = String::from_utf8_lossy(line).to_ascii_lowercase();
    if !(lower.contains("hz") || lower.contains("frequency") || lower.contains("rate")) {
        return None;
    }
    let bytes = lower.as_bytes();
    let start = bytes.iter().position(u8::is_ascii_digit)?;
    let len = bytes[start..]
        .iter()
        .position(|c| !(c.is_ascii_digit() || *c == b'.'))
        .unwrap_or(bytes.len() - start);
    let v: f64 = lower[start..start + len].parse().ok()?;
    (v > 0.0 && v < 100_000.0).then_some(v)
}

/// Words of a header name, lowercase, with any `(...)`/`[...]` unit part removed.
fn name_tokens(name: &str) -> Vec<String> {
    let mut base = String::new();
    let mut depth = 0;
    for c in name.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = (depth - 1).max(0),
            _ if depth == 0 => base.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    let mut tokens = Vec::new();
    let mut cur = String::new();
    for c in base.chars() {
        if c.is_ascii_alphanumeric() {
            // split camelCase-free words only at non-alphanumerics
            cur.push(c);
        } else if !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

fn joined(name: &str) -> String {
    name_tokens(name).concat()
}

const NOT_ACCEL: &[&str] = &[
    "gyr",
    "gyro",
    "gyroscope",
    "mag",
    "magnetometer",
    "magnetic",
    "rot",
    "rotation",
    "angular",
    "orientation",
    "euler",
    "quat",
    "vel",
    "velocity",
    "pos",
    "position",
    "gravity",
    "grav",
];

const ACCEL_WORDS: &[&str] = &[
    "a",
    "acc",
    "accel",
    "accl",
    "acceleration",
    "accelerometer",
    "linear",
    "linacc",
    "total",
    "totalacceleration",
    "user",
    "useracceleration",
    "raw",
    "gf",
    "g",
    "mg",
    "ms2",
    "mps2",
    "m",
    "s",
    "s2",
    "axis",
    "including",
    "with",
    "calibrated",
    "cal",
    "uncal",
    "filtered",
];

/// If `name` names an acceleration axis, which one (0 = x, 1 = y, 2 = z).
fn axis_of(name: &str) -> Option<usize> {
    let tokens = name_tokens(name);
    let including = tokens.iter().any(|t| t == "including");
    if tokens
        .iter()
        .any(|t| NOT_ACCEL.iter().any(|n| t == n) && !(including && t.starts_with("grav")))
    {
        return None;
    }
    let mut axis = None;
    for t in &tokens {
        let letter = |c: u8| match c {
            b'x' => Some(0),
            b'y' => Some(1),
            b'z' => Some(2),
            _ => None,
        };
        let b = t.as_bytes();
        let this = if b.len() == 1 {
            letter(b[0])
        } else if let Some(a) = letter(b[b.len() - 1]) {
            // ax, accx, gfx, accelerationx
            ACCEL_WORDS.contains(&&t[..t.len() - 1]).then_some(a)
        } else if let Some(a) = letter(b[0]) {
            // xacc, xaxis
            ACCEL_WORDS.contains(&&t[1..]).then_some(a)
        } else {
            None
        };
        match (this, axis) {
            (Some(a), None) => axis = Some(a),
            (Some(_), Some(_)) => return None,
            (None, _) if ACCEL_WORDS.contains(&t.as_str()) => {}
            (None, _) if t.chars().all(|c| c.is_ascii_digit()) => {}
            (None, _) => return None,
        }
    }
    axis
}

fn is_magnitude(name: &str) -> bool {
    let j = joined(name);
    let tokens = name_tokens(name);
    tokens.iter().any(|t| t == "magnitude" || t == "norm")
        || j == "tgf"
        || j == "absoluteacceleration"
        || j == "accmag"
        || j == "amag"
        || j == "vm"
        || j == "svm"
}

fn is_time_name(name: &str) -> bool {
    let j = joined(name);
    j.starts_with("time")
        || j.starts_with("timestamp")
        || j == "t"
        || matches!(j.as_str(), "tns" | "tms" | "tus" | "ts" | "tsec" | "ts0")
        || j.contains("elapsed")
        || j.starts_with("datetime")
        || j == "date"
        || j == "epoch"
        || j == "clock"
        || j == "loggingtime"
        || j == "seconds"
        || j == "sec"
        || j == "utc"
}

fn is_index_name(name: &str) -> bool {
    matches!(
        joined(name).as_str(),
        "samples"
            | "sample"
            | "sampleindex"
            | "samplenr"
            | "samplenumber"
            | "sampleno"
            | "packetcounter"
            | "packet"
            | "index"
            | "idx"
            | "counter"
            | "n"
            | "frame"
    )
}

/// Time unit stated in a header name.
fn time_unit_hint(name: &str) -> Option<TimeUnit> {
    let lower = name.to_ascii_lowercase();
    let tokens: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric() && c != 'µ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let j = joined(name);
    let has = |w: &str| tokens.iter().any(|t| t == w);
    if has("ns") || has("nanos") || has("nanoseconds") || j == "tns" {
        Some(TimeUnit::Nanos)
    } else if has("us") || has("µs") || has("micros") || has("microseconds") || j == "tus" {
        Some(TimeUnit::Micros)
    } else if has("ms") || has("millis") || has("milliseconds") || j == "tms" {
        Some(TimeUnit::Millis)
    } else if has("s") || has("sec") || has("secs") || has("seconds") || j.contains("elapsed") {
        Some(TimeUnit::Seconds)
    } else {
        None
    }
}

/// Acceleration unit stated in a header name, as a factor to m/s².
fn units_hint(name: &str) -> Option<(f64, &'static str)> {
    let lower = name.to_ascii_lowercase().replace(' ', "");
    if lower.contains("m/s") || lower.contains("ms^-2") || lower.contains("ms-2") {
        return Some((1.0, "m/s²"));
    }
    let tokens = name_tokens(name);
    if tokens.iter().any(|t| t == "ms2" || t == "mps2") {
        return Some((1.0, "m/s²"));
    }
    if lower.contains("(mg)") || lower.contains("[mg]") || tokens.last().is_some_and(|t| t == "mg")
    {
        return Some((STANDARD_GRAVITY / 1000.0, "mg"));
    }
    if lower.contains("(g)")
        || lower.contains("[g]")
        || tokens.iter().any(|t| t == "g" || t.starts_with("gf"))
    {
        return Some((STANDARD_GRAVITY, "g"));
    }
    None
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

/// Numeric unit whose median interval is closest to a 100 Hz sensor rate.
fn unit_from_interval(dt: f64) -> TimeUnit {
    let mut best = (f64::INFINITY, TimeUnit::Seconds);
    for unit in [
        TimeUnit::Seconds,
        TimeUnit::Millis,
        TimeUnit::Micros,
        TimeUnit::Nanos,
    ] {
        let rate = 1.0 / (dt * unit.seconds_per_unit().unwrap_or(1.0));
        let distance = (rate.log10() - 2.0).abs();
        if distance < best.0 {
            best = (distance, unit);
        }
    }
    best.1
}

/// The examined lines split into fields.
struct Table<'a> {
    rows: Vec<Vec<&'a [u8]>>,
}

impl<'a> Table<'a> {
    fn column(&self, c: usize) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.rows.iter().filter_map(move |r| r.get(c).copied())
    }
}

/// Detect the layout of a recording from its first bytes.
///
/// `text` is the beginning of the (decompressed) file; `complete` says whether it is the whole
/// file (otherwise its last, possibly cut, line is ignored). `path` only labels errors.
pub fn detect(
    text: &[u8],
    complete: bool,
    options: &ReadOptions,
    path: &Path,
) -> Result<Layout, SourceError> {
    if let Some(why) = not_text(text) {
        return Err(SourceError::NotText {
            path: path.to_path_buf(),
            why,
        });
    }
    // A prefix of a longer file may end in a cut line; a whole file's last line is whole.
    let lines = split_lines(text, !complete);
    if lines
        .iter()
        .all(|l| is_blank(&text[l.start..l.end]) || is_comment(&text[l.start..l.end]))
    {
        return Err(SourceError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut notes = Vec::new();
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| detect_delimiter(text, &lines));

    // Decimal comma: only when the separator is not a comma and data fields look like `9,81`.
    let mut spans = Vec::new();
    let mut decimal_comma = false;
    if delimiter != b',' {
        let (mut comma, mut dot) = (0, 0);
        for l in lines.iter().rev().take(50) {
            split_fields(&text[l.start..l.end], delimiter, &mut spans);
            for &(s, e) in &spans {
                let f = trim(&text[l.start + s..l.start + e]);
                if f.contains(&b',') && parse_number(f, true).is_some() {
                    comma += 1;
                } else if f.contains(&b'.') && parse_number(f, false).is_some() {
                    dot += 1;
                }
            }
        }
        decimal_comma = comma > 0 && comma >= dot;
    }

    // Classify lines.
    let mut kinds: Vec<Option<(usize, usize)>> = Vec::with_capacity(lines.len()); // (numeric, fields) for data-like lines
    for l in &lines {
        let line = &text[l.start..l.end];
        if is_blank(line) || is_comment(line) {
            kinds.push(None);
            continue;
        }
        split_fields(line, delimiter, &mut spans);
        let (mut numeric, mut texty) = (0, 0);
        for &(s, e) in &spans {
            match kind_of(&line[s..e], decimal_comma) {
                Kind::Number | Kind::DateTime | Kind::Clock => numeric += 1,
                Kind::Text => texty += 1,
                Kind::Empty => {}
            }
        }
        kinds.push((numeric >= 1 && numeric >= texty).then_some((numeric, spans.len())));
    }
    let is_data = |i: usize| kinds.get(i).copied().flatten().is_some();
    let is_content = |i: usize| {
        let l = lines[i];
        !is_blank(&text[l.start..l.end]) && !is_comment(&text[l.start..l.end])
    };
    // First line that begins a run of (up to) three data lines.
    let content: Vec<usize> = (0..lines.len()).filter(|&i| is_content(i)).collect();
    let start_pos = (0..content.len()).find(|&p| content[p..].iter().take(3).all(|&i| is_data(i)));
    let Some(start_pos) = start_pos else {
        // The whole file is one line of names: a header with nothing after it.
        if let [only] = content[..] {
            let line = &text[lines[only].start..lines[only].end];
            split_fields(line, delimiter, &mut spans);
            if complete && spans.len() >= 2 {
                return Err(SourceError::NoDataRows {
                    path: path.to_path_buf(),
                    line: only as u64 + 1,
                    header: shorten(&String::from_utf8_lossy(trim_space(line)), 80),
                });
            }
        }
        return Err(SourceError::NoNumericColumns {
            path: path.to_path_buf(),
            lines_examined: lines.len(),
        });
    };
    let data_idx = content[start_pos];
    let data_start_line = data_idx as u64 + 1;

    // The data rows of the prefix.
    let mut rows = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(data_idx) {
        if !is_data(i) {
            continue;
        }
        let line = &text[l.start..l.end];
        split_fields(line, delimiter, &mut spans);
        rows.push(spans.iter().map(|&(s, e)| &line[s..e]).collect::<Vec<_>>());
    }
    let table = Table { rows };
    let n_fields = {
        let mut counts: Vec<usize> = table.rows.iter().map(Vec::len).collect();
        counts.sort_unstable();
        counts[counts.len() / 2]
    };

    // Header: the line just before the data (a `#` comment counts when it names the columns),
    // if it has about as many fields as the data: a preamble's last line is not a header.
    let mut header_idx = None;
    if data_idx > 0 {
        let mut i = data_idx - 1;
        loop {
            let line = &text[lines[i].start..lines[i].end];
            if !is_blank(line) {
                let mut fields = trim_space(line);
                if fields.first() == Some(&b'#') {
                    fields = &fields[1..];
                }
                split_fields(fields, delimiter, &mut spans);
                if !is_data(i) && spans.len() + 1 >= n_fields {
                    header_idx = Some(i);
                }
                break;
            }
            if i == 0 {
                break;
            }
            i -= 1;
        }
    }
    let column_names: Vec<String> = match header_idx {
        Some(i) => {
            let mut line = trim_space(&text[lines[i].start..lines[i].end]);
            if line.first() == Some(&b'#') {
                line = &line[1..];
            }
            split_fields(line, delimiter, &mut spans);
            spans
                .iter()
                .map(|&(s, e)| {
                    String::from_utf8_lossy(trim(&line[s..e]))
                        .trim()
                        .to_string()
                })
                .collect()
        }
        None => Vec::new(),
    };

    // Preamble: a stated rate.
    let mut file_rate = None;
    for l in &lines[..header_idx.unwrap_or(data_idx)] {
        if let Some(r) = preamble_rate(&text[l.start..l.end]) {
            file_rate = Some(r);
            break;
        }
    }

    let sep_name = match delimiter {
        b'\t' => "tab".to_string(),
        b' ' => "space".to_string(),
        c => format!("`{}`", c as char),
    };
    notes.push(match header_idx {
        Some(h) => format!(
            "{sep_name}-separated{}, header on line {}, data from line {data_start_line}",
            if decimal_comma {
                " (decimal comma)"
            } else {
                ""
            },
            h + 1
        ),
        None => format!(
            "{sep_name}-separated{}, no header, data from line {data_start_line}",
            if decimal_comma {
                " (decimal comma)"
            } else {
                ""
            }
        ),
    });

    let header_line = header_idx.map(|i| i as u64 + 1);
    let rate = options.rate_hz.or(file_rate);
    let rate_origin = if options.rate_hz.is_some() {
        "given"
    } else {
        "stated in the file"
    };
    let err_line = header_line.unwrap_or(data_start_line);
    let unknown = |problem: String| SourceError::UnknownLayout {
        path: path.to_path_buf(),
        line: err_line,
        problem,
    };

    // Columns.
    // Numeric columns a headerless file has beyond the ones taken (the choice was a guess).
    let mut unused_columns = Vec::new();
    let (time_col, axes): (Option<usize>, Axes) = if let Some(spec) = &options.columns {
        let resolve = |r: &ColumnRef| -> Result<usize, SourceError> {
            match r {
                ColumnRef::Position(p) if *p <= n_fields => Ok(p - 1),
                ColumnRef::Position(p) => Err(SourceError::BadOption {
                    path: path.to_path_buf(),
                    line: data_start_line,
                    problem: format!(
                        "--columns: position {p} is past the last column ({n_fields})"
                    ),
                }),
                ColumnRef::Name(n) => column_names
                    .iter()
                    .position(|c| c.eq_ignore_ascii_case(n.trim()))
                    .ok_or_else(|| SourceError::BadOption {
                        path: path.to_path_buf(),
                        line: err_line,
                        problem: if column_names.is_empty() {
                            format!("--columns: no header to find `{n}` in; use positions")
                        } else {
                            format!(
                                "--columns: no column `{n}` in the header ({})",
                                column_names.join(", ")
                            )
                        },
                    }),
            }
        };
        let time = spec.time.as_ref().map(resolve).transpose()?;
        let axes = match spec.axes.as_slice() {
            [m] => Axes::Magnitude(resolve(m)?),
            [x, y, z] => Axes::Xyz([resolve(x)?, resolve(y)?, resolve(z)?]),
            _ => {
                return Err(SourceError::BadOption {
                    path: path.to_path_buf(),
                    line: err_line,
                    problem: "--columns needs one or three acceleration columns".into(),
                })
            }
        };
        (time, axes)
    } else if !column_names.is_empty() {
        let time = column_names
            .iter()
            .position(|n| is_time_name(n))
            .or_else(|| column_names.iter().position(|n| is_index_name(n)));
        let mut xyz = [None; 3];
        for (i, n) in column_names.iter().enumerate() {
            if Some(i) == time {
                continue;
            }
            if let Some(a) = axis_of(n) {
                if xyz[a].is_none() {
                    xyz[a] = Some(i);
                }
            }
        }
        let axes = match xyz {
            [Some(x), Some(y), Some(z)] => Axes::Xyz([x, y, z]),
            _ => match column_names
                .iter()
                .enumerate()
                .position(|(i, n)| Some(i) != time && is_magnitude(n))
            {
                Some(m) => Axes::Magnitude(m),
                None => {
                    return Err(unknown(format!(
                        "the header `{}` names no acceleration columns \
                         (expected x/y/z, ax/ay/az, acc_x…, or a magnitude)",
                        column_names.join(",")
                    )))
                }
            },
        };
        (time, axes)
    } else {
        let (time, axes, unused) = headerless_columns(&table, decimal_comma).ok_or_else(|| {
            unknown(format!(
                "no header, and the {n_fields} columns do not look like time + x,y,z or time + magnitude"
            ))
        })?;
        unused_columns = unused;
        (time, axes)
    };

    let layout_cols = Layout {
        delimiter,
        decimal_comma,
        header_line,
        column_names: column_names.clone(),
        data_start_line,
        data_start_byte: lines[data_idx].start,
        time: TimeSource::Rate { rate_hz: 0.0 },
        axes,
        scale_to_ms2: 1.0,
        notes: Vec::new(),
        warnings: Vec::new(),
    };

    // Time.
    let time = match time_col {
        None => {
            let Some(rate_hz) = rate else {
                return Err(SourceError::RateRequired {
                    path: path.to_path_buf(),
                    what: "the file has no time column".into(),
                });
            };
            notes.push(format!(
                "time: none, row number at {rate_hz} Hz ({rate_origin})"
            ));
            TimeSource::Rate { rate_hz }
        }
        Some(c) => {
            let name = column_names.get(c).map(String::as_str).unwrap_or("");
            let label = layout_cols.column_label(c);
            let values: Vec<&[u8]> = table.column(c).take(2000).collect();
            let all = |k: Kind| {
                values
                    .iter()
                    .filter(|v| !trim(v).is_empty())
                    .all(|v| kind_of(v, decimal_comma) == k)
            };
            let (unit, why) = if let Some(u) = options.time_unit {
                (u, "given")
            } else if is_index_name(name) {
                (TimeUnit::SampleIndex, "sample counter by name")
            } else if !values.is_empty() && all(Kind::DateTime) {
                (TimeUnit::DateTime, "date-time stamps")
            } else if !values.is_empty() && all(Kind::Clock) {
                (TimeUnit::Clock, "clock times")
            } else if let Some(u) = time_unit_hint(name) {
                (u, "from the header")
            } else {
                let mut diffs: Vec<f64> = values
                    .windows(2)
                    .filter_map(|w| {
                        let a = parse_number(w[0], decimal_comma)?;
                        let b = parse_number(w[1], decimal_comma)?;
                        (b > a && (b - a).is_finite()).then_some(b - a)
                    })
                    .collect();
                match median(&mut diffs) {
                    Some(dt) => (unit_from_interval(dt), "from the sample interval"),
                    None => (TimeUnit::Seconds, "assumed"),
                }
            };
            let rate_hz = if unit == TimeUnit::SampleIndex {
                match rate {
                    Some(r) => Some(r),
                    None => {
                        return Err(SourceError::RateRequired {
                            path: path.to_path_buf(),
                            what: format!("column {label} is a sample counter"),
                        })
                    }
                }
            } else {
                None
            };
            notes.push(match rate_hz {
                Some(r) => format!("time: {label} sample counter at {r} Hz ({rate_origin})"),
                None => format!("time: {label} in {unit} ({why}), re-based to the first sample"),
            });
            TimeSource::Column {
                column: c,
                unit,
                rate_hz,
            }
        }
    };

    // Acceleration unit.
    let axes_label = match axes {
        Axes::Xyz(c) => format!(
            "{}, {}, {}",
            layout_cols.column_label(c[0]),
            layout_cols.column_label(c[1]),
            layout_cols.column_label(c[2])
        ),
        Axes::Magnitude(c) => format!("{} (magnitude only)", layout_cols.column_label(c)),
    };
    let header_units = match axes {
        Axes::Xyz(c) => c
            .iter()
            .find_map(|&i| column_names.get(i).and_then(|n| units_hint(n))),
        Axes::Magnitude(c) => column_names.get(c).and_then(|n| units_hint(n)),
    }
    .filter(|_| options.columns.is_none() || !column_names.is_empty());
    let scale_to_ms2 = match options.units {
        Units::G => {
            notes.push(format!("acceleration: {axes_label} in g (given)"));
            STANDARD_GRAVITY
        }
        Units::MetersPerSecond2 => {
            notes.push(format!("acceleration: {axes_label} in m/s² (given)"));
            1.0
        }
        Units::Auto => {
            if let Some((scale, name)) = header_units {
                notes.push(format!(
                    "acceleration: {axes_label} in {name} (from the header)"
                ));
                scale
            } else {
                let mut mags: Vec<f64> = table
                    .rows
                    .iter()
                    .filter_map(|r| magnitude(r, axes, decimal_comma))
                    .collect();
                let m = median(&mut mags).unwrap_or(0.0);
                let (scale, what) = if (0.5..=2.0).contains(&m) {
                    (STANDARD_GRAVITY, "g".to_string())
                } else if (5.0..=20.0).contains(&m) {
                    (1.0, "m/s²".to_string())
                } else if m > 20.0 {
                    (
                        STANDARD_GRAVITY / m,
                        format!("unknown sensor units, scaled so the median {m:.0} is 1 g"),
                    )
                } else if m > 0.0 && m < 0.5 {
                    (1.0, "m/s² (gravity removed, assumed)".to_string())
                } else if (2.0..5.0).contains(&m) {
                    if m < STANDARD_GRAVITY.sqrt() {
                        (STANDARD_GRAVITY, "g (ambiguous, closer to g)".to_string())
                    } else {
                        (1.0, "m/s² (ambiguous, closer to m/s²)".to_string())
                    }
                } else {
                    (1.0, "m/s² (assumed)".to_string())
                };
                notes.push(format!(
                    "acceleration: {axes_label} in {what} (median magnitude {m:.3})"
                ));
                scale
            }
        }
    };

    let mut warnings = Vec::new();
    if !unused_columns.is_empty() {
        let list = |cols: &[usize]| {
            cols.iter()
                .map(|c| (c + 1).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let taken = match layout_cols.axes {
            Axes::Xyz(a) => format!("columns {} as x, y, z", list(&a)),
            Axes::Magnitude(m) => format!("column {} as the magnitude", m + 1),
        };
        let taken = match time_col {
            Some(t) => format!("column {} as time and {taken}", t + 1),
            None => taken,
        };
        warnings.push(ReadWarning::ColumnsGuessed {
            taken,
            unused: list(&unused_columns),
        });
    }
    if let (Some(rate_hz), TimeSource::Column { column, unit, .. }) = (options.rate_hz, &time) {
        if *unit != TimeUnit::SampleIndex {
            warnings.push(ReadWarning::RateIgnored {
                rate_hz,
                time_column: layout_cols.column_label(*column),
                columns_without_time: layout_cols.columns_without_time(),
            });
        }
    }

    Ok(Layout {
        time,
        scale_to_ms2,
        notes,
        warnings,
        ..layout_cols
    })
}

/// Why the beginning of a file is not text, if it is not: NUL bytes (binary, or UTF-16), or
/// more than a tenth of the first KB control characters or bytes that are not UTF-8 (a
/// Latin-1 `µ` or `°` in a header is fine).
fn not_text(text: &[u8]) -> Option<String> {
    let head = &text[..text.len().min(1024)];
    if head.is_empty() {
        return None;
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some("it is a zip archive (a spreadsheet such as .xlsx?): export it as CSV".into());
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Some("it is UTF-16 text: save it as UTF-8 (or plain ASCII) CSV".into());
    }
    if head.contains(&0) {
        return Some("it has NUL bytes in the first KB (a binary file)".into());
    }
    let control = head
        .iter()
        .filter(|&&c| (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0C)) || c == 0x7F)
        .count();
    let mut invalid = 0;
    let mut rest = head;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(_) => break,
            Err(e) => match e.error_len() {
                Some(n) => {
                    invalid += n;
                    rest = &rest[e.valid_up_to() + n..];
                }
                None => break, // a character cut at the end of the KB
            },
        }
    }
    ((control + invalid) * 10 > head.len()).then(|| {
        format!(
            "{} of its first {} bytes are control characters or not UTF-8 (a binary file)",
            control + invalid,
            head.len()
        )
    })
}

/// `s` cut to at most `max` characters, with `…` when cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

fn magnitude(row: &[&[u8]], axes: Axes, decimal_comma: bool) -> Option<f64> {
    let m = match axes {
        Axes::Xyz(c) => {
            let x = parse_number(row.get(c[0])?, decimal_comma)?;
            let y = parse_number(row.get(c[1])?, decimal_comma)?;
            let z = parse_number(row.get(c[2])?, decimal_comma)?;
            (x * x + y * y + z * z).sqrt()
        }
        Axes::Magnitude(c) => parse_number(row.get(c)?, decimal_comma)?.abs(),
    };
    m.is_finite().then_some(m)
}

/// Columns of a headerless file: time first if it increases, constant columns skipped, then
/// three axes or one magnitude; and the other numeric columns, left unused.
fn headerless_columns(
    table: &Table<'_>,
    decimal_comma: bool,
) -> Option<(Option<usize>, Axes, Vec<usize>)> {
    let n = table.rows.iter().map(Vec::len).max()?;
    let numeric = |c: usize| -> Vec<f64> {
        table
            .column(c)
            .filter_map(|v| parse_number(v, decimal_comma))
            .collect()
    };
    let first_time_like = {
        let vals: Vec<&[u8]> = table.column(0).collect();
        let all_dates = vals.iter().all(|v| parse_datetime(v).is_some());
        let all_clock = vals.iter().all(|v| parse_clock(v).is_some());
        let nums = numeric(0);
        let increasing = nums.len() >= 2
            && nums.len() == vals.len()
            && nums.windows(2).filter(|w| w[1] > w[0]).count() * 10 >= (nums.len() - 1) * 9;
        all_dates || all_clock || (increasing && n > 1)
    };
    let time = first_time_like.then_some(0);
    let mut axes = Vec::new();
    for c in 0..n {
        if Some(c) == time {
            continue;
        }
        let vals = numeric(c);
        if vals.len() * 2 < table.rows.len() {
            continue; // mostly not numbers
        }
        let constant = vals.len() > 1 && vals.iter().all(|&v| v == vals[0]);
        let integer_code = vals.iter().all(|v| v.fract() == 0.0 && v.abs() < 100.0);
        if constant && integer_code {
            continue; // a sensor-type or status code
        }
        axes.push(c);
    }
    match axes.as_slice() {
        [x, y, z, unused @ ..] => Some((time, Axes::Xyz([*x, *y, *z]), unused.to_vec())),
        [m] => Some((time, Axes::Magnitude(*m), Vec::new())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(text: &str) -> Result<Layout, SourceError> {
        detect(
            text.as_bytes(),
            true,
            &ReadOptions::default(),
            Path::new("t.csv"),
        )
    }

    #[test]
    fn axis_names_are_recognised_and_others_refused() {
        for (n, a) in [
            ("x", Some(0)),
            ("ax", Some(0)),
            ("acc_y", Some(1)),
            ("Acceleration z (m/s^2)", Some(2)),
            ("gFx", Some(0)),
            ("Accelerometer Y", Some(1)),
            ("accelerationIncludingGravity_x", None), // one word, no separator: refused
            ("gyr_x", None),
            ("Mag_X", None),
            ("gravity_z", None),
            ("Steps", None),
        ] {
            assert_eq!(axis_of(n), a, "{n}");
        }
    }

    #[test]
    fn time_units_from_interval() {
        assert_eq!(unit_from_interval(0.01), TimeUnit::Seconds);
        assert_eq!(unit_from_interval(0.04), TimeUnit::Seconds);
        assert_eq!(unit_from_interval(10.0), TimeUnit::Millis);
        assert_eq!(unit_from_interval(2_466_000.0), TimeUnit::Nanos);
        assert_eq!(unit_from_interval(10_000.0), TimeUnit::Micros);
    }

    #[test]
    fn headerless_with_sensor_code_column() {
        let l =
            det("1000000000,3,0.1,0.2,9.8\n1002500000,3,0.1,0.2,9.8\n1005000000,3,0.2,0.2,9.7\n")
                .unwrap();
        assert_eq!(l.axes, Axes::Xyz([2, 3, 4]));
        assert!(matches!(
            l.time,
            TimeSource::Column {
                column: 0,
                unit: TimeUnit::Nanos,
                ..
            }
        ));
        assert_eq!(l.scale_to_ms2, 1.0);
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn headerless_with_more_numeric_columns_says_the_columns_were_guessed() {
        // index, temperature, then the axes: the first three after time are taken, with a
        // warning that names the unused column and how to choose.
        let l = det("0,24.5,9.7,0.2,0.1
1,24.6,9.8,0.1,0.2
2,24.4,9.6,0.3,0.1
")
        .unwrap();
        assert_eq!(l.axes, Axes::Xyz([1, 2, 3]));
        let w: Vec<String> = l.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("column 1 as time and columns 2, 3, 4 as x, y, z")
                && w[0].contains("column(s) 5 also hold numbers")
                && w[0].contains("--columns"),
            "{w:?}"
        );
    }

    #[test]
    fn empty_and_textual_files_are_errors() {
        assert!(matches!(det(""), Err(SourceError::Empty { .. })));
        assert!(matches!(det("\n\n# c\n"), Err(SourceError::Empty { .. })));
        assert!(matches!(
            det("a,b\nc,d\n"),
            Err(SourceError::NoNumericColumns { .. })
        ));
        assert!(matches!(
            det("foo,bar,baz\n1,2,3\n2,3,4\n3,4,5\n"),
            Err(SourceError::UnknownLayout { line: 1, .. })
        ));
    }

    #[test]
    fn sample_counter_needs_a_rate() {
        let text = "samples,acc_x,acc_y,acc_z\n0,1,0,0\n1,1,0,0\n2,1,0,0\n";
        assert!(matches!(det(text), Err(SourceError::RateRequired { .. })));
        let opts = ReadOptions {
            rate_hz: Some(100.0),
            ..Default::default()
        };
        let l = detect(text.as_bytes(), true, &opts, Path::new("m.csv")).unwrap();
        assert_eq!(l.scale_to_ms2, STANDARD_GRAVITY);
        assert_eq!(
            l.time,
            TimeSource::Column {
                column: 0,
                unit: TimeUnit::SampleIndex,
                rate_hz: Some(100.0)
            }
        );
    }

    #[test]
    fn preamble_rate_is_found() {
        assert_eq!(preamble_rate(b"Acquisition frequency: 100 Hz"), Some(100.0));
        assert_eq!(preamble_rate(b"Sample Rate = 30 Hz"), Some(30.0));
        assert_eq!(preamble_rate(b"Serial Number: NEO1"), None);
    }
}
