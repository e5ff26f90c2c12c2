//! Cost of the live step detector per input sample, at the rates watches and phones deliver:
//! a tri-axial walk at 25, 100 and 400 Hz pushed through [`LiveDetector::push`], one sample per
//! criterion iteration, so the reported time is ns per input sample (steady state, mid-bout).
//! Run: `cargo bench --bench detector`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Instant;
use stridebeat::gait::{AccelSample, DetectorConfig, LiveDetector};

/// A minute of walking at 1.9 steps/s with hip sway, sampled at `rate_hz`.
fn walk(rate_hz: f64, seconds: f64) -> Vec<AccelSample> {
    let n = (rate_hz * seconds) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate_hz;
            let bounce = (2.0 * std::f64::consts::PI * 1.9 * t).sin() * 3.0;
            let sway = (2.0 * std::f64::consts::PI * 0.95 * t).sin();
            AccelSample {
                t_s: t,
                acc: [sway as f32, 1.5, (9.81 + bounce) as f32],
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("live_detector_ns_per_sample");
    for rate_hz in [25.0, 100.0, 400.0] {
        let samples = walk(rate_hz, 60.0);
        // One criterion iteration is one input sample, so the reported time is ns per sample.
        // The walk repeats with its clock carried on (the bounce and sway fit the minute
        // exactly), so a single detector stays in its steady state, mid-bout.
        let mut det = LiveDetector::new(DetectorConfig::default());
        let mut next = 0usize;
        let mut lap_s = 0.0;
        group.bench_function(format!("{rate_hz} Hz"), |b| {
            b.iter_custom(|iters| {
                let mut n = 0usize;
                let start = Instant::now();
                for _ in 0..iters {
                    let s = samples[next];
                    let s = AccelSample {
                        t_s: s.t_s + lap_s,
                        ..s
                    };
                    n += det.push(black_box(&s)).len();
                    next += 1;
                    if next == samples.len() {
                        next = 0;
                        lap_s += 60.0;
                    }
                }
                black_box(n);
                start.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
