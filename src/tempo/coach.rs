//! The adaptive coach: a state machine that raises the target cadence gradually.
//!
//! The coach has no clock, no threads and no I/O. It is fed [`Observation`]s — the runner's
//! measured cadence and whether they are running, walking or stopped, each stamped with seconds
//! on the *session clock* (seconds since the first sensor sample) — and, when no data arrives,
//! [`Coach::tick`] with the current session time so that it can notice a stalled sensor. Each
//! call may append [`CoachEvent`]s: every decision, with the reason in words, so a session can
//! be replayed and explained. The same inputs always give the same events.
//!
//! The rules, with the defaults of [`CoachConfig::default`]:
//! - **Baseline.** Given (`--baseline 168`), or `auto`: the runner's natural cadence, the median
//!   of the measured cadence over the first steady `warmup_s` (60 s) of continuous running, where
//!   "steady" means at least 80 % of the window lies within `tolerance_spm` of its median. During
//!   the warm-up the coach has no target ([`Coach::target_spm`] is `None`).
//! - **Target.** Starts at the baseline. The *cap* is `min(baseline · (1 + max_rise), ceiling)`
//!   (7.5 % and 200 spm); the target never exceeds it and never drops below the baseline.
//! - **Raise.** When the measured cadence has stayed within `tolerance_spm` (±3 spm) of the
//!   target for `hold_s` (60 s), the target rises by `step_spm` (2 spm), or less to land exactly
//!   on the cap, and the hold starts again at the new target. Excursions out of the zone shorter
//!   than `grace_s` (5 s) do not break a hold (a cadence estimate is noisy), but at least 80 %
//!   of the hold must be in the zone, or the hold starts again (a `Hold` saying so).
//! - **Hold and back off.** A runner below the zone for `hold_s` gets a `Hold` (the coach waits
//!   for them); below it for `miss_s` (120 s) the target steps back by `step_spm`, not below the
//!   baseline. A runner *above* the zone is neither holding nor missing: nothing happens.
//! - **Pause.** Walking (or a running cadence below `min_run_spm`, 140 spm) or stopping for
//!   `settle_s` (3 s) pauses the coach (not before the runner has first been seen running:
//!   until then the session simply has not started); running again for `settle_s` resumes it. Timers start
//!   afresh on resume. No observation for `stall_s` (3 s) is a sensor stall: the coach pauses
//!   and says so, with the event stamped at the moment the stall began plus `stall_s`, whether it
//!   is noticed by [`Coach::tick`] (live) or by the next observation's time gap (offline), so a
//!   live replay and an offline run of the same samples decide the same.
//!
//! The target moves by at most `step_spm` per decision: never a sudden jump.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

/// Where the coach's baseline comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Baseline {
    /// Measure the runner's natural cadence over the first steady warm-up window.
    Auto,
    /// A given baseline, steps per minute (e.g. from the last session's progress).
    Spm(f64),
}

impl FromStr for Baseline {
    type Err = CoachError;

    /// `auto` or a cadence in steps per minute, e.g. `168`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Baseline::Auto);
        }
        let spm = s
            .trim_end_matches("spm")
            .trim()
            .parse::<f64>()
            .map_err(|_| CoachError::Invalid {
                option: "baseline",
                value: s.to_string(),
                why: "expected `auto` or a cadence in steps per minute, e.g. 168",
            })?;
        Ok(Baseline::Spm(spm))
    }
}

impl fmt::Display for Baseline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Baseline::Auto => f.write_str("auto"),
            Baseline::Spm(spm) => write!(f, "{spm}"),
        }
    }
}

/// A coach option that makes no sense.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoachError {
    /// An option is out of range or does not parse.
    #[error("coach option --{option} = {value}: {why}")]
    Invalid {
        /// The option's name as on the command line, e.g. `step`.
        option: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
}

