//! Archives in: `POST /api/gusmev/push` (a new order and its archive in one request) and
//! `POST /api/gusmev/push/chunked` (an order's archive in chunks, by EPGU's rules: the first
//! goes first and the last goes last, each but the last 5 000 000–50 000 000 bytes, all
//! within 5 minutes of the first). A whole archive is checked at once; its verdict comes
//! out through the order's statuses.

use super::check::{self, hex};
use super::create::{Meta, new_order, order_id};
use super::status::{Archive, Order, Stage};
use super::{Failure, MAX_PART, bad_request, caller, idempotency_key, owned, parse_order_id};
use crate::state::Sim;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The most chunks an archive may have, and the largest archive they may make.
const MAX_CHUNKS: u32 = 20;
const MAX_ARCHIVE: usize = 100_000_000;
/// The largest text field of a push form.
const MAX_TEXT_FIELD: usize = 16 * 1024;

type Digest32 = [u8; 32];

/// A chunked upload in progress.
#[derive(Debug)]
pub struct Upload {
    chunks: u32,
    started: Instant,
    parts: BTreeMap<u32, (Bytes, Digest32)>,
    bytes: usize,
}

/// The chunks of the last whole archive, so a repeat of one is answered as before.
#[derive(Debug)]
pub struct Finished {
    chunks: u32,
    digests: Vec<Digest32>,
}

/// What a push form carried.
#[derive(Debug, Default)]
struct Form {
    meta: Option<Bytes>,
    order_id: Option<String>,
    chunk: Option<String>,
    chunks: Option<String>,
    /// The file's name (not checked: EPGU's client sends `archive.zip`, or `archive.z001`,
    /// `archive.z002`, … for chunks) and bytes.
    file: Option<(String, Bytes)>,
}

/// A multipart failure: 413 `payload_too_large` past the body limit, else 400.
fn multipart_error(status: StatusCode, text: String) -> Failure {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Failure::new(
            status,
            "payload_too_large",
            "Запрос больше допустимого: архив или часть — не больше 50 000 000 байт",
        )
    } else {
        bad_request(format!("Ожидается multipart/form-data: {text}"))
    }
}

async fn read_form(form: Result<Multipart, MultipartRejection>) -> Result<Form, Failure> {
    let mut multipart = form.map_err(|e| multipart_error(e.status(), e.body_text()))?;
    let mut form = Form::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(form),
            Err(e) => return Err(multipart_error(e.status(), e.body_text())),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| multipart_error(e.status(), e.body_text()))?;
        let text = || {
            if bytes.len() > MAX_TEXT_FIELD {
                return Err(bad_request(format!("{name}: слишком длинное значение")));
            }
            String::from_utf8(bytes.to_vec())
                .map_err(|_| bad_request(format!("{name}: ожидается текст UTF-8")))
        };
        let slot_taken = match name.as_str() {
            "meta" => form.meta.replace(bytes.clone()).is_some(),
            "orderId" => form.order_id.replace(text()?).is_some(),
            "chunk" => form.chunk.replace(text()?).is_some(),
            "chunks" => form.chunks.replace(text()?).is_some(),
            "file" => {
                let file_name = file_name.unwrap_or_default();
                form.file.replace((file_name, bytes.clone())).is_some()
            }
            _ => return Err(bad_request(format!("{name}: неизвестное поле"))),
        };
        if slot_taken {
            return Err(bad_request(format!("{name}: поле повторяется")));
        }
    }
}

/// A number field of the form, `default` when absent.
fn number(value: Option<&str>, default: u32, what: &str) -> Result<u32, Failure> {
    match value {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .map_err(|_| bad_request(format!("{what}: ожидается целое число"))),
    }
}

fn sha(bytes: &[u8]) -> Digest32 {
    Sha256::digest(bytes).into()
}

/// What a chunk did to its order.
#[derive(Debug)]
enum Taken {
    /// Stored; more chunks to come (206).
    Stored,
    /// The same chunk again; nothing changed (206, or 200 for the last of a whole archive).
    Repeat { last: bool },
    /// The archive is whole.
    Whole(Bytes),
}

fn conflict(code: &'static str, message: impl Into<String>) -> Failure {
    Failure::new(StatusCode::CONFLICT, code, message)
}

