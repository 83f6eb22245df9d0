//! Pictures → one PDF, the way img2pdf does it: a JPEG is embedded byte for byte (DCTDecode),
//! so nothing is re-encoded and no quality is lost; a phone photo turned by its EXIF tag gets
//! the page's /Rotate instead of new pixels. PNG and TIFF pages go in as Flate-compressed
//! pixels (bilevel scans at 1 bit a pixel), which is lossless too. A page takes its size from
//! the picture's DPI; without one, the picture is fitted to A4.
//!
//! Pages are written as they are read: a decoded picture is compressed into the PDF and
//! dropped before the next is decoded, so a merge holds one picture's pixels at a time.

use super::detect::{FileFormat, detect};
use super::raster::{self, RasterError};
use super::{budget, jpeg_meta, tiff_pages};
use crate::Code;
use crate::lang::{Lang, Localized};
use image::{DynamicImage, ImageFormat};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref};
use std::borrow::Cow;
use std::io::Write;
use std::ops::ControlFlow;

/// A4 in points.
const A4: (f32, f32) = (595.28, 841.89);
/// DPI outside this range is a camera's placeholder (72) or nonsense, not a scan's.
const PLAUSIBLE_DPI: std::ops::RangeInclusive<u32> = 100..=2400;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error("{name} is not a picture")]
    NotImage { name: String },
    #[error("{name} is damaged: {why}")]
    Damaged { name: String, why: String },
    /// Decoding it would take more memory than it may (too many pages, or too large ones).
    #[error("{name} is too large to decode: {bytes} bytes, at most {limit}")]
    TooBig {
        name: String,
        pages: usize,
        bytes: u64,
        limit: u64,
    },
}

impl MergeError {
    fn of(name: &str, e: RasterError) -> Self {
        let name = name.to_owned();
        match e {
            RasterError::PagesOverBudget {
                pages,
                bytes,
                budget,
            } => MergeError::TooBig {
                name,
                pages,
                bytes,
                limit: budget,
            },
            RasterError::OverBudget { bytes, budget } => MergeError::TooBig {
                name,
                pages: 1,
                bytes,
                limit: budget,
            },
            other => MergeError::Damaged {
                name,
                why: other.to_string(),
            },
        }
    }
}

impl Localized for MergeError {
    fn code(&self) -> Code {
        match self {
            MergeError::Empty => Code::NothingToMerge,
            MergeError::NotImage { .. } => Code::NotImage,
            MergeError::Damaged { .. } => Code::Corrupt,
            MergeError::TooBig { .. } => Code::TooManyPixels,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (MergeError::Empty, Lang::Ru) => "Выберите хотя бы одно изображение.".into(),
            (MergeError::Empty, Lang::En) => "Choose at least one image.".into(),
            (MergeError::NotImage { name }, Lang::Ru) => format!(
                "«{name}» — не изображение. В один PDF собираются фотографии и сканы в JPEG, PNG или TIFF."
            ),
            (MergeError::NotImage { name }, Lang::En) => format!(
                "«{name}» is not a picture. One PDF is made from JPEG, PNG or TIFF photos and scans."
            ),
            (MergeError::Damaged { name, .. }, Lang::Ru) => {
                format!("«{name}» повреждён и не войдёт в PDF. Сделайте снимок или скан заново.")
            }
            (MergeError::Damaged { name, .. }, Lang::En) => {
                format!(
                    "«{name}» is damaged and cannot go into the PDF. Take the picture or scan again."
                )
            }
            (
                MergeError::TooBig {
                    name,
                    pages,
                    bytes,
                    limit,
                },
                lang,
            ) => budget::too_big_message(name, *pages, *bytes, *limit, lang),
        }
    }
}

/// One page's picture.
#[derive(Debug)]
pub(crate) enum PageImage<'a> {
    /// A JPEG embedded as it is.
    Jpeg {
        bytes: Cow<'a, [u8]>,
        width: u32,
        height: u32,
        components: u8,
        dpi: Option<(u32, u32)>,
        /// Clockwise page rotation, a multiple of 90.
        rotate: i32,
    },
    /// 8-bit gray or RGB pixels.
    Pixels {
        image: &'a DynamicImage,
        dpi: Option<(u32, u32)>,
    },
}

