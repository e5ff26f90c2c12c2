//! Orientation-free gait signal, computed at the input rate.
//!
//! A phone or watch can sit at any orientation and turn during a recording, so the detector
//! works on one scalar that does not depend on the axes:
//! - with gravity in the signal (the usual case, and every magnitude-only source), the
//!   magnitude `|a|`: rotation leaves it unchanged, and a foot contact pushes it up;
//! - without gravity (linear-acceleration sources: the slow per-axis mean is near zero), the
//!   projection of the dynamic part on its dominant direction, tracked with Oja's rule (a
//!   streaming first principal component), signed so the sharper excursions point up.
//!
//! To that is added the envelope of the high-frequency part of the magnitude (above ~6 Hz):
//! each foot strike is a short impact, and where the sensor does not ride on the body (a phone
//! on a treadmill console feels the deck ring after each footfall) that envelope is the only
//! trace of the step. It is computed here, before the signal is brought to the detector's
//! internal rate, so that high-rate inputs keep it.

use super::filters::{OnePoleHighPass, OnePoleLowPass};

/// Below this slow mean magnitude (m/s²) the input is taken to have no gravity in it.
const GRAVITY_PRESENT_MPS2: f64 = 3.0;
/// Cutoff of the slow per-axis mean (gravity), Hz.
const GRAVITY_HZ: f64 = 0.15;
/// Corner of the impact band and of its envelope, Hz.
const IMPACT_HZ: f64 = 6.0;

/// Streaming extractor of the scalar gait signal (m/s², arbitrary offset).
#[derive(Clone, Debug)]
pub struct FeatureExtractor {
    hf_weight: f64,
    /// Slow per-axis mean (one-pole low-passes at `GRAVITY_HZ`, kept side by side so the three
    /// updates vectorise).
    gravity: [f64; 3],
    hf: [OnePoleHighPass; 2],
    hf_env: OnePoleLowPass,
    /// The interval the coefficients below were computed for (a regular clock computes
    /// them once), and the coefficients of the gravity and of the impact filters.
    last_dt_s: f64,
    k_gravity: f64,
    k_impact: f64,
    /// Dominant direction of the dynamic acceleration (unit vector), for gravity-free inputs.
    axis: [f64; 3],
    /// Slow mean of the cubed projection: its sign orients `axis`.
    skew: OnePoleLowPass,
    started: bool,
}

impl FeatureExtractor {
    /// A fresh extractor; `hf_weight` scales the impact envelope added to the body signal.
    pub fn new(hf_weight: f64) -> Self {
        Self {
            hf_weight,
            gravity: [0.0; 3],
            hf: [OnePoleHighPass::new(IMPACT_HZ); 2],
            hf_env: OnePoleLowPass::new(IMPACT_HZ),
            last_dt_s: 0.0,
            k_gravity: 0.0,
            k_impact: 0.0,
            axis: [1.0, 0.0, 0.0],
            skew: OnePoleLowPass::new(0.05),
            started: false,
        }
    }

    /// Forget everything (after a gap in the input).
    pub fn reset(&mut self) {
        *self = Self::new(self.hf_weight);
    }

    /// The scalar for one sample that arrived `dt_s` after the previous one (ignored for the
    /// first sample after a reset).
    #[inline(always)]
    pub fn process(&mut self, acc: [f32; 3], dt_s: f64) -> f64 {
        let a = [acc[0] as f64, acc[1] as f64, acc[2] as f64];
        let mag = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
        if !self.started {
            self.started = true;
            self.gravity = a;
            // The first stage sees the magnitude, the second the first's (zero) output.
            self.hf[0].settle_at(mag);
            self.hf[1].settle_at(0.0);
            self.hf_env.settle_at(0.0);
            self.skew.settle_at(0.0);
        }
        if (dt_s - self.last_dt_s).abs() > 1e-9 {
            self.last_dt_s = dt_s;
            self.k_gravity = OnePoleLowPass::new(GRAVITY_HZ).coefficient(dt_s);
            self.k_impact = self.hf_env.coefficient(dt_s);
        }
        let kg = self.k_gravity;
        for (g, &x) in self.gravity.iter_mut().zip(&a) {
            *g += kg * (x - *g);
        }
        let g = self.gravity;
        // |g| ≥ limit, compared squared (no square root per sample).
        let g_mag2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
        let base = if g_mag2 >= GRAVITY_PRESENT_MPS2 * GRAVITY_PRESENT_MPS2 {
            mag
        } else {
            self.project_dynamic([a[0] - g[0], a[1] - g[1], a[2] - g[2]], dt_s)
        };
        let ki = self.k_impact;
        let h1 = self.hf[0].process_with(mag, ki);
        let h2 = self.hf[1].process_with(h1, ki);
        let env = self.hf_env.process_split(h2.abs(), ki, 1.0 - ki);
        base + self.hf_weight * env
    }

    /// Projection on the tracked dominant direction (Oja's rule), signed by skewness.
    fn project_dynamic(&mut self, d: [f64; 3], dt_s: f64) -> f64 {
        let p = d[0] * self.axis[0] + d[1] * self.axis[1] + d[2] * self.axis[2];
        // Learning rate per second, normalised by the signal power so it is unit-free.
        let power = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        if power > 1e-9 {
            let eta = (2.0 * dt_s).min(0.2) / power.max(1e-3);
            for (v, &x) in self.axis.iter_mut().zip(&d) {
                *v += eta * p * (x - p * *v);
            }
            let n = (self.axis[0].powi(2) + self.axis[1].powi(2) + self.axis[2].powi(2)).sqrt();
            if n > 1e-9 {
                for v in &mut self.axis {
                    *v /= n;
                }
            }
        }
        let skew = self.skew.process(p * p * p, dt_s);
        if skew < 0.0 {
            -p
        } else {
            p
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitude_is_orientation_free() {
        let mut a = FeatureExtractor::new(0.0);
        let mut b = FeatureExtractor::new(0.0);
        for i in 0..500 {
            let v = 9.81 + (i as f32 * 0.1).sin();
            let x = a.process([v, 0.0, 0.0], 0.01);
            let s = std::f32::consts::FRAC_1_SQRT_2 * v;
            let y = b.process([0.0, s, s], 0.01);
            assert!((x - y).abs() < 1e-4);
        }
    }

    #[test]
    fn gravity_free_input_follows_the_dominant_axis() {
        let mut f = FeatureExtractor::new(0.0);
        let dir = [0.6f32, 0.0, 0.8];
        let mut out = Vec::new();
        for i in 0..3000 {
            let t = i as f32 * 0.01;
            let v = (2.0 * std::f32::consts::PI * 2.0 * t).sin() * 3.0;
            out.push(f.process([dir[0] * v, dir[1] * v, dir[2] * v], 0.01));
        }
        let late = &out[2000..];
        let amp = late.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        assert!(amp > 2.5 && amp < 3.5, "amplitude {amp}");
    }
}
