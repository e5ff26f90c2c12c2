//! The sample-accurate beat clock.
//!
//! The clock turns a tempo map (a [`Program`], later live changes from the coach) into beat
//! onsets on the stream clock, in samples (frames) counted from the first frame of the stream.
//! Beat `k` sounds where the tempo integral (the beat phase, `∫ spm/60 dt`) reaches `k`, rounded
//! to the nearest sample. Beat 0 is at sample 0.
//!
//! Exactness: the map is a list of segments with an exact start time (f64 samples) and an exact
//! start phase (f64 beats). Onset `k` is computed in closed form from the start of its segment —
//! `τ = (k − φ₀)·60·rate / spm` for a steady segment, the stable root of the quadratic
//! `φ₀ + aτ + cτ²/2 = k` for a ramp — never by adding an interval per beat, so nothing drifts
//! over hours. In a steady first segment with an integer cadence the numerator `k·60·rate` is an
//! exact integer in f64 and the division is correctly rounded, so onsets are exact.
//!
//! Live changes ([`BeatClock::set_spm`], [`BeatClock::glide_to`]) take effect at the next beat
//! boundary: the pending beat still sounds where the old map put it, and the new map starts
//! there, exactly (its start time is that beat's unrounded time). They never allocate.

use super::program::{Program, MAX_SPM, MIN_SPM};

/// One beat as the clock places it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Beat {
    /// Beat number, 0 for the first beat of the stream.
    pub index: u64,
    /// Onset on the stream clock, in samples (frames) from the start of the stream, rounded to
    /// the nearest sample.
    pub onset_samples: u64,
    /// Onset on the stream clock before rounding, in samples.
    pub onset_exact_samples: f64,
    /// Instantaneous cadence at the onset, steps per minute.
    pub spm: f64,
}

/// One piece of the tempo map, on the stream clock.
#[derive(Debug, Clone, Copy)]
struct ClockSegment {
    /// Exact start, samples on the stream clock.
    start_samples: f64,
    /// Length in samples; infinite for a tempo held forever.
    duration_samples: f64,
    /// Beat phase (tempo integral) at the start, in beats.
    start_phase_beats: f64,
    /// Beat phase at the end, in beats; infinite for a tempo held forever.
    end_phase_beats: f64,
    /// Cadence at the start, steps per minute.
    start_spm: f64,
    /// Cadence at the end, steps per minute (equal to `start_spm` when steady).
    end_spm: f64,
}

impl ClockSegment {
    /// Samples from the segment start at which the phase has grown by `phase_beats`.
    fn offset_samples(&self, phase_beats: f64, sample_rate_hz: f64) -> f64 {
        if self.start_spm == self.end_spm {
            // Exact for integer phase and cadence: the numerator is an integer below 2^53.
            (phase_beats * 60.0 * sample_rate_hz) / self.start_spm
        } else {
            // Phase after τ samples: aτ + cτ²/2 with a in beats/sample, c in beats/sample².
            let a = self.start_spm / (60.0 * sample_rate_hz);
            let c =
                (self.end_spm - self.start_spm) / (60.0 * sample_rate_hz) / self.duration_samples;
            // Stable root of cτ²/2 + aτ − p = 0 (no cancellation for small c, either sign).
            let disc = (a * a + 2.0 * c * phase_beats).max(0.0);
            2.0 * phase_beats / (a + disc.sqrt())
        }
    }

    /// Instantaneous cadence `offset_samples` into the segment, steps per minute.
    fn spm_at(&self, offset_samples: f64) -> f64 {
        if self.start_spm == self.end_spm {
            self.start_spm
        } else {
            let frac = (offset_samples / self.duration_samples).clamp(0.0, 1.0);
            self.start_spm + (self.end_spm - self.start_spm) * frac
        }
    }
}

