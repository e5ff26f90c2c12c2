//! Numbers a runner reads off an [`Analysis`]: moving time, median cadence and its spread,
//! per-segment figures, stops, and cadence over time in a few bins.
//!
//! Pure functions of the analysis (and of the reader's gaps, the stretches with no data: no
//! moving time and no stop is claimed there); they never look at samples, so they can be
//! tested with a hand-made [`Analysis`].

use crate::gait::analysis::{Activity, Analysis, CadencePoint, Segment};
use crate::gait::quantiles::Quantiles;
use crate::gait::segments::SegmentSink;
use crate::source::Gap;
use serde::Serialize;

/// Step intervals longer than this (seconds) are pauses, not steps, when no segments are known.
pub const MAX_STEP_INTERVAL_S: f64 = 1.5;
/// Step intervals shorter than this (seconds) are not a single step, when no segments are known.
pub const MIN_STEP_INTERVAL_S: f64 = 0.25;

/// A gap between two segments shorter than this (seconds) is a change of gait (walk ↔ run),
/// not a stop.
pub const MIN_STOP_S: f64 = 2.0;

/// The q-quantile (0..=1) of sorted values, linear interpolation.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

/// Median and interquartile range (middle half) of some cadences, spm.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    /// Median, spm.
    pub median_spm: f64,
    /// First quartile, spm.
    pub q1_spm: f64,
    /// Third quartile, spm.
    pub q3_spm: f64,
}

impl Spread {
    /// Median and quartiles of `values` (finite ones only); `None` when there are none.
    pub fn of(values: &mut Vec<f64>) -> Option<Spread> {
        values.retain(|v| v.is_finite());
        values.sort_by(f64::total_cmp);
        Some(Spread {
            median_spm: quantile(values, 0.5)?,
            q1_spm: quantile(values, 0.25)?,
            q3_spm: quantile(values, 0.75)?,
        })
    }
}

/// The cadence at one step, from the stride around it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepCadence {
    /// Time of the step, seconds on the recording clock.
    pub t_s: f64,
    /// 120 / (next step − previous step), steps per minute.
    pub spm: f64,
    /// Index of the segment holding the stride, if the analysis has segments.
    pub segment: Option<usize>,
}

/// A stop: time between two walking/running segments, at least [`MIN_STOP_S`] long.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Stop {
    /// Start, seconds on the recording clock (end of the segment before).
    pub start_s: f64,
    /// End, seconds on the recording clock (start of the segment after).
    pub end_s: f64,
}

/// A segment with the spread of its step cadences.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentSummary {
    /// The segment as the analysis found it.
    pub segment: Segment,
    /// Median and quartiles of its step cadences, if it has two steps or more.
    pub spread: Option<Spread>,
}

/// Median cadence over one stretch of the recording.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CadenceBin {
    /// Start, seconds on the recording clock.
    pub start_s: f64,
    /// End, seconds on the recording clock.
    pub end_s: f64,
    /// Median cadence in the bin, spm; `None` when not moving (or no data).
    pub spm: Option<f64>,
    /// Whether most of the bin falls in a gap of the recording (no data, rather than a stop).
    pub no_data: bool,
}

/// Everything the reports print about one recording's steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Steps found.
    pub steps: usize,
    /// Time spent walking or running, seconds.
    pub moving_time_s: f64,
    /// Median and spread of step cadence over moving time.
    pub cadence: Option<Spread>,
    /// The same over the walking segments' steps only ...
    pub walk_cadence: Option<Spread>,
    /// ... and over the running segments' steps only.
    pub run_cadence: Option<Spread>,
    /// Segments with their spread.
    pub segments: Vec<SegmentSummary>,
    /// Stops between segments.
    pub stops: Vec<Stop>,
    /// Cadence over time, in equal bins.
    pub cadence_over_time: Vec<CadenceBin>,
    /// Width of the bins, seconds.
    pub bin_s: f64,
}

/// The cadence at each moving step, from its stride: 120 / (next step − previous step). A
/// stride spans a left and a right step, so a timing asymmetry between the legs (a phone in
/// one pocket) does not split the cadence into two values the way single intervals do.
/// Moving: the stride lies inside one segment, or, when the analysis has no segments, both
/// of its intervals are between 0.25 and 1.5 s.
pub fn moving_step_cadences(analysis: &Analysis) -> Vec<StepCadence> {
    let mut out = Vec::with_capacity(analysis.step_times_s.len());
    for_each_moving_step_cadence(analysis, |c| out.push(c));
    out
}

