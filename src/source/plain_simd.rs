//! The file reader's fastest path for plain numeric lines: a whole line classified at once with
//! AVX2, and its numbers converted together.
//!
//! A 32-byte window at the line's start gives bitmasks of its digits, separators, points,
//! minus signs and line ends. Up to the end of the last field read, those masks are the line's
//! *shape* (`12.34,-0.1234,1.2345,9.8100` and `56.78,-0.4321,1.5432,9.1234` have the same
//! one). A sensor export writes few shapes (the sign and width of each number vary a little),
//! so what a shape means — where each number's digits are, how many follow the point, its sign
//! — is worked out once into a [`Plan`] and kept in a small cache ([`PlanCache`]). A line of a
//! known shape is then read with a handful of vector instructions: one byte shuffle puts each
//! number's digits right-aligned in its own 8-byte lane, multiply-adds turn the four lanes into
//! four integers, and one vector division by exact powers of ten gives the four values, which
//! are the ones the scalar path ([`RowParser::parse_plain_at`](super::decode::RowParser))
//! gives: a mantissa of at most eight digits divided by an exact power of ten is one correctly
//! rounded IEEE operation, in a vector register as in a scalar one.
//!
//! Anything else is left to the scalar path, line by line: a line longer than the window, a
//! field that is not `-?digits[.digits]` with at most eight digits, any other byte (spaces,
//! quotes, exponents, a `#`), a value out of range, a layout with unread columns between the
//! read ones or more than four read. The path is only taken when the CPU has AVX2 (detected at
//! run time); without it every line takes the scalar path, which gives the same rows.

use super::decode::{RawRow, RawTime, Role};

/// Bytes looked at per line.
const WINDOW: usize = 32;

/// Plans kept per cache (a power of two).
const SLOTS: usize = 128;

/// The roles of the fields a line's lanes are read into, and the unit scale: what a [`Plan`]
/// needs beyond the shape. Only built when the CPU has AVX2 and the layout suits.
#[derive(Clone, Debug)]
pub(super) struct Lanes {
    /// Role of field `k` (no [`Role::Skip`]), 1 to 4 of them.
    roles: Box<[Role]>,
    /// Lane of the time field, if any.
    time: Option<usize>,
    /// Roles are exactly time, x, y, z (the common layout, read without a loop).
    time_xyz: bool,
    /// Multiplier to m/s².
    scale: f64,
    /// Largest accepted acceleration, m/s².
    max_accel: f64,
    /// The separator.
    delimiter: u8,
}

impl Lanes {
    /// Lanes for lines of these column roles, or `None` when the CPU lacks AVX2 or the roles
    /// do not suit (an unread column among the read ones, or more than four read).
    pub(super) fn new(roles: &[Role], scale: f64, max_accel: f64, delimiter: u8) -> Option<Lanes> {
        if !avx2_available() {
            return None;
        }
        Lanes::for_roles(roles, scale, max_accel, delimiter)
    }

    /// [`Lanes::new`] without the CPU check.
    fn for_roles(roles: &[Role], scale: f64, max_accel: f64, delimiter: u8) -> Option<Lanes> {
        if roles.is_empty() || roles.len() > 4 || roles.contains(&Role::Skip) {
            return None;
        }
        Some(Lanes {
            roles: roles.into(),
            time: roles.iter().position(|r| *r == Role::Time),
            time_xyz: *roles == [Role::Time, Role::Axis(0), Role::Axis(1), Role::Axis(2)],
            scale,
            max_accel,
            delimiter,
        })
    }

