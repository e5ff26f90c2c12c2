//! The streaming footfall onset detector. See [`crate::gait::footfall`] for the method.

use super::bank::{FilterBank, BANDS, MID, SLAP, THUMP_HIGH, THUMP_LOW};
use super::latency::{ClickLatency, LatencyEstimator};
use super::track::{QuantileTracker, RecentValues, WindowMin};
use super::FootfallError;

/// Lowest sample rate accepted, Hz (the thump bands need a few hundred Hz of bandwidth).
pub const MIN_RATE_HZ: u32 = 2_000;
/// Highest sample rate accepted, Hz.
pub const MAX_RATE_HZ: u32 = 768_000;

/// Settings of the detector. `Default` suits 8–192 kHz microphones and WAV files.
#[derive(Clone, Debug, PartialEq)]
pub struct FootfallConfig {
    /// Analysis hop, seconds (features are computed once per hop).
    pub hop_s: f64,
    /// Smallest thump onset strength that can be a step, nepers of band-energy rise.
    pub min_strength: f32,
    /// A step must reach this fraction of the median strength of recent steps.
    pub relative_strength: f32,
    /// A step must reach this multiple of the thump onset function's 90th percentile (the
    /// background's own fluctuations).
    pub noise_factor: f32,
    /// A step must also show this much heel/shoe slap (onset strength in the 1.5–6 kHz band)
    /// relative to its thump: `slap ≥ visibility · min(slap_ratio · thump, slap_enough)`,
    /// where visibility (0–1)
    /// falls as broadband noise buries slaps. A kick drum or a bass note thumps without a
    /// slap. Set 0 to switch off.
    pub slap_ratio: f32,
    /// A slap this strong (nepers) always suffices, however strong the thump.
    pub slap_enough: f32,
    /// Refractory interval as a fraction of the current step interval.
    pub refractory_fraction: f64,
    /// Refractory interval bounds, seconds (the lower bound applies before a cadence is known).
    pub refractory_s: (f64, f64),
    /// Range of click latencies searched, seconds (input clock minus reported onset).
    pub click_latency_range_s: (f64, f64),
    /// Clicks correlated before the latency is judged (candidates wait meanwhile).
    pub calibration_clicks: u64,
    /// Peak-to-mean ratio of the click correlation above which the latency is trusted.
    pub min_click_peak_to_mean: f64,
    /// Forgetting factor of the click correlation per click.
    pub click_forget: f64,
    /// Constant subtracted from the detected onset to land on the physical onset, seconds
    /// (rise time of the band energy through the filters and smoothing).
    pub onset_offset_s: f64,
}

impl Default for FootfallConfig {
    fn default() -> Self {
        Self {
            hop_s: 0.0025,
            min_strength: 1.5,
            relative_strength: 0.2,
            noise_factor: 2.4,
            slap_ratio: 0.35,
            slap_enough: 2.0,
            refractory_fraction: 0.5,
            refractory_s: (0.16, 0.35),
            click_latency_range_s: (-0.05, 0.8),
            calibration_clicks: 10,
            min_click_peak_to_mean: 4.0,
            click_forget: 0.97,
            onset_offset_s: 0.0,
        }
    }
}

/// One detected footfall.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Footfall {
    /// Estimated onset, samples of the input stream clock (from the first sample fed).
    pub onset_samples: u64,
    /// Samples fed when the step was decided (report time on the same clock); minus
    /// `onset_samples` this is the detection latency.
    pub reported_samples: u64,
    /// Thump onset strength, nepers.
    pub strength: f32,
    /// True when it coincided with an expected click and passed the click test.
    pub near_click: bool,
}

/// What the detector did with its candidates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FootfallStats {
    /// Thump onsets above threshold.
    pub candidates: u64,
    /// Reported steps.
    pub steps: u64,
    /// Rejected inside the refractory interval.
    pub rejected_refractory: u64,
    /// Rejected for lacking a footfall's spectral signature (thump without slap: music, bass).
    pub rejected_shape: u64,
    /// Rejected as the metronome's own click.
    pub rejected_click: u64,
}

