//! The band filter bank behind the footfall detector: second-order sections (RBJ cookbook
//! Butterworth high- and low-pass) cascaded into 4th-order band-passes, and the band layout.
//!
//! Bands (Hz), chosen for what a microphone near a treadmill or road hears:
//! - `THUMP_LOW` 40–120: the belt/deck thump of a foot landing (a phone or laptop microphone
//!   rolls off below about 80–100 Hz, so this band may be weak on real devices),
//! - `THUMP_HIGH` 120–400: the upper part of the thump, which every microphone hears,
//! - `MID` 400–1500: voices, tonal music, the body of most click sounds,
//! - `SLAP` 1500–6000: the short broadband slap of the heel/shoe, and the bright click.
//!
//! Bands whose lower edge is above 0.45 × the sample rate are switched off; upper edges are
//! clamped below Nyquist, so any rate from 4 kHz up works.

// The sections are the step detector's `Biquad`s, run per sample in f64 (a 40 Hz pole at
// 48 kHz sits at 0.995 and needs the precision).
use crate::gait::filters::Biquad;

/// Number of bands.
pub const BANDS: usize = 4;
/// Index of the low thump band.
pub const THUMP_LOW: usize = 0;
/// Index of the high thump band.
pub const THUMP_HIGH: usize = 1;
/// Index of the mid band.
pub const MID: usize = 2;
/// Index of the slap band.
pub const SLAP: usize = 3;
/// Band edges, Hz (lower, upper).
pub const BAND_EDGES_HZ: [(f64, f64); BANDS] = [
    (40.0, 120.0),
    (120.0, 400.0),
    (400.0, 1500.0),
    (1500.0, 6000.0),
];

/// The bank: per band a high-pass and a low-pass section and a running sum of squares.
#[derive(Clone, Debug)]
pub struct FilterBank {
    hp: [Biquad; BANDS],
    lp: [Biquad; BANDS],
    active: [bool; BANDS],
    sum_sq: [f64; BANDS],
}

impl FilterBank {
    /// A bank for `rate_hz` (must be positive and finite; callers validate).
    pub fn new(rate_hz: f64) -> Self {
        let nyquist_guard = 0.45 * rate_hz;
        let mut hp = [Biquad::default(); BANDS];
        let mut lp = [Biquad::default(); BANDS];
        let mut active = [false; BANDS];
        for (b, &(lo, hi)) in BAND_EDGES_HZ.iter().enumerate() {
            if lo < nyquist_guard {
                active[b] = true;
                hp[b] = Biquad::highpass(lo, rate_hz);
                lp[b] = Biquad::lowpass(hi.min(nyquist_guard), rate_hz);
            }
        }
        Self {
            hp,
            lp,
            active,
            sum_sq: [0.0; BANDS],
        }
    }

    /// True when band `b` exists at this rate.
    pub fn is_active(&self, b: usize) -> bool {
        self.active[b]
    }

    /// Filter one sample into every band and add its square to the band's running sum.
    #[inline]
    pub fn push(&mut self, x: f32) {
        let x = f64::from(x);
        for b in 0..BANDS {
            if self.active[b] {
                let y = self.lp[b].process(self.hp[b].process(x));
                self.sum_sq[b] += y * y;
            }
        }
    }

    /// Take the band sums of squares since the last call (and reset them).
    pub fn take_sums(&mut self) -> [f64; BANDS] {
        for b in 0..BANDS {
            self.hp[b].flush();
            self.lp[b].flush();
        }
        std::mem::replace(&mut self.sum_sq, [0.0; BANDS])
    }
}

/// Energy share of each band in `signal` (sums to 1; all zero for silence). Used to learn what
/// a click sounds like from the engine's voice table.
pub fn band_shares(signal: &[f32], rate_hz: f64) -> [f64; BANDS] {
    let mut bank = FilterBank::new(rate_hz);
    for &x in signal {
        bank.push(x);
    }
    // Let the filters ring out so long low-band responses are counted.
    for _ in 0..(rate_hz * 0.05) as usize {
        bank.push(0.0);
    }
    let sums = bank.take_sums();
    let total: f64 = sums.iter().sum();
    if total > 0.0 && total.is_finite() {
        sums.map(|s| s / total)
    } else {
        [0.0; BANDS]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone_shares(freq_hz: f64, rate_hz: f64) -> [f64; BANDS] {
        let n = (rate_hz * 0.5) as usize;
        let tone: Vec<f32> = (0..n)
            .map(|i| (std::f64::consts::TAU * freq_hz * i as f64 / rate_hz).sin() as f32)
            .collect();
        band_shares(&tone, rate_hz)
    }

    #[test]
    fn tones_land_in_their_band() {
        for (freq, band) in [(70.0, 0), (220.0, 1), (800.0, 2), (3000.0, 3)] {
            let shares = tone_shares(freq, 48_000.0);
            assert!(shares[band] > 0.6, "{freq} Hz: {shares:?}");
        }
    }

    #[test]
    fn low_rates_switch_off_high_bands() {
        let bank = FilterBank::new(2_000.0);
        assert!(bank.is_active(MID));
        assert!(!bank.is_active(SLAP));
        let shares = tone_shares(220.0, 2_000.0);
        assert!(shares.iter().all(|s| s.is_finite()));
    }
}
