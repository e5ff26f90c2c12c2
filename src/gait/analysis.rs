//! Offline analysis of a whole recording: feeds samples through the streaming detector and
//! collects steps, cadence over time and walk/run/stop segments, in bounded memory.
//!
//! Contract used by `stridebeat analyze` and the report module. The detector is the same
//! streaming one the live coach uses ([`super::LiveDetector`]). Its steps are refined with
//! hindsight ([`StepRefiner`]: [`super::refine`] run a window at a time, once the steps have
//! settled) and split into walking and running segments as they come
//! ([`super::segments::Segmenter`]); a [`SegmentSink`] (the report's summary) sees the segments
//! and the cadence track as they are resolved. Only the step list and cadence track, when
//! asked for, grow with the recording.

use super::quantiles::Quantiles;
use super::refine::{fill_missed_steps, fill_sustained_gaps};
use super::segments::{SegmentSink, Segmenter, PAUSE_S};
use super::{AccelSample, DetectorConfig, LiveDetector};
use serde::Serialize;

/// What the runner was doing during a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    /// Walking cadence (roughly 60–145 spm).
    Walk,
    /// Running cadence (roughly 145–230 spm).
    Run,
}

/// A stretch of continuous walking or running.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Segment {
    /// Start, seconds on the recording clock.
    pub start_s: f64,
    /// End, seconds on the recording clock.
    pub end_s: f64,
    /// Walking or running.
    pub activity: Activity,
    /// Steps in the segment.
    pub steps: usize,
    /// Median cadence over the segment, steps per minute.
    pub cadence_spm: f64,
}

/// Cadence at one moment, for plots and the compact cadence-over-time line.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CadencePoint {
    /// Seconds on the recording clock.
    pub t_s: f64,
    /// Estimated cadence, steps per minute.
    pub spm: f64,
}

/// Everything the offline analysis found in one recording.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// Step (foot contact) times, seconds on the recording clock.
    pub step_times_s: Vec<f64>,
    /// Walking and running segments, in time order. Gaps between them are stops.
    pub segments: Vec<Segment>,
    /// Cadence over time.
    pub cadence: Vec<CadencePoint>,
}

/// Settings of the offline analysis.
#[derive(Clone, Debug)]
pub struct AnalyzerConfig {
    /// The step detector's settings (the live coach uses the same).
    pub detector: DetectorConfig,
    /// Cadences at or above this are running, steps per minute.
    pub run_from_spm: f64,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        Self {
            detector: DetectorConfig::default(),
            run_from_spm: 145.0,
        }
    }
}

/// A raw step is never reported later than this after its own time, seconds (the bout gate
/// holds at most a dozen candidates of at most 1.6 s each; a test checks the recordings).
pub const SETTLE_S: f64 = 120.0;
/// Context the refinement needs around the steps it finalises: this many raw steps ...
const CONTEXT_STEPS: usize = 16;
/// ... then this many seconds (the sustained-gap pass looks 15 s around an interval, at the
/// strides of an even window up to 14 s long) ...
const CONTEXT_S: f64 = 60.0;
/// How often the refinement runs over the steps that have settled, seconds of recording (each
/// run also goes over about two minutes of context, so rarer runs repeat less work).
const REFINE_EVERY_S: f64 = 600.0;

/// The refinement of a sorted list of raw steps: duplicates dropped, steps missed in two-step
/// gaps and over sustained stretches restored.
pub fn refine_steps(raw: &[f64]) -> Vec<f64> {
    let mut steps = raw.to_vec();
    steps.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
    let steps = fill_missed_steps(&steps, PAUSE_S);
    fill_sustained_gaps(&steps, PAUSE_S)
}

/// The refinement run on a stream of raw steps in bounded memory: steps are finalised a
/// window at a time, once they and the context around them have settled, and give exactly
/// what [`refine_steps`] gives for the whole list (each refined step depends only on the raw
/// steps within 16 steps, then 60 s, then 16 steps of it; a property test checks this).
#[derive(Debug)]
pub struct StepRefiner {
    /// Raw steps still needed, sorted.
    raw: Vec<f64>,
    /// Refined steps before this time have been passed on.
    emitted_to: f64,
    started: bool,
    next_run_s: f64,
    /// Seconds of recording between refinement runs.
    every_s: f64,
    late: u64,
}