/// Features of one hop.
#[derive(Clone, Copy, Debug, Default)]
struct Frame {
    /// ln(band energy + band floor), per band, as heard (click included).
    level: [f32; BANDS],
    /// Band energy above the floor, as heard (what the click template learns from).
    excess: [f32; BANDS],
    /// Thump onset strength (flux of the two thump bands).
    thump: f32,
    /// Slap onset strength.
    slap: f32,
    /// Click-likeness (flux weighted by the click's band shares).
    click: f32,
    /// The expected click's energy in the slap band is comparable to the floor or more: a
    /// footfall's slap cannot be seen here.
    slap_masked: bool,
}

/// The decision on a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Step { near_click: bool },
    Refractory,
    Shape,
    Click,
}

/// A thump onset waiting for a decision.
#[derive(Clone, Copy, Debug, Default)]
struct Candidate {
    hop: u64,
    onset_samples: u64,
    strength: f32,
    slap: f32,
    /// False when a click hid the slap band somewhere around the thump.
    slap_seen: bool,
    threshold: f32,
    /// The click template was subtracted from the features it was found in.
    cleaned: bool,
}

const HELD: usize = 64;
/// Click template: hops before the expected arrival it starts.
const TEMPLATE_PRE_HOPS: i64 = 2;
/// Click template length, seconds (click, rattle and band smoothing ringing out).
const TEMPLATE_S: f64 = 0.12;
/// Factor on the click template's energy when it raises the onset reference.
const CLICK_MARGIN: f32 = 1.2;
/// Quantile of a click's energy, over the clicks heard, that the template keeps at each
/// offset: low, so that steps landing near clicks for a while do not become part of it.
const TEMPLATE_QUANTILE: f32 = 0.15;
/// Clicks learnt before the template is subtracted.
const TEMPLATE_MIN_CLICKS: u64 = 3;
/// Weight of the learnt click leak (thump per click-likeness) in the residual test: the
/// template already lifted the reference, so the leak is a second, gentler guard.
const LEAK_WEIGHT: f32 = 0.5;
/// Hops before the band floors start learning.
const FLOOR_SETTLE_HOPS: u64 = 16;
/// Step of the band floor trackers, nepers per hop (up by a fifth of it, down by four fifths).
const FLOOR_STEP: f32 = 0.08;
/// Window of the recent minimum that lifts a band floor, seconds: longer than a footfall's
/// thump, shorter than the quiet between two steps plus one.
const FLOOR_MIN_WINDOW_S: f64 = 0.5;
/// Blocks the recent-minimum window is kept in.
const FLOOR_MIN_BLOCKS: usize = 5;
/// Lowest band floor relative to the sum of all band floors.
const FLOOR_SPREAD: f32 = 1e-2;
/// Weight of the mid band's rise subtracted from the slap band's.
const MID_DISCOUNT: f32 = 0.6;
/// Phase error (fraction of a step interval) within which a candidate is where a step is due.
const IN_STEP: f64 = 0.12;
/// Fraction of the median strength of recent steps above which a thump where a step is due
/// needs no slap.
const STRONG_STEP: f32 = 0.7;
/// Fraction of the median strength of recent steps that an off-stride thump must reach when
/// slaps are buried in noise.
const OFF_STEP_STRENGTH: f32 = 0.7;
/// Phase error beyond which a thump whose slap a click hid is not taken for a step.
const HIDDEN_SLAP_PHASE: f64 = 0.07;
/// Phase error beyond which a candidate is off the runner's stride.
const OFF_STEP: f64 = 0.25;
/// Below this slap strength for a quarter of recent candidates, slaps are buried in noise and
/// not asked for at all.
const SLAP_VISIBLE: f32 = 1.5;
/// Fraction of the slap that a quarter of recent candidates reach, above which no candidate is
/// asked for more slap.
const SLAP_FRACTION: f32 = 0.2;
/// Lowest band floor, mean square (−100 dBFS: below any microphone's self-noise).
const ABSOLUTE_FLOOR: f32 = 1e-10;
/// Candidates in the first moments (filters and floors settling) are ignored, seconds.
const WARM_UP_S: f64 = 0.5;
const RECENT_CLICKS: usize = 64;
/// Hops each side of a peak it must dominate (decision waits this long).
const PEAK_HALF_WIDTH: u64 = 6;

