//! Periodicity of the gait signal: running autocorrelations and the step period they imply.
//!
//! The autocorrelation `R[k]` of the band-passed signal is kept for every lag from the shortest
//! step (~0.25 s) to the longest stride (~2.2 s), each an exponentially weighted sum over the
//! last few seconds, for two memories at once (a long one that is steady and a short one that
//! follows a change of pace first): O(lags) = O(1) work per sample, fixed arrays, no
//! allocation.
//!
//! Cost (this runs for every grid sample of every recording): both memories share the lag
//! products `y[n]·y[n-k]`; only the lags the estimate reads are kept (zero and one below the
//! shortest step upwards); the sums are `f32` (the estimate compares neighbouring lags that
//! differ by percents; `f32` keeps about seven digits); the decay is folded into a growing
//! weight for new products instead of a multiply per lag and sample (each sum is kept as
//! `R[k] · w` for a common positive `w`, which cancels in the normalised values, and is
//! rescaled now and then before it grows large); and new samples are queued and added in
//! blocks (when the caller updates, at the latest every eight samples), eight lags at a time
//! and both memories in one pass, so each sum is loaded and stored once per block, each past
//! sample once for the two memories, and the inner loop is a plain vector multiply-add
//! (256-bit where the CPU has AVX, with bit-identical results). An estimate
//! reads the sums as of the last update, so a caller that updates on a schedule can ask for
//! an estimate only when it needs one and get the answer it would have had at the update.
//!
//! Steps versus strides: with a phone in one pocket the two legs look different, and the
//! strongest repetition is the stride (two steps). The estimate therefore takes the first
//! strong autocorrelation peak and then checks half of that lag: if the signal also repeats
//! there (positive correlation, a local peak of a good share of the full one), the step period
//! is the half lag. A plain sinusoid at the step rate is anti-correlated at half its period, so
//! the check does not halve a genuine step period.

/// Longest lag kept, in seconds (a slow stride).
const MAX_LAG_S: f64 = 2.2;
/// Shortest step period considered, seconds (~230 spm).
const MIN_STEP_S: f64 = 0.26;
/// Longest step period considered, seconds (~50 spm).
const MAX_STEP_S: f64 = 1.4;
/// Maximum number of lags (at the highest internal rate supported).
const MAX_LAGS: usize = 256;
/// Most samples queued before they are added to the sums.
const BLOCK: usize = 8;
/// Lags updated together (one or two vector registers).
const LANES: usize = 8;
// The AVX path treats LANES floats as one 256-bit vector.
const _: () = assert!(LANES == 8);
/// Longest ring of past samples: every lag of every queued sample, plus a chunk's overhang.
const RING: usize = MAX_LAGS + BLOCK + LANES;
/// The new-product weight is reset (and the sums rescaled) once it grows past this.
const RESCALE_AT: f32 = 1.0e6;
/// Sums whose zero-lag value is below this after a rescale are set to zero (a long silence),
/// so they never decay into subnormal numbers.
const FLUSH_BELOW: f32 = 1.0e-30;

/// What the autocorrelation says about the current gait.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeriodEstimate {
    /// Step period (time between consecutive foot contacts), seconds.
    pub step_s: f64,
    /// Normalised autocorrelation at the strongest repetition (step or stride), 0–1.
    pub strength: f64,
    /// Whether the step period was taken as a sub-multiple of the strongest lag (legs look
    /// different, or the pace is changing).
    pub halved: bool,
}

/// Which of the two autocorrelation memories to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    /// The long memory (steady estimate).
    Long = 0,
    /// The short memory (follows a change of pace first).
    Short = 1,
}

/// One exponentially weighted autocorrelation, kept as `R[k] · w` (see the module doc).
#[derive(Clone, Debug)]
struct Sums {
    /// Growth of the new-product weight per sample (the inverse of the decay per sample).
    growth: f32,
    /// Weight of the next product.
    w: f32,
    /// Inverse weight of the newest sample in the sums (for the zero lag's true value).
    inv_w_newest: f32,
    /// Zero-lag sum.
    r0: f32,
    /// Sums by lag (entries outside the tracked lags are never read).
    r: [f32; MAX_LAGS + LANES],
    /// Queued samples times their weights, oldest first.
    queued: [f32; BLOCK],
}

