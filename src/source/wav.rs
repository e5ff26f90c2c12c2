//! WAV input for footfall analysis: any common rate and channel count; 8/16/24/32-bit integer
//! and 32-bit float samples; streamed a block at a time and mixed down to mono, never loaded
//! whole.
//!
//! ```no_run
//! use stridebeat::source::wav::WavSource;
//! let mut wav = WavSource::open("run.wav")?;
//! let mut block = vec![0.0f32; 4096];
//! loop {
//!     let frames = wav.read_mono(&mut block)?;
//!     if frames == 0 { break; }
//!     // block[..frames] holds mono samples at wav.sample_rate_hz()
//! }
//! # Ok::<(), stridebeat::source::wav::WavError>(())
//! ```

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Lowest sample rate accepted, Hz.
pub const MIN_RATE_HZ: u32 = 2_000;
/// Highest sample rate accepted, Hz.
pub const MAX_RATE_HZ: u32 = 768_000;

/// Why a WAV file could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The file could not be opened or read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// Not a WAV file, or a malformed one.
    #[error("{}: not a readable WAV file: {problem}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A WAV file in a form stridebeat does not read.
    #[error("{}: unsupported WAV: {problem}", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is unsupported.
        problem: String,
    },
    /// The data ends before the length the header declares.
    #[error("{}: truncated: the data ends after {frames_read} of {frames_declared} frames", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Whole frames read before the end.
        frames_read: u64,
        /// Frames the header declares.
        frames_declared: u64,
    },
}

/// True when `path` is a RIFF/WAVE file (by its first 12 bytes, whatever its name). Standard
/// input (`-`) and unreadable files are not.
pub fn is_wav_file(path: &Path) -> bool {
    if path == Path::new("-") {
        return false;
    }
    let mut head = [0u8; 12];
    match File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)) {
        Ok(()) => &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE",
        Err(_) => false,
    }
}

/// Sample encoding of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    /// Integers of this many bits.
    Int(u16),
    /// 32-bit float.
    Float,
}

/// A WAV file opened for streaming, delivering mono f32 frames in −1…1.
pub struct WavSource {
    path: PathBuf,
    reader: hound::WavReader<BufReader<File>>,
    rate_hz: u32,
    channels: u16,
    encoding: Encoding,
    frames_declared: u64,
    frames_read: u64,
    done: bool,
    /// An error met after some frames of a block: reported on the next call.
    pending_error: Option<hound::Error>,
}

impl std::fmt::Debug for WavSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSource")
            .field("path", &self.path)
            .field("rate_hz", &self.rate_hz)
            .field("channels", &self.channels)
            .field("encoding", &self.encoding)
            .field("frames_declared", &self.frames_declared)
            .field("frames_read", &self.frames_read)
            .finish()
    }
}

fn from_hound(path: &Path, err: hound::Error) -> WavError {
    let path = path.to_path_buf();
    match err {
        hound::Error::IoError(source) if source.kind() == std::io::ErrorKind::UnexpectedEof => {
            WavError::Format {
                path,
                problem: "the header is cut short".into(),
            }
        }
        hound::Error::IoError(source) => WavError::Io { path, source },
        hound::Error::FormatError(problem) => WavError::Format {
            path,
            problem: problem.to_string(),
        },
        hound::Error::Unsupported => WavError::Unsupported {
            path,
            problem: "a sample format hound cannot decode (e.g. compressed or 64-bit float)".into(),
        },
        other => WavError::Format {
            path,
            problem: other.to_string(),
        },
    }
}

/// Fill `out` with one value per frame of `channels` interleaved samples: each frame's samples
/// folded with `add` from `zero`, then turned into the output by `finish`. Returns the frames
/// written and the error that stopped them: a read error, or an end of data inside a frame
/// ([`hound::Error::UnfinishedSample`]); an end of data between frames is no error.
fn mix_frames<S, A: Copy>(
    mut samples: impl Iterator<Item = Result<S, hound::Error>>,
    out: &mut [f32],
    channels: usize,
    zero: A,
    add: impl Fn(A, S) -> A,
    finish: impl Fn(A) -> f32,
) -> (usize, Option<hound::Error>) {
    let mut frames = 0;
    for slot in out.iter_mut() {
        let mut sum = zero;
        for ch in 0..channels {
            match samples.next() {
                Some(Ok(s)) => sum = add(sum, s),
                Some(Err(e)) => return (frames, Some(e)),
                None if ch == 0 => return (frames, None),
                None => return (frames, Some(hound::Error::UnfinishedSample)),
            }
        }
        *slot = finish(sum);
        frames += 1;
    }
    (frames, None)
}

