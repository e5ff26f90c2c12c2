//! The coach's command-line options (shared by `play --adapt` and `analyze --coach`), the
//! coach section of `analyze` (a session's recorded decisions, or the coach run offline), and
//! the progress file that carries the achieved target from one session to the next.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use stridebeat::source::live::load_recording;
use stridebeat::source::session::{is_session_header, read_session_file};
use stridebeat::source::ReadOptions;
use stridebeat::tempo::coach::{Baseline, Coach, CoachConfig, CoachEvent, Decision, HoldWhy};

use super::pipeline::run_offline;

/// Options of the adaptive coach, the same for live play and offline analysis.
#[derive(clap::Args, Debug, Clone)]
pub struct CoachArgs {
    /// Starting cadence: `auto` (the runner's steady natural cadence over the first minute of
    /// running) or steps per minute, e.g. 168.
    #[arg(long, value_name = "auto|SPM", default_value = "auto")]
    pub baseline: String,
    /// Steps per minute added by one raise.
    #[arg(long, value_name = "SPM", default_value_t = 2.0)]
    pub step: f64,
    /// Seconds the runner must stay within --tolerance of the target before a raise.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub hold: f64,
    /// Half-width of the zone around the target, steps per minute.
    #[arg(long, value_name = "SPM", default_value_t = 3.0)]
    pub tolerance: f64,
    /// Highest rise above the baseline, percent (gait-retraining studies use 5–10 %).
    #[arg(long, value_name = "PERCENT", default_value = "7.5", value_parser = parse_percent)]
    pub max_rise: f64,
    /// Absolute highest target, steps per minute.
    #[arg(long, value_name = "SPM", default_value_t = 200.0)]
    pub ceiling: f64,
    /// Seconds below the zone before the target steps back one step.
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0)]
    pub miss: f64,
    /// Seconds with no sensor data that count as a stalled sensor.
    #[arg(long, value_name = "SECONDS", default_value_t = 3.0)]
    pub stall: f64,
    /// Progress file: the baseline starts from the target achieved last time (when
    /// --baseline is auto and the file exists), and this session's achievement is saved to it.
    #[arg(long, value_name = "FILE.json")]
    pub progress: Option<PathBuf>,
}

/// `7.5`, `7.5%` → 0.075.
fn parse_percent(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage (e.g. 7.5)"))?;
    Ok(v / 100.0)
}

impl CoachArgs {
    /// The coach's settings, with the baseline taken from the progress file when asked.
    /// Also returns a note for the user about where the baseline came from, if anywhere.
    pub fn config(&self) -> anyhow::Result<(CoachConfig, Option<String>)> {
        let mut baseline: Baseline = self.baseline.parse()?;
        let mut note = None;
        if let (Baseline::Auto, Some(path)) = (baseline, &self.progress) {
            if path.exists() {
                let p = Progress::load(path)?;
                baseline = Baseline::Spm(p.achieved_spm);
                note = Some(format!(
                    "baseline {:.1} spm: the target achieved last time ({})",
                    p.achieved_spm,
                    path.display()
                ));
            }
        }
        let cfg = CoachConfig {
            baseline,
            step_spm: self.step,
            hold_s: self.hold,
            tolerance_spm: self.tolerance,
            max_rise: self.max_rise,
            ceiling_spm: self.ceiling,
            miss_s: self.miss,
            stall_s: self.stall,
            ..CoachConfig::default()
        };
        cfg.validate()?;
        Ok((cfg, note))
    }

    /// One line naming every setting, for the session file's `meta` and reports.
    pub fn describe(cfg: &CoachConfig) -> String {
        format!(
            "baseline={} step={} hold={} tolerance={} max_rise={}% ceiling={} miss={} stall={}",
            cfg.baseline,
            cfg.step_spm,
            cfg.hold_s,
            cfg.tolerance_spm,
            cfg.max_rise * 100.0,
            cfg.ceiling_spm,
            cfg.miss_s,
            cfg.stall_s
        )
    }
}

