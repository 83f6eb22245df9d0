//! «Подготовка» in the desktop: files and folders chosen in the native dialogs or dropped
//! onto the window, checked against a rule profile, fixed into a folder or the archive with
//! progress and a «stop» button, previewed before and after, and pictures merged into one PDF.
//!
//! The UI never names a path itself. Every path it may read comes from a dialog or a drop
//! seen by this module (or was written by a run); the folder a run writes into was chosen in
//! a dialog. Progress and drops reach the UI through channels (`tauri::ipc::Channel`), which
//! need no event permission, so the capability still grants the app's own commands only.

use crate::archive_slot::Archive;
use crate::error::CommandError;
use crate::state::AppState;
use epts_core::Code;
use epts_core::ids::Vin;
use epts_core::prepare::preview::{self, PreviewError};
use epts_core::prepare::{
    FixOptions, FixReport, FolderSink, MergeOptions, PrepareProgress, PrepareReport, Profile,
    Scheme, Sink, VaultSink, check_paths, collect_files, fix_paths, images_to_pdf, output_stems,
};
use epts_core::{Lang, Localized};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tauri::ipc::{Channel, Response};
use tauri::{AppHandle, DragDropEvent, Manager, State, Window, WindowEvent};

/// The largest file whose bytes the UI may read (for a PDF's first page).
const MAX_BYTES_TO_UI: u64 = 20 * 1024 * 1024;
/// The largest picture read for a preview or a merge.
const MAX_PICTURE_BYTES: u64 = 200 * 1024 * 1024;

/// What the section remembers between commands.
#[derive(Default)]
pub struct Prepare {
    /// Files and folders the user chose or dropped, and the files runs wrote.
    readable: Mutex<HashSet<PathBuf>>,
    /// Folders the user chose to write results into.
    writable: Mutex<HashSet<PathBuf>>,
    /// The running fix's stop flag.
    running: Mutex<Option<Arc<AtomicBool>>>,
    /// Where drops onto the window are reported.
    drops: Mutex<Option<Channel<PrepareDrop>>>,
}

impl std::fmt::Debug for Prepare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepare").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The real path, so that `..` or a link cannot step outside what was chosen.
fn real(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

impl Prepare {
    fn allow_read(&self, paths: &[PathBuf]) {
        let mut readable = lock(&self.readable);
        readable.extend(paths.iter().filter_map(|p| real(p)));
    }

    /// A path the user chose, inside a folder they chose, or written by a run.
    fn may_read(&self, path: &Path) -> Option<PathBuf> {
        let path = real(path)?;
        let readable = lock(&self.readable);
        readable
            .iter()
            .any(|r| path == *r || path.starts_with(r))
            .then_some(path)
    }

    fn may_write(&self, dir: &Path) -> Option<PathBuf> {
        let dir = real(dir)?;
        lock(&self.writable).contains(&dir).then_some(dir)
    }

    fn chosen(&self, paths: &[String]) -> Result<Vec<PathBuf>, PrepareError> {
        paths
            .iter()
            .map(|p| {
                self.may_read(Path::new(p))
                    .map(|_| PathBuf::from(p))
                    .ok_or_else(|| PrepareError::NotChosen(p.clone()))
            })
            .collect()
    }
}

/// The section's own failures (the core's come with their own codes).
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("not chosen by the user: {0}")]
    NotChosen(String),
    #[error("the archive is locked")]
    ArchiveLocked,
    #[error("a run is already going")]
    Busy,
    #[error("{0} is too large to show")]
    TooLargeToShow(String),
    #[error("cannot read {0}: {1}")]
    Read(String, String),
    #[error("cannot write {0}: {1}")]
    Write(String, String),
}