/// Settings of the coach. All times are seconds on the session clock, cadences steps per minute.
#[derive(Clone, Debug, PartialEq)]
pub struct CoachConfig {
    /// Where the baseline comes from (default: auto).
    pub baseline: Baseline,
    /// Size of one raise or back-off, spm (default 2).
    pub step_spm: f64,
    /// Time within tolerance of the target before a raise, and below it before a hold, s
    /// (default 60).
    pub hold_s: f64,
    /// Half-width of the zone around the target, spm (default 3).
    pub tolerance_spm: f64,
    /// Cap above the baseline as a fraction (default 0.075, i.e. 7.5 %).
    pub max_rise: f64,
    /// Absolute highest target, spm (default 200).
    pub ceiling_spm: f64,
    /// Length of the steady window that sets an automatic baseline, s (default 60).
    pub warmup_s: f64,
    /// Time continuously below the zone before the target steps back, s (default 120).
    pub miss_s: f64,
    /// Out-of-zone excursions shorter than this do not break a hold, s (default 5).
    pub grace_s: f64,
    /// How long walking/stopping (or running again) must last before a pause (or resume), s
    /// (default 3).
    pub settle_s: f64,
    /// No observation for this long is a sensor stall, s (default 3).
    pub stall_s: f64,
    /// A measured cadence below this is walking, whatever the detector says, spm (default 140).
    pub min_run_spm: f64,
}

impl Default for CoachConfig {
    fn default() -> Self {
        Self {
            baseline: Baseline::Auto,
            step_spm: 2.0,
            hold_s: 60.0,
            tolerance_spm: 3.0,
            max_rise: 0.075,
            ceiling_spm: 200.0,
            warmup_s: 60.0,
            miss_s: 120.0,
            grace_s: 5.0,
            settle_s: 3.0,
            stall_s: 3.0,
            min_run_spm: 140.0,
        }
    }
}

impl CoachConfig {
    /// Check every option, naming the first that makes no sense.
    pub fn validate(&self) -> Result<(), CoachError> {
        fn bad(option: &'static str, value: f64, why: &'static str) -> CoachError {
            CoachError::Invalid {
                option,
                value: format!("{value}"),
                why,
            }
        }
        if let Baseline::Spm(b) = self.baseline {
            if !(b.is_finite() && (100.0..=250.0).contains(&b)) {
                return Err(bad("baseline", b, "a running cadence is 100–250 spm"));
            }
        }
        let positive = [
            ("step", self.step_spm),
            ("hold", self.hold_s),
            ("tolerance", self.tolerance_spm),
            ("warmup", self.warmup_s),
            ("miss", self.miss_s),
            ("stall", self.stall_s),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(bad(name, v, "must be a number greater than 0"));
            }
        }
        let non_negative = [("grace", self.grace_s), ("settle", self.settle_s)];
        for (name, v) in non_negative {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(name, v, "must be a number of seconds, 0 or more"));
            }
        }
        if self.step_spm > 10.0 {
            return Err(bad("step", self.step_spm, "at most 10 spm per raise"));
        }
        if !(self.max_rise.is_finite() && (0.0..=0.3).contains(&self.max_rise)) {
            return Err(bad(
                "max-rise",
                self.max_rise * 100.0,
                "a rise of 0–30 % (studies use 5–10 %)",
            ));
        }
        if !(self.ceiling_spm.is_finite() && (100.0..=300.0).contains(&self.ceiling_spm)) {
            return Err(bad("ceiling", self.ceiling_spm, "must be 100–300 spm"));
        }
        if !(self.min_run_spm.is_finite() && self.min_run_spm >= 0.0) {
            return Err(bad("min-run", self.min_run_spm, "must be 0 spm or more"));
        }
        Ok(())
    }
}

/// What the runner is doing, as the caller's detector sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Motion {
    /// Running (steps at running cadence).
    Run,
    /// Walking.
    Walk,
    /// No steps.
    Stop,
}

