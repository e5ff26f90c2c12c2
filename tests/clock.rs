//! The beat clock against an independent reference: every onset must be the tempo integral's
//! crossing of each whole beat, rounded to the nearest sample, at several sample rates, for
//! steady and ramped programs, over hours, and whatever buffer size drives the renderer.
//!
//! Two references, neither sharing code with the clock:
//! - steady integer cadences: exact integer arithmetic, onset k = round(k·60·rate / spm);
//! - any program: the tempo integral Φ(t) evaluated forward, segment by segment, and inverted by
//!   bisection (the clock instead solves each segment's quadratic in closed form). Beats whose
//!   exact time lies within 1e-6 sample of a rounding tie are skipped as ambiguous.

use proptest::prelude::*;
use stridebeat::audio::renderer::{Renderer, Voicing};
use stridebeat::tempo::clock::BeatClock;
use stridebeat::tempo::program::{Program, Segment};

const RATES_HZ: [u32; 3] = [44_100, 48_000, 96_000];

/// Tempo integral (beats) at `t_samples` on the stream clock, evaluated forward.
fn phase_at(program: &Program, rate_hz: u32, t_samples: f64) -> f64 {
    let t_s = t_samples / f64::from(rate_hz);
    let mut start_s = 0.0;
    let mut phase = 0.0;
    for seg in program.segments() {
        let tau_s = (t_s - start_s).min(seg.duration_s);
        if tau_s <= 0.0 {
            return phase;
        }
        let slope = (seg.end_spm - seg.start_spm) / seg.duration_s;
        phase += (seg.start_spm * tau_s + 0.5 * slope * tau_s * tau_s) / 60.0;
        start_s += seg.duration_s;
    }
    if let Some(spm) = program.hold_spm() {
        phase += spm * (t_s - start_s).max(0.0) / 60.0;
    }
    phase
}

