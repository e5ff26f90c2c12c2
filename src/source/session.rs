//! stridebeat's own session recordings: writer and reader.
//!
//! A session file is a line-oriented CSV that a spreadsheet opens and a crash barely damages.
//! The first line names the format; the second is the column header; every further line is
//! one record, its kind in the first column:
//!
//! ```text
//! # stridebeat session v1
//! record,t_s,ax,ay,az,spm,value,kind,reason
//! meta,,,,,,,source,udp:127.0.0.1:5555
//! sample,0.01,0.12,9.81,0.3,,,,
//! step,0.512,,,,171.2,,,
//! cadence,1,,,,171.2,,run,
//! beat,0.35,,,,172,12,click,
//! target,60,,,,172,,,
//! coach,60,,,,172,170,raise,held 170.0±3 spm for 60 s
//! end,1234.5,,,,,,interrupted,
//! ```
//!
//! | record  | t_s                 | ax ay az       | spm                 | value     | kind                              | reason      |
//! |---------|---------------------|----------------|---------------------|-----------|-----------------------------------|-------------|
//! | meta    |                     |                |                     |           | key                               | value       |
//! | sample  | sensor time         | m/s²           |                     |           |                                   |             |
//! | step    | foot contact        |                | cadence after it    |           |                                   |             |
//! | cadence | estimate time       |                | measured (or empty) |           | `run`, `walk`, `stop`             |             |
//! | beat    | onset               |                | tempo of the beat   | beat no.  | `click`, `cue`                    |             |
//! | target  | change              |                | new target          |           |                                   |             |
//! | coach   | decision            |                | target after / base | from/cap  | `raise`, `back_off`, `hold.at_cap`, `hold.not_following`, `hold.not_steady`, `pause.walk`, `pause.stop`, `pause.stall`, `resume`, `baseline` | why, in words |
//! | end     | last time           |                |                     |           | why the session ended             |             |
//!
//! Every `t_s` is seconds on the *session clock*: seconds since the first sensor sample. Numbers
//! are written in Rust's shortest round-trip form, so a recording read back gives the very same
//! `f64`s (an offline replay decides exactly as the live session did).
//!
//! The writer flushes at least once a second (on the next record or [`SessionWriter::flush_if_due`]),
//! so a Ctrl-C or a kill loses at most about a second. The reader tolerates a truncated last line
//! (counted in [`Session::truncated_tail`]) and skips and counts any other bad line.

use crate::gait::AccelSample;
use crate::tempo::coach::{CoachEvent, Decision, HoldWhy, Motion, PauseCause};
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The first line of every session file (followed by a space and `v1`).
pub const MAGIC: &str = "# stridebeat session";
/// The format version this module writes and reads.
pub const VERSION: u32 = 1;
/// The column header (second line).
pub const HEADER: &str = "record,t_s,ax,ay,az,spm,value,kind,reason";
/// The writer flushes at least this often while records keep coming.
pub const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// How many skipped lines keep their line number and reason.
const MAX_SKIP_EXAMPLES: usize = 10;

/// True if `first_line` starts a stridebeat session file (for format detection).
pub fn is_session_header(first_line: &str) -> bool {
    first_line.trim_start_matches('\u{feff}').starts_with(MAGIC)
}

/// A fatal problem with a session file.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The file could not be created, written, opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The first line is not `# stridebeat session v1`.
    #[error("{path}:1: not a stridebeat session (the first line should be `{MAGIC} v{VERSION}`)")]
    NotASession {
        /// The file.
        path: PathBuf,
    },
    /// A session from a newer stridebeat.
    #[error("{path}:1: session format {found} is newer than this stridebeat reads (v{VERSION})")]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version text found.
        found: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/// A detected step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepRecord {
    /// Foot contact, seconds on the session clock.
    pub t_s: f64,
    /// Measured cadence right after this step, spm, if known.
    pub cadence_spm: Option<f64>,
}

/// A measured cadence and activity at one moment (written periodically).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CadenceRecord {
    /// Seconds on the session clock.
    pub t_s: f64,
    /// Measured cadence, spm, if known.
    pub spm: Option<f64>,
    /// Running, walking or stopped.
    pub motion: Motion,
}

