//! cpal glue for input: the microphone that hears footfalls (`play --input mic|mic:DEVICE`).
//!
//! The input callback only moves samples into a lock-free SPSC ring (`ringbuf`), converting
//! integer formats to f32 on the way, and stamps two atomics: frames captured so far and the
//! time of the callback (nanoseconds since the stream's epoch `Instant`, read with
//! `Instant::now()`: a vDSO clock read, no lock, no allocation). Everything else happens on the
//! reading thread ([`MicFootfalls::run`]): mixing down to mono, the footfall detector, and
//! mapping the metronome's beat reports (output stream clock) onto the input stream clock.
//!
//! Clocks: footfall times are seconds of the *input stream clock* (frames delivered by the
//! input callback since the stream started, divided by its rate). A click reported at output
//! frame `O` is placed on that clock through the wall clock: the control thread says which
//! output frame had been rendered at which instant ([`ClickNote`]); the callback stamps say
//! which input frame arrived at which instant. Buffer-sized jitter of both is smoothed; what is
//! left, and all output and acoustic latency, is a constant the detector measures itself by
//! cross-correlating with the clicks it hears.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{SampleFormat, SizedSample, StreamConfig, SupportedStreamConfig};
use crossbeam_channel::{Receiver, Sender};
use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use super::device::{device_name, find_device};
use super::renderer::Voicing;
use super::voice::{VoiceBank, VoiceKind};
use crate::gait::footfall::{
    ClickLatency, Footfall, FootfallConfig, FootfallDetector, FootfallError, FootfallStats,
};

/// Why a microphone could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The audio system reports no default input device.
    #[error("no audio input device (microphone) found")]
    NoDevice,
    /// `mic:NAME` matched no input.
    #[error("no input device matches `{name}`; inputs: {}", if available.is_empty() { "none".to_string() } else { available.join(", ") })]
    DeviceNotFound {
        /// The name asked for.
        name: String,
        /// Names of the inputs that exist.
        available: Vec<String>,
    },
    /// The device's configuration could not be read.
    #[error("cannot read the configuration of input `{device}`: {source}")]
    Config {
        /// Device name.
        device: String,
        /// cpal's error.
        source: cpal::Error,
    },
    /// The device's sample format is not one stridebeat reads.
    #[error("input `{device}` delivers {format} samples, which stridebeat cannot read")]
    UnsupportedFormat {
        /// Device name.
        device: String,
        /// The format.
        format: String,
    },
    /// The stream could not be built or started.
    #[error("cannot open an input stream on `{device}`: {source}")]
    Stream {
        /// Device name.
        device: String,
        /// cpal's error.
        source: cpal::Error,
    },
    /// Devices could not be listed.
    #[error("cannot list audio input devices: {0}")]
    Enumerate(cpal::Error),
    /// The footfall detector refused the device's rate.
    #[error("microphone: {0}")]
    Detector(#[from] FootfallError),
    /// The device reported a fatal error while running.
    #[error("the microphone `{device}` failed: {message}")]
    Failed {
        /// Device name.
        device: String,
        /// What cpal said.
        message: String,
    },
}

/// Counters the callback updates.
#[derive(Debug)]
struct Stamps {
    /// Frames captured so far (input stream clock).
    frames: AtomicU64,
    /// Nanoseconds since `epoch` at the start of the latest callback.
    callback_ns: AtomicU64,
    /// Frames from the callback before `callback_ns` (so frame `frames_before` arrived then).
    frames_before: AtomicU64,
    /// Samples lost because the ring was full (the reader fell behind).
    dropped: AtomicU64,
    /// Set by the error callback on a fatal device error.
    failed: AtomicBool,
    epoch: Instant,
}

/// An input device and the configuration it will be opened with.
pub struct InputDevice {
    device: cpal::Device,
    name: String,
    config: SupportedStreamConfig,
}