impl Motion {
    /// Lower-case name, as in session files.
    pub fn as_str(self) -> &'static str {
        match self {
            Motion::Run => "run",
            Motion::Walk => "walk",
            Motion::Stop => "stop",
        }
    }
}

/// One measurement fed to the coach.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    /// Seconds on the session clock.
    pub t_s: f64,
    /// Current measured cadence, spm; `None` while unknown (e.g. no recent steps).
    pub cadence_spm: Option<f64>,
    /// Running, walking or stopped.
    pub motion: Motion,
}

/// Why the coach paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PauseCause {
    /// The runner is walking.
    Walk,
    /// The runner stopped (no steps).
    Stop,
    /// No sensor data arrives.
    Stall,
}

impl PauseCause {
    /// Lower-case name, as in session files.
    pub fn as_str(self) -> &'static str {
        match self {
            PauseCause::Walk => "walk",
            PauseCause::Stop => "stop",
            PauseCause::Stall => "stall",
        }
    }
}

/// Why the coach holds the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldWhy {
    /// The runner has been below the zone for a hold time: wait for them.
    NotFollowing,
    /// The target is at the cap (or the ceiling): no more raises this session.
    AtCap,
    /// A hold time passed but less than 80 % of it was in the zone: the hold starts again.
    NotSteady,
}

/// A decision of the coach.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// The baseline is known; the target starts there.
    BaselineSet {
        /// The baseline, spm.
        baseline_spm: f64,
        /// The highest target of this session, spm.
        cap_spm: f64,
    },
    /// The target rises.
    Raise {
        /// Target before, spm.
        from_spm: f64,
        /// Target after, spm.
        to_spm: f64,
    },
    /// The target stays where it is.
    Hold {
        /// The target, spm.
        target_spm: f64,
        /// Why.
        why: HoldWhy,
    },
    /// The target steps back.
    BackOff {
        /// Target before, spm.
        from_spm: f64,
        /// Target after, spm.
        to_spm: f64,
    },
    /// The coach pauses (timers stop; the target stays).
    Pause {
        /// Why.
        cause: PauseCause,
    },
    /// The coach resumes after a pause.
    Resume,
}

impl Decision {
    /// Short name: `baseline`, `raise`, `hold`, `back_off`, `pause`, `resume`.
    pub fn name(&self) -> &'static str {
        match self {
            Decision::BaselineSet { .. } => "baseline",
            Decision::Raise { .. } => "raise",
            Decision::Hold { .. } => "hold",
            Decision::BackOff { .. } => "back_off",
            Decision::Pause { .. } => "pause",
            Decision::Resume => "resume",
        }
    }

    /// The target this decision sets, if it sets one.
    pub fn new_target_spm(&self) -> Option<f64> {
        match *self {
            Decision::BaselineSet { baseline_spm, .. } => Some(baseline_spm),
            Decision::Raise { to_spm, .. } | Decision::BackOff { to_spm, .. } => Some(to_spm),
            _ => None,
        }
    }
}

/// One decision with its time and reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoachEvent {
    /// Seconds on the session clock.
    pub t_s: f64,
    /// What was decided.
    pub decision: Decision,
    /// Why, in words, e.g. `held 172±3 spm for 60 s`.
    pub reason: String,
}

impl fmt::Display for CoachEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.decision {
            Decision::BaselineSet {
                baseline_spm,
                cap_spm,
            } => format!("baseline {baseline_spm:.0} spm (cap {cap_spm:.1})"),
            Decision::Raise { from_spm, to_spm } => {
                format!("raise {from_spm:.1} → {to_spm:.1} spm")
            }
            Decision::Hold { target_spm, .. } => format!("hold {target_spm:.1} spm"),
            Decision::BackOff { from_spm, to_spm } => {
                format!("back off {from_spm:.1} → {to_spm:.1} spm")
            }
            Decision::Pause { cause } => format!("pause ({})", cause.as_str()),
            Decision::Resume => "resume".to_string(),
        };
        write!(f, "{:>7.1} s  {what}: {}", self.t_s, self.reason)
    }
}

