//! cpal glue for output: find a device, open it at its native rate, run an [`Engine`] in its
//! callback, and turn device errors into [`StreamFault`]s for the control thread.
//!
//! The stream is opened at the device's own sample rate (its default config): resampling a
//! 44.1 kHz stream into a 48 kHz sink would stretch every beat interval. The data callback is
//! just [`Engine::process`] plus one atomic store of the device latency; the error callback
//! forwards faults through a closure the caller gives (e.g. a bounded crossbeam channel's
//! `try_send`), never panicking.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{ErrorKind, SampleFormat, SizedSample, StreamConfig, SupportedStreamConfig};

use super::device::{device_id, device_name, find_device};
use super::engine::Engine;
use super::sample::OutputSample;

/// Why an output could not be opened or started.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The audio system reports no default output device.
    #[error("no audio output device found")]
    NoDevice,
    /// `--device NAME` matched no output.
    #[error("no output device matches `{name}`; outputs: {}", if available.is_empty() { "none".to_string() } else { available.join(", ") })]
    DeviceNotFound {
        /// The name asked for.
        name: String,
        /// Names of the outputs that exist.
        available: Vec<String>,
    },
    /// The device's configuration could not be read.
    #[error("cannot read the configuration of output `{device}`: {source}")]
    Config {
        /// Device name.
        device: String,
        /// cpal's error.
        source: cpal::Error,
    },
    /// No configuration in a sample format stridebeat can write.
    #[error("output `{device}` offers no sample format stridebeat can write (has {format})")]
    UnsupportedFormat {
        /// Device name.
        device: String,
        /// The device's own format.
        format: String,
    },
    /// The stream could not be built or started.
    #[error("cannot open an output stream on `{device}`: {source}")]
    Stream {
        /// Device name.
        device: String,
        /// cpal's error.
        source: cpal::Error,
    },
    /// Devices could not be listed.
    #[error("cannot list audio devices: {0}")]
    Enumerate(cpal::Error),
}

/// A device error reported while the stream runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFault {
    /// True when the stream cannot continue (device gone, stream invalidated).
    pub fatal: bool,
    /// True for an underrun/overrun: a gap in what was heard, harmless for the stream clock.
    pub xrun: bool,
    /// Human-readable description.
    pub message: String,
}

impl StreamFault {
    fn from_cpal(err: &cpal::Error) -> Self {
        let fatal = matches!(
            err.kind(),
            ErrorKind::DeviceNotAvailable
                | ErrorKind::StreamInvalidated
                | ErrorKind::HostUnavailable
                | ErrorKind::PermissionDenied
        );
        Self {
            fatal,
            xrun: err.kind() == ErrorKind::Xrun,
            message: err.to_string(),
        }
    }
}

/// An output device and the configuration stridebeat will open it with.
pub struct OutputDevice {
    device: cpal::Device,
    name: String,
    config: SupportedStreamConfig,
}

fn is_writable(format: SampleFormat) -> bool {
    matches!(
        format,
        SampleFormat::F32
            | SampleFormat::F64
            | SampleFormat::I16
            | SampleFormat::I32
            | SampleFormat::U16
            | SampleFormat::U8
    )
}

/// Find the output named `name` (exact name or id first, then a case-insensitive substring),
/// or the default output.
pub fn open_output(name: Option<&str>) -> Result<OutputDevice, OutputError> {
    let host = cpal::default_host();
    let device = match name {
        None => host.default_output_device().ok_or(OutputError::NoDevice)?,
        Some(wanted) => {
            let devices: Vec<cpal::Device> = host
                .output_devices()
                .map_err(OutputError::Enumerate)?
                .collect();
            find_device(&devices, wanted, |d| {
                device_name(d) == wanted || device_id(d).as_deref() == Some(wanted)
            })
            .map_err(|available| OutputError::DeviceNotFound {
                name: wanted.to_string(),
                available,
            })?
        }
    };
    let name = device_name(&device);
    let default = device
        .default_output_config()
        .map_err(|source| OutputError::Config {
            device: name.clone(),
            source,
        })?;
    let config = if is_writable(default.sample_format()) {
        default
    } else {
        // Same native rate, a format we can write (f32 preferred, then i16).
        let rate = default.sample_rate();
        let ranges: Vec<_> = device
            .supported_output_configs()
            .map_err(|source| OutputError::Config {
                device: name.clone(),
                source,
            })?
            .filter(|r| is_writable(r.sample_format()) && r.contains_rate(rate))
            .collect();
        let pick = ranges
            .iter()
            .find(|r| r.sample_format() == SampleFormat::F32)
            .or_else(|| {
                ranges
                    .iter()
                    .find(|r| r.sample_format() == SampleFormat::I16)
            })
            .or(ranges.first());
        match pick {
            Some(r) => r.with_sample_rate(rate),
            None => {
                return Err(OutputError::UnsupportedFormat {
                    device: name,
                    format: default.sample_format().to_string(),
                })
            }
        }
    };
    Ok(OutputDevice {
        device,
        name,
        config,
    })
}

/// A running output stream. Dropping it stops playback.
pub struct RunningOutput {
    _stream: cpal::Stream,
    latency_ns: Arc<AtomicU64>,
}

impl RunningOutput {
    /// The device's latest reported output latency (callback to playback), in nanoseconds of
    /// the stream's own clock; 0 until the first callback or if the host does not say.
    pub fn latency_ns(&self) -> u64 {
        self.latency_ns.load(Ordering::Relaxed)
    }
}

