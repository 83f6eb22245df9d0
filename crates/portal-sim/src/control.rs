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
        Some(Fault::SessionExpired) | None => next.run(request).await,
    }
}
