//! Property tests: the readers never panic, whatever the bytes, and what they do yield obeys
//! the sample contract (finite values, time from 0 and strictly increasing).

use proptest::prelude::*;
use std::io::Cursor;
use stridebeat::gait::AccelSample;
use stridebeat::source::decode::{LineSplitter, RowDecoder};
use stridebeat::source::fields::{parse_clock, parse_datetime, parse_integer, parse_number};
use stridebeat::source::{
    AccelReader, Gaps, Layout, LineDecoder, ReadOptions, SkippedRows, SourceError,
};

/// Read everything from `bytes`; `Ok` samples, or the fatal error. Panics are the failure.
/// Reads them twice, as a stream and held whole in memory (as a mapped file is read), and
/// checks the two give the same samples (bit for bit), skipped rows and gaps, or error.
fn read_bytes(bytes: Vec<u8>, opts: &ReadOptions) -> Result<(Vec<AccelSample>, u64), SourceError> {
    let whole = read_with(AccelReader::from_bytes("fuzz.csv", bytes.clone(), opts));
    let streamed = read_with(AccelReader::from_reader(
        "fuzz.csv",
        Box::new(Cursor::new(bytes)),
        opts,
    ));
    match (&whole, &streamed) {
        (Ok(w), Ok(s)) => {
            assert!(bits(&w.0) == bits(&s.0), "whole vs streamed samples");
            assert_eq!(
                (&w.1, &w.2),
                (&s.1, &s.2),
                "whole vs streamed skips and gaps"
            );
        }
        (Err(w), Err(s)) => assert_eq!(w.to_string(), s.to_string()),
        _ => panic!("whole {whole:?} vs streamed {streamed:?}"),
    }
    streamed.map(|(samples, skipped, _)| (samples, skipped.count))
}

/// Everything a reader yields: samples, skipped rows and gaps, or the fatal error.
fn read_with(
    reader: Result<AccelReader, SourceError>,
) -> Result<(Vec<AccelSample>, SkippedRows, Gaps), SourceError> {
    let mut reader = reader?;
    let mut out = Vec::new();
    for s in reader.by_ref() {
        out.push(s?);
    }
    Ok((out, reader.skipped().clone(), reader.gaps().clone()))
}

fn check_contract(samples: &[AccelSample]) -> Result<(), TestCaseError> {
    if let Some(first) = samples.first() {
        prop_assert_eq!(first.t_s, 0.0);
    }
    for s in samples {
        prop_assert!(s.t_s.is_finite() && s.t_s >= 0.0, "time {:?}", s);
        prop_assert!(s.acc.iter().all(|v| v.is_finite()), "acc {:?}", s);
    }
    for w in samples.windows(2) {
        prop_assert!(w[1].t_s > w[0].t_s, "times increase: {:?}", w);
    }
    Ok(())
}

/// One CSV-ish field: numbers of all sizes, NaN, inf, text, empty, dates, clocks.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        (-1e3f64..1e3).prop_map(|v| format!("{v}")),
        any::<f64>().prop_map(|v| format!("{v}")),
        any::<i64>().prop_map(|v| v.to_string()),
        Just("NaN".to_string()),
        Just("-inf".to_string()),
        Just(String::new()),
        Just("\"".to_string()),
        "[a-z]{1,6}",
        Just("2018-10-25 17:57:30.009999990".to_string()),
        Just("12:34.567".to_string()),
        Just("1e400".to_string()),
        Just("9,81".to_string()),
    ]
}

fn line() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(field(), 0..7),
        prop::sample::select(vec![",", ";", "\t", " ", "|"]),
        prop::sample::select(vec!["\n", "\r\n", ""]),
    )
        .prop_map(|(fields, sep, end)| format!("{}{}", fields.join(sep), end))
}

fn header() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "time,ax,ay,az\n",
        "t,x,y,z\n",
        "samples,acc_x,acc_y,acc_z\n",
        "Timestamp,Magnitude,Steps\n",
        "Acquisition frequency: 100 Hz\nPacketCounter\tAcc_X\tAcc_Y\tAcc_Z\n",
        "time,seconds_elapsed,z,y,x\n",
        "\"Time (s)\",\"Acceleration x (m/s^2)\",\"Acceleration y (m/s^2)\",\"Acceleration z (m/s^2)\"\n",
        "time;gFx;gFy;gFz;TgF\n",
    ])
    .prop_map(str::to_string)
}

/// Mostly valid rows with random damage, so detection succeeds and the row rules are exercised.
fn damaged_recording() -> impl Strategy<Value = String> {
    (
        header(),
        prop::collection::vec(
            (0u32..1000, any::<bool>(), line(), -20f64..20.0, 0u8..10),
            1..200,
        ),
    )
        .prop_map(|(header, rows)| {
            let mut s = header;
            let mut t = 0.0;
            for (dt_ms, damage, junk, a, kind) in rows {
                t += f64::from(dt_ms) / 1000.0 - if kind == 0 { 0.5 } else { 0.0 };
                if damage && kind < 3 {
                    s.push_str(&junk);
                    s.push('\n');
                } else if damage && kind == 3 {
                    // Truncated mid-row.
                    let row = format!("{t:.3},{a},{a}");
                    s.push_str(&row[..row.len() / 2]);
                    s.push('\n');
                } else {
                    s.push_str(&format!("{t:.3},{a},{},{}\n", a * 0.5, 9.8 - a));
                }
            }
            s
        })
}

