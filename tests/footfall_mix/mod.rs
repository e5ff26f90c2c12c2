//! Deterministic footfall mixtures for tests, the SNR example and the bench.
//!
//! No real footstep recordings can be fetched or committed here, so this synthesises them: each
//! footfall is a damped low thump (55–100 Hz with a second partial) plus a short bright
//! heel/shoe slap, randomised per step in level, pitch and decay, at step times with realistic
//! cadence jitter and a weaker foot. They are placed at known times (the truth) over
//! backgrounds scaled to a signal-to-noise ratio (mean power of the footfall track over mean
//! power of the background, whole file):
//! - motor: treadmill motor and belt noise (brown + white noise, mains hum harmonics, a slow
//!   belt modulation),
//! - music: chords (triads with harmonics) and a kick drum on every beat at a tempo other than
//!   the cadence,
//! - both.
//!
//! The metronome click is rendered by the real [`Renderer`] with the engine's voice, heard after
//! a known acoustic delay and with a console rattle (a damped 110 Hz resonance it excites) so
//! that a frequency filter alone would take it for a step. It is not part of the SNR.
//! Everything is seeded: the same spec gives the same samples.

#![allow(dead_code)]

use stridebeat::audio::renderer::{Renderer, Voicing};
use stridebeat::audio::voice::{VoiceBank, VoiceKind};
use stridebeat::tempo::program::Program;

/// A small seeded generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Input seconds before the metronome's first sample.
pub const CLICK_LEAD_IN_S: f64 = 0.4;

/// What plays behind the footfalls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Background {
    /// Treadmill motor and belt noise with hum.
    Motor,
    /// Chords and a kick drum.
    Music,
    /// Both, equal power.
    MotorMusic,
}

/// The metronome heard by the microphone.
#[derive(Clone, Copy, Debug)]
pub struct ClickSpec {
    /// Click tempo, beats per minute.
    pub spm: f64,
    /// Acoustic delay from the rendered onset to the microphone, seconds.
    pub delay_s: f64,
    /// Click peak relative to the mean footfall peak.
    pub level: f64,
    /// Console rattle peak relative to the click peak.
    pub rattle: f64,
}

/// A mixture to make.
#[derive(Clone, Debug)]
pub struct MixSpec {
    pub rate_hz: u32,
    pub duration_s: f64,
    pub seed: u64,
    /// Cadence over time: (from second, steps per minute); steps stop where spm is 0.
    pub cadence: Vec<(f64, f64)>,
    pub snr_db: f64,
    pub background: Background,
    pub click: Option<ClickSpec>,
}

impl MixSpec {
    /// A steady run at `spm` over `background` at `snr_db`, with the click at 170 spm.
    pub fn run(seed: u64, snr_db: f64, background: Background, delay_s: Option<f64>) -> Self {
        Self {
            rate_hz: 48_000,
            duration_s: 60.0,
            seed,
            cadence: vec![(0.0, 166.0)],
            snr_db,
            background,
            click: delay_s.map(|delay_s| ClickSpec {
                spm: 170.0,
                delay_s,
                level: 1.0,
                rattle: 0.3,
            }),
        }
    }
}

/// A made mixture with its truth.
pub struct Mixture {
    pub rate_hz: u32,
    pub samples: Vec<f32>,
    /// Kick drum onsets of the music, seconds (a thump that is the music's, not a step's).
    pub kicks_s: Vec<f64>,
    /// The same mixture without the click (when a click was asked for).
    pub without_click: Option<Vec<f32>>,
    /// True footfall onsets, seconds.
    pub steps_s: Vec<f64>,
    /// Click onsets as the renderer reported them (stream samples, before the delay).
    pub clicks_rendered: Vec<u64>,
    /// When each click reaches the microphone, seconds.
    pub click_arrivals_s: Vec<f64>,
    /// The engine's normal click voice at this rate (what the detector is told).
    pub click_table: Vec<f32>,
}

