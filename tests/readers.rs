//! Reader tests: every layout of the shared data set read by detection alone (plus `--rate` where
//! the file has none), inline fixtures for the phone-app layouts, and the bad-row rules.
//!
//! The shared recordings live in `../shared/data` (override with `STRIDEBEAT_DATA`); tests that
//! need them print a note and pass when the folder is absent, because some of those files are
//! GPL/AGPL and stay out of this repository.

use std::path::PathBuf;
use stridebeat::gait::AccelSample;
use stridebeat::source::{
    read_all, AccelReader, Axes, ColumnSpec, LineDecoder, ReadOptions, Recording, SkipReason,
    SourceError, TimeSource, TimeUnit, Units,
};

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("STRIDEBEAT_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.join("index.json").exists() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: shared data folder {} not found (set STRIDEBEAT_DATA)",
            dir.display()
        );
        None
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn median_magnitude(samples: &[AccelSample]) -> f64 {
    median(
        samples
            .iter()
            .map(|s| {
                let [x, y, z] = s.acc.map(f64::from);
                (x * x + y * y + z * z).sqrt()
            })
            .collect(),
    )
}

fn median_rate(samples: &[AccelSample]) -> f64 {
    1.0 / median(samples.windows(2).map(|w| w[1].t_s - w[0].t_s).collect())
}

/// Count the data rows of a file the slow, obvious way (lines with a digit after the header).
fn data_lines(path: &std::path::Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .unwrap();
        out
    } else {
        bytes
    };
    String::from_utf8_lossy(&text)
        .lines()
        .filter(|l| {
            let first = l.split([',', '\t']).next().unwrap_or("");
            !first.is_empty()
                && first
                    .bytes()
                    .all(|c| c.is_ascii_digit() || b".-: ".contains(&c))
        })
        .count()
}

#[test]
fn every_recording_of_the_data_set_reads_by_detection() {
    let Some(dir) = data_dir() else { return };
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    for entry in index.as_array().unwrap() {
        let path = dir.join(entry["accel_file"].as_str().unwrap());
        let fs_hz = entry["fs_hz"].as_f64().unwrap();
        let duration_s = entry["duration_s"].as_f64().unwrap();
        let rec = match read_all(&path, &ReadOptions::default()) {
            Ok(r) => r,
            Err(SourceError::RateRequired { .. }) => {
                // Sample-index files need the rate; give it as a user would.
                let opts = ReadOptions {
                    rate_hz: Some(fs_hz),
                    ..Default::default()
                };
                read_all(&path, &opts).unwrap()
            }
            Err(e) => panic!("{}: {e}", path.display()),
        };
        let n = rec.samples.len();
        eprintln!(
            "{}: {n} samples, {} skipped, rate {:.1} Hz, {:.1} s, |a| {:.2}: {}",
            path.display(),
            rec.skipped.count,
            median_rate(&rec.samples),
            rec.samples[n - 1].t_s,
            median_magnitude(&rec.samples),
            rec.layout.describe()
        );
        assert_eq!(rec.samples[0].t_s, 0.0, "{}", path.display());
        assert!(
            rec.samples.windows(2).all(|w| w[1].t_s > w[0].t_s),
            "{}: times increase",
            path.display()
        );
        assert_eq!(
            n as u64 + rec.skipped.count,
            data_lines(&path) as u64,
            "{}: every data row is a sample or a counted skip",
            path.display()
        );
        let rate = median_rate(&rec.samples);
        assert!(
            (rate / fs_hz - 1.0).abs() < 0.03,
            "{}: rate {rate:.1} Hz vs {fs_hz}",
            path.display()
        );
        let dur = rec.samples[n - 1].t_s;
        assert!(
            // The index counts rows; a sample counter with dropped packets makes the kept
            // timeline longer, never shorter.
            dur > 0.98 * duration_s - 0.2 && dur < 1.2 * duration_s + 0.2,
            "{}: duration {dur:.1} s vs {duration_s} (packet-counter gaps are kept)",
            path.display()
        );
        let mag = median_magnitude(&rec.samples);
        assert!(
            (8.0..12.0).contains(&mag),
            "{}: median |a| {mag:.2} m/s² should be about 1 g",
            path.display()
        );
    }
}

const G: f32 = 9.806_65;