/// The general path, line by line: split every data line with csv-core, parse its fields and
/// place it, with the reader's rules for blank and comment lines. The file reader (which takes
/// a fast path for plain numeric lines) must give exactly this.
/// Samples as bits, so a wrong sign on zero (`-0.0 == 0.0`) or any rounding difference shows.
fn bits(samples: &[AccelSample]) -> Vec<(u64, [u32; 3])> {
    samples
        .iter()
        .map(|s| (s.t_s.to_bits(), s.acc.map(f32::to_bits)))
        .collect()
}

fn general_path(text: &[u8], layout: &Layout) -> (Vec<AccelSample>, SkippedRows) {
    let mut decoder = RowDecoder::new(layout);
    let mut splitter = LineSplitter::new(layout.delimiter);
    let mut samples = Vec::new();
    let mut skipped = SkippedRows::default();
    let body = &text[layout.data_start_byte..];
    for (i, raw) in body.split(|&c| c == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() || line[0] == b'#' || line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line_no = layout.data_start_line + i as u64;
        let parsed = decoder.parser().parse(&splitter.split(raw), line_no);
        match decoder.place(parsed) {
            Ok(sample) => samples.push(sample),
            Err(reason) => skipped.record(line_no, reason),
        }
    }
    (samples, skipped)
}

/// A number as sensor exports and damaged files write them: short and long decimals, integers,
/// signs, exponents, leading zeros, 19+ digits, and near-numbers the fast path must refuse.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-20f64..20.0).prop_map(|v| format!("{v:.4}")),
        2 => (-200f64..200.0, 0usize..12).prop_map(|(v, d)| format!("{v:.d$}")),
        1 => any::<f64>().prop_map(|v| format!("{v}")),
        1 => any::<i64>().prop_map(|v| v.to_string()),
        1 => "[0-9]{1,24}",
        1 => "-?[0-9]{1,12}\\.[0-9]{1,12}",
        1 => "0{1,9}[0-9]{0,3}(\\.[0-9]{0,4})?",
        1 => "[0-9.eE+-]{1,9}",
        1 => prop::sample::select(vec![
            "-0", "-0.0", "+1.5", ".5", "5.", "1e3", "1.5E-2", "NaN", "inf", "-inf", "\"1.5\"",
            " 1.5", "1.5 ", "", "1.5\r", "12345678.9", "1234567.8", "9007199254740993",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e400",
        ])
        .prop_map(str::to_string),
    ]
}

