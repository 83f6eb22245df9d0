//! The check of a whole archive: a flat zip without nested archives, a `req.xml` of the
//! sim's schema, every file it lists present with its SHA-256, and the files within the
//! `elpts` profile (formats by content, sizes, Latin names). Written here on purpose, not
//! borrowed from epts-core: the stand-in must judge the app's output independently.
//!
//! `req.xml`:
//! ```xml
//! <application>
//!   <kind>owner</kind>                      <!-- the service's kind (orders::SERVICES) -->
//!   <vin>XTA21099843576182</vin>
//!   <field name="sim_outcome">clarify</field> <!-- any number of fields -->
//!   <file name="passport.pdf" sha256="…64 hex…"/>
//! </application>
//! ```

use super::req::{Req, parse_req};
use super::status::Processing;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read};
use zip::ZipArchive;

/// The `elpts` profile (DOMAIN.md): a file, and all the documents of an application.
const FILE_LIMIT: usize = 10 * 1024 * 1024;
const APPLICATION_LIMIT: usize = 30 * 1024 * 1024;
const REQ_LIMIT: usize = 1024 * 1024;
const MAX_ENTRIES: usize = 100;
const REQ_XML: &str = "req.xml";

/// What the sim's agency does with an accepted application (`sim_outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accept,
    Clarify,
    Refuse,
}

/// A file of the archive, as the order's details list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    pub name: String,
    pub size: usize,
    pub mime: &'static str,
    /// A detached signature `<name>.sig` came with it.
    pub signed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid {
        outcome: Outcome,
        files: Vec<FileInfo>,
    },
    Invalid {
        code: Processing,
        reason: String,
    },
}

fn invalid(code: Processing, reason: impl Into<String>) -> Verdict {
    Verdict::Invalid {
        code,
        reason: reason.into(),
    }
}

fn structure(reason: impl Into<String>) -> Verdict {
    invalid(Processing::InvalidFilesStructure, reason)
}

fn validation(reason: impl Into<String>) -> Verdict {
    invalid(Processing::ValidationError, reason)
}

/// Judges `archive` for a service whose `req.xml` must say `kind`.
pub fn check(archive: &[u8], kind: &str) -> Verdict {
    match judge(archive, kind) {
        Ok(v) | Err(v) => v,
    }
}

fn judge(archive: &[u8], kind: &str) -> Result<Verdict, Verdict> {
    let entries = read_entries(archive)?;
    let find = |name: &str| entries.iter().find(|(n, _)| n == name);
    let Some((_, req)) = find(REQ_XML) else {
        return Err(invalid(
            Processing::ReqNotFound,
            "В архиве нет файла req.xml",
        ));
    };
    let req: Req = parse_req(req).map_err(|e| validation(format!("req.xml: {e}")))?;
    if req.kind != kind {
        return Err(validation(format!(
            "req.xml: вид заявления «{}» не соответствует услуге («{kind}»)",
            req.kind
        )));
    }
    let outcome = match req.field("sim_outcome") {
        None | Some("accept") => Outcome::Accept,
        Some("clarify") => Outcome::Clarify,
        Some("refuse") => Outcome::Refuse,
        Some(other) => {
            return Err(validation(format!(
                "req.xml: sim_outcome «{other}»: accept, clarify или refuse"
            )));
        }
    };
    for (name, _) in &entries {
        if !latin(name) {
            return Err(validation(format!(
                "Имя файла «{name}»: только латинские буквы, цифры, «.», «-» и «_»"
            )));
        }
        let listed = |n: &str| n == REQ_XML || req.files.iter().any(|(f, _)| f == n);
        match name.strip_suffix(".sig") {
            Some(base) if !listed(base) => {
                return Err(validation(format!(
                    "Подпись {name}: нет подписанного файла {base}"
                )));
            }
            None if !listed(name) => {
                return Err(validation(format!("Файл {name} не указан в req.xml")));
            }
            _ => {}
        }
    }
    let mut files = vec![info(&entries, REQ_XML, "application/xml")];
    let mut total = 0usize;
    let mut mismatch = None;
    for (name, sha) in &req.files {
        let Some((_, bytes)) = find(name) else {
            return Err(validation(format!(
                "Файл {name} указан в req.xml, но его нет в архиве"
            )));
        };
        if bytes.len() > FILE_LIMIT {
            return Err(validation(format!("Файл {name} больше 10 МБ")));
        }
        let mime = format(name, bytes).map_err(validation)?;
        total += bytes.len();
        if total > APPLICATION_LIMIT {
            return Err(validation("Файлы заявления вместе больше 30 МБ"));
        }
        if mismatch.is_none() && !hex(&Sha256::digest(bytes)).eq_ignore_ascii_case(sha) {
            mismatch = Some(name.clone());
        }
        files.push(info(&entries, name, mime));
    }
    for (name, _) in entries.iter().filter(|(n, _)| n.ends_with(".sig")) {
        files.push(info(&entries, name, "application/pkcs7-signature"));
    }
    if let Some(name) = mismatch {
        return Err(invalid(
            Processing::FilesVerificationFailed,
            format!("Контрольная сумма файла {name} не совпадает с указанной в req.xml"),
        ));
    }
    Ok(Verdict::Valid { outcome, files })
}

