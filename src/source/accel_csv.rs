//! The streaming accelerometer file reader: detect the layout from the first bytes, then parse
//! row by row with the `csv` crate's `ByteRecord` (no per-field `String`s) and `fast-float2`.
//!
//! Memory stays flat whatever the recording's length: the reader holds the detection prefix (at
//! most [`PREFIX_BYTES`]), one record and the csv crate's buffer. Gzip files (`.gz`, recognised
//! by their magic bytes, not the name) are decompressed on the fly.

use super::decode::RowDecoder;
use super::detect::{detect, Layout};
use super::error::{SkippedRows, SourceError};
use super::options::ReadOptions;
use crate::gait::AccelSample;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

/// Bytes read ahead to detect the format.
pub const PREFIX_BYTES: usize = 256 * 1024;

/// Buffer size of the csv reader.
const CSV_BUFFER: usize = 256 * 1024;

/// A streaming reader of one accelerometer recording: an iterator of samples in time order.
///
/// Bad rows are skipped and counted ([`AccelReader::skipped`]); the iterator yields `Err` only
/// for fatal problems (I/O, corrupt gzip, or no usable row at all), after which it ends.
pub struct AccelReader {
    path: PathBuf,
    layout: Layout,
    csv: csv::Reader<Box<dyn Read + Send>>,
    record: csv::ByteRecord,
    decoder: RowDecoder,
    /// Lines before the data start (added to the csv reader's own line numbers).
    line_base: u64,
    skipped: SkippedRows,
    samples: u64,
    done: bool,
}

impl std::fmt::Debug for AccelReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccelReader")
            .field("path", &self.path)
            .field("layout", &self.layout)
            .field("samples", &self.samples)
            .field("skipped", &self.skipped.count)
            .finish()
    }
}

/// Open a recording file (plain or gzip) and detect its layout.
pub fn open(path: impl AsRef<Path>, options: &ReadOptions) -> Result<AccelReader, SourceError> {
    let path = path.as_ref();
    let io = |source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut buffered = BufReader::with_capacity(64 * 1024, file);
    let head = buffered.fill_buf().map_err(io)?;
    let is_gzip = head.starts_with(&[0x1f, 0x8b]);
    let is_session = head.starts_with(super::session::MAGIC.as_bytes());
    let input: Box<dyn Read + Send> = if is_gzip {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else if is_session {
        // stridebeat's own session recording: read its samples.
        Box::new(super::session::SessionSamplesCsv::new(buffered))
    } else {
        Box::new(buffered)
    };
    AccelReader::from_reader(path, input, options)
}

/// Read a whole recording into memory: samples, layout and skipped rows. Convenient for tests
/// and short files; [`open`] streams.
pub fn read_all(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Recording, SourceError> {
    let mut reader = open(path, options)?;
    let samples = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    Ok(Recording {
        samples,
        layout: reader.layout.clone(),
        skipped: reader.skipped.clone(),
    })
}

/// A recording read into memory by [`read_all`].
#[derive(Clone, Debug)]
pub struct Recording {
    /// The samples, in time order.
    pub samples: Vec<AccelSample>,
    /// How the file was read.
    pub layout: Layout,
    /// Rows skipped.
    pub skipped: SkippedRows,
}

impl AccelReader {
    /// Read from any byte stream (already decompressed). `path` labels errors and reports.
    pub fn from_reader(
        path: impl Into<PathBuf>,
        mut input: Box<dyn Read + Send>,
        options: &ReadOptions,
    ) -> Result<AccelReader, SourceError> {
        let path = path.into();
        let mut prefix = Vec::with_capacity(64 * 1024);
        let complete = read_prefix(&mut input, &mut prefix, PREFIX_BYTES).map_err(|source| {
            SourceError::Io {
                path: path.clone(),
                source,
            }
        })?;
        let bom = if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
            3
        } else {
            0
        };
        let layout = detect(&prefix[bom..], complete, options, &path)?;
        let mut cursor = Cursor::new(prefix);
        cursor.set_position((bom + layout.data_start_byte) as u64);
        let stream: Box<dyn Read + Send> = Box::new(cursor.chain(input));
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(layout.delimiter)
            .comment(Some(b'#'))
            .buffer_capacity(CSV_BUFFER)
            .from_reader(stream);
        Ok(AccelReader {
            decoder: RowDecoder::new(&layout),
            line_base: layout.data_start_line - 1,
            path,
            layout,
            csv,
            record: csv::ByteRecord::new(),
            skipped: SkippedRows::default(),
            samples: 0,
            done: false,
        })
    }

    /// How the file is being read (format, columns, units), as detected or given.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Rows skipped so far.
    pub fn skipped(&self) -> &SkippedRows {
        &self.skipped
    }

    /// Samples yielded so far.
    pub fn samples_read(&self) -> u64 {
        self.samples
    }

    /// The file this reader reads.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Fill `buf` with up to `limit` bytes; true when the stream ended within them.
fn read_prefix(input: &mut dyn Read, buf: &mut Vec<u8>, limit: usize) -> std::io::Result<bool> {
    let n = input.take(limit as u64).read_to_end(buf)?;
    Ok(n < limit)
}

impl Iterator for AccelReader {
    type Item = Result<AccelSample, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            match self.csv.read_byte_record(&mut self.record) {
                Ok(true) => {
                    let line = self.line_base + self.record.position().map_or(0, |p| p.line());
                    match self.decoder.decode(&self.record) {
                        Ok(sample) => {
                            self.samples += 1;
                            return Some(Ok(sample));
                        }
                        Err(reason) => self.skipped.record(line, reason),
                    }
                }
                Ok(false) => {
                    self.done = true;
                    if self.samples == 0 {
                        return Some(Err(SourceError::NoSamples {
                            path: self.path.clone(),
                            skipped: self.skipped.clone(),
                        }));
                    }
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    let source = match e.into_kind() {
                        csv::ErrorKind::Io(io) => io,
                        other => std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("{other:?}"),
                        ),
                    };
                    return Some(Err(SourceError::Io {
                        path: self.path.clone(),
                        source,
                    }));
                }
            }
        }
    }
}
