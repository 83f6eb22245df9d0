//! Which portal the app talks to: the one the user configured, or the sandbox.
//!
//! With no portal configured the app starts portal-sim in-process on a free loopback port
//! and says so everywhere (the «Песочница» badge), so nobody mistakes it for the real portal.
//! The address can change while the app runs (Settings); the session of the old portal is
//! then forgotten, since it means nothing to the new one.

use crate::commands::AppInfo;
use crate::error::CommandError;
use crate::state::AppState;
use epts_core::{Lang, Localized};
use tauri::{AppHandle, Manager, State, Url};

/// The portal in use.
#[derive(Debug)]
pub struct Portal {
    url: String,
    /// The portal is the local stand-in (started here or by a test harness).
    sandbox: bool,
    /// Keeps the in-process sandbox alive for as long as it is the portal in use.
    _sim: Option<portal_sim::Running>,
}

/// A portal address the settings cannot take.
#[derive(Debug, thiserror::Error)]
pub enum PortalAddressError {
    #[error("not a web address: {0}")]
    NotAUrl(String),
    /// Plain HTTP is for a stand-in on this computer only: a session must not cross a
    /// network unencrypted.
    #[error("plain http to another computer: {0}")]
    Insecure(String),
    #[error("the sandbox did not start: {0}")]
    Sandbox(String),
}

impl Localized for PortalAddressError {
    fn code(&self) -> &'static str {
        match self {
            PortalAddressError::Sandbox(_) => "sandbox_failed",
            _ => "bad_portal_url",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            PortalAddressError::NotAUrl(a) => lang.pick(
                &format!("«{a}» — не адрес сайта. Введите адрес целиком, например https://portal.example.ru/"),
                &format!("«{a}» is not a web address. Type the whole address, e.g. https://portal.example.ru/"),
            ).to_owned(),
            PortalAddressError::Insecure(a) => lang.pick(
                &format!("Адрес «{a}» без шифрования (http). Для портала нужен https://; http допустим только для песочницы на этом компьютере."),
                &format!("«{a}» is unencrypted (http). A portal needs https://; http is allowed only for a sandbox on this computer."),
            ).to_owned(),
            PortalAddressError::Sandbox(_) => lang.pick(
                "Не удалось запустить песочницу. Перезапустите приложение.",
                "The sandbox did not start. Restart the app.",
            ).to_owned(),
        }
    }
}

/// A portal address as typed, checked: http(s), a host, https unless on loopback.
pub fn parse_address(text: &str) -> Result<String, PortalAddressError> {
    let text = text.trim();
    let url = Url::parse(text).map_err(|_| PortalAddressError::NotAUrl(text.to_owned()))?;
    let Some(host) = url.host_str() else {
        return Err(PortalAddressError::NotAUrl(text.to_owned()));
    };
    match url.scheme() {
        "https" => {}
        "http" if matches!(host, "localhost" | "127.0.0.1" | "[::1]") => {}
        "http" => return Err(PortalAddressError::Insecure(text.to_owned())),
        _ => return Err(PortalAddressError::NotAUrl(text.to_owned())),
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Portal {
    /// `EPTS_PORTAL_URL` (tests, managed installs) wins; then the address in the settings;
    /// without either the sandbox is started.
    pub async fn choose(configured: Option<&str>) -> std::io::Result<Self> {
        let from_env = std::env::var("EPTS_PORTAL_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        match from_env.as_deref().or(configured) {
            Some(url) => Ok(Self::at(url.trim()).await),
            None => Self::sandbox().await,
        }
    }

    /// A configured portal; one that turns out to be a stand-in is shown as the sandbox.
    async fn at(url: &str) -> Self {
        let sandbox = portal_sim::identify(url).await;
        Self {
            // One spelling per portal: the sync cursor and the kept session are filed under
            // it, by the app and by `epts vault sync` alike.
            url: format!("{}/", url.trim_end_matches('/')),
            sandbox,
            _sim: None,
        }
    }

    async fn sandbox() -> std::io::Result<Self> {
        let sim = portal_sim::start(0).await?;
        tracing::info!(url = %sim.url(), "no portal configured: sandbox started");
        Ok(Self {
            url: sim.url(),
            sandbox: true,
            _sim: Some(sim),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_sandbox(&self) -> bool {
        self.sandbox
    }
}

/// Sets the portal address (`None`: back to the sandbox), switches to it at once and logs
/// out of the old one.
#[tauri::command]
pub async fn set_portal_url(
    url: Option<String>,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<AppInfo, CommandError> {
    let lang = state.settings().language;
    let fail = |e: &dyn Localized| CommandError::from_localized_dyn(e, lang);
    let address = match url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(text) => Some(parse_address(text).map_err(|e| fail(&e))?),
        None => None,
    };
    let next = match &address {
        Some(a) => Portal::at(a).await,
        None => Portal::sandbox()
            .await
            .map_err(|e| fail(&PortalAddressError::Sandbox(e.to_string())))?,
    };
    state.update_settings(|s| s.portal_url = address.clone())?;
    crate::login::forget_session(&app, &state).await;
    state.set_portal(next);
    Ok(crate::commands::app_info_of(&state))
}

/// The archive, if the app has one (always, once set up).
pub fn archive(app: &AppHandle) -> std::sync::Arc<crate::archive::Archive> {
    app.state::<std::sync::Arc<crate::archive::Archive>>()
        .inner()
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portal_address_must_be_https_unless_it_is_this_computer() {
        assert_eq!(
            parse_address(" https://portal.example.ru/ ").expect("https"),
            "https://portal.example.ru"
        );
        assert_eq!(
            parse_address("http://127.0.0.1:8700").expect("loopback"),
            "http://127.0.0.1:8700"
        );
        let insecure = parse_address("http://portal.example.ru").expect_err("plain http");
        assert_eq!(insecure.code(), "bad_portal_url");
        assert!(insecure.message(Lang::Ru).contains("https://"));
        for bad in ["portal.example.ru", "ftp://x.ru", "", "https://"] {
            assert!(parse_address(bad).is_err(), "{bad}");
        }
    }
}
