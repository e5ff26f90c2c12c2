//! Turning one row of fields into an [`AccelSample`], given a [`Layout`]: parse the numbers,
//! convert to m/s², put the time on the recording clock (seconds since the first kept sample)
//! and refuse rows that would lie (NaN, text, time going backwards or repeating).
//!
//! Two phases, so files can be parsed in parallel blocks: [`RowParser::parse`] is pure (fields
//! → numbers in m/s² and a raw time), and [`RowDecoder::place`] is sequential (raw time → the
//! recording clock, checking it moves forward). Shared by the file reader and the live
//! [`LineDecoder`](super::LineDecoder), so a recording and a live stream of the same lines give
//! the same samples.
//!
//! The file reader's fast path, [`RowParser::parse_plain`], reads a plain numeric line without
//! splitting it: each number is read from one 8-byte word (its non-digit bytes locate the sign,
//! point and end; the digits are converted together, SWAR-style) and divided once by an exact
//! power of ten, which is the correctly rounded value fast-float gives. Anything else (quotes,
//! spaces, exponents, long numbers, bad values) goes to the general path, or for long numbers
//! to an eight-digits-at-a-time scan and fast-float.

use super::detect::{Axes, Layout, TimeSource};
use super::error::{Gaps, SkipReason, MIN_GAP_S};
use super::fields::{parse_clock, parse_datetime, parse_integer, parse_number};
use super::options::TimeUnit;
use super::plain_simd::Lanes;
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

/// What one of the first [`Layout::fields_needed`] columns holds, for
/// [`RowParser::parse_plain`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// Not read.
    Skip,
    /// A numeric time stamp or sample counter.
    Time,
    /// Acceleration along axis 0, 1 or 2.
    Axis(u8),
    /// Magnitude-only acceleration.
    Magnitude,
}

/// Roles of the most common layout: time, then x, y, z.
const TIME_XYZ: [Role; 4] = [Role::Time, Role::Axis(0), Role::Axis(1), Role::Axis(2)];