/// Write `text` to a temporary file named `name` and read it with `opts`. A plain file is
/// memory-mapped by the reader: the same file read as a stream must give the same recording,
/// bit for bit (or the same error).
fn read_text(name: &str, text: &str, opts: &ReadOptions) -> Result<Recording, SourceError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let mapped = read_all(&path, opts);
    let streamed = read_streamed(&path, opts);
    match (&mapped, &streamed) {
        (Ok(m), Ok(s)) => {
            assert_eq!(
                bits(&m.samples),
                bits(&s.samples),
                "mapped vs streamed samples"
            );
            assert_eq!(m.skipped, s.skipped);
            assert_eq!(m.gaps, s.gaps);
            assert_eq!(m.layout, s.layout);
        }
        (Err(m), Err(s)) => assert_eq!(m.to_string(), s.to_string()),
        _ => panic!("mapped {mapped:?} vs streamed {streamed:?}"),
    }
    mapped
}

/// Read a file through the stream path (as standard input or a pipe would be read).
fn read_streamed(path: &std::path::Path, opts: &ReadOptions) -> Result<Recording, SourceError> {
    let file = std::fs::File::open(path).unwrap();
    let mut reader = AccelReader::from_reader(path, Box::new(file), opts)?;
    let samples = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    Ok(Recording {
        samples,
        layout: reader.layout().clone(),
        skipped: reader.skipped().clone(),
        gaps: reader.gaps().clone(),
    })
}

/// Samples as bits, so a wrong sign on zero or any rounding difference shows.
fn bits(samples: &[AccelSample]) -> Vec<(u64, [u32; 3])> {
    samples
        .iter()
        .map(|s| (s.t_s.to_bits(), s.acc.map(f32::to_bits)))
        .collect()
}

fn read_ok(text: &str) -> Recording {
    read_text("f.csv", text, &ReadOptions::default()).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6 * (1.0 + b.abs())
}

/// The same text fed line by line to a `LineDecoder` gives the same samples as the file reader.
fn assert_line_decoder_agrees(text: &str, opts: &ReadOptions) {
    let file = read_text("f.csv", text, opts).unwrap();
    let mut dec = LineDecoder::new("stream", opts.clone());
    let mut out = Vec::new();
    for line in text.lines() {
        dec.push_line(line, &mut out).unwrap();
    }
    dec.finish(&mut out).unwrap();
    assert_eq!(out, file.samples);
    assert_eq!(dec.skipped().count, file.skipped.count);
}

fn phyphox() -> String {
    let mut s = String::from(
        "\"Time (s)\",\"Acceleration x (m/s^2)\",\"Acceleration y (m/s^2)\",\"Acceleration z (m/s^2)\",\"Absolute acceleration (m/s^2)\"\n",
    );
    for i in 0..20 {
        // phyphox writes scientific notation; here linear acceleration (gravity removed).
        s.push_str(&format!(
            "{:.9E},{:.9E},{:.9E},{:.9E},{:.9E}\n",
            i as f64 * 0.0025,
            0.1,
            -0.2,
            0.05 * i as f64,
            0.3
        ));
    }
    s
}

#[test]
fn phyphox_export_reads_in_m_s2_by_header() {
    let r = read_ok(&phyphox());
    assert_eq!(r.samples.len(), 20);
    assert_eq!(r.layout.axes, Axes::Xyz([1, 2, 3]));
    assert_eq!(r.layout.scale_to_ms2, 1.0, "{}", r.layout.describe());
    assert!(close(r.samples[4].t_s, 0.01));
    assert!(close(f64::from(r.samples[2].acc[2]), 0.1));
    assert_line_decoder_agrees(&phyphox(), &ReadOptions::default());
}

fn sensor_logger() -> String {
    let mut s = String::from("time,seconds_elapsed,z,y,x\n");
    for i in 0..20u64 {
        s.push_str(&format!(
            "{},{},9.8,0.5,0.1\n",
            1_700_000_000_123_456_789 + i * 10_000_000,
            i as f64 * 0.01
        ));
    }
    s
}

#[test]
fn sensor_logger_z_y_x_order_and_epoch_nanoseconds() {
    let r = read_ok(&sensor_logger());
    assert_eq!(r.samples.len(), 20);
    assert_eq!(r.samples[0].acc, [0.1, 0.5, 9.8], "columns mapped by name");
    // Epoch nanoseconds subtract exactly: 10 ms apart to the nanosecond.
    assert!((r.samples[19].t_s - 0.19).abs() < 1e-12);
    assert!(matches!(
        r.layout.time,
        TimeSource::Column {
            column: 0,
            unit: TimeUnit::Nanos,
            ..
        }
    ));
    assert_line_decoder_agrees(&sensor_logger(), &ReadOptions::default());
}