/// The page size in points for a picture of `w`×`h` pixels.
fn page_size(w: u32, h: u32, dpi: Option<(u32, u32)>) -> (f32, f32) {
    match dpi {
        Some((dx, dy)) if PLAUSIBLE_DPI.contains(&dx) && PLAUSIBLE_DPI.contains(&dy) => {
            (w as f32 * 72.0 / dx as f32, h as f32 * 72.0 / dy as f32)
        }
        _ => {
            // A landscape picture goes on a landscape A4.
            let (aw, ah) = if w > h { (A4.1, A4.0) } else { A4 };
            let scale = (aw / w as f32).min(ah / h as f32);
            (w as f32 * scale, h as f32 * scale)
        }
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = z.write_all(data);
    z.finish().unwrap_or_default()
}

/// Gray pixels that are all black or white, packed 1 bit a pixel (0 = black), rows padded.
fn pack_bilevel(img: &image::GrayImage) -> Option<Vec<u8>> {
    if !img.as_raw().iter().all(|&v| v == 0 || v == 255) {
        return None;
    }
    let w = img.width() as usize;
    let mut out = Vec::with_capacity(w.div_ceil(8) * img.height() as usize);
    for row in img.as_raw().chunks(w) {
        for chunk in row.chunks(8) {
            let mut byte = 0u8;
            for (i, &v) in chunk.iter().enumerate() {
                if v == 255 {
                    byte |= 0x80 >> i;
                }
            }
            out.push(byte);
        }
    }
    Some(out)
}

/// A PDF written a page at a time, so that a page's pixels can go as soon as it is in.
pub(crate) struct PdfWriter {
    pdf: Pdf,
    next: i32,
    pages: Vec<Ref>,
}

const CATALOG: Ref = Ref::new(1);
const TREE: Ref = Ref::new(2);

impl PdfWriter {
    pub(crate) fn new() -> Self {
        Self {
            pdf: Pdf::new(),
            next: 3,
            pages: Vec::new(),
        }
    }

    fn alloc(&mut self) -> Ref {
        let r = Ref::new(self.next);
        self.next += 1;
        r
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.pdf.len()
    }

    /// Adds one page after the others.
    pub(crate) fn add(&mut self, page: &PageImage<'_>) {
        let (page_id, image_id, content_id) = (self.alloc(), self.alloc(), self.alloc());
        self.pages.push(page_id);
        let pdf = &mut self.pdf;
        let clamp = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        let (w, h, dpi, rotate) = match page {
            PageImage::Jpeg {
                bytes,
                width,
                height,
                components,
                dpi,
                rotate,
            } => {
                let mut image = pdf.image_xobject(image_id, bytes);
                image.filter(Filter::DctDecode);
                image.width(clamp(*width));
                image.height(clamp(*height));
                image.bits_per_component(8);
                match components {
                    1 => image.color_space().device_gray(),
                    4 => {
                        image.color_space().device_cmyk();
                        // Adobe writes CMYK JPEGs inverted; every reader expects this decode.
                        image.decode([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
                    }
                    _ => image.color_space().device_rgb(),
                }
                image.finish();
                (*width, *height, *dpi, *rotate)
            }
            PageImage::Pixels { image: px, dpi } => {
                let (w, h) = (px.width(), px.height());
                let (data, bits, gray) = match px {
                    DynamicImage::ImageLuma8(g) => match pack_bilevel(g) {
                        Some(packed) => (deflate(&packed), 1, true),
                        None => (deflate(g.as_raw()), 8, true),
                    },
                    // Read in place: a copy would be one more picture in memory.
                    DynamicImage::ImageRgb8(rgb) => (deflate(rgb.as_raw()), 8, false),
                    other => (deflate(other.to_rgb8().as_raw()), 8, false),
                };
                let mut image = pdf.image_xobject(image_id, &data);
                image.filter(Filter::FlateDecode);
                image.width(clamp(w));
                image.height(clamp(h));
                image.bits_per_component(bits);
                if gray {
                    image.color_space().device_gray();
                } else {
                    image.color_space().device_rgb();
                }
                image.finish();
                (w, h, *dpi, 0)
            }
        };
        let (page_w, page_h) = page_size(w, h, dpi);
        let mut content = Content::new();
        content.save_state();
        content.transform([page_w, 0.0, 0.0, page_h, 0.0, 0.0]);
        content.x_object(Name(b"Im"));
        content.restore_state();
        pdf.stream(content_id, &content.finish());
        let mut p = pdf.page(page_id);
        p.media_box(Rect::new(0.0, 0.0, page_w, page_h));
        if rotate != 0 {
            p.rotate(rotate);
        }
        p.parent(TREE);
        p.contents(content_id);
        p.resources().x_objects().pair(Name(b"Im"), image_id);
        p.finish();
    }

    /// The page tree and the catalog after the pages, then the file.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let count = i32::try_from(self.pages.len()).unwrap_or(i32::MAX);
        self.pdf.pages(TREE).kids(self.pages).count(count);
        self.pdf.catalog(CATALOG).pages(TREE);
        self.pdf.finish()
    }
}

/// Writes the PDF: one page a picture, in order.
pub(crate) fn build_pdf(pages: &[PageImage<'_>]) -> Vec<u8> {
    let mut pdf = PdfWriter::new();
    for page in pages {
        pdf.add(page);
    }
    pdf.finish()
}

/// How pictures go into the PDF.
#[derive(Debug, Clone, Copy)]
pub struct MergeOptions {
    /// Drop EXIF/XMP from JPEGs that say where they were taken (a lossless cut; the pictures
    /// stay byte-identical otherwise). Off keeps every JPEG byte for byte.
    pub strip_location: bool,
    /// Every page A4 (the picture fitted in), whatever the pictures' DPI says.
    pub fit_a4: bool,
}

impl Default for MergeOptions {
    fn default() -> Self {
        Self {
            strip_location: true,
            fit_a4: false,
        }
    }
}

/// Writes the pages one picture file gives (a TIFF may give many), decoding one at a time.
fn add_pages(
    pdf: &mut PdfWriter,
    name: &str,
    bytes: &[u8],
    options: MergeOptions,
) -> Result<(), MergeError> {
    let damaged = |why: &dyn std::fmt::Display| MergeError::Damaged {
        name: name.to_owned(),
        why: why.to_string(),
    };
    // Every page on A4 when asked, whatever its DPI says.
    let dpi_of = |dpi: Option<(u32, u32)>| if options.fit_a4 { None } else { dpi };
    let d = detect(bytes);
    if let Some(why) = &d.corrupt {
        return Err(damaged(why));
    }
    match d.format {
        FileFormat::Jpeg => {
            let (Some(width), Some(height)) = (d.facts.width, d.facts.height) else {
                return Err(damaged(&"no frame header"));
            };
            let rotate = match d.facts.orientation {
                Some(3) => 180,
                Some(6) => 90,
                Some(8) => 270,
                Some(1) | None => 0,
                // Mirrored photos (2, 4, 5, 7) need new pixels; a rotation cannot show them.
                Some(o) => {
                    let (mut img, held) = raster::decode(bytes, ImageFormat::Jpeg, &budget::NEVER)
                        .map_err(|e| MergeError::of(name, e))?;
                    raster::orient(&mut img, o);
                    let img = raster::normalise(img);
                    let q = raster::estimate_quality(bytes).unwrap_or(raster::TOP_QUALITY);
                    let jpeg = raster::encode_jpeg(&img, q.min(raster::TOP_QUALITY), d.facts.dpi)
                        .map_err(|e| damaged(&e))?;
                    let (width, height) = (img.width(), img.height());
                    let components = if img.color().channel_count() == 1 {
                        1
                    } else {
                        3
                    };
                    drop((img, held));
                    pdf.add(&PageImage::Jpeg {
                        bytes: Cow::Owned(jpeg),
                        width,
                        height,
                        components,
                        dpi: dpi_of(d.facts.dpi),
                        rotate: 0,
                    });
                    return Ok(());
                }
            };
            let bytes = if options.strip_location && d.facts.location {
                jpeg_meta::strip_metadata(bytes).map_or(Cow::Borrowed(bytes), Cow::Owned)
            } else {
                Cow::Borrowed(bytes)
            };
            pdf.add(&PageImage::Jpeg {
                bytes,
                width,
                height,
                components: d.facts.components.unwrap_or(3),
                dpi: dpi_of(d.facts.dpi),
                rotate,
            });
            Ok(())
        }
        FileFormat::Png => {
            let (img, _held) = raster::decode(bytes, ImageFormat::Png, &budget::NEVER)
                .map_err(|e| MergeError::of(name, e))?;
            pdf.add(&PageImage::Pixels {
                image: &raster::normalised(&img),
                dpi: dpi_of(d.facts.dpi),
            });
            Ok(())
        }
        FileFormat::Tiff => tiff_pages::open(bytes)
            .and_then(|pages| {
                pages.each(&budget::NEVER, |page| {
                    pdf.add(&PageImage::Pixels {
                        image: &raster::normalised(&page.image),
                        dpi: dpi_of(page.dpi),
                    });
                    Ok::<_, RasterError>(ControlFlow::Continue(()))
                })
            })
            .map_err(|e| MergeError::of(name, e)),
        _ => Err(MergeError::NotImage {
            name: name.to_owned(),
        }),
    }
}

/// Builds one PDF from (name, bytes) pictures in page order.
pub fn images_to_pdf(
    images: &[(String, Vec<u8>)],
    options: MergeOptions,
) -> Result<Vec<u8>, MergeError> {
    if images.is_empty() {
        return Err(MergeError::Empty);
    }
    let mut pdf = PdfWriter::new();
    for (name, bytes) in images {
        add_pages(&mut pdf, name, bytes, options)?;
    }
    Ok(pdf.finish())
}
