//! Errors of the recording readers, and the record of rows they skipped.
//!
//! A *fatal* problem (the file cannot be opened, is empty, has no numeric columns, its layout
//! cannot be recognised, it needs a sample rate nobody gave) is a [`SourceError`] naming the file
//! and, where it applies, the line. An *isolated* bad row (NaN, a short row, text in a number
//! column, time going backwards) is not fatal: the reader skips it and counts it in
//! [`SkippedRows`], keeping the first few line numbers and reasons for the report.
//! A stretch of time with no rows at all (the logger paused) is kept as it is and recorded in
//! [`Gaps`], so the report can say "no data" there instead of guessing the runner stopped.
//! Something the reader did that the user may not expect (an option it had no use for) is a
//! [`ReadWarning`].

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// How many skipped rows keep their line number and reason (the rest are only counted).
pub const MAX_SKIPPED_EXAMPLES: usize = 10;

/// A fatal problem reading a recording.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be opened or read (or its gzip stream is corrupt).
    #[error("{path}: cannot read the file")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system (or the gzip decoder) said.
        #[source]
        source: std::io::Error,
    },
    /// The file holds no data at all (zero bytes, or only blank lines / comments).
    #[error("{path}: {}", if is_stdin(path) { "nothing came in, it is empty" } else { "the file is empty" })]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file has a header line but not a single data row after it.
    #[error("{path}: the file has a header (line {line}: `{header}`) but no data rows after it")]
    NoDataRows {
        /// The file.
        path: PathBuf,
        /// 1-based line of the header.
        line: u64,
        /// The header line, shortened if long.
        header: String,
    },
    /// The file's first bytes are not text: a binary file, a spreadsheet, a UTF-16 export.
    #[error(
        "{path}: this does not look like a text (CSV) file: {why}; stridebeat reads \
         accelerometer CSV/TSV text (plain or .gz) and WAV recordings"
    )]
    NotText {
        /// The file.
        path: PathBuf,
        /// What gave it away, e.g. "NUL bytes in the first KB".
        why: String,
    },
    /// No line of the file's beginning has numbers in it.
    #[error(
        "{path}: no numeric columns found in the first {lines_examined} line{}",
        if *lines_examined == 1 { "" } else { "s" }
    )]
    NoNumericColumns {
        /// The file.
        path: PathBuf,
        /// How many lines were looked at.
        lines_examined: usize,
    },
    /// The layout could not be recognised: the columns holding time and acceleration are unknown.
    #[error("{path}:{line}: unknown layout: {problem} (name the columns with --columns)")]
    UnknownLayout {
        /// The file.
        path: PathBuf,
        /// The line (1-based) where the problem shows, usually the header.
        line: u64,
        /// What is missing or ambiguous.
        problem: String,
    },
    /// The file has no usable time column and no sample rate was given or found in the file.
    #[error(
        "{path}: {what} but no sample rate: pass --rate HZ (e.g. --rate 100), \
         there is no safe default"
    )]
    RateRequired {
        /// The file.
        path: PathBuf,
        /// Why a rate is needed, e.g. "column `samples` is a sample counter".
        what: String,
    },
    /// An explicit option does not fit the file (a named column is missing, a position is past
    /// the last column).
    #[error("{path}:{line}: {problem}")]
    BadOption {
        /// The file.
        path: PathBuf,
        /// The line (1-based) the option was checked against, usually the header.
        line: u64,
        /// What does not fit.
        problem: String,
    },
    /// Every data row was skipped: nothing usable in the file.
    #[error("{path}: no usable samples: all {} data rows were skipped ({})", skipped.count, skipped.summary())]
    NoSamples {
        /// The file.
        path: PathBuf,
        /// The skipped rows, with the first few reasons.
        skipped: SkippedRows,
    },
}

impl SourceError {
    /// The file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            SourceError::Io { path, .. }
            | SourceError::Empty { path }
            | SourceError::NoDataRows { path, .. }
            | SourceError::NotText { path, .. }
            | SourceError::NoNumericColumns { path, .. }
            | SourceError::UnknownLayout { path, .. }
            | SourceError::RateRequired { path, .. }
            | SourceError::BadOption { path, .. }
            | SourceError::NoSamples { path, .. } => path,
        }
    }
}

/// The name readers give standard input (the path `-`) in errors and reports.
pub const STDIN_NAME: &str = "standard input";

