//! Live sample sources for `play --input`: accelerometer lines on stdin, lines in UDP
//! datagrams, or a recording replayed at its recorded pace.
//!
//! Each source runs on its own thread and sends [`AccelSample`]s, with `t_s` on the *session
//! clock* (seconds since the source's first sample), through a crossbeam channel. The source
//! ends by dropping its sender: the receiver sees the channel disconnect (stdin EOF, end of a
//! replay, or the stop flag). Bad input never stops a source: a bad line or datagram is dropped
//! and counted in [`LiveStats`].
//!
//! - `-`: lines on stdin (a header line is allowed); a line that does not decode is skipped and
//!   counted in `bad_lines`. EOF ends the session cleanly.
//! - `udp:[HOST:]PORT`: one or more lines per datagram. Binds `127.0.0.1` unless a host is
//!   named (`udp:0.0.0.0:5555` listens on every interface). A datagram that is not UTF-8, holds
//!   a line that does not decode (garbage, a cut-off line) or is larger than
//!   [`MAX_DATAGRAM_BYTES`] is dropped whole and counted in `dropped_datagrams`.
//! - `file:PATH`: a recording (a stridebeat session, or any accelerometer file the reader
//!   reads) replayed at its recorded pace, or `replay_speed` times faster.
//!
//! Lines are decoded by the reader's [`LineDecoder`], which detects the layout (columns,
//! separators, time and acceleration units; the phone apps' CSV lines) from the first lines,
//! exactly as for files.

use crate::gait::AccelSample;
use crate::source::{read_all, session, LineDecoder, ReadOptions, SourceError};
use crossbeam_channel::Sender;
use std::io::{self, BufRead, BufReader, Read};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Largest datagram accepted; anything bigger is dropped as oversized.
pub const MAX_DATAGRAM_BYTES: usize = 16 * 1024;
/// Longest line accepted on stdin or in a file; longer lines are dropped as bad.
pub const MAX_LINE_BYTES: usize = 4096;
/// How often a blocked UDP source looks at the stop flag.
const POLL: Duration = Duration::from_millis(100);

/// Where live samples come from, as given to `--input`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveSpec {
    /// `-`: lines on standard input.
    Stdin,
    /// `udp:[HOST:]PORT`: datagrams on this address.
    Udp(SocketAddr),
    /// `file:PATH`: a recording replayed at its recorded pace.
    File(PathBuf),
    /// `mic` or `mic:DEVICE`: footfalls heard by a microphone (the default input, or the input
    /// whose name contains DEVICE). Started by `play` itself ([`crate::audio::input`]), since
    /// it needs the metronome's beat reports; [`spawn_with`] refuses it.
    Mic(Option<String>),
}

impl FromStr for LiveSpec {
    type Err = LiveError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| LiveError::BadSpec {
            spec: s.to_string(),
            why: why.to_string(),
        };
        if s == "-" {
            return Ok(LiveSpec::Stdin);
        }
        if let Some(rest) = s.strip_prefix("udp:") {
            let addr = if rest.parse::<u16>().is_ok() {
                format!("127.0.0.1:{rest}")
            } else {
                rest.to_string()
            };
            let addr = addr
                .to_socket_addrs()
                .map_err(|e| bad(&format!("not an address: {e} (try udp:127.0.0.1:5555)")))?
                .next()
                .ok_or_else(|| bad("the host name has no address"))?;
            return Ok(LiveSpec::Udp(addr));
        }
        if s == "mic" {
            return Ok(LiveSpec::Mic(None));
        }
        if let Some(device) = s.strip_prefix("mic:") {
            if device.is_empty() {
                return Err(bad(
                    "no device named (mic:DEVICE, or mic for the default input)",
                ));
            }
            return Ok(LiveSpec::Mic(Some(device.to_string())));
        }
        if let Some(path) = s.strip_prefix("file:") {
            if path.is_empty() {
                return Err(bad("no file named (file:PATH)"));
            }
            return Ok(LiveSpec::File(PathBuf::from(path)));
        }
        Err(bad(
            "expected `-` (stdin), `udp:HOST:PORT`, `file:PATH` or `mic[:DEVICE]`",
        ))
    }
}

