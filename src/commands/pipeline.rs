//! The measuring and coaching pipeline, pure: samples → steps → cadence → coach decisions.
//!
//! Split in the two halves that run on two threads live, and back to back offline:
//! - [`StepStage`] (the source thread): the causal step detector.
//! - [`CoachStage`] (the coach thread): the cadence estimate, the coach, and what the recorder
//!   keeps (steps with their cadence, a cadence record every second, decisions).
//!
//! [`run_offline`] is `analyze --coach`: both halves on one thread at full speed. Because the
//! halves exchange nothing but the sample, the steps it made certain and the detector's period,
//! a live replay of the same samples makes exactly the same decisions (tested below).

use stridebeat::gait::{
    AccelSample, CadenceEstimator, DetectorConfig, LiveDetector, Motion as GaitMotion, StepEvent,
};
use stridebeat::source::session::{CadenceRecord, StepRecord};
use stridebeat::tempo::coach::{Coach, CoachEvent, Motion, Observation};

/// How often a cadence record is kept, seconds on the session clock.
pub const CADENCE_EVERY_S: f64 = 1.0;

/// One sample as it leaves the step stage: the sample, the steps it made certain, and the
/// detector's current step period.
#[derive(Clone, Debug, PartialEq)]
pub struct Detected {
    /// The sample, session clock.
    pub sample: AccelSample,
    /// Steps this sample made certain (usually none or one).
    pub steps: Vec<StepEvent>,
    /// Step period from the signal's periodicity, seconds.
    pub period_s: Option<f64>,
}

/// The source thread's half: the live step detector.
#[derive(Clone, Debug)]
pub struct StepStage {
    detector: LiveDetector,
}

impl Default for StepStage {
    fn default() -> Self {
        Self {
            detector: LiveDetector::new(DetectorConfig::default()),
        }
    }
}

impl StepStage {
    /// Push one sample; the steps it made certain and the current period.
    pub fn push(&mut self, sample: &AccelSample) -> Detected {
        let steps = self.detector.push(sample).to_vec();
        Detected {
            sample: *sample,
            steps,
            period_s: self.detector.period_s(),
        }
    }
}

/// What one sample produced on the coach side (cleared by the caller).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StageOut {
    /// Steps, with the cadence right after each.
    pub steps: Vec<StepRecord>,
    /// Cadence records (one per [`CADENCE_EVERY_S`]).
    pub cadence: Vec<CadenceRecord>,
    /// Coach decisions.
    pub events: Vec<CoachEvent>,
}

impl StageOut {
    /// Empty all lists, keeping their capacity.
    pub fn clear(&mut self) {
        self.steps.clear();
        self.cadence.clear();
        self.events.clear();
    }
}

/// The coach thread's half: cadence estimate and (with `--adapt`) the coach.
#[derive(Clone, Debug)]
pub struct CoachStage {
    cadence: CadenceEstimator,
    coach: Option<Coach>,
    next_cadence_s: f64,
    last: Option<(f64, Option<f64>, Motion)>,
}

impl CoachStage {
    /// A stage measuring only (`coach` = `None`) or coaching too.
    pub fn new(coach: Option<Coach>) -> Self {
        let run_from = coach.as_ref().map_or(145.0, |c| c.config().min_run_spm);
        Self {
            cadence: CadenceEstimator::new(run_from),
            coach,
            next_cadence_s: 0.0,
            last: None,
        }
    }

    /// The coach, if coaching.
    pub fn coach(&self) -> Option<&Coach> {
        self.coach.as_ref()
    }

    /// The last measurement: time, cadence (spm) and activity.
    pub fn last(&self) -> Option<(f64, Option<f64>, Motion)> {
        self.last
    }

    /// Take one detected sample.
    pub fn push(&mut self, d: &Detected, out: &mut StageOut) {
        let t = d.sample.t_s;
        for step in &d.steps {
            self.cadence.on_step(step);
            out.steps.push(StepRecord {
                t_s: step.t_s,
                cadence_spm: self.cadence.cadence_spm_checked(t, d.period_s),
            });
        }
        let spm = self.cadence.cadence_spm_checked(t, d.period_s);
        let motion = match self.cadence.motion(t) {
            GaitMotion::Run => Motion::Run,
            GaitMotion::Walk => Motion::Walk,
            GaitMotion::Stopped => Motion::Stop,
        };
        self.last = Some((t, spm, motion));
        if t >= self.next_cadence_s {
            out.cadence.push(CadenceRecord {
                t_s: t,
                spm,
                motion,
            });
            self.next_cadence_s = (t / CADENCE_EVERY_S).floor() * CADENCE_EVERY_S + CADENCE_EVERY_S;
        }
        if let Some(coach) = self.coach.as_mut() {
            coach.observe(
                &Observation {
                    t_s: t,
                    cadence_spm: spm,
                    motion,
                },
                &mut out.events,
            );
        }
    }

