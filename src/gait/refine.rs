//! Offline refinement of a finished step list (the live detector cannot look ahead).
//!
//! A step the live detector missed while its period estimate was catching up with a change of
//! pace leaves an interval of two steps between steps that are otherwise regular. Seen from
//! both sides, such an interval is restored with a step half-way. Only intervals between 1.6
//! and 2.4 times the median of the surrounding intervals (on both sides, four each) are filled,
//! and never across a pause, so a real stop or a slowdown is not filled in.

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
}
