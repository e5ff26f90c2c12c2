//! Walking-bout gate: candidate steps count only inside a bout of regular steps.
//!
//! Arm motion at a desk, picking a phone up or a single stumble produce peaks that look like
//! steps one by one. A bout starts only when five consecutive candidates have even strides
//! (two-step intervals within 40 % of each other) at a gait-like spacing, and the signal as a
//! whole repeats strongly (autocorrelation ≥ 0.5) at that same spacing; until then candidates
//! wait in a small fixed queue. Steps the detector restored rather than saw are no evidence:
//! a chain may hold at most one. When the bout is confirmed the waiting steps are released
//! with their original times (so the count loses nothing, and an unseen step two intervals
//! before the chain is restored), and later steps pass straight through. A silence of a few
//! step intervals, or two seconds without rhythm, ends the bout.

use super::periodicity::PeriodEstimate;
use super::StepEvent;

/// Most candidates kept while a bout is unconfirmed.
pub(crate) const PENDING_CAP: usize = 12;
/// Intervals kept for the bout's typical step interval.
const INTERVALS: usize = 5;

/// Settings of the gate.
#[derive(Clone, Copy, Debug)]
pub struct BoutConfig {
    /// Consecutive regular candidates needed to confirm a bout.
    pub min_steps: usize,
    /// Largest ratio between the longest and shortest stride (two-step interval) among them.
    pub max_interval_ratio: f64,
    /// Shortest and longest step interval a bout may have, seconds.
    pub interval_range_s: (f64, f64),
    /// A bout ends after this many typical intervals without a step ...
    pub end_after_intervals: f64,
    /// ... bounded to this range, seconds.
    pub end_after_range_s: (f64, f64),
    /// Autocorrelation strength needed to confirm a bout.
    pub confirm_periodicity: f64,
    /// Largest relative difference between the candidates' typical interval and the
    /// autocorrelation's step period when confirming.
    pub period_agreement: f64,
    /// Autocorrelation strength below which the bout is losing its rhythm ...
    pub keep_periodicity: f64,
    /// ... and ends after this long, seconds.
    pub rhythm_lost_after_s: f64,
}

impl Default for BoutConfig {
    fn default() -> Self {
        Self {
            min_steps: 5,
            max_interval_ratio: 1.4,
            interval_range_s: (0.25, 1.6),
            end_after_intervals: 3.0,
            end_after_range_s: (1.2, 2.5),
            confirm_periodicity: 0.5,
            period_agreement: 0.25,
            keep_periodicity: 0.25,
            rhythm_lost_after_s: 2.0,
        }
    }
}

/// The gate's state machine.
#[derive(Clone, Debug)]
pub struct BoutGate {
    cfg: BoutConfig,
    pending: [StepEvent; PENDING_CAP],
    n_pending: usize,
    confirmed: bool,
    last_s: Option<f64>,
    intervals: [f64; INTERVALS],
    n_intervals: usize,
    next_interval: usize,
    /// Since when (recording clock) the rhythm has been weak, if it is.
    weak_since_s: Option<f64>,
    /// Silence that ends the bout, seconds (updated with each interval).
    end_after_s: f64,
}

impl BoutGate {
    /// A gate with no bout in progress.
    pub fn new(cfg: BoutConfig) -> Self {
        Self {
            cfg,
            pending: [StepEvent::default(); PENDING_CAP],
            n_pending: 0,
            confirmed: false,
            last_s: None,
            intervals: [0.0; INTERVALS],
            n_intervals: 0,
            next_interval: 0,
            weak_since_s: None,
            end_after_s: cfg.end_after_range_s.1,
        }
    }

    /// Forget the bout and any waiting candidates.
    pub fn reset(&mut self) {
        *self = Self::new(self.cfg);
    }

    /// Whether a bout is in progress.
    pub fn in_bout(&self) -> bool {
        self.confirmed
    }

