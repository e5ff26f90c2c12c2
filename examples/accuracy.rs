//! Accuracy table of the step detector over every recording in the shared data set.
//!
//! Runs the offline analysis and the live detector on each recording listed in the data
//! folder's `index.json` and compares with its truth file: steps true/found, count error %,
//! cadence error (spm), F1 of reference steps matched within 150 ms (where the truth has step
//! times), median time offset of matched steps, and the live detector's report latency. The
//! scoring rules are in `tests/harness/mod.rs`, shared with `tests/accuracy.rs`. Then the same
//! for the recordings beside the index that one of its references covers
//! (`tests/harness/companions.json`: the shoe-clip sensor of the hip-belt run).
//!
//! Run: `cargo run --release --example accuracy` (data folder from `STRIDEBEAT_DATA`, default
//! `../shared/data` beside the crate). For exploring settings only, `GAIT_<KEY>=value` overrides
//! a detector setting (see `detector_config`); the tests always use the defaults.

#[path = "../tests/harness/mod.rs"]
mod harness;

use stridebeat::gait::DetectorConfig;

/// Detector settings, with `GAIT_<KEY>=value` overrides for exploring.
fn detector_config() -> DetectorConfig {
    let mut c = DetectorConfig::default();
    let get = |k: &str| {
        std::env::var(format!("GAIT_{k}"))
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
    };
    macro_rules! o {
        ($($f:ident).+, $k:literal) => {
            if let Some(v) = get($k) {
                c.$($f).+ = v as _;
            }
        };
    }
    o!(band_low_hz, "BAND_LOW");
    o!(band_high_hz, "BAND_HIGH");
    o!(impact_weight, "IMPACT");
    o!(periodicity_memory_s, "MEMORY");
    o!(half_lag_ratio, "HALF");
    o!(fast_memory_s, "FASTMEM");
    o!(fast_periodicity, "FASTPER");
    o!(min_periodicity, "MINPER");
    o!(threshold, "THR");
    o!(threshold_expected, "THREXP");
    o!(refractory, "REFR");
    o!(min_height_share, "MINH");
    o!(min_refractory_s, "MINREFR");
    o!(contact_lag_s, "LAG");
    o!(limb_swing_m, "LIMB");
    o!(bout.min_steps, "MINSTEPS");
    o!(bout.max_interval_ratio, "RATIO");
    o!(bout.confirm_periodicity, "CONFIRM");
    o!(bout.period_agreement, "AGREE");
    o!(bout.keep_periodicity, "KEEP");
    o!(bout.rhythm_lost_after_s, "LOST");
    c
}

fn main() -> anyhow::Result<()> {
    let Some(dir) = harness::data_dir() else {
        println!("accuracy: no data folder with index.json (set STRIDEBEAT_DATA); nothing to do");
        return Ok(());
    };
    let scores = harness::evaluate_all(&dir, detector_config())?;
    print!("{}", harness::table(&scores));
    let companions = harness::companions(&dir);
    if !companions.is_empty() {
        let scores = harness::evaluate_entries(&dir, &companions, detector_config())?;
        println!(
            "\nbeside the index (tests/harness/companions.json says why the reference applies):"
        );
        print!("{}", harness::rows(&scores));
    }

    Ok(())
}