impl Localized for PrepareError {
    fn code(&self) -> Code {
        match self {
            PrepareError::NotChosen(_) => Code::NotChosen,
            PrepareError::ArchiveLocked => Code::ArchiveLocked,
            PrepareError::Busy => Code::Busy,
            PrepareError::TooLargeToShow(_) => Code::TooLarge,
            PrepareError::Read(..) => Code::Unreadable,
            PrepareError::Write(..) => Code::WriteFailed,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PrepareError::NotChosen(p), Lang::Ru) => format!(
                "Файл «{p}» не выбран. Добавьте его кнопкой «Выбрать файлы» или перетащите в окно."
            ),
            (PrepareError::NotChosen(p), Lang::En) => format!(
                "«{p}» was not chosen. Add it with «Choose files» or drop it onto the window."
            ),
            (PrepareError::ArchiveLocked, Lang::Ru) => "Архив заперт. Откройте раздел «Архив», отоприте его и повторите — или сохраните результаты в папку.".into(),
            (PrepareError::ArchiveLocked, Lang::En) => "The archive is locked. Open the «Archive» section, unlock it and try again — or save the results to a folder.".into(),
            (PrepareError::Busy, Lang::Ru) => "Исправление уже идёт. Дождитесь конца или нажмите «Остановить».".into(),
            (PrepareError::Busy, Lang::En) => "Fixing is already under way. Wait for it or press «Stop».".into(),
            (PrepareError::TooLargeToShow(p), Lang::Ru) => format!("Файл «{p}» слишком большой для предпросмотра."),
            (PrepareError::TooLargeToShow(p), Lang::En) => format!("«{p}» is too large to preview."),
            (PrepareError::Read(p, why), Lang::Ru) => format!("Не удалось прочитать «{p}»: {why}."),
            (PrepareError::Read(p, why), Lang::En) => format!("Could not read «{p}»: {why}."),
            (PrepareError::Write(p, why), Lang::Ru) => format!("Не удалось записать «{p}»: {why}. Проверьте, что папка доступна и на диске есть место."),
            (PrepareError::Write(p, why), Lang::En) => format!("Could not write «{p}»: {why}. Check that the folder is writable and the disk has room."),
        }
    }
}

/// How Cyrillic names become Latin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum TranslitScheme {
    /// ICAO Doc 9303, as in Russian passports (the default).
    Icao,
    /// ГОСТ 7.79-2000, system B.
    Gost,
}

/// Where fixed files go.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PrepareDestination {
    /// A folder chosen with `prepare_choose_folder`.
    Folder { path: String },
    /// The encrypted archive (it must be open), attached to a vehicle when `vin` is given.
    Archive { vin: Option<String> },
}

/// Where one PDF of pictures goes.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum MergeDestination {
    /// Asks where to save it (native dialog).
    Save,
    Archive {
        vin: Option<String>,
    },
}

/// A PDF made from pictures.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct MergeDone {
    /// A path, or `vault:<id>`.
    pub output: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// Files being dragged over the window, or dropped onto it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PrepareDrop {
    Enter,
    Leave,
    Drop { paths: Vec<String> },
}

fn err(e: &dyn Localized, lang: Lang) -> CommandError {
    CommandError::from_localized_dyn(e, lang)
}

/// An archive failure; a locked archive is told how to go on from «Подготовка».
fn archive_err(e: &dyn Localized, lang: Lang) -> CommandError {
    if e.code() == Code::ArchiveLocked {
        err(&PrepareError::ArchiveLocked, lang)
    } else {
        err(e, lang)
    }
}

fn internal(e: impl std::fmt::Display) -> CommandError {
    CommandError {
        code: Code::Internal,
        message: e.to_string(),
    }
}

fn shown(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|p| p.display().to_string()).collect()
}

fn profile(name: &str, lang: Lang) -> Result<Profile, CommandError> {
    // Only the built-in profiles from the window; a user's TOML file goes through the CLI.
    match name {
        "elpts" | "gosuslugi" => Profile::load(name).map_err(|e| err(&e, lang)),
        other => Err(err(
            &epts_core::prepare::ProfileError::Unknown(other.into()),
            lang,
        )),
    }
}

fn vin(value: Option<String>, lang: Lang) -> Result<Option<String>, CommandError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => Vin::parse(v)
            .map(|v| Some(v.as_str().to_owned()))
            .map_err(|e| err(&e, lang)),
    }
}

/// Test hook, in debug builds only: the end-to-end tests cannot drive native dialogs, so
/// `EPTS_TEST_PICK` (paths joined like `PATH`) answers «choose files/folder» and
/// `EPTS_TEST_OUT` (a folder) answers «choose a folder for results» and «save as».
/// Release builds always open the real dialogs.
fn scripted(var: &str) -> Option<std::ffi::OsString> {
    if cfg!(debug_assertions) {
        std::env::var_os(var)
    } else {
        None
    }
}

/// Asks for files to prepare (native dialog); empty when the user cancels.
#[tauri::command]
pub async fn prepare_pick_files(
    handle: AppHandle,
    prepare: State<'_, Prepare>,
) -> Result<Vec<String>, CommandError> {
    let paths = match scripted("EPTS_TEST_PICK") {
        Some(list) => std::env::split_paths(&list).collect(),
        None => crate::dialogs::pick_files(&handle).await,
    };
    prepare.allow_read(&paths);
    Ok(shown(&paths))
}

