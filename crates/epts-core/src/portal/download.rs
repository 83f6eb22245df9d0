//! Files the user downloads in the portal window: what the shell may take, how often, and
//! under which name. A page of the portal (or a page that got into its window) decides
//! which links exist, so everything here is bounded: one download at a time, a few a
//! minute, documents only (by content, not by name), and names that cannot fool a person
//! or a file system.

use super::address::PortalAddress;
use crate::lang::{Code, Lang, Localized};
use crate::prepare::{FileFormat, detect};
use crate::vault::VaultError;
use reqwest::Url;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Downloads one window of [`DownloadGate::WINDOW`] may start.
pub const MAX_DOWNLOADS_PER_MINUTE: usize = 5;

/// A file fetched by [`super::HttpPortal::download`].
#[derive(Clone)]
pub struct Download {
    /// The name the portal gave (made safe by [`safe_file_name`]), or the URL's last segment.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Download({} bytes)", self.bytes.len())
    }
}

/// Why a download from the portal window was not stored.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("the archive is locked")]
    ArchiveLocked,
    #[error("not logged in")]
    NotLoggedIn,
    /// Too many downloads in a short time: a page cannot make the app fetch without end.
    #[error("too many downloads")]
    Throttled { retry_in: Duration },
    /// The answer is not a PDF, JPEG, PNG or TIFF (an HTML page behind a `.pdf` link).
    #[error("not a document: {looks_like}")]
    NotADocument { looks_like: String },
    #[error(transparent)]
    Portal(#[from] super::PortalError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl Localized for DownloadError {
    fn code(&self) -> Code {
        match self {
            DownloadError::ArchiveLocked => Code::ArchiveLocked,
            DownloadError::NotLoggedIn => Code::NotLoggedIn,
            DownloadError::Throttled { .. } => Code::DownloadsThrottled,
            DownloadError::NotADocument { .. } => Code::DownloadNotDocument,
            DownloadError::Portal(e) => e.code(),
            DownloadError::Vault(e) => e.code(),
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            DownloadError::ArchiveLocked => lang
                .pick(
                    "Архив заперт, и файл не сохранён. Откройте архив и скачайте файл в окне портала снова.",
                    "The archive is locked, so the file was not saved. Open the archive and download it again in the portal window.",
                )
                .to_owned(),
            DownloadError::NotLoggedIn => lang
                .pick(
                    "Файл не сохранён: сеанс на портале не открыт. Войдите через Госуслуги и скачайте файл снова.",
                    "The file was not saved: no portal session. Log in through Gosuslugi and download it again.",
                )
                .to_owned(),
            DownloadError::Throttled { retry_in } => {
                let s = retry_in.as_secs().max(1);
                match lang {
                    Lang::Ru => format!(
                        "Слишком много загрузок подряд: приложение сохраняет не больше {MAX_DOWNLOADS_PER_MINUTE} файлов в минуту. Этот файл не сохранён — скачайте его снова через {s} с."
                    ),
                    Lang::En => format!(
                        "Too many downloads in a row: the app saves at most {MAX_DOWNLOADS_PER_MINUTE} files a minute. This file was not saved; download it again in {s} s."
                    ),
                }
            }
            DownloadError::NotADocument { .. } => lang
                .pick(
                    "Портал прислал не документ (не PDF, JPEG, PNG или TIFF), и файл не сохранён. Откройте документ на портале и скачайте его снова.",
                    "The portal sent something that is not a document (not PDF, JPEG, PNG or TIFF), so nothing was saved. Open the document on the portal and download it again.",
                )
                .to_owned(),
            DownloadError::Portal(e) => e.message(lang),
            DownloadError::Vault(e) => e.message(lang),
        }
    }
}