/// What a session achieved, carried to the next one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The highest target the runner held for a full hold (the next baseline), spm.
    pub achieved_spm: f64,
    /// This session's baseline, spm.
    pub baseline_spm: f64,
    /// The target when the session ended, spm.
    pub final_target_spm: f64,
}

impl Progress {
    /// What the decisions of one session achieved; `None` if no baseline was ever set.
    pub fn from_decisions(events: &[CoachEvent], final_target_spm: Option<f64>) -> Option<Self> {
        let mut baseline = None;
        let mut achieved: Option<f64> = None;
        for e in events {
            match e.decision {
                Decision::BaselineSet { baseline_spm, .. } => {
                    baseline = Some(baseline_spm);
                    achieved = Some(achieved.unwrap_or(baseline_spm).max(baseline_spm));
                }
                // A raise from X means X was held for a full hold.
                Decision::Raise { from_spm, .. } => {
                    achieved = Some(achieved.unwrap_or(from_spm).max(from_spm));
                }
                Decision::Hold {
                    target_spm,
                    why: HoldWhy::AtCap,
                } => achieved = Some(achieved.unwrap_or(target_spm).max(target_spm)),
                _ => {}
            }
        }
        let baseline_spm = baseline?;
        let achieved_spm = achieved.unwrap_or(baseline_spm);
        Some(Self {
            achieved_spm,
            baseline_spm,
            final_target_spm: final_target_spm.unwrap_or(achieved_spm),
        })
    }

    /// Read a progress file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the progress file {}", path.display()))?;
        let p: Progress = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a stridebeat progress file", path.display()))?;
        if !(p.achieved_spm.is_finite() && (100.0..=250.0).contains(&p.achieved_spm)) {
            anyhow::bail!(
                "{}: achieved cadence {} spm is not a running cadence",
                path.display(),
                p.achieved_spm
            );
        }
        Ok(p)
    }

    /// Write a progress file (whole, via a temporary file, so a crash never leaves half).
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self)? + "\n";
        std::fs::write(&tmp, text)
            .with_context(|| format!("cannot write the progress file {}", tmp.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("cannot write the progress file {}", path.display()))?;
        Ok(())
    }
}

/// One point of the target over time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TargetPoint {
    /// From this time on, seconds on the recording (session) clock.
    pub t_s: f64,
    /// Target, steps per minute.
    pub spm: f64,
}

/// The coach's side of an analysed recording: its decisions and the target over time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoachInfo {
    /// `recorded` (a session's own decisions) or `offline` (the coach run over the file now).
    pub source: &'static str,
    /// The coach's settings, when known.
    pub settings: Option<String>,
    /// Every decision with its reason.
    pub decisions: Vec<CoachEvent>,
    /// The target over time (each point holds until the next).
    pub target: Vec<TargetPoint>,
    /// The target at the end of the recording.
    pub final_target_spm: Option<f64>,
}

