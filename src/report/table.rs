//! The several-files table: one row per recording, in the order given, with failures in place.

use super::{clock, FileReport};
use crate::gait::analysis::Activity;
use std::io::{self, Write};

/// One row: a report, or the error that stopped the file.
pub type TableRow<'a> = Result<&'a FileReport, String>;

fn median_of(r: &FileReport, activity: Activity) -> String {
    let mut v: Vec<f64> = r
        .summary
        .segments
        .iter()
        .filter(|s| s.segment.activity == activity)
        .flat_map(|s| s.spread.map(|sp| sp.median_spm))
        .collect();
    v.sort_by(f64::total_cmp);
    match v.get(v.len() / 2) {
        Some(m) if !v.is_empty() => format!("{m:.0}"),
        _ => "-".into(),
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
