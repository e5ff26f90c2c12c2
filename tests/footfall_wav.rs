//! Footfalls from WAV files: every common encoding and channel count read streaming and
//! analysed into steps, `stridebeat analyze run.wav` with its JSON/CSV/plot outputs, and bad
//! files (truncated, zero channels, absurd rates, not WAV) giving errors that name the file.

mod footfall_mix;

use std::path::{Path, PathBuf};
use std::process::Command;

use footfall_mix::{make, score, Background, MixSpec, Mixture};
use stridebeat::gait::footfall::{analyze_wav, FootfallConfig, FootfallError};
use stridebeat::source::wav::{is_wav_file, WavError, WavSource};

/// Write `mono` into every channel of a WAV with the given encoding.
fn write_wav(path: &Path, mono: &[f32], rate: u32, channels: u16, bits: u16, float: bool) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let full = (1i64 << (bits - 1)) as f64 - 1.0;
    for &x in mono {
        for ch in 0..channels {
            // Channel 1 a little quieter: the downmix must still work.
            let x = if ch == 1 { 0.8 * x } else { x };
            if float {
                w.write_sample(x).unwrap();
            } else {
                let v = (f64::from(x.clamp(-1.0, 1.0)) * full).round() as i32;
                if bits <= 8 {
                    w.write_sample(v as i8).unwrap();
                } else {
                    w.write_sample(v).unwrap();
                }
            }
        }
    }
    w.finalize().unwrap();
}

fn mixture(rate_hz: u32, seconds: f64) -> Mixture {
    let spec = MixSpec {
        rate_hz,
        duration_s: seconds,
        ..MixSpec::run(101, 15.0, Background::MotorMusic, None)
    };
    make(&spec)
}

/// Twice the rate by linear interpolation.
fn upsample2(x: &[f32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(2 * x.len());
    for (i, &a) in x.iter().enumerate() {
        let b = x.get(i + 1).copied().unwrap_or(a);
        out.push(a);
        out.push(0.5 * (a + b));
    }
    out
}

fn f1_of(mix: &Mixture, steps: &[f64]) -> f64 {
    let reported: Vec<(f64, f64)> = steps.iter().map(|&t| (t, f64::NAN)).collect();
    score(&mix.steps_s, &reported, &[], &[], &[], 0.05).f1()
}

#[test]
fn every_common_encoding_and_layout_gives_the_steps() {
    let dir = tempfile::tempdir().unwrap();
    // (rate, channels, bits, float)
    let cases = [
        (44_100, 2, 16, false),
        (48_000, 1, 24, false),
        (22_050, 2, 32, true),
        (16_000, 1, 8, false),
        (96_000, 6, 32, false),
        (8_000, 1, 16, false),
    ];
    for (rate, channels, bits, float) in cases {
        // The generator's noise colouring and slap are defined per sample at up to 48 kHz: a
        // 96 kHz file is the 48 kHz mixture upsampled, so only the file differs.
        let mut mix = mixture(rate.min(48_000), 20.0);
        if rate > 48_000 {
            mix.samples = upsample2(&mix.samples);
        }
        let path = dir.path().join(format!("run-{rate}-{channels}-{bits}.wav"));
        write_wav(&path, &mix.samples, rate, channels, bits, float);
        assert!(is_wav_file(&path));
        let wav = analyze_wav(&path, &FootfallConfig::default()).unwrap();
        assert_eq!(wav.sample_rate_hz, rate);
        assert_eq!(wav.channels, channels);
        assert!(wav.truncated.is_none());
        assert!((wav.duration_s - 20.0).abs() < 0.01, "{}", wav.duration_s);
        let f1 = f1_of(&mix, &wav.analysis.step_times_s);
        eprintln!(
            "{rate} Hz, {channels} ch, {bits}-bit {}: {} steps of {}, F1 {f1:.3}",
            if float { "float" } else { "int" },
            wav.analysis.step_times_s.len(),
            mix.steps_s.len()
        );
        assert!(f1 >= 0.93, "{rate} Hz {channels} ch {bits} bit: F1 {f1}");
        assert!(!wav.analysis.segments.is_empty());
    }
}

#[test]
fn samples_are_scaled_to_full_scale_whatever_the_width() {
    let dir = tempfile::tempdir().unwrap();
    let ramp: Vec<f32> = (0..1000).map(|i| (i as f32 / 1000.0) * 1.6 - 0.8).collect();
    for (bits, float) in [
        (8, false),
        (16, false),
        (24, false),
        (32, false),
        (32, true),
    ] {
        let path = dir.path().join(format!("ramp-{bits}-{float}.wav"));
        write_wav(&path, &ramp, 8_000, 2, bits, float);
        let mut wav = WavSource::open(&path).unwrap();
        let mut out = vec![0.0f32; 300];
        let mut got = Vec::new();
        loop {
            let n = wav.read_mono(&mut out).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&out[..n]);
        }
        assert_eq!(got.len(), ramp.len());
        let tolerance = if bits == 8 { 0.02 } else { 1e-3 };
        for (g, r) in got.iter().zip(&ramp) {
            // Downmix of x and 0.8·x.
            assert!(
                (g - 0.9 * r).abs() < tolerance,
                "{bits}-bit: {g} vs {}",
                0.9 * r
            );
        }
    }
}