    /// No data for a while (live only): lets the coach notice a stalled sensor.
    pub fn tick(&mut self, now_s: f64, out: &mut StageOut) {
        if let Some(coach) = self.coach.as_mut() {
            coach.tick(now_s, &mut out.events);
        }
    }
}

/// Everything an offline run found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OfflineRun {
    /// Steps with cadence.
    pub steps: Vec<StepRecord>,
    /// Cadence once a second.
    pub cadence: Vec<CadenceRecord>,
    /// Coach decisions.
    pub events: Vec<CoachEvent>,
    /// Target when the recording ended.
    pub final_target_spm: Option<f64>,
}

/// `analyze --coach`: the same two stages back to back over a whole recording.
pub fn run_offline(samples: &[AccelSample], coach: Option<Coach>) -> OfflineRun {
    let mut steps = StepStage::default();
    let mut stage = CoachStage::new(coach);
    let mut out = StageOut::default();
    let mut run = OfflineRun::default();
    for s in samples {
        let d = steps.push(s);
        stage.push(&d, &mut out);
        run.steps.append(&mut out.steps);
        run.cadence.append(&mut out.cadence);
        run.events.append(&mut out.events);
    }
    run.final_target_spm = stage.coach().and_then(|c| c.target_spm());
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::bounded;
    use stridebeat::tempo::coach::{CoachConfig, Decision};

    /// A synthetic run: vertical bounce at the step rate, with the rate drifting up, a walk
    /// break and a sensor gap, 100 Hz.
    fn synthetic_run(seconds: f64) -> Vec<AccelSample> {
        let mut out = Vec::new();
        let mut phase = 0.0f64;
        let dt = 0.01;
        let mut t = 0.0;
        while t < seconds {
            let spm = if (300.0..340.0).contains(&t) {
                110.0
            } else {
                166.0 + (t / 90.0).floor() * 2.0
            };
            phase += 2.0 * std::f64::consts::PI * spm / 60.0 * dt;
            let bounce = (phase.sin() * 6.0) as f32;
            if !(500.0..505.0).contains(&t) {
                out.push(AccelSample {
                    t_s: t,
                    acc: [0.3, 9.81 + bounce, 0.1],
                });
            }
            t += dt;
        }
        out
    }

    fn coach() -> Coach {
        Coach::new(CoachConfig {
            hold_s: 30.0,
            warmup_s: 30.0,
            ..CoachConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn live_threads_and_offline_decide_identically() {
        let samples = synthetic_run(700.0);
        let offline = run_offline(&samples, Some(coach()));
        let names: Vec<_> = offline.events.iter().map(|e| e.decision.name()).collect();
        assert!(names.contains(&"baseline"), "{names:?}");
        assert!(names.contains(&"raise"), "{names:?}");
        assert!(names.contains(&"pause"), "{names:?}");

        // Live: the step stage on one thread, the coach stage on another, a bounded channel
        // between them, and ticks from the coach thread whenever it waits.
        let (tx, rx) = bounded::<Detected>(64);
        let feeder = {
            let samples = samples.clone();
            std::thread::spawn(move || {
                let mut stage = StepStage::default();
                for s in &samples {
                    tx.send(stage.push(s)).unwrap();
                }
            })
        };
        let mut stage = CoachStage::new(Some(coach()));
        let mut out = StageOut::default();
        let mut live_events = Vec::new();
        let mut live_steps = Vec::new();
        let mut last_t = 0.0;
        loop {
            match rx.recv_timeout(std::time::Duration::from_micros(50)) {
                Ok(d) => {
                    last_t = d.sample.t_s;
                    stage.push(&d, &mut out);
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    // The session clock does not move while we wait for a fast feeder.
                    stage.tick(last_t + 0.001, &mut out);
                }
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            }
            live_events.append(&mut out.events);
            live_steps.append(&mut out.steps);
        }
        feeder.join().unwrap();
        assert_eq!(live_events, offline.events);
        assert_eq!(live_steps, offline.steps);
        let stall = offline
            .events
            .iter()
            .find(|e| matches!(e.decision, Decision::Pause { cause } if cause.as_str() == "stall"));
        assert!(
            stall.is_some(),
            "the 5 s hole is a stall: {:?}",
            offline.events
        );
    }
}
