//! Offline refinement of a finished step list (the live detector cannot look ahead).
//!
//! A step the live detector missed while its period estimate was catching up with a change of
//! pace leaves an interval of two steps between steps that are otherwise regular. Seen from
//! both sides, such an interval is restored with a step half-way. Only intervals between 1.6
//! and 2.4 times the median of the surrounding intervals (on both sides, four each) are filled,
//! and never across a pause, so a real stop or a slowdown is not filled in.
//!
//! A wrist gesture or a weak leg can also hide every other step for many seconds: the live
//! periodicity then locks onto the stride and the refractory interval hides the other leg, so
//! the neighbours of a two-step gap are two-step gaps too and the local median cannot tell.
//! [`fill_sustained_gaps`] learns the step period from the recording's own confident walking
//! instead: stretches of the same bout where several strides in a row are even. Where an
//! interval and most of its neighbours are whole multiples of that period, the missing steps
//! are restored evenly. A recording with no confident walking gains nothing; a single slow
//! step (a turn) is not filled because its neighbours are ordinary steps.

/// Surrounding intervals considered on each side.
const SIDE: usize = 4;

/// Insert the steps missing from two-step gaps in sorted `steps` (recording clock, s).
pub fn fill_missed_steps(steps: &[f64], pause_s: f64) -> Vec<f64> {
    let n = steps.len();
    let mut out = Vec::with_capacity(n + n / 16);
    let mut around = Vec::with_capacity(2 * SIDE);
    for i in 0..n {
        out.push(steps[i]);
        if i + 1 >= n {
            break;
        }
        let d = steps[i + 1] - steps[i];
        if d > pause_s {
            continue;
        }
        around.clear();
        let before = (i.saturating_sub(SIDE)..i)
            .map(|j| steps[j + 1] - steps[j])
            .filter(|&x| x <= pause_s);
        let after = (i + 1..(i + 1 + SIDE).min(n - 1))
            .map(|j| steps[j + 1] - steps[j])
            .filter(|&x| x <= pause_s);
        around.extend(before);
        let nb = around.len();
        around.extend(after);
        let na = around.len() - nb;
        if nb < 2 || na < 2 {
            continue;
        }
        around.sort_by(f64::total_cmp);
        let m = around[around.len() / 2];
        if d >= 1.6 * m && d <= 2.4 * m {
            out.push(steps[i] + 0.5 * d);
        }
    }
    out
}

/// Strides (two-step intervals) in a row that must be even for their steps to count as
/// confident walking.
const EVEN_STRIDES: usize = 6;
/// Largest ratio between the longest and shortest of those strides ...
const EVEN_RATIO: f64 = 1.2;
/// ... and largest relative difference of a single step interval from their mean (the legs'
/// peaks may sit at different phases of the step, so steps are only roughly even).
const STEP_TOL: f64 = 0.3;
/// The local step period is the median of this many confident intervals nearest in time ...
const NEAREST: usize = 8;
/// ... within this many seconds of the same bout.
const PERIOD_RADIUS_S: f64 = 15.0;
/// An interval is a whole multiple `k` ≥ 2 of the step period when it is within this share of
/// `k` periods.
const MULTIPLE_TOL: f64 = 0.2;
/// Most steps restored in one interval (a longer silence is a pause, not missed steps).
const MAX_MULTIPLE: usize = 4;
/// Neighbourhood (intervals each side) and how many of the intervals in it, the interval
/// itself included, must be multiples for the loss to count as sustained.
const SUSTAIN_SIDE: usize = 2;
const SUSTAIN_MIN: usize = 3;

