//! Medians and quartiles of cadences in bounded memory, for analyses of any length.
//!
//! [`Quantiles`] keeps the values themselves up to a cap, so the figures of an ordinary
//! recording are exact, and past the cap moves to a fixed histogram (0.01 spm wide buckets
//! from 0 to 600 spm): a 10-hour run costs the same memory as a 1-hour one, and its median is
//! within 0.005 spm of the exact one.

/// Width of a histogram bucket by default, spm.
pub const BUCKET_SPM: f64 = 0.01;
/// Values above this (spm) share the top bucket, values below 0 the bottom one.
const TOP_SPM: f64 = 600.0;

/// Values kept exactly by default (8 bytes each) before moving to the histogram.
pub const DEFAULT_CAP: usize = 8192;

/// An order-statistics accumulator of cadence values (spm): exact up to a cap, then a
/// histogram. Non-finite values are ignored.
#[derive(Clone, Debug)]
pub struct Quantiles {
    cap: usize,
    bucket_spm: f64,
    exact: Vec<f64>,
    sorted: bool,
    /// Counts per bucket, once past the cap (allocated zeroed: untouched pages cost nothing).
    hist: Option<Vec<u32>>,
    n: u64,
}

impl Default for Quantiles {
    fn default() -> Self {
        Self::with_cap(DEFAULT_CAP)
    }
}

impl Quantiles {
    /// An empty accumulator keeping up to `cap` values exactly.
    pub fn with_cap(cap: usize) -> Self {
        Self::with_cap_and_bucket(cap, BUCKET_SPM)
    }

    /// An empty accumulator keeping up to `cap` values exactly, then counting them in buckets
    /// `bucket_spm` wide (coarser buckets touch less memory).
    pub fn with_cap_and_bucket(cap: usize, bucket_spm: f64) -> Self {
        Quantiles {
            cap,
            bucket_spm,
            exact: Vec::new(),
            sorted: true,
            hist: None,
            n: 0,
        }
    }

    /// Values added (finite ones).
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether no value was added.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Whether the figures are exact (the values are still kept).
    pub fn is_exact(&self) -> bool {
        self.hist.is_none()
    }

    fn buckets(&self) -> usize {
        (TOP_SPM / self.bucket_spm).ceil() as usize
    }

    fn bucket(&self, v: f64) -> usize {
        ((v / self.bucket_spm) as usize).min(self.buckets() - 1) // `as` saturates: negatives go to 0
    }

    fn bucket_value(&self, i: usize) -> f64 {
        (i as f64 + 0.5) * self.bucket_spm
    }

    fn spill(&mut self) {
        let mut hist = vec![0u32; self.buckets()];
        for &v in &self.exact {
            hist[self.bucket(v)] += 1;
        }
        self.exact = Vec::new();
        self.sorted = true;
        self.hist = Some(hist);
    }

    /// Add one value (ignored unless finite).
    pub fn push(&mut self, v: f64) {
        if !v.is_finite() {
            return;
        }
        self.n += 1;
        let i = self.bucket(v);
        match &mut self.hist {
            Some(hist) => {
                let b = &mut hist[i];
                *b = b.saturating_add(1);
            }
            None => {
                if self.exact.len() == self.cap {
                    self.spill();
                    self.n -= 1;
                    return self.push(v);
                }
                self.sorted &= self.exact.last().is_none_or(|&last| last <= v);
                self.exact.push(v);
            }
        }
    }

    /// Add all of `other`'s values.
    pub fn merge(&mut self, other: &Quantiles) {
        if self.hist.is_none()
            && other.hist.is_none()
            && self.exact.len() + other.exact.len() <= self.cap
        {
            self.sorted &= match (self.exact.last(), other.exact.first()) {
                (Some(&a), Some(&b)) => a <= b && other.sorted,
                _ => other.sorted,
            };
            self.exact.extend_from_slice(&other.exact);
            self.n += other.n;
            return;
        }
        if self.hist.is_none() {
            self.spill();
        }
        let same_buckets = self.bucket_spm == other.bucket_spm;
        match &other.hist {
            Some(o) if same_buckets => {
                let hist = self.hist.as_mut().expect("spilled above");
                // Only the buckets in use are written: untouched pages stay unallocated.
                for (a, &b) in hist.iter_mut().zip(o) {
                    if b != 0 {
                        *a = a.saturating_add(b);
                    }
                }
            }
            Some(o) => {
                for (i, &c) in o.iter().enumerate().filter(|(_, &c)| c != 0) {
                    let b = self.bucket(other.bucket_value(i));
                    let hist = self.hist.as_mut().expect("spilled above");
                    hist[b] = hist[b].saturating_add(c);
                }
            }
            None => {
                for &v in &other.exact {
                    let b = self.bucket(v);
                    let hist = self.hist.as_mut().expect("spilled above");
                    hist[b] = hist[b].saturating_add(1);
                }
            }
        }
        self.n += other.n;
    }

