//! Turning one row of fields into an [`AccelSample`], given a [`Layout`]: parse the numbers,
//! convert to m/s², put the time on the recording clock (seconds since the first kept sample)
//! and refuse rows that would lie (NaN, text, time going backwards or repeating).
//!
//! Two phases, so files can be parsed in parallel blocks: [`RowParser::parse`] is pure (fields
//! → numbers in m/s² and a raw time), and [`RowDecoder::place`] is sequential (raw time → the
//! recording clock, checking it moves forward). Shared by the file reader and the live
//! [`LineDecoder`](super::LineDecoder), so a recording and a live stream of the same lines give
//! the same samples.

use super::detect::{Axes, Layout, TimeSource};
use super::error::SkipReason;
use super::fields::{parse_clock, parse_datetime, parse_integer, parse_number};
use super::options::TimeUnit;
use crate::gait::AccelSample;

/// Largest acceleration accepted, m/s² (about 10 000 g); beyond it a value is a glitch.
const MAX_ACCEL_MS2: f64 = 1e5;

/// Fields of one row, however they were split.
pub trait Fields {
    /// Number of fields.
    fn len(&self) -> usize;
    /// True when the row has no fields.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Field `i` (0-based) as raw bytes.
    fn get(&self, i: usize) -> Option<&[u8]>;
}

impl Fields for csv::ByteRecord {
    fn len(&self) -> usize {
        csv::ByteRecord::len(self)
    }
    fn get(&self, i: usize) -> Option<&[u8]> {
        csv::ByteRecord::get(self, i)
    }
}

/// Splits single lines into fields with `csv-core` (quotes and `""` escapes handled), reusing
/// its buffers: no allocation per line once warmed up. Lines are cut by the caller, so line
/// numbers are exact whatever blank or comment lines a file holds.
#[derive(Debug)]
pub struct LineSplitter {
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

/// The fields of the line last split by a [`LineSplitter`].
#[derive(Debug)]
pub struct SplitFields<'a> {
    out: &'a [u8],
    ends: &'a [usize],
}

impl Fields for SplitFields<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.ends.len()
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.out.get(start..end)
    }
}

impl LineSplitter {
    /// A splitter for fields separated by `delimiter`.
    pub fn new(delimiter: u8) -> Self {
        LineSplitter {
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            out: vec![0; 256],
            ends: vec![0; 32],
        }
    }

    /// Split one line; it may end in `\n` or `\r\n` (that saves csv-core a second call) or
    /// not. An unclosed quote ends at the line's end.
    pub fn split(&mut self, line: &[u8]) -> SplitFields<'_> {
        use csv_core::ReadRecordResult as R;
        if self.out.len() <= line.len() {
            self.out.resize(line.len() + 1, 0);
        }
        self.core.reset();
        let (mut input, mut nout, mut nend) = (line, 0, 0);
        loop {
            let (res, nin, o, e) =
                self.core
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            input = &input[nin..];
            nout += o;
            nend += e;
            match res {
                // Empty input next time tells csv-core the line has ended.
                R::InputEmpty => {}
                R::OutputFull => {
                    let len = self.out.len();
                    self.out.resize(len * 2, 0);
                }
                R::OutputEndsFull => {
                    let len = self.ends.len();
                    self.ends.resize(len * 2, 0);
                }
                R::Record | R::End => break,
            }
        }
        SplitFields {
            out: &self.out[..nout],
            ends: &self.ends[..nend],
        }
    }
}

/// A row's time as written in the file, before it is put on the recording clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RawTime {
    /// No time column: the row's position gives its time.
    Row,
    /// An integer time stamp or counter, exact.
    Integer(i64),
    /// A decimal time stamp or counter.
    Float(f64),
    /// A calendar date-time: whole seconds since the epoch and the fraction.
    DateTime(i64, f64),
    /// A clock time of day, seconds.
    Clock(f64),
}

