//! «Архив» in the desktop: first-run setup, unlocking and locking the vault (by hand and
//! after idle time), search, the ePTS card and its documents, and the `epts-doc:` protocol
//! that hands a document's decrypted bytes to the main window from memory — never through a
//! plaintext file.
//!
//! Vault work (SQLite, Argon2id, decryption) runs on blocking threads, so the window never
//! freezes while a large archive is searched or a passphrase is checked.

use crate::archive_slot::{Archive, ArchiveStatus};
use crate::error::CommandError;
use crate::state::AppState;
use epts_core::Code;
use epts_core::Localized;
use epts_core::vault::{
    Document, EptsRecord, Filter, KdfParams, KeyringPolicy, RecordVersion, SearchPage, Sort, Vault,
    VaultError,
};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Manager, State};

/// The scheme of the document protocol (`epts-doc://localhost/<id>`; on Windows
/// `http://epts-doc.localhost/<id>`).
pub const DOCUMENT_SCHEME: &str = "epts-doc";

/// Everything the ePTS card shows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordCard {
    pub record: EptsRecord,
    /// Earlier versions, newest first.
    pub history: Vec<RecordVersion>,
    pub documents: Vec<Document>,
}

/// The values present in the archive, for the filter menus.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Facets {
    pub statuses: Vec<String>,
    pub years: Vec<u16>,
}

/// The origins the app's own pages have on each OS.
const APP_ORIGINS: [&str; 3] = [
    "tauri://localhost",
    "http://tauri.localhost",
    "https://tauri.localhost",
];

type Shared<'a> = State<'a, Arc<Archive>>;

/// Runs vault work on a blocking thread and maps its error into the user's language.
async fn blocking<T: Send + 'static>(
    archive: &Shared<'_>,
    app: &State<'_, AppState>,
    f: impl FnOnce(&Archive) -> Result<T, Box<dyn Localized + Send>> + Send + 'static,
) -> Result<T, CommandError> {
    let lang = app.settings().language;
    let archive = Arc::clone(archive);
    tauri::async_runtime::spawn_blocking(move || f(&archive))
        .await
        .map_err(|e| CommandError {
            code: Code::Internal,
            message: format!("{e}"),
        })?
        .map_err(|e| CommandError::from_localized_dyn(e.as_ref(), lang))
}

fn boxed(e: VaultError) -> Box<dyn Localized + Send> {
    Box::new(e)
}