    /// Median of the bout's recent step intervals, seconds.
    pub fn typical_interval_s(&self) -> Option<f64> {
        if self.n_intervals == 0 {
            return None;
        }
        let mut v = self.intervals;
        let s = &mut v[..self.n_intervals];
        s.sort_by(f64::total_cmp);
        Some(s[s.len() / 2])
    }

    fn record_interval(&mut self, dt: f64) {
        self.intervals[self.next_interval] = dt;
        self.next_interval = (self.next_interval + 1) % INTERVALS;
        self.n_intervals = (self.n_intervals + 1).min(INTERVALS);
        self.end_after_s = self.compute_end_after_s();
    }

    fn compute_end_after_s(&self) -> f64 {
        let (lo, hi) = self.cfg.end_after_range_s;
        match self.typical_interval_s() {
            Some(i) => (self.cfg.end_after_intervals * i).clamp(lo, hi),
            None => hi,
        }
    }

    fn end_bout(&mut self) {
        self.confirmed = false;
        self.n_intervals = 0;
        self.next_interval = 0;
        self.last_s = None;
        self.weak_since_s = None;
        self.end_after_s = self.cfg.end_after_range_s.1;
    }

    /// Advance the clock to `now_s` (recording clock) with the current periodicity: ends a
    /// bout after a long silence or when the rhythm has been lost for a while.
    pub fn tick(&mut self, now_s: f64, period: Option<PeriodEstimate>) {
        let weak = period.is_none_or(|p| p.strength < self.cfg.keep_periodicity);
        if !weak {
            self.weak_since_s = None;
        } else if self.weak_since_s.is_none() {
            self.weak_since_s = Some(now_s);
        }
        if self.confirmed
            && self
                .weak_since_s
                .is_some_and(|w| now_s - w > self.cfg.rhythm_lost_after_s)
        {
            self.end_bout();
        }
        if let Some(last) = self.last_s {
            if now_s - last > self.end_after_s {
                self.end_bout();
            }
        }
        if !self.confirmed && self.n_pending > 0 {
            let newest = self.pending[self.n_pending - 1].t_s;
            if now_s - newest > self.cfg.end_after_range_s.1 {
                self.n_pending = 0;
            }
        }
    }

