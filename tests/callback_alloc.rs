//! Proof that the audio callback path never allocates: this test binary installs a counting
//! global allocator (`tests/common/alloc.rs`) and runs [`Engine::process`] — the whole body of
//! the cpal data callback — over thousands of buffers of many sizes, in f32 and i16, while
//! tempo changes, glides, pauses, cues and a stop arrive and beat reports leave. Allocations are counted only on the thread
//! and only inside the measured calls, so other tests running in parallel do not disturb the
//! count.

#[path = "common/alloc.rs"]
mod alloc_count;

use alloc_count::allocations_in;
use stridebeat::audio::engine::{engine, Controller, Engine};
use stridebeat::audio::renderer::{BeatFlags, BeatReport, Pan, Renderer, Voicing};
use stridebeat::audio::voice::Sound;
use stridebeat::tempo::program::Program;

#[test]
fn the_counter_sees_allocations() {
    let n = allocations_in(|| {
        let v: Vec<u64> = Vec::with_capacity(std::hint::black_box(100));
        std::hint::black_box(v);
    });
    assert!(
        n >= 2,
        "the counting allocator must see an alloc and a free, saw {n}"
    );
}

fn setup() -> (Engine, Controller) {
    let program = Program::parse("20s 160..200, 20s@200, 20s 200..150").unwrap();
    let voicing = Voicing {
        sound: Sound::Woodblock,
        accent_every: Some(4),
        pan: Pan::Alternate,
        volume: 0.9,
    };
    engine(Renderer::new(&program, voicing, 48_000, 2, None), 256)
}

/// Drive the engine like a device would, with control traffic between buffers; returns the
/// allocations counted inside `process` calls and the beat reports received.
fn drive<T: Copy + Default + stridebeat::audio::sample::OutputSample>() -> (usize, Vec<BeatReport>)
{
    let (mut eng, mut ctl) = setup();
    let mut buf = [T::default(); 2 * 4096];
    let mut reports = Vec::with_capacity(10_000);
    let mut allocations = 0;
    for i in 0..3000usize {
        // Buffer sizes vary, as some hosts do: 1..=4096 frames.
        let frames = 1 + (i * 7919) % 4096;
        match i {
            400 => ctl.set_spm(175.0).unwrap(),
            800 => ctl.glide_to(190.0, 6).unwrap(),
            1200 => ctl.pause_click().unwrap(),
            1300 => ctl.resume_click().unwrap(),
            1400 => ctl.cue_next_beat().unwrap(),
            2900 => ctl.stop().unwrap(),
            _ => {}
        }
        let out = &mut buf[..2 * frames];
        allocations += allocations_in(|| eng.process(out));
        ctl.drain_reports(|r| reports.push(r));
    }
    assert!(ctl.is_stopped());
    (allocations, reports)
}

fn assert_traffic_happened(reports: &[BeatReport]) {
    assert!(reports.len() > 100, "only {} beats", reports.len());
    assert!(
        reports.iter().any(|r| r.spm == 175.0),
        "set_spm took effect"
    );
    assert!(
        reports.iter().any(|r| r.spm == 190.0),
        "glide reached its target"
    );
    assert!(reports.iter().any(|r| r.flags.contains(BeatFlags::MUTED)));
    assert!(reports.iter().any(|r| r.flags.contains(BeatFlags::CUE)));
    assert!(reports.iter().any(|r| r.flags.contains(BeatFlags::ACCENT)));
}

#[test]
fn f32_callback_never_allocates() {
    let (allocations, reports) = drive::<f32>();
    assert_eq!(allocations, 0, "the f32 callback allocated");
    assert_traffic_happened(&reports);
}

#[test]
fn i16_callback_never_allocates() {
    let (allocations, reports) = drive::<i16>();
    assert_eq!(allocations, 0, "the i16 callback allocated");
    assert_traffic_happened(&reports);
}

#[test]
fn process_f32_never_allocates() {
    let (mut eng, mut ctl) = setup();
    let mut buf = vec![0.0f32; 2 * 512];
    let mut beats = 0;
    let mut allocations = 0;
    for i in 0..2000 {
        if i == 500 {
            ctl.set_spm(222.0).unwrap();
        }
        allocations += allocations_in(|| eng.process_f32(&mut buf));
        ctl.drain_reports(|_| beats += 1);
    }
    assert_eq!(allocations, 0);
    assert!(beats > 50);
}
