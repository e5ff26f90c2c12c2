//! The streaming, causal step detector shared by live coaching and offline analysis.
//!
//! Per input sample: orientation-free scalar ([`super::feature`]) → fixed 50 Hz grid
//! ([`super::resample`]) → gait band-pass (Butterworth high-pass + low-pass) → running
//! autocorrelation ([`super::periodicity`]) and peak picking:
//! - a local maximum counts as a candidate step when it clears an adaptive threshold (a share
//!   of the signal's recent amplitude), reaches 30 % of the bout's typical step height (so the
//!   small motions after a stop do not continue a bout) and falls outside a refractory
//!   interval of 75 % of the step period from the autocorrelation (no double count on the
//!   heel-strike/push-off double bump of a slow walk). Inside a bout, when the
//!   autocorrelation claims a period much longer than the bout's own typical step interval
//!   (locked onto the stride, or owned by a wrist gesture far larger than a step), the
//!   refractory interval follows the typical step interval instead;
//! - near the time the next step is expected, the threshold drops, so the weak leg of a
//!   one-leg-dominant signal is still found; if it is not, and the spacing since the previous
//!   step is clearly two step periods, the missing step is restored half-way. Inside a bout
//!   the threshold also drops near two and three periods after the previous step: when one
//!   step leaves no peak (a watch on a wrist held still a moment), the weak steps after it
//!   still continue the bout instead of letting it end for a silence. Outside a bout only
//!   the next step time counts (a purse still swinging after a stop must not start a bout);
//! - candidates pass a [`super::bout::BoutGate`]: only regular, periodic bouts count, and a
//!   bout's first steps are released together once it is confirmed;
//! - a sensor on one foot or ankle sees its own leg and hardly the other: the signal repeats
//!   once a stride, with no trace of the other foot's contact at half the lag, exactly like a
//!   slow walk seen from the trunk. What tells them apart is the size of the motion: the
//!   typical step height at that period, while the accepted peaks come once a period, means a
//!   swing of about half a metre (height × (period / 2π)²: 0.48 m median on a shoe clip while
//!   running), where the trunk, a thigh pocket, a hand or a bag move 1–4 cm (at most 0.12 m
//!   in any half-second of the shared recordings: `examples/limb_swing.rs`). At 0.25 m or more
//!   ([`DetectorConfig::limb_swing_m`]) the period is a stride: everything upstream
//!   (refractory interval, bout gate) keeps working in strides, and each step reported a
//!   stride after the previous one is preceded by the other foot's, half-way between (marked
//!   restored), as a foot pod counts. [`LiveDetector::period_s`] then reports half the
//!   stride. Known limit: any even-footed motion below about 90 spm with 1.5 g bounces seen
//!   from the trunk (bounding drills, perhaps) reads the same and is doubled; and at a change
//!   between walking and running a few of the other foot's steps are missed while the period
//!   catches up.
//!
//! Inside a bout, the autocorrelations see the signal clipped to 2.5 times the typical step
//! height: a wrist raised or turned mid-walk makes a swing many times a step's, and unclipped
//! it would own the energy-weighted autocorrelation for its whole memory, hide the rhythm and
//! end the bout (the peak picking still sees the true signal).
//!
//! Before the first bout there is no typical step height to clip to. In the first seconds of
//! a recording (or after a gap) and before the first bout, a lone transient (a phone
//! pocketed, the start button pressed, a watch knocked: at least 3.5 times everything within
//! a second before and after it) is forgotten once it has passed: one to two seconds later,
//! while it is still in their history, the autocorrelations restart as if that history had
//! been clipped to the level of the rest, and the recent amplitude is lowered to match.
//! Without it, a 4 g jolt in the first second owned the energy-weighted memory for seconds,
//! the first steps' rhythm stayed too weak to confirm a bout, and the first step was reported
//! about 4 s late (3–4 steps lost when running); now about 0.7 s late. Only then: between
//! bouts the memory still holds the last bout's rhythm, which a restart would throw away
//! (tried: it changed the bouts' starts on the hip run and mobgap HA), and restarting again
//! and again lets random bumps pass for a rhythm. Smaller jolts (3 times a step or less)
//! still delay the first bout by one or two seconds, and so does a jolt later in a pause
//! before the first bout.
//!
//! A second, short-memory autocorrelation (1.2 s) notices a quickening pace before the main
//! one (3 s) does and shortens the refractory interval at once. Known limit: on a sudden
//! change from walking to running, every other running step can still be hidden for about
//! two seconds (at most three steps) until the rhythm is clear.
//!
//! Each step carries an estimated contact time (the filtered peak time minus the filters' delay
//! at the current step rate) and the time it was reported. O(1) work and no allocation per
//! sample: all state is fixed-size.
//!
//! For diagnostics, [`LiveDetector::peaks`] tells what the peak picking decided about each local
//! maximum the last sample completed ([`PeakVerdict`]: rejected by the refractory interval, the
//! threshold or the bout's step height, or offered to the bout gate); `examples/gait_trace.rs`
//! uses it to say why each missed reference step was missed.

