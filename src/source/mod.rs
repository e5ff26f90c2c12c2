//! Sources: where samples come from. Accelerometer CSV format detection and parsing, live line
//! streams (stdin, UDP), WAV input and stridebeat's own session recordings.
//!
//! Reading a recording:
//! ```no_run
//! use stridebeat::source::{open, ReadOptions};
//! let mut reader = open("run.csv", &ReadOptions::default())?;
//! println!("{}", reader.layout().describe());
//! for sample in reader.by_ref() {
//!     let sample = sample?; // AccelSample { t_s, acc: [x, y, z] in m/s² }
//! }
//! println!("{} rows skipped", reader.skipped().count);
//! # Ok::<(), stridebeat::source::SourceError>(())
//! ```
//! Decoding live lines: [`LineDecoder`].

pub mod accel_csv;
pub mod decode;
pub mod detect;
pub mod error;
pub mod fields;
pub mod line;
pub mod live;
pub mod mapped;
pub mod options;
mod plain_simd;
pub mod session;
pub mod wav;

pub use accel_csv::{open, read_all, AccelReader, Recording};
pub use detect::{Axes, Layout, TimeSource};
pub use error::{
    Gap, Gaps, ReadWarning, SkipKind, SkipReason, SkippedRow, SkippedRows, SourceError, STDIN_NAME,
};
pub use line::LineDecoder;
pub use options::{ColumnRef, ColumnSpec, ReadOptions, TimeUnit, Units};
