//! The gate of the tests that need the headless audio device (`device_play`, `footfall_live`).
//! Include it with `#[path = "common/device.rs"] mod device;`.

/// True when device tests are asked for (`STRIDEBEAT_DEVICE_TESTS=1`, which then requires the
/// `PULSE_SERVER` of `../shared/ci/headless-audio.sh`); otherwise prints a skip note for `test`.
pub fn device_tests_enabled(test: &str) -> bool {
    if std::env::var("STRIDEBEAT_DEVICE_TESTS").as_deref() == Ok("1") {
        assert!(
            std::env::var_os("PULSE_SERVER").is_some(),
            "STRIDEBEAT_DEVICE_TESTS=1 but PULSE_SERVER is unset: source ../shared/ci/headless-audio.sh first"
        );
        true
    } else {
        eprintln!(
            "{test}: skipped (set STRIDEBEAT_DEVICE_TESTS=1 with a headless audio device to run)"
        );
        false
    }
}