use super::bout::{BoutConfig, BoutGate};
use super::feature::FeatureExtractor;
use super::filters::Biquad;
use super::periodicity::{Memory, PeriodEstimate, Periodicity};
use super::resample::{Feed, Resampler};
use super::{AccelSample, StepEvent};

/// Most steps one `push` can report: a bout release (the gate's 12 waiting steps and one
/// restored before them) with the other foot's step before each on a one-foot sensor (26),
/// a restored step and its own other-foot step on the same grid point (2), and up to four on
/// each further grid point a slow input's sample crosses (15 Hz input: 3 more points).
const OUT_CAP: usize = 48;
const _: () = assert!(OUT_CAP >= 2 * (super::bout::PENDING_CAP + 1) + 2 + 4 * 3);
/// Most peak notes one `push` keeps (one grid point has at most one peak; a push crosses
/// more than this many grid points only after a slow input's gap).
const NOTES_CAP: usize = 4;

/// What the peak picking decided about one local maximum of the band-passed signal (for
/// diagnostics: [`LiveDetector::peaks`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeakVerdict {
    /// Within the refractory interval after the previous accepted peak.
    Refractory,
    /// Below the adaptive threshold (a share of the recent amplitude) or the absolute floor.
    BelowThreshold,
    /// Inside a bout, below the share of the bout's typical step height.
    BelowBoutHeight,
    /// Offered to the bout gate as a candidate step (counted only if a bout takes it).
    Candidate,
}

/// One local maximum of the band-passed gait signal and the peak picking's verdict on it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeakNote {
    /// Peak time (not the contact time; the filters' delay is not taken off), seconds.
    pub t_s: f64,
    /// Height of the band-passed signal, m/s².
    pub height: f64,
    /// Height relative to the recent amplitude.
    pub relative: f64,
    /// What became of it.
    pub verdict: PeakVerdict,
}

