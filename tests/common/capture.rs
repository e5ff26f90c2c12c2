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
