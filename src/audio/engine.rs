//! The real-time engine: a backend owned by the audio callback and a frontend for control.
//!
//! [`engine`] splits a [`Renderer`] into two halves:
//! - [`Engine`] (backend) lives inside the device callback. [`Engine::process`] renders the next
//!   buffer. It never allocates, locks, blocks or does I/O: commands arrive over a lock-free SPSC
//!   ring (`ringbuf`), beat reports leave over another, and counters are atomics.
//! - [`Controller`] (frontend) is owned by one control thread (the `play` command, later the
//!   coach). Its methods only push to or pop from the rings, so they never wait for the audio
//!   thread. Other non-audio threads talk to that thread over crossbeam channels.
//!
//! Commands take effect at the start of the next buffer the callback renders; tempo changes then
//! start at the next beat boundary on the stream clock (see [`crate::tempo::clock`]).
//!
//! How the coach drives it (sketch):
//!
//! ```no_run
//! # use stridebeat::audio::engine::Controller;
//! # fn coach_tick(ctl: &mut Controller) -> Result<(), stridebeat::audio::engine::ControlError> {
//! while let Some(beat) = ctl.try_report() {
//!     // beat.onset_samples is on the output stream clock; seconds = that / ctl.sample_rate_hz()
//!     let _ = beat;
//! }
//! ctl.cue_next_beat()?; // announce the raise on the next beat
//! ctl.glide_to(176.0, 8)?; // then move to 176 spm over 8 beats
//! # Ok(()) }
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use ringbuf::traits::{Consumer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use super::renderer::{BeatReport, Renderer};
use super::sample::OutputSample;
use crate::tempo::program::{MAX_SPM, MIN_SPM};

/// A control message for the audio callback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    /// Hold this cadence (spm) from the next beat boundary on.
    SetSpm(f64),
    /// Move linearly to `spm` over `beats` beats from the next beat boundary on, then hold.
    GlideTo {
        /// Target cadence, steps per minute.
        spm: f64,
        /// Beats the glide spans.
        beats: u32,
    },
    /// Keep counting beats silently.
    PauseClick,
    /// Sound beats again.
    ResumeClick,
    /// Sound the cue on the next beat instead of the click.
    CueNextBeat,
    /// Output silence from now on and report [`Controller::is_stopped`].
    Stop,
}

/// Why a control call was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ControlError {
    /// The command ring is full: the audio callback is not running or has stalled.
    #[error("the audio engine is not taking commands (command queue full)")]
    QueueFull,
    /// A cadence outside 40–300 spm.
    #[error("cadence {0} spm is outside the range 40–300 spm")]
    SpmOutOfRange(f64),
}

/// Counters shared between the halves (atomics only).
#[derive(Debug, Default)]
struct Shared {
    /// Frames rendered so far: the stream clock, in samples.
    frames_rendered: AtomicU64,
    /// Beat reports lost because the report ring was full.
    dropped_reports: AtomicU64,
    /// Set once a `Stop` command has been applied.
    stopped: AtomicBool,
    /// Set once a finite stream has played its last beat and rung out.
    finished: AtomicBool,
}

/// Capacity of the scratch buffer used to convert to non-f32 formats, in samples.
const SCRATCH_SAMPLES: usize = 8192;

/// The backend, owned by the audio callback. See the module documentation.
pub struct Engine {
    renderer: Renderer,
    commands: HeapCons<Command>,
    reports: HeapProd<BeatReport>,
    shared: Arc<Shared>,
    stopped: bool,
    /// f32 scratch for formats other than f32, preallocated.
    scratch: Box<[f32]>,
}

/// The frontend, owned by one control thread. See the module documentation.
pub struct Controller {
    commands: HeapProd<Command>,
    reports: HeapCons<BeatReport>,
    shared: Arc<Shared>,
    sample_rate_hz: f64,
    channels: usize,
}

