//! The machine-readable report (`--json`). Field names are a contract with scripts (the
//! accuracy harness reads them): `steps`, `step_times_s` (seconds from the file's first
//! sample), `cadence_spm` (median over moving time), `segments`, `skipped_rows`, `gaps` (no
//! data), `warnings`, and more.

use super::stats::{CadenceBin, Spread, Stop};
use super::FileReport;
use crate::gait::analysis::Activity;
use crate::source::{Gap, SkipKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// A segment in the JSON report.
#[derive(Debug, Serialize)]
pub struct JsonSegment {
    /// Start, seconds from the first sample.
    pub start_s: f64,
    /// End, seconds from the first sample.
    pub end_s: f64,
    /// `walk` or `run`.
    pub activity: Activity,
    /// Steps in the segment.
    pub steps: usize,
    /// Median step cadence, spm: the median of 120 / stride over the segment's steps, the
    /// figure the summary prints (its quartiles are `cadence_iqr_spm`); the analysis's own
    /// estimate for a segment too short for that.
    pub cadence_spm: f64,
    /// Quartiles of step cadence in the segment, spm `[q1, q3]`.
    pub cadence_iqr_spm: Option<[f64; 2]>,
}

/// A skipped row in the JSON report.
#[derive(Debug, Serialize)]
pub struct JsonSkippedRow {
    /// 1-based line in the (decompressed) file.
    pub line: u64,
    /// Why it was skipped, in words.
    pub reason: String,
}

/// Skipped rows in the JSON report.
#[derive(Debug, Serialize)]
pub struct JsonSkipped {
    /// How many rows were skipped.
    pub count: u64,
    /// The first few, with line and reason.
    pub first: Vec<JsonSkippedRow>,
    /// How many for each reason (`time_backwards`, `duplicate_time`, `not_a_number`,
    /// `not_finite`, `too_few_fields`); reasons with none are left out.
    pub by_reason: BTreeMap<SkipKind, u64>,
}

/// The JSON report of one recording.
#[derive(Debug, Serialize)]
pub struct JsonReport {
    /// The file.
    pub file: String,
    /// How the file was read.
    pub format: String,
    /// Samples used.
    pub samples: u64,
    /// Time of the last sample, seconds from the first.
    pub duration_s: f64,
    /// Steps found.
    pub steps: usize,
    /// Step times, seconds from the file's first sample.
    pub step_times_s: Vec<f64>,
    /// Median step cadence over moving time, spm (`null` without steady steps).
    pub cadence_spm: Option<f64>,
    /// Quartiles of step cadence over moving time, spm `[q1, q3]`.
    pub cadence_iqr_spm: Option<[f64; 2]>,
    /// Time spent walking or running, seconds.
    pub moving_time_s: f64,
    /// Walking and running segments.
    pub segments: Vec<JsonSegment>,
    /// Stops between segments.
    pub stops: Vec<Stop>,
    /// Median cadence in equal time bins.
    pub cadence_over_time: Vec<CadenceBin>,
    /// Rows skipped while reading.
    pub skipped_rows: JsonSkipped,
    /// Stretches with no data (the logger paused), in time order: the first
    /// [`MAX_GAPS_LISTED`](crate::source::error::MAX_GAPS_LISTED); `gap_count` counts them all.
    pub gaps: Vec<Gap>,
    /// Number of gaps (may exceed the length of `gaps`).
    pub gap_count: u64,
    /// Seconds without data, all gaps together.
    pub no_data_s: f64,
    /// The reader's warnings (an option it had no use for), in words.
    pub warnings: Vec<String>,
    /// Steps of the other foot put half-way between the sensor's own foot's steps, when it was
    /// worn on one foot or ankle (0 otherwise; included in `steps`).
    pub other_foot_steps: u64,
}

fn iqr(s: &Option<Spread>) -> Option<[f64; 2]> {
    s.map(|s| [s.q1_spm, s.q3_spm])
}

impl JsonReport {
    /// The JSON view of a report.
    pub fn new(r: &FileReport) -> Self {
        let s = &r.summary;
        JsonReport {
            file: r.path.display().to_string(),
            format: r.format.clone(),
            samples: r.samples,
            duration_s: r.duration_s,
            steps: s.steps,
            step_times_s: r.analysis.step_times_s.clone(),
            cadence_spm: s.cadence.map(|c| c.median_spm),
            cadence_iqr_spm: iqr(&s.cadence),
            moving_time_s: s.moving_time_s,
            segments: s
                .segments
                .iter()
                .map(|g| JsonSegment {
                    start_s: g.segment.start_s,
                    end_s: g.segment.end_s,
                    activity: g.segment.activity,
                    steps: g.segment.steps,
                    cadence_spm: g.spread.map_or(g.segment.cadence_spm, |sp| sp.median_spm),
                    cadence_iqr_spm: iqr(&g.spread),
                })
                .collect(),
            stops: s.stops.clone(),
            cadence_over_time: s.cadence_over_time.clone(),
            skipped_rows: JsonSkipped {
                count: r.skipped.count,
                first: r
                    .skipped
                    .first
                    .iter()
                    .map(|row| JsonSkippedRow {
                        line: row.line,
                        reason: row.reason.to_string(),
                    })
                    .collect(),
                by_reason: SkipKind::ALL
                    .into_iter()
                    .map(|k| (k, r.skipped.of_kind(k)))
                    .filter(|&(_, n)| n > 0)
                    .collect(),
            },
            gaps: r.gaps.first.clone(),
            gap_count: r.gaps.count,
            no_data_s: r.gaps.total_s,
            warnings: r.warnings.clone(),
            other_foot_steps: r.other_foot_steps,
        }
    }
}

/// A file that could not be analysed, in a multi-file JSON array.
#[derive(Debug, Serialize)]
pub struct JsonFailure {
    /// The file.
    pub file: String,
    /// What went wrong.
    pub error: String,
}
