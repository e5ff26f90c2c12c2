//! `play --input`: the live pipeline around the metronome.
//!
//! Threads:
//! - the **source thread** ([`stridebeat::source::live`]) reads stdin, UDP or a replayed file,
//!   decodes lines and runs the step detector ([`StepStage`]), sending each sample with the
//!   steps it made certain over a bounded crossbeam channel;
//! - the **coach thread** (the `play` control thread, through the driver seam of
//!   [`super::play::run_with`] calling [`LiveSession::poll`] every 20 ms) estimates cadence,
//!   lets the coach decide ([`CoachStage`]), sends tempo changes, cues and click pauses to the
//!   audio [`Controller`], records the beat reports, writes the recording and drives the
//!   display;
//! - the **audio callback** only plays.
//!
//! Clocks: samples, steps and decisions are on the session clock (seconds since the first
//! sensor sample, as the sensor stamped it). Beats are on the output stream clock (frames); the
//! recording maps them to the session clock from the last sample processed: `t = t_last +
//! (onset − frames_then) / rate · pace`, where `pace` is session seconds per wall second since
//! the first sample (1 for a live sensor, about X for `--replay-speed X` or a sped-up pipe). So
//! recorded beats are placed to within the input's transport latency, not to the sample.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use crossbeam_channel::{bounded, Receiver, Sender, TryRecvError};
use stridebeat::audio::engine::Controller;
use stridebeat::audio::input::{spawn_mic, ClickNote, MicEvent};
use stridebeat::audio::renderer::{BeatFlags, BeatReport, Voicing};
use stridebeat::gait::{AccelSample, StepEvent};
use stridebeat::source::live::{spawn_with, LiveOptions, LiveSource, LiveSpec};
use stridebeat::source::session::{BeatRecord, SessionWriter};
use stridebeat::tempo::coach::{
    Baseline, Coach, CoachConfig, CoachEvent, CoachStatus, Decision, Motion, PauseCause, Zone,
};

use super::coaching::{CoachArgs, Progress};
use super::pipeline::{CoachStage, Detected, StageOut, StepStage};
use super::play::{run_with, PlayArgs};
use super::render::ClickArgs;

/// Samples in flight between the source thread and the coach thread.
const CHANNEL_CAPACITY: usize = 8192;
/// The click's tempo while an automatic baseline is measured with no `--spm` given (muted).
const WARMUP_PLACEHOLDER_SPM: f64 = 170.0;
/// Plain (non-terminal) status lines, wall-clock seconds apart.
const PLAIN_EVERY: Duration = Duration::from_secs(10);
/// Terminal display refresh.
const TTY_EVERY: Duration = Duration::from_millis(200);
/// Wall time without samples before the coach is told that time passes (stall detection).
const MIN_SILENCE: Duration = Duration::from_millis(500);
/// Most samples handled per poll (keeps the control loop responsive at high replay speeds).
const MAX_PER_POLL: usize = 200_000;

/// Options of `play` for live measurement and coaching.
#[derive(clap::Args, Debug, Clone)]
pub struct LiveArgs {
    /// Measure the runner while playing: `-` (accelerometer lines on stdin), `udp:[HOST:]PORT`
    /// (listens on 127.0.0.1 unless HOST is given), `file:PATH` (replay a recording), or `mic`
    /// / `mic:DEVICE` (footfalls heard by a microphone; the click itself is ignored).
    #[arg(long, value_name = "SOURCE")]
    pub input: Option<String>,
    /// Replay `file:` inputs this many times faster than recorded.
    #[arg(long, value_name = "X", default_value_t = 1.0, requires = "input")]
    pub replay_speed: f64,
    /// Let the coach raise the target as the runner settles in (see --baseline, --step, …).
    #[arg(long, requires = "input")]
    pub adapt: bool,
    /// Silence the click during walk breaks and stops (it keeps time silently).
    #[arg(long, requires = "adapt")]
    pub pause_click: bool,
    /// Keep the whole session (samples, steps, beats, decisions) in this file.
    #[arg(long, value_name = "FILE.csv", requires = "input")]
    pub record: Option<PathBuf>,
    /// The coach's settings.
    #[command(flatten)]
    pub coach: CoachArgs,
}