/// Streaming footfall detector: feed mono samples with [`FootfallDetector::process`], tell it
/// about clicks with [`FootfallDetector::push_click`]. O(1) per sample, no allocation after
/// construction.
#[derive(Clone, Debug)]
pub struct FootfallDetector {
    config: FootfallConfig,
    rate_hz: f64,
    hop_samples: u64,
    bank: FilterBank,
    hop_fill: u64,
    /// Hops completed.
    hops: u64,
    smooth_coef: [f32; BANDS],
    flux_lag: [u64; BANDS],
    energy: [f32; BANDS],
    floor: [QuantileTracker; BANDS],
    /// Recent minimum of each band's log energy (about half a second).
    recent_min: [WindowMin<FLOOR_MIN_BLOCKS>; BANDS],
    ring: Box<[Frame]>,
    thump_q90: QuantileTracker,
    strengths: RecentValues<8>,
    /// Slap strengths of recent candidates (steps or not).
    candidate_slaps: RecentValues<16>,
    intervals: RecentValues<7>,
    last_step: Option<u64>,
    // Clicks.
    click_shares: [f32; BANDS],
    latency: LatencyEstimator,
    /// The latency estimate, refreshed when a click has been correlated.
    latency_estimate: Option<ClickLatency>,
    recent_clicks: [u64; RECENT_CLICKS],
    recent_len: usize,
    recent_next: usize,
    /// Index (count of clicks pushed) of the next click whose leak is to be measured.
    leak_next: u64,
    clicks_pushed: u64,
    leak: QuantileTracker,
    /// Per template hop and band: a low quantile of ln(click energy above floor) at that
    /// offset from the click's arrival, learnt from the clicks heard.
    template: Box<[QuantileTracker]>,
    template_hops: usize,
    template_clicks: u64,
    /// Index (count of clicks pushed) of the next click to learn the template from.
    template_next: u64,
    held: [Candidate; HELD],
    held_len: usize,
    stats: FootfallStats,
}

impl FootfallDetector {
    /// A detector for mono input at `sample_rate_hz`. `click_table` is the metronome's voice
    /// (sample 0 = onset) as the engine synthesises it, if a click will play; its spectrum tells
    /// the detector what a click sounds like.
    pub fn new(
        sample_rate_hz: u32,
        config: FootfallConfig,
        click_table: Option<&[f32]>,
    ) -> Result<Self, FootfallError> {
        if !(MIN_RATE_HZ..=MAX_RATE_HZ).contains(&sample_rate_hz) {
            return Err(FootfallError::SampleRate(sample_rate_hz));
        }
        if !(config.hop_s.is_finite() && config.hop_s > 0.0 && config.hop_s <= 0.05) {
            return Err(FootfallError::Config("hop_s must be in (0, 0.05] s"));
        }
        let (lo_s, hi_s) = config.click_latency_range_s;
        if !(lo_s.is_finite() && hi_s.is_finite() && lo_s < hi_s && hi_s - lo_s <= 5.0) {
            return Err(FootfallError::Config(
                "click_latency_range_s must be finite, ordered and span at most 5 s",
            ));
        }
        let rate_hz = f64::from(sample_rate_hz);
        let hop_samples = ((config.hop_s * rate_hz).round() as u64).max(1);
        let hop_s = hop_samples as f64 / rate_hz;
        let mut smooth_coef = [1.0; BANDS];
        let mut flux_lag = [1; BANDS];
        for b in 0..BANDS {
            let (lo, hi) = super::bank::BAND_EDGES_HZ[b];
            // Integrate over about 1.5 / bandwidth so a narrow band's energy is not noise.
            let tau_s = (1.5 / (hi - lo)).max(hop_s);
            smooth_coef[b] = (1.0 - (-hop_s / tau_s).exp()) as f32;
            flux_lag[b] = ((tau_s.max(0.010) / hop_s).round() as u64).max(1);
        }
        let latency = LatencyEstimator::new(
            hop_samples,
            (lo_s * rate_hz).round() as i64,
            (hi_s * rate_hz).round() as i64,
            config.click_forget,
        );
        let template_hops = ((TEMPLATE_S / hop_s).ceil() as usize).max(4);
        let needed = latency.span_hops() as u64
            + flux_lag.iter().max().unwrap_or(&1)
            + template_hops as u64
            + 64;
        let ring_len = needed.next_power_of_two() as usize;
        let mut click_shares = [0.0f32; BANDS];
        if let Some(table) = click_table {
            let shares = super::bank::band_shares(table, rate_hz);
            for b in 0..BANDS {
                click_shares[b] = shares[b] as f32;
            }
        }
        Ok(Self {
            rate_hz,
            hop_samples,
            bank: FilterBank::new(rate_hz),
            hop_fill: 0,
            hops: 0,
            smooth_coef,
            flux_lag,
            energy: [0.0; BANDS],
            floor: [QuantileTracker::new(0.2, FLOOR_STEP); BANDS],
            recent_min: [WindowMin::new(
                ((FLOOR_MIN_WINDOW_S / hop_s) as usize / FLOOR_MIN_BLOCKS).max(1),
            ); BANDS],
            ring: vec![Frame::default(); ring_len].into_boxed_slice(),
            thump_q90: QuantileTracker::new(0.9, 0.01),
            strengths: RecentValues::default(),
            candidate_slaps: RecentValues::default(),
            intervals: RecentValues::default(),
            last_step: None,
            click_shares,
            latency,
            latency_estimate: None,
            recent_clicks: [0; RECENT_CLICKS],
            recent_len: 0,
            recent_next: 0,
            leak_next: 0,
            clicks_pushed: 0,
            leak: QuantileTracker::new(0.3, 0.05).with_start(0.2),
            template: vec![QuantileTracker::new(TEMPLATE_QUANTILE, 0.25); template_hops * BANDS]
                .into_boxed_slice(),
            template_hops,
            template_clicks: 0,
            template_next: 0,
            held: [Candidate::default(); HELD],
            held_len: 0,
            stats: FootfallStats::default(),
            config,
        })
    }

