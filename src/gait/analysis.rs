//! Offline analysis of a whole recording: feeds samples through the streaming detector and
//! collects steps, cadence over time and walk/run/stop segments.
//!
//! Contract used by `stridebeat analyze` and the report module. The detector is the same
//! streaming one the live coach uses ([`super::LiveDetector`]); the step list is then split
//! into walking and running segments ([`super::segments`]).

use super::refine::{fill_missed_steps, fill_sustained_gaps};
use super::segments::{segment, PAUSE_S};
use super::{AccelSample, DetectorConfig, LiveDetector};
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
#[derive(Clone, Debug)]
pub struct AnalyzerConfig {
    /// The step detector's settings (the live coach uses the same).
    pub detector: DetectorConfig,
    /// Cadences at or above this are running, steps per minute.
    pub run_from_spm: f64,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        Self {
            detector: DetectorConfig::default(),
            run_from_spm: 145.0,
        }
    }
}

/// Streaming offline analyser: push every sample in time order, then [`Analyzer::finish`].
///
/// Memory is bounded by the detector's fixed state plus the list of step times.
#[derive(Debug)]
pub struct Analyzer {
    config: AnalyzerConfig,
    detector: LiveDetector,
    steps: Vec<f64>,
}

impl Analyzer {
    /// A fresh analyser.
    pub fn new(config: AnalyzerConfig) -> Self {
        Self {
            detector: LiveDetector::new(config.detector),
            config,
            steps: Vec::new(),
        }
    }

    /// Feed one sample (times must increase; others are ignored).
    pub fn push(&mut self, sample: &AccelSample) {
        for s in self.detector.push(sample) {
            self.steps.push(s.t_s);
        }
    }

    /// Finish the recording and return what was found.
    pub fn finish(self) -> Analysis {
        let mut steps = self.steps;
        steps.sort_by(f64::total_cmp);
        steps.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
        let steps = fill_missed_steps(&steps, PAUSE_S);
        let steps = fill_sustained_gaps(&steps, PAUSE_S);
        let (segments, cadence) = segment(&steps, self.config.run_from_spm);
        Analysis {
            step_times_s: steps,
            segments,
            cadence,
        }
    }
}