/// The driver's way of ending playback when the input ends (not an error for the user).
#[derive(Debug, thiserror::Error)]
#[error("the input ended")]
struct InputEnded;

/// `stridebeat play --input …`: the metronome with live measurement (and the coach with
/// `--adapt`), until Ctrl-C, the end of the input, or `--duration`.
pub fn run(mut args: PlayArgs) -> anyhow::Result<()> {
    let Some(plan) = LivePlan::from_args(&args.live, &args.click)? else {
        return run_with(args, |_, _| Ok(()));
    };
    if let Some(spm) = plan.start_spm {
        // The coach owns the tempo: the click starts at its starting cadence.
        args.click.spm = Some(spm);
        args.click.program = None;
    }
    let mut plan = Some(plan);
    let mut session: Option<LiveSession> = None;
    let mut input_ended = false;
    let outcome = run_with(args, |controller, reports| {
        if let Some(plan) = plan.take() {
            session = Some(plan.start(controller)?);
        }
        let Some(s) = session.as_mut() else {
            return Ok(());
        };
        if s.poll(controller, reports)? {
            input_ended = true;
            return Err(InputEnded.into());
        }
        Ok(())
    });
    let why = match &outcome {
        _ if input_ended => "input ended",
        Ok(()) => "interrupted",
        Err(_) => "stopped by an error",
    };
    let outcome = match outcome {
        Err(e) if e.downcast_ref::<InputEnded>().is_some() => Ok(()),
        other => other,
    };
    // The recording is finished whatever stopped playback; the first error wins.
    let finished = session.map_or(Ok(()), |s| s.finish(why));
    match (outcome, finished) {
        (Err(e), Err(f)) => {
            say!("stridebeat: {f:#}");
            Err(e)
        }
        (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(())) => Ok(()),
    }
}

/// What `play --input` will do, decided before the audio starts.
pub struct LivePlan {
    args: LiveArgs,
    spec: LiveSpec,
    coach: Option<CoachConfig>,
    /// Cadence to start the click at, when the coach sets it.
    start_spm: Option<f64>,
    /// Keep the click silent until the coach has a baseline.
    start_muted: bool,
    /// How the click sounds (the microphone input must know it to ignore it).
    voicing: Voicing,
}

impl LivePlan {
    /// `None` without `--input`.
    pub fn from_args(args: &LiveArgs, click: &ClickArgs) -> anyhow::Result<Option<Self>> {
        let Some(input) = &args.input else {
            return Ok(None);
        };
        let spec: LiveSpec = input.parse()?;
        let (coach, start_spm, start_muted) = if args.adapt {
            let (cfg, note) = args.coach.config()?;
            if let Some(note) = note {
                say!("stridebeat: {note}");
            }
            if click.program.is_some() {
                anyhow::bail!("--adapt sets the tempo itself: drop --program (use --spm N as the warm-up tempo)");
            }
            let (spm, muted) = match (cfg.baseline, click.spm) {
                (Baseline::Spm(b), _) => (Some(b.min(cfg.ceiling_spm)), false),
                (Baseline::Auto, Some(neutral)) => (Some(neutral), false),
                (Baseline::Auto, None) => (Some(WARMUP_PLACEHOLDER_SPM), true),
            };
            (Some(cfg), spm, muted)
        } else {
            (None, None, false)
        };
        Ok(Some(Self {
            args: args.clone(),
            spec,
            coach,
            start_spm,
            start_muted,
            voicing: click.voicing(),
        }))
    }

