//! The coach as a specification: warm-up and baseline, hold, raise, cap, ceiling, back-off,
//! pause and resume, sensor stall, determinism. Every test drives the pure [`Coach`] with
//! synthetic observations on the session clock; no threads, no clock, no I/O.

use proptest::prelude::*;
use stridebeat::tempo::coach::{
    Baseline, Coach, CoachConfig, CoachEvent, Decision, HoldWhy, Motion, Observation, PauseCause,
};

/// Feeds observations every `dt` seconds in `[from, to)`, cadence from `f(t)`.
fn feed(
    coach: &mut Coach,
    from: f64,
    to: f64,
    dt: f64,
    mut f: impl FnMut(f64) -> (Option<f64>, Motion),
) -> Vec<CoachEvent> {
    let mut out = Vec::new();
    let n = ((to - from) / dt).round() as usize;
    for i in 0..n {
        let t = from + i as f64 * dt;
        let (cadence_spm, motion) = f(t);
        coach.observe(
            &Observation {
                t_s: t,
                cadence_spm,
                motion,
            },
            &mut out,
        );
    }
    out
}

fn run(spm: f64) -> impl FnMut(f64) -> (Option<f64>, Motion) {
    move |_| (Some(spm), Motion::Run)
}

/// Deterministic jitter in [-a, a] (a small LCG), so tests see noisy but repeatable cadences.
fn jitter(a: f64) -> impl FnMut() -> f64 {
    let mut s: u64 = 0x2545_F491_4F6C_DD1D;
    move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * a
    }
}

fn given(baseline: f64) -> Coach {
    Coach::new(CoachConfig {
        baseline: Baseline::Spm(baseline),
        ..CoachConfig::default()
    })
    .unwrap()
}

fn kinds(events: &[CoachEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.decision.name()).collect()
}

/// The runner follows the click exactly: observations every 0.5 s from 0 until `until_s`, each
/// at the coach's current target while running; `check` sees the coach after each one.
fn follow_the_click(
    coach: &mut Coach,
    until_s: f64,
    mut check: impl FnMut(&Coach),
) -> Vec<CoachEvent> {
    let mut events = Vec::new();
    let mut t = 0.0;
    while t < until_s {
        let target = coach.target_spm().unwrap();
        coach.observe(
            &Observation {
                t_s: t,
                cadence_spm: Some(target),
                motion: Motion::Run,
            },
            &mut events,
        );
        check(coach);
        t += 0.5;
    }
    events
}

#[test]
fn auto_baseline_is_the_steady_median_after_the_warm_up_window() {
    let mut coach = Coach::new(CoachConfig::default()).unwrap();
    let mut j = jitter(1.5);
    let ev = feed(&mut coach, 0.0, 59.5, 0.5, |_| {
        (Some(168.0 + j()), Motion::Run)
    });
    assert!(ev.is_empty(), "no decision before 60 s of running: {ev:?}");
    assert_eq!(coach.target_spm(), None, "no target during the warm-up");
    let left = coach.status(59.0).warmup_left_s.unwrap();
    assert!((left - 1.0).abs() < 1e-9, "warm-up countdown {left}");

    let ev = feed(&mut coach, 59.5, 61.0, 0.5, |_| {
        (Some(168.0 + j()), Motion::Run)
    });
    assert_eq!(kinds(&ev), ["baseline"]);
    assert_eq!(ev[0].t_s, 60.0);
    match ev[0].decision {
        Decision::BaselineSet {
            baseline_spm,
            cap_spm,
        } => {
            assert_eq!(baseline_spm, 168.0);
            assert!((cap_spm - 168.0 * 1.075).abs() < 1e-9);
        }
        other => panic!("expected a baseline, got {other:?}"),
    }
    assert!(
        ev[0].reason.contains("steady 168 spm over 60 s"),
        "{}",
        ev[0].reason
    );
    assert_eq!(coach.target_spm(), Some(168.0));
}