/// Asks for a folder of files to prepare (native dialog); `None` when the user cancels.
#[tauri::command]
pub async fn prepare_pick_folder(
    handle: AppHandle,
    prepare: State<'_, Prepare>,
) -> Result<Option<String>, CommandError> {
    let folder = match scripted("EPTS_TEST_PICK") {
        Some(list) => std::env::split_paths(&list).next(),
        None => crate::dialogs::pick_folder(&handle).await,
    };
    let Some(folder) = folder else {
        return Ok(None);
    };
    prepare.allow_read(std::slice::from_ref(&folder));
    Ok(Some(folder.display().to_string()))
}

/// Asks for the folder results go into (native dialog); `None` when the user cancels.
#[tauri::command]
pub async fn prepare_choose_folder(
    handle: AppHandle,
    prepare: State<'_, Prepare>,
) -> Result<Option<String>, CommandError> {
    let folder = match scripted("EPTS_TEST_OUT") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => crate::dialogs::pick_folder(&handle).await,
    };
    let Some(folder) = folder.and_then(|f| real(&f)) else {
        return Ok(None);
    };
    lock(&prepare.writable).insert(folder.clone());
    Ok(Some(folder.display().to_string()))
}

/// Drops onto the window are reported on `on_drop` from now on (the last channel wins).
#[tauri::command]
pub fn prepare_watch_drops(on_drop: Channel<PrepareDrop>, prepare: State<'_, Prepare>) {
    *lock(&prepare.drops) = Some(on_drop);
}

/// Drag and drop on the main window, seen by the shell (it gives real paths; the webview
/// gives none): the dropped paths become chosen ones and go to the section.
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::DragDrop(event) = event else {
        return;
    };
    if window.label() != "main" {
        return;
    }
    let prepare = window.state::<Prepare>();
    let message = match event {
        DragDropEvent::Enter { .. } => PrepareDrop::Enter,
        DragDropEvent::Leave => PrepareDrop::Leave,
        DragDropEvent::Drop { paths, .. } => {
            prepare.allow_read(paths);
            PrepareDrop::Drop {
                paths: shown(paths),
            }
        }
        _ => return,
    };
    if let Some(channel) = lock(&prepare.drops).as_ref()
        && let Err(e) = channel.send(message)
    {
        tracing::debug!("drop not delivered: {e}");
    }
}

/// Checks chosen files and folders (walked) as one set against a built-in profile.
#[tauri::command]
pub async fn prepare_check(
    paths: Vec<String>,
    profile_name: String,
    prepare: State<'_, Prepare>,
    app: State<'_, AppState>,
) -> Result<PrepareReport, CommandError> {
    let lang = app.settings().language;
    let paths = prepare.chosen(&paths).map_err(|e| err(&e, lang))?;
    let profile = profile(&profile_name, lang)?;
    tauri::async_runtime::spawn_blocking(move || check_paths(&paths, &profile, lang))
        .await
        .map_err(internal)
}

fn scheme_of(scheme: TranslitScheme) -> Scheme {
    match scheme {
        TranslitScheme::Icao => Scheme::Icao,
        TranslitScheme::Gost => Scheme::Gost779B,
    }
}

fn pattern_of(pattern: &str) -> String {
    match pattern.trim() {
        "" => "{name}".into(),
        p => p.to_owned(),
    }
}

/// The names (without extension) the files would get, in the order the check lists them:
/// the live example beside the name pattern.
#[tauri::command]
pub async fn prepare_names(
    paths: Vec<String>,
    profile_name: String,
    scheme: TranslitScheme,
    name_pattern: String,
    prepare: State<'_, Prepare>,
    app: State<'_, AppState>,
) -> Result<Vec<String>, CommandError> {
    let lang = app.settings().language;
    let paths = prepare.chosen(&paths).map_err(|e| err(&e, lang))?;
    let mut options = FixOptions::new(profile(&profile_name, lang)?, lang);
    options.scheme = scheme_of(scheme);
    options.name_pattern = pattern_of(&name_pattern);
    tauri::async_runtime::spawn_blocking(move || output_stems(&collect_files(&paths), &options))
        .await
        .map_err(internal)
}

/// Clears the stop flag when a run ends, however it ends.
struct Running<'a>(&'a Prepare);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *lock(&self.0.running) = None;
    }
}

