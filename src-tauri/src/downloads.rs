//! Files the user downloads inside the portal window land in the archive, attached to the
//! vehicle they belong to, with a notice in the app.
//!
//! The webview's own download is cancelled: the shell fetches the same URL with the
//! portal session (same origin only, bounded), so no plaintext copy is ever written to the
//! user's Downloads folder, and the file goes straight into the encrypted vault.

use crate::error::CommandError;
use crate::login::portal_client;
use crate::state::AppState;
use epts_core::Localized;
use epts_core::vault::VaultError;
use serde::Serialize;
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State, Url};

/// What became of one download, for the notice.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PortalDownload {
    /// The file name the portal gave.
    pub file_name: String,
    /// The vehicle it was attached to (`None` when no archived record matched).
    pub vin: Option<String>,
    pub epts_number: Option<String>,
    /// The archive document it became; `None` when it failed (see `error`).
    #[ts(type = "number | null")]
    pub document_id: Option<i64>,
    pub error: Option<CommandError>,
}

/// Why a fetched download did not reach the archive.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("the archive is locked")]
    ArchiveLocked,
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl Localized for DownloadError {
    fn code(&self) -> &'static str {
        match self {
            DownloadError::ArchiveLocked => "archive_locked",
            DownloadError::Vault(e) => e.code(),
        }
    }

    fn message(&self, lang: epts_core::Lang) -> String {
        match self {
            DownloadError::ArchiveLocked => lang
                .pick(
                    "Архив заперт, и файл не сохранён. Откройте архив и скачайте файл в окне портала снова.",
                    "The archive is locked, so the file was not saved. Open the archive and download it again in the portal window.",
                )
                .to_owned(),
            DownloadError::Vault(e) => e.message(lang),
        }
    }
}

/// Where download notices go (the main window registers once at start).
#[derive(Default)]
pub struct Downloads {
    notices: Mutex<Option<Channel<PortalDownload>>>,
}

/// Downloads in the portal window are reported to `on_download`.
#[tauri::command]
pub fn portal_watch_downloads(
    on_download: Channel<PortalDownload>,
    downloads: State<'_, Downloads>,
) {
    *downloads.notices.lock().unwrap_or_else(|p| p.into_inner()) = Some(on_download);
}

/// Files the portal gives as documents: a link to one from the portal's own pages is a
/// download, whatever the webview would make of it.
const DOCUMENT_EXTENSIONS: [&str; 6] = ["pdf", "jpg", "jpeg", "png", "tif", "tiff"];

/// Whether `url` is a document of the portal at `origin` (its last segment has a
/// document's extension).
pub fn is_document_link(url: &Url, origin: Option<&str>) -> bool {
    if origin != Some(url.origin().ascii_serialization().as_str()) {
        return false;
    }
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .and_then(|name| name.rsplit_once('.'))
        .is_some_and(|(_, ext)| {
            DOCUMENT_EXTENSIONS
                .iter()
                .any(|d| d.eq_ignore_ascii_case(ext))
        })
}

/// The 15-digit ePTS number a file name or URL carries, if any.
fn epts_number(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 15 && matches!(run.as_bytes()[0], b'1'..=b'3'))
        .map(str::to_owned)
}

/// Starts fetching a download the portal window asked for.
pub fn capture(app: &AppHandle, url: Url) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let notice = fetch_into_archive(&app, &url).await;
        tracing::info!(
            stored = notice.document_id.is_some(),
            attached = notice.vin.is_some(),
            "portal download captured"
        );
        let downloads = app.state::<Downloads>();
        let channel = downloads
            .notices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(channel) = channel {
            let _ = channel.send(notice);
        }
    });
}

async fn fetch_into_archive(app: &AppHandle, url: &Url) -> PortalDownload {
    let state = app.state::<AppState>();
    let lang = state.settings().language;
    let fail = |file_name: String, e: &dyn Localized| PortalDownload {
        epts_number: epts_number(&file_name).or_else(|| epts_number(url.path())),
        file_name,
        vin: None,
        document_id: None,
        error: Some(CommandError::from_localized_dyn(e, lang)),
    };
    let fallback_name = url
        .path_segments()
        .and_then(|mut s| s.next_back().map(str::to_owned))
        .unwrap_or_else(|| "download".into());
    let Some(active) = state.session() else {
        return fail(fallback_name, &crate::login::LoginError::NotLoggedIn);
    };
    let portal = match portal_client(&state) {
        Ok(p) => p,
        Err(e) => return fail(fallback_name, &e),
    };
    let download = match portal.download(&active.session, url).await {
        Ok(d) => d,
        Err(e) => return fail(fallback_name, &e),
    };
    let number = epts_number(&download.file_name).or_else(|| epts_number(url.path()));
    let archive = crate::portal::archive(app);
    let stored = archive.with_optional(|vault| {
        let Some(vault) = vault else {
            return Err(DownloadError::ArchiveLocked);
        };
        // Attached to the vehicle when the archive knows the record.
        let vin = number
            .as_deref()
            .and_then(|n| vault.record(n).ok())
            .map(|r| r.vin);
        let document = vault.import_bytes(&download.file_name, &download.bytes, vin.as_deref())?;
        Ok((document.id, vin))
    });
    match stored {
        Ok((id, vin)) => PortalDownload {
            file_name: download.file_name,
            vin,
            epts_number: number,
            document_id: Some(id),
            error: None,
        },
        Err(e) => fail(download.file_name, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::{epts_number, is_document_link};
    use tauri::Url;

    #[test]
    fn only_documents_of_the_portal_itself_are_taken() {
        let url = |s: &str| Url::parse(s).expect("test URL");
        let portal = url("http://127.0.0.1:8700/").origin().ascii_serialization();
        let taken = |s: &str| is_document_link(&url(s), Some(&portal));
        assert!(taken(
            "http://127.0.0.1:8700/cabinet/epts/164301027000001/extract.pdf"
        ));
        assert!(taken("http://127.0.0.1:8700/files/Scan.JPG?x=1"));
        assert!(!taken("http://127.0.0.1:8700/cabinet/epts/164301027000001"));
        assert!(!taken("http://127.0.0.1:8700/cabinet"));
        // Another site's file is never fetched with the portal's session.
        assert!(!taken("https://esia.example.ru/doc.pdf"));
        assert!(!is_document_link(&url("http://127.0.0.1:8700/a.pdf"), None));
    }

    #[test]
    fn the_epts_number_is_read_from_the_name_or_the_address() {
        assert_eq!(
            epts_number("epts_164301027000001.pdf").as_deref(),
            Some("164301027000001")
        );
        assert_eq!(
            epts_number("/cabinet/epts/264301027000002/extract.pdf").as_deref(),
            Some("264301027000002")
        );
        assert_eq!(epts_number("scan_2024_1643010270000011.pdf"), None);
        assert_eq!(epts_number("ПТС.pdf"), None);
    }
}