/// A parsed row: acceleration in m/s² and the raw time, with its line for later errors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawRow {
    /// 1-based line, in the file or in the block being parsed (the file reader adds the
    /// block's offset).
    pub line: u64,
    /// Raw time.
    pub time: RawTime,
    /// Acceleration, m/s² (magnitude-only: `[m, 0, 0]`).
    pub acc: [f32; 3],
}

/// The pure half of decoding: fields → [`RawRow`]. Cheap to clone and shareable between
/// threads.
#[derive(Clone, Debug)]
pub struct RowParser {
    time: TimeSource,
    axes: Axes,
    scale: f64,
    decimal_comma: bool,
    needed: usize,
}

impl RowParser {
    /// A parser for rows laid out as `layout` says.
    pub fn new(layout: &Layout) -> Self {
        RowParser {
            time: layout.time.clone(),
            axes: layout.axes,
            scale: layout.scale_to_ms2,
            decimal_comma: layout.decimal_comma,
            needed: layout.fields_needed(),
        }
    }

    #[inline]
    fn number<F: Fields>(&self, fields: &F, c: usize) -> Result<f64, SkipReason> {
        let v = fields
            .get(c)
            .and_then(|f| parse_number(f, self.decimal_comma))
            .ok_or(SkipReason::NotANumber { column: c + 1 })?;
        let v = v * self.scale;
        if v.is_finite() && v.abs() <= MAX_ACCEL_MS2 {
            Ok(v)
        } else {
            Err(SkipReason::NotFinite { column: c + 1 })
        }
    }

    /// Parse one row's fields (`line` is only carried along for error reports).
    pub fn parse<F: Fields>(&self, fields: &F, line: u64) -> Result<RawRow, SkipReason> {
        if fields.len() < self.needed {
            return Err(SkipReason::TooFewFields {
                found: fields.len(),
                needed: self.needed,
            });
        }
        let acc = match self.axes {
            Axes::Xyz([x, y, z]) => [
                self.number(fields, x)? as f32,
                self.number(fields, y)? as f32,
                self.number(fields, z)? as f32,
            ],
            Axes::Magnitude(m) => [self.number(fields, m)?.abs() as f32, 0.0, 0.0],
        };
        let time = match self.time {
            TimeSource::Rate { .. } => RawTime::Row,
            TimeSource::Column { column, unit, .. } => {
                let not_number = SkipReason::NotANumber { column: column + 1 };
                let field = fields.get(column).ok_or(not_number.clone())?;
                match unit {
                    TimeUnit::DateTime => {
                        let (s, f) = parse_datetime(field).ok_or(not_number)?;
                        RawTime::DateTime(s, f)
                    }
                    TimeUnit::Clock => RawTime::Clock(parse_clock(field).ok_or(not_number)?),
                    _ => match parse_integer(field) {
                        Some(i) => RawTime::Integer(i),
                        None => {
                            let v = parse_number(field, self.decimal_comma).ok_or(not_number)?;
                            if !v.is_finite() {
                                return Err(SkipReason::NotFinite { column: column + 1 });
                            }
                            RawTime::Float(v)
                        }
                    },
                }
            }
        };
        Ok(RawRow { line, time, acc })
    }
}

/// The first sample's time, in the column's own terms, so later times subtract exactly.
#[derive(Clone, Copy, Debug)]
enum Origin {
    Row(u64),
    Integer(i64),
    Float(f64),
    DateTime(i64, f64),
}

/// Decodes rows of one recording in order. Holds the time origin and the last time.
#[derive(Clone, Debug)]
pub struct RowDecoder {
    parser: RowParser,
    /// Seconds per unit of a numeric time column (or 1 / rate).
    per_unit: f64,
    origin: Option<Origin>,
    last_t: Option<f64>,
    /// Data rows seen so far (kept or not): the row clock of rate-timed files.
    rows: u64,
    /// Seconds added after a clock time of day wrapped past midnight.
    clock_wrap_s: f64,
}

