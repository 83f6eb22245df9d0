//! «Портал»: the commands of the portal section, each a few lines over the core's
//! [`Account`](epts_core::portal::Account) and the portal window.
//!
//! Login: the portal window shows the portal's own pages; when a page of the cabinet has
//! finished loading, its session cookies are read from that webview, removed from it, and
//! handed to the account, which checks them with one call and keeps them (keyring or
//! vault). Gosuslugi and the portal end a failed login on an error page whose address names
//! the failure; the app says what to do next.

use crate::error::CommandError;
use crate::portal_window::{self, PortalNotice, PortalNotices};
use crate::state::AppState;
use epts_core::portal::{AccountError, LoginFailure, Me, PortalStatus, SyncProgress, SyncReport};
use epts_core::{Code, Lang, Localized};
use std::sync::{Arc, Mutex};
use tauri::ipc::Channel;
use tauri::{AppHandle, State, Url};
use tokio::sync::oneshot;

/// The login window's own failures (the portal's come as theirs).
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoginError {
    #[error("the login window was closed")]
    Cancelled,
    #[error("window: {0}")]
    Window(String),
}

impl Localized for LoginError {
    fn code(&self) -> Code {
        match self {
            LoginError::Cancelled => Code::LoginCancelled,
            LoginError::Window(_) => Code::LoginWindowFailed,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            LoginError::Cancelled => lang.pick(
                "Вход прерван: окно портала закрыто. Нажмите «Войти через Госуслуги», чтобы начать снова.",
                "Login stopped: the portal window was closed. Press «Log in with Gosuslugi» to start again.",
            ),
            LoginError::Window(_) => lang.pick(
                "Не удалось открыть окно портала. Перезапустите приложение и попробуйте снова.",
                "Could not open the portal window. Restart the app and try again.",
            ),
        }
        .to_owned()
    }
}

fn window_failed(e: impl std::fmt::Display) -> LoginError {
    LoginError::Window(e.to_string())
}

/// How the portal window ended a login: in the cabinet, or on an error page.
type Outcome = Result<Url, Box<dyn Localized + Send>>;

/// Opens the portal window and resolves when the user has reached the cabinet (or gave up,
/// or Gosuslugi or the portal ended the login with an error page).
#[tauri::command]
pub async fn portal_login(app: AppHandle, state: State<'_, AppState>) -> Result<Me, CommandError> {
    let portal = state.portal();
    let account = &portal.account;
    // A skewed clock breaks one-time codes: say so before the user types anything.
    account.check_clock().await.map_err(|e| state.fail(&e))?;

    let (tx, rx) = oneshot::channel::<Outcome>();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let send = move |outcome: Outcome| {
        if let Some(tx) = tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(outcome);
        }
    };
    let on_load = send.clone();
    let address = account.address().clone();
    let cabinet_path = address.page("cabinet").path().to_owned();
    let window = portal_window::open(&app, address.page("login"), move |url| {
        if let Some(failure) = LoginFailure::from_url(url) {
            // A wrong password is answered on the form itself; every other error page
            // ends the flow, and the app says what to do next.
            if failure != LoginFailure::WrongPassword {
                tracing::info!(code = %failure.code(), "portal login: ended on an error page");
                on_load(Err(Box::new(failure)));
            }
        } else if address.is_own(url) && url.path().starts_with(&cabinet_path) {
            on_load(Ok(url.clone()));
        }
    })
    .map_err(|e| state.fail(&window_failed(e)))?;
    window.on_window_event(move |event| {
        if matches!(event, tauri::WindowEvent::Destroyed) {
            send(Err(Box::new(LoginError::Cancelled)));
        }
    });

    let outcome = rx
        .await
        .unwrap_or_else(|_| Err(Box::new(LoginError::Cancelled)));
    let cabinet = match outcome {
        Ok(url) => url,
        Err(e) => {
            let _ = window.destroy();
            portal_window::clear_async(&app).await;
            return Err(state.fail(e.as_ref()));
        }
    };
    let session = portal_window::read_session(&window, cabinet).await;
    // From here the session lives in the keyring or the vault; WebKit keeps none of it.
    portal_window::clear_async(&app).await;
    let _ = window.destroy();
    let session = session.map_err(|e| state.fail(&window_failed(e)))?;
    let active = account
        .accept_login(session, state.archive.as_ref())
        .await
        .map_err(|e| state.fail(&e))?;
    Ok(active.user)
}

/// Opens the portal's cabinet in the portal window, logged in with the current session;
/// files downloaded there go into the archive. The session's cookies leave the web context
/// when the window closes.
#[tauri::command]
pub async fn portal_open_cabinet(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<(), CommandError> {
    let portal = state.portal();
    let account = &portal.account;
    let active = account
        .restore(state.archive.as_ref())
        .await
        .ok_or_else(|| state.fail(&AccountError::NotLoggedIn))?;
    // The blank page first: cookies can be set only once the window has a webview.
    let blank = Url::parse("about:blank").map_err(|e| state.fail(&window_failed(e)))?;
    let window =
        portal_window::open(&app, blank, |_| {}).map_err(|e| state.fail(&window_failed(e)))?;
    portal_window::put_session(&window, &active.session, account.address());
    let closed = app.clone();
    window.on_window_event(move |event| {
        // Replaced by another portal window (a login): that one manages the context.
        if matches!(event, tauri::WindowEvent::Destroyed)
            && tauri::Manager::get_webview_window(&closed, portal_window::PORTAL_WINDOW).is_none()
        {
            let app = closed.clone();
            tauri::async_runtime::spawn(async move { portal_window::clear_async(&app).await });
        }
    });
    window
        .navigate(account.address().page("cabinet"))
        .map_err(|e| state.fail(&window_failed(e)))?;
    Ok(())
}

/// Logs out: the session is forgotten (memory, keyring, vault) and the portal webview's
/// cookies and storage cleared. Works without the portal.
#[tauri::command]
pub async fn portal_logout(app: AppHandle, state: State<'_, AppState>) -> Result<(), CommandError> {
    if let Some(window) = tauri::Manager::get_webview_window(&app, portal_window::PORTAL_WINDOW) {
        let _ = window.destroy();
    }
    state.portal().account.logout(state.archive.as_ref());
    portal_window::clear_async(&app).await;
    Ok(())
}

/// Who is logged in (restoring a kept session after a restart) and when the archive last
/// got the portal's data.
#[tauri::command]
pub async fn portal_status(state: State<'_, AppState>) -> Result<PortalStatus, CommandError> {
    Ok(state.portal().account.status(state.archive.as_ref()).await)
}

/// Fetches the user's ePTS records and extracts into the open archive.
#[tauri::command]
pub async fn portal_sync(
    on_progress: Channel<SyncProgress>,
    state: State<'_, AppState>,
) -> Result<SyncReport, CommandError> {
    let progress = |p: SyncProgress| {
        let _ = on_progress.send(p);
    };
    state
        .portal()
        .account
        .sync_into(state.archive.as_ref(), &progress)
        .await
        .map_err(|e| state.fail(&e))
}

/// Stops the running sync after the record in hand; the next sync goes on from there.
#[tauri::command]
pub fn portal_sync_cancel(state: State<'_, AppState>) {
    state.portal().account.cancel_sync();
}

/// Downloads and refused pages in the portal window are reported to `on_notice`.
#[tauri::command]
pub fn portal_watch_notices(on_notice: Channel<PortalNotice>, notices: State<'_, PortalNotices>) {
    notices.watch(on_notice);
}
