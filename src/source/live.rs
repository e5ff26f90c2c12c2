//! Live sample sources for `play --input`: accelerometer lines on stdin, lines in UDP
//! datagrams, or a recording replayed at its recorded pace.
//!
//! Each source runs on its own thread and sends [`AccelSample`]s, with `t_s` on the *session
//! clock* (seconds since the source's first sample), through a crossbeam channel. The source
//! ends by dropping its sender: the receiver sees the channel disconnect (stdin EOF, end of a
//! replay, or the stop flag). Bad input never stops a source: a bad line or datagram is dropped
//! and counted in [`LiveStats`].
//!
//! - `-`: lines on stdin. A header line before the first sample is skipped; any other line that
//!   does not decode is counted in `bad_lines`. EOF ends the session cleanly.
//! - `udp:[HOST:]PORT`: one or more lines per datagram. Binds `127.0.0.1` unless a host is
//!   named (`udp:0.0.0.0:5555` listens on every interface). A datagram that is not UTF-8, holds
//!   a line that does not decode (garbage, a cut-off line) or is larger than
//!   [`MAX_DATAGRAM_BYTES`] is dropped whole and counted in `dropped_datagrams`.
//! - `file:PATH`: a recording (a stridebeat session or an accelerometer CSV) replayed at its
//!   recorded pace, or `replay_speed` times faster.
//!
//! Line decoding is kept in one small type, [`LineDecoder`]: `t, ax, ay, az` separated by
//! commas, semicolons, tabs or spaces, time in seconds (or epoch milliseconds/nanoseconds,
//! recognised by size), acceleration in m/s²; extra columns are ignored.

use crate::gait::AccelSample;
use crate::source::session;
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
/// Largest plausible acceleration, m/s² (about 100 g); larger values are garbage.
const MAX_ACC: f64 = 1000.0;

/// Where live samples come from, as given to `--input`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveSpec {
    /// `-`: lines on standard input.
    Stdin,
    /// `udp:[HOST:]PORT`: datagrams on this address.
    Udp(SocketAddr),
    /// `file:PATH`: a recording replayed at its recorded pace.
    File(PathBuf),
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
        if let Some(path) = s.strip_prefix("file:") {
            if path.is_empty() {
                return Err(bad("no file named (file:PATH)"));
            }
            return Ok(LiveSpec::File(PathBuf::from(path)));
        }
        Err(bad("expected `-` (stdin), `udp:HOST:PORT` or `file:PATH`"))
    }
}

impl std::fmt::Display for LiveSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiveSpec::Stdin => f.write_str("-"),
            LiveSpec::Udp(a) => write!(f, "udp:{a}"),
            LiveSpec::File(p) => write!(f, "file:{}", p.display()),
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
    /// Header lines skipped before the first sample.
    pub header_lines: AtomicU64,
    /// Lines that did not decode (stdin and files).
    pub bad_lines: AtomicU64,
    /// Samples dropped because their time did not increase.
    pub out_of_order: AtomicU64,
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
    /// Header lines skipped.
    pub header_lines: u64,
    /// Lines that did not decode.
    pub bad_lines: u64,
    /// Samples dropped for time not increasing.
    pub out_of_order: u64,
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
            header_lines: g(&self.header_lines),
            bad_lines: g(&self.bad_lines),
            out_of_order: g(&self.out_of_order),
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
        if self.out_of_order > 0 {
            write!(f, ", {} out-of-order samples dropped", self.out_of_order)?;
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

/// Why one line did not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineProblem {
    /// Fewer than four numbers (`t, ax, ay, az`): a cut-off or foreign line.
    TooFewFields(usize),
    /// A field is not a number.
    NotANumber(usize),
    /// A number is NaN, infinite or implausibly large.
    OutOfRange(usize),
}

/// What one line gave.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decoded {
    /// A sample, on the session clock.
    Sample(AccelSample),
    /// A header line before the first sample (skipped).
    Header,
    /// A blank line (skipped).
    Blank,
    /// A sample whose time does not increase (dropped).
    OutOfOrder,
}

/// How the time column is scaled to seconds, decided on the first sample.
#[derive(Clone, Copy, Debug, PartialEq)]
enum TimeUnit {
    Seconds,
    Millis,
    Nanos,
}

/// Turns text lines into samples: `t, ax, ay, az` (extra columns ignored), the first
/// sample's time becoming 0 on the session clock. Stateful: it remembers the time origin and
/// unit, and the last time, to drop samples that go backwards.
#[derive(Clone, Debug, Default)]
pub struct LineDecoder {
    origin: Option<(f64, TimeUnit)>,
    last_t_s: Option<f64>,
    /// Skip a non-numeric line before the first sample as a header (stdin, files).
    allow_header: bool,
}