impl CoachInfo {
    /// What the coach did, or would have done, on `path`: with `run` (`analyze --coach`) the
    /// coach runs offline over the recording's samples, exactly as a live replay would; else,
    /// for a stridebeat session, the decisions it recorded; else nothing.
    pub fn for_file(
        path: &Path,
        read: &ReadOptions,
        options: &CoachArgs,
        run: bool,
    ) -> anyhow::Result<Option<Self>> {
        if run {
            let (cfg, note) = options.config()?;
            if let Some(note) = note {
                say!("stridebeat: {note}");
            }
            let settings = CoachArgs::describe(&cfg);
            let (samples, _) = load_recording(path, read)?;
            let offline = run_offline(&samples, Some(Coach::new(cfg)?));
            let target = offline
                .events
                .iter()
                .filter_map(|e| {
                    e.decision
                        .new_target_spm()
                        .map(|spm| TargetPoint { t_s: e.t_s, spm })
                })
                .collect();
            return Ok(Some(Self {
                source: "offline",
                settings: Some(settings),
                decisions: offline.events,
                target,
                final_target_spm: offline.final_target_spm,
            }));
        }
        let mut first = String::new();
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut head = io::Read::take(io::BufReader::new(file), 256);
        io::BufRead::read_line(&mut head, &mut first).ok();
        if !is_session_header(&first) {
            return Ok(None);
        }
        let s = read_session_file(path)?;
        if s.truncated_tail {
            say!(
                "stridebeat: {}: the last line was cut off (the session was killed); it was dropped",
                path.display()
            );
        }
        let target: Vec<TargetPoint> = s
            .targets
            .iter()
            .map(|t| TargetPoint {
                t_s: t.t_s,
                spm: t.spm,
            })
            .collect();
        if s.decisions.is_empty() && target.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self {
            source: "recorded",
            settings: s.meta("coach").map(str::to_string),
            final_target_spm: target.last().map(|t| t.spm),
            decisions: s.decisions,
            target,
        }))
    }

    /// The target as (time, spm) points, for the plot.
    pub fn target_series(&self) -> Vec<(f64, f64)> {
        self.target.iter().map(|p| (p.t_s, p.spm)).collect()
    }

    /// The coach section of the text summary.
    pub fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        let what = match self.source {
            "offline" => "coach (run offline over this recording)",
            _ => "coach (as recorded)",
        };
        writeln!(w, "  {what}:")?;
        if let Some(s) = &self.settings {
            writeln!(w, "    settings: {s}")?;
        }
        if self.decisions.is_empty() {
            writeln!(w, "    no decisions (no steady running found)")?;
        }
        for e in &self.decisions {
            writeln!(w, "  {e}")?;
        }
        if !self.target.is_empty() {
            let path: Vec<String> = self
                .target
                .iter()
                .map(|p| format!("{} {:.1}", stridebeat::report::clock(p.t_s), p.spm))
                .collect();
            writeln!(w, "    target over time: {}", path.join(" → "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stridebeat::tempo::coach::PauseCause;

    fn ev(t_s: f64, decision: Decision) -> CoachEvent {
        CoachEvent {
            t_s,
            decision,
            reason: String::new(),
        }
    }

    #[test]
    fn progress_is_the_highest_target_held_not_the_last_one_reached() {
        let events = [
            ev(
                60.0,
                Decision::BaselineSet {
                    baseline_spm: 168.0,
                    cap_spm: 180.6,
                },
            ),
            ev(
                120.0,
                Decision::Raise {
                    from_spm: 168.0,
                    to_spm: 170.0,
                },
            ),
            ev(
                180.0,
                Decision::Raise {
                    from_spm: 170.0,
                    to_spm: 172.0,
                },
            ),
            ev(
                300.0,
                Decision::BackOff {
                    from_spm: 172.0,
                    to_spm: 170.0,
                },
            ),
            ev(
                310.0,
                Decision::Pause {
                    cause: PauseCause::Walk,
                },
            ),
        ];
        let p = Progress::from_decisions(&events, Some(170.0)).unwrap();
        assert_eq!(p.achieved_spm, 170.0, "172 was reached but never held");
        assert_eq!(p.baseline_spm, 168.0);
        assert!(Progress::from_decisions(&events[1..], None).is_none());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        p.save(&path).unwrap();
        assert_eq!(Progress::load(&path).unwrap(), p);
        let args = CoachArgs {
            baseline: "auto".into(),
            step: 2.0,
            hold: 60.0,
            tolerance: 3.0,
            max_rise: 0.075,
            ceiling: 200.0,
            miss: 120.0,
            stall: 3.0,
            progress: Some(path.clone()),
        };
        let (cfg, note) = args.config().unwrap();
        assert_eq!(cfg.baseline, Baseline::Spm(170.0));
        assert!(note.unwrap().contains("achieved last time"));
        std::fs::write(&path, "{\"achieved_spm\": 9000}").unwrap();
        assert!(args.config().is_err());
    }

    #[test]
    fn percent_accepts_a_sign() {
        assert_eq!(parse_percent("7.5%").unwrap(), 0.075);
        assert_eq!(parse_percent("10").unwrap(), 0.1);
        assert!(parse_percent("lots").is_err());
    }
}
