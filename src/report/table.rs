//! The several-files table: one row per recording, in the order given, with failures in place.

use super::{clock, FileReport};
use crate::gait::analysis::Activity;
use std::io::{self, Write};

/// One row: a report, or the error that stopped the file.
pub type TableRow<'a> = Result<&'a FileReport, String>;

/// Median step cadence over all the steps of `activity` segments, so a long run counts for
/// more than a short one (a median of per-segment medians let a few 10-step walking bouts
/// outvote a long walk).
fn median_of(r: &FileReport, activity: Activity) -> String {
    let spread = match activity {
        Activity::Walk => r.summary.walk_cadence,
        Activity::Run => r.summary.run_cadence,
    };
    match spread {
        Some(s) => format!("{:.0}", s.median_spm),
        None => "-".into(),
    }
}

/// Write the table. Columns: file, duration, steps, moving time, cadence (median, middle
/// half), running and walking cadence, stops, skipped rows.
pub fn write_table(w: &mut dyn Write, rows: &[(String, TableRow<'_>)]) -> io::Result<()> {
    let width = rows
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 100);
    writeln!(
        w,
        "{:<width$}  {:>8}  {:>6}  {:>8}  {:>13}  {:>4}  {:>4}  {:>5}  {:>7}",
        "file", "duration", "steps", "moving", "cadence", "run", "walk", "stops", "skipped"
    )?;
    for (name, row) in rows {
        match row {
            Ok(r) => {
                let s = &r.summary;
                let cadence = match &s.cadence {
                    Some(c) => format!("{:.0} ({:.0}–{:.0})", c.median_spm, c.q1_spm, c.q3_spm),
                    None => "-".into(),
                };
                writeln!(
                    w,
                    "{:<width$}  {:>8}  {:>6}  {:>8}  {:>13}  {:>4}  {:>4}  {:>5}  {:>7}",
                    name,
                    clock(r.duration_s),
                    s.steps,
                    clock(s.moving_time_s),
                    cadence,
                    median_of(r, Activity::Run),
                    median_of(r, Activity::Walk),
                    s.stops.len(),
                    r.skipped.count
                )?;
            }
            Err(e) => writeln!(w, "{name:<width$}  error: {e}")?,
        }
    }
    Ok(())
}
