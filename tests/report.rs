//! Report formatting from a hand-made [`Analysis`]: the summary, JSON, table, step CSV and plot
//! say what the analysis says, whatever the detector would find.

use std::path::PathBuf;
use stridebeat::gait::analysis::{Activity, Analysis, CadencePoint, Segment};
use stridebeat::report::json::JsonReport;
use stridebeat::report::{plot, steps_csv, summary, table, FileReport};
use stridebeat::source::{SkipReason, SkippedRows};

/// 2 min walking at 120 spm, a 40 s stop, 3 min running at 180 spm.
fn report() -> FileReport {
    let mut t: Vec<f64> = (0..=240).map(|i| 5.0 + i as f64 * 0.5).collect();
    t.extend((0..=540).map(|i| 165.0 + i as f64 / 3.0));
    let analysis = Analysis {
        segments: vec![
            Segment {
                start_s: 5.0,
                end_s: 125.0,
                activity: Activity::Walk,
                steps: 241,
                cadence_spm: 120.0,
            },
            Segment {
                start_s: 165.0,
                end_s: 345.0,
                activity: Activity::Run,
                steps: 541,
                cadence_spm: 180.0,
            },
        ],
        cadence: t
            .iter()
            .map(|&t| CadencePoint {
                t_s: t,
                spm: if t < 150.0 { 120.0 } else { 180.0 },
            })
            .collect(),
        step_times_s: t,
    };
    let mut skipped = SkippedRows::default();
    skipped.record(7, SkipReason::NotFinite { column: 2 });
    FileReport::new(
        PathBuf::from("session.csv"),
        "test layout".into(),
        35_000,
        350.0,
        skipped,
        analysis,
    )
}

#[test]
fn summary_lists_cadence_segments_stops_and_skips() {
    let mut out = Vec::new();
    summary::write_summary(&mut out, &report()).unwrap();
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains("5:50 recorded · 782 steps · moving 5:00"), "{s}");
    assert!(s.contains("cadence 180 spm"), "{s}");
    let walk = s.lines().find(|l| l.contains(" walk ")).expect("walk line");
    assert!(
        walk.contains("0:05") && walk.contains("2:05") && walk.contains("120 spm"),
        "{walk}"
    );
    let run = s.lines().find(|l| l.contains(" run ")).expect("run line");
    assert!(
        run.contains("541 steps") && run.contains("180 spm"),
        "{run}"
    );
    assert!(s.contains("stops: 1 — 2:05–2:45 (40 s)"), "{s}");
    assert!(s.contains("cadence over time (30 s bins"), "{s}");
    // 120 spm → ▄, 180 spm → ▇ on the 60…220 scale; the 40 s stop falls across two bins.
    assert!(s.contains("): ▄▄▄▄▄▇▇▇▇▇▇▇\n"), "{s}");
    assert!(s.contains("skipped rows: 1 (line 7: NaN"), "{s}");
}

#[test]
fn json_carries_the_analysis() {
    let r = report();
    let v = serde_json::to_value(JsonReport::new(&r)).unwrap();
    assert_eq!(v["steps"], 782);
    assert_eq!(v["step_times_s"].as_array().unwrap().len(), 782);
    assert_eq!(v["step_times_s"][0], 5.0);
    assert!((v["cadence_spm"].as_f64().unwrap() - 180.0).abs() < 1e-6);
    assert_eq!(v["segments"][0]["activity"], "walk");
    assert_eq!(v["segments"][1]["activity"], "run");
    assert_eq!(v["segments"][1]["steps"], 541);
    assert_eq!(v["stops"][0]["start_s"], 125.0);
    assert_eq!(v["moving_time_s"], 300.0);
    assert_eq!(v["skipped_rows"]["count"], 1);
    assert_eq!(v["skipped_rows"]["first"][0]["line"], 7);
}

#[test]
fn table_rows_follow_the_given_order() {
    let r = report();
    let rows = vec![
        ("b.csv".to_string(), Ok(&r)),
        ("a.csv".to_string(), Err("the file is empty".to_string())),
    ];
    let mut out = Vec::new();
    table::write_table(&mut out, &rows).unwrap();
    let s = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = s.lines().collect();
    assert!(
        lines[1].starts_with("b.csv") && lines[1].contains(" 180 ") && lines[1].contains(" 120 ")
    );
    assert!(lines[2].starts_with("a.csv") && lines[2].contains("error: the file is empty"));
}

#[test]
fn step_csv_has_a_row_per_step() {
    let r = report();
    let mut out = Vec::new();
    steps_csv::write_steps_csv(&mut out, &r.analysis.step_times_s).unwrap();
    let s = String::from_utf8(out).unwrap();
    assert_eq!(s.lines().count(), 1 + 782);
    assert!(s.lines().nth(2).unwrap().ends_with(",0.5000,120.00"));
}

#[test]
fn plots_shade_segments_in_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let r = report();
    let svg = dir.path().join("c.svg");
    plot::write_plot(&svg, &r).unwrap();
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.matches("<rect").count() >= 3, "background + two segments");
    assert!(s.contains("session.csv — 782 steps, cadence 180 spm"));
    let png = dir.path().join("c.png");
    plot::write_plot(&png, &r).unwrap();
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    assert!(plot::write_plot(&dir.path().join("c.gif"), &r).is_err());
    // An empty analysis still plots.
    let empty = FileReport::new(
        PathBuf::from("e.csv"),
        String::new(),
        0,
        0.0,
        SkippedRows::default(),
        Analysis::default(),
    );
    plot::write_plot(&dir.path().join("e.svg"), &empty).unwrap();
}
