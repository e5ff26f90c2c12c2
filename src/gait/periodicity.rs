//! Periodicity of the gait signal: a running autocorrelation and the step period it implies.
//!
//! The autocorrelation `R[k]` of the band-passed signal is kept for every lag from the shortest
//! step (~0.25 s) to the longest stride (~2.2 s), each an exponentially weighted sum over the
//! last few seconds: O(lags) = O(1) work per sample, a fixed ring buffer, no allocation.
//!
//! Steps versus strides: with a phone in one pocket the two legs look different, and the
//! strongest repetition is the stride (two steps). The estimate therefore takes the first
//! strong autocorrelation peak and then checks half of that lag: if the signal also repeats
//! there (positive correlation, a local peak of a good share of the full one), the step period
//! is the half lag. A plain sinusoid at the step rate is anti-correlated at half its period, so
//! the check does not halve a genuine step period.

/// Longest lag kept, in seconds (a slow stride).
const MAX_LAG_S: f64 = 2.2;
/// Shortest step period considered, seconds (~230 spm).
const MIN_STEP_S: f64 = 0.26;
/// Longest step period considered, seconds (~50 spm).
const MAX_STEP_S: f64 = 1.4;
/// Maximum number of lags (at the highest internal rate supported).
const MAX_LAGS: usize = 256;

/// What the autocorrelation says about the current gait.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeriodEstimate {
    /// Step period (time between consecutive foot contacts), seconds.
    pub step_s: f64,
    /// Normalised autocorrelation at the strongest repetition (step or stride), 0–1.
    pub strength: f64,
    /// Whether the step period was taken as a sub-multiple of the strongest lag (legs look
    /// different, or the pace is changing).
    pub halved: bool,
}

/// Exponentially weighted running autocorrelation over a fixed lag range.
#[derive(Clone, Debug)]
pub struct Periodicity {
    fs_hz: f64,
    decay: f64,
    half_ratio: f64,
    /// The last `n_lags` samples, written twice (at `pos` and `pos + n_lags`) so the samples
    /// at lags 0..n_lags are one contiguous slice ending at `pos + n_lags`.
    ring: [f64; 2 * MAX_LAGS],
    r: [f64; MAX_LAGS],
    /// `r` normalised by `r[0]`, refreshed by each estimate.
    norm: [f64; MAX_LAGS],
    n_lags: usize,
    pos: usize,
    filled: usize,
}

impl Periodicity {
    /// Autocorrelation at `fs_hz` with memory time constant `memory_s`; `half_ratio` is the
    /// share of the full-lag correlation the half lag needs to count as the step period.
    pub fn new(fs_hz: f64, memory_s: f64, half_ratio: f64) -> Self {
        let n_lags = ((MAX_LAG_S * fs_hz).ceil() as usize + 2).min(MAX_LAGS);
        Self {
            fs_hz,
            decay: (-1.0 / (memory_s * fs_hz)).exp(),
            half_ratio,
            ring: [0.0; 2 * MAX_LAGS],
            r: [0.0; MAX_LAGS],
            norm: [0.0; MAX_LAGS],
            n_lags,
            pos: 0,
            filled: 0,
        }
    }

    /// Forget everything.
    pub fn reset(&mut self) {
        self.ring = [0.0; 2 * MAX_LAGS];
        self.r = [0.0; MAX_LAGS];
        self.pos = 0;
        self.filled = 0;
    }

    /// Add one sample of the band-passed signal.
    #[inline]
    pub fn push(&mut self, y: f64) {
        let n = self.n_lags;
        self.ring[self.pos] = y;
        self.ring[self.pos + n] = y;
        // past[i] is the sample at lag n - 1 - i.
        let past = &self.ring[self.pos + 1..self.pos + n + 1];
        let upto = self.filled.min(n - 1);
        let decay = self.decay;
        for (k, r) in self.r[..=upto].iter_mut().enumerate() {
            *r = decay * *r + y * past[n - 1 - k];
        }
        self.pos = (self.pos + 1) % n;
        self.filled = (self.filled + 1).min(n);
    }

    /// Normalised autocorrelation at lag `k` samples.
    fn rn(&self, k: usize) -> f64 {
        self.norm[k]
    }

    fn is_local_max(&self, k: usize) -> bool {
        k >= 1
            && k + 1 < self.n_lags
            && self.rn(k) >= self.rn(k - 1)
            && self.rn(k) >= self.rn(k + 1)
    }

