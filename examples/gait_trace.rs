//! Diagnostic: what the step detector saw and decided over a time window of one recording of
//! the shared data set, next to the reference.
//!
//! Prints, in time order: every local maximum of the band-passed gait signal (the detector's
//! raw peak candidates, before threshold, refractory interval and bout gate) with its height in
//! m/s² and relative to the recent amplitude; the reference contacts (`REF`); the steps the live
//! detector reported (`LIVE`, restored ones marked) and the offline analysis kept (`OFF`); and
//! every 0.5 s the autocorrelation's period estimate (step period, strength, whether halved)
//! and whether a bout is in progress.
//!
//! The band-passed signal is recomputed here with the detector's own stages (feature, 50 Hz
//! grid, Butterworth band) and the same 3 s amplitude, so heights match what the detector
//! compares; a restart after an input gap is not mirrored.
//!
//! With `--stretches` it prints instead, for each stretch the reference covers (the accuracy
//! harness's definition), the reference, offline, live and matched counts, and lists the
//! unmatched steps on both sides (with the intervals to the neighbouring offline steps).
//!
//! Run: `cargo run --release --example gait_trace -- MS_001/TimeMeasure1_Test11_Trial1 44 56`
//! or `... -- MS_001/TimeMeasure1_Test11_Trial1 --stretches` (the recording name as in the
//! data folder's `index.json`; data folder as for the `accuracy` example).

#[path = "../tests/harness/mod.rs"]
mod harness;

use anyhow::{bail, Context};
use serde_json::Value;
use stridebeat::gait::analysis::{Analyzer, AnalyzerConfig};
use stridebeat::gait::eval::{covered_stretches, inside, match_steps};
use stridebeat::gait::feature::FeatureExtractor;
use stridebeat::gait::filters::Biquad;
use stridebeat::gait::resample::Resampler;
use stridebeat::gait::{DetectorConfig, LiveDetector};