/// 409 `push_not_allowed`: the order takes no archive in its stage.
fn not_now(order: &Order) -> Failure {
    let why = match order.stage {
        Stage::Checking => "архив заявления уже получен и проверяется",
        _ => "заявление закрыто",
    };
    conflict(
        "push_not_allowed",
        format!("Заявление не принимает архив: {why}"),
    )
}

/// EPGU's chunk rules, applied to `order` for chunk `i` of `n` arrived `now`.
fn take_chunk(
    order: &mut Order,
    i: u32,
    n: u32,
    bytes: Bytes,
    now: Instant,
    window: Duration,
) -> Result<Taken, Failure> {
    let digest = sha(&bytes);
    if !order.accepts_push() {
        // The answer to the last chunk of a whole archive may have been lost.
        let repeat = order
            .finished
            .as_ref()
            .is_some_and(|f| f.chunks == n && f.digests.get(i as usize) == Some(&digest));
        if repeat {
            return Ok(Taken::Repeat { last: i + 1 == n });
        }
        return Err(not_now(order));
    }
    if order
        .upload
        .as_ref()
        .is_some_and(|u| now.saturating_duration_since(u.started) > window)
    {
        order.upload = None;
        order.expired = true;
        if i != 0 {
            return Err(conflict(
                "upload_expired",
                "Время загрузки архива истекло: все части — в течение 5 минут после первой. Загрузите архив заново, начиная с части 0, в то же заявление",
            ));
        }
    }
    if i == 0 {
        let same = order
            .upload
            .as_ref()
            .is_some_and(|u| u.chunks == n && u.parts.get(&0).is_some_and(|(_, d)| *d == digest));
        if same {
            return Ok(Taken::Repeat { last: false });
        }
        // Chunk 0 always (re)starts the archive.
        order.upload = Some(Upload {
            chunks: n,
            started: now,
            parts: BTreeMap::new(),
            bytes: 0,
        });
        order.expired = false;
    }
    let expired = order.expired;
    let Some(upload) = order.upload.as_mut() else {
        return Err(if expired {
            conflict(
                "upload_expired",
                "Время загрузки архива истекло. Загрузите архив заново, начиная с части 0",
            )
        } else {
            conflict("chunk_order", "Первой отправляется часть 0")
        });
    };
    if upload.chunks != n {
        return Err(bad_request(format!(
            "chunks: {n}, а часть 0 сказала {}",
            upload.chunks
        )));
    }
    if let Some((_, d)) = upload.parts.get(&i) {
        if *d == digest {
            return Ok(Taken::Repeat { last: false });
        }
        return Err(conflict(
            "chunk_conflict",
            format!("Часть {i} уже получена с другим содержимым"),
        ));
    }
    if i + 1 == n && (1..n - 1).any(|k| !upload.parts.contains_key(&k)) {
        return Err(conflict(
            "chunk_order",
            "Последняя часть отправляется последней, после всех остальных",
        ));
    }
    if upload.bytes + bytes.len() > MAX_ARCHIVE {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Архив больше 100 000 000 байт",
        ));
    }
    upload.bytes += bytes.len();
    upload.parts.insert(i, (bytes, digest));
    if upload.parts.len() < n as usize {
        return Ok(Taken::Stored);
    }
    let mut whole = Vec::with_capacity(upload.bytes);
    let mut digests = Vec::with_capacity(n as usize);
    for (part, d) in upload.parts.values() {
        whole.extend_from_slice(part);
        digests.push(*d);
    }
    order.upload = None;
    order.finished = Some(Finished { chunks: n, digests });
    Ok(Taken::Whole(Bytes::from(whole)))
}

/// Takes a whole archive into `order` (checking starts); returns the service's kind.
fn receive(order: &mut Order, archive: &Bytes, at: time::OffsetDateTime) -> &'static str {
    let sha256 = hex(&Sha256::digest(archive));
    order.receive(
        Archive {
            bytes: archive.clone(),
            sha256,
        },
        at,
    );
    order.service.kind
}

/// Checks the archive of order `id` outside the lock and gives the order its verdict.
fn judge(sim: &Sim, id: u64, archive: &[u8], kind: &str) {
    let verdict = check::check(archive, kind);
    let mut s = sim.lock();
    let step = s.limits.order_step;
    let number = s.orders.next_number();
    if let Some(order) = s.orders.by_id.get_mut(&id) {
        order.judge(verdict, step, number);
    }
}