/// [`moving_step_cadences`] one at a time, in step order, without collecting them.
pub fn for_each_moving_step_cadence(analysis: &Analysis, mut f: impl FnMut(StepCadence)) {
    let t = &analysis.step_times_s;
    let segments = &analysis.segments;
    let interval_ok = |d: f64| (MIN_STEP_INTERVAL_S..=MAX_STEP_INTERVAL_S).contains(&d);
    let mut k = 0; // first segment that may hold the stride (steps and segments are in order)
    for w in t.windows(3) {
        let (a, b, c) = (w[0], w[1], w[2]);
        if !(a < b && b < c) {
            continue; // out of order, repeated or NaN
        }
        let segment = if segments.is_empty() {
            if !(interval_ok(b - a) && interval_ok(c - b)) {
                continue;
            }
            None
        } else {
            while k < segments.len() && segments[k].end_s < c {
                k += 1;
            }
            match segments.get(k) {
                Some(s) if s.start_s <= a && c <= s.end_s => Some(k),
                _ => continue,
            }
        };
        f(StepCadence {
            t_s: b,
            spm: 120.0 / (c - a),
            segment,
        });
    }
}

/// Time spent moving when the analysis has no segments: the step intervals between 0.25 and
/// 1.5 s, summed.
fn moving_time_from_intervals(steps: &[f64]) -> f64 {
    steps
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| (MIN_STEP_INTERVAL_S..=MAX_STEP_INTERVAL_S).contains(d))
        .sum()
}

/// Bin width for `duration_s`: the smallest of 10 s … 1 h giving at most 20 bins, then 2, 4,
/// 8 … hours. Each is a whole multiple of the [`BinAccumulator`]'s working width for the same
/// duration, so the bins can be gathered as the steps come.
pub fn bin_width_s(duration_s: f64) -> f64 {
    const WIDTHS: [f64; 10] = [
        10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
    ];
    WIDTHS
        .into_iter()
        .find(|w| duration_s / w <= 20.0)
        .unwrap_or_else(|| {
            // Past 20 hours: 2, 4, 8 … hours, so the working bins (which double past an hour)
            // still gather into them exactly.
            let mut w = 7200.0;
            while duration_s / w > 20.0 && w < 1e12 {
                w *= 2.0;
            }
            w
        })
}

/// Working bin widths of the [`BinAccumulator`], seconds; each divides the next, and past the
/// last they double. Every [`bin_width_s`] is a whole number of the working bins for the same
/// duration.
const BASE_WIDTHS: [f64; 8] = [5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0];
/// Most working bins: when the recording outgrows them, they are merged into wider ones.
const MAX_BASE_BINS: usize = 40;
/// Cadences kept exactly per bin before it counts them in buckets ...
const BIN_CAP: usize = 512;
/// ... this wide, spm (a bin's median is printed to the whole spm and drawn as a bar).
const BIN_BUCKET_SPM: f64 = 0.25;

/// Cadences over time in bounded memory: narrow working bins that merge into wider ones as
/// the recording grows, finally gathered into the [`bin_width_s`] bins of its duration.
#[derive(Clone, Debug)]
pub struct BinAccumulator {
    width_s: f64,
    /// The duration is known: later times share the last bin instead of widening the bins.
    fixed: bool,
    bins: Vec<Quantiles>,
}

impl Default for BinAccumulator {
    fn default() -> Self {
        Self::for_duration(0.0)
    }
}

impl BinAccumulator {
    /// Working bins narrow enough for a recording of `duration_s` (0 when unknown: they widen
    /// as it grows); later times share the last bin.
    pub fn for_duration(duration_s: f64) -> Self {
        let mut width_s = BASE_WIDTHS[0];
        while duration_s / width_s > MAX_BASE_BINS as f64 {
            width_s = Self::wider(width_s);
        }
        BinAccumulator {
            width_s,
            fixed: duration_s > 0.0,
            bins: Vec::new(),
        }
    }

    fn wider(width_s: f64) -> f64 {
        BASE_WIDTHS
            .into_iter()
            .find(|&w| w > width_s)
            .unwrap_or(2.0 * width_s)
    }

    /// Add the cadence `spm` at time `t_s` (ignored unless both are finite and `t_s` ≥ 0).
    pub fn add(&mut self, t_s: f64, spm: f64) {
        if !(t_s.is_finite() && t_s >= 0.0 && spm.is_finite()) {
            return;
        }
        loop {
            let i = (t_s / self.width_s) as usize;
            if i < MAX_BASE_BINS || self.fixed || self.width_s >= 1e9 {
                let i = i.min(MAX_BASE_BINS - 1);
                if self.bins.len() <= i {
                    self.bins.resize_with(i + 1, Self::new_bin);
                }
                self.bins[i].push(spm);
                return;
            }
            self.widen();
        }
    }