    /// Parse plain lines from `text[start..]` while they have a shape this path reads,
    /// appending their rows (numbered from `*line_no + 1` on) to `rows`. Returns where the
    /// first line it leaves to the scalar path starts (`start` itself if it reads none), with
    /// `*line_no` the number of the last line read.
    #[inline]
    pub(super) fn parse_run(
        &self,
        cache: &mut PlanCache,
        text: &[u8],
        start: usize,
        line_no: &mut u64,
        rows: &mut Vec<RawRow>,
    ) -> usize {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `Lanes` exist only when `avx2_available` said the CPU has AVX2 (the
            // tests' `for_roles` lanes are only run after the same check).
            unsafe { avx2::parse_run(self, cache, text, start, line_no, rows) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (cache, text, line_no, rows);
            start
        }
    }
}

/// True when the CPU can run the AVX2 path.
fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A line's shape, up to the end of its last read field: where its separators, points and
/// minus signs are (every other byte before the end is a digit), where that field ends and what
/// ends it. Packed in two words, so shapes compare and hash quickly:
/// - `a`: separators (bit `i` for byte `i`, only those before the end) | points << 32;
/// - `b`: minus signs | end << 32 | term << 40, where `end` (0..32) is where the last read
///   field ends and `term` what is there: 0 a separator (unread columns follow), 1 `\n`,
///   2 `\r`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct Shape {
    a: u64,
    b: u64,
}

impl Shape {
    /// Separators before the end.
    fn delims(&self) -> u32 {
        self.a as u32
    }

    /// Points before the end.
    fn points(&self) -> u32 {
        (self.a >> 32) as u32
    }

    /// Minus signs before the end.
    fn minus(&self) -> u32 {
        self.b as u32
    }

    /// Where the last read field ends.
    fn end(&self) -> u32 {
        (self.b >> 32) as u8 as u32
    }

    /// The cache slot to look in.
    #[inline(always)]
    fn slot(&self) -> usize {
        let h = (self.a ^ self.b.rotate_left(23)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 57) as usize & (SLOTS - 1)
    }
}

/// How to read the lines of one [`Shape`].
#[derive(Clone, Debug)]
#[repr(C, align(32))]
struct Plan {
    /// Byte shuffles taking each field's digits (digit values 0..=9) from the window's low and
    /// high 16 bytes into lane `k` (bytes `8k..8k + 8`), right-aligned; `0x80` gives a zero.
    from_low: [u8; 32],
    from_high: [u8; 32],
    /// Per lane: the power of ten to divide by (digits after the point).
    divisor: [f64; 4],
    /// Per lane: the sign bit to set (a minus sign).
    sign: [u64; 4],
    /// Per lane: the multiplier (the unit scale, 1 for the time).
    multiplier: [f64; 4],
    /// Per lane: mask applied after the multiplier (clears the sign of a magnitude).
    keep: [u64; 4],
    /// Per lane: the largest magnitude accepted (infinite for the time).
    limit: [f64; 4],
    /// The shape this plan reads.
    shape: Shape,
    /// False when the shape is not one this path reads (nor is any line of it).
    usable: bool,
    /// The time field has a point (a `Float` time; else an `Integer`).
    time_point: bool,
    /// The time field has a minus sign.
    time_negative: bool,
}

impl Plan {
    /// A plan that reads nothing (an empty slot, or a shape left to the scalar path).
    fn unusable(shape: Shape) -> Plan {
        Plan {
            from_low: [0x80; 32],
            from_high: [0x80; 32],
            divisor: [1.0; 4],
            sign: [0; 4],
            multiplier: [1.0; 4],
            keep: [u64::MAX; 4],
            limit: [f64::INFINITY; 4],
            shape,
            usable: false,
            time_point: false,
            time_negative: false,
        }
    }

