//! Acoustic latency of the metronome's own click, estimated by cross-correlating the input's
//! click-likeness with the known click train.
//!
//! The engine says when every click left the renderer (a sample index, mapped by the caller to
//! the input stream clock). Between that and the microphone lie the output buffer, the device
//! (Bluetooth adds a few hundred ms), the air and the input buffer: one unknown delay. For each
//! click at `c` the estimator adds the click-likeness `C` of the input at `c + lag` into an
//! accumulator, for every candidate lag on the hop grid, with an exponential forgetting so a
//! changed route is re-learnt. The lag where the accumulator peaks is the latency.
//!
//! With a steady click every `P` samples the correlation also peaks at `lag ± P`. The first
//! click of the stream settles which alias is true: nothing click-like can arrive before it, so
//! in its own lag window the earliest of the aliases that holds a click response is the real
//! delay. (Were that window lost, the smallest alias is taken; for a steady tempo every alias
//! predicts the same set of click arrivals, so suppression is unaffected.)
//!
//! Fixed-size state: the accumulator and the queue of pending clicks are allocated once.

/// Clicks remembered while waiting for their lag window to pass.
const PENDING_CLICKS: usize = 64;

/// Latency estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClickLatency {
    /// Delay from a click's reported onset to its arrival in the input, samples of the input
    /// stream clock (hop resolution).
    pub latency_samples: i64,
    /// Peak score over the mean score across lags (about 1 for no click heard; a clear click
    /// train gives tens).
    pub peak_to_mean: f64,
    /// Clicks that have contributed.
    pub clicks: u64,
}

/// The estimator. Feed it click onsets and the per-hop click-likeness; see the module docs.
#[derive(Clone, Debug)]
pub struct LatencyEstimator {
    hop_samples: u64,
    min_lag_hops: i64,
    acc: Box<[f64]>,
    pending: [u64; PENDING_CLICKS],
    pending_len: usize,
    pending_head: usize,
    clicks: u64,
    forget: f64,
    dropped: u64,
    /// Click-likeness over the lag window of the very first click (see the module docs).
    first_window: Box<[f32]>,
    first_recorded: bool,
}

impl LatencyEstimator {
    /// Lags from `min_lag_samples` to `max_lag_samples` on a grid of `hop_samples`; `forget` is
    /// the weight kept by the old score at each new click (0.97 ≈ the last 30 clicks).
    pub fn new(hop_samples: u64, min_lag_samples: i64, max_lag_samples: i64, forget: f64) -> Self {
        let hop = hop_samples.max(1) as i64;
        let min_lag_hops = min_lag_samples.div_euclid(hop);
        let max_lag_hops = max_lag_samples.div_euclid(hop).max(min_lag_hops + 1);
        let bins = (max_lag_hops - min_lag_hops + 1) as usize;
        Self {
            hop_samples: hop as u64,
            min_lag_hops,
            acc: vec![0.0; bins].into_boxed_slice(),
            pending: [0; PENDING_CLICKS],
            pending_len: 0,
            pending_head: 0,
            clicks: 0,
            forget: forget.clamp(0.0, 1.0),
            dropped: 0,
            first_window: vec![0.0; bins].into_boxed_slice(),
            first_recorded: false,
        }
    }

    /// Hops of click-likeness history needed after a click's hop (the lag window span).
    pub fn span_hops(&self) -> usize {
        self.acc.len()
    }

    /// Lowest lag, hops.
    pub fn min_lag_hops(&self) -> i64 {
        self.min_lag_hops
    }

    /// Remember a click that left the renderer at `onset_samples` (input stream clock).
    pub fn push_click(&mut self, onset_samples: u64) {
        if self.pending_len == PENDING_CLICKS {
            // Queue full (clicks pushed far ahead of the audio): drop the oldest.
            self.pending_head = (self.pending_head + 1) % PENDING_CLICKS;
            self.pending_len -= 1;
            self.dropped += 1;
        }
        let idx = (self.pending_head + self.pending_len) % PENDING_CLICKS;
        self.pending[idx] = onset_samples;
        self.pending_len += 1;
    }

    /// Clicks lost because too many were queued ahead of the audio.
    pub fn dropped_clicks(&self) -> u64 {
        self.dropped
    }

