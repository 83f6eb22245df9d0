//! PDF: version, pages, encryption and a PDF/A claim, from a bounded scan of the bytes.
//! No object is decompressed: a compressed object stream can hide page objects, so the
//! count comes from the page tree's `/Count` when it is in plain view.

use super::png::contains;
use super::{Detection, Facts, FileFormat};

fn find_all<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    hay.windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
}

/// The unsigned integer after `at` (skipping spaces), at most 9 digits.
fn number_after(hay: &[u8], at: usize) -> Option<u32> {
    let rest = hay.get(at..)?;
    let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let digits: Vec<u8> = rest[start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .take(9)
        .copied()
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

pub(super) fn detect(bytes: &[u8]) -> Detection {
    let mut facts = Facts {
        pdf_version: bytes
            .get(5..8)
            .filter(|v| v[0].is_ascii_digit() && v[1] == b'.' && v[2].is_ascii_digit())
            .map(|v| String::from_utf8_lossy(v).into_owned()),
        encrypted: contains(bytes, b"/Encrypt"),
        ..Facts::default()
    };
    // The largest /Count of a /Pages node is the page tree's root.
    facts.pages = find_all(bytes, b"/Count")
        .filter_map(|at| number_after(bytes, at + 6))
        .max()
        .or_else(|| {
            let pages = find_all(bytes, b"/Type /Page")
                .filter(|&at| bytes.get(at + 11) != Some(&b's'))
                .count()
                + find_all(bytes, b"/Type/Page")
                    .filter(|&at| bytes.get(at + 10) != Some(&b's'))
                    .count();
            u32::try_from(pages).ok().filter(|n| *n > 0)
        });
    facts.pdfa_part = find_all(bytes, b"pdfaid:part")
        .next()
        .and_then(|at| bytes.get(at + 11..at + 16))
        .and_then(|tail| tail.iter().find(|b| b.is_ascii_digit()))
        .map(|d| d - b'0');
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if facts.pdf_version.is_none() {
        return Detection::corrupt(FileFormat::Pdf, facts, "no version in the header");
    }
    if !contains(tail, b"%%EOF") {
        return Detection::corrupt(FileFormat::Pdf, facts, "truncated: no end-of-file marker");
    }
    Detection::ok(FileFormat::Pdf, facts)
}
