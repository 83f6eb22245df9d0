//! `POST /api/gusmev/order`: a new order (a draft awaiting its archive), with the
//! `Idempotency-Key` extension and the per-service limit.

use super::{
    Failure, Order, Orders, SERVICES, Service, admit, bad_request, caller, idempotency_key,
    too_many,
};
use crate::state::Sim;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// What an order is for (EPGU's `meta`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub region: String,
    pub service_code: String,
    pub target_code: String,
}

/// `{"orderId": N}`: every successful answer of create and push.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderId {
    pub order_id: u64,
}

pub fn order_id(id: u64) -> Json<OrderId> {
    Json(OrderId { order_id: id })
}

impl Meta {
    /// Parses and checks `meta` JSON: a known service, its own target, an OKATO region.
    pub fn parse(raw: &[u8]) -> Result<(Meta, &'static Service), Failure> {
        let meta: Meta = serde_json::from_slice(raw).map_err(|e| {
            bad_request(format!(
                "Ожидается JSON {{\"region\",\"serviceCode\",\"targetCode\"}}: {e}"
            ))
        })?;
        let Some(service) = SERVICES
            .iter()
            .find(|s| s.service_code == meta.service_code)
        else {
            return Err(bad_request(format!(
                "Неизвестная услуга: serviceCode «{}»",
                meta.service_code
            )));
        };
        if meta.target_code != service.target_code {
            return Err(bad_request(format!(
                "targetCode «{}» не относится к услуге {}",
                meta.target_code, service.service_code
            )));
        }
        let okato = (meta.region.len() == 2 || meta.region.len() == 11)
            && meta.region.bytes().all(|b| b.is_ascii_digit());
        if !okato {
            return Err(bad_request(
                "region: код ОКАТО из 2 или 11 цифр, например 45000000000",
            ));
        }
        Ok((meta, service))
    }

    /// The same request, the same digest: what an idempotency key is matched on.
    pub fn fingerprint(&self) -> String {
        format!("{}|{}|{}", self.region, self.service_code, self.target_code)
    }
}

pub async fn create(
    State(sim): State<Sim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let user = caller(&sim, &headers)?;
    let key = idempotency_key(&headers)?;
    let (meta, service) = Meta::parse(&body)?;
    let mut s = sim.lock();
    let id = new_order(
        &mut s,
        user,
        key.as_deref(),
        &meta,
        service,
        meta.fingerprint(),
    )?;
    Ok(order_id(id).into_response())
}

/// Creates an order for `user` unless `key` already created one for the same request
/// (then that one's id), the key was used for another request (422) or the user is over the
/// per-service limit (429).
pub fn new_order(
    s: &mut crate::state::Inner,
    user: u32,
    key: Option<&str>,
    meta: &Meta,
    service: &'static Service,
    fingerprint: String,
) -> Result<u64, Failure> {
    let now = s.now();
    let at = s.clock.now_utc();
    let (window, max) = (s.limits.order_window, s.limits.orders_per_service);
    let orders: &mut Orders = &mut s.orders;
    if let Some(id) = orders.replay(user, key, &fingerprint, now)? {
        return Ok(id);
    }
    let q = orders
        .per_service
        .entry((user, service.service_code))
        .or_default();
    if let Some(wait) = admit(q, now, window, max) {
        return Err(too_many(
            wait,
            &format!(
                "Превышено ограничение: не больше {max} заявлений по услуге за {} мин.",
                window.as_secs().div_ceil(60)
            ),
        ));
    }
    let id = orders.next_order_id();
    let order = Order::new(id, user, service, meta.region.clone(), at);
    orders.by_id.insert(id, order);
    orders.remember(user, key, fingerprint, id, now);
    Ok(id)
}