/// A recording whose rows are mostly plain numbers, in one of several layouts.
fn numeric_recording() -> impl Strategy<Value = String> {
    let layouts = prop::sample::select(vec![
        ("time{s}ax{s}ay{s}az\n", 1usize, 3usize),
        ("ax{s}ay{s}az\n", 0, 3),
        ("t_ns{s}n{s}ax{s}ay{s}az\n", 2, 3),
        ("Timestamp{s}Magnitude{s}Note\n", 1, 2),
        ("", 1, 3),
    ]);
    let row = (
        prop::collection::vec(number_text(), 6),
        0u8..12,
        prop::sample::select(vec!["\n", "\r\n"]),
    );
    (
        layouts,
        prop::sample::select(vec![",", ";", "\t", " ", "|"]),
        prop::collection::vec(row, 1..80),
        0u32..3,
    )
        .prop_map(|((header, lead, fields), sep, rows, time_kind)| {
            let mut s = header.replace("{s}", sep);
            let mut t = 1_000u64;
            for (nums, kind, end) in rows {
                t += 10;
                let time = match time_kind {
                    0 => format!("{:.2}", t as f64 / 1000.0),
                    1 => format!("{}", t * 1_000_000),
                    _ => format!("{t}"),
                };
                let mut cells: Vec<String> = Vec::new();
                if lead > 0 {
                    cells.push(if kind == 1 { nums[5].clone() } else { time });
                }
                if lead > 1 {
                    cells.push(match kind {
                        5 => format!("\"x{sep}y\""),
                        6 => "a\rb".into(),
                        _ => "3".into(),
                    });
                }
                let good = |v: &String| {
                    if kind >= 4 {
                        v.clone()
                    } else {
                        format!("{:.3}", 0.5)
                    }
                };
                cells.extend(nums.iter().take(fields).map(good));
                match kind {
                    2 => cells.push(nums[4].clone()),
                    3 => s.push_str("# comment\n\n"),
                    _ => {}
                }
                s.push_str(&cells.join(sep));
                s.push_str(end);
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn fast_path_gives_what_the_general_path_gives(text in numeric_recording()) {
        let opts = ReadOptions { rate_hz: Some(100.0), ..Default::default() };
        let bytes = text.into_bytes();
        let Ok(mut reader) = AccelReader::from_reader("fuzz.csv", Box::new(Cursor::new(bytes.clone())), &opts) else {
            return Ok(());
        };
        let samples: Vec<AccelSample> = reader.by_ref().filter_map(Result::ok).collect();
        let (want, want_skipped) = general_path(&bytes, reader.layout());
        prop_assert_eq!(bits(&samples), bits(&want));
        prop_assert_eq!(reader.skipped(), &want_skipped);
        // Held whole (as a mapped file is read): the same.
        let mut whole = AccelReader::from_bytes("fuzz.csv", bytes, &opts).unwrap();
        let samples: Vec<AccelSample> = whole.by_ref().filter_map(Result::ok).collect();
        prop_assert_eq!(bits(&samples), bits(&want));
        prop_assert_eq!(whole.skipped(), &want_skipped);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        if let Ok((samples, _)) = read_bytes(bytes, &ReadOptions::default()) {
            check_contract(&samples)?;
        }
    }

    #[test]
    fn random_lines_never_panic(lines in prop::collection::vec(line(), 0..60), h in header()) {
        let text = format!("{h}{}", lines.join("\n"));
        let opts = ReadOptions { rate_hz: Some(100.0), ..Default::default() };
        if let Ok((samples, _)) = read_bytes(text.clone().into_bytes(), &opts) {
            check_contract(&samples)?;
        }
        let mut dec = LineDecoder::new("fuzz", opts);
        let mut out = Vec::new();
        for l in text.lines() {
            let _ = dec.push_line(l, &mut out);
        }
        let _ = dec.finish(&mut out);
        check_contract(&out)?;
    }

    #[test]
    fn damaged_recordings_keep_the_contract(text in damaged_recording()) {
        let opts = ReadOptions { rate_hz: Some(100.0), ..Default::default() };
        if let Ok((samples, skipped)) = read_bytes(text.clone().into_bytes(), &opts) {
            check_contract(&samples)?;
            // Every row after the header is either a sample or a counted skip.
            let rows = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
            prop_assert!(samples.len() as u64 + skipped <= rows);
        }
    }

    #[test]
    fn field_parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..40), s in "[0-9:.,T Z+-]{0,40}") {
        for b in [&bytes[..], s.as_bytes()] {
            let _ = parse_number(b, false);
            let _ = parse_number(b, true);
            let _ = parse_integer(b);
            let _ = parse_datetime(b);
            let _ = parse_clock(b);
        }
    }
}

#[test]
fn a_huge_single_line_without_newline_is_handled() {
    let mut text = String::from("time,ax,ay,az\n0,0,0,9.8\n0.01,0,0,9.8\n0.02,0,0,9.8\n");
    text.push_str(&"9".repeat(1 << 20));
    let (samples, skipped) = read_bytes(text.into_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(samples.len(), 3);
    assert_eq!(skipped, 1);
}

#[test]
fn times_going_back_across_many_blocks_match_the_general_path() {
    // ~5 MB: many parse blocks. The clock resets a third of the way in, so whole blocks hold
    // only rows that go back in time (skipped until the clock passes its old maximum), and
    // duplicates and bad rows are sprinkled everywhere.
    let mut s = String::from("time,ax,ay,az\n");
    for i in 0..160_000u64 {
        let tick = if i < 50_000 { i } else { i - 50_000 };
        let t = tick as f64 * 0.01 - if i % 1_499 == 7 { 0.01 } else { 0.0 };
        if i % 4_001 == 3 {
            s.push_str("oops,1,2,3\n");
        } else {
            s.push_str(&format!("{t:.2},{:.4},0.5,9.8\n", (i % 97) as f64 * 0.01));
        }
    }
    let bytes = s.into_bytes();
    let mut reader = AccelReader::from_reader(
        "reset.csv",
        Box::new(Cursor::new(bytes.clone())),
        &ReadOptions::default(),
    )
    .unwrap();
    let samples: Vec<AccelSample> = reader.by_ref().map(Result::unwrap).collect();
    let (want, want_skipped) = general_path(&bytes, reader.layout());
    assert!(want_skipped.count > 50_000, "{}", want_skipped.count);
    assert_eq!(samples.len(), want.len());
    assert!(bits(&samples) == bits(&want), "same samples");
    assert_eq!(reader.skipped(), &want_skipped);
    // Held whole (as a mapped file is read): the same.
    let (whole, whole_skipped, _) = read_with(AccelReader::from_bytes(
        "reset.csv",
        bytes,
        &ReadOptions::default(),
    ))
    .unwrap();
    assert!(bits(&whole) == bits(&want), "same samples held whole");
    assert_eq!(whole_skipped, want_skipped);
}
