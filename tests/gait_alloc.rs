//! Proof that the live step detector and the cadence estimator never allocate per sample:
//! this test binary installs a counting global allocator (`tests/common/alloc.rs`) and pushes a
//! minute of walking then running (with a gap, jitter, duplicates and a backwards time stamp),
//! then half a minute from a sensor on one foot (the other foot's steps put in),
//! through [`LiveDetector::push`] and [`CadenceEstimator`]. Allocations are counted only on this
//! thread and only inside the measured loop.

#[path = "common/alloc.rs"]
mod alloc_count;

use alloc_count::allocations_in;
use stridebeat::gait::{AccelSample, CadenceEstimator, DetectorConfig, LiveDetector};

#[test]
fn live_detector_and_cadence_make_no_allocation_per_sample() {
    // Prepare all samples before counting.
    let mut samples = Vec::new();
    let mut t = 0.0f64;
    let mut i = 0u64;
    while t < 120.0 {
        let step_hz = if t < 40.0 { 1.9 } else { 2.9 };
        let bounce = (2.0 * std::f64::consts::PI * step_hz * t).sin() * 3.0;
        // The last 30 s from a sensor on one foot: once a 0.75 s stride, a 4 g impact on
        // a bounce of its own; nothing of the other foot.
        let bounce = if t < 90.0 {
            bounce
        } else {
            let phase = t % 0.75 - 0.01;
            let bump = if phase.abs() < 0.18 {
                10.0 * (std::f64::consts::PI * phase / 0.36).cos()
            } else {
                0.0
            };
            40.0 * (-(phase / 0.02).powi(2)).exp() + bump
        };
        samples.push(AccelSample {
            t_s: t,
            acc: [0.5, 1.0, (9.81 + bounce) as f32],
        });
        i += 1;
        // Irregular clock, a 3 s gap at 60 s.
        t += 0.008 + 0.004 * ((i * 7919) % 5) as f64 / 5.0;
        if (60.0..60.01).contains(&t) {
            t += 3.0;
        }
    }
    // A duplicate and a backwards stamp.
    samples.insert(1000, samples[999]);
    let back = AccelSample {
        t_s: samples[2000].t_s - 0.5,
        ..samples[2000]
    };
    samples.insert(2001, back);

    let mut det = LiveDetector::new(DetectorConfig::default());
    let mut cad = CadenceEstimator::default();
    let mut steps = 0usize;
    let mut spm_sum = 0.0;
    let allocations = allocations_in(|| {
        for s in &samples {
            for e in det.push(s) {
                cad.on_step(e);
                steps += 1;
            }
            spm_sum += cad.cadence_spm(s.t_s).unwrap_or(0.0);
            let _ = cad.motion(s.t_s);
        }
    });
    assert_eq!(
        allocations,
        0,
        "allocations while pushing {} samples",
        samples.len()
    );
    assert!(steps > 150, "the signal has steps: {steps}");
    assert!(
        det.other_foot_steps() > 20,
        "the one-foot part was read as such: {} steps put in",
        det.other_foot_steps()
    );
    assert!(spm_sum > 0.0);
}