#[test]
fn physics_toolbox_semicolons_decimal_comma_and_clock_times() {
    let mut s = String::from("time;gFx;gFy;gFz;TgF\n");
    for i in 0..20 {
        let ms = 125 + i * 20;
        s.push_str(&format!(
            "10:15:{:02}:{:03};0,01;-0,02;1,{:02};1,00\n",
            20 + ms / 1000,
            ms % 1000,
            i
        ));
    }
    let r = read_ok(&s);
    assert_eq!(r.samples.len(), 20);
    assert!(r.layout.decimal_comma && r.layout.delimiter == b';');
    assert!((r.samples[0].acc[0] - 0.01 * G).abs() < 1e-5, "g from `gF`");
    assert!((r.samples[3].acc[2] - 1.03 * G).abs() < 1e-4);
    assert!(close(r.samples[19].t_s, 0.38));
    assert_line_decoder_agrees(&s, &ReadOptions::default());

    // Seconds in the time column, comma separated.
    let s = "time,gFx,gFy,gFz,TgF\n0.000,0,0,1,1\n0.010,0,0,1.1,1.1\n0.020,0,0,0.9,0.9\n";
    let r = read_ok(s);
    assert!(close(r.samples[2].t_s, 0.02));
    assert!((r.samples[1].acc[2] - 1.1 * G).abs() < 1e-4);
}

#[test]
fn time_units_from_names_increments_dates_and_clocks() {
    let cases: [(&str, f64); 6] = [
        ("timestamp_ms,acc_x,acc_y,acc_z\n1000,0,0,1\n1010,0,0,1\n1020,0,0,1\n", 0.02),
        ("t,x,y,z\n5000000,0,0,1\n5010000,0,0,1\n5020000,0,0,1\n", 0.02),
        ("time,ax,ay,az\n12.50,0,0,9.8\n12.52,0,0,9.8\n12.54,0,0,9.8\n", 0.04),
        (
            "date_time,x,y,z\n2018-10-25T23:59:59.99Z,0,0,1\n2018-10-26T00:00:00.00Z,0,0,1\n2018-10-26T00:00:00.01Z,0,0,1\n",
            0.02,
        ),
        ("clock,x,y,z\n59:59.990,0,0,1\n60:00.000,0,0,1\n60:00.010,0,0,1\n", 0.02),
        ("Time (ms),x,y,z\n0,0,0,1\n40,0,0,1\n80,0,0,1\n", 0.08),
    ];
    for (text, last) in cases {
        let r = read_ok(text);
        assert!(
            (r.samples[2].t_s - last).abs() < 1e-6,
            "{text}: {} vs {last} ({})",
            r.samples[2].t_s,
            r.layout.describe()
        );
        assert_line_decoder_agrees(text, &ReadOptions::default());
    }
}

#[test]
fn preamble_rate_and_headerless_rows_without_time() {
    let mut s = String::from(
        "------------ Data File Created By ActiGraph -----------\nSerial Number: X\nSample Rate = 30 Hz\n--------------------------------------------------\nAccelerometer X,Accelerometer Y,Accelerometer Z\n",
    );
    for _ in 0..30 {
        s.push_str("0.012,-0.980,0.105\n");
    }
    let r = read_ok(&s);
    assert_eq!(r.layout.time, TimeSource::Rate { rate_hz: 30.0 });
    assert_eq!(r.layout.data_start_line, 6);
    assert!(close(r.samples[29].t_s, 29.0 / 30.0));
    assert!((r.samples[0].acc[1] + 0.98 * G).abs() < 1e-4);
}

#[test]
fn unknown_integer_units_are_scaled_to_one_g() {
    let mut s = String::from("Timestamp,Magnitude,Steps\n");
    for i in 0..101 {
        s.push_str(&format!(
            "{:.2},{},\n",
            i as f64 * 0.04,
            16000 + (i % 3) * 1000
        ));
    }
    let r = read_ok(&s);
    let mut m: Vec<f32> = r.samples.iter().map(|x| x.acc[0]).collect();
    m.sort_by(f32::total_cmp);
    assert!((m[50] - G).abs() < 1e-3, "median magnitude is 1 g");
    assert!(r.samples.iter().all(|x| x.acc[1] == 0.0 && x.acc[2] == 0.0));
    assert!(matches!(r.layout.axes, Axes::Magnitude(1)));
}