    /// Samples per analysis hop.
    pub fn hop_samples(&self) -> u64 {
        self.hop_samples
    }

    /// The input's sample rate, Hz.
    pub fn sample_rate_hz(&self) -> f64 {
        self.rate_hz
    }

    /// Samples fed so far (the input stream clock).
    pub fn position_samples(&self) -> u64 {
        self.hops * self.hop_samples + self.hop_fill
    }

    /// Counters of what happened to candidates.
    pub fn stats(&self) -> FootfallStats {
        self.stats
    }

    /// Current cadence from recent step intervals, steps per minute.
    pub fn cadence_spm(&self) -> Option<f64> {
        self.intervals
            .median()
            .map(|i| 60.0 * self.rate_hz / i)
            .filter(|spm| spm.is_finite())
    }

    /// The click latency estimate, if any click has been correlated.
    pub fn click_latency(&self) -> Option<ClickLatency> {
        self.latency_estimate
    }

    /// True when the click latency is known well enough to pick clicks out.
    pub fn click_latency_trusted(&self) -> bool {
        self.trusted_latency().is_some()
    }

    fn trusted_latency(&self) -> Option<i64> {
        self.latency_estimate
            .filter(|e| e.clicks >= 4 && e.peak_to_mean >= self.config.min_click_peak_to_mean)
            .map(|e| e.latency_samples)
    }

    /// True while clicks are being heard for the first time and candidates wait.
    fn calibrating(&self) -> bool {
        self.clicks_pushed > 0
            && self.trusted_latency().is_none()
            && self
                .latency_estimate
                .is_none_or(|e| e.clicks < self.config.calibration_clicks)
    }

    /// A click left the renderer at `onset_samples` of the input stream clock (the caller maps
    /// the output clock onto the input clock; the acoustic delay is learnt). Push clicks in
    /// order, no later than the audio that contains them. Never allocates.
    pub fn push_click(&mut self, onset_samples: u64) {
        self.latency.push_click(onset_samples);
        self.recent_clicks[self.recent_next] = onset_samples;
        self.recent_next = (self.recent_next + 1) % RECENT_CLICKS;
        self.recent_len = (self.recent_len + 1).min(RECENT_CLICKS);
        self.clicks_pushed += 1;
    }

    /// Feed mono samples; `on_step` is called for every step decided meanwhile, in order.
    pub fn process(&mut self, samples: &[f32], mut on_step: impl FnMut(Footfall)) {
        for &x in samples {
            let x = if x.is_finite() { x } else { 0.0 };
            self.bank.push(x);
            self.hop_fill += 1;
            if self.hop_fill == self.hop_samples {
                self.hop_fill = 0;
                self.end_hop(&mut on_step);
            }
        }
    }

    /// End of input: decide every waiting candidate.
    pub fn finish(&mut self, mut on_step: impl FnMut(Footfall)) {
        let held = self.held_len;
        self.held_len = 0;
        for i in 0..held {
            let c = self.held[i];
            self.decide(c, &mut on_step);
        }
    }

