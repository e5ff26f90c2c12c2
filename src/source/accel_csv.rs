//! The streaming accelerometer file reader: detect the layout from the first bytes, then parse
//! rows with the `csv` crate's `ByteRecord` (no per-field `String`s) and fast float parsing.
//!
//! The stream is cut into blocks of [`BLOCK_BYTES`] at line ends; a few blocks at a time are
//! parsed in parallel (rayon) by the pure [`RowParser`], then put on the recording clock in file
//! order by the [`RowDecoder`]. Memory stays flat whatever the recording's length: the reader
//! holds the detection prefix (at most [`PREFIX_BYTES`]) and one batch of blocks. Gzip files
//! (recognised by their magic bytes, not the name) are decompressed on the fly.
//!
//! A quoted field may hold the separator but not a line break (no sensor export writes one).

use super::decode::{LineSplitter, RawRow, RowDecoder, RowParser};
use super::detect::{detect, Layout};
use super::error::{SkipReason, SkippedRows, SourceError};
use super::options::ReadOptions;
use crate::gait::AccelSample;
use rayon::prelude::*;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

/// Bytes read ahead to detect the format.
pub const PREFIX_BYTES: usize = 256 * 1024;

/// Bytes per parse block (cut at a line end).
pub const BLOCK_BYTES: usize = 256 * 1024;

