//! The portal's JSON API (docs/portal-protocol): who am I, the ePTS list with paging and
//! `updated_since`, one record. Element names follow EEC R.019.

use crate::data::{Profile, Vehicle};
use crate::portal::session_user;
use crate::state::Sim;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// The most rows a page may hold (the real registry pages by 25).
pub const MAX_PAGE_SIZE: usize = 100;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiError {
    code: &'static str,
    message: &'static str,
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(ApiError {
            code: "session_expired",
            message: "Сеанс истёк или не открыт. Войдите снова.",
        }),
    )
        .into_response()
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
    updated_since: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    pub items: Vec<Vehicle>,
    pub page: usize,
    pub size: usize,
    pub total: usize,
}

pub async fn list(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(id) = session_user(&sim, &headers) else {
        return unauthorized();
    };
    let size = q.size.unwrap_or(25).clamp(1, MAX_PAGE_SIZE);
    let page = q.page.unwrap_or(0);
    let s = sim.lock();
    let Some(user) = s.user(id) else {
        return unauthorized();
    };
    // RFC 3339 UTC timestamps of one shape compare correctly as strings.
    let matching: Vec<&Vehicle> = user
        .vehicles
        .iter()
        .filter(|v| {
            q.updated_since
                .as_deref()
                .is_none_or(|t| v.updated_at.as_str() > t)
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
    })
    .into_response()
}

pub async fn record(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    let Some(id) = session_user(&sim, &headers) else {
        return unauthorized();
    };
    let s = sim.lock();
    match s.user(id).and_then(|u| {
        u.vehicles
            .iter()
            .find(|v| v.vehicle_e_passport_id == number)
    }) {
        Some(v) => Json(v.clone()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(ApiError {
                code: "not_found",
                message: "Недостаточно сведений",
            }),
        )
            .into_response(),
    }
}
