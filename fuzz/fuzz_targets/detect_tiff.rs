//! TIFF signature (little- or big-endian, by the first input byte) + any bytes →
//! `prepare::detect`.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&order, rest)) = data.split_first() else {
        return;
    };
    let magic: &[u8] = if order & 1 == 0 { b"II*\0" } else { b"MM\0*" };
    let bytes = common::prefixed(magic, rest);
    let d = epts_core::prepare::detect(&bytes);
    common::assert_consistent(&bytes, &d);
});