/// The pure half of decoding: fields → [`RawRow`]. Cheap to clone and shareable between
/// threads.
#[derive(Clone, Debug)]
pub struct RowParser {
    time: TimeSource,
    axes: Axes,
    scale: f64,
    decimal_comma: bool,
    needed: usize,
    delimiter: u8,
    /// Role of each column up to the last one read, for [`RowParser::parse_plain`]; empty when
    /// the layout needs the general path for every row.
    plain: Box<[Role]>,
    /// `plain` is [`TIME_XYZ`].
    time_xyz: bool,
    /// The whole-line vector path, when the CPU and the layout allow it.
    simd: Option<Lanes>,
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
            delimiter: layout.delimiter,
            plain: plain_roles(layout).unwrap_or_default(),
            time_xyz: plain_roles(layout).is_some_and(|r| *r == TIME_XYZ),
            simd: plain_roles(layout).and_then(|roles| {
                Lanes::new(&roles, layout.scale_to_ms2, MAX_ACCEL_MS2, layout.delimiter)
            }),
        }
    }

    /// The whole-line vector path for this layout, if the CPU has it (see [`super::plain_simd`]).
    pub(super) fn simd(&self) -> Option<&Lanes> {
        self.simd.as_ref()
    }

    /// This parser without the vector path: every plain line takes the scalar one (for tests
    /// that check the two give the same rows).
    #[cfg(test)]
    pub(super) fn without_simd(mut self) -> Self {
        self.simd = None;
        self
    }

    /// True when [`RowParser::parse_plain`] can parse rows of this layout (it may still hand
    /// any single line back to the general path).
    pub fn has_plain_path(&self) -> bool {
        !self.plain.is_empty()
    }

    /// The fast path for the common row: parse one line (without its line end) directly, number
    /// by number, when every field up to the last one read is an unquoted plain number (or,
    /// for unread columns, unquoted text) and every value is valid. Returns `None` whenever the
    /// line needs anything else — quotes, spaces around a number, a bad value, too few fields
    /// — so the caller splits it and calls [`RowParser::parse`], which then gives the same row
    /// or the reason it is skipped. When it returns a row, it is the row [`RowParser::parse`]
    /// gives for the line's fields.
    pub fn parse_plain(&self, line: &[u8], line_no: u64) -> Option<RawRow> {
        match self.parse_plain_at(line, 0, line_no) {
            Some((row, next)) if next == line.len() => Some(row),
            _ => None,
        }
    }

    /// [`RowParser::parse_plain`] for the line starting at `text[start..]`, in a block of
    /// whole lines (as the file reader parses them): also finds where the line ends and returns
    /// where the next one starts. It reads ahead of the line's end (never past `text`) to parse
    /// eight digits at a time, so it is faster than [`RowParser::parse_plain`] on a lone line.
    #[inline(always)]
    pub fn parse_plain_at(
        &self,
        text: &[u8],
        start: usize,
        line_no: u64,
    ) -> Option<(RawRow, usize)> {
        let last = self.plain.len().checked_sub(1)?;
        if text.get(start) == Some(&b'#') {
            return None; // a comment, whatever follows
        }
        let d = self.delimiter;
        let mut acc = [0f32; 3];
        let mut time = RawTime::Row;
        let mut pos = start;
        let field_end = |end: usize| (text.get(end) == Some(&d)).then_some(end + 1);
        if self.time_xyz {
            // The most common layout, written out: time, x, y, z.
            let (t, mut end) = self.plain_time(text, pos)?;
            time = t;
            for slot in &mut acc {
                let (v, next) = self.plain_accel(text, field_end(end)?)?;
                *slot = v as f32;
                end = next;
            }
            pos = end;
        } else {
            for (i, role) in self.plain.iter().enumerate() {
                pos = match *role {
                    Role::Skip => {
                        let mut q = pos;
                        while let Some(&c) = text.get(q) {
                            if c == d || c == b'\n' {
                                break;
                            }
                            // A quote could hide a separator; a lone CR ends a csv-core record.
                            if c == b'"' || c == b'\r' {
                                return None;
                            }
                            q += 1;
                        }
                        q
                    }
                    Role::Time => {
                        let (t, end) = self.plain_time(text, pos)?;
                        time = t;
                        end
                    }
                    Role::Axis(k) => {
                        let (v, end) = self.plain_accel(text, pos)?;
                        *acc.get_mut(usize::from(k))? = v as f32;
                        end
                    }
                    Role::Magnitude => {
                        let (v, end) = self.plain_accel(text, pos)?;
                        acc[0] = v.abs() as f32;
                        end
                    }
                };
                if i < last {
                    if text.get(pos) != Some(&d) {
                        return None;
                    }
                    pos += 1;
                }
            }
        }
        let next = match text.get(pos) {
            None => pos,
            Some(b'\n') => pos + 1,
            Some(b'\r') if text.get(pos + 1) == Some(&b'\n') => pos + 2,
            // Columns after the last one read are not looked at.
            Some(&c) if c == d => {
                memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |off| pos + off + 1)
            }
            Some(_) => return None,
        };
        Some((
            RawRow {
                line: line_no,
                time,
                acc,
            },
            next,
        ))
    }

    /// A plain number at `text[pos..]`, in m/s² and in range: (value, where it ends).
    #[inline(always)]
    fn plain_accel(&self, text: &[u8], pos: usize) -> Option<(f64, usize)> {
        let (v, end) = match Decimal::short(text, pos) {
            Some(d) => (d.short_value(), d.end),
            None => Self::accel_value(text, pos)?,
        };
        let v = v * self.scale;
        // Also false for NaN and infinities.
        (v.abs() <= MAX_ACCEL_MS2).then_some((v, end))
    }

    /// [`RowParser::plain_accel`]'s value for numbers that are not short.
    #[cold]
    fn accel_value(text: &[u8], pos: usize) -> Option<(f64, usize)> {
        match Decimal::scan_long(text, pos).and_then(|d| Some((d.exact()?, d.end))) {
            Some(found) => Some(found),
            None => {
                let (v, n) = fast_float2::parse_partial::<f64, _>(text.get(pos..)?).ok()?;
                Some((v, pos + n))
            }
        }
    }

    /// A plain time at `text[pos..]`: exact when it is a whole number that fits `i64` (as
    /// [`parse_integer`] reads it), else a finite float. Returns where it ends.
    #[inline(always)]
    fn plain_time(&self, text: &[u8], pos: usize) -> Option<(RawTime, usize)> {
        if let Some(d) = Decimal::short(text, pos) {
            let time = if d.point {
                RawTime::Float(d.short_value())
            } else {
                let i = d.mantissa as i64; // at most eight digits
                RawTime::Integer(if d.negative { -i } else { i })
            };
            return Some((time, d.end));
        }
        if let Some(d) = Decimal::scan_long(text, pos) {
            if !d.point {
                if let Ok(i) = i64::try_from(d.mantissa) {
                    return Some((RawTime::Integer(if d.negative { -i } else { i }), d.end));
                }
            } else if let Some(v) = d.exact() {
                return Some((RawTime::Float(v), d.end));
            }
        }
        let (t, n) = self.plain_time_general(text.get(pos..)?)?;
        Some((t, pos + n))
    }

    /// [`RowParser::plain_time`] for what [`Decimal`] does not cover.
    #[cold]
    fn plain_time_general(&self, s: &[u8]) -> Option<(RawTime, usize)> {
        let sign = usize::from(matches!(s.first(), Some(b'-' | b'+')));
        let digits = s[sign..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = sign + digits;
        let field_ends = s
            .get(end)
            .is_none_or(|&c| c == self.delimiter || c == b'\n' || c == b'\r');
        if (1..=19).contains(&digits) && field_ends {
            if let Some(i) = parse_integer(&s[..end]) {
                return Some((RawTime::Integer(i), end));
            }
        }
        let (v, n) = fast_float2::parse_partial::<f64, _>(s).ok()?;
        v.is_finite().then_some((RawTime::Float(v), n))
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

/// Exact powers of ten as `f64` (10^22 is the largest one).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Exact powers of ten as `u64`, up to 10^19.
const POW10_U64: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// A plain decimal `[-]digits[.digits]` (at most 19 digits, no exponent) at the start of a
/// field: the shape nearly every sensor export writes.
#[derive(Clone, Copy, Debug)]
struct Decimal {
    negative: bool,
    /// The digits, point ignored.
    mantissa: u64,
    /// Digits after the point.
    frac_digits: usize,
    /// A point was written.
    point: bool,
    /// Where it ends in the text.
    end: usize,
}

/// Eight bytes at `s[p..]` as a little-endian word, if there are eight.
#[inline(always)]
fn load8(s: &[u8], p: usize) -> Option<u64> {
    let bytes: [u8; 8] = s.get(p..p.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// High bit of each byte of `w` that is not an ASCII digit.
#[inline(always)]
fn non_digits(w: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = w ^ 0x3030_3030_3030_3030; // digits become 0..=9
    (((x & LOW7) + 0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080
}

/// The value of the first `len` (1..=8) bytes of `x`, all digit values 0..=9 (ASCII digits
/// xor `'0'`), the first byte the most significant: three multiplications instead of a loop.
#[inline(always)]
fn eight_digits(x: u64, len: usize) -> u64 {
    let d = x << (8 * (8 - len)); // leading zeros below
    let d = ((d & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(10 << 8 | 1)) >> 8;
    let d = ((d & 0x00FF_00FF_00FF_00FF).wrapping_mul(100 << 16 | 1)) >> 16;
    ((d & 0x0000_FFFF_0000_FFFF).wrapping_mul(10_000 << 32 | 1)) >> 32
}

/// The run of ASCII digits at `s[p..]`: (value, count), the count capped at 20 (value then
/// meaningless). `None` when fewer than eight bytes are left to load.
#[inline]
fn digit_run(s: &[u8], mut p: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    let mut count = 0;
    loop {
        let w = load8(s, p)?;
        let len = (non_digits(w).trailing_zeros() / 8) as usize;
        if count + len > 19 {
            return Some((0, 20));
        }
        if len > 0 {
            value = value * POW10_U64[len] + eight_digits(w ^ 0x3030_3030_3030_3030, len);
        }
        count += len;
        if len < 8 {
            return Some((value, count));
        }
        p += 8;
    }
}

impl Decimal {
    /// Scan a plain decimal at `s[p..]`; `None` for anything else (a `+` sign, no digit before
    /// or after the point, more than 19 digits), which the caller leaves to fast-float. The
    /// caller checks what follows (an exponent, for one, is not plain).
    ///
    /// Numbers that fit one eight-byte word (`-12.3456`, `35999.99`) take
    /// [`Decimal::short`]: the point is squeezed out and the digits converted together.
    /// Longer ones take [`Decimal::scan_long`]. (The reader calls the two itself, to keep the
    /// long path out of line; the tests check this combination against fast-float.)
    #[cfg(test)]
    fn scan_at(s: &[u8], p: usize) -> Option<Decimal> {
        match Decimal::short(s, p) {
            Some(d) => Some(d),
            None => Decimal::scan_long(s, p),
        }
    }

    /// [`Decimal::scan_at`] for a number that fits one eight-byte word (at most eight digits,
    /// or seven and a point) and stops there; `None` for anything else. The word's non-digit
    /// bytes give the digits before the point and after it.
    #[inline(always)]
    fn short(s: &[u8], p: usize) -> Option<Decimal> {
        let negative = s.get(p) == Some(&b'-');
        let q = p + usize::from(negative);
        let w = load8(s, q)?;
        let flags = non_digits(w);
        let int_digits = (flags.trailing_zeros() / 8) as usize; // 0..=8
        let x = w ^ 0x3030_3030_3030_3030; // digits become 0..=9
                                           // Whether the number stops right after the word (the end of `s` stops it too).
        let stops_after_word = || {
            !s.get(q + 8)
                .is_some_and(|c| c.is_ascii_digit() || *c == b'.')
        };
        // One test for the two rare cases: no digit at all, or eight.
        if int_digits.wrapping_sub(1) >= 7 {
            return (int_digits == 8 && stops_after_word()).then_some(Decimal {
                negative,
                mantissa: eight_digits(x, 8),
                frac_digits: 0,
                point: false,
                end: q + 8,
            });
        }
        if (w >> (8 * int_digits)) as u8 != b'.' {
            return Some(Decimal {
                negative,
                mantissa: eight_digits(x, int_digits),
                frac_digits: 0,
                point: false,
                end: q + int_digits,
            });
        }
        // The flags without the point's (the lowest one): the next one ends the fraction.
        let after_point = flags & (flags - 1);
        let len = if after_point == 0 {
            // The fraction fills the rest of the word: it must stop right after it.
            if !stops_after_word() {
                return None;
            }
            8
        } else {
            (after_point.trailing_zeros() / 8) as usize
        };
        let frac_digits = len - int_digits - 1;
        if frac_digits == 0 {
            return None; // no digit after the point
        }
        let below = (1u64 << (8 * int_digits)) - 1;
        let squeezed = (x & below) | ((x >> 8) & !below); // the point taken out
        Some(Decimal {
            negative,
            mantissa: eight_digits(squeezed, len - 1),
            frac_digits,
            point: true,
            end: q + len,
        })
    }

    /// [`Decimal::scan_at`] for numbers of any length: eight digits at a time (byte by byte
    /// near the end of `s`).
    #[cold]
    fn scan_long(s: &[u8], p: usize) -> Option<Decimal> {
        let negative = s.get(p) == Some(&b'-');
        let mut i = p + usize::from(negative);
        let Some((int_value, int_digits)) = digit_run(s, i) else {
            return Decimal::scan_bytes(s, p);
        };
        i += int_digits;
        let point = s.get(i) == Some(&b'.');
        let (mut mantissa, mut frac_digits) = (int_value, 0);
        if point {
            i += 1;
            let Some((frac_value, n)) = digit_run(s, i) else {
                return Decimal::scan_bytes(s, p);
            };
            i += n;
            frac_digits = n;
            if int_digits + n <= 19 {
                mantissa = int_value * POW10_U64[n] + frac_value;
            }
        }
        Decimal::plain(s, negative, mantissa, int_digits, point, frac_digits, i)
    }

    /// The scanned number if it is a plain decimal: digits before the point, at least one
    /// after it if there is a point, at most 19 digits (the mantissa is exact), and no exponent
    /// after it at `s[end]`.
    fn plain(
        s: &[u8],
        negative: bool,
        mantissa: u64,
        int_digits: usize,
        point: bool,
        frac_digits: usize,
        end: usize,
    ) -> Option<Decimal> {
        let plain = int_digits > 0
            && (!point || frac_digits > 0)
            && int_digits + frac_digits <= 19
            && !matches!(s.get(end), Some(b'e' | b'E'));
        plain.then_some(Decimal {
            negative,
            mantissa,
            frac_digits,
            point,
            end,
        })
    }

    /// [`Decimal::scan_at`] byte by byte.
    #[cold]
    fn scan_bytes(s: &[u8], p: usize) -> Option<Decimal> {
        let negative = s.get(p) == Some(&b'-');
        let mut i = p + usize::from(negative);
        let mut mantissa = 0u64;
        let mut digits = |i: &mut usize| {
            let start = *i;
            while let Some(d) = s.get(*i).map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9) {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
                *i += 1;
            }
            *i - start
        };
        let int_digits = digits(&mut i);
        let point = s.get(i) == Some(&b'.');
        let frac_digits = if point {
            i += 1;
            digits(&mut i)
        } else {
            0
        };
        Decimal::plain(s, negative, mantissa, int_digits, point, frac_digits, i)
    }

    /// [`Decimal::exact`] for a [`Decimal::short`] number (at most eight digits, so always
    /// exact), without the checks.
    #[inline(always)]
    fn short_value(&self) -> f64 {
        const POW10_SHORT: [f64; 8] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7];
        let v = self.mantissa as f64 / POW10_SHORT[self.frac_digits & 7];
        f64::from_bits(v.to_bits() | u64::from(self.negative) << 63)
    }

    /// The value, when it is exact to compute: a mantissa of at most 53 bits divided by an
    /// exact power of ten is one correctly rounded IEEE operation, so it equals what any
    /// correct parser (fast-float) returns.
    #[inline(always)]
    fn exact(&self) -> Option<f64> {
        if self.mantissa > 1 << 53 {
            return None;
        }
        let v = self.mantissa as f64 / *POW10.get(self.frac_digits)?;
        Some(if self.negative { -v } else { v })
    }
}

/// Column roles for [`RowParser::parse_plain`], or `None` when the layout needs the general
/// path: decimal comma, date-time or clock times, a separator that can be part of a number, or
/// a column used twice.
fn plain_roles(layout: &Layout) -> Option<Box<[Role]>> {
    let d = layout.delimiter;
    if layout.decimal_comma || d.is_ascii_alphanumeric() || b"+-.\"\r\n".contains(&d) {
        return None;
    }
    let mut roles = vec![Role::Skip; layout.fields_needed()];
    let mut set = |column: usize, role: Role| -> Option<()> {
        let slot = roles.get_mut(column)?;
        if *slot != Role::Skip {
            return None;
        }
        *slot = role;
        Some(())
    };
    match layout.axes {
        Axes::Xyz(columns) => {
            for (k, c) in (0u8..).zip(columns) {
                set(c, Role::Axis(k))?;
            }
        }
        Axes::Magnitude(c) => set(c, Role::Magnitude)?,
    }
    match layout.time {
        TimeSource::Rate { .. } => {}
        TimeSource::Column {
            unit: TimeUnit::DateTime | TimeUnit::Clock,
            ..
        } => return None,
        TimeSource::Column { column, .. } => set(column, Role::Time)?,
    }
    Some(roles.into_boxed_slice())
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
    /// A step forward in time longer than this is a gap (infinite for rate-timed files).
    gap_s: f64,
    /// Gaps found so far.
    gaps: Gaps,
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
        let gap_s = match layout.time {
            // Every row, kept or not, moves the clock one sample on: never a gap.
            TimeSource::Rate { .. } => f64::INFINITY,
            TimeSource::Column {
                unit: TimeUnit::SampleIndex,
                ..
            } => MIN_GAP_S.max(2.0 * per_unit),
            TimeSource::Column { .. } => MIN_GAP_S,
        };
        RowDecoder {
            parser: RowParser::new(layout),
            per_unit,
            origin: None,
            last_t: None,
            rows: 0,
            clock_wrap_s: 0.0,
            gap_s,
            gaps: Gaps::default(),
        }
    }

    /// The gaps in time found so far (steps forward longer than [`MIN_GAP_S`] between two
    /// kept samples).
    pub fn gaps(&self) -> &Gaps {
        &self.gaps
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
        match parsed {
            Ok(raw) => self.place_row(&raw),
            Err(reason) => {
                self.rows += 1;
                Err(reason)
            }
        }
    }

    /// Place the leading rows of `rows` that need none of [`RowDecoder::place_row`]'s rare
    /// cases, appending their samples to `out`: a numeric time of the same kind as the
    /// origin's (`Float` after `Float`, `Integer` after `Integer`), finite and in range, and
    /// strictly after the last one by at most the gap length. Returns how many it placed (0
    /// before the first kept sample); the next row, if any, needs `place_row`. The samples
    /// and the state are the ones `place_row` gives, row after row.
    #[inline]
    pub fn place_plain_rows(&mut self, rows: &[RawRow], out: &mut Vec<AccelSample>) -> usize {
        let (Some(origin), Some(mut last)) = (self.origin, self.last_t) else {
            return 0;
        };
        let (per_unit, gap_s) = (self.per_unit, self.gap_s);
        // The checks of `place_row`, in one test (NaN fails it).
        let fits = |t: f64, last: f64| t.abs() <= 1e10 && t > last && t - last <= gap_s;
        let mut placed = 0;
        match origin {
            Origin::Float(o) => {
                for raw in rows {
                    let RawTime::Float(v) = raw.time else { break };
                    let t_s = (v - o) * per_unit;
                    if !fits(t_s, last) {
                        break;
                    }
                    out.push(AccelSample { t_s, acc: raw.acc });
                    last = t_s;
                    placed += 1;
                }
            }
            Origin::Integer(o) => {
                for raw in rows {
                    let RawTime::Integer(i) = raw.time else { break };
                    let t_s = i.wrapping_sub(o) as f64 * per_unit;
                    if !fits(t_s, last) {
                        break;
                    }
                    out.push(AccelSample { t_s, acc: raw.acc });
                    last = t_s;
                    placed += 1;
                }
            }
            Origin::Row(_) | Origin::DateTime(..) => {}
        }
        self.rows += placed as u64;
        self.last_t = Some(last);
        placed
    }

    /// [`RowDecoder::place`] for a row that parsed.
    #[inline]
    pub fn place_row(&mut self, raw: &RawRow) -> Result<AccelSample, SkipReason> {
        let row = self.rows;
        self.rows += 1;
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
            // One branch for the three rare cases: backwards, repeated, or a gap.
            if !(t_s > last && t_s - last <= self.gap_s) {
                if t_s < last {
                    return Err(SkipReason::TimeBackwards {
                        t_s,
                        previous_s: last,
                    });
                }
                if t_s == last {
                    return Err(SkipReason::DuplicateTime { t_s });
                }
                self.gaps.record(last, t_s);
            }
        }
        if self.origin.is_none() {
            self.origin = Some(origin);
        }
        self.last_t = Some(t_s);
        Ok(AccelSample { t_s, acc: raw.acc })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What fast-float reads at `s[p..]`, when it is a plain decimal.
    fn reference(s: &[u8], p: usize) -> Option<(f64, usize)> {
        fast_float2::parse_partial::<f64, _>(&s[p..]).ok()
    }

    #[test]
    fn digit_words_convert() {
        assert_eq!(
            eight_digits(u64::from_le_bytes(*b"12345678") ^ 0x3030_3030_3030_3030, 8),
            12_345_678
        );
        assert_eq!(
            eight_digits(u64::from_le_bytes(*b"42,x....") ^ 0x3030_3030_3030_3030, 2),
            42
        );
        assert_eq!(non_digits(u64::from_le_bytes(*b"0123456/")), 0x80 << 56);
    }

    #[test]
    fn short_and_long_numbers_read_like_fast_float() {
        for text in [
            "3599.99,",
            "-4.1234,",
            "10.0006\n",
            "7,",
            "-0,",
            "-0.0,",
            "0001.50,",
            "1234567,",
            "12345678,",
            "123456.7,",
            "1234567.8,",
            "35999.99\n",
            "0.98849173834,",
            "584065454762638,",
            "9007199254740993.5,",
            "1.2.3,",
            "35999.99,",
            "12345678,",
            "12345678",
            "1234567.8",
            "12345678.5,",
            "1234.5678,",
            "-9999999.9\n",
        ] {
            let s = format!("{text}        ");
            let d = Decimal::scan_at(s.as_bytes(), 0).unwrap();
            let (want, n) = reference(s.as_bytes(), 0).unwrap();
            assert_eq!(d.end, n, "{text}");
            if let Some(v) = d.exact() {
                assert_eq!(v.to_bits(), want.to_bits(), "{text}");
            }
        }
        for text in [
            "+1.5,",
            ".5,",
            "5.,",
            "-,",
            ",",
            "e5,",
            "1234567.,",
            "12345678901234567890,",
        ] {
            let s = format!("{text}        ");
            assert!(Decimal::scan_at(s.as_bytes(), 0).is_none(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn scanned_decimals_are_what_fast_float_reads(
            text in "-?[0-9]{0,21}(\\.[0-9]{0,21})?[,.\n;e-]?[0-9]{0,3}",
            pad in 0usize..10,
        ) {
            // Near the end of the buffer (byte by byte) and with room for 8-byte words.
            let s = format!("{text}{}", " ".repeat(pad));
            if let Some(d) = Decimal::scan_at(s.as_bytes(), 0) {
                let (want, n) = reference(s.as_bytes(), 0).unwrap();
                let follows = s.as_bytes().get(d.end).copied();
                if !matches!(follows, Some(b'e' | b'E')) {
                    prop_assert_eq!(d.end, n);
                    if let Some(v) = d.exact() {
                        prop_assert_eq!(v.to_bits(), want.to_bits());
                    }
                }
            }
        }
    }
}
