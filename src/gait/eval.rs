//! Scoring detected steps against reference steps (the accuracy harness and its tests).
//!
//! Matching is one-to-one and greedy in order of time distance: each reference step takes the
//! nearest unused detected step within the tolerance. Reference sets that only cover walking
//! bouts (the rest of the recording is unlabelled) are handled by scoring only the detected
//! steps inside the reference's covered stretches ([`covered_stretches`]).

/// Result of matching detected steps to reference steps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepMatch {
    /// Reference steps with a detected step within the tolerance.
    pub matched: usize,
    /// Reference steps considered.
    pub reference: usize,
    /// Detected steps considered.
    pub detected: usize,
    /// For each matched pair, detected time minus reference time, seconds.
    pub offsets_s: Vec<f64>,
    /// For each matched pair, the index of the reference step and of the detected step.
    pub pairs: Vec<(usize, usize)>,
}

impl StepMatch {
    /// Share of detected steps that match a reference step.
    pub fn precision(&self) -> f64 {
        ratio(self.matched, self.detected)
    }
    /// Share of reference steps that were detected.
    pub fn recall(&self) -> f64 {
        ratio(self.matched, self.reference)
    }
    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Match sorted `detected` to sorted `reference` step times within `tol_s` seconds.
pub fn match_steps(reference: &[f64], detected: &[f64], tol_s: f64) -> StepMatch {
    // Candidate pairs within tolerance, then take them closest first.
    let mut cands: Vec<(f64, usize, usize)> = Vec::new();
    let mut lo = 0;
    for (i, &r) in reference.iter().enumerate() {
        while lo < detected.len() && detected[lo] < r - tol_s {
            lo += 1;
        }
        let mut j = lo;
        while j < detected.len() && detected[j] <= r + tol_s {
            cands.push(((detected[j] - r).abs(), i, j));
            j += 1;
        }
    }
    cands.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut used_r = vec![false; reference.len()];
    let mut used_d = vec![false; detected.len()];
    let mut out = StepMatch {
        reference: reference.len(),
        detected: detected.len(),
        ..StepMatch::default()
    };
    for (_, i, j) in cands {
        if !used_r[i] && !used_d[j] {
            used_r[i] = true;
            used_d[j] = true;
            out.matched += 1;
            out.pairs.push((i, j));
        }
    }
    out.pairs.sort_unstable();
    out.offsets_s = out
        .pairs
        .iter()
        .map(|&(i, j)| detected[j] - reference[i])
        .collect();
    out
}

/// Stretches of time the reference covers: consecutive reference steps closer than `max_gap_s`
/// form one stretch, widened by `margin_s` on both sides.
pub fn covered_stretches(reference: &[f64], max_gap_s: f64, margin_s: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for &t in reference {
        match out.last_mut() {
            Some(last) if t - (last.1 - margin_s) <= max_gap_s => last.1 = t + margin_s,
            _ => out.push((t - margin_s, t + margin_s)),
        }
    }
    out
}

/// The detected steps that fall inside any of `stretches`.
pub fn inside(detected: &[f64], stretches: &[(f64, f64)]) -> Vec<f64> {
    detected
        .iter()
        .copied()
        .filter(|t| stretches.iter().any(|&(a, b)| *t >= a && *t <= b))
        .collect()
}

/// Median of a list (0 for an empty list).
pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_is_one_to_one_within_tolerance() {
        let reference = [1.0, 2.0, 3.0, 4.0];
        let detected = [1.05, 1.1, 2.2, 3.0, 5.0];
        let m = match_steps(&reference, &detected, 0.15);
        assert_eq!(m.matched, 2);
        assert_eq!(m.pairs, vec![(0, 0), (2, 3)]);
        assert!((m.precision() - 0.4).abs() < 1e-12);
        assert!((m.recall() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn stretches_split_at_long_gaps() {
        let s = covered_stretches(&[1.0, 1.5, 2.0, 10.0, 10.5], 3.0, 0.5);
        assert_eq!(s, vec![(0.5, 2.5), (9.5, 11.0)]);
        assert_eq!(inside(&[0.0, 1.2, 5.0, 10.9], &s), vec![1.2, 10.9]);
    }
}