/// Fixes chosen files into a chosen folder or the archive, reporting after each file on
/// `on_progress`; `prepare_cancel` stops it between steps.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn prepare_fix(
    paths: Vec<String>,
    profile_name: String,
    scheme: TranslitScheme,
    name_pattern: String,
    destination: PrepareDestination,
    on_progress: Channel<PrepareProgress>,
    prepare: State<'_, Prepare>,
    archive: State<'_, Arc<Archive>>,
    app: State<'_, AppState>,
) -> Result<FixReport, CommandError> {
    let lang = app.settings().language;
    let paths = prepare.chosen(&paths).map_err(|e| err(&e, lang))?;
    let mut options = FixOptions::new(profile(&profile_name, lang)?, lang);
    options.scheme = scheme_of(scheme);
    options.name_pattern = pattern_of(&name_pattern);
    enum Target {
        Folder(PathBuf),
        Archive(Option<String>),
    }
    let target = match destination {
        PrepareDestination::Folder { path } => Target::Folder(
            prepare
                .may_write(Path::new(&path))
                .ok_or_else(|| err(&PrepareError::NotChosen(path), lang))?,
        ),
        PrepareDestination::Archive { vin: v } => {
            if !archive.is_open() {
                return Err(err(&PrepareError::ArchiveLocked, lang));
            }
            Target::Archive(vin(v, lang)?)
        }
    };
    let cancel = {
        let mut running = lock(&prepare.running);
        if running.is_some() {
            return Err(err(&PrepareError::Busy, lang));
        }
        let flag = Arc::new(AtomicBool::new(false));
        *running = Some(Arc::clone(&flag));
        flag
    };
    let _running = Running(&prepare);
    let archive = Arc::clone(&archive);
    let report = tauri::async_runtime::spawn_blocking(move || {
        let progress = move |p: PrepareProgress| {
            // The window may be gone; the run finishes anyway.
            let _ = on_progress.send(p);
        };
        let run = |sink: &dyn Sink| fix_paths(&paths, &options, sink, &progress, &cancel);
        match target {
            Target::Folder(dir) => {
                let sink = FolderSink::new(&dir).map_err(|e| err(&e, lang))?;
                Ok(run(&sink))
            }
            Target::Archive(vin) => archive
                .with(|vault| Ok(run(&VaultSink::new(vault, vin, lang))))
                .map_err(|e| archive_err(e.as_ref(), lang)),
        }
    })
    .await
    .map_err(internal)??;
    let written: Vec<PathBuf> = report
        .files
        .iter()
        .filter_map(|f| f.output.as_deref())
        .filter(|o| !o.starts_with("vault:"))
        .map(PathBuf::from)
        .collect();
    prepare.allow_read(&written);
    Ok(report)
}

/// Stops the running fix between steps (a file stopped half-way leaves nothing behind).
#[tauri::command]
pub fn prepare_cancel(prepare: State<'_, Prepare>) {
    if let Some(flag) = lock(&prepare.running).as_ref() {
        flag.store(true, Ordering::Relaxed);
    }
}

fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, PrepareError> {
    let name = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|e| PrepareError::Read(name.clone(), e.to_string()))?
        .len();
    if size > limit {
        return Err(PrepareError::TooLargeToShow(name));
    }
    std::fs::read(path).map_err(|e| PrepareError::Read(name, e.to_string()))
}

/// A small JPEG of a chosen (or produced) picture, as stored in the file: raw bytes.
#[tauri::command]
pub async fn prepare_preview(
    path: String,
    max_side: u32,
    prepare: State<'_, Prepare>,
    app: State<'_, AppState>,
) -> Result<Response, CommandError> {
    let lang = app.settings().language;
    let real = prepare
        .may_read(Path::new(&path))
        .ok_or_else(|| err(&PrepareError::NotChosen(path), lang))?;
    tauri::async_runtime::spawn_blocking(move || {
        let bytes = read_bounded(&real, MAX_PICTURE_BYTES).map_err(|e| err(&e, lang))?;
        preview::thumbnail(&bytes, max_side)
            .map(|t| Response::new(t.jpeg))
            .map_err(|e: PreviewError| err(&e, lang))
    })
    .await
    .map_err(internal)?
}

/// The bytes of a chosen (or produced) file of at most 20 MB, for drawing a PDF's page.
#[tauri::command]
pub async fn prepare_file_bytes(
    path: String,
    prepare: State<'_, Prepare>,
    app: State<'_, AppState>,
) -> Result<Response, CommandError> {
    let lang = app.settings().language;
    let real = prepare
        .may_read(Path::new(&path))
        .ok_or_else(|| err(&PrepareError::NotChosen(path), lang))?;
    tauri::async_runtime::spawn_blocking(move || {
        read_bounded(&real, MAX_BYTES_TO_UI)
            .map(Response::new)
            .map_err(|e| err(&e, lang))
    })
    .await
    .map_err(internal)?
}