impl Default for StepRefiner {
    fn default() -> Self {
        Self::every(REFINE_EVERY_S)
    }
}

impl StepRefiner {
    /// A refiner that finalises steps every `every_s` seconds of recording (the default is
    /// ten minutes: each run also goes over minutes of context).
    pub fn every(every_s: f64) -> Self {
        StepRefiner {
            raw: Vec::new(),
            emitted_to: 0.0,
            started: false,
            next_run_s: 0.0,
            every_s,
            late: 0,
        }
    }

    /// Add a raw step (any order within [`SETTLE_S`]).
    pub fn push(&mut self, t_s: f64) {
        if !t_s.is_finite() {
            return;
        }
        if self.started && t_s < self.emitted_to {
            self.late += 1; // its neighbours are final already
            return;
        }
        let at = self.raw.partition_point(|&x| x <= t_s);
        self.raw.insert(at, t_s);
    }

    /// Raw steps that came more than [`SETTLE_S`] after their time, when the steps around
    /// them were final already (they are left out; none is expected).
    pub fn late_steps(&self) -> u64 {
        self.late
    }

    /// Raw steps held now.
    pub fn held(&self) -> usize {
        self.raw.len()
    }

    /// Index of the first raw step of the context that refined steps from `raw[i]` on need.
    fn context_start(&self, i: usize) -> usize {
        let Some(&t) = self.raw.get(i.saturating_sub(CONTEXT_STEPS)) else {
            return 0;
        };
        let j = self.raw.partition_point(|&x| x < t - CONTEXT_S);
        j.saturating_sub(CONTEXT_STEPS)
    }

    /// Whether [`StepRefiner::advance`] at `now_s` has work to do (it is cheap to ask).
    #[inline]
    pub fn due(&self, now_s: f64) -> bool {
        !self.started || now_s >= self.next_run_s
    }

    /// The recording has reached `now_s`: pass on the refined steps that are final.
    pub fn advance(&mut self, now_s: f64, out: &mut impl FnMut(f64)) {
        if !self.started {
            self.started = true;
            self.emitted_to = f64::NEG_INFINITY;
            self.next_run_s = now_s + self.every_s;
        }
        if now_s < self.next_run_s {
            return;
        }
        self.next_run_s = now_s + self.every_s;
        let settled = now_s - SETTLE_S;
        let m = self.raw.partition_point(|&x| x < settled); // raw[..m] are final
                                                            // The new horizon raw[k] needs CONTEXT_STEPS, CONTEXT_S and CONTEXT_STEPS after it,
                                                            // all final.
        let Some(last_ctx) = m.checked_sub(CONTEXT_STEPS + 1) else {
            return;
        };
        let p = self
            .raw
            .partition_point(|&x| x < self.raw[last_ctx] - CONTEXT_S);
        let Some(k) = p.checked_sub(CONTEXT_STEPS + 1) else {
            return;
        };
        let horizon = self.raw[k];
        if horizon <= self.emitted_to {
            return;
        }
        let r0 = self.raw.partition_point(|&x| x < self.emitted_to);
        let l = self.context_start(r0);
        let from = self.emitted_to;
        for t in refine_steps(&self.raw[l..m]) {
            if t >= from && t < horizon {
                out(t);
            }
        }
        self.emitted_to = horizon;
        let keep = self.context_start(k);
        self.raw.drain(..keep);
    }

    /// The recording ended: pass on the rest.
    pub fn finish(&mut self, out: &mut impl FnMut(f64)) {
        let r0 = self.raw.partition_point(|&x| x < self.emitted_to);
        let l = self.context_start(r0);
        let from = if self.started {
            self.emitted_to
        } else {
            f64::NEG_INFINITY
        };
        for t in refine_steps(&self.raw[l..]) {
            if t >= from {
                out(t);
            }
        }
        self.raw.clear();
        self.emitted_to = f64::INFINITY;
    }
}

