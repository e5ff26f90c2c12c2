//! Gait: how the runner moves. Filters, streaming step detection from acceleration, cadence
//! estimation and walk/run/stop segmentation. Pure and streaming: O(1) work per sample, no I/O.
//!
//! Pipeline (one concept per file):
//! [`feature`] (orientation-free scalar at the input rate) → [`resample`] (fixed internal grid)
//! → [`filters`] (gait band-pass) → [`periodicity`] (autocorrelation: step period, step vs
//! stride) → [`detector`] (peaks with adaptive threshold and cadence-following refractory
//! interval, missed alternate steps restored) → [`bout`] (only regular bouts count) →
//! [`cadence`] (live cadence and activity) and, offline, [`analysis`] + [`refine`] (missed
//! steps restored with hindsight) + [`segments`].
//!
//! The live API for the coach is [`LiveDetector`] + [`CadenceEstimator`]; the offline one is
//! [`analysis::Analyzer`].

pub mod analysis;
pub mod bout;
pub mod cadence;
pub mod detector;
pub mod eval;
pub mod feature;
pub mod filters;
pub mod periodicity;
pub mod refine;
pub mod resample;
pub mod segments;

pub use cadence::{CadenceEstimator, Motion};
pub use detector::{DetectorConfig, LiveDetector};
pub mod footfall;

/// One accelerometer reading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AccelSample {
    /// Seconds since the first sample of the recording (recording clock).
    pub t_s: f64,
    /// Acceleration in m/s² along the sensor's x, y, z axes, gravity included or not.
    /// Magnitude-only sources put the magnitude in `acc[0]` and zeros elsewhere.
    pub acc: [f32; 3],
}

/// One detected step, as the live detector reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepEvent {
    /// Estimated foot-contact time, seconds on the recording clock.
    pub t_s: f64,
    /// Recording-clock time of the input sample whose `push` reported this step (the report
    /// latency is `reported_s - t_s`).
    pub reported_s: f64,
    /// True when the step was not seen as a peak of its own but restored between two steps of
    /// the dominant leg (the gait's periodicity says a step belongs there).
    pub interpolated: bool,
    /// Peak height relative to the signal's recent amplitude (0 for restored steps).
    pub strength: f32,
}
