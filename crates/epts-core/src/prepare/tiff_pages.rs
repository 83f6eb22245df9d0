//! Every page of a TIFF (LZW, Deflate, PackBits, CCITT G4 fax, JPEG) as 8-bit pixels, bounded
//! in pages and memory. The `image` crate reads only the first page; scanners write many.
//!
//! Pages are decoded one at a time, each gone before the next is read, so a long scan takes
//! the memory of its largest page, not of all of them. What all the pages together would take
//! is counted from their headers before any is decoded, and a file over [`FILE_BUDGET`] is
//! refused whole: a few kilobytes can declare gigabytes of pages (a decompression bomb).

use super::budget::{self, Reservation};
use super::raster::RasterError;
use image::{DynamicImage, GrayImage, RgbImage};
use std::io::Cursor;
use std::ops::ControlFlow;
use std::sync::atomic::AtomicBool;
use tiff::ColorType;
use tiff::decoder::{Decoder, DecodingResult, Limits};

/// More pages than this is not a scanned document.
const MAX_PAGES: usize = 500;
/// One page's decoded samples may take at most this much memory.
const MAX_PAGE_BYTES: usize = 512 * 1024 * 1024;
/// All the pages of one file may take at most this much to decode, one after another: about
/// 40 colour or 100 gray or black-and-white A4 pages at 300 dpi — far more than a portal takes
/// in one 10 MB file — and seconds of work, where a bomb would keep a core busy for minutes.
pub(crate) const FILE_BUDGET: u64 = 1024 * 1024 * 1024;

fn err(e: impl std::fmt::Display) -> RasterError {
    RasterError::Decode(e.to_string())
}

/// One decoded page, its resolution when the file says it, and its pixels' share of the
/// process's memory budget (given back with the page).
#[derive(Debug)]
pub(crate) struct Page {
    pub image: DynamicImage,
    pub dpi: Option<(u32, u32)>,
    _held: Reservation,
}

/// Memory a page takes while it becomes 8-bit pixels: the samples as the decoder returns
/// them, and the 8-bit copy made of them unless they are already that.
fn page_cost(width: u32, height: u32, color: ColorType) -> u64 {
    let (w, h) = (u64::from(width), u64::from(height));
    let bits = u64::from(color.bit_depth()) * u64::from(color.num_samples());
    let samples = w.saturating_mul(bits).div_ceil(8).saturating_mul(h);
    let copy = match color {
        ColorType::Gray(8) | ColorType::RGB(8) | ColorType::RGBA(8) => 0,
        ColorType::Gray(_) => 1,
        ColorType::RGBA(_) => 4,
        _ => 3,
    };
    samples.saturating_add((w * h).saturating_mul(copy))
}

/// Bilevel rows (1 bit a pixel, each row padded to a byte, 1 = white) as 8-bit gray.
fn expand_bits(width: u32, height: u32, packed: &[u8]) -> Option<GrayImage> {
    let row_bytes = (width as usize).div_ceil(8);
    let mut out = Vec::with_capacity(width as usize * height as usize);
    for row in packed.chunks(row_bytes).take(height as usize) {
        for x in 0..width as usize {
            let bit = row.get(x / 8)? >> (7 - x % 8) & 1;
            out.push(if bit == 1 { 255 } else { 0 });
        }
    }
    GrayImage::from_raw(width, height, out)
}