impl Mixture {
    /// A streaming detector at this mixture's rate with the default config, told the engine's
    /// click voice (as the live path is).
    pub fn informed_detector(&self) -> stridebeat::gait::footfall::FootfallDetector {
        stridebeat::gait::footfall::FootfallDetector::new(
            self.rate_hz,
            stridebeat::gait::footfall::FootfallConfig::default(),
            Some(&self.click_table),
        )
        .unwrap()
    }
}

fn step_times(spec: &MixSpec, rng: &mut Rng) -> Vec<f64> {
    let mut times = Vec::new();
    let mut t = 1.0;
    while t < spec.duration_s - 0.5 {
        let spm = spec
            .cadence
            .iter()
            .rev()
            .find(|(from, _)| *from <= t)
            .map_or(0.0, |c| c.1);
        if spm <= 0.0 {
            // A pause: jump to the next segment with steps.
            match spec.cadence.iter().find(|(from, s)| *from > t && *s > 0.0) {
                Some(&(from, _)) => {
                    t = from;
                    continue;
                }
                None => break,
            }
        }
        times.push(t);
        let interval = 60.0 / spm * (1.0 + 0.02 * rng.normal());
        t += interval;
    }
    times
}

/// One footfall into `out` at sample `at`, peak about `gain`.
fn add_footfall(out: &mut [f32], at: usize, rate: f64, gain: f64, rng: &mut Rng) {
    use std::f64::consts::TAU;
    let f0 = rng.range(55.0, 100.0);
    let ratio = rng.range(2.2, 2.9);
    let tau = rng.range(0.018, 0.040);
    let slap_tau = rng.range(0.002, 0.005);
    let slap_gain = rng.range(0.15, 0.35);
    let attack = 0.003 * rate;
    let n = (6.0 * tau * rate) as usize;
    let mut prev_noise = 0.0;
    for i in 0..n {
        let Some(slot) = out.get_mut(at + i) else {
            break;
        };
        let t = i as f64 / rate;
        let rise = if (i as f64) < attack {
            0.5 - 0.5 * (std::f64::consts::PI * i as f64 / attack).cos()
        } else {
            1.0
        };
        let thump = (-t / tau).exp() * (TAU * f0 * t).sin()
            + 0.4 * (-t / (0.5 * tau)).exp() * (TAU * f0 * ratio * t).sin();
        let noise = rng.range(-1.0, 1.0);
        let bright = noise - prev_noise; // first difference: a bright slap
        prev_noise = noise;
        let slap = slap_gain * (-t / slap_tau).exp() * bright;
        *slot += (gain * (rise * thump + slap)) as f32;
    }
}

pub fn motor_noise(len: usize, rate: f64, rng: &mut Rng) -> Vec<f32> {
    use std::f64::consts::TAU;
    let mut brown = 0.0;
    let mut lp = 0.0;
    let hum_hz = 50.0;
    let belt_hz = rng.range(0.8, 1.4);
    // One period of mains hum (50 Hz and five harmonics), read back in a loop.
    let period = (rate / hum_hz).round() as usize;
    let hum_table: Vec<f64> = (0..period)
        .map(|i| {
            let t = i as f64 / rate;
            (1..=6)
                .map(|k| (TAU * hum_hz * k as f64 * t + k as f64).sin() / k as f64)
                .sum()
        })
        .collect();
    (0..len)
        .map(|i| {
            let t = i as f64 / rate;
            let w = rng.normal();
            brown = 0.998 * brown + 0.05 * w;
            lp += 0.3 * (w - lp);
            let hum = hum_table[i % period];
            let belt = 1.0 + 0.1 * (TAU * belt_hz * t).sin();
            (belt * (brown + 0.3 * lp + 0.05 * w + 0.15 * hum)) as f32
        })
        .collect()
}

/// Samples per cycle in the note wavetable.
const NOTE_TABLE: usize = 4096;