#[test]
fn bad_rows_are_skipped_counted_and_located_and_gaps_kept() {
    let text = "time,ax,ay,az\n\
                0.00,0,0,9.8\n\
                0.01,nan,0,9.8\n\
                0.02,1,2\n\
                0.03,abc,0,9.8\n\
                0.04,0,0,9.8\n\
                0.03,0,0,9.8\n\
                0.04,0,0,9.8\n\
                0.05,1e300,0,0\n\
                0.06,0,inf,0\n\
                10.00,0,0,9.8\n";
    let r = read_ok(text);
    let t: Vec<f64> = r.samples.iter().map(|s| s.t_s).collect();
    assert_eq!(t, vec![0.0, 0.04, 10.0], "the 10 s gap is honoured");
    assert_eq!(r.skipped.count, 7);
    let lines: Vec<u64> = r.skipped.first.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 7, 8, 9, 10]);
    let reasons: Vec<&SkipReason> = r.skipped.first.iter().map(|s| &s.reason).collect();
    assert!(matches!(reasons[0], SkipReason::NotFinite { column: 2 }));
    assert!(matches!(
        reasons[1],
        SkipReason::TooFewFields {
            found: 3,
            needed: 4
        }
    ));
    assert!(matches!(reasons[2], SkipReason::NotANumber { column: 2 }));
    assert!(matches!(reasons[3], SkipReason::TimeBackwards { .. }));
    assert!(matches!(reasons[4], SkipReason::DuplicateTime { .. }));
    assert!(matches!(reasons[5], SkipReason::NotFinite { column: 2 }));
    assert!(matches!(reasons[6], SkipReason::NotFinite { column: 3 }));
    assert_line_decoder_agrees(text, &ReadOptions::default());
}

#[test]
fn skipped_examples_are_capped_but_all_counted() {
    let mut s = String::from("time,ax,ay,az\n0,0,0,9.8\n");
    for i in 1..=100 {
        s.push_str(&format!("{i},x,0,9.8\n"));
    }
    let r = read_ok(&s);
    assert_eq!(r.skipped.count, 100);
    assert_eq!(
        r.skipped.first.len(),
        stridebeat::source::error::MAX_SKIPPED_EXAMPLES
    );
}

#[test]
fn fatal_problems_name_the_file_and_line() {
    let opts = ReadOptions::default();
    let e = read_text("empty.csv", "", &opts).unwrap_err();
    assert!(matches!(e, SourceError::Empty { .. }));
    assert!(e.to_string().contains("empty.csv"), "{e}");
    let e = read_text("h.csv", "time,ax,ay,az\n", &opts).unwrap_err();
    assert!(matches!(e, SourceError::NoDataRows { line: 1, .. }), "{e}");
    let e = read_text("u.csv", "foo,bar\n1,2\n2,3\n3,4\n", &opts).unwrap_err();
    assert!(
        matches!(e, SourceError::UnknownLayout { line: 1, .. })
            && e.to_string().contains("u.csv:1"),
        "{e}"
    );
    let e = read_text("n.csv", "time,ax,ay,az\n0,x,0,0\n1,y,0,0\n2,z,0,0\n", &opts).unwrap_err();
    assert!(
        matches!(
            e,
            SourceError::NoNumericColumns { .. } | SourceError::NoSamples { .. }
        ),
        "{e}"
    );
    let e = read_text(
        "all_bad.csv",
        "time,ax,ay,az\n0,nan,0,1\n1,nan,0,1\n2,nan,0,1\n",
        &opts,
    )
    .unwrap_err();
    assert!(matches!(e, SourceError::NoSamples { .. }), "{e}");
    let e = read_all("/nonexistent/run.csv", &opts).unwrap_err();
    assert!(matches!(e, SourceError::Io { .. }) && e.to_string().contains("run.csv"));
    let e = read_text(
        "m.csv",
        "samples,acc_x,acc_y,acc_z\n0,1,0,0\n1,1,0,0\n2,1,0,0\n",
        &opts,
    )
    .unwrap_err();
    assert!(matches!(e, SourceError::RateRequired { .. }));
    assert!(e.to_string().contains("--rate"), "{e}");
}