    fn frame(&self, hop: i64) -> Option<&Frame> {
        let len = self.ring.len() as i64;
        let newest = self.hops as i64 - 1;
        if hop < 0 || hop > newest || hop <= newest - len {
            return None;
        }
        Some(&self.ring[(hop as usize) & (self.ring.len() - 1)])
    }

    /// Expected click energy above the floor in each band at hop `n`, from the learnt template
    /// and the clicks' expected arrivals (zero until latency and template are known).
    fn expected_click(&self, n: u64) -> [f32; BANDS] {
        let mut expected = [0.0f32; BANDS];
        let Some(latency) = self.trusted_latency() else {
            return expected;
        };
        if self.template_clicks < TEMPLATE_MIN_CLICKS {
            return expected;
        }
        for i in 0..self.recent_len {
            let k = n as i64 - self.arrival_hop(self.recent_clicks[i], latency) + TEMPLATE_PRE_HOPS;
            if k < 0 || k >= self.template_hops as i64 {
                continue;
            }
            // Dilated by a hop each way (the arrival is known to a hop) and scaled up: a click's
            // energy varies from click to click, and under-predicting it costs a false step.
            let k = k as usize;
            for (b, e) in expected.iter_mut().enumerate() {
                let at = |k: usize| self.template[k * BANDS + b].value();
                let ln = at(k)
                    .max(at(k.saturating_sub(1)))
                    .max(at((k + 1).min(self.template_hops - 1)));
                *e += CLICK_MARGIN * ln.exp();
            }
        }
        expected
    }

    /// Learn the click template from every click whose window has fully passed.
    fn learn_template(&mut self, n: u64) {
        let Some(latency) = self.trusted_latency() else {
            return;
        };
        let oldest = self.clicks_pushed - self.recent_len as u64;
        self.template_next = self.template_next.max(oldest);
        while self.template_next < self.clicks_pushed {
            let slot = (self.template_next % RECENT_CLICKS as u64) as usize;
            let start = self.arrival_hop(self.recent_clicks[slot], latency) - TEMPLATE_PRE_HOPS;
            if start + self.template_hops as i64 > n as i64 {
                break;
            }
            self.template_next += 1;
            if self.frame(start).is_none() {
                continue;
            }
            for k in 0..self.template_hops {
                let excess = self
                    .frame(start + k as i64)
                    .map_or([0.0; BANDS], |f| f.excess);
                for (b, &e) in excess.iter().enumerate() {
                    let tracker = &mut self.template[k * BANDS + b];
                    let x = (e + 1e-20).ln();
                    if self.template_clicks == 0 {
                        *tracker = tracker.with_start(x);
                    } else {
                        tracker.update(x);
                    }
                }
            }
            self.template_clicks += 1;
        }
    }

