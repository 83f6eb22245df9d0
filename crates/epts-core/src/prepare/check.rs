//! Checks a file, or a set of files, against a profile: every problem with a stable code,
//! words a person understands, and the fix when there is one.

use super::detect::{Detection, FileFormat, detect};
use super::profile::Profile;
use super::raster::RasterError;
use super::tiff_pages;
use crate::Code;
use crate::lang::{Lang, Localized};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Files larger than this are not read into memory to be checked.
const MAX_READ_BYTES: u64 = 1024 * 1024 * 1024;
/// How deep folders are walked.
const MAX_DEPTH: usize = 8;

/// What is wrong with a file (or a set), as a person should hear it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    EmptyFile,
    Corrupt(String),
    UnsupportedFormat {
        format: FileFormat,
        looks_like: Option<&'static str>,
    },
    ExtensionMismatch {
        format: FileFormat,
        extension: String,
    },
    TooLarge {
        bytes: u64,
        limit: u64,
    },
    TotalTooLarge {
        bytes: u64,
        limit: u64,
    },
    Encrypted,
    TiffCompressed,
    BadName(String),
    MacroDocument,
    TooManyPixels {
        pixels: u64,
        limit: u64,
    },
    Unreadable(String),
    /// A photo shown upright only through its EXIF tag.
    Rotated,
    /// A photo that says where it was taken.
    Location,
    /// A multi-page file whose pages together would take more memory to decode than one
    /// file may (`tiff_pages::FILE_BUDGET`): too many pages, or too large ones.
    PagesTooLarge {
        name: String,
        pages: usize,
        bytes: u64,
        limit: u64,
    },
}

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

impl Localized for Problem {
    fn code(&self) -> Code {
        match self {
            Problem::EmptyFile => Code::EmptyFile,
            Problem::Corrupt(_) => Code::Corrupt,
            Problem::UnsupportedFormat { .. } => Code::UnsupportedFormat,
            Problem::ExtensionMismatch { .. } => Code::ExtensionMismatch,
            Problem::TooLarge { .. } => Code::TooLarge,
            Problem::TotalTooLarge { .. } => Code::TotalTooLarge,
            Problem::Encrypted => Code::Encrypted,
            Problem::TiffCompressed => Code::TiffCompressed,
            Problem::BadName(_) => Code::BadName,
            Problem::MacroDocument => Code::MacroDocument,
            Problem::TooManyPixels { .. } => Code::TooManyPixels,
            Problem::Unreadable(_) => Code::Unreadable,
            Problem::Rotated => Code::ExifRotated,
            Problem::Location => Code::LocationMetadata,
            Problem::PagesTooLarge { .. } => Code::TooManyPixels,
        }
    }

