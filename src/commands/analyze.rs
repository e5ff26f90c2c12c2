//! `stridebeat analyze FILE...`: read recordings, find steps and cadence, print a summary (one
//! file), a table (several files, analysed in parallel, printed in argument order) or JSON, and
//! optionally write a per-step CSV and a cadence plot.
//!
//! Any file that fails is reported in place and the command exits with status 2 after the
//! others are done.

use anyhow::{bail, Context};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use stridebeat::gait::analysis::AnalyzerConfig;
use stridebeat::report::json::{JsonFailure, JsonReport};
use stridebeat::report::{self, FileReport};
use stridebeat::source::options::parse_delimiter;
use stridebeat::source::{ColumnSpec, ReadOptions, TimeUnit, Units};

use super::coaching::{CoachArgs, CoachInfo};

/// Options of `stridebeat analyze`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Formats are detected from the content: phone apps (phyphox, Sensor Logger, Physics Toolbox), \
research sensors and generic CSV/TSV with time/t/timestamp and x/y/z, ax/ay/az or acc_x... \
columns; .gz is read directly. Files whose only clock is a sample counter (e.g. `samples`) \
need --rate; a file with real time stamps keeps them (--rate is then not used). A gap in the \
time stamps is reported as no data, not as a stop.")]
pub struct AnalyzeArgs {
    /// Recordings to analyse (CSV/TSV/TXT, optionally gzip-compressed, or a WAV recording of
    /// footfalls); `-` reads stdin (once).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Print a JSON report instead of the summary (an array when several files are given).
    #[arg(long)]
    pub json: bool,

    /// Write one row per step (index, time_s, interval_s, cadence_spm) to this CSV file; the
    /// first step after a pause (over 1.5 s) has no cadence.
    /// With several inputs, each gets its own file: steps-<input name>.csv (inputs sharing a
    /// name take their folder's name too: steps-<folder>-<input name>.csv).
    #[arg(long, value_name = "STEPS.CSV")]
    pub csv: Option<PathBuf>,

    /// Draw cadence over time with segments shaded to this .svg or .png file.
    /// With several inputs, each gets its own file: cadence-<input name>.svg (named as for
    /// --csv).
    #[arg(long, value_name = "CADENCE.SVG")]
    pub plot: Option<PathBuf>,

    /// Sample rate in Hz, for files without a time column or with a sample counter; overrides
    /// a rate stated in the file. A file with its own time column keeps its time stamps and
    /// --rate is not used (a warning says so); to time the rows by --rate anyway, leave the
    /// time column out with --columns -,X,Y,Z.
    #[arg(long, value_name = "HZ")]
    pub rate: Option<f64>,

    /// Acceleration units: g, m/s2, or auto (from the header or the resting magnitude; unknown
    /// integer units are scaled so the median magnitude is 1 g).
    #[arg(long, default_value = "auto", value_name = "UNITS")]
    pub units: Units,

    /// Time column unit: s, ms, us, ns, datetime, clock (mm:ss.fff) or index (sample counter,
    /// needs --rate). Detected by default.
    #[arg(long, value_name = "UNIT")]
    pub time_unit: Option<TimeUnit>,

    /// Columns as TIME,X,Y,Z or TIME,MAGNITUDE: header names or 1-based positions; `-` for no
    /// time column (then --rate is needed). Example: --columns time,acc_x,acc_y,acc_z
    #[arg(long, value_name = "TIME,X,Y,Z", allow_hyphen_values = true)]
    pub columns: Option<ColumnSpec>,

    /// Field separator: one character, or tab, comma, semicolon, space, pipe. Detected by default.
    #[arg(long, value_name = "SEP", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,

    /// Run the adaptive coach over the recording ("what would the coach have done on this
    /// run"), with the same options as `play --adapt`; the same decisions as a live replay.
    /// Without it, a stridebeat session shows the decisions it recorded.
    #[arg(long)]
    pub coach: bool,

    /// The coach's settings (for --coach).
    #[command(flatten)]
    pub coach_options: CoachArgs,
}

impl AnalyzeArgs {
    fn read_options(&self) -> anyhow::Result<ReadOptions> {
        if let Some(r) = self.rate {
            if !(r.is_finite() && r > 0.0 && r < 1e6) {
                bail!("--rate must be a positive number of Hz, got {r}");
            }
        }
        Ok(ReadOptions {
            rate_hz: self.rate,
            time_unit: self.time_unit,
            units: self.units,
            columns: self.columns.clone(),
            delimiter: self.delimiter,
        })
    }
}

