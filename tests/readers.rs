//! Reader tests: every layout of the shared data set read by detection alone (plus `--rate` where
//! the file has none), inline fixtures for the phone-app layouts, and the bad-row rules.
//!
//! The shared recordings live in `../shared/data` (override with `STRIDEBEAT_DATA`); tests that
//! need them print a note and pass when the folder is absent, because some of those files are
//! GPL/AGPL and stay out of this repository.

use std::path::PathBuf;
use stridebeat::gait::AccelSample;
use stridebeat::source::{read_all, ReadOptions, SourceError};

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