/// A [`SegmentSink`] that ignores what it is given: for an [`Analyzer`] whose only result is
/// its [`Analysis`]. (The report's summary is another sink, built as the analysis goes.)
#[derive(Debug, Default)]
pub struct NoSink;

impl SegmentSink for NoSink {
    fn cadence_point(&mut self, _: CadencePoint) {}
    fn segment(&mut self, _: Segment, _: &mut Quantiles) {}
}

/// What an [`Analyzer`] keeps of each step, besides the segments.
struct Keeper<'a, S> {
    keep_steps: bool,
    cadence: &'a mut Vec<CadencePoint>,
    segments: &'a mut Vec<Segment>,
    sink: &'a mut S,
}

impl<S: SegmentSink> SegmentSink for Keeper<'_, S> {
    fn cadence_point(&mut self, point: CadencePoint) {
        if self.keep_steps {
            self.cadence.push(point);
        }
        self.sink.cadence_point(point);
    }
    fn segment(&mut self, segment: Segment, step_cadences: &mut Quantiles) {
        self.segments.push(segment.clone());
        self.sink.segment(segment, step_cadences);
    }
}

/// Streaming offline analyser: push every sample in time order, then [`Analyzer::finish`].
///
/// Memory is bounded by the detector's fixed state, a few minutes of steps and the segments,
/// plus the step list and cadence track when they are kept (8 and 16 bytes per step).
#[derive(Debug)]
pub struct Analyzer<S: SegmentSink = NoSink> {
    detector: LiveDetector,
    refiner: StepRefiner,
    segmenter: Segmenter,
    keep_steps: bool,
    steps: Vec<f64>,
    step_count: usize,
    cadence: Vec<CadencePoint>,
    segments: Vec<Segment>,
    sink: S,
    now_s: f64,
}

/// What [`Analyzer::finish_with_sink`] returns.
#[derive(Debug)]
pub struct Finished<S> {
    /// Steps, segments and cadence track (the step list and cadence track are empty unless
    /// they were kept).
    pub analysis: Analysis,
    /// Steps found (also when the list was not kept).
    pub steps: usize,
    /// Raw steps reported too late to be placed (see [`StepRefiner::late_steps`]).
    pub late_steps: u64,
    /// Steps the detector put half-way for the other foot of a sensor worn on one foot
    /// ([`LiveDetector::other_foot_steps`]).
    pub other_foot_steps: u64,
    /// The sink, having seen every segment and cadence point.
    pub sink: S,
}

impl Analyzer {
    /// A fresh analyser that keeps every step.
    pub fn new(config: AnalyzerConfig) -> Self {
        Self::with_sink(config, NoSink, true)
    }

    /// Finish the recording and return what was found.
    pub fn finish(self) -> Analysis {
        self.finish_with_sink().analysis
    }
}

impl<S: SegmentSink> Analyzer<S> {
    /// A fresh analyser passing segments and cadence to `sink`; the step list and cadence
    /// track are kept in the [`Analysis`] only with `keep_steps`.
    pub fn with_sink(config: AnalyzerConfig, sink: S, keep_steps: bool) -> Self {
        Self {
            detector: LiveDetector::new(config.detector),
            segmenter: Segmenter::new(config.run_from_spm),
            refiner: StepRefiner::default(),
            keep_steps,
            steps: Vec::new(),
            step_count: 0,
            cadence: Vec::new(),
            segments: Vec::new(),
            sink,
            now_s: f64::NEG_INFINITY,
        }
    }

    /// Pass on the refined steps that are final (all of them, and the last segments, with
    /// `finish`).
    fn pass_on(&mut self, finish: bool) {
        let mut keeper = Keeper {
            keep_steps: self.keep_steps,
            cadence: &mut self.cadence,
            segments: &mut self.segments,
            sink: &mut self.sink,
        };
        let (segmenter, steps, count, keep) = (
            &mut self.segmenter,
            &mut self.steps,
            &mut self.step_count,
            self.keep_steps,
        );
        let mut out = |t: f64| {
            *count += 1;
            if keep {
                steps.push(t);
            }
            segmenter.push(t, &mut keeper);
        };
        if finish {
            self.refiner.finish(&mut out);
            segmenter.finish(&mut keeper);
        } else {
            self.refiner.advance(self.now_s, &mut out);
        }
    }

