//! The streaming accelerometer file reader: detect the layout from the first bytes, then parse
//! rows straight from the bytes (no per-field `String`s).
//!
//! The stream is cut into blocks of [`BLOCK_BYTES`] at line ends, handled in batches of a few
//! blocks by a three-stage pipeline on the rayon pool: while one batch is read from the input,
//! the batch before it is parsed (its blocks in parallel) by the pure [`RowParser`], and the
//! one before that is put on the recording clock in file order by the [`RowDecoder`], straight
//! into the caller's sample buffer. A file of one block never starts the pool. Plain numeric
//! lines (the common case) take [`RowParser::parse_plain`], which reads number after number
//! without splitting the line first; any other line is split by csv-core and parsed field by
//! field (fast-float), with the same result for the lines both can read. Memory stays flat
//! whatever the recording's length: the reader holds the detection prefix (at most
//! [`PREFIX_BYTES`]) and three batches of blocks.
//! Gzip files (recognised by their magic bytes, not the name) are decompressed on the fly.
//!
//! A plain regular file is memory-mapped instead of read (see [`open`]): its blocks are then
//! ranges of the map, so the kernel copies nothing and no block buffer is filled. Standard
//! input, pipes, gzip and session files are read through the buffers as above.
//!
//! A quoted field may hold the separator but not a line break (no sensor export writes one).

use super::decode::{LineSplitter, RawRow, RowDecoder, RowParser};
use super::detect::{detect, Layout};
use super::error::{Gaps, SkipReason, SkippedRows, SourceError, STDIN_NAME};
use super::mapped::MappedFile;
use super::options::ReadOptions;
use super::plain_simd::PlanCache;
use crate::gait::AccelSample;
use rayon::prelude::*;
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
    feed: BlockFeed,
    /// The whole input, when it is in memory (a mapped file): blocks are ranges of it.
    whole: Option<Whole>,
    /// Bytes of a mapped file before this offset are parsed and handed back to the kernel.
    released: usize,
    /// 1-based line number of the next parsed block's first line.
    next_line: u64,
    decoder: RowDecoder,
    /// Samples placed but not yet yielded by the iterator, from `ready_pos` on.
    ready: Vec<AccelSample>,
    ready_pos: usize,
    /// The pure row parser (a copy of the decoder's, so parsing can run while the decoder
    /// places the previous batch).
    parser: RowParser,
    /// Three batches in a pipeline: `parsed` is placed while `ahead` is parsed and `spare`
    /// is filled from the input.
    parsed: Batch,
    ahead: Batch,
    spare: Batch,
    /// An I/O error met reading ahead, reported once the batches before it are placed.
    read_error: Option<std::io::Error>,
    skipped: SkippedRows,
    samples: u64,
    done: bool,
}

/// The bytes after the detection prefix, cut into blocks of whole lines: read from a stream
/// into buffers, or ranges of an input held whole in memory.
struct BlockFeed {
    /// The stream, or `None` when the input is held whole ([`AccelReader::whole`]).
    input: Option<Box<dyn Read + Send>>,
    /// The start of a line cut by the last block, carried into the next (streams only).
    carry: Vec<u8>,
    /// Where the next block starts in a whole input.
    pos: usize,
    input_done: bool,
}

/// An input held whole in memory.
enum Whole {
    /// A regular file mapped read-only (see [`open`] and [`MappedFile`]).
    Map(MappedFile),
    /// Bytes given by the caller ([`AccelReader::from_bytes`]).
    Bytes(Vec<u8>),
}

impl Whole {
    fn bytes(&self) -> &[u8] {
        match self {
            Whole::Map(map) => map.bytes(),
            Whole::Bytes(bytes) => bytes,
        }
    }
}