#[test]
fn an_unsteady_warm_up_sets_no_baseline_until_the_runner_settles() {
    let mut coach = Coach::new(CoachConfig::default()).unwrap();
    // 90 s swinging between 158 and 178 spm: never 80 % within ±3 of the median.
    let ev = feed(&mut coach, 0.0, 90.0, 0.5, |t| {
        (
            Some(if (t * 2.0) as i64 % 2 == 0 {
                158.0
            } else {
                178.0
            }),
            Motion::Run,
        )
    });
    assert!(ev.is_empty(), "{ev:?}");
    // Then steady at 172: the window slides, and once 80 % of the last 60 s is steady the
    // baseline is set (after 48 s or more, certainly before 60 s more).
    let ev = feed(&mut coach, 90.0, 160.0, 0.5, run(172.0));
    assert_eq!(kinds(&ev), ["baseline"]);
    assert!(
        ev[0].t_s >= 90.0 + 47.0 && ev[0].t_s <= 150.0,
        "{}",
        ev[0].t_s
    );
    assert_eq!(coach.baseline_spm(), Some(172.0));
}

#[test]
fn a_walk_break_restarts_the_warm_up_window() {
    let mut coach = Coach::new(CoachConfig::default()).unwrap();
    let mut ev = feed(&mut coach, 0.0, 40.0, 0.5, run(170.0));
    ev.extend(feed(&mut coach, 40.0, 50.0, 0.5, |_| {
        (Some(115.0), Motion::Walk)
    }));
    ev.extend(feed(&mut coach, 50.0, 130.0, 0.5, run(170.0)));
    let baseline: Vec<_> = ev
        .iter()
        .filter(|e| matches!(e.decision, Decision::BaselineSet { .. }))
        .collect();
    assert_eq!(baseline.len(), 1);
    // Running again from 50 s; resumed after 3 s of running; 60 s more of running needed.
    assert!(baseline[0].t_s >= 110.0, "baseline at {}", baseline[0].t_s);
    assert!(
        kinds(&ev).starts_with(&["pause", "resume", "baseline"]),
        "{ev:?}"
    );
}

#[test]
fn a_given_baseline_is_the_first_target_and_is_announced_once() {
    let mut coach = given(170.0);
    assert_eq!(coach.target_spm(), Some(170.0));
    let ev = feed(&mut coach, 5.0, 10.0, 0.5, run(170.0));
    assert_eq!(kinds(&ev), ["baseline"]);
    assert_eq!(ev[0].t_s, 5.0, "announced at the first observation");
    assert!(
        ev[0].reason.contains("given baseline 170"),
        "{}",
        ev[0].reason
    );
}

#[test]
fn raise_comes_only_after_a_full_hold_in_the_zone() {
    let mut coach = given(170.0);
    let mut j = jitter(2.5);
    let ev = feed(&mut coach, 0.0, 60.0, 0.5, |_| {
        (Some(170.0 + j()), Motion::Run)
    });
    assert_eq!(kinds(&ev), ["baseline"], "no raise before 60 s held");
    let ev = feed(&mut coach, 60.0, 60.5, 0.5, |_| {
        (Some(170.0 + j()), Motion::Run)
    });
    assert_eq!(kinds(&ev), ["raise"]);
    assert_eq!(
        ev[0].decision,
        Decision::Raise {
            from_spm: 170.0,
            to_spm: 172.0
        }
    );
    assert_eq!(
        ev[0].reason,
        "held 170.0±3 spm for 60 s (100 % in the zone)"
    );
    // The next raise needs another full hold at the new target.
    let ev = feed(&mut coach, 60.5, 120.0, 0.5, |_| {
        (Some(172.0 + j()), Motion::Run)
    });
    assert!(ev.is_empty(), "{ev:?}");
    let ev = feed(&mut coach, 120.0, 120.5, 0.5, |_| {
        (Some(172.0 + j()), Motion::Run)
    });
    assert_eq!(kinds(&ev), ["raise"]);
    assert_eq!(ev[0].t_s, 120.0, "60 s after the first raise");
    assert_eq!(coach.target_spm(), Some(174.0));
}