#[test]
fn explicit_options_override_detection() {
    // Headerless file whose first column is not time: positions, rate, units given.
    let text = "7,0.1,0.2,0.9\n7,0.1,0.2,1.1\n7,0.1,0.2,1.0\n7,0.1,0.2,1.0\n";
    let opts = ReadOptions {
        columns: Some("-,2,3,4".parse::<ColumnSpec>().unwrap()),
        rate_hz: Some(50.0),
        units: Units::MetersPerSecond2,
        ..Default::default()
    };
    let r = read_text("p.csv", text, &opts).unwrap();
    assert!(close(r.samples[3].t_s, 0.06));
    assert_eq!(
        r.samples[1].acc,
        [0.1, 0.2, 1.1],
        "units given, not detected as g"
    );

    // Names, and a time unit that detection would not pick.
    let text = "a,b,c,d,e\n0,1,2,3,0\n1,1,2,3,0\n2,1,2,3,0\n";
    let opts = ReadOptions {
        columns: Some("a,d,c,b".parse().unwrap()),
        time_unit: Some(TimeUnit::Seconds),
        units: Units::G,
        ..Default::default()
    };
    let r = read_text("n.csv", text, &opts).unwrap();
    assert!(close(r.samples[2].t_s, 2.0));
    assert_eq!(r.samples[0].acc, [3.0 * G, 2.0 * G, G]);

    // A missing name or position is a clear option error.
    let opts = ReadOptions {
        columns: Some("a,x,y,z".parse().unwrap()),
        ..Default::default()
    };
    let e = read_text("n.csv", text, &opts).unwrap_err();
    assert!(matches!(e, SourceError::BadOption { .. }) && e.to_string().contains("`x`"));
    let opts = ReadOptions {
        columns: Some("1,2,3,9".parse().unwrap()),
        ..Default::default()
    };
    assert!(matches!(
        read_text("n.csv", text, &opts),
        Err(SourceError::BadOption { .. })
    ));

    // --rate overrides a rate stated in the file.
    let text = "Acquisition frequency: 100 Hz\nPacketCounter\tAcc_X\tAcc_Y\tAcc_Z\n0\t0\t0\t9.8\n1\t0\t0\t9.8\n3\t0\t0\t9.8\n";
    let r = read_text("i.txt", text, &ReadOptions::default()).unwrap();
    assert!(close(r.samples[2].t_s, 0.03), "packet gap kept");
    let opts = ReadOptions {
        rate_hz: Some(50.0),
        ..Default::default()
    };
    let r = read_text("i.txt", text, &opts).unwrap();
    assert!(close(r.samples[2].t_s, 0.06));
}

#[test]
fn gzip_crlf_and_bom_read_like_plain_text() {
    use std::io::Write as _;
    let plain = sensor_logger();
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("rec.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(plain.as_bytes()).unwrap();
    enc.finish().unwrap();
    let a = read_all(&gz, &ReadOptions::default()).unwrap();
    let b = read_ok(&plain);
    assert_eq!(a.samples, b.samples);
    let crlf = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
    let c = read_ok(&crlf);
    assert_eq!(c.samples, b.samples);
    assert_eq!(c.skipped.count, 0);
}

#[test]
fn line_decoder_with_known_layout_and_batched_lines() {
    let file = read_ok(&sensor_logger());
    let mut dec = LineDecoder::with_layout("udp", file.layout.clone());
    let mut out = Vec::new();
    let text = sensor_logger();
    let body: Vec<&str> = text.lines().skip(1).collect();
    // Two datagrams carrying several lines each.
    dec.push_line(&body[..10].join("\n"), &mut out).unwrap();
    dec.push_line(&body[10..].join("\r\n"), &mut out).unwrap();
    assert_eq!(out, file.samples);
    assert!(dec.layout().is_some());
    // A stream that never shows data gives an error at finish.
    let mut dec = LineDecoder::new("stdin", ReadOptions::default());
    dec.push_line("hello", &mut out).unwrap();
    assert!(dec.finish(&mut out).is_err());
}

#[test]
fn large_files_read_in_parallel_blocks_match_line_by_line_decoding() {
    // ~3.5 MB: several parse blocks; bad rows scattered across block boundaries.
    let mut s = String::from("time,ax,ay,az\n");
    let mut bad_lines = Vec::new();
    for i in 0..120_000u64 {
        let line = i + 2;
        if i % 7919 == 5 {
            s.push_str("oops,1,2,3\n");
            bad_lines.push(line);
        } else {
            s.push_str(&format!(
                "{:.2},{:.4},0.5,9.8\n",
                i as f64 * 0.01,
                (i % 97) as f64 * 0.01
            ));
        }
    }
    let r = read_ok(&s);
    assert_eq!(r.samples.len() + bad_lines.len(), 120_000);
    assert_eq!(r.skipped.count, bad_lines.len() as u64);
    let lines: Vec<u64> = r.skipped.first.iter().map(|x| x.line).collect();
    assert_eq!(lines, bad_lines[..lines.len()].to_vec());
    assert_line_decoder_agrees(&s, &ReadOptions::default());
}

#[test]
fn line_numbers_count_blank_and_comment_lines() {
    let text = "time,ax,ay,az\n0,0,0,9.8\n# note\n\n0.01,x,0,9.8\n0.02,0,0,9.8\n\r\n  \n0.03,y,0,9.8\n0.04,0,0,9.8\n";
    let r = read_ok(text);
    let lines: Vec<u64> = r.skipped.first.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![5, 9]);
    assert_eq!(r.samples.len(), 3);
    assert_line_decoder_agrees(text, &ReadOptions::default());
}

