//! Offline segmentation of a step list into walking and running segments with stops between.
//!
//! A silence of more than [`PAUSE_S`] between steps is a stop. Inside a moving stretch each step
//! gets a local cadence (120 / median of the strides around it: robust to a missed step and to
//! a left/right timing asymmetry) and a walk/run label; label runs shorter than
//! [`MIN_SEGMENT_STEPS`] are absorbed by their neighbour, so a single odd interval does not
//! split a run. A segment's cadence is 120 / its median stride ([`stride_cadence_spm`]);
//! [`mean_cadence_spm`] is the reference files' definition, for comparisons.

use super::analysis::{Activity, CadencePoint, Segment};

/// Longest silence between two steps of the same segment, seconds.
pub const PAUSE_S: f64 = 2.0;
/// Shortest walk or run stretch kept as a segment of its own, steps.
pub const MIN_SEGMENT_STEPS: usize = 10;
/// Half-width of the local cadence window, intervals.
const HALF_WINDOW: usize = 4;

/// Local cadence (spm) at every step of a moving stretch `steps` (at least two steps): 120 /
/// median of the strides (two-step intervals) around it, so a left/right timing asymmetry
/// does not show as a bimodal cadence; 60 / the single interval for a two-step stretch.
fn local_cadence(steps: &[f64]) -> Vec<f64> {
    let n = steps.len();
    let mut out = Vec::with_capacity(n);
    let mut buf = Vec::with_capacity(2 * HALF_WINDOW + 1);
    for i in 0..n {
        buf.clear();
        if n >= 3 {
            // Strides j..j+2 around step i.
            let lo = i.saturating_sub(HALF_WINDOW);
            let hi = (i + HALF_WINDOW).min(n - 2);
            for j in lo..hi.max(lo + 1).min(n - 2) {
                buf.push(0.5 * (steps[j + 2] - steps[j]));
            }
        } else {
            buf.push(steps[1] - steps[0]);
        }
        buf.sort_by(f64::total_cmp);
        out.push(60.0 / buf[buf.len() / 2]);
    }
    out
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

/// Split sorted step times (recording clock, s) into segments and a cadence-over-time series.
pub fn segment(steps: &[f64], run_from_spm: f64) -> (Vec<Segment>, Vec<CadencePoint>) {
    let mut segments = Vec::new();
    let mut cadence = Vec::new();
    let mut start = 0;
    while start < steps.len() {
        let mut end = start + 1;
        while end < steps.len() && steps[end] - steps[end - 1] <= PAUSE_S {
            end += 1;
        }
        let stretch = &steps[start..end];
        if stretch.len() >= 2 {
            split_stretch(stretch, run_from_spm, &mut segments, &mut cadence);
        }
        start = end;
    }
    (segments, cadence)
}

fn split_stretch(
    stretch: &[f64],
    run_from_spm: f64,
    segments: &mut Vec<Segment>,
    cadence: &mut Vec<CadencePoint>,
) {
    let local = local_cadence(stretch);
    for (&t_s, &spm) in stretch.iter().zip(&local) {
        cadence.push(CadencePoint { t_s, spm });
    }
    let mut labels: Vec<Activity> = local
        .iter()
        .map(|&c| {
            if c >= run_from_spm {
                Activity::Run
            } else {
                Activity::Walk
            }
        })
        .collect();
    // Absorb short label runs into the preceding (or, at the start, the following) run.
    loop {
        let runs = label_runs(&labels);
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
        for l in &mut labels[a..b] {
            *l = fill;
        }
    }
    for (a, b) in label_runs(&labels) {
        let steps = &stretch[a..b];
        // The segment ends at its last step; it shares the boundary interval with the next.
        segments.push(Segment {
            start_s: steps[0],
            end_s: *steps.last().unwrap_or(&steps[0]),
            activity: labels[a],
            steps: steps.len(),
            cadence_spm: stride_cadence_spm(&stretch[a..(b + 1).min(stretch.len())]),
        });
    }
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