/// Blocks of text and their parsed rows, reused from batch to batch.
#[derive(Default)]
struct Batch {
    /// Block buffers of a streamed input.
    blocks: Vec<Vec<u8>>,
    /// Blocks of an input held whole: ranges of it.
    spans: Vec<std::ops::Range<usize>>,
    parsed: Vec<ParsedBlock>,
    /// Blocks in use (the others are spare buffers).
    len: usize,
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
/// input, which errors and [`AccelReader::path`] call [`STDIN_NAME`].
///
/// A plain (not gzip, not session) regular file is memory-mapped rather than read: it saves
/// the kernel's copy into the reader's buffers (about 1 ms of a 1-hour file's 23). The cost
/// is the usual one of a map: if another program truncates the file while it is being read,
/// or the disk fails, the read faults (`SIGBUS`) instead of seeing a shorter file; the
/// [`MappedFile`] guard then prints which file and why, and exits with status 2 (other files
/// of the same run are not reported). Set `STRIDEBEAT_NO_MMAP=1` to read files as streams.
/// stridebeat's own session file, written live, is never mapped, nor are pipes, devices,
/// standard input or empty files.
pub fn open(path: impl AsRef<Path>, options: &ReadOptions) -> Result<AccelReader, SourceError> {
    let given = path.as_ref();
    let stdin = given == Path::new("-");
    let path = if stdin { Path::new(STDIN_NAME) } else { given };
    let io = |source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw: Box<dyn Read + Send> = if stdin {
        Box::new(std::io::stdin())
    } else {
        let file = File::open(path).map_err(io)?;
        if let Some(map) = map_plain_file(&file, path) {
            return AccelReader::from_whole(path.to_path_buf(), Whole::Map(map), options);
        }
        Box::new(file)
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

/// Map `file` (opened from `path`) if it is a non-empty regular file holding neither gzip nor
/// a stridebeat session (those are read as streams); `None` otherwise, or when mapping fails
/// (the caller then reads it).
fn map_plain_file(file: &File, path: &Path) -> Option<MappedFile> {
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() == 0 || std::env::var_os("STRIDEBEAT_NO_MMAP").is_some() {
        return None;
    }
    let map = MappedFile::map(file, path)?;
    let head = map.bytes();
    if head.starts_with(&[0x1f, 0x8b]) || head.starts_with(super::session::MAGIC.as_bytes()) {
        return None;
    }
    Some(map)
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
        gaps: reader.gaps().clone(),
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
    /// Stretches of time without rows.
    pub gaps: Gaps,
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
        let (layout, start) = detect_layout(&prefix, complete, options, &path)?;
        let mut cursor = Cursor::new(prefix);
        cursor.set_position(start as u64);
        let feed = BlockFeed {
            input: Some(Box::new(cursor.chain(input))),
            carry: Vec::new(),
            pos: 0,
            input_done: false,
        };
        Ok(AccelReader::with_feed(path, layout, feed, None))
    }

    /// Read from bytes already in memory (plain text, not gzip): the same samples as
    /// [`AccelReader::from_reader`] on the same bytes, without copying them into blocks.
    pub fn from_bytes(
        path: impl Into<PathBuf>,
        bytes: Vec<u8>,
        options: &ReadOptions,
    ) -> Result<AccelReader, SourceError> {
        AccelReader::from_whole(path.into(), Whole::Bytes(bytes), options)
    }

    fn from_whole(
        path: PathBuf,
        whole: Whole,
        options: &ReadOptions,
    ) -> Result<AccelReader, SourceError> {
        let bytes = whole.bytes();
        // What `from_reader` would have read ahead.
        let prefix = &bytes[..bytes.len().min(PREFIX_BYTES)];
        let (layout, start) = detect_layout(prefix, bytes.len() < PREFIX_BYTES, options, &path)?;
        let feed = BlockFeed {
            input: None,
            carry: Vec::new(),
            pos: start,
            input_done: start >= bytes.len(),
        };
        Ok(AccelReader::with_feed(path, layout, feed, Some(whole)))
    }

    fn with_feed(
        path: PathBuf,
        layout: Layout,
        feed: BlockFeed,
        whole: Option<Whole>,
    ) -> AccelReader {
        AccelReader {
            feed,
            whole,
            released: 0,
            next_line: layout.data_start_line,
            decoder: RowDecoder::new(&layout),
            parser: RowParser::new(&layout),
            path,
            layout,
            ready: Vec::new(),
            ready_pos: 0,
            parsed: Batch::default(),
            ahead: Batch::default(),
            spare: Batch::default(),
            read_error: None,
            skipped: SkippedRows::default(),
            samples: 0,
            done: false,
        }
    }

    /// How the file is being read (format, columns, units), as detected or given.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Rows skipped so far.
    pub fn skipped(&self) -> &SkippedRows {
        &self.skipped
    }

    /// Gaps in time found so far: stretches longer than
    /// [`MIN_GAP_S`](super::error::MIN_GAP_S) with no row. They are kept as they are (no
    /// sample is invented), and listed so a report can say there is no data there.
    pub fn gaps(&self) -> &Gaps {
        self.decoder.gaps()
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

/// Detect the layout from the first bytes of the input (`complete`: they are all of it);
/// also returns where the data starts in them (after a byte-order mark and the header).
fn detect_layout(
    prefix: &[u8],
    complete: bool,
    options: &ReadOptions,
    path: &Path,
) -> Result<(Layout, usize), SourceError> {
    let bom = if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let layout = detect(&prefix[bom..], complete, options, path)?;
    let start = bom + layout.data_start_byte;
    Ok((layout, start))
}

/// Fill `buf` with up to `limit` bytes; true when the stream ended within them.
fn read_prefix(input: &mut dyn Read, buf: &mut Vec<u8>, limit: usize) -> std::io::Result<bool> {
    let n = input.take(limit as u64).read_to_end(buf)?;
    Ok(n < limit)
}

/// Rows of one parsed block, with line numbers counted from the block's first line (1), and
/// the number of lines the block holds, so blocks parsed in parallel are numbered afterwards.
/// Reused from batch to batch.
#[derive(Default)]
struct ParsedBlock {
    rows: Vec<RawRow>,
    /// Plans of the line shapes met, for the vector path.
    plans: PlanCache,
    /// Rows that did not parse: (index in `rows` they come before, line, reason).
    errors: Vec<(usize, u64, SkipReason)>,
    lines: u64,
}

/// Parse one block of whole lines into `out` (cleared first). Blank lines and `#` comment
/// lines are passed over (but counted as lines). Plain numeric lines take the vector path
/// when the CPU has it (see [`super::plain_simd`]), else (and for the lines it leaves)
/// [`RowParser::parse_plain`]; the others are split by csv-core.
fn parse_block(text: &[u8], delimiter: u8, parser: &RowParser, out: &mut ParsedBlock) {
    /// Lines the vector path may leave to the others before it is judged.
    const SIMD_TRIAL: u64 = 64;
    out.rows.clear();
    out.errors.clear();
    out.rows.reserve(text.len() / 24);
    let plain = parser.has_plain_path();
    let mut splitter: Option<LineSplitter> = None;
    let mut start = 0;
    let mut line_no = 0u64;
    let mut simd = parser.simd();
    let (mut simd_read, mut simd_left) = (0u64, 0u64);
    while start < text.len() {
        if let Some(lanes) = simd {
            let from = line_no;
            start = lanes.parse_run(&mut out.plans, text, start, &mut line_no, &mut out.rows);
            if start >= text.len() {
                break;
            }
            // A file whose lines it mostly leaves (long numbers, quotes) is not worth trying
            // it on, line after line: in this block, stop once it has left more lines than it
            // read.
            simd_read += line_no - from;
            simd_left += 1;
            if simd_left >= SIMD_TRIAL && simd_left > simd_read {
                simd = None;
            }
        }
        line_no += 1;
        if plain {
            if let Some((row, next)) = parser.parse_plain_at(text, start, line_no) {
                out.rows.push(row);
                start = next;
                continue;
            }
        }
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |off| start + off);
        // With its line end, so csv-core finishes the record in one call.
        let with_end = &text[start..(end + 1).min(text.len())];
        let mut line = &text[start..end];
        start = end + 1;
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if line.is_empty() || line[0] == b'#' || line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let fields = splitter
            .get_or_insert_with(|| LineSplitter::new(delimiter))
            .split(with_end);
        match parser.parse(&fields, line_no) {
            Ok(row) => out.rows.push(row),
            Err(reason) => out.errors.push((out.rows.len(), line_no, reason)),
        }
    }
    // Lines counted are line ends, so the next block's first line follows on.
    out.lines = line_no - u64::from(text.last().is_some_and(|&c| c != b'\n'));
}

impl BlockFeed {
    /// True when every byte has been handed out in a block.
    fn done(&self) -> bool {
        self.input_done && self.carry.is_empty()
    }

    /// Read the next block of whole lines (up to [`BLOCK_BYTES`] plus the carried part) into
    /// `block` (cleared first); false at the end.
    fn next_block(&mut self, block: &mut Vec<u8>) -> Result<bool, std::io::Error> {
        block.clear();
        let Some(input) = self.input.as_mut() else {
            return Ok(false);
        };
        loop {
            if self.input_done && self.carry.is_empty() {
                return Ok(!block.is_empty());
            }
            block.append(&mut self.carry);
            // The carried part holds no line end, nor does what an earlier turn of this loop
            // read: only the bytes read now need searching (a very long line stays linear).
            let unsearched = block.len();
            if !self.input_done {
                let want = BLOCK_BYTES.saturating_sub(block.len()).max(64 * 1024);
                let got = input.take(want as u64).read_to_end(block)?;
                if got < want {
                    self.input_done = true;
                }
            }
            if self.input_done {
                return Ok(true);
            }
            if let Some(end) = memchr::memrchr(b'\n', &block[unsearched..]).map(|e| e + unsearched)
            {
                self.carry.extend_from_slice(&block[end + 1..]);
                block.truncate(end + 1);
                return Ok(true);
            }
            // A line longer than a block: keep reading until it ends.
        }
    }

    /// The next block of whole lines of an input held whole (about [`BLOCK_BYTES`], longer
    /// when a line is): its range in `whole`, or `None` at the end.
    fn next_span(&mut self, whole: &[u8]) -> Option<std::ops::Range<usize>> {
        let start = self.pos;
        if start >= whole.len() {
            self.input_done = true;
            return None;
        }
        let limit = start.saturating_add(BLOCK_BYTES);
        let end = if limit >= whole.len() {
            whole.len()
        } else {
            match memchr::memrchr(b'\n', &whole[start..limit]) {
                Some(e) => start + e + 1,
                // A line longer than a block: the block ends with it.
                None => {
                    memchr::memchr(b'\n', &whole[limit..]).map_or(whole.len(), |e| limit + e + 1)
                }
            }
        };
        self.pos = end;
        self.input_done = end == whole.len();
        Some(start..end)
    }

    /// Read up to `width` blocks into `batch` (ranges of `whole` when the input is held
    /// whole).
    fn read_batch(
        &mut self,
        batch: &mut Batch,
        width: usize,
        whole: Option<&[u8]>,
    ) -> Result<(), std::io::Error> {
        batch.len = 0;
        if let Some(whole) = whole {
            batch.spans.clear();
            while batch.len < width {
                let Some(span) = self.next_span(whole) else {
                    break;
                };
                batch.spans.push(span);
                batch.len += 1;
            }
            return Ok(());
        }
        batch
            .blocks
            .resize_with(width.max(batch.blocks.len()), Vec::new);
        while batch.len < width && self.next_block(&mut batch.blocks[batch.len])? {
            batch.len += 1;
        }
        Ok(())
    }
}

impl Batch {
    /// Parse the blocks in use, in parallel when there are several (`whole`: the input the
    /// blocks are ranges of, if held whole).
    fn parse(&mut self, delimiter: u8, parser: &RowParser, whole: Option<&[u8]>) {
        if self.parsed.len() < self.len {
            self.parsed.resize_with(self.len, ParsedBlock::default);
        }
        let (blocks, spans) = (&self.blocks, &self.spans);
        let text = |i: usize| match whole {
            Some(whole) => &whole[spans[i].clone()],
            None => &blocks[i][..],
        };
        let parsed = &mut self.parsed[..self.len];
        if self.len > 1 {
            parsed
                .par_iter_mut()
                .enumerate()
                .for_each(|(i, parsed)| parse_block(text(i), delimiter, parser, parsed));
        } else {
            for (i, parsed) in parsed.iter_mut().enumerate() {
                parse_block(text(i), delimiter, parser, parsed);
            }
        }
    }
}

/// Where parsed rows go: the decoder that puts them on the recording clock, the skipped-row
/// account and the line count.
struct Placer<'a> {
    decoder: &'a mut RowDecoder,
    skipped: &'a mut SkippedRows,
    next_line: &'a mut u64,
}

impl Placer<'_> {
    /// Place the rows of a parsed batch, in file order, appending samples to `out`.
    fn place(&mut self, batch: &Batch, out: &mut Vec<AccelSample>) {
        for block in &batch.parsed[..batch.len] {
            let base = *self.next_line - 1;
            out.reserve(block.rows.len());
            let mut from = 0;
            for (before, line, reason) in &block.errors {
                self.place_rows(&block.rows[from..*before], base, out);
                self.skip(base + line, reason);
                from = *before;
            }
            self.place_rows(&block.rows[from..], base, out);
            *self.next_line += block.lines;
        }
    }

    /// Place rows that all parsed: runs of plain ones at once
    /// ([`RowDecoder::place_plain_rows`]), the others one by one.
    fn place_rows(&mut self, mut rows: &[RawRow], base: u64, out: &mut Vec<AccelSample>) {
        while !rows.is_empty() {
            rows = &rows[self.decoder.place_plain_rows(rows, out)..];
            let Some((raw, rest)) = rows.split_first() else {
                break;
            };
            match self.decoder.place_row(raw) {
                Ok(sample) => out.push(sample),
                Err(reason) => self.skipped.record(base + raw.line, reason),
            }
            rows = rest;
        }
    }

    /// A row that did not parse still counts as a row of the recording.
    fn skip(&mut self, line: u64, reason: &SkipReason) {
        self.decoder.place(Err(reason.clone())).ok();
        self.skipped.record(line, reason.clone());
    }
}

impl AccelReader {
    /// True when everything read has been parsed and placed.
    fn exhausted(&self) -> bool {
        self.feed.done() && self.ahead.len == 0 && self.parsed.len == 0
    }