/// Settings of the live detector. The defaults are the tested ones.
#[derive(Clone, Copy, Debug)]
pub struct DetectorConfig {
    /// Internal grid rate, Hz.
    pub fs_hz: f64,
    /// Input gaps longer than this restart the detector, seconds.
    pub max_gap_s: f64,
    /// Gait band: high-pass corner, Hz.
    pub band_low_hz: f64,
    /// Gait band: low-pass corner, Hz.
    pub band_high_hz: f64,
    /// Weight of the impact envelope added to the body signal.
    pub impact_weight: f64,
    /// Autocorrelation memory, seconds.
    pub periodicity_memory_s: f64,
    /// Memory of the short autocorrelation that follows a quickening pace, seconds.
    pub fast_memory_s: f64,
    /// Strength the short autocorrelation needs to shorten the refractory interval.
    pub fast_periodicity: f64,
    /// Half-lag share needed to call the step period half the strongest repetition.
    pub half_lag_ratio: f64,
    /// Autocorrelation strength needed to trust the period estimate.
    pub min_periodicity: f64,
    /// Peak threshold as a share of the recent amplitude, away from the expected step time.
    pub threshold: f64,
    /// Peak threshold near the expected step time (weak leg).
    pub threshold_expected: f64,
    /// Absolute floor of the peak height, m/s².
    pub floor_mps2: f64,
    /// Smallest peak height as a share of the typical height of the recent steps (the
    /// median of the last few), so the small motions after a stop do not continue a bout.
    pub min_height_share: f64,
    /// Refractory interval as a share of the step period (no double count on the
    /// heel-strike/push-off double bump of a slow walk).
    pub refractory: f64,
    /// Inside a bout, the autocorrelation sees the signal clipped to this many times the
    /// typical step height, so a gesture much larger than a step (a wrist turned or raised
    /// mid-walk) does not drown the rhythm for the autocorrelation's memory; 0 disables.
    pub periodicity_clip: f64,
    /// In the first seconds of a recording (or after a gap) and before the first bout, a
    /// lone transient at least this many times larger than
    /// everything within a second before and after it (a phone pocketed, a watch knocked) is
    /// clipped out of the autocorrelations' and the amplitude's memory once it has passed;
    /// 0 disables. (At 3, a purse lifted before the walk, 3.2 times the steps, was
    /// forgotten too: its bout started 1.1 s sooner but counted two steps more and took one
    /// step longer to settle.)
    pub transient_ratio: f64,
    /// Shortest refractory interval, seconds.
    pub min_refractory_s: f64,
    /// No step is reported this long after a (re)start, while the filters settle, seconds.
    pub warm_up_s: f64,
    /// Constant lag of the acceleration peak after the foot contact, seconds.
    pub contact_lag_s: f64,
    /// A sensor on a foot, ankle or shin: when the swing the rhythm implies (the typical step
    /// height times (period / 2π)², the amplitude of a motion with that acceleration at that
    /// period, while the accepted peaks come once a period) is at least this many metres, the
    /// period is the stride of the leg it is on, and the other leg's step is put half-way
    /// between two of its contacts; 0 disables.
    pub limb_swing_m: f64,
    /// Walking-bout gate.
    pub bout: BoutConfig,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            fs_hz: 50.0,
            max_gap_s: 1.0,
            band_low_hz: 0.5,
            band_high_hz: 4.0,
            impact_weight: 1.0,
            periodicity_memory_s: 3.0,
            fast_memory_s: 1.2,
            fast_periodicity: 0.6,
            half_lag_ratio: 0.3,
            min_periodicity: 0.25,
            threshold: 0.35,
            threshold_expected: 0.12,
            floor_mps2: 0.05,
            min_height_share: 0.3,
            refractory: 0.75,
            periodicity_clip: 2.5,
            transient_ratio: 3.5,
            min_refractory_s: 0.24,
            warm_up_s: 0.0,
            contact_lag_s: 0.0,
            limb_swing_m: 0.25,
            bout: BoutConfig::default(),
        }
    }
}

/// Fixed-capacity list of steps reported by one `push`, and the notes on the peaks it saw.
#[derive(Clone, Copy, Debug)]
struct OutBuf {
    steps: [StepEvent; OUT_CAP],
    n: usize,
    notes: [PeakNote; NOTES_CAP],
    n_notes: usize,
    /// Steps of the other foot put half-way on a one-foot sensor, since the start.
    other_foot: u64,
}

impl OutBuf {
    fn push(&mut self, s: StepEvent) {
        debug_assert!(self.n < OUT_CAP, "step output buffer full");
        if self.n < OUT_CAP {
            self.steps[self.n] = s;
            self.n += 1;
        }
    }

    fn note(&mut self, t_s: f64, height: f64, amp: f64, verdict: PeakVerdict) {
        if self.n_notes < NOTES_CAP {
            self.notes[self.n_notes] = PeakNote {
                t_s,
                height,
                relative: if amp > 0.0 { height / amp } else { 0.0 },
                verdict,
            };
            self.n_notes += 1;
        }
    }
}