impl RowDecoder {
    /// A decoder for rows laid out as `layout` says.
    pub fn new(layout: &Layout) -> Self {
        let per_unit = match layout.time {
            TimeSource::Rate { rate_hz } => 1.0 / rate_hz,
            TimeSource::Column {
                unit: TimeUnit::SampleIndex,
                rate_hz,
                ..
            } => 1.0 / rate_hz.unwrap_or(1.0),
            TimeSource::Column { unit, .. } => unit.seconds_per_unit().unwrap_or(1.0),
        };
        RowDecoder {
            parser: RowParser::new(layout),
            per_unit,
            origin: None,
            last_t: None,
            rows: 0,
            clock_wrap_s: 0.0,
        }
    }

    /// The pure parser this decoder uses (for parsing blocks in parallel).
    pub fn parser(&self) -> &RowParser {
        &self.parser
    }

    /// Decode one data row: [`RowParser::parse`] then [`RowDecoder::place`].
    pub fn decode<F: Fields>(&mut self, fields: &F) -> Result<AccelSample, SkipReason> {
        let parsed = self.parser.parse(fields, 0);
        self.place(parsed)
    }

    /// Put a parsed row (or a row that failed to parse) on the recording clock, in file order.
    /// Every call counts as one row of the recording (for rate-timed files), whether it is
    /// kept or skipped.
    pub fn place(&mut self, parsed: Result<RawRow, SkipReason>) -> Result<AccelSample, SkipReason> {
        let row = self.rows;
        self.rows += 1;
        let raw = parsed?;
        let (t_s, origin) = match raw.time {
            RawTime::Row => {
                let first = match self.origin {
                    Some(Origin::Row(o)) => o,
                    _ => row,
                };
                ((row - first) as f64 * self.per_unit, Origin::Row(row))
            }
            RawTime::Integer(i) => match self.origin {
                Some(Origin::Integer(o)) => {
                    (i.wrapping_sub(o) as f64 * self.per_unit, Origin::Integer(i))
                }
                Some(Origin::Float(o)) => ((i as f64 - o) * self.per_unit, Origin::Integer(i)),
                _ => (0.0, Origin::Integer(i)),
            },
            RawTime::Float(v) => {
                let o = match self.origin {
                    Some(Origin::Integer(o)) => o as f64,
                    Some(Origin::Float(o)) => o,
                    _ => v,
                };
                ((v - o) * self.per_unit, Origin::Float(v))
            }
            RawTime::DateTime(secs, frac) => {
                let (os, of) = match self.origin {
                    Some(Origin::DateTime(s, f)) => (s, f),
                    _ => (secs, frac),
                };
                (
                    (secs.wrapping_sub(os)) as f64 + (frac - of),
                    Origin::DateTime(secs, frac),
                )
            }
            RawTime::Clock(raw) => {
                let o = match self.origin {
                    Some(Origin::Float(o)) => o,
                    _ => raw,
                };
                let mut t = raw - o + self.clock_wrap_s;
                if let Some(last) = self.last_t {
                    if t < last - 43_200.0 {
                        self.clock_wrap_s += 86_400.0;
                        t += 86_400.0;
                    }
                }
                (t, Origin::Float(raw))
            }
        };
        if !t_s.is_finite() || t_s.abs() > 1e10 {
            let column = match self.parser.time {
                TimeSource::Column { column, .. } => column + 1,
                TimeSource::Rate { .. } => 0,
            };
            return Err(SkipReason::NotFinite { column });
        }
        if let Some(last) = self.last_t {
            if t_s < last {
                return Err(SkipReason::TimeBackwards {
                    t_s,
                    previous_s: last,
                });
            }
            if t_s == last {
                return Err(SkipReason::DuplicateTime { t_s });
            }
        }
        if self.origin.is_none() {
            self.origin = Some(origin);
        }
        self.last_t = Some(t_s);
        Ok(AccelSample { t_s, acc: raw.acc })
    }
}
