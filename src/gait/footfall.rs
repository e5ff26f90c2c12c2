//! Footfalls from sound: a streaming onset detector for the thump of a foot on a treadmill belt
//! or a road, heard by a microphone, that ignores the metronome's own click, music and motor
//! noise.
//!
//! Method (per hop of 2.5 ms, O(1) work per sample, nothing allocated after construction):
//! 1. A bank of 4th-order band-passes ([`bank`]): thump 40–120 and 120–400 Hz (a foot on a
//!    belt or road; phone and laptop microphones roll off below about 100 Hz, hence the upper
//!    thump band), mid 400–1500 Hz, slap 1.5–6 kHz. Each band's energy is integrated over about
//!    1.5/bandwidth and measured against its own noise floor: a 20th-percentile tracker of the
//!    log energy, lifted at once to the band's minimum over the last half second when the
//!    background gets louder (minimum statistics), so steady motor noise and hum only raise it.
//! 2. Band flux: the rise of ln(energy + floor) over 10–20 ms. The thump onset function is the
//!    flux of the two thump bands; the slap is the slap band's flux less a quarter of the mid
//!    band's (a chord onset rises in the mid band and only leaks into the slap band).
//! 3. Peaks of the thump onset function above an adaptive threshold (an absolute floor, 2.4 ×
//!    its own 90th percentile, a fraction of recent steps' strength) are candidates, timed at
//!    the start of their rise. A candidate must clear a refractory interval that follows the
//!    cadence (half the lower quartile of recent intervals) and show a footfall's heel slap
//!    (a kick drum or a bass note thumps without one). The slap asked for falls as broadband
//!    noise buries slaps, is halved where the runner's stride puts a step and doubled off it;
//!    when slaps are buried altogether, an off-stride thump must be as strong as the steps.
//! 4. The metronome's click ([`latency`]): the caller tells the detector when each click was
//!    rendered. The detector cross-correlates its click-likeness (band flux weighted by the
//!    click's own spectrum, learnt from the engine's voice table) with the click train to find
//!    the acoustic latency (Bluetooth included; the first click settles which alias of a steady
//!    train is real), then learns the click's heard band energy at each offset (a low quantile
//!    over clicks, so steps near clicks do not creep in, console rattle included). Where a click
//!    is expected, its energy raises the reference the onset function rises from, so only
//!    energy beyond the click's counts; a thump whose slap the click hides counts only where
//!    the stride puts a step; a residual test against the learnt click-to-thump leak is a
//!    second guard. Until the latency is known (the first clicks), candidates wait.
//!
//! Offline analysis of a WAV file is the same detector fed from [`crate::source::wav`], its
//! steps finished like the accelerometer path's ([`analysis_from_steps`]); see [`analyze_wav`].
//! The live microphone source is [`crate::audio::input`].

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