#[tauri::command]
pub async fn archive_status(
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<ArchiveStatus, CommandError> {
    blocking(&archive, &app, |a| a.status().map_err(boxed)).await
}

/// First-run setup: the key in the OS keyring (`use_keyring`), under a passphrase, or both.
#[tauri::command]
pub async fn archive_create(
    passphrase: Option<String>,
    use_keyring: bool,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<ArchiveStatus, CommandError> {
    blocking(&archive, &app, move |a| {
        let passphrase = passphrase.map(zeroize::Zeroizing::new);
        let policy = if use_keyring {
            KeyringPolicy::Auto
        } else {
            KeyringPolicy::Never
        };
        let vault = Vault::create_auto(
            a.dir(),
            policy,
            passphrase.as_deref().map(String::as_str),
            KdfParams::default(),
        )
        .map_err(boxed)?;
        a.put(vault);
        a.status().map_err(boxed)
    })
    .await
}

/// Opens the archive: with the OS keyring when `passphrase` is `None`, else with it.
#[tauri::command]
pub async fn archive_unlock(
    passphrase: Option<String>,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<ArchiveStatus, CommandError> {
    blocking(&archive, &app, move |a| {
        let passphrase = passphrase.map(zeroize::Zeroizing::new);
        let policy = if passphrase.is_some() {
            KeyringPolicy::Never
        } else {
            KeyringPolicy::Auto
        };
        let vault = Vault::open_auto(a.dir(), policy, passphrase.as_deref().map(String::as_str))
            .map_err(boxed)?;
        a.put(vault);
        a.status().map_err(boxed)
    })
    .await
}

#[tauri::command]
pub async fn archive_lock(
    archive: Shared<'_>,
    app: State<'_, AppState>,
    handle: AppHandle,
) -> Result<ArchiveStatus, CommandError> {
    let status = blocking(&archive, &app, |a| {
        a.lock(false);
        a.status().map_err(boxed)
    })
    .await;
    // A locked app keeps nothing of the portal's session in the webview either.
    crate::portal_window::clear_async(&handle).await;
    status
}

/// The user is at work in the archive (reading a card counts too): the idle timer restarts.
#[tauri::command]
pub fn archive_touch(archive: Shared<'_>) {
    archive.touch();
}

#[tauri::command]
pub async fn archive_search(
    query: String,
    filter: Filter,
    sort: Sort,
    offset: u32,
    limit: u32,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<SearchPage, CommandError> {
    blocking(&archive, &app, move |a| {
        a.with(|v| v.search_page(&query, &filter, sort, offset, limit))
    })
    .await
}

#[tauri::command]
pub async fn archive_facets(
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<Facets, CommandError> {
    blocking(&archive, &app, |a| {
        a.with(|v| {
            let (statuses, years) = v.facets()?;
            Ok(Facets { statuses, years })
        })
    })
    .await
}

#[tauri::command]
pub async fn archive_card(
    epts_number: String,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<RecordCard, CommandError> {
    blocking(&archive, &app, move |a| {
        a.with(|v| {
            let record = v.record(&epts_number)?;
            Ok(RecordCard {
                history: v.history(&epts_number)?,
                documents: v.documents_for_vin(&record.vin)?.into_iter().collect(),
                record,
            })
        })
    })
    .await
}

#[tauri::command]
pub async fn archive_rename_document(
    id: i64,
    name: String,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<Document, CommandError> {
    blocking(&archive, &app, move |a| {
        a.with(|v| v.rename_document(id, &name))
    })
    .await
}

#[tauri::command]
pub async fn archive_tag_document(
    id: i64,
    tags: Vec<String>,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<Document, CommandError> {
    blocking(&archive, &app, move |a| {
        a.with(|v| v.set_document_tags(id, &tags))
    })
    .await
}

#[tauri::command]
pub async fn archive_trash_document(
    id: i64,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<(), CommandError> {
    blocking(&archive, &app, move |a| a.with(|v| v.trash_document(id))).await
}

/// The documents in the trash, newest first.
#[tauri::command]
pub async fn archive_trash(
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<Vec<Document>, CommandError> {
    blocking(&archive, &app, |a| {
        a.with(|v| {
            let mut trashed: Vec<Document> = v
                .documents(true)?
                .into_iter()
                .filter(|d| d.trashed)
                .collect();
            trashed.reverse();
            Ok(trashed)
        })
    })
    .await
}

/// Takes a document back out of the trash.
#[tauri::command]
pub async fn archive_restore_document(
    id: i64,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<(), CommandError> {
    blocking(&archive, &app, move |a| a.with(|v| v.restore_document(id))).await
}

/// Deletes the documents in the trash for good; returns how many.
#[tauri::command]
pub async fn archive_empty_trash(
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<u32, CommandError> {
    blocking(&archive, &app, |a| {
        a.with(|v| Ok(u32::try_from(v.empty_trash()?).unwrap_or(u32::MAX)))
    })
    .await
}

/// Asks where to save the document (the native dialog) and writes it there; `None` when
/// the user cancelled.
#[tauri::command]
pub async fn archive_export_document(
    id: i64,
    handle: AppHandle,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<Option<String>, CommandError> {
    let name = blocking(&archive, &app, move |a| {
        a.with(|v| Ok(v.document(id)?.name))
    })
    .await?;
    let Some(path) = crate::dialogs::save_file(&handle, &name).await else {
        return Ok(None);
    };
    let shown = path.display().to_string();
    blocking(&archive, &app, move |a| {
        a.with(|v| v.export_document(id, &path))
    })
    .await?;
    Ok(Some(shown))
}

/// Asks for files (the native dialog) and imports them, attached to `vin` when given.
#[tauri::command]
pub async fn archive_import_documents(
    vin: Option<String>,
    handle: AppHandle,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<Vec<Document>, CommandError> {
    let paths = crate::dialogs::pick_files(&handle).await;
    blocking(&archive, &app, move |a| {
        a.with(|v| {
            let paths: Vec<&std::path::Path> =
                paths.iter().map(std::path::PathBuf::as_path).collect();
            let docs = v.import_files(&paths, vin.as_deref())?;
            Ok(docs.into_iter().collect())
        })
    })
    .await
}

/// Sets the archive's passphrase, or replaces it (then `current` must be the old one).
#[tauri::command]
pub async fn archive_set_passphrase(
    current: Option<String>,
    new: String,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<ArchiveStatus, CommandError> {
    blocking(&archive, &app, move |a| {
        let (current, new) = (
            current.map(zeroize::Zeroizing::new),
            zeroize::Zeroizing::new(new),
        );
        a.with(|v| {
            if v.protected_by().1 {
                v.check_passphrase(current.as_deref().map_or("", String::as_str))?;
            }
            v.change_passphrase(&new, KdfParams::default())
        })?;
        a.status().map_err(boxed)
    })
    .await
}

/// What a backup from the desktop wrote, and where.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupDone {
    pub path: String,
    pub records: u32,
    pub documents: u32,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// Asks where to save (native dialog) and writes a one-file encrypted backup there,
/// protected by `passphrase`; `None` when the user cancelled.
#[tauri::command]
pub async fn archive_backup(
    passphrase: String,
    handle: AppHandle,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<Option<BackupDone>, CommandError> {
    let passphrase = zeroize::Zeroizing::new(passphrase);
    let lang = app.settings().language;
    // A weak passphrase is refused before the dialog, not after the user chose a place.
    if passphrase.chars().count() < 8 {
        return Err(CommandError::from_localized(
            &VaultError::WeakPassphrase,
            lang,
        ));
    }
    blocking(&archive, &app, |a| a.with(|_| Ok(()))).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let name = format!("epts-archive-{today}.eptsbak");
    let Some(path) = crate::dialogs::save_file(&handle, &name).await else {
        return Ok(None);
    };
    blocking(&archive, &app, move |a| {
        a.with(|v| {
            let summary = v.backup(&path, &passphrase, KdfParams::default())?;
            Ok(Some(BackupDone {
                path: path.display().to_string(),
                records: u32::try_from(summary.records).unwrap_or(u32::MAX),
                documents: u32::try_from(summary.documents).unwrap_or(u32::MAX),
                bytes: summary.bytes,
            }))
        })
    })
    .await
}

/// Rotates the vault key (or finishes an interrupted rotation).
#[tauri::command]
pub async fn archive_rekey(
    passphrase: Option<String>,
    archive: Shared<'_>,
    app: State<'_, AppState>,
) -> Result<ArchiveStatus, CommandError> {
    blocking(&archive, &app, move |a| {
        let passphrase = passphrase.map(zeroize::Zeroizing::new);
        a.with(|v| {
            let keyring = if v.protected_by().0 {
                Some(epts_core::vault::OsKeyring::open()?)
            } else {
                None
            };
            v.rekey(passphrase.as_deref().map(String::as_str), keyring.as_ref())
                .map(|_| ())
        })?;
        a.status().map_err(boxed)
    })
    .await
}

#[tauri::command]
pub fn set_auto_lock(
    minutes: u32,
    state: State<'_, AppState>,
) -> Result<epts_core::settings::Settings, CommandError> {
    let minutes = if epts_core::settings::Settings::AUTO_LOCK_CHOICES.contains(&minutes) {
        minutes
    } else {
        epts_core::settings::Settings::default().auto_lock_minutes
    };
    state.update_settings(|s| s.auto_lock_minutes = minutes)
}

/// Checks every few seconds whether the archive has been idle for the chosen time.
pub fn start_idle_lock(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            let minutes = app.state::<AppState>().settings().auto_lock_minutes;
            if app.state::<Arc<Archive>>().lock_if_idle(minutes) {
                // A locked app keeps nothing of the portal's session in the webview either.
                crate::portal_window::clear_async(&app).await;
            }
        }
    });
}

/// Serves `epts-doc://localhost/<id>` to the main window only: the document's decrypted
/// bytes straight from memory. Any other window, a locked archive or a bad id gets an
/// error status and no bytes.
pub fn serve_document(
    app: &AppHandle,
    webview_label: &str,
    path: &str,
    origin: Option<&str>,
) -> tauri::http::Response<Vec<u8>> {
    use tauri::http::{Response, StatusCode, header};
    let reply = |status: StatusCode, body: Vec<u8>, media_type: &str| {
        let mut response = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, media_type)
            .header(header::CACHE_CONTROL, "no-store");
        // fetch() from the app's page is cross-origin to this scheme: allow the app's own
        // origin (tauri://localhost, or http(s)://tauri.localhost on Windows) and no other.
        if let Some(origin) = origin.filter(|o| APP_ORIGINS.contains(o)) {
            response = response.header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        response.body(body).unwrap_or_default()
    };
    let refuse = |status: StatusCode| reply(status, Vec::new(), "text/plain");
    if webview_label != "main" {
        tracing::info!(
            window = webview_label,
            "epts-doc: a document asked for from another window was refused"
        );
        return refuse(StatusCode::FORBIDDEN);
    }
    let Ok(id) = path.trim_matches('/').parse::<i64>() else {
        return refuse(StatusCode::NOT_FOUND);
    };
    match app.state::<Arc<Archive>>().document_bytes(id) {
        Ok((bytes, media_type)) => reply(StatusCode::OK, bytes, media_type),
        Err(e) if e.code() == Code::ArchiveLocked => refuse(StatusCode::LOCKED),
        Err(_) => refuse(StatusCode::NOT_FOUND),
    }
}
