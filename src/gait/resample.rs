//! Bringing an irregular input clock onto the detector's fixed internal grid.
//!
//! Inputs arrive at 15–500 Hz with jitter and short gaps; the gait filters want a fixed rate.
//! The scalar gait signal is first low-passed with time-aware one-pole filters (anti-alias for
//! fast inputs; nearly transparent for slow ones), then linearly interpolated at the grid times
//! `t0 + k / fs` of the recording clock. Longer gaps are reported so the caller can restart.

use super::filters::{OnePoleCoefficient, OnePoleLowPass};

/// Anti-alias cutoff before the grid, Hz (below the grid's Nyquist frequency).
pub const ANTI_ALIAS_HZ: f64 = 12.0;

/// What one input sample produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// Normal sample: grid points (if any) were emitted.
    Ok,
    /// The first sample, or the first after a gap longer than the limit: the grid restarted.
    Restarted,
    /// Time did not advance (duplicate or backwards): the sample was ignored.
    Ignored,
}

/// Streaming resampler of a scalar onto a fixed grid.
#[derive(Clone, Debug)]
pub struct Resampler {
    fs_hz: f64,
    max_gap_s: f64,
    aa: [OnePoleLowPass; 2],
    /// Their shared coefficient.
    k_aa: OnePoleCoefficient,
    origin_s: f64,
    next_k: u64,
    /// Time of grid point `next_k` (kept so it is computed once per grid point).
    next_t_s: f64,
    /// Time of the previous accepted sample (its filtered value is `aa[1]`'s output), or
    /// `None` before the first. Kept apart from the value so the next sample's interval does
    /// not wait (through memory) for the previous sample's filtering.
    prev_t_s: Option<f64>,
}

impl Resampler {
    /// Grid at `fs_hz`; gaps longer than `max_gap_s` restart it.
    pub fn new(fs_hz: f64, max_gap_s: f64) -> Self {
        Self {
            fs_hz,
            max_gap_s,
            aa: [OnePoleLowPass::new(ANTI_ALIAS_HZ); 2],
            k_aa: OnePoleCoefficient::new(ANTI_ALIAS_HZ),
            origin_s: 0.0,
            next_k: 0,
            next_t_s: 0.0,
            prev_t_s: None,
        }
    }

    /// Grid rate, Hz.
    pub fn fs_hz(&self) -> f64 {
        self.fs_hz
    }

    /// Seconds since the previous accepted sample, or `None` for the first one.
    pub fn dt_since_last(&self, t_s: f64) -> Option<f64> {
        self.prev_t_s.map(|pt| t_s - pt)
    }

    /// Total delay (s) the anti-alias filters add at `f_hz`.
    pub fn phase_delay_s(&self, f_hz: f64) -> f64 {
        self.aa.iter().map(|f| f.phase_delay_s(f_hz)).sum()
    }

    /// Time of grid point `k`, seconds.
    fn grid_time(&self, k: u64) -> f64 {
        self.origin_s + k as f64 / self.fs_hz
    }

    /// Feed the value `x` at recording time `t_s`; `emit(t_grid_s, value)` is called for every
    /// grid point up to `t_s`.
    #[inline(always)]
    pub fn push(&mut self, t_s: f64, x: f64, mut emit: impl FnMut(f64, f64)) -> Feed {
        let pt = match self.prev_t_s {
            None => t_s,
            Some(pt) if t_s <= pt => return Feed::Ignored,
            Some(pt) => pt,
        };
        let dt = t_s - pt;
        let restart = self.prev_t_s.is_none() || dt > self.max_gap_s;
        if restart {
            for f in &mut self.aa {
                f.settle_at(x);
            }
            self.origin_s = t_s;
            self.next_k = 0;
            self.prev_t_s = Some(t_s);
            emit(t_s, x);
            self.next_k = 1;
            self.next_t_s = self.grid_time(1);
            return Feed::Restarted;
        }
        let pv = self.aa[1].value();
        let (k, keep) = self.k_aa.split_for_dt(dt);
        let y1 = self.aa[0].process_split(x, k, keep);
        let y = self.aa[1].process_split(y1, k, keep);
        while self.next_t_s <= t_s {
            let tg = self.next_t_s;
            let w = (tg - pt) / dt;
            emit(tg, pv + w * (y - pv));
            self.next_k += 1;
            self.next_t_s = self.grid_time(self.next_k);
        }
        self.prev_t_s = Some(t_s);
        Feed::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_regular_for_irregular_input() {
        let mut r = Resampler::new(50.0, 1.0);
        let mut times = Vec::new();
        let mut t = 0.0;
        let mut i = 0u32;
        while t < 10.0 {
            r.push(t, 1.0, |tg, v| {
                times.push(tg);
                assert!((v - 1.0).abs() < 1e-9);
            });
            i += 1;
            // 17–37 ms jitter, an irregular ~40 Hz input.
            t += 0.017 + 0.02 * ((i * 7919) % 13) as f64 / 13.0;
        }
        for w in times.windows(2) {
            assert!((w[1] - w[0] - 0.02).abs() < 1e-9);
        }
        assert!((times.len() as f64 - 500.0).abs() <= 2.0);
    }

    #[test]
    fn long_gap_restarts_and_backwards_time_is_ignored() {
        let mut r = Resampler::new(50.0, 1.0);
        assert_eq!(r.push(0.0, 0.0, |_, _| {}), Feed::Restarted);
        assert_eq!(r.push(0.1, 0.0, |_, _| {}), Feed::Ok);
        assert_eq!(r.push(0.05, 0.0, |_, _| {}), Feed::Ignored);
        assert_eq!(r.push(0.1, 0.0, |_, _| {}), Feed::Ignored);
        assert_eq!(r.push(5.0, 0.0, |_, _| {}), Feed::Restarted);
    }
}
