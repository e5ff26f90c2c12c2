//! Diagnostic behind [`DetectorConfig::limb_swing_m`]: for every recording of the shared data
//! set (and the companions beside the index), the swing the step detector's rhythm implies,
//! exactly as the detector's one-foot rule reads it ([`LiveDetector::implied_swing_m`]: the
//! typical step height times (period / 2π)², metres, for a trusted, not halved period while
//! steps are coming), every 0.5 s wherever it has a value. Prints how many half-seconds had
//! one, the median, 99th percentile and largest value, and how many reached the limit.
//! Sensors on the trunk, in a pocket, a hand or a bag stay at a few centimetres; a sensor on
//! one foot swings about half a metre each stride.
//!
//! Run: `cargo run --release --example limb_swing` (data folder as for the `accuracy` example).

#[path = "../tests/harness/mod.rs"]
mod harness;

use anyhow::bail;
use serde_json::Value;
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
        "{:<40} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "recording", "ticks", "median", "p99", "max", "≥ limit"
    );
    for entry in &entries {
        let samples = harness::load(&dir, entry)?;
        let mut detector = LiveDetector::new(cfg);
        let mut swings: Vec<f64> = Vec::new();
        let mut next_s = f64::NEG_INFINITY;
        for s in &samples {
            detector.push(s);
            if s.t_s >= next_s {
                next_s = s.t_s + 0.5;
                swings.extend(detector.implied_swing_m());
            }
        }
        let name = entry["recording"].as_str().unwrap_or_default();
        println!(
            "{:<40} {:>6} {:>8.3} {:>8.3} {:>8.3} {:>8}",
            &name[name.len().saturating_sub(40)..],
            swings.len(),
            harness::percentile(&swings, 0.5),
            harness::percentile(&swings, 0.99),
            harness::percentile(&swings, 1.0),
            swings.iter().filter(|&&m| m >= cfg.limb_swing_m).count()
        );
    }
    println!("limit: {} m", cfg.limb_swing_m);
    Ok(())
}
