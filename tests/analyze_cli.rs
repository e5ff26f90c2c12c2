//! `stridebeat analyze` end to end: the binary on small files written here, checking the
//! summary, the JSON contract, the table for several files, the step CSV and plot files, and
//! exit codes. Nothing here depends on how many steps the detector finds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn stridebeat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .args(args)
        .output()
        .expect("run stridebeat")
}

/// Run `stridebeat` with `input` on its standard input.
fn stridebeat_with_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run stridebeat");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// Run `stridebeat` as `… | head -1` would: read its first line of output, then close the
/// pipe. Returns that line and how the run ended.
fn stridebeat_first_line<S: AsRef<std::ffi::OsStr>>(
    args: impl IntoIterator<Item = S>,
) -> (String, Output) {
    use std::io::{BufRead as _, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run stridebeat");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    (first, child.wait_with_output().unwrap())
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
    let dir = tempfile::tempdir().unwrap();
    let f = recording(dir.path(), "run.csv");
    let out = stridebeat_with_stdin(&["analyze", "--json", "-"], &std::fs::read(&f).unwrap());
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
    // The running column holds the run's cadence (2.8 Hz bounce: 168 spm), the walking one
    // none, although the table keeps no step list.
    let cols: Vec<&str> = lines[0].split_whitespace().collect();
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    let (run, walk) = (
        cols.iter().position(|c| *c == "run").unwrap(),
        cols.iter().position(|c| *c == "walk").unwrap(),
    );
    // The cadence column prints "168 (a–b)": two words in the row for one in the header.
    assert_eq!(row[run + 1], "168", "{s}");
    assert_eq!(row[walk + 1], "-", "{s}");

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

/// `stridebeat analyze run.csv --json | head -1` is a normal way to stop reading: the closed
/// pipe is not a failure (exit 0, nothing on stderr).
#[test]
fn a_reader_closing_the_pipe_early_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough that the JSON (every step time) overflows the pipe buffer.
    let mut csv = String::from("t,x,y,z\n");
    for i in 0..60_000 {
        let t = f64::from(i) / 100.0;
        let z = 9.81 + 3.0 * (t * std::f64::consts::TAU * 2.8).sin();
        csv.push_str(&format!("{t:.2},0.1,0.2,{z:.4}\n"));
    }
    let path = dir.path().join("walk.csv");
    std::fs::write(&path, csv).unwrap();
    for extra in [&["--json"][..], &[][..]] {
        let path = path.to_str().unwrap();
        let (first, out) = stridebeat_first_line(["analyze", path].iter().chain(extra.iter()));
        assert!(!first.is_empty());
        assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{extra:?}: {}", text(&out.stderr));
    }
}

/// Regression: several inputs with the same file name (`*/accelerometer.csv`, the layout of
/// the Oxford recordings) each wrote `steps-accelerometer.csv`, overwriting one another.
#[test]
fn inputs_with_the_same_name_get_their_own_output_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = Vec::new();
    for (folder, rows) in [("hand", 1000), ("pocket", 600)] {
        let sub = dir.path().join(folder);
        std::fs::create_dir(&sub).unwrap();
        let f = recording(&sub, "accelerometer.csv");
        // Different lengths, so a file overwritten by the other input would show.
        let text = std::fs::read_to_string(&f).unwrap();
        let kept: Vec<&str> = text.lines().take(rows + 1).collect();
        std::fs::write(&f, kept.join("\n") + "\n").unwrap();
        inputs.push(f);
    }
    let csv = dir.path().join("steps.csv");
    let svg = dir.path().join("cadence.svg");
    let out = stridebeat(&[
        "analyze",
        inputs[0].to_str().unwrap(),
        inputs[1].to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (i, folder) in ["hand", "pocket"].iter().enumerate() {
        let steps = dir.path().join(format!("steps-{folder}-accelerometer.csv"));
        let written =
            std::fs::read_to_string(&steps).unwrap_or_else(|e| panic!("{}: {e}", steps.display()));
        assert_eq!(
            written.lines().count() as u64,
            1 + v[i]["steps"].as_u64().unwrap(),
            "{folder}: one row per step of its own input"
        );
        assert!(dir
            .path()
            .join(format!("cadence-{folder}-accelerometer.svg"))
            .exists());
    }
    assert!(!dir.path().join("steps-accelerometer.csv").exists());
}

/// Regression: `analyze - -` read standard input from two threads at once, each getting an
/// interleaved part of it, and reported two half recordings with exit 0.
#[test]
fn standard_input_can_be_given_only_once() {
    let out = stridebeat(&["analyze", "-", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("standard input"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

/// Regression: with a closed stdout (`| head -1`) the broken pipe hid every failed file: exit 0
/// and nothing on stderr, though a file could not be read.
#[test]
fn a_closed_pipe_does_not_hide_a_failed_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = recording(dir.path(), "run.csv");
    let missing = dir.path().join("missing.csv");
    // Many copies of the good file, so the JSON overflows the pipe buffer.
    let mut args: Vec<PathBuf> = vec![missing.clone()];
    args.extend(std::iter::repeat_n(f, 40));
    let (_, out) = stridebeat_first_line(
        ["analyze", "--json"]
            .iter()
            .map(std::ffi::OsStr::new)
            .chain(args.iter().map(|p| p.as_os_str())),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("missing.csv"), "{err}");
    assert!(err.contains("1 of 41 files"), "{err}");
}

/// With standard error closed too (`2>&1 | head -0`) the error message has nowhere to go; the
/// run still ends with its own status (2: a file could not be read), not a panic (101).
#[test]
fn a_closed_standard_error_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.csv");
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let status = Command::new(env!("CARGO_BIN_EXE_stridebeat"))
        .arg("analyze")
        .arg(&missing)
        .stdout(Stdio::null())
        .stderr(writer)
        .status()
        .expect("run stridebeat");
    assert_eq!(status.code(), Some(2));
}

/// A time column read in the wrong unit squeezes a run into a fraction of a second and finds
/// no steps; the runner is told to check the time unit instead of getting a silent "0 steps".
#[test]
fn an_implausible_sample_rate_warns_about_the_time_unit() {
    let dir = tempfile::tempdir().unwrap();
    let f = recording(dir.path(), "run.csv");
    let out = stridebeat(&["analyze", f.to_str().unwrap(), "--time-unit", "ms"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("run.csv") && err.contains("--time-unit"),
        "{err}"
    );
    // Read in its own unit, the same file gets no warning.
    let out = stridebeat(&["analyze", f.to_str().unwrap()]);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    // Milliseconds read as seconds stretch it a thousandfold.
    let ms = dir.path().join("ms.csv");
    let mut s = String::from("t,x,y,z\n");
    for i in 0..1000 {
        s.push_str(&format!("{},0.1,0.2,1.0\n", i * 20));
    }
    std::fs::write(&ms, s).unwrap();
    let out = stridebeat(&["analyze", ms.to_str().unwrap(), "--time-unit", "s"]);
    let err = text(&out.stderr);
    // Every interval is then a "gap", which must not hide the rate it implies.
    assert!(
        err.contains("--time-unit") && err.contains("one sample every 20.0 s"),
        "{err}"
    );
    // A long gap in a real recording is not a wrong unit.
    let gap = dir.path().join("gap.csv");
    let mut s = String::from("t,x,y,z\n");
    for i in 0..6000 {
        let t = f64::from(i) * 0.02 + if i >= 3000 { 3600.0 } else { 0.0 };
        s.push_str(&format!("{t:.2},0.1,0.2,1.0\n"));
    }
    std::fs::write(&gap, s).unwrap();
    let out = stridebeat(&["analyze", gap.to_str().unwrap()]);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// An output into a folder that does not exist is refused before the analysis, not after it.
#[test]
fn outputs_into_a_missing_folder_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let f = recording(dir.path(), "run.csv");
    let missing = dir.path().join("nope");
    for flag in ["--csv", "--plot"] {
        let out_file = missing.join(if flag == "--csv" { "s.csv" } else { "c.png" });
        let out = stridebeat(&[
            "analyze",
            f.to_str().unwrap(),
            flag,
            out_file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(err.contains(flag) && err.contains("no folder"), "{err}");
        assert!(out.stdout.is_empty(), "refused before any summary");
    }
}

/// Write `text` to `name` in `dir`.
fn file(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The acceptance review's unreadable inputs each get a message a runner understands, and
/// exit status 2: a header with no rows, a binary file, empty standard input.
#[test]
fn unreadable_inputs_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let h = file(dir.path(), "header_only.csv", b"t,x,y,z\n");
    let out = stridebeat(&["analyze", h.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("header_only.csv")
            && err.contains("header (line 1: `t,x,y,z`)")
            && err.contains("no data rows"),
        "{err}"
    );
    let bin: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 251) as u8).collect();
    let b = file(dir.path(), "garbage.csv", &bin);
    let out = stridebeat(&["analyze", b.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("garbage.csv: this does not look like a text (CSV) file"),
        "{err}"
    );
    let out = stridebeat_with_stdin(&["analyze", "-"], b"");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("standard input") && !err.contains("-:"),
        "{err}"
    );
}

/// `--rate` on a file with its own time column is not silently dropped: a warning names the
/// column and the way to make the rate count; JSON carries it too.
#[test]
fn an_unused_rate_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let f = recording(dir.path(), "run.csv");
    let out = stridebeat(&["analyze", f.to_str().unwrap(), "--rate", "50"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: ")
            && err.contains("run.csv")
            && err.contains("--rate 50 is not used")
            && err.contains("`time`")
            && err.contains("--columns -,ax,ay,az"),
        "{err}"
    );
    let out = stridebeat(&["analyze", "--json", f.to_str().unwrap(), "--rate", "50"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["warnings"][0].as_str().unwrap().contains("--rate 50"),
        "{v}"
    );
    // Followed, the advice takes the rate without a warning.
    let out = stridebeat(&[
        "analyze",
        f.to_str().unwrap(),
        "--rate",
        "50",
        "--columns",
        "-,ax,ay,az",
    ]);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        text(&out.stderr)
    );
}

/// A recording whose clock restarts halfway loses half its rows to "time goes backwards": the
/// summary warns how many, why and where, instead of a bare count at the bottom.
#[test]
fn many_skipped_rows_are_a_warning_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("time,ax,ay,az\n");
    for pass in 0..2 {
        for i in 0..1000 {
            let t = f64::from(i) * 0.02;
            let bounce = (t * 2.0 * std::f64::consts::PI * 2.8).sin() * 3.0;
            s.push_str(&format!(
                "{t:.2},0.1,0.2,{:.3}\n",
                9.8 + bounce + f64::from(pass)
            ));
        }
    }
    let f = file(dir.path(), "reset.csv", s.as_bytes());
    let out = stridebeat(&["analyze", f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    let warning = summary
        .lines()
        .find(|l| l.trim_start().starts_with("warning:"))
        .unwrap_or_else(|| panic!("no warning: {summary}"));
    assert!(
        warning.contains("1000 of 2000 rows")
            && warning.contains("time goes backwards")
            && warning.contains("line 1002")
            && warning.contains("restarted"),
        "{warning}"
    );
    let out = stridebeat(&["analyze", "--json", f.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["skipped_rows"]["count"], 1000);
    assert_eq!(v["skipped_rows"]["by_reason"]["time_backwards"], 999);
    // Two bad rows in a thousand are only listed, not a warning.
    let f = recording(dir.path(), "run.csv");
    let summary = text(&stridebeat(&["analyze", f.to_str().unwrap()]).stdout);
    assert!(!summary.contains("warning"), "{summary}");
}

/// Ten seconds without rows are "no data", not a stop: listed on their own line and in the
/// JSON `gaps`, and neither a stop nor moving time.
#[test]
fn a_gap_in_the_data_is_not_a_stop() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("time,ax,ay,az\n");
    for i in (0..6000).filter(|i| !(1500..2000).contains(i)) {
        let t = f64::from(i) * 0.02;
        let bounce = (t * 2.0 * std::f64::consts::PI * 2.8).sin() * 3.0;
        s.push_str(&format!("{t:.2},0.1,0.2,{:.3}\n", 9.8 + bounce));
    }
    let f = file(dir.path(), "gap.csv", s.as_bytes());
    let out = stridebeat(&["analyze", f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(
        summary.contains("no data (a gap in the recording"),
        "{summary}"
    );
    assert!(summary.contains("0:30–0:40 (10 s)"), "{summary}");
    assert!(!summary.contains("stops:"), "{summary}");
    let out = stridebeat(&["analyze", "--json", f.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["gap_count"], 1);
    let g = &v["gaps"][0];
    assert!((g["start_s"].as_f64().unwrap() - 29.98).abs() < 1e-6, "{v}");
    assert!((g["end_s"].as_f64().unwrap() - 40.0).abs() < 1e-6, "{v}");
    assert!(v["stops"].as_array().unwrap().is_empty(), "{v}");
    let moving = v["moving_time_s"].as_f64().unwrap();
    let duration = v["duration_s"].as_f64().unwrap();
    assert!(moving <= duration - 10.0 + 1e-6, "{moving} of {duration}");
}
