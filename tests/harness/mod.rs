//! Accuracy harness shared by `tests/accuracy.rs` (asserts the targets) and
//! `examples/accuracy.rs` (prints the table): runs the offline analysis and the live detector
//! over every recording of the shared data set and scores them against the truth files.
//!
//! Scoring rules, the same for every recording (no names, no per-file settings):
//! - count error: detected steps vs the reference count; where the reference only covers
//!   walking bouts (its truth file says so with `n_reference_wbs`), only detected steps inside
//!   the stretches the reference covers are counted;
//! - cadence error: where the truth has step times, the README's definition (60 / mean of the
//!   step intervals between 0.25 and 1.5 s) applied to both step lists over the stretches the
//!   reference covers, like for like; otherwise against the file's `cadence_spm`;
//! - F1: reference steps matched one-to-one within 150 ms;
//! - live latency: time the live detector reported a step after the reference contact it
//!   matches.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use stridebeat::gait::analysis::{Analyzer, AnalyzerConfig, SETTLE_S};
use stridebeat::gait::eval::{covered_stretches, inside, match_steps, median};
use stridebeat::gait::segments::mean_cadence_spm;
use stridebeat::gait::{AccelSample, CadenceEstimator, DetectorConfig, LiveDetector};
use stridebeat::source::{self, ReadOptions};

/// Match tolerance for F1 and latency, seconds.
pub const TOL_S: f64 = 0.15;
/// Reference steps further apart than this belong to different covered stretches, seconds
/// (a step interval of a slow walk is at most about 1.2 s).
pub const STRETCH_GAP_S: f64 = 1.5;
/// Margin around a covered stretch, seconds (about half a step: a detected step may lead or
/// lag its reference by the match tolerance and then some).
pub const STRETCH_MARGIN_S: f64 = 0.5;

/// The data folder: `STRIDEBEAT_DATA`, else `../shared/data` beside the crate, else
/// `/work/shared/data`; `None` when none has an `index.json`.
pub fn data_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("STRIDEBEAT_DATA") {
        let p = PathBuf::from(p);
        return p.join("index.json").exists().then_some(p);
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("../shared/data"),
        PathBuf::from("/work/shared/data"),
    ]
    .into_iter()
    .find(|p| p.join("index.json").exists())
}

/// One mode's (offline or live) result on one recording.
#[derive(Clone, Debug)]
pub struct ModeScore {
    /// Steps counted (inside the reference's stretches for bout-only references).
    pub found: usize,
    /// Count error, percent of the reference count (0 when the reference is 0 steps).
    pub count_err_pct: f64,
    /// Our cadence minus the reference cadence, spm.
    pub cadence_err_spm: Option<f64>,
    /// Our cadence divided by the reference cadence (half/double check).
    pub cadence_ratio: Option<f64>,
    /// F1 of reference steps matched within [`TOL_S`].
    pub f1: Option<f64>,
    /// Median detected-minus-reference time of matched steps, seconds.
    pub offset_s: Option<f64>,
}

/// Result on one recording.
#[derive(Clone, Debug)]
pub struct RecordingScore {
    /// `recording` field of the index.
    pub name: String,
    /// Truth tier (`A`, `A-handcount`, `B-derived`).
    pub tier: String,
    /// Whether the index calls the activity running.
    pub running: bool,
    /// Whether the entry says the sensor was worn on one foot or ankle (`"one_foot": true`).
    pub one_foot: bool,
    /// Steps the offline analysis put half-way for the other foot of a one-foot sensor.
    pub other_foot_steps: u64,
    /// Reference step count.
    pub true_steps: usize,
    /// Offline analysis.
    pub offline: ModeScore,
    /// Live detector.
    pub live: ModeScore,
    /// Live report latencies after each matched reference contact, seconds.
    pub latencies_s: Vec<f64>,
    /// Reference step intervals shorter than 60 % of the reference's median interval: not
    /// physically a step of the same gait (for instance a foot switch bouncing). Shown so a
    /// count error can be read against the reference's own doubtful events.
    pub implausible_reference_intervals: usize,
    /// For each reference bout of at least 20 steps: how many of our live steps after the
    /// bout's start until the live cadence is first within ±2 spm of the reference's cadence
    /// at that moment (`None`: never within the bout).
    pub settle_steps: Vec<Option<usize>>,
}