    fn message(&self, lang: Lang) -> String {
        let ru = lang == Lang::Ru;
        match self {
            Problem::EmptyFile => lang.pick("Файл пустой (0 байт). Отсканируйте или сохраните документ заново.", "The file is empty (0 bytes). Scan or save the document again.").into(),
            Problem::Corrupt(why) => if ru { format!("Файл повреждён и не откроется на портале ({why}). Сохраните или отсканируйте его заново.") } else { format!("The file is damaged and will not open on the portal ({why}). Save or scan it again.") },
            Problem::UnsupportedFormat { format: FileFormat::Unknown, looks_like } => {
                let what = looks_like.map(|l| format!(" ({l})")).unwrap_or_default();
                if ru { format!("Портал не принимает такой формат{what}. Сохраните документ как PDF или JPEG.") } else { format!("The portal does not accept this format{what}. Save the document as PDF or JPEG.") }
            }
            Problem::UnsupportedFormat { format, .. } => if ru { format!("Этот портал не принимает {}. Его можно перевести в PDF.", format.as_str().to_uppercase()) } else { format!("This portal does not accept {}. It can be converted to PDF.", format.as_str().to_uppercase()) },
            Problem::ExtensionMismatch { format, extension } => if ru { format!("Расширение «.{extension}» не соответствует содержимому — это {}. Файл будет переименован.", format.as_str().to_uppercase()) } else { format!("The extension «.{extension}» does not match the content, which is {}. The file will be renamed.", format.as_str().to_uppercase()) },
            Problem::TooLarge { bytes, limit } => if ru { format!("Файл весит {} МБ, а портал принимает не больше {} МБ.", mb(*bytes), mb(*limit)) } else { format!("The file is {} MB, and the portal takes at most {} MB.", mb(*bytes), mb(*limit)) },
            Problem::TotalTooLarge { bytes, limit } => if ru { format!("Все файлы вместе весят {} МБ, а в одно заявление помещается не больше {} МБ. Уменьшите файлы или разделите заявление.", mb(*bytes), mb(*limit)) } else { format!("The files add up to {} MB, and one application takes at most {} MB. Shrink the files or split the application.", mb(*bytes), mb(*limit)) },
            Problem::Encrypted => lang.pick("Файл защищён паролем — портал такие не принимает. Сохраните его без пароля в программе, где он создан.", "The file is password-protected, which the portal refuses. Save it without a password in the program that made it.").into(),
            Problem::TiffCompressed => lang.pick("TIFF со сжатием портал не принимает. Файл можно перевести в PDF.", "The portal refuses compressed TIFF. The file can be converted to PDF.").into(),
            Problem::BadName(name) => if ru { format!("Имя «{name}» содержит символы, кроме латинских букв, цифр, «-» и «_». Файл будет переименован латиницей.") } else { format!("The name «{name}» has characters other than Latin letters, digits, «-» and «_». The file will be renamed in Latin letters.") },
            Problem::MacroDocument => lang.pick("Документ Word с макросами портал не примет. Сохраните его как обычный .docx или PDF.", "The portal will not take a Word document with macros. Save it as a plain .docx or PDF.").into(),
            Problem::TooManyPixels { pixels, limit } => if ru { format!("Изображение слишком большое: {} Мп при пределе {} Мп.", pixels / 1_000_000, limit / 1_000_000) } else { format!("The image is too large: {} MP, the limit is {} MP.", pixels / 1_000_000, limit / 1_000_000) },
            Problem::Rotated => lang.pick("Фото повёрнуто только меткой EXIF — на портале оно может оказаться боком. Исправление повернёт само изображение.", "The photo is upright only through its EXIF tag and may show sideways on the portal. The fix turns the picture itself.").into(),
            Problem::Location => lang.pick("В фото записаны координаты места съёмки — они уйдут на портал вместе с файлом. Исправление удалит их.", "The photo records where it was taken, which would go to the portal with it. The fix removes it.").into(),
            Problem::Unreadable(why) => if ru { format!("Файл не удалось прочитать: {why}.") } else { format!("The file could not be read: {why}.") },
            Problem::PagesTooLarge { name, pages, bytes, limit } => super::budget::too_big_message(name, *pages, *bytes, *limit, lang),
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Fixable,
    Rejected,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrepareFinding {
    pub code: Code,
    pub message: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrepareFileReport {
    pub path: String,
    pub format: FileFormat,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    pub verdict: Verdict,
    pub problems: Vec<PrepareFinding>,
    /// Fixes that would make the file acceptable (applied by `prepare fix`).
    pub fixes: Vec<&'static str>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrepareReport {
    pub profile: String,
    pub files: Vec<PrepareFileReport>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total_bytes: u64,
    pub set_problems: Vec<PrepareFinding>,
}

impl PrepareReport {
    /// Every file acceptable as it is, and the set too.
    pub fn all_ok(&self) -> bool {
        self.set_problems.is_empty() && self.files.iter().all(|f| f.verdict == Verdict::Ok)
    }
}

fn name_is_latin(stem: &str) -> bool {
    !stem.is_empty()
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Judges one file's bytes; `name` is its file name (for the extension and name rules).
pub fn check_bytes(name: &str, bytes: &[u8], profile: &Profile, lang: Lang) -> PrepareFileReport {
    let mut problems: Vec<(Problem, Verdict, Option<&'static str>)> = Vec::new();
    let detection = if bytes.is_empty() {
        problems.push((Problem::EmptyFile, Verdict::Rejected, None));
        Detection {
            format: FileFormat::Unknown,
            facts: Default::default(),
            corrupt: None,
        }
    } else {
        detect(bytes)
    };
    let format = detection.format;
    let facts = &detection.facts;
    if let Some(why) = &detection.corrupt {
        problems.push((Problem::Corrupt(why.clone()), Verdict::Rejected, None));
    } else if !bytes.is_empty() {
        if !profile.formats.contains(&format) {
            let convertible = matches!(
                format,
                FileFormat::Jpeg | FileFormat::Png | FileFormat::Tiff
            ) && profile.formats.contains(&FileFormat::Pdf);
            problems.push((
                Problem::UnsupportedFormat {
                    format,
                    looks_like: facts.looks_like,
                },
                if convertible {
                    Verdict::Fixable
                } else {
                    Verdict::Rejected
                },
                convertible.then_some("convert_to_pdf"),
            ));
        }
        if facts.encrypted {
            problems.push((Problem::Encrypted, Verdict::Rejected, None));
        }
        if facts.macro_enabled {
            problems.push((Problem::MacroDocument, Verdict::Rejected, None));
        }
        // A bomb of pages is refused here, from the headers, before a fix decodes any. One
        // page too large is the pixel limit's to judge, below.
        let many_pages = format == FileFormat::Tiff && facts.pages.is_some_and(|p| p > 1);
        if let Some(Err(RasterError::PagesOverBudget {
            pages,
            bytes: need,
            budget,
        })) = many_pages.then(|| tiff_pages::open(bytes))
        {
            problems.push((
                Problem::PagesTooLarge {
                    name: name.to_owned(),
                    pages,
                    bytes: need,
                    limit: budget,
                },
                Verdict::Rejected,
                None,
            ));
        }
        if format == FileFormat::Tiff
            && profile.tiff_uncompressed_only
            && facts.tiff_compression.iter().any(|c| *c != 1)
        {
            problems.push((
                Problem::TiffCompressed,
                Verdict::Fixable,
                Some("convert_to_pdf"),
            ));
        }
        if let (Some(w), Some(h)) = (facts.width, facts.height) {
            let pixels = u64::from(w) * u64::from(h);
            if pixels > profile.max_pixels {
                // Far beyond any scan or photo: a decompression bomb, not a picture to shrink.
                let absurd = pixels > profile.max_pixels.saturating_mul(4);
                problems.push((
                    Problem::TooManyPixels {
                        pixels,
                        limit: profile.max_pixels,
                    },
                    if absurd {
                        Verdict::Rejected
                    } else {
                        Verdict::Fixable
                    },
                    (!absurd).then_some("downscale"),
                ));
            }
        }
        if format == FileFormat::Jpeg && facts.orientation.is_some_and(|o| o > 1) {
            problems.push((Problem::Rotated, Verdict::Fixable, Some("auto_rotate")));
        }
        if facts.location {
            problems.push((Problem::Location, Verdict::Fixable, Some("strip_metadata")));
        }
        let size = bytes.len() as u64;
        if size > profile.max_file_bytes {
            let fix = match format {
                FileFormat::Jpeg => Some("recompress_jpeg"),
                FileFormat::Png => Some("png_to_jpeg"),
                _ => None,
            };
            problems.push((
                Problem::TooLarge {
                    bytes: size,
                    limit: profile.max_file_bytes,
                },
                if fix.is_some() {
                    Verdict::Fixable
                } else {
                    Verdict::Rejected
                },
                fix,
            ));
        }
    }
    let (stem, extension) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, e.to_lowercase()),
        _ => (name, String::new()),
    };
    if format != FileFormat::Unknown && !format.extensions().contains(&extension.as_str()) {
        problems.push((
            Problem::ExtensionMismatch { format, extension },
            Verdict::Fixable,
            Some("rename"),
        ));
    }
    if profile.latin_names && !name_is_latin(stem) {
        problems.push((
            Problem::BadName(name.to_owned()),
            Verdict::Fixable,
            Some("rename_latin"),
        ));
    }
    let verdict = problems.iter().map(|(_, v, _)| *v).max_by_key(|v| match v {
        Verdict::Ok => 0,
        Verdict::Fixable => 1,
        Verdict::Rejected => 2,
    });
    let mut fixes: Vec<&'static str> = problems.iter().filter_map(|(_, _, f)| *f).collect();
    fixes.dedup();
    PrepareFileReport {
        path: name.to_owned(),
        format,
        bytes: bytes.len() as u64,
        verdict: verdict.unwrap_or(Verdict::Ok),
        problems: problems
            .iter()
            .map(|(p, _, _)| PrepareFinding {
                code: p.code(),
                message: p.message(lang),
            })
            .collect(),
        fixes: if verdict == Some(Verdict::Rejected) {
            Vec::new()
        } else {
            fixes
        },
    }
}

fn collect(path: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        if depth >= MAX_DEPTH {
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            collect(&entry, depth + 1, out)?;
        }
    } else {
        out.push(path.to_owned());
    }
    Ok(())
}

/// Every file under `paths` (folders walked, sorted), in order; an unreadable folder is kept
/// as itself so that reading it reports the error.
pub fn collect_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        let mut found = Vec::new();
        match collect(path, 0, &mut found) {
            Ok(()) => out.extend(found),
            Err(_) => out.push(path.clone()),
        }
    }
    out
}

/// Checks files and folders (walked, sorted) as one set, e.g. one application.
pub fn check_paths(paths: &[PathBuf], profile: &Profile, lang: Lang) -> PrepareReport {
    let mut files = Vec::new();
    for path in paths {
        let mut found = Vec::new();
        if let Err(e) = collect(path, 0, &mut found) {
            files.push(unreadable(path, &e.to_string(), lang));
            continue;
        }
        for file in found {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let report = match std::fs::metadata(&file) {
                Ok(m) if m.len() > MAX_READ_BYTES => {
                    let mut r = check_bytes(&name, &[], profile, lang);
                    r.bytes = m.len();
                    r.problems = vec![PrepareFinding {
                        code: Code::TooLarge,
                        message: Problem::TooLarge {
                            bytes: m.len(),
                            limit: profile.max_file_bytes,
                        }
                        .message(lang),
                    }];
                    r.verdict = Verdict::Rejected;
                    r
                }
                Ok(_) => match std::fs::read(&file) {
                    Ok(bytes) => check_bytes(&name, &bytes, profile, lang),
                    Err(e) => unreadable(&file, &e.to_string(), lang),
                },
                Err(e) => unreadable(&file, &e.to_string(), lang),
            };
            files.push(PrepareFileReport {
                path: file.display().to_string(),
                ..report
            });
        }
    }
    let total_bytes: u64 = files.iter().map(|f| f.bytes).sum();
    let mut set_problems = Vec::new();
    if let Some(limit) = profile.max_set_bytes.filter(|l| total_bytes > *l) {
        let p = Problem::TotalTooLarge {
            bytes: total_bytes,
            limit,
        };
        set_problems.push(PrepareFinding {
            code: p.code(),
            message: p.message(lang),
        });
    }
    PrepareReport {
        profile: profile.name.clone(),
        files,
        total_bytes,
        set_problems,
    }
}

fn unreadable(path: &Path, why: &str, lang: Lang) -> PrepareFileReport {
    let p = Problem::Unreadable(why.to_owned());
    PrepareFileReport {
        path: path.display().to_string(),
        format: FileFormat::Unknown,
        bytes: 0,
        verdict: Verdict::Rejected,
        problems: vec![PrepareFinding {
            code: p.code(),
            message: p.message(lang),
        }],
        fixes: Vec::new(),
    }
}
