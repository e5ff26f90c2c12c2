//! Live sources: `--input` parsing, line decoding, stdin-like streams ending cleanly at EOF,
//! UDP on 127.0.0.1 dropping and counting garbage, cut-off and oversized datagrams, and file
//! replay at a scaled pace.

use crossbeam_channel::{bounded, unbounded};
use std::net::UdpSocket;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stridebeat::gait::AccelSample;
use stridebeat::source::live::{
    read_lines, spawn, LiveOptions, LiveSpec, LiveStats, MAX_DATAGRAM_BYTES,
};
use stridebeat::source::session::SessionWriter;
use stridebeat::source::ReadOptions;

#[test]
fn input_specs_parse_and_udp_defaults_to_loopback() {
    assert_eq!("-".parse::<LiveSpec>().unwrap(), LiveSpec::Stdin);
    assert_eq!(
        "udp:5555".parse::<LiveSpec>().unwrap(),
        LiveSpec::Udp("127.0.0.1:5555".parse().unwrap())
    );
    assert_eq!(
        "udp:0.0.0.0:6000".parse::<LiveSpec>().unwrap(),
        LiveSpec::Udp("0.0.0.0:6000".parse().unwrap())
    );
    assert_eq!(
        "file:run.csv".parse::<LiveSpec>().unwrap(),
        LiveSpec::File(PathBuf::from("run.csv"))
    );
    for bad in ["mic2", "udp:nope", "file:", "udp:1.2.3.4"] {
        let err = bad.parse::<LiveSpec>().unwrap_err();
        assert!(
            err.to_string().starts_with(&format!("--input {bad}:")),
            "{err}"
        );
    }
}