/// Split `renderer` into a callback-side [`Engine`] and a control-side [`Controller`].
/// `ring_capacity` bounds both rings (commands in flight, beat reports not yet read); 1024 is
/// ample for anything that reads reports at least once a second.
pub fn engine(renderer: Renderer, ring_capacity: usize) -> (Engine, Controller) {
    let (command_tx, command_rx) = HeapRb::<Command>::new(ring_capacity.max(1)).split();
    let (report_tx, report_rx) = HeapRb::<BeatReport>::new(ring_capacity.max(1)).split();
    let shared = Arc::new(Shared::default());
    let controller = Controller {
        commands: command_tx,
        reports: report_rx,
        shared: Arc::clone(&shared),
        sample_rate_hz: renderer.sample_rate_hz(),
        channels: renderer.channels(),
    };
    let engine = Engine {
        renderer,
        commands: command_rx,
        reports: report_tx,
        shared,
        stopped: false,
        scratch: vec![0.0; SCRATCH_SAMPLES].into_boxed_slice(),
    };
    (engine, controller)
}

impl Engine {
    /// Render the next buffer of interleaved frames into `out`, in any supported sample format.
    /// This is the whole body of the device callback: it applies pending commands, renders,
    /// and pushes one [`BeatReport`] per beat. No allocation, lock, blocking or I/O.
    pub fn process<T: OutputSample>(&mut self, out: &mut [T]) {
        self.apply_commands();
        let channels = self.renderer.channels();
        let chunk_samples = ((SCRATCH_SAMPLES / channels) * channels).max(channels);
        // Taking the boxed slice out and back moves a pointer; an empty box does not allocate.
        let mut scratch = std::mem::take(&mut self.scratch);
        for dst in out.chunks_mut(chunk_samples) {
            let part = &mut scratch[..dst.len()];
            self.render_f32(part);
            for (d, &s) in dst.iter_mut().zip(part.iter()) {
                *d = T::from_f32(s);
            }
        }
        self.scratch = scratch;
    }

    /// Like [`Engine::process`] for f32 output, rendering straight into `out`.
    pub fn process_f32(&mut self, out: &mut [f32]) {
        self.apply_commands();
        self.render_f32(out);
    }

    fn render_f32(&mut self, out: &mut [f32]) {
        if self.stopped {
            out.fill(0.0);
        } else {
            let reports = &mut self.reports;
            let shared = &self.shared;
            self.renderer.render(out, |report| {
                if reports.try_push(report).is_err() {
                    shared.dropped_reports.fetch_add(1, Ordering::Relaxed);
                }
            });
            if self.renderer.is_finished() {
                self.shared.finished.store(true, Ordering::Release);
            }
        }
        let frames = (out.len() / self.renderer.channels()) as u64;
        self.shared
            .frames_rendered
            .fetch_add(frames, Ordering::Release);
    }

    fn apply_commands(&mut self) {
        while let Some(command) = self.commands.try_pop() {
            match command {
                Command::SetSpm(spm) => {
                    self.renderer.set_spm(spm);
                }
                Command::GlideTo { spm, beats } => {
                    self.renderer.glide_to(spm, beats);
                }
                Command::PauseClick => self.renderer.pause_click(),
                Command::ResumeClick => self.renderer.resume_click(),
                Command::CueNextBeat => self.renderer.cue_next_beat(),
                Command::Stop => {
                    self.stopped = true;
                    self.shared.stopped.store(true, Ordering::Release);
                }
            }
        }
    }
}

impl Controller {
    fn send(&mut self, command: Command) -> Result<(), ControlError> {
        self.commands
            .try_push(command)
            .map_err(|_| ControlError::QueueFull)
    }

    fn check_spm(spm: f64) -> Result<(), ControlError> {
        if spm.is_finite() && (MIN_SPM..=MAX_SPM).contains(&spm) {
            Ok(())
        } else {
            Err(ControlError::SpmOutOfRange(spm))
        }
    }

    /// Hold `spm` steps per minute from the next beat boundary on (replacing the rest of the
    /// program). The beat already due keeps its place; the interval after it is `60/spm` s.
    pub fn set_spm(&mut self, spm: f64) -> Result<(), ControlError> {
        Self::check_spm(spm)?;
        self.send(Command::SetSpm(spm))
    }

    /// Move the cadence linearly to `spm` over `beats` beats, starting at the next beat
    /// boundary, then hold it. Every onset stays on the sample the new tempo map gives.
    pub fn glide_to(&mut self, spm: f64, beats: u32) -> Result<(), ControlError> {
        Self::check_spm(spm)?;
        self.send(Command::GlideTo { spm, beats })
    }

