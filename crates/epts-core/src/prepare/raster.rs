//! Pixels: decoding within limits, EXIF auto-rotation, downscaling, and JPEG encoding with a
//! quality search that fits a size limit with the least loss.
//!
//! Decoding is the one place untrusted images become memory, so every decode goes through
//! [`decode`] (or `tiff_pages`), which refuses dimensions and allocations beyond fixed bounds
//! and reserves the pixels from the process's budget (`budget`) before a byte of them is
//! allocated.

use super::budget::{self, Reservation};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, metadata::Orientation};
use jpeg_encoder::{ColorType, Encoder, PixelDensity, PixelDensityUnit, SamplingFactor};
use std::borrow::Cow;
use std::io::Cursor;
use std::sync::atomic::{AtomicBool, Ordering};

/// No side of a picture we decode may exceed this (JPEG's own limit is 65 535).
const MAX_SIDE: u32 = 30_000;
/// Decoded pixels of one image may take at most this much memory (the whole of
/// `budget::TOTAL`, which all decodes at once share).
const MAX_ALLOC: u64 = 768 * 1024 * 1024;
/// The quality above which a re-encode only grows the file without a visible gain.
pub(crate) const TOP_QUALITY: u8 = 92;
/// Below this a document scan stops being readable; shrink the picture instead.
const FLOOR_QUALITY: u8 = 55;

#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    #[error("cannot decode the picture: {0}")]
    Decode(String),
    #[error("the picture is too large to process ({width}×{height})")]
    TooLarge { width: u32, height: u32 },
    #[error("cannot encode JPEG: {0}")]
    Encode(String),
    /// One picture needs more than all decodes together may take.
    #[error("the picture needs {bytes} bytes to decode, more than the {budget} allowed")]
    OverBudget { bytes: u64, budget: u64 },
    /// A file's pages together need more than one file may take.
    #[error("the {pages} pages need {bytes} bytes to decode, more than the {budget} allowed")]
    PagesOverBudget {
        pages: usize,
        bytes: u64,
        budget: u64,
    },
    #[error("cancelled")]
    Cancelled,
}

/// Decodes a JPEG, PNG or (first page of a) TIFF into pixels, bounded in size. The pixels
/// are reserved from the process's budget first, waiting for room; keep the reservation as
/// long as the pixels (or anything made from them) live, and reserve nothing else meanwhile.
pub(crate) fn decode(
    bytes: &[u8],
    format: ImageFormat,
    cancel: &AtomicBool,
) -> Result<(DynamicImage, Reservation), RasterError> {
    let reader = || {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(MAX_ALLOC);
        reader.limits(limits);
        reader
    };
    let refused = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => {
            let (width, height) = image::ImageReader::with_format(Cursor::new(bytes), format)
                .into_dimensions()
                .unwrap_or((0, 0));
            RasterError::TooLarge { width, height }
        }
        other => RasterError::Decode(other.to_string()),
    };
    // The headers alone say how much the pixels take; they are read again to decode (cheap).
    let needed = reader().into_decoder().map_err(refused)?.total_bytes();
    let held = budget::DECODES.reserve(needed, cancel)?;
    let image = reader().decode().map_err(refused)?;
    Ok((image, held))
}

/// Keeps only what a document picture needs: 8-bit gray or 8-bit RGB, transparency flattened
/// onto white (the portal shows pictures on white, and JPEG has no alpha).
pub(crate) fn normalise(img: DynamicImage) -> DynamicImage {
    converted(&img).unwrap_or(img)
}

/// [`normalise`] of a borrowed picture, copying only when it must change.
pub(crate) fn normalised(img: &DynamicImage) -> Cow<'_, DynamicImage> {
    converted(img).map_or(Cow::Borrowed(img), Cow::Owned)
}