/// A streaming reader of one accelerometer recording: an iterator of samples in time order.
///
/// Bad rows are skipped and counted ([`AccelReader::skipped`]); the iterator yields `Err` only
/// for fatal problems (I/O, corrupt gzip, or no usable row at all), after which it ends.
pub struct AccelReader {
    path: PathBuf,
    layout: Layout,
    input: Box<dyn Read + Send>,
    /// The start of a line cut by the last block, carried into the next.
    carry: Vec<u8>,
    /// 1-based line number of the next parsed block's first line.
    next_line: u64,
    decoder: RowDecoder,
    ready: VecDeque<AccelSample>,
    skipped: SkippedRows,
    samples: u64,
    input_done: bool,
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

/// Open a recording file (plain or gzip) and detect its layout. The path `-` reads standard
/// input.
pub fn open(path: impl AsRef<Path>, options: &ReadOptions) -> Result<AccelReader, SourceError> {
    let path = path.as_ref();
    let io = |source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw: Box<dyn Read + Send> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(path).map_err(io)?)
    };
    let mut buffered = BufReader::with_capacity(64 * 1024, raw);
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
        Ok(AccelReader {
            input: Box::new(cursor.chain(input)),
            carry: Vec::new(),
            next_line: layout.data_start_line,
            decoder: RowDecoder::new(&layout),
            path,
            layout,
            ready: VecDeque::new(),
            skipped: SkippedRows::default(),
            samples: 0,
            input_done: false,
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

/// Rows of one parsed block, with line numbers counted from the block's first line (1), and
/// the number of lines the block holds, so blocks parsed in parallel are numbered afterwards.
struct ParsedBlock {
    rows: Vec<Result<RawRow, (u64, SkipReason)>>,
    lines: u64,
}

/// Parse one block of whole lines. Blank lines and `#` comment lines are passed over (but
/// counted as lines).
fn parse_block(text: &[u8], delimiter: u8, parser: &RowParser) -> ParsedBlock {
    let mut splitter = LineSplitter::new(delimiter);
    let mut rows = Vec::with_capacity(text.len() / 24);
    let mut start = 0;
    let mut line_no = 0u64;
    let mut newlines = 0u64;
    while start < text.len() {
        let end = match memchr::memchr(b'\n', &text[start..]) {
            Some(off) => {
                newlines += 1;
                start + off
            }
            None => text.len(),
        };
        // With its line end, so csv-core finishes the record in one call.
        let with_end = &text[start..(end + 1).min(text.len())];
        let mut line = &text[start..end];
        start = end + 1;
        line_no += 1;
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if line.is_empty() || line[0] == b'#' || line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let fields = splitter.split(with_end);
        rows.push(parser.parse(&fields, line_no).map_err(|r| (line_no, r)));
    }
    ParsedBlock {
        rows,
        lines: newlines,
    }
}

impl AccelReader {
    /// Read the next block of whole lines (up to [`BLOCK_BYTES`] plus the carried part), or
    /// `None` at the end.
    fn next_block(&mut self) -> Result<Option<Vec<u8>>, std::io::Error> {
        if self.input_done && self.carry.is_empty() {
            return Ok(None);
        }
        let mut block = std::mem::take(&mut self.carry);
        if !self.input_done {
            let want = BLOCK_BYTES.saturating_sub(block.len()).max(64 * 1024);
            let got = (&mut self.input)
                .take(want as u64)
                .read_to_end(&mut block)?;
            if got < want {
                self.input_done = true;
            }
        }
        if !self.input_done {
            match memchr::memrchr(b'\n', &block) {
                Some(end) => self.carry = block.split_off(end + 1),
                // A line longer than a block: keep reading until it ends.
                None => {
                    self.carry = block;
                    return self.next_block();
                }
            }
        }
        Ok(Some(block))
    }

    /// Parse the next batch of blocks (in parallel when there are several) into `ready`.
    fn fill(&mut self) -> Result<(), SourceError> {
        let batch = rayon::current_num_threads().clamp(1, 8);
        let mut blocks = Vec::with_capacity(batch);
        while blocks.len() < batch {
            match self.next_block() {
                Ok(Some(b)) => blocks.push(b),
                Ok(None) => break,
                Err(source) => {
                    return Err(SourceError::Io {
                        path: self.path.clone(),
                        source,
                    })
                }
            }
        }
        let parser = self.decoder.parser().clone();
        let delimiter = self.layout.delimiter;
        let parsed: Vec<ParsedBlock> = if blocks.len() > 1 {
            blocks
                .par_iter()
                .map(|text| parse_block(text, delimiter, &parser))
                .collect()
        } else {
            blocks
                .iter()
                .map(|text| parse_block(text, delimiter, &parser))
                .collect()
        };
        for block in parsed {
            let base = self.next_line - 1;
            for row in block.rows {
                let line = base
                    + match &row {
                        Ok(raw) => raw.line,
                        Err((line, _)) => *line,
                    };
                match self.decoder.place(row.map_err(|(_, reason)| reason)) {
                    Ok(sample) => self.ready.push_back(sample),
                    Err(reason) => self.skipped.record(line, reason),
                }
            }
            self.next_line += block.lines;
        }
        Ok(())
    }
}

impl AccelReader {
    /// Move the next samples (one parsed batch, or what the iterator left of it) into `out`,
    /// which is cleared first. Returns `Ok(false)` at the end of the recording. Faster than
    /// iterating sample by sample; the two may be mixed.
    pub fn read_batch(&mut self, out: &mut Vec<AccelSample>) -> Result<bool, SourceError> {
        out.clear();
        if self.ready.is_empty() {
            // `next` refills `ready` (or ends); keep its sample and take the rest of the batch.
            match self.next() {
                Some(Ok(sample)) => out.push(sample),
                Some(Err(e)) => return Err(e),
                None => return Ok(false),
            }
        }
        self.samples += self.ready.len() as u64;
        out.extend(self.ready.drain(..));
        Ok(true)
    }
}

impl Iterator for AccelReader {
    type Item = Result<AccelSample, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(sample) = self.ready.pop_front() {
                self.samples += 1;
                return Some(Ok(sample));
            }
            if self.done {
                return None;
            }
            if self.input_done && self.carry.is_empty() {
                self.done = true;
                if self.samples == 0 {
                    return Some(Err(SourceError::NoSamples {
                        path: self.path.clone(),
                        skipped: self.skipped.clone(),
                    }));
                }
                return None;
            }
            if let Err(e) = self.fill() {
                self.done = true;
                self.ready.clear();
                return Some(Err(e));
            }
        }
    }
}
