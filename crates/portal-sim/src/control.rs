//! Test-only controls under `/__sim/`: read the confirmation code a phone would get, switch
//! faults on and off, move the clock on. A real portal has nothing of the kind; the app
//! never calls it, and its sandbox does not serve it (`crate::start_sandbox`).

use crate::data::{AccountState, HistoryEntry};
use crate::state::{Fault, Sim, normalize_login};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;

/// The `/__sim/…` routes.
pub fn routes() -> axum::Router<Sim> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/__sim/code", get(last_code))
        .route("/__sim/fault", post(set_fault).delete(clear_fault))
        .route("/__sim/expire", post(expire))
        .route("/__sim/limits", post(set_limits))
        .route("/__sim/account", post(set_account))
        .route("/__sim/touch", post(touch))
        .route("/__sim/clock", post(advance_clock))
        .route("/__sim/orders", get(crate::orders::sim_api::list))
}

#[derive(Debug, Deserialize)]
pub struct CodeQuery {
    login: String,
}

pub async fn last_code(State(sim): State<Sim>, Query(q): Query<CodeQuery>) -> Response {
    match sim.lock().last_codes.get(&normalize_login(&q.login)) {
        Some(code) => Json(serde_json::json!({ "code": code })).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `POST /__sim/fault` with `{"fault": {...}, "remaining": N, "after": M}`; `remaining`
/// absent: until cleared; `after`: API requests that pass before it starts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    fault: Fault,
    remaining: Option<u32>,
    after: Option<u32>,
}

pub async fn set_fault(State(sim): State<Sim>, Json(req): Json<FaultRequest>) -> Response {
    match req.after {
        Some(_) if matches!(req.fault, Fault::LoginError { .. }) => crate::api::error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "after: только для сбоев запросов, не для login_error",
        ),
        Some(after) => {
            sim.fail_after(after, req.fault, req.remaining);
            StatusCode::NO_CONTENT.into_response()
        }
        None => {
            sim.set_fault(Some(req.fault), req.remaining);
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

pub async fn clear_fault(State(sim): State<Sim>) -> StatusCode {
    sim.set_fault(None, None);
    StatusCode::NO_CONTENT
}

/// What `POST /__sim/expire` ends at once (expiry tests need no sleeping).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Expirable {
    ConfirmationCodes,
    AuthorizationCodes,
    Sessions,
}

#[derive(Debug, Deserialize)]
pub struct ExpireRequest {
    what: Expirable,
}

pub async fn expire(State(sim): State<Sim>, Json(req): Json<ExpireRequest>) -> StatusCode {
    sim.expire(req.what);
    StatusCode::NO_CONTENT
}

/// `POST /__sim/limits`: any of the lifetimes (milliseconds) and attempt counts.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LimitsRequest {
    confirmation_ttl_ms: Option<u64>,
    auth_code_ttl_ms: Option<u64>,
    session_idle_ms: Option<u64>,
    code_block_ms: Option<u64>,
    max_password_attempts: Option<u32>,
    max_code_attempts: Option<u32>,
    chunk_min_bytes: Option<usize>,
    chunk_window_ms: Option<u64>,
    order_step_ms: Option<u64>,
    orders_per_service: Option<u32>,
    order_window_ms: Option<u64>,
    requests_per_minute: Option<u32>,
}

pub async fn set_limits(State(sim): State<Sim>, Json(req): Json<LimitsRequest>) -> StatusCode {
    let mut s = sim.lock();
    let l = &mut s.limits;
    // Capped, so a deadline computed from a lifetime never overflows.
    let ms = |v: u64| Duration::from_millis(v).min(crate::clock::MAX_ADVANCE);
    if let Some(v) = req.confirmation_ttl_ms {
        l.confirmation_ttl = ms(v);
    }
    if let Some(v) = req.auth_code_ttl_ms {
        l.auth_code_ttl = ms(v);
    }
    if let Some(v) = req.session_idle_ms {
        l.session_idle = ms(v);
    }
    if let Some(v) = req.code_block_ms {
        l.code_block = ms(v);
    }
    if let Some(v) = req.max_password_attempts {
        l.max_password_attempts = v.max(1);
    }
    if let Some(v) = req.max_code_attempts {
        l.max_code_attempts = v.max(1);
    }
    if let Some(v) = req.chunk_min_bytes {
        l.chunk_min = v;
    }
    if let Some(v) = req.chunk_window_ms {
        l.chunk_window = ms(v);
    }
    if let Some(v) = req.order_step_ms {
        l.order_step = ms(v);
    }
    if let Some(v) = req.orders_per_service {
        l.orders_per_service = v.max(1);
    }
    if let Some(v) = req.order_window_ms {
        l.order_window = ms(v);
    }
    if let Some(v) = req.requests_per_minute {
        l.requests_per_minute = v.max(1);
    }
    StatusCode::NO_CONTENT
}

/// `POST /__sim/account`: puts one account into the state a test needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountRequest {
    login: String,
    /// `ok`, `unconfirmed`, `not_linked` or `blocked`.
    state: Option<String>,
    /// Whether the consent page is skipped (given before) or shown.
    consent: Option<bool>,
    /// A temporary block for wrong codes, starting now.
    code_blocked: Option<bool>,
    /// Forget wrong attempts and blocks.
    reset: Option<bool>,
}

