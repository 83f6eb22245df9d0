//! (file name, bytes) → `prepare::check_bytes` against the built-in profiles: a report for
//! anything, never a panic, and one that agrees with itself.
//!
//! Input: one control byte (bit 0: profile elpts/gosuslugi, bit 1: Russian/English), one
//! byte for the name's length, the name (lossy UTF-8), then the file's bytes.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use epts_core::Lang;
use epts_core::prepare::{Profile, Verdict, check_bytes, detect};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const CODES: &[&str] = &[
    "empty_file",
    "corrupt",
    "unsupported_format",
    "extension_mismatch",
    "too_large",
    "total_too_large",
    "encrypted",
    "tiff_compressed",
    "bad_name",
    "macro_document",
    "too_many_pixels",
    "unreadable",
];

fn profiles() -> &'static [Profile; 2] {
    static P: OnceLock<[Profile; 2]> = OnceLock::new();
    P.get_or_init(|| {
        [
            Profile::load("elpts").expect("built-in elpts"),
            Profile::load("gosuslugi").expect("built-in gosuslugi"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let [control, name_len, rest @ ..] = data else {
        return;
    };
    let (name, bytes) = rest.split_at(usize::from(*name_len).min(rest.len()));
    let name = String::from_utf8_lossy(name);
    let profile = &profiles()[usize::from(control & 1)];
    let lang = if control & 2 == 0 { Lang::Ru } else { Lang::En };

    let report = check_bytes(&name, bytes, profile, lang);

    assert_eq!(report.path, name);
    assert_eq!(report.bytes, bytes.len() as u64);
    assert_eq!(
        report.verdict == Verdict::Ok,
        report.problems.is_empty(),
        "a verdict of ok means no problems: {report:?}"
    );
    if !report.fixes.is_empty() {
        assert_ne!(report.verdict, Verdict::Ok, "fixes for a sound file: {report:?}");
    }
    for p in &report.problems {
        assert!(CODES.contains(&p.code.as_str()), "unknown code: {report:?}");
        assert!(!p.message.is_empty());
    }
    if bytes.is_empty() {
        assert!(report.problems.iter().any(|p| p.code == "empty_file"));
    } else {
        let d = detect(bytes);
        assert_eq!(report.format, d.format);
        common::assert_consistent(bytes, &d);
    }
    serde_json::to_string(&report).expect("a report serialises");
});