/// True when `path` is standard input as the readers name it ([`STDIN_NAME`]) or as it is given
/// (`-`).
pub fn is_stdin(path: &std::path::Path) -> bool {
    path.as_os_str() == "-" || path.as_os_str() == STDIN_NAME
}

/// Something the reader did that the user may not expect. Not fatal: the file is read.
#[derive(Clone, Debug, PartialEq)]
pub enum ReadWarning {
    /// `--rate` was given but the file has its own time column, whose time stamps are used.
    RateIgnored {
        /// The rate given, Hz.
        rate_hz: f64,
        /// The time column, as the report names it (`` `t` `` or `column 1`).
        time_column: String,
        /// A `--columns` value that leaves the time column out, so the rate is used.
        columns_without_time: String,
    },
    /// A headerless file has more numeric columns than time and x, y, z: which ones are the
    /// acceleration was a guess.
    ColumnsGuessed {
        /// What was taken, in words (`column 1 as time and columns 2, 3, 4 as x, y, z`).
        taken: String,
        /// The numeric columns left out, 1-based (`5, 6`).
        unused: String,
    },
}

impl fmt::Display for ReadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadWarning::RateIgnored {
                rate_hz,
                time_column,
                columns_without_time,
            } => write!(
                f,
                "--rate {rate_hz} is not used: the file has its own time column {time_column}, \
                 and its time stamps are kept (gaps included); to time the rows by --rate \
                 instead, leave the time column out: --columns {columns_without_time}"
            ),
            ReadWarning::ColumnsGuessed { taken, unused } => write!(
                f,
                "the file has no header, so its columns were guessed: {taken}; column(s) \
                 {unused} also hold numbers and were left out. If the acceleration is elsewhere, \
                 name the columns by position with --columns TIME,X,Y,Z (for example \
                 --columns 1,3,4,5)"
            ),
        }
    }
}

/// Why a single row was skipped.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SkipReason {
    /// The row has fewer fields than the layout needs (a truncated or cut-off line).
    TooFewFields {
        /// Fields present.
        found: usize,
        /// Fields needed.
        needed: usize,
    },
    /// A field that should hold a number or a time does not parse.
    NotANumber {
        /// 1-based column.
        column: usize,
    },
    /// A field parses but is NaN, infinite, or too large to be an acceleration or a time.
    NotFinite {
        /// 1-based column.
        column: usize,
    },
    /// The time is earlier than the previous sample's.
    TimeBackwards {
        /// This row's time, seconds on the recording clock.
        t_s: f64,
        /// The previous kept sample's time.
        previous_s: f64,
    },
    /// The time equals the previous sample's.
    DuplicateTime {
        /// The repeated time, seconds on the recording clock.
        t_s: f64,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::TooFewFields { found, needed } => {
                write!(f, "truncated row ({found} fields, {needed} needed)")
            }
            SkipReason::NotANumber { column } => write!(f, "not a number in column {column}"),
            SkipReason::NotFinite { column } => {
                write!(f, "NaN, infinite or out-of-range value in column {column}")
            }
            SkipReason::TimeBackwards { t_s, previous_s } => write!(
                f,
                "time goes backwards ({t_s:.3} s after {previous_s:.3} s)"
            ),
            SkipReason::DuplicateTime { t_s } => write!(f, "duplicate time {t_s:.3} s"),
        }
    }
}

/// One skipped row, kept as an example for the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SkippedRow {
    /// 1-based line number in the (decompressed) file.
    pub line: u64,
    /// Why it was skipped.
    pub reason: SkipReason,
}

impl SkipReason {
    /// The reason's kind, without its details.
    pub fn kind(&self) -> SkipKind {
        match self {
            SkipReason::TooFewFields { .. } => SkipKind::TooFewFields,
            SkipReason::NotANumber { .. } => SkipKind::NotANumber,
            SkipReason::NotFinite { .. } => SkipKind::NotFinite,
            SkipReason::TimeBackwards { .. } => SkipKind::TimeBackwards,
            SkipReason::DuplicateTime { .. } => SkipKind::DuplicateTime,
        }
    }
}

/// The kinds of [`SkipReason`], for counting skipped rows by reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipKind {
    /// [`SkipReason::TooFewFields`].
    TooFewFields,
    /// [`SkipReason::NotANumber`].
    NotANumber,
    /// [`SkipReason::NotFinite`].
    NotFinite,
    /// [`SkipReason::TimeBackwards`].
    TimeBackwards,
    /// [`SkipReason::DuplicateTime`].
    DuplicateTime,
}