/// Places beats on the stream clock from a tempo map. See the module documentation.
#[derive(Debug, Clone)]
pub struct BeatClock {
    sample_rate_hz: f64,
    /// The tempo map; capacity reserved up front so live changes never allocate.
    segments: Vec<ClockSegment>,
    /// Index of the segment holding the pending beat.
    cursor: usize,
    /// The pending (next unsounded) beat; `None` once a finite program has ended.
    pending: Option<Beat>,
}

/// Segments that live changes may need at once (a glide and the tempo held after it).
const LIVE_SEGMENTS: usize = 2;

impl BeatClock {
    /// A clock that plays `program` on a stream of `sample_rate_hz` frames per second, with
    /// beat 0 at sample 0.
    pub fn new(program: &Program, sample_rate_hz: u32) -> Self {
        let rate = f64::from(sample_rate_hz);
        let mut segments = Vec::with_capacity(program.segments().len() + 1 + LIVE_SEGMENTS);
        let mut start_samples = 0.0;
        let mut start_phase_beats = 0.0;
        for seg in program.segments() {
            let duration_samples = seg.duration_s * rate;
            let end_phase_beats = start_phase_beats + seg.beats();
            segments.push(ClockSegment {
                start_samples,
                duration_samples,
                start_phase_beats,
                end_phase_beats,
                start_spm: seg.start_spm,
                end_spm: seg.end_spm,
            });
            start_samples += duration_samples;
            start_phase_beats = end_phase_beats;
        }
        if let Some(spm) = program.hold_spm() {
            segments.push(ClockSegment {
                start_samples,
                duration_samples: f64::INFINITY,
                start_phase_beats,
                end_phase_beats: f64::INFINITY,
                start_spm: spm,
                end_spm: spm,
            });
        }
        let mut clock = Self {
            sample_rate_hz: rate,
            segments,
            cursor: 0,
            pending: None,
        };
        clock.pending = clock.place(0);
        clock
    }

    /// Frames per second of the stream this clock counts.
    pub fn sample_rate_hz(&self) -> f64 {
        self.sample_rate_hz
    }

    /// The next beat to sound, or `None` when a finite program has ended.
    pub fn peek(&self) -> Option<Beat> {
        self.pending
    }

    /// Move past the pending beat and place the one after it.
    pub fn advance(&mut self) {
        if let Some(beat) = self.pending {
            self.pending = self.place(beat.index + 1);
        }
    }

    /// From the next beat boundary on, hold `spm` steps per minute forever (replacing the rest
    /// of the program). The pending beat keeps its place; the interval after it is `60/spm` s.
    /// The cadence is clamped to 40–300 spm. Returns false (and changes nothing) when the
    /// program has already ended. Never allocates.
    pub fn set_spm(&mut self, spm: f64) -> bool {
        self.glide_to(spm, 0)
    }

    /// From the next beat boundary on, move the cadence linearly (in time) to `spm` over
    /// `beats` beats, then hold it forever. `beats == 0` is an immediate change at that
    /// boundary, like [`BeatClock::set_spm`]. Clamped to 40–300 spm. Returns false when the
    /// program has already ended. Never allocates.
    pub fn glide_to(&mut self, spm: f64, beats: u32) -> bool {
        let Some(beat) = self.pending else {
            return false;
        };
        let target_spm = if spm.is_finite() {
            spm.clamp(MIN_SPM, MAX_SPM)
        } else {
            return false;
        };
        let from_spm = beat.spm;
        let start_samples = beat.onset_exact_samples;
        let start_phase_beats = beat.index as f64;
        self.segments.clear();
        self.cursor = 0;
        let mut hold_start_samples = start_samples;
        let mut hold_phase_beats = start_phase_beats;
        if beats > 0 && from_spm != target_spm {
            // A linear ramp a→b holding exactly `beats` beats lasts beats·120/(a+b) seconds.
            let duration_samples =
                f64::from(beats) * 120.0 / (from_spm + target_spm) * self.sample_rate_hz;
            hold_phase_beats = start_phase_beats + f64::from(beats);
            self.segments.push(ClockSegment {
                start_samples,
                duration_samples,
                start_phase_beats,
                end_phase_beats: hold_phase_beats,
                start_spm: from_spm,
                end_spm: target_spm,
            });
            hold_start_samples = start_samples + duration_samples;
        }
        self.segments.push(ClockSegment {
            start_samples: hold_start_samples,
            duration_samples: f64::INFINITY,
            start_phase_beats: hold_phase_beats,
            end_phase_beats: f64::INFINITY,
            start_spm: target_spm,
            end_spm: target_spm,
        });
        // The pending beat stays where the old map put it (it is the boundary).
        true
    }