    /// Start the source thread and the recorder. Call once the controller exists (before or
    /// after the output starts).
    pub fn start(self, controller: &mut Controller) -> anyhow::Result<LiveSession> {
        if self.start_muted {
            controller
                .pause_click()
                .map_err(|e| anyhow::anyhow!("cannot mute the click for the warm-up: {e}"))?;
        }
        let coach = self.coach.clone().map(Coach::new).transpose()?;
        let mut recorder = match &self.args.record {
            Some(path) => {
                let started = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let coach_text = self
                    .coach
                    .as_ref()
                    .map(CoachArgs::describe)
                    .unwrap_or_else(|| "off".to_string());
                let meta = [
                    ("stridebeat", env!("CARGO_PKG_VERSION")),
                    ("started_unix_s", &started.to_string()),
                    ("source", &self.spec.to_string()),
                    ("replay_speed", &self.args.replay_speed.to_string()),
                    ("audio_rate_hz", &controller.sample_rate_hz().to_string()),
                    ("coach", &coach_text),
                ]
                .map(|(k, v)| (k, v.to_string()));
                let meta: Vec<(&str, &str)> = meta.iter().map(|(k, v)| (*k, v.as_str())).collect();
                Some(
                    SessionWriter::create(path, &meta)
                        .with_context(|| "cannot start the recording".to_string())?,
                )
            }
            None => None,
        };
        if let (Some(w), Some(cfg), Some(spm)) = (recorder.as_mut(), &self.coach, self.start_spm) {
            // A warm-up at a neutral tempo: the click's tempo until the coach sets a baseline.
            if cfg.baseline == Baseline::Auto && !self.start_muted {
                w.target(0.0, spm).context("cannot write the recording")?;
            }
        }
        let (tx, rx) = bounded::<Detected>(CHANNEL_CAPACITY);
        let stop = Arc::new(AtomicBool::new(false));
        let mut steps = StepStage::default();
        let speed = if self.args.replay_speed.is_finite() && self.args.replay_speed > 0.0 {
            self.args.replay_speed
        } else {
            1.0
        };
        // Footfalls from a microphone (issue 5) run their own source; the others read lines.
        let (source, mic_clicks) = match &self.spec {
            LiveSpec::Mic(device) => {
                let (source, clicks) = start_mic(
                    device.clone(),
                    self.voicing,
                    controller.sample_rate_hz(),
                    tx,
                    Arc::clone(&stop),
                )?;
                (source, Some(clicks))
            }
            spec => {
                let source = spawn_with(
                    spec,
                    LiveOptions {
                        replay_speed: speed,
                        ..LiveOptions::default()
                    },
                    move |s| tx.send(steps.push(&s)).is_ok(),
                    Arc::clone(&stop),
                )?;
                (source, None)
            }
        };
        if let Some(addr) = source.local_addr {
            say!("stridebeat: listening for accelerometer lines on udp:{addr}");
        }
        let what = match (&self.coach, self.start_spm) {
            (Some(cfg), _) if cfg.baseline == Baseline::Auto && self.start_muted => {
                format!(
                    "coaching: measuring the natural cadence first ({:.0} s of steady running, click silent)",
                    cfg.warmup_s
                )
            }
            (Some(cfg), Some(spm)) if cfg.baseline == Baseline::Auto => format!(
                "coaching: warm-up at {spm} spm while measuring the natural cadence ({:.0} s of steady running)",
                cfg.warmup_s
            ),
            (Some(_), Some(spm)) => format!("coaching from {spm:.1} spm"),
            _ => "measuring only (add --adapt to coach)".to_string(),
        };
        say!("stridebeat: input {}; {what}", self.spec);
        let coaching = coach.is_some();
        Ok(LiveSession {
            rx,
            source,
            mic_clicks,
            stop,
            stage: CoachStage::new(coach),
            out: StageOut::default(),
            recorder,
            record_path: self.args.record.clone(),
            display: Display::new(coaching),
            rate_hz: controller.sample_rate_hz(),
            first_wall: None,
            last_sample: None,
            muted_for: if self.start_muted {
                Some(Muted::WarmUp)
            } else {
                None
            },
            pause_click: self.args.pause_click,
            decisions: Vec::new(),
            progress: self.args.coach.progress.clone(),
            samples: 0,
            steps: 0,
            beats: 0,
            ended: false,
            write_error: None,
        })
    }
}

/// Why the click is silent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Muted {
    WarmUp,
    Break,
}

/// The coach thread's side of a live session. See the module documentation.
pub struct LiveSession {
    rx: Receiver<Detected>,
    source: LiveSource,
    /// Where sounded clicks are announced to a microphone source.
    mic_clicks: Option<Sender<ClickNote>>,
    stop: Arc<AtomicBool>,
    stage: CoachStage,
    out: StageOut,
    recorder: Option<SessionWriter<BufWriter<File>>>,
    record_path: Option<PathBuf>,
    display: Display,
    rate_hz: f64,
    /// Wall time the first sample was processed.
    first_wall: Option<Instant>,
    /// Session time of the last sample, when it was processed, and the output frame then.
    last_sample: Option<(f64, Instant, u64)>,
    muted_for: Option<Muted>,
    pause_click: bool,
    decisions: Vec<CoachEvent>,
    progress: Option<PathBuf>,
    samples: u64,
    steps: u64,
    beats: u64,
    ended: bool,
    write_error: Option<std::io::Error>,
}