/// Find the input named `name` (exact name first, then a case-insensitive substring), or the
/// default input. Opened at its own default (native) rate and format.
pub fn open_input(name: Option<&str>) -> Result<InputDevice, InputError> {
    let host = cpal::default_host();
    let device = match name {
        None => host.default_input_device().ok_or(InputError::NoDevice)?,
        Some(wanted) => {
            let devices: Vec<cpal::Device> = host
                .input_devices()
                .map_err(InputError::Enumerate)?
                .collect();
            find_device(&devices, wanted, |d| device_name(d) == wanted).map_err(|available| {
                InputError::DeviceNotFound {
                    name: wanted.to_string(),
                    available,
                }
            })?
        }
    };
    let name = device_name(&device);
    let config = device
        .default_input_config()
        .map_err(|source| InputError::Config {
            device: name.clone(),
            source,
        })?;
    Ok(InputDevice {
        device,
        name,
        config,
    })
}

/// A running input stream. Dropping it stops capture.
pub struct RunningInput {
    _stream: cpal::Stream,
    ring: HeapCons<f32>,
    stamps: Arc<Stamps>,
    channels: usize,
    rate_hz: u32,
    name: String,
}

impl InputDevice {
    /// The device's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The native sample rate the stream will run at, Hz.
    pub fn sample_rate_hz(&self) -> u32 {
        self.config.sample_rate()
    }

    /// Channels per frame.
    pub fn channels(&self) -> u16 {
        self.config.channels()
    }

    /// Start capturing into a ring holding `ring_s` seconds of audio.
    pub fn start(self, ring_s: f64) -> Result<RunningInput, InputError> {
        let channels = usize::from(self.config.channels().max(1));
        let rate_hz = self.config.sample_rate();
        let capacity = ((ring_s.clamp(0.1, 30.0) * f64::from(rate_hz)) as usize * channels).max(1);
        let (producer, consumer) = HeapRb::<f32>::new(capacity).split();
        let stamps = Arc::new(Stamps {
            frames: AtomicU64::new(0),
            callback_ns: AtomicU64::new(0),
            frames_before: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            failed: AtomicBool::new(false),
            epoch: Instant::now(),
        });
        let config: StreamConfig = self.config.config();
        let stream = match self.config.sample_format() {
            SampleFormat::F32 => self.build::<f32>(config, producer, &stamps, channels),
            SampleFormat::F64 => self.build::<f64>(config, producer, &stamps, channels),
            SampleFormat::I16 => self.build::<i16>(config, producer, &stamps, channels),
            SampleFormat::I32 => self.build::<i32>(config, producer, &stamps, channels),
            SampleFormat::U16 => self.build::<u16>(config, producer, &stamps, channels),
            SampleFormat::U8 => self.build::<u8>(config, producer, &stamps, channels),
            SampleFormat::I8 => self.build::<i8>(config, producer, &stamps, channels),
            other => {
                return Err(InputError::UnsupportedFormat {
                    device: self.name,
                    format: other.to_string(),
                })
            }
        }
        .map_err(|source| InputError::Stream {
            device: self.name.clone(),
            source,
        })?;
        stream.play().map_err(|source| InputError::Stream {
            device: self.name.clone(),
            source,
        })?;
        Ok(RunningInput {
            _stream: stream,
            ring: consumer,
            stamps,
            channels,
            rate_hz,
            name: self.name,
        })
    }

    fn build<T: SizedSample + InputSample>(
        &self,
        config: StreamConfig,
        mut ring: HeapProd<f32>,
        stamps: &Arc<Stamps>,
        channels: usize,
    ) -> Result<cpal::Stream, cpal::Error> {
        let st = Arc::clone(stamps);
        let st_err = Arc::clone(stamps);
        self.device.build_input_stream::<T, _, _>(
            config,
            move |data: &[T], _: &cpal::InputCallbackInfo| {
                // Only moves samples: convert, push, stamp. No allocation, lock or I/O.
                let now_ns = st.epoch.elapsed().as_nanos() as u64;
                let before = st.frames.load(Ordering::Relaxed);
                let mut lost = 0u64;
                for &s in data {
                    if ring.try_push(s.to_f32()).is_err() {
                        lost += 1;
                    }
                }
                if lost > 0 {
                    st.dropped.fetch_add(lost, Ordering::Relaxed);
                }
                st.frames_before.store(before, Ordering::Relaxed);
                st.callback_ns.store(now_ns, Ordering::Relaxed);
                st.frames
                    .store(before + (data.len() / channels) as u64, Ordering::Release);
            },
            move |err: cpal::Error| {
                if matches!(
                    err.kind(),
                    cpal::ErrorKind::DeviceNotAvailable | cpal::ErrorKind::StreamInvalidated
                ) {
                    st_err.failed.store(true, Ordering::Release);
                }
            },
            None,
        )
    }
}

