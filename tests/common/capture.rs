//! Finding clicks in played or rendered audio, shared by the tests that check where the
//! metronome's clicks landed (`render`, `device_play`, `live_e2e`). Include it with
//! `#[path = "common/capture.rs"] mod capture;`.

// Each test binary uses only part of this module.
#![allow(dead_code)]

/// Level above which a sample counts as sound.
pub const THRESHOLD: f32 = 0.02;

/// Onsets (frame indices) in one channel of interleaved audio: the first loud sample after at
/// least `quiet_frames` frames below [`THRESHOLD`].
pub fn detect_onsets(
    samples: &[f32],
    channels: usize,
    channel: usize,
    quiet_frames: usize,
) -> Vec<u64> {
    let mut onsets = Vec::new();
    let mut quiet = quiet_frames; // the start of the audio counts as quiet
    for (i, frame) in samples.chunks_exact(channels).enumerate() {
        if frame[channel].abs() > THRESHOLD {
            if quiet >= quiet_frames {
                onsets.push(i as u64);
            }
            quiet = 0;
        } else {
            quiet += 1;
        }
    }
    onsets
}

/// Samples of a raw little-endian f32 capture (as `parec --format=float32le` writes it).
pub fn f32_le_samples(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// A recording of what the headless sink `out` plays (`parec` on `out.monitor`, f32 stereo at
/// 48 kHz), for the device tests.
pub struct SinkCapture {
    parec: std::process::Child,
    reader: std::thread::JoinHandle<Vec<u8>>,
}

impl SinkCapture {
    /// Start capturing and give `parec` half a second to connect before anything plays.
    pub fn start() -> Self {
        use std::io::Read;
        use std::process::{Command, Stdio};
        let mut parec = Command::new("parec")
            .args(["-d", "out.monitor", "--format=float32le", "--rate=48000"])
            .args(["--channels=2", "--raw"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("parec (pulseaudio-utils) must be installed");
        let mut out = parec.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            out.read_to_end(&mut bytes).unwrap();
            bytes
        });
        std::thread::sleep(std::time::Duration::from_millis(500));
        Self { parec, reader }
    }

    /// Stop capturing and return the interleaved stereo samples.
    pub fn stop(mut self) -> Vec<f32> {
        self.parec.kill().unwrap();
        self.parec.wait().unwrap();
        f32_le_samples(&self.reader.join().unwrap())
    }
}