/// State on the internal grid (everything after resampling).
#[derive(Clone, Debug)]
struct GridState {
    hp: Biquad,
    lp: Biquad,
    settled: bool,
    power: f64,
    y1: f64,
    y2: f64,
    n: u64,
    period: Option<PeriodEstimate>,
    last_peak_s: Option<f64>,
    /// Time between the last two accepted peaks, seconds.
    last_peak_interval_s: Option<f64>,
    /// Heights of the last accepted peaks (ring), m/s².
    heights: [f64; HEIGHTS],
    n_heights: usize,
    next_height: usize,
    /// Median of `heights` once there are enough of them (kept with each new height).
    typical: Option<f64>,
    was_in_bout: bool,
    /// Whether a lone transient may still be forgotten: not once a bout has started (since
    /// the (re)start).
    may_forget_transient: bool,
    /// Coefficient of the 3 s power average.
    k_power: f64,
    /// The estimate of the short-memory autocorrelation, which notices a quickening pace
    /// first. Read only at a peak, so it is computed then, from the sums as of the last
    /// scheduled update (`fast_stale` until it is).
    fast_period: Option<PeriodEstimate>,
    fast_stale: bool,
    /// Largest |y| of each of the last blocks of `ESTIMATE_EVERY` grid samples, newest at
    /// `next_block - 1` (ring), and of the block in progress.
    blocks: [f64; BLOCKS],
    next_block: usize,
    block_max: f64,
    /// The swing the rhythm implies (see [`LiveDetector::implied_swing_m`]), as of the last
    /// estimate.
    swing_m: Option<f64>,
    /// Contact time of the last step reported, for the other leg's step half-way.
    last_reported_s: Option<f64>,
}

/// Blocks of |y| maxima kept for the lone-transient check (3 s at 0.1 s).
const BLOCKS: usize = 30;
/// A lone transient is judged this long after it, seconds (from, to): long enough to see
/// what follows, soon enough that it is still in the autocorrelations' history.
const TRANSIENT_AFTER_S: (f64, f64) = (1.0, 2.0);
/// A lone transient is forgotten only this long after a (re)start, seconds: the phone
/// handled as the recording starts. Later, forgetting again and again would keep the
/// autocorrelations' memory shorter than its 3 s, and a few random bumps (arm motions at a
/// desk) could pass for a rhythm (allowed throughout: 16 false steps in
/// `random_isolated_bumps_are_not_a_walk`, none up to 40 s).
const TRANSIENT_WINDOW_S: f64 = 5.0;

/// Where, in step periods after the previous step, the next one falls when none went unseen:
/// its threshold is lowered there, and on a one-foot sensor such a spacing is one stride.
const NEXT_STEP: std::ops::RangeInclusive<f64> = 0.7..=1.4;

/// Accepted peak heights kept for the typical height.
const HEIGHTS: usize = 8;

/// Grid samples between periodicity updates and estimates (0.1 s at 50 Hz).
const ESTIMATE_EVERY: u64 = 5;
// The short-memory estimate is read lazily from the sums as of the last scheduled update;
// that is the same answer only if `Periodicity` does not update by itself in between.
const _: () = assert!(ESTIMATE_EVERY as usize <= Periodicity::max_queued());

impl GridState {
    fn typical_height(&self) -> Option<f64> {
        self.typical
    }

    fn record_height(&mut self, h: f64) {
        self.heights[self.next_height] = h;
        self.next_height = (self.next_height + 1) % HEIGHTS;
        self.n_heights = (self.n_heights + 1).min(HEIGHTS);
        self.typical = (self.n_heights >= 3).then(|| {
            let mut v = self.heights;
            let s = &mut v[..self.n_heights];
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        });
    }

    /// Whether the period is the stride of a leg the sensor is on
    /// ([`DetectorConfig::limb_swing_m`]), as of the last estimate.
    fn one_leg(&self, cfg: &DetectorConfig) -> bool {
        cfg.limb_swing_m > 0.0 && self.swing_m.is_some_and(|m| m >= cfg.limb_swing_m)
    }

    fn forget_heights(&mut self) {
        self.n_heights = 0;
        self.typical = None;
    }

    /// The short-memory estimate as of the last scheduled update.
    fn fast_period(&mut self, per: &Periodicity) -> Option<PeriodEstimate> {
        if self.fast_stale {
            self.fast_period = per.estimate(Memory::Short);
            self.fast_stale = false;
        }
        self.fast_period
    }
}

