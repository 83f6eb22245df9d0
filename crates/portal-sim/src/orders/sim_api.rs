//! Test-only: what the upload API received and did, so a test judges the app by what
//! reached the portal (`Sim::orders`, `Sim::order_count`, `Sim::order_history`, and
//! `GET /__sim/orders`).

use super::dates;
use crate::state::{Inner, Sim, normalize_login};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use time::OffsetDateTime;

/// An order as a test sees it, caught up with the clock.
#[derive(Debug, Clone)]
pub struct OrderView {
    pub id: u64,
    /// The user's first login (e.g. `owner@example.ru`).
    pub login: String,
    pub service_code: &'static str,
    /// `req.xml`'s `<kind>` for the service (`issue`, `change`, `cancel`, `owner`, `repair`).
    pub kind: &'static str,
    /// EPGU's processing code (`NEW`, `VALIDATION`, …, `DONE`, or an error).
    pub code: &'static str,
    /// The current cabinet status (`statusId`) and its title.
    pub status_id: u32,
    pub status: &'static str,
    pub application_number: Option<String>,
    /// The last whole archive received and its SHA-256 (lower-case hex).
    pub archive: Option<Vec<u8>>,
    pub archive_sha256: Option<String>,
    /// Whole archives received (more than one after «Требуется уточнение»).
    pub archives_received: u32,
    /// The last change.
    pub updated: OffsetDateTime,
}

/// One change of an order: the processing code and the cabinet status after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderChange {
    pub at: OffsetDateTime,
    pub code: &'static str,
    pub status_id: u32,
    pub status: &'static str,
    pub comment: Option<String>,
}

impl Sim {
    /// Every order of the upload API, by id.
    pub fn orders(&self) -> Vec<OrderView> {
        let mut s = self.lock();
        settle_all(&mut s);
        let s = &*s;
        s.orders
            .by_id
            .values()
            .map(|o| OrderView {
                id: o.id,
                login: s
                    .user(o.user)
                    .and_then(|u| u.logins.first().cloned())
                    .unwrap_or_default(),
                service_code: o.service.service_code,
                kind: o.service.kind,
                code: o.code.as_str(),
                status_id: o.current().status.id,
                status: o.current().status.title,
                application_number: o.number.clone(),
                archive: o.archive.as_ref().map(|a| a.bytes.to_vec()),
                archive_sha256: o.archive.as_ref().map(|a| a.sha256.clone()),
                archives_received: o.archives,
                updated: o.updated,
            })
            .collect()
    }

    /// How many orders `login`'s user has created.
    pub fn order_count(&self, login: &str) -> usize {
        let s = self.lock();
        let Some(user) = s.user_by_login(&normalize_login(login)).map(|u| u.id) else {
            return 0;
        };
        s.orders.by_id.values().filter(|o| o.user == user).count()
    }

    /// Every change of order `id` so far, oldest first (its creation included).
    pub fn order_history(&self, id: u64) -> Option<Vec<OrderChange>> {
        let mut s = self.lock();
        let now = s.clock.now_utc();
        let order = s.orders.by_id.get_mut(&id)?;
        order.settle(now);
        Some(
            order
                .changes
                .iter()
                .map(|c| OrderChange {
                    at: c.at,
                    code: c.code.as_str(),
                    status_id: c.status.id,
                    status: c.status.title,
                    comment: c.comment.clone(),
                })
                .collect(),
        )
    }
}

fn settle_all(s: &mut Inner) {
    let now = s.clock.now_utc();
    for o in s.orders.by_id.values_mut() {
        o.settle(now);
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSummary {
    order_id: u64,
    login: String,
    service_code: &'static str,
    code: &'static str,
    status_id: u32,
    application_number: Option<String>,
    archive_bytes: Option<usize>,
    archive_sha256: Option<String>,
    archives_received: u32,
    updated: String,
}

/// `GET /__sim/orders`: every order with what it received (sizes and digests, no bytes).
pub async fn list(State(sim): State<Sim>) -> Json<Vec<OrderSummary>> {
    Json(
        sim.orders()
            .into_iter()
            .map(|o| OrderSummary {
                order_id: o.id,
                login: o.login,
                service_code: o.service_code,
                code: o.code,
                status_id: o.status_id,
                application_number: o.application_number,
                archive_bytes: o.archive.as_ref().map(Vec::len),
                archive_sha256: o.archive_sha256,
                archives_received: o.archives_received,
                updated: dates::with_offset(o.updated),
            })
            .collect(),
    )
}
