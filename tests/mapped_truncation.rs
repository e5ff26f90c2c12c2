//! A recording truncated by another program while stridebeat reads it (memory-mapped) ends
//! the run with a message naming the file and exit status 2, not a silent `SIGBUS` death.
//!
//! The reading happens in a child process (this test binary run again), since the guard ends
//! the process.

use std::process::Command;
use stridebeat::source::{open, ReadOptions};

const CHILD: &str = "STRIDEBEAT_TRUNCATION_CHILD";

/// In the child: open (map) the file, truncate it, then read it.
fn child(path: &str) -> ! {
    let mut reader = open(path, &ReadOptions::default()).expect("the file opens");
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(0))
        .expect("the file can be truncated");
    let mut batch = Vec::new();
    while let Ok(true) = reader.read_batch(&mut batch) {}
    // Reaching this means the truncation went unnoticed.
    std::process::exit(0)
}

#[test]
fn a_file_truncated_while_it_is_read_is_an_error_naming_it() {
    if let Some(path) = std::env::var_os(CHILD) {
        child(path.to_str().unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing-log.csv");
    let mut text = String::from("time,ax,ay,az\n");
    for i in 0..100_000 {
        text.push_str(&format!("{:.2},0.1234,-0.5678,9.8100\n", i as f64 / 100.0));
    }
    std::fs::write(&path, text).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_file_truncated_while_it_is_read_is_an_error_naming_it",
            "--nocapture",
        ])
        .env(CHILD, &path)
        .env_remove("STRIDEBEAT_NO_MMAP")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("stridebeat: error: ")
            && stderr.contains("growing-log.csv")
            && stderr.contains("got shorter"),
        "{stderr}"
    );
}