    /// One step of the pipeline: place the parsed batch (appending its samples to `out`),
    /// parse the batch read before, and read the next one from the input — the three at once
    /// on the rayon pool when the input holds more than one block.
    ///
    /// An input error stops the reading and is reported once what came before it is placed.
    fn fill(&mut self, out: &mut Vec<AccelSample>) {
        if self.ahead.len == 0 && self.parsed.len == 0 {
            // The first batch is one block, so a short file never starts the thread pool.
            self.read_ahead(1);
        }
        let width = if self.feed.done() {
            1
        } else {
            rayon::current_num_threads().clamp(1, 8)
        };
        let (parser, delimiter) = (&self.parser, self.layout.delimiter);
        let whole = self.whole.as_ref().map(Whole::bytes);
        let (parsed, ahead, spare) = (&self.parsed, &mut self.ahead, &mut self.spare);
        let mut placer = Placer {
            decoder: &mut self.decoder,
            skipped: &mut self.skipped,
            next_line: &mut self.next_line,
        };
        let feed = &mut self.feed;
        let mut read = move || {
            if feed.done() {
                spare.len = 0;
                return Ok(());
            }
            feed.read_batch(spare, width, whole)
        };
        let read = if width > 1 {
            rayon::join(
                || placer.place(parsed, out),
                || rayon::join(|| ahead.parse(delimiter, parser, whole), read).1,
            )
            .1
        } else {
            placer.place(parsed, out);
            ahead.parse(delimiter, parser, whole);
            read()
        };
        // Rotate: the batch just parsed is placed next, the one just read is parsed next.
        self.parsed.len = 0;
        std::mem::swap(&mut self.parsed, &mut self.ahead);
        std::mem::swap(&mut self.ahead, &mut self.spare);
        if let Err(e) = read {
            self.stop_reading(e);
        }
        self.release_parsed();
    }

