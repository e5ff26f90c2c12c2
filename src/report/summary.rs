//! The text summary a runner reads: duration, steps, moving time, cadence and its spread, each
//! walking or running segment, stops, stretches with no data (gaps in the recording, never
//! counted as stops), cadence over time as a sparkline with values, skipped rows (a warning
//! near the top when many were skipped) and how the file was read.

use super::stats::{CadenceBin, Spread};
use super::{clock, FileReport};
use crate::gait::analysis::Activity;
use crate::source::{SkipKind, SkippedRows};
use std::io::{self, Write};

/// Segments listed before "… and N more".
const MAX_SEGMENTS_LISTED: usize = 20;
/// Stops listed before "… and N more".
const MAX_STOPS_LISTED: usize = 10;
/// Gaps (no data) listed before "… and N more".
const MAX_GAPS_LISTED: usize = 10;
/// Skipped rows warrant a warning from this many on…
const SKIPPED_WARN_ROWS: u64 = 100;
/// …or from this share of the rows, percent.
const SKIPPED_WARN_PERCENT: f64 = 1.0;
/// Cadence range the sparkline spans, spm.
const SPARK_RANGE: (f64, f64) = (60.0, 220.0);

fn spread_text(s: &Spread) -> String {
    if s.q1_spm.round() == s.q3_spm.round() {
        format!("{:.0} spm (steady)", s.median_spm)
    } else {
        format!(
            "{:.0} spm (middle half {:.0}–{:.0})",
            s.median_spm, s.q1_spm, s.q3_spm
        )
    }
}

/// Mark of a bin with no data (most of it inside a gap of the recording).
const NO_DATA: char = '░';

/// One character per bin: ▁ (60 spm or less) … █ (220 spm or more), `·` when not moving,
/// `░` when the recording has no data there.
pub fn sparkline(bins: &[CadenceBin]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    bins.iter()
        .map(|b| match b.spm {
            Some(spm) if spm.is_finite() => {
                let x = (spm - SPARK_RANGE.0) / (SPARK_RANGE.1 - SPARK_RANGE.0);
                BARS[((x * 8.0).floor().clamp(0.0, 7.0)) as usize]
            }
            _ if b.no_data => NO_DATA,
            _ => '·',
        })
        .collect()
}

fn activity_name(a: Activity) -> &'static str {
    match a {
        Activity::Walk => "walk",
        Activity::Run => "run",
    }
}

/// Write the summary of one recording.
pub fn write_summary(w: &mut dyn Write, r: &FileReport) -> io::Result<()> {
    let s = &r.summary;
    writeln!(w, "{}", r.path.display())?;
    writeln!(
        w,
        "  {} recorded · {} steps · moving {}",
        clock(r.duration_s),
        s.steps,
        clock(s.moving_time_s)
    )?;
    if let Some(warning) = skipped_warning(&r.skipped, r.samples) {
        writeln!(w, "  warning: {warning}")?;
    }
    // Said when it matters to the count (the JSON always has the number).
    if r.other_foot_steps > 0 && r.other_foot_steps * 10 >= s.steps as u64 {
        writeln!(
            w,
            "  {} of these steps were put in half-way between the ones felt: the motion repeats once a stride, as from a sensor on one foot or ankle",
            r.other_foot_steps
        )?;
    }
    match &s.cadence {
        Some(c) => writeln!(w, "  cadence {}", spread_text(c))?,
        None if s.steps == 0 => writeln!(w, "  no steps found")?,
        None => writeln!(w, "  cadence: not enough steady steps to tell")?,
    }
    if !s.segments.is_empty() {
        writeln!(w, "  segments:")?;
        for seg in s.segments.iter().take(MAX_SEGMENTS_LISTED) {
            let g = &seg.segment;
            let cadence = match &seg.spread {
                Some(sp) => spread_text(sp),
                None => format!("{:.0} spm", g.cadence_spm),
            };
            writeln!(
                w,
                "    {:>8}–{:<8} {:<4} {:>6} steps  {}",
                clock(g.start_s),
                clock(g.end_s),
                activity_name(g.activity),
                g.steps,
                cadence
            )?;
        }
        if s.segments.len() > MAX_SEGMENTS_LISTED {
            writeln!(
                w,
                "    … and {} more",
                s.segments.len() - MAX_SEGMENTS_LISTED
            )?;
        }
    }
    if !s.stops.is_empty() {
        let listed: Vec<String> = s
            .stops
            .iter()
            .take(MAX_STOPS_LISTED)
            .map(|st| {
                format!(
                    "{}–{} ({})",
                    clock(st.start_s),
                    clock(st.end_s),
                    span(st.end_s - st.start_s)
                )
            })
            .collect();
        let more = if s.stops.len() > MAX_STOPS_LISTED {
            format!(", … and {} more", s.stops.len() - MAX_STOPS_LISTED)
        } else {
            String::new()
        };
        writeln!(
            w,
            "  stops: {} — {}{more}",
            s.stops.len(),
            listed.join(", ")
        )?;
    }
    if r.gaps.count > 0 {
        let listed: Vec<String> = r
            .gaps
            .first
            .iter()
            .take(MAX_GAPS_LISTED)
            .map(|g| {
                format!(
                    "{}–{} ({})",
                    clock(g.start_s),
                    clock(g.end_s),
                    span(g.end_s - g.start_s)
                )
            })
            .collect();
        let untracked = r.gaps.count.saturating_sub(r.gaps.first.len() as u64);
        let more = if untracked > 0 {
            format!(
                ", … and {} more (the last {untracked} are too many to track: moving time \
                 and stops after {} may include them)",
                r.gaps.count - listed.len() as u64,
                r.gaps
                    .first
                    .last()
                    .map_or_else(|| "-".into(), |g| clock(g.end_s)),
            )
        } else if r.gaps.count > listed.len() as u64 {
            format!(", … and {} more", r.gaps.count - listed.len() as u64)
        } else {
            String::new()
        };
        let what = if r.gaps.count == 1 {
            "a gap in the recording".to_string()
        } else {
            format!("{} gaps, {} in all", r.gaps.count, span(r.gaps.total_s))
        };
        writeln!(
            w,
            "  no data ({what}, not counted as moving or stopped): {}{more}",
            listed.join(", ")
        )?;
    }
    if s.cadence_over_time.iter().any(|b| b.spm.is_some()) {
        let no_data = if s.cadence_over_time.iter().any(|b| b.no_data) {
            format!(", {NO_DATA} no data")
        } else {
            String::new()
        };
        writeln!(
            w,
            "  cadence over time ({} bins; ▁ {:.0} … █ {:.0} spm, · not moving{no_data}): {}",
            bin_label(s.bin_s),
            SPARK_RANGE.0,
            SPARK_RANGE.1,
            sparkline(&s.cadence_over_time)
        )?;
        let cells: Vec<String> = s
            .cadence_over_time
            .iter()
            .map(|b| match b.spm {
                Some(v) => format!("{:>7} {:>3.0}", clock(b.start_s), v),
                None if b.no_data => format!("{:>7}   {NO_DATA}", clock(b.start_s)),
                None => format!("{:>7}   ·", clock(b.start_s)),
            })
            .collect();
        for row in cells.chunks(5) {
            writeln!(w, "   {}", row.join("  "))?;
        }
    }
    if r.skipped.count > 0 {
        writeln!(
            w,
            "  skipped rows: {} ({})",
            r.skipped.count,
            r.skipped.summary()
        )?;
    }
    writeln!(w, "  read as: {}", r.format)?;
    Ok(())
}

