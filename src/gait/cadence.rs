//! Live cadence and motion state from the stream of detected steps.
//!
//! Cadence is 60 / (robust typical step interval), where the typical interval is the mean of
//! the middle half of the last eight intervals (a trimmed mean: as robust as a median to a
//! missed or extra step, steadier than one). A pause (an interval several times the typical
//! one) starts a fresh estimate, so stops and restarts are not smeared. After a change of pace
//! the estimate follows within about five steps. Optionally cross-checked with the signal's
//! periodicity: if the steps are spaced two periods apart, the legs were not both seen and the
//! periodicity's step rate is the cadence.

use super::StepEvent;

/// Intervals kept.
const WINDOW: usize = 8;

/// What the runner is doing at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    /// No steps recently.
    Stopped,
    /// Stepping at a walking cadence.
    Walk,
    /// Stepping at a running cadence.
    Run,
}

/// Live cadence estimator: feed it every reported step, ask it at any time.
#[derive(Clone, Debug)]
pub struct CadenceEstimator {
    run_from_spm: f64,
    intervals: [f64; WINDOW],
    n: usize,
    next: usize,
    last_s: Option<f64>,
}

impl Default for CadenceEstimator {
    fn default() -> Self {
        Self::new(145.0)
    }
}

impl CadenceEstimator {
    /// An estimator that calls cadences of at least `run_from_spm` running.
    pub fn new(run_from_spm: f64) -> Self {
        Self {
            run_from_spm,
            intervals: [0.0; WINDOW],
            n: 0,
            next: 0,
            last_s: None,
        }
    }

    /// Forget all steps.
    pub fn reset(&mut self) {
        *self = Self::new(self.run_from_spm);
    }

    /// Typical recent step interval (trimmed mean), seconds.
    pub fn typical_interval_s(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let mut v = self.intervals;
        let s = &mut v[..self.n];
        s.sort_by(f64::total_cmp);
        let lo = self.n / 4;
        let hi = self.n - self.n / 4;
        let mid = &s[lo..hi];
        Some(mid.iter().sum::<f64>() / mid.len() as f64)
    }

    /// Feed one step (contact time on the recording clock).
    pub fn on_step(&mut self, step: &StepEvent) {
        self.on_step_at(step.t_s);
    }

    /// Feed one step by its contact time (recording clock, seconds).
    pub fn on_step_at(&mut self, t_s: f64) {
        if let Some(last) = self.last_s {
            let dt = t_s - last;
            if dt <= 0.0 {
                return;
            }
            let pause = match self.typical_interval_s() {
                Some(typ) => dt > (2.5 * typ).max(1.0),
                None => dt > 2.0,
            };
            if pause {
                self.n = 0;
                self.next = 0;
            } else {
                self.intervals[self.next] = dt;
                self.next = (self.next + 1) % WINDOW;
                self.n = (self.n + 1).min(WINDOW);
            }
        }
        self.last_s = Some(t_s);
    }

    fn stopped_at(&self, now_s: f64) -> bool {
        match (self.last_s, self.typical_interval_s()) {
            (Some(last), Some(typ)) => now_s - last > (3.0 * typ).clamp(1.2, 2.5),
            _ => true,
        }
    }

    /// Cadence in steps per minute at `now_s` (recording clock), `None` when stopped or not
    /// yet known (fewer than three steps in the current bout).
    pub fn cadence_spm(&self, now_s: f64) -> Option<f64> {
        if self.n < 2 || self.stopped_at(now_s) {
            return None;
        }
        self.typical_interval_s().map(|i| 60.0 / i)
    }

    /// [`Self::cadence_spm`] cross-checked with the signal's step period (from
    /// [`super::LiveDetector::period_s`]): steps two periods apart mean every other step was
    /// missed, and the period's rate is returned instead.
    pub fn cadence_spm_checked(&self, now_s: f64, period_s: Option<f64>) -> Option<f64> {
        let spm = self.cadence_spm(now_s)?;
        match period_s {
            Some(p) => {
                let ratio = (60.0 / spm) / p;
                if (1.8..=2.2).contains(&ratio) {
                    Some(60.0 / p)
                } else {
                    Some(spm)
                }
            }
            None => Some(spm),
        }
    }

    /// Walking, running or stopped at `now_s` (recording clock).
    pub fn motion(&self, now_s: f64) -> Motion {
        match self.cadence_spm(now_s) {
            None => Motion::Stopped,
            Some(spm) if spm >= self.run_from_spm => Motion::Run,
            Some(_) => Motion::Walk,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_a_change_of_pace_within_ten_steps() {
        let mut c = CadenceEstimator::default();
        let mut t = 0.0;
        for _ in 0..20 {
            t += 0.5;
            c.on_step_at(t);
        }
        assert!((c.cadence_spm(t).unwrap() - 120.0).abs() < 0.5);
        assert_eq!(c.motion(t), Motion::Walk);
        for _ in 0..10 {
            t += 0.36;
            c.on_step_at(t);
        }
        assert!((c.cadence_spm(t).unwrap() - 60.0 / 0.36).abs() < 2.0);
        assert_eq!(c.motion(t), Motion::Run);
        assert_eq!(c.motion(t + 3.0), Motion::Stopped);
        assert!(c.cadence_spm(t + 3.0).is_none());
    }

    #[test]
    fn one_missed_step_does_not_move_the_cadence() {
        let mut c = CadenceEstimator::default();
        let mut t = 0.0;
        for i in 0..16 {
            t += 0.35;
            if i != 10 {
                c.on_step_at(t);
            }
        }
        assert!((c.cadence_spm(t).unwrap() - 60.0 / 0.35).abs() < 1.0);
    }

    #[test]
    fn periodicity_cross_check_fixes_half_cadence() {
        let mut c = CadenceEstimator::default();
        let mut t = 0.0;
        for _ in 0..10 {
            t += 0.7;
            c.on_step_at(t);
        }
        let spm = c.cadence_spm_checked(t, Some(0.35)).unwrap();
        assert!((spm - 60.0 / 0.35).abs() < 0.5);
    }
}
