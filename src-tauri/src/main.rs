//! ePTS Desktop: the desktop shell.
//!
//! Thin by design: commands parse their arguments, call `epts-core` and map its errors.
//! Only the main window (the app's own UI) may call commands; see
//! `capabilities/main-window.json`.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod login;
mod portal;
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
            let portal = tauri::async_runtime::block_on(portal::Portal::from_env())?;
            let state = AppState::load(config_dir, portal)?;
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::get_settings,
            commands::set_language,
            commands::set_last_view,
            commands::validate_id,
            login::portal_login,
            login::portal_logout,
            login::portal_status,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = result {
        tracing::error!("ePTS Desktop stopped with an error: {e}");
        std::process::exit(1);
    }
}
