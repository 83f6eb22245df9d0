//! Logging in through Gosuslugi in a separate portal window.
//!
//! The window shows the portal's own pages (remote content; it matches no capability, so it
//! can call none of the app's commands). The shell only watches where it navigates: when a
//! page of the cabinet has finished loading, it reads the portal's cookies from that webview
//! — HttpOnly ones included — checks them with one API call, and keeps the session.
//! Cookies are read from async code on a blocking thread, never inside the page-load
//! callback: WebView2 deadlocks there (PLATFORM.md).

use crate::error::CommandError;
use crate::state::AppState;
use epts_core::portal::{HttpPortal, Me, Portal, PortalConfig, PortalError, Session};
use epts_core::{Lang, Localized};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, State, Url, WebviewUrl, WebviewWindowBuilder};
use tokio::sync::oneshot;

/// The portal window's label; no capability names it.
pub const PORTAL_WINDOW: &str = "portal";

/// Who is logged in, as the UI shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PortalUser {
    pub display_name: String,
    /// `person` or `legal_entity`.
    pub kind: String,
    pub account_status: String,
    pub inn: Option<String>,
    pub ogrn: Option<String>,
}

impl From<Me> for PortalUser {
    fn from(me: Me) -> Self {
        Self {
            display_name: me.display_name,
            kind: me.kind,
            account_status: me.account_status,
            inn: me.inn,
            ogrn: me.ogrn,
        }
    }
}

/// The login's own failures (the portal's are `PortalError`s).
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoginError {
    #[error("the login window was closed")]
    Cancelled,
    #[error("no session cookies after login")]
    NoCookies,
    #[error("window: {0}")]
    Window(String),
}

impl Localized for LoginError {
    fn code(&self) -> &'static str {
        match self {
            LoginError::Cancelled => "login_cancelled",
            LoginError::NoCookies => "session_lost",
            LoginError::Window(_) => "login_window_failed",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            LoginError::Cancelled => lang.pick(
                "Вход прерван: окно портала закрыто. Нажмите «Войти через Госуслуги», чтобы начать снова.",
                "Login stopped: the portal window was closed. Press «Log in with Gosuslugi» to start again.",
            ),
            LoginError::NoCookies => lang.pick(
                "Портал не передал сеанс после входа. Разрешите cookie и войдите снова.",
                "The portal gave no session after login. Allow cookies and log in again.",
            ),
            LoginError::Window(_) => lang.pick(
                "Не удалось открыть окно портала. Перезапустите приложение и попробуйте снова.",
                "Could not open the portal window. Restart the app and try again.",
            ),
        }
        .to_owned()
    }
}

fn portal_client(state: &AppState) -> Result<HttpPortal, PortalError> {
    HttpPortal::new(PortalConfig::new(state.portal.url()))
}

/// Opens the portal window and resolves when the user has reached the cabinet (or gave up).
#[tauri::command]
pub async fn portal_login(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<PortalUser, CommandError> {
    let lang = state.settings().language;
    let fail = |e: &dyn Localized| CommandError::from_localized_dyn(e, lang);
    let portal = portal_client(&state).map_err(|e| fail(&e))?;
    // A skewed clock breaks one-time codes: say so before the user types anything.
    portal.check_clock().await.map_err(|e| fail(&e))?;

    let base =
        Url::parse(state.portal.url()).map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    let login_url = base
        .join("login")
        .map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    if let Some(old) = app.get_webview_window(PORTAL_WINDOW) {
        let _ = old.destroy();
    }

    let (tx, rx) = oneshot::channel::<Result<Url, LoginError>>();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let send = {
        let tx = Arc::clone(&tx);
        move |outcome: Result<Url, LoginError>| {
            if let Some(tx) = tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
                let _ = tx.send(outcome);
            }
        }
    };
    let on_load = send.clone();
    let origin = base.origin();
    let window = WebviewWindowBuilder::new(&app, PORTAL_WINDOW, WebviewUrl::External(login_url))
        .title(lang.pick("Вход через Госуслуги", "Log in with Gosuslugi"))
        .inner_size(960.0, 760.0)
        .on_page_load(move |_window, payload| {
            let url = payload.url();
            if payload.event() == PageLoadEvent::Finished
                && url.origin() == origin
                && url.path().starts_with("/cabinet")
            {
                on_load(Ok(url.clone()));
            }
        })
        .build()
        .map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    let on_close = send;
    window.on_window_event(move |event| {
        if matches!(event, tauri::WindowEvent::Destroyed) {
            on_close(Err(LoginError::Cancelled));
        }
    });

    let cabinet = rx
        .await
        .unwrap_or(Err(LoginError::Cancelled))
        .map_err(|e| fail(&e))?;
    let reader = window.clone();
    let cookies = tauri::async_runtime::spawn_blocking(move || reader.cookies_for_url(cabinet))
        .await
        .map_err(|e| fail(&LoginError::Window(e.to_string())))?
        .map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    let session = Session::from_cookies(cookies.iter().map(|c| (c.name(), c.value())));
    if session.is_empty() {
        return Err(fail(&LoginError::NoCookies));
    }
    // One API call proves the session before it is kept.
    let me = portal.me(&session).await.map_err(|e| fail(&e))?;
    let user = PortalUser::from(me);
    state.set_session(Some((session, user.clone())));
    let _ = window.destroy();
    tracing::info!("portal login: session accepted");
    Ok(user)
}

/// Who is logged in, if anyone.
#[tauri::command]
pub fn portal_status(state: State<'_, AppState>) -> Option<PortalUser> {
    state.session_user()
}

/// Forgets the session and clears the portal webview's cookies and storage.
#[tauri::command]
pub async fn portal_logout(app: AppHandle, state: State<'_, AppState>) -> Result<(), CommandError> {
    state.set_session(None);
    let lang = state.settings().language;
    // The webview context is shared, so any webview clears the portal's cookies; a
    // short-lived hidden portal window is used when none is open.
    let window = match app.get_webview_window(PORTAL_WINDOW) {
        Some(w) => w,
        None => WebviewWindowBuilder::new(
            &app,
            PORTAL_WINDOW,
            WebviewUrl::External(Url::parse("about:blank").map_err(|e| {
                CommandError::from_localized_dyn(&LoginError::Window(e.to_string()), lang)
            })?),
        )
        .visible(false)
        .build()
        .map_err(|e| CommandError::from_localized_dyn(&LoginError::Window(e.to_string()), lang))?,
    };
    let result = window.clear_all_browsing_data();
    let _ = window.destroy();
    result.map_err(|e| CommandError::from_localized_dyn(&LoginError::Window(e.to_string()), lang))
}
