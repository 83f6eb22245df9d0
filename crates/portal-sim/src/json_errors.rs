//! Every JSON API answer that fails is `{code, message}` JSON, whoever produced it: axum's
//! own rejections (a malformed query, path or body; a wrong method) answer text/plain or
//! nothing, so this layer rewrites them, and unknown `/api/…` paths get a JSON 404.

use crate::api::error;
use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// The most of a rejection's text kept in the message.
const TEXT_LIMIT: usize = 4096;

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Rewrites a failed answer that is not JSON into the API's error body, keeping its status
/// and its `Allow` and `Retry-After` headers.
pub async fn layer(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, TEXT_LIMIT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let (code, words) = match status {
        StatusCode::NOT_FOUND => ("not_found", "Не найдено"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "Метод не поддерживается"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "Запрос слишком большой"),
        s if s.is_server_error() => ("internal_error", "Внутренняя ошибка портала"),
        _ => ("bad_request", "Неверные параметры запроса"),
    };
    let message = if text.is_empty() {
        words.to_owned()
    } else {
        format!("{words}: {text}")
    };
    let mut rewritten = error(status, code, message);
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            rewritten.headers_mut().insert(name, v.clone());
        }
    }
    rewritten
}

/// Any `/api/…` path the portal does not serve.
pub async fn unknown() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "Нет такого метода API")
}
