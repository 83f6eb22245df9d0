//! The commands the app's own UI calls. Each is a few lines: parse, call core, map errors.
//! A new command must also be declared in build.rs and granted in capabilities/.

use crate::error::CommandError;
use crate::portal_window;
use crate::state::{AppState, PortalInUse};
use epts_core::Lang;
use epts_core::ids::{self, IdKind, Report};
use epts_core::portal::PortalAddress;
use epts_core::settings::{Settings, View};
use serde::Serialize;
use tauri::{AppHandle, State};

/// What the UI shows about the running app.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// True when the local stand-in portal is in use.
    pub sandbox: bool,
    pub portal_url: String,
    /// The address configured for the portal (`EPTS_PORTAL_URL` or the settings) was
    /// refused at start; the sandbox runs instead.
    pub portal_refused: Option<CommandError>,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    app_info_of(&state)
}

pub fn app_info_of(state: &AppState) -> AppInfo {
    let portal = state.portal();
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        sandbox: portal.sandbox,
        portal_url: portal.account.address().to_string(),
        portal_refused: state.portal_refused.as_ref().map(|e| state.fail(e)),
    }
}

/// Sets the portal address (`None`: back to the sandbox), switches to it at once and logs
/// out of the old one: its session means nothing to the new portal.
#[tauri::command]
pub async fn set_portal_url(
    url: Option<String>,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<AppInfo, CommandError> {
    let address = match url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(text) => Some(PortalAddress::parse(text).map_err(|e| state.fail(&e))?),
        None => None,
    };
    let next = match &address {
        Some(a) => PortalInUse::at(a.clone())
            .await
            .map_err(|e| state.fail(&e))?,
        None => PortalInUse::sandbox().await.map_err(|e| state.fail(&e))?,
    };
    state.update_settings(|s| s.portal_url = address.as_ref().map(ToString::to_string))?;
    state.portal().account.logout(state.archive.as_ref());
    portal_window::clear_async(&app).await;
    state.set_portal(next);
    Ok(app_info_of(&state))
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Settings {
    state.settings()
}

#[tauri::command]
pub fn set_language(language: Lang, state: State<'_, AppState>) -> Result<Settings, CommandError> {
    state.update_settings(|s| s.language = language)
}

#[tauri::command]
pub fn set_last_view(view: View, state: State<'_, AppState>) -> Result<Settings, CommandError> {
    state.update_settings(|s| s.last_view = view)
}

#[tauri::command]
pub fn validate_id(kind: IdKind, value: String, state: State<'_, AppState>) -> Report {
    ids::check_today(kind, &value, state.settings().language)
}

#[cfg(test)]
mod tests {
    use super::*;
    use epts_core::Localized;

    #[test]
    fn command_error_keeps_code_and_localized_message() {
        let err = epts_core::settings::SettingsError::Write {
            path: "/nowhere".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        let ce = CommandError::from_localized(&err, Lang::Ru);
        assert_eq!(ce.code, err.code());
        assert!(ce.message.starts_with("Не удалось сохранить настройки"));
    }
}
