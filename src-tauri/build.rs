//! Declares the app's commands so that the capability files can grant them one by one;
//! a command missing from every capability is refused even in the main window.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "archive_backup",
        "archive_card",
        "archive_create",
        "archive_empty_trash",
        "archive_export_document",
        "archive_facets",
        "archive_import_documents",
        "archive_lock",
        "archive_rekey",
        "archive_rename_document",
        "archive_restore_document",
        "archive_search",
        "archive_set_passphrase",
        "archive_status",
        "archive_tag_document",
        "archive_touch",
        "archive_trash",
        "archive_trash_document",
        "archive_unlock",
        "get_settings",
        "portal_login",
        "portal_logout",
        "portal_open_cabinet",
        "portal_status",
        "portal_sync",
        "portal_sync_cancel",
        "portal_watch_notices",
        "prepare_cancel",
        "prepare_check",
        "prepare_choose_folder",
        "prepare_file_bytes",
        "prepare_fix",
        "prepare_merge",
        "prepare_names",
        "prepare_pick_files",
        "prepare_pick_folder",
        "prepare_preview",
        "prepare_watch_drops",
        "set_language",
        "set_auto_lock",
        "set_portal_url",
        "set_last_view",
        "validate_id",
    ]);
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script reports failure by exiting non-zero; the message is what matters.
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
