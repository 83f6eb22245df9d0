//! Every page of a TIFF (LZW, Deflate, PackBits, CCITT G4 fax, JPEG) as 8-bit pixels, bounded
//! in pages and memory. The `image` crate reads only the first page; scanners write many.

use super::raster::RasterError;
use image::{DynamicImage, GrayImage, RgbImage};
use std::io::Cursor;
use tiff::ColorType;
use tiff::decoder::{Decoder, DecodingResult, Limits};

/// More pages than this is not a scanned document.
const MAX_PAGES: usize = 500;
/// One page's decoded samples may take at most this much memory.
const MAX_PAGE_BYTES: usize = 512 * 1024 * 1024;

fn err(e: impl std::fmt::Display) -> RasterError {
    RasterError::Decode(e.to_string())
}

/// One decoded page and its resolution, when the file says it.
#[derive(Debug)]
pub(crate) struct Page {
    pub image: DynamicImage,
    pub dpi: Option<(u32, u32)>,
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

/// Decodes every page, in order.
pub(crate) fn decode_pages(bytes: &[u8]) -> Result<Vec<Page>, RasterError> {
    let mut limits = Limits::default();
    limits.decoding_buffer_size = MAX_PAGE_BYTES;
    let mut decoder = Decoder::new(Cursor::new(bytes))
        .map_err(err)?
        .with_limits(limits);
    let mut pages = Vec::new();
    loop {
        let (w, h) = decoder.dimensions().map_err(err)?;
        let color = decoder.colortype().map_err(err)?;
        let dpi = resolution(&mut decoder);
        let data = decoder.read_image().map_err(err)?;
        pages.push(Page {
            image: to_image(w, h, color, data)?,
            dpi,
        });
        if !decoder.more_images() {
            return Ok(pages);
        }
        if pages.len() >= MAX_PAGES {
            return Err(RasterError::Decode(format!("more than {MAX_PAGES} pages")));
        }
        decoder.next_image().map_err(err)?;
    }
}