/// Steps to settle after each start of walking or running (see
/// [`RecordingScore::settle_steps`]): the reference cadence at a moment is 60 / mean step
/// interval over the reference steps within eight steps either side of it, inside the bout
/// (at least four intervals; a shorter window would measure the reference's own time
/// quantisation, ±90 ms on some files).
fn settling(reference: &[f64], live: &[(f64, Option<f64>)]) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    for (a, b) in covered_stretches(reference, STRETCH_GAP_S, 0.0) {
        let bout: Vec<f64> = reference
            .iter()
            .copied()
            .filter(|t| *t >= a && *t <= b)
            .collect();
        if bout.len() < 20 {
            continue;
        }
        let reference_spm = |t: f64| -> Option<f64> {
            let k = bout.partition_point(|&x| x <= t).min(bout.len() - 1);
            let lo = k.saturating_sub(8);
            let hi = (k + 8).min(bout.len() - 1);
            (hi - lo >= 4).then(|| 60.0 * (hi - lo) as f64 / (bout[hi] - bout[lo]))
        };
        let n = live
            .iter()
            .filter(|(t, _)| *t >= a - TOL_S && *t <= b)
            .position(|&(t, c)| match (c, reference_spm(t)) {
                (Some(c), Some(r)) => (c - r).abs() <= 2.0,
                _ => false,
            })
            .map(|i| i + 1);
        out.push(n);
    }
    out
}

/// Read a recording with the project's own readers (the index's rate is used only where the
/// file has no time column of its own).
pub fn load(dir: &Path, entry: &Value) -> anyhow::Result<Vec<AccelSample>> {
    let path = dir.join(entry["accel_file"].as_str().unwrap_or_default());
    let options = ReadOptions {
        rate_hz: entry["fs_hz"].as_f64(),
        ..ReadOptions::default()
    };
    let reader = source::open(&path, &options)?;
    Ok(reader.collect::<Result<Vec<_>, _>>()?)
}

