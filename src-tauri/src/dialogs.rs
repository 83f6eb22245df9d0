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

/// «Save as» with `name` proposed; `done(None)` when the user cancels.
pub fn save_file(app: &AppHandle, name: &str, done: impl FnOnce(Option<PathBuf>) + Send + 'static) {
    builder(app)
        .set_file_name(name)
        .save_file(move |path| done(path.and_then(|p| p.into_path().ok())));
}

/// «Open» for any number of files; `done(empty)` when the user cancels.
pub fn pick_files(app: &AppHandle, done: impl FnOnce(Vec<PathBuf>) + Send + 'static) {
    builder(app).pick_files(move |paths| {
        done(
            paths
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.into_path().ok())
                .collect(),
        )
    });
}
