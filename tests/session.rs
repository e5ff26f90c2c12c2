//! Session recordings: every record kind round-trips exactly; a cut-off or damaged file is read
//! as far as it goes, with the damage counted; the writer flushes often enough that a killed
//! process loses at most about a second.

use std::io::Write;
use std::path::Path;
use std::time::Duration;
use stridebeat::gait::AccelSample;
use stridebeat::source::session::{
    is_session_header, read_session, read_session_file, BeatRecord, SessionError, SessionWriter,
};
use stridebeat::tempo::coach::{CoachEvent, Decision, HoldWhy, Motion, PauseCause};

fn all_decisions() -> Vec<CoachEvent> {
    let d = |t_s, decision, reason: &str| CoachEvent {
        t_s,
        decision,
        reason: reason.to_string(),
    };
    vec![
        d(
            60.0,
            Decision::BaselineSet {
                baseline_spm: 168.0,
                cap_spm: 180.6,
            },
            "steady 168 spm over 60 s (95 % within ±3); cap 180.6 spm",
        ),
        d(
            120.25,
            Decision::Raise {
                from_spm: 168.0,
                to_spm: 170.0,
            },
            "held 168.0±3 spm for 60 s",
        ),
        d(
            180.0,
            Decision::Hold {
                target_spm: 170.0,
                why: HoldWhy::NotFollowing,
            },
            "measured 160 spm, below 170.0±3 for 60 s: holding",
        ),
        d(
            200.0,
            Decision::Hold {
                target_spm: 180.6,
                why: HoldWhy::AtCap,
            },
            "at \"the cap\", no more",
        ),
        d(
            210.0,
            Decision::Hold {
                target_spm: 170.0,
                why: HoldWhy::NotSteady,
            },
            "only 62 % of the last 60 s within 170.0±3 spm (80 % needed): the hold starts again",
        ),
        d(
            240.0,
            Decision::BackOff {
                from_spm: 170.0,
                to_spm: 168.0,
            },
            "below, stepping back",
        ),
        d(
            250.0,
            Decision::Pause {
                cause: PauseCause::Walk,
            },
            "walking",
        ),
        d(
            251.0,
            Decision::Pause {
                cause: PauseCause::Stop,
            },
            "stop",
        ),
        d(
            252.0,
            Decision::Pause {
                cause: PauseCause::Stall,
            },
            "stall",
        ),
        d(260.0, Decision::Resume, "running again"),
    ]
}

fn write_everything<W: Write>(w: &mut SessionWriter<W>) {
    w.sample(&AccelSample {
        t_s: 0.0,
        acc: [0.1, 9.81, -0.3],
    })
    .unwrap();
    w.sample(&AccelSample {
        t_s: 0.1 + 0.2, // 0.30000000000000004: must come back bit-exact
        acc: [f32::MIN_POSITIVE, 1e-7, 123.456],
    })
    .unwrap();
    w.step(0.512, Some(171.23456789)).unwrap();
    w.step(0.9, None).unwrap();
    w.cadence(1.0, Some(171.2), Motion::Run).unwrap();
    w.cadence(2.0, None, Motion::Stop).unwrap();
    w.cadence(3.0, Some(118.0), Motion::Walk).unwrap();
    w.beat(&BeatRecord {
        t_s: 0.35,
        spm: 172.0,
        index: 12,
        cue: false,
    })
    .unwrap();
    w.beat(&BeatRecord {
        t_s: 0.7,
        spm: 174.0,
        index: 13,
        cue: true,
    })
    .unwrap();
    w.target(60.0, 168.0).unwrap();
    for e in all_decisions() {
        w.decision(&e).unwrap();
    }
}

#[test]
fn every_record_round_trips_exactly() {
    let mut w = SessionWriter::new(Vec::new(), &[("source", "udp:127.0.0.1:5555, x")]).unwrap();
    write_everything(&mut w);
    w.end(300.5, "input ended").unwrap();
    let bytes = w.into_inner().unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(is_session_header(text.lines().next().unwrap()));
    assert!(
        text.contains("coach,120.25,,,,170,168,raise,held 168.0±3 spm for 60 s\n"),
        "{text}"
    );

    let s = read_session(&bytes[..], Path::new("mem.csv")).unwrap();
    assert_eq!(s.meta("source"), Some("udp:127.0.0.1:5555, x"));
    assert_eq!(s.samples.len(), 2);
    assert_eq!(s.samples[1].t_s.to_bits(), (0.1f64 + 0.2).to_bits());
    assert_eq!(s.samples[1].acc, [f32::MIN_POSITIVE, 1e-7, 123.456]);
    assert_eq!(s.steps.len(), 2);
    assert_eq!(s.steps[0].cadence_spm, Some(171.23456789));
    assert_eq!(s.steps[1].cadence_spm, None);
    let motions: Vec<Motion> = s.cadence.iter().map(|c| c.motion).collect();
    assert_eq!(motions, [Motion::Run, Motion::Stop, Motion::Walk]);
    assert_eq!(s.beats.len(), 2);
    assert!(s.beats[1].cue && !s.beats[0].cue);
    assert_eq!(s.beats[1].index, 13);
    assert_eq!(s.targets.len(), 1);
    assert_eq!(s.decisions, all_decisions());
    assert_eq!(s.end.as_ref().unwrap().reason, "input ended");
    assert_eq!(s.end.as_ref().unwrap().t_s, 300.5);
    assert!(s.is_complete());
    assert_eq!(s.skipped_lines, 0);
}