fn score(truth: &Value, all_steps: &[f64]) -> ModeScore {
    let true_steps = truth["steps"].as_u64().unwrap_or(0) as usize;
    let times: Option<Vec<f64>> = truth["step_times_s"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .filter(|t: &Vec<f64>| !t.is_empty());
    let stretches = times
        .as_ref()
        .map(|t| covered_stretches(t, STRETCH_GAP_S, STRETCH_MARGIN_S));
    let counted: Vec<f64> = match &stretches {
        Some(s) if truth.get("n_reference_wbs").is_some() => inside(all_steps, s),
        _ => all_steps.to_vec(),
    };
    let found = counted.len();
    let count_err_pct = if true_steps == 0 {
        0.0
    } else {
        100.0 * (found as f64 - true_steps as f64) / true_steps as f64
    };
    let (ours, reference) = match (&times, &stretches) {
        (Some(t), Some(s)) => (
            Some(mean_cadence_spm(&inside(all_steps, s))),
            Some(mean_cadence_spm(t)),
        ),
        _ => (
            Some(mean_cadence_spm(all_steps)),
            truth["cadence_spm"].as_f64(),
        ),
    };
    let (cadence_err_spm, cadence_ratio) = match (ours, reference) {
        (Some(o), Some(r)) if r > 0.0 => (Some(o - r), Some(o / r)),
        _ => (None, None),
    };
    let (f1, offset_s) = match (&times, &stretches) {
        (Some(t), Some(s)) => {
            let m = match_steps(t, &inside(all_steps, s), TOL_S);
            (Some(m.f1()), Some(median(&m.offsets_s)))
        }
        _ => (None, None),
    };
    ModeScore {
        found,
        count_err_pct,
        cadence_err_spm,
        cadence_ratio,
        f1,
        offset_s,
    }
}

/// Run both modes over one recording and score them.
pub fn evaluate(
    dir: &Path,
    entry: &Value,
    detector: DetectorConfig,
) -> anyhow::Result<RecordingScore> {
    let truth_path = dir.join(entry["truth"].as_str().unwrap_or_default());
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(truth_path)?)?;
    let mut samples = load(dir, entry)?;
    // An entry may ask for every k-th sample only: the same recording at a lower rate.
    if let Some(k) = entry["keep_every"].as_u64().filter(|&k| k > 1) {
        samples = samples.into_iter().step_by(k as usize).collect();
    }
    let mut analyzer = Analyzer::new(AnalyzerConfig {
        detector,
        ..AnalyzerConfig::default()
    });
    let mut live = LiveDetector::new(detector);
    let mut live_steps = Vec::new();
    let mut reported = Vec::new();
    let mut cadence = CadenceEstimator::default();
    // Live cadence right after each reported step: (report time, spm).
    let mut live_cadence: Vec<(f64, Option<f64>)> = Vec::new();
    for s in &samples {
        analyzer.push(s);
        for e in live.push(s) {
            live_steps.push(e.t_s);
            reported.push(e.reported_s);
            cadence.on_step(e);
            live_cadence.push((e.t_s, cadence.cadence_spm(s.t_s)));
        }
    }
    let finished = analyzer.finish_with_sink();
    // The offline analysis finalises steps once they are SETTLE_S old: no step may be
    // reported anywhere near that late.
    let worst_report_delay = live_steps
        .iter()
        .zip(&reported)
        .map(|(t, r)| r - t)
        .fold(0.0, f64::max);
    anyhow::ensure!(
        finished.late_steps == 0 && worst_report_delay < SETTLE_S / 2.0,
        "{} steps reported too late; worst report delay {worst_report_delay:.1} s",
        finished.late_steps
    );
    let other_foot_steps = finished.other_foot_steps;
    let analysis = finished.analysis;
    let mut latencies_s = Vec::new();
    let mut implausible_reference_intervals = 0;
    let mut settle_steps = Vec::new();
    if let Some(t) = truth["step_times_s"].as_array() {
        let t: Vec<f64> = t.iter().filter_map(Value::as_f64).collect();
        let m = match_steps(&t, &live_steps, TOL_S);
        latencies_s = m.pairs.iter().map(|&(i, j)| reported[j] - t[i]).collect();
        settle_steps = settling(&t, &live_cadence);
        let intervals: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
        let med = median(&intervals);
        implausible_reference_intervals = intervals.iter().filter(|&&d| d < 0.6 * med).count();
    }
    Ok(RecordingScore {
        name: entry["recording"].as_str().unwrap_or("?").to_string(),
        tier: truth["tier"].as_str().unwrap_or("?").to_string(),
        running: entry["activity"].as_str().unwrap_or("").contains("running"),
        one_foot: entry["one_foot"].as_bool().unwrap_or(false),
        other_foot_steps,
        true_steps: truth["steps"].as_u64().unwrap_or(0) as usize,
        offline: score(&truth, &analysis.step_times_s),
        live: score(&truth, &live_steps),
        latencies_s,
        implausible_reference_intervals,
        settle_steps,
    })
}

/// Evaluate every recording of the index (in parallel).
pub fn evaluate_all(dir: &Path, detector: DetectorConfig) -> anyhow::Result<Vec<RecordingScore>> {
    let index: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json"))?)?;
    evaluate_entries(dir, &index, detector)
}

/// Evaluate the given index entries (in parallel).
pub fn evaluate_entries(
    dir: &Path,
    entries: &[Value],
    detector: DetectorConfig,
) -> anyhow::Result<Vec<RecordingScore>> {
    use rayon::prelude::*;
    entries
        .par_iter()
        .map(|e| evaluate(dir, e, detector))
        .collect()
}

/// Recordings of the data folder that its index leaves out but a reference in it covers
/// (`companions.json` beside this file, in the index's format, each with a note on why the
/// reference applies), where the folder has them.
pub fn companions(dir: &Path) -> Vec<Value> {
    let all: Vec<Value> =
        serde_json::from_str(include_str!("companions.json")).expect("companions.json is valid");
    all.into_iter()
        .filter(|e| {
            ["accel_file", "truth"]
                .iter()
                .all(|k| dir.join(e[*k].as_str().unwrap_or_default()).is_file())
        })
        .collect()
}

fn opt(v: Option<f64>, scale: f64, prec: usize) -> String {
    v.map(|x| format!("{:.prec$}", x * scale))
        .unwrap_or_else(|| "-".into())
}