/// Streaming step detector: push samples in time order, get steps as they are recognised.
///
/// ```
/// use stridebeat::gait::{AccelSample, LiveDetector, DetectorConfig};
/// let mut det = LiveDetector::new(DetectorConfig::default());
/// let mut steps = 0;
/// for i in 0..3000 {
///     let t_s = i as f64 / 100.0;
///     let bounce = (2.0 * std::f64::consts::PI * 2.0 * t_s).sin() as f32 * 3.0;
///     steps += det.push(&AccelSample { t_s, acc: [0.0, 0.0, 9.81 + bounce] }).len();
/// }
/// assert!((55..=60).contains(&steps));
/// ```
#[derive(Clone, Debug)]
pub struct LiveDetector {
    cfg: DetectorConfig,
    feature: FeatureExtractor,
    resampler: Resampler,
    grid: GridState,
    periodicity: Periodicity,
    gate: BoutGate,
    out: OutBuf,
    last_input_s: Option<f64>,
}

impl LiveDetector {
    /// A detector with no history.
    pub fn new(cfg: DetectorConfig) -> Self {
        Self {
            cfg,
            feature: FeatureExtractor::new(cfg.impact_weight),
            resampler: Resampler::new(cfg.fs_hz, cfg.max_gap_s),
            grid: Self::fresh_grid(&cfg),
            periodicity: Periodicity::new(
                cfg.fs_hz,
                [cfg.periodicity_memory_s, cfg.fast_memory_s],
                cfg.half_lag_ratio,
            ),
            gate: BoutGate::new(cfg.bout),
            out: OutBuf {
                steps: [StepEvent::default(); OUT_CAP],
                n: 0,
                notes: [PeakNote {
                    t_s: 0.0,
                    height: 0.0,
                    relative: 0.0,
                    verdict: PeakVerdict::Candidate,
                }; NOTES_CAP],
                n_notes: 0,
                other_foot: 0,
            },
            last_input_s: None,
        }
    }

