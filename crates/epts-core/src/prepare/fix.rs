//! Fixes one file so that the profile accepts it, never touching the input: EXIF auto-rotate,
//! private metadata dropped, downscaling, a JPEG quality search that fits the size limit with
//! the least loss, PNG → JPEG when that is what fits, compressed TIFF → PDF, and the name.
//!
//! The result is checked again with the same rules before anyone writes it.

use super::check::{PrepareFinding, Verdict, check_bytes};
use super::detect::{Detection, FileFormat, detect};
use super::merge::{PageImage, PdfWriter, build_pdf};
use super::profile::Profile;
use super::raster::{self, RasterError};
use super::translit::Scheme;
use super::{budget, jpeg_meta, tiff_pages};
use crate::Code;
use crate::lang::{Lang, Localized};
use image::{DynamicImage, ImageFormat};
use serde::Serialize;
use std::borrow::Cow;
use std::ops::ControlFlow;
use std::sync::atomic::AtomicBool;

/// How files are fixed.
#[derive(Debug, Clone)]
pub struct FixOptions {
    pub profile: Profile,
    pub scheme: Scheme,
    /// The output name: `{name}` is the original name, `{n}` the file's number in the set;
    /// everything is transliterated when the profile wants Latin names.
    pub name_pattern: String,
    pub lang: Lang,
}

impl FixOptions {
    pub fn new(profile: Profile, lang: Lang) -> Self {
        Self {
            profile,
            scheme: Scheme::Icao,
            name_pattern: "{name}".into(),
            lang,
        }
    }
}

/// One change made to a file, as a person reads it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedFix {
    pub code: &'static str,
    pub message: String,
}

/// What a fix did, in the words of [`Applied`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    Renamed { to: String },
    Rotated,
    MetadataStripped { location: bool },
    Downscaled { from: (u32, u32), to: (u32, u32) },
    Recompressed { quality: u8 },
    PngToJpeg,
    ToPdf { pages: usize },
}