/// The table, one row per recording, then the medians. Columns: reference steps, `odd`
/// reference intervals (< 60 % of its median), then for offline and live: steps found, count
/// error %, cadence error spm, F1, median time offset of matched steps (ms), and the live
/// report latency (median, ms) and the steps the live cadence took to come within ±2 spm of
/// the reference after each start (one number per reference bout of ≥ 20 steps).
pub fn table(scores: &[RecordingScore]) -> String {
    use std::fmt::Write;
    let mut out = rows(scores);
    let a: Vec<&RecordingScore> = scores.iter().filter(|s| s.tier == "A").collect();
    let med =
        |f: &dyn Fn(&RecordingScore) -> f64| median(&a.iter().map(|s| f(s)).collect::<Vec<_>>());
    let worst = |f: &dyn Fn(&RecordingScore) -> f64| a.iter().map(|s| f(s)).fold(0.0, f64::max);
    let _ = writeln!(
        out,
        "A tier ({} recordings): median |count err| offline {:.2} % (worst {:.1} %), live {:.2} % (worst {:.1} %); median F1 offline {:.3}, live {:.3}",
        a.len(),
        med(&|s| s.offline.count_err_pct.abs()),
        worst(&|s| s.offline.count_err_pct.abs()),
        med(&|s| s.live.count_err_pct.abs()),
        worst(&|s| s.live.count_err_pct.abs()),
        median(&a.iter().filter_map(|s| s.offline.f1).collect::<Vec<_>>()),
        median(&a.iter().filter_map(|s| s.live.f1).collect::<Vec<_>>()),
    );
    let settle: Vec<f64> = scores
        .iter()
        .flat_map(|s| {
            s.settle_steps
                .iter()
                .map(|n| n.map_or(f64::INFINITY, |n| n as f64))
        })
        .collect();
    let never = settle.iter().filter(|x| x.is_infinite()).count();
    let _ = writeln!(
        out,
        "live cadence within ±2 spm of a bout's reference: median after {:.0} steps, {} of {} bouts within 10 steps, {} never ({} bouts of ≥ 20 steps)",
        median(&settle),
        settle.iter().filter(|&&x| x <= 10.0).count(),
        settle.len(),
        never,
        settle.len()
    );
    let all_lat: Vec<f64> = scores
        .iter()
        .flat_map(|s| s.latencies_s.iter().copied())
        .collect();
    let _ = writeln!(
        out,
        "live latency, all matched reference steps: median {:.0} ms, 90th percentile {:.0} ms",
        1000.0 * median(&all_lat),
        1000.0 * percentile(&all_lat, 0.9)
    );
    out
}

/// The `q` quantile (0–1) of a list, nearest rank (0 for an empty list).
pub fn percentile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() - 1) as f64 * q).round() as usize]
}

/// The table's header and one row per recording (see [`table`]), without the summary.
pub fn rows(scores: &[RecordingScore]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ =
        writeln!(
        out,
        "{:<34} {:>4} {:>5} {:>3} | {:>5} {:>6} {:>6} {:>5} {:>5} | {:>5} {:>6} {:>6} {:>5} {:>5} {:>5} {:>4}",
        "recording", "tier", "true", "odd", "off", "err%", "cad±", "F1", "Δms", "live", "err%",
        "cad±", "F1", "Δms", "lat", "set"
    );
    for s in scores {
        let lat = (!s.latencies_s.is_empty()).then(|| median(&s.latencies_s));
        let settle = s
            .settle_steps
            .iter()
            .map(|n| n.map_or("-".to_string(), |n| n.to_string()))
            .collect::<Vec<_>>()
            .join(",");
        let name = &s.name[s.name.len().saturating_sub(34)..];
        let row = |m: &ModeScore| {
            format!(
                "{:>5} {:>6.1} {:>6} {:>5} {:>5}",
                m.found,
                m.count_err_pct,
                opt(m.cadence_err_spm, 1.0, 1),
                opt(m.f1, 1.0, 2),
                opt(m.offset_s, 1000.0, 0)
            )
        };
        let _ = writeln!(
            out,
            "{:<34} {:>4} {:>5} {:>3} | {} | {} {:>5} {:>4}",
            name,
            &s.tier[..s.tier.len().min(4)],
            s.true_steps,
            s.implausible_reference_intervals,
            row(&s.offline),
            row(&s.live),
            opt(lat, 1000.0, 0),
            settle
        );
    }
    out
}
