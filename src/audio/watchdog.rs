//! Deciding when a live output has failed, from what the device reports and what it does.
//!
//! Some hosts never say "device gone": when a PulseAudio server dies under ALSA's pulse plugin,
//! cpal reports the same backend error (EIO) thousands of times a second and no frames are
//! rendered any more. The [`Watchdog`] turns that into one clear verdict. It is pure: the caller
//! feeds it faults and the stream clock with wall-clock times (seconds, any monotonic origin).

use super::output::StreamFault;

/// Non-fatal errors within one second that, with a stalled stream clock, mean the device is gone.
pub const ERROR_STORM_PER_S: usize = 100;
/// Wall-clock seconds without a rendered frame that, during an error storm, mean the device is
/// gone. (A storm alone is not enough: ALSA's pulse plugin may report a burst of errors while
/// a stream starts, and then play normally.)
pub const STORM_STALL_S: f64 = 0.5;
/// Wall-clock seconds without a rendered frame that mean the device has stopped.
pub const STALL_S: f64 = 2.0;

/// What the caller should do after feeding the watchdog.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Keep playing.
    Fine,
    /// Keep playing, and show this warning (the first few distinct ones only).
    Warn(String),
    /// Stop: the device failed, for this reason.
    Failed(String),
}

/// Watches one output stream. See the module documentation.
#[derive(Debug, Clone)]
pub struct Watchdog {
    /// Wall-clock times (s) of recent non-fatal, non-xrun errors, oldest first.
    recent_error_times_s: std::collections::VecDeque<f64>,
    warnings_shown: usize,
    /// Underruns/overruns seen.
    xruns: u64,
    /// Message of the latest non-fatal error.
    last_error: String,
    last_frames: u64,
    last_progress_s: f64,
}

/// Warnings printed before the rest are only counted.
const MAX_WARNINGS_SHOWN: usize = 3;

impl Watchdog {
    /// A watchdog for a stream started at wall-clock time `now_s`.
    pub fn new(now_s: f64) -> Self {
        Self {
            recent_error_times_s: std::collections::VecDeque::new(),
            warnings_shown: 0,
            xruns: 0,
            last_error: String::new(),
            last_frames: 0,
            last_progress_s: now_s,
        }
    }

    /// Underruns/overruns reported so far.
    pub fn xruns(&self) -> u64 {
        self.xruns
    }

    /// Feed one device fault reported at wall-clock time `now_s`.
    pub fn on_fault(&mut self, fault: &StreamFault, now_s: f64) -> Verdict {
        if fault.fatal {
            return Verdict::Failed(fault.message.clone());
        }
        if fault.xrun {
            self.xruns += 1;
            return Verdict::Fine;
        }
        self.recent_error_times_s.push_back(now_s);
        self.forget_errors_before(now_s - 1.0);
        self.last_error = fault.message.clone();
        if self.warnings_shown < MAX_WARNINGS_SHOWN {
            self.warnings_shown += 1;
            return Verdict::Warn(fault.message.clone());
        }
        Verdict::Fine
    }

    fn forget_errors_before(&mut self, t_s: f64) {
        while self.recent_error_times_s.front().is_some_and(|&t| t < t_s) {
            self.recent_error_times_s.pop_front();
        }
    }

    /// Feed the stream clock (`frames_rendered`) read at wall-clock time `now_s`.
    pub fn on_tick(&mut self, frames_rendered: u64, now_s: f64) -> Verdict {
        if frames_rendered != self.last_frames {
            self.last_frames = frames_rendered;
            self.last_progress_s = now_s;
            return Verdict::Fine;
        }
        let stalled_s = now_s - self.last_progress_s;
        self.forget_errors_before(now_s - 1.0);
        if stalled_s >= STALL_S {
            Verdict::Failed(format!("the device took no audio for {stalled_s:.1} s"))
        } else if stalled_s >= STORM_STALL_S && self.recent_error_times_s.len() >= ERROR_STORM_PER_S
        {
            Verdict::Failed(format!(
                "{} errors in the last second and no audio taken for {stalled_s:.1} s; last error: {}",
                self.recent_error_times_s.len(),
                self.last_error
            ))
        } else {
            Verdict::Fine
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(fatal: bool, message: &str) -> StreamFault {
        StreamFault {
            fatal,
            xrun: false,
            message: message.to_string(),
        }
    }

    #[test]
    fn fatal_fault_fails_at_once() {
        let mut w = Watchdog::new(0.0);
        assert!(matches!(
            w.on_fault(&fault(true, "gone"), 0.1),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn an_error_storm_fails_only_when_the_stream_stalls() {
        let e = fault(false, "EIO");
        // A storm while frames keep flowing (a stream starting up) is survived …
        let mut w = Watchdog::new(0.0);
        assert_eq!(w.on_fault(&e, 0.0), Verdict::Warn("EIO".into()));
        for i in 0..300 {
            assert!(!matches!(
                w.on_fault(&e, 0.001 * f64::from(i)),
                Verdict::Failed(_)
            ));
        }
        for i in 1..=10 {
            let t_s = 0.1 * f64::from(i);
            assert_eq!(w.on_tick(512 * u64::from(i as u32), t_s), Verdict::Fine);
        }
        // … a storm with a stalled stream clock is a dead device.
        let mut w = Watchdog::new(0.0);
        assert_eq!(w.on_tick(512, 1.0), Verdict::Fine);
        for i in 0..150 {
            w.on_fault(&e, 1.0 + 0.003 * f64::from(i));
        }
        assert_eq!(
            w.on_tick(512, 1.3),
            Verdict::Fine,
            "not stalled long enough yet"
        );
        match w.on_tick(512, 1.5) {
            Verdict::Failed(reason) => assert!(reason.contains("EIO"), "{reason}"),
            v => panic!("expected failure, got {v:?}"),
        }
        // Errors spread thinly over a stall of under 2 s are not a storm.
        let mut w = Watchdog::new(0.0);
        assert_eq!(w.on_tick(512, 1.0), Verdict::Fine);
        for i in 0..10 {
            w.on_fault(&e, 1.0 + 0.1 * f64::from(i));
        }
        assert_eq!(w.on_tick(512, 1.9), Verdict::Fine);
    }

    #[test]
    fn xruns_are_counted_not_fatal() {
        let mut w = Watchdog::new(0.0);
        let e = StreamFault {
            xrun: true,
            ..fault(false, "A buffer underrun or overrun occurred.")
        };
        for i in 0..1000 {
            assert_eq!(w.on_fault(&e, 0.0001 * f64::from(i)), Verdict::Fine);
        }
        assert_eq!(w.xruns(), 1000);
    }

    #[test]
    fn a_stalled_stream_clock_fails() {
        let mut w = Watchdog::new(0.0);
        assert_eq!(w.on_tick(512, 0.5), Verdict::Fine);
        assert_eq!(w.on_tick(512, 2.0), Verdict::Fine);
        assert!(matches!(w.on_tick(512, 2.6), Verdict::Failed(_)));
        let mut w = Watchdog::new(0.0);
        assert!(
            matches!(w.on_tick(0, 2.1), Verdict::Failed(_)),
            "never started"
        );
    }
}