    /// Work out how to read lines of `shape`, in the fields' roles of `lanes`.
    fn build(shape: Shape, lanes: &Lanes) -> Plan {
        const POW10: [f64; 9] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
        let mut plan = Plan::unusable(shape);
        let end = shape.end();
        let mut delims = shape.delims();
        let mut from = 0u32;
        for (k, role) in lanes.roles.iter().enumerate() {
            let to = if k + 1 < lanes.roles.len() {
                if delims == 0 {
                    return plan;
                }
                let d = delims.trailing_zeros();
                delims &= delims - 1;
                d
            } else {
                if delims != 0 {
                    return plan; // more separators than fields (cannot happen: `end` is one)
                }
                end
            };
            // Field `k` is bytes from..to.
            let field = if to > from {
                (u32::MAX >> (32 - (to - from))) << from
            } else {
                0
            };
            let negative = shape.minus() & field != 0;
            if negative && shape.minus() & field != 1 << from {
                return plan; // a minus sign not in front
            }
            let digits_from = from + u32::from(negative);
            let points = shape.points() & field;
            if points.count_ones() > 1 {
                return plan;
            }
            let (int_digits, frac_digits) = if points == 0 {
                (to.saturating_sub(digits_from), 0)
            } else {
                let p = points.trailing_zeros();
                (p.saturating_sub(digits_from), to - p - 1)
            };
            let digits = int_digits + frac_digits;
            if int_digits == 0 || (points != 0 && frac_digits == 0) || digits > 8 {
                return plan;
            }
            // The digits, most significant first, right-aligned in lane k.
            let mut out = 8 * k as u32 + 8 - digits;
            for pos in digits_from..to {
                if points & 1 << pos != 0 {
                    continue;
                }
                let (low, high) = if pos < 16 {
                    (pos as u8, 0x80)
                } else {
                    (0x80, (pos - 16) as u8)
                };
                plan.from_low[out as usize] = low;
                plan.from_high[out as usize] = high;
                out += 1;
            }
            plan.divisor[k] = POW10[frac_digits as usize];
            plan.sign[k] = u64::from(negative) << 63;
            match role {
                Role::Time => {
                    plan.time_point = points != 0;
                    plan.time_negative = negative;
                }
                Role::Axis(_) | Role::Magnitude => {
                    plan.multiplier[k] = lanes.scale;
                    plan.limit[k] = lanes.max_accel;
                    if *role == Role::Magnitude {
                        plan.keep[k] = !(1 << 63);
                    }
                }
                Role::Skip => return plan,
            }
            from = to + 1;
        }
        plan.usable = true;
        plan
    }
}

/// The plans of the shapes met lately, one per slot (a new shape takes its slot's place).
/// One per parsed block, reused from batch to batch.
#[derive(Clone, Debug)]
pub(super) struct PlanCache {
    plans: Box<[Plan; SLOTS]>,
}

impl Default for PlanCache {
    fn default() -> Self {
        // An empty slot's plan is unusable, and its shape (all zero: `end` 0) is none a line
        // has: a line's last field ends after at least one digit.
        PlanCache {
            plans: Box::new(std::array::from_fn(|_| Plan::unusable(Shape::default()))),
        }
    }
}

impl PlanCache {
    /// The plan for `shape`, worked out if it is not cached.
    #[inline(always)]
    fn plan(&mut self, shape: Shape, lanes: &Lanes) -> &Plan {
        let slot = &mut self.plans[shape.slot()];
        if slot.shape != shape {
            *slot = Plan::build(shape, lanes);
        }
        slot
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Lanes, PlanCache, RawRow, RawTime, Role, Shape, WINDOW};
    use std::arch::x86_64::*;

