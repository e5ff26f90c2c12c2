//! Tempo: what to play and when. Tempo programs and their parser, the sample-accurate beat clock,
//! and the adaptive coach. Pure code: no I/O, no threads, no clock of its own.

pub mod clock;
pub mod coach;
pub mod program;
