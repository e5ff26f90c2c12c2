//! Offline segmentation of a step list into walking and running segments with stops between.
//!
//! A silence of more than [`PAUSE_S`] between steps is a stop. Inside a moving stretch each step
//! gets a local cadence (120 / median of the strides around it: robust to a missed step and to
//! a left/right timing asymmetry) and a walk/run label; label runs shorter than
//! [`MIN_SEGMENT_STEPS`] are absorbed by their neighbour, so a single odd interval does not
//! split a run. A segment's cadence is 120 / its median stride ([`stride_cadence_spm`]; past
//! 8192 strides counted in 0.01 spm buckets, see [`Quantiles`]); [`mean_cadence_spm`] is the
//! reference files' definition, for comparisons.
//!
//! [`Segmenter`] does this as the steps come, in bounded memory: a long stretch is resolved
//! piece by piece, cut where the result cannot differ from [`segment`]'s over the whole list
//! (a property test compares them), or, if its labels never settle for 16k steps, at the last
//! change of label.

use super::analysis::{Activity, CadencePoint, Segment};
use super::quantiles::Quantiles;

/// Longest silence between two steps of the same segment, seconds.
pub const PAUSE_S: f64 = 2.0;
/// Shortest walk or run stretch kept as a segment of its own, steps.
pub const MIN_SEGMENT_STEPS: usize = 10;
/// Half-width of the local cadence window, intervals.
const HALF_WINDOW: usize = 4;

/// Steps of a stretch buffered before the [`Segmenter`] looks for a place to cut it.
pub const FLUSH_STEPS: usize = 4096;
/// A stretch buffered this many flushes long without a clean cut is cut anyway.
const FORCE_CUT_FLUSHES: usize = 4;
/// Steps kept before the resolved part of a stretch: the local cadence of the first
/// unresolved step looks [`HALF_WINDOW`] strides back.
const KEEP_BEFORE: usize = HALF_WINDOW + 2;

/// Walk or run, from a local cadence.
fn label(spm: f64, run_from_spm: f64) -> Activity {
    if spm >= run_from_spm {
        Activity::Run
    } else {
        Activity::Walk
    }
}

/// Absorb label runs shorter than [`MIN_SEGMENT_STEPS`] into the preceding run (or, at the
/// start, the following one), shortest first, until none is left or all is one run.
fn smooth(labels: &mut [Activity]) {
    loop {
        let runs = label_runs(labels);
        if runs.len() <= 1 {
            break;
        }
        let Some((idx, _)) = runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.1 - r.0 < MIN_SEGMENT_STEPS)
            .min_by_key(|(_, r)| r.1 - r.0)
        else {
            break;
        };
        let (a, b) = runs[idx];
        let fill = if idx > 0 { labels[a - 1] } else { labels[b] };
        labels[a..b].fill(fill);
    }
}

/// Robust cadence of a continuous stretch of steps: 120 / median stride (two-step interval),
/// or 60 / median interval with fewer than three steps; 0 for fewer than two.
pub fn stride_cadence_spm(steps: &[f64]) -> f64 {
    let mut v: Vec<f64> = if steps.len() >= 3 {
        steps.windows(3).map(|w| 0.5 * (w[2] - w[0])).collect()
    } else {
        steps.windows(2).map(|w| w[1] - w[0]).collect()
    };
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    60.0 / v[v.len() / 2]
}

/// 60 / mean of the step intervals between 0.25 and 1.5 s (pauses excluded), or 0.
pub fn mean_cadence_spm(steps: &[f64]) -> f64 {
    let (sum, n) = steps
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| (0.25..=1.5).contains(d))
        .fold((0.0, 0usize), |(s, n), d| (s + d, n + 1));
    if n == 0 {
        0.0
    } else {
        60.0 / (sum / n as f64)
    }
}

/// Where the [`Segmenter`] sends what it resolves, in time order.
pub trait SegmentSink {
    /// The local cadence at one step (every step of a stretch of two or more).
    fn cadence_point(&mut self, point: CadencePoint);
    /// A finished segment, with the cadences of the strides lying wholly inside it
    /// (120 / (next step − previous step), one per inner step, in [`Quantiles`]).
    fn segment(&mut self, segment: Segment, step_cadences: &mut Quantiles);
}

/// Collects everything: the batch result of [`segment`].
#[derive(Default)]
struct Collect {
    segments: Vec<Segment>,
    cadence: Vec<CadencePoint>,
}