    fn end_hop(&mut self, on_step: &mut impl FnMut(Footfall)) {
        let sums = self.bank.take_sums();
        let n = self.hops;
        let expected = self.expected_click(n);
        let mut frame = Frame::default();
        let mut flux = [0.0f32; BANDS];
        let mut raw_flux = [0.0f32; BANDS];
        let mut floors = [0.0f32; BANDS];
        for b in 0..BANDS {
            if self.bank.is_active(b) {
                let e = (sums[b] / self.hop_samples as f64) as f32;
                self.energy[b] += self.smooth_coef[b] * (e - self.energy[b]);
                // The energy starts from zero: let it settle before the floor learns from it.
                if n >= FLOOR_SETTLE_HOPS {
                    let ln_e = (self.energy[b] + 1e-20).ln();
                    self.floor[b].update(ln_e);
                    // When the background gets louder (a motor starts), the band energy never
                    // falls back to the old floor: its recent minimum lifts the floor at once.
                    self.recent_min[b].push(ln_e);
                    if let Some(m) = self.recent_min[b].min() {
                        self.floor[b].raise_to(m);
                    }
                }
                floors[b] = self.floor[b].value().exp();
            }
        }
        // A band far quieter than the rest (no content at all) would turn any faint leak into a
        // large relative rise: no band's floor is taken below FLOOR_SPREAD of the total, nor
        // below an absolute floor near a microphone's self-noise.
        let floor_min = (FLOOR_SPREAD * floors.iter().sum::<f32>()).max(ABSOLUTE_FLOOR);
        for b in 0..BANDS {
            if !self.bank.is_active(b) {
                continue;
            }
            let floor = floors[b].max(floor_min);
            frame.level[b] = (self.energy[b] + floor).ln();
            frame.excess[b] = (self.energy[b] - floor).max(0.0);
            let lag = self.flux_lag[b];
            // Before a lag's worth of history exists, rises are measured from the floor.
            let old_level = if n >= lag {
                self.frame((n - lag) as i64).map(|f| f.level[b])
            } else {
                None
            }
            .unwrap_or_else(|| floor.ln());
            raw_flux[b] = (frame.level[b] - old_level).max(0.0);
            // The click expected now raises the reference: only energy beyond what the click
            // alone would make here counts as a rise.
            let reference = old_level.max((floor + expected[b]).ln());
            flux[b] = (frame.level[b] - reference).max(0.0);
        }
        frame.thump = flux[THUMP_LOW] + flux[THUMP_HIGH];
        frame.slap_masked = expected[SLAP] > 0.5 * floors[SLAP].max(floor_min);
        // A slap is bright and broadband; a note or chord onset rises mostly in the mid band and
        // only leaks into the slap band, so mid-band rise is discounted.
        frame.slap = (flux[SLAP] - MID_DISCOUNT * flux[MID]).max(0.0);
        frame.click = (0..BANDS).map(|b| self.click_shares[b] * raw_flux[b]).sum();
        let idx = (n as usize) & (self.ring.len() - 1);
        self.ring[idx] = frame;
        self.hops += 1;
        self.thump_q90.update(frame.thump);

        // Click latency: correlate clicks whose lag window has passed.
        {
            let ring = &self.ring;
            let newest = n as i64;
            let len = ring.len() as i64;
            let correlated = self.latency.on_hop(n, |h| {
                (h >= 0 && h <= newest && h > newest - len)
                    .then(|| ring[(h as usize) & (ring.len() - 1)].click)
            });
            if correlated > 0 {
                self.latency_estimate = self.latency.estimate();
            }
        }
        self.measure_leaks(n);
        self.learn_template(n);

        // Peak picking on the thump onset function, PEAK_HALF_WIDTH hops late.
        let warm_up_hops = (WARM_UP_S * self.rate_hz / self.hop_samples as f64) as u64;
        if n >= (2 * PEAK_HALF_WIDTH).max(warm_up_hops) {
            let m = n - PEAK_HALF_WIDTH;
            if let Some(candidate) = self.peak_at(m) {
                self.stats.candidates += 1;
                if self.calibrating() && self.held_len < HELD {
                    self.held[self.held_len] = candidate;
                    self.held_len += 1;
                } else {
                    self.flush_held(on_step);
                    self.decide(candidate, on_step);
                }
            }
        }
        if self.held_len > 0 && !self.calibrating() {
            self.flush_held(on_step);
        }
    }

    fn flush_held(&mut self, on_step: &mut impl FnMut(Footfall)) {
        let held = self.held_len;
        self.held_len = 0;
        for i in 0..held {
            let c = self.held[i];
            self.decide(c, on_step);
        }
    }

    /// Current threshold on the thump onset strength at hop `h`. Where an expected click rings,
    /// the rise left after the click's share is small even for a strong step, so the part
    /// relative to recent steps does not apply there.
    fn threshold(&self, h: u64) -> f32 {
        let noise = self.config.noise_factor * self.thump_q90.value();
        if self.click_masks(h) {
            return self.config.min_strength.max(noise);
        }
        let relative = self.strengths.median().map_or(0.0, |m| {
            // Forget the level of old steps during a pause so a quieter runner is found again.
            let since_s = self.last_step.map_or(0.0, |t| {
                (self.position_samples().saturating_sub(t)) as f64 / self.rate_hz
            });
            let fade = (-(since_s - 1.5).max(0.0) / 1.5).exp();
            (m * fade) as f32 * self.config.relative_strength
        });
        self.config.min_strength.max(noise).max(relative)
    }

