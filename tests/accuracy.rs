//! The accuracy targets, asserted over every recording of the shared data set
//! (`STRIDEBEAT_DATA`, default `../shared/data`). Skips with a message when the folder is
//! absent (some recordings may not be copied into the repository under their licenses).
//!
//! Targets: median |count error| ≤ 2 % over the A-tier recordings and none worse than 5 %;
//! running cadence within ±1.5 spm of the reference; a recording with no steps (desk work)
//! gets at most 3; no recording at half or double its cadence. Plus the live detector's
//! median latency after the true contact ≤ 150 ms. Nothing here names a recording.

mod harness;

use stridebeat::gait::eval::median;
use stridebeat::gait::DetectorConfig;

#[test]
fn accuracy_targets_on_the_shared_recordings() {
    let Some(dir) = harness::data_dir() else {
        println!(
            "SKIPPED accuracy targets: no data folder (set STRIDEBEAT_DATA to ../shared/data)"
        );
        return;
    };
    let scores = harness::evaluate_all(&dir, DetectorConfig::default()).expect("evaluate");
    println!("{}", harness::table(&scores));
    assert!(!scores.is_empty());

    let a_tier: Vec<_> = scores.iter().filter(|s| s.tier == "A").collect();
    assert!(!a_tier.is_empty(), "no A-tier recording in the index");
    let errs: Vec<f64> = a_tier
        .iter()
        .map(|s| s.offline.count_err_pct.abs())
        .collect();
    let med = median(&errs);
    assert!(
        med <= 2.0,
        "median |count error| over A tier {med:.2} % > 2 %"
    );
    for s in &a_tier {
        assert!(
            s.offline.count_err_pct.abs() <= 5.0,
            "{}: count error {:.1} % worse than 5 %",
            s.name,
            s.offline.count_err_pct
        );
    }

    for s in scores.iter().filter(|s| s.running) {
        for (mode, m) in [("offline", &s.offline), ("live", &s.live)] {
            let e = m
                .cadence_err_spm
                .expect("running recordings have a cadence reference");
            assert!(
                e.abs() <= 1.5,
                "{} ({mode}): cadence off by {e:.2} spm",
                s.name
            );
        }
    }

    for s in scores.iter().filter(|s| s.true_steps == 0) {
        assert!(
            s.offline.found <= 3,
            "{}: {} steps without walking",
            s.name,
            s.offline.found
        );
        assert!(
            s.live.found <= 3,
            "{} (live): {} steps without walking",
            s.name,
            s.live.found
        );
    }

    for s in &scores {
        for (mode, m) in [("offline", &s.offline), ("live", &s.live)] {
            if let Some(r) = m.cadence_ratio {
                assert!(
                    (0.75..=1.33).contains(&r),
                    "{} ({mode}): cadence at {r:.2}× the reference",
                    s.name
                );
            }
        }
    }

    let lat: Vec<f64> = scores
        .iter()
        .flat_map(|s| s.latencies_s.iter().copied())
        .collect();
    assert!(!lat.is_empty());
    let med_lat = median(&lat);
    assert!(
        med_lat <= 0.150,
        "live median latency {:.0} ms > 150 ms",
        med_lat * 1000.0
    );
}
