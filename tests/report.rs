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

/// A walk-only analysis: one long walk at 100 spm and two short bouts at 130 spm.
fn walks() -> FileReport {
    let mut t: Vec<f64> = (0..200).map(|i| i as f64 * 0.6).collect();
    let bout = |start: f64| (0..10).map(move |i| start + i as f64 * 60.0 / 130.0);
    t.extend(bout(200.0));
    t.extend(bout(300.0));
    let seg = |start_s: f64, end_s: f64, steps, cadence_spm| Segment {
        start_s,
        end_s,
        activity: Activity::Walk,
        steps,
        cadence_spm,
    };
    let analysis = Analysis {
        segments: vec![
            seg(0.0, t[199], 200, 100.0),
            seg(200.0, t[209], 10, 130.0),
            seg(300.0, t[219], 10, 130.0),
        ],
        cadence: Vec::new(),
        step_times_s: t,
    };
    FileReport::new(
        PathBuf::from("walks.csv"),
        "test layout".into(),
        40_000,
        4000.0,
        SkippedRows::default(),
        analysis,
    )
}

/// Regression: a segment's cadence in the JSON was the analysis's own estimate while the
/// summary printed the median of its step cadences, so the two disagreed on real files (a
/// 16-step walk: 114 spm in JSON, 119 in the summary). Both now give the summary's figure,
/// which is also the centre of the JSON's own `cadence_iqr_spm`.
#[test]
fn json_segment_cadence_is_the_one_the_summary_prints() {
    let mut r = report();
    r.analysis.segments[0].cadence_spm = 111.0; // the analysis's estimate, off on purpose
    let r = FileReport::new(
        r.path.clone(),
        r.format.clone(),
        r.samples,
        r.duration_s,
        r.skipped.clone(),
        r.analysis.clone(),
    );
    let v = serde_json::to_value(JsonReport::new(&r)).unwrap();
    let json = v["segments"][0]["cadence_spm"].as_f64().unwrap();
    let printed = r.summary.segments[0].spread.unwrap().median_spm;
    assert!((json - printed).abs() < 1e-9, "{json} vs {printed}");
    assert!((json - 120.0).abs() < 1e-6, "{json}");
    let iqr = &v["segments"][0]["cadence_iqr_spm"];
    assert!(iqr[0].as_f64().unwrap() <= json && json <= iqr[1].as_f64().unwrap());
}

/// Regression: the table's walk column was the median of per-segment medians, so two
/// 10-step bouts at 130 spm outvoted a 200-step walk at 100 spm.
#[test]
fn table_walk_cadence_weighs_every_step() {
    let r = walks();
    let rows = vec![("walks.csv".to_string(), Ok(&r))];
    let mut out = Vec::new();
    table::write_table(&mut out, &rows).unwrap();
    let s = String::from_utf8(out).unwrap();
    let row = s.lines().nth(1).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    // file, duration, steps, moving, cadence (2 cells), run, walk, stops, skipped
    assert_eq!(cells[6], "-", "no running: {row}");
    assert_eq!(cells[7], "100", "{row}");
}

/// Regression: an hour-long stop read "(3600 s)"; long spans are now in minutes or h:mm:ss.
#[test]
fn long_stops_read_in_minutes_and_hours() {
    let mut r = walks();
    r.analysis.segments[2].start_s += 3600.0;
    for t in r.analysis.step_times_s.iter_mut().skip(210) {
        *t += 3600.0;
    }
    r.analysis.segments[2].end_s += 3600.0;
    let r = FileReport::new(
        r.path.clone(),
        r.format.clone(),
        r.samples,
        4000.0,
        r.skipped.clone(),
        r.analysis.clone(),
    );
    let mut out = Vec::new();
    summary::write_summary(&mut out, &r).unwrap();
    let s = String::from_utf8(out).unwrap();
    let stops = s.lines().find(|l| l.contains("stops:")).unwrap();
    assert!(stops.contains("(81 s)"), "{stops}");
    assert!(stops.contains("(1:01:36)"), "{stops}");
    assert!(!stops.contains("3696 s"), "{stops}");
}

/// Regression: the first step after a stop had a "cadence" of 60 / the stop (1.5 spm after a
/// 40 s stop), which a spreadsheet average or chart takes at face value.
#[test]
fn step_csv_gives_no_cadence_across_a_stop() {
    let r = report();
    let mut out = Vec::new();
    steps_csv::write_steps_csv(&mut out, &r.analysis.step_times_s).unwrap();
    let s = String::from_utf8(out).unwrap();
    // Step 242 is the first after the 40 s stop (125 s → 165 s).
    let row = s.lines().nth(242).unwrap();
    assert_eq!(row, "242,165.0000,40.0000,", "{row}");
    assert!(s.lines().nth(243).unwrap().ends_with(",180.00"));
}

/// Only the activities a recording has appear in the plot's legend.
#[test]
fn plot_legend_names_only_the_activities_present() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("w.svg");
    plot::write_plot(&svg, &walks()).unwrap();
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.contains("walking"), "walk legend");
    assert!(
        !s.contains("running"),
        "no run legend on a walk-only recording"
    );
    let both = dir.path().join("b.svg");
    plot::write_plot(&both, &report()).unwrap();
    let s = std::fs::read_to_string(&both).unwrap();
    assert!(s.contains("walking") && s.contains("running"));
}

