//! Invariants every detection must keep, whatever the bytes. Shared by the `detect*` and
//! `check_bytes` targets (each includes this file as a module).

#![allow(dead_code)]

use epts_core::prepare::{Detection, FileFormat};

/// Panics when `d` contradicts itself; the fuzzer reports a panic as a crash.
pub fn assert_consistent(bytes: &[u8], d: &Detection) {
    let f = &d.facts;
    // A size is a pair: a width without a height (or the reverse) is a half-read header.
    assert_eq!(
        f.width.is_some(),
        f.height.is_some(),
        "width and height come together: {d:?}"
    );
    if let Some(o) = f.orientation {
        assert!((1..=8).contains(&o), "EXIF orientation out of 1..=8: {d:?}");
    }
    if let Some(v) = &f.pdf_version {
        let v = v.as_bytes();
        assert!(
            v.len() == 3 && v[0].is_ascii_digit() && v[1] == b'.' && v[2].is_ascii_digit(),
            "PDF version is d.d: {d:?}"
        );
    }
    if let Some(p) = f.pdfa_part {
        assert!(p <= 9, "PDF/A part is one digit: {d:?}");
    }
    match d.format {
        FileFormat::Pdf => {
            assert!(bytes.starts_with(b"%PDF-"), "PDF without its signature");
            assert!(f.width.is_none() && f.tiff_compression.is_empty());
        }
        FileFormat::Jpeg => {
            assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
            if d.corrupt.is_none() {
                assert!(f.width.is_some(), "a sound JPEG has a frame header: {d:?}");
                assert_eq!(f.cmyk, f.components == Some(4));
            }
        }
        FileFormat::Png => {
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
            if d.corrupt.is_none() {
                assert!(f.width.is_some() && f.bit_depth.is_some(), "{d:?}");
            }
        }
        FileFormat::Tiff => {
            assert!(bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*"));
            if d.corrupt.is_none() {
                let pages = f.pages.expect("a sound TIFF counts its pages");
                assert!(pages >= 1);
                assert_eq!(
                    f.tiff_compression.len(),
                    pages as usize,
                    "one compression per page: {d:?}"
                );
            }
        }
        FileFormat::Docx => {
            assert!(bytes.starts_with(b"PK\x03\x04"));
            assert!(f.width.is_none() && f.pages.is_none());
        }
        FileFormat::Unknown => {
            assert!(
                f.width.is_none() && f.pages.is_none() && !f.encrypted && !f.macro_enabled,
                "unknown bytes have no facts: {d:?}"
            );
        }
    }
    // What the CLI prints with --json must always serialise.
    serde_json::to_string(d).expect("a detection serialises");
}

/// `prefix` followed by `data` (the fuzzer then spends its time inside one detector).
pub fn prefixed(prefix: &[u8], data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(prefix.len() + data.len());
    v.extend_from_slice(prefix);
    v.extend_from_slice(data);
    v
}