/// A sample type an input device may deliver, converted to f32 in −1…1.
pub trait InputSample: Copy + Send + 'static {
    /// To f32.
    fn to_f32(self) -> f32;
}

impl InputSample for f32 {
    fn to_f32(self) -> f32 {
        self
    }
}
impl InputSample for f64 {
    fn to_f32(self) -> f32 {
        self as f32
    }
}
impl InputSample for i16 {
    fn to_f32(self) -> f32 {
        f32::from(self) / 32_768.0
    }
}
impl InputSample for i32 {
    fn to_f32(self) -> f32 {
        (f64::from(self) / 2_147_483_648.0) as f32
    }
}
impl InputSample for i8 {
    fn to_f32(self) -> f32 {
        f32::from(self) / 128.0
    }
}
impl InputSample for u16 {
    fn to_f32(self) -> f32 {
        (f32::from(self) - 32_768.0) / 32_768.0
    }
}
impl InputSample for u8 {
    fn to_f32(self) -> f32 {
        (f32::from(self) - 128.0) / 128.0
    }
}

impl RunningInput {
    /// The device's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Frames per second of the stream.
    pub fn sample_rate_hz(&self) -> u32 {
        self.rate_hz
    }

    /// Samples lost because the reader fell behind.
    pub fn dropped_samples(&self) -> u64 {
        self.stamps.dropped.load(Ordering::Relaxed)
    }

    /// True once the device reported a fatal error.
    pub fn failed(&self) -> bool {
        self.stamps.failed.load(Ordering::Acquire)
    }

    /// Move whole frames waiting in the ring into `mono` (mean of the channels); returns how
    /// many frames. `interleaved` is scratch of at least `mono.len() × channels` samples.
    pub fn read_mono(&mut self, mono: &mut [f32], interleaved: &mut [f32]) -> usize {
        let ch = self.channels;
        let frames = (self.ring.occupied_len() / ch)
            .min(mono.len())
            .min(interleaved.len() / ch);
        let n = self.ring.pop_slice(&mut interleaved[..frames * ch]);
        let frames = n / ch;
        let scale = 1.0 / ch as f32;
        for (m, frame) in mono
            .iter_mut()
            .zip(interleaved[..frames * ch].chunks_exact(ch))
        {
            *m = frame.iter().sum::<f32>() * scale;
        }
        frames
    }

    /// Input frame that arrived at `at` (extrapolated from the latest callback's stamp).
    fn input_frame_at(&self, at: Instant) -> f64 {
        let cb_ns = self.stamps.callback_ns.load(Ordering::Relaxed) as f64;
        let before = self.stamps.frames_before.load(Ordering::Relaxed) as f64;
        let at_ns = at.saturating_duration_since(self.stamps.epoch).as_nanos() as f64;
        before + (at_ns - cb_ns) * 1e-9 * f64::from(self.rate_hz)
    }
}

/// What the control thread knows about one click: its onset on the output stream clock, and
/// how many output frames had been rendered at which instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClickNote {
    /// Onset, output stream frames.
    pub onset_frames: u64,
    /// Output frames rendered when the report was read.
    pub rendered_frames: u64,
    /// When the report was read.
    pub at: Instant,
}

/// What [`MicFootfalls::run`] reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MicEvent {
    /// Audio up to this time has been analysed (input stream clock, seconds); sent every
    /// [`TICK_S`] so the session clock moves on.
    Tick {
        /// Seconds of the input stream clock.
        t_s: f64,
    },
    /// A footfall.
    Step {
        /// Onset, seconds of the input stream clock.
        t_s: f64,
        /// When it was decided, same clock.
        reported_s: f64,
        /// Thump onset strength, nepers.
        strength: f32,
    },
}

/// How often [`MicEvent::Tick`] is sent, seconds of audio.
pub const TICK_S: f64 = 0.02;
/// Frames read from the ring per step of the reading loop.
const BLOCK_FRAMES: usize = 1024;