#[test]
fn quoted_fields_may_hold_separators_and_escaped_quotes() {
    let text = "Timestamp,Magnitude,Note\n0.00,16000,\"{'a': 1, \"\"b\"\": 2}\"\n0.04,16100,\n0.08,15900,\"x,y\"\n0.12,16000,\n";
    let r = read_ok(text);
    assert_eq!(r.samples.len(), 4);
    assert_eq!(r.skipped.count, 0);
    assert_line_decoder_agrees(text, &ReadOptions::default());
}

#[test]
fn batches_and_the_iterator_give_the_same_samples() {
    let mut s = String::from("time,ax,ay,az\n");
    for i in 0..50_000 {
        s.push_str(&format!("{:.2},0.1,{},9.8\n", i as f64 * 0.01, i % 7));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.csv");
    std::fs::write(&path, &s).unwrap();
    let mut reader = stridebeat::source::open(&path, &ReadOptions::default()).unwrap();
    let mut all = Vec::new();
    // Mix the two: one sample by iterator, then batches.
    all.push(reader.next().unwrap().unwrap());
    let mut batch = Vec::new();
    let mut batches = 0;
    while reader.read_batch(&mut batch).unwrap() {
        all.extend_from_slice(&batch);
        batches += 1;
    }
    assert!(batches > 1, "a 1.2 MB file comes in several batches");
    assert_eq!(reader.samples_read(), 50_000);
    assert_eq!(
        all,
        read_all(&path, &ReadOptions::default()).unwrap().samples
    );
}

#[test]
fn research_sensor_exports_with_preambles_and_their_date_formats() {
    // ActiGraph raw CSV: a preamble, a header, US month-first time stamps, g.
    let mut s = String::from(
        "------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v2.5.0 date format M/d/yyyy at 30 Hz  Filter Normal -----------\nSerial Number: NEO1F00000\nStart Time 10:00:00\nStart Date 10/19/2016\n--------------------------------------------------\nTimestamp,Accelerometer X,Accelerometer Y,Accelerometer Z\n",
    );
    for i in 0..60 {
        s.push_str(&format!(
            "10/19/2016 10:00:{:02}.{:03},0.012,-0.980,0.105\n",
            i / 30,
            (i % 30) * 1000 / 30
        ));
    }
    let r = read_ok(&s);
    assert_eq!(r.samples.len(), 60);
    assert_eq!(r.layout.data_start_line, 7);
    assert!(
        (r.samples[59].t_s - 1.966).abs() < 1e-9,
        "{}",
        r.samples[59].t_s
    );
    assert!((r.samples[0].acc[1] + 0.98 * G).abs() < 1e-4);

    // GENEActiv: a long preamble, no header, `:mmm` milliseconds, extra columns after z.
    let mut s =
        String::from("Device Identity\nDevice Type,GENEActiv\nMeasurement Frequency,100 Hz\n");
    for k in 0..60 {
        s.push_str(&format!("Preamble line {k},value\n"));
    }
    for i in 0..200 {
        s.push_str(&format!(
            "2016-10-19 10:00:{:02}:{:03},{:.3},-0.9,0.2,312,0,25.5\n",
            i / 100,
            (i % 100) * 10,
            0.01 * f64::from(i % 5)
        ));
    }
    let r = read_ok(&s);
    assert_eq!(r.samples.len(), 200, "{}", r.layout.describe());
    assert_eq!(r.layout.axes, Axes::Xyz([1, 2, 3]));
    assert!((r.samples[150].t_s - 1.5).abs() < 1e-9);
}

/// A stream that breaks after `good` bytes.
struct Breaks {
    data: std::io::Cursor<Vec<u8>>,
    good: u64,
}

impl std::io::Read for Breaks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.data.position() >= self.good {
            return Err(std::io::Error::other("device unplugged"));
        }
        let room = (self.good - self.data.position()).min(buf.len() as u64) as usize;
        self.data.read(&mut buf[..room])
    }
}