fn music(len: usize, rate: f64, rng: &mut Rng, kicks_s: &mut Vec<f64>) -> Vec<f32> {
    use std::f64::consts::TAU;
    let bpm = rng.range(118.0, 128.0);
    let beat_s = 60.0 / bpm;
    let offset_s = rng.range(0.0, beat_s);
    // C, Am, F, G triads (root around 130–200 Hz), two beats each.
    let chords: [[f64; 3]; 4] = [
        [130.81, 164.81, 196.00],
        [110.00, 130.81, 164.81],
        [174.61, 220.00, 261.63],
        [196.00, 246.94, 293.66],
    ];
    // One cycle of a note: four harmonics (1, 0.5, 0.3, 0.2).
    let note_table: Vec<f64> = (0..NOTE_TABLE)
        .map(|i| {
            let x = TAU * i as f64 / NOTE_TABLE as f64;
            x.sin() + 0.5 * (2.0 * x).sin() + 0.3 * (3.0 * x).sin() + 0.2 * (4.0 * x).sin()
        })
        .collect();
    let mut out = vec![0.0f32; len];
    let beats = ((len as f64 / rate - offset_s) / beat_s) as usize + 1;
    for b in 0..beats {
        let start_s = offset_s + b as f64 * beat_s;
        let at = (start_s * rate) as usize;
        kicks_s.push(start_s);
        // Kick: a 150 → 50 Hz sweep, 1 ms attack, 60 ms decay.
        let mut phase = 0.0;
        for i in 0..(0.3 * rate) as usize {
            let Some(slot) = out.get_mut(at + i) else {
                break;
            };
            let t = i as f64 / rate;
            let f = 50.0 + 100.0 * (-t / 0.03).exp();
            phase += TAU * f / rate;
            let env = (t / 0.001).min(1.0) * (-t / 0.06).exp();
            *slot += (0.9 * env * phase.sin()) as f32;
        }
        // Chord change every two beats, ringing for two beats.
        if b % 2 == 0 {
            let chord = chords[(b / 2) % chords.len()];
            let mut phases = [0.0f64; 3];
            for i in 0..(2.0 * beat_s * rate) as usize {
                let Some(slot) = out.get_mut(at + i) else {
                    break;
                };
                let t = i as f64 / rate;
                let env = (t / 0.01).min(1.0) * (0.6 + 0.4 * (-t / 0.15).exp());
                let mut s = 0.0;
                for (note, &f) in chord.iter().enumerate() {
                    let idx = (phases[note] * NOTE_TABLE as f64) as usize % NOTE_TABLE;
                    s += note_table[idx];
                    phases[note] = (phases[note] + f / rate).fract();
                }
                *slot += (0.08 * env * s) as f32;
            }
        }
    }
    out
}

fn power(x: &[f32]) -> f64 {
    x.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / x.len().max(1) as f64
}

fn scale_to_power(x: &mut [f32], target: f64) {
    let p = power(x);
    if p > 0.0 {
        let k = (target / p).sqrt() as f32;
        x.iter_mut().for_each(|s| *s *= k);
    }
}