    fn peak_at(&self, m: u64) -> Option<Candidate> {
        let value = self.frame(m as i64)?.thump;
        let threshold = self.threshold(m);
        if value < threshold {
            return None;
        }
        for h in m - PEAK_HALF_WIDTH..=m + PEAK_HALF_WIDTH {
            let v = self.frame(h as i64).map_or(0.0, |f| f.thump);
            if (h < m && v >= value) || (h > m && v > value) {
                return None;
            }
        }
        // Slap: the strongest slap onset around the thump's rise, unless a click hides part of
        // that stretch.
        let mut slap = 0.0f32;
        let mut slap_seen = true;
        for h in m.saturating_sub(8)..=m + 2 {
            if let Some(f) = self.frame(h as i64) {
                slap = slap.max(f.slap);
                slap_seen &= !f.slap_masked;
            }
        }
        // Onset: walk back to where the thump onset function was still low.
        let mut onset_hop = m;
        while onset_hop > 0 && m - onset_hop < 16 {
            let prev = self.frame(onset_hop as i64 - 1).map_or(0.0, |f| f.thump);
            if prev < 0.2 * value {
                break;
            }
            onset_hop -= 1;
        }
        let offset = (self.config.onset_offset_s * self.rate_hz).round() as i64;
        let onset = (onset_hop * self.hop_samples) as i64 - offset;
        Some(Candidate {
            hop: m,
            onset_samples: onset.max(0) as u64,
            strength: value,
            slap,
            slap_seen,
            threshold,
            cleaned: self.trusted_latency().is_some()
                && self.template_clicks >= TEMPLATE_MIN_CLICKS,
        })
    }

    /// The hop where the click reported at `click` is expected to arrive, given a latency.
    fn arrival_hop(&self, click: u64, latency_samples: i64) -> i64 {
        (click as i64 + latency_samples).div_euclid(self.hop_samples as i64)
    }

    /// Largest click-likeness and thump around an expected arrival.
    fn click_window(&self, arrival: i64) -> (f32, f32) {
        let mut click = 0.0f32;
        let mut thump = 0.0f32;
        for h in arrival - 3..=arrival + 8 {
            if let Some(f) = self.frame(h) {
                click = click.max(f.click);
                thump = thump.max(f.thump);
            }
        }
        (click, thump)
    }

    /// Learn how much thump a click alone makes (speaker rattle, console resonance): for every
    /// click whose arrival window has passed, the ratio of the thump to the click-likeness there.
    /// A low quantile keeps clicks that coincide with real steps from inflating it.
    fn measure_leaks(&mut self, n: u64) {
        let Some(latency) = self.trusted_latency() else {
            return;
        };
        let oldest = self.clicks_pushed - self.recent_len as u64;
        self.leak_next = self.leak_next.max(oldest);
        while self.leak_next < self.clicks_pushed {
            let slot = (self.leak_next % RECENT_CLICKS as u64) as usize;
            let arrival = self.arrival_hop(self.recent_clicks[slot], latency);
            if arrival + 8 > n as i64 {
                break;
            }
            let (click, thump) = self.click_window(arrival);
            if click > 0.3 {
                self.leak.update(thump / click);
            }
            self.leak_next += 1;
        }
    }

    /// True when hop `h` lies where an expected click still rings (from its arrival to the end
    /// of its template).
    fn click_masks(&self, h: u64) -> bool {
        let Some(latency) = self.trusted_latency() else {
            return false;
        };
        (0..self.recent_len).any(|i| {
            let arrival = self.arrival_hop(self.recent_clicks[i], latency);
            (arrival - TEMPLATE_PRE_HOPS..arrival + self.template_hops as i64).contains(&(h as i64))
        })
    }

