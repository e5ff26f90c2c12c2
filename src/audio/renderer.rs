//! The renderer: fills interleaved f32 buffers with clicks placed by the beat clock.
//!
//! One renderer serves both shells: `render` writes what it produces to a WAV file, and live
//! `play` calls it from the audio callback (through [`crate::audio::engine::Engine`]). So a
//! rendered file is the proof of what playback plays.
//!
//! [`Renderer::render`] never allocates, locks or blocks: the voice tables and voice slots are
//! made in [`Renderer::new`]. Blocks may have any length; splitting a stream into blocks of any
//! size gives the same samples and the same beats.

use super::voice::{Sound, VoiceBank, VoiceKind};
use crate::tempo::clock::{Beat, BeatClock};
use crate::tempo::program::Program;

/// How beats are placed between the ears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Pan {
    /// Every beat in every channel.
    #[default]
    Center,
    /// Even beats in the left channel (channel 0), odd beats in the right (channel 1): each ear
    /// is one foot. A mono stream plays every beat in its one channel.
    Alternate,
}

/// What a renderer plays, besides the tempo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Voicing {
    /// The click sound.
    pub sound: Sound,
    /// Accent every Nth beat (beats 0, N, 2N, …); `None` or `Some(0)` for no accent.
    pub accent_every: Option<u32>,
    /// Placement between the ears.
    pub pan: Pan,
    /// Peak level of an accented beat, 0–1.
    pub volume: f32,
}

impl Default for Voicing {
    fn default() -> Self {
        Self {
            sound: Sound::Click,
            accent_every: None,
            pan: Pan::Center,
            volume: 0.8,
        }
    }
}

/// Bit flags on a [`BeatReport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BeatFlags(pub u8);

impl BeatFlags {
    /// The beat was accented.
    pub const ACCENT: u8 = 1;
    /// The beat sounded the coach's cue.
    pub const CUE: u8 = 2;
    /// The click was paused: the beat passed on the clock but made no sound.
    pub const MUTED: u8 = 4;

    /// True when every bit of `flag` is set.
    pub fn contains(self, flag: u8) -> bool {
        self.0 & flag == flag
    }
}

/// What the renderer did for one beat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeatReport {
    /// Beat number, 0 for the first beat of the stream.
    pub beat_index: u64,
    /// Onset on the stream clock: frames from the first frame the renderer produced.
    pub onset_samples: u64,
    /// Instantaneous cadence at the onset, steps per minute.
    pub spm: f64,
    /// Accent / cue / muted.
    pub flags: BeatFlags,
}

impl BeatReport {
    /// True when the beat made a sound (it was not muted).
    pub fn sounded(&self) -> bool {
        !self.flags.contains(BeatFlags::MUTED)
    }
}

/// Voices that may ring at once; a new beat takes the oldest slot if all are busy.
const MAX_VOICES: usize = 4;

/// A table being played.
#[derive(Debug, Clone, Copy)]
struct ActiveVoice {
    kind: VoiceKind,
    /// Next sample of the table to play.
    table_pos: usize,
    /// Channel to play in, or `None` for every channel.
    channel: Option<usize>,
    active: bool,
}

const IDLE: ActiveVoice = ActiveVoice {
    kind: VoiceKind::Normal,
    table_pos: 0,
    channel: None,
    active: false,
};

/// Fills interleaved buffers with clicks. See the module documentation.
#[derive(Debug, Clone)]
pub struct Renderer {
    clock: BeatClock,
    bank: VoiceBank,
    voicing: Voicing,
    channels: usize,
    /// Frames produced so far: the stream clock, in samples.
    position_samples: u64,
    /// No beat starts at or after this stream sample.
    end_samples: Option<u64>,
    voices: [ActiveVoice; MAX_VOICES],
    muted: bool,
    cue_pending: bool,
}

impl Renderer {
    /// A renderer playing `program` with `voicing` into `channels`-channel frames at
    /// `sample_rate_hz`, with beat 0 at stream sample 0. Beats stop at the program's end, or
    /// earlier at `end_samples` if given. Allocates the voice tables; `render` never does.
    pub fn new(
        program: &Program,
        voicing: Voicing,
        sample_rate_hz: u32,
        channels: u16,
        end_samples: Option<u64>,
    ) -> Self {
        let program_end_samples = program
            .duration_s()
            .map(|d_s| (d_s * f64::from(sample_rate_hz)).round() as u64);
        let end_samples = match (end_samples, program_end_samples) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Self {
            clock: BeatClock::new(program, sample_rate_hz),
            bank: VoiceBank::new(voicing.sound, sample_rate_hz, voicing.volume),
            voicing,
            channels: usize::from(channels.max(1)),
            position_samples: 0,
            end_samples,
            voices: [IDLE; MAX_VOICES],
            muted: false,
            cue_pending: false,
        }
    }

