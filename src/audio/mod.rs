//! Audio: click voices, the renderer that fills buffers from the beat clock (shared by live
//! playback and WAV render), the real-time engine, and the cpal glue for output streams.
//!
//! - [`voice`]: click sounds synthesised into preallocated tables.
//! - [`renderer`]: the beat clock and voices into interleaved f32 buffers.
//! - [`engine`]: the callback-side [`engine::Engine`] and control-side [`engine::Controller`].
//! - [`output`]: the cpal glue (device choice, native rate, stream, faults).
//! - `device`: device naming and lookup by name, shared by [`output`] and [`input`].
//! - [`sample`]: f32 to device sample formats.
//! - [`beat_log`]: the `--beats` CSV log.
//! - [`watchdog`]: when a live output counts as failed.

pub mod beat_log;
mod device;
pub mod engine;
pub mod input;
pub mod output;
pub mod renderer;
pub mod sample;
pub mod voice;
pub mod watchdog;
