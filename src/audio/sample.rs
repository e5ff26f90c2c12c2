//! Output sample formats: converting the renderer's f32 samples (−1…1) to what a device takes.
//!
//! Kept free of cpal so the engine stays a pure, testable core; the cpal glue maps its
//! `SampleFormat` onto these types.

/// A sample type a device may ask for, made from an f32 in −1…1 (clamped).
pub trait OutputSample: Copy + Send + 'static {
    /// Convert one f32 sample (−1…1, clamped) to this format.
    fn from_f32(x: f32) -> Self;
}

impl OutputSample for f32 {
    fn from_f32(x: f32) -> Self {
        x
    }
}

impl OutputSample for f64 {
    fn from_f32(x: f32) -> Self {
        f64::from(x)
    }
}

impl OutputSample for i16 {
    fn from_f32(x: f32) -> Self {
        (x.clamp(-1.0, 1.0) * 32767.0).round() as i16
    }
}

impl OutputSample for i32 {
    fn from_f32(x: f32) -> Self {
        (f64::from(x.clamp(-1.0, 1.0)) * 2_147_483_647.0).round() as i32
    }
}

impl OutputSample for u16 {
    fn from_f32(x: f32) -> Self {
        ((x.clamp(-1.0, 1.0) + 1.0) * 32767.5).round() as u16
    }
}

impl OutputSample for u8 {
    fn from_f32(x: f32) -> Self {
        ((x.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_and_silence_map_to_the_format_range() {
        assert_eq!(i16::from_f32(1.0), 32767);
        assert_eq!(i16::from_f32(-2.0), -32767);
        assert_eq!(i16::from_f32(0.0), 0);
        assert_eq!(u16::from_f32(-1.0), 0);
        assert_eq!(u16::from_f32(1.0), 65535);
        assert_eq!(u8::from_f32(0.0), 128);
        assert_eq!(i32::from_f32(1.0), i32::MAX);
    }
}