    /// Channels per frame.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Frames per second.
    pub fn sample_rate_hz(&self) -> f64 {
        self.clock.sample_rate_hz()
    }

    /// Frames produced so far (the stream clock), in samples.
    pub fn position_samples(&self) -> u64 {
        self.position_samples
    }

    /// The stream sample at which beats stop, if the stream is finite.
    pub fn end_samples(&self) -> Option<u64> {
        self.end_samples
    }

    /// True once no beat is left to start and every voice has rung out.
    pub fn is_finished(&self) -> bool {
        self.next_beat().is_none() && self.voices.iter().all(|v| !v.active)
    }

    /// Hold `spm` from the next beat on (see [`BeatClock::set_spm`]).
    pub fn set_spm(&mut self, spm: f64) -> bool {
        self.clock.set_spm(spm)
    }

    /// Glide to `spm` over `beats` beats from the next beat on (see [`BeatClock::glide_to`]).
    pub fn glide_to(&mut self, spm: f64, beats: u32) -> bool {
        self.clock.glide_to(spm, beats)
    }

    /// Keep counting beats but make no sound (beats are reported as muted).
    pub fn pause_click(&mut self) {
        self.muted = true;
    }

    /// Sound beats again.
    pub fn resume_click(&mut self) {
        self.muted = false;
    }

    /// Play the cue instead of the click on the next sounded beat.
    pub fn cue_next_beat(&mut self) {
        self.cue_pending = true;
    }

    /// The pending beat, if it is still inside the stream.
    fn next_beat(&self) -> Option<Beat> {
        let beat = self.clock.peek()?;
        match self.end_samples {
            Some(end) if beat.onset_samples >= end => None,
            _ => Some(beat),
        }
    }

    /// Fill `out` (interleaved frames of [`Renderer::channels`] samples; a trailing partial
    /// frame is zeroed) with the next stretch of the stream, calling `on_beat` once per beat
    /// whose onset falls in it, in order. Never allocates.
    pub fn render(&mut self, out: &mut [f32], mut on_beat: impl FnMut(BeatReport)) {
        out.fill(0.0);
        let frames = out.len() / self.channels;
        let block_start = self.position_samples;
        let mut frame = 0;
        while frame < frames {
            let due = self
                .next_beat()
                .map(|b| (b, b.onset_samples.saturating_sub(block_start)))
                .filter(|&(_, f)| f < frames as u64);
            let onset_frame = due.map_or(frames, |(_, f)| f as usize);
            self.mix(out, frame, onset_frame);
            frame = onset_frame;
            if let Some((beat, _)) = due {
                let report = self.trigger(beat);
                on_beat(report);
            }
        }
        self.position_samples += frames as u64;
    }

    /// Start the pending beat's voice (unless muted) and move the clock on.
    fn trigger(&mut self, beat: Beat) -> BeatReport {
        self.clock.advance();
        let mut flags = 0;
        let accented = matches!(self.voicing.accent_every, Some(n) if n > 0 && beat.index.is_multiple_of(u64::from(n)));
        if self.muted {
            flags |= BeatFlags::MUTED;
        } else {
            let kind = if self.cue_pending {
                self.cue_pending = false;
                flags |= BeatFlags::CUE;
                VoiceKind::Cue
            } else if accented {
                flags |= BeatFlags::ACCENT;
                VoiceKind::Accent
            } else {
                VoiceKind::Normal
            };
            let channel = match self.voicing.pan {
                Pan::Alternate if self.channels >= 2 => Some((beat.index % 2) as usize),
                Pan::Alternate if self.channels == 1 => Some(0),
                _ => None,
            };
            let slot = self
                .voices
                .iter()
                .position(|v| !v.active)
                .unwrap_or_else(|| oldest(&self.voices));
            self.voices[slot] = ActiveVoice {
                kind,
                table_pos: 0,
                channel,
                active: true,
            };
        }
        BeatReport {
            beat_index: beat.index,
            onset_samples: beat.onset_samples,
            spm: beat.spm,
            flags: BeatFlags(flags),
        }
    }

