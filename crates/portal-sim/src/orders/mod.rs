//! The application upload API in the shape of the EPGU API (DOMAIN.md, «How a
//! Gosuslugi-family portal takes an application»): create an order, push its zip archive
//! whole or in chunks, read its statuses, cancel it, find the orders changed since a time.
//! It is authenticated by the portal's session cookie where EPGU takes ESIA's bearer token;
//! everything else follows the EPGU specification v1.12.1, so a real adapter is a small step.

mod check;
mod create;
mod dates;
mod push;
mod req;
#[cfg(feature = "test-controls")]
pub mod sim_api;
mod status;
mod views;

use crate::api::error;
use crate::portal::session_user;
use crate::state::Sim;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

pub use status::{Order, Processing};

/// Where an order is created (the lost-answer fault strikes here only).
pub const ORDER_PATH: &str = "/api/gusmev/order";
const PUSH_PATH: &str = "/api/gusmev/push";
const CHUNKED_PATH: &str = "/api/gusmev/push/chunked";

/// The largest archive `push` takes, and the largest chunk (EPGU: 50 000 000 bytes).
pub const MAX_PART: usize = 50_000_000;
/// A push's body: the part plus the multipart fields around it.
const PUSH_BODY: usize = MAX_PART + 1024 * 1024;
/// Bodies of the JSON routes.
const SMALL_BODY: usize = 16 * 1024;

/// Every route of the upload API (the OpenAPI test reads their paths).
pub fn routes() -> Vec<(&'static str, MethodRouter<Sim>)> {
    let small = || DefaultBodyLimit::max(SMALL_BODY);
    vec![
        (ORDER_PATH, post(create::create).layer(small())),
        (
            PUSH_PATH,
            post(push::whole).layer(DefaultBodyLimit::max(PUSH_BODY)),
        ),
        (
            CHUNKED_PATH,
            post(push::chunked).layer(DefaultBodyLimit::max(PUSH_BODY)),
        ),
        (
            "/api/gusmev/order/{orderId}",
            post(views::details).layer(small()),
        ),
        (
            "/api/gusmev/order/{orderId}/cancel",
            post(views::cancel).layer(small()),
        ),
        // The specification spells it both ways (with and without the final slash).
        (
            "/api/gusmev/order/getUpdatedAfter",
            get(views::updated_after),
        ),
        (
            "/api/gusmev/order/getUpdatedAfter/",
            get(views::updated_after),
        ),
    ]
}

/// Whether `path` takes archives (the upload faults strike these only).
pub fn is_push(path: &str) -> bool {
    path == PUSH_PATH || path == CHUNKED_PATH
}

/// One kind of application the app sends: the sim's service codes (invented; EPGU's own
/// ePTS services are not public). `targetCode` is the negated `serviceCode`, as EPGU's are.
#[derive(Debug)]
pub struct Service {
    /// What `req.xml`'s `<kind>` says.
    pub kind: &'static str,
    pub service_code: &'static str,
    pub target_code: &'static str,
    pub name: &'static str,
}

pub const SERVICES: [Service; 5] = [
    Service {
        kind: "issue",
        service_code: "10000077001",
        target_code: "-10000077001",
        name: "Оформление электронного паспорта транспортного средства",
    },
    Service {
        kind: "change",
        service_code: "10000077002",
        target_code: "-10000077002",
        name: "Внесение изменений в сведения ЭПТС",
    },
    Service {
        kind: "cancel",
        service_code: "10000077003",
        target_code: "-10000077003",
        name: "Аннулирование ЭПТС",
    },
    Service {
        kind: "owner",
        service_code: "10000077004",
        target_code: "-10000077004",
        name: "Смена собственника транспортного средства",
    },
    Service {
        kind: "repair",
        service_code: "10000077005",
        target_code: "-10000077005",
        name: "Сведения о ремонте и техническом обслуживании",
    },
];

/// An error answer of the upload API (`{code, message}`), small enough for `Result`s.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// `Retry-After`, in seconds.
    retry_after: Option<u64>,
}

impl Failure {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut r = error(self.status, self.code, self.message);
        if let Some(v) = self
            .retry_after
            .and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

/// The orders and the counters of the upload API.
#[derive(Debug, Default)]
pub struct Orders {
    pub by_id: BTreeMap<u64, Order>,
    created: u64,
    numbers: std::collections::HashSet<String>,
    /// `(user, Idempotency-Key)` → what the first request was and what it created.
    keys: HashMap<(u32, String), Remembered>,
    /// Per user and service: when their recent orders were created.
    per_service: HashMap<(u32, &'static str), VecDeque<Instant>>,
    /// Per user: when their recent requests came.
    requests: HashMap<u32, VecDeque<Instant>>,
}

/// What an idempotency key stands for.
#[derive(Debug)]
struct Remembered {
    /// A digest of the request the key first came with.
    fingerprint: String,
    order: u64,
    at: Instant,
}

/// How long an idempotency key is remembered (the IETF draft leaves it to the server).
const KEY_LIFETIME: Duration = Duration::from_secs(24 * 3600);

impl Orders {
    /// A new order id: positive, unique, EPGU-sized.
    fn next_order_id(&mut self) -> u64 {
        self.created += 1;
        2_058_864_100 + self.created
    }

