//! Small fixed-size trackers used by the footfall detector: a stochastic quantile tracker and a
//! short ring of recent values with its median. Neither allocates after construction.

/// Tracks the `p`-quantile of a stream by fixed steps: up by `step·p` when a value is above the
/// estimate, down by `step·(1−p)` when below. Converges to the quantile and follows slow
/// changes at up to `step` per update.
#[derive(Clone, Copy, Debug)]
pub struct QuantileTracker {
    p: f32,
    step: f32,
    value: f32,
    started: bool,
}

impl QuantileTracker {
    /// Track the `p`-quantile (0–1) with step `step` (in the units of the values).
    pub fn new(p: f32, step: f32) -> Self {
        Self {
            p: p.clamp(0.0, 1.0),
            step,
            value: 0.0,
            started: false,
        }
    }

    /// Start from `value` (e.g. the first observation).
    pub fn with_start(mut self, value: f32) -> Self {
        self.value = value;
        self.started = true;
        self
    }

    /// Update with `x` (non-finite values are ignored).
    #[inline]
    pub fn update(&mut self, x: f32) {
        if !x.is_finite() {
            return;
        }
        if !self.started {
            self.value = x;
            self.started = true;
        } else if x > self.value {
            self.value += self.step * self.p;
        } else if x < self.value {
            self.value -= self.step * (1.0 - self.p);
        }
    }

    /// The current estimate.
    #[inline]
    pub fn value(&self) -> f32 {
        self.value
    }

    /// Move the estimate up to `x` if it is below (a known lower bound of the quantile).
    #[inline]
    pub fn raise_to(&mut self, x: f32) {
        if x.is_finite() && (!self.started || x > self.value) {
            self.value = x;
            self.started = true;
        }
    }
}

/// The minimum of the last `BLOCKS` blocks of `block` values each (a sliding minimum with block
/// granularity: O(1) per value, fixed size).
#[derive(Clone, Copy, Debug)]
pub struct WindowMin<const BLOCKS: usize> {
    block: usize,
    filled: usize,
    current: f32,
    blocks: [f32; BLOCKS],
    next: usize,
    full: usize,
}

impl<const BLOCKS: usize> WindowMin<BLOCKS> {
    /// A window of `BLOCKS` blocks of `block` values.
    pub fn new(block: usize) -> Self {
        Self {
            block: block.max(1),
            filled: 0,
            current: f32::INFINITY,
            blocks: [f32::INFINITY; BLOCKS],
            next: 0,
            full: 0,
        }
    }

    /// Add a value.
    pub fn push(&mut self, x: f32) {
        self.current = self.current.min(x);
        self.filled += 1;
        if self.filled == self.block {
            self.blocks[self.next] = self.current;
            self.next = (self.next + 1) % BLOCKS;
            self.full = (self.full + 1).min(BLOCKS);
            self.current = f32::INFINITY;
            self.filled = 0;
        }
    }

    /// Minimum over the last `BLOCKS` complete blocks, once that many have been seen.
    pub fn min(&self) -> Option<f32> {
        (self.full == BLOCKS).then(|| self.blocks.iter().fold(f32::INFINITY, |m, &b| m.min(b)))
    }
}

/// The last `N` values pushed, with their median.
#[derive(Clone, Copy, Debug)]
pub struct RecentValues<const N: usize> {
    values: [f64; N],
    len: usize,
    next: usize,
}

impl<const N: usize> Default for RecentValues<N> {
    fn default() -> Self {
        Self {
            values: [0.0; N],
            len: 0,
            next: 0,
        }
    }
}

impl<const N: usize> RecentValues<N> {
    /// Add a value, forgetting the oldest once full.
    pub fn push(&mut self, x: f64) {
        self.values[self.next] = x;
        self.next = (self.next + 1) % N;
        self.len = (self.len + 1).min(N);
    }

    /// Values held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was pushed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Median of the values held (the upper one of the middle two), `None` when empty.
    pub fn median(&self) -> Option<f64> {
        self.quantile(0.5)
    }

    /// The `q`-quantile (0–1) of the values held (nearest rank), `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.len == 0 {
            return None;
        }
        let mut sorted = self.values;
        let held = &mut sorted[..self.len];
        held.sort_unstable_by(f64::total_cmp);
        let rank = ((q.clamp(0.0, 1.0) * self.len as f64) as usize).min(self.len - 1);
        Some(held[rank])
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        self.len = 0;
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_tracker_converges() {
        let mut q = QuantileTracker::new(0.9, 0.01);
        // Values 0..100 repeating: the 0.9-quantile is about 90.
        for i in 0..200_000u32 {
            q.update((i * 37 % 100) as f32);
        }
        assert!((q.value() - 90.0).abs() < 2.0, "{}", q.value());
    }

    #[test]
    fn window_min_follows_a_step_up() {
        let mut w = WindowMin::<4>::new(10);
        for _ in 0..40 {
            w.push(1.0);
        }
        assert_eq!(w.min(), Some(1.0));
        for i in 0..40 {
            w.push(5.0 + (i % 3) as f32);
        }
        assert_eq!(w.min(), Some(5.0));
    }

    #[test]
    fn recent_values_median() {
        let mut r = RecentValues::<4>::default();
        assert_eq!(r.median(), None);
        for x in [5.0, 1.0, 9.0, 3.0, 7.0] {
            r.push(x);
        }
        // Holds 1, 9, 3, 7.
        assert_eq!(r.median(), Some(7.0));
        assert_eq!(r.quantile(0.0), Some(1.0));
        assert_eq!(r.quantile(0.25), Some(3.0));
        assert_eq!(r.len(), 4);
    }
}