impl LiveSession {
    /// Handle everything that arrived since the last call: samples, decisions, the beat
    /// reports of this poll, recording and display. Returns true once the input has ended
    /// (stdin EOF, end of a replay).
    pub fn poll(
        &mut self,
        controller: &mut Controller,
        reports: &[BeatReport],
    ) -> anyhow::Result<bool> {
        if let Some(clicks) = &self.mic_clicks {
            announce_clicks(clicks, controller, reports);
        }
        let mut handled = 0;
        while handled < MAX_PER_POLL {
            match self.rx.try_recv() {
                Ok(d) => {
                    self.on_sample(&d, Some(controller));
                    handled += 1;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.ended = true;
                    break;
                }
            }
        }
        if handled == 0 && !self.ended {
            // Silence from the sensor: the session clock moves on with the wall clock. Only
            // after a clear silence, so a fast replay's momentary hiccup (pace × a few ms) is
            // never taken for a stall: the decisions of a replay stay those of the file.
            if let Some((t, at, _)) = self
                .last_sample
                .filter(|(_, at, _)| at.elapsed() >= MIN_SILENCE)
            {
                let now_s = t + at.elapsed().as_secs_f64() * self.pace();
                self.stage.tick(now_s, &mut self.out);
                self.flush_out(Some(controller));
            }
        }
        self.record_beats(reports);
        if let Some(w) = self.recorder.as_mut() {
            if let Err(e) = w.flush_if_due() {
                self.write_error.get_or_insert(e);
            }
        }
        if let Some(e) = self.write_error.take() {
            return Err(anyhow::Error::new(e).context("cannot write the recording"));
        }
        self.display
            .refresh(self.session_now(), &self.status(), false);
        Ok(self.ended)
    }

    fn session_now(&self) -> f64 {
        match self.last_sample {
            Some((t, at, _)) if !self.ended => t + at.elapsed().as_secs_f64() * self.pace(),
            Some((t, _, _)) => t,
            None => 0.0,
        }
    }

    /// Session seconds per wall second so far (1 for a live sensor).
    fn pace(&self) -> f64 {
        match (self.first_wall, self.last_sample) {
            (Some(first), Some((t, at, _))) => {
                let wall = at.duration_since(first).as_secs_f64();
                if wall > 1.0 && t > 0.0 {
                    (t / wall).clamp(0.01, 1e5)
                } else {
                    1.0
                }
            }
            _ => 1.0,
        }
    }

    fn status(&self) -> Status {
        let now = self.session_now();
        Status {
            coach: self.stage.coach().map(|c| c.status(now)),
            measured: self.stage.last().map(|(_, spm, motion)| (spm, motion)),
        }
    }

    fn on_sample(&mut self, d: &Detected, controller: Option<&mut Controller>) {
        self.samples += 1;
        let now = Instant::now();
        self.first_wall.get_or_insert(now);
        let frames = match &controller {
            Some(c) => c.frames_rendered(),
            None => self.last_sample.map_or(0, |(_, _, f)| f),
        };
        self.last_sample = Some((d.sample.t_s, now, frames));
        if let Some(w) = self.recorder.as_mut() {
            if let Err(e) = w.sample(&d.sample) {
                self.write_error.get_or_insert(e);
            }
        }
        self.stage.push(d, &mut self.out);
        self.flush_out(controller);
    }

