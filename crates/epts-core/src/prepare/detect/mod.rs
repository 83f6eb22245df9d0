//! What a file is, judged by its content — never by its name.
//!
//! Every detector reads headers and structure only (no pixel decoding), is bounded in the
//! bytes and entries it looks at, and returns a verdict for any input: a corrupt or
//! truncated file is a finding, never a panic.

mod docx;
mod jpeg;
mod pdf;
mod png;
pub(crate) mod tiff;

use serde::Serialize;

/// The formats the portals talk about (docs/domain.md, «Document rules per portal»), and
/// everything else.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Pdf,
    Jpeg,
    Png,
    Tiff,
    Docx,
    Unknown,
}

impl FileFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            FileFormat::Pdf => "pdf",
            FileFormat::Jpeg => "jpeg",
            FileFormat::Png => "png",
            FileFormat::Tiff => "tiff",
            FileFormat::Docx => "docx",
            FileFormat::Unknown => "unknown",
        }
    }

    /// File name extensions that fit the format.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileFormat::Pdf => &["pdf"],
            FileFormat::Jpeg => &["jpg", "jpeg"],
            FileFormat::Png => &["png"],
            FileFormat::Tiff => &["tif", "tiff"],
            FileFormat::Docx => &["docx"],
            FileFormat::Unknown => &[],
        }
    }
}

/// What the detectors learned. Fields not known for a format stay `None`/`false`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    /// For `unknown`: what it looks like (zip, gif, rar…), when that is obvious.
    pub looks_like: Option<&'static str>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub pages: Option<u32>,
    /// PDF version, e.g. "1.7".
    pub pdf_version: Option<String>,
    pub encrypted: bool,
    /// PDF/A part claimed in the metadata (1, 2, 3).
    pub pdfa_part: Option<u8>,
    pub progressive: bool,
    pub cmyk: bool,
    /// Colour components of a JPEG (1 gray, 3 colour, 4 CMYK).
    pub components: Option<u8>,
    /// EXIF orientation 1–8.
    pub orientation: Option<u16>,
    pub dpi: Option<(u32, u32)>,
    pub bit_depth: Option<u8>,
    pub alpha: bool,
    /// TIFF compression code of each page (1 = none).
    pub tiff_compression: Vec<u16>,
    pub macro_enabled: bool,
    /// The JPEG carries where it was taken (an EXIF GPS block).
    pub location: bool,
    /// The JPEG carries other metadata a portal does not need (EXIF, XMP, IPTC, comments).
    pub metadata: bool,
}

/// The verdict on a file's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detection {
    pub format: FileFormat,
    pub facts: Facts,
    /// Why the file cannot be read as its format (truncated, broken structure, a bomb).
    pub corrupt: Option<String>,
}

impl Detection {
    fn ok(format: FileFormat, facts: Facts) -> Self {
        Self {
            format,
            facts,
            corrupt: None,
        }
    }

    fn corrupt(format: FileFormat, facts: Facts, why: impl Into<String>) -> Self {
        Self {
            format,
            facts,
            corrupt: Some(why.into()),
        }
    }
}

/// Looks at the bytes and says what they are.
pub fn detect(bytes: &[u8]) -> Detection {
    match bytes {
        [b'%', b'P', b'D', b'F', b'-', ..] => pdf::detect(bytes),
        [0xFF, 0xD8, 0xFF, ..] => jpeg::detect(bytes),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => png::detect(bytes),
        [b'I', b'I', 42, 0, ..] | [b'M', b'M', 0, 42, ..] => tiff::detect(bytes),
        [b'P', b'K', 3, 4, ..] => docx::detect(bytes),
        _ => Detection::ok(
            FileFormat::Unknown,
            Facts {
                looks_like: looks_like(bytes),
                ..Facts::default()
            },
        ),
    }
}

fn looks_like(bytes: &[u8]) -> Option<&'static str> {
    Some(match bytes {
        [b'G', b'I', b'F', b'8', ..] => "gif",
        [b'B', b'M', ..] => "bmp",
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => "webp",
        [_, _, _, _, b'f', b't', b'y', b'p', b'h', b'e', b'i', ..] => "heic",
        [b'R', b'a', b'r', b'!', ..] => "rar",
        [b'7', b'z', 0xBC, 0xAF, ..] => "7z",
        [b'M', b'Z', ..] => "exe",
        [0xD0, 0xCF, 0x11, 0xE0, ..] => "doc",
        [b'{', b'\\', b'r', b't', b'f', ..] => "rtf",
        [] => return None,
        _ if bytes
            .iter()
            .take(512)
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()) =>
        {
            "text"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_bytes_get_a_verdict(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = detect(&bytes);
        }

        #[test]
        fn any_bytes_behind_a_known_signature_get_a_verdict(
            sig in proptest::sample::select(vec![
                b"%PDF-".to_vec(), vec![0xFF, 0xD8, 0xFF], b"\x89PNG\r\n\x1a\n".to_vec(),
                b"II*\0".to_vec(), b"MM\0*".to_vec(), b"PK\x03\x04".to_vec(),
            ]),
            tail in proptest::collection::vec(any::<u8>(), 0..4096),
        ) {
            let mut bytes = sig;
            bytes.extend(tail);
            let _ = detect(&bytes);
        }
    }
}
