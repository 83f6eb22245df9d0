//! The portal's JSON API (docs/portal-protocol/openapi.json): who am I, the ePTS list with
//! paging and `updatedSince`, one record, its history and its extract PDF. Element names
//! follow EEC R.019.

use crate::cabinet::{extract_pdf, pdf_attachment};
use crate::data::{Details, HistoryEntry, Profile, Vehicle};
use crate::portal::session_user;
use crate::state::Sim;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The most rows a page may hold (the real registry pages by 25).
pub const MAX_PAGE_SIZE: usize = 100;

/// Every API route: the router is built from this table and the OpenAPI test reads its
/// paths, so the two cannot drift apart.
pub fn routes() -> Vec<(&'static str, MethodRouter<Sim>)> {
    vec![
        ("/api/v1/me", get(me)),
        ("/api/v1/epts", get(list)),
        ("/api/v1/epts/{number}", get(record)),
        ("/api/v1/epts/{number}/history", get(history)),
        ("/api/v1/epts/{number}/extract", get(extract)),
    ]
}

/// The body of every API error: a stable `code` and a Russian `message`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
}

pub fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    (
        status,
        Json(ApiError {
            code,
            message: message.into(),
        }),
    )
        .into_response()
}

fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "session_expired",
        "Сеанс истёк или не открыт. Войдите снова.",
    )
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "Недостаточно сведений")
}

pub async fn me(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let Some(id) = session_user(&sim, &headers) else {
        return unauthorized();
    };
    let s = sim.lock();
    match s.user(id) {
        Some(u) => Json::<Profile>(u.profile.clone()).into_response(),
        None => unauthorized(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    page: Option<usize>,
    size: Option<usize>,
    /// RFC 3339; only records changed after it.
    #[serde(alias = "updated_since")]
    updated_since: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    pub items: Vec<Vehicle>,
    pub page: usize,
    pub size: usize,
    pub total: usize,
    /// The server's time of this answer: the `updatedSince` of the next incremental sync.
    pub server_time: String,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub async fn list(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(id) = session_user(&sim, &headers) else {
        return unauthorized();
    };
    let since = match q
        .updated_since
        .as_deref()
        .map(|t| OffsetDateTime::parse(t, &Rfc3339))
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "updatedSince: ожидается дата и время RFC 3339, например 2026-10-01T00:00:00Z",
            );
        }
    };
    let size = q.size.unwrap_or(25).clamp(1, MAX_PAGE_SIZE);
    let page = q.page.unwrap_or(0);
    let mut s = sim.lock();
    let server_time = s.server_time();
    let Some(user) = s.user(id) else {
        return unauthorized();
    };
    let matching: Vec<&Vehicle> = user
        .vehicles
        .iter()
        .filter(|v| {
            since.is_none_or(|since| {
                OffsetDateTime::parse(&v.updated_at, &Rfc3339).is_ok_and(|t| t > since)
            })
        })
        .collect();
    let items = matching
        .iter()
        .skip(page.saturating_mul(size))
        .take(size)
        .map(|v| (*v).clone())
        .collect();
    Json(ListPage {
        items,
        page,
        size,
        total: matching.len(),
        server_time: rfc3339(server_time),
    })
    .into_response()
}

/// One record: the list's fields and every field of the extract.
#[derive(Debug, Serialize)]
struct RecordView<'a> {
    #[serde(flatten)]
    summary: &'a Vehicle,
    #[serde(flatten)]
    details: &'a Details,
}

/// `f`'s answer for the session user's record `number`, or 401/404.
fn with_record(
    sim: &Sim,
    headers: &HeaderMap,
    number: &str,
    f: impl FnOnce(&Vehicle) -> Response,
) -> Response {
    let Some(id) = session_user(sim, headers) else {
        return unauthorized();
    };
    let s = sim.lock();
    s.user(id)
        .and_then(|u| {
            u.vehicles
                .iter()
                .find(|v| v.vehicle_e_passport_id == number)
        })
        .map_or_else(not_found, f)
}

pub async fn record(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    with_record(&sim, &headers, &number, |v| {
        Json(RecordView {
            summary: v,
            details: &v.details,
        })
        .into_response()
    })
}

#[derive(Debug, Serialize)]
struct History {
    items: Vec<HistoryEntry>,
}

pub async fn history(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    with_record(&sim, &headers, &number, |v| {
        Json(History {
            items: v.history.clone(),
        })
        .into_response()
    })
}

pub async fn extract(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    let Some(user) = session_user(&sim, &headers) else {
        return unauthorized();
    };
    match extract_pdf(&sim, user, &number) {
        Some(Ok(bytes)) => pdf_attachment(&number, bytes),
        Some(Err(e)) => e,
        None => not_found(),
    }
}