    fn new_bin() -> Quantiles {
        Quantiles::with_cap_and_bucket(BIN_CAP, BIN_BUCKET_SPM)
    }

    fn widen(&mut self) {
        let wider = Self::wider(self.width_s);
        let ratio = (wider / self.width_s).round() as usize;
        let merged = self
            .bins
            .chunks(ratio)
            .map(|group| {
                let mut q = Self::new_bin();
                group.iter().for_each(|b| q.merge(b));
                q
            })
            .collect();
        self.bins = merged;
        self.width_s = wider;
    }

    /// The medians of the final `bin_s` bins of a recording lasting `duration_s`.
    fn medians(self, bin_s: f64, n_bins: usize) -> Vec<Option<f64>> {
        let mut out: Vec<Quantiles> = (0..n_bins).map(|_| Self::new_bin()).collect();
        for (i, q) in self.bins.iter().enumerate() {
            let start = i as f64 * self.width_s;
            let k = ((start / bin_s + 1e-9) as usize).min(n_bins - 1);
            out[k].merge(q);
        }
        out.into_iter().map(|mut q| q.quantile(0.5)).collect()
    }
}

/// Seconds of `a..b` that fall in `gaps` (sorted by time, not overlapping).
fn time_in_gaps(gaps: &[Gap], a: f64, b: f64) -> f64 {
    let first = gaps.partition_point(|g| g.end_s <= a);
    gaps[first..]
        .iter()
        .take_while(|g| g.start_s < b)
        .map(|g| (g.end_s.min(b) - g.start_s.max(a)).max(0.0))
        .sum()
}

/// The parts of `a..b` outside `gaps` (sorted by time, not overlapping).
fn outside_gaps(gaps: &[Gap], a: f64, b: f64) -> Vec<(f64, f64)> {
    let first = gaps.partition_point(|g| g.end_s <= a);
    let mut out = Vec::new();
    let mut from = a;
    for g in gaps[first..].iter().take_while(|g| g.start_s < b) {
        if g.start_s > from {
            out.push((from, g.start_s));
        }
        from = from.max(g.end_s);
    }
    if from < b {
        out.push((from, b));
    }
    out
}

impl Spread {
    /// Median and quartiles of what `q` holds; `None` when it is empty.
    pub fn of_quantiles(q: &mut Quantiles) -> Option<Spread> {
        Some(Spread {
            median_spm: q.quantile(0.5)?,
            q1_spm: q.quantile(0.25)?,
            q3_spm: q.quantile(0.75)?,
        })
    }
}

/// Builds a [`Summary`] from an analysis's segments and cadence track as they come (a
/// [`SegmentSink`] for the streaming [`Analyzer`](crate::gait::analysis::Analyzer)), in
/// bounded memory: the step cadences are counted in [`Quantiles`], cadence over time in a
/// [`BinAccumulator`].
#[derive(Clone, Debug, Default)]
pub struct SummaryBuilder {
    cadence: Quantiles,
    walk: Quantiles,
    run: Quantiles,
    segments: Vec<SegmentSummary>,
    bins: BinAccumulator,
}

impl SegmentSink for SummaryBuilder {
    fn cadence_point(&mut self, p: CadencePoint) {
        if p.spm > 0.0 {
            self.bins.add(p.t_s, p.spm);
        }
    }

    fn segment(&mut self, segment: Segment, step_cadences: &mut Quantiles) {
        self.cadence.merge(step_cadences);
        match segment.activity {
            Activity::Walk => self.walk.merge(step_cadences),
            Activity::Run => self.run.merge(step_cadences),
        }
        self.segments.push(SegmentSummary {
            segment,
            spread: Spread::of_quantiles(step_cadences),
        });
    }
}

impl SummaryBuilder {
    /// The summary of `steps` steps over a recording lasting `duration_s`, knowing where it
    /// has no data (`gaps`, in time order): a segment's time in a gap is not moving time, and
    /// a stop's time in a gap is not a stop (what is left of it outside the gaps is, if it is
    /// still [`MIN_STOP_S`] long).
    pub fn finish(self, steps: usize, duration_s: f64, gaps: &[Gap]) -> Summary {
        // `+ 0.0` turns the empty sum's -0.0 into 0.0.
        let moving_time_s = 0.0
            + self
                .segments
                .iter()
                .map(|s| &s.segment)
                .map(|s| (s.end_s - s.start_s - time_in_gaps(gaps, s.start_s, s.end_s)).max(0.0))
                .sum::<f64>();
        self.finish_with_moving_time(steps, duration_s, gaps, moving_time_s)
    }

