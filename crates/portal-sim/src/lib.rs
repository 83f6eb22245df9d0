//! portal-sim: a local stand-in for Gosuslugi (ESIA) and the ePTS portal.
//!
//! It binds to loopback only, answers only requests addressed to its own loopback address
//! (`Host`), and serves:
//! - the portal's start page, «Войти через Госуслуги» (`/login`) and the OAuth callback;
//! - a Gosuslugi-like login (`/esia/...`): login and password, a confirmation code (shown
//!   on its own page: there is no phone), consent, and the failures users meet, with
//!   `ESIA-007xxx` codes;
//! - the cabinet's pages (list, record card, «Скачать PDF», application form) and its JSON
//!   API (`/api/v1/...`, docs/portal-protocol/openapi.json);
//! - the application upload API in the shape of the EPGU API (`/api/gusmev/...`: orders,
//!   archives whole or in chunks, their check, statuses on the clock; `orders`);
//! - extract PDFs with an embedded Cyrillic font.
//!
//! With the `test-controls` feature, `start` and its kin also serve what only tests may
//! reach: the controls (`/__sim/...`: confirmation codes, faults, expiry, limits, account
//! states, record changes, the clock), the IPC probe and the navigation test pages, and TLS.
//! [`start_sandbox`], which the app runs when no portal is configured, serves none of it
//! whatever the features.

mod api;
mod cabinet;
mod clock;
#[cfg(feature = "test-controls")]
mod conn;
#[cfg(feature = "test-controls")]
mod control;
pub mod data;
mod esia;
pub mod extract;
#[cfg(feature = "test-controls")]
mod faults;
mod host;
mod html;
mod json_errors;
#[cfg(feature = "test-controls")]
mod navigation;
pub mod orders;
mod portal;
#[cfg(feature = "test-controls")]
mod probe;
mod state;
#[cfg(feature = "test-controls")]
mod tls;

pub use clock::Clock;
#[cfg(feature = "test-controls")]
pub use clock::MAX_ADVANCE;
#[cfg(feature = "test-controls")]
pub use control::Expirable;
#[cfg(feature = "test-controls")]
pub use faults::OVERSIZED_JSON_BYTES;
#[cfg(feature = "test-controls")]
pub use navigation::{ATTACHMENT_PATH, HTML_PDF_PATH};
#[cfg(feature = "test-controls")]
pub use orders::sim_api::{OrderChange, OrderView};
pub use state::{Fault, Limits, LoginFailure, Sim};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Query};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::{any, get, post};
use host::OwnAddress;
use serde::Serialize;
use std::net::{Ipv4Addr, SocketAddr};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What `/health` answers: enough for a client to know it reached the stand-in.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Health {
    pub status: &'static str,
    pub service: &'static str,
    pub version: &'static str,
}

const START_PAGE: &str = include_str!("pages/start.html");

/// What a stand-in serves besides the portal itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The portal and `/health`, nothing else: the app's sandbox.
    Sandbox,
    /// Also faults, the `/__sim/…` controls and the test pages.
    #[cfg(feature = "test-controls")]
    Tests,
}

/// The routes of the portal and ESIA themselves: what a real portal has.
fn portal_routes() -> Router<Sim> {
    let mut routes = Router::new()
        .route("/", get(start_page))
        .route("/login", get(portal::login))
        .route("/callback", get(portal::callback))
        .route("/error", get(portal::error))
        .route(esia::ERROR_PATH, get(esia::error))
        .route("/logout", get(portal::logout))
        .route("/cabinet", get(cabinet::home))
        .route("/cabinet/epts/{id}", get(cabinet::record))
        .route("/cabinet/epts/{id}/extract.pdf", get(cabinet::download))
        .route(
            "/cabinet/applications",
            get(cabinet::applications)
                .post(cabinet::submit_application)
                // An application may carry 30 MB of scans; refusals above that are per file.
                .layer(DefaultBodyLimit::max(40 * 1024 * 1024)),
        )
        .route("/cabinet/applications/new", get(cabinet::application_form))
        .route(esia::AUTHORIZE_PATH, get(esia::authorize))
        .route("/esia/login", post(esia::login))
        .route("/esia/confirm", post(esia::confirm))
        .route("/esia/consent", post(esia::consent));
    let mut api = Router::new();
    for (path, route) in api_routes() {
        api = api.route(path, route);
    }
    // Every failure of the JSON API is `{code, message}`, axum's own rejections included.
    let api = api
        .route("/api/{*rest}", any(json_errors::unknown))
        .route_layer(axum::middleware::from_fn(json_errors::layer));
    routes = routes.merge(api);
    routes
}

