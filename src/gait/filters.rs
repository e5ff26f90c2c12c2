//! Small recursive filters used by the step detector.
//!
//! - [`Biquad`]: a second-order section (RBJ cookbook Butterworth low-/high-pass) for a fixed
//!   sample rate, with steady-state initialisation so a recording that starts at 1 g does not
//!   ring, and its phase delay at a given frequency (used to turn a filtered peak time back into
//!   a contact time).
//! - [`OnePoleLowPass`] and [`OnePoleHighPass`]: time-aware first-order filters whose
//!   coefficient follows the actual interval between samples, for irregular input clocks;
//!   [`OnePoleCoefficient`] computes that coefficient once for a group of filters with one
//!   cutoff, and only when the interval changes.
//!
//! All state is a handful of floats: O(1) per sample, no allocation.

use std::f64::consts::PI;

/// A second-order IIR section in transposed direct form II. The default is an all-zero section
/// (passes nothing), a placeholder for a section that is never run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Biquad {
    b0: f64,
    b1: f64,
    b2: f64,
    a1: f64,
    a2: f64,
    s1: f64,
    s2: f64,
}

impl Biquad {
    fn from_rbj(b: [f64; 3], a: [f64; 3]) -> Self {
        Self {
            b0: b[0] / a[0],
            b1: b[1] / a[0],
            b2: b[2] / a[0],
            a1: a[1] / a[0],
            a2: a[2] / a[0],
            s1: 0.0,
            s2: 0.0,
        }
    }