impl Sums {
    /// Sums with memory time constant `memory_s` for samples `dt_s` apart.
    fn new(memory_s: f64, dt_s: f64) -> Self {
        Self {
            growth: (dt_s / memory_s).exp() as f32,
            w: 1.0,
            inv_w_newest: 1.0,
            r0: 0.0,
            r: [0.0; MAX_LAGS + LANES],
            queued: [0.0; BLOCK],
        }
    }

    fn reset(&mut self) {
        self.w = 1.0;
        self.inv_w_newest = 1.0;
        self.r0 = 0.0;
        self.r = [0.0; MAX_LAGS + LANES];
    }

    /// Queue sample `y` as the `i`-th of the block.
    #[inline]
    fn queue(&mut self, i: usize, y: f32) {
        let w = self.w;
        self.w = w * self.growth;
        self.queued[i] = y * w;
    }

    /// After a block: rescale the sums once the weight has grown large.
    fn rescale(&mut self) {
        if self.w <= RESCALE_AT {
            self.inv_w_newest = self.growth / self.w;
            return;
        }
        self.inv_w_newest = self.growth;
        let k = 1.0 / self.w;
        self.r0 *= k;
        if self.r0 < FLUSH_BELOW {
            self.r0 = 0.0;
            self.r = [0.0; MAX_LAGS + LANES];
        } else {
            for r in &mut self.r {
                *r *= k;
            }
        }
        self.w = 1.0;
    }

    /// The autocorrelation at zero lag as of the last update, in the signal's units squared.
    fn true_r0(&self) -> f64 {
        f64::from(self.r0) * f64::from(self.inv_w_newest)
    }
}

/// Exponentially weighted running autocorrelations (two memories) over a fixed lag range.
///
/// [`Self::push`] queues samples; [`Self::update`] adds the queued ones to the sums (it also
/// happens by itself every few samples); [`Self::estimate`] reads the sums as of the last
/// update, so a caller that updates on a schedule may estimate later, only when it needs to,
/// and get the same answer.
#[derive(Clone, Debug)]
pub struct Periodicity {
    fs_hz: f64,
    half_ratio: f64,
    /// The last `ring_len` samples, written twice (at `pos` and `pos + ring_len`) so that
    /// `ring[pos + a]` is the sample `a` places before the newest, for every `a < ring_len`.
    ring: [f32; 2 * RING],
    ring_len: usize,
    pos: usize,
    sums: [Sums; 2],
    /// Samples queued in both sums.
    queued: usize,
    n_lags: usize,
    /// First lag tracked besides zero (one below the shortest step, for the local-max test).
    k_lo: usize,
    /// Samples seen (up to `n_lags`), and that count as of the last update.
    filled: usize,
    filled_updated: usize,
}

impl Periodicity {
    /// Autocorrelations at `fs_hz` with memory time constants `memories_s` (long, short);
    /// `half_ratio` is the share of the full-lag correlation the half lag needs to count as
    /// the step period.
    pub fn new(fs_hz: f64, memories_s: [f64; 2], half_ratio: f64) -> Self {
        let n_lags = ((MAX_LAG_S * fs_hz).ceil() as usize + 2).clamp(4, MAX_LAGS);
        let k_min = ((MIN_STEP_S * fs_hz).floor() as usize).max(2);
        Self {
            fs_hz,
            half_ratio,
            ring: [0.0; 2 * RING],
            ring_len: n_lags + BLOCK + LANES,
            pos: 0,
            sums: memories_s.map(|m| Sums::new(m, 1.0 / fs_hz)),
            queued: 0,
            n_lags,
            k_lo: (k_min - 1).min(n_lags - 3),
            filled: 0,
            filled_updated: 0,
        }
    }

    /// Most samples [`Self::push`] queues before it updates the sums by itself.
    pub const fn max_queued() -> usize {
        BLOCK
    }

    /// Forget everything.
    pub fn reset(&mut self) {
        self.ring = [0.0; 2 * RING];
        for s in &mut self.sums {
            s.reset();
        }
        self.queued = 0;
        self.pos = 0;
        self.filled = 0;
        self.filled_updated = 0;
    }

