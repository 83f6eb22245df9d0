//! Test-only controls under `/__sim/`: read the confirmation code a phone would get, and
//! switch faults on and off. A real portal has nothing of the kind; the app never calls it.

use crate::html::{Site, page};
use crate::state::{Fault, Sim, normalize_login};
use axum::Json;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

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

/// `POST /__sim/fault` with `{"fault": {...}, "remaining": N}`; `remaining` absent: until cleared.
#[derive(Debug, Deserialize)]
pub struct FaultRequest {
    fault: Fault,
    remaining: Option<u32>,
}

pub async fn set_fault(State(sim): State<Sim>, Json(req): Json<FaultRequest>) -> StatusCode {
    sim.set_fault(Some(req.fault), req.remaining);
    StatusCode::NO_CONTENT
}

pub async fn clear_fault(State(sim): State<Sim>) -> StatusCode {
    sim.set_fault(None, None);
    StatusCode::NO_CONTENT
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
        let session = crate::state::token(24);
        s.sessions.insert(session.clone(), id);
        Some(session)
    }

    /// Sets (or clears) the fault the next requests meet.
    pub fn set_fault(&self, fault: Option<Fault>, remaining: Option<u32>) {
        let mut s = self.lock();
        s.fault = fault;
        s.fault_remaining = remaining;
    }
}

/// Applies the current fault to a portal or ESIA request.
pub async fn faults(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    let fault = sim.lock().take_fault();
    match fault {
        Some(Fault::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Html(page(Site::Portal, "Ошибка сервера", "<h1>Сервис временно недоступен</h1>")))
                .into_response()
        }
        Some(Fault::Maintenance) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1800")],
            Html(page(
                Site::Portal,
                "Технические работы",
                r#"<h1 data-testid="maintenance">Проводятся плановые технические работы</h1><p>Портал будет доступен через 30 минут.</p>"#,
            )),
        )
            .into_response(),
        Some(Fault::Slow { delay_ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
            next.run(request).await
        }
        Some(Fault::ClockSkew { seconds }) => {
            let mut response = next.run(request).await;
            let now = std::time::SystemTime::now();
            let shifted = if seconds >= 0 {
                now + std::time::Duration::from_secs(seconds.unsigned_abs())
            } else {
                now - std::time::Duration::from_secs(seconds.unsigned_abs())
            };
            if let Ok(value) = httpdate::fmt_http_date(shifted).parse() {
                response.headers_mut().insert(axum::http::header::DATE, value);
            }
            response
        }
        Some(Fault::SessionExpired) | None => next.run(request).await,
    }
}
