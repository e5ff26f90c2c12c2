//! `stridebeat play` through a real cpal output stream, measured on what the device played.
//!
//! Runs only when `STRIDEBEAT_DEVICE_TESTS=1` (`.ci/run` sets it after sourcing
//! `../shared/ci/headless-audio.sh`, which starts a private PulseAudio with a null sink `out` and
//! exports `PULSE_SERVER`); otherwise it prints a skip note and returns, so `cargo test` on a
//! laptop never plays sound. It captures the sink's monitor with `parec` while the built binary
//! plays `--spm 180 --duration 6s --beats beats.csv`, finds the clicks in the capture, and
//! requires the captured intervals to equal the beat log's sample intervals within ±1 sample.
//! Another starts its own private PulseAudio, kills it under a running `play`, and requires exit
//! code 2 with a message and no panic. One test needs no device and always runs: a missing
//! `--device` exits 2 and suggests `render`.

#[path = "common/capture.rs"]
mod capture;

#[path = "common/device.rs"]
mod device;

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use stridebeat::audio::beat_log::parse_beat_log;

use capture::{detect_onsets, SinkCapture};
use device::device_tests_enabled;

/// Sample rate of the headless sink and of the capture, Hz.
const CAPTURE_RATE_HZ: u32 = 48_000;

/// Device tests run one at a time: a dying device's error storm must not starve the timing
/// test's capture.
static DEVICE_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn played_clicks_are_spaced_exactly_as_the_beat_log_says() {
    if !device_tests_enabled("played_clicks_are_spaced_exactly_as_the_beat_log_says") {
        return;
    }
    let _serial = DEVICE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let beats_csv = dir.path().join("beats.csv");

    let capture = SinkCapture::start();

    let play = Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .args(["play", "--spm", "180", "--duration", "6s", "--beats"])
        .arg(&beats_csv)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    thread::sleep(Duration::from_millis(500));
    let stereo = capture.stop();
    assert!(
        play.status.success(),
        "play failed: {}",
        String::from_utf8_lossy(&play.stderr)
    );

    let log = parse_beat_log(&std::fs::read_to_string(&beats_csv).unwrap()).unwrap();
    assert_eq!(log.len(), 18, "6 s at 180 spm is 18 beats");
    for l in &log {
        let rate = l.sample as f64 / l.seconds.max(1e-9);
        assert!(
            l.sample == 0 || (rate - f64::from(CAPTURE_RATE_HZ)).abs() < 1.0,
            "the stream must run at the sink's native {CAPTURE_RATE_HZ} Hz"
        );
    }

    // Onsets in channel 0 of the stereo capture, each after at least 30 ms of quiet.
    let captured = detect_onsets(&stereo, 2, 0, (CAPTURE_RATE_HZ / 1000 * 30) as usize);
    assert_eq!(
        captured.len(),
        log.len(),
        "captured {} clicks, the log has {}: {captured:?}",
        captured.len(),
        log.len()
    );
    let mut max_error_samples = 0i64;
    for i in 1..log.len() {
        let logged = log[i].sample as i64 - log[i - 1].sample as i64;
        let heard = captured[i] as i64 - captured[i - 1] as i64;
        let error = (heard - logged).abs();
        assert!(
            error <= 1,
            "interval {i}: captured {heard} samples, logged {logged}"
        );
        max_error_samples = max_error_samples.max(error);
    }
    eprintln!(
        "device test: {} clicks, max interval error {max_error_samples} samples",
        captured.len()
    );
}

