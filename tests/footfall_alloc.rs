//! Proof that the footfall detector allocates nothing after construction: a counting global
//! allocator (counting only on this thread, only inside the measured calls) while
//! [`FootfallDetector::process`] and [`FootfallDetector::push_click`] run over a mixture with
//! clicks, in blocks of many sizes, through calibration, template learning and steps.

mod footfall_mix;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use footfall_mix::{make, Background, MixSpec};
use stridebeat::gait::footfall::{FootfallConfig, FootfallDetector};

struct CountingAlloc;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_allocation();
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn processing_and_clicks_never_allocate() {
    let spec = MixSpec {
        duration_s: 20.0,
        ..MixSpec::run(401, 5.0, Background::MotorMusic, Some(0.3))
    };
    let mix = make(&spec);
    let mut det = FootfallDetector::new(
        mix.rate_hz,
        FootfallConfig::default(),
        Some(&mix.click_table),
    )
    .unwrap();
    let sizes = [1usize, 64, 480, 1000, 4096];
    let mut pos = 0;
    let mut next_click = 0;
    let mut steps = 0usize;
    let mut allocations = 0;
    let mut k = 0;
    while pos < mix.samples.len() {
        let end = (pos + sizes[k % sizes.len()]).min(mix.samples.len());
        k += 1;
        let block = &mix.samples[pos..end];
        allocations += allocations_in(|| {
            while next_click < mix.clicks_rendered.len()
                && mix.clicks_rendered[next_click] < end as u64
            {
                det.push_click(mix.clicks_rendered[next_click]);
                next_click += 1;
            }
            det.process(block, |_| steps += 1);
        });
        pos = end;
    }
    allocations += allocations_in(|| det.finish(|_| steps += 1));
    assert!(det.click_latency_trusted(), "clicks were learnt");
    assert!(steps > 40, "{steps} steps");
    assert_eq!(allocations, 0, "the detector allocated {allocations} times");
}