#[test]
fn a_runner_below_the_zone_gets_no_raise_but_a_hold() {
    let mut coach = given(170.0);
    let ev = feed(&mut coach, 0.0, 300.0, 0.5, run(165.0));
    assert_eq!(kinds(&ev), ["baseline", "hold"], "{ev:?}");
    assert_eq!(ev[1].t_s, 60.0);
    assert_eq!(
        ev[1].decision,
        Decision::Hold {
            target_spm: 170.0,
            why: HoldWhy::NotFollowing
        }
    );
    assert!(ev[1].reason.contains("below 170.0±3"), "{}", ev[1].reason);
    assert_eq!(coach.target_spm(), Some(170.0), "never below the baseline");
}

#[test]
fn a_runner_above_the_zone_gets_neither_raise_nor_back_off() {
    let mut coach = given(170.0);
    let ev = feed(&mut coach, 0.0, 400.0, 0.5, run(178.0));
    assert_eq!(kinds(&ev), ["baseline"]);
    assert_eq!(coach.target_spm(), Some(170.0));
}

#[test]
fn short_excursions_do_not_break_a_hold_but_long_ones_do() {
    let mut coach = given(170.0);
    // 2 s at 160 every 20 s: still a raise at 60 s.
    let ev = feed(&mut coach, 0.0, 61.0, 0.5, |t| {
        (
            Some(if t % 20.0 >= 10.0 && t % 20.0 < 12.0 {
                160.0
            } else {
                170.0
            }),
            Motion::Run,
        )
    });
    assert_eq!(kinds(&ev), ["baseline", "raise"]);
    assert_eq!(ev[1].t_s, 60.0);

    // A 10 s excursion after 30 s breaks the hold: the raise waits 60 s from its end.
    let mut coach = given(170.0);
    let ev = feed(&mut coach, 0.0, 200.0, 0.5, |t| {
        (
            Some(if (30.0..40.0).contains(&t) {
                160.0
            } else {
                170.0
            }),
            Motion::Run,
        )
    });
    let raise = ev.iter().find(|e| e.decision.name() == "raise").unwrap();
    assert_eq!(raise.t_s, 100.0);
}

#[test]
fn a_runner_flickering_in_and_out_of_the_zone_is_not_holding() {
    // 2 s in the zone, 3 s just below it, over and over: every slip is shorter than the grace,
    // but only 40 % of the time is in the zone.
    let mut coach = given(170.0);
    let ev = feed(&mut coach, 0.0, 300.0, 0.5, |t| {
        (Some(if t % 5.0 < 2.0 { 170.0 } else { 166.0 }), Motion::Run)
    });
    assert!(!kinds(&ev).contains(&"raise"), "{ev:?}");
    let not_steady: Vec<_> = ev
        .iter()
        .filter(|e| {
            e.decision
                == Decision::Hold {
                    target_spm: 170.0,
                    why: HoldWhy::NotSteady,
                }
        })
        .collect();
    assert!(
        not_steady.len() >= 3,
        "each failed hold is explained: {ev:?}"
    );
    assert!(
        not_steady[0].reason.starts_with("only 4") && not_steady[0].reason.contains("80 % needed"),
        "{}",
        not_steady[0].reason
    );
    // Once steady, a full hold from the next restart raises.
    let ev = feed(&mut coach, 300.0, 420.0, 0.5, run(170.0));
    let ev: Vec<_> = ev
        .into_iter()
        .filter(|e| e.decision.name() != "hold")
        .collect();
    assert_eq!(kinds(&ev), ["raise"]);
    assert!(ev[0].t_s <= 300.0 + 60.0 + 60.0, "{}", ev[0].t_s);
}