    /// Offer a candidate step with the current periodicity estimate. Released steps are passed
    /// to `emit` in time order.
    pub fn push(
        &mut self,
        step: StepEvent,
        period: Option<PeriodEstimate>,
        mut emit: impl FnMut(StepEvent),
    ) {
        if self.confirmed {
            if let Some(last) = self.last_s {
                let dt = step.t_s - last;
                let (lo, hi) = self.cfg.interval_range_s;
                if (lo..=hi).contains(&dt) {
                    self.record_interval(dt);
                }
            }
            self.last_s = Some(step.t_s);
            emit(step);
            return;
        }
        if self.n_pending == PENDING_CAP {
            self.pending.copy_within(1.., 0);
            self.n_pending -= 1;
        }
        self.pending[self.n_pending] = step;
        self.n_pending += 1;
        let k = self.cfg.min_steps.max(2);
        let Some(period) = period.filter(|p| p.strength >= self.cfg.confirm_periodicity) else {
            return;
        };
        if self.n_pending < k {
            return;
        }
        let chain = &self.pending[self.n_pending - k..self.n_pending];
        // Restored steps are the detector's guess, not evidence of walking.
        if chain.iter().filter(|s| s.interpolated).count() > 1 {
            return;
        }
        let (lo, hi) = self.cfg.interval_range_s;
        let typical = (chain[k - 1].t_s - chain[0].t_s) / (k - 1) as f64;
        if !(lo..=hi).contains(&typical)
            || (typical / period.step_s - 1.0).abs() > self.cfg.period_agreement
        {
            return;
        }
        // Strides (two steps) must be even; single steps only roughly so, because the two
        // legs' peaks can sit at different phases of the step (a phone on one thigh).
        let mut min_stride = f64::INFINITY;
        let mut max_stride: f64 = 0.0;
        for w in chain.windows(3) {
            let d = w[2].t_s - w[0].t_s;
            min_stride = min_stride.min(d);
            max_stride = max_stride.max(d);
        }
        let steps_ok = chain.windows(2).all(|w| {
            let d = w[1].t_s - w[0].t_s;
            d >= 0.5 * typical && d <= 1.5 * typical
        });
        if !steps_ok || max_stride > self.cfg.max_interval_ratio * min_stride {
            return;
        }
        let (min_dt, max_dt) = (0.5 * typical, 1.5 * typical);
        // Confirmed: also take earlier waiting steps that continue the same rhythm, including
        // one two intervals back (the weak step in between went unseen: restored half-way).
        let mut first = self.n_pending - k;
        let mut restore_before: Option<usize> = None;
        while first > 0 {
            let dt = self.pending[first].t_s - self.pending[first - 1].t_s;
            if dt >= min_dt && dt <= max_dt {
                first -= 1;
            } else if dt >= 1.6 * typical && dt <= 2.4 * typical && restore_before.is_none() {
                restore_before = Some(first);
                first -= 1;
            } else {
                break;
            }
        }
        for i in first..self.n_pending {
            let s = self.pending[i];
            if restore_before == Some(i) {
                let prev = self.pending[i - 1];
                emit(StepEvent {
                    t_s: 0.5 * (prev.t_s + s.t_s),
                    reported_s: s.reported_s.max(step.reported_s),
                    interpolated: true,
                    strength: 0.0,
                });
            } else if i > first {
                self.record_interval(s.t_s - self.pending[i - 1].t_s);
            }
            emit(s);
        }
        self.last_s = Some(self.pending[self.n_pending - 1].t_s);
        self.n_pending = 0;
        self.confirmed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periodic(step_s: f64) -> Option<PeriodEstimate> {
        Some(PeriodEstimate {
            step_s,
            strength: 0.9,
            halved: false,
        })
    }

    fn step(t: f64) -> StepEvent {
        StepEvent {
            t_s: t,
            reported_s: t,
            ..StepEvent::default()
        }
    }

    #[test]
    fn regular_steps_are_released_with_their_original_times() {
        let mut g = BoutGate::new(BoutConfig::default());
        let mut out = Vec::new();
        for i in 0..10 {
            g.push(step(i as f64 * 0.5), periodic(0.5), |s| out.push(s.t_s));
        }
        assert_eq!(out.len(), 10);
        assert!(out.windows(2).all(|w| (w[1] - w[0] - 0.5).abs() < 1e-9));
    }

    #[test]
    fn irregular_or_aperiodic_candidates_never_count() {
        let mut g = BoutGate::new(BoutConfig::default());
        let mut n = 0;
        for t in [0.0, 0.3, 1.4, 1.7, 3.0, 3.9, 4.2, 5.6] {
            g.push(step(t), periodic(0.5), |_| n += 1);
        }
        for i in 0..10 {
            g.push(step(10.0 + i as f64 * 0.5), None, |_| n += 1);
        }
        // Regular, but not at the rhythm the signal repeats at.
        for i in 0..10 {
            g.push(step(20.0 + i as f64 * 0.5), periodic(0.9), |_| n += 1);
        }
        assert_eq!(n, 0);
    }

    #[test]
    fn silence_ends_the_bout() {
        let mut g = BoutGate::new(BoutConfig::default());
        for i in 0..6 {
            g.push(step(i as f64 * 0.5), periodic(0.5), |_| {});
        }
        assert!(g.in_bout());
        g.tick(2.6, periodic(0.5));
        assert!(g.in_bout());
        g.tick(6.0, periodic(0.5));
        assert!(!g.in_bout());
    }

    #[test]
    fn lost_rhythm_ends_the_bout() {
        let mut g = BoutGate::new(BoutConfig::default());
        for i in 0..6 {
            g.push(step(i as f64 * 0.5), periodic(0.5), |_| {});
        }
        g.tick(2.6, None);
        g.tick(3.0, None);
        assert!(g.in_bout());
        g.tick(4.7, None);
        assert!(!g.in_bout());
    }
}
