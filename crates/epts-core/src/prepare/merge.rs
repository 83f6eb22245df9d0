//! Several JPEG photos or scans → one PDF, the way img2pdf does it: each JPEG is embedded
//! byte for byte (DCTDecode), so nothing is re-encoded and no quality is lost. A page takes
//! its size from the image's DPI; without DPI the image is fitted to A4.

use super::detect::{Format, detect};
use crate::lang::{Lang, Localized};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref};

/// A4 in points.
const A4: (f32, f32) = (595.28, 841.89);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error("{name} is not a JPEG")]
    NotJpeg { name: String },
    #[error("{name} is damaged")]
    Damaged { name: String },
}

impl Localized for MergeError {
    fn code(&self) -> &'static str {
        match self {
            MergeError::Empty => "nothing_to_merge",
            MergeError::NotJpeg { .. } => "not_jpeg",
            MergeError::Damaged { .. } => "corrupt",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (MergeError::Empty, Lang::Ru) => "Выберите хотя бы одно изображение.".into(),
            (MergeError::Empty, Lang::En) => "Choose at least one image.".into(),
            (MergeError::NotJpeg { name }, Lang::Ru) => format!(
                "«{name}» — не JPEG. В один PDF сейчас собираются фотографии и сканы в JPEG; сохраните этот файл как JPEG."
            ),
            (MergeError::NotJpeg { name }, Lang::En) => format!(
                "«{name}» is not a JPEG. One PDF is made from JPEG photos and scans; save this file as JPEG."
            ),
            (MergeError::Damaged { name }, Lang::Ru) => {
                format!("«{name}» повреждён и не войдёт в PDF. Сделайте снимок заново.")
            }
            (MergeError::Damaged { name }, Lang::En) => {
                format!("«{name}» is damaged and cannot go into the PDF. Take the picture again.")
            }
        }
    }
}

/// Builds the PDF; `images` are (name, JPEG bytes) in page order.
pub fn jpegs_to_pdf(images: &[(String, Vec<u8>)]) -> Result<Vec<u8>, MergeError> {
    if images.is_empty() {
        return Err(MergeError::Empty);
    }
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let mut next = 3;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let mut pages = Vec::new();
    for (name, bytes) in images {
        let d = detect(bytes);
        if d.format != Format::Jpeg {
            return Err(MergeError::NotJpeg { name: name.clone() });
        }
        let (Some(w), Some(h), None) = (d.facts.width, d.facts.height, &d.corrupt) else {
            return Err(MergeError::Damaged { name: name.clone() });
        };
        let (page_w, page_h) = match d.facts.dpi {
            Some((dx, dy)) if dx >= 50 && dy >= 50 => {
                (w as f32 * 72.0 / dx as f32, h as f32 * 72.0 / dy as f32)
            }
            _ => {
                let scale = (A4.0 / w as f32).min(A4.1 / h as f32);
                (w as f32 * scale, h as f32 * scale)
            }
        };
        let (page_id, image_id, content_id) = (alloc(), alloc(), alloc());
        pages.push(page_id);
        let mut image = pdf.image_xobject(image_id, bytes);
        image.filter(Filter::DctDecode);
        image.width(i32::try_from(w).unwrap_or(i32::MAX));
        image.height(i32::try_from(h).unwrap_or(i32::MAX));
        image.bits_per_component(8);
        match d.facts.components {
            Some(1) => image.color_space().device_gray(),
            Some(4) => image.color_space().device_cmyk(),
            _ => image.color_space().device_rgb(),
        }
        image.finish();
        let mut content = Content::new();
        content.save_state();
        content.transform([page_w, 0.0, 0.0, page_h, 0.0, 0.0]);
        content.x_object(Name(b"Im"));
        content.restore_state();
        pdf.stream(content_id, &content.finish());
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, page_w, page_h));
        page.parent(tree);
        page.contents(content_id);
        page.resources().x_objects().pair(Name(b"Im"), image_id);
        page.finish();
    }
    let count = i32::try_from(pages.len()).unwrap_or(i32::MAX);
    pdf.pages(tree).kids(pages).count(count);
    pdf.catalog(catalog).pages(tree);
    Ok(pdf.finish())
}
