//! Pages for the portal window's navigation tests, on the portal's origin: ways out to a
//! foreign origin (a redirect, a link, `window.open`, `target=_blank`, an open redirect), a
//! flood of downloads, a `.pdf` link that is really HTML, and an extract behind an address
//! with no extension. Test-only.
//!
//! The foreign address is the test's (`?to=`, usually another loopback port); only
//! `http(s)` addresses are taken.

use crate::cabinet::to_start;
use crate::html::{Site, esc, page};
use crate::portal::session_user;
use crate::state::Sim;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

/// Links on the flood page unless `?count=` says otherwise, and the most it takes.
const FLOOD_LINKS: usize = 100;
const MAX_FLOOD_LINKS: usize = 500;

/// The `.pdf` address that answers HTML.
pub const HTML_PDF_PATH: &str = "/cabinet/fake-pdf/extract.pdf";

/// Every navigation test route.
pub fn routes() -> axum::Router<Sim> {
    use axum::routing::get;
    axum::Router::new()
        .route("/go", get(redirect))
        .route("/nav/redirect", get(redirect))
        .route("/nav/link", get(link))
        .route("/nav/window-open", get(window_open))
        .route("/nav/blank", get(blank))
        .route("/cabinet/flood", get(flood))
        .route("/cabinet/fake-pdf", get(html_pdf_page))
        .route(HTML_PDF_PATH, get(html_pdf))
        // The extract under an address with no file extension: only the answer's
        // `Content-Disposition: attachment` makes it a download, so the webview's own
        // download path (not the window's document-link check) is what meets it.
        .route(ATTACHMENT_PATH, get(crate::cabinet::download))
}

/// The extract of `{id}` at an address that does not look like a file.
pub const ATTACHMENT_PATH: &str = "/cabinet/epts/{id}/attachment";

#[derive(Debug, Deserialize)]
pub struct ToQuery {
    to: Option<String>,
}

/// The foreign address of the query, if it is an absolute `http(s)` URL.
fn foreign(q: &ToQuery) -> Option<url::Url> {
    q.to.as_deref()
        .and_then(|to| url::Url::parse(to).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// The answer to a query without a usable `to`.
fn no_foreign() -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(page(
            Site::Portal,
            "Неверный адрес",
            r#"<h1 data-testid="error" data-error-code="bad_request">Нужен параметр to: адрес http или https</h1>"#,
        )),
    )
        .into_response()
}

fn test_page(title: &str, body: &str) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(page(Site::Portal, title, body)),
    )
        .into_response()
}

/// `/go?to=URL` and `/nav/redirect?to=URL`: 302 to anywhere, as portals' open redirects do.
pub async fn redirect(Query(q): Query<ToQuery>) -> Response {
    let Some(to) = foreign(&q) else {
        return no_foreign();
    };
    // A parsed URL is percent-encoded, so it is always a valid header value; the check
    // stays in case it is not.
    match HeaderValue::from_str(to.as_str()) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// A plain link to the foreign address.
pub async fn link(Query(q): Query<ToQuery>) -> Response {
    match foreign(&q) {
        Some(to) => test_page(
            "Ссылка",
            &format!(
                r#"<h1>Полезные ссылки</h1><p><a href="{to}" data-testid="foreign-link">Перейти на другой сайт</a></p>"#,
                to = esc(to.as_str())
            ),
        ),
        None => no_foreign(),
    }
}

/// A button that opens the foreign address with `window.open`; `window-open-result` then
/// says `opened` or `blocked` (what `window.open` returned).
pub async fn window_open(Query(q): Query<ToQuery>) -> Response {
    match foreign(&q) {
        Some(to) => test_page(
            "Новое окно",
            &format!(
                r#"<h1>Открыть в новом окне</h1>
<p><button type="button" data-testid="foreign-window-open" data-href="{to}" onclick="const w = window.open(this.dataset.href); document.getElementById('window-open-result').textContent = w ? 'opened' : 'blocked';">Открыть</button></p>
<p>Итог: <span id="window-open-result" data-testid="window-open-result"></span></p>"#,
                to = esc(to.as_str())
            ),
        ),
        None => no_foreign(),
    }
}

/// A `target="_blank"` link to the foreign address.
pub async fn blank(Query(q): Query<ToQuery>) -> Response {
    match foreign(&q) {
        Some(to) => test_page(
            "Ссылка в новом окне",
            &format!(
                r#"<h1>Ссылка в новом окне</h1><p><a href="{to}" target="_blank" data-testid="foreign-blank-link">Открыть другой сайт</a></p>"#,
                to = esc(to.as_str())
            ),
        ),
        None => no_foreign(),
    }
}

#[derive(Debug, Deserialize)]
pub struct FloodQuery {
    count: Option<usize>,
}

/// A cabinet page with 100 «Скачать PDF» links (`flood-pdf`) to the user's real extracts,
/// and a button (`flood-all`) that clicks them all at once. With fewer records than links
/// the records repeat (the dealer has 500).
pub async fn flood(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<FloodQuery>,
) -> Response {
    let Some(user_id) = session_user(&sim, &headers) else {
        return to_start(&headers);
    };
    let s = sim.lock();
    let Some(user) = s.user(user_id) else {
        return to_start(&headers);
    };
    let count = q.count.unwrap_or(FLOOD_LINKS).clamp(1, MAX_FLOOD_LINKS);
    let links: String = user
        .vehicles
        .iter()
        .cycle()
        .take(count)
        .enumerate()
        .map(|(k, v)| {
            format!(
                r#"<li><a href="/cabinet/epts/{id}/extract.pdf" data-testid="flood-pdf" data-index="{k}">Скачать PDF {id}</a></li>"#,
                id = esc(&v.vehicle_e_passport_id)
            )
        })
        .collect();
    test_page(
        "Все выписки",
        &format!(
            r#"<h1>Все выписки</h1>
<p><button type="button" data-testid="flood-all" onclick="document.querySelectorAll('[data-testid=flood-pdf]').forEach((a) => a.click());">Скачать все</button></p>
<ol data-testid="flood-links">{links}</ol>"#
        ),
    )
}

/// A cabinet page with one «Скачать PDF» link (`html-pdf-link`) whose answer is HTML.
pub async fn html_pdf_page(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    if session_user(&sim, &headers).is_none() {
        return to_start(&headers);
    }
    test_page(
        "Выписка",
        &format!(
            r#"<h1>Выписка</h1><p><a class="button" href="{HTML_PDF_PATH}" data-testid="html-pdf-link">Скачать PDF</a></p>"#
        ),
    )
}

/// A `.pdf` address that answers an HTML page, as a portal's error page behind a download
/// link does: nothing here is a document to keep.
pub async fn html_pdf(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    if session_user(&sim, &headers).is_none() {
        return to_start(&headers);
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        "<html><head><meta charset=\"utf-8\"><title>Ошибка</title></head><body><h1 data-testid=\"html-pdf\">Документ временно недоступен</h1></body></html>",
    )
        .into_response()
}