#[test]
fn play_on_a_missing_device_exits_2_and_suggests_render() {
    // Safe on any machine: the device does not exist, so nothing is played.
    let out = Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .args(["play", "--spm", "170", "--device", "no-such-output-7f3a9c"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-output-7f3a9c"), "{stderr}");
    assert!(
        stderr.contains("stridebeat render"),
        "must suggest render: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A private PulseAudio daemon (like ../shared/ci/headless-audio.sh, but owned by one test so
/// the test may kill it without disturbing others).
struct PrivatePulse {
    daemon: std::process::Child,
    dir: tempfile::TempDir,
}

impl PrivatePulse {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let rt = dir.path().join("rt");
        std::fs::create_dir(&rt).unwrap();
        std::fs::set_permissions(&rt, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        let config = dir.path().join("private.pa");
        std::fs::write(
            &config,
            format!(
                "load-module module-native-protocol-unix socket={}/native auth-anonymous=1\n\
                 load-module module-null-sink sink_name=out format=float32le rate=48000 channels=2 norewinds=1\n\
                 set-default-sink out\n",
                dir.path().display()
            ),
        )
        .unwrap();
        let mut pulse = Self {
            daemon: Command::new("pulseaudio")
                .args(["-n", "-F"])
                .arg(&config)
                .args([
                    "--daemonize=no",
                    "--exit-idle-time=-1",
                    "--use-pid-file=no",
                    "--realtime=no",
                    "--high-priority=no",
                ])
                .env("XDG_RUNTIME_DIR", &rt)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("pulseaudio must be installed"),
            dir,
        };
        for _ in 0..100 {
            let ready = pulse
                .command("pactl")
                .arg("info")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return pulse;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = pulse.daemon.kill();
        panic!("private pulseaudio did not start");
    }

    /// A command whose audio goes to this daemon.
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env(
            "PULSE_SERVER",
            format!("unix:{}/native", self.dir.path().display()),
        )
        .env("XDG_RUNTIME_DIR", self.dir.path().join("rt"));
        c
    }
}

impl Drop for PrivatePulse {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

#[test]
fn a_device_that_disappears_ends_play_with_exit_2_and_no_panic() {
    if !device_tests_enabled("a_device_that_disappears_ends_play_with_exit_2_and_no_panic") {
        return;
    }
    let _serial = DEVICE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut pulse = PrivatePulse::start();
    let mut play = pulse
        .command(env!("CARGO_BIN_EXE_stridebeat"))
        .args(["play", "--spm", "180"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(1500));
    assert!(
        play.try_wait().unwrap().is_none(),
        "play must be running before the device goes"
    );
    pulse.daemon.kill().unwrap();
    pulse.daemon.wait().unwrap();
    let mut waited_ms = 0;
    let status = loop {
        if let Some(status) = play.try_wait().unwrap() {
            break status;
        }
        if waited_ms > 10_000 {
            let _ = play.kill();
            panic!("play kept running 10 s after its device disappeared");
        }
        thread::sleep(Duration::from_millis(50));
        waited_ms += 50;
    };
    let mut stderr = String::new();
    play.stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("failed"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `play --input … --adapt` with `--baseline auto` and no `--spm` keeps the click silent while
/// the coach measures the runner's natural cadence — from the very first beat, which is due at
/// sample 0, before the control loop's first poll.
#[test]
fn the_click_is_silent_from_its_first_beat_during_the_coach_warm_up() {
    if !device_tests_enabled("the_click_is_silent_from_its_first_beat_during_the_coach_warm_up") {
        return;
    }
    let recording = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/soundtrack/d17_P09_6_0_imu.csv");
    if !recording.exists() {
        println!("SKIPPED warm-up mute: {} is absent", recording.display());
        return;
    }
    let _serial = DEVICE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let capture = SinkCapture::start();
    let play = Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .args(["play", "--adapt", "--duration", "3s", "--input"])
        .arg(format!("file:{}", recording.display()))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    thread::sleep(Duration::from_millis(300));
    let captured = capture.stop();
    assert!(
        play.status.success(),
        "play failed: {}",
        String::from_utf8_lossy(&play.stderr)
    );
    assert!(
        captured.len() > 2 * 48_000 * 2,
        "captured only {} samples",
        captured.len()
    );
    let peak = captured.iter().fold(0.0f32, |m, &s| m.max(s.abs()));
    assert!(
        peak < 1e-3,
        "a click sounded during the warm-up (peak {peak})"
    );
}
