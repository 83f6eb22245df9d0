//! JPEG: a walk over the markers up to the first frame header — size, progressive or not,
//! CMYK, EXIF orientation and density — without decoding a pixel.

use super::tiff::Reader;
use super::{Detection, Facts, FileFormat};

/// EXIF orientation (1–8) and whether a GPS block is present, from the first IFD.
fn exif_facts(app1: &[u8]) -> Option<(Option<u16>, bool)> {
    let tiff = app1.strip_prefix(b"Exif\0\0")?;
    let reader = Reader::new(tiff)?;
    let (entries, _) = reader.ifd(reader.first_ifd()?)?;
    let orientation = entries
        .iter()
        .find(|e| e.tag == 0x0112)
        .and_then(|e| u16::try_from(e.value).ok())
        .filter(|v| (1..=8).contains(v));
    let gps = entries.iter().any(|e| e.tag == 0x8825);
    Some((orientation, gps))
}

fn jfif_density(app0: &[u8]) -> Option<(u32, u32)> {
    let j = app0.strip_prefix(b"JFIF\0")?;
    let unit = *j.get(2)?;
    let x = u32::from(u16::from_be_bytes([*j.get(3)?, *j.get(4)?]));
    let y = u32::from(u16::from_be_bytes([*j.get(5)?, *j.get(6)?]));
    match unit {
        1 => Some((x, y)),
        // Dots per centimetre, rounded to dots per inch.
        2 => Some(((x * 254 + 50) / 100, (y * 254 + 50) / 100)),
        _ => None,
    }
}

pub(super) fn detect(bytes: &[u8]) -> Detection {
    let mut facts = Facts::default();
    let mut at = 2;
    loop {
        let Some(&[0xFF, marker]) = bytes.get(at..at + 2) else {
            return Detection::corrupt(
                FileFormat::Jpeg,
                facts,
                "truncated or broken marker stream",
            );
        };
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        let Some(len) = bytes
            .get(at + 2..at + 4)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            return Detection::corrupt(FileFormat::Jpeg, facts, "truncated segment");
        };
        if len < 2 {
            return Detection::corrupt(FileFormat::Jpeg, facts, "bad segment length");
        }
        let Some(body) = bytes.get(at + 4..at + 2 + len) else {
            return Detection::corrupt(FileFormat::Jpeg, facts, "truncated segment");
        };
        match marker {
            0xE0 => facts.dpi = facts.dpi.or(jfif_density(body)),
            0xE1 => {
                facts.metadata = true;
                if let Some((orientation, gps)) = exif_facts(body) {
                    facts.orientation = facts.orientation.or(orientation);
                    facts.location |= gps;
                }
            }
            // IPTC (Photoshop) and comments: nothing the portal needs.
            0xED | 0xFE => facts.metadata = true,
            // Start of frame: baseline, extended, progressive (and the rare lossless ones).
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                if body.len() < 6 {
                    return Detection::corrupt(FileFormat::Jpeg, facts, "short frame header");
                }
                facts.height = Some(u32::from(u16::from_be_bytes([body[1], body[2]])));
                facts.width = Some(u32::from(u16::from_be_bytes([body[3], body[4]])));
                facts.progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
                // Four components are CMYK (or YCCK, which an Adobe marker announces).
                facts.cmyk = body[5] == 4;
                facts.components = Some(body[5]);
                break;
            }
            0xDA => {
                return Detection::corrupt(
                    FileFormat::Jpeg,
                    facts,
                    "image data before a frame header",
                );
            }
            _ => {}
        }
        at += 2 + len;
    }
    let end = &bytes[bytes.len().saturating_sub(64)..];
    if !end.windows(2).any(|w| w == [0xFF, 0xD9]) {
        return Detection::corrupt(FileFormat::Jpeg, facts, "truncated: no end-of-image marker");
    }
    Detection::ok(FileFormat::Jpeg, facts)
}
