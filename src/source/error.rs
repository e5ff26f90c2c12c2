//! Errors of the recording readers, and the record of rows they skipped.
//!
//! A *fatal* problem (the file cannot be opened, is empty, has no numeric columns, its layout
//! cannot be recognised, it needs a sample rate nobody gave) is a [`SourceError`] naming the file
//! and, where it applies, the line. An *isolated* bad row (NaN, a short row, text in a number
//! column, time going backwards) is not fatal: the reader skips it and counts it in
//! [`SkippedRows`], keeping the first few line numbers and reasons for the report.

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
    #[error("{path}: the file is empty")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// No line of the file's beginning has numbers in it.
    #[error("{path}: no numeric columns found in the first {lines_examined} lines")]
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
            | SourceError::NoNumericColumns { path, .. }
            | SourceError::UnknownLayout { path, .. }
            | SourceError::RateRequired { path, .. }
            | SourceError::BadOption { path, .. }
            | SourceError::NoSamples { path, .. } => path,
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

/// Rows a reader skipped: how many, and the first [`MAX_SKIPPED_EXAMPLES`] of them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SkippedRows {
    /// Number of skipped rows.
    pub count: u64,
    /// The first few skipped rows with line and reason.
    pub first: Vec<SkippedRow>,
}

impl SkippedRows {
    /// Count one skipped row, keeping it as an example while there is room.
    pub fn record(&mut self, line: u64, reason: SkipReason) {
        self.count += 1;
        if self.first.len() < MAX_SKIPPED_EXAMPLES {
            self.first.push(SkippedRow { line, reason });
        }
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
