//! What the cpal input and output glue share: how a device is named and how `--device NAME` /
//! `mic:NAME` picks one from the host's list.

use cpal::traits::DeviceTrait;

/// Display name of a device ("?" if the device cannot describe itself).
pub(crate) fn device_name(device: &cpal::Device) -> String {
    device
        .description()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| "?".to_string())
}

/// Device id as text (host and host-specific id), if the device has one.
pub(crate) fn device_id(device: &cpal::Device) -> Option<String> {
    device.id().ok().map(|id| id.to_string())
}

/// The first of `devices` that `is_exact` accepts, else the first whose name contains `wanted`
/// (case-insensitive). When none does, the names of all of them (for the error message).
pub(crate) fn find_device(
    devices: &[cpal::Device],
    wanted: &str,
    is_exact: impl Fn(&cpal::Device) -> bool,
) -> Result<cpal::Device, Vec<String>> {
    let lower = wanted.to_lowercase();
    let exact = devices.iter().position(is_exact);
    let partial = || {
        devices
            .iter()
            .position(|d| device_name(d).to_lowercase().contains(&lower))
    };
    match exact.or_else(partial) {
        Some(i) => Ok(devices[i].clone()),
        None => Err(devices.iter().map(device_name).collect()),
    }
}
