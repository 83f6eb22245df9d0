//! The portal window: the portal's own pages (remote content) in a window of the app.
//!
//! It matches no capability, so its pages can call none of the app's commands. It shows
//! only the portal and the login pages that portal uses: any other page (an outside link,
//! an open redirect, another port on this computer) and every new window is refused, with
//! a notice in the app, since this window has no address bar and the app's trusted title.
//! Its title names the host of every page it loads.
//!
//! The session's cookies are read from this webview after the login and then removed from
//! the web context at once (and again at logout, at lock and when the cabinet closes): the
//! session lives in the OS keyring or the vault, never in WebKit's files. Documents the
//! user downloads here are fetched by the core into the archive; the webview writes none.

use crate::error::CommandError;
use crate::state::AppState;
use epts_core::portal::{PortalAddress, SameSite, Session, SessionCookie, is_document_link};
use epts_core::{Code, Lang, Localized};
use serde::Serialize;
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::webview::{Cookie, DownloadEvent, NewWindowResponse, PageLoadEvent, cookie};
use tauri::{AppHandle, Manager, Url, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

/// The portal window's label; no capability names it.
pub const PORTAL_WINDOW: &str = "portal";

/// What became of one download, for the notice.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PortalDownload {
    /// The file name the portal gave.
    pub file_name: String,
    /// The vehicle it was attached to (`None` when no archived record matched).
    pub vin: Option<String>,
    pub epts_number: Option<String>,
    /// The archive document it became; `None` when it failed (see `error`).
    #[ts(type = "number | null")]
    pub document_id: Option<i64>,
    pub error: Option<CommandError>,
}

/// A page or a new window the portal window would not show.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PortalRefusal {
    /// The host of the refused page (what the user would have seen).
    pub host: String,
    pub code: Code,
    pub message: String,
}

/// What the main window hears from the portal window.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PortalNotice {
    Download(PortalDownload),
    Refused(PortalRefusal),
}

/// Where portal notices go (the main window registers once at start).
#[derive(Default)]
pub struct PortalNotices {
    channel: Mutex<Option<Channel<PortalNotice>>>,
}

impl std::fmt::Debug for PortalNotices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PortalNotices")
    }
}

impl PortalNotices {
    pub fn watch(&self, channel: Channel<PortalNotice>) {
        *self.channel.lock().unwrap_or_else(|p| p.into_inner()) = Some(channel);
    }

    fn send(app: &AppHandle, notice: PortalNotice) {
        let channel = app
            .state::<PortalNotices>()
            .channel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(channel) = channel {
            let _ = channel.send(notice);
        }
    }
}

/// Why a page was kept out of the portal window.
#[derive(Debug)]
enum Refused {
    /// A navigation away from the portal and its login.
    Page(String),
    /// A new window (`window.open`, `target=_blank`) to somewhere else.
    Window(String),
}

impl Localized for Refused {
    fn code(&self) -> Code {
        match self {
            Refused::Page(_) => Code::NavigationRefused,
            Refused::Window(_) => Code::WindowRefused,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Refused::Page(host), Lang::Ru) => format!(
                "Окно портала не открыло страницу «{host}»: это не портал и не Госуслуги. Вводите пароль и коды только на страницах портала и Госуслуг; если ссылка нужна, откройте её в своём браузере."
            ),
            (Refused::Page(host), Lang::En) => format!(
                "The portal window did not open «{host}»: it is neither the portal nor Gosuslugi. Type passwords and codes only on the portal's and Gosuslugi's pages; if you need the link, open it in your own browser."
            ),
            (Refused::Window(host), Lang::Ru) => format!(
                "Страница портала попыталась открыть новое окно («{host}»); приложение его не открыло. Если ссылка нужна, откройте её в своём браузере."
            ),
            (Refused::Window(host), Lang::En) => format!(
                "A portal page tried to open a new window («{host}»); the app did not open it. If you need the link, open it in your own browser."
            ),
        }
    }
}

fn host_of(url: &Url) -> String {
    match url.host_str() {
        Some(host) => match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        },
        None => url.scheme().to_owned(),
    }
}

fn refuse(app: &AppHandle, refused: Refused, host: String) {
    let lang = app.state::<AppState>().lang();
    tracing::info!(code = %refused.code(), "portal window: a page was refused");
    PortalNotices::send(
        app,
        PortalNotice::Refused(PortalRefusal {
            host,
            code: refused.code(),
            message: refused.message(lang),
        }),
    );
}

