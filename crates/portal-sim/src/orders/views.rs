//! Reading and cancelling orders: the details in EPGU's shape (`order` is a string holding
//! the order's JSON, as EPGU sends it), cancel, and `getUpdatedAfter`.

use super::create::order_id;
use super::status::{CANCELLED, DRAFT, FAILED, Order, RECEIVED, REFUSED, SENDER, StatusEntry};
use super::{Failure, bad_request, caller, dates, owned, parse_order_id};
use crate::state::Sim;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// The most orders a page of `getUpdatedAfter` holds.
const MAX_PAGE_SIZE: u32 = 100;

/// `POST /api/gusmev/order/{orderId}`: `{code, message, messageId, order}`.
pub async fn details(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, Failure> {
    settled(&sim, &headers, &raw, |order, _| {
        Ok(Json(info(order)).into_response())
    })
}

/// `POST /api/gusmev/order/{orderId}/cancel`: 200 `{orderId}`, or 409 `cancel_not_allowed`.
pub async fn cancel(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, Failure> {
    settled(&sim, &headers, &raw, |order, now| {
        if !order.cancel(now) {
            return Err(Failure::new(
                StatusCode::CONFLICT,
                "cancel_not_allowed",
                "Отмена заявления в текущем статусе невозможна",
            ));
        }
        Ok(order_id(order.id).into_response())
    })
}

/// The caller's order `raw`, brought up to the sim's clock, handed to `f` with that moment.
fn settled(
    sim: &Sim,
    headers: &HeaderMap,
    raw: &str,
    f: impl FnOnce(&mut Order, time::OffsetDateTime) -> Result<Response, Failure>,
) -> Result<Response, Failure> {
    let user = caller(sim, headers)?;
    let id = parse_order_id(raw)?;
    let mut s = sim.lock();
    let now = s.clock.now_utc();
    let order = owned(&mut s.orders, user, id)?;
    order.settle(now);
    f(order, now)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatedQuery {
    page_num: Option<String>,
    page_size: Option<String>,
    updated_after: Option<String>,
}

/// `GET /api/gusmev/order/getUpdatedAfter?pageNum&pageSize&updatedAfter`: the caller's
/// orders changed after a time, oldest change first.
pub async fn updated_after(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<UpdatedQuery>,
) -> Result<Response, Failure> {
    let user = caller(&sim, &headers)?;
    let page_num = match q.page_num.as_deref().map(str::parse::<u32>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return Err(bad_request("pageNum: номер страницы от 0")),
    };
    let page_size = match q.page_size.as_deref().map(str::parse::<u32>) {
        None => 10,
        Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
        Some(_) => return Err(bad_request("pageSize: от 1 до 100")),
    };
    let Some(after) = q.updated_after.as_deref().and_then(dates::parse) else {
        return Err(bad_request(
            "updatedAfter: дата и время «YYYY-MM-DDTHH:mm:ss.SSS» (московское время), например 2026-10-01T09:00:00.000",
        ));
    };
    let mut s = sim.lock();
    let now = s.clock.now_utc();
    let mut changed: Vec<&mut Order> = s
        .orders
        .by_id
        .values_mut()
        .filter(|o| o.user == user)
        .collect();
    for o in &mut changed {
        o.settle(now);
    }
    changed.retain(|o| o.updated > after);
    changed.sort_by_key(|o| (o.updated, o.id));
    let total = changed.len();
    let content: Vec<Value> = changed
        .iter()
        .skip((page_num as usize).saturating_mul(page_size as usize))
        .take(page_size as usize)
        .map(|o| {
            let current = o.current();
            json!({
                "orderId": o.id,
                "orderSearchStatus": "FOUND",
                "status": {
                    "statusId": current.status.id,
                    "statusName": current.status.title,
                    "updated": dates::local(o.updated),
                },
            })
        })
        .collect();
    Ok(Json(json!({
        "count": content.len(),
        "totalCount": total,
        "content": content,
    }))
    .into_response())
}

/// The details answer: EPGU's processing code and, as a JSON string, the order.
fn info(o: &Order) -> Value {
    json!({
        "code": o.code.as_str(),
        "message": o.message.clone().unwrap_or_else(|| o.code.words().to_owned()),
        "messageId": message_id(),
        "order": order_json(o).to_string(),
    })
}

fn order_json(o: &Order) -> Value {
    let current = o.current();
    let files: Vec<Value> = o
        .files
        .iter()
        .map(|f| {
            json!({
                "id": format!("{}/files/{}", o.id, f.name),
                "fileName": f.name,
                "mimeType": f.mime,
                "link": format!("terrabyte://00/{}/{}/2", o.id, f.name),
                "hasDigitalSignature": f.signed,
                "fileSize": f.size,
                "type": if f.name == "req.xml" { "REQUEST" } else { "ATTACHMENT" },
            })
        })
        .collect();
    json!({
        "id": o.id,
        "orderType": "ORDER",
        "orderStatusId": current.status.id,
        "orderStatusName": current.status.title,
        "statuses": o.statuses.iter().map(|e| status_json(o.id, e)).collect::<Vec<_>>(),
        "currentStatusHistory": status_json(o.id, current),
        "currentStatusHistoryId": current.id,
        "updated": dates::with_offset(o.updated),
        "orderDate": dates::with_offset(o.created),
        "requestDate": dates::with_offset(o.requested.unwrap_or(o.created)),
        "closed": o.closed(),
        "hasResult": false,
        "hasNewStatus": true,
        "readyToPush": o.accepts_push(),
        "applicationNumber": o.number,
        "eserviceId": o.service.service_code,
        "serviceTargetId": o.service.target_code,
        "serviceName": o.service.name,
        "userSelectedRegion": o.region,
        "location": o.region,
        "creationMode": "api",
        "stateStructureName": SENDER,
        "orderAttachmentFiles": files,
        "orderResponseFiles": [],
    })
}

fn status_json(order: u64, e: &StatusEntry) -> Value {
    let color = match e.status {
        DRAFT => "edit",
        FAILED | REFUSED => "error",
        CANCELLED => "cancel",
        RECEIVED if e.final_status => "success",
        _ => "in_progress",
    };
    json!({
        "id": e.id,
        "statusId": e.status.id,
        "title": e.status.title,
        "date": dates::with_offset(e.date),
        "orderId": order,
        "finalStatus": e.final_status,
        "hasResult": "N",
        "cancelAllowed": e.status.cancel && !e.final_status,
        "sender": if e.status == DRAFT { "" } else { SENDER },
        "comment": e.comment.clone().unwrap_or_default(),
        "unreadEvent": true,
        "deliveryCancelAllowed": false,
        "sendMessageAllowed": false,
        "editAllowed": false,
        "statusColorCode": color,
    })
}

/// A GUID for `messageId`, as EPGU sends one with every details answer.
fn message_id() -> String {
    // Padded: without OS randomness the token is shorter.
    let t = format!("{:0<32}", crate::state::token(16));
    format!(
        "{}-{}-{}-{}-{}",
        &t[0..8],
        &t[8..12],
        &t[12..16],
        &t[16..20],
        &t[20..32]
    )
}
