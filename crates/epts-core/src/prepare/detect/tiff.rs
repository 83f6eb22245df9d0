//! TIFF: a bounded walk over the image file directories — each page's size and compression.
//! The same walker reads the EXIF block inside a JPEG (EXIF is a TIFF structure).

use super::{Detection, Facts, FileFormat};

/// More pages than any scanned document has; a loop in the IFD chain stops here too.
const MAX_PAGES: usize = 1024;
const MAX_ENTRIES: usize = 4096;

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    little: bool,
}

/// One directory entry's tag and its first value (for short SHORT/LONG values).
pub(crate) struct Entry {
    pub tag: u16,
    pub value: u32,
}

impl<'a> Reader<'a> {
    /// A reader over a TIFF structure (`II*\0` or `MM\0*`), or `None`.
    pub(crate) fn new(bytes: &'a [u8]) -> Option<Self> {
        let little = match bytes.get(..4)? {
            [b'I', b'I', 42, 0] => true,
            [b'M', b'M', 0, 42] => false,
            _ => return None,
        };
        Some(Self { bytes, little })
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        let b = self.bytes.get(at..at.checked_add(2)?)?;
        Some(if self.little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b = self.bytes.get(at..at.checked_add(4)?)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if self.little {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }

    pub(crate) fn first_ifd(&self) -> Option<usize> {
        usize::try_from(self.u32_at(4)?).ok()
    }

    /// The entries of the IFD at `offset` and the offset of the next one (0: none).
    pub(crate) fn ifd(&self, offset: usize) -> Option<(Vec<Entry>, usize)> {
        let count = usize::from(self.u16_at(offset)?);
        if count > MAX_ENTRIES {
            return None;
        }
        let mut entries = Vec::with_capacity(count);
        for i in 0..count {
            let at = offset.checked_add(2 + i * 12)?;
            let tag = self.u16_at(at)?;
            let kind = self.u16_at(at + 2)?;
            let value = match kind {
                3 => u32::from(self.u16_at(at + 8)?),
                _ => self.u32_at(at + 8)?,
            };
            entries.push(Entry { tag, value });
        }
        let next = self.u32_at(offset.checked_add(2 + count * 12)?)?;
        Some((entries, usize::try_from(next).ok()?))
    }
}

pub(super) fn detect(bytes: &[u8]) -> Detection {
    let mut facts = Facts::default();
    let Some(reader) = Reader::new(bytes) else {
        return Detection::corrupt(FileFormat::Tiff, facts, "no TIFF header");
    };
    let mut offset = reader.first_ifd().unwrap_or(0);
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0u32;
    while offset != 0 {
        if !seen.insert(offset) || seen.len() > MAX_PAGES {
            return Detection::corrupt(FileFormat::Tiff, facts, "the page chain loops");
        }
        let Some((entries, next)) = reader.ifd(offset) else {
            return Detection::corrupt(FileFormat::Tiff, facts, "truncated page directory");
        };
        pages += 1;
        let tag = |t: u16| entries.iter().find(|e| e.tag == t).map(|e| e.value);
        if pages == 1 {
            // Width and length are required of every page; one without the other is no size.
            let (Some(width), Some(height)) = (tag(256), tag(257)) else {
                return Detection::corrupt(FileFormat::Tiff, facts, "the first page has no size");
            };
            facts.width = Some(width);
            facts.height = Some(height);
        }
        // Compression 1 means none; an absent tag means none too (TIFF 6.0 default).
        facts
            .tiff_compression
            .push(tag(259).and_then(|v| u16::try_from(v).ok()).unwrap_or(1));
        offset = next;
    }
    if pages == 0 {
        return Detection::corrupt(FileFormat::Tiff, facts, "no pages");
    }
    facts.pages = Some(pages);
    Detection::ok(FileFormat::Tiff, facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF whose one page has the given (tag, SHORT value) entries.
    fn tiff(entries: &[(u16, u16)]) -> Vec<u8> {
        let mut b = b"II*\0".to_vec();
        b.extend_from_slice(&8u32.to_le_bytes());
        b.extend_from_slice(&u16::try_from(entries.len()).unwrap_or(0).to_le_bytes());
        for (tag, value) in entries {
            b.extend_from_slice(&tag.to_le_bytes());
            b.extend_from_slice(&3u16.to_le_bytes());
            b.extend_from_slice(&1u32.to_le_bytes());
            b.extend_from_slice(&u32::from(*value).to_le_bytes());
        }
        b.extend_from_slice(&0u32.to_le_bytes());
        b
    }

    #[test]
    fn a_page_with_a_width_and_no_height_is_corrupt_not_half_sized() {
        // Found by fuzz target detect_tiff: width Some(8), height None.
        let d = detect(&tiff(&[(256, 8)]));
        assert_eq!(d.corrupt.as_deref(), Some("the first page has no size"));
        assert_eq!((d.facts.width, d.facts.height), (None, None));
        let d = detect(&tiff(&[(257, 8)]));
        assert_eq!((d.facts.width, d.facts.height), (None, None));
        let d = detect(&tiff(&[(256, 8), (257, 6)]));
        assert_eq!(d.corrupt, None);
        assert_eq!(
            (d.facts.width, d.facts.height, d.facts.pages),
            (Some(8), Some(6), Some(1))
        );
    }
}
