//! Offline footfall analysis: a whole recording through the streaming detector, and the step
//! list turned into the same [`Analysis`] (steps, cadence over time, walk/run segments) that
//! the accelerometer path produces, so JSON, CSV and plots work unchanged.

use std::path::Path;

use super::{Footfall, FootfallConfig, FootfallDetector, FootfallError, FootfallStats};
use crate::gait::analysis::{Analysis, AnalyzerConfig};
use crate::gait::refine::fill_missed_steps;
use crate::gait::segments::{segment, PAUSE_S};
use crate::source::wav::{WavError, WavSource};

/// Frames read from a WAV file per block.
const BLOCK_FRAMES: usize = 8192;

/// What the analysis of one WAV file found.
#[derive(Clone, Debug, PartialEq)]
pub struct WavAnalysis {
    /// Steps, cadence and segments (times in seconds from the file's first frame).
    pub analysis: Analysis,
    /// The detected steps with onset and decision samples.
    pub steps: Vec<Footfall>,
    /// What the detector did with its candidates.
    pub stats: FootfallStats,
    /// The file's sample rate, Hz.
    pub sample_rate_hz: u32,
    /// The file's channel count.
    pub channels: u16,
    /// Seconds of audio analysed.
    pub duration_s: f64,
    /// Set when the file's data ended before its header said: the analysis covers the frames
    /// before the cut, and this is the error describing it.
    pub truncated: Option<String>,
}

/// Analyse a WAV file with the footfall detector (no click is known in a recording).
pub fn analyze_wav(
    path: impl AsRef<Path>,
    config: &FootfallConfig,
) -> Result<WavAnalysis, FootfallError> {
    let mut wav = WavSource::open(path)?;
    let rate_hz = wav.sample_rate_hz();
    let mut detector = FootfallDetector::new(rate_hz, config.clone(), None)?;
    let mut block = vec![0.0f32; BLOCK_FRAMES];
    let mut steps = Vec::new();
    let mut truncated = None;
    loop {
        match wav.read_mono(&mut block) {
            Ok(0) => break,
            Ok(frames) => detector.process(&block[..frames], |s| steps.push(s)),
            Err(err @ WavError::Truncated { .. }) => {
                truncated = Some(err.to_string());
                break;
            }
            Err(err) => return Err(err.into()),
        }
    }
    detector.finish(|s| steps.push(s));
    let rate = f64::from(rate_hz);
    let times: Vec<f64> = steps
        .iter()
        .map(|s| s.onset_samples as f64 / rate)
        .collect();
    Ok(WavAnalysis {
        analysis: analysis_from_steps(&times),
        steps,
        stats: detector.stats(),
        sample_rate_hz: rate_hz,
        channels: wav.channels(),
        duration_s: wav.frames_read() as f64 / rate,
        truncated,
    })
}

/// Run the detector over mono `samples` at `rate_hz`, with the clicks rendered at
/// `clicks_samples` (same clock; empty when none played). For tests and tools.
pub fn analyze_samples(
    samples: &[f32],
    rate_hz: u32,
    config: &FootfallConfig,
    click_table: Option<&[f32]>,
    clicks_samples: &[u64],
) -> Result<(Vec<Footfall>, FootfallStats), FootfallError> {
    let mut detector = FootfallDetector::new(rate_hz, config.clone(), click_table)?;
    let mut steps = Vec::new();
    let mut next_click = 0;
    let block = detector.hop_samples() as usize * 16;
    for (i, chunk) in samples.chunks(block.max(1)).enumerate() {
        // Tell the detector about clicks rendered up to the end of this block, as the engine's
        // beat reports would (they arrive before the sound reaches the microphone).
        let end = ((i + 1) * block) as u64;
        while next_click < clicks_samples.len() && clicks_samples[next_click] < end {
            detector.push_click(clicks_samples[next_click]);
            next_click += 1;
        }
        detector.process(chunk, |s| steps.push(s));
    }
    detector.finish(|s| steps.push(s));
    Ok((steps, detector.stats()))
}

/// Steps (seconds, increasing, from the streaming detector) into an [`Analysis`], exactly as
/// the accelerometer path finishes its steps: two-step gaps inside a bout are restored with a
/// step half-way ([`fill_missed_steps`]), then the shared segmentation gives walk/run segments
/// and cadence over time ([`segment`], running from 145 spm).
pub fn analysis_from_steps(step_times_s: &[f64]) -> Analysis {
    let mut steps: Vec<f64> = step_times_s
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .collect();
    steps.sort_by(f64::total_cmp);
    steps.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
    let steps = fill_missed_steps(&steps, PAUSE_S);
    let (segments, cadence) = segment(&steps, AnalyzerConfig::default().run_from_spm);
    Analysis {
        step_times_s: steps,
        segments,
        cadence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gait::analysis::Activity;

    #[test]
    fn steps_with_a_pause_make_two_segments_and_a_missed_step_is_restored() {
        let mut steps: Vec<f64> = (0..40).map(|i| 1.0 + i as f64 * 0.36).collect(); // ~167 spm
        let resume = steps[39] + 8.0;
        steps.extend((0..20).map(|i| resume + i as f64 * 0.55)); // ~109 spm
        steps.remove(20); // a missed step in the run
        let a = analysis_from_steps(&steps);
        assert_eq!(a.step_times_s.len(), 60);
        assert_eq!(a.segments.len(), 2, "{:?}", a.segments);
        assert_eq!(a.segments[0].activity, Activity::Run);
        assert_eq!(a.segments[0].steps, 40);
        assert!((a.segments[0].cadence_spm - 166.7).abs() < 0.5);
        assert_eq!(a.segments[1].activity, Activity::Walk);
        assert_eq!(a.segments[1].steps, 20);
        assert!(a.cadence.iter().all(|p| p.spm > 100.0 && p.spm < 170.0));
    }

    #[test]
    fn no_steps_no_segments() {
        let a = analysis_from_steps(&[]);
        assert!(a.segments.is_empty() && a.cadence.is_empty());
        let a = analysis_from_steps(&[f64::NAN, 2.0, 1.0, 1.0]);
        assert_eq!(a.step_times_s, vec![1.0, 2.0]);
    }
}
