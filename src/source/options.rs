//! Reader options: what the user may state explicitly to override format detection.
//!
//! Everything defaults to "detect from the file". Each field that is set wins over what the file
//! suggests: the columns (by name or 1-based position), the sample rate, the time unit, the
//! acceleration unit and the field separator.

use std::fmt;
use std::str::FromStr;

/// Options for reading an accelerometer recording. `Default` means: detect everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadOptions {
    /// Sample rate in Hz. Used when the file has no time column, or its time column is a sample
    /// counter; overrides a rate stated in the file's preamble. Ignored when the file has real
    /// time stamps (those are kept as they are, gaps included).
    pub rate_hz: Option<f64>,
    /// Unit of the time column; `None` detects it from the header name and the increments.
    pub time_unit: Option<TimeUnit>,
    /// Unit of the acceleration columns.
    pub units: Units,
    /// Which columns hold time and acceleration; `None` detects them.
    pub columns: Option<ColumnSpec>,
    /// Field separator (`,`, `;`, tab, `|`, space); `None` detects it.
    pub delimiter: Option<u8>,
}

/// Unit of a time column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    /// Seconds.
    Seconds,
    /// Milliseconds.
    Millis,
    /// Microseconds.
    Micros,
    /// Nanoseconds.
    Nanos,
    /// Calendar date and time, e.g. `2018-10-25 17:57:30.0099` or `2018-10-25T17:57:30Z`.
    DateTime,
    /// Clock time of day, e.g. `mm:ss.fff`, `hh:mm:ss.fff` or `hh:mm:ss:SSS`.
    Clock,
    /// A sample counter (0, 1, 2, …, gaps allowed); needs a rate.
    SampleIndex,
}

impl TimeUnit {
    /// Seconds per unit for numeric units, `None` for date-time, clock and sample index.
    pub fn seconds_per_unit(self) -> Option<f64> {
        match self {
            TimeUnit::Seconds => Some(1.0),
            TimeUnit::Millis => Some(1e-3),
            TimeUnit::Micros => Some(1e-6),
            TimeUnit::Nanos => Some(1e-9),
            TimeUnit::DateTime | TimeUnit::Clock | TimeUnit::SampleIndex => None,
        }
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Millis => "ms",
            TimeUnit::Micros => "us",
            TimeUnit::Nanos => "ns",
            TimeUnit::DateTime => "datetime",
            TimeUnit::Clock => "clock",
            TimeUnit::SampleIndex => "index",
        })
    }
}

impl FromStr for TimeUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => TimeUnit::Seconds,
            "ms" | "millis" | "milliseconds" => TimeUnit::Millis,
            "us" | "µs" | "micros" | "microseconds" => TimeUnit::Micros,
            "ns" | "nanos" | "nanoseconds" => TimeUnit::Nanos,
            "datetime" | "date" | "iso" => TimeUnit::DateTime,
            "clock" | "hms" => TimeUnit::Clock,
            "index" | "samples" | "sample" | "counter" => TimeUnit::SampleIndex,
            other => {
                return Err(format!(
                    "unknown time unit `{other}` (use s, ms, us, ns, datetime, clock or index)"
                ))
            }
        })
    }
}

/// Unit of the acceleration values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Units {
    /// Decide from the header (a stated unit) or the data: resting magnitude ≈ 1 → g,
    /// ≈ 9.8 → m/s², other large values are unknown sensor units scaled so the median magnitude
    /// is 1 g; small values (gravity removed) are taken as m/s².
    #[default]
    Auto,
    /// Standard gravity units (× 9.80665 to m/s²).
    G,
    /// Metres per second squared.
    MetersPerSecond2,
}

impl FromStr for Units {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(
            match s
                .trim()
                .to_ascii_lowercase()
                .replace("^2", "2")
                .replace('²', "2")
                .as_str()
            {
                "auto" => Units::Auto,
                "g" => Units::G,
                "m/s2" | "ms2" | "m/s/s" | "mps2" => Units::MetersPerSecond2,
                other => return Err(format!("unknown units `{other}` (use g, m/s2 or auto)")),
            },
        )
    }
}

/// A column named in the options: by header name (case-insensitive) or 1-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnRef {
    /// Header name, matched case-insensitively after trimming spaces and quotes.
    Name(String),
    /// 1-based position, like `cut -f`.
    Position(usize),
}

impl FromStr for ColumnRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty column name".into());
        }
        match s.parse::<usize>() {
            Ok(0) => Err("column positions start at 1".into()),
            Ok(n) => Ok(ColumnRef::Position(n)),
            Err(_) => Ok(ColumnRef::Name(s.to_string())),
        }
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnRef::Name(n) => write!(f, "`{n}`"),
            ColumnRef::Position(p) => write!(f, "{p}"),
        }
    }
}

/// Which columns hold time and acceleration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The time column; `None` means there is none (times come from the rate).
    pub time: Option<ColumnRef>,
    /// The acceleration columns: three (x, y, z) or one (magnitude).
    pub axes: Vec<ColumnRef>,
}

impl FromStr for ColumnSpec {
    type Err = String;
    /// Parses `TIME,X,Y,Z` or `TIME,MAG`, each a header name or a 1-based position; `-` as the
    /// time means "no time column". Examples: `time,ax,ay,az`, `1,3,4,5`, `-,acc_x,acc_y,acc_z`,
    /// `Timestamp,Magnitude`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        if parts.len() != 2 && parts.len() != 4 {
            return Err(format!(
                "--columns wants TIME,X,Y,Z or TIME,MAGNITUDE (use - for no time column), got `{s}`"
            ));
        }
        let time = if parts[0] == "-" {
            None
        } else {
            Some(parts[0].parse()?)
        };
        let axes = parts[1..]
            .iter()
            .map(|p| p.parse())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ColumnSpec { time, axes })
    }
}

/// Parse a delimiter option: a single character, or the words `tab`, `comma`, `semicolon`,
/// `space`, `pipe`.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "space" => Ok(b' '),
        "pipe" => Ok(b'|'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "delimiter must be one character or tab/comma/semicolon/space/pipe, got `{s}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_spec_parses_names_positions_and_no_time() {
        let c: ColumnSpec = "time,ax,ay,az".parse().unwrap();
        assert_eq!(c.time, Some(ColumnRef::Name("time".into())));
        assert_eq!(c.axes.len(), 3);
        let c: ColumnSpec = "-,2,3,4".parse().unwrap();
        assert_eq!(c.time, None);
        assert_eq!(c.axes[0], ColumnRef::Position(2));
        let c: ColumnSpec = "Timestamp,Magnitude".parse().unwrap();
        assert_eq!(c.axes, vec![ColumnRef::Name("Magnitude".into())]);
        assert!("a,b,c".parse::<ColumnSpec>().is_err());
        assert!("0,1".parse::<ColumnSpec>().is_err());
    }

    #[test]
    fn units_and_time_units_parse() {
        assert_eq!("m/s^2".parse::<Units>().unwrap(), Units::MetersPerSecond2);
        assert_eq!("G".parse::<Units>().unwrap(), Units::G);
        assert!("furlongs".parse::<Units>().is_err());
        assert_eq!("ms".parse::<TimeUnit>().unwrap(), TimeUnit::Millis);
        assert_eq!("index".parse::<TimeUnit>().unwrap(), TimeUnit::SampleIndex);
        assert!("fortnights".parse::<TimeUnit>().is_err());
    }
}
