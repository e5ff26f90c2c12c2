//! Read a recording with the streaming reader only (no step detection) and print what was read:
//! samples, skipped rows, duration and the detected layout. Used by `scripts/speed.sh` to time
//! the reader apart from the detector, and handy to check how a file is understood.
//!
//! With `--digest` it also prints a hash of every sample's bits, the skipped rows (lines and
//! reasons) and the gaps, so two builds of the reader can be checked to read a file the same.
//!
//! Run: `cargo run --release --example read_file -- [--digest] FILE [RATE_HZ]`

use stridebeat::source::{open, ReadOptions};

/// FNV-1a, 64-bit: enough to tell two readings apart.
struct Fnv(u64);

impl Fnv {
    fn eat(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).peekable();
    let digest = args.next_if(|a| a == "--digest").is_some();
    let path = args
        .next()
        .ok_or("usage: read_file [--digest] FILE [RATE_HZ]")?;
    let options = ReadOptions {
        rate_hz: args.next().map(|r| r.parse()).transpose()?,
        ..ReadOptions::default()
    };
    let mut reader = open(&path, &options)?;
    let mut batch = Vec::new();
    let mut last_t = 0.0;
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    while reader.read_batch(&mut batch)? {
        if let Some(s) = batch.last() {
            last_t = s.t_s;
        }
        if digest {
            for s in &batch {
                hash.eat(&s.t_s.to_bits().to_le_bytes());
                for a in s.acc {
                    hash.eat(&a.to_bits().to_le_bytes());
                }
            }
        }
    }
    println!(
        "{path}: {} samples, {} rows skipped, {last_t:.2} s",
        reader.samples_read(),
        reader.skipped().count
    );
    println!("read as: {}", reader.layout().describe());
    if digest {
        hash.eat(format!("{:?}{:?}", reader.skipped(), reader.gaps()).as_bytes());
        println!("digest: {:016x}", hash.0);
    }
    Ok(())
}
