//! PNG: the IHDR chunk (size, bit depth, colour type) and whether IEND is there.

use super::{Detection, Facts, FileFormat};

pub(super) fn detect(bytes: &[u8]) -> Detection {
    let mut facts = Facts::default();
    // Signature (8) + IHDR length (4) + type (4) + 13 bytes of data.
    let Some(ihdr) = bytes.get(8..8 + 8 + 13) else {
        return Detection::corrupt(FileFormat::Png, facts, "truncated before the image header");
    };
    if &ihdr[4..8] != b"IHDR" {
        return Detection::corrupt(FileFormat::Png, facts, "no image header");
    }
    let be = |i: usize| u32::from_be_bytes([ihdr[i], ihdr[i + 1], ihdr[i + 2], ihdr[i + 3]]);
    facts.width = Some(be(8));
    facts.height = Some(be(12));
    facts.bit_depth = Some(ihdr[16]);
    // Colour types 4 and 6 carry alpha; a tRNS chunk also makes pixels transparent.
    facts.alpha = matches!(ihdr[17], 4 | 6) || contains(bytes, b"tRNS");
    if !bytes.ends_with(&[0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]) {
        return Detection::corrupt(FileFormat::Png, facts, "truncated: no end chunk");
    }
    Detection::ok(FileFormat::Png, facts)
}

pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