#[test]
fn an_input_error_mid_file_comes_after_the_samples_before_it() {
    let mut s = String::from("time,ax,ay,az\n");
    for i in 0..100_000 {
        s.push_str(&format!("{:.2},0.1,{},9.8\n", i as f64 * 0.01, i % 7));
    }
    let good = s.len() as u64 / 2;
    let whole_lines = s.as_bytes()[..good as usize]
        .iter()
        .filter(|&&c| c == b'\n')
        .count() as u64
        - 1;
    let input = Breaks {
        data: std::io::Cursor::new(s.into_bytes()),
        good,
    };
    let mut reader = stridebeat::source::AccelReader::from_reader(
        "b.csv",
        Box::new(input),
        &ReadOptions::default(),
    )
    .unwrap();
    let mut batch = Vec::new();
    let mut last_t = -1.0;
    let err = loop {
        assert!(!reader.at_end(), "the error is still to come");
        match reader.read_batch(&mut batch) {
            Ok(true) => {
                assert!(batch[0].t_s > last_t);
                last_t = batch.last().unwrap().t_s;
            }
            Ok(false) => panic!("the stream ended without its error"),
            Err(e) => break e,
        }
    };
    assert!(matches!(err, SourceError::Io { .. }), "{err}");
    // Samples from before the break only, in order.
    assert!(reader.samples_read() > 0 && reader.samples_read() <= whole_lines);
    assert!(reader.at_end());
}

/// A file with only its header says so, naming the file and the header line, instead of "no
/// numeric columns in the first 1 lines".
#[test]
fn a_header_without_data_rows_is_named_as_such() {
    let opts = ReadOptions::default();
    for text in ["t,x,y,z\n", "t,x,y,z", "\n# exported\nt;x;y;z\r\n\n"] {
        let e = read_text("header_only.csv", text, &opts).unwrap_err();
        let msg = e.to_string();
        assert!(
            matches!(e, SourceError::NoDataRows { .. }),
            "{text:?}: {msg}"
        );
        assert!(
            msg.contains("header_only.csv") && msg.contains("no data rows"),
            "{msg}"
        );
        assert!(msg.contains("t,x,y,z") || msg.contains("t;x;y;z"), "{msg}");
    }
    let e = read_text("h.csv", "\n\nTime (s),Acceleration x (m/s^2)\n", &opts).unwrap_err();
    assert!(
        matches!(e, SourceError::NoDataRows { line: 3, .. }),
        "the header's own line: {e}"
    );
    // Two lines of words are not "a header and no data".
    let e = read_text("w.csv", "a,b\nc,d\n", &opts).unwrap_err();
    assert!(matches!(e, SourceError::NoNumericColumns { .. }), "{e}");
}

/// Bytes that are not text (a binary file, a spreadsheet, UTF-16) are refused as such rather
/// than searched for numeric columns; a Latin-1 header does not count as binary.
#[test]
fn binary_files_are_refused_as_not_text() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ReadOptions::default();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    // Pseudo-random bytes without a single NUL.
    let mut x = 0x2545_f491_u32;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x % 255) as u8 + 1
        })
        .collect();
    let mut with_nul = noise.clone();
    with_nul[100] = 0;
    let utf16: Vec<u8> = "t,x,y,z\n0,1,2,3\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    for (name, bytes, says) in [
        ("noise.bin", &noise[..], "control characters or not UTF-8"),
        ("nul.csv", &with_nul[..], "NUL"),
        ("sheet.xlsx", &b"PK\x03\x04\x14\x00\x06\x00"[..], "zip"),
        ("utf16.csv", &utf16[..], "NUL"),
    ] {
        let e = read_all(write(name, bytes), &opts).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, SourceError::NotText { .. }), "{name}: {msg}");
        assert!(
            msg.contains(name) && msg.contains("does not look like a text") && msg.contains(says),
            "{msg}"
        );
    }
    let mut latin1 = b"time,ax,ay,az,temp (\xb0C)\n".to_vec();
    for i in 0..50 {
        latin1.extend_from_slice(format!("{}.{:02},0.1,0.2,9.8,21\n", i / 100, i % 100).as_bytes());
    }
    let rec = read_all(write("latin1.csv", &latin1), &opts).unwrap();
    assert_eq!(rec.samples.len(), 50);
}

