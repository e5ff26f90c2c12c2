//! Cost of the live step detector per input sample (ns/sample), at the rates phones and
//! watches deliver: a 100 Hz tri-axial walk and a 400 Hz one, pushed through
//! [`LiveDetector::push`]. Run: `cargo bench --bench detector`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use stridebeat::gait::{AccelSample, DetectorConfig, LiveDetector};

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
    let mut group = c.benchmark_group("live_detector");
    for rate_hz in [100.0, 400.0] {
        let samples = walk(rate_hz, 60.0);
        group.throughput(Throughput::Elements(samples.len() as u64));
        group.bench_function(format!("{rate_hz} Hz, 60 s"), |b| {
            b.iter_batched_ref(
                || LiveDetector::new(DetectorConfig::default()),
                |det| {
                    let mut n = 0;
                    for s in &samples {
                        n += det.push(black_box(s)).len();
                    }
                    black_box(n)
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