    /// Hand the pages of a mapped file that are parsed back to the kernel, so the reader's
    /// memory stays flat (a map's pages count as the process's once touched: a 10-hour file
    /// would otherwise end up resident whole, 110 MB).
    fn release_parsed(&mut self) {
        /// Released in steps of at least this (a multiple of any page size).
        const STEP: usize = 1 << 20;
        let Some(Whole::Map(map)) = &self.whole else {
            return;
        };
        // Everything before the batch to be parsed next has been parsed into owned rows.
        let keep_from = match self.ahead.spans.get(..self.ahead.len) {
            Some([first, ..]) => first.start,
            _ => self.feed.pos,
        };
        let end = keep_from / STEP * STEP;
        if end > self.released {
            // Advice only: if refused, the pages just stay resident. No slice of the map
            // outlives `fill`, and the range is before every block still to parse.
            map.release(self.released, end - self.released);
            self.released = end;
        }
    }

    /// Read a batch of `width` blocks into `ahead` (the pipeline's start).
    fn read_ahead(&mut self, width: usize) {
        let whole = self.whole.as_ref().map(Whole::bytes);
        if let Err(e) = self.feed.read_batch(&mut self.ahead, width, whole) {
            self.ahead.len = 0;
            self.stop_reading(e);
        }
    }