impl OutputDevice {
    /// The device's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The native sample rate the stream will run at, Hz.
    pub fn sample_rate_hz(&self) -> u32 {
        self.config.sample_rate()
    }

    /// Channels per frame of the stream.
    pub fn channels(&self) -> u16 {
        self.config.channels()
    }

    /// The sample format the stream will use.
    pub fn sample_format(&self) -> SampleFormat {
        self.config.sample_format()
    }

    /// Build and start the stream with `engine` in its callback; `on_fault` receives every
    /// device error (it runs on an audio-system thread: it must not block).
    pub fn start(
        self,
        engine: Engine,
        on_fault: impl FnMut(StreamFault) + Send + 'static,
    ) -> Result<RunningOutput, OutputError> {
        let config: StreamConfig = self.config.config();
        let latency_ns = Arc::new(AtomicU64::new(0));
        let stream = match self.config.sample_format() {
            SampleFormat::F32 => self.build::<f32>(config, engine, on_fault, &latency_ns),
            SampleFormat::F64 => self.build::<f64>(config, engine, on_fault, &latency_ns),
            SampleFormat::I16 => self.build::<i16>(config, engine, on_fault, &latency_ns),
            SampleFormat::I32 => self.build::<i32>(config, engine, on_fault, &latency_ns),
            SampleFormat::U16 => self.build::<u16>(config, engine, on_fault, &latency_ns),
            SampleFormat::U8 => self.build::<u8>(config, engine, on_fault, &latency_ns),
            other => {
                return Err(OutputError::UnsupportedFormat {
                    device: self.name,
                    format: other.to_string(),
                })
            }
        }
        .map_err(|source| OutputError::Stream {
            device: self.name.clone(),
            source,
        })?;
        stream.play().map_err(|source| OutputError::Stream {
            device: self.name.clone(),
            source,
        })?;
        Ok(RunningOutput {
            _stream: stream,
            latency_ns,
        })
    }

    fn build<T: SizedSample + OutputSample>(
        &self,
        config: StreamConfig,
        mut engine: Engine,
        mut on_fault: impl FnMut(StreamFault) + Send + 'static,
        latency_ns: &Arc<AtomicU64>,
    ) -> Result<cpal::Stream, cpal::Error> {
        let latency = Arc::clone(latency_ns);
        self.device.build_output_stream::<T, _, _>(
            config,
            move |data: &mut [T], info: &cpal::OutputCallbackInfo| {
                engine.process(data);
                let ts = info.timestamp();
                if let Some(d) = ts.playback.checked_duration_since(ts.callback) {
                    latency.store(d.as_nanos() as u64, Ordering::Relaxed);
                }
            },
            move |err: cpal::Error| on_fault(StreamFault::from_cpal(&err)),
            None,
        )
    }
}

/// One device as `stridebeat devices` shows it.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    /// Display name.
    pub name: String,
    /// Host-specific id (usable with `--device`), if any.
    pub id: Option<String>,
    /// True for the host's default device in this direction.
    pub is_default: bool,
    /// Default configuration: rate (Hz), channels, format; `None` if unreadable.
    pub default_config: Option<(u32, u16, String)>,
    /// Supported sample-rate ranges (min Hz, max Hz), deduplicated.
    pub rate_ranges_hz: Vec<(u32, u32)>,
}

/// Which list a device is shown in; one device can be in both.
#[derive(Clone, Copy)]
enum Direction {
    Output,
    Input,
}

/// `d` as shown among the devices of `direction`; `default_id` is that direction's default.
fn device_info(d: &cpal::Device, direction: Direction, default_id: &Option<String>) -> DeviceInfo {
    let name = device_name(d);
    let ranges = match direction {
        Direction::Output => d.supported_output_configs().map(rate_ranges),
        Direction::Input => d.supported_input_configs().map(rate_ranges),
    };
    let mut ranges = ranges.unwrap_or_default();
    ranges.sort_unstable();
    ranges.dedup();
    let id = device_id(d);
    let default_config = match direction {
        Direction::Output => d.default_output_config(),
        Direction::Input => d.default_input_config(),
    };
    DeviceInfo {
        is_default: id.is_some() && id == *default_id,
        id,
        default_config: default_config
            .ok()
            .map(|c| (c.sample_rate(), c.channels(), c.sample_format().to_string())),
        rate_ranges_hz: ranges,
        name,
    }
}

/// (min Hz, max Hz) of each supported configuration range, in the order given.
fn rate_ranges(configs: impl Iterator<Item = cpal::SupportedStreamConfigRange>) -> Vec<(u32, u32)> {
    configs
        .map(|r| (r.min_sample_rate(), r.max_sample_rate()))
        .collect()
}

/// Outputs and inputs of the default host.
pub fn list_devices() -> Result<(Vec<DeviceInfo>, Vec<DeviceInfo>), OutputError> {
    let host = cpal::default_host();
    let default_out = host.default_output_device().and_then(|d| device_id(&d));
    let default_in = host.default_input_device().and_then(|d| device_id(&d));
    let outputs = host
        .output_devices()
        .map_err(OutputError::Enumerate)?
        .map(|d| device_info(&d, Direction::Output, &default_out))
        .collect();
    let inputs = host
        .input_devices()
        .map_err(OutputError::Enumerate)?
        .map(|d| device_info(&d, Direction::Input, &default_in))
        .collect();
    Ok((outputs, inputs))
}