fn to_image(
    width: u32,
    height: u32,
    color: ColorType,
    data: DecodingResult,
) -> Result<DynamicImage, RasterError> {
    let unsupported =
        || RasterError::Decode(format!("TIFF colour type {color:?} is not supported"));
    let img = match (color, data) {
        (ColorType::Gray(1), DecodingResult::U8(v)) => {
            expand_bits(width, height, &v).map(DynamicImage::ImageLuma8)
        }
        (ColorType::Gray(8), DecodingResult::U8(v)) => {
            GrayImage::from_raw(width, height, v).map(DynamicImage::ImageLuma8)
        }
        (ColorType::Gray(16), DecodingResult::U16(v)) => {
            GrayImage::from_raw(width, height, v.iter().map(|s| (s >> 8) as u8).collect())
                .map(DynamicImage::ImageLuma8)
        }
        (ColorType::RGB(8), DecodingResult::U8(v)) => {
            RgbImage::from_raw(width, height, v).map(DynamicImage::ImageRgb8)
        }
        (ColorType::RGB(16), DecodingResult::U16(v)) => {
            RgbImage::from_raw(width, height, v.iter().map(|s| (s >> 8) as u8).collect())
                .map(DynamicImage::ImageRgb8)
        }
        (ColorType::RGBA(8), DecodingResult::U8(v)) => {
            image::RgbaImage::from_raw(width, height, v).map(DynamicImage::ImageRgba8)
        }
        (ColorType::CMYK(8), DecodingResult::U8(v)) => {
            let rgb = v
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - u32::from(p[3]);
                    [0, 1, 2].map(|i| ((255 - u32::from(p[i])) * k / 255) as u8)
                })
                .collect();
            RgbImage::from_raw(width, height, rgb).map(DynamicImage::ImageRgb8)
        }
        _ => return Err(unsupported()),
    };
    img.ok_or_else(|| RasterError::Decode("TIFF page data is shorter than its size".into()))
}

fn resolution(decoder: &mut Decoder<Cursor<&[u8]>>) -> Option<(u32, u32)> {
    use tiff::tags::Tag;
    let value = |d: &mut Decoder<Cursor<&[u8]>>, tag| -> Option<f64> {
        d.find_tag(tag)
            .ok()
            .flatten()
            .and_then(|v| v.into_f64().ok())
    };
    let x = value(decoder, Tag::XResolution)?;
    let y = value(decoder, Tag::YResolution).unwrap_or(x);
    // 2 = inch (the default), 3 = centimetre.
    let per_cm = decoder
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()
        .flatten()
        == Some(3);
    let k = if per_cm { 2.54 } else { 1.0 };
    let (x, y) = ((x * k).round(), (y * k).round());
    (x >= 1.0 && y >= 1.0 && x < 100_000.0 && y < 100_000.0).then_some((x as u32, y as u32))
}

fn decoder(bytes: &[u8]) -> Result<Decoder<Cursor<&[u8]>>, RasterError> {
    let mut limits = Limits::default();
    limits.decoding_buffer_size = MAX_PAGE_BYTES;
    Ok(Decoder::new(Cursor::new(bytes))
        .map_err(err)?
        .with_limits(limits))
}

/// A TIFF whose pages were counted and found within [`FILE_BUDGET`], ready to be decoded.
#[derive(Debug)]
pub(crate) struct Pages<'a> {
    bytes: &'a [u8],
    count: usize,
}

/// Reads every page's header (no pixels) and refuses a file whose pages together would take
/// more than [`FILE_BUDGET`] to decode.
pub(crate) fn open(bytes: &[u8]) -> Result<Pages<'_>, RasterError> {
    let mut decoder = decoder(bytes)?;
    let mut count = 0;
    let mut cost = 0u64;
    loop {
        count += 1;
        let (w, h) = decoder.dimensions().map_err(err)?;
        cost = cost.saturating_add(page_cost(w, h, decoder.colortype().map_err(err)?));
        if !decoder.more_images() {
            break;
        }
        if count >= MAX_PAGES {
            return Err(RasterError::Decode(format!("more than {MAX_PAGES} pages")));
        }
        decoder.next_image().map_err(err)?;
    }
    if cost > FILE_BUDGET {
        return Err(RasterError::PagesOverBudget {
            pages: count,
            bytes: cost,
            budget: FILE_BUDGET,
        });
    }
    Ok(Pages { bytes, count })
}

