//! Parsing single fields from raw bytes: numbers (fast-float, optional decimal comma), exact
//! integers, calendar date-times and clock times. No allocation; `None` means "does not parse".

/// Trim ASCII whitespace and one pair of surrounding double quotes.
#[inline]
pub fn trim(b: &[u8]) -> &[u8] {
    let plain = |c: u8| !c.is_ascii_whitespace() && c != b'"';
    match b {
        // The common case: nothing to trim.
        [first, .., last] if plain(*first) && plain(*last) => b,
        [only] if plain(*only) => b,
        _ => {
            let mut s = 0;
            let mut e = b.len();
            while s < e && b[s].is_ascii_whitespace() {
                s += 1;
            }
            while e > s && b[e - 1].is_ascii_whitespace() {
                e -= 1;
            }
            if e - s >= 2 && b[s] == b'"' && b[e - 1] == b'"' {
                s += 1;
                e -= 1;
            }
            &b[s..e]
        }
    }
}

/// Parse a decimal number. With `decimal_comma`, a `,` is read as the decimal point
/// (`9,81` → 9.81), as European spreadsheet exports write it. NaN and infinities parse (the
/// caller decides what to do with them).
pub fn parse_number(field: &[u8], decimal_comma: bool) -> Option<f64> {
    let f = trim(field);
    if f.is_empty() {
        return None;
    }
    if decimal_comma && f.contains(&b',') {
        let mut buf = [0u8; 64];
        if f.len() > buf.len() {
            return None;
        }
        for (dst, &src) in buf.iter_mut().zip(f) {
            *dst = if src == b',' { b'.' } else { src };
        }
        return fast_float2::parse::<f64, _>(&buf[..f.len()]).ok();
    }
    fast_float2::parse::<f64, _>(f).ok()
}