/// The window's title for a page: its host first, so the user always sees where they are.
fn title(url: Option<&Url>, lang: Lang) -> String {
    let app = lang.pick("Портал ЭПТС — ePTS Desktop", "ePTS portal — ePTS Desktop");
    match url.filter(|u| u.host_str().is_some()) {
        Some(url) => format!("{} — {app}", host_of(url)),
        None => app.to_owned(),
    }
}

/// Opens the portal window at `url` (closing one that is open). `on_load` hears every page
/// that finished loading.
pub fn open(
    app: &AppHandle,
    url: Url,
    on_load: impl Fn(&Url) + Send + Sync + 'static,
) -> tauri::Result<WebviewWindow> {
    if let Some(old) = app.get_webview_window(PORTAL_WINDOW) {
        let _ = old.destroy();
    }
    let state = app.state::<AppState>();
    let lang = state.lang();
    let address = state.portal().account.address().clone();
    let (navigations, windows, downloads) = (app.clone(), app.clone(), app.clone());
    let new_windows = address.clone();
    let window = WebviewWindowBuilder::new(app, PORTAL_WINDOW, WebviewUrl::External(url))
        .title(title(None, lang))
        .inner_size(960.0, 760.0)
        .on_page_load(move |window, payload| {
            let _ = window.set_title(&title(Some(payload.url()), lang));
            if payload.event() == PageLoadEvent::Finished {
                on_load(payload.url());
            }
        })
        .on_navigation(move |url| decide(&navigations, &address, url))
        .on_new_window(move |url, _features| {
            // A new window of the app's own would have no title bar of ours to trust: the
            // portal's pages open in this window, documents go to the archive, the rest is
            // refused.
            if is_document_link(&new_windows, &url) {
                capture(&windows, url);
            } else if new_windows.allows_in_window(&url) {
                if let Some(window) = windows.get_webview_window(PORTAL_WINDOW) {
                    let _ = window.navigate(url);
                }
            } else {
                let host = host_of(&url);
                refuse(&windows, Refused::Window(host.clone()), host);
            }
            NewWindowResponse::Deny
        })
        .on_download(move |_webview, event| match event {
            DownloadEvent::Requested { url, .. } => {
                // On Linux `stop_webkit_downloads` has cancelled it already.
                if cfg!(not(target_os = "linux")) {
                    capture(&downloads, url);
                }
                // The core fetches it itself: no plaintext copy lands in Downloads.
                false
            }
            _ => false,
        })
        .build()?;
    #[cfg(target_os = "linux")]
    stop_webkit_downloads(&window)?;
    Ok(window)
}

/// Cancels every WebKitGTK download of the app's web context the moment it starts, and
/// takes the portal's own into the archive instead. Tauri's download handler alone is not
/// enough on Linux: a page whose answer is an attachment (no `.pdf` in its address, so not
/// taken at navigation) became a download that never reached it, and WebKit saved the
/// file in plaintext into the working folder (the e2e test `portal_safety` shows it). The
/// context outlives the window, so the signal is connected once.
#[cfg(target_os = "linux")]
fn stop_webkit_downloads(window: &WebviewWindow) -> tauri::Result<()> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use webkit2gtk::{DownloadExt, URIRequestExt, WebContextExt, WebViewExt};
    static CONNECTED: AtomicBool = AtomicBool::new(false);
    let app = window.app_handle().clone();
    window.with_webview(move |webview| {
        let Some(context) = webview.inner().context() else {
            tracing::error!("portal window: no web context to guard downloads in");
            return;
        };
        if CONNECTED.swap(true, Ordering::SeqCst) {
            return;
        }
        context.connect_download_started(move |_, download| {
            let uri = download.request().and_then(|r| r.uri());
            download.cancel();
            let Some(url) = uri.and_then(|u| Url::parse(&u).ok()) else {
                return;
            };
            let address = app.state::<AppState>().portal().account.address().clone();
            if address.is_own(&url) {
                capture(&app, url);
            } else {
                let host = host_of(&url);
                refuse(&app, Refused::Page(host.clone()), host);
            }
        });
    })
}

/// Whether the window may go to `url`. WebKitGTK does not report a navigation that turns
/// into a download to the download handler, so a link to a document of the portal is taken
/// here, before the webview asks for it.
fn decide(app: &AppHandle, address: &PortalAddress, url: &Url) -> bool {
    if is_document_link(address, url) {
        capture(app, url.clone());
        return false;
    }
    if address.allows_in_window(url) {
        return true;
    }
    let host = host_of(url);
    refuse(app, Refused::Page(host.clone()), host);
    false
}

