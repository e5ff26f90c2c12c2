//! `stridebeat devices`: list audio outputs and inputs with their sample rates.

use std::io::{self, Write};

use stridebeat::audio::output::{list_devices, DeviceInfo};

/// Options of `stridebeat devices`.
#[derive(clap::Args, Debug)]
pub struct DevicesArgs {}

/// Run `stridebeat devices`.
pub fn run(_args: DevicesArgs) -> anyhow::Result<()> {
    let (outputs, inputs) = list_devices()?;
    // A closed pipe (`| head -1`) comes back as an error that `main` takes for a normal end.
    let mut out = io::stdout().lock();
    print_section(&mut out, "Outputs", &outputs)?;
    print_section(&mut out, "Inputs", &inputs)?;
    out.flush()?;
    Ok(())
}

fn print_section(out: &mut impl Write, title: &str, devices: &[DeviceInfo]) -> io::Result<()> {
    writeln!(out, "{title}:")?;
    if devices.is_empty() {
        writeln!(out, "  (none)")?;
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
        writeln!(out, "{mark} {}  [{default}]", d.name)?;
        if let Some(id) = &d.id {
            writeln!(out, "      id: {id}")?;
        }
        if !ranges.is_empty() {
            writeln!(out, "      rates (Hz): {}", ranges.join(", "))?;
        }
    }
    Ok(())
}