/// A warning when many rows were skipped (at least 100, or 1 % of them): how many, why, and where the first ones are; for time
/// going backwards, what that usually means.
pub fn skipped_warning(skipped: &SkippedRows, samples: u64) -> Option<String> {
    let rows = samples + skipped.count;
    let percent = 100.0 * skipped.count as f64 / rows.max(1) as f64;
    if skipped.count == 0 || (skipped.count < SKIPPED_WARN_ROWS && percent < SKIPPED_WARN_PERCENT) {
        return None;
    }
    let mut reasons: Vec<(SkipKind, u64)> = SkipKind::ALL
        .into_iter()
        .map(|k| (k, skipped.of_kind(k)))
        .filter(|&(_, n)| n > 0)
        .collect();
    reasons.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    let why: Vec<String> = reasons
        .iter()
        .map(|(k, n)| format!("{n} {}", k.describe()))
        .collect();
    let mut text = format!(
        "{} of {rows} rows ({percent:.1} %) were skipped: {}",
        skipped.count,
        why.join(", ")
    );
    if let Some(first) = skipped.first.first() {
        text.push_str(&format!(
            "; the first at line {}: {}",
            first.line, first.reason
        ));
    }
    if let Some((SkipKind::TimeBackwards, _)) = reasons.first() {
        let at = skipped
            .first_of_kind(SkipKind::TimeBackwards)
            .map(|r| format!(" at line {}", r.line))
            .unwrap_or_default();
        text.push_str(&format!(
            ". The time jumps back{at}: the logger's clock restarted or the same rows were \
             written twice; only rows later than the latest time already read are used, so \
             this part of the recording is missing from the analysis"
        ));
    }
    Some(text)
}

/// A length of time in words a runner reads at a glance: `40 s`, `1 min 12 s`, `1:00:00`.
pub fn span(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "-".into();
    }
    let s = seconds.round() as u64;
    match s {
        0..=99 => format!("{s} s"),
        100..=3599 if s.is_multiple_of(60) => format!("{} min", s / 60),
        100..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => clock(seconds),
    }
}

fn bin_label(bin_s: f64) -> String {
    if bin_s >= 60.0 {
        format!("{:.0} min", bin_s / 60.0)
    } else {
        format!("{bin_s:.0} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_at_a_glance() {
        assert_eq!(span(40.2), "40 s");
        assert_eq!(span(99.0), "99 s");
        assert_eq!(span(132.0), "2 min 12 s");
        assert_eq!(span(300.0), "5 min");
        assert_eq!(span(3600.0), "1:00:00");
        assert_eq!(span(f64::NAN), "-");
    }

    #[test]
    fn sparkline_maps_range_stops_and_missing_data() {
        let bin = |spm: Option<f64>, no_data: bool| CadenceBin {
            start_s: 0.0,
            end_s: 10.0,
            spm,
            no_data,
        };
        let bins = [
            bin(Some(50.0), false),
            bin(Some(140.0), false),
            bin(None, false),
            bin(Some(230.0), false),
            bin(Some(f64::NAN), false),
            bin(None, true),
        ];
        assert_eq!(sparkline(&bins), "▁▅·█·░");
    }
}