fn info(entries: &[(String, Vec<u8>)], name: &str, mime: &'static str) -> FileInfo {
    let size = entries
        .iter()
        .find(|(n, _)| n == name)
        .map_or(0, |(_, b)| b.len());
    let sig = format!("{name}.sig");
    FileInfo {
        name: name.to_owned(),
        size,
        mime,
        signed: entries.iter().any(|(n, _)| *n == sig),
    }
}

/// Every file of a flat zip with its bytes (each read at most one byte past its limit).
fn read_entries(archive: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Verdict> {
    let mut zip = ZipArchive::new(Cursor::new(archive))
        .map_err(|e| structure(format!("Архив не читается как zip: {e}")))?;
    if zip.is_empty() {
        return Err(structure("Архив пуст"));
    }
    if zip.len() > MAX_ENTRIES {
        return Err(structure(format!("В архиве больше {MAX_ENTRIES} файлов")));
    }
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let name = match zip.name_for_index(i) {
            Some(Ok(name)) => name.into_owned(),
            _ => return Err(structure(format!("Имя файла №{} не читается", i + 1))),
        };
        if name.contains('/') || name.contains('\\') {
            return Err(structure(format!("В архиве есть папка: {name}")));
        }
        if archive_name(&name) {
            return Err(structure(format!("Вложенный архив: {name}")));
        }
        if names.contains(&name) {
            return Err(structure(format!("Имя {name} повторяется в архиве")));
        }
        names.push(name);
    }
    let mut entries = Vec::with_capacity(names.len());
    let mut read = 0usize;
    for (i, name) in names.into_iter().enumerate() {
        let limit = if name == REQ_XML {
            REQ_LIMIT
        } else {
            FILE_LIMIT
        };
        let mut bytes = Vec::new();
        let file = zip
            .by_index(i)
            .map_err(|e| structure(format!("Файл {name} не читается: {e}")))?;
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| structure(format!("Файл {name} не читается: {e}")))?;
        if nested_archive(&name, &bytes) {
            return Err(structure(format!("Вложенный архив: {name}")));
        }
        read += bytes.len();
        if read > APPLICATION_LIMIT + REQ_LIMIT + FILE_LIMIT {
            return Err(validation("Файлы заявления вместе больше 30 МБ"));
        }
        entries.push((name, bytes));
    }
    Ok(entries)
}

/// Names of archive formats (a nested archive is refused whatever it holds).
fn archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "zip" | "rar" | "7z" | "gz" | "tgz" | "tar" | "bz2" | "xz" | "zst" | "cab" | "arj"
    ) || (ext.len() == 4 && ext.starts_with('z') && ext[1..].bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `bytes` is an archive: a zip (unless it is a DOCX named so), rar, 7z, gzip,
/// bzip2, xz or tar.
fn nested_archive(name: &str, bytes: &[u8]) -> bool {
    let zip = bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(b"PK\x05\x06")
        || bytes.starts_with(b"PK\x07\x08");
    if zip {
        return !(name.to_ascii_lowercase().ends_with(".docx") && is_docx(bytes));
    }
    bytes.starts_with(b"Rar!\x1a\x07")
        || bytes.starts_with(b"7z\xbc\xaf\x27\x1c")
        || bytes.starts_with(&[0x1f, 0x8b])
        || bytes.starts_with(b"BZh")
        || bytes.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0])
        || bytes.get(257..262) == Some(b"ustar")
}