/// Make the mixture described by `spec`.
pub fn make(spec: &MixSpec) -> Mixture {
    let rate = f64::from(spec.rate_hz);
    let len = (spec.duration_s * rate) as usize;
    let mut rng = Rng::new(spec.seed);
    let steps_s = step_times(spec, &mut rng);
    let weak_foot = rng.range(0.7, 0.9);
    let footfall_peak = 0.25;
    let mut steps = vec![0.0f32; len];
    for (k, &t) in steps_s.iter().enumerate() {
        let level_db = rng.range(-3.0, 3.0);
        let foot = if k % 2 == 0 { 1.0 } else { weak_foot };
        let gain = footfall_peak * foot * 10f64.powf(level_db / 20.0);
        add_footfall(&mut steps, (t * rate) as usize, rate, gain, &mut rng);
    }
    let step_power = power(&steps);
    let background_power = step_power / 10f64.powf(spec.snr_db / 10.0);
    let mut kicks_s = Vec::new();
    let mut background = match spec.background {
        Background::Motor => motor_noise(len, rate, &mut rng),
        Background::Music => music(len, rate, &mut rng, &mut kicks_s),
        Background::MotorMusic => {
            let mut m = motor_noise(len, rate, &mut rng);
            let mut u = music(len, rate, &mut rng, &mut kicks_s);
            scale_to_power(&mut m, 0.5);
            scale_to_power(&mut u, 0.5);
            m.iter().zip(&u).map(|(a, b)| a + b).collect()
        }
    };
    scale_to_power(&mut background, background_power);
    let mut samples: Vec<f32> = steps.iter().zip(&background).map(|(a, b)| a + b).collect();
    let without_click = spec.click.map(|_| samples.clone());

    let click_table = VoiceBank::new(
        Voicing::default().sound,
        spec.rate_hz,
        Voicing::default().volume,
    )
    .table(VoiceKind::Normal)
    .to_vec();
    let mut clicks_rendered = Vec::new();
    let mut click_arrivals_s = Vec::new();
    if let Some(click) = spec.click {
        let program = Program::steady(click.spm).expect("valid click tempo");
        let mut renderer = Renderer::new(
            &program,
            Voicing::default(),
            spec.rate_hz,
            1,
            Some(len as u64),
        );
        let mut track = vec![0.0f32; len];
        for chunk in track.chunks_mut(4096) {
            renderer.render(chunk, |beat| {
                if beat.sounded() {
                    clicks_rendered.push(beat.onset_samples);
                }
            });
        }
        let click_peak = track.iter().fold(0.0f32, |m, s| m.max(s.abs())).max(1e-9);
        let gain = (click.level * footfall_peak) as f32 / click_peak;
        // The metronome starts a little after the microphone (as `play --input mic` does):
        // its stream sample 0 is input sample `lead_in`.
        let lead_in = (CLICK_LEAD_IN_S * rate) as u64;
        clicks_rendered.iter_mut().for_each(|c| *c += lead_in);
        let delay = (click.delay_s * rate).round() as usize + lead_in as usize;
        for (i, &s) in track.iter().enumerate() {
            if let Some(slot) = samples.get_mut(i + delay) {
                *slot += gain * s;
            }
        }
        // Console rattle: a damped 110 Hz resonance excited by every click.
        let rattle_gain = click.rattle * click.level * footfall_peak;
        for &onset in &clicks_rendered {
            let at = onset as usize + delay - lead_in as usize;
            click_arrivals_s.push(at as f64 / rate);
            for i in 0..(0.15 * rate) as usize {
                let Some(slot) = samples.get_mut(at + i) else {
                    break;
                };
                let t = i as f64 / rate;
                let env = (t / 0.002).min(1.0) * (-t / 0.025).exp();
                *slot += (rattle_gain * env * (std::f64::consts::TAU * 110.0 * t).sin()) as f32;
            }
        }
    }
    Mixture {
        rate_hz: spec.rate_hz,
        samples,
        without_click,
        kicks_s,
        steps_s,
        clicks_rendered,
        click_arrivals_s,
        click_table,
    }
}

/// How reported steps compare with the truth.
#[derive(Clone, Debug, Default)]
pub struct Score {
    pub truth: usize,
    pub reported: usize,
    pub matched: usize,
    /// Reported steps caused by the click (see [`score`]).
    pub clicks_counted: usize,
    /// Detection latencies (report time minus true onset) of matched steps, seconds.
    pub latencies_s: Vec<f64>,
}

impl Score {
    pub fn count_error(&self) -> f64 {
        (self.reported as f64 - self.truth as f64).abs() / self.truth.max(1) as f64
    }

    pub fn f1(&self) -> f64 {
        let fp = self.reported - self.matched;
        let fn_ = self.truth - self.matched;
        2.0 * self.matched as f64 / (2 * self.matched + fp + fn_).max(1) as f64
    }

    pub fn median_latency_s(&self) -> Option<f64> {
        let mut l = self.latencies_s.clone();
        if l.is_empty() {
            return None;
        }
        l.sort_by(f64::total_cmp);
        Some(l[l.len() / 2])
    }
}

