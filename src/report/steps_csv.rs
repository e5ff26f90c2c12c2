//! The per-step CSV (`--csv steps.csv`): one row per step with its time, the interval since the
//! previous step and the instantaneous cadence (60 / interval). The first step has no interval;
//! the first step after a pause (an interval over [`MAX_STEP_INTERVAL_S`]) has its interval but
//! no cadence, since a 72 s stop is not a cadence of 0.8 spm.

use super::stats::MAX_STEP_INTERVAL_S;
use std::io::{self, Write};

/// Column names of the step CSV.
pub const HEADER: &str = "index,time_s,interval_s,cadence_spm";

/// Write one row per step. `step_times_s` are seconds from the file's first sample.
pub fn write_steps_csv(w: &mut dyn Write, step_times_s: &[f64]) -> io::Result<()> {
    writeln!(w, "{HEADER}")?;
    let mut previous: Option<f64> = None;
    for (i, &t) in step_times_s.iter().enumerate() {
        match previous {
            Some(p) if t > p && t - p <= MAX_STEP_INTERVAL_S => {
                let dt = t - p;
                writeln!(w, "{},{t:.4},{dt:.4},{:.2}", i + 1, 60.0 / dt)?
            }
            Some(p) if t > p => writeln!(w, "{},{t:.4},{:.4},", i + 1, t - p)?,
            _ => writeln!(w, "{},{t:.4},,", i + 1)?,
        }
        previous = Some(t);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_step_with_interval_and_cadence() {
        let mut out = Vec::new();
        write_steps_csv(&mut out, &[1.0, 1.5, 1.8, 20.0]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], HEADER);
        assert_eq!(lines[1], "1,1.0000,,");
        assert_eq!(lines[2], "2,1.5000,0.5000,120.00");
        assert_eq!(lines[3], "3,1.8000,0.3000,200.00");
        assert_eq!(lines[4], "4,20.0000,18.2000,", "a pause has no cadence");
        assert_eq!(lines.len(), 5);
    }
}
