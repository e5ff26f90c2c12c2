//! Tempo programs: what cadence to play over time.
//!
//! A program is a list of segments, each either steady (`5m@160`) or a linear ramp
//! (`20m 160..172`, the cadence moving smoothly from 160 to 172 steps per minute over twenty
//! minutes). `--spm N` is the one-segment program that holds N forever.
//!
//! Grammar (whitespace is free between tokens):
//!
//! ```text
//! program  = segment ("," segment)*
//! segment  = duration ["@"] spm [".." spm]
//! duration = (number unit)+          unit: h, m, s      e.g. 30s, 5m, 1h30m, 90s, 2.5m
//! spm      = number                  40 ≤ spm ≤ 300
//! ```
//!
//! Errors are typed ([`ProgramError`]) and carry the 1-based column of the offending part; their
//! `Display` repeats the input with a caret under that column.

use std::fmt;

/// Lowest cadence stridebeat will play, in steps per minute.
pub const MIN_SPM: f64 = 40.0;
/// Highest cadence stridebeat will play, in steps per minute.
pub const MAX_SPM: f64 = 300.0;

/// One piece of a tempo program: the cadence moves linearly from `start_spm` to `end_spm` over
/// `duration_s` seconds of stream time (equal values mean a steady segment).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Length of the segment in seconds of stream time; finite and > 0.
    pub duration_s: f64,
    /// Cadence at the start of the segment, steps per minute.
    pub start_spm: f64,
    /// Cadence at the end of the segment, steps per minute.
    pub end_spm: f64,
}

impl Segment {
    /// Number of beats the segment holds (the integral of its tempo): `(a+b)/2 · duration / 60`.
    pub fn beats(&self) -> f64 {
        0.5 * (self.start_spm + self.end_spm) * self.duration_s / 60.0
    }
}

/// A tempo program: finite segments played in order, optionally followed by a steady tempo
/// that holds forever (what `--spm N` gives).
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    segments: Vec<Segment>,
    /// Cadence held after the last segment, forever; `None` means the program ends there.
    hold_spm: Option<f64>,
}

impl Program {
    /// The endless steady program `--spm spm`. Refuses cadences outside 40–300 spm.
    pub fn steady(spm: f64) -> Result<Self, ProgramError> {
        check_spm(spm, "")?;
        Ok(Self {
            segments: Vec::new(),
            hold_spm: Some(spm),
        })
    }

    /// A finite program from already validated segments. Refuses an empty list, a non-positive
    /// or non-finite duration, and cadences outside 40–300 spm.
    pub fn from_segments(segments: Vec<Segment>) -> Result<Self, ProgramError> {
        if segments.is_empty() {
            return Err(ProgramError::new(ProgramErrorKind::Empty, "", 1));
        }
        for seg in &segments {
            if !(seg.duration_s.is_finite() && seg.duration_s > 0.0) {
                return Err(ProgramError::new(ProgramErrorKind::ZeroDuration, "", 1));
            }
            check_spm(seg.start_spm, "")?;
            check_spm(seg.end_spm, "")?;
        }
        Ok(Self {
            segments,
            hold_spm: None,
        })
    }

    /// Parse a program such as `"5m@160, 20m 160..172, 5m@160"`.
    pub fn parse(input: &str) -> Result<Self, ProgramError> {
        Parser::new(input).program()
    }

    /// The finite segments, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Cadence held forever after the last segment, if the program is endless.
    pub fn hold_spm(&self) -> Option<f64> {
        self.hold_spm
    }

    /// Total length in seconds of stream time, or `None` for an endless program.
    pub fn duration_s(&self) -> Option<f64> {
        match self.hold_spm {
            Some(_) => None,
            None => Some(self.segments.iter().map(|s| s.duration_s).sum()),
        }
    }

    /// Cadence at the very start, steps per minute.
    pub fn first_spm(&self) -> f64 {
        self.segments
            .first()
            .map(|s| s.start_spm)
            .or(self.hold_spm)
            .unwrap_or(MIN_SPM)
    }
}

