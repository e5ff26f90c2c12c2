//! Reports: the runner-facing summary, JSON, per-step CSV and cadence plots.
//!
//! [`analyze_file`] is the offline pipeline (reader → [`Analyzer`] → [`FileReport`]); the
//! writers in the submodules only format a [`FileReport`], so they are tested with hand-made
//! analyses, independent of the step detector's accuracy.

pub mod json;
pub mod plot;
pub mod stats;
pub mod steps_csv;
pub mod summary;
pub mod table;

use crate::gait::analysis::{Analysis, Analyzer, AnalyzerConfig};
use crate::gait::segments::SegmentSink;
use crate::gait::AccelSample;
use crate::source::{self, Gaps, ReadOptions, SkippedRows, SourceError};
use stats::{Summary, SummaryBuilder};
use std::path::{Path, PathBuf};

/// Batches of samples in flight between the reader thread and the analyser.
pub const PIPELINE_DEPTH: usize = 1;

/// Everything known about one analysed recording.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The file as given on the command line.
    pub path: PathBuf,
    /// How the file was read (separator, columns, units), from the layout.
    pub format: String,
    /// Samples used.
    pub samples: u64,
    /// Time of the last sample, seconds on the recording clock (the first is 0).
    pub duration_s: f64,
    /// Rows skipped while reading.
    pub skipped: SkippedRows,
    /// Stretches of the recording with no data (the logger paused): not stops, not moving.
    pub gaps: Gaps,
    /// Things the reader did that the user may not expect (an option it had no use for).
    pub warnings: Vec<String>,
    /// Steps of the other foot put half-way between the sensor's own foot's steps, when it was
    /// worn on one foot or ankle (0 otherwise).
    pub other_foot_steps: u64,
    /// What the analysis found (from [`analyze_file`], the step list and cadence track only
    /// when asked for; the segments always).
    pub analysis: Analysis,
    /// Derived figures.
    pub summary: Summary,
}

impl FileReport {
    /// Build a report from an analysis (used by [`analyze_file`], and by tests with hand-made
    /// analyses).
    pub fn new(
        path: PathBuf,
        format: String,
        samples: u64,
        duration_s: f64,
        skipped: SkippedRows,
        analysis: Analysis,
    ) -> Self {
        let summary = stats::summarize(&analysis, duration_s);
        FileReport {
            path,
            format,
            samples,
            duration_s,
            skipped,
            gaps: Gaps::default(),
            warnings: Vec::new(),
            other_foot_steps: 0,
            analysis,
            summary,
        }
    }

    /// The same report knowing where the recording has no data: moving time and stops leave
    /// those stretches out. The summary is made again from `analysis`, so this is for reports
    /// whose analysis holds its whole step list ([`FileReport::new`]); [`analyze_file`] gives
    /// its reports their gaps itself.
    pub fn with_gaps(mut self, gaps: Gaps) -> Self {
        self.summary = stats::summarize_with_gaps(&self.analysis, self.duration_s, &gaps.first);
        self.gaps = gaps;
        self
    }

    /// The same report with the reader's warnings.
    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }
}

/// Read a recording and run the offline analysis over it, streaming: a reader thread parses
/// batches of samples while this thread feeds the previous batch to the analyser, so reading
/// and step detection overlap. At most [`PIPELINE_DEPTH`] batches are in flight, and the
/// analysis finalises steps and builds the summary as they settle: memory does not grow with
/// the recording, except for the step list and cadence track kept with `keep_steps` (for the
/// JSON, per-step CSV and plot; 24 bytes per step). Called from a rayon worker (files analysed
/// in parallel), it reads inline instead.
pub fn analyze_file(
    path: &Path,
    options: &ReadOptions,
    config: AnalyzerConfig,
    keep_steps: bool,
) -> Result<FileReport, SourceError> {
    let mut reader = source::open(path, options)?;
    let mut analyzer = Analyzer::with_sink(config, SummaryBuilder::default(), keep_steps);
    let mut last_t = 0.0;
    // The first batch inline: a recording that fits in it needs no reader thread.
    let mut batch = Vec::new();
    if reader.read_batch(&mut batch)? {
        for sample in &batch {
            analyzer.push(sample);
        }
        if let Some(last) = batch.last() {
            last_t = last.t_s;
        }
    }
    if reader.at_end() {
        // Read everything already.
    } else if rayon::current_thread_index().is_some() {
        // Already on a rayon worker (several files analysed in parallel): read inline. A
        // worker blocked on the channel below could starve the reader's own parallel parsing
        // of pool threads and deadlock; inline, the worker helps with that parsing instead.
        while reader.read_batch(&mut batch)? {
            for sample in &batch {
                analyzer.push(sample);
            }
            if let Some(last) = batch.last() {
                last_t = last.t_s;
            }
        }
    } else {
        reader = pipelined(reader, &mut analyzer, &mut last_t)?;
    }
    let done = analyzer.finish_with_sink();
    let gaps = reader.gaps().clone();
    let summary = done.sink.finish(done.steps, last_t, &gaps.first);
    let mut warnings: Vec<String> = reader
        .layout()
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect();
    if done.late_steps > 0 {
        warnings.push(format!(
            "{} step{} reported too late to be placed among the others and left out",
            done.late_steps,
            if done.late_steps == 1 {
                " was"
            } else {
                "s were"
            }
        ));
    }
    Ok(FileReport {
        path: path.to_path_buf(),
        format: reader.layout().describe(),
        samples: reader.samples_read(),
        duration_s: last_t,
        skipped: reader.skipped().clone(),
        gaps,
        warnings,
        other_foot_steps: done.other_foot_steps,
        analysis: done.analysis,
        summary,
    })
}

/// Run the reader on its own thread, feeding the analyser batch by batch on this one.
fn pipelined<S: SegmentSink>(
    mut reader: source::AccelReader,
    analyzer: &mut Analyzer<S>,
    last_t: &mut f64,
) -> Result<source::AccelReader, SourceError> {
    let (full_tx, full_rx) = crossbeam_channel::bounded::<Vec<AccelSample>>(PIPELINE_DEPTH);
    let (empty_tx, empty_rx) = crossbeam_channel::bounded::<Vec<AccelSample>>(PIPELINE_DEPTH + 1);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || -> Result<source::AccelReader, SourceError> {
            loop {
                let mut batch = empty_rx.try_recv().unwrap_or_default();
                if !reader.read_batch(&mut batch)? {
                    return Ok(reader);
                }
                if full_tx.send(batch).is_err() {
                    return Ok(reader); // the consumer stopped
                }
            }
        });
        for batch in full_rx.iter() {
            for sample in &batch {
                analyzer.push(sample);
            }
            if let Some(last) = batch.last() {
                *last_t = last.t_s;
            }
            let _ = empty_tx.try_send(batch);
        }
        producer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// `h:mm:ss` or `m:ss` for a duration in seconds (rounded to the second).
pub fn clock(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "-".into();
    }
    let s = seconds.round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn clock_formats() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(61.4), "1:01");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(clock(f64::NAN), "-");
    }
}
