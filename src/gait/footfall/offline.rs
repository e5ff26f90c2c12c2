//! Offline footfall analysis: a whole recording through the streaming detector, and the step
//! list turned into the same [`Analysis`] (steps, cadence over time, walk/run segments) that
//! the accelerometer path produces, so JSON, CSV and plots work unchanged.

use std::path::Path;

use super::{Footfall, FootfallConfig, FootfallDetector, FootfallError, FootfallStats};
use crate::gait::analysis::{Activity, Analysis, CadencePoint, Segment};
use crate::source::wav::{WavError, WavSource};

/// Frames read from a WAV file per block.
const BLOCK_FRAMES: usize = 8192;
/// A gap between steps longer than this (or than 3 step intervals) ends a segment, seconds.
const MAX_GAP_S: f64 = 2.0;
/// Fewest steps that make a segment.
const MIN_SEGMENT_STEPS: usize = 4;
/// Cadence at and above which a segment counts as running, steps per minute.
const RUN_SPM: f64 = 145.0;

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

/// Median of a non-empty slice (upper middle).
fn median(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Steps (seconds, increasing) into an [`Analysis`]: cadence at every step from the median of
/// the last few intervals, and segments split at pauses, each labelled walk or run by its
/// median cadence.
pub fn analysis_from_steps(step_times_s: &[f64]) -> Analysis {
    let mut cadence = Vec::new();
    let mut segments = Vec::new();
    let mut bout_start = 0;
    for i in 0..=step_times_s.len() {
        let ends_bout = i == step_times_s.len() || {
            let gap = step_times_s[i] - step_times_s[i.saturating_sub(1)];
            let typical = if i >= bout_start + 3 {
                let mut recent: Vec<f64> = (i.saturating_sub(4).max(bout_start + 1)..i)
                    .map(|k| step_times_s[k] - step_times_s[k - 1])
                    .collect();
                median(&mut recent)
            } else {
                MAX_GAP_S
            };
            i > bout_start && gap > MAX_GAP_S.min(3.0 * typical).max(0.2)
        };
        if !ends_bout {
            if i > bout_start {
                let from = i.saturating_sub(4).max(bout_start + 1);
                let mut recent: Vec<f64> = (from..=i)
                    .map(|k| step_times_s[k] - step_times_s[k - 1])
                    .collect();
                let interval = median(&mut recent);
                if interval > 0.0 {
                    cadence.push(CadencePoint {
                        t_s: step_times_s[i],
                        spm: 60.0 / interval,
                    });
                }
            }
            continue;
        }
        let bout = &step_times_s[bout_start..i];
        if bout.len() >= MIN_SEGMENT_STEPS {
            let mut intervals: Vec<f64> = bout.windows(2).map(|w| w[1] - w[0]).collect();
            let spm = 60.0 / median(&mut intervals);
            segments.push(Segment {
                start_s: bout[0],
                end_s: bout[bout.len() - 1],
                activity: if spm >= RUN_SPM {
                    Activity::Run
                } else {
                    Activity::Walk
                },
                steps: bout.len(),
                cadence_spm: spm,
            });
        }
        bout_start = i;
    }
    Analysis {
        step_times_s: step_times_s.to_vec(),
        segments,
        cadence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_with_a_pause_make_two_segments() {
        let mut steps: Vec<f64> = (0..40).map(|i| 1.0 + i as f64 * 0.36).collect(); // ~167 spm
        let resume = steps[39] + 8.0;
        steps.extend((0..20).map(|i| resume + i as f64 * 0.55)); // ~109 spm
        let a = analysis_from_steps(&steps);
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
        let a = analysis_from_steps(&[1.0, 2.0]);
        assert!(a.segments.is_empty());
    }
}