impl LineDecoder {
    /// A decoder; `allow_header` lets a non-numeric line before the first sample pass as a
    /// header (stdin and files; not UDP, where every datagram must be data).
    pub fn new(allow_header: bool) -> Self {
        Self {
            allow_header,
            ..Self::default()
        }
    }

    /// Decode one line (without its line break).
    pub fn decode(&mut self, line: &str) -> Result<Decoded, LineProblem> {
        let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if line.is_empty() {
            return Ok(Decoded::Blank);
        }
        let mut v = [0f64; 4];
        let mut n = 0;
        for (i, tok) in line
            .split([',', ';', '\t', ' '])
            .filter(|t| !t.is_empty())
            .enumerate()
        {
            if i >= 4 {
                break;
            }
            let tok = tok.trim_matches('"');
            let x: f64 = match tok.parse() {
                Ok(x) => x,
                Err(_) => {
                    if self.origin.is_none() && self.allow_header {
                        return Ok(Decoded::Header);
                    }
                    return Err(LineProblem::NotANumber(i + 1));
                }
            };
            let limit = if i == 0 { f64::MAX } else { MAX_ACC };
            if !x.is_finite() || x.abs() > limit {
                return Err(LineProblem::OutOfRange(i + 1));
            }
            v[i] = x;
            n += 1;
        }
        if n < 4 {
            return Err(LineProblem::TooFewFields(n));
        }
        let (t0, unit) = *self.origin.get_or_insert_with(|| {
            let unit = match v[0].abs() {
                x if x > 1e14 => TimeUnit::Nanos,
                x if x > 1e11 => TimeUnit::Millis,
                _ => TimeUnit::Seconds,
            };
            (v[0], unit)
        });
        let t_s = match unit {
            TimeUnit::Seconds => v[0] - t0,
            TimeUnit::Millis => (v[0] - t0) * 1e-3,
            TimeUnit::Nanos => (v[0] - t0) * 1e-9,
        };
        if self.last_t_s.is_some_and(|last| t_s <= last) {
            return Ok(Decoded::OutOfOrder);
        }
        self.last_t_s = Some(t_s);
        Ok(Decoded::Sample(AccelSample {
            t_s,
            acc: [v[1] as f32, v[2] as f32, v[3] as f32],
        }))
    }
}

/// Options of a live source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiveOptions {
    /// `file:` replays this many times faster than recorded (default 1).
    pub replay_speed: f64,
}

impl Default for LiveOptions {
    fn default() -> Self {
        Self { replay_speed: 1.0 }
    }
}

/// A running source thread.
pub struct LiveSource {
    /// The thread; it returns when its input ends, the receiver is gone, or stop is set.
    pub thread: JoinHandle<Result<(), LiveError>>,
    /// Its counters.
    pub stats: Arc<LiveStats>,
    /// The bound address of a UDP source (useful with port 0).
    pub local_addr: Option<SocketAddr>,
}

/// Start a source on its own thread, sending samples to `tx`. Problems that stop it from
/// starting (an address that cannot be bound, a file that cannot be opened) are returned here.
/// The thread stops soon after `stop` is set (stdin only at its next line).
pub fn spawn(
    spec: &LiveSpec,
    opts: LiveOptions,
    tx: Sender<AccelSample>,
    stop: Arc<AtomicBool>,
) -> Result<LiveSource, LiveError> {
    let stats = Arc::new(LiveStats::default());
    let st = Arc::clone(&stats);
    let (thread, local_addr) = match spec {
        LiveSpec::Stdin => {
            let t = std::thread::Builder::new()
                .name("source-stdin".into())
                .spawn(move || {
                    let stdin = io::stdin();
                    let lock = stdin.lock();
                    read_lines(lock, "stdin", &tx, &st, &stop)
                })
                .map_err(|source| LiveError::Read {
                    what: "starting the stdin thread",
                    source,
                })?;
            (t, None)
        }
        LiveSpec::Udp(addr) => {
            let sock = UdpSocket::bind(addr).map_err(|source| LiveError::Bind {
                addr: *addr,
                source,
            })?;
            let local = sock.local_addr().ok();
            sock.set_read_timeout(Some(POLL))
                .map_err(|source| LiveError::Bind {
                    addr: *addr,
                    source,
                })?;
            let t = std::thread::Builder::new()
                .name("source-udp".into())
                .spawn(move || read_udp(&sock, &tx, &st, &stop))
                .map_err(|source| LiveError::Read {
                    what: "starting the UDP thread",
                    source,
                })?;
            (t, local)
        }
        LiveSpec::File(path) => {
            let samples = load_recording(path, &stats)?;
            let speed = if opts.replay_speed.is_finite() && opts.replay_speed > 0.0 {
                opts.replay_speed
            } else {
                1.0
            };
            let t = std::thread::Builder::new()
                .name("source-file".into())
                .spawn(move || {
                    replay(&samples, speed, &tx, &st, &stop);
                    Ok(())
                })
                .map_err(|source| LiveError::Read {
                    what: "starting the replay thread",
                    source,
                })?;
            (t, None)
        }
    };
    Ok(LiveSource {
        thread,
        stats,
        local_addr,
    })
}

