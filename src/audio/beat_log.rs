//! The beat log (`--beats FILE.csv`): one line per sounded beat, written from beat reports.
//!
//! Columns: `beat` (beat index, 0 first), `sample` (onset on the output stream clock, in
//! samples from the stream's first frame), `seconds` (the same onset in seconds of stream time,
//! `sample / rate`), `spm` (cadence at the onset). Muted beats are not written.

use std::io::{self, Write};

use super::renderer::BeatReport;

/// The header line of a beat log.
pub const HEADER: &str = "beat,sample,seconds,spm";

/// Writes beat reports as CSV lines.
pub struct BeatLogWriter<W: Write> {
    out: W,
    sample_rate_hz: f64,
}

impl<W: Write> BeatLogWriter<W> {
    /// Start a log on `out` (writes the header) for a stream of `sample_rate_hz` frames/s.
    pub fn new(mut out: W, sample_rate_hz: f64) -> io::Result<Self> {
        writeln!(out, "{HEADER}")?;
        Ok(Self {
            out,
            sample_rate_hz,
        })
    }

    /// Write one line for `report`, unless the beat was muted.
    pub fn write(&mut self, report: &BeatReport) -> io::Result<()> {
        if !report.sounded() {
            return Ok(());
        }
        writeln!(
            self.out,
            "{},{},{:.6},{:.3}",
            report.beat_index,
            report.onset_samples,
            report.onset_samples as f64 / self.sample_rate_hz,
            report.spm
        )
    }

    /// Flush and hand back the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One parsed line of a beat log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeatLogLine {
    /// Beat index.
    pub beat: u64,
    /// Onset on the output stream clock, samples.
    pub sample: u64,
    /// Onset in seconds of stream time.
    pub seconds: f64,
    /// Cadence at the onset, steps per minute.
    pub spm: f64,
}

/// Read a beat log back (for tests and tools). Returns the 1-based line number of the first bad
/// line as the error.
pub fn parse_beat_log(text: &str) -> Result<Vec<BeatLogLine>, usize> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim() == HEADER => {}
        _ => return Err(1),
    }
    lines
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let f: Vec<&str> = l.split(',').collect();
            let bad = || i + 1;
            if f.len() != 4 {
                return Err(bad());
            }
            Ok(BeatLogLine {
                beat: f[0].trim().parse().map_err(|_| bad())?,
                sample: f[1].trim().parse().map_err(|_| bad())?,
                seconds: f[2].trim().parse().map_err(|_| bad())?,
                spm: f[3].trim().parse().map_err(|_| bad())?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::renderer::BeatFlags;

    #[test]
    fn writes_sounded_beats_and_reads_them_back() {
        let mut w = BeatLogWriter::new(Vec::new(), 48_000.0).unwrap();
        let beat = |i, s, f| BeatReport {
            beat_index: i,
            onset_samples: s,
            spm: 180.0,
            flags: BeatFlags(f),
        };
        w.write(&beat(0, 0, 0)).unwrap();
        w.write(&beat(1, 16_000, BeatFlags::MUTED)).unwrap();
        w.write(&beat(2, 32_000, BeatFlags::ACCENT)).unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        let lines = parse_beat_log(&text).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].beat, 2);
        assert_eq!(lines[1].sample, 32_000);
        assert!((lines[1].seconds - 32_000.0 / 48_000.0).abs() < 1e-6);
        assert_eq!(parse_beat_log("beat,sample,seconds,spm\n1,2,x,4\n"), Err(2));
    }
}