/// A click that sounded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BeatRecord {
    /// Onset, seconds on the session clock.
    pub t_s: f64,
    /// Tempo the beat was played at, spm.
    pub spm: f64,
    /// Beat number since the click started (0-based).
    pub index: u64,
    /// True for the distinct cue sound that announces a change.
    pub cue: bool,
}

/// The target from this time on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TargetRecord {
    /// Seconds on the session clock.
    pub t_s: f64,
    /// Target cadence, spm.
    pub spm: f64,
}

/// How the session ended (the last record of a complete file).
#[derive(Clone, Debug, PartialEq)]
pub struct EndRecord {
    /// Seconds on the session clock.
    pub t_s: f64,
    /// Why, e.g. `input ended`, `interrupted`.
    pub reason: String,
}

/// A recorded session, read back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Session {
    /// `meta` records (key, value) in file order.
    pub meta: Vec<(String, String)>,
    /// Accelerometer samples.
    pub samples: Vec<AccelSample>,
    /// Detected steps.
    pub steps: Vec<StepRecord>,
    /// Measured cadence over time.
    pub cadence: Vec<CadenceRecord>,
    /// Beats sounded.
    pub beats: Vec<BeatRecord>,
    /// Target over time.
    pub targets: Vec<TargetRecord>,
    /// Coach decisions with their reasons.
    pub decisions: Vec<CoachEvent>,
    /// The `end` record, if the session ended cleanly.
    pub end: Option<EndRecord>,
    /// Lines skipped because they could not be read (not counting a truncated last line).
    pub skipped_lines: u64,
    /// The first few skipped lines: 1-based line number and what was wrong.
    pub skipped_examples: Vec<(u64, String)>,
    /// True if the last line was cut off (the writer was killed mid-line); it was dropped.
    pub truncated_tail: bool,
}

impl Session {
    /// The value of the first `meta` record with this key.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// True if the file ends with its `end` record and no line was lost.
    pub fn is_complete(&self) -> bool {
        self.end.is_some() && !self.truncated_tail
    }
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

/// Writes a session file record by record, flushing at least every [`FLUSH_EVERY`].
pub struct SessionWriter<W: Write> {
    out: W,
    line: String,
    last_flush: Instant,
    records: u64,
}

impl SessionWriter<BufWriter<std::fs::File>> {
    /// Create (or truncate) `path` and write the header and these `meta` records.
    pub fn create(path: &Path, meta: &[(&str, &str)]) -> Result<Self, SessionError> {
        let io_err = |source| SessionError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::create(path).map_err(io_err)?;
        SessionWriter::new(BufWriter::with_capacity(64 * 1024, file), meta).map_err(io_err)
    }
}

impl<W: Write> SessionWriter<W> {
    /// Start a session on `out`: header lines and `meta` records, flushed at once.
    pub fn new(out: W, meta: &[(&str, &str)]) -> io::Result<Self> {
        let mut w = Self {
            out,
            line: String::with_capacity(256),
            last_flush: Instant::now(),
            records: 0,
        };
        writeln!(w.out, "{MAGIC} v{VERSION}")?;
        writeln!(w.out, "{HEADER}")?;
        for (k, v) in meta {
            w.meta(k, v)?;
        }
        w.flush()?;
        Ok(w)
    }

    /// Records written so far (not counting the header).
    pub fn records(&self) -> u64 {
        self.records
    }

    fn record(&mut self, row: Row<'_>) -> io::Result<()> {
        let l = &mut self.line;
        l.clear();
        l.push_str(row.record);
        l.push(',');
        if let Some(t) = row.t_s {
            let _ = write!(l, "{t}");
        }
        match row.acc {
            Some([x, y, z]) => {
                let _ = write!(l, ",{x},{y},{z}");
            }
            None => l.push_str(",,,"),
        }
        l.push(',');
        if let Some(s) = row.spm {
            let _ = write!(l, "{s}");
        }
        l.push(',');
        if let Some(v) = row.value {
            let _ = write!(l, "{v}");
        }
        l.push(',');
        push_field(l, row.kind);
        l.push(',');
        push_field(l, row.reason);
        l.push('\n');
        self.out.write_all(l.as_bytes())?;
        self.records += 1;
        self.flush_if_due()
    }

    /// A `meta` record: free-form key and value (source, options, start time, version).
    pub fn meta(&mut self, key: &str, value: &str) -> io::Result<()> {
        self.record(Row {
            kind: key,
            reason: value,
            ..Row::new("meta", None)
        })
    }

