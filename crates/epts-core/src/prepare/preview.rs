//! Small previews of pictures for the desktop's «Подготовка»: a bounded decode (the same
//! limits as every other decode of untrusted pictures) scaled down to a small JPEG.
//!
//! The pixels are shown as the file stores them, without applying its EXIF orientation, so a
//! photo upright only through its tag looks sideways here — as it may on the portal — and
//! the fixed copy shows the difference.

use super::budget::{self, Reservation};
use super::detect::{FileFormat, detect};
use super::raster::{self, RasterError};
use crate::Code;
use crate::lang::{Lang, Localized};
use image::{DynamicImage, ImageFormat};

/// The largest preview side asked for is clamped to this.
pub const MAX_PREVIEW_SIDE: u32 = 1024;

/// A preview: a small JPEG and the size of the picture it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub jpeg: Vec<u8>,
    /// The original picture's width and height in pixels.
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreviewError {
    #[error("not a picture ({0})")]
    NotImage(&'static str),
    #[error("the picture is too large to preview ({width}×{height})")]
    TooLarge { width: u32, height: u32 },
    #[error("cannot decode the picture: {0}")]
    Decode(String),
}

impl Localized for PreviewError {
    fn code(&self) -> Code {
        match self {
            PreviewError::NotImage(_) => Code::NotImage,
            PreviewError::TooLarge { .. } => Code::TooManyPixels,
            PreviewError::Decode(_) => Code::Corrupt,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PreviewError::NotImage(_), Lang::Ru) => {
                "Для этого файла нет картинки предпросмотра.".into()
            }
            (PreviewError::NotImage(_), Lang::En) => "This file has no picture to preview.".into(),
            (PreviewError::TooLarge { width, height }, Lang::Ru) => {
                format!("Изображение {width}×{height} слишком велико для предпросмотра.")
            }
            (PreviewError::TooLarge { width, height }, Lang::En) => {
                format!("The {width}×{height} picture is too large to preview.")
            }
            (PreviewError::Decode(_), Lang::Ru) => {
                "Изображение повреждено, предпросмотр недоступен.".into()
            }
            (PreviewError::Decode(_), Lang::En) => {
                "The picture is damaged; no preview is available.".into()
            }
        }
    }
}

/// Decodes with the same bounds and the same memory budget as the fixes (`raster::decode`);
/// `size` is what the headers said, for the message when the budget refuses it.
fn decode(
    bytes: &[u8],
    format: ImageFormat,
    size: (u32, u32),
) -> Result<(DynamicImage, Reservation), PreviewError> {
    raster::decode(bytes, format, &budget::NEVER).map_err(|e| match e {
        RasterError::TooLarge { width, height } => PreviewError::TooLarge { width, height },
        RasterError::OverBudget { .. } | RasterError::PagesOverBudget { .. } => {
            PreviewError::TooLarge {
                width: size.0,
                height: size.1,
            }
        }
        other => PreviewError::Decode(other.to_string()),
    })
}

/// A JPEG, PNG or TIFF (first page) scaled to fit `max_side` (at most
/// [`MAX_PREVIEW_SIDE`]), as a small JPEG on white.
pub fn thumbnail(bytes: &[u8], max_side: u32) -> Result<Thumbnail, PreviewError> {
    let detection = detect(bytes);
    let format = match detection.format {
        FileFormat::Jpeg => ImageFormat::Jpeg,
        FileFormat::Png => ImageFormat::Png,
        FileFormat::Tiff => ImageFormat::Tiff,
        other => return Err(PreviewError::NotImage(other.as_str())),
    };
    if let Some(why) = detection.corrupt {
        return Err(PreviewError::Decode(why));
    }
    let size = (
        detection.facts.width.unwrap_or(0),
        detection.facts.height.unwrap_or(0),
    );
    // The reservation lives to the end, as long as pixels made from the picture do.
    let (img, _held) = decode(bytes, format, size)?;
    let (width, height) = (img.width(), img.height());
    let side = max_side.clamp(16, MAX_PREVIEW_SIDE);
    let small = if width > side || height > side {
        img.thumbnail(side, side)
    } else {
        img
    };
    let small = super::raster::normalise(small);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 82)
        .encode_image(&small)
        .map_err(|e| PreviewError::Decode(e.to_string()))?;
    Ok(Thumbnail {
        jpeg,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            w,
            h,
            image::Rgba([10, 20, 30, 128]),
        ));
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
            .expect("png");
        out
    }

    #[test]
    fn a_picture_becomes_a_small_jpeg() {
        let t = thumbnail(&png(800, 400), 200).expect("thumbnail");
        assert_eq!((t.width, t.height), (800, 400));
        let back = image::load_from_memory_with_format(&t.jpeg, ImageFormat::Jpeg).expect("jpeg");
        assert_eq!((back.width(), back.height()), (200, 100));
    }

    #[test]
    fn a_small_picture_is_not_enlarged() {
        let t = thumbnail(&png(40, 30), 200).expect("thumbnail");
        let back = image::load_from_memory(&t.jpeg).expect("jpeg");
        assert_eq!((back.width(), back.height()), (40, 30));
    }

    #[test]
    fn anything_else_is_no_picture() {
        assert_eq!(
            thumbnail(b"%PDF-1.7\n", 200)
                .expect_err("a PDF is not a picture")
                .code(),
            Code::NotImage
        );
        assert!(thumbnail(&png(40, 30)[..60], 200).is_err());
    }
}