    /// Restart the sums as if the samples still in the history (the last ~2.2 s) had been
    /// clipped to `±limit` when they came, and as if nothing older had come: a lone
    /// transient many times larger than what followed no longer owns the memory. Returns the
    /// weighted mean square of the clipped history under the long memory (what a power
    /// average of the same memory would have been). Bounded work (lags × history), for rare
    /// use.
    pub fn restart_clipped(&mut self, limit: f64) -> f64 {
        self.update();
        let limit = limit as f32;
        for y in &mut self.ring {
            *y = y.clamp(-limit, limit);
        }
        let (len, pos) = (self.ring_len, self.pos);
        // Samples of the history (the ring holds zeros before the first).
        let n = (self.filled + BLOCK + LANES).min(len);
        let h = &self.ring[pos..pos + len];
        let span = (self.n_lags - self.k_lo).div_ceil(LANES) * LANES;
        let mut mean_square = 0.0;
        for (m, sums) in self.sums.iter_mut().enumerate() {
            let decay = 1.0 / f64::from(sums.growth);
            let mut r0 = 0.0f64;
            let mut wsum = 0.0f64;
            let mut r = [0.0f64; MAX_LAGS + LANES];
            let mut w = 1.0f64;
            for a in 0..n {
                let ya = f64::from(h[a]);
                r0 += w * ya * ya;
                wsum += w;
                for k in self.k_lo..(self.k_lo + span).min(n - a) {
                    r[k] += w * ya * f64::from(h[a + k]);
                }
                w *= decay;
            }
            if m == Memory::Long as usize && wsum > 0.0 {
                mean_square = r0 / wsum;
            }
            sums.r0 = r0 as f32;
            for (dst, src) in sums.r.iter_mut().zip(&r) {
                *dst = *src as f32;
            }
            // The newest sample has weight one.
            sums.w = sums.growth;
            sums.inv_w_newest = 1.0;
        }
        mean_square
    }

    /// Add one sample of the band-passed signal (queued; the sums are updated once
    /// [`Self::max_queued`] samples wait, or by [`Self::update`]).
    #[inline]
    pub fn push(&mut self, y: f64) {
        // Fields are read into locals before the stores below: a store into an array of
        // `self` would otherwise make the compiler load them again.
        let y = y as f32;
        let (len, pos, queued) = (self.ring_len, self.pos, self.queued);
        let pos = if pos == 0 { len - 1 } else { pos - 1 };
        self.pos = pos;
        self.filled = (self.filled + 1).min(self.n_lags);
        self.queued = queued + 1;
        self.ring[pos] = y;
        self.ring[pos + len] = y;
        for s in &mut self.sums {
            s.queue(queued, y);
        }
        if queued + 1 == BLOCK {
            self.update();
        }
    }

    /// Add the queued samples to the sums: estimates from now on see every sample pushed.
    pub fn update(&mut self) {
        self.filled_updated = self.filled;
        let q = self.queued;
        if q == 0 {
            return;
        }
        self.queued = 0;
        match q {
            1 => self.add_block::<1>(),
            2 => self.add_block::<2>(),
            3 => self.add_block::<3>(),
            4 => self.add_block::<4>(),
            5 => self.add_block::<5>(),
            6 => self.add_block::<6>(),
            7 => self.add_block::<7>(),
            _ => self.add_block::<BLOCK>(),
        }
        for sums in &mut self.sums {
            sums.rescale();
        }
    }

    /// Add the lag products of the `Q` queued samples to both sums (the block size is a
    /// compile-time constant so the loops over it unroll).
    fn add_block<const Q: usize>(&mut self) {
        let (k_lo, n) = (self.k_lo, self.n_lags);
        let span = (n - k_lo).div_ceil(LANES) * LANES;
        // window[a + i] is lag k_lo + i of the sample a places before the newest; queued
        // sample j is Q - 1 - j places before the newest.
        let base = self.pos + k_lo;
        let window = &self.ring[base..base + span + Q - 1];
        let newest = &self.ring[self.pos..self.pos + Q];
        let [long, short] = &mut self.sums;
        let w: [[f32; Q]; 2] = [&*long, &*short].map(|s| {
            let mut w = [0.0f32; Q];
            w.copy_from_slice(&s.queued[..Q]);
            w
        });
        for (sums, w) in [&mut *long, &mut *short].into_iter().zip(&w) {
            // Summed in a local: stored once, not after every term.
            let mut r0 = sums.r0;
            for (j, &c) in w.iter().enumerate() {
                r0 += c * newest[Q - 1 - j];
            }
            sums.r0 = r0;
        }
        let r = [
            &mut long.r[k_lo..k_lo + span],
            &mut short.r[k_lo..k_lo + span],
        ];
        accumulate::<Q>(r, &w, window);
    }