    /// A fresh ten-digit application number, e.g. «3948571203».
    fn next_number(&mut self) -> String {
        loop {
            let mut buf = [0u8; 8];
            let _ = getrandom::fill(&mut buf);
            let n = 1_000_000_000 + u64::from_le_bytes(buf) % 9_000_000_000;
            let number = n.to_string();
            if self.numbers.insert(number.clone()) {
                return number;
            }
        }
    }

    /// The order a key already created for `user`, `Ok(None)` for a new key, or the 422
    /// answer when the key came before with another request.
    fn replay(
        &mut self,
        user: u32,
        key: Option<&str>,
        fingerprint: &str,
        now: Instant,
    ) -> Result<Option<u64>, Failure> {
        self.keys
            .retain(|_, r| now.saturating_duration_since(r.at) < KEY_LIFETIME);
        let Some(key) = key else { return Ok(None) };
        match self.keys.get(&(user, key.to_owned())) {
            None => Ok(None),
            Some(r) if r.fingerprint == fingerprint => Ok(Some(r.order)),
            Some(_) => Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Ключ идемпотентности уже использован для другого запроса",
            )),
        }
    }

    fn remember(
        &mut self,
        user: u32,
        key: Option<&str>,
        fingerprint: String,
        order: u64,
        now: Instant,
    ) {
        if let Some(key) = key {
            self.keys.insert(
                (user, key.to_owned()),
                Remembered {
                    fingerprint,
                    order,
                    at: now,
                },
            );
        }
    }
}

/// Counts an event at `now` in a sliding window of `len` that admits `max`; when full,
/// how long until the oldest leaves it.
fn admit(q: &mut VecDeque<Instant>, now: Instant, len: Duration, max: u32) -> Option<Duration> {
    while q
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= len)
    {
        q.pop_front();
    }
    if q.len() >= max.max(1) as usize {
        let oldest = q.front().copied().unwrap_or(now);
        return Some(len.saturating_sub(now.saturating_duration_since(oldest)));
    }
    q.push_back(now);
    None
}

/// 429 `limitation_exception` with `Retry-After` in whole seconds (at least 1).
pub fn too_many(wait: Duration, message: &str) -> Failure {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    Failure {
        retry_after: Some(secs.max(1)),
        ..Failure::new(
            StatusCode::TOO_MANY_REQUESTS,
            "limitation_exception",
            message,
        )
    }
}

/// The session's user, counted against the per-user request limit; else the answer.
fn caller(sim: &Sim, headers: &HeaderMap) -> Result<u32, Failure> {
    let user = session_user(sim, headers).ok_or_else(|| {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            "session_expired",
            "Сеанс истёк или не открыт. Войдите снова.",
        )
    })?;
    let mut s = sim.lock();
    let now = s.now();
    let max = s.limits.requests_per_minute;
    let q = s.orders.requests.entry(user).or_default();
    match admit(q, now, Duration::from_secs(60), max) {
        Some(wait) => Err(too_many(wait, "Слишком много запросов. Повторите позже.")),
        None => Ok(user),
    }
}

/// The `Idempotency-Key` of a request: 1–255 printable ASCII characters, at most one.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Failure> {
    let mut all = headers.get_all("idempotency-key").iter();
    let Some(value) = all.next() else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    let valid = all.next().is_none()
        && (1..=255).contains(&bytes.len())
        && bytes.iter().all(|b| (0x20..=0x7e).contains(b));
    if !valid {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Idempotency-Key: один заголовок, от 1 до 255 печатных символов ASCII",
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// 400 `bad_request` with `message`.
fn bad_request(message: impl Into<String>) -> Failure {
    Failure::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// The order `id` of `user`, or 404 `not_found` / 403 `order_access`.
fn owned(orders: &mut Orders, user: u32, id: u64) -> Result<&mut Order, Failure> {
    match orders.by_id.get_mut(&id) {
        None => Err(Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Заявление не найдено",
        )),
        Some(o) if o.user != user => Err(Failure::new(
            StatusCode::FORBIDDEN,
            "order_access",
            "У пользователя нет прав для работы с текущим заявлением",
        )),
        Some(o) => Ok(o),
    }
}

/// An order id from a path or a form: a positive integer.
fn parse_order_id(raw: &str) -> Result<u64, Failure> {
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| bad_request("orderId: ожидается номер заявления (целое число)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_admits_max_and_says_when_the_next_fits() {
        let mut q = VecDeque::new();
        let t0 = Instant::now();
        let len = Duration::from_secs(600);
        for k in 0..3 {
            assert_eq!(admit(&mut q, t0 + Duration::from_secs(k), len, 3), None);
        }
        assert_eq!(
            admit(&mut q, t0 + Duration::from_secs(100), len, 3),
            Some(Duration::from_secs(500))
        );
        assert_eq!(admit(&mut q, t0 + Duration::from_secs(600), len, 3), None);
    }

    #[test]
    fn service_codes_are_unique() {
        for (i, a) in SERVICES.iter().enumerate() {
            for b in &SERVICES[i + 1..] {
                assert_ne!(a.service_code, b.service_code);
                assert_ne!(a.kind, b.kind);
            }
            assert_eq!(a.target_code, format!("-{}", a.service_code));
        }
    }
}