#[test]
fn a_line_stream_ends_cleanly_at_eof_and_counts_bad_lines() {
    let mut text = String::from("time,ax,ay,az\n");
    for i in 0..100 {
        text.push_str(&format!("{},0,9.8,0\n", i as f64 * 0.01));
    }
    text.push_str("garbage line\n");
    text.push_str(&"9".repeat(10_000));
    text.push('\n');
    text.push_str("0.5,1,2\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&[0xff, 0xfe, b'\n']); // not UTF-8
    bytes.extend_from_slice(b"1.0,0,9.8,0\n1.01,0,9.8,0"); // no final newline: still a line
    let (tx, rx) = unbounded();
    let stats = LiveStats::default();
    read_lines(
        &bytes[..],
        "test",
        &ReadOptions::default(),
        |s| tx.send(s).is_ok(),
        &stats,
        &AtomicBool::new(false),
    )
    .unwrap();
    drop(tx);
    let got: Vec<AccelSample> = rx.iter().collect();
    assert_eq!(got.len(), 102);
    assert_eq!(got.last().unwrap().t_s, 1.01);
    let c = stats.snapshot();
    assert_eq!(c.samples, 102);
    assert_eq!(
        c.bad_lines, 4,
        "garbage, oversized, cut-off, not UTF-8: {c:?}"
    );
}

#[test]
fn udp_drops_and_counts_garbage_cut_off_and_oversized_datagrams() {
    let (tx, rx) = bounded(1024);
    let stop = Arc::new(AtomicBool::new(false));
    let src = spawn(
        &"udp:127.0.0.1:0".parse().unwrap(),
        LiveOptions::default(),
        tx,
        Arc::clone(&stop),
    )
    .unwrap();
    let addr = src.local_addr.unwrap();
    assert!(addr.ip().is_loopback());
    let out = UdpSocket::bind("127.0.0.1:0").unwrap();
    let send = |b: &[u8]| {
        out.send_to(b, addr).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    };
    // The first datagram carries enough lines for the decoder to recognise the layout.
    let mut first = String::new();
    for i in 0..8 {
        first.push_str(&format!("{:.2},0.5,9.7,0.1\n", 100.0 + i as f64 * 0.01));
    }
    send(first.as_bytes());
    send(&[0xde, 0xad, 0xbe, 0xef, 0xff]); // not text
    send(b"hello there\n"); // text, no numbers
    send(b"100.08,0,9.8,0\n100.09,0,9."); // cut off mid-line: the whole datagram goes
    let mut big = String::new();
    let mut t = 200.0;
    while big.len() <= MAX_DATAGRAM_BYTES {
        big.push_str(&format!("{t:.2},0,9.8,0\n"));
        t += 0.01;
    }
    send(big.as_bytes()); // oversized
    send(b"100.10,1,2,3"); // one line, no newline: fine
    send(b"100.09,1,2,3\n100.11,1,2,3\n"); // goes back in time: dropped whole
    send(b"100.12,1,2,3\n100.13,1,2,3\n");

    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while got.len() < 11 && Instant::now() < deadline {
        if let Ok(s) = rx.recv_timeout(Duration::from_millis(50)) {
            got.push(s);
        }
    }
    let times: Vec<f64> = got
        .iter()
        .map(|s| (s.t_s * 100.0).round() / 100.0)
        .collect();
    assert_eq!(
        times,
        [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.10, 0.12, 0.13]
    );
    assert!((got[1].acc[1] - 9.7).abs() < 1e-5, "{:?}", got[1].acc);
    stop.store(true, Ordering::Relaxed);
    src.thread.join().unwrap().unwrap();
    let c = src.stats.snapshot();
    assert_eq!(c.datagrams, 8);
    assert_eq!(c.dropped_datagrams, 5, "{c:?}");
    assert_eq!(c.oversized_datagrams, 1);
    assert_eq!(c.samples, 11);
    assert!(rx.try_recv().is_err(), "nothing from dropped datagrams");
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let spec = LiveSpec::Udp(taken.local_addr().unwrap());
    let (tx, _rx) = bounded(1);
    let err = spawn(&spec, LiveOptions::default(), tx, Arc::default())
        .err()
        .unwrap();
    assert!(err.to_string().contains("cannot listen"), "{err}");
}

#[test]
fn file_replay_keeps_the_recorded_pace_scaled() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let mut text = String::from("time,ax,ay,az\n");
    for i in 0..=200 {
        text.push_str(&format!("{},0,9.8,{}\n", 50.0 + i as f64 * 0.01, i % 7));
    }
    std::fs::write(&csv, text).unwrap();
    let (tx, rx) = unbounded();
    let start = Instant::now();
    let src = spawn(
        &LiveSpec::File(csv.clone()),
        LiveOptions {
            replay_speed: 4.0,
            ..LiveOptions::default()
        },
        tx,
        Arc::default(),
    )
    .unwrap();
    let got: Vec<AccelSample> = rx.iter().collect();
    let took = start.elapsed().as_secs_f64();
    src.thread.join().unwrap().unwrap();
    assert_eq!(got.len(), 201);
    assert_eq!(got[0].t_s, 0.0);
    assert!((got[200].t_s - 2.0).abs() < 1e-9);
    assert!((0.45..1.5).contains(&took), "2 s at 4x took {took:.3} s");

    // A stridebeat session replays its own samples, times untouched.
    let session = dir.path().join("s.csv");
    let mut w = SessionWriter::create(&session, &[]).unwrap();
    for s in &got {
        w.sample(s).unwrap();
    }
    w.end(2.0, "input ended").unwrap();
    drop(w);
    let (tx, rx) = unbounded();
    let src = spawn(
        &LiveSpec::File(session),
        LiveOptions {
            replay_speed: 100.0,
            ..LiveOptions::default()
        },
        tx,
        Arc::default(),
    )
    .unwrap();
    let again: Vec<AccelSample> = rx.iter().collect();
    src.thread.join().unwrap().unwrap();
    assert_eq!(again, got);

    let err = spawn(
        &LiveSpec::File(dir.path().join("missing.csv")),
        LiveOptions::default(),
        unbounded().0,
        Arc::default(),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("missing.csv"), "{err}");
}
