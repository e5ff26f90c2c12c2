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
//! [`analysis::Analyzer`]. Live use, one sample at a time (no allocation per sample):
//!
//! ```
//! use stridebeat::gait::{AccelSample, CadenceEstimator, DetectorConfig, LiveDetector, Motion};
//!
//! let mut detector = LiveDetector::new(DetectorConfig::default());
//! let mut cadence = CadenceEstimator::default(); // running from 145 spm
//! # let samples = (0..4000).map(|i| {
//! #     let t_s = i as f64 / 100.0;
//! #     let z = 9.81 + 4.0 * (2.0 * std::f64::consts::PI * 2.85 * t_s).sin();
//! #     AccelSample { t_s, acc: [0.3, 0.2, z as f32] }
//! # });
//! for sample in samples {
//!     // Steps this sample made certain: usually none or one (a bout's first steps come
//!     // together once the bout is confirmed). `t_s` is the estimated foot contact,
//!     // `reported_s` the time of the sample that reported it (recording clock).
//!     for step in detector.push(&sample) {
//!         cadence.on_step(step);
//!     }
//! }
//! let now_s = 39.99;
//! let spm = cadence.cadence_spm_checked(now_s, detector.period_s()).unwrap();
//! assert!((spm - 171.0).abs() < 2.0);
//! assert_eq!(cadence.motion(now_s), Motion::Run);
//! assert!(cadence.motion(now_s + 5.0) == Motion::Stopped);
//! ```

pub mod analysis;
pub mod bout;
pub mod cadence;
pub mod detector;
pub mod eval;
pub mod feature;
pub mod filters;
pub mod periodicity;
pub mod quantiles;
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