impl SegmentSink for Collect {
    fn cadence_point(&mut self, point: CadencePoint) {
        self.cadence.push(point);
    }
    fn segment(&mut self, segment: Segment, _: &mut Quantiles) {
        self.segments.push(segment);
    }
}

/// A segment whose end is not resolved yet.
#[derive(Debug)]
struct Open {
    start_s: f64,
    /// Stretch index of its first step.
    start: usize,
    activity: Activity,
    /// 120 / stride for the strides starting in it (its cadence, as [`stride_cadence_spm`]
    /// over its steps and the next segment's first).
    strides: Quantiles,
    /// The same for the strides wholly inside it (the summary's step cadences).
    step_cadences: Quantiles,
}

/// Streaming segmentation: push sorted step times, then [`Segmenter::finish`]. Gives exactly
/// what [`segment`] gives for the whole list, in bounded memory: a stretch without a pause
/// is resolved piece by piece, cut only inside a long run of one activity (at least
/// 2 × [`MIN_SEGMENT_STEPS`] steps whose local cadence is final), where the absorption of
/// short label runs cannot reach across.
#[derive(Debug)]
pub struct Segmenter {
    run_from_spm: f64,
    flush_steps: usize,
    /// Buffered steps past which a stretch is cut even where the labels have not settled.
    force_after: usize,
    /// Steps of the current stretch from stretch index `base` on.
    buf: Vec<f64>,
    base: usize,
    /// Stretch index of the first step not yet resolved.
    done: usize,
    /// Buffer length at which to look for a cut again.
    next_try: usize,
    open: Option<Open>,
    /// Most steps buffered at once (bounded for stretches that can be cut).
    max_buffered: usize,
}

impl Segmenter {
    /// A segmenter labelling cadences from `run_from_spm` as running.
    pub fn new(run_from_spm: f64) -> Self {
        Self::with_flush(run_from_spm, FLUSH_STEPS)
    }

    /// The same, looking for a cut once `flush_steps` steps of a stretch are buffered (and
    /// cutting anyway, at the last change of label, past 4 times that).
    pub fn with_flush(run_from_spm: f64, flush_steps: usize) -> Self {
        Self::with_limits(
            run_from_spm,
            flush_steps,
            flush_steps.saturating_mul(FORCE_CUT_FLUSHES),
        )
    }

    /// The same, cutting anyway only past `force_after` buffered steps (`usize::MAX`: never,
    /// so the result is exactly [`segment`]'s however the labels flicker).
    pub fn with_limits(run_from_spm: f64, flush_steps: usize, force_after: usize) -> Self {
        Segmenter {
            run_from_spm,
            flush_steps,
            force_after,
            buf: Vec::new(),
            base: 0,
            done: 0,
            next_try: flush_steps,
            open: None,
            max_buffered: 0,
        }
    }

    /// Add the next step (times must not decrease).
    pub fn push(&mut self, t_s: f64, sink: &mut impl SegmentSink) {
        if let Some(&last) = self.buf.last() {
            if t_s - last > PAUSE_S {
                self.close_stretch(sink);
            }
        }
        self.buf.push(t_s);
        self.max_buffered = self.max_buffered.max(self.buf.len());
        if self.buf.len() >= self.next_try {
            self.try_cut(sink);
            self.next_try = self.buf.len() + self.flush_steps.div_ceil(2);
        }
    }

    /// Most steps held at once so far: about 1.5 × the flush size, or 4 × when a stretch
    /// never settles into one activity for 2 × [`MIN_SEGMENT_STEPS`] steps.
    pub fn max_buffered(&self) -> usize {
        self.max_buffered
    }

    /// Resolve the last stretch (the segmenter is then empty, as new).
    pub fn finish(&mut self, sink: &mut impl SegmentSink) {
        self.close_stretch(sink);
    }

    /// Local cadence at stretch index `g`: 120 / median of the strides around it; `len` is
    /// the stretch's length when it is known to end there.
    fn local_cadence(&self, g: usize, len: Option<usize>, scratch: &mut Vec<f64>) -> f64 {
        let at = |i: usize| self.buf[i - self.base];
        scratch.clear();
        match len {
            Some(n) if n < 3 => scratch.push(at(1) - at(0)),
            _ => {
                let lo = g.saturating_sub(HALF_WINDOW);
                let hi = match len {
                    Some(n) => (g + HALF_WINDOW).min(n - 2).max(lo + 1).min(n - 2),
                    None => g + HALF_WINDOW,
                };
                for j in lo..hi {
                    scratch.push(0.5 * (at(j + 2) - at(j)));
                }
            }
        }
        scratch.sort_by(f64::total_cmp);
        60.0 / scratch[scratch.len() / 2]
    }