    /// Write what the stage produced and act on the decisions (when the click still plays).
    fn flush_out(&mut self, mut controller: Option<&mut Controller>) {
        let mut result = Ok(());
        if let Some(w) = self.recorder.as_mut() {
            for s in &self.out.steps {
                result = result.and(w.step(s.t_s, s.cadence_spm));
            }
            for c in &self.out.cadence {
                result = result.and(w.cadence(c.t_s, c.spm, c.motion));
            }
        }
        self.steps += self.out.steps.len() as u64;
        let events = std::mem::take(&mut self.out.events);
        for e in &events {
            if let Some(c) = controller.as_deref_mut() {
                self.act(e, c);
            }
            if let Some(w) = self.recorder.as_mut() {
                result = result.and(w.decision(e));
                if let Some(spm) = e.decision.new_target_spm() {
                    result = result.and(w.target(e.t_s, spm));
                }
            }
            self.display.decision(e, &self.status());
            self.decisions.push(e.clone());
        }
        self.out.events = events;
        self.out.clear();
        if let Err(e) = result {
            self.write_error.get_or_insert(e);
        }
    }

    /// Turn one decision into commands for the audio callback.
    fn act(&mut self, e: &CoachEvent, controller: &mut Controller) {
        let mut problems = Vec::new();
        let mut check = |r: Result<(), stridebeat::audio::engine::ControlError>| {
            if let Err(err) = r {
                problems.push(err);
            }
        };
        match e.decision {
            Decision::BaselineSet { baseline_spm, .. } => {
                check(controller.set_spm(baseline_spm));
                if self.muted_for == Some(Muted::WarmUp) {
                    check(controller.resume_click());
                    self.muted_for = None;
                }
            }
            Decision::Raise { to_spm, .. } | Decision::BackOff { to_spm, .. } => {
                check(controller.set_spm(to_spm));
                check(controller.cue_next_beat());
            }
            Decision::Pause {
                cause: PauseCause::Walk | PauseCause::Stop,
            } if self.pause_click && self.muted_for.is_none() => {
                check(controller.pause_click());
                self.muted_for = Some(Muted::Break);
            }
            Decision::Resume if self.muted_for == Some(Muted::Break) => {
                check(controller.resume_click());
                self.muted_for = None;
            }
            _ => {}
        }
        for p in problems {
            say!("stridebeat: the click did not take the coach's change: {p}");
        }
    }

    fn record_beats(&mut self, reports: &[BeatReport]) {
        let (anchor, rate, pace) = (self.last_sample, self.rate_hz, self.pace());
        for r in reports.iter().filter(|r| r.sounded()) {
            self.beats += 1;
            if let (Some(w), Some((t, _, frames))) = (self.recorder.as_mut(), anchor) {
                let rec = BeatRecord {
                    t_s: t + (r.onset_samples as f64 - frames as f64) / rate * pace,
                    spm: r.spm,
                    index: r.beat_index,
                    cue: r.flags.contains(BeatFlags::CUE),
                };
                if let Err(e) = w.beat(&rec) {
                    self.write_error.get_or_insert(e);
                }
            }
        }
    }

    /// End the session: take what is left, write the `end` record, save progress, print a
    /// summary. `why` is what ended it (`input ended`, `interrupted`, …).
    pub fn finish(mut self, why: &str) -> anyhow::Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        // Whatever the source sent before the end still belongs to the session (the click has
        // stopped: decisions are recorded, not played).
        while let Ok(d) = self.rx.try_recv() {
            self.on_sample(&d, None);
        }
        // A microphone source stops within a few ms of `stop`: wait for it, so its summary
        // (footfalls, clicks rejected, the click's latency) is printed.
        if self.mic_clicks.take().is_some() {
            let thread = std::mem::replace(&mut self.source.thread, std::thread::spawn(|| Ok(())));
            if let Ok(Err(e)) = thread.join() {
                say!("stridebeat: {e}");
            }
            while let Ok(d) = self.rx.try_recv() {
                self.on_sample(&d, None);
            }
        }
        if let Some(e) = self.write_error.take() {
            return Err(anyhow::Error::new(e).context("cannot write the recording"));
        }
        let end_t = self.last_sample.map_or(0.0, |(t, _, _)| t);
        self.display.finish();
        let counts = self.source.stats.snapshot();
        let mut saved = None;
        if let Some(mut w) = self.recorder.take() {
            w.end(end_t, why).context("cannot finish the recording")?;
            saved = self.record_path.clone();
        }
        let coach = self.stage.coach();
        let target = coach.and_then(|c| c.target_spm());
        let mut summary = format!(
            "stridebeat: session ended ({why}) after {:.0} s: {counts}, {} steps, {} beats",
            end_t, self.steps, self.beats
        );
        if let Some(c) = coach {
            match (c.baseline_spm(), target) {
                (Some(b), Some(t)) => summary.push_str(&format!(
                    ", {} decisions; target {b:.1} → {t:.1} spm",
                    self.decisions.len()
                )),
                _ => summary.push_str(", no steady baseline found"),
            }
        }
        say!("{summary}");
        if let Some(path) = saved {
            say!("stridebeat: recording saved to {}", path.display());
        }
        if let (Some(path), Some(p)) = (
            &self.progress,
            Progress::from_decisions(&self.decisions, target),
        ) {
            p.save(path)?;
            say!(
                "stridebeat: progress saved to {} (next baseline {:.1} spm)",
                path.display(),
                p.achieved_spm
            );
        }
        Ok(())
    }
}