/// The microphone with the footfall detector behind it: a running input and its reading loop.
pub struct MicFootfalls {
    input: RunningInput,
    detector: FootfallDetector,
    clicks: Receiver<ClickNote>,
    output_rate_hz: f64,
    /// Smoothed (input frame − output frame × rate ratio) for mapping clicks.
    offset: Option<f64>,
}

impl MicFootfalls {
    /// Open `device` (default input when `None`) and a footfall detector at its rate. `click`
    /// is the metronome's voicing (what a click sounds like, synthesised here at the input's
    /// rate), if a click plays; clicks rendered at `output_rate_hz` arrive through `clicks`.
    pub fn open(
        device: Option<&str>,
        click: Option<Voicing>,
        output_rate_hz: f64,
        clicks: Receiver<ClickNote>,
    ) -> Result<Self, InputError> {
        let dev = open_input(device)?;
        let rate = dev.sample_rate_hz();
        let table = click.map(|v| {
            VoiceBank::new(v.sound, rate, v.volume)
                .table(VoiceKind::Normal)
                .to_vec()
        });
        let detector = FootfallDetector::new(rate, FootfallConfig::default(), table.as_deref())?;
        let input = dev.start(2.0)?;
        Ok(Self {
            input,
            detector,
            clicks,
            output_rate_hz,
            offset: None,
        })
    }

    /// The device's name.
    pub fn device_name(&self) -> &str {
        self.input.name()
    }

    /// The input's rate, Hz.
    pub fn sample_rate_hz(&self) -> u32 {
        self.input.sample_rate_hz()
    }

    /// Samples the input lost because the reading fell behind.
    pub fn dropped_samples(&self) -> u64 {
        self.input.dropped_samples()
    }

    /// Map a click onto the input stream clock.
    fn map_click(&mut self, note: &ClickNote) -> Option<u64> {
        let ratio = f64::from(self.input.sample_rate_hz()) / self.output_rate_hz;
        // The instant the onset was rendered, then the input frame arriving at that instant.
        let behind_s =
            (note.rendered_frames as f64 - note.onset_frames as f64) / self.output_rate_hz;
        let rendered_at = if behind_s >= 0.0 {
            note.at.checked_sub(Duration::from_secs_f64(behind_s))?
        } else {
            note.at + Duration::from_secs_f64(-behind_s)
        };
        let input_frame = self.input.input_frame_at(rendered_at);
        let raw = input_frame - note.onset_frames as f64 * ratio;
        // Buffer-sized jitter of both clocks averages out; a slow drift is followed.
        let offset = match self.offset {
            None => raw,
            Some(o) => o + 0.05 * (raw - o),
        };
        self.offset = Some(offset);
        let mapped = note.onset_frames as f64 * ratio + offset;
        (mapped >= 0.0).then_some(mapped as u64)
    }