/// Reads lines until EOF, the receiver hangs up, or `stop`; every decodable line becomes a
/// sample. Lines longer than [`MAX_LINE_BYTES`] are dropped as bad.
pub fn read_lines<R: Read>(
    input: R,
    what: &'static str,
    tx: &Sender<AccelSample>,
    stats: &LiveStats,
    stop: &AtomicBool,
) -> Result<(), LiveError> {
    let mut reader = BufReader::with_capacity(64 * 1024, input);
    let mut decoder = LineDecoder::new(true);
    let mut buf = Vec::with_capacity(256);
    while !stop.load(Ordering::Relaxed) {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|source| LiveError::Read { what, source })?;
        if n == 0 {
            return Ok(()); // EOF: the session ends cleanly.
        }
        bump(&stats.lines);
        if buf.last() != Some(&b'\n') && n > MAX_LINE_BYTES {
            // Oversized line: drop it and skip to its end.
            bump(&stats.bad_lines);
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
            continue;
        }
        let Ok(line) = std::str::from_utf8(&buf) else {
            bump(&stats.bad_lines);
            continue;
        };
        match decoder.decode(line) {
            Ok(Decoded::Sample(s)) => {
                if tx.send(s).is_err() {
                    return Ok(()); // Nobody listens any more.
                }
                bump(&stats.samples);
            }
            Ok(Decoded::Header) => bump(&stats.header_lines),
            Ok(Decoded::Blank) => {}
            Ok(Decoded::OutOfOrder) => bump(&stats.out_of_order),
            Err(_) => bump(&stats.bad_lines),
        }
    }
    Ok(())
}

/// Receives datagrams until `stop` or the receiver hangs up. A datagram is all-or-nothing:
/// if any of its lines does not decode, none of its samples is sent.
fn read_udp(
    sock: &UdpSocket,
    tx: &Sender<AccelSample>,
    stats: &LiveStats,
    stop: &AtomicBool,
) -> Result<(), LiveError> {
    let mut buf = vec![0u8; MAX_DATAGRAM_BYTES + 1];
    let mut decoder = LineDecoder::new(false);
    let mut pending: Vec<AccelSample> = Vec::with_capacity(64);
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
        // Decode on a copy so a bad datagram leaves the decoder's clock untouched.
        let mut trial = decoder.clone();
        pending.clear();
        let mut ok = true;
        let mut out_of_order = 0;
        for line in text.lines() {
            bump(&stats.lines);
            match trial.decode(line) {
                Ok(Decoded::Sample(s)) => pending.push(s),
                Ok(Decoded::Blank) => {}
                Ok(Decoded::OutOfOrder) => out_of_order += 1,
                Ok(Decoded::Header) | Err(_) => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok || (pending.is_empty() && out_of_order == 0) {
            bump(&stats.dropped_datagrams);
            continue;
        }
        decoder = trial;
        stats
            .out_of_order
            .fetch_add(out_of_order, Ordering::Relaxed);
        for s in pending.drain(..) {
            if tx.send(s).is_err() {
                return Ok(());
            }
            bump(&stats.samples);
        }
    }
    Ok(())
}

/// Reads a whole recording for replay: a stridebeat session's samples, or accelerometer lines.
pub fn load_recording(path: &Path, stats: &LiveStats) -> Result<Vec<AccelSample>, LiveError> {
    let file_err = |source| LiveError::File {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(file_err)?;
    let mut reader = BufReader::new(file);
    let mut first = String::new();
    reader.read_line(&mut first).map_err(file_err)?;
    if session::is_session_header(&first) {
        let s = session::read_session_file(path)?;
        stats
            .bad_lines
            .fetch_add(s.skipped_lines, Ordering::Relaxed);
        return Ok(s.samples);
    }
    let file = std::fs::File::open(path).map_err(file_err)?;
    let (tx, rx) = crossbeam_channel::unbounded();
    let never = AtomicBool::new(false);
    read_lines(file, "file", &tx, stats, &never)?;
    drop(tx);
    stats.samples.store(0, Ordering::Relaxed);
    Ok(rx.try_iter().collect())
}

/// Sends `samples` at their recorded pace (`speed` times faster), sleeping between them.
fn replay(
    samples: &[AccelSample],
    speed: f64,
    tx: &Sender<AccelSample>,
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
        if tx.send(*s).is_err() {
            return;
        }
        bump(&stats.samples);
    }
}