/// Match reported onsets (seconds; with report times) to the truth within ±`tolerance_s`,
/// nearest first, one to one. A click counts as counted when a reported step matches no true
/// step, lies within ±25 ms of a click's arrival and of no kick drum onset (`kicks_s`: then the
/// thump was the music's), and the run over the same mixture without the click (`baseline_s`)
/// reported nothing within ±25 ms of it: the click caused it.
pub fn score(
    truth_s: &[f64],
    reported: &[(f64, f64)],
    click_arrivals_s: &[f64],
    kicks_s: &[f64],
    baseline_s: &[f64],
    tolerance_s: f64,
) -> Score {
    let mut used = vec![false; truth_s.len()];
    let mut matched = 0;
    let mut clicks_counted = 0;
    let mut latencies_s = Vec::new();
    for &(onset_s, reported_s) in reported {
        let best = truth_s
            .iter()
            .enumerate()
            .filter(|(i, t)| !used[*i] && (**t - onset_s).abs() <= tolerance_s)
            .min_by(|a, b| (a.1 - onset_s).abs().total_cmp(&(b.1 - onset_s).abs()));
        match best {
            Some((i, &t)) => {
                used[i] = true;
                matched += 1;
                latencies_s.push(reported_s - t);
            }
            None => {
                let at_click = click_arrivals_s
                    .iter()
                    .any(|c| (c - onset_s).abs() <= 0.025);
                let without_click = baseline_s.iter().any(|b| (b - onset_s).abs() <= 0.025);
                let at_kick = kicks_s.iter().any(|k| (k - onset_s).abs() <= 0.025);
                if at_click && !without_click && !at_kick {
                    clicks_counted += 1;
                }
            }
        }
    }
    Score {
        truth: truth_s.len(),
        reported: reported.len(),
        matched,
        clicks_counted,
        latencies_s,
    }
}

/// Run the streaming detector over `samples` as the live path would (clicks reported before
/// they are heard) and return (onset s, report s) per step.
pub fn detect(
    mix: &Mixture,
    samples: &[f32],
    config: &stridebeat::gait::footfall::FootfallConfig,
    with_clicks: bool,
) -> Vec<(f64, f64)> {
    let rate = f64::from(mix.rate_hz);
    let clicks: &[u64] = if with_clicks {
        &mix.clicks_rendered
    } else {
        &[]
    };
    let (steps, _) = stridebeat::gait::footfall::analyze_samples(
        samples,
        mix.rate_hz,
        config,
        Some(&mix.click_table),
        clicks,
    )
    .expect("valid rate");
    steps
        .iter()
        .map(|s| {
            (
                s.onset_samples as f64 / rate,
                s.reported_samples as f64 / rate,
            )
        })
        .collect()
}

/// Scores of one mixture: the offline analysis (what `stridebeat analyze` reports: the
/// streaming steps finished like the accelerometer path's) and the streaming detector alone
/// (what `play --input mic` reports live, with detection latencies).
pub struct Evaluation {
    pub offline: Score,
    pub streaming: Score,
}

/// Detect on the mixture (and, if it has a click, on the click-free twin) and score both the
/// offline analysis and the streaming steps.
pub fn evaluate(mix: &Mixture, config: &stridebeat::gait::footfall::FootfallConfig) -> Evaluation {
    let offline = |steps: &[(f64, f64)]| -> Vec<(f64, f64)> {
        let onsets: Vec<f64> = steps.iter().map(|s| s.0).collect();
        stridebeat::gait::footfall::analysis_from_steps(&onsets)
            .step_times_s
            .into_iter()
            .map(|t| (t, f64::NAN))
            .collect()
    };
    let streaming = detect(mix, &mix.samples, config, true);
    let baseline = match &mix.without_click {
        Some(samples) => detect(mix, samples, config, false),
        None => Vec::new(),
    };
    let score_of = |reported: &[(f64, f64)], baseline: &[(f64, f64)]| {
        let baseline: Vec<f64> = baseline.iter().map(|b| b.0).collect();
        score(
            &mix.steps_s,
            reported,
            &mix.click_arrivals_s,
            &mix.kicks_s,
            &baseline,
            0.05,
        )
    };
    Evaluation {
        offline: score_of(&offline(&streaming), &offline(&baseline)),
        streaming: score_of(&streaming, &baseline),
    }
}