    /// Place beat `index` with the current map, moving the segment cursor forward.
    fn place(&mut self, index: u64) -> Option<Beat> {
        let phase = index as f64;
        while self.cursor < self.segments.len()
            && phase >= self.segments[self.cursor].end_phase_beats
        {
            self.cursor += 1;
        }
        let seg = self.segments.get(self.cursor)?;
        let offset_samples = seg.offset_samples(phase - seg.start_phase_beats, self.sample_rate_hz);
        let onset_exact_samples = seg.start_samples + offset_samples;
        Some(Beat {
            index,
            onset_samples: onset_exact_samples.round() as u64,
            onset_exact_samples,
            spm: seg.spm_at(offset_samples),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onsets(clock: &mut BeatClock, n: usize) -> Vec<u64> {
        (0..n)
            .map(|_| {
                let b = clock.peek().unwrap();
                clock.advance();
                b.onset_samples
            })
            .collect()
    }

    #[test]
    fn steady_first_beat_at_zero_and_exact_intervals() {
        let mut clock = BeatClock::new(&Program::steady(180.0).unwrap(), 48_000);
        assert_eq!(onsets(&mut clock, 4), vec![0, 16_000, 32_000, 48_000]);
    }

    #[test]
    fn rounding_to_nearest_sample() {
        // 172 spm at 48 kHz: 16744.186… samples per beat.
        let mut clock = BeatClock::new(&Program::steady(172.0).unwrap(), 48_000);
        let got = onsets(&mut clock, 3);
        assert_eq!(got, vec![0, 16_744, 33_488]);
    }

    #[test]
    fn finite_program_ends() {
        let mut clock = BeatClock::new(&Program::parse("2s@120").unwrap(), 48_000);
        assert_eq!(onsets(&mut clock, 4), vec![0, 24_000, 48_000, 72_000]);
        assert!(clock.peek().is_none());
    }

    #[test]
    fn set_spm_applies_after_pending_beat() {
        let mut clock = BeatClock::new(&Program::steady(120.0).unwrap(), 48_000);
        clock.advance(); // beat 0 sounded; beat 1 pending at 24000
        assert!(clock.set_spm(180.0));
        assert_eq!(onsets(&mut clock, 3), vec![24_000, 40_000, 56_000]);
    }

    #[test]
    fn glide_spans_exactly_the_requested_beats() {
        let mut clock = BeatClock::new(&Program::steady(160.0).unwrap(), 48_000);
        clock.advance();
        let start = clock.peek().unwrap();
        assert!(clock.glide_to(170.0, 8));
        for _ in 0..8 {
            clock.advance();
        }
        let after = clock.peek().unwrap();
        assert_eq!(after.index, start.index + 8);
        assert_eq!(after.spm, 170.0);
        // Duration of a linear ramp holding 8 beats: 8·120/(160+170) s.
        let expected = start.onset_exact_samples + 8.0 * 120.0 / 330.0 * 48_000.0;
        assert!((after.onset_exact_samples - expected).abs() < 1e-6);
        clock.advance();
        let next = clock.peek().unwrap();
        assert!(
            (next.onset_exact_samples - after.onset_exact_samples - 60.0 / 170.0 * 48_000.0).abs()
                < 1e-6
        );
    }
}