impl std::fmt::Display for LiveSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiveSpec::Stdin => f.write_str("-"),
            LiveSpec::Udp(a) => write!(f, "udp:{a}"),
            LiveSpec::File(p) => write!(f, "file:{}", p.display()),
            LiveSpec::Mic(None) => f.write_str("mic"),
            LiveSpec::Mic(Some(d)) => write!(f, "mic:{d}"),
        }
    }
}

/// A live source that could not start or broke.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// `--input` does not name a source.
    #[error("--input {spec}: {why}")]
    BadSpec {
        /// What was given.
        spec: String,
        /// What is wrong.
        why: String,
    },
    /// The UDP address could not be bound.
    #[error("udp:{addr}: cannot listen: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A session file could not be read.
    #[error(transparent)]
    Session(#[from] session::SessionError),
    /// A recording could not be read.
    #[error(transparent)]
    Recording(#[from] SourceError),
    /// Reading stdin or the socket failed.
    #[error("{what}: {source}")]
    Read {
        /// Which input.
        what: &'static str,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
}

/// Counters a source keeps while it runs (shared with the thread that displays them).
#[derive(Debug, Default)]
pub struct LiveStats {
    /// Lines read (all sources).
    pub lines: AtomicU64,
    /// Samples sent on.
    pub samples: AtomicU64,
    /// Lines that did not decode or went back in time (stdin and files).
    pub bad_lines: AtomicU64,
    /// Datagrams received (UDP).
    pub datagrams: AtomicU64,
    /// Datagrams dropped: garbage, a cut-off line, or too large (UDP).
    pub dropped_datagrams: AtomicU64,
    /// Of those, datagrams dropped for being larger than [`MAX_DATAGRAM_BYTES`].
    pub oversized_datagrams: AtomicU64,
}

/// A plain copy of [`LiveStats`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveCounts {
    /// Lines read.
    pub lines: u64,
    /// Samples sent on.
    pub samples: u64,
    /// Lines that did not decode or went back in time.
    pub bad_lines: u64,
    /// Datagrams received.
    pub datagrams: u64,
    /// Datagrams dropped.
    pub dropped_datagrams: u64,
    /// Datagrams dropped as oversized.
    pub oversized_datagrams: u64,
}

impl LiveStats {
    /// The counters now.
    pub fn snapshot(&self) -> LiveCounts {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        LiveCounts {
            lines: g(&self.lines),
            samples: g(&self.samples),
            bad_lines: g(&self.bad_lines),
            datagrams: g(&self.datagrams),
            dropped_datagrams: g(&self.dropped_datagrams),
            oversized_datagrams: g(&self.oversized_datagrams),
        }
    }
}

fn bump(a: &AtomicU64) {
    a.fetch_add(1, Ordering::Relaxed);
}

impl std::fmt::Display for LiveCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} samples", self.samples)?;
        if self.bad_lines > 0 {
            write!(f, ", {} bad lines skipped", self.bad_lines)?;
        }
        if self.datagrams > 0 {
            write!(f, ", {} datagrams", self.datagrams)?;
        }
        if self.dropped_datagrams > 0 {
            write!(
                f,
                " ({} dropped, {} of them oversized)",
                self.dropped_datagrams, self.oversized_datagrams
            )?;
        }
        Ok(())
    }
}

/// Options of a live source.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveOptions {
    /// `file:` replays this many times faster than recorded (default 1).
    pub replay_speed: f64,
    /// How to read the lines or the file (default: detect everything).
    pub read: ReadOptions,
}

impl Default for LiveOptions {
    fn default() -> Self {
        Self {
            replay_speed: 1.0,
            read: ReadOptions::default(),
        }
    }
}

/// A running source thread.
pub struct LiveSource {
    /// The thread; it returns when its input ends, the sink refuses a sample, or stop is set.
    pub thread: JoinHandle<Result<(), LiveError>>,
    /// Its counters.
    pub stats: Arc<LiveStats>,
    /// The bound address of a UDP source (useful with port 0).
    pub local_addr: Option<SocketAddr>,
}

/// Start a source on its own thread, sending samples to `tx`. See [`spawn_with`].
pub fn spawn(
    spec: &LiveSpec,
    opts: LiveOptions,
    tx: Sender<AccelSample>,
    stop: Arc<AtomicBool>,
) -> Result<LiveSource, LiveError> {
    spawn_with(spec, opts, move |s| tx.send(s).is_ok(), stop)
}

