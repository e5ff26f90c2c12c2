//! `stridebeat play`: the live metronome.
//!
//! Threads: the audio callback owns the [`Engine`]; this (control) thread owns the
//! [`Controller`], drains beat reports into `--beats`, and listens on crossbeam channels for
//! Ctrl-C (from the ctrlc handler thread) and device faults (from cpal's error callback). It
//! stops on Ctrl-C, at the end of `--duration`/a finite program (after the device has played
//! out its buffer), or when the [`Watchdog`] judges the device failed (exit code 2).

use std::fs::File;
use std::io::BufWriter;
use std::time::{Duration, Instant};

use anyhow::Context;
use crossbeam_channel::bounded;
use stridebeat::audio::beat_log::BeatLogWriter;
use stridebeat::audio::engine::{engine, Controller, Engine};
use stridebeat::audio::output::{open_output, StreamFault};
use stridebeat::audio::renderer::{BeatReport, Renderer};
use stridebeat::audio::watchdog::{Verdict, Watchdog};

use super::render::{create_beat_log, ClickArgs};

/// Options of `stridebeat play`.
#[derive(clap::Args, Debug)]
pub struct PlayArgs {
    /// What to play and how it sounds.
    #[command(flatten)]
    pub click: ClickArgs,
    /// Output device: a name or id from `stridebeat devices` (a unique part of the name is
    /// enough). Default: the system's default output.
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Live measurement and coaching (`--input`, `--adapt`, `--record`).
    #[command(flatten)]
    pub live: super::live::LiveArgs,
}

/// Capacity of the command and beat-report rings (beats are drained every 20 ms).
const RING_CAPACITY: usize = 1024;
/// How often the control thread drains reports and checks for the end.
const POLL: Duration = Duration::from_millis(20);
/// Extra time, beyond the reported device latency, allowed for the last click to be heard.
const PLAY_OUT_MARGIN_S: f64 = 0.25;

/// Run `stridebeat play`.
pub fn run(args: PlayArgs) -> anyhow::Result<()> {
    if args.live.input.is_some() {
        return super::live::run(args);
    }
    run_with(args, |_, _| Ok(()))
}

