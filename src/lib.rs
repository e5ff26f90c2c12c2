//! stridebeat: a cadence metronome and stride monitor for runners.
//!
//! The library holds the pure, sample-accurate core and the thin shells around it:
//! - [`tempo`]: what to play and when (tempo programs, the beat clock, the adaptive coach).
//! - [`audio`]: how it sounds (click voices, the renderer, the cpal device glue).
//! - [`gait`]: how the runner moves (filters, step detection, cadence, segments).
//! - [`source`]: where samples come from (CSV/WAV readers, live streams, session files).
//! - [`report`]: summaries, JSON, CSV and plots.
//!
//! Every time value names its clock and unit: `*_s` seconds, `*_samples` audio frames, and the
//! clock (stream, recording, wall) is stated on the field.

pub mod audio;
pub mod gait;
pub mod report;
pub mod source;
pub mod tempo;