/// One live step: contact time, restored (not seen), report time.
struct Live {
    t_s: f64,
    interpolated: bool,
    reported_s: f64,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(name) = args.first() else {
        bail!("usage: gait_trace RECORDING (FROM_S TO_S | --stretches)");
    };
    let stretches_only = args.get(1).is_some_and(|a| a == "--stretches");
    let (t0, t1) = if stretches_only {
        (f64::NEG_INFINITY, f64::INFINITY)
    } else {
        let t =
            |i: usize| -> anyhow::Result<f64> { Ok(args.get(i).context("FROM_S TO_S")?.parse()?) };
        (t(1)?, t(2)?)
    };
    let Some(dir) = harness::data_dir() else {
        bail!("no data folder with index.json (set STRIDEBEAT_DATA)");
    };
    let index: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json"))?)?;
    let entry = index
        .iter()
        .find(|e| e["recording"].as_str() == Some(name.as_str()))
        .with_context(|| format!("no recording {name} in index.json"))?;
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(
        dir.join(entry["truth"].as_str().unwrap_or_default()),
    )?)?;
    let reference: Vec<f64> = truth["step_times_s"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    let samples = harness::load(&dir, entry)?;

    let cfg = DetectorConfig::default();
    let mut detector = LiveDetector::new(cfg);
    let mut analyzer = Analyzer::new(AnalyzerConfig::default());
    let mut feature = FeatureExtractor::new(cfg.impact_weight);
    let mut resampler = Resampler::new(cfg.fs_hz, cfg.max_gap_s);
    let mut hp = Biquad::highpass(cfg.band_low_hz, cfg.fs_hz);
    let mut lp = Biquad::lowpass(cfg.band_high_hz, cfg.fs_hz);
    let mut settled = false;
    let mut grid: Vec<(f64, f64)> = Vec::new();
    let mut live: Vec<Live> = Vec::new();
    let mut events: Vec<(f64, String)> = Vec::new();
    let mut next_state_s = t0;
    let mut last_s: Option<f64> = None;
    for s in &samples {
        analyzer.push(s);
        for e in detector.push(s) {
            live.push(Live {
                t_s: e.t_s,
                interpolated: e.interpolated,
                reported_s: e.reported_s,
            });
        }
        if s.t_s >= next_state_s && s.t_s <= t1 {
            let p = detector.periodicity();
            events.push((
                s.t_s,
                format!(
                    "   period {:.2} s  strength {:.2}  halved {}  bout {}",
                    p.map_or(0.0, |p| p.step_s),
                    p.map_or(0.0, |p| p.strength),
                    p.is_some_and(|p| p.halved),
                    detector.in_bout()
                ),
            ));
            next_state_s += 0.5;
        }
        let dt = last_s.map_or(0.0, |l| s.t_s - l);
        last_s = Some(s.t_s);
        let x = feature.process(s.acc, dt);
        resampler.push(s.t_s, x, |tg, v| {
            if !settled {
                hp.settle_at(v);
                lp.settle_at(0.0);
                settled = true;
            }
            grid.push((tg, lp.process(hp.process(v))));
        });
    }
    let offline = analyzer.finish().step_times_s;

    if stretches_only {
        print_stretches(&reference, &offline, &live);
        return Ok(());
    }

    let k_power = 1.0 - (-1.0 / (3.0 * cfg.fs_hz)).exp();
    let mut power = 0.0;
    for i in 1..grid.len().saturating_sub(1) {
        let (t, y) = grid[i];
        power += k_power * (y * y - power);
        if y > grid[i - 1].1 && y >= grid[i + 1].1 && y > 0.0 && (t0..=t1).contains(&t) {
            let amp = (2.0 * power).sqrt();
            events.push((t, format!("peak {y:.2} m/s²  {:.2} × amplitude", y / amp)));
        }
    }
    let within = |t: f64| (t0..=t1).contains(&t);
    events.extend(
        reference
            .iter()
            .filter(|&&t| within(t))
            .map(|&t| (t, "REF ****".to_string())),
    );
    events.extend(live.iter().filter(|l| within(l.t_s)).map(|l| {
        let how = if l.interpolated { " (restored)" } else { "" };
        (l.t_s, format!("LIVE{how}, reported at {:.2}", l.reported_s))
    }));
    events.extend(
        offline
            .iter()
            .filter(|&&t| within(t))
            .map(|&t| (t, "OFF".to_string())),
    );
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (t, what) in events {
        println!("{t:8.2} {what}");
    }
    Ok(())
}

/// Per covered stretch of the reference: counts, and the unmatched steps on both sides.
fn print_stretches(reference: &[f64], offline: &[f64], live: &[Live]) {
    let live_t: Vec<f64> = live.iter().map(|l| l.t_s).collect();
    for (a, b) in covered_stretches(reference, harness::STRETCH_GAP_S, harness::STRETCH_MARGIN_S) {
        let refs = inside(reference, &[(a, b)]);
        let offs = inside(offline, &[(a, b)]);
        let m = match_steps(&refs, &offs, harness::TOL_S);
        println!(
            "stretch {a:7.2}–{b:7.2} s: reference {:3}  offline {:3}  live {:3}  matched {:3}",
            refs.len(),
            offs.len(),
            inside(&live_t, &[(a, b)]).len(),
            m.matched
        );
        for (j, &t) in offs.iter().enumerate() {
            if m.pairs.iter().any(|p| p.1 == j) {
                continue;
            }
            let restored = live
                .iter()
                .any(|l| (l.t_s - t).abs() < 1e-6 && l.interpolated);
            let prev = offline.iter().rev().find(|&&x| x < t - 1e-6).map(|x| t - x);
            let next = offline.iter().find(|&&x| x > t + 1e-6).map(|x| x - t);
            println!(
                "    unmatched step {t:7.2}{}  interval before {}  after {}",
                if restored { " (restored)" } else { "" },
                prev.map_or("-".into(), |d| format!("{d:.2}")),
                next.map_or("-".into(), |d| format!("{d:.2}")),
            );
        }
        for (i, &t) in refs.iter().enumerate() {
            if !m.pairs.iter().any(|p| p.0 == i) {
                println!("    missed reference {t:7.2}");
            }
        }
    }
}