    /// An accelerometer sample.
    pub fn sample(&mut self, s: &AccelSample) -> io::Result<()> {
        self.record(Row {
            acc: Some(s.acc),
            ..Row::new("sample", Some(s.t_s))
        })
    }

    /// A detected step and the cadence measured right after it.
    pub fn step(&mut self, t_s: f64, cadence_spm: Option<f64>) -> io::Result<()> {
        self.record(Row {
            spm: cadence_spm,
            ..Row::new("step", Some(t_s))
        })
    }

    /// The measured cadence and activity at `t_s`.
    pub fn cadence(&mut self, t_s: f64, spm: Option<f64>, motion: Motion) -> io::Result<()> {
        self.record(Row {
            spm,
            kind: motion.as_str(),
            ..Row::new("cadence", Some(t_s))
        })
    }

    /// A beat that sounded.
    pub fn beat(&mut self, b: &BeatRecord) -> io::Result<()> {
        let kind = if b.cue { "cue" } else { "click" };
        self.record(Row {
            spm: Some(b.spm),
            value: Some(b.index as f64),
            kind,
            ..Row::new("beat", Some(b.t_s))
        })
    }

    /// The target from `t_s` on.
    pub fn target(&mut self, t_s: f64, spm: f64) -> io::Result<()> {
        self.record(Row {
            spm: Some(spm),
            ..Row::new("target", Some(t_s))
        })
    }

    /// A coach decision with its reason.
    pub fn decision(&mut self, e: &CoachEvent) -> io::Result<()> {
        let (spm, value, kind) = encode_decision(&e.decision);
        self.record(Row {
            spm,
            value,
            kind,
            reason: &e.reason,
            ..Row::new("coach", Some(e.t_s))
        })
    }

    /// The `end` record, then a flush: the file is complete.
    pub fn end(&mut self, t_s: f64, reason: &str) -> io::Result<()> {
        self.record(Row {
            kind: reason,
            ..Row::new("end", Some(t_s))
        })?;
        self.flush()
    }

    /// Flush if the last flush is [`FLUSH_EVERY`] ago or more (call it on idle ticks too).
    pub fn flush_if_due(&mut self) -> io::Result<()> {
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    /// Flush everything written so far to the operating system.
    pub fn flush(&mut self) -> io::Result<()> {
        self.last_flush = Instant::now();
        self.out.flush()
    }

    /// The underlying writer (after a flush).
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.out)
    }
}

/// One line of a session file, before formatting.
struct Row<'a> {
    record: &'a str,
    t_s: Option<f64>,
    acc: Option<[f32; 3]>,
    spm: Option<f64>,
    value: Option<f64>,
    kind: &'a str,
    reason: &'a str,
}

impl<'a> Row<'a> {
    fn new(record: &'a str, t_s: Option<f64>) -> Self {
        Self {
            record,
            t_s,
            acc: None,
            spm: None,
            value: None,
            kind: "",
            reason: "",
        }
    }
}

/// Appends a CSV field, quoted when it holds a comma, a quote or a line break.
fn push_field(l: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        l.push('"');
        for c in s.chars() {
            match c {
                '"' => l.push_str("\"\""),
                '\n' | '\r' => l.push(' '),
                c => l.push(c),
            }
        }
        l.push('"');
    } else {
        l.push_str(s);
    }
}

fn encode_decision(d: &Decision) -> (Option<f64>, Option<f64>, &'static str) {
    match *d {
        Decision::BaselineSet {
            baseline_spm,
            cap_spm,
        } => (Some(baseline_spm), Some(cap_spm), "baseline"),
        Decision::Raise { from_spm, to_spm } => (Some(to_spm), Some(from_spm), "raise"),
        Decision::BackOff { from_spm, to_spm } => (Some(to_spm), Some(from_spm), "back_off"),
        Decision::Hold { target_spm, why } => (
            Some(target_spm),
            None,
            match why {
                HoldWhy::AtCap => "hold.at_cap",
                HoldWhy::NotFollowing => "hold.not_following",
                HoldWhy::NotSteady => "hold.not_steady",
            },
        ),
        Decision::Pause { cause } => (
            None,
            None,
            match cause {
                PauseCause::Walk => "pause.walk",
                PauseCause::Stop => "pause.stop",
                PauseCause::Stall => "pause.stall",
            },
        ),
        Decision::Resume => (None, None, "resume"),
    }
}