    /// An input error: read no further; the batches before it are still placed, then the
    /// error is reported.
    fn stop_reading(&mut self, e: std::io::Error) {
        self.spare.len = 0;
        self.feed.input_done = true;
        self.feed.carry.clear();
        self.read_error = Some(e);
    }

    /// Append the next samples to `out` (at least one), or return false at the end of the
    /// recording (an error when it held no sample at all).
    fn refill(&mut self, out: &mut Vec<AccelSample>) -> Result<bool, SourceError> {
        let before = out.len();
        loop {
            if self.done {
                return Ok(false);
            }
            if self.exhausted() {
                self.done = true;
                if let Some(source) = self.read_error.take() {
                    return Err(SourceError::Io {
                        path: self.path.clone(),
                        source,
                    });
                }
                if self.samples == 0 {
                    return Err(SourceError::NoSamples {
                        path: self.path.clone(),
                        skipped: self.skipped.clone(),
                    });
                }
                return Ok(false);
            }
            self.fill(out);
            if out.len() > before {
                return Ok(true);
            }
        }
    }

    /// True when every sample has been handed out: the next [`AccelReader::read_batch`] would
    /// return `Ok(false)` (or, for a recording without any sample, its error).
    pub fn at_end(&self) -> bool {
        self.ready_pos == self.ready.len()
            && (self.done || self.exhausted() && self.read_error.is_none())
    }