/// The JSON API: the cabinet's (`/api/v1`) and the upload API (`/api/gusmev`).
fn api_routes() -> Vec<(&'static str, axum::routing::MethodRouter<Sim>)> {
    let mut routes = api::routes();
    routes.extend(orders::routes());
    routes
}

/// The HTTP routes of a stand-in listening at `own`.
fn router(sim: Sim, own: OwnAddress, mode: Mode) -> Router {
    let routes = match mode {
        Mode::Sandbox => portal_routes(),
        #[cfg(feature = "test-controls")]
        Mode::Tests => portal_routes()
            .layer(axum::middleware::from_fn_with_state(
                sim.clone(),
                faults::faults,
            ))
            // Controls and test pages are never faulted: a test must always reach them.
            .merge(control::routes())
            .merge(probe::routes())
            .merge(navigation::routes()),
    };
    routes.route("/health", get(health)).with_state(sim).layer(
        axum::middleware::from_fn_with_state(own, host::own_host_only),
    )
}

/// The paths of the JSON API, as the router serves them (for the OpenAPI check).
pub fn api_paths() -> Vec<&'static str> {
    api_routes().into_iter().map(|(path, _)| path).collect()
}

#[derive(Debug, serde::Deserialize)]
struct StartQuery {
    error: Option<String>,
}

/// The start page; after a lost session it says so (`data-error-code="session_expired"`).
async fn start_page(Query(q): Query<StartQuery>) -> impl IntoResponse {
    let notice = match q.error.as_deref() {
        Some("session_expired") => {
            r#"<p class="error" data-testid="error" data-error-code="session_expired">Сеанс работы с порталом завершён. Войдите снова.</p>"#
        }
        _ => "",
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(START_PAGE.replace("<!--notice-->", notice)),
    )
}

async fn health() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        service: "portal-sim",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// A running stand-in. Dropping it stops the server.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    sim: Sim,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    /// With TLS: the CA a client must trust, and the task that accepts connections.
    ca_pem: Option<String>,
    acceptor: Option<JoinHandle<()>>,
}

impl Running {
    /// The bound loopback address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The stand-in's state, for tests that set faults or read codes in-process.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The stand-in's clock (tests move it on with `Clock::advance`).
    pub fn clock(&self) -> &Clock {
        self.sim.clock()
    }

    /// The base URL, e.g. `http://127.0.0.1:41234/` (`https://` with TLS).
    pub fn url(&self) -> String {
        format!("{}://{}/", self.sim.scheme(), self.addr)
    }

    /// With TLS, the PEM of the test CA that signed the server's certificate.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Stops the server and waits until it has closed its listener.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let served = match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        };
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
            // Wait until the task (and with it the TCP listener) is gone.
            let _ = acceptor.await;
        }
        served
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
        }
    }
}

/// Whether the portal at `base_url` is this stand-in (it answers `/health` as portal-sim).
///
/// Only loopback addresses are asked: a real portal is never probed, and a stand-in can only
/// run on this machine. Any failure means "not the stand-in".
pub async fn identify(base_url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    let Ok(health_url) = url.join("health") else {
        return false;
    };
    if !loopback {
        return false;
    }
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(2))
        .build()
    {
        Ok(client) => client,
        Err(_) => return false,
    };
    match client.get(health_url).send().await {
        Ok(resp) => resp
            .json::<serde_json::Value>()
            .await
            .is_ok_and(|v| v["service"] == "portal-sim"),
        Err(_) => false,
    }
}

/// Starts the sandbox on `127.0.0.1:port` (port 0 picks a free one) on the current tokio
/// runtime: the portal with ESIA's usual limits and nothing else. No controls, faults or
/// test pages, whatever features the crate was built with; the app runs this one.
pub async fn start_sandbox(port: u16) -> std::io::Result<Running> {
    launch(port, Limits::default(), Mode::Sandbox).await
}