/// Run `stridebeat play` with a `driver` called on the control thread every poll (about every
/// 20 ms) with the [`Controller`] and the beat reports that arrived since the last call
/// (already written to `--beats`). This is the seam for live measurement and the coach
/// (`play --input … --adapt`): the driver may call `set_spm`, `glide_to`, `cue_next_beat`,
/// `pause_click`, `resume_click`. An error from the driver stops playback and is returned.
pub fn run_with(
    args: PlayArgs,
    mut driver: impl FnMut(&mut Controller, &[BeatReport]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let program = args.click.program()?;
    let output = open_output(args.device.as_deref()).map_err(|e| {
        anyhow::anyhow!(
            "no usable audio output: {e}\n\
             (to get the click track without a device: stridebeat render ... -o click.wav)"
        )
    })?;
    let rate_hz = output.sample_rate_hz();
    let renderer = Renderer::new(
        &program,
        args.click.voicing(),
        rate_hz,
        output.channels(),
        args.click.duration_samples(rate_hz),
    );
    let (engine_half, mut controller): (Engine, Controller) = engine(renderer, RING_CAPACITY);
    let mut log = match &args.click.beats {
        Some(path) => Some(create_beat_log(path, rate_hz)?),
        None => None,
    };

    // Ctrl-C and device faults come over separate channels so a storm of faults can never
    // crowd out the user's Ctrl-C.
    let (interrupt_tx, interrupt_rx) = bounded::<()>(1);
    ctrlc::set_handler(move || {
        let _ = interrupt_tx.try_send(());
    })
    .context("cannot install the Ctrl-C handler")?;
    let (fault_tx, fault_rx) = bounded::<StreamFault>(256);

    // One call before the stream starts, so what the driver sets up (e.g. a click muted for
    // the coach's warm-up) is in the command ring before the callback renders its first beat.
    driver(&mut controller, &[])?;

    let device_name = output.name().to_string();
    let running = output
        .start(engine_half, move |fault| {
            let _ = fault_tx.try_send(fault);
        })
        .map_err(|e| {
            anyhow::anyhow!(
                "no usable audio output: {e}\n\
                 (to get the click track without a device: stridebeat render ... -o click.wav)"
            )
        })?;
    say!(
        "stridebeat: playing {} on {device_name} at {rate_hz} Hz; Ctrl-C stops",
        describe(&args.click)
    );

    let started = Instant::now();
    let mut tick_reports: Vec<BeatReport> = Vec::with_capacity(RING_CAPACITY);
    let mut watchdog = Watchdog::new(0.0);
    let mut finished_at_frames: Option<u64> = None;
    let outcome: anyhow::Result<()> = 'run: loop {
        if interrupt_rx.recv_timeout(POLL).is_ok() {
            break Ok(());
        }
        let now_s = started.elapsed().as_secs_f64();
        let mut verdicts: Vec<Verdict> = fault_rx
            .try_iter()
            .map(|fault| watchdog.on_fault(&fault, now_s))
            .collect();
        verdicts.push(watchdog.on_tick(controller.frames_rendered(), now_s));
        for verdict in verdicts {
            match verdict {
                Verdict::Fine => {}
                Verdict::Warn(message) => say!("stridebeat: audio warning: {message}"),
                Verdict::Failed(reason) => {
                    break 'run Err(anyhow::anyhow!(
                        "the audio device `{device_name}` failed ({reason}); \
                         is it still connected? Playback stopped."
                    ))
                }
            }
        }
        tick_reports.clear();
        controller.drain_reports(|report| tick_reports.push(report));
        if let Err(e) = write_log(&mut log, &tick_reports) {
            break Err(e);
        }
        if let Err(e) = driver(&mut controller, &tick_reports) {
            break Err(e);
        }
        if controller.is_finished() {
            let frames = controller.frames_rendered();
            let done_at = *finished_at_frames.get_or_insert(frames);
            // The last click was rendered; wait until the device has played it out.
            let latency_s = running.latency_ns() as f64 * 1e-9;
            let play_out_frames = ((latency_s + PLAY_OUT_MARGIN_S) * f64::from(rate_hz)) as u64;
            if frames >= done_at + play_out_frames {
                break Ok(());
            }
        }
    };

    let _ = controller.stop();
    let deadline = Instant::now() + Duration::from_millis(500);
    while !controller.is_stopped() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(running);
    tick_reports.clear();
    controller.drain_reports(|report| tick_reports.push(report));
    write_log(&mut log, &tick_reports)?;
    if let Some(log) = log {
        log.finish().context("cannot finish the beat log")?;
    }
    if controller.dropped_reports() > 0 {
        say!(
            "stridebeat: {} beat reports were lost (the beat log is incomplete)",
            controller.dropped_reports()
        );
    }
    if watchdog.xruns() > 0 {
        say!(
            "stridebeat: the device reported {} underruns (audible gaps)",
            watchdog.xruns()
        );
    }
    outcome
}

/// Write `reports` to the beat log, if there is one.
fn write_log(
    log: &mut Option<BeatLogWriter<BufWriter<File>>>,
    reports: &[BeatReport],
) -> anyhow::Result<()> {
    if let Some(log) = log {
        for report in reports {
            log.write(report).context("cannot write the beat log")?;
        }
    }
    Ok(())
}

/// What is being played, for the start message.
fn describe(click: &ClickArgs) -> String {
    let what = match (&click.spm, &click.program) {
        (Some(spm), _) => format!("{spm} spm"),
        (None, Some(p)) => format!("program \"{p}\""),
        (None, None) => String::new(),
    };
    match click.duration_s {
        Some(d_s) => format!("{what} for {d_s} s"),
        None => what,
    }
}