impl Action {
    fn applied(&self, lang: Lang) -> AppliedFix {
        let ru = lang == Lang::Ru;
        let (code, message) = match self {
            Action::Renamed { to } => (
                "rename",
                if ru {
                    format!("Переименован в «{to}»")
                } else {
                    format!("Renamed to «{to}»")
                },
            ),
            Action::Rotated => (
                "auto_rotate",
                lang.pick(
                    "Повёрнут так, как снимали (по метке EXIF)",
                    "Turned upright (as its EXIF tag says)",
                )
                .into(),
            ),
            Action::MetadataStripped { location: true } => (
                "strip_metadata",
                lang.pick(
                    "Удалены координаты места съёмки и другие сведения о снимке",
                    "Removed where the photo was taken and other photo metadata",
                )
                .into(),
            ),
            Action::MetadataStripped { location: false } => (
                "strip_metadata",
                lang.pick(
                    "Удалены сведения о снимке (EXIF, XMP)",
                    "Removed photo metadata (EXIF, XMP)",
                )
                .into(),
            ),
            Action::Downscaled { from, to } => (
                "downscale",
                if ru {
                    format!(
                        "Уменьшен с {}×{} до {}×{} точек",
                        from.0, from.1, to.0, to.1
                    )
                } else {
                    format!(
                        "Downscaled from {}×{} to {}×{} pixels",
                        from.0, from.1, to.0, to.1
                    )
                },
            ),
            Action::Recompressed { quality } => (
                "recompress_jpeg",
                if ru {
                    format!("Пересохранён в JPEG с качеством {quality}")
                } else {
                    format!("Saved again as JPEG at quality {quality}")
                },
            ),
            Action::PngToJpeg => (
                "png_to_jpeg",
                lang.pick(
                    "Фото из PNG сохранено как JPEG — так оно помещается в предел",
                    "The PNG photo is saved as JPEG, which fits the limit",
                )
                .into(),
            ),
            Action::ToPdf { pages } => (
                "convert_to_pdf",
                if ru {
                    format!("Переведён в PDF ({pages} стр.)")
                } else {
                    format!("Converted to PDF ({pages} pages)")
                },
            ),
        };
        AppliedFix { code, message }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixError {
    /// The file cannot be made acceptable; the check's findings say why.
    #[error("refused: {}", .0.iter().map(|f| f.code.as_str()).collect::<Vec<_>>().join(", "))]
    Refused(Vec<PrepareFinding>),
    /// The pixels could not be read although the headers looked sound.
    #[error("cannot read the picture: {0}")]
    Damaged(String),
    /// Decoding it would take more memory than it may (too many pages, or too large ones).
    #[error("{name} is too large to decode: {bytes} bytes, at most {limit}")]
    TooBig {
        name: String,
        pages: usize,
        bytes: u64,
        limit: u64,
    },
    #[error("cancelled")]
    Cancelled,
}

impl Localized for FixError {
    fn code(&self) -> Code {
        match self {
            FixError::Refused(_) => Code::Refused,
            FixError::Damaged(_) => Code::Corrupt,
            FixError::TooBig { .. } => Code::TooManyPixels,
            FixError::Cancelled => Code::Cancelled,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            FixError::Refused(problems) => problems
                .iter()
                .map(|p| p.message.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            FixError::Damaged(why) => match lang {
                Lang::Ru => {
                    format!("Изображение повреждено ({why}). Сделайте снимок или скан заново.")
                }
                Lang::En => {
                    format!("The picture is damaged ({why}). Take the photo or scan again.")
                }
            },
            FixError::TooBig {
                name,
                pages,
                bytes,
                limit,
            } => budget::too_big_message(name, *pages, *bytes, *limit, lang),
            FixError::Cancelled => lang.pick("Остановлено.", "Stopped.").into(),
        }
    }
}

impl From<RasterError> for FixError {
    fn from(e: RasterError) -> Self {
        // The file's name is filled in by `fix_bytes`, which knows it.
        match e {
            RasterError::Cancelled => FixError::Cancelled,
            RasterError::PagesOverBudget {
                pages,
                bytes,
                budget,
            } => FixError::TooBig {
                name: String::new(),
                pages,
                bytes,
                limit: budget,
            },
            RasterError::OverBudget { bytes, budget } => FixError::TooBig {
                name: String::new(),
                pages: 1,
                bytes,
                limit: budget,
            },
            other => FixError::Damaged(other.to_string()),
        }
    }
}

/// Where a PDF's pages come from: one picture already decoded, or a TIFF's pages, decoded
/// again one at a time each time they are walked.
enum Pages<'a> {
    One {
        image: &'a DynamicImage,
        dpi: Option<(u32, u32)>,
    },
    Tiff(tiff_pages::Pages<'a>),
}

impl Pages<'_> {
    fn count(&self) -> usize {
        match self {
            Pages::One { .. } => 1,
            Pages::Tiff(pages) => pages.count(),
        }
    }

    /// Hands each page to `each` in order, until it says stop; a TIFF page is gone before
    /// the next one is decoded.
    fn each(
        &self,
        cancel: &AtomicBool,
        mut each: impl FnMut(&DynamicImage, Option<(u32, u32)>) -> Result<ControlFlow<()>, FixError>,
    ) -> Result<(), FixError> {
        match self {
            Pages::One { image, dpi } => each(image, *dpi).map(drop),
            Pages::Tiff(pages) => pages.each(cancel, |page| each(&page.image, page.dpi)),
        }
    }
}

/// A file made acceptable: its new name, format and bytes, and what was done.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub name: String,
    pub format: FileFormat,
    pub bytes: Vec<u8>,
    pub applied: Vec<AppliedFix>,
}

/// The limits a fix must meet, read from the profile.
struct Target<'a> {
    profile: &'a Profile,
    cancel: &'a AtomicBool,
    actions: Vec<Action>,
}

