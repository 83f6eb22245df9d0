//! JPEG segments, without touching the compressed picture: dropping private metadata
//! losslessly and reading the quantisation table.

/// Segments a portal needs: JFIF (density), ICC colour profile, Adobe (colour transform).
fn kept(marker: u8, body: &[u8]) -> bool {
    match marker {
        0xE0 => true,
        0xE2 => body.starts_with(b"ICC_PROFILE\0"),
        0xEE => true,
        // EXIF and XMP (APP1), IPTC (APP13), comments, maker notes in other APPn.
        0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
        _ => true,
    }
}

/// A segment before the first scan: marker, start of the marker, end of the segment.
type Segment = (u8, usize, usize);

/// The segments before the first scan, and where the scan starts.
fn segments(bytes: &[u8]) -> Option<(Vec<Segment>, usize)> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::new();
    let mut at = 2;
    loop {
        let marker = match bytes.get(at..at + 2)? {
            [0xFF, 0xFF] => {
                at += 1;
                continue;
            }
            [0xFF, m] => *m,
            _ => return None,
        };
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        if len < 2 || at + 2 + len > bytes.len() {
            return None;
        }
        if marker == 0xDA {
            return Some((out, at));
        }
        out.push((marker, at, at + 2 + len));
        at += 2 + len;
    }
}

/// The same JPEG without EXIF, XMP, IPTC and comments; `None` when the marker stream is
/// broken (the caller then re-encodes, which drops metadata too).
pub(crate) fn strip_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    let (segs, scan) = segments(bytes)?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    for (marker, start, end) in segs {
        if kept(marker, &bytes[start + 4..end]) {
            out.extend_from_slice(&bytes[start..end]);
        }
    }
    out.extend_from_slice(&bytes[scan..]);
    Some(out)
}

/// The luminance (table 0) quantisation values in zig-zag order.
pub(crate) fn luma_table(bytes: &[u8]) -> Option<[u16; 64]> {
    let (segs, _) = segments(bytes)?;
    for (marker, start, end) in segs {
        if marker != 0xDB {
            continue;
        }
        let mut body = bytes.get(start + 4..end)?;
        while let [pq_tq, rest @ ..] = body {
            let wide = pq_tq >> 4 == 1;
            let size = if wide { 128 } else { 64 };
            let values = rest.get(..size)?;
            if pq_tq & 0x0F == 0 {
                let mut table = [0u16; 64];
                for (i, v) in table.iter_mut().enumerate() {
                    *v = if wide {
                        u16::from_be_bytes([values[2 * i], values[2 * i + 1]])
                    } else {
                        u16::from(values[i])
                    };
                }
                return Some(table);
            }
            body = &rest[size..];
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend(u16::try_from(body.len() + 2).expect("short").to_be_bytes());
        s.extend_from_slice(body);
        s
    }

    #[test]
    fn exif_xmp_and_comments_go_and_the_picture_stays_byte_for_byte() {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(segment(0xE0, b"JFIF\0\x01\x02\x01\x01\x2c\x01\x2c\0\0"));
        jpeg.extend(segment(0xE1, b"Exif\0\0GPS-here"));
        jpeg.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x/>"));
        jpeg.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01abc"));
        jpeg.extend(segment(0xFE, b"shot by someone"));
        jpeg.extend(segment(0xDB, &[0u8; 65]));
        let scan = [0xFF, 0xDA, 0, 2, 1, 2, 3, 0xFF, 0xD9];
        jpeg.extend(scan);
        let out = strip_metadata(&jpeg).expect("well-formed");
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("GPS-here") && !text.contains("xap") && !text.contains("shot by"));
        assert!(text.contains("JFIF") && text.contains("ICC_PROFILE"));
        assert!(out.ends_with(&scan));
    }

    #[test]
    fn a_broken_marker_stream_is_not_guessed_at() {
        assert!(strip_metadata(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF]).is_none());
        assert!(strip_metadata(b"not a jpeg").is_none());
    }
}