    /// Resolve what can be resolved of a long stretch: up to the last place inside a long run
    /// of one activity.
    fn try_cut(&mut self, sink: &mut impl SegmentSink) {
        let known = self.base + self.buf.len();
        // Local cadences are final where the window does not reach the buffer's end.
        let Some(last_final) = known.checked_sub(HALF_WINDOW + 2) else {
            return;
        };
        if last_final <= self.done {
            return;
        }
        let mut scratch = Vec::with_capacity(2 * HALF_WINDOW + 1);
        let local: Vec<f64> = (self.done..=last_final)
            .map(|g| self.local_cadence(g, None, &mut scratch))
            .collect();
        let labels: Vec<Activity> = local.iter().map(|&c| label(c, self.run_from_spm)).collect();
        // Rightmost cut with MIN_SEGMENT_STEPS equal labels on each side.
        let m = MIN_SEGMENT_STEPS;
        let mut cut = None;
        let mut same = 1; // equal labels ending at i
        for i in 1..labels.len() {
            same = if labels[i] == labels[i - 1] {
                same + 1
            } else {
                1
            };
            if same >= 2 * m {
                cut = Some(i + 1 - m);
            }
        }
        let mut labels = labels;
        match cut.filter(|&c| c > 0) {
            Some(cut) => {
                labels.truncate(cut);
                self.resolve(&local[..cut], labels, false, false, sink);
            }
            None if self.buf.len() >= self.force_after => {
                // The labels never settle (a pace hovering at the walk/run threshold): cut at
                // the last change of label and end the segments there, so memory stays
                // bounded; the batch result could differ only in where the segment breaks.
                let cut = (1..labels.len())
                    .rev()
                    .find(|&i| labels[i] != labels[i - 1])
                    .unwrap_or(labels.len());
                labels.truncate(cut);
                self.resolve(&local[..cut], labels, false, true, sink);
            }
            None => {}
        }
    }

    /// Resolve the rest of the stretch and start a new one.
    fn close_stretch(&mut self, sink: &mut impl SegmentSink) {
        let len = self.base + self.buf.len();
        if len >= 2 {
            let mut scratch = Vec::with_capacity(2 * HALF_WINDOW + 1);
            let local: Vec<f64> = (self.done..len)
                .map(|g| self.local_cadence(g, Some(len), &mut scratch))
                .collect();
            let labels = local.iter().map(|&c| label(c, self.run_from_spm)).collect();
            self.resolve(&local, labels, true, true, sink);
        }
        self.buf.clear();
        self.base = 0;
        self.done = 0;
        self.next_try = self.flush_steps;
        self.open = None;
    }

    /// Resolve steps `done..done + local.len()` of the stretch (local cadences and raw labels
    /// given); `end`: the stretch ends there; `close_all`: its segments end there too.
    fn resolve(
        &mut self,
        local: &[f64],
        mut labels: Vec<Activity>,
        end: bool,
        close_all: bool,
        sink: &mut impl SegmentSink,
    ) {
        let from = self.done;
        let to = from + local.len();
        let at = |b: &[f64], base: usize, i: usize| b[i - base];
        for (i, &spm) in local.iter().enumerate() {
            sink.cadence_point(CadencePoint {
                t_s: at(&self.buf, self.base, from + i),
                spm,
            });
        }
        smooth(&mut labels);
        let runs = label_runs(&labels);
        let last_run = runs.len().saturating_sub(1);
        for (r, &(a, b)) in runs.iter().enumerate() {
            let (a, b) = (from + a, from + b);
            let mut seg = match self.open.take() {
                Some(open) => {
                    debug_assert_eq!(open.activity, labels[a - from], "a cut lies in one run");
                    open
                }
                None => Open {
                    start_s: at(&self.buf, self.base, a),
                    start: a,
                    activity: labels[a - from],
                    strides: Quantiles::default(),
                    step_cadences: Quantiles::default(),
                },
            };
            // Strides starting at j in this run (and ending by the piece's end, or later:
            // those are added when the next piece is resolved).
            let closes = r < last_run || close_all;
            // A closing segment takes the strides j ≤ b - 2 (the last ends on the next
            // segment's first step); an open one those ending before `to`.
            let stride_end = if closes { b - 1 } else { to.saturating_sub(2) };
            let first_j = if r == 0 {
                from.saturating_sub(2).max(seg.start)
            } else {
                a
            };
            let len = self.base + self.buf.len();
            for j in first_j..stride_end {
                if j + 2 >= len {
                    break;
                }
                let (x, y, z) = (
                    at(&self.buf, self.base, j),
                    at(&self.buf, self.base, j + 1),
                    at(&self.buf, self.base, j + 2),
                );
                let spm = 120.0 / (z - x);
                seg.strides.push(spm);
                if j + 2 < b && x < y && y < z {
                    seg.step_cadences.push(spm);
                }
            }
            if !closes {
                self.open = Some(seg);
                continue;
            }
            let steps = b - seg.start;
            let m = seg.strides.len();
            let cadence_spm = if m > 0 {
                // The median stride is the (m - 1 - m / 2)-th smallest cadence.
                seg.strides.nth(m - 1 - m / 2).unwrap_or(0.0)
            } else {
                let hi = (b + 1).min(len);
                stride_cadence_spm(&self.buf[seg.start - self.base..hi - self.base])
            };
            sink.segment(
                Segment {
                    start_s: seg.start_s,
                    end_s: at(&self.buf, self.base, b - 1),
                    activity: seg.activity,
                    steps,
                    cadence_spm,
                },
                &mut seg.step_cadences,
            );
        }
        self.done = to;
        if !end {
            // Keep what the next piece's windows look back on.
            let keep_from = to.saturating_sub(KEEP_BEFORE).max(self.base);
            self.buf.drain(..keep_from - self.base);
            self.base = keep_from;
        }
    }
}