impl Pages<'_> {
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Decodes the pages in order and hands each to `each`, which owns it: a page is gone
    /// (pixels and reservation) before the next one is read. `each` may stop the walk early.
    pub(crate) fn each<E: From<RasterError>>(
        &self,
        cancel: &AtomicBool,
        mut each: impl FnMut(Page) -> Result<ControlFlow<()>, E>,
    ) -> Result<(), E> {
        let mut decoder = decoder(self.bytes)?;
        for i in 0..self.count {
            if i > 0 {
                decoder.next_image().map_err(err)?;
            }
            let (w, h) = decoder.dimensions().map_err(err)?;
            let color = decoder.colortype().map_err(err)?;
            let dpi = resolution(&mut decoder);
            let held = budget::DECODES.reserve(page_cost(w, h, color), cancel)?;
            let data = decoder.read_image().map_err(err)?;
            let image = to_image(w, h, color, data)?;
            if each(Page {
                image,
                dpi,
                _held: held,
            })?
            .is_break()
            {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiff::encoder::{Compression, TiffEncoder, colortype};

    /// `pages` white pages of `side`×`side` 8-bit gray, Deflate-compressed.
    fn gray_tiff(pages: usize, side: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let white = vec![255u8; (side * side) as usize];
        if let Ok(enc) = TiffEncoder::new(&mut out) {
            let mut enc = enc.with_compression(Compression::Deflate(Default::default()));
            for _ in 0..pages {
                let _ = enc.write_image::<colortype::Gray8>(side, side, &white);
            }
        }
        out.into_inner()
    }

    /// What a bomb looks like from its headers: `pages` pages of `side`² 8-bit gray that all
    /// point at one strip of a single byte (never read: the file is refused before).
    fn declared(pages: u32, side: u32) -> Vec<u8> {
        const ENTRIES: u32 = 9;
        let ifd_len = 2 + ENTRIES * 12 + 4;
        let strip_at = 8 + pages * ifd_len;
        let mut b = b"II*\0".to_vec();
        b.extend(8u32.to_le_bytes());
        for p in 0..pages {
            let next = if p + 1 < pages {
                8 + (p + 1) * ifd_len
            } else {
                0
            };
            b.extend((ENTRIES as u16).to_le_bytes());
            // (tag, type: 3 SHORT or 4 LONG, value); a SHORT sits in the field's first half.
            for (tag, kind, value) in [
                (256u16, 4u16, side),
                (257, 4, side),
                (258, 3, 8),
                (259, 3, 8),
                (262, 3, 1),
                (273, 4, strip_at),
                (277, 3, 1),
                (278, 4, side),
                (279, 4, 1),
            ] {
                b.extend(tag.to_le_bytes());
                b.extend(kind.to_le_bytes());
                b.extend(1u32.to_le_bytes());
                b.extend(value.to_le_bytes());
            }
            b.extend(next.to_le_bytes());
        }
        b.push(0);
        b
    }

    #[test]
    fn pages_within_the_file_budget_are_decoded_one_by_one_in_order() {
        let tif = gray_tiff(3, 64);
        let pages = open(&tif).expect("within the budget");
        assert_eq!(pages.count(), 3);
        let mut seen = 0;
        pages
            .each(&budget::NEVER, |page| {
                assert_eq!((page.image.width(), page.image.height()), (64, 64));
                seen += 1;
                Ok::<_, RasterError>(ControlFlow::Continue(()))
            })
            .expect("decodes");
        assert_eq!(seen, 3);
    }

    #[test]
    fn pages_over_the_file_budget_together_are_refused_before_any_is_decoded() {
        // 5 pages of 15 000² gray: 225 MB each, under the page limit, 1.1 GB together.
        let tif = declared(5, 15_000);
        match open(&tif) {
            Err(RasterError::PagesOverBudget {
                pages,
                bytes,
                budget,
            }) => {
                assert_eq!(pages, 5);
                assert_eq!(bytes, 5 * 15_000 * 15_000);
                assert_eq!(budget, FILE_BUDGET);
            }
            other => panic!("not refused: {other:?}"),
        }
        assert!(
            open(&declared(4, 15_000)).is_ok(),
            "900 MB together is within"
        );
    }

    #[test]
    fn a_page_costs_its_samples_and_the_8_bit_copy_made_of_them() {
        assert_eq!(page_cost(100, 10, ColorType::RGB(8)), 3_000);
        // Bilevel rows are padded to a byte, then expanded to a byte a pixel.
        assert_eq!(page_cost(9, 10, ColorType::Gray(1)), 20 + 90);
        assert_eq!(page_cost(10, 10, ColorType::RGB(16)), 600 + 300);
        assert_eq!(
            page_cost(u32::MAX, u32::MAX, ColorType::CMYK(16)),
            u64::MAX,
            "saturates"
        );
    }
}