    /// Move the next samples (one parsed batch, or what the iterator left of it) into `out`,
    /// which is cleared first. Returns `Ok(false)` at the end of the recording. Faster than
    /// iterating sample by sample; the two may be mixed.
    pub fn read_batch(&mut self, out: &mut Vec<AccelSample>) -> Result<bool, SourceError> {
        out.clear();
        if self.ready_pos < self.ready.len() {
            out.extend_from_slice(&self.ready[self.ready_pos..]);
            self.ready.clear();
            self.ready_pos = 0;
        } else if !self.refill(out)? {
            return Ok(false);
        }
        self.samples += out.len() as u64;
        Ok(true)
    }
}

impl Iterator for AccelReader {
    type Item = Result<AccelSample, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready_pos == self.ready.len() {
            self.ready.clear();
            self.ready_pos = 0;
            let mut ready = std::mem::take(&mut self.ready);
            let got = self.refill(&mut ready);
            self.ready = ready;
            match got {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        let sample = self.ready[self.ready_pos];
        self.ready_pos += 1;
        self.samples += 1;
        Some(Ok(sample))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::options::Units;
    use proptest::prelude::*;

    /// Parse the data lines of `text` block by block, with the vector path (when the CPU has
    /// it) and without: the two must give the same rows, skips and line counts.
    fn same_with_and_without_simd(text: &str, options: &ReadOptions) {
        let Ok(reader) = AccelReader::from_bytes("t.csv", text.as_bytes().to_vec(), options) else {
            return;
        };
        let layout = reader.layout();
        let body = &text.as_bytes()[layout.data_start_byte..];
        let vector = RowParser::new(layout);
        let scalar = vector.clone().without_simd();
        let (mut a, mut b) = (ParsedBlock::default(), ParsedBlock::default());
        // The whole body, and blocks of a few lines, so lines meet the block's end too.
        let lines: Vec<&[u8]> = body.split_inclusive(|&c| c == b'\n').collect();
        for block in std::iter::once(body.to_vec()).chain(lines.chunks(7).map(<[_]>::concat)) {
            parse_block(&block, layout.delimiter, &vector, &mut a);
            parse_block(&block, layout.delimiter, &scalar, &mut b);
            assert_eq!(a.rows, b.rows, "{}", String::from_utf8_lossy(&block));
            assert_eq!(a.errors, b.errors);
            assert_eq!(a.lines, b.lines);
        }
    }

    #[test]
    fn the_vector_path_reads_lines_like_the_scalar_one() {
        let lines = [
            "0.00,-0.4665,1.3300,10.0006",
            "3599.99,-0.4665,1.3300,10.0006",
            "35999.99,-10.1234,-1.2345,10.1234",
            "1,2,3,4",
            "-0,-0.0,-0.00000,0.0000000",
            "12345678,1234567.8,-9999999.9,0.0000001",
            "1,0.0000001,1.2345678,-0.12",
            "24,1.5,2.5,3.5,,",
            "2,12345678,-1234567,99999999",
            "-3,0.00000001,1,2",
            "123456789,1,2,3",
            "1.123456789,1,2,3",
            "1,100000.0,2,3",
            "1,99999.99,2,3",
            "1,-100000.5,2,3",
            "2,1.5,2.5,3.5,\"x,y\",tail",
            "3,1.5,2.5,3.5,more\r",
            "4,1.5,2.5,3.5\r",
            "5,1.5,2.5,3.5\rx",
            "6,1.5,2.5",
            "7,1.5,2.5,3.5,4.5",
            "8,+1.5,.5,5.",
            "9,1e3,1.5E-2,NaN",
            "10, 1.5,2,3",
            "11,1.5 ,2,3",
            "12,--1,2,3",
            "13,1-1,2,3",
            "14,1.2.3,2,3",
            "15,1..2,2,3",
            "16,,2,3",
            "-17,1,2,3",
            "# 18,1,2,3",
            "23,1.5,2.5,3.5,",
            "",
            "19,1,2,3",
            "20,0001.50,00,-00.1",
            "21,1.5,2.5,3.5,4.5,5.5,6.5,7.5,8.5,9.5,10.5",
            "22.5,1,2,3",
            "22.25,1,2,3",
        ];
        for end in ["\n", "\r\n"] {
            for header in [
                "time,ax,ay,az",
                "t,x,y,z",
                "ax,ay,az",
                "Timestamp,Magnitude,Note",
            ] {
                let mut text = format!("{header}{end}");
                for _ in 0..3 {
                    for line in lines {
                        text.push_str(line);
                        text.push_str(end);
                    }
                }
                for units in [Units::Auto, Units::G, Units::MetersPerSecond2] {
                    let options = ReadOptions {
                        rate_hz: Some(100.0),
                        units,
                        ..ReadOptions::default()
                    };
                    same_with_and_without_simd(&text, &options);
                    same_with_and_without_simd(&text.replace(',', ";"), &options);
                    same_with_and_without_simd(&text.replace(',', "\t"), &options);
                }
            }
        }
    }

    /// A number as exports and damaged files write them, mostly plain and short.
    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => (-20f64..20.0, 0usize..6).prop_map(|(v, d)| format!("{v:.d$}")),
            2 => (-9f64..9.0, 0usize..9).prop_map(|(v, d)| format!("{v:.d$}")),
            2 => (-2e5f64..2e5, 0usize..9).prop_map(|(v, d)| format!("{v:.d$}")),
            1 => "-?[0-9]{1,9}(\\.[0-9]{1,9})?",
            1 => "[0-9.eE+-]{1,6}",
            1 => prop::sample::select(vec!["-0", "-0.0", "+1", ".5", "5.", "", " 1", "\"1\"", "1\r"])
                .prop_map(str::to_string),
        ]
    }

    proptest! {
        #[test]
        fn the_vector_path_reads_recordings_like_the_scalar_one(
            header in prop::sample::select(vec![
                "time,ax,ay,az\n", "ax,ay,az\n", "Timestamp,Magnitude,Note\n",
                "t_ns,n,ax,ay,az\n", "time,seconds_elapsed,z,y,x\n",
            ]),
            sep in prop::sample::select(vec![",", ";", "\t", "|"]),
            rows in prop::collection::vec(
                (prop::collection::vec(number(), 1..7), prop::sample::select(vec!["\n", "\r\n"])),
                1..120,
            ),
        ) {
            let mut text = header.replace(',', sep);
            for (i, (fields, end)) in rows.iter().enumerate() {
                text.push_str(&format!("{:.2}{sep}", i as f64 / 100.0));
                text.push_str(&fields.join(sep));
                text.push_str(end);
            }
            let options = ReadOptions { rate_hz: Some(100.0), ..ReadOptions::default() };
            same_with_and_without_simd(&text, &options);
        }
    }
}
