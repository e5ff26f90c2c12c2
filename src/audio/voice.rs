//! Click voices: short sounds synthesised once, at startup, into preallocated mono tables.
//!
//! Each [`Sound`] gives three tables: the normal beat, the accented beat (higher and louder) and
//! the coach's cue (a rising two-note chirp, the same for every sound, so a runner learns it
//! means "the target goes up"). Every table starts at its peak on sample 0 (a cosine with a
//! decaying envelope) so the onset is sharp and lands exactly on the beat's sample.

/// The click sound a runner picks with `--sound`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Sound {
    /// A short, dry, bright tick (3 kHz, about 12 ms): cuts through traffic.
    #[default]
    Click,
    /// A hollow woodblock knock (two damped partials, about 80 ms): easy on the ears.
    Woodblock,
    /// A plain 1.2 kHz beep (60 ms): stands out over music.
    Beep,
}

/// Which of a sound's tables a beat uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceKind {
    /// An ordinary beat.
    Normal,
    /// An accented beat (`--accent N`): higher and louder.
    Accent,
    /// The coach's cue announcing a change of target.
    Cue,
}

/// The synthesised tables for one sound at one sample rate and volume.
#[derive(Debug, Clone)]
pub struct VoiceBank {
    normal: Vec<f32>,
    accent: Vec<f32>,
    cue: Vec<f32>,
}

/// Peak level of an ordinary beat relative to an accented one.
const NORMAL_GAIN: f32 = 0.6;
/// Peak level of the cue relative to an accented beat.
const CUE_GAIN: f32 = 0.9;
/// Pitch of an accented beat relative to an ordinary one (a fifth up).
const ACCENT_PITCH: f64 = 1.5;

impl VoiceBank {
    /// Synthesise `sound` at `sample_rate_hz`; `volume` (0–1, clamped) is the peak of an
    /// accented beat, ordinary beats peak at 0.6·volume.
    pub fn new(sound: Sound, sample_rate_hz: u32, volume: f32) -> Self {
        let rate = f64::from(sample_rate_hz);
        let volume = volume.clamp(0.0, 1.0);
        Self {
            normal: synth(sound, rate, 1.0, volume * NORMAL_GAIN),
            accent: synth(sound, rate, ACCENT_PITCH, volume),
            cue: synth_cue(rate, volume * CUE_GAIN),
        }
    }

    /// The mono table for `kind`; sample 0 is the onset.
    pub fn table(&self, kind: VoiceKind) -> &[f32] {
        match kind {
            VoiceKind::Normal => &self.normal,
            VoiceKind::Accent => &self.accent,
            VoiceKind::Cue => &self.cue,
        }
    }

    /// Length of the longest table, in samples.
    pub fn longest_samples(&self) -> usize {
        self.normal.len().max(self.accent.len()).max(self.cue.len())
    }
}

/// Samples in `duration_s` seconds at `rate` Hz (at least one).
fn samples_for(duration_s: f64, rate: f64) -> usize {
    ((duration_s * rate).round() as usize).max(1)
}

/// Scale `table` so that its largest magnitude is `peak`.
fn normalise(mut table: Vec<f32>, peak: f32) -> Vec<f32> {
    let max = table.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    if max > 0.0 {
        let k = peak / max;
        table.iter_mut().for_each(|s| *s *= k);
    }
    table
}