    /// Read and analyse until `stop` is set, `sink` refuses an event, or the device fails.
    /// Never allocates per sample (blocks are preallocated); sleeps a few ms when the ring is
    /// empty. Clicks announced meanwhile are mapped onto the input clock and passed to the
    /// detector before the audio that holds them is analysed.
    pub fn run(
        &mut self,
        mut sink: impl FnMut(MicEvent) -> bool,
        stop: &AtomicBool,
    ) -> Result<(), InputError> {
        let rate = f64::from(self.input.sample_rate_hz());
        let channels = self.input.channels;
        let mut mono = vec![0.0f32; BLOCK_FRAMES];
        let mut scratch = vec![0.0f32; BLOCK_FRAMES * channels];
        let tick_frames = ((TICK_S * rate) as u64).max(1);
        let mut next_tick = tick_frames;
        let mut analysed = 0u64;
        let mut pending: Vec<Footfall> = Vec::with_capacity(16);
        while !stop.load(Ordering::Acquire) {
            if self.input.failed() {
                return Err(InputError::Failed {
                    device: self.input.name().to_string(),
                    message: "device not available".into(),
                });
            }
            while let Ok(note) = self.clicks.try_recv() {
                if let Some(at) = self.map_click(&note) {
                    self.detector.push_click(at);
                }
            }
            let frames = self.input.read_mono(&mut mono, &mut scratch);
            if frames == 0 {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            self.detector.process(&mono[..frames], |s| pending.push(s));
            analysed += frames as u64;
            // Ticks and steps in time order: the session clock never goes back.
            for s in pending.drain(..) {
                while next_tick <= s.reported_samples {
                    if !sink(MicEvent::Tick {
                        t_s: next_tick as f64 / rate,
                    }) {
                        return Ok(());
                    }
                    next_tick += tick_frames;
                }
                let event = MicEvent::Step {
                    t_s: s.onset_samples as f64 / rate,
                    reported_s: s.reported_samples as f64 / rate,
                    strength: s.strength,
                };
                if !sink(event) {
                    return Ok(());
                }
            }
            while next_tick <= analysed {
                if !sink(MicEvent::Tick {
                    t_s: next_tick as f64 / rate,
                }) {
                    return Ok(());
                }
                next_tick += tick_frames;
            }
        }
        Ok(())
    }

    /// The detector (its statistics and click latency, e.g. after a run).
    pub fn detector(&self) -> &FootfallDetector {
        &self.detector
    }
}

/// What a microphone thread found by the time it ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MicSummary {
    /// What the detector did with its candidates.
    pub stats: FootfallStats,
    /// The click's acoustic latency as measured, if clicks were heard.
    pub click_latency: Option<ClickLatency>,
    /// True when that latency was trusted (clicks clearly heard).
    pub click_latency_trusted: bool,
    /// Samples lost because the reading fell behind.
    pub dropped_samples: u64,
}

/// A microphone running on its own thread (see [`spawn_mic`]).
pub struct MicHandle {
    /// The thread; it ends when `stop` is set, the sink refuses an event or the device fails.
    pub thread: std::thread::JoinHandle<Result<MicSummary, InputError>>,
    /// Announce every sounded click here (from the control thread that reads beat reports).
    pub clicks: Sender<ClickNote>,
    /// The device's name.
    pub device_name: String,
    /// The input's rate, Hz.
    pub sample_rate_hz: u32,
}

/// Open the microphone on a new thread (the cpal stream never leaves it) and run
/// [`MicFootfalls::run`] there, passing events to `sink`. Returns once the stream has started,
/// or with the error that kept it from starting.
pub fn spawn_mic(
    device: Option<String>,
    click: Option<Voicing>,
    output_rate_hz: f64,
    sink: impl FnMut(MicEvent) -> bool + Send + 'static,
    stop: Arc<AtomicBool>,
) -> Result<MicHandle, InputError> {
    let (click_tx, click_rx) = crossbeam_channel::bounded(1024);
    let (ready_tx, ready_rx) = crossbeam_channel::bounded::<Result<(String, u32), InputError>>(1);
    let thread = std::thread::Builder::new()
        .name("source-mic".into())
        .spawn(move || {
            let mut mic =
                match MicFootfalls::open(device.as_deref(), click, output_rate_hz, click_rx) {
                    Ok(mic) => mic,
                    Err(e) => {
                        let message = e.to_string();
                        let _ = ready_tx.send(Err(e));
                        return Err(InputError::Failed {
                            device: device.unwrap_or_else(|| "default input".into()),
                            message,
                        });
                    }
                };
            let _ = ready_tx.send(Ok((mic.device_name().to_string(), mic.sample_rate_hz())));
            let result = mic.run(sink, &stop);
            let summary = MicSummary {
                stats: mic.detector().stats(),
                click_latency: mic.detector().click_latency(),
                click_latency_trusted: mic.detector().click_latency_trusted(),
                dropped_samples: mic.dropped_samples(),
            };
            result.map(|()| summary)
        })
        .map_err(|e| InputError::Failed {
            device: "microphone".into(),
            message: format!("cannot start its thread: {e}"),
        })?;
    match ready_rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Ok((device_name, sample_rate_hz))) => Ok(MicHandle {
            thread,
            clicks: click_tx,
            device_name,
            sample_rate_hz,
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err(InputError::Failed {
            device: "microphone".into(),
            message: "the input stream did not start within 10 s".into(),
        }),
    }
}