fn decode_decision(kind: &str, spm: Option<f64>, value: Option<f64>) -> Result<Decision, String> {
    let need = |v: Option<f64>, col: &str| v.ok_or_else(|| format!("`{kind}` needs `{col}`"));
    Ok(match kind {
        "baseline" => Decision::BaselineSet {
            baseline_spm: need(spm, "spm")?,
            cap_spm: need(value, "value")?,
        },
        "raise" => Decision::Raise {
            from_spm: need(value, "value")?,
            to_spm: need(spm, "spm")?,
        },
        "back_off" => Decision::BackOff {
            from_spm: need(value, "value")?,
            to_spm: need(spm, "spm")?,
        },
        "hold.at_cap" => Decision::Hold {
            target_spm: need(spm, "spm")?,
            why: HoldWhy::AtCap,
        },
        "hold.not_following" => Decision::Hold {
            target_spm: need(spm, "spm")?,
            why: HoldWhy::NotFollowing,
        },
        "hold.not_steady" => Decision::Hold {
            target_spm: need(spm, "spm")?,
            why: HoldWhy::NotSteady,
        },
        "pause.walk" => Decision::Pause {
            cause: PauseCause::Walk,
        },
        "pause.stop" => Decision::Pause {
            cause: PauseCause::Stop,
        },
        "pause.stall" => Decision::Pause {
            cause: PauseCause::Stall,
        },
        "resume" => Decision::Resume,
        other => return Err(format!("unknown coach decision `{other}`")),
    })
}

// ---------------------------------------------------------------------------------------------
// The samples of a session as plain accelerometer CSV (for the generic reader)
// ---------------------------------------------------------------------------------------------

/// Streams the `sample` records of a session as a plain `t_s,ax,ay,az` CSV, so the generic
/// accelerometer reader (and everything built on it: `analyze`, reports, plots) reads a
/// session like any other recording. Other records are left out; a cut-off last line is
/// dropped. Memory stays flat: one line at a time.
pub struct SessionSamplesCsv<R: BufRead> {
    input: R,
    line: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    header_done: bool,
}

impl<R: BufRead> SessionSamplesCsv<R> {
    /// Wrap a session file's bytes (starting at its first line).
    pub fn new(input: R) -> Self {
        Self {
            input,
            line: Vec::with_capacity(128),
            out: Vec::with_capacity(128),
            pos: 0,
            header_done: false,
        }
    }

    /// Fill `out` with the next converted line; false at the end.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        if !self.header_done {
            self.header_done = true;
            self.out.extend_from_slice(b"t_s,ax,ay,az\n");
            return Ok(true);
        }
        loop {
            self.line.clear();
            if self.input.read_until(b'\n', &mut self.line)? == 0 {
                return Ok(false);
            }
            if self.line.last() != Some(&b'\n') {
                return Ok(false); // cut-off last line
            }
            let Some(rest) = self.line.strip_prefix(b"sample,") else {
                continue;
            };
            // t_s,ax,ay,az are the first four fields after the record type.
            let mut commas = 0;
            let end = rest
                .iter()
                .position(|&c| {
                    commas += usize::from(c == b',');
                    commas == 4 || c == b'\n'
                })
                .unwrap_or(rest.len());
            self.out.extend_from_slice(&rest[..end]);
            self.out.push(b'\n');
            return Ok(true);
        }
    }
}

impl<R: BufRead> Read for SessionSamplesCsv<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