    /// Silence the click but keep the beat clock (and beat reports, flagged muted) running.
    pub fn pause_click(&mut self) -> Result<(), ControlError> {
        self.send(Command::PauseClick)
    }

    /// Sound the click again after [`Controller::pause_click`].
    pub fn resume_click(&mut self) -> Result<(), ControlError> {
        self.send(Command::ResumeClick)
    }

    /// Play the distinct cue sound instead of the click on the next sounded beat (to announce
    /// a target change); that beat's report carries the cue flag.
    pub fn cue_next_beat(&mut self) -> Result<(), ControlError> {
        self.send(Command::CueNextBeat)
    }

    /// Ask the callback to output silence from its next buffer on; poll
    /// [`Controller::is_stopped`] to know it has.
    pub fn stop(&mut self) -> Result<(), ControlError> {
        self.send(Command::Stop)
    }

    /// The oldest beat report not yet read, if any (never waits).
    pub fn try_report(&mut self) -> Option<BeatReport> {
        self.reports.try_pop()
    }

    /// Pass every beat report waiting now to `f`, oldest first (never waits).
    pub fn drain_reports(&mut self, mut f: impl FnMut(BeatReport)) {
        while let Some(report) = self.reports.try_pop() {
            f(report);
        }
    }

    /// Frames the callback has rendered so far: the output stream clock, in samples.
    pub fn frames_rendered(&self) -> u64 {
        self.shared.frames_rendered.load(Ordering::Acquire)
    }

    /// Beat reports lost because they were not read in time (the ring was full).
    pub fn dropped_reports(&self) -> u64 {
        self.shared.dropped_reports.load(Ordering::Relaxed)
    }

    /// True once the callback has applied [`Controller::stop`].
    pub fn is_stopped(&self) -> bool {
        self.shared.stopped.load(Ordering::Acquire)
    }

    /// True once a finite program (or `--duration`) has played its last beat and rung out.
    pub fn is_finished(&self) -> bool {
        self.shared.finished.load(Ordering::Acquire)
    }

    /// Frames per second of the output stream.
    pub fn sample_rate_hz(&self) -> f64 {
        self.sample_rate_hz
    }

    /// Channels per frame of the output stream.
    pub fn channels(&self) -> usize {
        self.channels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::renderer::Voicing;
    use crate::tempo::program::Program;

    #[test]
    fn commands_reach_the_callback_and_reports_come_back() {
        let r = Renderer::new(
            &Program::steady(120.0).unwrap(),
            Voicing::default(),
            48_000,
            2,
            None,
        );
        let (mut eng, mut ctl) = engine(r, 16);
        let mut buf = vec![0i16; 2 * 12_000];
        eng.process(&mut buf); // beat 0 at 0; beat 1 pending at 24000
        ctl.set_spm(180.0).unwrap();
        for _ in 0..7 {
            eng.process(&mut buf);
        }
        let onsets: Vec<u64> = std::iter::from_fn(|| ctl.try_report())
            .map(|b| b.onset_samples)
            .collect();
        assert_eq!(onsets, vec![0, 24_000, 40_000, 56_000, 72_000, 88_000]);
        assert_eq!(ctl.frames_rendered(), 96_000);
        assert!(ctl.set_spm(301.0).is_err());
        ctl.stop().unwrap();
        eng.process(&mut buf);
        assert!(ctl.is_stopped());
        assert!(buf.iter().all(|&s| s == 0));
    }

    #[test]
    fn halves_can_move_to_their_threads() {
        fn assert_send<T: Send>() {}
        assert_send::<Engine>();
        assert_send::<Controller>();
    }

    #[test]
    fn full_report_ring_counts_drops_instead_of_blocking() {
        let r = Renderer::new(
            &Program::steady(300.0).unwrap(),
            Voicing::default(),
            48_000,
            1,
            None,
        );
        let (mut eng, ctl) = engine(r, 2);
        let mut buf = vec![0.0f32; 48_000];
        eng.process_f32(&mut buf); // 5 beats in one second, ring holds 2
        assert_eq!(ctl.dropped_reports(), 3);
    }
}
