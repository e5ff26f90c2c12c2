//! Gait: how the runner moves. Filters, streaming step detection from acceleration, cadence
//! estimation and walk/run/stop segmentation. Pure and streaming: O(1) work per sample, no I/O.

pub mod analysis;
pub mod footfall;

/// One accelerometer reading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AccelSample {
    /// Seconds since the first sample of the recording (recording clock).
    pub t_s: f64,
    /// Acceleration in m/s² along the sensor's x, y, z axes, gravity included or not.
    /// Magnitude-only sources put the magnitude in `acc[0]` and zeros elsewhere.
    pub acc: [f32; 3],
}
