//! The native file dialogs, opened from Rust over the main window. The UI is granted no
//! dialog permission: it asks a command, and the command decides what may be opened.

use std::path::PathBuf;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder};

fn builder(app: &AppHandle) -> FileDialogBuilder<tauri::Wry> {
    let dialog = app.dialog().file();
    match app.get_webview_window("main") {
        Some(window) => dialog.set_parent(&window),
        None => dialog,
    }
}

/// «Save as» with `name` proposed; `None` when the user cancels (or the dialog never answers).
pub async fn save_file(app: &AppHandle, name: &str) -> Option<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder(app).set_file_name(name).save_file(move |path| {
        let _ = tx.send(path.and_then(|p| p.into_path().ok()));
    });
    rx.await.ok().flatten()
}

/// «Open» for any number of files; empty when the user cancels.
pub async fn pick_files(app: &AppHandle) -> Vec<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder(app).pick_files(move |paths| {
        let paths: Vec<PathBuf> = paths
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.into_path().ok())
            .collect();
        let _ = tx.send(paths);
    });
    rx.await.unwrap_or_default()
}

/// «Choose a folder»; `None` when the user cancels.
pub async fn pick_folder(app: &AppHandle) -> Option<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder(app).pick_folder(move |path| {
        let _ = tx.send(path.and_then(|p| p.into_path().ok()));
    });
    rx.await.ok().flatten()
}