    /// Parabolic refinement of a peak at lag `k`: (lag in samples, value).
    fn refine(&self, k: usize) -> (f64, f64) {
        let (a, b, c) = (self.rn(k - 1), self.rn(k), self.rn(k + 1));
        let den = a - 2.0 * b + c;
        if den.abs() < 1e-12 {
            return (k as f64, b);
        }
        let d = (0.5 * (a - c) / den).clamp(-0.5, 0.5);
        (k as f64 + d, b - 0.25 * (a - c) * d)
    }

    /// Current estimate, or `None` while the signal shows no clear repetition.
    pub fn estimate(&mut self) -> Option<PeriodEstimate> {
        if self.filled < self.n_lags {
            return None;
        }
        let inv = if self.r[0] > 1e-12 {
            1.0 / self.r[0]
        } else {
            0.0
        };
        for (n, r) in self.norm[..self.n_lags].iter_mut().zip(&self.r) {
            *n = r * inv;
        }
        let k_min = ((MIN_STEP_S * self.fs_hz).floor() as usize).max(2);
        let k_max = self.n_lags - 2;
        let mut best = 0.0f64;
        for k in k_min..=k_max {
            if self.is_local_max(k) {
                best = best.max(self.rn(k));
            }
        }
        if best <= 0.0 {
            return None;
        }
        // The first peak that is nearly as strong as the strongest: the fundamental repetition.
        let k_first =
            (k_min..=k_max).find(|&k| self.is_local_max(k) && self.rn(k) >= 0.8 * best)?;
        let (lag, r_full) = self.refine(k_first);
        let mut step = lag;
        let mut halved = false;
        // Sub-multiple check: the other leg's steps in between (half the lag), or, while the
        // pace changes, a lag that is a common multiple of the old and new step periods
        // (a third of the lag). The strongest qualifying sub-multiple wins.
        let mut best_sub: Option<(f64, f64)> = None;
        for k in [2.0, 3.0] {
            let sub = lag / k;
            if sub / self.fs_hz < MIN_STEP_S {
                continue;
            }
            let lo = ((sub * 0.85).floor() as usize).max(k_min);
            let hi = ((sub * 1.15).ceil() as usize).min(k_max);
            let mut cand: Option<usize> = None;
            for j in lo..=hi {
                if self.is_local_max(j) && cand.is_none_or(|c| self.rn(j) > self.rn(c)) {
                    cand = Some(j);
                }
            }
            if let Some(j) = cand {
                let (lag_s, r_s) = self.refine(j);
                if r_s > 0.05
                    && r_s >= self.half_ratio * r_full
                    && best_sub.is_none_or(|(_, r)| r_s > r)
                {
                    best_sub = Some((lag_s, r_s));
                }
            }
        }
        if let Some((lag_s, _)) = best_sub {
            step = lag_s;
            halved = true;
        }
        let step_s = step / self.fs_hz;
        if !(MIN_STEP_S..=MAX_STEP_S).contains(&step_s) {
            return None;
        }
        Some(PeriodEstimate {
            step_s,
            strength: r_full.clamp(0.0, 1.0),
            halved,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn run(mut f: impl FnMut(f64) -> f64) -> Option<PeriodEstimate> {
        let fs = 50.0;
        let mut p = Periodicity::new(fs, 3.0, 0.3);
        for i in 0..(fs as usize * 20) {
            p.push(f(i as f64 / fs));
        }
        p.estimate()
    }

    #[test]
    fn sinusoid_period_is_found_and_not_halved() {
        let e = run(|t| (2.0 * PI * 1.8 * t).sin()).unwrap();
        assert!((e.step_s - 1.0 / 1.8).abs() < 0.01, "{e:?}");
        assert!(!e.halved);
    }

    #[test]
    fn one_leg_dominant_signal_gives_the_step_not_the_stride() {
        // Steps at 2.8 Hz; the left leg's contacts are 2.5 times the right's, plus hip sway at
        // the stride rate.
        let e = run(|t| {
            let step = 2.8;
            let phase = (t * step).fract();
            let n = (t * step).floor() as i64;
            let amp = if n % 2 == 0 { 2.5 } else { 1.0 };
            let pulse = amp * (-((phase - 0.1) / 0.05).powi(2)).exp();
            pulse + 0.3 * (2.0 * PI * step / 2.0 * t).sin()
        })
        .unwrap();
        assert!((e.step_s - 1.0 / 2.8).abs() < 0.01, "{e:?}");
    }

    #[test]
    fn noise_has_no_strong_period() {
        let mut x: u64 = 12345;
        let e = run(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) as f64 / (1u64 << 31) as f64) - 0.5
        });
        assert!(e.is_none_or(|e| e.strength < 0.3), "{e:?}");
    }
}