    /// The estimate from one memory as of the last update, or `None` while the signal shows
    /// no clear repetition.
    pub fn estimate(&self, memory: Memory) -> Option<PeriodEstimate> {
        if self.filled_updated < self.n_lags {
            return None;
        }
        let sums = &self.sums[memory as usize];
        if sums.true_r0() <= 1e-12 {
            return None;
        }
        let inv = 1.0 / f64::from(sums.r0);
        let r = &sums.r[..self.n_lags];
        // Normalised autocorrelation at lag k (tracked lags only).
        let rn = |k: usize| f64::from(r[k]) * inv;
        let lm = |k: usize| r[k] >= r[k - 1] && r[k] >= r[k + 1];
        let refine = |k: usize| {
            let (a, b, c) = (rn(k - 1), rn(k), rn(k + 1));
            let den = a - 2.0 * b + c;
            if den.abs() < 1e-12 {
                return (k as f64, b);
            }
            let d = (0.5 * (a - c) / den).clamp(-0.5, 0.5);
            (k as f64 + d, b - 0.25 * (a - c) * d)
        };
        let k_min = self.k_lo + 1;
        let k_max = self.n_lags - 2;
        let best = strongest_local_max(&r[k_min - 1..=k_max + 1]);
        if best <= 0.0 {
            return None;
        }
        // The first peak that is nearly as strong as the strongest: the fundamental repetition.
        let strong = 0.8 * best;
        let k_first = (k_min..=k_max).find(|&k| r[k] >= strong && lm(k))?;
        let (lag, r_full) = refine(k_first);
        let mut step = lag;
        let mut halved = false;
        // Sub-multiple check: the other leg's steps in between (half the lag), or, while the
        // pace changes, a lag that is a common multiple of the old and new step periods
        // (a third of the lag). The strongest qualifying sub-multiple wins.
        let mut best_sub: Option<(f64, f64)> = None;
        for k in [2.0, 3.0] {
            let sub = lag / k;
            if sub / self.fs_hz < MIN_STEP_S {
                continue;
            }
            let lo = floor_usize(sub * 0.85).max(k_min);
            let hi = ceil_usize(sub * 1.15).min(k_max);
            let mut cand: Option<usize> = None;
            for j in lo..=hi {
                if lm(j) && cand.is_none_or(|c| r[j] > r[c]) {
                    cand = Some(j);
                }
            }
            if let Some(j) = cand {
                let (lag_s, r_s) = refine(j);
                if r_s > 0.05
                    && r_s >= self.half_ratio * r_full
                    && best_sub.is_none_or(|(_, r)| r_s > r)
                {
                    best_sub = Some((lag_s, r_s));
                }
            }
        }
        if let Some((lag_s, _)) = best_sub {
            step = lag_s;
            halved = true;
        }
        let step_s = step / self.fs_hz;
        if !(MIN_STEP_S..=MAX_STEP_S).contains(&step_s) {
            return None;
        }
        Some(PeriodEstimate {
            step_s,
            strength: r_full.clamp(0.0, 1.0),
            halved,
        })
    }
}

/// For both memories `m`, `r[m][i] += Σ_j w[m][j] · window[Q - 1 - j + i]` for every `i`,
/// adding the terms in order of `j`. Uses 256-bit vectors where the CPU has AVX
/// (runtime-detected: the default x86-64 target has only SSE2): the same multiplies and adds
/// in the same order, no fused multiply-add, so the sums are bit-identical either way.
#[inline(always)]
fn accumulate<const Q: usize>(r: [&mut [f32]; 2], w: &[[f32; Q]; 2], window: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX (checked just above), the only requirement of
        // `accumulate_avx` beyond its safe signature.
        unsafe { accumulate_avx::<Q>(r, w, window) };
        return;
    }
    accumulate_scalar(r, w, window);
}

