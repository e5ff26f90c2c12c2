//! `stridebeat devices`: list audio outputs and inputs with their sample rates.

use stridebeat::audio::output::{list_devices, DeviceInfo};

/// Options of `stridebeat devices`.
#[derive(clap::Args, Debug)]
pub struct DevicesArgs {}

/// Run `stridebeat devices`.
pub fn run(_args: DevicesArgs) -> anyhow::Result<()> {
    let (outputs, inputs) = list_devices()?;
    print_section("Outputs", &outputs);
    print_section("Inputs", &inputs);
    Ok(())
}

fn print_section(title: &str, devices: &[DeviceInfo]) {
    println!("{title}:");
    if devices.is_empty() {
        println!("  (none)");
    }
    for d in devices {
        let mark = if d.is_default { "*" } else { " " };
        let default = match &d.default_config {
            Some((rate_hz, channels, format)) => {
                format!("{rate_hz} Hz, {channels} ch, {format}")
            }
            None => "default config unavailable".to_string(),
        };
        let ranges: Vec<String> = d
            .rate_ranges_hz
            .iter()
            .map(|&(lo, hi)| {
                if lo == hi {
                    format!("{lo}")
                } else {
                    format!("{lo}–{hi}")
                }
            })
            .collect();
        println!("{mark} {}  [{default}]", d.name);
        if let Some(id) = &d.id {
            println!("      id: {id}");
        }
        if !ranges.is_empty() {
            println!("      rates (Hz): {}", ranges.join(", "));
        }
    }
}
