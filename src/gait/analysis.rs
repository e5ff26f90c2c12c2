//! Offline analysis of a whole recording: feeds samples through the streaming detector and
//! collects steps, cadence over time and walk/run/stop segments.
//!
//! Contract used by `stridebeat analyze` and the report module. The detector behind it is
//! placeholder until the gait work lands.

use super::AccelSample;
use serde::Serialize;

/// What the runner was doing during a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    /// Walking cadence (roughly 60–145 spm).
    Walk,
    /// Running cadence (roughly 145–230 spm).
    Run,
}

/// A stretch of continuous walking or running.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Segment {
    /// Start, seconds on the recording clock.
    pub start_s: f64,
    /// End, seconds on the recording clock.
    pub end_s: f64,
    /// Walking or running.
    pub activity: Activity,
    /// Steps in the segment.
    pub steps: usize,
    /// Median cadence over the segment, steps per minute.
    pub cadence_spm: f64,
}

/// Cadence at one moment, for plots and the compact cadence-over-time line.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CadencePoint {
    /// Seconds on the recording clock.
    pub t_s: f64,
    /// Estimated cadence, steps per minute.
    pub spm: f64,
}

/// Everything the offline analysis found in one recording.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// Step (foot contact) times, seconds on the recording clock.
    pub step_times_s: Vec<f64>,
    /// Walking and running segments, in time order. Gaps between them are stops.
    pub segments: Vec<Segment>,
    /// Cadence over time.
    pub cadence: Vec<CadencePoint>,
}

/// Settings of the offline analysis.
#[derive(Clone, Debug, Default)]
pub struct AnalyzerConfig {}

/// Streaming offline analyser: push every sample in time order, then [`Analyzer::finish`].
#[derive(Debug, Default)]
pub struct Analyzer {
    analysis: Analysis,
}

impl Analyzer {
    /// A fresh analyser.
    pub fn new(_config: AnalyzerConfig) -> Self {
        Self::default()
    }

    /// Feed one sample (times must increase).
    pub fn push(&mut self, _sample: &AccelSample) {}

    /// Finish the recording and return what was found.
    pub fn finish(self) -> Analysis {
        self.analysis
    }
}
