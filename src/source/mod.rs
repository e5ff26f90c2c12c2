//! Sources: where samples come from. Accelerometer CSV format detection and parsing, live line
//! streams (stdin, UDP), WAV input and stridebeat's own session recordings.

pub mod live;
pub mod session;