/// Read a session file.
pub fn read_session_file(path: &Path) -> Result<Session, SessionError> {
    let file = std::fs::File::open(path).map_err(|source| SessionError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_session(BufReader::new(file), path)
}

/// Read a session from any reader; `path` names it in errors.
pub fn read_session<R: Read>(reader: R, path: &Path) -> Result<Session, SessionError> {
    let mut reader = BufReader::new(reader);
    let io_err = |source| SessionError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut session = Session::default();
    let mut buf = Vec::with_capacity(256);
    let mut line_no: u64 = 0;
    let mut fields: Vec<String> = Vec::with_capacity(9);
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let complete = buf.last() == Some(&b'\n');
        let text = String::from_utf8_lossy(&buf);
        let text = text.trim_end_matches(['\n', '\r']);
        if line_no == 1 {
            check_magic(text, path)?;
            continue;
        }
        if !complete {
            // A cut-off last line: the writer was stopped mid-line.
            if !text.trim().is_empty() {
                session.truncated_tail = true;
            }
            break;
        }
        if text.trim().is_empty() || text.starts_with('#') || text == HEADER {
            continue;
        }
        split_csv(text, &mut fields);
        if let Err(why) = parse_record(&fields, &mut session) {
            session.skipped_lines += 1;
            if session.skipped_examples.len() < MAX_SKIP_EXAMPLES {
                session.skipped_examples.push((line_no, why));
            }
        }
    }
    if line_no == 0 {
        return Err(SessionError::NotASession {
            path: path.to_path_buf(),
        });
    }
    Ok(session)
}

fn check_magic(first: &str, path: &Path) -> Result<(), SessionError> {
    let first = first.trim_start_matches('\u{feff}');
    let Some(rest) = first.strip_prefix(MAGIC) else {
        return Err(SessionError::NotASession {
            path: path.to_path_buf(),
        });
    };
    let version = rest.trim();
    let number = version
        .strip_prefix('v')
        .and_then(|v| v.parse::<u32>().ok());
    match number {
        Some(v) if v <= VERSION => Ok(()),
        _ => Err(SessionError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version.to_string(),
        }),
    }
}

/// Splits one CSV line into fields (double-quoted fields may hold commas and `""`).
fn split_csv(line: &str, fields: &mut Vec<String>) {
    fields.clear();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    fields.push(cur);
}

fn num(fields: &[String], i: usize, name: &str) -> Result<Option<f64>, String> {
    let s = fields.get(i).map(|s| s.trim()).unwrap_or("");
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(format!("`{name}` is not a finite number: {s:?}")),
    }
}

fn parse_record(f: &[String], session: &mut Session) -> Result<(), String> {
    if f.len() < 9 {
        return Err(format!("{} fields, 9 needed", f.len()));
    }
    let t = num(f, 1, "t_s")?;
    let need_t = || t.ok_or_else(|| format!("`{}` needs a time", f[0]));
    let spm = num(f, 5, "spm")?;
    let value = num(f, 6, "value")?;
    let kind = f[7].trim();
    match f[0].as_str() {
        "meta" => session.meta.push((f[7].clone(), f[8].clone())),
        "sample" => {
            let t_s = need_t()?;
            let mut acc = [0f32; 3];
            for (i, a) in acc.iter_mut().enumerate() {
                *a = num(f, 2 + i, "acceleration")?.ok_or("a sample needs ax, ay and az")? as f32;
            }
            if session.samples.last().is_some_and(|p| t_s <= p.t_s) {
                return Err(format!("sample time {t_s} does not increase"));
            }
            session.samples.push(AccelSample { t_s, acc });
        }
        "step" => session.steps.push(StepRecord {
            t_s: need_t()?,
            cadence_spm: spm,
        }),
        "cadence" => {
            let motion = match kind {
                "run" => Motion::Run,
                "walk" => Motion::Walk,
                "stop" => Motion::Stop,
                other => return Err(format!("unknown activity `{other}`")),
            };
            session.cadence.push(CadenceRecord {
                t_s: need_t()?,
                spm,
                motion,
            });
        }
        "beat" => {
            let index = value.ok_or("a beat needs its number")?;
            if index < 0.0 || index.fract() != 0.0 {
                return Err(format!("beat number {index} is not a whole number"));
            }
            session.beats.push(BeatRecord {
                t_s: need_t()?,
                spm: spm.ok_or("a beat needs its tempo")?,
                index: index as u64,
                cue: kind == "cue",
            });
        }
        "target" => session.targets.push(TargetRecord {
            t_s: need_t()?,
            spm: spm.ok_or("a target needs its cadence")?,
        }),
        "coach" => session.decisions.push(CoachEvent {
            t_s: need_t()?,
            decision: decode_decision(kind, spm, value)?,
            reason: f[8].clone(),
        }),
        "end" => {
            session.end = Some(EndRecord {
                t_s: need_t()?,
                reason: kind.to_string(),
            })
        }
        other => return Err(format!("unknown record `{other}`")),
    }
    Ok(())
}
