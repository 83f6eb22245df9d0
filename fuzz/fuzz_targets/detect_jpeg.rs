//! JPEG signature + any bytes → `prepare::detect`, so every run lands in one detector.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = common::prefixed(b"\xFF\xD8\xFF", data);
    let d = epts_core::prepare::detect(&bytes);
    common::assert_consistent(&bytes, &d);
});