/// A DOCX: a zip with a Word document part and the package's content types.
fn is_docx(bytes: &[u8]) -> bool {
    ZipArchive::new(Cursor::new(bytes)).is_ok_and(|z| {
        z.index_for_name("word/document.xml").is_some()
            && z.index_for_name("[Content_Types].xml").is_some()
    })
}

/// The `elpts` profile's names: Latin letters, digits, `.`, `-`, `_`.
fn latin(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// The file's MIME type when the `elpts` profile takes it (by content, the extension
/// agreeing); else why not.
fn format(name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let (mime, exts): (&'static str, &[&str]) = if bytes.starts_with(b"%PDF-") {
        ("application/pdf", &["pdf"])
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        ("image/jpeg", &["jpg", "jpeg"])
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("image/png", &["png"])
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        ("image/tiff", &["tif", "tiff"])
    } else if is_docx(bytes) {
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &["docx"],
        )
    } else {
        return Err(format!(
            "Файл {name}: недопустимый формат (нужен PDF, JPEG, PNG, TIFF без сжатия или DOCX)"
        ));
    };
    if !exts.contains(&ext.as_str()) {
        return Err(format!(
            "Файл {name}: расширение не соответствует содержимому ({mime})"
        ));
    }
    if mime == "application/pdf" && bytes.windows(8).any(|w| w == b"/Encrypt") {
        return Err(format!("Файл {name} защищён паролем"));
    }
    if mime == "image/tiff" && tiff_compressed(bytes) != Some(false) {
        return Err(format!(
            "Файл {name}: TIFF со сжатием; нужен TIFF без сжатия"
        ));
    }
    Ok(mime)
}

/// Whether the first image of a TIFF is compressed (tag 259 other than 1); `None` when
/// the header cannot be read.
fn tiff_compressed(b: &[u8]) -> Option<bool> {
    let le = b.starts_with(b"II");
    let u16_at = |o: usize| {
        let s: [u8; 2] = b.get(o..o.checked_add(2)?)?.try_into().ok()?;
        Some(if le {
            u16::from_le_bytes(s)
        } else {
            u16::from_be_bytes(s)
        })
    };
    let u32_at = |o: usize| {
        let s: [u8; 4] = b.get(o..o.checked_add(4)?)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    for k in 0..count {
        let entry = ifd + 2 + 12 * k;
        if u16_at(entry)? == 259 {
            let value = match u16_at(entry + 2)? {
                3 => u32::from(u16_at(entry + 8)?),
                _ => u32_at(entry + 8)?,
            };
            return Some(value != 1);
        }
    }
    Some(false)
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiff_compression_is_read_from_the_first_directory() {
        // Little-endian, one IFD at 8 with one entry: Compression = `value`.
        let tiff = |value: u16| {
            let mut b = b"II*\0\x08\0\0\0\x01\0".to_vec();
            b.extend_from_slice(&259u16.to_le_bytes());
            b.extend_from_slice(&3u16.to_le_bytes());
            b.extend_from_slice(&1u32.to_le_bytes());
            b.extend_from_slice(&value.to_le_bytes());
            b.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
            b
        };
        assert_eq!(tiff_compressed(&tiff(1)), Some(false));
        assert_eq!(tiff_compressed(&tiff(5)), Some(true));
        assert_eq!(tiff_compressed(b"II*\0"), None);
        assert!(format("scan.tif", &tiff(1)).is_ok());
        assert!(format("scan.tif", &tiff(7)).is_err());
    }

    #[test]
    fn names_and_formats_follow_the_profile() {
        assert!(latin("scan_1-a.pdf"));
        assert!(!latin("скан.pdf"));
        assert!(!latin("a b.pdf"));
        assert_eq!(format("a.pdf", b"%PDF-1.7"), Ok("application/pdf"));
        assert!(format("a.jpg", b"%PDF-1.7").is_err());
        assert!(format("a.gif", b"GIF89a").is_err());
        assert!(format("a.pdf", b"%PDF-1.7 /Encrypt 5 0 R").is_err());
        assert!(archive_name("inner.zip") && archive_name("a.z001") && !archive_name("a.pdf"));
        assert!(nested_archive("x.pdf", b"PK\x03\x04rest"));
        assert!(nested_archive("x.bin", &[0x1f, 0x8b, 8]));
    }
}
