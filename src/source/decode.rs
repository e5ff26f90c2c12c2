//! Turning one row of fields into an [`AccelSample`], given a [`Layout`]: parse the numbers,
//! convert to m/s², put the time on the recording clock (seconds since the first kept sample)
//! and refuse rows that would lie (NaN, text, time going backwards or repeating).
//!
//! Shared by the file reader and the live [`LineDecoder`](super::LineDecoder), so a recording
//! and a live stream of the same lines give the same samples.

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

/// A line with field spans from [`split_fields`](super::detect::split_fields).
pub struct SplitLine<'a> {
    /// The line.
    pub line: &'a [u8],
    /// Field spans in the line.
    pub spans: &'a [(usize, usize)],
}

impl Fields for SplitLine<'_> {
    fn len(&self) -> usize {
        self.spans.len()
    }
    fn get(&self, i: usize) -> Option<&[u8]> {
        self.spans.get(i).map(|&(s, e)| &self.line[s..e])
    }
}

/// The first sample's time, in the column's own terms, so later times subtract exactly.
#[derive(Clone, Copy, Debug)]
enum Origin {
    Integer(i64),
    Float(f64),
    DateTime(i64, f64),
}

/// Decodes rows of one recording in order. Holds the time origin and the last time.
#[derive(Clone, Debug)]
pub struct RowDecoder {
    time: TimeSource,
    axes: Axes,
    scale: f64,
    decimal_comma: bool,
    needed: usize,
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
        RowDecoder {
            time: layout.time.clone(),
            axes: layout.axes,
            scale: layout.scale_to_ms2,
            decimal_comma: layout.decimal_comma,
            needed: layout.fields_needed(),
            origin: None,
            last_t: None,
            rows: 0,
            clock_wrap_s: 0.0,
        }
    }

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

    /// Decode one data row. Every call counts as one row of the recording (for rate-timed
    /// files), whether it is kept or skipped.
    pub fn decode<F: Fields>(&mut self, fields: &F) -> Result<AccelSample, SkipReason> {
        let row = self.rows;
        self.rows += 1;
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
        let (t_s, origin) = self.time_of(fields, row)?;
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
            self.origin = origin;
        }
        self.last_t = Some(t_s);
        Ok(AccelSample { t_s, acc })
    }

    /// The row's time on the recording clock, and the origin to keep if this is the first row.
    fn time_of<F: Fields>(
        &mut self,
        fields: &F,
        row: u64,
    ) -> Result<(f64, Option<Origin>), SkipReason> {
        let (column, unit, rate_hz) = match self.time {
            TimeSource::Rate { rate_hz } => {
                let origin = Origin::Integer(row as i64);
                let first = match self.origin {
                    Some(Origin::Integer(o)) => o,
                    _ => row as i64,
                };
                return Ok(((row as i64 - first) as f64 / rate_hz, Some(origin)));
            }
            TimeSource::Column {
                column,
                unit,
                rate_hz,
            } => (column, unit, rate_hz),
        };
        let field = fields
            .get(column)
            .ok_or(SkipReason::NotANumber { column: column + 1 })?;
        let not_number = SkipReason::NotANumber { column: column + 1 };
        let not_finite = SkipReason::NotFinite { column: column + 1 };
        let (t, origin) = match unit {
            TimeUnit::DateTime => {
                let (secs, frac) = parse_datetime(field).ok_or(not_number)?;
                let (os, of) = match self.origin {
                    Some(Origin::DateTime(s, f)) => (s, f),
                    _ => (secs, frac),
                };
                (
                    (secs - os) as f64 + (frac - of),
                    Origin::DateTime(secs, frac),
                )
            }
            TimeUnit::Clock => {
                let raw = parse_clock(field).ok_or(not_number)?;
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
            _ => {
                let per_unit = match unit {
                    TimeUnit::SampleIndex => 1.0 / rate_hz.unwrap_or(1.0),
                    u => u.seconds_per_unit().unwrap_or(1.0),
                };
                match (parse_integer(field), self.origin) {
                    (Some(i), Some(Origin::Integer(o))) => {
                        ((i.wrapping_sub(o)) as f64 * per_unit, Origin::Integer(i))
                    }
                    (Some(i), None) => (0.0, Origin::Integer(i)),
                    (_, origin) => {
                        let v = parse_number(field, self.decimal_comma).ok_or(not_number)?;
                        if !v.is_finite() {
                            return Err(not_finite);
                        }
                        let o = match origin {
                            Some(Origin::Integer(o)) => o as f64,
                            Some(Origin::Float(o)) => o,
                            _ => v,
                        };
                        ((v - o) * per_unit, Origin::Float(v))
                    }
                }
            }
        };
        if !t.is_finite() || t.abs() > 1e10 {
            return Err(not_finite);
        }
        Ok((t, Some(origin)))
    }
}
