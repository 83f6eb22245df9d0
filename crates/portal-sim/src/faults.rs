//! Applies the fault a test set (`/__sim/fault`, `Sim::set_fault`, `Sim::fail_after`) to the
//! portal's and ESIA's requests: failing statuses and pages, slow or skewed answers, and API
//! answers a client must not trust (broken, oversized, lying about their contents).
//!
//! Every fault is applied here, around the real handlers, so the portal's own code stays
//! the portal's.

use crate::conn::Conn;
use crate::html::{Site, page};
use crate::portal::{SESSION_COOKIE, cookie};
use crate::state::{Fault, Sim, is_api};
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

/// What `OversizedJson` sends: past the client's 8 MiB limit for a JSON answer.
pub const OVERSIZED_JSON_BYTES: usize = 9 * 1024 * 1024;

/// The `total` a repeating list claims.
const REPEATING_TOTAL: u64 = 1_000_000;

/// The largest real answer a fault rewrites (a list page of 100 is far below it).
const REWRITE_LIMIT: usize = 4 * 1024 * 1024;

/// How much of an upload arrives before `UploadReset` resets it, unless the fault says.
const RESET_AFTER: u64 = 64 * 1024;

/// The largest body `SlowUpload` passes on (a push's limit and some).
const SLOW_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Applies the current fault to a portal or ESIA request. API paths get JSON bodies, pages
/// get HTML; both carry a stable code (`http_500`, `maintenance`, …).
pub async fn faults(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let Some(fault) = sim.lock().take_fault(&path) else {
        return next.run(request).await;
    };
    let api = is_api(&path);
    match fault {
        Fault::Status { status } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let code = match status.as_u16() {
                500 => "http_500",
                502 => "http_502",
                503 => "http_503",
                504 => "http_504",
                _ => "http_error",
            };
            let words = format!("Сервис временно недоступен (ошибка {})", status.as_u16());
            if api {
                return crate::api::error(status, code, words);
            }
            failure_page(
                status,
                code,
                "Ошибка сервера",
                "Сервис временно недоступен",
                &format!("Ошибка {}. Повторите попытку позже.", status.as_u16()),
            )
        }
        Fault::Maintenance => {
            let mut r = if api {
                crate::api::error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "maintenance",
                    "Проводятся плановые технические работы",
                )
            } else {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Html(page(
                        Site::Portal,
                        "Технические работы",
                        r#"<h1 data-testid="maintenance" data-error-code="maintenance">Проводятся плановые технические работы</h1><p>Портал будет доступен через 30 минут.</p>"#,
                    )),
                )
                    .into_response()
            };
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1800"));
            r
        }
        Fault::Slow { delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            next.run(request).await
        }
        Fault::ClockSkew { seconds } => {
            let mut response = next.run(request).await;
            // Skewed against the real time, which is the client's: see crate::clock.
            let now = std::time::SystemTime::now();
            let by = Duration::from_secs(seconds.unsigned_abs());
            let shifted = if seconds >= 0 {
                now.checked_add(by)
            } else {
                now.checked_sub(by)
            };
            if let Some(value) = shifted.and_then(|t| httpdate::fmt_http_date(t).parse().ok()) {
                response.headers_mut().insert(header::DATE, value);
            }
            response
        }
        Fault::SessionExpired => next.run(without_session(request)).await,
        Fault::Forbidden => {
            if api {
                return crate::api::error(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "Доступ к сведениям запрещён",
                );
            }
            failure_page(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Доступ запрещён",
                "Доступ запрещён",
                "У этой учётной записи нет доступа к разделу.",
            )
        }
        Fault::Rejected { status } => {
            let status = StatusCode::from_u16(status)
                .ok()
                .filter(StatusCode::is_client_error)
                .unwrap_or(StatusCode::BAD_REQUEST);
            if api {
                return crate::api::error(
                    status,
                    "rejected",
                    format!("Запрос отклонён (ошибка {})", status.as_u16()),
                );
            }
            failure_page(
                status,
                "rejected",
                "Запрос отклонён",
                "Запрос отклонён",
                &format!("Ошибка {}.", status.as_u16()),
            )
        }
        Fault::MalformedJson => {
            json_answer(Body::from(r#"{"items":[{"vehicleEPassportId":"1643010270"#))
        }
        Fault::OversizedJson => json_answer(oversized_body()),
        Fault::ListTotal { total } => {
            let response = next.run(request).await;
            rewrite_json(response, |v| v["total"] = total.into()).await
        }
        Fault::ListRepeats => {
            let (request, asked) = first_page(request);
            let response = next.run(request).await;
            rewrite_json(response, |v| {
                v["page"] = asked.into();
                v["total"] = REPEATING_TOTAL.into();
            })
            .await
        }
        Fault::WrongRecord => {
            let response = next.run(request).await;
            rewrite_json(response, |v| {
                if let Some(asked) = v["vehicleEPassportId"].as_str() {
                    v["vehicleEPassportId"] = neighbour(asked).into();
                }
            })
            .await
        }
        Fault::LoginError { .. } => next.run(request).await,
        Fault::Unavailable { retry_after } => {
            let mut r = crate::api::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "http_503",
                "Сервис временно недоступен (ошибка 503)",
            );
            if let Some(v) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Fault::TooManyRequests { retry_after } => crate::orders::too_many(
            Duration::from_secs(retry_after.unwrap_or(1)),
            "Слишком много запросов. Повторите позже.",
        )
        .into_response(),
        Fault::UploadReset { after_bytes } => {
            let conn = connection(&request);
            let mut body = request.into_body();
            let mut read = 0u64;
            while read < after_bytes.unwrap_or(RESET_AFTER) {
                match next_data(&mut body).await {
                    Some(Ok(data)) => read += data.len() as u64,
                    _ => break,
                }
            }
            // Nothing reaches the handler, so nothing of the chunk is stored.
            if let Some(conn) = conn {
                conn.drop_now();
            }
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Fault::LostAnswer => {
            let conn = connection(&request);
            let response = next.run(request).await;
            if let Some(conn) = conn {
                conn.drop_now();
            }
            response
        }
        Fault::SlowUpload { bytes_per_sec } => {
            let (parts, mut body) = request.into_parts();
            let rate = bytes_per_sec.max(1);
            let mut whole = Vec::new();
            while let Some(data) = next_data(&mut body).await {
                let Ok(data) = data else {
                    return crate::api::error(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        "Тело запроса оборвалось",
                    );
                };
                tokio::time::sleep(Duration::from_secs_f64(data.len() as f64 / rate as f64)).await;
                whole.extend_from_slice(&data);
                if whole.len() > SLOW_BODY_LIMIT {
                    return crate::api::error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "Запрос слишком большой",
                    );
                }
            }
            next.run(Request::from_parts(parts, Body::from(whole)))
                .await
        }
    }
}