/// [`accumulate`] without vectors: the fallback where the CPU has no AVX. Not inlined, so its
/// (auto-vectorised, alias-checked) loops add no set-up to the AVX path's caller.
#[inline(never)]
fn accumulate_scalar<const Q: usize>(r: [&mut [f32]; 2], w: &[[f32; Q]; 2], window: &[f32]) {
    for (r, w) in r.into_iter().zip(w) {
        for (j, &wj) in w.iter().enumerate() {
            let Some(x) = window.get(Q - 1 - j..Q - 1 - j + r.len()) else {
                return;
            };
            for (a, &x) in r.iter_mut().zip(x) {
                *a += wj * x;
            }
        }
    }
}

/// [`accumulate`] with AVX: eight lags per instruction, both memories in one pass (each
/// window chunk is loaded once for the two), the `2·Q` weights in registers, each sum loaded
/// and stored once per block. `r[m].len()` must be a multiple of `LANES` (a shorter tail is
/// left alone) and the two must have the same length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn accumulate_avx<const Q: usize>(r: [&mut [f32]; 2], w: &[[f32; Q]; 2], window: &[f32]) {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_storeu_ps,
    };
    let [r0, r1] = r;
    let w0: [__m256; Q] = w[0].map(|x| _mm256_set1_ps(x));
    let w1: [__m256; Q] = w[1].map(|x| _mm256_set1_ps(x));
    let chunks = r0.chunks_exact_mut(LANES).zip(r1.chunks_exact_mut(LANES));
    for (c, (a0, a1)) in chunks.enumerate() {
        // Every queued sample's eight lags for this chunk (bounds checked once).
        let Some(x) = window.get(c * LANES..c * LANES + LANES + Q - 1) else {
            return;
        };
        // SAFETY: `a0` and `a1` hold exactly LANES floats each, and `x` holds LANES + Q - 1,
        // so each load at offset Q - 1 - j (at most Q - 1) reads LANES floats inside `x`.
        // Unaligned loads and stores have no alignment requirement.
        unsafe {
            let mut s0 = _mm256_loadu_ps(a0.as_ptr());
            let mut s1 = _mm256_loadu_ps(a1.as_ptr());
            for j in 0..Q {
                let xj = _mm256_loadu_ps(x.as_ptr().add(Q - 1 - j));
                s0 = _mm256_add_ps(s0, _mm256_mul_ps(w0[j], xj));
                s1 = _mm256_add_ps(s1, _mm256_mul_ps(w1[j], xj));
            }
            _mm256_storeu_ps(a0.as_mut_ptr(), s0);
            _mm256_storeu_ps(a1.as_mut_ptr(), s1);
        }
    }
}

/// `x.floor() as usize` for `x >= 0` without a library call (no SSE4.1 rounding in the
/// baseline x86-64 target; `as` truncates, which is the floor for non-negative numbers).
fn floor_usize(x: f64) -> usize {
    x as usize
}

/// `x.ceil() as usize` for `x >= 0` without a library call.
fn ceil_usize(x: f64) -> usize {
    let t = x as usize;
    t + usize::from((t as f64) < x)
}

/// The largest value among the local maxima of `r` (its interior points no smaller than both
/// neighbours), or 0 when none is positive. Eight independent running maxima, so the loop
/// vectorises (256-bit where the CPU has AVX; comparisons and maxima, so the same answer).
fn strongest_local_max(r: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX (checked just above), the only requirement of
        // `strongest_local_max_avx` beyond its safe signature.
        return unsafe { strongest_local_max_avx(r) };
    }
    strongest_local_max_any(r)
}

/// [`strongest_local_max`] compiled for 256-bit vectors.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn strongest_local_max_avx(r: &[f32]) -> f32 {
    strongest_local_max_any(r)
}

#[inline(always)]
fn strongest_local_max_any(r: &[f32]) -> f32 {
    let (left, mid, right) = match r.len() {
        0..=2 => return 0.0,
        n => (&r[..n - 2], &r[1..n - 1], &r[2..]),
    };
    let m = mid.len();
    if m < LANES {
        let mut best = 0.0f32;
        for ((&a, &b), &c) in left.iter().zip(mid).zip(right) {
            if b >= a && b >= c && b > best {
                best = b;
            }
        }
        return best;
    }
    let mut lanes = [0.0f32; LANES];
    let chunks = left
        .chunks_exact(LANES)
        .zip(mid.chunks_exact(LANES))
        .zip(right.chunks_exact(LANES));
    for ((a, b), c) in chunks {
        fold(&mut lanes, a, b, c);
    }
    // The last, partial chunk as a whole one ending at the end: points seen twice do not
    // change a maximum.
    if m % LANES != 0 {
        let t = m - LANES;
        fold(&mut lanes, &left[t..], &mid[t..], &right[t..]);
    }
    lanes.iter().fold(0.0f32, |m, &v| if v > m { v } else { m })
}