impl SkipKind {
    /// Every kind, in the order of [`SkippedRows::by_kind`].
    pub const ALL: [SkipKind; 5] = [
        SkipKind::TooFewFields,
        SkipKind::NotANumber,
        SkipKind::NotFinite,
        SkipKind::TimeBackwards,
        SkipKind::DuplicateTime,
    ];

    /// The reason in a few words, e.g. `time goes backwards`.
    pub fn describe(self) -> &'static str {
        match self {
            SkipKind::TooFewFields => "truncated row",
            SkipKind::NotANumber => "not a number",
            SkipKind::NotFinite => "NaN, infinite or out-of-range value",
            SkipKind::TimeBackwards => "time goes backwards",
            SkipKind::DuplicateTime => "duplicate time",
        }
    }
}

/// Rows a reader skipped: how many, how many for each reason, and the first
/// [`MAX_SKIPPED_EXAMPLES`] of them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SkippedRows {
    /// Number of skipped rows.
    pub count: u64,
    /// The first few skipped rows with line and reason.
    pub first: Vec<SkippedRow>,
    /// Skipped rows per reason, in the order of [`SkipKind::ALL`].
    pub by_kind: [u64; 5],
}

impl SkippedRows {
    /// Count one skipped row, keeping it as an example while there is room.
    pub fn record(&mut self, line: u64, reason: SkipReason) {
        self.count += 1;
        self.by_kind[reason.kind() as usize] += 1;
        if self.first.len() < MAX_SKIPPED_EXAMPLES {
            self.first.push(SkippedRow { line, reason });
        }
    }

    /// Skipped rows for one reason.
    pub fn of_kind(&self, kind: SkipKind) -> u64 {
        self.by_kind[kind as usize]
    }

    /// The reason most rows were skipped for, with its count (`None` when none were).
    pub fn main_kind(&self) -> Option<(SkipKind, u64)> {
        SkipKind::ALL
            .into_iter()
            .map(|k| (k, self.of_kind(k)))
            .filter(|&(_, n)| n > 0)
            .max_by_key(|&(_, n)| n)
    }

    /// The first skipped row of one kind among the examples kept.
    pub fn first_of_kind(&self, kind: SkipKind) -> Option<&SkippedRow> {
        self.first.iter().find(|r| r.reason.kind() == kind)
    }

    /// A one-line human summary of the first few examples, e.g.
    /// `line 7: not a number in column 2; line 9: duplicate time 0.080 s`.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (i, row) in self.first.iter().take(3).enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            out.push_str(&format!("line {}: {}", row.line, row.reason));
        }
        if self.count > 3 {
            out.push_str("; …");
        }
        out
    }
}

/// Gaps kept in [`Gaps::first`] (16 bytes each); the rest are only counted (and their time
/// summed). The report takes the kept ones out of moving time and stops; a recording with more
/// gaps than this (a logger that pauses every few seconds for hours) is told so.
pub const MAX_GAPS_LISTED: usize = 10_000;

/// A step in time between two consecutive rows longer than this (seconds) is a gap: the
/// logger recorded nothing there. No accelerometer worth reading samples that slowly, and
/// the report's stops are at least 2 s.
pub const MIN_GAP_S: f64 = 1.0;

/// A stretch of the recording with no rows: from one sample to the next, more than
/// [`MIN_GAP_S`] apart.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Gap {
    /// Time of the last sample before the gap, seconds on the recording clock.
    pub start_s: f64,
    /// Time of the first sample after it.
    pub end_s: f64,
}

/// The gaps of a recording: how many, their total length, and the first [`MAX_GAPS_LISTED`]
/// of them in time order (memory stays bounded whatever the file holds).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Gaps {
    /// Number of gaps.
    pub count: u64,
    /// Their total length, seconds.
    pub total_s: f64,
    /// The first few, in time order.
    pub first: Vec<Gap>,
}

impl Gaps {
    /// Count one gap, keeping it while there is room.
    #[cold]
    #[inline(never)]
    pub fn record(&mut self, start_s: f64, end_s: f64) {
        self.count += 1;
        self.total_s += end_s - start_s;
        if self.first.len() < MAX_GAPS_LISTED {
            self.first.push(Gap { start_s, end_s });
        }
    }
}