/// Start a source on its own thread, handing every sample to `sink` on that thread (which may
/// do more work there, e.g. detect steps, before passing it on); `sink` returns false when
/// nobody listens any more, and the source then ends. Problems that stop the source from
/// starting (an address that cannot be bound, a file that cannot be read) are returned here.
/// The thread stops soon after `stop` is set (stdin only at its next line).
pub fn spawn_with(
    spec: &LiveSpec,
    opts: LiveOptions,
    sink: impl FnMut(AccelSample) -> bool + Send + 'static,
    stop: Arc<AtomicBool>,
) -> Result<LiveSource, LiveError> {
    let stats = Arc::new(LiveStats::default());
    let st = Arc::clone(&stats);
    let start_err = |what| move |source| LiveError::Read { what, source };
    let (thread, local_addr) = match spec {
        LiveSpec::Mic(_) => {
            return Err(LiveError::BadSpec {
                spec: spec.to_string(),
                why: "the microphone is opened by `play` (it needs the click's beat reports)"
                    .into(),
            })
        }
        LiveSpec::Stdin => {
            let read = opts.read.clone();
            let t = std::thread::Builder::new()
                .name("source-stdin".into())
                .spawn(move || {
                    let stdin = io::stdin();
                    let lock = stdin.lock();
                    read_lines(lock, "stdin", &read, sink, &st, &stop)
                })
                .map_err(start_err("starting the stdin thread"))?;
            (t, None)
        }
        LiveSpec::Udp(addr) => {
            let bind_err = |source| LiveError::Bind {
                addr: *addr,
                source,
            };
            let sock = UdpSocket::bind(addr).map_err(bind_err)?;
            let local = sock.local_addr().ok();
            sock.set_read_timeout(Some(POLL)).map_err(bind_err)?;
            let label = format!("udp:{addr}");
            let read = opts.read.clone();
            let t = std::thread::Builder::new()
                .name("source-udp".into())
                .spawn(move || read_udp(&sock, &label, &read, sink, &st, &stop))
                .map_err(start_err("starting the UDP thread"))?;
            (t, local)
        }
        LiveSpec::File(path) => {
            let (samples, skipped) = load_recording(path, &opts.read)?;
            stats.bad_lines.store(skipped, Ordering::Relaxed);
            let speed = if opts.replay_speed.is_finite() && opts.replay_speed > 0.0 {
                opts.replay_speed
            } else {
                1.0
            };
            let t = std::thread::Builder::new()
                .name("source-file".into())
                .spawn(move || {
                    replay(&samples, speed, sink, &st, &stop);
                    Ok(())
                })
                .map_err(start_err("starting the replay thread"))?;
            (t, None)
        }
    };
    Ok(LiveSource {
        thread,
        stats,
        local_addr,
    })
}

/// Reads lines until EOF, the sink refuses, or `stop`; every decodable line becomes a sample.
/// Lines longer than [`MAX_LINE_BYTES`] or not UTF-8 are dropped as bad.
pub fn read_lines<R: Read>(
    input: R,
    what: &'static str,
    read: &ReadOptions,
    mut sink: impl FnMut(AccelSample) -> bool,
    stats: &LiveStats,
    stop: &AtomicBool,
) -> Result<(), LiveError> {
    let mut reader = BufReader::with_capacity(64 * 1024, input);
    let mut decoder = LineDecoder::new(what, read.clone());
    let mut own_bad = 0u64;
    let mut buf = Vec::with_capacity(256);
    let mut out = Vec::with_capacity(64);
    let mut deliver = |out: &mut Vec<AccelSample>, stats: &LiveStats| -> bool {
        for s in out.drain(..) {
            if !sink(s) {
                return false;
            }
            bump(&stats.samples);
        }
        true
    };
    while !stop.load(Ordering::Relaxed) {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|source| LiveError::Read { what, source })?;
        if n == 0 {
            // EOF: a short stream is decoded with what it gave; the session ends cleanly.
            if decoder.finish(&mut out).is_err() {
                own_bad += 1;
            }
            stats
                .bad_lines
                .store(own_bad + decoder.skipped().count, Ordering::Relaxed);
            deliver(&mut out, stats);
            return Ok(());
        }
        bump(&stats.lines);
        if buf.last() != Some(&b'\n') && n > MAX_LINE_BYTES {
            // Oversized line: drop it and skip to its end.
            own_bad += 1;
            let mut rest = Vec::new();
            loop {
                rest.clear();
                let m = (&mut reader)
                    .take(MAX_LINE_BYTES as u64)
                    .read_until(b'\n', &mut rest)
                    .map_err(|source| LiveError::Read { what, source })?;
                if m == 0 || rest.last() == Some(&b'\n') {
                    break;
                }
            }
        } else if let Ok(line) = std::str::from_utf8(&buf) {
            if decoder.push_line(line, &mut out).is_err() {
                own_bad += 1;
            }
        } else {
            own_bad += 1;
        }
        stats
            .bad_lines
            .store(own_bad + decoder.skipped().count, Ordering::Relaxed);
        if !deliver(&mut out, stats) {
            return Ok(()); // Nobody listens any more.
        }
    }
    Ok(())
}