impl Target<'_> {
    fn accepts(&self, f: FileFormat) -> bool {
        self.profile.formats.contains(&f)
    }

    fn max_bytes(&self) -> u64 {
        self.profile.max_file_bytes
    }

    /// Downscales to the profile's pixel limit, when the picture is above it.
    fn within_pixels<'i>(
        &mut self,
        img: &'i DynamicImage,
    ) -> Result<Cow<'i, DynamicImage>, RasterError> {
        let (w, h) = (img.width(), img.height());
        let (nw, nh) = raster::fit_pixels(w, h, self.profile.max_pixels);
        if (nw, nh) == (w, h) {
            return Ok(Cow::Borrowed(img));
        }
        self.actions.push(Action::Downscaled {
            from: (w, h),
            to: (nw, nh),
        });
        raster::resize(img, nw, nh).map(Cow::Owned)
    }

    /// A JPEG that fits, reporting any further shrinking the size limit forced.
    fn fitted_jpeg(
        &mut self,
        img: &DynamicImage,
        ceiling: u8,
        dpi: Option<(u32, u32)>,
        max_bytes: u64,
    ) -> Result<Vec<u8>, RasterError> {
        let before = (img.width(), img.height());
        let (bytes, quality, after) =
            raster::fit_jpeg_shrinking(img, max_bytes, ceiling, dpi, self.cancel)?;
        if after != before {
            // One «downscale» line with the whole way, not one per step.
            let from = match self
                .actions
                .iter()
                .position(|a| matches!(a, Action::Downscaled { .. }))
            {
                Some(i) => match self.actions.remove(i) {
                    Action::Downscaled { from, .. } => from,
                    _ => before,
                },
                None => before,
            };
            self.actions.push(Action::Downscaled { from, to: after });
        }
        self.actions.push(Action::Recompressed { quality });
        Ok(bytes)
    }

    fn jpeg(&mut self, bytes: &[u8], d: &Detection) -> Result<(Vec<u8>, FileFormat), FixError> {
        let orientation = d.facts.orientation.unwrap_or(1);
        let pixels = u64::from(d.facts.width.unwrap_or(0)) * u64::from(d.facts.height.unwrap_or(0));
        let needs_pixels = orientation > 1
            || pixels > self.profile.max_pixels
            || bytes.len() as u64 > self.max_bytes();
        let jpeg = if needs_pixels {
            let (mut img, _held) = raster::decode(bytes, ImageFormat::Jpeg, self.cancel)?;
            if orientation > 1 {
                raster::orient(&mut img, orientation);
                self.actions.push(Action::Rotated);
            }
            let img = raster::normalise(img);
            let img = self.within_pixels(&img)?;
            // Saving above the source's own quality only makes the file bigger.
            let ceiling = raster::estimate_quality(bytes).unwrap_or(raster::TOP_QUALITY);
            let out = self.fitted_jpeg(&img, ceiling, d.facts.dpi, self.max_bytes())?;
            if d.facts.metadata {
                self.actions.push(Action::MetadataStripped {
                    location: d.facts.location,
                });
            }
            out
        } else if d.facts.metadata {
            match jpeg_meta::strip_metadata(bytes) {
                Some(stripped) => {
                    self.actions.push(Action::MetadataStripped {
                        location: d.facts.location,
                    });
                    stripped
                }
                None => bytes.to_vec(),
            }
        } else {
            bytes.to_vec()
        };
        if self.accepts(FileFormat::Jpeg) || !self.accepts(FileFormat::Pdf) {
            return Ok((jpeg, FileFormat::Jpeg));
        }
        let page = detect(&jpeg);
        let pdf = build_pdf(&[PageImage::Jpeg {
            width: page.facts.width.unwrap_or(1),
            height: page.facts.height.unwrap_or(1),
            components: page.facts.components.unwrap_or(3),
            dpi: page.facts.dpi,
            rotate: 0,
            bytes: Cow::Owned(jpeg),
        }]);
        self.actions.push(Action::ToPdf { pages: 1 });
        Ok((pdf, FileFormat::Pdf))
    }

    fn png(&mut self, bytes: &[u8], d: &Detection) -> Result<(Vec<u8>, FileFormat), FixError> {
        let pixels = u64::from(d.facts.width.unwrap_or(0)) * u64::from(d.facts.height.unwrap_or(0));
        let fits = bytes.len() as u64 <= self.max_bytes() && pixels <= self.profile.max_pixels;
        if fits && self.accepts(FileFormat::Png) {
            return Ok((bytes.to_vec(), FileFormat::Png));
        }
        let (img, _held) = raster::decode(bytes, ImageFormat::Png, self.cancel)?;
        let before = u64::from(img.width()) * u64::from(img.height());
        let img = self.within_pixels(&img)?;
        let after = u64::from(img.width()) * u64::from(img.height());
        // A PNG shrinks about with its pixels; re-encoding one that cannot fit only costs time.
        let may_fit =
            (bytes.len() as u64).saturating_mul(after) / before.max(1) <= self.max_bytes();
        if self.accepts(FileFormat::Png) && may_fit {
            let mut png = Vec::new();
            let encoder = image::codecs::png::PngEncoder::new_with_quality(
                &mut png,
                image::codecs::png::CompressionType::Best,
                image::codecs::png::FilterType::Adaptive,
            );
            if img.write_with_encoder(encoder).is_ok() && png.len() as u64 <= self.max_bytes() {
                return Ok((png, FileFormat::Png));
            }
        }
        let img = raster::normalised(&img);
        if self.accepts(FileFormat::Jpeg) {
            let out = self.fitted_jpeg(&img, raster::TOP_QUALITY, d.facts.dpi, self.max_bytes())?;
            self.actions.push(Action::PngToJpeg);
            return Ok((out, FileFormat::Jpeg));
        }
        self.pdf_of(&Pages::One {
            image: &img,
            dpi: d.facts.dpi,
        })
    }

    fn tiff(&mut self, bytes: &[u8], d: &Detection) -> Result<(Vec<u8>, FileFormat), FixError> {
        let compressed = d.facts.tiff_compression.iter().any(|c| *c != 1);
        let pixels = u64::from(d.facts.width.unwrap_or(0)) * u64::from(d.facts.height.unwrap_or(0));
        let fine = self.accepts(FileFormat::Tiff)
            && !(compressed && self.profile.tiff_uncompressed_only)
            && bytes.len() as u64 <= self.max_bytes()
            && pixels <= self.profile.max_pixels;
        if fine {
            return Ok((bytes.to_vec(), FileFormat::Tiff));
        }
        self.pdf_of(&Pages::Tiff(tiff_pages::open(bytes)?))
    }

    /// Pages into a PDF, one at a time: lossless Flate first, given up as soon as it outgrows
    /// the limit; then JPEG pages, each fitted to its share of the limit. A TIFF's pages are
    /// decoded again for the second way rather than all kept in memory for it.
    fn pdf_of(&mut self, pages: &Pages<'_>) -> Result<(Vec<u8>, FileFormat), FixError> {
        if !self.accepts(FileFormat::Pdf) {
            return Err(FixError::Damaged(
                "the profile takes no PDF to convert into".into(),
            ));
        }
        let count = pages.count();
        let max_bytes = self.max_bytes();
        let cancel = self.cancel;
        let actions_before = self.actions.len();
        let mut lossless = PdfWriter::new();
        let mut outgrown = false;
        pages.each(cancel, |image, dpi| {
            let small = self.within_pixels(image)?;
            lossless.add(&PageImage::Pixels {
                image: &raster::normalised(&small),
                dpi,
            });
            outgrown = lossless.len() as u64 > max_bytes;
            Ok(if outgrown {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        })?;
        let lossless = (!outgrown).then(|| lossless.finish());
        if let Some(pdf) = lossless.filter(|pdf| pdf.len() as u64 <= max_bytes) {
            self.actions.push(Action::ToPdf { pages: count });
            return Ok((pdf, FileFormat::Pdf));
        }
        // The second walk says again what it does to each page.
        self.actions.truncate(actions_before);
        // Room for the PDF's own structure, then an equal share a page.
        let share = max_bytes.saturating_sub(4096) / count.max(1) as u64;
        let mut pdf = PdfWriter::new();
        pages.each(cancel, |image, dpi| {
            let small = self.within_pixels(image)?;
            let page = raster::normalised(&small);
            let before = (page.width(), page.height());
            let jpeg = self.fitted_jpeg(&page, raster::TOP_QUALITY, dpi, share)?;
            let facts = detect(&jpeg).facts;
            pdf.add(&PageImage::Jpeg {
                width: facts.width.unwrap_or(before.0),
                height: facts.height.unwrap_or(before.1),
                components: facts.components.unwrap_or(3),
                dpi,
                rotate: 0,
                bytes: Cow::Owned(jpeg),
            });
            Ok(ControlFlow::Continue(()))
        })?;
        // Each page adds its own line; one summary line says it better.
        let min_q = self
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::Recompressed { quality } => Some(*quality),
                _ => None,
            })
            .min();
        self.actions
            .retain(|a| !matches!(a, Action::Recompressed { .. }));
        if let Some(quality) = min_q {
            self.actions.push(Action::Recompressed { quality });
        }
        self.actions.push(Action::ToPdf { pages: count });
        Ok((pdf.finish(), FileFormat::Pdf))
    }
}