/// The 8-bit gray or RGB picture, or `None` when `img` is one already.
fn converted(img: &DynamicImage) -> Option<DynamicImage> {
    let flatten = |rgba: &image::RgbaImage| {
        let mut out = image::RgbImage::new(rgba.width(), rgba.height());
        for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
            let [r, g, b, a] = p.0;
            o.0 = [
                blend_on_white(r, a),
                blend_on_white(g, a),
                blend_on_white(b, a),
            ];
        }
        DynamicImage::ImageRgb8(out)
    };
    Some(match img {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => return None,
        DynamicImage::ImageLuma16(_) => DynamicImage::ImageLuma8(img.to_luma8()),
        DynamicImage::ImageLumaA8(_) | DynamicImage::ImageLumaA16(_) => {
            let la = img.to_luma_alpha8();
            let mut out = image::GrayImage::new(la.width(), la.height());
            for (o, p) in out.pixels_mut().zip(la.pixels()) {
                let [l, a] = p.0;
                o.0 = [blend_on_white(l, a)];
            }
            DynamicImage::ImageLuma8(out)
        }
        // Read in place: a copy of its own would be one more picture in memory.
        DynamicImage::ImageRgba8(rgba) => flatten(rgba),
        other if other.color().has_alpha() => flatten(&other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    })
}

fn blend_on_white(c: u8, a: u8) -> u8 {
    let (c, a) = (u32::from(c), u32::from(a));
    // Rounded c·a + 255·(1−a); fits in u8 by construction.
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

/// Turns the picture the way its EXIF orientation (1–8) says, so it no longer needs the tag.
pub(crate) fn orient(img: &mut DynamicImage, exif_orientation: u16) {
    if let Some(o) = u8::try_from(exif_orientation)
        .ok()
        .and_then(Orientation::from_exif)
    {
        img.apply_orientation(o);
    }
}

/// Dimensions scaled by `factor` (≤ 1), never below 1 pixel.
fn scaled(width: u32, height: u32, factor: f64) -> (u32, u32) {
    let w = ((f64::from(width) * factor).floor() as u32).max(1);
    let h = ((f64::from(height) * factor).floor() as u32).max(1);
    (w, h)
}

/// The largest size with the same aspect that has at most `max_pixels` pixels.
pub(crate) fn fit_pixels(width: u32, height: u32, max_pixels: u64) -> (u32, u32) {
    let pixels = u64::from(width) * u64::from(height);
    if pixels <= max_pixels {
        return (width, height);
    }
    scaled(width, height, (max_pixels as f64 / pixels as f64).sqrt())
}

/// Downscales with a Lanczos filter (SIMD where the CPU has it).
pub(crate) fn resize(
    img: &DynamicImage,
    width: u32,
    height: u32,
) -> Result<DynamicImage, RasterError> {
    let mut dst = DynamicImage::new(width, height, img.color());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(img, &mut dst, &options)
        .map_err(|e| RasterError::Decode(e.to_string()))?;
    Ok(dst)
}

/// Encodes 8-bit gray or RGB pixels as a baseline JPEG (4:2:0, the standard Huffman tables:
/// with optimised tables and 4:2:0, zune-jpeg — the `image` crate's decoder — misreads
/// jpeg-encoder 0.7's output while libjpeg reads it, so a portal's decoder might too).
pub(crate) fn encode_jpeg(
    img: &DynamicImage,
    quality: u8,
    dpi: Option<(u32, u32)>,
) -> Result<Vec<u8>, RasterError> {
    let (w, h) = (img.width(), img.height());
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(RasterError::TooLarge {
            width: w,
            height: h,
        });
    };
    let (data, color) = match img {
        DynamicImage::ImageLuma8(g) => (g.as_raw().as_slice(), ColorType::Luma),
        DynamicImage::ImageRgb8(rgb) => (rgb.as_raw().as_slice(), ColorType::Rgb),
        _ => return Err(RasterError::Encode("unsupported pixel layout".into())),
    };
    let mut out = Vec::with_capacity(data.len() / 8);
    let mut encoder = Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(SamplingFactor::F_2_2);
    if let Some((x, y)) = dpi {
        encoder.set_density(PixelDensity {
            density: (
                u16::try_from(x).unwrap_or(u16::MAX),
                u16::try_from(y).unwrap_or(u16::MAX),
            ),
            unit: PixelDensityUnit::Inches,
        });
    }
    encoder
        .encode(data, w16, h16, color)
        .map_err(|e| RasterError::Encode(e.to_string()))?;
    Ok(out)
}