    /// The `k`-th smallest value (0-based), `None` past the end.
    pub fn nth(&mut self, k: u64) -> Option<f64> {
        if k >= self.n {
            return None;
        }
        match &self.hist {
            None => {
                if !self.sorted {
                    self.exact.sort_by(f64::total_cmp);
                    self.sorted = true;
                }
                self.exact.get(k as usize).copied()
            }
            Some(hist) => {
                let mut seen = 0u64;
                for (i, &c) in hist.iter().enumerate() {
                    seen += u64::from(c);
                    if seen > k {
                        return Some(self.bucket_value(i));
                    }
                }
                None
            }
        }
    }

    /// The q-quantile (0..=1) with linear interpolation between neighbouring values, as
    /// [`quantile`](crate::report::stats::quantile) of the sorted values gives it.
    pub fn quantile(&mut self, q: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let pos = q.clamp(0.0, 1.0) * (self.n - 1) as f64;
        let (lo, hi) = (pos.floor() as u64, pos.ceil() as u64);
        let a = self.nth(lo)?;
        let b = self.nth(hi)?;
        Some(a + (b - a) * (pos - lo as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn exact_quantile(v: &mut [f64], q: f64) -> f64 {
        v.sort_by(f64::total_cmp);
        crate::report::stats::quantile(v, q).unwrap()
    }

    #[test]
    fn empty_has_no_quantiles_and_non_finite_is_ignored() {
        let mut q = Quantiles::default();
        q.push(f64::NAN);
        q.push(f64::INFINITY);
        assert!(q.is_empty());
        assert_eq!(q.quantile(0.5), None);
        assert_eq!(q.nth(0), None);
    }

    proptest! {
        #[test]
        fn exact_below_the_cap_and_within_a_bucket_above(
            values in proptest::collection::vec(40.0f64..260.0, 1..300),
            cap in 1usize..400,
            q in 0.0f64..=1.0,
        ) {
            let mut acc = Quantiles::with_cap(cap);
            for &v in &values {
                acc.push(v);
            }
            let mut v = values.clone();
            let want = exact_quantile(&mut v, q);
            let got = acc.quantile(q).unwrap();
            if values.len() <= cap {
                prop_assert!(acc.is_exact());
                prop_assert_eq!(got.to_bits(), want.to_bits());
            } else {
                prop_assert!(!acc.is_exact());
                prop_assert!((got - want).abs() <= BUCKET_SPM, "{} vs {}", got, want);
            }
        }

        #[test]
        fn merging_equals_pushing_everything_into_one(
            a in proptest::collection::vec(40.0f64..260.0, 0..100),
            b in proptest::collection::vec(40.0f64..260.0, 0..100),
            cap in 1usize..150,
        ) {
            let (mut x, mut y, mut all) =
                (Quantiles::with_cap(cap), Quantiles::with_cap(cap), Quantiles::with_cap(cap));
            a.iter().for_each(|&v| { x.push(v); all.push(v); });
            b.iter().for_each(|&v| { y.push(v); all.push(v); });
            x.merge(&y);
            prop_assert_eq!(x.len(), all.len());
            for q in [0.0, 0.25, 0.5, 0.75, 1.0] {
                let (g, w) = (x.quantile(q), all.quantile(q));
                match (g, w) {
                    (Some(g), Some(w)) => prop_assert!((g - w).abs() <= BUCKET_SPM),
                    (g, w) => prop_assert_eq!(g, w),
                }
            }
        }
    }

    #[test]
    fn out_of_range_values_are_clamped_not_lost() {
        let mut q = Quantiles::with_cap(1);
        for v in [-5.0, 700.0, 170.0] {
            q.push(v);
        }
        assert_eq!(q.len(), 3);
        assert!(q.nth(0).unwrap() < 0.01);
        assert!((q.nth(1).unwrap() - 170.0).abs() <= BUCKET_SPM);
        assert!(q.nth(2).unwrap() > 599.9);
    }
}