/// Chosen pictures → one PDF (pages in the given order), saved where the user says or into
/// the archive; `None` when the save dialog was cancelled.
#[tauri::command]
pub async fn prepare_merge(
    paths: Vec<String>,
    name: String,
    destination: MergeDestination,
    handle: AppHandle,
    prepare: State<'_, Prepare>,
    archive: State<'_, Arc<Archive>>,
    app: State<'_, AppState>,
) -> Result<Option<MergeDone>, CommandError> {
    let lang = app.settings().language;
    let paths = prepare.chosen(&paths).map_err(|e| err(&e, lang))?;
    let vin = match &destination {
        MergeDestination::Archive { vin: v } => {
            if !archive.is_open() {
                return Err(err(&PrepareError::ArchiveLocked, lang));
            }
            vin(v.clone(), lang)?
        }
        MergeDestination::Save => None,
    };
    let pdf = tauri::async_runtime::spawn_blocking(move || {
        let mut images = Vec::with_capacity(paths.len());
        for path in &paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = read_bounded(path, MAX_PICTURE_BYTES).map_err(|e| err(&e, lang))?;
            images.push((name, bytes));
        }
        images_to_pdf(&images, MergeOptions::default()).map_err(|e| err(&e, lang))
    })
    .await
    .map_err(internal)??;
    let stem = epts_core::prepare::portal_stem(name.trim(), Scheme::Icao, 80);
    let file_name = format!("{}.pdf", if stem.is_empty() { "dokumenty" } else { &stem });
    let bytes = pdf.len() as u64;
    match destination {
        MergeDestination::Save => {
            let path = match scripted("EPTS_TEST_OUT") {
                Some(dir) => Some(PathBuf::from(dir).join(&file_name)),
                None => crate::dialogs::save_file(&handle, &file_name).await,
            };
            let Some(path) = path else {
                return Ok(None);
            };
            let shown_path = path.display().to_string();
            let written = path.clone();
            tauri::async_runtime::spawn_blocking(move || {
                epts_core::fsutil::write_atomic(&path, &pdf)
                    .map_err(|e| err(&PrepareError::Write(shown_path, e.to_string()), lang))
            })
            .await
            .map_err(internal)??;
            prepare.allow_read(std::slice::from_ref(&written));
            Ok(Some(MergeDone {
                output: written.display().to_string(),
                bytes,
            }))
        }
        MergeDestination::Archive { .. } => {
            let archive = Arc::clone(&archive);
            let doc = tauri::async_runtime::spawn_blocking(move || {
                archive
                    .with(|v| v.import_bytes(&file_name, &pdf, vin.as_deref()))
                    .map_err(|e| archive_err(e.as_ref(), lang))
            })
            .await
            .map_err(internal)??;
            Ok(Some(MergeDone {
                output: format!("vault:{}", doc.id),
                bytes,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_chosen_paths_and_what_is_inside_chosen_folders_are_readable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let inside = dir.path().join("a.jpg");
        std::fs::write(&inside, b"x").expect("write");
        let other = tempfile::tempdir().expect("tempdir");
        let outside = other.path().join("b.jpg");
        std::fs::write(&outside, b"x").expect("write");
        let prepare = Prepare::default();
        assert!(prepare.may_read(&inside).is_none());
        prepare.allow_read(&[dir.path().to_owned()]);
        assert!(prepare.may_read(&inside).is_some());
        assert!(prepare.may_read(&outside).is_none());
        // A way out through `..` is resolved before it is judged.
        let sneaky = dir
            .path()
            .join("..")
            .join(other.path().file_name().expect("name"))
            .join("b.jpg");
        assert!(prepare.may_read(&sneaky).is_none());
        let err = prepare
            .chosen(&[outside.display().to_string()])
            .expect_err("refused");
        assert_eq!(err.code(), Code::NotChosen);
        assert!(err.message(Lang::Ru).contains("не выбран"));
    }

    #[test]
    fn results_go_only_into_a_chosen_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let prepare = Prepare::default();
        assert!(prepare.may_write(dir.path()).is_none());
        lock(&prepare.writable).insert(real(dir.path()).expect("real"));
        assert!(prepare.may_write(dir.path()).is_some());
    }

    #[test]
    fn a_locked_archive_says_where_to_unlock_it() {
        let m = PrepareError::ArchiveLocked.message(Lang::Ru);
        assert!(m.contains("«Архив»"), "{m}");
    }
}