/// Exact (unrounded) time in samples at which the phase reaches `k`, by bisection.
fn reference_onset(program: &Program, rate_hz: u32, k: u64) -> f64 {
    let target = k as f64;
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while phase_at(program, rate_hz, hi) < target {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid == lo || mid == hi {
            break;
        }
        if phase_at(program, rate_hz, mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn near_tie(exact_samples: f64) -> bool {
    (exact_samples.fract() - 0.5).abs() < 1e-6
}

/// Every onset of `program` (finite) as the clock places them.
fn clock_onsets(program: &Program, rate_hz: u32) -> Vec<u64> {
    let mut clock = BeatClock::new(program, rate_hz);
    let mut out = Vec::new();
    while let Some(b) = clock.peek() {
        out.push(b.onset_samples);
        clock.advance();
    }
    out
}

/// Asserts every clock onset of the finite `program` equals the rounded reference.
fn assert_matches_reference(program: &Program, rate_hz: u32) -> usize {
    let onsets = clock_onsets(program, rate_hz);
    let total_beats = phase_at(program, rate_hz, f64::MAX / 4.0);
    // Beats strictly inside the program: 0..ceil(total) (a beat exactly at the end is excluded).
    let expected_count = total_beats.ceil() as usize;
    assert!(
        onsets.len().abs_diff(expected_count) <= 1,
        "beat count {} vs integral {total_beats}",
        onsets.len()
    );
    let mut checked = 0;
    for (k, &got) in onsets.iter().enumerate() {
        let exact = reference_onset(program, rate_hz, k as u64);
        if near_tie(exact) {
            continue;
        }
        assert_eq!(
            got,
            exact.round() as u64,
            "beat {k} at {rate_hz} Hz: exact {exact}"
        );
        checked += 1;
    }
    checked
}

#[test]
fn steady_integer_cadences_are_exact_for_three_hours() {
    for rate_hz in RATES_HZ {
        for spm in [40u64, 160, 171, 172, 180, 199, 300] {
            let program = Program::parse(&format!("3h@{spm}")).unwrap();
            let onsets = clock_onsets(&program, rate_hz);
            assert_eq!(onsets.len() as u64, 3 * 60 * spm, "{spm} spm beats in 3 h");
            for (k, &got) in onsets.iter().enumerate() {
                // round(k·60·rate/spm), ties up, in integers.
                let num = 2 * k as u128 * 60 * u128::from(rate_hz) + u128::from(spm);
                let want = (num / (2 * u128::from(spm))) as u64;
                assert_eq!(got, want, "beat {k} at {spm} spm, {rate_hz} Hz");
            }
        }
    }
}

#[test]
fn ramped_programs_match_the_tempo_integral() {
    for rate_hz in RATES_HZ {
        for text in [
            "5m@160, 20m 160..172, 5m@160",
            "30s 150..190, 1m 190..150, 10s@175.5, 45s 40..300",
            "7s 299..41, 3.3s@123.4",
        ] {
            let program = Program::parse(text).unwrap();
            let checked = assert_matches_reference(&program, rate_hz);
            assert!(checked > 10, "{text}: only {checked} beats checked");
        }
    }
}

#[test]
fn three_hour_ramped_program_has_zero_accumulated_error() {
    let program = Program::parse("1h 150..180, 1h@180, 1h 180..160").unwrap();
    for rate_hz in RATES_HZ {
        let onsets = clock_onsets(&program, rate_hz);
        let last = onsets.len() as u64 - 1;
        let exact = reference_onset(&program, rate_hz, last);
        assert!(!near_tie(exact));
        assert_eq!(
            *onsets.last().unwrap(),
            exact.round() as u64,
            "{rate_hz} Hz"
        );
        // ... and the beat count is the tempo integral: (165 + 180 + 170) beats/min · 60 min.
        assert_eq!(onsets.len(), 30_900);
        assert_matches_reference(&program, rate_hz);
    }
}

/// Render `program` (mono, short) in blocks of `block_frames`; at the first block after the
/// beat `change_after_beat` sounded, ask for `change_spm`. Returns the reported onsets.
fn block_onsets(
    program: &Program,
    rate_hz: u32,
    total_frames: usize,
    block_frames: usize,
    change: Option<(u64, f64)>,
) -> Vec<u64> {
    let mut r = Renderer::new(program, Voicing::default(), rate_hz, 1, None);
    let mut buf = vec![0.0f32; block_frames];
    let mut onsets = Vec::new();
    let mut changed = false;
    let mut done = 0;
    while done < total_frames {
        let n = block_frames.min(total_frames - done);
        if let Some((after, spm)) = change {
            if !changed && onsets.len() as u64 > after {
                assert!(r.set_spm(spm));
                changed = true;
            }
        }
        r.render(&mut buf[..n], |b| onsets.push(b.onset_samples));
        done += n;
    }
    onsets
}

#[test]
fn every_buffer_size_from_1_to_4096_gives_the_same_onsets() {
    // 1.2 s: a ramp, a steady part, and a live change after beat 2. Beat intervals stay above
    // 4096 frames, so the change always lands after the same beat whatever the block size.
    let program = Program::parse("0.6s 200..290, 0.6s@240").unwrap();
    for rate_hz in RATES_HZ {
        let frames = (1.2 * f64::from(rate_hz)) as usize;
        let reference = block_onsets(&program, rate_hz, frames, 1, Some((2, 180.0)));
        assert!(reference.len() >= 5);
        // Beats 0..=3 follow the program; from beat 3 on the interval is 60/180 s.
        for (k, &got) in reference.iter().enumerate().take(4) {
            let want = reference_onset(&program, rate_hz, k as u64).round() as u64;
            assert_eq!(got, want, "beat {k} at {rate_hz} Hz");
        }
        let t3 = reference_onset(&program, rate_hz, 3);
        let interval_samples = f64::from(rate_hz) / 3.0;
        for (j, &got) in reference.iter().enumerate().skip(4) {
            let want = (t3 + (j as f64 - 3.0) * interval_samples).round() as u64;
            assert_eq!(got, want, "beat {j} after the live change at {rate_hz} Hz");
        }
        for block in 2..=4096 {
            let got = block_onsets(&program, rate_hz, frames, block, Some((2, 180.0)));
            assert_eq!(got, reference, "block size {block} at {rate_hz} Hz");
        }
    }
}

fn segment_strategy() -> impl Strategy<Value = Segment> {
    (1u32..600, 400u32..3000, 400u32..3000).prop_map(|(d_ds, a, b)| Segment {
        duration_s: f64::from(d_ds) / 10.0,
        start_spm: f64::from(a) / 10.0,
        end_spm: f64::from(b) / 10.0,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_programs_match_the_tempo_integral(
        segments in prop::collection::vec(segment_strategy(), 1..5),
        rate_index in 0usize..3,
    ) {
        let program = Program::from_segments(segments).unwrap();
        assert_matches_reference(&program, RATES_HZ[rate_index]);
    }

    #[test]
    fn glides_land_on_the_ramp_integral(
        from_spm in 40u32..=300,
        to_spm in 40u32..=300,
        glide_beats in 1u32..32,
        beats_before in 0u64..20,
        rate_index in 0usize..3,
    ) {
        let rate_hz = RATES_HZ[rate_index];
        let rate = f64::from(rate_hz);
        let mut clock = BeatClock::new(&Program::steady(f64::from(from_spm)).unwrap(), rate_hz);
        for _ in 0..beats_before {
            clock.advance();
        }
        let start = clock.peek().unwrap();
        prop_assert!(clock.glide_to(f64::from(to_spm), glide_beats));
        // Reference: a linear ramp a→b over D = 120·N/(a+b) s from the pending beat's exact
        // time; beat j of the ramp is where (aτ + (b−a)τ²/(2D))/60 = j, found by bisection.
        let (a, b) = (f64::from(from_spm), f64::from(to_spm));
        let d_s = 120.0 * f64::from(glide_beats) / (a + b);
        let phase = |tau_s: f64| {
            let tau_s = tau_s.min(d_s);
            (a * tau_s + (b - a) * tau_s * tau_s / (2.0 * d_s)) / 60.0
        };
        for j in 0..=glide_beats {
            let beat = clock.peek().unwrap();
            prop_assert_eq!(beat.index, start.index + u64::from(j));
            let (mut lo, mut hi) = (0.0f64, d_s);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if phase(mid) < f64::from(j) { lo = mid } else { hi = mid }
            }
            let exact = start.onset_exact_samples + 0.5 * (lo + hi) * rate;
            if !near_tie(exact) {
                prop_assert_eq!(beat.onset_samples, exact.round() as u64, "glide beat {}", j);
            }
            clock.advance();
        }
        // After the glide: steady at the target.
        let after = clock.peek().unwrap();
        prop_assert_eq!(after.spm, b);
    }

    #[test]
    fn random_buffer_sizes_agree_at_every_rate(
        segments in prop::collection::vec(segment_strategy(), 1..3),
        rate_index in 0usize..3,
        block in 1usize..=4096,
    ) {
        let program = Program::from_segments(segments).unwrap();
        let rate_hz = RATES_HZ[rate_index];
        let frames = 3 * rate_hz as usize;
        let whole = block_onsets(&program, rate_hz, frames, frames, None);
        let blocked = block_onsets(&program, rate_hz, frames, block, None);
        prop_assert_eq!(&whole, &blocked);
        let clock: Vec<u64> = clock_onsets(&program, rate_hz)
            .into_iter()
            .take_while(|&s| s < frames as u64)
            .collect();
        prop_assert_eq!(whole, clock);
    }
}
