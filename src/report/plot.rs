//! Cadence-over-time plots (`--plot cadence.svg` or `.png`): each step's instantaneous cadence
//! as dots, the analysis's cadence track (or a per-bin median) as a line, walking and running
//! segments shaded.
//!
//! Text is drawn with the DejaVu Sans font embedded in the binary (its licence is beside it in
//! `src/report/font/`), so plots look the same on machines without fonts.

use super::stats::{moving_step_cadences, MIN_STOP_S};
use super::{clock, FileReport};
use crate::gait::analysis::Activity;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// The embedded font.
static FONT: &[u8] = include_bytes!("font/DejaVuSans.ttf");

/// Plot size in pixels.
const SIZE: (u32, u32) = (1200, 480);

/// Why a plot could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The file name does not end in `.svg` or `.png`.
    #[error("{path}: plot format must be .svg or .png")]
    UnsupportedFormat {
        /// The requested plot file.
        path: PathBuf,
    },
    /// The plot file cannot be created (no such folder, no permission).
    #[error("cannot write the plot {path}: {source}")]
    Create {
        /// The plot file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Drawing or writing failed.
    #[error("{path}: cannot draw the plot: {message}")]
    Draw {
        /// The plot file.
        path: PathBuf,
        /// What plotters said.
        message: String,
    },
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and valid; a failure would only lose text, never panic.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// Draw the cadence plot of `report` to `path` (`.svg` or `.png`).
pub fn write_plot(path: &Path, report: &FileReport) -> Result<(), PlotError> {
    write_plot_with_target(path, report, &[])
}

/// [`write_plot`] with the coach's target over time drawn over the measured cadence:
/// `target` holds (seconds, spm) points, each holding until the next.
pub fn write_plot_with_target(
    path: &Path,
    report: &FileReport,
    target: &[(f64, f64)],
) -> Result<(), PlotError> {
    register_font();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let err = |e: Box<dyn std::error::Error>| PlotError::Draw {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if matches!(ext.as_deref(), Some("svg" | "png")) {
        // The backends report a missing folder as their own debug text; say it plainly first.
        std::fs::File::create(path).map_err(|source| PlotError::Create {
            path: path.to_path_buf(),
            source,
        })?;
    }
    match ext.as_deref() {
        Some("svg") => draw(
            SVGBackend::new(path, SIZE).into_drawing_area(),
            report,
            target,
        )
        .map_err(err),
        Some("png") => draw(
            BitMapBackend::new(path, SIZE).into_drawing_area(),
            report,
            target,
        )
        .map_err(err),
        _ => Err(PlotError::UnsupportedFormat {
            path: path.to_path_buf(),
        }),
    }
}

/// An axis tick without a needless `.0`: `20`, `2.5`.
fn tick(v: f64) -> String {
    let text = format!("{v:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_string)
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    r: &FileReport,
    target: &[(f64, f64)],
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    // Short recordings in seconds, longer ones in minutes.
    let (per, unit) = if r.duration_s < 180.0 {
        (1.0, "s")
    } else {
        (60.0, "min")
    };
    let x_max = r.duration_s.max(1.0) / per;
    let steps = moving_step_cadences(&r.analysis);
    let line: Vec<(f64, f64)> = if r.analysis.cadence.is_empty() {
        r.summary
            .cadence_over_time
            .iter()
            .filter_map(|b| b.spm.map(|v| ((b.start_s + b.end_s) / 2.0 / per, v)))
            .collect()
    } else {
        r.analysis
            .cadence
            .iter()
            .filter(|p| p.spm.is_finite() && p.t_s.is_finite())
            .map(|p| (p.t_s / per, p.spm))
            .collect()
    };
    // The line breaks where the runner stopped instead of bridging the stop.
    let max_gap = if r.analysis.cadence.is_empty() {
        1.5 * r.summary.bin_s
    } else {
        MIN_STOP_S
    } / per;
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    for &p in &line {
        match pieces.last_mut() {
            Some(piece) if piece.last().is_some_and(|q| p.0 - q.0 <= max_gap) => piece.push(p),
            _ => pieces.push(vec![p]),
        }
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in steps
        .iter()
        .map(|s| s.spm)
        .chain(line.iter().map(|p| p.1))
        .chain(target.iter().map(|p| p.1))
    {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !lo.is_finite() {
        (lo, hi) = (80.0, 200.0);
    }
    let (y_lo, y_hi) = (
        (lo - 10.0).clamp(0.0, 80.0),
        (hi + 10.0).clamp(140.0, 260.0),
    );

    let name = r.path.file_name().map_or_else(
        || r.path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let title = match &r.summary.cadence {
        Some(c) => format!(
            "{name} — {} steps, cadence {:.0} spm",
            r.summary.steps, c.median_spm
        ),
        None => format!("{name} — {} steps", r.summary.steps),
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..x_max, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc(format!("time ({unit}), {} recorded", clock(r.duration_s)))
        .y_desc("cadence (steps/min)")
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;

    let walk = RGBColor(90, 160, 220).mix(0.18);
    let run = RGBColor(240, 140, 40).mix(0.22);
    // One shaded series per activity, in the legend only when the recording has it.
    for (activity, color, label) in [
        (Activity::Walk, walk, "walking"),
        (Activity::Run, run, "running"),
    ] {
        let mut shaded = r
            .analysis
            .segments
            .iter()
            .filter(|s| s.activity == activity)
            .peekable();
        if shaded.peek().is_none() {
            continue;
        }
        chart
            .draw_series(shaded.map(|s| {
                Rectangle::new(
                    [(s.start_s / per, y_lo), (s.end_s / per, y_hi)],
                    color.filled(),
                )
            }))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
    }
    // Stretches without data (gaps in the recording), so they are not read as stops.
    if !r.gaps.first.is_empty() {
        let grey = RGBColor(160, 160, 160).mix(0.35);
        chart
            .draw_series(r.gaps.first.iter().map(|g| {
                Rectangle::new(
                    [(g.start_s / per, y_lo), (g.end_s / per, y_hi)],
                    grey.filled(),
                )
            }))?
            .label("no data")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], grey.filled()));
    }
    chart
        .draw_series(
            steps
                .iter()
                .filter(|s| s.spm >= y_lo && s.spm <= y_hi)
                .map(|s| Circle::new((s.t_s / per, s.spm), 1, RGBColor(120, 120, 120).filled())),
        )?
        .label("each step")
        .legend(|(x, y)| Circle::new((x + 7, y), 2, RGBColor(120, 120, 120).filled()));
    chart
        .draw_series(
            pieces
                .into_iter()
                .map(|piece| PathElement::new(piece, RGBColor(200, 30, 30).stroke_width(2))),
        )?
        .label("cadence")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], RGBColor(200, 30, 30)));
    if !target.is_empty() {
        // The coach's target: a step line, each value holding until the next.
        let mut stairs = Vec::with_capacity(target.len() * 2 + 1);
        for (i, &(t, spm)) in target.iter().enumerate() {
            if i > 0 {
                stairs.push((t / per, target[i - 1].1));
            }
            stairs.push((t / per, spm));
        }
        if let Some(&(t, spm)) = target.last() {
            stairs.push((r.duration_s.max(t) / per, spm));
        }
        let blue = RGBColor(30, 90, 200);
        chart
            .draw_series(LineSeries::new(stairs, blue.stroke_width(2)))?
            .label("target")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], blue));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::LowerRight)
        .draw()?;
    root.present()?;
    Ok(())
}