    /// Feed one sample (times must increase; others are ignored).
    pub fn push(&mut self, sample: &AccelSample) {
        for s in self.detector.push(sample) {
            self.refiner.push(s.t_s);
        }
        self.now_s = sample.t_s;
        if self.refiner.due(self.now_s) {
            self.pass_on(false);
        }
    }

    /// Finish the recording: the analysis, and the sink.
    pub fn finish_with_sink(mut self) -> Finished<S> {
        self.pass_on(true);
        Finished {
            analysis: Analysis {
                step_times_s: self.steps,
                segments: self.segments,
                cadence: self.cadence,
            },
            steps: self.step_count,
            late_steps: self.refiner.late_steps(),
            other_foot_steps: self.detector.other_foot_steps(),
            sink: self.sink,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Raw steps as a detector reports them: walking and running with missed steps, every
    /// other step lost for a while, pauses short and long; each reported up to 20 s late.
    fn raw_steps() -> impl Strategy<Value = Vec<(f64, f64)>> {
        proptest::collection::vec((0u8..6, 1usize..200, 0.0f64..1.0), 1..30).prop_map(|parts| {
            let mut t = 0.0;
            let mut out = Vec::new();
            for (kind, n, x) in parts {
                let interval = [0.5, 0.35, 0.6, 0.45, 0.4, 0.55][kind as usize];
                if kind == 4 {
                    t += if x < 0.5 {
                        2.0 + 6.0 * x
                    } else {
                        60.0 + 900.0 * x
                    }; // a pause
                }
                for i in 0..n {
                    t += interval * (1.0 + 0.05 * (i as f64 * 2.3 + x).sin());
                    let lost = match kind {
                        2 => i % 2 == 1 && (i / 50) % 2 == 0, // every other step, for 30 s at a time
                        5 => (i * 7 + (x * 10.0) as usize).is_multiple_of(11), // now and then
                        _ => false,
                    };
                    if !lost {
                        let latency = 20.0 * ((i as f64 * 0.77 + x).sin() * 0.5 + 0.5);
                        out.push((t, t + latency));
                    }
                }
            }
            out
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn refining_as_steps_settle_equals_refining_the_whole_list(
            raw in raw_steps(),
            every_s in 1.0f64..700.0,
        ) {
            let mut by_report = raw.clone();
            by_report.sort_by(|a, b| a.1.total_cmp(&b.1));
            let mut refiner = StepRefiner::every(every_s);
            let mut got = Vec::new();
            let mut most_held = 0;
            for &(t, reported) in &by_report {
                refiner.push(t);
                refiner.advance(reported, &mut |s| got.push(s));
                most_held = most_held.max(refiner.held());
            }
            refiner.finish(&mut |s| got.push(s));
            let mut sorted: Vec<f64> = raw.iter().map(|r| r.0).collect();
            sorted.sort_by(f64::total_cmp);
            let want = refine_steps(&sorted);
            prop_assert_eq!(refiner.late_steps(), 0);
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert_eq!(g.to_bits(), w.to_bits());
            }
            // A few minutes of steps at most (settle + context + one refinement period).
            prop_assert!(most_held <= most_held_at(0.3), "{} held", most_held);
        }
    }

    /// Most raw steps a refiner may hold for steps `interval_s` apart.
    fn most_held_at(interval_s: f64) -> usize {
        ((SETTLE_S + REFINE_EVERY_S + 2.0 * CONTEXT_S) / interval_s) as usize + 4 * CONTEXT_STEPS
    }

    #[test]
    fn a_long_recording_holds_a_few_minutes_of_steps() {
        let mut refiner = StepRefiner::default();
        let mut n = 0usize;
        let mut most_held = 0;
        for i in 0..200_000 {
            let t = i as f64 * 0.36;
            refiner.push(t);
            refiner.advance(t + 1.0, &mut |_| n += 1);
            most_held = most_held.max(refiner.held());
        }
        refiner.finish(&mut |_| n += 1);
        assert_eq!(n, 200_000);
        assert!(most_held <= most_held_at(0.36), "{most_held}");
    }
}