/// What went wrong in a program or cadence, without the location.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProgramErrorKind {
    /// The program text holds no segment.
    #[error("the program is empty; write segments such as `5m@160, 20m 160..172`")]
    Empty,
    /// A duration was expected, such as `30s`, `5m` or `1h30m`.
    #[error("expected a duration such as 30s, 5m or 1h30m")]
    ExpectedDuration,
    /// A number was followed by something other than `h`, `m` or `s`.
    #[error("a duration needs a unit: h, m or s (e.g. 5m)")]
    ExpectedUnit,
    /// A cadence was expected (steps per minute), such as `@160` or `160..172`.
    #[error("expected a cadence in steps per minute, such as @160 or 160..172")]
    ExpectedSpm,
    /// Text was left over where `,` or the end of the program was expected.
    #[error("unexpected text; segments are separated by `,`")]
    Unexpected,
    /// A segment of zero length.
    #[error("a segment must last longer than zero")]
    ZeroDuration,
    /// A number that could not be read.
    #[error("`{0}` is not a number")]
    BadNumber(String),
    /// A cadence outside the playable range.
    #[error("cadence {0} spm is outside the range 40–300 spm")]
    SpmOutOfRange(f64),
}

/// A refused program or cadence: what is wrong and where (1-based column, in characters).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ProgramError {
    /// What is wrong.
    pub kind: ProgramErrorKind,
    /// The text that was parsed (empty when the error is not about program text).
    pub input: String,
    /// 1-based column, counted in characters, of the offending part of `input`.
    pub column: usize,
}

impl ProgramError {
    fn new(kind: ProgramErrorKind, input: &str, column: usize) -> Self {
        Self {
            kind,
            input: input.to_string(),
            column,
        }
    }
}

impl fmt::Display for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.input.is_empty() {
            return write!(f, "{}", self.kind);
        }
        writeln!(f, "{} (column {})", self.kind, self.column)?;
        writeln!(f, "  {}", self.input)?;
        write!(f, "  {}^", " ".repeat(self.column.saturating_sub(1)))
    }
}

fn check_spm(spm: f64, input: &str) -> Result<(), ProgramError> {
    if spm.is_finite() && (MIN_SPM..=MAX_SPM).contains(&spm) {
        Ok(())
    } else {
        Err(ProgramError::new(
            ProgramErrorKind::SpmOutOfRange(spm),
            input,
            1,
        ))
    }
}

/// Parse a duration such as `30s`, `5m`, `1h30m`, `90s` or `2.5m` into seconds.
pub fn parse_duration_s(input: &str) -> Result<f64, ProgramError> {
    let mut p = Parser::new(input);
    p.skip_ws();
    let d = p.duration()?;
    p.skip_ws();
    if !p.at_end() {
        return Err(p.error_here(ProgramErrorKind::ExpectedUnit));
    }
    Ok(d)
}