/// One chunk of [`strongest_local_max_any`]: `lanes[l]` becomes the larger of itself and
/// `b[l]` if that is a local maximum.
#[inline(always)]
fn fold(lanes: &mut [f32; LANES], a: &[f32], b: &[f32], c: &[f32]) {
    let (a, b, c) = (&a[..LANES], &b[..LANES], &c[..LANES]);
    for l in 0..LANES {
        // `&`, not `&&`: no branch, so the lanes stay vector lanes.
        let v = if (b[l] >= a[l]) & (b[l] >= c[l]) {
            b[l]
        } else {
            0.0
        };
        lanes[l] = if v > lanes[l] { v } else { lanes[l] };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Twenty seconds of `f` at 50 Hz: the long and the short memory's estimates.
    fn run2(mut f: impl FnMut(f64) -> f64) -> [Option<PeriodEstimate>; 2] {
        let fs = 50.0;
        let mut p = Periodicity::new(fs, [3.0, 1.2], 0.3);
        for i in 0..(fs as usize * 20) {
            p.push(f(i as f64 / fs));
        }
        p.update();
        [p.estimate(Memory::Long), p.estimate(Memory::Short)]
    }

    /// The long memory's estimate after [`run2`].
    fn run(f: impl FnMut(f64) -> f64) -> Option<PeriodEstimate> {
        run2(f)[0]
    }

    #[test]
    fn sinusoid_period_is_found_and_not_halved() {
        for e in run2(|t| (2.0 * PI * 1.8 * t).sin()) {
            let e = e.unwrap();
            assert!((e.step_s - 1.0 / 1.8).abs() < 0.01, "{e:?}");
            assert!(!e.halved);
        }
    }

    #[test]
    fn one_leg_dominant_signal_gives_the_step_not_the_stride() {
        // Steps at 2.8 Hz; the left leg's contacts are 2.5 times the right's, plus hip sway at
        // the stride rate.
        let e = run(|t| {
            let step = 2.8;
            let phase = (t * step).fract();
            let n = (t * step).floor() as i64;
            let amp = if n % 2 == 0 { 2.5 } else { 1.0 };
            let pulse = amp * (-((phase - 0.1) / 0.05).powi(2)).exp();
            pulse + 0.3 * (2.0 * PI * step / 2.0 * t).sin()
        })
        .unwrap();
        assert!((e.step_s - 1.0 / 2.8).abs() < 0.01, "{e:?}");
    }

    #[test]
    fn noise_has_no_strong_period() {
        let mut x: u64 = 12345;
        let [e, _] = run2(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) as f64 / (1u64 << 31) as f64) - 0.5
        });
        assert!(e.is_none_or(|e| e.strength < 0.3), "{e:?}");
    }

    /// Pseudo-random numbers in [-0.5, 0.5).
    fn lcg(x: &mut u64) -> f64 {
        *x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*x >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    }

    #[test]
    fn block_sums_match_the_plain_recursion() {
        // The queued, weighted f32 sums against R[k] = d·R[k] + y[n]·y[n-k] in f64, after
        // every few samples (partial blocks), and across many rescales.
        let (fs, memory) = (50.0, [3.0, 1.2]);
        let mut p = Periodicity::new(fs, memory, 0.3);
        let n = p.n_lags;
        let mut hist = vec![0.0f64; n];
        let mut plain = [vec![0.0f64; n], vec![0.0f64; n]];
        let mut x = 7u64;
        for i in 0..20_000 {
            let y = (2.0 * PI * 2.1 * i as f64 / fs).sin() + 0.5 * lcg(&mut x);
            hist.rotate_right(1);
            hist[0] = y;
            for (r, m) in plain.iter_mut().zip(memory) {
                let d = (-1.0 / (m * fs)).exp();
                for (k, r) in r.iter_mut().enumerate() {
                    *r = d * *r + y * hist[k];
                }
            }
            p.push(y);
            if i % 7 == 3 {
                p.update();
                for (m, plain) in p.sums.iter().zip(&plain) {
                    let true_r0 = m.true_r0();
                    assert!(
                        (true_r0 - plain[0]).abs() < 1e-4 * plain[0],
                        "{i} {true_r0} {}",
                        plain[0]
                    );
                    for k in p.k_lo..n {
                        let got = f64::from(m.r[k]) / f64::from(m.r0);
                        assert!((got - plain[k] / plain[0]).abs() < 1e-4, "{i} {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn restart_clipped_forgets_a_lone_spike() {
        // A spike forty times the rhythm's amplitude at 0.5 s owns the memory for seconds;
        // restarted with the history clipped, the sums are those of the rhythm alone (the
        // history beyond the ring, ~2.5 s, is dropped: it was the spike's).
        let fs = 50.0;
        let step = |t: f64| (2.0 * PI * 2.0 * t).sin();
        let spike = |t: f64| 40.0 * (-((t - 0.5) / 0.03).powi(2)).exp();
        let (mut clean, mut jolted) = (
            Periodicity::new(fs, [3.0, 1.2], 0.3),
            Periodicity::new(fs, [3.0, 1.2], 0.3),
        );
        for i in 0..(fs as usize * 3) {
            let t = i as f64 / fs;
            clean.push(step(t));
            jolted.push(step(t) + spike(t));
        }
        clean.update();
        jolted.update();
        let strength = |p: &Periodicity| p.estimate(Memory::Long).map_or(0.0, |e| e.strength);
        assert!(strength(&jolted) < 0.3, "{}", strength(&jolted));
        let ms = jolted.restart_clipped(1.0);
        assert!((ms - 0.5).abs() < 0.05, "mean square {ms}");
        let (a, b) = (strength(&clean), strength(&jolted));
        assert!(b > 0.75 && (a - b).abs() < 0.1, "clean {a}, restarted {b}");
        // Further samples add to the restarted sums as usual.
        for i in 0..(fs as usize) {
            jolted.push(step(3.0 + i as f64 / fs));
        }
        jolted.update();
        let e = jolted.estimate(Memory::Short).unwrap();
        assert!((e.step_s - 0.5).abs() < 0.01 && e.strength > 0.8, "{e:?}");
    }

    /// The CPUs that run the tests have AVX, so the fallback would otherwise never run: both
    /// must give the same bits (same multiplies and adds, in the same order).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx_and_scalar_lag_sums_are_bit_identical() {
        if !std::arch::is_x86_feature_detected!("avx") {
            return;
        }
        const Q: usize = 5;
        let mut x = 3u64;
        for chunks in 1..6 {
            let len = chunks * LANES;
            let window: Vec<f32> = (0..len + Q - 1).map(|_| lcg(&mut x) as f32).collect();
            let w: [[f32; Q]; 2] =
                std::array::from_fn(|_| std::array::from_fn(|_| lcg(&mut x) as f32));
            let start: [Vec<f32>; 2] =
                std::array::from_fn(|_| (0..len).map(|_| lcg(&mut x) as f32).collect());
            let (mut a, mut b) = (start.clone(), start.clone());
            let [a0, a1] = &mut a;
            // SAFETY: AVX is present (checked above).
            unsafe { accumulate_avx::<Q>([a0, a1], &w, &window) };
            let [b0, b1] = &mut b;
            accumulate_scalar::<Q>([b0, b1], &w, &window);
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            for m in 0..2 {
                assert_eq!(bits(&a[m]), bits(&b[m]), "{chunks} chunks, memory {m}");
                assert_ne!(bits(&a[m]), bits(&start[m]), "the sums were not updated");
            }
        }
    }

    #[test]
    fn strongest_local_max_matches_a_plain_scan() {
        let mut x = 99u64;
        for len in 0..40usize {
            let r: Vec<f32> = (0..len).map(|_| lcg(&mut x) as f32).collect();
            let plain = (1..len.saturating_sub(1))
                .filter(|&k| r[k] >= r[k - 1] && r[k] >= r[k + 1])
                .map(|k| r[k])
                .fold(0.0f32, f32::max);
            assert_eq!(strongest_local_max(&r), plain, "{r:?}");
        }
    }
}
