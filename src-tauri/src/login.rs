//! Logging in through Gosuslugi in a separate portal window.
//!
//! The window shows the portal's own pages (remote content; it matches no capability, so it
//! can call none of the app's commands). The shell only watches where it navigates: when a
//! page of the cabinet has finished loading, it reads the portal's cookies from that webview
//! — HttpOnly ones included — checks them with one API call, and keeps the session.
//! Cookies are read from async code on a blocking thread, never inside the page-load
//! callback: WebView2 deadlocks there (PLATFORM.md).

use crate::error::CommandError;
use crate::state::{ActiveSession, AppState};
use epts_core::portal::{
    HttpPortal, LoginFailure, Me, Portal, PortalConfig, PortalError, SavedSession, Session,
};
use epts_core::{Lang, Localized};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use tauri::webview::{DownloadEvent, PageLoadEvent};
use tauri::{AppHandle, Manager, State, Url, WebviewUrl, WebviewWindow, WebviewWindowBuilder};
use tokio::sync::oneshot;

/// The portal window's label; no capability names it.
pub const PORTAL_WINDOW: &str = "portal";

/// Who is logged in, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PortalUser {
    pub display_name: String,
    /// `person` or `legal_entity`.
    pub kind: String,
    pub account_status: String,
    pub inn: Option<String>,
    pub ogrn: Option<String>,
}

impl From<PortalUser> for Me {
    fn from(u: PortalUser) -> Self {
        Self {
            display_name: u.display_name,
            kind: u.kind,
            account_status: u.account_status,
            inn: u.inn,
            ogrn: u.ogrn,
        }
    }
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
    #[error("not logged in")]
    NotLoggedIn,
    #[error("window: {0}")]
    Window(String),
}

impl Localized for LoginError {
    fn code(&self) -> &'static str {
        match self {
            LoginError::Cancelled => "login_cancelled",
            LoginError::NoCookies => "session_lost",
            LoginError::NotLoggedIn => "not_logged_in",
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
            LoginError::NotLoggedIn => lang.pick(
                "Сначала войдите на портал: раздел «Портал», кнопка «Войти через Госуслуги».",
                "Log in to the portal first: section «Portal», button «Log in with Gosuslugi».",
            ),
            LoginError::Window(_) => lang.pick(
                "Не удалось открыть окно портала. Перезапустите приложение и попробуйте снова.",
                "Could not open the portal window. Restart the app and try again.",
            ),
        }
        .to_owned()
    }
}

/// A client for the portal in use.
pub fn portal_client(state: &AppState) -> Result<HttpPortal, PortalError> {
    HttpPortal::new(PortalConfig::new(state.portal().url()))
}

/// The origin of the portal in use (downloads are taken only from it).
fn portal_origin(app: &AppHandle) -> Option<String> {
    let state = app.state::<AppState>();
    Url::parse(state.portal().url())
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// How the portal window ended a login: in the cabinet, or on an error page.
type Outcome = Result<Url, Box<dyn Localized + Send>>;

/// Opens the portal window at `url`. Remote content with no capability: it can call no
/// command. Downloads started in it are fetched by the shell into the archive instead of
/// being written to disk by the webview.
fn open_portal_window(
    app: &AppHandle,
    url: Url,
    lang: Lang,
    on_load: impl Fn(&Url) + Send + Sync + 'static,
) -> tauri::Result<WebviewWindow> {
    if let Some(old) = app.get_webview_window(PORTAL_WINDOW) {
        let _ = old.destroy();
    }
    let downloads = app.clone();
    let navigations = app.clone();
    let origin = portal_origin(app);
    WebviewWindowBuilder::new(app, PORTAL_WINDOW, WebviewUrl::External(url))
        .title(lang.pick(
            "Портал ЭПТС — вход через Госуслуги",
            "ePTS portal — log in with Gosuslugi",
        ))
        .inner_size(960.0, 760.0)
        .on_page_load(move |_window, payload| {
            if payload.event() == PageLoadEvent::Finished {
                on_load(payload.url());
            }
        })
        .on_navigation(move |url| {
            // WebKitGTK does not report a navigation that turns into a download to the
            // download handler below, so a link to a document of the portal is taken here,
            // before the webview asks for it.
            if crate::downloads::is_document_link(url, origin.as_deref()) {
                crate::downloads::capture(&navigations, url.clone());
                return false;
            }
            true
        })
        .on_download(move |_webview, event| match event {
            DownloadEvent::Requested { url, .. } => {
                crate::downloads::capture(&downloads, url);
                // The shell fetches it itself: no plaintext copy lands in Downloads.
                false
            }
            _ => true,
        })
        .build()
}

/// Opens the portal window and resolves when the user has reached the cabinet (or gave up,
/// or Gosuslugi or the portal ended the login with an error page).
#[tauri::command]
pub async fn portal_login(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<PortalUser, CommandError> {
    let lang = state.settings().language;
    let fail = |e: &dyn Localized| CommandError::from_localized_dyn(e, lang);
    let portal_url = state.portal().url().to_owned();
    let portal = portal_client(&state).map_err(|e| fail(&e))?;
    // A skewed clock breaks one-time codes: say so before the user types anything.
    portal.check_clock().await.map_err(|e| fail(&e))?;

    let base = Url::parse(&portal_url).map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    let login_url = base
        .join("login")
        .map_err(|e| fail(&LoginError::Window(e.to_string())))?;

    let (tx, rx) = oneshot::channel::<Outcome>();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let send = {
        let tx = Arc::clone(&tx);
        move |outcome: Outcome| {
            if let Some(tx) = tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
                let _ = tx.send(outcome);
            }
        }
    };
    let on_load = send.clone();
    let origin = base.origin();
    let window = open_portal_window(&app, login_url, lang, move |url| {
        if let Some(failure) = LoginFailure::from_url(url) {
            // A wrong password is answered on the form itself; every other error page
            // ends the flow, and the app says what to do next.
            if failure != LoginFailure::WrongPassword {
                tracing::info!(
                    code = failure.code(),
                    "portal login: ended on an error page"
                );
                on_load(Err(Box::new(failure)));
            }
        } else if url.origin() == origin && url.path().starts_with("/cabinet") {
            on_load(Ok(url.clone()));
        }
    })
    .map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    let on_close = send;
    window.on_window_event(move |event| {
        if matches!(event, tauri::WindowEvent::Destroyed) {
            on_close(Err(Box::new(LoginError::Cancelled)));
        }
    });

    let outcome = rx
        .await
        .unwrap_or_else(|_| Err(Box::new(LoginError::Cancelled)));
    let cabinet = match outcome {
        Ok(url) => url,
        Err(e) => {
            let _ = window.destroy();
            return Err(fail(e.as_ref()));
        }
    };
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
    let user = PortalUser::from(me.clone());
    let saved = SavedSession { session, user: me };
    let home = keep_session(&app, &state, &portal_url, &saved);
    state.set_session(Some(ActiveSession {
        session: saved.session,
        user: user.clone(),
        home,
        unchecked: false,
    }));
    state
        .session_ended
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = window.destroy();
    tracing::info!(kept_in = ?home, "portal login: session accepted");
    Ok(user)
}

/// Keeps the session across restarts where it can; a failure only costs the next login.
fn keep_session(
    app: &AppHandle,
    state: &AppState,
    portal_url: &str,
    saved: &SavedSession,
) -> Option<epts_core::portal::SessionHome> {
    let archive = crate::portal::archive(app);
    archive
        .with_optional(|vault| state.keeper.save(portal_url, saved, vault.as_deref()))
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the portal session could not be kept");
            None
        })
}