#[test]
fn a_cut_off_last_line_is_dropped_and_counted() {
    let mut w = SessionWriter::new(Vec::new(), &[]).unwrap();
    write_everything(&mut w);
    let mut bytes = w.into_inner().unwrap();
    // Cut the last decision line in the middle, as a kill during a write would.
    let keep = bytes.len() - 7;
    bytes.truncate(keep);
    let s = read_session(&bytes[..], Path::new("cut.csv")).unwrap();
    assert!(s.truncated_tail);
    assert!(!s.is_complete());
    assert_eq!(s.decisions.len(), all_decisions().len() - 1);
    assert_eq!(
        s.skipped_lines, 0,
        "the tail is counted apart from bad lines"
    );
    assert_eq!(s.samples.len(), 2);
}

#[test]
fn bad_lines_are_skipped_and_counted_with_their_line_numbers() {
    let text = "# stridebeat session v1\n\
                record,t_s,ax,ay,az,spm,value,kind,reason\n\
                sample,0.0,1,2,3,,,,\n\
                sample,0.01,NaN,2,3,,,,\n\
                sample,0.02,1,2\n\
                sample,0.0,1,2,3,,,,\n\
                coach,5,,,,,,jump,?\n\
                wobble,1,,,,,,,\n\
                sample,0.03,1,2,3,,,,\n";
    let s = read_session(text.as_bytes(), Path::new("bad.csv")).unwrap();
    assert_eq!(s.samples.len(), 2);
    assert_eq!(s.skipped_lines, 5);
    let lines: Vec<u64> = s.skipped_examples.iter().map(|e| e.0).collect();
    assert_eq!(lines, [4, 5, 6, 7, 8]);
    assert!(s.skipped_examples[0].1.contains("not a finite number"));
    assert!(s.skipped_examples[2].1.contains("does not increase"));
    assert!(s.skipped_examples[3]
        .1
        .contains("unknown coach decision `jump`"));
    assert!(!s.truncated_tail);
    assert!(!s.is_complete(), "no end record");
}

#[test]
fn other_files_are_refused_with_a_clear_error() {
    let err = read_session(&b"time,ax,ay,az\n0,1,2,3\n"[..], Path::new("phone.csv")).unwrap_err();
    assert!(matches!(err, SessionError::NotASession { .. }));
    assert!(
        err.to_string()
            .starts_with("phone.csv:1: not a stridebeat session"),
        "{err}"
    );
    let err = read_session(&b"# stridebeat session v9\n"[..], Path::new("new.csv")).unwrap_err();
    assert!(err.to_string().contains("format v9 is newer"), "{err}");
    let err = read_session(&b""[..], Path::new("empty.csv")).unwrap_err();
    assert!(matches!(err, SessionError::NotASession { .. }));
    let err = read_session_file(Path::new("/nonexistent/s.csv")).unwrap_err();
    assert!(err.to_string().starts_with("/nonexistent/s.csv: "), "{err}");
}

#[test]
fn a_killed_writer_loses_at_most_the_last_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    let mut w = SessionWriter::create(&path, &[("source", "test")]).unwrap();
    let mut t = 0.0;
    // 1.2 s of samples at 100 Hz, written in real time.
    for _ in 0..120 {
        w.sample(&AccelSample {
            t_s: t,
            acc: [0.0, 9.8, 0.0],
        })
        .unwrap();
        t += 0.01;
        std::thread::sleep(Duration::from_millis(10));
    }
    // "Kill": the writer is never dropped or flushed again.
    std::mem::forget(w);
    let s = read_session_file(&path).unwrap();
    assert_eq!(s.meta("source"), Some("test"));
    assert!(
        s.samples.len() >= 50,
        "only {} of 120 samples reached the file",
        s.samples.len()
    );
    assert!(!s.is_complete());
}

#[test]
fn the_generic_reader_reads_a_sessions_samples() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.csv");
    let mut w = SessionWriter::create(&path, &[("source", "test")]).unwrap();
    let mut written = Vec::new();
    for i in 0..300 {
        let s = AccelSample {
            t_s: i as f64 * 0.01,
            acc: [0.25, 9.5 + (i % 5) as f32 * 0.125, -0.5],
        };
        w.sample(&s).unwrap();
        written.push(s);
        if i % 50 == 0 {
            w.step(s.t_s, Some(170.0)).unwrap();
            w.decision(&all_decisions()[1]).unwrap();
        }
    }
    w.end(3.0, "input ended").unwrap();
    drop(w);
    let rec =
        stridebeat::source::read_all(&path, &stridebeat::source::ReadOptions::default()).unwrap();
    assert_eq!(rec.samples.len(), written.len());
    assert_eq!(rec.skipped.count, 0);
    for (a, b) in rec.samples.iter().zip(&written) {
        assert!((a.t_s - b.t_s).abs() < 1e-9);
        assert_eq!(a.acc, b.acc);
    }
    // A session cut off mid-line still reads, without the cut line.
    let mut bytes = std::fs::read(&path).unwrap();
    let cut = bytes.len() - 40;
    bytes.truncate(cut);
    std::fs::write(&path, bytes).unwrap();
    let rec =
        stridebeat::source::read_all(&path, &stridebeat::source::ReadOptions::default()).unwrap();
    assert!(rec.samples.len() >= 298 && rec.samples.len() <= 300);
}