fn stridebeat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stridebeat"))
}

#[test]
fn analyze_command_reads_a_wav_with_json_csv_and_plot() {
    let dir = tempfile::tempdir().unwrap();
    let mix = mixture(44_100, 30.0);
    let wav = dir.path().join("treadmill.wav");
    write_wav(&wav, &mix.samples, 44_100, 2, 16, false);
    let csv = dir.path().join("steps.csv");
    let plot = dir.path().join("cadence.svg");
    let out = stridebeat()
        .arg("analyze")
        .arg(&wav)
        .arg("--json")
        .arg("--csv")
        .arg(&csv)
        .arg("--plot")
        .arg(&plot)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = json.to_string();
    assert!(text.contains("footfalls from sound"), "{text}");
    let steps_csv = std::fs::read_to_string(&csv).unwrap();
    let rows = steps_csv.lines().count() - 1;
    let truth = mix.steps_s.len();
    assert!(
        (rows as f64 - truth as f64).abs() <= 0.05 * truth as f64,
        "{rows} step rows for {truth} steps"
    );
    assert!(std::fs::metadata(&plot).unwrap().len() > 1000);

    // The plain summary works too.
    let out = stridebeat().arg("analyze").arg(&wav).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("spm"));
}

/// A WAV header with a data chunk of `data_len` bytes.
fn header(channels: u16, rate: u32, bits: u16, format_tag: u16, data_len: u32) -> Vec<u8> {
    let block = channels as u32 * (bits as u32 / 8);
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_len).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&format_tag.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate.wrapping_mul(block)).to_le_bytes());
    h.extend_from_slice(&(block as u16).to_le_bytes());
    h.extend_from_slice(&bits.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

fn file_with(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn assert_names_file(err: &dyn std::fmt::Display, name: &str) {
    let msg = err.to_string();
    assert!(msg.contains(name), "error does not name the file: {msg}");
}

#[test]
fn a_truncated_wav_is_analysed_up_to_the_cut_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mix = mixture(22_050, 20.0);
    let full = dir.path().join("full.wav");
    write_wav(&full, &mix.samples, 22_050, 2, 16, false);
    let bytes = std::fs::read(&full).unwrap();
    // Cut in the middle of a frame, about 12 s in.
    let cut = 44 + 22_050 * 4 * 12 + 3;
    let truncated = file_with(dir.path(), "cut.wav", &bytes[..cut]);
    let wav = analyze_wav(&truncated, &FootfallConfig::default()).unwrap();
    let problem = wav.truncated.expect("the cut is reported");
    assert!(
        problem.contains("cut.wav") && problem.contains("truncated"),
        "{problem}"
    );
    assert!((wav.duration_s - 12.0).abs() < 0.01, "{}", wav.duration_s);
    let before_cut: Vec<f64> = mix.steps_s.iter().copied().filter(|&t| t < 11.9).collect();
    let got: Vec<f64> = wav.analysis.step_times_s.clone();
    assert!(
        (got.len() as f64 - before_cut.len() as f64).abs() <= 2.0,
        "{} steps before the cut, {} found",
        before_cut.len(),
        got.len()
    );
    let out = stridebeat()
        .arg("analyze")
        .arg(&truncated)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
    // A header alone: nothing to analyse, no panic.
    let header_only = file_with(dir.path(), "header.wav", &bytes[..44]);
    let wav = analyze_wav(&header_only, &FootfallConfig::default()).unwrap();
    assert!(wav.analysis.step_times_s.is_empty());
}

#[test]
fn bad_wav_files_give_errors_that_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let zero_channels = file_with(d, "zero-channels.wav", &header(0, 48_000, 16, 1, 0));
    let slow = file_with(d, "one-hertz.wav", &header(1, 1, 16, 1, 0));
    let fast = file_with(d, "four-gigahertz.wav", &header(1, 4_000_000_000, 16, 1, 0));
    let double = file_with(d, "double.wav", &header(1, 48_000, 64, 3, 0));
    let text = file_with(
        d,
        "notes.wav",
        b"this is not a wav file at all, just text\n",
    );
    let empty = file_with(d, "empty.wav", b"");
    let cut_header = file_with(d, "cut-header.wav", &header(1, 48_000, 16, 1, 100)[..30]);
    for path in [
        &zero_channels,
        &slow,
        &fast,
        &double,
        &text,
        &empty,
        &cut_header,
    ] {
        let name = path.file_name().unwrap().to_str().unwrap();
        let err = WavSource::open(path).expect_err(name);
        eprintln!("{err}");
        assert_names_file(&err, name);
        let err = analyze_wav(path, &FootfallConfig::default()).expect_err(name);
        assert!(matches!(err, FootfallError::Wav(_)));
        assert_names_file(&err, name);
    }
    assert!(matches!(
        WavSource::open(&slow),
        Err(WavError::Unsupported { .. })
    ));
    let missing = d.join("missing.wav");
    assert!(matches!(
        WavSource::open(&missing),
        Err(WavError::Io { .. })
    ));
    assert!(!is_wav_file(&text) && !is_wav_file(&missing) && !is_wav_file(Path::new("-")));
    // Through the command: exit status 2 and the file named.
    let out = stridebeat()
        .arg("analyze")
        .arg(&zero_channels)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("zero-channels.wav"));
}