/// Receives datagrams until `stop` or the sink refuses. A datagram is all-or-nothing: if it
/// is not text, is oversized, or any of its lines does not decode (garbage, a cut-off line,
/// time going back), none of its samples is passed on.
fn read_udp(
    sock: &UdpSocket,
    label: &str,
    read: &ReadOptions,
    mut sink: impl FnMut(AccelSample) -> bool,
    stats: &LiveStats,
    stop: &AtomicBool,
) -> Result<(), LiveError> {
    let mut buf = vec![0u8; MAX_DATAGRAM_BYTES + 1];
    let mut decoder = LineDecoder::new(label, read.clone());
    let mut out: Vec<AccelSample> = Vec::with_capacity(64);
    while !stop.load(Ordering::Relaxed) {
        let n = match sock.recv(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            // A previous send to us bounced (ICMP): not our problem, keep listening.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => continue,
            Err(source) => {
                return Err(LiveError::Read {
                    what: "udp",
                    source,
                })
            }
        };
        bump(&stats.datagrams);
        if n > MAX_DATAGRAM_BYTES {
            bump(&stats.dropped_datagrams);
            bump(&stats.oversized_datagrams);
            continue;
        }
        let Ok(text) = std::str::from_utf8(&buf[..n]) else {
            bump(&stats.dropped_datagrams);
            continue;
        };
        stats
            .lines
            .fetch_add(text.lines().count() as u64, Ordering::Relaxed);
        let skipped_before = decoder.skipped().count;
        out.clear();
        let failed = decoder.push_line(text, &mut out).is_err();
        if failed || decoder.skipped().count > skipped_before {
            bump(&stats.dropped_datagrams);
            continue;
        }
        for s in out.drain(..) {
            if !sink(s) {
                return Ok(());
            }
            bump(&stats.samples);
        }
    }
    Ok(())
}

/// Reads a whole recording for replay or offline analysis: a stridebeat session's samples, or
/// any accelerometer file the reader reads. Returns the samples and the rows skipped.
pub fn load_recording(
    path: &Path,
    read: &ReadOptions,
) -> Result<(Vec<AccelSample>, u64), LiveError> {
    let file_err = |source| LiveError::File {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(file_err)?;
    let mut reader = BufReader::new(file);
    let mut first = Vec::new();
    (&mut reader)
        .take(256)
        .read_until(b'\n', &mut first)
        .map_err(file_err)?;
    if session::is_session_header(&String::from_utf8_lossy(&first)) {
        let s = session::read_session_file(path)?;
        return Ok((s.samples, s.skipped_lines));
    }
    let rec = read_all(path, read)?;
    Ok((rec.samples, rec.skipped.count))
}

/// Sends `samples` at their recorded pace (`speed` times faster), sleeping between them.
fn replay(
    samples: &[AccelSample],
    speed: f64,
    mut sink: impl FnMut(AccelSample) -> bool,
    stats: &LiveStats,
    stop: &AtomicBool,
) {
    let Some(first) = samples.first() else { return };
    let start = Instant::now();
    let t0 = first.t_s;
    for s in samples {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let due = Duration::from_secs_f64(((s.t_s - t0) / speed).max(0.0));
        // Sleep in short naps so a long pause in the recording still notices `stop`.
        loop {
            let now = start.elapsed();
            if due <= now + Duration::from_millis(1) {
                break;
            }
            if stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep((due - now).min(POLL));
        }
        if !sink(*s) {
            return;
        }
        bump(&stats.samples);
    }
}