/// Starts the stand-in for tests on `127.0.0.1:port` (port 0 picks a free one) on the
/// current tokio runtime, with ESIA's usual limits, the `/__sim/…` controls, faults and
/// the test pages.
#[cfg(feature = "test-controls")]
pub async fn start(port: u16) -> std::io::Result<Running> {
    start_with(port, Limits::default()).await
}

/// [`start`] with other lifetimes and limits.
#[cfg(feature = "test-controls")]
pub async fn start_with(port: u16, limits: Limits) -> std::io::Result<Running> {
    launch(port, limits, Mode::Tests).await
}

/// Serves `router` on `listener` until the returned sender is dropped or fired.
fn serve<L>(listener: L, router: Router) -> (oneshot::Sender<()>, JoinHandle<std::io::Result<()>>)
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    (tx, task)
}

/// [`serve`] for tests: each connection can be dropped by a fault (`conn`), which finds its
/// switch in the request's `ConnectInfo`.
#[cfg(feature = "test-controls")]
fn serve_droppable<L>(
    listener: L,
    router: Router,
) -> (oneshot::Sender<()>, JoinHandle<std::io::Result<()>>)
where
    L: axum::serve::Listener,
{
    let (tx, rx) = oneshot::channel::<()>();
    let service = router.into_make_service_with_connect_info::<conn::Conn>();
    let task = tokio::spawn(async move {
        axum::serve(conn::Droppable(listener), service)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    (tx, task)
}

/// Binds `127.0.0.1:port` and serves plain HTTP.
async fn launch(port: u16, limits: Limits, mode: Mode) -> std::io::Result<Running> {
    let sim = Sim::new(limits);
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let addr = listener.local_addr()?;
    let own = OwnAddress {
        port: addr.port(),
        tls: false,
    };
    let router = router(sim.clone(), own, mode);
    let (tx, task) = match mode {
        Mode::Sandbox => serve(listener, router),
        #[cfg(feature = "test-controls")]
        Mode::Tests => serve_droppable(listener, router),
    };
    tracing::info!(%addr, ?mode, "portal-sim listening");
    Ok(Running {
        addr,
        sim,
        shutdown: Some(tx),
        task: Some(task),
        ca_pem: None,
        acceptor: None,
    })
}

/// [`start_with`] over TLS: a test CA is generated for this run ([`Running::ca_pem`]) and
/// the server presents a certificate for `127.0.0.1` and `localhost` signed by it. Cookies
/// are `Secure` and the OAuth `redirect_uri` is `https://…/callback`.
#[cfg(feature = "test-controls")]
pub async fn start_tls(port: u16, limits: Limits) -> std::io::Result<Running> {
    let ca = tls::test_ca()?;
    let sim = Sim::serving(limits, true);
    let tcp = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let (listener, acceptor) = tls::listen(tcp, ca.config)?;
    let addr = axum::serve::Listener::local_addr(&listener)?;
    let own = OwnAddress {
        port: addr.port(),
        tls: true,
    };
    let (tx, task) = serve_droppable(listener, router(sim.clone(), own, Mode::Tests));
    tracing::info!(%addr, "portal-sim listening with TLS");
    Ok(Running {
        addr,
        sim,
        shutdown: Some(tx),
        task: Some(task),
        ca_pem: Some(ca.ca_pem),
        acceptor: Some(acceptor),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_health_and_start_page_on_loopback() -> anyhow::Result<()> {
        let sim = start_sandbox(0).await?;
        assert!(sim.addr().ip().is_loopback());

        let health: serde_json::Value = reqwest::get(format!("{}health", sim.url()))
            .await?
            .json()
            .await?;
        assert_eq!(health["status"], "ok");
        assert_eq!(health["service"], "portal-sim");

        let page = reqwest::get(sim.url()).await?;
        assert_eq!(page.status(), 200);
        let body = page.text().await?;
        assert!(body.contains("Войти через Госуслуги"), "start page: {body}");

        assert!(
            identify(&sim.url()).await,
            "the stand-in must identify itself"
        );
        assert!(
            identify(&format!("http://localhost:{}/", sim.addr().port())).await,
            "by either loopback name"
        );
        assert!(
            !identify("https://example.invalid/").await,
            "a non-loopback portal is never probed"
        );

        let addr = sim.addr();
        sim.stop().await?;
        assert!(!identify(&format!("http://{addr}/")).await);
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "the listener must be closed after stop"
        );
        Ok(())
    }
}