/// What the display shows.
struct Status {
    coach: Option<CoachStatus>,
    measured: Option<(Option<f64>, Motion)>,
}

/// The live display: a redrawn block on a terminal, periodic plain lines otherwise.
struct Display {
    tty: bool,
    coaching: bool,
    drawn: bool,
    last_draw: Option<Instant>,
    last: Option<CoachEvent>,
}

fn clock(t_s: f64) -> String {
    let t = t_s.max(0.0) as u64;
    format!("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

impl Display {
    fn new(coaching: bool) -> Self {
        Self {
            tty: std::io::stdout().is_terminal(),
            coaching,
            drawn: false,
            last_draw: None,
            last: None,
        }
    }

    fn line(&self, now_s: f64, st: &Status) -> String {
        let measured = match st.measured {
            Some((Some(spm), m)) => format!("measured {spm:5.1} spm ({})", m.as_str()),
            Some((None, m)) => format!("measured   —   spm ({})", m.as_str()),
            None => "waiting for the sensor".to_string(),
        };
        let mut s = format!("{}  {measured}", clock(now_s));
        if let Some(c) = &st.coach {
            match c.target_spm {
                Some(t) => s.push_str(&format!("  target {t:5.1} spm")),
                None => s.push_str("  target   —  "),
            }
            let zone = match (c.paused, c.zone) {
                (Some(p), _) => format!("paused ({})", p.as_str()),
                (None, Some(Zone::In)) => "● in zone".to_string(),
                (None, Some(Zone::Below)) => "▼ below".to_string(),
                (None, Some(Zone::Above)) => "▲ above".to_string(),
                (None, None) => String::new(),
            };
            s.push_str(&format!("  {zone}"));
            if let Some(w) = c.warmup_left_s {
                s.push_str(&format!("  warm-up {w:.0} s left"));
            } else if let Some(n) = c.next_raise_in_s {
                s.push_str(&format!("  next raise in {n:.0} s"));
            }
        }
        s
    }

    fn refresh(&mut self, now_s: f64, st: &Status, force: bool) {
        let every = if self.tty { TTY_EVERY } else { PLAIN_EVERY };
        if !force && self.last_draw.is_some_and(|t| t.elapsed() < every) {
            return;
        }
        self.last_draw = Some(Instant::now());
        let line = self.line(now_s, st);
        let mut out = std::io::stdout().lock();
        let _ = if self.tty {
            let last = match (&self.last, self.coaching) {
                (Some(e), _) => format!("last: {e}"),
                (None, true) => "last: —".to_string(),
                (None, false) => String::new(),
            };
            let up = if self.drawn { "\x1b[2A" } else { "" };
            self.drawn = true;
            write!(out, "{up}\r\x1b[2K{line}\n\r\x1b[2K{last}\n")
        } else {
            writeln!(out, "{line}")
        };
        let _ = out.flush();
    }

    fn decision(&mut self, e: &CoachEvent, st: &Status) {
        let mut out = std::io::stdout().lock();
        if self.tty && self.drawn {
            // Print the decision above the block, then redraw the block under it.
            let _ = write!(out, "\x1b[2A\r\x1b[2K{e}\n\x1b[J");
            self.drawn = false;
        } else {
            let _ = writeln!(out, "{e}");
        }
        drop(out);
        self.last = Some(e.clone());
        if self.tty {
            let now = e.t_s;
            self.refresh(now, st, true);
        }
    }

    fn finish(&mut self) {
        let _ = std::io::stdout().flush();
    }
}

// ---- Footfalls from a microphone (issue 5): `--input mic` / `mic:DEVICE` ----------------

/// Start the microphone source: footfalls become [`Detected`] items on the session clock
/// (seconds of the input stream), with a tick every 20 ms of audio so time moves on between
/// steps. The returned sender takes the click announcements ([`announce_clicks`]).
fn start_mic(
    device: Option<String>,
    voicing: Voicing,
    output_rate_hz: f64,
    tx: crossbeam_channel::Sender<Detected>,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<(LiveSource, Sender<ClickNote>)> {
    let sink = move |event: MicEvent| {
        let detected = match event {
            MicEvent::Tick { t_s } => Detected {
                sample: AccelSample { t_s, acc: [0.0; 3] },
                steps: Vec::new(),
                period_s: None,
            },
            MicEvent::Step {
                t_s,
                reported_s,
                strength,
            } => Detected {
                sample: AccelSample {
                    t_s: reported_s,
                    acc: [0.0; 3],
                },
                steps: vec![StepEvent {
                    t_s,
                    reported_s,
                    interpolated: false,
                    strength,
                }],
                period_s: None,
            },
        };
        tx.send(detected).is_ok()
    };
    let mic = spawn_mic(device, Some(voicing), output_rate_hz, sink, stop)
        .map_err(|e| anyhow::anyhow!("--input mic: {e}"))?;
    say!(
        "stridebeat: listening for footfalls on `{}` at {} Hz",
        mic.device_name,
        mic.sample_rate_hz
    );
    let thread = mic.thread;
    let summary = std::thread::Builder::new()
        .name("source-mic-wait".into())
        .spawn(move || match thread.join() {
            Ok(Ok(summary)) => {
                say!(
                    "stridebeat: microphone: {} footfalls, {} clicks rejected{}",
                    summary.stats.steps,
                    summary.stats.rejected_click,
                    summary
                        .click_latency
                        .filter(|_| summary.click_latency_trusted)
                        .map(|l| format!(
                            ", click heard {:.0} ms after it was rendered",
                            l.latency_samples as f64 * 1000.0 / output_rate_hz
                        ))
                        .unwrap_or_default()
                );
                Ok(())
            }
            Ok(Err(e)) => Err(stridebeat::source::live::LiveError::Read {
                what: "microphone",
                source: std::io::Error::other(e.to_string()),
            }),
            Err(_) => Err(stridebeat::source::live::LiveError::Read {
                what: "microphone",
                source: std::io::Error::other("the microphone thread panicked"),
            }),
        })
        .context("cannot start the microphone thread")?;
    Ok((
        LiveSource {
            thread: summary,
            stats: Default::default(),
            local_addr: None,
        },
        mic.clicks,
    ))
}

/// Tell the microphone source about every sounded click of this poll, with the output frames
/// rendered now, so it can place them on its own clock.
fn announce_clicks(clicks: &Sender<ClickNote>, controller: &Controller, reports: &[BeatReport]) {
    let rendered_frames = controller.frames_rendered();
    let at = Instant::now();
    for r in reports.iter().filter(|r| r.sounded()) {
        let _ = clicks.try_send(ClickNote {
            onset_frames: r.onset_samples,
            rendered_frames,
            at,
        });
    }
}

#[cfg(test)]
mod tests {
    //! The live wiring without a sound card: a real [`Controller`]/engine pair whose callback
    //! half is driven by hand, a `file:` replay as the input, and the same polls `play` makes.

    use super::*;
    use clap::Parser;
    use stridebeat::audio::engine::engine;
    use stridebeat::audio::renderer::{Renderer, Voicing};
    use stridebeat::source::live::load_recording;
    use stridebeat::source::session::read_session_file;
    use stridebeat::source::ReadOptions;
    use stridebeat::tempo::program::Program;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        play: PlayArgs,
    }

    /// A run at 100 Hz whose cadence climbs 2 spm every 80 s from 168, with a walk break at
    /// 300–340 s, as a CSV the reader detects.
    fn synthetic_csv(path: &std::path::Path, seconds: f64) {
        let mut text = String::from("time,ax,ay,az\n");
        let mut phase = 0.0f64;
        let mut t = 0.0;
        while t < seconds {
            let spm = if (300.0..340.0).contains(&t) {
                110.0
            } else {
                168.0 + (t / 80.0).floor() * 2.0
            };
            phase += 2.0 * std::f64::consts::PI * spm / 60.0 * 0.01;
            text.push_str(&format!("{t:.2},0.3,{:.4},0.1\n", 9.81 + 6.0 * phase.sin()));
            t += 0.01;
        }
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_replayed_session_drives_the_click_and_records_what_offline_decides() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("run.csv");
        let session_path = dir.path().join("session.csv");
        synthetic_csv(&input, 600.0);
        let cli = Cli::parse_from([
            "play",
            "--input",
            &format!("file:{}", input.display()),
            "--replay-speed",
            "100",
            "--adapt",
            "--baseline",
            "170",
            "--hold",
            "30",
            "--pause-click",
            "--record",
            session_path.to_str().unwrap(),
        ]);
        let plan = LivePlan::from_args(&cli.play.live, &cli.play.click)
            .unwrap()
            .unwrap();
        let renderer = Renderer::new(
            &Program::steady(plan.start_spm.unwrap()).unwrap(),
            Voicing::default(),
            48_000,
            2,
            None,
        );
        let (mut callback, mut controller) = engine(renderer, 1024);
        let mut session = plan.start(&mut controller).unwrap();
        let mut buffer = vec![0f32; 2 * 2048];
        let mut all_reports = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            assert!(Instant::now() < deadline, "the replay never ended");
            callback.process_f32(&mut buffer);
            let mut reports = Vec::new();
            controller.drain_reports(|r| reports.push(r));
            all_reports.extend_from_slice(&reports);
            if session.poll(&mut controller, &reports).unwrap() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        session.finish("input ended").unwrap();

        let recorded = read_session_file(&session_path).unwrap();
        assert!(recorded.is_complete());
        assert_eq!(recorded.end.as_ref().unwrap().reason, "input ended");
        let (samples, _) = load_recording(&input, &ReadOptions::default()).unwrap();
        assert_eq!(recorded.samples, samples, "every sample recorded as read");
        let coach = Coach::new(cli.play.live.coach.config().unwrap().0).unwrap();
        let offline = super::super::pipeline::run_offline(&samples, Some(coach));
        assert_eq!(
            recorded.decisions, offline.events,
            "live and offline decide alike"
        );
        assert_eq!(recorded.steps, offline.steps);

        // The click followed the coach: every tempo the engine played was one the coach set,
        // and each raise or back-off was cued.
        let raises: Vec<f64> = offline
            .events
            .iter()
            .filter_map(|e| match e.decision {
                Decision::Raise { to_spm, .. } | Decision::BackOff { to_spm, .. } => Some(to_spm),
                _ => None,
            })
            .collect();
        assert!(raises.len() >= 2, "{:?}", offline.events);
        let targets: Vec<f64> = offline
            .events
            .iter()
            .filter_map(|e| e.decision.new_target_spm())
            .collect();
        for r in &all_reports {
            assert!(
                targets.contains(&r.spm),
                "beat {} at {} spm, never a target",
                r.beat_index,
                r.spm
            );
        }
        // (Two changes between two beats would share a beat, so: the last target is played,
        // and there are cues, never more than changes.)
        let played: Vec<f64> = all_reports.iter().map(|r| r.spm).collect();
        let last = offline.final_target_spm.unwrap();
        assert!(played.contains(&last), "the click never played {last} spm");
        let cues = all_reports
            .iter()
            .filter(|r| r.flags.contains(BeatFlags::CUE))
            .count();
        assert!(
            (1..=raises.len()).contains(&cues),
            "{cues} cues for {} changes",
            raises.len()
        );
        // The walk break paused the click (--pause-click): some beats were muted.
        assert!(offline.events.iter().any(|e| e.decision
            == Decision::Pause {
                cause: PauseCause::Walk
            }));
        assert!(
            all_reports.iter().any(|r| !r.sounded()),
            "the click was never paused"
        );
        assert!(all_reports.last().unwrap().sounded(), "the click came back");
    }
}