fn synth(sound: Sound, rate: f64, pitch: f64, peak: f32) -> Vec<f32> {
    use std::f64::consts::TAU;
    let table: Vec<f32> = match sound {
        Sound::Click => {
            // Deterministic noise (a small LCG) adds the "tick" to a damped 3 kHz tone.
            let mut seed: u32 = 0x1234_5678;
            (0..samples_for(0.012, rate))
                .map(|i| {
                    let t_s = i as f64 / rate;
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let noise = f64::from(seed >> 8) / f64::from(1u32 << 24) * 2.0 - 1.0;
                    let env = (-t_s / 0.0015).exp();
                    let tone = (TAU * 3000.0 * pitch * t_s).cos();
                    (env * (0.8 * tone + 0.2 * noise * (i > 0) as u8 as f64)) as f32
                })
                .collect()
        }
        Sound::Woodblock => (0..samples_for(0.080, rate))
            .map(|i| {
                let t_s = i as f64 / rate;
                let body = (-t_s / 0.018).exp() * (TAU * 900.0 * pitch * t_s).cos();
                let knock = 0.5 * (-t_s / 0.006).exp() * (TAU * 2300.0 * pitch * t_s).cos();
                (body + knock) as f32
            })
            .collect(),
        Sound::Beep => {
            let n = samples_for(0.060, rate);
            let fade = samples_for(0.010, rate).min(n);
            (0..n)
                .map(|i| {
                    let t_s = i as f64 / rate;
                    let env = if i + fade > n {
                        (n - i) as f64 / fade as f64
                    } else {
                        1.0
                    };
                    (env * (TAU * 1200.0 * pitch * t_s).cos()) as f32
                })
                .collect()
        }
    };
    normalise(table, peak)
}

/// The cue: 1 kHz for 70 ms, a 10 ms gap, then 1.5 kHz for 70 ms — a rising "ding-dong".
fn synth_cue(rate: f64, peak: f32) -> Vec<f32> {
    use std::f64::consts::TAU;
    let note = samples_for(0.070, rate);
    let gap = samples_for(0.010, rate);
    let fade = samples_for(0.005, rate).min(note);
    let tone = |i: usize, freq_hz: f64| {
        let t_s = i as f64 / rate;
        let env = if i + fade > note {
            (note - i) as f64 / fade as f64
        } else {
            1.0
        };
        (env * (TAU * freq_hz * t_s).cos()) as f32
    };
    let mut table = Vec::with_capacity(2 * note + gap);
    table.extend((0..note).map(|i| tone(i, 1000.0)));
    table.extend(std::iter::repeat_n(0.0, gap));
    table.extend((0..note).map(|i| tone(i, 1500.0)));
    normalise(table, peak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_starts_at_its_peak_region_and_respects_volume() {
        for sound in [Sound::Click, Sound::Woodblock, Sound::Beep] {
            let bank = VoiceBank::new(sound, 48_000, 0.5);
            for kind in [VoiceKind::Normal, VoiceKind::Accent, VoiceKind::Cue] {
                let t = bank.table(kind);
                let peak = t.iter().fold(0.0f32, |m, s| m.max(s.abs()));
                assert!(
                    t[0].abs() >= 0.7 * peak,
                    "{sound:?} {kind:?} onset not sharp"
                );
                assert!(peak <= 0.5 + 1e-6);
            }
            let normal = bank.table(VoiceKind::Normal);
            let accent = bank.table(VoiceKind::Accent);
            let peak = |t: &[f32]| t.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            assert!(peak(accent) > peak(normal), "accent must be louder");
        }
    }

    #[test]
    fn sounds_differ() {
        let a = VoiceBank::new(Sound::Click, 48_000, 1.0);
        let b = VoiceBank::new(Sound::Woodblock, 48_000, 1.0);
        let c = VoiceBank::new(Sound::Beep, 48_000, 1.0);
        assert_ne!(a.table(VoiceKind::Normal), b.table(VoiceKind::Normal));
        assert_ne!(b.table(VoiceKind::Normal), c.table(VoiceKind::Normal));
        assert_ne!(a.table(VoiceKind::Cue), a.table(VoiceKind::Normal));
    }

    #[test]
    fn table_lengths_follow_sample_rate() {
        let a = VoiceBank::new(Sound::Beep, 48_000, 1.0);
        let b = VoiceBank::new(Sound::Beep, 96_000, 1.0);
        assert_eq!(a.table(VoiceKind::Normal).len(), 2880);
        assert_eq!(b.table(VoiceKind::Normal).len(), 5760);
    }
}