    fn finish_with_moving_time(
        mut self,
        steps: usize,
        duration_s: f64,
        gaps: &[Gap],
        moving_time_s: f64,
    ) -> Summary {
        let duration_s = if duration_s.is_finite() && duration_s > 0.0 {
            duration_s
        } else {
            0.0
        };
        let bin_s = bin_width_s(duration_s);
        let n_bins = ((duration_s / bin_s).ceil() as usize).max(1);
        let cadence_over_time = self
            .bins
            .medians(bin_s, n_bins)
            .into_iter()
            .enumerate()
            .map(|(i, spm)| {
                let start_s = i as f64 * bin_s;
                let end_s = ((i + 1) as f64 * bin_s).min(duration_s.max(bin_s));
                CadenceBin {
                    start_s,
                    end_s,
                    spm,
                    no_data: time_in_gaps(gaps, start_s, end_s) > 0.5 * (end_s - start_s),
                }
            })
            .collect();
        let stops = self
            .segments
            .windows(2)
            .flat_map(|w| outside_gaps(gaps, w[0].segment.end_s, w[1].segment.start_s))
            .filter(|(a, b)| b - a >= MIN_STOP_S)
            .map(|(start_s, end_s)| Stop { start_s, end_s })
            .collect();
        Summary {
            steps,
            moving_time_s,
            cadence: Spread::of_quantiles(&mut self.cadence),
            walk_cadence: Spread::of_quantiles(&mut self.walk),
            run_cadence: Spread::of_quantiles(&mut self.run),
            segments: self.segments,
            stops,
            cadence_over_time,
            bin_s,
        }
    }
}

/// Summarise an analysis of a recording lasting `duration_s` seconds.
pub fn summarize(analysis: &Analysis, duration_s: f64) -> Summary {
    summarize_with_gaps(analysis, duration_s, &[])
}