    /// Called once per hop, after hop `hop_index` has been analysed: every pending click whose
    /// whole lag window is now in the past is correlated, reading click-likeness through
    /// `history(hop) -> Option<f32>` (`None` when that hop is no longer, or not yet, stored).
    /// Returns how many clicks were correlated (the estimate changes only then).
    pub fn on_hop(&mut self, hop_index: u64, history: impl Fn(i64) -> Option<f32>) -> usize {
        let before = self.clicks;
        while self.pending_len > 0 {
            let click = self.pending[self.pending_head];
            let first = (click / self.hop_samples) as i64 + self.min_lag_hops;
            let last = first + self.acc.len() as i64 - 1;
            if last > hop_index as i64 {
                break;
            }
            self.pending_head = (self.pending_head + 1) % PENDING_CLICKS;
            self.pending_len -= 1;
            if history(first).is_none() && history(last).is_none() {
                continue; // the window is no longer stored (clicks arrived late)
            }
            for (k, a) in self.acc.iter_mut().enumerate() {
                *a = *a * self.forget + f64::from(history(first + k as i64).unwrap_or(0.0));
            }
            if self.clicks == 0 {
                for (k, w) in self.first_window.iter_mut().enumerate() {
                    *w = history(first + k as i64).unwrap_or(0.0);
                }
                self.first_recorded = true;
            }
            self.clicks += 1;
        }
        (self.clicks - before) as usize
    }

    /// The current estimate (whether or not it is trustworthy; see [`ClickLatency::peak_to_mean`]).
    pub fn estimate(&self) -> Option<ClickLatency> {
        if self.clicks == 0 {
            return None;
        }
        let n = self.acc.len();
        let smooth = |k: usize| {
            let l = self.acc[k.saturating_sub(1)];
            let r = self.acc[(k + 1).min(n - 1)];
            0.25 * l + 0.5 * self.acc[k] + 0.25 * r
        };
        let mut best = 0.0f64;
        let mut sum = 0.0;
        for k in 0..n {
            best = best.max(smooth(k));
            sum += self.acc[k];
        }
        let mean = sum / n as f64;
        if best <= 0.0 || !best.is_finite() {
            return None;
        }
        let is_alias = |k: usize| {
            let s = smooth(k);
            s >= 0.85 * best && s >= smooth(k.saturating_sub(1)) && s >= smooth((k + 1).min(n - 1))
        };
        // Response of the first click's window near lag k (±1 hop).
        let first = |k: usize| {
            self.first_window[k.saturating_sub(1)..=(k + 1).min(n - 1)]
                .iter()
                .fold(0.0f32, |m, &v| m.max(v))
        };
        let loudest_first = (0..n)
            .filter(|&k| is_alias(k))
            .map(first)
            .fold(0.0f32, f32::max);
        let k = (0..n)
            .find(|&k| is_alias(k) && (!self.first_recorded || first(k) >= 0.4 * loudest_first))?;
        Some(ClickLatency {
            latency_samples: (k as i64 + self.min_lag_hops) * self.hop_samples as i64,
            peak_to_mean: if mean > 0.0 {
                best / mean
            } else {
                f64::INFINITY
            },
            clicks: self.clicks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_delay_of_a_pulse_train() {
        let hop = 100u64;
        let delay_hops = 37i64;
        let mut est = LatencyEstimator::new(hop, -500, 60_000, 0.97);
        // Clicks every 33 hops: the lag window (605 hops) also holds the aliases 4, 70, 103, …
        let clicks: Vec<u64> = (0..40).map(|i| 1_000 + i * 3_300).collect();
        let signal = |h: i64| -> Option<f32> {
            if h < 0 {
                return Some(0.0);
            }
            let hit = clicks.iter().any(|&c| (c / hop) as i64 + delay_hops == h);
            Some(if hit { 1.0 } else { 0.05 })
        };
        for &c in &clicks {
            est.push_click(c);
        }
        for h in 0..2_000u64 {
            est.on_hop(h, signal);
        }
        let e = est.estimate().unwrap();
        assert_eq!(e.latency_samples, delay_hops * hop as i64);
        assert!(e.peak_to_mean > 3.0, "{e:?}");
    }
}
