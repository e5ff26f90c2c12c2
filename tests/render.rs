//! `stridebeat render` end to end: run the built binary, read the WAV back, find the clicks in
//! the audio and require them exactly where the beat log (and the beat clock) says, in the ear
//! the panning asks for. Also: bad input is refused with exit code 2 and a located message.

#[path = "common/capture.rs"]
mod capture;

use std::path::Path;
use std::process::Command;

use stridebeat::audio::beat_log::{parse_beat_log, BeatLogLine};
use stridebeat::tempo::clock::BeatClock;
use stridebeat::tempo::program::Program;

use capture::detect_onsets;

fn read_wav(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let samples = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => reader
            .samples::<i16>()
            .map(|s| f32::from(s.unwrap()) / 32767.0)
            .collect(),
    };
    (spec, samples)
}

struct Rendered {
    spec: hound::WavSpec,
    samples: Vec<f32>,
    log: Vec<BeatLogLine>,
}

fn render(args: &[&str]) -> Rendered {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("click.wav");
    let csv = dir.path().join("beats.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .arg("render")
        .args(args)
        .arg("-o")
        .arg(&wav)
        .arg("--beats")
        .arg(&csv)
        .status()
        .unwrap();
    assert!(status.success(), "render {args:?} failed");
    let (spec, samples) = read_wav(&wav);
    let log = parse_beat_log(&std::fs::read_to_string(&csv).unwrap()).unwrap();
    Rendered { spec, samples, log }
}

fn clock_onsets(program: &Program, rate_hz: u32, end_samples: u64) -> Vec<u64> {
    let mut clock = BeatClock::new(program, rate_hz);
    let mut out = Vec::new();
    while let Some(b) = clock.peek().filter(|b| b.onset_samples < end_samples) {
        out.push(b.onset_samples);
        clock.advance();
    }
    out
}

#[test]
fn steady_alternating_clicks_sit_on_the_logged_samples_in_alternate_ears() {
    let r = render(&[
        "--spm",
        "172",
        "--duration",
        "10s",
        "--sound",
        "woodblock",
        "--pan",
        "alternate",
        "--accent",
        "4",
    ]);
    assert_eq!(r.spec.sample_rate, 48_000, "48 kHz by default");
    assert_eq!(r.spec.channels, 2);
    assert_eq!(r.samples.len(), 2 * 480_000, "exactly 10 s");
    let logged: Vec<u64> = r.log.iter().map(|l| l.sample).collect();
    assert_eq!(logged[0], 0, "first beat at sample 0");
    assert_eq!(
        logged,
        clock_onsets(&Program::steady(172.0).unwrap(), 48_000, 480_000)
    );
    let quiet = 1440; // 30 ms
    let left = detect_onsets(&r.samples, 2, 0, quiet);
    let right = detect_onsets(&r.samples, 2, 1, quiet);
    let even: Vec<u64> = r
        .log
        .iter()
        .filter(|l| l.beat % 2 == 0)
        .map(|l| l.sample)
        .collect();
    let odd: Vec<u64> = r
        .log
        .iter()
        .filter(|l| l.beat % 2 == 1)
        .map(|l| l.sample)
        .collect();
    assert_eq!(left, even, "left ear plays the even beats");
    assert_eq!(right, odd, "right ear plays the odd beats");
    // Accented beats (every 4th) are louder than the others.
    let peak = |s: u64| {
        r.samples[s as usize * 2..(s as usize + 200) * 2]
            .iter()
            .fold(0.0f32, |m, x| m.max(x.abs()))
    };
    assert!(peak(logged[4]) > 1.3 * peak(logged[1]));
    for l in &r.log {
        assert!((l.seconds - l.sample as f64 / 48_000.0).abs() < 1e-6);
        assert_eq!(l.spm, 172.0);
    }
}

#[test]
fn ramped_program_at_44k1_is_where_the_log_says() {
    let text = "4s 150..200, 3s@185, 3s 185..160";
    let r = render(&["--program", text, "--rate", "44100", "--sound", "beep"]);
    assert_eq!(r.spec.sample_rate, 44_100);
    assert_eq!(r.samples.len(), 2 * 441_000);
    let logged: Vec<u64> = r.log.iter().map(|l| l.sample).collect();
    assert_eq!(
        logged,
        clock_onsets(&Program::parse(text).unwrap(), 44_100, 441_000)
    );
    assert_eq!(detect_onsets(&r.samples, 2, 0, 1323), logged);
    assert_eq!(
        detect_onsets(&r.samples, 2, 1, 1323),
        logged,
        "center pan: both ears"
    );
    // The logged cadence follows the ramp.
    assert_eq!(r.log[0].spm, 150.0);
    assert!(r.log.iter().any(|l| (l.spm - 185.0).abs() < 1e-9));
}

#[test]
fn float_mono_at_96k() {
    let r = render(&[
        "--spm",
        "300",
        "--duration",
        "3s",
        "--rate",
        "96000",
        "--channels",
        "1",
        "--float",
        "--sound",
        "click",
    ]);
    assert_eq!(r.spec.sample_format, hound::SampleFormat::Float);
    assert_eq!(r.samples.len(), 288_000);
    let logged: Vec<u64> = r.log.iter().map(|l| l.sample).collect();
    assert_eq!(logged, (0..15).map(|k| k * 19_200).collect::<Vec<u64>>());
    assert_eq!(detect_onsets(&r.samples, 1, 0, 2880), logged);
}

fn refused(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .arg("render")
        .args(args)
        .arg("-o")
        .arg(dir.path().join("x.wav"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?} must exit 2");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_programs_and_cadences_are_refused_with_a_located_message() {
    let msg = refused(&["--program", "5m@160, 20m 160..17x"]);
    let lines: Vec<&str> = msg.lines().collect();
    let shown = lines
        .iter()
        .position(|l| l.trim() == "5m@160, 20m 160..17x")
        .unwrap();
    let caret = lines[shown + 1].find('^').unwrap();
    assert_eq!(
        &lines[shown][caret..caret + 2],
        "17",
        "caret under the bad cadence: {msg}"
    );
    let msg = refused(&["--program", "5m@160,20m 160..x72"]);
    let lines: Vec<&str> = msg.lines().collect();
    let shown = lines
        .iter()
        .position(|l| l.trim() == "5m@160,20m 160..x72")
        .unwrap();
    let caret = lines[shown + 1].find('^').unwrap();
    assert_eq!(
        &lines[shown][caret..caret + 1],
        "x",
        "caret under the bad text: {msg}"
    );
    assert!(refused(&["--spm", "320", "--duration", "1s"]).contains("40–300"));
    assert!(refused(&["--spm", "170"]).contains("--duration"));
}
