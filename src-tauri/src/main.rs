//! ePTS Desktop: the desktop shell.
//!
//! Thin by design: commands parse their arguments, call `epts-core` and map its errors.
//! Only the main window (the app's own UI) may call commands; see
//! `capabilities/main-window.json`.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod archive;
mod archive_slot;
mod commands;
mod dialogs;
mod error;
mod portal;
mod portal_window;
mod prepare;
mod state;

#[cfg(test)]
mod bindings;
#[cfg(test)]
mod security;

use state::AppState;
use tauri::Manager;

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("EPTS_LOG")
                .unwrap_or_else(|_| "epts_desktop=info,portal_sim=info".into()),
        )
        .init();

    let result = tauri::Builder::default()
        .setup(|app| {
            let config_dir = match std::env::var_os("EPTS_CONFIG_DIR") {
                // Tests and portable installs point the app at their own folder.
                Some(dir) => std::path::PathBuf::from(dir),
                None => app.path().app_config_dir()?,
            };
            let fallback = config_dir.join("vault");
            let archive = std::sync::Arc::new(archive_slot::Archive::from_env(fallback));
            let state =
                tauri::async_runtime::block_on(AppState::load(config_dir, archive.clone()))?;
            app.manage(state);
            app.manage(archive);
            app.manage(prepare::Prepare::default());
            app.manage(portal_window::PortalNotices::default());
            archive::start_idle_lock(app.handle());
            Ok(())
        })
        .plugin(tauri_plugin_dialog::init())
        .on_window_event(prepare::on_window_event)
        .register_asynchronous_uri_scheme_protocol(
            archive::DOCUMENT_SCHEME,
            |ctx, request, responder| {
                // Decryption off the main thread; the webview waits for the responder.
                let app = ctx.app_handle().clone();
                let label = ctx.webview_label().to_owned();
                let path = request.uri().path().to_owned();
                let origin = request
                    .headers()
                    .get(tauri::http::header::ORIGIN)
                    .and_then(|o| o.to_str().ok())
                    .map(str::to_owned);
                tauri::async_runtime::spawn_blocking(move || {
                    let response = archive::serve_document(&app, &label, &path, origin.as_deref());
                    responder.respond(response);
                });
            },
        )
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::get_settings,
            commands::set_language,
            commands::set_last_view,
            commands::validate_id,
            archive::archive_status,
            archive::archive_create,
            archive::archive_unlock,
            archive::archive_lock,
            archive::archive_touch,
            archive::archive_search,
            archive::archive_facets,
            archive::archive_card,
            archive::archive_rename_document,
            archive::archive_tag_document,
            archive::archive_trash_document,
            archive::archive_trash,
            archive::archive_restore_document,
            archive::archive_empty_trash,
            archive::archive_export_document,
            archive::archive_import_documents,
            archive::archive_set_passphrase,
            archive::archive_backup,
            archive::archive_rekey,
            archive::set_auto_lock,
            portal::portal_login,
            portal::portal_logout,
            portal::portal_open_cabinet,
            portal::portal_status,
            portal::portal_sync,
            portal::portal_sync_cancel,
            portal::portal_watch_notices,
            commands::set_portal_url,
            prepare::prepare_pick_files,
            prepare::prepare_pick_folder,
            prepare::prepare_choose_folder,
            prepare::prepare_watch_drops,
            prepare::prepare_check,
            prepare::prepare_fix,
            prepare::prepare_cancel,
            prepare::prepare_preview,
            prepare::prepare_file_bytes,
            prepare::prepare_merge,
            prepare::prepare_names,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = result {
        tracing::error!("ePTS Desktop stopped with an error: {e}");
        std::process::exit(1);
    }
}