pub async fn set_account(State(sim): State<Sim>, Json(req): Json<AccountRequest>) -> Response {
    let mut s = sim.lock();
    let Some(id) = s.user_by_login(&req.login).map(|u| u.id) else {
        return crate::api::error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Нет такой учётной записи",
        );
    };
    if req.reset == Some(true) {
        s.wrong_passwords.remove(&id);
        s.blocked.remove(&id);
        s.code_blocked_until.remove(&id);
    }
    if let Some(state) = req.state.as_deref() {
        let (state, status) = match state {
            "ok" => (AccountState::Ok, "активна"),
            "unconfirmed" => (AccountState::Unconfirmed, "требуется подтверждение"),
            "not_linked" => (AccountState::NotLinked, "активна"),
            "blocked" => (AccountState::Blocked, "приостановлена"),
            _ => {
                return crate::api::error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "state: ok, unconfirmed, not_linked или blocked",
                );
            }
        };
        if state == AccountState::Blocked {
            s.blocked.insert(id);
        } else {
            s.blocked.remove(&id);
        }
        if let Some(u) = s.user_mut(id) {
            u.state = state;
            u.profile.account_status = status;
        }
    }
    match req.consent {
        Some(true) => {
            s.consent.insert(id);
        }
        Some(false) => {
            s.consent.remove(&id);
        }
        None => {}
    }
    if req.code_blocked == Some(true) {
        let until = s.now() + s.limits.code_block;
        s.code_blocked_until.insert(id, until);
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /__sim/touch`: `count` records of `login` change now (a new plate and a journal
/// entry), so an incremental sync has something to fetch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchRequest {
    login: String,
    count: usize,
}

pub async fn touch(State(sim): State<Sim>, Json(req): Json<TouchRequest>) -> Response {
    match sim.touch(&req.login, req.count) {
        Some(changed) => Json(serde_json::json!({ "updated": changed })).into_response(),
        None => crate::api::error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Нет такой учётной записи",
        ),
    }
}

/// `POST /__sim/clock` with `{"advanceMs": N}`: the clock moves on; answers how far ahead
/// of real time it is and its time now.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClockRequest {
    advance_ms: u64,
}

pub async fn advance_clock(State(sim): State<Sim>, Json(req): Json<ClockRequest>) -> Response {
    let ahead = sim.clock().advance(Duration::from_millis(req.advance_ms));
    let now = sim.clock().now_utc().format(&Rfc3339).unwrap_or_default();
    Json(serde_json::json!({
        "aheadMs": u64::try_from(ahead.as_millis()).unwrap_or(u64::MAX),
        "now": now,
    }))
    .into_response()
}

impl Sim {
    /// The last confirmation code sent to `login` (what the user's phone would show).
    pub fn last_code(&self, login: &str) -> Option<String> {
        self.lock().last_codes.get(&normalize_login(login)).cloned()
    }

    /// Opens a portal session for a linked account without the browser flow, for tests of
    /// what comes after login. Returns the `JSESSIONID` value.
    pub fn open_session(&self, login: &str) -> Option<String> {
        let mut s = self.lock();
        let user = s.user_by_login(login)?;
        if user.state != crate::data::AccountState::Ok {
            return None;
        }
        let id = user.id;
        Some(s.open_session(id))
    }

    /// The values of every open portal session: what a test searches files and logs for.
    pub fn session_ids(&self) -> Vec<String> {
        self.lock().sessions.keys().cloned().collect()
    }

    /// Sets (or clears) the fault the next requests meet. A login failure waits for the
    /// next logins (`remaining` counts logins) and leaves other requests alone.
    pub fn set_fault(&self, fault: Option<Fault>, remaining: Option<u32>) {
        self.arm(fault, remaining, 0);
    }

    /// Sets a fault that starts after `after` more API requests have been answered
    /// normally: a failure in the middle of a sync. `remaining` as in [`Sim::set_fault`].
    /// A login failure does not wait; it is set as by [`Sim::set_fault`].
    pub fn fail_after(&self, after: u32, fault: Fault, remaining: Option<u32>) {
        self.arm(Some(fault), remaining, after);
    }

    /// Both of the above under one lock, so no request sees half of it.
    fn arm(&self, fault: Option<Fault>, remaining: Option<u32>, after: u32) {
        let mut s = self.lock();
        match fault {
            Some(Fault::LoginError { error }) => s.login_fault = Some((error, remaining)),
            None => {
                s.fault = None;
                s.fault_remaining = None;
                s.fault_after = 0;
                s.login_fault = None;
            }
            other => {
                s.fault = other;
                s.fault_remaining = remaining;
                s.fault_after = after;
            }
        }
    }

    /// Ends every confirmation code, authorization code or session at once.
    pub fn expire(&self, what: Expirable) {
        let mut s = self.lock();
        let now = s.now();
        match what {
            Expirable::ConfirmationCodes => {
                for p in s.pending.values_mut() {
                    if let Some((_, expires)) = &mut p.code {
                        *expires = now;
                    }
                }
            }
            Expirable::AuthorizationCodes => {
                for c in s.auth_codes.values_mut() {
                    c.expires = now;
                }
            }
            Expirable::Sessions => {
                for session in s.sessions.values_mut() {
                    session.expires = now;
                }
            }
        }
    }

    /// Changes `count` records of `login` now; returns their ePTS numbers. Successive calls
    /// go on through the list, so they change different records.
    pub fn touch(&self, login: &str, count: usize) -> Option<Vec<String>> {
        let mut s = self.lock();
        let id = s.user_by_login(login)?.id;
        let len = s.user(id)?.vehicles.len();
        let start = s.touched.get(&id).copied().unwrap_or(0);
        let mut changed = Vec::new();
        for k in 0..count.min(len) {
            let stamp = s.next_update_stamp();
            let at = stamp.format(&Rfc3339).unwrap_or_default();
            let round = (start + k) / len.max(1);
            let Some(v) = s
                .user_mut(id)
                .and_then(|u| u.vehicles.get_mut((start + k) % len))
            else {
                break;
            };
            let plate = format!(
                "М{:03}РК{}",
                (start + k + round * 7) % 999 + 1,
                77 + round % 20
            );
            v.plate = Some(plate.clone());
            v.updated_at = at.clone();
            v.history.push(HistoryEntry {
                event_date: at,
                operation_name: "Регистрационное действие".into(),
                description: format!("Изменение регистрационного знака на {plate}"),
            });
            changed.push(v.vehicle_e_passport_id.clone());
        }
        s.touched.insert(id, start + changed.len());
        Some(changed)
    }
}