impl WavSource {
    /// Open `path` and check its format.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, WavError> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| WavError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let reader =
            hound::WavReader::new(BufReader::new(file)).map_err(|e| from_hound(path, e))?;
        let spec = reader.spec();
        let unsupported = |problem: String| WavError::Unsupported {
            path: path.to_path_buf(),
            problem,
        };
        if spec.channels == 0 {
            return Err(unsupported("zero channels".into()));
        }
        if !(MIN_RATE_HZ..=MAX_RATE_HZ).contains(&spec.sample_rate) {
            return Err(unsupported(format!(
                "sample rate {} Hz (supported: {MIN_RATE_HZ}–{MAX_RATE_HZ} Hz)",
                spec.sample_rate
            )));
        }
        let encoding = match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Int, bits @ 1..=32) => Encoding::Int(bits),
            (hound::SampleFormat::Float, 32) => Encoding::Float,
            (format, bits) => {
                return Err(unsupported(format!("{bits}-bit {format:?} samples")));
            }
        };
        let frames_declared = u64::from(reader.duration());
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            rate_hz: spec.sample_rate,
            channels: spec.channels,
            encoding,
            frames_declared,
            frames_read: 0,
            done: false,
            pending_error: None,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames per second.
    pub fn sample_rate_hz(&self) -> u32 {
        self.rate_hz
    }

    /// Channels in the file (mixed down to mono on reading).
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Frames the header declares.
    pub fn frames_declared(&self) -> u64 {
        self.frames_declared
    }

    /// Frames delivered so far.
    pub fn frames_read(&self) -> u64 {
        self.frames_read
    }

    /// A short description, e.g. "48000 Hz, 2 channels, 24-bit int".
    pub fn describe(&self) -> String {
        let encoding = match self.encoding {
            Encoding::Int(bits) => format!("{bits}-bit int"),
            Encoding::Float => "32-bit float".to_string(),
        };
        format!(
            "{} Hz, {} channel{}, {encoding}",
            self.rate_hz,
            self.channels,
            if self.channels == 1 { "" } else { "s" }
        )
    }

    /// Fill `out` with the next mono frames (the mean of the channels); returns how many, 0 at
    /// the end. A file whose data stops short of its header gives [`WavError::Truncated`] once
    /// the frames before the cut have been delivered.
    pub fn read_mono(&mut self, out: &mut [f32]) -> Result<usize, WavError> {
        if let Some(err) = self.pending_error.take() {
            return Err(self.read_error(err));
        }
        if self.done {
            return Ok(0);
        }
        let channels = usize::from(self.channels);
        let scale = 1.0 / f32::from(self.channels);
        let (frames, failure) = match self.encoding {
            Encoding::Int(bits) => {
                let full_scale = 1.0 / (2.0f64).powi(i32::from(bits) - 1);
                mix_frames(
                    self.reader.samples::<i32>(),
                    out,
                    channels,
                    0.0f64,
                    |sum, s| sum + f64::from(s),
                    |sum| (sum * full_scale) as f32 * scale,
                )
            }
            Encoding::Float => mix_frames(
                self.reader.samples::<f32>(),
                out,
                channels,
                0.0f32,
                |sum, s| sum + if s.is_finite() { s } else { 0.0 },
                |sum| sum * scale,
            ),
        };
        self.frames_read += frames as u64;
        match failure {
            None => {
                if frames == 0 {
                    self.done = true;
                }
                Ok(frames)
            }
            Some(err) => {
                self.done = true;
                if frames > 0 {
                    // Deliver what was read; the error comes on the next call.
                    self.pending_error = Some(err);
                    return Ok(frames);
                }
                Err(self.read_error(err))
            }
        }
    }

    /// The error for a failure while reading samples.
    fn read_error(&self, err: hound::Error) -> WavError {
        // hound reports a short read as UnexpectedEof or as "Failed to read enough bytes."
        let truncated = matches!(
            &err,
            hound::Error::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof
                || e.to_string().contains("enough bytes")
        ) || matches!(err, hound::Error::UnfinishedSample);
        if truncated {
            WavError::Truncated {
                path: self.path.clone(),
                frames_read: self.frames_read,
                frames_declared: self.frames_declared,
            }
        } else {
            from_hound(&self.path, err)
        }
    }
}