    /// Add the ringing voices into frames `from..to` of `out`.
    fn mix(&mut self, out: &mut [f32], from: usize, to: usize) {
        let channels = self.channels;
        for voice in self.voices.iter_mut().filter(|v| v.active) {
            let table = self.bank.table(voice.kind);
            let n = (to - from).min(table.len() - voice.table_pos);
            let src = &table[voice.table_pos..voice.table_pos + n];
            let dst = &mut out[from * channels..(from + n) * channels];
            match voice.channel {
                Some(c) => {
                    for (frame, &s) in dst.chunks_exact_mut(channels).zip(src) {
                        frame[c] += s;
                    }
                }
                None => {
                    for (frame, &s) in dst.chunks_exact_mut(channels).zip(src) {
                        frame.iter_mut().for_each(|x| *x += s);
                    }
                }
            }
            voice.table_pos += n;
            if voice.table_pos >= table.len() {
                voice.active = false;
            }
        }
    }
}

/// Index of the voice that has played longest.
fn oldest(voices: &[ActiveVoice; MAX_VOICES]) -> usize {
    let mut best = 0;
    for (i, v) in voices.iter().enumerate() {
        if v.table_pos > voices[best].table_pos {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_all(r: &mut Renderer, frames: usize, block: usize) -> (Vec<f32>, Vec<BeatReport>) {
        let ch = r.channels();
        let mut audio = vec![0.0; frames * ch];
        let mut beats = Vec::new();
        for chunk in audio.chunks_mut(block * ch) {
            r.render(chunk, |b| beats.push(b));
        }
        (audio, beats)
    }

    #[test]
    fn block_size_does_not_change_the_output() {
        let program = Program::parse("2s 170..190, 1s@200").unwrap();
        let voicing = Voicing {
            accent_every: Some(4),
            pan: Pan::Alternate,
            ..Voicing::default()
        };
        let mut whole = Renderer::new(&program, voicing, 48_000, 2, None);
        let (a, beats_a) = render_all(&mut whole, 150_000, 150_000);
        for block in [1, 7, 64, 511, 4096] {
            let mut r = Renderer::new(&program, voicing, 48_000, 2, None);
            let (b, beats_b) = render_all(&mut r, 150_000, block);
            assert_eq!(a, b, "block {block}");
            assert_eq!(beats_a, beats_b, "block {block}");
        }
        assert!(whole.is_finished());
    }

    #[test]
    fn onset_lands_on_the_reported_sample_and_pans_alternate() {
        let program = Program::steady(180.0).unwrap();
        let voicing = Voicing {
            pan: Pan::Alternate,
            ..Voicing::default()
        };
        let mut r = Renderer::new(&program, voicing, 48_000, 2, None);
        let (audio, beats) = render_all(&mut r, 40_000, 1000);
        assert_eq!(beats.len(), 3);
        for b in &beats {
            let s = b.onset_samples as usize;
            let ear = (b.beat_index % 2) as usize;
            assert!(audio[s * 2 + ear].abs() > 0.1, "onset sample silent");
            assert_eq!(audio[s * 2 + (1 - ear)], 0.0, "other ear must be silent");
            if s > 0 {
                let before = audio[(s - 1) * 2 + ear];
                assert_eq!(before, 0.0, "sample before onset must be silent");
            }
        }
    }

    #[test]
    fn muted_beats_are_reported_but_silent_and_cue_is_flagged() {
        let program = Program::steady(120.0).unwrap();
        let mut r = Renderer::new(&program, Voicing::default(), 48_000, 1, None);
        let mut buf = vec![0.0; 24_000];
        let mut beats = Vec::new();
        r.pause_click();
        r.render(&mut buf, |b| beats.push(b));
        assert!(buf.iter().all(|&s| s == 0.0));
        r.resume_click();
        r.cue_next_beat();
        r.render(&mut buf, |b| beats.push(b));
        r.render(&mut buf, |b| beats.push(b));
        assert!(beats[0].flags.contains(BeatFlags::MUTED));
        assert!(beats[1].flags.contains(BeatFlags::CUE));
        assert_eq!(beats[2].flags, BeatFlags(0));
    }

    #[test]
    fn end_samples_stops_beats() {
        let program = Program::steady(120.0).unwrap();
        let mut r = Renderer::new(&program, Voicing::default(), 48_000, 1, Some(48_000));
        let (_, beats) = render_all(&mut r, 96_000, 512);
        assert_eq!(
            beats.iter().map(|b| b.onset_samples).collect::<Vec<_>>(),
            vec![0, 24_000]
        );
        assert!(r.is_finished());
    }
}