/// Split sorted step times (recording clock, s) into segments and a cadence-over-time series.
/// A silence of more than [`PAUSE_S`] between steps is a stop; inside a moving stretch each
/// step gets a local cadence and a walk/run label, and short label runs are absorbed.
pub fn segment(steps: &[f64], run_from_spm: f64) -> (Vec<Segment>, Vec<CadencePoint>) {
    let mut out = Collect::default();
    let mut s = Segmenter::with_flush(run_from_spm, usize::MAX);
    for &t in steps {
        s.push(t, &mut out);
    }
    s.finish(&mut out);
    (out.segments, out.cadence)
}

/// Maximal runs of equal labels as half-open index ranges.
fn label_runs(labels: &[Activity]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut a = 0;
    for i in 1..=labels.len() {
        if i == labels.len() || labels[i] != labels[a] {
            runs.push((a, i));
            a = i;
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_stop_run_gives_two_segments_with_their_cadences() {
        let mut steps = Vec::new();
        let mut t = 0.0;
        for _ in 0..40 {
            steps.push(t);
            t += 0.5;
        }
        t += 10.0;
        for _ in 0..100 {
            steps.push(t);
            t += 0.36;
        }
        let (segs, cad) = segment(&steps, 145.0);
        assert_eq!(segs.len(), 2, "{segs:?}");
        assert_eq!(segs[0].activity, Activity::Walk);
        assert_eq!(segs[0].steps, 40);
        assert!((segs[0].cadence_spm - 120.0).abs() < 0.1);
        assert_eq!(segs[1].activity, Activity::Run);
        assert_eq!(segs[1].steps, 100);
        assert!((segs[1].cadence_spm - 60.0 / 0.36).abs() < 0.1);
        assert_eq!(cad.len(), 140);
    }

    #[test]
    fn walk_to_run_transition_is_split_not_smeared() {
        let mut steps = Vec::new();
        let mut t = 0.0;
        for _ in 0..50 {
            steps.push(t);
            t += 0.55;
        }
        for _ in 0..50 {
            steps.push(t);
            t += 0.35;
        }
        let (segs, _) = segment(&steps, 145.0);
        assert_eq!(segs.len(), 2, "{segs:?}");
        assert!((segs[0].end_s - 49.0 * 0.55).abs() < 1.2);
        assert!(segs[0].steps.abs_diff(50) <= 3);
    }

    #[test]
    fn one_odd_interval_does_not_split_a_run() {
        let mut steps: Vec<f64> = (0..60).map(|i| i as f64 * 0.35).collect();
        steps.remove(30);
        let (segs, _) = segment(&steps, 145.0);
        assert_eq!(segs.len(), 1);
    }
}

#[cfg(test)]
mod streaming_tests {
    use super::*;
    use proptest::prelude::*;

    /// Everything a sink sees, the step cadences of each segment sorted.
    #[derive(Default, Debug, PartialEq)]
    struct Seen {
        points: Vec<(u64, u64)>,
        segments: Vec<(Segment, Vec<u64>)>,
    }

    impl SegmentSink for Seen {
        fn cadence_point(&mut self, p: CadencePoint) {
            self.points.push((p.t_s.to_bits(), p.spm.to_bits()));
        }
        fn segment(&mut self, s: Segment, q: &mut Quantiles) {
            let v = (0..q.len()).map(|k| q.nth(k).unwrap().to_bits()).collect();
            self.segments.push((s, v));
        }
    }

    /// Segment `steps`, looking for clean cuts every `flush` steps and never forcing one.
    fn run(steps: &[f64], flush: usize) -> Seen {
        let mut seen = Seen::default();
        let mut s = Segmenter::with_limits(145.0, flush, usize::MAX);
        for &t in steps {
            s.push(t, &mut seen);
        }
        s.finish(&mut seen);
        seen
    }

    /// Step lists with walking, running, flickering near the threshold, missed steps and
    /// pauses.
    fn steps() -> impl Strategy<Value = Vec<f64>> {
        proptest::collection::vec((0u8..6, 1usize..80, 0.0f64..1.0), 1..40).prop_map(|parts| {
            let mut t = 0.0;
            let mut out = Vec::new();
            for (kind, n, jitter) in parts {
                let interval = match kind {
                    0 => 0.5,  // walk
                    1 => 0.35, // run
                    2 => 0.41, // at the walk/run threshold (145 spm)
                    3 => 0.8,  // slow walk
                    4 => {
                        t += 2.5 + 10.0 * jitter; // a pause
                        0.45
                    }
                    _ => 0.3 + 0.4 * jitter,
                };
                for i in 0..n {
                    // A wobble that makes the local cadence cross the threshold now and then.
                    let wobble = 0.04 * ((i as f64 * 1.7 + jitter * 10.0).sin());
                    t += interval + wobble;
                    out.push(t);
                }
            }
            out
        })
    }

    proptest! {
        #[test]
        fn cutting_long_stretches_changes_nothing(steps in steps(), flush in 20usize..120) {
            let whole = run(&steps, usize::MAX);
            let cut = run(&steps, flush);
            prop_assert_eq!(&cut, &whole);
            let (segments, cadence) = segment(&steps, 145.0);
            prop_assert_eq!(segments.len(), whole.segments.len());
            prop_assert_eq!(cadence.len(), whole.points.len());
        }
    }

    #[test]
    fn a_long_stretch_is_held_in_bounded_memory() {
        let steps: Vec<f64> = (0..100_000).map(|i| i as f64 * 0.36).collect();
        let mut seen = Seen::default();
        let mut s = Segmenter::with_flush(145.0, 64);
        for &t in &steps {
            s.push(t, &mut seen);
        }
        assert!(s.max_buffered() <= 100, "{}", s.max_buffered());
        s.finish(&mut seen);
        assert_eq!(seen.segments.len(), 1);
        assert_eq!(seen.segments[0].0.steps, 100_000);
        assert_eq!(seen.points.len(), 100_000);
    }

    #[test]
    fn a_pace_hovering_at_the_threshold_is_still_cut() {
        // Local cadence alternating around 145 spm every 8 steps: never 20 equal labels.
        let mut t = 0.0;
        let steps: Vec<f64> = (0..40_000)
            .map(|i| {
                t += if (i / 8) % 2 == 0 { 0.40 } else { 0.43 };
                t
            })
            .collect();
        let mut seen = Seen::default();
        let mut s = Segmenter::with_flush(145.0, 64);
        for &t in &steps {
            s.push(t, &mut seen);
        }
        assert!(s.max_buffered() <= 5 * 64, "{}", s.max_buffered());
        s.finish(&mut seen);
        let whole = run(&steps, usize::MAX);
        // Every step is still in exactly one segment, and the cadence track is exact.
        let count = |x: &Seen| x.segments.iter().map(|(g, _)| g.steps).sum::<usize>();
        assert_eq!(count(&seen), steps.len());
        assert_eq!(count(&whole), steps.len());
        assert_eq!(seen.points, whole.points);
    }

    #[test]
    fn step_cadences_are_the_strides_inside_each_segment() {
        let steps: Vec<f64> = (0..50).map(|i| i as f64 * 0.5).collect();
        let seen = run(&steps, usize::MAX);
        assert_eq!(seen.segments.len(), 1);
        // 50 steps: 48 strides, the first and last steps have none around them.
        assert_eq!(seen.segments[0].1.len(), 48);
        assert!(seen.segments[0]
            .1
            .iter()
            .all(|&b| (f64::from_bits(b) - 120.0).abs() < 1e-9));
    }
}