/// Where the measured cadence is relative to the target's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// More than the tolerance below the target.
    Below,
    /// Within the tolerance.
    In,
    /// More than the tolerance above the target.
    Above,
}

/// A snapshot of the coach for displays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CoachStatus {
    /// Current target, spm (`None` during an automatic warm-up).
    pub target_spm: Option<f64>,
    /// Baseline, once known.
    pub baseline_spm: Option<f64>,
    /// Highest target of the session, once the baseline is known.
    pub cap_spm: Option<f64>,
    /// Last measured cadence, spm.
    pub cadence_spm: Option<f64>,
    /// Zone of the last measured cadence (`None` without a target or a cadence).
    pub zone: Option<Zone>,
    /// Why the coach is paused, if it is.
    pub paused: Option<PauseCause>,
    /// Seconds of steady running still needed to set an automatic baseline.
    pub warmup_left_s: Option<f64>,
    /// Seconds in the zone still needed before the next raise (`None` when out of the zone,
    /// paused, warming up or at the cap).
    pub next_raise_in_s: Option<f64>,
}

/// Minimum spacing of the cadence values kept for the warm-up median, s.
const WARMUP_THIN_S: f64 = 0.25;
/// Share of the warm-up window that must lie within the tolerance of its median.
const STEADY_SHARE: f64 = 0.8;
/// Slack for comparing cadences (floating-point sums of steps).
const EPS: f64 = 1e-9;

/// The adaptive coach. See the module documentation for the rules.
#[derive(Clone, Debug)]
pub struct Coach {
    cfg: CoachConfig,
    baseline_spm: Option<f64>,
    cap_spm: Option<f64>,
    target_spm: Option<f64>,
    /// `BaselineSet` of a given baseline still has to be announced (at the first observation).
    announce_given: bool,
    /// Last observation's time.
    last_t_s: Option<f64>,
    last_cadence_spm: Option<f64>,
    last_motion: Option<Motion>,
    /// The runner has been seen running at least once (before that, not running is not a
    /// break: the session has not started).
    seen_run: bool,
    paused: Option<PauseCause>,
    /// Since when the runner has not been running (while not paused).
    off_since_s: Option<f64>,
    /// Since when the runner has been running (while paused).
    run_since_s: Option<f64>,
    /// Warm-up: thinned (time, cadence) over the last `warmup_s` of continuous running.
    warm: VecDeque<(f64, f64)>,
    warm_since_s: Option<f64>,
    /// Since when the runner has been in the zone (surviving short excursions).
    zone_since_s: Option<f64>,
    /// Time out of the zone since `zone_since_s` (short excursions), s.
    hold_out_s: f64,
    /// Since when the current out-of-zone excursion lasts.
    out_since_s: Option<f64>,
    /// Since when the runner has been below the zone.
    miss_since_s: Option<f64>,
    /// A `Hold{NotFollowing}` was announced for the current miss.
    hold_announced: bool,
    /// A `Hold{AtCap}` was announced since the target last moved.
    cap_announced: bool,
    /// Observations ignored because their time was not finite or went backwards.
    ignored: u64,
}

impl Coach {
    /// A coach with these settings, checked.
    pub fn new(cfg: CoachConfig) -> Result<Self, CoachError> {
        cfg.validate()?;
        let mut coach = Self {
            cfg,
            baseline_spm: None,
            cap_spm: None,
            target_spm: None,
            announce_given: false,
            last_t_s: None,
            last_cadence_spm: None,
            last_motion: None,
            seen_run: false,
            paused: None,
            off_since_s: None,
            run_since_s: None,
            warm: VecDeque::new(),
            warm_since_s: None,
            zone_since_s: None,
            hold_out_s: 0.0,
            out_since_s: None,
            miss_since_s: None,
            hold_announced: false,
            cap_announced: false,
            ignored: 0,
        };
        if let Baseline::Spm(b) = coach.cfg.baseline {
            coach.set_baseline(b);
            coach.announce_given = true;
        }
        Ok(coach)
    }