    fn fresh_grid(cfg: &DetectorConfig) -> GridState {
        GridState {
            hp: Biquad::highpass(cfg.band_low_hz, cfg.fs_hz),
            lp: Biquad::lowpass(cfg.band_high_hz, cfg.fs_hz),
            settled: false,
            power: 0.0,
            y1: 0.0,
            y2: 0.0,
            n: 0,
            period: None,
            last_peak_s: None,
            last_peak_interval_s: None,
            heights: [0.0; HEIGHTS],
            n_heights: 0,
            typical: None,
            next_height: 0,
            was_in_bout: false,
            may_forget_transient: true,
            k_power: 1.0 - (-1.0 / (3.0 * cfg.fs_hz)).exp(),
            fast_period: None,
            fast_stale: false,
            blocks: [0.0; BLOCKS],
            next_block: 0,
            block_max: 0.0,
            swing_m: None,
            last_reported_s: None,
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &DetectorConfig {
        &self.cfg
    }

    /// Current step period from the signal's periodicity, seconds (`None` when not periodic).
    /// On a sensor worn on one leg, half the stride the signal repeats at.
    pub fn period_s(&self) -> Option<f64> {
        let half = if self.grid.one_leg(&self.cfg) {
            0.5
        } else {
            1.0
        };
        self.grid
            .period
            .filter(|p| p.strength >= self.cfg.min_periodicity)
            .map(|p| p.step_s * half)
    }

    /// The latest raw periodicity estimate (step period, strength, whether halved), even when
    /// too weak to be trusted. On a sensor worn on one foot ([`Self::other_foot_steps`]) its
    /// period is the stride.
    pub fn periodicity(&self) -> Option<PeriodEstimate> {
        self.grid.period
    }

    /// The local maxima of the band-passed signal that the last `push` decided on, with the
    /// verdicts (for diagnostics; after the warm-up, at most a few per push).
    pub fn peaks(&self) -> &[PeakNote] {
        &self.out.notes[..self.out.n_notes]
    }

    /// Steps reported so far that belong to the other foot of a sensor worn on one foot or
    /// ankle, put half-way between two of its own (see [`DetectorConfig::limb_swing_m`]).
    pub fn other_foot_steps(&self) -> u64 {
        self.out.other_foot
    }

    /// For diagnostics: the swing, metres, that the typical step height implies at the current
    /// period (`None` while there is no trusted, not halved period with steps coming); at
    /// [`DetectorConfig::limb_swing_m`] or more the period is taken as the stride of a sensor
    /// worn on one foot.
    pub fn implied_swing_m(&self) -> Option<f64> {
        self.grid.swing_m
    }

    /// Whether a walking/running bout is in progress (steps are being counted).
    pub fn in_bout(&self) -> bool {
        self.gate.in_bout()
    }

    /// Feed one sample (recording clock, time increasing; duplicates and backwards times are
    /// ignored, gaps longer than `max_gap_s` restart the detector). Returns the steps this
    /// sample made certain, in time order — usually none or one; a bout's first steps are
    /// released together when it is confirmed.
    pub fn push(&mut self, s: &AccelSample) -> &[StepEvent] {
        self.out.n = 0;
        self.out.n_notes = 0;
        if !s.t_s.is_finite() || s.acc.iter().any(|a| !a.is_finite()) {
            return &[];
        }
        let dt = match self.last_input_s {
            Some(prev) if s.t_s <= prev => return &[],
            Some(prev) => s.t_s - prev,
            None => 0.0,
        };
        if self.last_input_s.is_some() && dt > self.cfg.max_gap_s {
            self.restart();
        }
        self.last_input_s = Some(s.t_s);
        let x = self.feature.process(s.acc, dt);
        let reported_s = s.t_s;
        let Self {
            resampler,
            grid,
            periodicity,
            gate,
            out,
            cfg,
            ..
        } = self;
        let feed = resampler.push(s.t_s, x, |tg, v| {
            Self::on_grid(cfg, grid, periodicity, gate, out, tg, v, reported_s);
        });
        debug_assert!(feed != Feed::Ignored);
        self.gate.tick(s.t_s, self.grid.period);
        &self.out.steps[..self.out.n]
    }

    /// Forget the signal history (not the settings) after a gap.
    fn restart(&mut self) {
        self.feature.reset();
        self.resampler = Resampler::new(self.cfg.fs_hz, self.cfg.max_gap_s);
        self.grid = Self::fresh_grid(&self.cfg);
        self.periodicity.reset();
        self.gate.reset();
    }

    /// Delay from a contact to the filtered peak at step frequency `f_hz`, seconds.
    fn delay_s(cfg: &DetectorConfig, grid: &GridState, f_hz: f64) -> f64 {
        grid.hp.phase_delay_s(f_hz, cfg.fs_hz)
            + grid.lp.phase_delay_s(f_hz, cfg.fs_hz)
            + 2.0
                * super::filters::OnePoleLowPass::new(super::resample::ANTI_ALIAS_HZ)
                    .phase_delay_s(f_hz)
            + cfg.contact_lag_s
    }

    /// In the first seconds after a (re)start, before the first bout: a lone transient (a
    /// phone pocketed, a watch knocked) that passed one to two seconds ago and is still inside the autocorrelations' history (the
    /// last 2.2 s and more) is forgotten. Lone: its 0.1 s block of |y| is at least
    /// `transient_ratio` times every block from 0.5 s after it to now and from 0.3 s to 1 s
    /// before it (the blocks next to it hold its own swing back and the filters' ringing).
    /// Then the autocorrelations restart as if their history had been clipped to the largest
    /// of those other blocks, and the recent amplitude is lowered to match: without this, the
    /// energy-weighted memory belongs to the jolt for seconds, the rhythm of the first steps
    /// stays too weak to confirm a bout, and the first bout starts about four seconds late.
    fn forget_lone_transient(cfg: &DetectorConfig, g: &mut GridState, per: &mut Periodicity) {
        let blocks = |s: f64| (s * cfg.fs_hz / ESTIMATE_EVERY as f64).round() as usize;
        let (after_s, before_s) = (blocks(TRANSIENT_AFTER_S.0), blocks(TRANSIENT_AFTER_S.1));
        let (skip_after, skip_before) = (blocks(0.5), blocks(0.3));
        let before_end = (before_s + blocks(1.0)).min(BLOCKS);
        // Block by age: 0 is the newest, just completed.
        let at = |j: usize| g.blocks[(g.next_block + BLOCKS - 1 - j) % BLOCKS];
        let (mut p, mut h) = (0, 0.0);
        for j in 0..=before_s {
            if at(j) > h {
                (p, h) = (j, at(j));
            }
        }
        if p < after_s {
            return;
        }
        let rest = (0..p.saturating_sub(skip_after - 1))
            .chain(p + skip_before..(p + blocks(1.0) + 1).min(before_end))
            .map(at)
            .fold(0.0f64, f64::max);
        if rest <= 0.0 || h < cfg.transient_ratio * rest {
            return;
        }
        let mean_square = per.restart_clipped(rest);
        g.power = g.power.min(mean_square);
        for b in &mut g.blocks {
            *b = b.min(rest);
        }
    }

    /// The swing, metres, that the typical step height means at the current period: for a
    /// trustworthy, not already halved period, while the accepted peaks come once a period (the
    /// last two one period apart, the last at most two periods ago), so the height belongs to
    /// this rhythm and not to a faster gait before it or a standstill after it. The trunk, a
    /// thigh pocket, a hand or a bag move a few centimetres at the step rate; a shoe clip
    /// swings through about half a metre at its stride (`examples/limb_swing.rs` prints this
    /// value over the shared recordings).
    fn implied_swing(cfg: &DetectorConfig, g: &GridState, now_s: f64) -> Option<f64> {
        let p = g.period?;
        let h = g.typical_height()?;
        let recent = g.last_peak_s.is_some_and(|l| now_s - l <= 2.0 * p.step_s);
        let in_rhythm = g
            .last_peak_interval_s
            .is_some_and(|d| NEXT_STEP.contains(&(d / p.step_s)));
        if !recent || !in_rhythm || p.halved || p.strength < cfg.min_periodicity {
            return None;
        }
        let w = std::f64::consts::TAU / p.step_s;
        Some(h / (w * w))
    }

    /// Report a step the bout gate let through. On a leg the sensor is on, a stride after the
    /// previous reported step, the other leg's step goes first, half-way between the two.
    fn report(cfg: &DetectorConfig, g: &mut GridState, out: &mut OutBuf, step: StepEvent) {
        if let (true, Some(p), Some(last)) = (g.one_leg(cfg), g.period, g.last_reported_s) {
            let d = step.t_s - last;
            if !p.halved && NEXT_STEP.contains(&(d / p.step_s)) {
                out.other_foot += 1;
                out.push(StepEvent {
                    t_s: last + 0.5 * d,
                    reported_s: step.reported_s,
                    interpolated: true,
                    strength: 0.0,
                });
            }
        }
        g.last_reported_s = Some(step.t_s);
        out.push(step);
    }

    #[allow(clippy::too_many_arguments)]
    fn on_grid(
        cfg: &DetectorConfig,
        g: &mut GridState,
        per: &mut Periodicity,
        gate: &mut BoutGate,
        out: &mut OutBuf,
        t_s: f64,
        v: f64,
        reported_s: f64,
    ) {
        if !g.settled {
            g.hp.settle_at(v);
            g.lp.settle_at(0.0);
            g.settled = true;
        }
        let y = g.lp.process(g.hp.process(v));
        // The typical step height belongs to a bout: forget it when the bout ends.
        if g.was_in_bout && !gate.in_bout() {
            g.forget_heights();
        }
        g.was_in_bout = gate.in_bout();
        g.may_forget_transient &= !gate.in_bout();
        // Inside a bout, a gesture far larger than a step is clipped for the autocorrelation
        // (the peak picking below still sees the true signal).
        let y_acf = match g.typical_height() {
            Some(h) if cfg.periodicity_clip > 0.0 && gate.in_bout() => {
                let lim = cfg.periodicity_clip * h;
                y.clamp(-lim, lim)
            }
            _ => y,
        };
        per.push(y_acf);
        g.n += 1;
        g.block_max = g.block_max.max(y.abs());
        if g.n.is_multiple_of(ESTIMATE_EVERY) {
            g.blocks[g.next_block] = g.block_max;
            g.next_block = (g.next_block + 1) % BLOCKS;
            g.block_max = 0.0;
            if cfg.transient_ratio > 0.0
                && g.may_forget_transient
                && (g.n as f64) <= TRANSIENT_WINDOW_S * cfg.fs_hz
            {
                Self::forget_lone_transient(cfg, g, per);
            }
            per.update();
            g.period = per.estimate(Memory::Long);
            g.swing_m = Self::implied_swing(cfg, g, t_s);
            g.fast_stale = true;
        }
        g.power += g.k_power * (y * y - g.power);
        let is_peak = g.y1 > g.y2 && g.y1 >= y;
        let (y1, y2) = (g.y1, g.y2);
        g.y2 = g.y1;
        g.y1 = y;
        if !is_peak {
            return;
        }
        let amp = (2.0 * g.power).sqrt();
        // Parabolic refinement of the peak between grid points.
        let den = y2 - 2.0 * y1 + y;
        let frac = if den.abs() > 1e-12 {
            (0.5 * (y2 - y) / den).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        let t_peak = t_s - (1.0 - frac) / cfg.fs_hz;
        // The filters settle after a (re)start; no step before they have.
        if (g.n as f64) < cfg.warm_up_s * cfg.fs_hz {
            return;
        }
        let period = g
            .period
            .filter(|p| p.strength >= cfg.min_periodicity)
            .map(|p| p.step_s);
        let since = g.last_peak_s.map(|l| t_peak - l);
        // When the short memory clearly sees a faster rhythm, the pace is going up: the
        // refractory interval follows it at once rather than hiding every other step.
        let fast_period = match period {
            Some(_) => g.fast_period(per),
            None => None,
        };
        let refractory_period = match (period, fast_period) {
            (Some(p), Some(f)) if f.strength >= cfg.fast_periodicity && f.step_s < 0.85 * p => {
                Some(f.step_s)
            }
            (p, _) => p,
        };
        // Inside a bout, the steps themselves say how far apart they are. When the
        // autocorrelation claims a much longer period (it has locked onto the stride, or a
        // gesture far larger than a step owns its memory), the refractory interval follows
        // the bout's typical step interval instead of hiding every other step.
        let refractory_period = match (refractory_period, gate.typical_interval_s()) {
            (Some(p), Some(i)) if gate.in_bout() && i < 0.85 * p => Some(i),
            (p, _) => p,
        };
        let refractory = refractory_period
            .map(|p| (cfg.refractory * p).max(cfg.min_refractory_s))
            .unwrap_or(cfg.min_refractory_s);
        if since.is_some_and(|d| d < refractory) {
            out.note(t_peak, y1, amp, PeakVerdict::Refractory);
            return;
        }
        // Near the next step time; inside a bout also near a whole number of periods since
        // the last step (a step went unseen, the rhythm still says where the next one falls).
        let expected = match (period, since) {
            (Some(p), Some(d)) => {
                let r = d / p;
                NEXT_STEP.contains(&r)
                    || (gate.in_bout() && r <= 3.4 && (r - r.round()).abs() <= 0.3)
            }
            _ => false,
        };
        let share = if expected {
            cfg.threshold_expected
        } else {
            cfg.threshold
        };
        if y1 < cfg.floor_mps2 || y1 < share * amp {
            out.note(t_peak, y1, amp, PeakVerdict::BelowThreshold);
            return;
        }
        if gate.in_bout()
            && g.typical_height()
                .is_some_and(|h| y1 < cfg.min_height_share * h)
        {
            out.note(t_peak, y1, amp, PeakVerdict::BelowBoutHeight);
            return;
        }
        out.note(t_peak, y1, amp, PeakVerdict::Candidate);
        let periodic = g.period.is_some_and(|p| p.strength >= cfg.min_periodicity);
        let f_step = period.map(|p| 1.0 / p).unwrap_or(2.0);
        let delay = Self::delay_s(cfg, g, f_step);
        let contact = t_peak - delay;
        // A clear two-period gap: the weak leg's step went unseen; restore it half-way.
        if let (Some(p), Some(d), Some(last)) = (period, since, g.last_peak_s) {
            if periodic && d >= 1.55 * p && d <= 2.5 * p {
                let mid = StepEvent {
                    t_s: last + d / 2.0 - delay,
                    reported_s,
                    interpolated: true,
                    strength: 0.0,
                };
                gate.push(mid, g.period, |e| Self::report(cfg, g, out, e));
            }
        }
        g.last_peak_interval_s = since;
        g.last_peak_s = Some(t_peak);
        g.record_height(y1);
        let step = StepEvent {
            t_s: contact,
            reported_s,
            interpolated: false,
            strength: if amp > 0.0 { (y1 / amp) as f32 } else { 0.0 },
        };
        gate.push(step, g.period, |e| Self::report(cfg, g, out, e));
    }
}
