//! Proof that the footfall detector allocates nothing after construction: a counting global
//! allocator (counting only on this thread, only inside the measured calls) while
//! [`FootfallDetector::process`] and [`FootfallDetector::push_click`] run over a mixture with
//! clicks, in blocks of many sizes, through calibration, template learning and steps.

mod footfall_mix;

#[path = "common/alloc.rs"]
mod alloc_count;

use alloc_count::allocations_in;
use footfall_mix::{make, Background, MixSpec};

#[test]
fn processing_and_clicks_never_allocate() {
    let spec = MixSpec {
        duration_s: 20.0,
        ..MixSpec::run(401, 5.0, Background::MotorMusic, Some(0.3))
    };
    let mix = make(&spec);
    let mut det = mix.informed_detector();
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