/// Whether `url` is a document of the portal at `address`: its own origin, and a last
/// segment with the extension of a format the portal gives documents in. A link to one
/// from the portal's pages is a download, whatever the webview would make of it.
pub fn is_document_link(address: &PortalAddress, url: &Url) -> bool {
    if !address.is_own(url) {
        return false;
    }
    let formats = [
        FileFormat::Pdf,
        FileFormat::Jpeg,
        FileFormat::Png,
        FileFormat::Tiff,
    ];
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .and_then(|name| name.rsplit_once('.'))
        .is_some_and(|(_, ext)| {
            formats
                .iter()
                .flat_map(|f| f.extensions())
                .any(|d| d.eq_ignore_ascii_case(ext))
        })
}

/// The document kinds a download may be, judged by its bytes.
pub fn document_format(bytes: &[u8]) -> Result<FileFormat, DownloadError> {
    let detection = detect(bytes);
    match detection.format {
        f @ (FileFormat::Pdf | FileFormat::Jpeg | FileFormat::Png | FileFormat::Tiff) => Ok(f),
        other => Err(DownloadError::NotADocument {
            looks_like: detection
                .facts
                .looks_like
                .unwrap_or(other.as_str())
                .to_owned(),
        }),
    }
}

/// Paces downloads: one at a time (the caller holds [`DownloadGate::lock`]), and at most
/// [`MAX_DOWNLOADS_PER_MINUTE`] started in any minute. A page with a hundred links gets
/// five files and a clear refusal for the rest, not a hundred fetches.
#[derive(Debug)]
pub struct DownloadGate {
    started: std::sync::Mutex<VecDeque<Instant>>,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl Default for DownloadGate {
    fn default() -> Self {
        Self {
            started: std::sync::Mutex::new(VecDeque::new()),
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }
}

impl DownloadGate {
    const WINDOW: Duration = Duration::from_secs(60);

    /// Counts a download started at `now`, or says how long until one may start.
    pub fn admit(&self, now: Instant) -> Result<(), DownloadError> {
        let mut started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        while started
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= Self::WINDOW)
        {
            started.pop_front();
        }
        if started.len() >= MAX_DOWNLOADS_PER_MINUTE {
            let oldest = started.front().copied().unwrap_or(now);
            let retry_in = Self::WINDOW.saturating_sub(now.saturating_duration_since(oldest));
            return Err(DownloadError::Throttled { retry_in });
        }
        started.push_back(now);
        Ok(())
    }

    /// Held for the whole of one download.
    pub async fn lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.one_at_a_time.lock().await
    }
}

/// Windows' reserved device names: a file called so cannot be created or opened there.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Characters that change how text around them is shown (right-to-left overrides,
/// isolates, marks) or are invisible: `evil\u{202E}fdp.exe` would show as `evilexe.pdf`.
fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// A file name the portal gave, made safe to show and to save on any system: no folders,
/// no control, bidi or invisible characters, none of `: * ? " < > |`, no trailing dots or
/// spaces, not a Windows device name, at most 200 characters. `None` when nothing is left.
pub fn safe_file_name(name: &str) -> Option<String> {
    let name = name.rsplit(['/', '\\']).next()?;
    let mut clean: String = name
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_or_invisible(*c))
        .map(|c| match c {
            ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c => c,
        })
        .take(200)
        .collect();
    let trimmed = clean.trim().trim_end_matches(['.', ' ']).trim().to_owned();
    clean = trimmed;
    if clean.is_empty() || clean.chars().all(|c| c == '.') {
        return None;
    }
    let stem = clean.split('.').next().unwrap_or_default().trim_end();
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        clean.insert(0, '_');
    }
    Some(clean)
}

