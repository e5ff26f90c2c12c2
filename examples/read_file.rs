//! Read a recording with the streaming reader only (no step detection) and print what was read:
//! samples, skipped rows, duration and the detected layout. Used by `scripts/speed.sh` to time
//! the reader apart from the detector, and handy to check how a file is understood.
//!
//! Run: `cargo run --release --example read_file -- FILE [RATE_HZ]`

use stridebeat::source::{open, ReadOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: read_file FILE [RATE_HZ]")?;
    let options = ReadOptions {
        rate_hz: args.next().map(|r| r.parse()).transpose()?,
        ..ReadOptions::default()
    };
    let mut reader = open(&path, &options)?;
    let mut batch = Vec::new();
    let mut last_t = 0.0;
    while reader.read_batch(&mut batch)? {
        if let Some(s) = batch.last() {
            last_t = s.t_s;
        }
    }
    println!(
        "{path}: {} samples, {} rows skipped, {last_t:.2} s",
        reader.samples_read(),
        reader.skipped().count
    );
    println!("read as: {}", reader.layout().describe());
    Ok(())
}
