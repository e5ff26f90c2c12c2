//! `stridebeat analyze` end to end: the binary on small files written here, checking the
//! summary, the JSON contract, the table for several files, the step CSV and plot files, and
//! exit codes. Nothing here depends on how many steps the detector finds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stridebeat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .args(args)
        .output()
        .expect("run stridebeat")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A 20 s, 50 Hz recording in m/s² with two bad rows (lines 12 and 40).
fn recording(dir: &Path, name: &str) -> PathBuf {
    let mut s = String::from("time,ax,ay,az\n");
    for i in 0..1000 {
        let t = i as f64 * 0.02;
        let line = i + 2;
        if line == 12 {
            s.push_str(&format!("{t:.2},nan,0,9.8\n"));
        } else if line == 40 {
            s.push_str("0.50,1,2\n");
        } else {
            let bounce = (t * 2.0 * std::f64::consts::PI * 2.8).sin() * 3.0;
            s.push_str(&format!("{t:.2},0.1,0.2,{:.3}\n", 9.8 + bounce));
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, s).unwrap();
    path
}

#[test]
fn one_file_prints_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let f = recording(dir.path(), "run.csv");
    let out = stridebeat(&["analyze", f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("run.csv"), "{s}");
    assert!(s.contains("0:20 recorded"), "{s}");
    assert!(s.contains("skipped rows: 2 (line 12:"), "{s}");
    assert!(s.contains("read as:"), "{s}");
}

#[test]
fn standard_input_is_read_with_a_dash() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let f = recording(dir.path(), "run.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .args(["analyze", "--json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&f).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["samples"], 998);
    assert_eq!(v["file"], "-");
}

#[test]
fn json_has_the_contracted_fields() {
    let dir = tempfile::tempdir().unwrap();
    let f = recording(dir.path(), "run.csv");
    let out = stridebeat(&["analyze", "--json", f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["steps"].is_u64());
    assert_eq!(
        v["steps"].as_u64().unwrap() as usize,
        v["step_times_s"].as_array().unwrap().len()
    );
    assert!(v["cadence_spm"].is_null() || v["cadence_spm"].is_f64());
    assert!(v["segments"].is_array());
    assert_eq!(v["samples"], 998);
    assert!((v["duration_s"].as_f64().unwrap() - 19.98).abs() < 1e-9);
    let skipped = &v["skipped_rows"];
    assert_eq!(skipped["count"], 2);
    assert_eq!(skipped["first"][0]["line"], 12);
    assert_eq!(skipped["first"][1]["line"], 40);
    assert!(skipped["first"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("truncated"));
    assert!(v["moving_time_s"].as_f64().unwrap() >= 0.0);
}

#[test]
fn several_files_give_a_table_in_argument_order_and_exit_2_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let a = recording(dir.path(), "zeta.csv");
    let b = recording(dir.path(), "alpha.csv");
    let bad = dir.path().join("empty.csv");
    std::fs::write(&bad, "").unwrap();
    let args = [
        "analyze",
        a.to_str().unwrap(),
        bad.to_str().unwrap(),
        b.to_str().unwrap(),
    ];
    let out = stridebeat(&args);
    assert_eq!(out.status.code(), Some(2));
    let s = text(&out.stdout);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), 4, "{s}");
    assert!(lines[0].starts_with("file"));
    assert!(lines[1].contains("zeta.csv") && lines[1].contains("0:20"));
    assert!(lines[2].contains("empty.csv") && lines[2].contains("error: the file is empty"));
    assert!(lines[3].contains("alpha.csv"));
    assert!(text(&out.stderr).contains("1 of 3 files"));

    let mut json_args = args.to_vec();
    json_args.insert(1, "--json");
    let out = stridebeat(&json_args);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    assert!(arr[0]["file"].as_str().unwrap().ends_with("zeta.csv"));
    assert!(arr[1]["error"].as_str().unwrap().contains("empty"));
    assert!(arr[2]["skipped_rows"]["count"] == 2);
}

#[test]
fn step_csv_and_plots_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let f = recording(dir.path(), "run.csv");
    let csv = dir.path().join("steps.csv");
    let svg = dir.path().join("cadence.svg");
    let out = stridebeat(&[
        "analyze",
        f.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let steps = std::fs::read_to_string(&csv).unwrap();
    assert!(steps.starts_with("index,time_s,interval_s,cadence_spm\n"));
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(svg_text.contains("<svg") && svg_text.contains("cadence"));

    let png = dir.path().join("cadence.png");
    let out = stridebeat(&[
        "analyze",
        f.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));

    let out = stridebeat(&["analyze", f.to_str().unwrap(), "--plot", "x.pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(".svg or .png"));

    // Several inputs: one plot per input, named after it.
    let g = recording(dir.path(), "other.csv.gz.csv");
    let out = stridebeat(&[
        "analyze",
        f.to_str().unwrap(),
        g.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("cadence-run.svg").exists());
}

#[test]
fn reader_flags_reach_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("counter.csv");
    let mut s = String::from("samples,acc_x,acc_y,acc_z\n");
    for i in 0..500 {
        s.push_str(&format!("{i},1.0,0.0,0.0\n"));
    }
    std::fs::write(&f, s).unwrap();
    let out = stridebeat(&["analyze", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--rate"),
        "{}",
        text(&out.stderr)
    );

    let out = stridebeat(&["analyze", "--json", "--rate", "50", f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((v["duration_s"].as_f64().unwrap() - 499.0 / 50.0).abs() < 1e-9);
    assert!(v["format"].as_str().unwrap().contains("in g"));

    let out = stridebeat(&[
        "analyze",
        "--json",
        "--rate",
        "50",
        "--units",
        "m/s2",
        "--columns",
        "-,2,3,4",
        f.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["format"].as_str().unwrap().contains("m/s² (given)"));
    assert!(v["format"]
        .as_str()
        .unwrap()
        .contains("row number at 50 Hz"));

    for bad in [
        vec!["--rate", "-3"],
        vec!["--units", "furlongs"],
        vec!["--columns", "a,b,c"],
        vec!["--time-unit", "fortnights"],
    ] {
        let mut args = vec!["analyze"];
        args.extend(bad.iter().copied());
        args.push(f.to_str().unwrap());
        let out = stridebeat(&args);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

/// Regression: several files large enough to be parsed in parallel blocks, analysed in
/// parallel, once deadlocked (rayon workers waiting on readers that needed rayon workers).
#[test]
fn several_large_files_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for k in 0..4 {
        let mut s = String::from("time,ax,ay,az\n");
        for i in 0..40_000 {
            let t = i as f64 * 0.01;
            let b = 5.0 * (t * 2.0 * std::f64::consts::PI * 2.7).sin();
            s.push_str(&format!("{t:.2},{:.4},0.3,{:.4}\n", 0.5 * b, 9.8 + b));
        }
        let p = dir.path().join(format!("big{k}.csv"));
        std::fs::write(&p, s).unwrap();
        paths.push(p);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .arg("analyze")
        .args(&paths)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        if start.elapsed() > std::time::Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("analyze of several large files did not finish in 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(text(&out.stdout).lines().count(), 5);
}