/// The switch of the request's connection (every test stand-in serves through one).
fn connection(request: &Request) -> Option<Conn> {
    request
        .extensions()
        .get::<ConnectInfo<Conn>>()
        .map(|c| c.0.clone())
}

/// The next piece of a request body's data (trailers skipped).
async fn next_data(body: &mut Body) -> Option<Result<Bytes, axum::Error>> {
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await?;
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    return Some(Ok(data));
                }
            }
            Err(e) => return Some(Err(e)),
        }
    }
}

/// A failure page with its stable code on the heading.
fn failure_page(
    status: StatusCode,
    code: &str,
    title: &str,
    heading: &str,
    text: &str,
) -> Response {
    (
        status,
        Html(page(
            Site::Portal,
            title,
            &format!(
                r#"<h1 data-testid="error" data-error-code="{code}">{heading}</h1><p>{text}</p>"#
            ),
        )),
    )
        .into_response()
}

/// The request with its session cookie replaced by one the portal does not know, so it
/// meets an expired session (pages then say so, as for a session that really ended).
fn without_session(mut request: Request) -> Request {
    if cookie(request.headers(), SESSION_COOKIE).is_none() {
        return request;
    }
    let others: Vec<String> = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && !pair.starts_with(&format!("{SESSION_COOKIE}=")))
        .map(str::to_owned)
        .collect();
    let mut cookies = others;
    cookies.push(format!("{SESSION_COOKIE}=expired-by-fault"));
    let headers = request.headers_mut();
    headers.remove(header::COOKIE);
    if let Ok(value) = HeaderValue::from_str(&cookies.join("; ")) {
        headers.insert(header::COOKIE, value);
    }
    request
}

/// A 200 JSON answer with `body` (no `Content-Length` when the body is a stream).
fn json_answer(body: Body) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// A JSON document over [`OVERSIZED_JSON_BYTES`], valid if read to the end, sent as a
/// stream: its length is known only by reading it, so a client must count as it reads.
fn oversized_body() -> Body {
    static BYTES: OnceLock<Bytes> = OnceLock::new();
    let bytes = BYTES.get_or_init(|| {
        let head = br#"{"items":[],"page":0,"size":25,"total":0,"padding":""#;
        let mut v = Vec::with_capacity(OVERSIZED_JSON_BYTES + head.len() + 2);
        v.extend_from_slice(head);
        v.resize(head.len() + OVERSIZED_JSON_BYTES, b'x');
        v.extend_from_slice(br#""}"#);
        Bytes::from(v)
    });
    Body::from_stream(Body::from(bytes.clone()).into_data_stream())
}

/// The request asking for the first page of the list instead, and the page it asked for.
fn first_page(mut request: Request) -> (Request, u64) {
    let query = request.uri().query().unwrap_or_default().to_owned();
    let mut asked = 0;
    let mut rewritten = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key == "page" {
            asked = value.parse().unwrap_or(0);
        } else {
            rewritten.append_pair(&key, &value);
        }
    }
    rewritten.append_pair("page", "0");
    let target = format!("{}?{}", request.uri().path(), rewritten.finish());
    if let Ok(uri) = target.parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    (request, asked)
}

/// Another record's number beside `asked` (its last digit moved on), as a mixed-up portal
/// would answer.
fn neighbour(asked: &str) -> String {
    let mut number = asked.to_owned();
    match number.pop().and_then(|c| c.to_digit(10)) {
        Some(d) => number.push(char::from(b'0' + ((d + 1) % 10) as u8)),
        None => number = format!("{asked}0"),
    }
    number
}

/// A successful JSON answer with `change` made to it; other answers pass as they are.
async fn rewrite_json(response: Response, change: impl FnOnce(&mut serde_json::Value)) -> Response {
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, REWRITE_LIMIT).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    change(&mut value);
    let Ok(changed) = serde_json::to_vec(&value) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_neighbour_is_another_number_of_the_same_shape() {
        assert_eq!(neighbour("164301027000101"), "164301027000102");
        assert_eq!(neighbour("164301027000109"), "164301027000100");
        assert_eq!(neighbour("abc"), "abc0");
        assert_eq!(neighbour(""), "0");
    }
}