#[test]
fn target_climbs_to_the_cap_in_steps_and_never_above_it() {
    let mut coach = given(170.0);
    let cap = 170.0 * 1.075; // 182.75
    let events = follow_the_click(&mut coach, 1200.0, |coach| {
        assert!(coach.target_spm().unwrap() <= cap + 1e-9);
    });
    let raises: Vec<_> = events
        .iter()
        .filter_map(|e| match e.decision {
            Decision::Raise { from_spm, to_spm } => Some((e.t_s, from_spm, to_spm)),
            _ => None,
        })
        .collect();
    let tos: Vec<f64> = raises.iter().map(|r| r.2).collect();
    assert_eq!(tos, [172.0, 174.0, 176.0, 178.0, 180.0, 182.0, cap]);
    for w in raises.windows(2) {
        assert!(w[1].0 - w[0].0 >= 60.0, "raises too close: {w:?}");
    }
    for r in &raises {
        assert!(r.2 - r.1 <= 2.0 + 1e-9 && r.2 > r.1, "jump {r:?}");
    }
    let holds: Vec<_> = events
        .iter()
        .filter(|e| {
            matches!(
                e.decision,
                Decision::Hold {
                    why: HoldWhy::AtCap,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(holds.len(), 1, "the cap is announced once");
    assert!(
        holds[0].reason.contains("the cap 182.8 spm"),
        "{}",
        holds[0].reason
    );
    assert_eq!(coach.target_spm(), Some(cap));
}

#[test]
fn the_ceiling_is_absolute() {
    let mut coach = Coach::new(CoachConfig {
        baseline: Baseline::Spm(196.0),
        ..CoachConfig::default()
    })
    .unwrap();
    assert_eq!(
        coach.cap_spm(),
        Some(200.0),
        "196 · 1.075 > 200: the ceiling wins"
    );
    let events = follow_the_click(&mut coach, 600.0, |_| {});
    assert_eq!(coach.target_spm(), Some(200.0));
    assert_eq!(kinds(&events), ["baseline", "raise", "raise", "hold"]);
    assert!(
        events[3].reason.contains("ceiling 200"),
        "{}",
        events[3].reason
    );

    // A baseline above the ceiling starts at the ceiling and never moves.
    let mut coach = Coach::new(CoachConfig {
        baseline: Baseline::Spm(205.0),
        ceiling_spm: 200.0,
        ..CoachConfig::default()
    })
    .unwrap();
    assert_eq!(coach.target_spm(), Some(200.0));
    feed(&mut coach, 0.0, 300.0, 0.5, run(200.0));
    assert_eq!(coach.target_spm(), Some(200.0));
}

#[test]
fn a_long_miss_steps_back_one_step_at_a_time_never_below_the_baseline() {
    let mut coach = given(170.0);
    // Follow to 174 (two raises at 60 s and 120 s).
    let mut ev = feed(&mut coach, 0.0, 60.5, 0.5, run(170.0));
    ev.extend(feed(&mut coach, 60.5, 120.5, 0.5, run(172.0)));
    assert_eq!(coach.target_spm(), Some(174.0));
    // Then the runner drops to 160 and stays there.
    let ev = feed(&mut coach, 120.5, 600.0, 0.5, run(160.0));
    let summary: Vec<(f64, &str)> = ev.iter().map(|e| (e.t_s, e.decision.name())).collect();
    assert_eq!(
        summary,
        [
            (180.5, "hold"),
            (240.5, "back_off"),
            (300.5, "hold"),
            (360.5, "back_off"),
            (420.5, "hold")
        ],
        "{ev:?}"
    );
    assert_eq!(
        ev[1].decision,
        Decision::BackOff {
            from_spm: 174.0,
            to_spm: 172.0
        }
    );
    assert!(
        ev[1]
            .reason
            .contains("measured 160 spm, below 174.0±3 for 120 s"),
        "{}",
        ev[1].reason
    );
    assert_eq!(coach.target_spm(), Some(170.0), "stops at the baseline");
}

#[test]
fn walking_pauses_and_running_resumes_with_a_fresh_hold() {
    let mut coach = given(170.0);
    let mut ev = feed(&mut coach, 0.0, 50.0, 0.5, run(170.0));
    ev.extend(feed(&mut coach, 50.0, 80.0, 0.5, |_| {
        (Some(118.0), Motion::Walk)
    }));
    ev.extend(feed(&mut coach, 80.0, 200.0, 0.5, run(170.0)));
    let summary: Vec<(f64, &str)> = ev.iter().map(|e| (e.t_s, e.decision.name())).collect();
    // Pause 3 s into the walk, resume 3 s into the run, raise 60 s of zone after that.
    assert_eq!(
        summary,
        [
            (0.0, "baseline"),
            (53.0, "pause"),
            (83.0, "resume"),
            (143.5, "raise")
        ]
    );
    assert_eq!(
        ev[1].decision,
        Decision::Pause {
            cause: PauseCause::Walk
        }
    );
    assert!(
        ev[1].reason.contains("walking (118 spm)"),
        "{}",
        ev[1].reason
    );
    assert_eq!(
        coach.target_spm(),
        Some(172.0),
        "the target is kept across the pause"
    );
}

#[test]
fn a_slow_running_cadence_counts_as_walking() {
    let mut coach = given(170.0);
    let mut ev = feed(&mut coach, 0.0, 5.0, 0.5, run(170.0));
    ev.extend(feed(&mut coach, 5.0, 15.0, 0.5, run(130.0)));
    assert_eq!(kinds(&ev), ["baseline", "pause"]);
    assert_eq!(coach.paused(), Some(PauseCause::Walk));
}

#[test]
fn nothing_pauses_before_the_runner_first_runs() {
    // The detector needs a few steps before it reports any: a session starts "stopped".
    let mut coach = given(170.0);
    let mut ev = feed(&mut coach, 0.0, 8.0, 0.5, |_| (None, Motion::Stop));
    ev.extend(feed(&mut coach, 8.0, 20.0, 0.5, |_| {
        (Some(115.0), Motion::Walk)
    }));
    assert_eq!(kinds(&ev), ["baseline"]);
    assert_eq!(coach.paused(), None);
    let ev = feed(&mut coach, 20.0, 81.0, 0.5, run(170.0));
    assert_eq!(
        kinds(&ev),
        ["raise"],
        "the first hold starts with the first running"
    );
    assert_eq!(ev[0].t_s, 80.0);
}

#[test]
fn a_stop_pauses_and_a_brief_one_does_not() {
    let mut coach = given(170.0);
    let mut ev = feed(&mut coach, 0.0, 20.0, 0.5, run(170.0));
    // 2 s without steps (shorter than settle_s): no pause.
    ev.extend(feed(&mut coach, 20.0, 22.0, 0.5, |_| (None, Motion::Stop)));
    ev.extend(feed(&mut coach, 22.0, 30.0, 0.5, run(170.0)));
    assert_eq!(kinds(&ev), ["baseline"]);
    let ev = feed(&mut coach, 30.0, 40.0, 0.5, |_| (None, Motion::Stop));
    assert_eq!(kinds(&ev), ["pause"]);
    assert_eq!(ev[0].t_s, 33.0);
    assert_eq!(
        ev[0].decision,
        Decision::Pause {
            cause: PauseCause::Stop
        }
    );
    assert!(
        ev[0].reason.starts_with("no steps for 3 s"),
        "{}",
        ev[0].reason
    );
}

#[test]
fn a_sensor_stall_pauses_on_tick_and_says_so() {
    let mut coach = given(170.0);
    let mut ev = feed(&mut coach, 0.0, 30.0, 0.5, run(170.0));
    let last = 29.5;
    coach.tick(last + 2.9, &mut ev);
    assert_eq!(kinds(&ev), ["baseline"], "no stall before 3 s of silence");
    coach.tick(last + 4.2, &mut ev);
    coach.tick(last + 9.0, &mut ev);
    assert_eq!(
        kinds(&ev),
        ["baseline", "pause"],
        "one stall, announced once"
    );
    assert_eq!(
        ev[1].t_s,
        last + 3.0,
        "stamped when the stall began + stall_s"
    );
    assert_eq!(
        ev[1].decision,
        Decision::Pause {
            cause: PauseCause::Stall
        }
    );
    assert!(ev[1].reason.contains("sensor stalled"), "{}", ev[1].reason);
    assert_eq!(coach.target_spm(), Some(170.0));
    // Data again, running: resume after settle.
    let ev = feed(&mut coach, 40.0, 45.0, 0.5, run(170.0));
    assert_eq!(kinds(&ev), ["resume"]);
    assert_eq!(ev[0].t_s, 43.0);
    assert!(ev[0].reason.starts_with("sensor back"), "{}", ev[0].reason);
}

#[test]
fn a_sensor_back_on_a_walking_runner_stays_paused_and_says_walk() {
    let mut coach = given(170.0);
    let mut ev = feed(&mut coach, 0.0, 10.0, 0.5, run(170.0));
    coach.tick(20.0, &mut ev);
    ev.extend(feed(&mut coach, 20.0, 25.0, 0.5, |_| {
        (Some(110.0), Motion::Walk)
    }));
    assert_eq!(kinds(&ev), ["baseline", "pause", "pause"]);
    assert_eq!(coach.paused(), Some(PauseCause::Walk));
}

/// A long noisy session with walk breaks, stops and a gap in the data.
fn session_inputs() -> Vec<Observation> {
    let mut j = jitter(2.0);
    let mut obs = Vec::new();
    let mut t = 0.0;
    while t < 1800.0 {
        let phase = t % 600.0;
        let (cadence, motion) = if (400.0..430.0).contains(&phase) {
            (Some(120.0 + j()), Motion::Walk)
        } else if (500.0..505.0).contains(&phase) {
            (None, Motion::Stop)
        } else {
            (Some(166.0 + t / 120.0 + j()), Motion::Run)
        };
        // A 10 s hole in the data at 1000 s (a stalled sensor).
        if !(1000.0..1010.0).contains(&t) {
            obs.push(Observation {
                t_s: t,
                cadence_spm: cadence,
                motion,
            });
        }
        t += 0.25;
    }
    obs
}

#[test]
fn decisions_are_deterministic_and_do_not_depend_on_ticks() {
    let obs = session_inputs();
    let offline = {
        let mut coach = Coach::new(CoachConfig::default()).unwrap();
        let mut out = Vec::new();
        for o in &obs {
            coach.observe(o, &mut out);
        }
        out
    };
    // "Live": the same observations with ticks every 0.1 s of wall time in between, as the
    // coach thread does while it waits for data.
    let live = {
        let mut coach = Coach::new(CoachConfig::default()).unwrap();
        let mut out = Vec::new();
        let mut now = 0.0;
        for o in &obs {
            while now + 0.1 < o.t_s {
                now += 0.1;
                coach.tick(now, &mut out);
            }
            coach.observe(o, &mut out);
        }
        out
    };
    assert_eq!(offline, live);
    let names = kinds(&offline);
    for want in ["baseline", "raise", "pause", "resume"] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert!(
        offline.iter().any(|e| e.decision
            == Decision::Pause {
                cause: PauseCause::Stall
            }
            && e.t_s == 1002.75),
        "stall at 999.75 + 3 s: {offline:?}"
    );
}

#[test]
fn bad_observations_are_ignored_and_counted() {
    let mut coach = given(170.0);
    let mut out = Vec::new();
    let obs = |t_s| Observation {
        t_s,
        cadence_spm: Some(170.0),
        motion: Motion::Run,
    };
    coach.observe(&obs(10.0), &mut out);
    coach.observe(&obs(5.0), &mut out);
    coach.observe(&obs(f64::NAN), &mut out);
    coach.observe(
        &Observation {
            t_s: 11.0,
            cadence_spm: Some(f64::INFINITY),
            motion: Motion::Run,
        },
        &mut out,
    );
    assert_eq!(coach.ignored(), 2);
    assert_eq!(kinds(&out), ["baseline"]);
}

#[test]
fn options_are_checked_and_parsed() {
    assert_eq!("auto".parse::<Baseline>().unwrap(), Baseline::Auto);
    assert_eq!("168".parse::<Baseline>().unwrap(), Baseline::Spm(168.0));
    let err = "fast".parse::<Baseline>().unwrap_err();
    assert!(err.to_string().contains("--baseline = fast"), "{err}");
    for bad in [
        CoachConfig {
            step_spm: 0.0,
            ..CoachConfig::default()
        },
        CoachConfig {
            hold_s: f64::NAN,
            ..CoachConfig::default()
        },
        CoachConfig {
            max_rise: 0.5,
            ..CoachConfig::default()
        },
        CoachConfig {
            baseline: Baseline::Spm(40.0),
            ..CoachConfig::default()
        },
    ] {
        assert!(Coach::new(bad.clone()).is_err(), "{bad:?} accepted");
    }
    let err = Coach::new(CoachConfig {
        step_spm: 30.0,
        ..CoachConfig::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("--step = 30"), "{err}");
}

#[test]
fn status_reports_zone_and_time_to_next_raise() {
    let mut coach = given(170.0);
    feed(&mut coach, 0.0, 20.5, 0.5, run(171.0));
    let s = coach.status(20.0);
    assert_eq!(s.target_spm, Some(170.0));
    assert_eq!(s.zone, Some(stridebeat::tempo::coach::Zone::In));
    assert_eq!(s.next_raise_in_s, Some(40.0));
    feed(&mut coach, 20.5, 21.0, 0.5, run(160.0));
    let s = coach.status(20.5);
    assert_eq!(s.zone, Some(stridebeat::tempo::coach::Zone::Below));
    assert_eq!(s.next_raise_in_s, None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever the runner does, the target moves by at most one step per decision and stays
    /// within [baseline, cap].
    #[test]
    fn the_target_never_jumps_and_stays_within_bounds(
        steps in proptest::collection::vec((140.0f64..200.0, 0u8..10, 1u32..400), 1..40),
        baseline in 150.0f64..195.0,
    ) {
        let mut coach = Coach::new(CoachConfig {
            baseline: Baseline::Spm(baseline),
            hold_s: 20.0,
            miss_s: 40.0,
            ..CoachConfig::default()
        }).unwrap();
        let cap = coach.cap_spm().unwrap();
        let mut t = 0.0;
        let mut out = Vec::new();
        for (spm, kind, n) in steps {
            let motion = match kind { 0 => Motion::Walk, 1 => Motion::Stop, _ => Motion::Run };
            for _ in 0..n {
                let before = coach.target_spm().unwrap();
                coach.observe(&Observation { t_s: t, cadence_spm: Some(spm), motion }, &mut out);
                let after = coach.target_spm().unwrap();
                prop_assert!((after - before).abs() <= 2.0 + 1e-9);
                prop_assert!(after >= baseline.min(200.0) - 1e-9 && after <= cap + 1e-9);
                t += 0.5;
            }
        }
        for e in &out {
            if let Decision::Raise { from_spm, to_spm } | Decision::BackOff { from_spm, to_spm } = e.decision {
                prop_assert!((to_spm - from_spm).abs() <= 2.0 + 1e-9);
            }
        }
    }
}