/// Parse a plain integer (optional sign, up to 19 digits, within `i64`) exactly, for nanosecond time stamps
/// that an `f64` would round.
pub fn parse_integer(field: &[u8]) -> Option<i64> {
    let f = trim(field);
    let (neg, digits) = match f {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, f),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Read exactly `n` digits at `*i`, advancing it.
fn digits(b: &[u8], i: &mut usize, n: usize) -> Option<i64> {
    let s = b.get(*i..*i + n)?;
    let mut v = 0i64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    *i += n;
    Some(v)
}

/// Read a `.fff…` fraction at `*i` (the dot included), advancing it; 0 when absent.
fn fraction(b: &[u8], i: &mut usize) -> f64 {
    if b.get(*i) != Some(&b'.') && b.get(*i) != Some(&b',') {
        return 0.0;
    }
    *i += 1;
    let mut v = 0.0;
    let mut scale = 0.1;
    while let Some(&c) = b.get(*i) {
        if !c.is_ascii_digit() {
            break;
        }
        v += f64::from(c - b'0') * scale;
        scale *= 0.1;
        *i += 1;
    }
    v
}

/// Read 1 or 2 digits at `*i`, advancing it.
fn one_or_two_digits(b: &[u8], i: &mut usize) -> Option<i64> {
    let first = digits(b, i, 1)?;
    match b.get(*i) {
        Some(c) if c.is_ascii_digit() => {
            *i += 1;
            Some(first * 10 + i64::from(c - b'0'))
        }
        _ => Some(first),
    }
}

/// Parse the date part at the start of `b`: `YYYY-MM-DD` / `YYYY/MM/DD`, or the day-month
/// forms `M/D/YYYY`, `D.M.YYYY` (month first, as ActiGraph writes it, unless the first number
/// is above 12). Returns (year, month, day) and advances `*i`.
fn parse_date(b: &[u8], i: &mut usize) -> Option<(i64, i64, i64)> {
    let start = *i;
    if let Some(year) = digits(b, i, 4) {
        let sep = *b.get(*i)?;
        if sep != b'-' && sep != b'/' {
            return None;
        }
        *i += 1;
        let month = digits(b, i, 2)?;
        if b.get(*i) != Some(&sep) {
            return None;
        }
        *i += 1;
        let day = digits(b, i, 2)?;
        return Some((year, month, day));
    }
    *i = start;
    let a = one_or_two_digits(b, i)?;
    let sep = *b.get(*i)?;
    if sep != b'/' && sep != b'.' && sep != b'-' {
        return None;
    }
    *i += 1;
    let c = one_or_two_digits(b, i)?;
    if b.get(*i) != Some(&sep) {
        return None;
    }
    *i += 1;
    let year = digits(b, i, 4)?;
    let (month, day) = if a > 12 || sep == b'.' {
        (c, a)
    } else {
        (a, c)
    };
    Some((year, month, day))
}

/// Parse a calendar date-time: a date (`YYYY-MM-DD`, `YYYY/MM/DD`, `M/D/YYYY`, `D.M.YYYY`),
/// then optionally `[ T]HH:MM[:SS[.fff…]]` (or `:SS:mmm`, milliseconds after a colon, as
/// GENEActiv writes), then optionally `Z` or a `±HH[:]MM` offset. Returns whole seconds since
/// the Unix epoch (UTC when an offset is given, otherwise the file's local clock) and the
/// fraction. Only differences between rows are used, so the clock's zone does not matter.
pub fn parse_datetime(field: &[u8]) -> Option<(i64, f64)> {
    let b = trim(field);
    let mut i = 0;
    let (year, month, day) = parse_date(b, &mut i)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    let mut frac = 0.0;
    if i < b.len() {
        if b[i] != b' ' && b[i] != b'T' {
            return None;
        }
        i += 1;
        let h = one_or_two_digits(b, &mut i)?;
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        let mi = digits(b, &mut i, 2)?;
        let mut s = 0;
        if b.get(i) == Some(&b':') {
            i += 1;
            s = digits(b, &mut i, 2)?;
            if b.get(i) == Some(&b':') {
                i += 1;
                frac = digits(b, &mut i, 3)? as f64 / 1000.0;
            } else {
                frac = fraction(b, &mut i);
            }
        }
        if h > 24 || mi > 59 || s > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + s;
        match b.get(i) {
            None => {}
            Some(b'Z') if i + 1 == b.len() => {}
            Some(&c @ (b'+' | b'-')) => {
                i += 1;
                let oh = digits(b, &mut i, 2)?;
                if b.get(i) == Some(&b':') {
                    i += 1;
                }
                let om = digits(b, &mut i, 2)?;
                if i != b.len() {
                    return None;
                }
                let off = oh * 3600 + om * 60;
                secs -= if c == b'+' { off } else { -off };
            }
            _ => return None,
        }
    }
    Some((secs, frac))
}

/// Parse a clock time of day to seconds: `mm:ss[.fff]`, `hh:mm:ss[.fff]`, or
/// `hh:mm:ss:SSS` (Physics Toolbox writes milliseconds after a fourth colon).
pub fn parse_clock(field: &[u8]) -> Option<f64> {
    let b = trim(field);
    let mut parts = [0f64; 4];
    let mut n = 0;
    let mut last_has_fraction = false;
    for part in b.split(|&c| c == b':') {
        if n == 4 || part.is_empty() || part.len() > 12 {
            return None;
        }
        let mut i = 0;
        let mut whole = 0i64;
        while let Some(&c) = part.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            whole = whole * 10 + i64::from(c - b'0');
            i += 1;
        }
        if i == 0 {
            return None;
        }
        let frac = fraction(part, &mut i);
        if i != part.len() {
            return None;
        }
        last_has_fraction = i > 0 && part.contains(&b'.');
        parts[n] = whole as f64 + frac;
        n += 1;
    }
    match n {
        2 => Some(parts[0] * 60.0 + parts[1]),
        3 => Some(parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]),
        4 if !last_has_fraction => {
            Some(parts[0] * 3600.0 + parts[1] * 60.0 + parts[2] + parts[3] / 1000.0)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_removes_space_and_one_pair_of_quotes() {
        assert_eq!(trim(b" 1.5 "), b"1.5");
        assert_eq!(trim(b"\"x\""), b"x");
        assert_eq!(trim(b" \"\"y\"\" "), b"\"y\"");
        assert_eq!(trim(b"\""), b"\"");
        assert_eq!(trim(b"  "), b"");
        assert_eq!(trim(b"a"), b"a");
        assert_eq!(trim(b""), b"");
    }

    #[test]
    fn numbers_parse_with_dot_or_decimal_comma() {
        assert_eq!(parse_number(b" 9.81 ", false), Some(9.81));
        assert_eq!(parse_number(b"\"-1.5e-3\"", false), Some(-1.5e-3));
        assert_eq!(parse_number(b"9,81", true), Some(9.81));
        assert_eq!(parse_number(b"9,81", false), None);
        assert_eq!(parse_number(b"", false), None);
        assert_eq!(parse_number(b"abc", false), None);
        assert!(parse_number(b"NaN", false).unwrap().is_nan());
    }

    #[test]
    fn integers_are_exact() {
        assert_eq!(parse_integer(b"584065454762638"), Some(584_065_454_762_638));
        assert_eq!(
            parse_integer(b"1700000000123456789"),
            Some(1_700_000_000_123_456_789)
        );
        assert_eq!(parse_integer(b"1.5"), None);
        assert_eq!(parse_integer(b"-12"), Some(-12));
        assert_eq!(parse_integer(b"9999999999999999999"), None); // past i64
        assert_eq!(parse_integer(b""), None);
    }

    #[test]
    fn datetimes_parse_to_epoch_seconds() {
        let (s, f) = parse_datetime(b"1970-01-02 00:00:01.25").unwrap();
        assert_eq!(s, 86_401);
        assert!((f - 0.25).abs() < 1e-12);
        let (a, fa) = parse_datetime(b"2018-10-25 17:57:30.009999990").unwrap();
        let (b, fb) = parse_datetime(b"2018-10-25T17:57:31Z").unwrap();
        assert_eq!(b - a, 1);
        assert!((fa - 0.00999999).abs() < 1e-9 && fb == 0.0);
        let (c, _) = parse_datetime(b"2018-10-25T19:57:31+02:00").unwrap();
        assert_eq!(b, c);
        assert!(parse_datetime(b"2018-13-25 00:00:00").is_none());
        // ActiGraph (month first), GENEActiv (milliseconds after a colon), day-first forms.
        let (d1, f1) = parse_datetime(b"10/19/2016 10:00:00.250").unwrap();
        let (d2, f2) = parse_datetime(b"2016-10-19 10:00:00:250").unwrap();
        let (d3, _) = parse_datetime(b"19.10.2016 10:00:00").unwrap();
        let (d4, _) = parse_datetime(b"19/10/2016 10:00").unwrap();
        assert_eq!((d1, d2, d3, d4), (d2, d2, d2, d2));
        assert!((f1 - 0.25).abs() < 1e-12 && (f2 - 0.25).abs() < 1e-12);
        assert!(parse_datetime(b"1/2/99").is_none());
        assert!(parse_datetime(b"12.5").is_none());
        assert!(parse_datetime(b"2018-10-25 17:57:30junk").is_none());
    }

    #[test]
    fn clocks_parse_to_seconds() {
        assert_eq!(parse_clock(b"01:02.5"), Some(62.5));
        assert_eq!(parse_clock(b"01:00:02.5"), Some(3602.5));
        assert_eq!(parse_clock(b"10:00:01:250"), Some(36001.25));
        assert_eq!(parse_clock(b"1.5"), None);
        assert_eq!(parse_clock(b"a:b"), None);
        assert_eq!(parse_clock(b"1::2"), None);
    }
}