/// `filename="…"` (or unquoted) from a `Content-Disposition`, made safe.
pub(crate) fn disposition_file_name(value: &str) -> Option<String> {
    let start = value.find("filename=")? + "filename=".len();
    let rest = &value[start..];
    let name = match rest.strip_prefix('"') {
        Some(quoted) => &quoted[..quoted.find('"')?],
        None => rest.split(';').next()?.trim(),
    };
    safe_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_keeps_only_the_file_name_the_portal_gave() {
        let name = |v: &str| disposition_file_name(v);
        assert_eq!(
            name(r#"attachment; filename="epts_164301027000001.pdf""#).as_deref(),
            Some("epts_164301027000001.pdf")
        );
        assert_eq!(
            name("attachment; filename=a.pdf; size=3").as_deref(),
            Some("a.pdf")
        );
        assert_eq!(
            name(r#"attachment; filename="../../etc/passwd""#).as_deref(),
            Some("passwd")
        );
        assert_eq!(name(r#"attachment; filename="C:\x\..""#), None);
        assert_eq!(name("inline"), None);
        assert_eq!(name(r#"attachment; filename="unterminated"#), None);
    }

    #[test]
    fn names_cannot_hide_their_kind_or_break_a_file_system() {
        // A right-to-left override would show «invoice_exe.pdf» for an .exe.
        assert_eq!(
            safe_file_name("invoice_\u{202E}fdp.exe").as_deref(),
            Some("invoice_fdp.exe")
        );
        assert_eq!(
            safe_file_name("a\u{2066}b\u{200F}c.pdf").as_deref(),
            Some("abc.pdf")
        );
        assert_eq!(
            safe_file_name("report:2024?.pdf").as_deref(),
            Some("report_2024_.pdf")
        );
        assert_eq!(safe_file_name("CON.pdf").as_deref(), Some("_CON.pdf"));
        assert_eq!(safe_file_name("lpt1").as_deref(), Some("_lpt1"));
        assert_eq!(
            safe_file_name("console.pdf").as_deref(),
            Some("console.pdf")
        );
        assert_eq!(safe_file_name("scan.pdf. . ").as_deref(), Some("scan.pdf"));
        assert_eq!(safe_file_name("\u{202E}\u{200B}"), None);
        assert_eq!(safe_file_name(".."), None);
        let long = "я".repeat(500);
        assert_eq!(safe_file_name(&long).map(|n| n.chars().count()), Some(200));
    }

    #[test]
    fn five_downloads_a_minute_then_a_refusal_that_says_when() {
        let gate = DownloadGate::default();
        let t0 = Instant::now();
        for i in 0..MAX_DOWNLOADS_PER_MINUTE {
            gate.admit(t0 + Duration::from_secs(i as u64))
                .expect("within the bound");
        }
        let refused = gate
            .admit(t0 + Duration::from_secs(10))
            .expect_err("the sixth in a minute");
        assert_eq!(refused.code(), Code::DownloadsThrottled);
        assert!(
            refused.message(Lang::Ru).contains("через 50 с"),
            "{}",
            refused.message(Lang::Ru)
        );
        // A minute after the first, one more may start.
        gate.admit(t0 + Duration::from_secs(60))
            .expect("the window moved");
    }

    #[test]
    fn only_documents_of_the_portal_itself_are_taken() {
        let url = |s: &str| Url::parse(s).expect("test URL");
        let portal = PortalAddress::parse("http://127.0.0.1:8700/").expect("sandbox");
        let taken = |s: &str| is_document_link(&portal, &url(s));
        assert!(taken(
            "http://127.0.0.1:8700/cabinet/epts/164301027000001/extract.pdf"
        ));
        assert!(taken("http://127.0.0.1:8700/files/Scan.JPG?x=1"));
        assert!(!taken("http://127.0.0.1:8700/cabinet/epts/164301027000001"));
        assert!(!taken("http://127.0.0.1:8700/cabinet"));
        // Another site's file is never fetched with the portal's session.
        assert!(!taken("https://esia.example.ru/doc.pdf"));
        assert!(!taken("http://127.0.0.1:8701/a.pdf"));
    }

    #[test]
    fn only_documents_are_taken() {
        assert_eq!(
            document_format(b"%PDF-1.7\n%%EOF").ok(),
            Some(FileFormat::Pdf)
        );
        let html = document_format(b"<!doctype html><html><body>login</body></html>")
            .expect_err("a page behind a .pdf link");
        assert_eq!(html.code(), Code::DownloadNotDocument);
        assert!(document_format(b"").is_err());
    }
}
