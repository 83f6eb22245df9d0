//! DOCX: a real Office Open XML package, or a zip that only pretends. Bounded against zip
//! bombs: the number of entries and every declared size are capped, and the one entry read
//! (`[Content_Types].xml`) is read through a hard limit.

use super::{Detection, Facts, FileFormat};
use std::io::Read;

const MAX_ENTRIES: usize = 10_000;
/// No genuine document inflates beyond this; a bomb declares or inflates to more.
const MAX_TOTAL_UNPACKED: u64 = 256 * 1024 * 1024;
const MAX_CONTENT_TYPES: u64 = 1024 * 1024;

pub(super) fn detect(bytes: &[u8]) -> Detection {
    let mut facts = Facts::default();
    let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(a) => a,
        Err(_) => {
            return Detection::corrupt(
                FileFormat::Unknown,
                Facts {
                    looks_like: Some("zip"),
                    ..facts
                },
                "broken zip",
            );
        }
    };
    if archive.len() > MAX_ENTRIES {
        return Detection::corrupt(
            FileFormat::Unknown,
            Facts {
                looks_like: Some("zip"),
                ..facts
            },
            "too many entries: a zip bomb?",
        );
    }
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            return Detection::corrupt(
                FileFormat::Unknown,
                Facts {
                    looks_like: Some("zip"),
                    ..facts
                },
                "broken zip entry",
            );
        };
        total = total.saturating_add(entry.size());
        let Ok(name) = entry.name() else {
            return Detection::corrupt(
                FileFormat::Unknown,
                Facts {
                    looks_like: Some("zip"),
                    ..facts
                },
                "unreadable entry name",
            );
        };
        names.push(name.into_owned());
    }
    let is_ooxml = names.iter().any(|n| n == "[Content_Types].xml");
    let is_word = names.iter().any(|n| n == "word/document.xml");
    if !(is_ooxml && is_word) {
        facts.looks_like = Some("zip");
        return Detection::ok(FileFormat::Unknown, facts);
    }
    if total > MAX_TOTAL_UNPACKED {
        return Detection::corrupt(
            FileFormat::Docx,
            facts,
            "unpacks to more than 256 MB: a zip bomb?",
        );
    }
    let mut content_types = String::new();
    let read = archive
        .by_name("[Content_Types].xml")
        .map_err(|_| ())
        .and_then(|f| {
            f.take(MAX_CONTENT_TYPES)
                .read_to_string(&mut content_types)
                .map_err(|_| ())
        });
    if read.is_err() {
        return Detection::corrupt(FileFormat::Docx, facts, "unreadable content types");
    }
    facts.macro_enabled = names.iter().any(|n| n.ends_with("vbaProject.bin"))
        || content_types.contains("macroEnabled");
    Detection::ok(FileFormat::Docx, facts)
}