/// Restore steps hidden for a sustained stretch (every other step lost for several intervals)
/// in sorted `steps` (recording clock, s), using the step period of the surrounding confident
/// walking of the same bout (no interval longer than `pause_s`). See the module doc.
pub fn fill_sustained_gaps(steps: &[f64], pause_s: f64) -> Vec<f64> {
    let n = steps.len();
    if n < EVEN_STRIDES + 2 {
        return steps.to_vec();
    }
    let interval = |i: usize| steps[i + 1] - steps[i];
    // Confident intervals: inside a window of EVEN_STRIDES even strides without a pause.
    let mut confident = vec![false; n - 1];
    for (first, w) in steps.windows(EVEN_STRIDES + 2).enumerate() {
        if w.windows(2).any(|p| p[1] - p[0] > pause_s) {
            continue;
        }
        let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
        for s in w.windows(3) {
            let d = s[2] - s[0];
            lo = lo.min(d);
            hi = hi.max(d);
        }
        let mean = (w[EVEN_STRIDES + 1] - w[0]) / (EVEN_STRIDES + 1) as f64;
        let steps_even = w
            .windows(2)
            .all(|p| ((p[1] - p[0]) / mean - 1.0).abs() <= STEP_TOL);
        if hi <= EVEN_RATIO * lo && steps_even {
            confident[first..first + EVEN_STRIDES + 1].fill(true);
        }
    }
    if !confident.iter().any(|&c| c) {
        return steps.to_vec();
    }
    // Bout of each interval: index of the first interval after the last pause before it.
    let mut bout = vec![0usize; n - 1];
    for i in 1..n - 1 {
        bout[i] = if interval(i - 1) > pause_s {
            i
        } else {
            bout[i - 1]
        };
    }
    // Multiple of the local step period each interval is (0: none). The period is the median
    // of the nearest confident intervals of the same bout, so a slow walk with even strides
    // of its own is measured by itself, not by the faster walking before it.
    let mut multiple = vec![0usize; n - 1];
    let mut near = Vec::with_capacity(NEAREST);
    for i in 0..n - 1 {
        let d = interval(i);
        if d > pause_s || confident[i] {
            continue;
        }
        near.clear();
        let usable =
            |j: usize| bout[j] == bout[i] && (steps[j] - steps[i]).abs() <= PERIOD_RADIUS_S;
        let (mut back, mut ahead) = (i, i + 1);
        while near.len() < NEAREST {
            let b = (back > 0 && usable(back - 1)).then(|| back - 1);
            let a = (ahead < n - 1 && usable(ahead)).then_some(ahead);
            let j = match (b, a) {
                (Some(b), Some(a)) => {
                    if steps[i] - steps[b] <= steps[a] - steps[i] {
                        b
                    } else {
                        a
                    }
                }
                (Some(b), None) => b,
                (None, Some(a)) => a,
                (None, None) => break,
            };
            if j < i {
                back = j;
            } else {
                ahead = j + 1;
            }
            if confident[j] {
                near.push(interval(j));
            }
        }
        if near.len() < NEAREST {
            continue;
        }
        let mid = near.len() / 2;
        let period = *near.select_nth_unstable_by(mid, f64::total_cmp).1;
        let k = (d / period).round();
        if k >= 2.0 && k <= MAX_MULTIPLE as f64 && (d / (k * period) - 1.0).abs() <= MULTIPLE_TOL {
            multiple[i] = k as usize;
        }
    }
    let mut out = Vec::with_capacity(n + n / 8);
    for i in 0..n {
        out.push(steps[i]);
        if i + 1 == n || multiple[i] == 0 {
            continue;
        }
        let around = (i.saturating_sub(SUSTAIN_SIDE)..(i + SUSTAIN_SIDE + 1).min(n - 1))
            .filter(|&j| multiple[j] > 0)
            .count();
        if around >= SUSTAIN_MIN {
            let k = multiple[i];
            let d = interval(i);
            out.extend((1..k).map(|j| steps[i] + d * j as f64 / k as f64));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_step_gap_inside_a_regular_walk_is_filled() {
        let mut steps: Vec<f64> = (0..20).map(|i| i as f64 * 0.5).collect();
        steps.remove(10);
        let out = fill_missed_steps(&steps, 2.0);
        assert_eq!(out.len(), 20);
        assert!((out[10] - 5.0).abs() < 1e-9);
    }

    #[test]
    fn pauses_slowdowns_and_edges_are_left_alone() {
        // A 2 s pause, a gradual slowdown, and a gap at the very start.
        let mut steps = vec![0.0, 1.0, 1.5, 2.0, 2.5, 3.0];
        steps.extend((0..6).map(|i| 5.0 + i as f64 * 0.5));
        let mut t = 8.0;
        for i in 0..8 {
            steps.push(t);
            t += 0.5 + 0.05 * i as f64;
        }
        let out = fill_missed_steps(&steps, 1.9);
        assert_eq!(out, steps);
    }

    /// Steps every `dt` from `t0`, `n` of them.
    fn walk(t0: f64, dt: f64, n: usize) -> Vec<f64> {
        (0..n).map(|i| t0 + i as f64 * dt).collect()
    }

    #[test]
    fn every_other_step_lost_for_a_stretch_is_restored() {
        // Confident walking at 0.45 s, then a stretch where mostly one leg is seen (wrist
        // gestures: uneven, both legs now and then), then confident walking again.
        let mut steps = walk(0.0, 0.45, 20);
        let lost = [
            0.9, 0.95, 0.85, 0.45, 0.9, 0.8, 1.0, 0.45, 0.9, 0.9, 0.85, 0.45, 0.95,
        ];
        for d in lost {
            steps.push(steps.last().unwrap() + d);
        }
        let t = *steps.last().unwrap();
        steps.extend(walk(t + 0.45, 0.45, 20));
        let out = fill_sustained_gaps(&steps, 2.0);
        // Every hidden step is restored, except perhaps at the stretch's two ends (there most
        // neighbours are ordinary steps, as around a single slow step).
        let hidden = lost.iter().filter(|&&d| d > 0.6).count();
        assert!(out.len() <= steps.len() + hidden);
        assert!(
            out.len() + 2 >= steps.len() + hidden,
            "{} of {hidden}",
            out.len() - steps.len()
        );
        let long = out.windows(2).filter(|w| w[1] - w[0] > 0.52).count();
        assert!(long <= 2, "{long} two-step gaps left");
        assert!(out.windows(2).all(|w| w[1] - w[0] >= 0.38));
    }

    #[test]
    fn a_slow_turn_a_pause_a_slow_walk_and_no_confident_walking_are_left_alone() {
        // A single slow step (a turn) inside confident walking.
        let mut steps = walk(0.0, 0.5, 15);
        steps.push(steps[14] + 1.0);
        let t = steps[15];
        steps.extend(walk(t + 0.5, 0.5, 15));
        assert_eq!(fill_sustained_gaps(&steps, 2.0), steps);
        // A genuinely slow walk, after a pause or straight after a faster one: its own even
        // strides give its period.
        for gap in [3.0, 1.0] {
            let mut steps = walk(0.0, 0.5, 15);
            let t = steps[14] + gap;
            steps.extend(walk(t, 1.0, 15));
            assert_eq!(fill_sustained_gaps(&steps, 2.0), steps, "gap {gap}");
        }
        // Irregular motion with no even strides anywhere (arm gestures): nothing learned.
        let steps = [
            0.0, 0.5, 1.4, 1.7, 2.9, 3.3, 4.4, 4.6, 5.9, 6.3, 7.4, 8.0, 9.1,
        ];
        assert_eq!(fill_sustained_gaps(&steps, 2.0), steps.to_vec());
    }
}