/// `--rate` on a file with its own time column: the time stamps win and the layout carries a
/// warning that says how to make the rate count (leave the time column out).
#[test]
fn a_rate_the_file_does_not_need_is_reported() {
    let mut text = String::from("t,ax,ay,az\n");
    for i in 0..100 {
        text.push_str(&format!("{:.2},0.1,0.2,9.8\n", f64::from(i) * 0.01));
    }
    let opts = ReadOptions {
        rate_hz: Some(50.0),
        ..Default::default()
    };
    let rec = read_text("t.csv", &text, &opts).unwrap();
    assert!(close(rec.samples[99].t_s, 0.99), "time stamps kept");
    let [w] = &rec.layout.warnings[..] else {
        panic!("one warning: {:?}", rec.layout.warnings)
    };
    let msg = w.to_string();
    assert!(
        msg.contains("--rate 50") && msg.contains("`t`") && msg.contains("--columns -,ax,ay,az"),
        "{msg}"
    );
    // The suggested columns do make the rate count.
    let forced = ReadOptions {
        columns: Some("-,ax,ay,az".parse().unwrap()),
        ..opts.clone()
    };
    let rec = read_text("t.csv", &text, &forced).unwrap();
    assert!(close(rec.samples[99].t_s, 99.0 / 50.0));
    assert!(rec.layout.warnings.is_empty());
    // No warning without --rate, nor where the rate is needed (a sample counter).
    assert!(read_ok(&text).layout.warnings.is_empty());
    let counter = text.replacen("t,", "samples,", 1);
    let rec = read_text("c.csv", &counter, &opts).unwrap();
    assert!(rec.layout.warnings.is_empty(), "{:?}", rec.layout.warnings);
}

/// Rows with no data between them (the logger paused) are gaps: start, end, a bounded list
/// and a count of all of them.
#[test]
fn gaps_in_time_are_listed_and_bounded() {
    // 20 s at 100 Hz with 10 s missing after 5 s (line 502 is the last before the gap).
    let mut text = String::from("t,ax,ay,az\n");
    for i in (0..2000).filter(|i| !(500..1500).contains(i)) {
        text.push_str(&format!("{:.2},0.1,0.2,9.8\n", f64::from(i) * 0.01));
    }
    let rec = read_ok(&text);
    assert_eq!(rec.gaps.count, 1);
    let g = rec.gaps.first[0];
    assert!(close(g.start_s, 4.99) && close(g.end_s, 15.0), "{g:?}");
    assert!(close(rec.gaps.total_s, 10.01));
    // Regular rows, a sample-rate file and short hiccups make no gaps.
    let mut text = String::from("t,ax,ay,az\n");
    for i in 0..200 {
        let hiccup = if i > 100 { 0.5 } else { 0.0 };
        text.push_str(&format!(
            "{:.2},0.1,0.2,9.8\n",
            f64::from(i) * 0.01 + hiccup
        ));
    }
    assert_eq!(read_ok(&text).gaps.count, 0);
    // Many gaps: all counted, only the first MAX_GAPS_LISTED kept.
    let max = stridebeat::source::error::MAX_GAPS_LISTED;
    let n = max + 500;
    let mut text = String::from("t,ax,ay,az\n");
    for i in 0..n {
        // Bursts of five rows at 100 Hz, 3 s apart.
        for k in 0..5 {
            let t = i as f64 * 3.0 + f64::from(k) * 0.01;
            text.push_str(&format!("{t:.2},0.1,0.2,9.8\n"));
        }
    }
    let rec = read_ok(&text);
    assert_eq!(rec.gaps.count, n as u64 - 1);
    assert_eq!(rec.gaps.first.len(), max);
    assert!(close(rec.gaps.first[max - 1].end_s, max as f64 * 3.0));
}

/// Skipped rows are counted by reason, so a report can say why most of them went.
#[test]
fn skipped_rows_are_counted_by_reason() {
    use stridebeat::source::SkipKind;
    let mut text = String::from("t,ax,ay,az\n");
    for i in 0..300 {
        text.push_str(&format!("{:.2},0.1,0.2,9.8\n", f64::from(i) * 0.01));
    }
    for i in 0..300 {
        // The clock restarts: the same rows again (the last one a duplicate time).
        text.push_str(&format!("{:.2},0.1,0.2,9.8\n", f64::from(i) * 0.01));
    }
    text.push_str("3.5,nan,0,1\n");
    let rec = read_ok(&text);
    assert_eq!(rec.skipped.count, 301);
    assert_eq!(rec.skipped.of_kind(SkipKind::TimeBackwards), 299);
    assert_eq!(rec.skipped.of_kind(SkipKind::DuplicateTime), 1);
    assert_eq!(rec.skipped.of_kind(SkipKind::NotFinite), 1);
    assert_eq!(
        rec.skipped.main_kind(),
        Some((SkipKind::TimeBackwards, 299))
    );
}
