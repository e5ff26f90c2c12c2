//! Decoding text lines one at a time, for live streams (stdin, UDP, serial) where there is no
//! file to look ahead in.
//!
//! A [`LineDecoder`] buffers the first lines until it has seen [`DETECT_DATA_LINES`] data lines
//! (after an optional header), detects the layout from them with the same rules as the file
//! reader, then emits those samples and decodes every following line as it comes. Give it a
//! [`Layout`] up front ([`LineDecoder::with_layout`]) to skip detection. Times are re-based to
//! the first sample, like files; a stream without a time column needs `rate_hz`.
//!
//! ```
//! use stridebeat::source::{LineDecoder, ReadOptions};
//! let mut dec = LineDecoder::new("stdin", ReadOptions::default());
//! let mut out = Vec::new();
//! for line in ["time,ax,ay,az", "0.00,0,0,9.8", "0.01,0,0,9.7", "0.02,0,0,9.9",
//!              "0.03,0,0,9.8", "0.04,0,0,9.8", "0.05,0,0,9.9"] {
//!     dec.push_line(line, &mut out).unwrap();
//! }
//! assert_eq!(out.len(), 6);
//! assert!((out[5].t_s - 0.05).abs() < 1e-9);
//! ```

use super::decode::{LineSplitter, RowDecoder};
use super::detect::{detect, Layout};
use super::error::{SkippedRows, SourceError};
use super::options::ReadOptions;
use crate::gait::AccelSample;
use std::path::PathBuf;

/// Data lines buffered before the layout is detected.
pub const DETECT_DATA_LINES: usize = 5;

/// Most lines buffered before detection is forced (a long preamble cannot grow memory).
const MAX_PENDING_LINES: usize = 64;

/// Decodes a stream of text lines into samples, detecting the layout on the first lines.
#[derive(Debug)]
pub struct LineDecoder {
    label: PathBuf,
    options: ReadOptions,
    pending: Vec<u8>,
    pending_lines: usize,
    pending_data: usize,
    first_line: u64,
    state: Option<(Layout, RowDecoder)>,
    line_no: u64,
    skipped: SkippedRows,
    splitter: Option<LineSplitter>,
}

impl LineDecoder {
    /// A decoder that detects the layout from the first lines. `label` names the stream in
    /// errors (e.g. `stdin`, `udp:0.0.0.0:5555`).
    pub fn new(label: impl Into<PathBuf>, options: ReadOptions) -> Self {
        LineDecoder {
            label: label.into(),
            options,
            pending: Vec::new(),
            pending_lines: 0,
            pending_data: 0,
            first_line: 1,
            state: None,
            line_no: 0,
            skipped: SkippedRows::default(),
            splitter: None,
        }
    }

    /// A decoder for a known layout (e.g. from [`LineDecoder::layout`] of an earlier stream, or
    /// a file's [`AccelReader::layout`](super::AccelReader::layout)); every line is data.
    pub fn with_layout(label: impl Into<PathBuf>, layout: Layout) -> Self {
        let decoder = RowDecoder::new(&layout);
        LineDecoder {
            state: Some((layout, decoder)),
            ..LineDecoder::new(label, ReadOptions::default())
        }
    }

    /// The layout, once detected.
    pub fn layout(&self) -> Option<&Layout> {
        self.state.as_ref().map(|(l, _)| l)
    }

    /// Rows skipped so far (line numbers count lines pushed, from 1).
    pub fn skipped(&self) -> &SkippedRows {
        &self.skipped
    }

    /// Feed text: one line, or several separated by `\n` (a UDP datagram may carry a batch).
    /// Decoded samples are appended to `out`. Bad rows are skipped and counted; an `Err` means
    /// the layout could not be detected (the decoder then keeps waiting for a usable header
    /// and data, starting afresh with the next line).
    pub fn push_line(&mut self, text: &str, out: &mut Vec<AccelSample>) -> Result<(), SourceError> {
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() {
                continue;
            }
            self.line_no += 1;
            if self.state.is_some() {
                self.decode_line(line.as_bytes(), self.line_no, out);
                continue;
            }
            if self.pending_lines == 0 {
                self.first_line = self.line_no;
            }
            self.pending.extend_from_slice(line.as_bytes());
            self.pending.push(b'\n');
            self.pending_lines += 1;
            if line.bytes().any(|c| c.is_ascii_digit()) {
                self.pending_data += 1;
            }
            if self.pending_data > DETECT_DATA_LINES || self.pending_lines >= MAX_PENDING_LINES {
                self.finish(out)?;
            }
        }
        Ok(())
    }

    /// Detect now with whatever is buffered (call at the end of a short stream).
    pub fn finish(&mut self, out: &mut Vec<AccelSample>) -> Result<(), SourceError> {
        if self.state.is_some() || self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let first = self.first_line;
        self.pending_lines = 0;
        self.pending_data = 0;
        let layout = detect(&pending, true, &self.options, &self.label)?;
        let decoder = RowDecoder::new(&layout);
        let skip = (layout.data_start_line - 1) as usize;
        self.state = Some((layout, decoder));
        for (i, line) in pending
            .split(|&c| c == b'\n')
            .enumerate()
            .skip(skip)
            .filter(|(_, l)| !l.is_empty())
        {
            self.decode_line(line, first + i as u64, out);
        }
        Ok(())
    }

    fn decode_line(&mut self, line: &[u8], line_no: u64, out: &mut Vec<AccelSample>) {
        let Some((layout, decoder)) = self.state.as_mut() else {
            return;
        };
        if line.first() == Some(&b'#') {
            return;
        }
        let splitter = self
            .splitter
            .get_or_insert_with(|| LineSplitter::new(layout.delimiter));
        let fields = splitter.split(line);
        match decoder.decode(&fields) {
            Ok(s) => out.push(s),
            Err(reason) => self.skipped.record(line_no, reason),
        }
    }
}