    /// The settings.
    pub fn config(&self) -> &CoachConfig {
        &self.cfg
    }

    /// The current target, spm; `None` while an automatic baseline is being measured.
    pub fn target_spm(&self) -> Option<f64> {
        self.target_spm
    }

    /// The baseline, once known.
    pub fn baseline_spm(&self) -> Option<f64> {
        self.baseline_spm
    }

    /// The highest target of the session, once the baseline is known.
    pub fn cap_spm(&self) -> Option<f64> {
        self.cap_spm
    }

    /// Why the coach is paused, if it is.
    pub fn paused(&self) -> Option<PauseCause> {
        self.paused
    }

    /// Observations ignored because their time was not finite or went backwards.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    fn set_baseline(&mut self, baseline: f64) {
        let cap = (baseline * (1.0 + self.cfg.max_rise)).min(self.cfg.ceiling_spm);
        let target = baseline.min(self.cfg.ceiling_spm);
        self.baseline_spm = Some(baseline);
        self.cap_spm = Some(cap.max(target));
        self.target_spm = Some(target);
    }

    fn emit(out: &mut Vec<CoachEvent>, t_s: f64, decision: Decision, reason: String) {
        out.push(CoachEvent {
            t_s,
            decision,
            reason,
        });
    }

    /// Time passes without data (call it on a timer when the sensor is silent); `now_s` is
    /// seconds on the session clock. Only notices a sensor stall: a stall is stamped at the
    /// last observation plus `stall_s`, so the event is the same whenever the tick comes.
    pub fn tick(&mut self, now_s: f64, out: &mut Vec<CoachEvent>) {
        if let Some(last) = self.last_t_s {
            if now_s.is_finite() && now_s - last >= self.cfg.stall_s {
                self.stall(last, out);
            }
        }
    }

    fn stall(&mut self, last_s: f64, out: &mut Vec<CoachEvent>) {
        if self.paused == Some(PauseCause::Stall) {
            return;
        }
        self.pause(last_s + self.cfg.stall_s, PauseCause::Stall, out);
    }

    fn pause(&mut self, t_s: f64, cause: PauseCause, out: &mut Vec<CoachEvent>) {
        let reason = match cause {
            PauseCause::Stall => format!(
                "no sensor data for {:.0} s: sensor stalled, click keeps going",
                self.cfg.stall_s
            ),
            PauseCause::Walk => match self.last_cadence_spm {
                Some(c) => format!(
                    "walking ({c:.0} spm) for {:.0} s: coach paused, target kept",
                    self.cfg.settle_s
                ),
                None => format!(
                    "walking for {:.0} s: coach paused, target kept",
                    self.cfg.settle_s
                ),
            },
            PauseCause::Stop => format!(
                "no steps for {:.0} s: coach paused, target kept",
                self.cfg.settle_s
            ),
        };
        self.paused = Some(cause);
        self.off_since_s = None;
        self.run_since_s = None;
        self.reset_timers();
        Self::emit(out, t_s, Decision::Pause { cause }, reason);
    }

    fn reset_timers(&mut self) {
        self.restart_hold(None);
        self.out_since_s = None;
        self.miss_since_s = None;
        self.hold_announced = false;
        self.warm.clear();
        self.warm_since_s = None;
    }

    /// Feed one measurement. Observations must come in time order; one whose time is not
    /// finite or goes backwards is ignored and counted ([`Coach::ignored`]).
    pub fn observe(&mut self, obs: &Observation, out: &mut Vec<CoachEvent>) {
        let t = obs.t_s;
        if !t.is_finite() || self.last_t_s.is_some_and(|last| t < last) {
            self.ignored += 1;
            return;
        }
        if let Some(last) = self.last_t_s {
            if t - last >= self.cfg.stall_s {
                self.stall(last, out);
            }
        }
        if self.announce_given {
            self.announce_given = false;
            let (b, cap) = (
                self.baseline_spm.unwrap_or(0.0),
                self.cap_spm.unwrap_or(0.0),
            );
            let reason = format!(
                "given baseline {b:.0} spm; cap {cap:.1} spm ({:.1} % rise, ceiling {:.0})",
                self.cfg.max_rise * 100.0,
                self.cfg.ceiling_spm
            );
            Self::emit(
                out,
                t,
                Decision::BaselineSet {
                    baseline_spm: b,
                    cap_spm: cap,
                },
                reason,
            );
        }
        let dt = self
            .last_t_s
            .map_or(0.0, |last| (t - last).min(self.cfg.stall_s));
        self.last_t_s = Some(t);
        let cadence = obs.cadence_spm.filter(|c| c.is_finite() && *c > 0.0);
        self.last_cadence_spm = cadence;
        let motion = match (obs.motion, cadence) {
            (Motion::Stop, _) | (_, None) => Motion::Stop,
            (Motion::Walk, _) => Motion::Walk,
            (Motion::Run, Some(c)) if c < self.cfg.min_run_spm => Motion::Walk,
            (Motion::Run, Some(_)) => Motion::Run,
        };
        self.last_motion = Some(motion);
        if motion == Motion::Run {
            self.seen_run = true;
        } else if !self.seen_run && self.paused.is_none() {
            // Still waiting for the first running steps: nothing to pause.
            return;
        }

        if let Some(cause) = self.paused {
            self.while_paused(t, cause, motion, cadence, out);
            return;
        }
        if motion != Motion::Run {
            let since = *self.off_since_s.get_or_insert(t);
            // Not running: no hold time accrues, and the warm-up window starts again.
            self.restart_hold(None);
            self.warm.clear();
            self.warm_since_s = None;
            if t - since >= self.cfg.settle_s {
                let cause = if motion == Motion::Walk {
                    PauseCause::Walk
                } else {
                    PauseCause::Stop
                };
                self.pause(t, cause, out);
            }
            return;
        }
        self.off_since_s = None;
        let Some(c) = cadence else { return };
        match self.target_spm {
            None => self.warm_up(t, c, out),
            Some(target) => self.coach(t, dt, c, target, out),
        }
    }

    fn while_paused(
        &mut self,
        t: f64,
        cause: PauseCause,
        motion: Motion,
        cadence: Option<f64>,
        out: &mut Vec<CoachEvent>,
    ) {
        if motion != Motion::Run {
            self.run_since_s = None;
            if cause == PauseCause::Stall {
                // The sensor is back but the runner is not running: say what they are doing.
                let now_cause = if motion == Motion::Walk {
                    PauseCause::Walk
                } else {
                    PauseCause::Stop
                };
                self.paused = Some(now_cause);
                let reason = format!(
                    "sensor back; runner {}: coach stays paused",
                    if motion == Motion::Walk {
                        "walking"
                    } else {
                        "not stepping"
                    }
                );
                Self::emit(out, t, Decision::Pause { cause: now_cause }, reason);
            }
            return;
        }
        let since = *self.run_since_s.get_or_insert(t);
        if t - since >= self.cfg.settle_s {
            self.paused = None;
            self.run_since_s = None;
            let c = cadence.unwrap_or(0.0);
            let reason = match (cause, self.target_spm) {
                (PauseCause::Stall, Some(tg)) => {
                    format!("sensor back, running at {c:.0} spm; target {tg:.1} spm")
                }
                (_, Some(tg)) => format!(
                    "running again at {c:.0} spm for {:.0} s; target {tg:.1} spm",
                    self.cfg.settle_s
                ),
                (_, None) => format!("running again at {c:.0} spm; warm-up starts over"),
            };
            Self::emit(out, t, Decision::Resume, reason);
        }
    }

    fn warm_up(&mut self, t: f64, c: f64, out: &mut Vec<CoachEvent>) {
        let since = *self.warm_since_s.get_or_insert(t);
        if self
            .warm
            .back()
            .is_none_or(|&(last, _)| t - last >= WARMUP_THIN_S)
        {
            self.warm.push_back((t, c));
        }
        while self
            .warm
            .front()
            .is_some_and(|&(t0, _)| t0 < t - self.cfg.warmup_s)
        {
            self.warm.pop_front();
        }
        if t - since < self.cfg.warmup_s || self.warm.is_empty() {
            return;
        }
        let mut values: Vec<f64> = self.warm.iter().map(|&(_, c)| c).collect();
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            0.5 * (values[n / 2 - 1] + values[n / 2])
        };
        let within = values
            .iter()
            .filter(|&&v| (v - median).abs() <= self.cfg.tolerance_spm)
            .count();
        let share = within as f64 / n as f64;
        if share < STEADY_SHARE {
            return;
        }
        let baseline = median.round();
        self.set_baseline(baseline);
        self.warm.clear();
        self.warm_since_s = None;
        let cap = self.cap_spm.unwrap_or(baseline);
        let reason = format!(
            "steady {baseline:.0} spm over {:.0} s ({:.0} % within ±{:.0}); cap {cap:.1} spm",
            self.cfg.warmup_s,
            share * 100.0,
            self.cfg.tolerance_spm
        );
        Self::emit(
            out,
            t,
            Decision::BaselineSet {
                baseline_spm: baseline,
                cap_spm: cap,
            },
            reason,
        );
        // The runner is at the baseline now: the first hold starts here.
        self.restart_hold(Some(t));
    }

    fn restart_hold(&mut self, at: Option<f64>) {
        self.zone_since_s = at;
        self.hold_out_s = 0.0;
    }

    fn coach(&mut self, t: f64, dt: f64, c: f64, target: f64, out: &mut Vec<CoachEvent>) {
        let tol = self.cfg.tolerance_spm;
        let cap = self.cap_spm.unwrap_or(target);
        let baseline = self.baseline_spm.unwrap_or(target);
        let diff = c - target;
        if diff.abs() <= tol + EPS {
            self.out_since_s = None;
            self.miss_since_s = None;
            self.hold_announced = false;
            if self.zone_since_s.is_none() {
                self.restart_hold(Some(t));
            }
            let since = self.zone_since_s.unwrap_or(t);
            let held = t - since;
            if held < self.cfg.hold_s {
                return;
            }
            let share_in = 1.0 - self.hold_out_s / held;
            if share_in < STEADY_SHARE {
                // In the zone now, but not for most of the hold: it starts again.
                self.restart_hold(Some(t));
                let reason = format!(
                    "only {:.0} % of the last {held:.0} s within {target:.1}±{tol:.0} spm \
                     ({:.0} % needed): the hold starts again",
                    share_in * 100.0,
                    STEADY_SHARE * 100.0
                );
                Self::emit(
                    out,
                    t,
                    Decision::Hold {
                        target_spm: target,
                        why: HoldWhy::NotSteady,
                    },
                    reason,
                );
                return;
            }
            if target < cap - EPS {
                let to = (target + self.cfg.step_spm).min(cap);
                let reason = format!(
                    "held {target:.1}±{tol:.0} spm for {held:.0} s ({:.0} % in the zone)",
                    share_in * 100.0
                );
                self.target_spm = Some(to);
                self.restart_hold(Some(t));
                self.cap_announced = false;
                Self::emit(
                    out,
                    t,
                    Decision::Raise {
                        from_spm: target,
                        to_spm: to,
                    },
                    reason,
                );
            } else if !self.cap_announced {
                self.cap_announced = true;
                let which = if cap >= self.cfg.ceiling_spm - EPS {
                    format!("the ceiling {:.0} spm", self.cfg.ceiling_spm)
                } else {
                    format!(
                        "the cap {cap:.1} spm (baseline {baseline:.0} + {:.1} %)",
                        self.cfg.max_rise * 100.0
                    )
                };
                let reason = format!(
                    "held {target:.1}±{tol:.0} spm for {:.0} s but at {which}: no more raises",
                    t - since
                );
                Self::emit(
                    out,
                    t,
                    Decision::Hold {
                        target_spm: target,
                        why: HoldWhy::AtCap,
                    },
                    reason,
                );
            }
            return;
        }
        // Out of the zone: a short excursion keeps the hold alive (its time counted against
        // the hold), a long one ends it.
        let out_since = *self.out_since_s.get_or_insert(t);
        if self.zone_since_s.is_some() {
            self.hold_out_s += dt;
        }
        if t - out_since >= self.cfg.grace_s {
            self.restart_hold(None);
        }
        if diff > 0.0 {
            // Faster than the click: not struggling, not settled at the target either.
            self.miss_since_s = None;
            self.hold_announced = false;
            return;
        }
        let miss_since = *self.miss_since_s.get_or_insert(t);
        let missed = t - miss_since;
        if missed >= self.cfg.miss_s && target > baseline + EPS {
            let to = (target - self.cfg.step_spm).max(baseline);
            let reason = format!(
                "measured {c:.0} spm, below {target:.1}±{tol:.0} for {missed:.0} s: stepping back"
            );
            self.target_spm = Some(to);
            self.miss_since_s = Some(t);
            self.restart_hold(None);
            self.hold_announced = false;
            self.cap_announced = false;
            Self::emit(
                out,
                t,
                Decision::BackOff {
                    from_spm: target,
                    to_spm: to,
                },
                reason,
            );
        } else if missed >= self.cfg.hold_s && !self.hold_announced {
            self.hold_announced = true;
            let reason = format!(
                "measured {c:.0} spm, below {target:.1}±{tol:.0} for {missed:.0} s: holding"
            );
            Self::emit(
                out,
                t,
                Decision::Hold {
                    target_spm: target,
                    why: HoldWhy::NotFollowing,
                },
                reason,
            );
        }
    }

    /// A snapshot for displays, at `now_s` on the session clock.
    pub fn status(&self, now_s: f64) -> CoachStatus {
        let zone = match (self.target_spm, self.last_cadence_spm) {
            (Some(tg), Some(c)) if self.last_motion == Some(Motion::Run) => {
                let d = c - tg;
                Some(if d.abs() <= self.cfg.tolerance_spm + EPS {
                    Zone::In
                } else if d < 0.0 {
                    Zone::Below
                } else {
                    Zone::Above
                })
            }
            _ => None,
        };
        let warmup_left_s = match (self.target_spm, self.paused) {
            (None, None) => Some(match self.warm_since_s {
                Some(s) => (self.cfg.warmup_s - (now_s - s)).max(0.0),
                None => self.cfg.warmup_s,
            }),
            _ => None,
        };
        let next_raise_in_s = match (self.paused, self.target_spm, self.cap_spm, zone) {
            (None, Some(tg), Some(cap), Some(Zone::In)) if tg < cap - EPS => self
                .zone_since_s
                .map(|s| (self.cfg.hold_s - (now_s - s)).max(0.0)),
            _ => None,
        };
        CoachStatus {
            target_spm: self.target_spm,
            baseline_spm: self.baseline_spm,
            cap_spm: self.cap_spm,
            cadence_spm: self.last_cadence_spm,
            zone,
            paused: self.paused,
            warmup_left_s,
            next_raise_in_s,
        }
    }
}
