//! `stridebeat render`: write the click track to a WAV file, with the same renderer `play` uses.
//!
//! Also home of [`ClickArgs`], the options `play` and `render` share (what to play and how it
//! sounds), and their resolution into library values.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use stridebeat::audio::beat_log::BeatLogWriter;
use stridebeat::audio::renderer::{BeatReport, Pan, Renderer, Voicing};
use stridebeat::audio::voice::Sound;
use stridebeat::tempo::program::{parse_duration_s, Program};

/// What to play and how it sounds: shared by `play` and `render`.
#[derive(clap::Args, Debug, Clone)]
pub struct ClickArgs {
    /// Steady cadence in steps per minute (40–300).
    #[arg(long, value_name = "N", conflicts_with = "program")]
    pub spm: Option<f64>,
    /// Tempo program, e.g. "5m@160, 20m 160..172, 5m@160" (`a..b` ramps smoothly).
    #[arg(long, value_name = "TEXT")]
    pub program: Option<String>,
    /// Stop after this long, e.g. 30s, 20m, 1h30m (stream time).
    #[arg(long = "duration", value_name = "DURATION", value_parser = parse_duration_arg)]
    pub duration_s: Option<f64>,
    /// Click sound.
    #[arg(long, value_enum, default_value_t = Sound::Click)]
    pub sound: Sound,
    /// Accent every Nth beat (louder and higher), counting from the first.
    #[arg(long, value_name = "N")]
    pub accent: Option<u32>,
    /// `alternate`: left ear, right ear, … (each ear one foot); `center`: both ears.
    #[arg(long, value_enum, default_value_t = Pan::Center)]
    pub pan: Pan,
    /// Peak level of an accented click, 0–1.
    #[arg(long, default_value_t = 0.8, value_parser = parse_volume)]
    pub volume: f32,
    /// Write one CSV line per sounded beat: beat,sample,seconds,spm.
    #[arg(long, value_name = "FILE.csv")]
    pub beats: Option<PathBuf>,
}

fn parse_duration_arg(text: &str) -> Result<f64, String> {
    parse_duration_s(text).map_err(|e| e.to_string())
}

fn parse_volume(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{text}` is not a volume between 0 and 1")),
    }
}

impl ClickArgs {
    /// The tempo program these options ask for.
    pub fn program(&self) -> anyhow::Result<Program> {
        match (&self.spm, &self.program) {
            (Some(spm), _) => Program::steady(*spm).map_err(|e| anyhow::anyhow!("bad --spm: {e}")),
            (None, Some(text)) => {
                Program::parse(text).map_err(|e| anyhow::anyhow!("bad --program:\n{e}"))
            }
            (None, None) => {
                bail!("say what to play: --spm N or --program \"5m@160, 20m 160..172\"")
            }
        }
    }

    /// How the clicks sound.
    pub fn voicing(&self) -> Voicing {
        Voicing {
            sound: self.sound,
            accent_every: self.accent,
            pan: self.pan,
            volume: self.volume,
        }
    }

    /// `--duration` in samples at `sample_rate_hz`, if given.
    pub fn duration_samples(&self, sample_rate_hz: u32) -> Option<u64> {
        self.duration_s
            .map(|d_s| (d_s * f64::from(sample_rate_hz)).round() as u64)
    }
}

/// Open a `--beats` log.
pub fn create_beat_log(
    path: &Path,
    sample_rate_hz: u32,
) -> anyhow::Result<BeatLogWriter<BufWriter<File>>> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    BeatLogWriter::new(BufWriter::new(file), f64::from(sample_rate_hz))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Options of `stridebeat render`.
#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// What to play and how it sounds.
    #[command(flatten)]
    pub click: ClickArgs,
    /// The WAV file to write.
    #[arg(short, long, value_name = "FILE.wav")]
    pub output: PathBuf,
    /// Sample rate of the file, Hz.
    #[arg(long = "rate", value_name = "HZ", default_value_t = 48_000, value_parser = clap::value_parser!(u32).range(8_000..=384_000))]
    pub rate_hz: u32,
    /// Channels of the file (alternate panning needs 2).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=8))]
    pub channels: u16,
    /// Write 32-bit float samples instead of 16-bit integers.
    #[arg(long)]
    pub float: bool,
}

/// Frames rendered per block when writing a file.
const BLOCK_FRAMES: usize = 4096;

/// Run `stridebeat render`.
pub fn run(args: RenderArgs) -> anyhow::Result<()> {
    let program = args.click.program()?;
    let rate = args.rate_hz;
    let mut renderer = Renderer::new(
        &program,
        args.click.voicing(),
        rate,
        args.channels,
        args.click.duration_samples(rate),
    );
    let Some(total_samples) = renderer.end_samples() else {
        bail!(
            "render needs an end: add --duration (e.g. --duration 30s) or use a finite --program"
        );
    };
    let spec = hound::WavSpec {
        channels: args.channels,
        sample_rate: rate,
        bits_per_sample: if args.float { 32 } else { 16 },
        sample_format: if args.float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let out = &args.output;
    let mut wav = hound::WavWriter::create(out, spec)
        .with_context(|| format!("cannot create {}", out.display()))?;
    let mut log = match &args.click.beats {
        Some(path) => Some(create_beat_log(path, rate)?),
        None => None,
    };
    let channels = usize::from(args.channels);
    let mut block = vec![0.0f32; BLOCK_FRAMES * channels];
    let mut reports: Vec<BeatReport> = Vec::new();
    let mut left_samples = total_samples;
    while left_samples > 0 {
        let frames = (BLOCK_FRAMES as u64).min(left_samples) as usize;
        let buf = &mut block[..frames * channels];
        renderer.render(buf, |b| reports.push(b));
        for &s in buf.iter() {
            if args.float {
                wav.write_sample(s)?;
            } else {
                wav.write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16)?;
            }
        }
        if let Some(log) = &mut log {
            for r in reports.drain(..) {
                log.write(&r)?;
            }
        }
        reports.clear();
        left_samples -= frames as u64;
    }
    wav.finalize()
        .with_context(|| format!("cannot finish {}", out.display()))?;
    if let Some(log) = log {
        log.finish()?;
    }
    Ok(())
}
