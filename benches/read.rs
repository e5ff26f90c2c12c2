//! Parsing speed of the accelerometer readers (criterion): a 10-minute 100 Hz tri-axial CSV
//! (60 000 rows, ~1.9 MB) generated in memory, read by
//! - `csv_byte_records`: the csv crate alone, splitting rows (the floor for this design);
//! - `accel_reader`: the full reader (detection, field parsing, time and unit handling);
//! - `detect_prefix`: format detection alone on the first 256 KiB (a fixed cost per file);
//! - `line_decoder`: the live line decoder fed the same text line by line;
//!
//! and, row by row on the same lines (group `rows_10min_100hz`), the reader's two ways to parse
//! a data line: `plain_fast_path` ([`RowParser::parse_plain_at`], number after number) and
//! `csv_core_general_path` (csv-core splitting, then [`RowParser::parse`] field by field), the
//! fallback for any line the fast path refuses.
//!
//! Run: `cargo bench --bench read`. Throughput is reported in bytes per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::io::Cursor;
use stridebeat::source::decode::{LineSplitter, RowParser};
use stridebeat::source::{AccelReader, LineDecoder, ReadOptions};

fn recording(rows: usize) -> Vec<u8> {
    let mut s = String::from("time,ax,ay,az\n");
    let mut noise = 0x2545_f491_u32;
    for i in 0..rows {
        noise ^= noise << 13;
        noise ^= noise >> 17;
        noise ^= noise << 5;
        let n = f64::from(noise % 1000) / 1000.0 - 0.5;
        let t = i as f64 / 100.0;
        let b = 6.0 * (t * 2.0 * std::f64::consts::PI * 2.8).sin();
        s.push_str(&format!(
            "{t:.2},{:.4},{:.4},{:.4}\n",
            0.8 * b + n,
            1.5 - n,
            9.81 + b + n
        ));
    }
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let data = recording(60_000);
    let mut g = c.benchmark_group("read_10min_100hz");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);
    g.bench_function("csv_byte_records", |b| {
        b.iter(|| {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(&data[..]);
            let mut rec = csv::ByteRecord::new();
            let mut n = 0usize;
            while rdr.read_byte_record(&mut rec).unwrap() {
                n += rec.len();
            }
            black_box(n)
        })
    });
    g.bench_function("accel_reader", |b| {
        b.iter(|| {
            let reader = AccelReader::from_reader(
                "bench.csv",
                Box::new(Cursor::new(data.clone())),
                &ReadOptions::default(),
            )
            .unwrap();
            let mut sum = 0.0f64;
            for s in reader {
                let s = s.unwrap();
                sum += f64::from(s.acc[2]);
            }
            black_box(sum)
        })
    });
    g.bench_function("detect_prefix", |b| {
        let prefix = &data[..stridebeat::source::accel_csv::PREFIX_BYTES.min(data.len())];
        b.iter(|| {
            black_box(
                stridebeat::source::detect::detect(
                    prefix,
                    false,
                    &ReadOptions::default(),
                    std::path::Path::new("bench.csv"),
                )
                .unwrap(),
            )
        })
    });
    let text = String::from_utf8(data.clone()).unwrap();
    g.bench_function("line_decoder", |b| {
        b.iter(|| {
            let mut dec = LineDecoder::new("bench", ReadOptions::default());
            let mut out = Vec::with_capacity(64);
            let mut n = 0usize;
            for line in text.lines() {
                dec.push_line(line, &mut out).unwrap();
                n += out.len();
                out.clear();
            }
            black_box(n)
        })
    });
    g.finish();
}

/// The fast path against the general path, row by row, on the same lines.
fn row_paths(c: &mut Criterion) {
    let data = recording(60_000);
    let layout = stridebeat::source::detect::detect(
        &data,
        true,
        &ReadOptions::default(),
        std::path::Path::new("bench.csv"),
    )
    .unwrap();
    let parser = RowParser::new(&layout);
    let lines: Vec<&[u8]> = data[layout.data_start_byte..]
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert!(lines.iter().all(|l| parser.parse_plain(l, 0).is_some()));
    let mut g = c.benchmark_group("rows_10min_100hz");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);
    let body = &data[layout.data_start_byte..];
    g.bench_function("plain_fast_path", |b| {
        // As the reader does it: line after line in the block.
        b.iter(|| {
            let (mut sum, mut start, mut line) = (0.0f32, 0, 0);
            while let Some((row, next)) = parser.parse_plain_at(black_box(body), start, line) {
                sum += row.acc[2];
                start = next;
                line += 1;
            }
            assert_eq!(start, body.len());
            sum
        })
    });
    g.bench_function("csv_core_general_path", |b| {
        let mut splitter = LineSplitter::new(layout.delimiter);
        b.iter(|| {
            let mut sum = 0.0f32;
            for (i, line) in lines.iter().enumerate() {
                if let Ok(row) = parser.parse(&splitter.split(black_box(line)), i as u64) {
                    sum += row.acc[2];
                }
            }
            sum
        })
    });
    g.finish();
}

/// Number parsing on typical sensor fields: the reader's parser (plain-decimal fast path, then
/// fast-float2) against fast-float2 alone.
fn numbers(c: &mut Criterion) {
    let fields: Vec<&[u8]> = vec![
        b"3600.01",
        b"-4.1234",
        b"1.4567",
        b"9.8123",
        b"0.0",
        b"-12.5",
        b"584065454762638",
        b"0.98849173834",
        b"-0.0508532257",
    ];
    let mut g = c.benchmark_group("numbers");
    g.throughput(Throughput::Elements(fields.len() as u64));
    g.bench_function("parse_number", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for f in &fields {
                sum += stridebeat::source::fields::parse_number(black_box(f), false).unwrap();
            }
            sum
        })
    });
    g.bench_function("fast_float2", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for f in &fields {
                sum += fast_float2::parse::<f64, _>(black_box(f)).unwrap();
            }
            sum
        })
    });
    g.finish();
}

criterion_group!(benches, bench, row_paths, numbers);
criterion_main!(benches);