/// The name an input gives to its own output files: its file name without the recording
/// suffixes (`run.csv.gz` → `run`), `stdin` for `-`.
fn input_label(input: &Path) -> String {
    if input == Path::new("-") {
        return "stdin".into();
    }
    let mut name = input
        .file_name()
        .map_or_else(|| "input".into(), |s| s.to_string_lossy().into_owned());
    for ext in [".gz", ".csv", ".txt", ".tsv"] {
        if let Some(n) = name.strip_suffix(ext) {
            name = n.to_string();
        }
    }
    name
}

/// One label per input, all different, so per-input output files never overwrite each other:
/// inputs sharing a file name (`a/accelerometer.csv`, `b/accelerometer.csv`) take their
/// folder's name in front (`a-accelerometer`); any still equal get their position on the
/// command line after them.
fn input_labels(inputs: &[PathBuf]) -> Vec<String> {
    use std::collections::HashMap;
    let count = |labels: &[String]| {
        let mut n: HashMap<String, usize> = HashMap::new();
        for l in labels {
            *n.entry(l.clone()).or_default() += 1;
        }
        n
    };
    let mut labels: Vec<String> = inputs.iter().map(|p| input_label(p)).collect();
    let seen = count(&labels);
    for (label, input) in labels.iter_mut().zip(inputs) {
        if seen[label.as_str()] > 1 {
            let folder = input
                .parent()
                .and_then(Path::file_name)
                .map(|f| f.to_string_lossy().into_owned());
            if let Some(folder) = folder {
                *label = format!("{folder}-{label}");
            }
        }
    }
    let seen = count(&labels);
    for (i, label) in labels.iter_mut().enumerate() {
        if seen[label.as_str()] > 1 {
            *label = format!("{label}-{}", i + 1);
        }
    }
    labels
}

/// Output path for one of several inputs: `<stem>-<label>.<ext>` beside `base`, where `label`
/// comes from [`input_labels`]; `base` itself for a single input.
fn per_input_path(base: &Path, label: &str, several: bool) -> PathBuf {
    if !several {
        return base.to_path_buf();
    }
    let stem = base
        .file_stem()
        .map_or_else(|| "out".into(), |s| s.to_string_lossy().into_owned());
    let file = match base.extension() {
        Some(ext) => format!("{stem}-{label}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{label}"),
    };
    base.with_file_name(file)
}

/// Average sample rates (Hz, samples over the whole recording) a body-worn accelerometer
/// plausibly gives; outside them the time column was most likely read in the wrong unit (a
/// factor of 1000 either way). The low end is far below any real rate so that long gaps in a
/// recording (a watch that stopped logging for an hour) do not trigger it.
const PLAUSIBLE_RATE_HZ: (f64, f64) = (1.0, 5000.0);

/// A warning when the samples are implausibly close together or far apart, which is what a
/// wrong time unit looks like (seconds read as milliseconds squeeze a 2-minute run into
/// 0.12 s and no steps are found, with no other sign of the mistake).
fn time_unit_warning(report: &FileReport) -> Option<String> {
    if report.samples < 10 {
        return None;
    }
    // Stretches without data (the logger paused) say nothing about the rate, unless they are
    // most of the recording: milliseconds read as seconds make every interval a "gap".
    let with_data = report.duration_s - report.gaps.total_s;
    let span = if with_data > 0.5 * report.duration_s {
        with_data
    } else {
        report.duration_s
    };
    let rate = (report.samples - 1) as f64 / span;
    if rate.is_finite() && (PLAUSIBLE_RATE_HZ.0..=PLAUSIBLE_RATE_HZ.1).contains(&rate) {
        return None;
    }
    let per_second = if !rate.is_finite() {
        "all at the same time".into()
    } else if rate < 1.0 {
        format!("one sample every {:.1} s", 1.0 / rate)
    } else {
        format!("{rate:.0} samples per second")
    };
    Some(format!(
        "{}: {} samples over {:.3} s ({per_second}); accelerometers record 15 to 500 per \
         second, so the time column was probably read in the wrong unit: check `read as` and \
         set --time-unit (or --rate)",
        display_name(&report.path),
        report.samples,
        report.duration_s.max(0.0)
    ))
}

/// One entry of the JSON output: a report or a failure.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum JsonEntry {
    Report(Box<JsonReport>),
    Coached {
        #[serde(flatten)]
        report: Box<JsonReport>,
        coach: CoachInfo,
    },
    Failure(JsonFailure),
}

/// How messages name an input: `standard input` for `-`, else the path as given.
fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        stridebeat::source::STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

