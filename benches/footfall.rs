//! Cost of the footfall detector per audio sample (ns/sample): 10 s of a 48 kHz mixture
//! (footfalls over motor noise and music, the click heard 150 ms late) through
//! [`FootfallDetector::process`] in 480-frame blocks, with and without the click's beat reports.
//! Run: `cargo bench --bench footfall`.

#[path = "../tests/footfall_mix/mod.rs"]
mod footfall_mix;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use footfall_mix::{make, Background, MixSpec};
use std::hint::black_box;
use stridebeat::gait::footfall::{FootfallConfig, FootfallDetector};

fn bench(c: &mut Criterion) {
    let spec = MixSpec {
        duration_s: 10.0,
        ..MixSpec::run(301, 5.0, Background::MotorMusic, Some(0.15))
    };
    let mix = make(&spec);
    let mut group = c.benchmark_group("footfall_detector");
    group.throughput(Throughput::Elements(mix.samples.len() as u64));
    group.sample_size(20);
    for with_clicks in [false, true] {
        let name = if with_clicks {
            "48 kHz, 10 s, click known"
        } else {
            "48 kHz, 10 s, no click"
        };
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || {
                    FootfallDetector::new(
                        mix.rate_hz,
                        FootfallConfig::default(),
                        Some(&mix.click_table),
                    )
                    .unwrap()
                },
                |det| {
                    let mut steps = 0;
                    let mut next = 0;
                    for (i, block) in mix.samples.chunks(480).enumerate() {
                        let end = ((i + 1) * 480) as u64;
                        while with_clicks
                            && next < mix.clicks_rendered.len()
                            && mix.clicks_rendered[next] < end
                        {
                            det.push_click(mix.clicks_rendered[next]);
                            next += 1;
                        }
                        det.process(black_box(block), |_| steps += 1);
                    }
                    black_box(steps)
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
