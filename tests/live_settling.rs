//! What the coach sees after the runner changes pace: the live detector and cadence estimate
//! (exactly as the live pipeline combines them: `cadence_spm_checked` with the detector's
//! period) must settle within ±2 spm of the new cadence within 10 steps.
//!
//! The signal is synthetic (a vertical bounce at the step rate with harmonics, noise and a
//! little jitter), so the truth is exact.

use stridebeat::gait::{AccelSample, CadenceEstimator, DetectorConfig, LiveDetector};

/// Deterministic noise in [-1, 1].
fn noise(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// 100 Hz samples of a runner at `before` spm who changes to `after` spm at `change_s`.
fn run(before: f64, after: f64, change_s: f64, end_s: f64) -> Vec<AccelSample> {
    let mut rng = 7u64;
    let mut phase = 0.0f64;
    let mut out = Vec::new();
    let dt = 0.01;
    let mut t = 0.0;
    while t < end_s {
        let spm = if t < change_s { before } else { after };
        phase += 2.0 * std::f64::consts::PI * spm / 60.0 * dt * (1.0 + 0.01 * noise(&mut rng));
        let bounce = 5.0 * phase.sin() + 1.5 * (2.0 * phase).sin() + 0.6 * noise(&mut rng);
        out.push(AccelSample {
            t_s: t,
            acc: [0.4, (9.81 + bounce) as f32, 0.2 * noise(&mut rng) as f32],
        });
        t += dt;
    }
    out
}

/// Steps after `change_s` until the cadence is within ±2 spm of `after` and stays there.
fn steps_to_settle(samples: &[AccelSample], after: f64, change_s: f64) -> Option<usize> {
    let mut det = LiveDetector::new(DetectorConfig::default());
    let mut cad = CadenceEstimator::default();
    let mut steps_after = 0usize;
    let mut settled_at: Option<usize> = None;
    for s in samples {
        let steps: Vec<_> = det.push(s).to_vec();
        for step in &steps {
            cad.on_step(step);
            if step.t_s < change_s {
                continue;
            }
            steps_after += 1;
            let spm = cad.cadence_spm_checked(s.t_s, det.period_s());
            let inside = spm.is_some_and(|c| (c - after).abs() <= 2.0);
            match (inside, settled_at) {
                (true, None) => settled_at = Some(steps_after),
                (false, Some(_)) => settled_at = None,
                _ => {}
            }
        }
    }
    settled_at
}

#[test]
fn cadence_settles_within_ten_steps_after_a_change_of_pace() {
    let mut worst = 0;
    for (before, after) in [
        (160.0, 176.0),
        (176.0, 160.0),
        (168.0, 172.0),
        (170.0, 182.0),
    ] {
        let samples = run(before, after, 60.0, 120.0);
        let n = steps_to_settle(&samples, after, 60.0)
            .unwrap_or_else(|| panic!("{before}→{after} spm never settled within ±2 spm"));
        assert!(
            n <= 10,
            "{before}→{after} spm: settled after {n} steps (10 allowed)"
        );
        worst = worst.max(n);
        println!("{before}→{after} spm: within ±2 spm from step {n} after the change");
    }
    println!("settling: worst {worst} steps");
}