/// Regression: a PNG plot into a missing folder failed with the image library's debug text
/// (`ImageError(IoError(Os { code: 2, kind: NotFound, … }))`).
#[test]
fn a_plot_that_cannot_be_created_says_so_plainly() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["c.png", "c.svg"] {
        let path = dir.path().join("no such folder").join(name);
        let e = plot::write_plot(&path, &report()).unwrap_err().to_string();
        assert!(e.contains("cannot write the plot"), "{e}");
        assert!(e.contains("no such folder"), "{e}");
        assert!(!e.contains("IoError") && !e.contains("Os {"), "{e}");
    }
}

/// The reader's gaps reach the report: "no data" on its own line and in the JSON, and the 40 s
/// between the walk and the run is no longer a stop when there was no data for it.
#[test]
fn gaps_are_reported_as_no_data_not_stops() {
    use stridebeat::source::Gaps;
    let mut gaps = Gaps::default();
    gaps.record(125.0, 165.0);
    gaps.record(200.0, 212.0);
    let r = report().with_gaps(gaps);
    assert!(r.summary.stops.is_empty(), "{:?}", r.summary.stops);
    // The run segment (165–345 s) loses the 12 s without data.
    assert!((r.summary.moving_time_s - 288.0).abs() < 1e-9);
    let mut out = Vec::new();
    summary::write_summary(&mut out, &r).unwrap();
    let s = String::from_utf8(out).unwrap();
    assert!(!s.contains("stops:"), "{s}");
    assert!(
        s.contains("no data (2 gaps, 52 s in all, not counted as moving or stopped): 2:05–2:45 (40 s), 3:20–3:32 (12 s)"),
        "{s}"
    );
    let v = serde_json::to_value(JsonReport::new(&r)).unwrap();
    assert_eq!(v["gap_count"], 2);
    assert_eq!(v["gaps"][1]["start_s"], 200.0);
    assert_eq!(v["no_data_s"], 52.0);
    // Without gaps the same analysis has its stop and no "no data" line.
    let mut out = Vec::new();
    summary::write_summary(&mut out, &report()).unwrap();
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains("stops: 1") && !s.contains("no data"), "{s}");
}

/// More gaps than the reader keeps: the summary says that the rest could not be taken out of
/// moving time and stops, instead of silently counting them as moving.
#[test]
fn gaps_beyond_the_tracked_ones_are_admitted() {
    use stridebeat::source::error::MAX_GAPS_LISTED;
    use stridebeat::source::Gaps;
    let mut gaps = Gaps::default();
    for i in 0..MAX_GAPS_LISTED + 3 {
        let t = 0.01 * i as f64;
        gaps.record(t, t + 0.005);
    }
    let r = report().with_gaps(gaps);
    let mut out = Vec::new();
    summary::write_summary(&mut out, &r).unwrap();
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains("the last 3 are too many to track"), "{s}");
    // Fewer gaps: no such note.
    let mut out = Vec::new();
    let mut few = Gaps::default();
    few.record(125.0, 165.0);
    summary::write_summary(&mut out, &report().with_gaps(few)).unwrap();
    assert!(!String::from_utf8(out).unwrap().contains("too many"));
}

/// Skipped rows become a warning from 100 rows or 1 % of the rows on, with the main reason
/// and the first line; fewer stay a plain count.
#[test]
fn many_skipped_rows_warn_with_reason_and_place() {
    let mut few = SkippedRows::default();
    for line in 10..109 {
        few.record(line, SkipReason::NotANumber { column: 2 });
    }
    assert_eq!(
        summary::skipped_warning(&few, 1_000_000),
        None,
        "99 in a million"
    );
    let w = summary::skipped_warning(&few, 1000).expect("9 % of the rows");
    assert!(
        w.contains("99 of 1099 rows") && w.contains("99 not a number"),
        "{w}"
    );
    assert!(w.contains("first at line 10"), "{w}");
    assert!(!w.contains("restarted"), "{w}");
    let mut back = few.clone();
    back.record(
        500,
        SkipReason::TimeBackwards {
            t_s: 0.0,
            previous_s: 60.0,
        },
    );
    let w = summary::skipped_warning(&back, 1_000_000).expect("100 rows");
    assert!(w.contains("100 of 1000100 rows"), "{w}");
    let mut reset = SkippedRows::default();
    for line in 6002..8000 {
        reset.record(
            line,
            SkipReason::TimeBackwards {
                t_s: 0.0,
                previous_s: 60.0,
            },
        );
    }
    let w = summary::skipped_warning(&reset, 6000).unwrap();
    assert!(
        w.contains("time goes backwards") && w.contains("line 6002") && w.contains("restarted"),
        "{w}"
    );
}

#[test]
fn a_one_foot_sensor_is_named_in_the_summary_and_json() {
    let summary_of = |r: &FileReport| {
        let mut out = Vec::new();
        summary::write_summary(&mut out, r).unwrap();
        String::from_utf8(out).unwrap()
    };
    let plain = report();
    assert!(!summary_of(&plain).contains("one foot"));
    assert_eq!(JsonReport::new(&plain).other_foot_steps, 0);
    // A few (under a tenth of the 782 steps): counted in the JSON, not worth a line.
    let mut few = report();
    few.other_foot_steps = 40;
    assert!(!summary_of(&few).contains("one foot"));
    assert_eq!(JsonReport::new(&few).other_foot_steps, 40);
    let mut foot = report();
    foot.other_foot_steps = 390;
    let s = summary_of(&foot);
    let line = s
        .lines()
        .find(|l| l.contains("one foot"))
        .expect("one-foot line");
    assert!(
        line.contains("390 of these steps were put in half-way"),
        "{s}"
    );
    let json = serde_json::to_value(JsonReport::new(&foot)).unwrap();
    assert_eq!(json["other_foot_steps"], 390);
}