/// Bands of 16 rows (one 4:2:0 MCU row) taken every `step` bands: a picture whose JPEG size,
/// times `step`, predicts the whole picture's at any quality.
fn sample(img: &DynamicImage, step: u32) -> DynamicImage {
    const BAND: usize = 16;
    let (raw, channels): (&[u8], usize) = match img {
        DynamicImage::ImageLuma8(g) => (g.as_raw(), 1),
        DynamicImage::ImageRgb8(rgb) => (rgb.as_raw(), 3),
        other => return other.clone(),
    };
    let band_bytes = img.width() as usize * channels * BAND;
    // Whole rows copied as slices: this runs on every quality probe.
    let data: Vec<u8> = raw
        .chunks_exact(band_bytes)
        .step_by(step as usize)
        .flatten()
        .copied()
        .collect();
    let h = u32::try_from(data.len() / (img.width() as usize * channels).max(1)).unwrap_or(0);
    let out = match channels {
        1 => image::GrayImage::from_raw(img.width(), h, data).map(DynamicImage::ImageLuma8),
        _ => image::RgbImage::from_raw(img.width(), h, data).map(DynamicImage::ImageRgb8),
    };
    match out {
        Some(out) if h > 0 => out,
        _ => img.clone(),
    }
}

/// A JPEG of `img` no larger than `max_bytes`, at the highest quality (≤ `ceiling`) that fits;
/// `None` when even the floor quality does not fit (the caller then shrinks the picture).
///
/// Qualities are searched on a quarter-height sample first, so a 12-megapixel photo costs
/// about two full encodes instead of the seven a plain bisection would.
pub(crate) fn fit_jpeg(
    img: &DynamicImage,
    max_bytes: u64,
    ceiling: u8,
    dpi: Option<(u32, u32)>,
    cancel: &AtomicBool,
) -> Result<Option<(Vec<u8>, u8)>, RasterError> {
    let ceiling = ceiling.clamp(FLOOR_QUALITY, TOP_QUALITY);
    let full = |q: u8| -> Result<Vec<u8>, RasterError> {
        if cancel.load(Ordering::Relaxed) {
            return Err(RasterError::Cancelled);
        }
        encode_jpeg(img, q, dpi)
    };
    // Small pictures: encoding them whole is as cheap as sampling.
    let step = if img.height() >= 512 { 4 } else { 1 };
    let guess = if step == 1 {
        ceiling
    } else {
        let probe = sample(img, step);
        let ratio = f64::from(img.height()) / f64::from(probe.height());
        let target = max_bytes as f64 * 0.97;
        let predicted = |q: u8| -> Result<f64, RasterError> {
            if cancel.load(Ordering::Relaxed) {
                return Err(RasterError::Cancelled);
            }
            Ok(encode_jpeg(&probe, q, dpi)?.len() as f64 * ratio)
        };
        if predicted(ceiling)? <= target {
            ceiling
        } else {
            let (mut lo, mut hi) = (FLOOR_QUALITY, ceiling);
            // Invariant: hi does not fit (predicted); find the highest q in [lo, hi) that does.
            while lo + 1 < hi {
                let mid = lo + (hi - lo) / 2;
                if predicted(mid)? <= target {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            lo
        }
    };
    // Confirm on the whole picture, stepping down when the prediction was optimistic.
    let mut q = guess;
    loop {
        let bytes = full(q)?;
        if bytes.len() as u64 <= max_bytes {
            return Ok(Some((bytes, q)));
        }
        if q <= FLOOR_QUALITY {
            return Ok(None);
        }
        let over = bytes.len() as f64 / max_bytes as f64;
        let step = if over > 1.3 {
            8
        } else if over > 1.1 {
            4
        } else {
            2
        };
        q = q.saturating_sub(step).max(FLOOR_QUALITY);
    }
}

/// A JPEG that fits: its bytes, its quality and its sides.
pub(crate) type Fitted = (Vec<u8>, u8, (u32, u32));

/// Shrinks (when needed) and encodes until the JPEG fits: the least loss first (quality),
/// then fewer pixels, 85 % of the sides a step. Returns the JPEG, its quality and its size.
pub(crate) fn fit_jpeg_shrinking(
    img: &DynamicImage,
    max_bytes: u64,
    ceiling: u8,
    dpi: Option<(u32, u32)>,
    cancel: &AtomicBool,
) -> Result<Fitted, RasterError> {
    let mut img = Cow::Borrowed(img);
    loop {
        if let Some((bytes, q)) = fit_jpeg(&img, max_bytes, ceiling, dpi, cancel)? {
            return Ok((bytes, q, (img.width(), img.height())));
        }
        let (w, h) = scaled(img.width(), img.height(), 0.85);
        if w < 64 || h < 64 {
            return Err(RasterError::Encode(
                "the picture does not fit the size limit at any readable size".into(),
            ));
        }
        img = Cow::Owned(resize(&img, w, h)?);
    }
}

/// Estimates the quality a JPEG was saved at from its luminance quantisation table, on the
/// IJG scale (the one every encoder's «quality» slider follows).
pub(crate) fn estimate_quality(bytes: &[u8]) -> Option<u8> {
    // The IJG base luminance table in zig-zag order.
    const BASE: [u16; 64] = [
        16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35,
        37, 29, 40, 58, 51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80,
        109, 81, 87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
    ];
    let table = super::jpeg_meta::luma_table(bytes)?;
    let (sum_t, sum_b): (u32, u32) = table
        .iter()
        .zip(BASE)
        .map(|(t, b)| (u32::from(*t), u32::from(b)))
        .fold((0, 0), |(a, b), (t, base)| (a + t, b + base));
    if sum_b == 0 {
        return None;
    }
    let scale = f64::from(sum_t) * 100.0 / f64::from(sum_b);
    let q = if scale <= 100.0 {
        (200.0 - scale) / 2.0
    } else {
        5000.0 / scale
    };
    Some(q.round().clamp(1.0, 100.0) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy(w: u32, h: u32) -> DynamicImage {
        let mut seed = 1u32;
        DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = (seed >> 24) as u8 / 4;
            image::Rgb([
                (x % 256) as u8 / 2 + n,
                (y % 256) as u8 / 2 + n,
                ((x + y) % 256) as u8 / 2 + n,
            ])
        }))
    }

    #[test]
    fn the_quality_search_lands_under_the_limit_and_close_to_it() {
        let img = noisy(1200, 900);
        let best = encode_jpeg(&img, TOP_QUALITY, None).expect("encode").len() as u64;
        let limit = best / 2;
        let cancel = AtomicBool::new(false);
        let (bytes, q) = fit_jpeg(&img, limit, TOP_QUALITY, None, &cancel)
            .expect("fit")
            .expect("fits");
        assert!(bytes.len() as u64 <= limit, "{} > {limit}", bytes.len());
        assert!((FLOOR_QUALITY..TOP_QUALITY).contains(&q));
        // One step up would not have fitted (or is within the step the search allows).
        let above = encode_jpeg(&img, q + 3, None).expect("encode").len() as u64;
        assert!(above > limit, "quality {} would have fitted too", q + 3);
    }

    #[test]
    fn a_picture_that_cannot_fit_is_shrunk_until_it_does() {
        let img = noisy(800, 600);
        let cancel = AtomicBool::new(false);
        let (bytes, _, (w, h)) =
            fit_jpeg_shrinking(&img, 20_000, TOP_QUALITY, None, &cancel).expect("fits");
        assert!(bytes.len() <= 20_000);
        assert!(w < 800 && h < 600);
        let aspect = f64::from(w) / f64::from(h);
        assert!((aspect - 4.0 / 3.0).abs() < 0.02, "aspect {aspect}");
    }

    #[test]
    fn the_quality_of_our_own_jpeg_is_read_back() {
        let img = noisy(64, 64);
        for q in [50u8, 75, 90] {
            let bytes = encode_jpeg(&img, q, None).expect("encode");
            let got = estimate_quality(&bytes).expect("a table");
            assert!(got.abs_diff(q) <= 2, "saved at {q}, estimated {got}");
        }
    }

    #[test]
    fn transparency_is_flattened_onto_white() {
        let img = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            2,
            2,
            image::Rgba([0, 0, 0, 0]),
        ));
        let out = normalise(img);
        assert_eq!(
            out.as_rgb8().expect("rgb").get_pixel(0, 0).0,
            [255, 255, 255]
        );
    }

    #[test]
    fn cancelling_stops_the_search() {
        let cancel = AtomicBool::new(true);
        assert!(matches!(
            fit_jpeg(&noisy(600, 600), 10_000, TOP_QUALITY, None, &cancel),
            Err(RasterError::Cancelled)
        ));
    }
}