/// Fixes one file's bytes. `name` is its current file name, `stem` the output name without
/// extension (already unique in its set). The output passes the profile's check, or this
/// returns why it cannot.
pub fn fix_bytes(
    name: &str,
    stem: &str,
    bytes: &[u8],
    options: &FixOptions,
    cancel: &AtomicBool,
) -> Result<Prepared, FixError> {
    let lang = options.lang;
    let profile = &options.profile;
    let report = check_bytes(name, bytes, profile, lang);
    if report.verdict == Verdict::Rejected {
        return Err(FixError::Refused(report.problems));
    }
    let d = detect(bytes);
    let mut target = Target {
        profile,
        cancel,
        actions: Vec::new(),
    };
    let fixed = match d.format {
        FileFormat::Jpeg => target.jpeg(bytes, &d),
        FileFormat::Png => target.png(bytes, &d),
        FileFormat::Tiff => target.tiff(bytes, &d),
        FileFormat::Pdf | FileFormat::Docx => Ok((bytes.to_vec(), d.format)),
        FileFormat::Unknown => return Err(FixError::Refused(report.problems)),
    };
    let (out, format) = fixed.map_err(|e| match e {
        FixError::TooBig {
            pages,
            bytes,
            limit,
            ..
        } => FixError::TooBig {
            name: name.to_owned(),
            pages,
            bytes,
            limit,
        },
        other => other,
    })?;
    let ext = format.extensions().first().copied().unwrap_or("bin");
    let out_name = format!("{stem}.{ext}");
    if out_name != name {
        target.actions.insert(
            0,
            Action::Renamed {
                to: out_name.clone(),
            },
        );
    }
    let again = check_bytes(&out_name, &out, profile, lang);
    if again.verdict != Verdict::Ok {
        return Err(FixError::Refused(again.problems));
    }
    Ok(Prepared {
        name: out_name,
        format,
        bytes: out,
        applied: target.actions.iter().map(|a| a.applied(lang)).collect(),
    })
}