/// [`summarize`] for a recording with stretches of no data (`gaps`, in time order, as the
/// reader found them); see [`SummaryBuilder::finish`]. An analysis without segments (made by
/// hand) counts the steps with intervals of 0.25–1.5 s as moving.
pub fn summarize_with_gaps(analysis: &Analysis, duration_s: f64, gaps: &[Gap]) -> Summary {
    let mut b = SummaryBuilder {
        bins: BinAccumulator::for_duration(duration_s),
        ..SummaryBuilder::default()
    };
    // Cadence over time: the analysis's own cadence track when it has one.
    let bins_from_steps = analysis.cadence.is_empty();
    for p in &analysis.cadence {
        b.cadence_point(*p);
    }
    let mut per_segment: Vec<Quantiles> = vec![Quantiles::default(); analysis.segments.len()];
    for_each_moving_step_cadence(analysis, |c| {
        match c.segment {
            Some(k) => per_segment[k].push(c.spm),
            None => b.cadence.push(c.spm),
        }
        if bins_from_steps {
            b.bins.add(c.t_s, c.spm);
        }
    });
    for (s, q) in analysis.segments.iter().zip(&mut per_segment) {
        b.segment(s.clone(), q);
    }
    let steps = analysis.step_times_s.len();
    if analysis.segments.is_empty() {
        let s = &analysis.step_times_s;
        let moving_time_s = 0.0 + moving_time_from_intervals(s)
            - s.windows(2)
                .filter(|w| (MIN_STEP_INTERVAL_S..=MAX_STEP_INTERVAL_S).contains(&(w[1] - w[0])))
                .map(|w| time_in_gaps(gaps, w[0], w[1]))
                .sum::<f64>();
        b.finish_with_moving_time(steps, duration_s, gaps, moving_time_s)
    } else {
        b.finish(steps, duration_s, gaps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gait::analysis::{Activity, CadencePoint};

    fn steps(start: f64, interval: f64, n: usize) -> Vec<f64> {
        (0..n).map(|i| start + i as f64 * interval).collect()
    }

    #[test]
    fn cadence_and_moving_time_follow_segments() {
        // 60 s walking at 120 spm, a 30 s stop, 60 s running at 180 spm.
        let mut t = steps(0.0, 0.5, 121);
        t.extend(steps(90.0, 1.0 / 3.0, 181));
        let a = Analysis {
            step_times_s: t,
            segments: vec![
                Segment {
                    start_s: 0.0,
                    end_s: 60.0,
                    activity: Activity::Walk,
                    steps: 121,
                    cadence_spm: 120.0,
                },
                Segment {
                    start_s: 90.0,
                    end_s: 150.0,
                    activity: Activity::Run,
                    steps: 181,
                    cadence_spm: 180.0,
                },
            ],
            cadence: vec![],
        };
        let s = summarize(&a, 150.0);
        assert_eq!(s.steps, 302);
        assert!((s.moving_time_s - 120.0).abs() < 1e-9);
        assert_eq!(
            s.stops,
            vec![Stop {
                start_s: 60.0,
                end_s: 90.0
            }]
        );
        // The 30 s pause is not an interval of either segment.
        let walk = s.segments[0].spread.unwrap();
        let run = s.segments[1].spread.unwrap();
        assert!((walk.median_spm - 120.0).abs() < 1e-6);
        assert!((run.median_spm - 180.0).abs() < 1e-6);
        // 120 walking intervals and 180 running ones: the median is a running one.
        assert!((s.cadence.unwrap().median_spm - 180.0).abs() < 1e-6);
        assert_eq!(s.bin_s, 10.0);
        assert_eq!(s.cadence_over_time.len(), 15);
        assert_eq!(s.cadence_over_time[7].spm, None, "stopped at 70–80 s");
        assert!((s.cadence_over_time[3].spm.unwrap() - 120.0).abs() < 1e-6);
    }

    #[test]
    fn left_right_asymmetry_does_not_split_the_cadence() {
        // Running at 160 spm with alternating 0.35 s and 0.40 s intervals.
        let mut t = vec![0.0];
        for i in 0..200 {
            let dt = if i % 2 == 0 { 0.35 } else { 0.40 };
            t.push(t[i] + dt);
        }
        let a = Analysis {
            step_times_s: t,
            ..Default::default()
        };
        let c = summarize(&a, 80.0).cadence.unwrap();
        assert!((c.median_spm - 160.0).abs() < 1e-6, "{c:?}");
        assert!(c.q3_spm - c.q1_spm < 1e-6, "no false spread: {c:?}");
    }

    #[test]
    fn a_change_of_gait_is_not_a_stop() {
        let seg = |start_s: f64, end_s: f64, activity| Segment {
            start_s,
            end_s,
            activity,
            steps: 10,
            cadence_spm: 150.0,
        };
        let a = Analysis {
            segments: vec![
                seg(0.0, 60.0, Activity::Walk),
                seg(60.4, 120.0, Activity::Run),
                seg(125.0, 130.0, Activity::Run),
            ],
            ..Default::default()
        };
        let s = summarize(&a, 130.0);
        assert_eq!(
            s.stops,
            vec![Stop {
                start_s: 120.0,
                end_s: 125.0
            }]
        );
    }

    #[test]
    fn without_segments_pauses_are_not_cadence() {
        let mut t = steps(0.0, 0.5, 21);
        t.extend(steps(30.0, 0.5, 21));
        let a = Analysis {
            step_times_s: t,
            ..Default::default()
        };
        let s = summarize(&a, 40.0);
        assert!((s.cadence.unwrap().median_spm - 120.0).abs() < 1e-9);
        assert!((s.moving_time_s - 20.0).abs() < 1e-9);
        assert!(s.stops.is_empty());
    }

    #[test]
    fn analysis_cadence_track_is_preferred_for_bins_and_bad_values_ignored() {
        let a = Analysis {
            step_times_s: vec![],
            segments: vec![],
            cadence: vec![
                CadencePoint {
                    t_s: 1.0,
                    spm: 170.0,
                },
                CadencePoint {
                    t_s: 2.0,
                    spm: f64::NAN,
                },
                CadencePoint {
                    t_s: 15.0,
                    spm: 172.0,
                },
            ],
        };
        let s = summarize(&a, 20.0);
        assert_eq!(s.cadence_over_time[0].spm, Some(170.0));
        assert_eq!(s.cadence_over_time[1].spm, Some(172.0));
        assert_eq!(s.cadence, None);
        assert_eq!(s.steps, 0);
    }

    #[test]
    fn empty_and_degenerate_inputs_do_not_panic() {
        let s = summarize(&Analysis::default(), 0.0);
        assert_eq!(s.cadence_over_time.len(), 1);
        assert!(s.moving_time_s.is_sign_positive(), "no -0 in reports");
        let s = summarize(&Analysis::default(), f64::NAN);
        assert_eq!(s.steps, 0);
        let a = Analysis {
            step_times_s: vec![1.0, 1.0, 0.5],
            ..Default::default()
        };
        assert_eq!(summarize(&a, 2.0).cadence, None);
    }

    #[test]
    fn gaps_are_neither_moving_nor_stops() {
        let seg = |start_s: f64, end_s: f64| Segment {
            start_s,
            end_s,
            activity: Activity::Run,
            steps: 10,
            cadence_spm: 170.0,
        };
        // A gap of no data inside the first segment, one filling the space between the
        // second and third, one inside a long stop between the third and fourth.
        let a = Analysis {
            segments: vec![
                seg(0.0, 60.0),
                seg(70.0, 100.0),
                seg(105.0, 120.0),
                seg(150.0, 160.0),
            ],
            ..Default::default()
        };
        let gaps = [
            Gap {
                start_s: 20.0,
                end_s: 30.0,
            },
            Gap {
                start_s: 99.5,
                end_s: 105.0,
            },
            Gap {
                start_s: 121.0,
                end_s: 149.0,
            },
        ];
        let plain = summarize(&a, 160.0);
        let s = summarize_with_gaps(&a, 160.0, &gaps);
        assert!((plain.moving_time_s - 115.0).abs() < 1e-9);
        assert!(
            (s.moving_time_s - 104.5).abs() < 1e-9,
            "{}",
            s.moving_time_s
        );
        assert_eq!(plain.stops.len(), 3);
        // 60–70 is a real stop; 100–105 is all gap; 120–150 leaves 1 s either side.
        assert_eq!(
            s.stops,
            vec![Stop {
                start_s: 60.0,
                end_s: 70.0
            }]
        );
        assert_eq!(
            outside_gaps(&gaps, 0.0, 40.0),
            vec![(0.0, 20.0), (30.0, 40.0)]
        );
        assert!((time_in_gaps(&gaps, 25.0, 125.0) - 14.5).abs() < 1e-9);
        // Bins mostly inside a gap are marked as no data; a stop's bin and a bin with only a
        // sliver of gap are not.
        let bin_at = |t: f64| {
            s.cadence_over_time
                .iter()
                .find(|b| b.start_s <= t && t < b.end_s)
                .expect("a bin covers every time")
        };
        assert!(s.bin_s <= 10.0, "bins of {} s", s.bin_s);
        assert!(bin_at(130.0).no_data, "121–149 is a gap");
        assert!(!bin_at(65.0).no_data, "60–70 is a stop");
        assert!(!bin_at(5.0).no_data);
        assert!(plain.cadence_over_time.iter().all(|b| !b.no_data));
    }

    #[test]
    fn working_bins_gather_into_the_final_bins() {
        let mut d = 1.0;
        while d < 1e8 {
            let base = BinAccumulator::for_duration(d).width_s;
            let w = bin_width_s(d);
            assert_eq!(w % base, 0.0, "{d} s: {w} s bins from {base} s ones");
            d *= 1.07;
        }
        // Growing bins (duration unknown) give the same medians as bins sized for it.
        let mut grown = BinAccumulator::default();
        let mut sized = BinAccumulator::for_duration(36_000.0);
        for i in 0..100_000 {
            let t = i as f64 * 0.36;
            let spm = 160.0 + (t / 3600.0).floor() + 0.3 * (i % 7) as f64;
            grown.add(t, spm);
            sized.add(t, spm);
        }
        assert!(grown.bins.len() <= MAX_BASE_BINS);
        let w = bin_width_s(36_000.0);
        let (a, b) = (grown.medians(w, 20), sized.medians(w, 20));
        assert_eq!(a.len(), 20);
        for (x, y) in a.iter().zip(&b) {
            assert!(
                (x.unwrap() - y.unwrap()).abs() <= BIN_BUCKET_SPM,
                "{x:?} {y:?}"
            );
        }
        assert!((a[0].unwrap() - 160.9).abs() < 0.2, "{:?}", a[0]);
    }

    #[test]
    fn bin_widths_keep_at_most_twenty_bins() {
        for d in [5.0, 150.0, 1500.0, 3600.0, 36_000.0, 500_000.0] {
            let w = bin_width_s(d);
            assert!(d / w <= 20.0, "{d} s with {w} s bins");
        }
        assert_eq!(bin_width_s(1500.0), 120.0);
    }
}