/// An error message without a leading `path:` (the table already names the file).
fn without_path(message: &str, path: &Path) -> String {
    let p = display_name(path);
    message
        .strip_prefix(&p)
        .map(|rest| {
            rest.trim_start_matches(':')
                .trim_start_matches(|c: char| c.is_ascii_digit())
        })
        .map(|rest| rest.trim_start_matches(':').trim_start().to_string())
        .unwrap_or_else(|| message.to_string())
}

/// Analyse one file (and the coach's decisions on it) and write its CSV and plot.
fn analyze_one(
    path: &Path,
    options: &ReadOptions,
    args: &AnalyzeArgs,
    label: &str,
    several: bool,
) -> anyhow::Result<(FileReport, Option<CoachInfo>)> {
    // Footfalls from sound (issue 5): a WAV recording goes through the footfall detector.
    let is_wav = stridebeat::source::wav::is_wav_file(path);
    let report = if is_wav {
        wav_report(path)?
    } else {
        // The step list is kept only for the outputs that list or draw every step.
        let keep_steps = args.json || args.csv.is_some() || args.plot.is_some();
        let report = report::analyze_file(path, options, AnalyzerConfig::default(), keep_steps)?;
        for warning in &report.warnings {
            say!("stridebeat: warning: {}: {warning}", display_name(path));
        }
        if let Some(warning) = time_unit_warning(&report) {
            say!("stridebeat: warning: {warning}");
        }
        report
    };
    // Standard input is read once, by the analysis; the coach would need it a second time.
    let coach = if is_wav {
        if args.coach {
            bail!("--coach replays accelerometer recordings and sessions; it does not take a WAV file yet");
        }
        None
    } else if path == Path::new("-") {
        if args.coach {
            bail!("--coach needs a file, not standard input");
        }
        None
    } else {
        CoachInfo::for_file(path, options, &args.coach_options, args.coach)?
    };
    if let Some(csv) = &args.csv {
        let out = per_input_path(csv, label, several);
        let file = std::fs::File::create(&out)
            .with_context(|| format!("cannot create {}", out.display()))?;
        let mut w = io::BufWriter::new(file);
        report::steps_csv::write_steps_csv(&mut w, &report.analysis.step_times_s)
            .and_then(|()| w.flush())
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    if let Some(plot) = &args.plot {
        let target = coach
            .as_ref()
            .map(CoachInfo::target_series)
            .unwrap_or_default();
        report::plot::write_plot_with_target(
            &per_input_path(plot, label, several),
            &report,
            &target,
        )?;
    }
    Ok((report, coach))
}

/// What `analyze` found for each input, in argument order.
type Results = Vec<anyhow::Result<(FileReport, Option<CoachInfo>)>>;

/// Run `stridebeat analyze`.
pub fn run(args: AnalyzeArgs) -> anyhow::Result<()> {
    let options = args.read_options()?;
    if let Some(plot) = &args.plot {
        let ext = plot.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !ext.eq_ignore_ascii_case("svg") && !ext.eq_ignore_ascii_case("png") {
            bail!(
                "--plot {}: the plot file must end in .svg or .png",
                plot.display()
            );
        }
    }
    // Refuse an output folder that does not exist before spending time on the analysis.
    for (flag, out) in [("--csv", &args.csv), ("--plot", &args.plot)] {
        if let Some(out) = out {
            let folder = match out.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if !folder.is_dir() {
                bail!(
                    "{flag} {}: there is no folder {}",
                    out.display(),
                    folder.display()
                );
            }
            if out.is_dir() {
                bail!(
                    "{flag} {}: that is a folder, not a file name",
                    out.display()
                );
            }
        }
    }
    // Two readers of one standard input would each get part of it, interleaved.
    if args.files.iter().filter(|p| *p == Path::new("-")).count() > 1 {
        bail!("`-` (standard input) can be given only once");
    }
    let several = args.files.len() > 1;
    let labels = input_labels(&args.files);
    let results: Results = if several {
        use rayon::prelude::*;
        args.files
            .par_iter()
            .zip(&labels)
            .map(|(p, label)| analyze_one(p, &options, &args, label, true))
            .collect()
    } else {
        vec![analyze_one(
            &args.files[0],
            &options,
            &args,
            &labels[0],
            false,
        )]
    };

    let written = write_output(&args, &results);
    let failures = results.iter().filter(|r| r.is_err()).count();
    if failures == 0 {
        // A closed pipe (`| head`) comes back from here and is not a failure (see main).
        return written;
    }
    // Some file failed: that decides the exit status even when the reader of stdout went
    // away early, and the reasons go to stderr, which a closed stdout does not close.
    if let Err(e) = &written {
        if !super::is_broken_pipe(e) {
            say!("stridebeat: {e:#}");
        }
    }
    if !several {
        if let Some(Err(e)) = results.into_iter().next() {
            return Err(e);
        }
        return Ok(());
    }
    for e in results.iter().filter_map(|r| r.as_ref().err()) {
        say!("stridebeat: {e:#}");
    }
    bail!(
        "{failures} of {} files could not be analysed",
        args.files.len()
    )
}

/// Print the summary, table or JSON for `results` to stdout.
fn write_output(args: &AnalyzeArgs, results: &Results) -> anyhow::Result<()> {
    let several = results.len() > 1;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.json {
        let entries: Vec<JsonEntry> = args
            .files
            .iter()
            .zip(results)
            .map(|(p, r)| match r {
                Ok((report, None)) => JsonEntry::Report(Box::new(JsonReport::new(report))),
                Ok((report, Some(coach))) => JsonEntry::Coached {
                    report: Box::new(JsonReport::new(report)),
                    coach: coach.clone(),
                },
                Err(e) => JsonEntry::Failure(JsonFailure {
                    file: p.display().to_string(),
                    error: format!("{e:#}"),
                }),
            })
            .collect();
        if several {
            serde_json::to_writer_pretty(&mut out, &entries)?;
        } else {
            serde_json::to_writer_pretty(&mut out, &entries[0])?;
        }
        writeln!(out)?;
    } else if several {
        let rows: Vec<(String, report::table::TableRow<'_>)> = args
            .files
            .iter()
            .zip(results)
            .map(|(p, r)| {
                (
                    p.display().to_string(),
                    r.as_ref()
                        .map(|(report, _)| report)
                        .map_err(|e| without_path(&format!("{e:#}"), p)),
                )
            })
            .collect();
        report::table::write_table(&mut out, &rows)?;
        for (p, r) in args.files.iter().zip(results) {
            if let Ok((_, Some(coach))) = r {
                writeln!(out, "{}", p.display())?;
                coach.write(&mut out)?;
            }
        }
    } else if let Some(Ok((report, coach))) = results.first() {
        report::summary::write_summary(&mut out, report)?;
        if let Some(coach) = coach {
            coach.write(&mut out)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The report for a WAV recording: footfalls from sound through the same [`FileReport`] as an
/// accelerometer file, so the summary, JSON, CSV and plot are unchanged. A file whose data
/// stops before its header says is analysed up to the cut, with a warning.
fn wav_report(path: &Path) -> anyhow::Result<FileReport> {
    use stridebeat::gait::footfall::{analyze_wav, FootfallConfig};
    let wav = analyze_wav(path, &FootfallConfig::default())?;
    if let Some(problem) = &wav.truncated {
        say!("stridebeat: warning: {problem}; analysed what was there");
    }
    let format = format!(
        "WAV, {} Hz, {} channel{}: footfalls from sound",
        wav.sample_rate_hz,
        wav.channels,
        if wav.channels == 1 { "" } else { "s" }
    );
    Ok(FileReport::new(
        path.to_path_buf(),
        format,
        (wav.duration_s * f64::from(wav.sample_rate_hz)).round() as u64,
        wav.duration_s,
        Default::default(),
        wav.analysis,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_input_names_keep_the_extension_and_drop_the_input_suffixes() {
        let labels = input_labels(&[PathBuf::from("a/run.csv.gz"), PathBuf::from("-")]);
        assert_eq!(labels, ["run", "stdin"]);
        let p = per_input_path(Path::new("out/cadence.svg"), &labels[0], true);
        assert_eq!(p, PathBuf::from("out/cadence-run.svg"));
        let p = per_input_path(Path::new("steps.csv"), "x", false);
        assert_eq!(p, PathBuf::from("steps.csv"));
    }

    #[test]
    fn inputs_with_the_same_name_get_different_labels() {
        let inputs: Vec<PathBuf> = [
            "d/Pixel_Hand/accelerometer.csv",
            "d/Pixel_Purse/accelerometer.csv",
            "walk.csv",
            "x/walk.csv",
            "y/walk.csv.gz",
            "z/x/walk.csv",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let labels = input_labels(&inputs);
        assert_eq!(labels[0], "Pixel_Hand-accelerometer");
        assert_eq!(labels[1], "Pixel_Purse-accelerometer");
        let mut unique = labels.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), labels.len(), "{labels:?}");
    }
}