    /// Butterworth (Q = 1/√2) low-pass with cutoff `fc_hz` at sample rate `fs_hz`.
    pub fn lowpass(fc_hz: f64, fs_hz: f64) -> Self {
        let w0 = 2.0 * PI * fc_hz / fs_hz;
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / std::f64::consts::SQRT_2;
        Self::from_rbj(
            [(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0],
            [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
        )
    }

    /// Butterworth (Q = 1/√2) high-pass with cutoff `fc_hz` at sample rate `fs_hz`.
    pub fn highpass(fc_hz: f64, fs_hz: f64) -> Self {
        let w0 = 2.0 * PI * fc_hz / fs_hz;
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / std::f64::consts::SQRT_2;
        Self::from_rbj(
            [(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0],
            [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
        )
    }

    /// Filter one sample.
    #[inline]
    pub fn process(&mut self, x: f64) -> f64 {
        let y = self.b0 * x + self.s1;
        self.s1 = self.b1 * x - self.a1 * y + self.s2;
        self.s2 = self.b2 * x - self.a2 * y;
        y
    }

    /// Zero state that has decayed to nothing (keeps denormals out of long silences).
    pub(crate) fn flush(&mut self) {
        if self.s1.abs() < 1e-25 {
            self.s1 = 0.0;
        }
        if self.s2.abs() < 1e-25 {
            self.s2 = 0.0;
        }
    }

    /// Set the state as if the input had been `x` forever (no start-up transient).
    pub fn settle_at(&mut self, x: f64) {
        let dc_gain = (self.b0 + self.b1 + self.b2) / (1.0 + self.a1 + self.a2);
        let y = dc_gain * x;
        self.s2 = self.b2 * x - self.a2 * y;
        self.s1 = self.b1 * x - self.a1 * y + self.s2;
    }

    /// Phase delay in seconds at `f_hz` for sample rate `fs_hz` (positive = output lags).
    pub fn phase_delay_s(&self, f_hz: f64, fs_hz: f64) -> f64 {
        let w = 2.0 * PI * f_hz / fs_hz;
        let (s1, c1) = w.sin_cos();
        // e^{-2iw} from e^{-iw} (double angle): one sine and cosine per call.
        let (s2, c2) = (2.0 * s1 * c1, c1 * c1 - s1 * s1);
        let num_re = self.b0 + self.b1 * c1 + self.b2 * c2;
        let num_im = -self.b1 * s1 - self.b2 * s2;
        let den_re = 1.0 + self.a1 * c1 + self.a2 * c2;
        let den_im = -self.a1 * s1 - self.a2 * s2;
        // arg(num / den) = arg(num · conj(den)), already in (-π, π]: one arctangent, and a
        // single section never turns more than that.
        let re = num_re * den_re + num_im * den_im;
        let im = num_im * den_re - num_re * den_im;
        -im.atan2(re) / (2.0 * PI * f_hz)
    }
}

/// Time-aware first-order low-pass: the coefficient follows each sample's interval.
#[derive(Clone, Copy, Debug)]
pub struct OnePoleLowPass {
    tau_s: f64,
    y: f64,
    /// The last interval and its coefficient (regular clocks repeat the interval, so the
    /// exponential is computed once).
    last_dt_s: f64,
    last_k: f64,
}

impl OnePoleLowPass {
    /// Low-pass with cutoff `fc_hz`, starting at zero.
    pub fn new(fc_hz: f64) -> Self {
        Self {
            tau_s: 1.0 / (2.0 * PI * fc_hz),
            y: 0.0,
            last_dt_s: 0.0,
            last_k: 0.0,
        }
    }

    /// Set the output to `y` (steady state for a constant input `y`).
    pub fn settle_at(&mut self, y: f64) {
        self.y = y;
    }

    /// Filter one sample that arrived `dt_s` after the previous one.
    #[inline]
    pub fn process(&mut self, x: f64, dt_s: f64) -> f64 {
        if (dt_s - self.last_dt_s).abs() > 1e-9 {
            self.last_dt_s = dt_s;
            self.last_k = self.coefficient(dt_s);
        }
        self.process_with(x, self.last_k)
    }

    /// The smoothing coefficient for a sample `dt_s` after the previous one, for
    /// [`Self::process_with`] (filters with the same cutoff can share it).
    pub fn coefficient(&self, dt_s: f64) -> f64 {
        1.0 - (-dt_s / self.tau_s).exp()
    }

    /// Filter one sample with a coefficient from [`Self::coefficient`].
    #[inline]
    pub fn process_with(&mut self, x: f64, k: f64) -> f64 {
        self.y += k * (x - self.y);
        self.y
    }

    /// [`Self::process_with`] written as `(1 - k)·y + k·x` with `keep` = `1 - k` given:
    /// the new input is one multiply and one add from the output (rather than a subtract, a
    /// multiply and an add), which shortens a chain of filters that runs on every sample.
    /// Equal up to rounding.
    #[inline]
    pub fn process_split(&mut self, x: f64, k: f64, keep: f64) -> f64 {
        self.y = keep * self.y + k * x;
        self.y
    }

    /// Current output.
    pub fn value(&self) -> f64 {
        self.y
    }

    /// Phase delay in seconds at `f_hz` (continuous-time approximation).
    pub fn phase_delay_s(&self, f_hz: f64) -> f64 {
        let w = 2.0 * PI * f_hz;
        (w * self.tau_s).atan() / w
    }
}

/// The coefficient of one or more [`OnePoleLowPass`]/[`OnePoleHighPass`] filters with the same
/// cutoff, for their `process_with`: recomputed only when the sample interval changes (by more
/// than a nanosecond), so a regular clock pays for the exponential once and a group of filters
/// once per interval rather than once per filter.
#[derive(Clone, Copy, Debug)]
pub struct OnePoleCoefficient {
    filter: OnePoleLowPass,
    last_dt_s: f64,
    k: f64,
}

impl OnePoleCoefficient {
    /// Coefficients for cutoff `fc_hz`.
    pub fn new(fc_hz: f64) -> Self {
        Self {
            filter: OnePoleLowPass::new(fc_hz),
            last_dt_s: 0.0,
            k: 0.0,
        }
    }

    /// The coefficient for a sample `dt_s` after the previous one (0 for `dt_s` = 0).
    #[inline]
    pub fn for_dt(&mut self, dt_s: f64) -> f64 {
        if (dt_s - self.last_dt_s).abs() > 1e-9 {
            self.last_dt_s = dt_s;
            self.k = self.filter.coefficient(dt_s);
        }
        self.k
    }

    /// [`Self::for_dt`] and one minus it, for `process_split`.
    #[inline]
    pub fn split_for_dt(&mut self, dt_s: f64) -> (f64, f64) {
        let k = self.for_dt(dt_s);
        (k, 1.0 - k)
    }
}

/// Time-aware first-order high-pass (input minus a time-aware low-pass).
#[derive(Clone, Copy, Debug)]
pub struct OnePoleHighPass {
    lp: OnePoleLowPass,
}

impl OnePoleHighPass {
    /// High-pass with cutoff `fc_hz`.
    pub fn new(fc_hz: f64) -> Self {
        Self {
            lp: OnePoleLowPass::new(fc_hz),
        }
    }

    /// Set the state as if the input had been `x` forever (output 0).
    pub fn settle_at(&mut self, x: f64) {
        self.lp.settle_at(x);
    }

    /// Filter one sample that arrived `dt_s` after the previous one.
    #[inline]
    pub fn process(&mut self, x: f64, dt_s: f64) -> f64 {
        x - self.lp.process(x, dt_s)
    }

    /// The coefficient for a sample `dt_s` after the previous one, for [`Self::process_with`].
    pub fn coefficient(&self, dt_s: f64) -> f64 {
        self.lp.coefficient(dt_s)
    }

    /// Filter one sample with a coefficient from [`Self::coefficient`].
    #[inline]
    pub fn process_with(&mut self, x: f64, k: f64) -> f64 {
        // x - (y + k (x - y)) = (1 - k)(x - y): two dependent operations from the input
        // rather than four (this sits on the per-sample chain of the gait signal).
        let d = x - self.lp.y;
        self.lp.y += k * d;
        (1.0 - k) * d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gain_at(mut f: Biquad, f_hz: f64, fs_hz: f64) -> f64 {
        let n = (fs_hz * 20.0) as usize;
        let mut peak: f64 = 0.0;
        for i in 0..n {
            let x = (2.0 * PI * f_hz * i as f64 / fs_hz).sin();
            let y = f.process(x);
            if i > n / 2 {
                peak = peak.max(y.abs());
            }
        }
        peak
    }

    #[test]
    fn butterworth_is_minus_3db_at_cutoff_and_passes_band() {
        let lp = Biquad::lowpass(4.0, 50.0);
        assert!((gain_at(lp, 4.0, 50.0) - std::f64::consts::FRAC_1_SQRT_2).abs() < 0.02);
        assert!((gain_at(lp, 0.5, 50.0) - 1.0).abs() < 0.02);
        assert!(gain_at(lp, 15.0, 50.0) < 0.1);
        let hp = Biquad::highpass(0.5, 50.0);
        assert!((gain_at(hp, 0.5, 50.0) - std::f64::consts::FRAC_1_SQRT_2).abs() < 0.02);
        assert!(gain_at(hp, 0.05, 50.0) < 0.02);
    }

    #[test]
    fn settled_highpass_has_no_start_transient() {
        let mut hp = Biquad::highpass(0.5, 50.0);
        hp.settle_at(9.81);
        for _ in 0..100 {
            assert!(hp.process(9.81).abs() < 1e-9);
        }
    }

    #[test]
    fn lowpass_phase_delay_matches_measured_lag() {
        // A sine through the low-pass: the output zero crossing lags by the phase delay.
        let fs = 50.0;
        let f = 2.0;
        let mut lp = Biquad::lowpass(4.0, fs);
        let expected = lp.phase_delay_s(f, fs);
        let mut prev = 0.0;
        let mut crossing = None;
        for i in 0..(fs as usize * 10) {
            let t = i as f64 / fs;
            let y = lp.process((2.0 * PI * f * t).sin());
            if t > 5.0 && prev < 0.0 && y >= 0.0 && crossing.is_none() {
                let frac = -prev / (y - prev);
                crossing = Some(t - 1.0 / fs + frac / fs);
            }
            prev = y;
        }
        let c = crossing.unwrap();
        let lag = c - (c * f).floor() / f;
        assert!((lag - expected).abs() < 0.005, "lag {lag} vs {expected}");
    }
}