    /// What a candidate is.
    fn judge(&mut self, c: &Candidate) -> Verdict {
        if let Some(last) = self.last_step {
            // The lower quartile of recent intervals: a missed step doubles an interval, and a
            // median-based refractory would then lock onto half the cadence.
            let interval = self.intervals.quantile(0.25);
            let (lo_s, hi_s) = self.config.refractory_s;
            let refractory_s = interval.map_or(lo_s, |i| {
                (self.config.refractory_fraction * i / self.rate_hz).clamp(lo_s, hi_s)
            });
            if (c.onset_samples as f64) < last as f64 + refractory_s * self.rate_hz {
                return Verdict::Refractory;
            }
        }
        // The click: at an expected arrival, the thump must exceed what the click explains.
        let mut near_click = false;
        if let Some(latency) = self.trusted_latency() {
            for i in 0..self.recent_len {
                let arrival = self.arrival_hop(self.recent_clicks[i], latency);
                if (c.hop as i64) < arrival - 3 || (c.hop as i64) > arrival + 8 {
                    continue;
                }
                near_click = true;
                if !c.cleaned {
                    // Found before the click was known: at a click arrival it cannot be told
                    // from the click.
                    return Verdict::Click;
                }
                let (click, _) = self.click_window(arrival);
                let residual = c.strength - LEAK_WEIGHT * self.leak.value().max(0.0) * click;
                if residual < c.threshold {
                    return Verdict::Click;
                }
            }
        }
        // The footfall's slap, where the click does not hide it. Where the cadence expects a
        // step less is asked; off the beat of the runner's stride (a kick drum at another
        // tempo), more.
        if self.bank.is_active(SLAP) {
            let phase_error = self.stride_phase_error(c.onset_samples);
            let typical = self.strengths.median().unwrap_or(f64::INFINITY) as f32;
            if !c.slap_seen {
                // A click hid the slap: keep the thump only where the runner's stride puts a
                // step. Before the stride is known it cannot be told from a damaged click (a
                // dropout in the output cuts a click into a pop that thumps).
                if phase_error.is_none_or(|e| e > HIDDEN_SLAP_PHASE) {
                    return Verdict::Click;
                }
            } else {
                let rhythm = match phase_error {
                    // Where a step is due and as strong as the runner's steps: no slap needed.
                    Some(e) if e <= IN_STEP && c.strength >= STRONG_STEP * typical => 0.0,
                    Some(e) if e <= IN_STEP => 0.5,
                    Some(e) if e >= OFF_STEP => 2.0,
                    _ => 1.0,
                };
                let needed = rhythm
                    * (self.config.slap_ratio * c.strength)
                        .min(self.config.slap_enough)
                        .min(self.slap_cap());
                let slaps_buried = self.slap_cap() == 0.0;
                self.candidate_slaps.push(f64::from(c.slap));
                if c.slap < needed {
                    return Verdict::Shape;
                }
                // Broadband noise buries every slap: off the stride, only a thump as strong as
                // the runner's steps is one (a kick drum at another tempo is not).
                if slaps_buried
                    && phase_error.is_some_and(|e| e >= OFF_STEP)
                    && c.strength < OFF_STEP_STRENGTH * typical
                {
                    return Verdict::Shape;
                }
            }
        }
        Verdict::Step { near_click }
    }

    /// How far `onset` is from where the runner's cadence puts a step (a whole number of step
    /// intervals after the last step), as a fraction of the interval (0–0.5); `None` until the
    /// cadence is known.
    fn stride_phase_error(&self, onset: u64) -> Option<f64> {
        if self.intervals.len() < 4 {
            return None;
        }
        let interval = self.intervals.median()?;
        let last = self.last_step?;
        let beats = onset.saturating_sub(last) as f64 / interval;
        Some((beats - beats.round()).abs())
    }

    /// The most slap a candidate can be asked for: a fraction of what recent candidates show
    /// (in loud broadband noise slaps are buried, and requiring them would lose steps).
    fn slap_cap(&self) -> f32 {
        if self.candidate_slaps.len() < 4 {
            return f32::INFINITY;
        }
        let q75 = self.candidate_slaps.quantile(0.75).unwrap_or(0.0) as f32;
        if q75 < SLAP_VISIBLE {
            0.0
        } else {
            SLAP_FRACTION * q75
        }
    }

    fn decide(&mut self, c: Candidate, on_step: &mut impl FnMut(Footfall)) {
        let verdict = self.judge(&c);
        let near_click = match verdict {
            Verdict::Step { near_click } => near_click,
            Verdict::Refractory => {
                self.stats.rejected_refractory += 1;
                return;
            }
            Verdict::Shape => {
                self.stats.rejected_shape += 1;
                return;
            }
            Verdict::Click => {
                self.stats.rejected_click += 1;
                return;
            }
        };
        if let Some(last) = self.last_step {
            let interval = c.onset_samples.saturating_sub(last) as f64;
            let interval_s = interval / self.rate_hz;
            if (0.2..=2.0).contains(&interval_s) {
                self.intervals.push(interval);
            } else if interval_s > 2.0 {
                self.intervals.clear();
            }
        }
        self.last_step = Some(c.onset_samples);
        self.strengths.push(f64::from(c.strength));
        self.stats.steps += 1;
        on_step(Footfall {
            onset_samples: c.onset_samples,
            reported_samples: self.position_samples(),
            strength: c.strength,
            near_click,
        });
    }
}
