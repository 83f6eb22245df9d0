//! Any bytes → `prepare::detect`: a verdict, never a panic, and a self-consistent one.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let d = epts_core::prepare::detect(data);
    common::assert_consistent(data, &d);
});