/// `POST /api/gusmev/push/chunked`.
pub async fn chunked(
    State(sim): State<Sim>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, Failure> {
    let sim = &sim;
    let user = caller(sim, &headers)?;
    let form = read_form(form).await?;
    let raw_id = form
        .order_id
        .as_deref()
        .ok_or_else(|| bad_request("orderId: обязательное поле"))?;
    let id = parse_order_id(raw_id)?;
    let chunk = number(form.chunk.as_deref(), 0, "chunk")?;
    let chunks = number(form.chunks.as_deref(), 1, "chunks")?;
    if !(1..=MAX_CHUNKS).contains(&chunks) {
        return Err(bad_request(format!("chunks: от 1 до {MAX_CHUNKS}")));
    }
    let (_, bytes) = form
        .file
        .ok_or_else(|| bad_request("file: обязательное поле"))?;
    let meta = form.meta.as_deref().map(Meta::parse).transpose()?;
    let (whole, kind) = {
        let mut s = sim.lock();
        let (now, at, window) = (s.now(), s.clock.now_utc(), s.limits.chunk_window);
        let min = s.limits.chunk_min;
        let order = owned(&mut s.orders, user, id)?;
        order.settle(at);
        check_size(bytes.len(), chunk + 1 < chunks, min)?;
        if let Some((_, service)) = meta
            && service.service_code != order.service.service_code
        {
            return Err(bad_request("meta: услуга не совпадает с услугой заявления"));
        }
        if chunk >= chunks {
            return Err(bad_request("chunk: от 0 до chunks − 1"));
        }
        match take_chunk(order, chunk, chunks, bytes, now, window)? {
            Taken::Stored | Taken::Repeat { last: false } => {
                return Ok((StatusCode::PARTIAL_CONTENT, order_id(id)).into_response());
            }
            Taken::Repeat { last: true } => return Ok(order_id(id).into_response()),
            Taken::Whole(whole) => {
                let kind = receive(order, &whole, at);
                (whole, kind)
            }
        }
    };
    judge(sim, id, &whole, kind);
    Ok(order_id(id).into_response())
}

/// Every chunk but the last is `min`–50 000 000 bytes; the last 1–50 000 000.
fn check_size(len: usize, not_last: bool, min: usize) -> Result<(), Failure> {
    if len > MAX_PART {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Часть архива больше 50 000 000 байт",
        ));
    }
    if len == 0 {
        return Err(bad_request("file: пустой файл"));
    }
    if not_last && len < min {
        return Err(bad_request(format!(
            "file: каждая часть, кроме последней, — от {min} до 50 000 000 байт; пустых частей не бывает"
        )));
    }
    Ok(())
}

/// `POST /api/gusmev/push`: a new order with its whole archive.
pub async fn whole(
    State(sim): State<Sim>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, Failure> {
    let sim = &sim;
    let user = caller(sim, &headers)?;
    let key = idempotency_key(&headers)?;
    let form = read_form(form).await?;
    let raw_meta = form
        .meta
        .ok_or_else(|| bad_request("meta: обязательное поле"))?;
    let (meta, service) = Meta::parse(&raw_meta)?;
    let (_, bytes) = form
        .file
        .ok_or_else(|| bad_request("file: обязательное поле"))?;
    check_size(bytes.len(), false, 0)?;
    let digest = sha(&bytes);
    let fingerprint = format!("{}|{}", meta.fingerprint(), hex(&digest));
    let (id, kind) = {
        let mut s = sim.lock();
        let at = s.clock.now_utc();
        let id = new_order(&mut s, user, key.as_deref(), &meta, service, fingerprint)?;
        let Some(order) = s.orders.by_id.get_mut(&id) else {
            return Err(Failure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Заявление не найдено после создания",
            ));
        };
        if order.archives > 0 || !order.accepts_push() {
            // The same key and request again: the order already has this archive.
            return Ok(order_id(id).into_response());
        }
        order.finished = Some(Finished {
            chunks: 1,
            digests: vec![digest],
        });
        (id, receive(order, &bytes, at))
    };
    judge(sim, id, &bytes, kind);
    Ok(order_id(id).into_response())
}