/// Opens the portal's cabinet in the portal window, logged in with the current session;
/// files downloaded there go into the archive.
#[tauri::command]
pub async fn portal_open_cabinet(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<(), CommandError> {
    let lang = state.settings().language;
    let fail = |e: &dyn Localized| CommandError::from_localized_dyn(e, lang);
    let active = state
        .session()
        .ok_or_else(|| fail(&LoginError::NotLoggedIn))?;
    let base =
        Url::parse(state.portal().url()).map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    let cabinet = base
        .join("cabinet")
        .map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    // The blank page first: cookies can be set only once the window has a webview.
    let blank = Url::parse("about:blank").map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    let window = open_portal_window(&app, blank, lang, |_| {})
        .map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    // After a restart the session comes from the keyring, not from the webview's storage.
    let host = base.host_str().unwrap_or_default().to_owned();
    let secret = active.session.to_secret();
    for (name, value) in secret.split("; ").filter_map(|p| p.split_once('=')) {
        let cookie = tauri::webview::Cookie::build((name.to_owned(), value.to_owned()))
            .domain(host.clone())
            .path("/")
            .http_only(true)
            .build();
        if let Err(e) = window.set_cookie(cookie) {
            tracing::warn!(error = %e, "portal window: a session cookie was not set");
        }
    }
    window
        .navigate(cabinet)
        .map_err(|e| fail(&LoginError::Window(e.to_string())))?;
    Ok(())
}

/// Forgets the session everywhere: memory, keyring, vault, and the portal webview's data.
pub async fn forget_session(app: &AppHandle, state: &AppState) {
    let portal_url = state.portal().url().to_owned();
    state.set_session(None);
    let archive = crate::portal::archive(app);
    if let Err(e) =
        archive.with_optional(|vault| state.keeper.forget(&portal_url, vault.as_deref()))
    {
        tracing::warn!(error = %e, "the kept portal session could not be removed");
    }
    if let Err(e) = clear_portal_webview(app) {
        tracing::warn!(error = %e, "the portal window's data could not be cleared");
    }
}

/// Clears the portal webview's cookies and storage. The webview context is shared, so any
/// webview clears the portal's cookies; a short-lived hidden portal window is used when
/// none is open.
fn clear_portal_webview(app: &AppHandle) -> tauri::Result<()> {
    let window = match app.get_webview_window(PORTAL_WINDOW) {
        Some(w) => w,
        None => WebviewWindowBuilder::new(
            app,
            PORTAL_WINDOW,
            WebviewUrl::External(Url::parse("about:blank").map_err(|e| {
                tauri::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
            })?),
        )
        .visible(false)
        .build()?,
    };
    let result = window.clear_all_browsing_data();
    let _ = window.destroy();
    result
}

/// Logs out: the session is forgotten and the portal webview's cookies and storage cleared.
#[tauri::command]
pub async fn portal_logout(app: AppHandle, state: State<'_, AppState>) -> Result<(), CommandError> {
    forget_session(&app, &state).await;
    state
        .session_ended
        .store(false, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}