/// Fetches a document the portal window asked for into the archive (through the core,
/// which paces and checks it) and tells the main window what became of it.
fn capture(app: &AppHandle, url: Url) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let portal = state.portal();
        let result = portal
            .account
            .download_into(&url, state.archive.as_ref())
            .await;
        let fallback = url
            .path_segments()
            .and_then(|mut s| s.next_back())
            .and_then(epts_core::portal::safe_file_name)
            .unwrap_or_else(|| "download".into());
        let notice = match result {
            Ok(stored) => PortalDownload {
                file_name: stored.file_name,
                vin: stored.vin,
                epts_number: stored.epts_number,
                document_id: Some(stored.document_id),
                error: None,
            },
            Err(e) => {
                tracing::info!(code = %e.code(), "portal download not stored");
                PortalDownload {
                    epts_number: epts_core::portal::epts_number_in(url.path())
                        .map(|n| n.as_str().to_owned()),
                    file_name: fallback,
                    vin: None,
                    document_id: None,
                    error: Some(state.fail(&e)),
                }
            }
        };
        tracing::info!(
            stored = notice.document_id.is_some(),
            attached = notice.vin.is_some(),
            "portal download captured"
        );
        PortalNotices::send(&app, PortalNotice::Download(notice));
    });
}

/// The session's cookies as the webview holds them (HttpOnly included), read on a blocking
/// thread: WebView2 deadlocks when asked from the page-load callback.
pub async fn read_session(window: &WebviewWindow, url: Url) -> tauri::Result<Session> {
    let reader = window.clone();
    let cookies = tauri::async_runtime::spawn_blocking(move || reader.cookies_for_url(url))
        .await
        .map_err(|e| tauri::Error::Io(std::io::Error::other(e.to_string())))??;
    Ok(Session::new(cookies.iter().map(|c| SessionCookie {
        name: c.name().to_owned(),
        value: c.value().to_owned(),
        domain: c.domain().map(str::to_owned),
        path: c.path().map(str::to_owned),
        secure: c.secure().unwrap_or(false),
        http_only: c.http_only().unwrap_or(false),
        same_site: c.same_site().map(|s| match s {
            cookie::SameSite::Strict => SameSite::Strict,
            cookie::SameSite::Lax => SameSite::Lax,
            cookie::SameSite::None => SameSite::None,
        }),
    })))
}

/// Puts a kept session back into the window with the attributes the portal set: a
/// host-only cookie stays host-only, `Secure` and `SameSite` stay. No expiry is given, so
/// WebKit keeps them in memory only, never in its cookie file.
pub fn put_session(window: &WebviewWindow, session: &Session, address: &PortalAddress) {
    for c in session.cookies() {
        // Cookies kept by older versions carry no attributes: host-only on the portal,
        // Secure when the portal is https.
        let domain = c
            .domain
            .clone()
            .unwrap_or_else(|| address.host().to_owned());
        let secure = c.secure || (c.domain.is_none() && address.url().scheme() == "https");
        let mut built = Cookie::build((c.name.clone(), c.value.clone()))
            .domain(domain)
            .path(c.path.clone().unwrap_or_else(|| "/".into()))
            .secure(secure)
            .http_only(c.http_only || c.domain.is_none());
        if let Some(same_site) = c.same_site {
            built = built.same_site(match same_site {
                SameSite::Strict => cookie::SameSite::Strict,
                SameSite::Lax => cookie::SameSite::Lax,
                SameSite::None => cookie::SameSite::None,
            });
        }
        if let Err(e) = window.set_cookie(built.build()) {
            tracing::warn!(error = %e, "portal window: a session cookie was not set");
        }
    }
}

/// Removes every cookie and all storage from the web context the portal window uses. The
/// context is shared with the main window (WebDriver drives the second window only then),
/// so the main window's web storage goes too: the app keeps nothing there (settings live on
/// the Rust side). Cookies are deleted one by one first: that call waits until WebKit has
/// done it, while the full clear below runs in the background.
pub fn clear(app: &AppHandle) {
    let Some(webview) = app
        .get_webview_window(PORTAL_WINDOW)
        .or_else(|| app.get_webview_window("main"))
    else {
        return;
    };
    match webview.cookies() {
        Ok(cookies) => {
            for c in cookies {
                if let Err(e) = webview.delete_cookie(c) {
                    tracing::warn!(error = %e, "a portal cookie could not be removed");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "the web context's cookies could not be listed"),
    }
    if let Err(e) = webview.clear_all_browsing_data() {
        tracing::warn!(error = %e, "the portal window's data could not be cleared");
    }
}

/// Clears the web context from a blocking thread (the cookie calls wait on the GTK loop).
pub async fn clear_async(app: &AppHandle) {
    let app = app.clone();
    let _ = tauri::async_runtime::spawn_blocking(move || clear(&app)).await;
}