    /// [`Lanes::parse_run`] with AVX2.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn parse_run(
        lanes: &Lanes,
        cache: &mut PlanCache,
        text: &[u8],
        start: usize,
        line_no: &mut u64,
        rows: &mut Vec<RawRow>,
    ) -> usize {
        // The field count as a constant, so finding the last field's end is unrolled.
        match lanes.roles.len() {
            1 => run::<1>(lanes, cache, text, start, line_no, rows),
            2 => run::<2>(lanes, cache, text, start, line_no, rows),
            3 => run::<3>(lanes, cache, text, start, line_no, rows),
            _ => run::<4>(lanes, cache, text, start, line_no, rows),
        }
    }

    /// Movemask: the high bit of each byte.
    macro_rules! mask {
        ($v:expr) => {
            _mm256_movemask_epi8($v) as u32
        };
    }

    /// [`parse_run`] for lines of `FIELDS` read fields.
    #[target_feature(enable = "avx2")]
    fn run<const FIELDS: usize>(
        lanes: &Lanes,
        cache: &mut PlanCache,
        text: &[u8],
        mut start: usize,
        line_no: &mut u64,
        rows: &mut Vec<RawRow>,
    ) -> usize {
        let splat = |b: u8| _mm256_set1_epi8(b as i8);
        let (zero, nine, delim) = (splat(b'0'), splat(9), splat(lanes.delimiter));
        let (newline, cr, point, minus) = (splat(b'\n'), splat(b'\r'), splat(b'.'), splat(b'-'));
        let tens = _mm256_set1_epi16(0x010A); // bytes 10, 1
        let hundreds = _mm256_set1_epi32(0x0001_0064); // words 100, 1
        let ten_thousands = _mm256_set1_epi32(0x0001_2710); // words 10000, 1
        let gather = _mm256_setr_epi32(0, 1, 4, 5, 0, 1, 4, 5);
        let abs = _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX));
        while start + WINDOW <= text.len() {
            // SAFETY: `start + WINDOW <= text.len()`, so the 32 bytes read are in `text`;
            // the load is unaligned.
            let v = unsafe { _mm256_loadu_si256(text.as_ptr().add(start).cast()) };
            let x = _mm256_sub_epi8(v, zero); // digits become 0..=9
            let digits = mask!(_mm256_cmpeq_epi8(_mm256_min_epu8(x, nine), x));
            let delims = mask!(_mm256_cmpeq_epi8(v, delim));
            let newlines = mask!(_mm256_cmpeq_epi8(v, newline));
            let crs = mask!(_mm256_cmpeq_epi8(v, cr));
            // The last read field ends at the `FIELDS`-th separator or line end.
            let mut ends = delims | newlines | crs;
            for _ in 1..FIELDS {
                ends &= ends.wrapping_sub(1);
            }
            if ends == 0 {
                break;
            }
            let end = ends.trailing_zeros();
            let before = (1u32 << end) - 1;
            let points = mask!(_mm256_cmpeq_epi8(v, point)) & before;
            let minus = mask!(_mm256_cmpeq_epi8(v, minus)) & before;
            let delims_before = delims & before;
            if before & !(digits | delims_before | points | minus) != 0 {
                break; // another byte (a line end, too, before the last field)
            }
            let at_end = 1u64 << end;
            let newlines = u64::from(newlines);
            let (term, next) = if newlines & at_end != 0 {
                (1, end + 1)
            } else if u64::from(delims) & at_end != 0 {
                // Unread columns follow: the line ends at the next line end.
                let later = newlines & !(at_end - 1);
                if later == 0 {
                    break;
                }
                (0, later.trailing_zeros() + 1)
            } else if newlines & at_end << 1 != 0 {
                (2, end + 2) // `\r\n`
            } else {
                break; // a lone `\r`
            };
            let shape = Shape {
                a: u64::from(delims_before) | u64::from(points) << 32,
                b: u64::from(minus) | u64::from(end) << 32 | term << 40,
            };
            let plan = cache.plan(shape, lanes);
            if !plan.usable {
                break;
            }
            // SAFETY (the plan's loads): each reads one whole 32-byte array of the plan,
            // unaligned.
            let load = |p: *const u8| unsafe { _mm256_loadu_si256(p.cast()) };
            let loadpd = |p: &[f64; 4]| unsafe { _mm256_loadu_pd(p.as_ptr()) };
            // Each field's digits, right-aligned in its 8-byte lane.
            let low = _mm256_permute2x128_si256::<0x00>(x, x);
            let high = _mm256_permute2x128_si256::<0x11>(x, x);
            let lanes8 = _mm256_or_si256(
                _mm256_shuffle_epi8(low, load(plan.from_low.as_ptr())),
                _mm256_shuffle_epi8(high, load(plan.from_high.as_ptr())),
            );
            // Pairs, fours, eights of digits: lane k's value in 32-bit word k.
            let pairs = _mm256_maddubs_epi16(lanes8, tens);
            let fours = _mm256_madd_epi16(pairs, hundreds);
            let eights = _mm256_madd_epi16(_mm256_packus_epi32(fours, fours), ten_thousands);
            let ints = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(eights, gather));
            let sign = _mm256_castsi256_pd(load(plan.sign.as_ptr().cast()));
            let keep = _mm256_castsi256_pd(load(plan.keep.as_ptr().cast()));
            let values = _mm256_and_pd(
                _mm256_mul_pd(
                    _mm256_or_pd(
                        _mm256_div_pd(_mm256_cvtepi32_pd(ints), loadpd(&plan.divisor)),
                        sign,
                    ),
                    loadpd(&plan.multiplier),
                ),
                keep,
            );
            let in_range =
                _mm256_cmp_pd::<_CMP_LE_OQ>(_mm256_and_pd(values, abs), loadpd(&plan.limit));
            if _mm256_movemask_pd(in_range) != 0b1111 {
                break; // the scalar path gives the reason
            }
            let mut f32s = [0f32; 4];
            // SAFETY: a store to a local array of exactly the stored size.
            unsafe { _mm_storeu_ps(f32s.as_mut_ptr(), _mm256_cvtpd_ps(values)) };
            let time = match lanes.time {
                None => RawTime::Row,
                Some(0) if plan.time_point => RawTime::Float(_mm256_cvtsd_f64(values)),
                Some(0) => {
                    let i = i64::from(_mm_cvtsi128_si32(ints));
                    RawTime::Integer(if plan.time_negative { -i } else { i })
                }
                Some(t) => {
                    let mut f64s = [0f64; 4];
                    let mut ints32 = [0i32; 4];
                    // SAFETY: stores to local arrays of exactly the stored size.
                    unsafe {
                        _mm256_storeu_pd(f64s.as_mut_ptr(), values);
                        _mm_storeu_si128(ints32.as_mut_ptr().cast(), ints);
                    }
                    if plan.time_point {
                        RawTime::Float(f64s[t])
                    } else {
                        let i = i64::from(ints32[t]);
                        RawTime::Integer(if plan.time_negative { -i } else { i })
                    }
                }
            };
            let acc = if lanes.time_xyz {
                [f32s[1], f32s[2], f32s[3]]
            } else {
                let mut acc = [0f32; 3];
                for (role, v) in lanes.roles.iter().zip(f32s) {
                    match *role {
                        Role::Axis(a) => acc[usize::from(a) % 3] = v,
                        Role::Magnitude => acc[0] = v,
                        Role::Time | Role::Skip => {}
                    }
                }
                acc
            };
            *line_no += 1;
            rows.push(RawRow {
                line: *line_no,
                time,
                acc,
            });
            start += next as usize;
        }
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::decode::RowParser;
    use crate::source::{AccelReader, ReadOptions};

    /// The vector path does read plain lines (so the tests comparing it with the scalar path
    /// compare something), and gives the scalar path's rows.
    #[test]
    fn plain_lines_take_the_vector_path_when_the_cpu_has_it() {
        let text = b"0.00,-0.4665,1.3300,10.0006\n12,-0,7.5,-9.81\r\n13.5,1,2,3,x\n1e3,1,2,3\n";
        let mut file = b"time,ax,ay,az\n".to_vec();
        file.extend_from_slice(text);
        let options = ReadOptions {
            units: crate::source::Units::MetersPerSecond2,
            ..ReadOptions::default()
        };
        let reader = AccelReader::from_bytes("t.csv", file, &options).unwrap();
        let parser = RowParser::new(reader.layout());
        let Some(lanes) = parser.simd() else {
            assert!(!avx2_available());
            return;
        };
        let mut padded = text.to_vec();
        padded.extend_from_slice(&[b' '; WINDOW]);
        let (mut rows, mut line_no) = (Vec::new(), 0);
        let stop = lanes.parse_run(
            &mut PlanCache::default(),
            &padded,
            0,
            &mut line_no,
            &mut rows,
        );
        // The exponent stops it.
        assert_eq!(stop, text.len() - b"1e3,1,2,3\n".len());
        assert_eq!(line_no, 3);
        let scalar = parser.clone().without_simd();
        let mut at = 0;
        for (i, row) in rows.iter().enumerate() {
            let (want, next) = scalar.parse_plain_at(&padded, at, i as u64 + 1).unwrap();
            assert_eq!(*row, want);
            at = next;
        }
        assert_eq!(at, stop);
        assert_eq!(rows[1].time, RawTime::Integer(12));
        assert_eq!(rows[1].acc[0].to_bits(), (-0f32).to_bits());
    }
}
