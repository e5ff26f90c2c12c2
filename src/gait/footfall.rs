//! Footfalls from sound: a streaming onset detector for the thump of a foot on a treadmill belt
//! or a road, heard by a microphone, that ignores the metronome's own click, music and motor
//! noise.
//!
//! Method (per hop of 2.5 ms, O(1) work per sample, nothing allocated after construction):
//! 1. A bank of 4th-order band-passes ([`bank`]): thump 40–120 and 120–400 Hz, mid 400–1500 Hz,
//!    slap 1.5–6 kHz. Each band's energy is integrated over about 1.5/bandwidth and compared
//!    with its own noise floor (a 20th-percentile tracker of the log energy), so steady motor
//!    noise and hum only raise the floor.
//! 2. Band flux: the rise of ln(energy + floor) over about 10–20 ms. The thump onset function is
//!    the flux of the two thump bands; the slap is the flux of the slap band.
//! 3. Peaks of the thump onset function above an adaptive threshold (an absolute floor, a
//!    multiple of the function's own 90th percentile, and a fraction of recent steps'
//!    strength) are candidates. A candidate needs a slap with it (a kick drum or a bass note
//!    thumps without one) and must clear a refractory interval that follows the cadence.
//! 4. The metronome's click ([`latency`]): the caller tells the detector when each click was
//!    rendered; the detector cross-correlates its click-likeness (band flux weighted by the
//!    click's own spectrum, learnt from the engine's voice table) with the click train to find
//!    the acoustic latency (Bluetooth included), learns how much thump a click alone makes
//!    (speaker rattle, console resonance), and rejects a candidate at an expected click arrival
//!    unless its thump exceeds what the click explains. Until the latency is known (the first
//!    few clicks), candidates wait instead of being counted.
//!
//! Offline analysis of a WAV file is the same detector fed from [`crate::source::wav`]; see
//! [`analyze_wav`].

pub mod bank;
pub mod detector;
pub mod latency;
pub mod offline;
pub mod track;

pub use detector::{Footfall, FootfallConfig, FootfallDetector, FootfallStats};
pub use latency::ClickLatency;
pub use offline::{analysis_from_steps, analyze_samples, analyze_wav, WavAnalysis};

/// Why a footfall detector could not be built or a recording analysed.
#[derive(Debug, thiserror::Error)]
pub enum FootfallError {
    /// Sample rate outside what the detector handles.
    #[error("sample rate {0} Hz is outside the supported 2 kHz – 768 kHz")]
    SampleRate(u32),
    /// A setting is out of range.
    #[error("bad footfall detector setting: {0}")]
    Config(&'static str),
    /// The WAV file could not be read.
    #[error(transparent)]
    Wav(#[from] crate::source::wav::WavError),
}
