//! Diagnostic: what the step detector saw and decided over a time window of one recording of
//! the shared data set, next to the reference.
//!
//! Prints, in time order: every local maximum of the band-passed gait signal the live detector
//! decided on ([`LiveDetector::peaks`]), with its height in m/s², relative to the recent
//! amplitude, and the verdict (`candidate` for the bout gate, or rejected as `refractory`,
//! `below threshold`, `below bout height`); the reference contacts (`REF`); the steps the live
//! detector reported (`LIVE`, restored ones marked) and the offline analysis kept (`OFF`);
//! where a bout starts and ends; and every 0.5 s the autocorrelation's period estimate (step
//! period, strength, whether halved) and whether a bout is in progress. Peak times are the
//! filtered peaks, a few tens of ms after the contact they stand for.
//!
//! With `--stretches` it prints instead, for each stretch the reference covers (the accuracy
//! harness's definition), the reference, offline, live and matched counts, and lists the
//! unmatched steps on both sides (with the intervals to the neighbouring offline steps). Each
//! missed reference step is classified by the best verdict among the peaks from 0.1 s before
//! to 0.3 s after it: `no peak`; `below threshold`; `below bout height`; `refractory`; a
//! `candidate` the bout gate dropped (no bout took it: `bout gate`); or a candidate that was
//! counted but more than the match tolerance away (`counted, off in time`, when a live step
//! lies within 0.3 s). A summary line counts the classes.
//!
//! Run: `cargo run --release --example gait_trace -- MS_001/TimeMeasure1_Test11_Trial1 44 56`
//! or `... -- MS_001/TimeMeasure1_Test11_Trial1 --stretches` (the recording name as in the
//! data folder's `index.json`; data folder as for the `accuracy` example).

#[path = "../tests/harness/mod.rs"]
mod harness;

use anyhow::{bail, Context};
use serde_json::Value;
use stridebeat::gait::analysis::{Analyzer, AnalyzerConfig};
use stridebeat::gait::detector::{PeakNote, PeakVerdict};
use stridebeat::gait::eval::{covered_stretches, inside, match_steps};
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
    let mut live: Vec<Live> = Vec::new();
    let mut peaks: Vec<PeakNote> = Vec::new();
    // Bouts of the live detector: (start, end) on the recording clock.
    let mut bouts: Vec<(f64, f64)> = Vec::new();
    let mut events: Vec<(f64, String)> = Vec::new();
    let mut next_state_s = t0;
    for s in &samples {
        analyzer.push(s);
        for e in detector.push(s) {
            live.push(Live {
                t_s: e.t_s,
                interpolated: e.interpolated,
                reported_s: e.reported_s,
            });
        }
        peaks.extend_from_slice(detector.peaks());
        match (detector.in_bout(), bouts.last_mut()) {
            (true, Some(b)) if b.1.is_infinite() => {}
            (true, _) => bouts.push((s.t_s, f64::INFINITY)),
            (false, Some(b)) if b.1.is_infinite() => b.1 = s.t_s,
            (false, _) => {}
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
    }
    let offline = analyzer.finish().step_times_s;

    if stretches_only {
        print_stretches(&reference, &offline, &live, &peaks, cfg.floor_mps2);
        return Ok(());
    }

    let within = |t: f64| (t0..=t1).contains(&t);
    events.extend(peaks.iter().filter(|p| within(p.t_s)).map(|p| {
        (
            p.t_s,
            format!(
                "peak {:.2} m/s²  {:.2} × amplitude  {}",
                p.height,
                p.relative,
                verdict_name(p.verdict)
            ),
        )
    }));
    for &(a, b) in &bouts {
        if within(a) {
            events.push((a, "   BOUT starts".to_string()));
        }
        if within(b) {
            events.push((b, "   BOUT ends".to_string()));
        }
    }
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

fn verdict_name(v: PeakVerdict) -> &'static str {
    match v {
        PeakVerdict::Refractory => "refractory",
        PeakVerdict::BelowThreshold => "below threshold",
        PeakVerdict::BelowBoutHeight => "below bout height",
        PeakVerdict::Candidate => "candidate",
    }
}

/// Why a reference step was missed: the best verdict among the peaks near it (see the module
/// doc; a peak below the detector's absolute floor counts as below threshold), and those
/// peaks.
fn classify(t: f64, peaks: &[PeakNote], live: &[Live], floor: f64) -> (&'static str, String) {
    let near: Vec<&PeakNote> = peaks
        .iter()
        .filter(|p| p.t_s >= t - 0.1 && p.t_s <= t + 0.3)
        .collect();
    let rank = |v: PeakVerdict| match v {
        PeakVerdict::BelowThreshold => 0,
        PeakVerdict::BelowBoutHeight => 1,
        PeakVerdict::Refractory => 2,
        PeakVerdict::Candidate => 3,
    };
    let listed = near
        .iter()
        .map(|p| {
            format!(
                "{:.2} {:.2} m/s² {}",
                p.t_s,
                p.height,
                verdict_name(p.verdict)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    // A peak below the absolute floor is no step whatever else stopped it first.
    let verdict = |p: &PeakNote| {
        if p.height < floor {
            PeakVerdict::BelowThreshold
        } else {
            p.verdict
        }
    };
    let class = match near.iter().map(|p| verdict(p)).max_by_key(|&v| rank(v)) {
        None => "no peak",
        Some(PeakVerdict::Candidate) if live.iter().any(|l| (l.t_s - t).abs() <= 0.3) => {
            "counted, off in time"
        }
        Some(PeakVerdict::Candidate) => "bout gate",
        Some(v) => verdict_name(v),
    };
    (class, listed)
}

/// Per covered stretch of the reference: counts, and the unmatched steps on both sides.
fn print_stretches(
    reference: &[f64],
    offline: &[f64],
    live: &[Live],
    peaks: &[PeakNote],
    floor: f64,
) {
    let live_t: Vec<f64> = live.iter().map(|l| l.t_s).collect();
    let mut classes: Vec<&'static str> = Vec::new();
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
                let (class, listed) = classify(t, peaks, live, floor);
                classes.push(class);
                println!("    missed reference {t:7.2}  {class}  [{listed}]");
            }
        }
    }
    let mut kinds = classes.clone();
    kinds.sort_unstable();
    kinds.dedup();
    let summary = kinds
        .iter()
        .map(|k| format!("{k} {}", classes.iter().filter(|c| *c == k).count()))
        .collect::<Vec<_>>()
        .join(", ");
    println!("missed reference steps: {} ({summary})", classes.len());
}
