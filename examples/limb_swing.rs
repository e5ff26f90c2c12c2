//! Diagnostic behind [`DetectorConfig::limb_swing_m`]: for every recording of the shared data
//! set (and the companions beside the index), the swing the step detector's rhythm implies —
//! the median height of the candidate peaks of the last 5 s times (period / 2π)², metres —
//! every 0.5 s while a bout is in progress and the period is trusted and not already halved.
//! Prints the median, 99th percentile and largest value per recording: sensors on the trunk,
//! in a pocket, a hand or a bag stay at a few centimetres; a sensor on one foot swings about
//! half a metre at its stride.
//!
//! Run: `cargo run --release --example limb_swing` (data folder as for the `accuracy` example).

#[path = "../tests/harness/mod.rs"]
mod harness;

use anyhow::bail;
use serde_json::Value;
use stridebeat::gait::detector::PeakVerdict;
use stridebeat::gait::{DetectorConfig, LiveDetector};

fn main() -> anyhow::Result<()> {
    let Some(dir) = harness::data_dir() else {
        bail!("no data folder with index.json (set STRIDEBEAT_DATA)");
    };
    let mut entries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json"))?)?;
    entries.extend(harness::companions(&dir));
    let cfg = DetectorConfig::default();
    println!(
        "{:<40} {:>6} {:>8} {:>8} {:>8}   (limit {} m)",
        "recording", "ticks", "median", "p99", "max", cfg.limb_swing_m
    );
    for entry in &entries {
        let samples = harness::load(&dir, entry)?;
        let mut detector = LiveDetector::new(cfg);
        // Candidate peaks of the last 5 s: (time, height).
        let mut recent: Vec<(f64, f64)> = Vec::new();
        let mut swings: Vec<f64> = Vec::new();
        let mut next_s = f64::NEG_INFINITY;
        for s in &samples {
            detector.push(s);
            recent.extend(
                detector
                    .peaks()
                    .iter()
                    .filter(|p| p.verdict == PeakVerdict::Candidate)
                    .map(|p| (p.t_s, p.height)),
            );
            if s.t_s < next_s {
                continue;
            }
            next_s = s.t_s + 0.5;
            recent.retain(|&(t, _)| t > s.t_s - 5.0);
            let Some(p) = detector.periodicity() else {
                continue;
            };
            if !detector.in_bout() || p.halved || p.strength < cfg.min_periodicity {
                continue;
            }
            let h: Vec<f64> = recent.iter().map(|&(_, h)| h).collect();
            if h.is_empty() {
                continue;
            }
            let h = harness::percentile(&h, 0.5);
            let w = std::f64::consts::TAU / p.step_s;
            swings.push(h / (w * w));
        }
        let name = entry["recording"].as_str().unwrap_or_default();
        println!(
            "{:<40} {:>6} {:>8.3} {:>8.3} {:>8.3}",
            &name[name.len().saturating_sub(40)..],
            swings.len(),
            harness::percentile(&swings, 0.5),
            harness::percentile(&swings, 0.99),
            harness::percentile(&swings, 1.0)
        );
    }
    Ok(())
}