/// Recursive-descent parser over the characters of the program text.
struct Parser<'a> {
    input: &'a str,
    chars: Vec<char>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Self {
        Self {
            input,
            chars: input.chars().collect(),
            pos: 0,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn error_at(&self, kind: ProgramErrorKind, pos: usize) -> ProgramError {
        ProgramError::new(kind, self.input, pos + 1)
    }

    fn error_here(&self, kind: ProgramErrorKind) -> ProgramError {
        self.error_at(kind, self.pos)
    }

    fn program(&mut self) -> Result<Program, ProgramError> {
        let mut segments = Vec::new();
        self.skip_ws();
        if self.at_end() {
            return Err(self.error_here(ProgramErrorKind::Empty));
        }
        loop {
            self.skip_ws();
            segments.push(self.segment()?);
            self.skip_ws();
            match self.peek() {
                None => break,
                Some(',') => self.pos += 1,
                Some(_) => return Err(self.error_here(ProgramErrorKind::Unexpected)),
            }
        }
        Ok(Program {
            segments,
            hold_spm: None,
        })
    }

    fn segment(&mut self) -> Result<Segment, ProgramError> {
        let duration_pos = self.pos;
        let duration_s = self.duration()?;
        if duration_s <= 0.0 {
            return Err(self.error_at(ProgramErrorKind::ZeroDuration, duration_pos));
        }
        self.skip_ws();
        if self.peek() == Some('@') {
            self.pos += 1;
            self.skip_ws();
        }
        let start_spm = self.spm()?;
        self.skip_ws();
        let end_spm = if self.chars[self.pos..].starts_with(&['.', '.']) {
            self.pos += 2;
            self.skip_ws();
            self.spm()?
        } else {
            start_spm
        };
        Ok(Segment {
            duration_s,
            start_spm,
            end_spm,
        })
    }

    /// A cadence number, range-checked, with the error pointing at it.
    fn spm(&mut self) -> Result<f64, ProgramError> {
        let start = self.pos;
        let Some(value) = self.number()? else {
            return Err(self.error_here(ProgramErrorKind::ExpectedSpm));
        };
        // `17x` is a mistyped cadence, not the cadence 17 followed by junk.
        if self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            let mut end = self.pos;
            while self
                .chars
                .get(end)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            {
                end += 1;
            }
            let text: String = self.chars[start..end].iter().collect();
            return Err(self.error_at(ProgramErrorKind::BadNumber(text), start));
        }
        if !(MIN_SPM..=MAX_SPM).contains(&value) {
            return Err(self.error_at(ProgramErrorKind::SpmOutOfRange(value), start));
        }
        Ok(value)
    }

    /// `(number unit)+` in seconds.
    fn duration(&mut self) -> Result<f64, ProgramError> {
        let mut total_s = 0.0;
        let mut parts = 0;
        while let Some(value) = self.number()? {
            let factor_s = match self.peek() {
                Some('h') => 3600.0,
                Some('m') => 60.0,
                Some('s') => 1.0,
                _ => return Err(self.error_here(ProgramErrorKind::ExpectedUnit)),
            };
            self.pos += 1;
            total_s += value * factor_s;
            parts += 1;
        }
        if parts == 0 {
            return Err(self.error_here(ProgramErrorKind::ExpectedDuration));
        }
        Ok(total_s)
    }

    /// An unsigned decimal number (`172`, `2.5`), or `None` when no digit is here. A `.` is
    /// taken only when a digit follows, so `160..172` reads as 160, `..`, 172.
    fn number(&mut self) -> Result<Option<f64>, ProgramError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start {
            return Ok(None);
        }
        if self.peek() == Some('.')
            && self
                .chars
                .get(self.pos + 1)
                .is_some_and(|c| c.is_ascii_digit())
        {
            self.pos += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        text.parse::<f64>()
            .map(Some)
            .map_err(|_| self.error_at(ProgramErrorKind::BadNumber(text.clone()), start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_issue_example() {
        let p = Program::parse("5m@160, 20m 160..172, 5m@160").unwrap();
        assert_eq!(
            p.segments(),
            &[
                Segment {
                    duration_s: 300.0,
                    start_spm: 160.0,
                    end_spm: 160.0
                },
                Segment {
                    duration_s: 1200.0,
                    start_spm: 160.0,
                    end_spm: 172.0
                },
                Segment {
                    duration_s: 300.0,
                    start_spm: 160.0,
                    end_spm: 160.0
                },
            ]
        );
        assert_eq!(p.duration_s(), Some(1800.0));
        assert_eq!(p.hold_spm(), None);
    }

    #[test]
    fn compound_and_fractional_durations() {
        assert_eq!(parse_duration_s("1h30m").unwrap(), 5400.0);
        assert_eq!(parse_duration_s("90s").unwrap(), 90.0);
        assert_eq!(parse_duration_s("2.5m").unwrap(), 150.0);
        assert_eq!(parse_duration_s("1m30s").unwrap(), 90.0);
        assert!(parse_duration_s("5").is_err());
        assert!(parse_duration_s("5x").is_err());
    }

    #[test]
    fn ramp_with_at_sign_and_spaces() {
        let p = Program::parse(" 30s @ 170 .. 180 ").unwrap();
        assert_eq!(p.segments()[0].start_spm, 170.0);
        assert_eq!(p.segments()[0].end_spm, 180.0);
    }

    #[test]
    fn error_points_at_offending_column() {
        let err = Program::parse("5m@160, 20m 160..x").unwrap_err();
        assert_eq!(err.kind, ProgramErrorKind::ExpectedSpm);
        assert_eq!(err.column, 18);
        let shown = err.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[1], "  5m@160, 20m 160..x");
        assert_eq!(lines[2].find('^'), lines[1].find('x'));
    }

    #[test]
    fn missing_unit_and_trailing_text() {
        let err = Program::parse("5@160").unwrap_err();
        assert_eq!(err.kind, ProgramErrorKind::ExpectedUnit);
        assert_eq!(err.column, 2);
        let err = Program::parse("5m@160 6m@170").unwrap_err();
        assert_eq!(err.kind, ProgramErrorKind::Unexpected);
        assert_eq!(err.column, 8);
        let err = Program::parse("").unwrap_err();
        assert_eq!(err.kind, ProgramErrorKind::Empty);
        let err = Program::parse("5m@160,").unwrap_err();
        assert_eq!(err.kind, ProgramErrorKind::ExpectedDuration);
        assert_eq!(err.column, 8);
    }

    #[test]
    fn mistyped_cadence_is_named_whole() {
        let err = Program::parse("5m@160, 20m 160..17x").unwrap_err();
        assert_eq!(err.kind, ProgramErrorKind::BadNumber("17x".into()));
        assert_eq!(err.column, 18);
    }

    #[test]
    fn cadence_range_is_enforced() {
        let err = Program::parse("5m@160, 1m@301").unwrap_err();
        assert_eq!(err.kind, ProgramErrorKind::SpmOutOfRange(301.0));
        assert_eq!(err.column, 12);
        assert!(Program::parse("1m 39..60").is_err());
        assert!(Program::parse("1m 40..300").is_ok());
        assert!(Program::steady(39.9).is_err());
        assert!(Program::steady(300.1).is_err());
        assert!(Program::steady(f64::NAN).is_err());
        assert_eq!(Program::steady(172.0).unwrap().duration_s(), None);
    }

    #[test]
    fn zero_duration_refused() {
        let err = Program::parse("0s@160").unwrap_err();
        assert_eq!(err.kind, ProgramErrorKind::ZeroDuration);
        assert_eq!(err.column, 1);
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_points_inside_it(text in "[0-9hms@., x-]{0,24}") {
            match Program::parse(&text) {
                Ok(p) => {
                    proptest::prop_assert!(!p.segments().is_empty());
                    for seg in p.segments() {
                        proptest::prop_assert!(seg.duration_s > 0.0);
                        proptest::prop_assert!((MIN_SPM..=MAX_SPM).contains(&seg.start_spm));
                        proptest::prop_assert!((MIN_SPM..=MAX_SPM).contains(&seg.end_spm));
                    }
                }
                Err(e) => {
                    let len = text.chars().count();
                    proptest::prop_assert!(e.column >= 1 && e.column <= len + 1, "{e:?}");
                }
            }
        }

        #[test]
        fn written_programs_read_back(
            segs in proptest::collection::vec((1u32..7200, 40u32..=300, 40u32..=300), 1..6)
        ) {
            let text: Vec<String> = segs
                .iter()
                .map(|&(d, a, b)| {
                    if a == b { format!("{d}s@{a}") } else { format!("{}m{}s {a}..{b}", d / 60, d % 60) }
                })
                .collect();
            let p = Program::parse(&text.join(", ")).unwrap();
            proptest::prop_assert_eq!(p.segments().len(), segs.len());
            for (seg, &(d, a, b)) in p.segments().iter().zip(&segs) {
                proptest::prop_assert_eq!(seg.duration_s, f64::from(d));
                proptest::prop_assert_eq!(seg.start_spm, f64::from(a));
                proptest::prop_assert_eq!(seg.end_spm, f64::from(b));
            }
        }
    }
}
