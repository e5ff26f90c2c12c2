//! Cost of the audio callback: rendering one 512-frame stereo buffer at 48 kHz, the budget for
//! which is 512 / 48000 s ≈ 10.67 ms of real time. Run with `cargo bench --bench render`.
//!
//! The stream runs continuously across iterations, so the measured mean includes buffers with
//! and without a click onset and voices ringing across buffer edges, as in live playback.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use stridebeat::audio::engine::engine;
use stridebeat::audio::renderer::{Pan, Renderer, Voicing};
use stridebeat::audio::voice::Sound;
use stridebeat::tempo::program::Program;

/// Frames per buffer.
const FRAMES: usize = 512;

fn voicing() -> Voicing {
    Voicing {
        sound: Sound::Woodblock,
        accent_every: Some(4),
        pan: Pan::Alternate,
        volume: 0.8,
    }
}

fn bench_render(c: &mut Criterion) {
    let program = Program::steady(300.0).unwrap();

    let mut renderer = Renderer::new(&program, voicing(), 48_000, 2, None);
    let mut buf = vec![0.0f32; FRAMES * 2];
    c.bench_function("renderer_512_frames_stereo_f32", |b| {
        b.iter(|| {
            renderer.render(black_box(&mut buf), |r| {
                black_box(r);
            })
        })
    });

    let (mut eng, mut ctl) = engine(Renderer::new(&program, voicing(), 48_000, 2, None), 1024);
    let mut buf = vec![0.0f32; FRAMES * 2];
    c.bench_function("engine_callback_512_frames_stereo_f32", |b| {
        b.iter(|| {
            eng.process(black_box(&mut buf));
            ctl.drain_reports(|r| {
                black_box(r);
            });
        })
    });

    let (mut eng, mut ctl) = engine(Renderer::new(&program, voicing(), 48_000, 2, None), 1024);
    let mut buf = vec![0i16; FRAMES * 2];
    c.bench_function("engine_callback_512_frames_stereo_i16", |b| {
        b.iter(|| {
            eng.process(black_box(&mut buf));
            ctl.drain_reports(|r| {
                black_box(r);
            });
        })
    });
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
