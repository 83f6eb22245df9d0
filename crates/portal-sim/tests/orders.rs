//! The upload API (`/api/gusmev/…`, EPGU's shape): orders and their idempotency, chunk
//! rules, the archive check, statuses moved by the clock, cancel, `getUpdatedAfter`, the
//! limits, and every upload fault — over real HTTP against a started stand-in.

use portal_sim::{Fault, Limits, Running};
use reqwest::header::{COOKIE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};
use std::time::{Duration, Instant};
use zip::write::SimpleFileOptions;

mod common;

use common::*;

const OWNER: &str = "owner@example.ru";
const DEALER: &str = "dealer@example.ru";
/// «Смена собственника» (`owner`) and «Сведения о ремонте» (`repair`).
const OWNER_SERVICE: &str = "10000077004";
const REPAIR_SERVICE: &str = "10000077005";
const STEP: Duration = Duration::from_secs(10);
const VIN: &str = "XTA21099843576182";

/// A user's client of the upload API (the session cookie set on every request).
struct Api {
    c: Client,
    base: String,
}

impl Api {
    fn new(sim: &Running, login: &str) -> Result<Api> {
        let session = sim.sim().open_session(login).ok_or("a session")?;
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("JSESSIONID={session}"))?,
        );
        Ok(Api {
            c: Client::builder().default_headers(headers).build()?,
            base: format!("{}api/gusmev/", sim.url()),
        })
    }

    async fn create(&self, service: &str, key: Option<&str>) -> Result<Answer> {
        let mut req = self
            .c
            .post(format!("{}order", self.base))
            .json(&meta(service));
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        answer(req).await
    }

    async fn order(&self, service: &str) -> Result<u64> {
        let a = self.create(service, None).await?;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        Ok(a.body["orderId"].as_u64().ok_or("orderId")?)
    }

    /// Chunk `i` of `n`, named as the EPGU client names it.
    async fn chunk(&self, id: u64, i: usize, n: usize, bytes: &[u8]) -> Result<Answer> {
        let name = if n == 1 {
            "archive.zip".to_owned()
        } else {
            format!("archive.z{:03}", i + 1)
        };
        self.chunk_named(id, i, n, bytes, &name).await
    }

    async fn chunk_named(
        &self,
        id: u64,
        i: usize,
        n: usize,
        bytes: &[u8],
        name: &str,
    ) -> Result<Answer> {
        let form = Form::new()
            .text("meta", meta(OWNER_SERVICE).to_string())
            .text("orderId", id.to_string())
            .text("chunk", i.to_string())
            .text("chunks", n.to_string())
            .part(
                "file",
                Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
            );
        answer(
            self.c
                .post(format!("{}push/chunked", self.base))
                .multipart(form),
        )
        .await
    }

    /// Every chunk of `archive` in order, each `size` bytes; the last answer.
    async fn upload(&self, id: u64, archive: &[u8], size: usize) -> Result<Answer> {
        let parts: Vec<&[u8]> = archive.chunks(size).collect();
        let mut last = None;
        for (i, part) in parts.iter().enumerate() {
            last = Some(self.chunk(id, i, parts.len(), part).await?);
        }
        last.ok_or_else(|| "an empty archive".into())
    }

    async fn push(&self, service: &str, archive: &[u8], key: Option<&str>) -> Result<Answer> {
        let form = Form::new().text("meta", meta(service).to_string()).part(
            "file",
            Part::bytes(archive.to_vec()).file_name("archive.zip"),
        );
        let mut req = self.c.post(format!("{}push", self.base)).multipart(form);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        answer(req).await
    }

    /// A new order with `archive`, pushed whole.
    async fn pushed(&self, archive: &[u8]) -> Result<u64> {
        let a = self.push(OWNER_SERVICE, archive, None).await?;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        Ok(a.body["orderId"].as_u64().ok_or("orderId")?)
    }

    /// The details answer and the order inside it (EPGU sends it as a JSON string).
    async fn details(&self, id: u64) -> Result<(Value, Value)> {
        let a = answer(self.c.post(format!("{}order/{id}", self.base))).await?;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let order: Value = serde_json::from_str(a.body["order"].as_str().ok_or("order string")?)?;
        Ok((a.body, order))
    }

    async fn cancel(&self, id: u64) -> Result<Answer> {
        answer(self.c.post(format!("{}order/{id}/cancel", self.base))).await
    }

    async fn updated_after(&self, query: &str) -> Result<Answer> {
        answer(
            self.c
                .get(format!("{}order/getUpdatedAfter/?{query}", self.base)),
        )
        .await
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

/// Sends `req`; every answer of the API is JSON, errors included.
async fn answer(req: reqwest::RequestBuilder) -> Result<Answer> {
    let r = req.send().await?;
    let (status, headers) = (r.status(), r.headers().clone());
    let kind = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(kind.starts_with("application/json"), "{status}: {kind}");
    Ok(Answer {
        status,
        headers,
        body: r.json().await?,
    })
}

fn assert_error(a: &Answer, status: StatusCode, code: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.body["code"], code, "{}", a.body);
    assert!(
        a.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        a.body
    );
}

fn meta(service: &str) -> Value {
    json!({ "region": "45000000000", "serviceCode": service, "targetCode": format!("-{service}") })
}

fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A PDF-looking file of `len` bytes (the check reads formats by their signature).
fn pdf(len: usize, seed: u8) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.extend((0..len.saturating_sub(v.len())).map(|i| (i as u8).wrapping_mul(31) ^ seed));
    v
}

/// A zip of `entries`, stored; a name ending in `/` is a folder.
fn zip_of(entries: &[(&str, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        if name.ends_with('/') {
            w.add_directory(*name, options)?;
        } else {
            w.start_file(*name, options)?;
            w.write_all(bytes)?;
        }
    }
    Ok(w.finish()?.into_inner())
}

/// `req.xml` listing `docs` with their digests.
fn req_xml(kind: &str, outcome: Option<&str>, docs: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<application>\n  <kind>{kind}</kind>\n  <vin>{VIN}</vin>\n"
    );
    if let Some(o) = outcome {
        xml.push_str(&format!("  <field name=\"sim_outcome\">{o}</field>\n"));
    }
    for (name, bytes) in docs {
        xml.push_str(&format!(
            "  <file name=\"{name}\" sha256=\"{}\"/>\n",
            sha_hex(bytes)
        ));
    }
    xml.push_str("</application>\n");
    xml.into_bytes()
}

/// An application of the `owner` service: `req.xml` and `docs`.
fn application(outcome: Option<&str>, docs: &[(&str, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut entries = vec![("req.xml", req_xml("owner", outcome, docs))];
    entries.extend(docs.iter().cloned());
    zip_of(&entries)
}

fn good(outcome: Option<&str>) -> Result<Vec<u8>> {
    application(outcome, &[("passport.pdf", pdf(2000, 1))])
}

/// Moves the clock `steps` order steps on.
fn steps(sim: &Running, steps: u32) {
    sim.clock().advance(STEP * steps);
}

/// A stand-in whose chunks may be small (1 000 bytes) so tests stay quick.
async fn small_chunks() -> Result<Running> {
    Ok(portal_sim::start_with(
        0,
        Limits {
            chunk_min: 1000,
            ..Limits::default()
        },
    )
    .await?)
}

#[tokio::test]
async fn an_order_is_created_once_per_idempotency_key() -> Result {
    let sim = portal_sim::start(0).await?;
    let owner = Api::new(&sim, OWNER)?;

    let plain = owner.create(OWNER_SERVICE, None).await?;
    assert_eq!(plain.status, StatusCode::OK);
    let first = plain.body["orderId"].as_u64().ok_or("orderId")?;
    assert!(first > 0);

    let keyed = owner.create(OWNER_SERVICE, Some("key-1")).await?;
    let id = keyed.body["orderId"].as_u64().ok_or("orderId")?;
    assert_ne!(id, first);
    let again = owner.create(OWNER_SERVICE, Some("key-1")).await?;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["orderId"].as_u64(), Some(id));
    assert_eq!(sim.sim().order_count(OWNER), 2, "a repeat creates nothing");

    let reused = owner.create(REPAIR_SERVICE, Some("key-1")).await?;
    assert_error(
        &reused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );
    // Keys are the user's own: another user's same key is another order.
    let dealer = Api::new(&sim, DEALER)?;
    let theirs = dealer.create(OWNER_SERVICE, Some("key-1")).await?;
    assert_ne!(theirs.body["orderId"].as_u64(), Some(id));

    for bad in ["", &"k".repeat(256), "ключ"] {
        let r = owner
            .c
            .post(format!("{}order", owner.base))
            .header("Idempotency-Key", HeaderValue::from_bytes(bad.as_bytes())?)
            .json(&meta(OWNER_SERVICE));
        assert_error(&answer(r).await?, StatusCode::BAD_REQUEST, "bad_request");
    }
    let unknown = answer(
        owner
            .c
            .post(format!("{}order", owner.base))
            .json(&json!({"region": "45", "serviceCode": "123", "targetCode": "-123"})),
    )
    .await?;
    assert_error(&unknown, StatusCode::BAD_REQUEST, "bad_request");
    let wrong_target = answer(
        owner
            .c
            .post(format!("{}order", owner.base))
            .json(&json!({"region": "45", "serviceCode": OWNER_SERVICE, "targetCode": "-1"})),
    )
    .await?;
    assert_error(&wrong_target, StatusCode::BAD_REQUEST, "bad_request");
    let broken = answer(
        owner
            .c
            .post(format!("{}order", owner.base))
            .header("content-type", "application/json")
            .body("{\"region\":"),
    )
    .await?;
    assert_error(&broken, StatusCode::BAD_REQUEST, "bad_request");

    let anonymous = answer(
        Client::new()
            .post(format!("{}order", owner.base))
            .json(&meta(OWNER_SERVICE)),
    )
    .await?;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "session_expired");
    let foreign = answer(dealer.c.post(format!("{}order/{id}", dealer.base))).await?;
    assert_error(&foreign, StatusCode::FORBIDDEN, "order_access");
    let missing = answer(owner.c.post(format!("{}order/1", owner.base))).await?;
    assert_error(&missing, StatusCode::NOT_FOUND, "not_found");
    let (info, order) = owner.details(id).await?;
    assert_eq!(info["code"], "NEW");
    assert_eq!(order["orderStatusId"], 0);
    assert_eq!(order["orderStatusName"], "Черновик заявления");
    assert_eq!(order["eserviceId"], OWNER_SERVICE);
    assert_eq!(order["applicationNumber"], Value::Null);
    Ok(())
}

#[tokio::test]
async fn chunks_go_first_first_last_last_and_repeat_idempotently() -> Result {
    let sim = small_chunks().await?;
    let owner = Api::new(&sim, OWNER)?;
    let id = owner.order(OWNER_SERVICE).await?;
    let archive = application(None, &[("passport.pdf", pdf(4500, 2))])?;
    let parts: Vec<&[u8]> = archive.chunks(1000).collect();
    let n = parts.len();
    assert!(n >= 5, "{n} chunks");

    assert_error(
        &owner.chunk(id, 1, n, parts[1]).await?,
        StatusCode::CONFLICT,
        "chunk_order",
    );
    assert_error(
        &owner.chunk(id, 0, n, &parts[0][..999]).await?,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error(
        &owner.chunk(id, n, n, parts[0]).await?,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_eq!(
        owner.chunk(id, 0, n, parts[0]).await?.status,
        StatusCode::PARTIAL_CONTENT
    );
    assert_eq!(
        owner.chunk(id, 0, n, parts[0]).await?.status,
        StatusCode::PARTIAL_CONTENT
    );
    assert_error(
        &owner.chunk(id, n - 1, n, parts[n - 1]).await?,
        StatusCode::CONFLICT,
        "chunk_order",
    );
    // The middle ones in any order; a repeat is taken, a changed repeat is not.
    for i in (1..n - 1).rev() {
        let a = owner.chunk(id, i, n, parts[i]).await?;
        assert_eq!(a.status, StatusCode::PARTIAL_CONTENT, "{}", a.body);
        assert_eq!(a.body["orderId"].as_u64(), Some(id));
    }
    assert_eq!(
        owner.chunk(id, 2, n, parts[2]).await?.status,
        StatusCode::PARTIAL_CONTENT
    );
    let mut changed = parts[2].to_vec();
    changed[10] ^= 0xff;
    assert_error(
        &owner.chunk(id, 2, n, &changed).await?,
        StatusCode::CONFLICT,
        "chunk_conflict",
    );
    assert_error(
        &owner.chunk(id, 1, n + 1, parts[1]).await?,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );

    let last = owner.chunk(id, n - 1, n, parts[n - 1]).await?;
    assert_eq!(last.status, StatusCode::OK, "{}", last.body);
    assert_eq!(last.body["orderId"].as_u64(), Some(id));
    // The answer to the last one may be lost: its repeat is answered the same.
    assert_eq!(
        owner.chunk(id, n - 1, n, parts[n - 1]).await?.status,
        StatusCode::OK
    );

    let view = sim
        .sim()
        .orders()
        .into_iter()
        .find(|o| o.id == id)
        .ok_or("order")?;
    assert_eq!(view.archive.as_deref(), Some(archive.as_slice()));
    assert_eq!(view.archive_sha256, Some(sha_hex(&archive)));
    assert_eq!(view.archives_received, 1);
    assert_eq!(view.code, "VALIDATION");
    assert_error(
        &owner.chunk(id, 0, 1, &archive).await?,
        StatusCode::CONFLICT,
        "push_not_allowed",
    );

    // Bounded sizes: a chunk over 50 000 000 bytes is refused whole.
    let other = owner.order(OWNER_SERVICE).await?;
    let huge = vec![0u8; 50_000_001];
    assert_error(
        &owner.chunk(other, 0, 2, &huge).await?,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    let seen: serde_json::Value = plain(&sim)?
        .get(format!("{}__sim/orders", sim.url()))
        .send()
        .await?
        .json()
        .await?;
    let listed = seen
        .as_array()
        .and_then(|a| a.iter().find(|o| o["orderId"].as_u64() == Some(id)))
        .ok_or("listed")?;
    assert_eq!(listed["archiveBytes"].as_u64(), Some(archive.len() as u64));
    assert_eq!(listed["archiveSha256"], sha_hex(&archive));
    Ok(())
}

#[tokio::test]
async fn a_window_that_ran_out_drops_the_upload_and_the_same_order_starts_again() -> Result {
    let sim = small_chunks().await?;
    let owner = Api::new(&sim, OWNER)?;
    let id = owner.order(OWNER_SERVICE).await?;
    let archive = application(None, &[("passport.pdf", pdf(2500, 3))])?;
    let parts: Vec<&[u8]> = archive.chunks(1000).collect();
    let n = parts.len();

    assert_eq!(
        owner.chunk(id, 0, n, parts[0]).await?.status,
        StatusCode::PARTIAL_CONTENT
    );
    sim.clock().advance(Duration::from_secs(4 * 60));
    assert_eq!(
        owner.chunk(id, 1, n, parts[1]).await?.status,
        StatusCode::PARTIAL_CONTENT
    );
    sim.clock().advance(Duration::from_secs(61));
    assert_error(
        &owner.chunk(id, 2, n, parts[2]).await?,
        StatusCode::CONFLICT,
        "upload_expired",
    );
    // Dropped: the rest of that upload meets the same answer until chunk 0 comes again.
    assert_error(
        &owner.chunk(id, 1, n, parts[1]).await?,
        StatusCode::CONFLICT,
        "upload_expired",
    );

    let last = owner.upload(id, &archive, 1000).await?;
    assert_eq!(last.status, StatusCode::OK, "{}", last.body);
    let view = sim
        .sim()
        .orders()
        .into_iter()
        .find(|o| o.id == id)
        .ok_or("order")?;
    assert_eq!(view.archive.as_deref(), Some(archive.as_slice()));
    assert_eq!(sim.sim().order_count(OWNER), 1, "the same order took it");
    Ok(())
}

#[tokio::test]
async fn a_whole_push_creates_the_order_once_per_key() -> Result {
    let sim = portal_sim::start(0).await?;
    let owner = Api::new(&sim, OWNER)?;
    let archive = good(None)?;
    let first = owner.push(OWNER_SERVICE, &archive, Some("push-1")).await?;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let again = owner.push(OWNER_SERVICE, &archive, Some("push-1")).await?;
    assert_eq!(again.body["orderId"], first.body["orderId"]);
    let other = good(Some("clarify"))?;
    assert_error(
        &owner.push(OWNER_SERVICE, &other, Some("push-1")).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );
    assert_eq!(sim.sim().order_count(OWNER), 1);
    let view = &sim.sim().orders()[0];
    assert_eq!(view.archives_received, 1);
    assert_eq!(view.archive_sha256, Some(sha_hex(&archive)));

    let no_file = answer(
        owner
            .c
            .post(format!("{}push", owner.base))
            .multipart(Form::new().text("meta", meta(OWNER_SERVICE).to_string())),
    )
    .await?;
    assert_error(&no_file, StatusCode::BAD_REQUEST, "bad_request");
    let not_multipart =
        answer(owner.c.post(format!("{}push", owner.base)).json(&json!({}))).await?;
    assert_error(&not_multipart, StatusCode::BAD_REQUEST, "bad_request");
    Ok(())
}

/// The processing code and status after the check of `archive` has had time to finish.
async fn verdict(sim: &Running, owner: &Api, archive: &[u8]) -> Result<(Value, Value)> {
    let id = owner.pushed(archive).await?;
    let (info, _) = owner.details(id).await?;
    assert_eq!(info["code"], "VALIDATION");
    steps(sim, 2);
    owner.details(id).await
}

#[tokio::test]
async fn archives_are_checked_for_structure_request_digests_and_the_profile() -> Result {
    let sim = portal_sim::start(0).await?;
    let owner = Api::new(&sim, OWNER)?;
    let doc = pdf(2000, 4);
    let req = req_xml("owner", None, &[("passport.pdf", doc.clone())]);

    let (info, order) = verdict(&sim, &owner, &good(None)?).await?;
    assert_eq!(info["code"], "FILES_VERIFICATION_SUCCESS", "{info}");
    assert_eq!(order["orderStatusId"], 0);
    let files = order["orderAttachmentFiles"].as_array().ok_or("files")?;
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["fileName"], "req.xml");
    assert_eq!(files[0]["type"], "REQUEST");
    assert_eq!(files[1]["mimeType"], "application/pdf");

    let gif = b"GIF89a-not-allowed".to_vec();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not a zip",
            b"PK-not-really".to_vec(),
            "INVALID_FILES_STRUCTURE",
        ),
        (
            "a folder",
            zip_of(&[
                ("req.xml", req.clone()),
                ("docs/", vec![]),
                ("passport.pdf", doc.clone()),
            ])?,
            "INVALID_FILES_STRUCTURE",
        ),
        (
            "a file in a folder",
            zip_of(&[("req.xml", req.clone()), ("docs/passport.pdf", doc.clone())])?,
            "INVALID_FILES_STRUCTURE",
        ),
        (
            "a nested zip",
            zip_of(&[
                ("req.xml", req.clone()),
                ("passport.pdf", doc.clone()),
                ("more.zip", zip_of(&[("a.pdf", doc.clone())])?),
            ])?,
            "INVALID_FILES_STRUCTURE",
        ),
        (
            "a zip named otherwise",
            zip_of(&[
                (
                    "req.xml",
                    req_xml(
                        "owner",
                        None,
                        &[("scan.pdf", zip_of(&[("a.pdf", doc.clone())])?)],
                    ),
                ),
                ("scan.pdf", zip_of(&[("a.pdf", doc.clone())])?),
            ])?,
            "INVALID_FILES_STRUCTURE",
        ),
        (
            "no req.xml",
            zip_of(&[("passport.pdf", doc.clone())])?,
            "REQ_NOT_FOUND",
        ),
        (
            "req.xml not well-formed",
            zip_of(&[
                ("req.xml", b"<application><kind>owner</kind>".to_vec()),
                ("passport.pdf", doc.clone()),
            ])?,
            "VALIDATION_ERROR",
        ),
        (
            "another service's kind",
            zip_of(&[
                (
                    "req.xml",
                    req_xml("repair", None, &[("passport.pdf", doc.clone())]),
                ),
                ("passport.pdf", doc.clone()),
            ])?,
            "VALIDATION_ERROR",
        ),
        (
            "a listed file missing",
            zip_of(&[("req.xml", req.clone())])?,
            "VALIDATION_ERROR",
        ),
        (
            "a file not listed",
            zip_of(&[
                ("req.xml", req.clone()),
                ("passport.pdf", doc.clone()),
                ("extra.pdf", doc.clone()),
            ])?,
            "VALIDATION_ERROR",
        ),
        (
            "a bad format",
            application(None, &[("photo.pdf", gif.clone())])?,
            "VALIDATION_ERROR",
        ),
        (
            "a Cyrillic name",
            application(None, &[("паспорт.pdf", doc.clone())])?,
            "VALIDATION_ERROR",
        ),
        (
            "a file over 10 MB",
            application(None, &[("big.pdf", pdf(10 * 1024 * 1024 + 1, 5))])?,
            "VALIDATION_ERROR",
        ),
        (
            "a digest that does not match",
            zip_of(&[("req.xml", req.clone()), ("passport.pdf", pdf(2000, 6))])?,
            "FILES_VERIFICATION_FAILED",
        ),
    ];
    for (what, archive, code) in cases {
        let (info, order) = verdict(&sim, &owner, &archive).await?;
        assert_eq!(info["code"], code, "{what}: {info}");
        assert_eq!(order["orderStatusId"], 24, "{what}");
        assert_eq!(order["orderStatusName"], "Ошибка обработки заявления");
        assert_eq!(order["closed"], true);
        let reason = info["message"].as_str().ok_or("message")?;
        assert_eq!(order["currentStatusHistory"]["comment"], reason, "{what}");
        assert!(
            reason.chars().any(|c| ('а'..='я').contains(&c)),
            "{what}: {reason}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn statuses_move_with_the_clock_to_received() -> Result {
    let sim = portal_sim::start(0).await?;
    let owner = Api::new(&sim, OWNER)?;
    let id = owner.pushed(&good(None)?).await?;
    let mut seen = Vec::new();
    for _ in 0..6 {
        let (info, order) = owner.details(id).await?;
        seen.push((
            info["code"].as_str().unwrap_or_default().to_owned(),
            order["orderStatusId"].as_u64().unwrap_or(99),
        ));
        steps(&sim, 1);
    }
    let expected: Vec<(String, u64)> = [
        ("VALIDATION", 0),
        ("FILES_VERIFICATION", 0),
        ("FILES_VERIFICATION_SUCCESS", 0),
        ("DONE", 17),
        ("DONE", 21),
        ("DONE", 2),
    ]
    .iter()
    .map(|(c, s)| ((*c).to_owned(), *s))
    .collect();
    assert_eq!(seen, expected);
    let (_, order) = owner.details(id).await?;
    assert_eq!(order["closed"], true);
    assert_eq!(order["orderStatusName"], "Заявление получено ведомством");
    let number = order["applicationNumber"].as_str().ok_or("number")?;
    assert!(
        number.len() == 10 && number.bytes().all(|b| b.is_ascii_digit()),
        "{number}"
    );
    let ids: Vec<u64> = order["statuses"]
        .as_array()
        .ok_or("statuses")?
        .iter()
        .filter_map(|s| s["statusId"].as_u64())
        .collect();
    assert_eq!(ids, [0, 17, 21, 2]);
    assert!(
        order["updated"]
            .as_str()
            .is_some_and(|d| d.ends_with("+0300"))
    );
    assert_error(
        &owner.cancel(id).await?,
        StatusCode::CONFLICT,
        "cancel_not_allowed",
    );

    let history = sim.sim().order_history(id).ok_or("history")?;
    let codes: Vec<&str> = history.iter().map(|c| c.code).collect();
    assert_eq!(
        codes,
        [
            "NEW",
            "VALIDATION",
            "FILES_VERIFICATION",
            "FILES_VERIFICATION_SUCCESS",
            "DONE",
            "DONE",
            "DONE"
        ]
    );
    assert!(history.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(history.last().map(|c| c.status_id), Some(2));
    Ok(())
}

#[tokio::test]
async fn clarify_takes_a_new_push_and_refuse_ends_with_a_reason() -> Result {
    let sim = small_chunks().await?;
    let owner = Api::new(&sim, OWNER)?;

    let id = owner.pushed(&good(Some("clarify"))?).await?;
    steps(&sim, 6);
    let (info, order) = owner.details(id).await?;
    assert_eq!(order["orderStatusId"], 15);
    assert_eq!(order["orderStatusName"], "Требуется уточнение");
    assert_eq!(order["closed"], false);
    assert_eq!(order["currentStatusHistory"]["cancelAllowed"], true);
    assert!(
        info["message"]
            .as_str()
            .is_some_and(|m| m.contains("Уточните"))
    );
    let number = order["applicationNumber"].clone();

    // A new archive to the same order, in chunks this time: checking starts again.
    let fixed = application(None, &[("passport.pdf", pdf(2500, 7))])?;
    let last = owner.upload(id, &fixed, 1000).await?;
    assert_eq!(last.status, StatusCode::OK, "{}", last.body);
    assert_eq!(owner.details(id).await?.0["code"], "VALIDATION");
    steps(&sim, 6);
    let (_, order) = owner.details(id).await?;
    assert_eq!(order["orderStatusId"], 2);
    assert_eq!(order["closed"], true);
    assert_eq!(order["applicationNumber"], number, "the number stays");
    let view = sim
        .sim()
        .orders()
        .into_iter()
        .find(|o| o.id == id)
        .ok_or("order")?;
    assert_eq!(view.archives_received, 2);
    assert_eq!(view.archive.as_deref(), Some(fixed.as_slice()));

    let refused = owner.pushed(&good(Some("refuse"))?).await?;
    steps(&sim, 6);
    let (info, order) = owner.details(refused).await?;
    assert_eq!(info["code"], "DONE");
    assert_eq!(order["orderStatusId"], 10);
    assert_eq!(order["closed"], true);
    let reason = order["currentStatusHistory"]["comment"]
        .as_str()
        .ok_or("comment")?;
    assert!(reason.starts_with("Отказ"), "{reason}");
    assert_error(
        &owner.cancel(refused).await?,
        StatusCode::CONFLICT,
        "cancel_not_allowed",
    );
    assert_error(
        &owner.chunk(refused, 0, 1, &good(None)?).await?,
        StatusCode::CONFLICT,
        "push_not_allowed",
    );
    Ok(())
}

#[tokio::test]
async fn an_order_is_cancelled_while_the_status_allows_it() -> Result {
    let sim = portal_sim::start(0).await?;
    let owner = Api::new(&sim, OWNER)?;
    let draft = owner.order(OWNER_SERVICE).await?;
    let done = owner.cancel(draft).await?;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["orderId"].as_u64(), Some(draft));
    let (_, order) = owner.details(draft).await?;
    assert_eq!(order["orderStatusId"], 9);
    assert_eq!(order["orderStatusName"], "Заявление отменено");
    assert_error(
        &owner.cancel(draft).await?,
        StatusCode::CONFLICT,
        "cancel_not_allowed",
    );
    assert_error(
        &owner.chunk(draft, 0, 1, &good(None)?).await?,
        StatusCode::CONFLICT,
        "push_not_allowed",
    );

    // Cancelled while being sent to the agency: the plan stops there.
    let sent = owner.pushed(&good(None)?).await?;
    steps(&sim, 4);
    assert_eq!(owner.details(sent).await?.1["orderStatusId"], 21);
    assert_eq!(owner.cancel(sent).await?.status, StatusCode::OK);
    steps(&sim, 5);
    assert_eq!(owner.details(sent).await?.1["orderStatusId"], 9);

    let dealer = Api::new(&sim, DEALER)?;
    assert_error(
        &dealer.cancel(sent).await?,
        StatusCode::FORBIDDEN,
        "order_access",
    );
    assert_error(
        &dealer.cancel(42).await?,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    Ok(())
}

#[tokio::test]
async fn get_updated_after_finds_the_orders_changed_since_a_time() -> Result {
    let sim = portal_sim::start(0).await?;
    let owner = Api::new(&sim, OWNER)?;
    let dealer = Api::new(&sim, DEALER)?;
    let old = owner.order(OWNER_SERVICE).await?;
    sim.clock().advance(Duration::from_secs(60));
    let cursor = owner
        .updated_after("updatedAfter=2000-01-01T00:00:00.000")
        .await?;
    assert_eq!(cursor.body["totalCount"], 1);
    let old_updated = cursor.body["content"][0]["status"]["updated"]
        .as_str()
        .ok_or("updated")?
        .to_owned();
    assert_eq!(old_updated.len(), "2022-12-21T20:49:37.672".len());
    sim.clock().advance(Duration::from_secs(60));
    let a = owner.order(OWNER_SERVICE).await?;
    let b = owner.order(REPAIR_SERVICE).await?;
    dealer.order(OWNER_SERVICE).await?;

    let after = owner
        .updated_after(&format!("pageNum=0&pageSize=10&updatedAfter={old_updated}"))
        .await?;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body["totalCount"], 2);
    assert_eq!(after.body["count"], 2);
    let ids: Vec<u64> = after.body["content"]
        .as_array()
        .ok_or("content")?
        .iter()
        .filter_map(|o| o["orderId"].as_u64())
        .collect();
    assert_eq!(ids, [a, b]);
    assert_eq!(after.body["content"][0]["orderSearchStatus"], "FOUND");
    assert_eq!(after.body["content"][0]["status"]["statusId"], 0);

    let page = owner
        .updated_after(&format!("pageNum=1&pageSize=1&updatedAfter={old_updated}"))
        .await?;
    assert_eq!(page.body["count"], 1);
    assert_eq!(page.body["totalCount"], 2);
    assert_eq!(page.body["content"][0]["orderId"].as_u64(), Some(b));

    // The old order changes (cancelled): it is found again; RFC 3339 is taken too.
    owner.cancel(old).await?;
    let changed = owner
        .updated_after(&format!(
            "updatedAfter={}",
            urlencode(&format!("{old_updated}+03:00"))
        ))
        .await?;
    assert_eq!(changed.body["totalCount"], 3);
    let without_slash = answer(owner.c.get(format!(
        "{}order/getUpdatedAfter?updatedAfter=2000-01-01T00:00:00",
        owner.base
    )))
    .await?;
    assert_eq!(without_slash.body["totalCount"], 3);
    for bad in [
        "updatedAfter=yesterday",
        "",
        "updatedAfter=2000-01-01T00:00:00&pageSize=0",
        "updatedAfter=2000-01-01T00:00:00&pageNum=-1",
    ] {
        assert_error(
            &owner.updated_after(bad).await?,
            StatusCode::BAD_REQUEST,
            "bad_request",
        );
    }
    Ok(())
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn twenty_orders_a_service_in_ten_minutes_then_429_with_retry_after() -> Result {
    let sim = portal_sim::start(0).await?;
    let owner = Api::new(&sim, OWNER)?;
    for k in 0..20 {
        owner.create(OWNER_SERVICE, Some(&format!("k{k}"))).await?;
    }
    let over = owner.create(OWNER_SERVICE, None).await?;
    assert_error(&over, StatusCode::TOO_MANY_REQUESTS, "limitation_exception");
    let wait: u64 = over.headers[RETRY_AFTER].to_str()?.parse()?;
    assert!((1..=600).contains(&wait), "{wait}");
    // A repeat of a key is no new order; another service has its own count.
    assert_eq!(
        owner.create(OWNER_SERVICE, Some("k3")).await?.status,
        StatusCode::OK
    );
    assert_eq!(
        owner.create(REPAIR_SERVICE, None).await?.status,
        StatusCode::OK
    );
    assert_error(
        &owner.push(OWNER_SERVICE, &good(None)?, None).await?,
        StatusCode::TOO_MANY_REQUESTS,
        "limitation_exception",
    );
    sim.clock().advance(Duration::from_secs(wait));
    assert_eq!(
        owner.create(OWNER_SERVICE, None).await?.status,
        StatusCode::OK
    );
    assert_eq!(sim.sim().order_count(OWNER), 22);
    Ok(())
}

#[tokio::test]
async fn the_request_limit_is_per_user_and_a_minute() -> Result {
    let sim = portal_sim::start_with(
        0,
        Limits {
            requests_per_minute: 5,
            ..Limits::default()
        },
    )
    .await?;
    let owner = Api::new(&sim, OWNER)?;
    let id = owner.order(OWNER_SERVICE).await?;
    for _ in 0..4 {
        owner.details(id).await?;
    }
    let over = answer(owner.c.post(format!("{}order/{id}", owner.base))).await?;
    assert_error(&over, StatusCode::TOO_MANY_REQUESTS, "limitation_exception");
    assert!(over.headers.contains_key(RETRY_AFTER));
    let dealer = Api::new(&sim, DEALER)?;
    assert_eq!(
        dealer.create(OWNER_SERVICE, None).await?.status,
        StatusCode::OK
    );
    sim.clock().advance(Duration::from_secs(60));
    owner.details(id).await?;
    Ok(())
}

#[tokio::test]
async fn malformed_requests_to_any_api_route_answer_json() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = logged_in(&sim, OWNER, "owner-pass").await?;
    let base = sim.url();
    for (req, status, code) in [
        (
            b.get(format!("{base}api/v1/epts?page=abc")),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            b.get(format!("{base}api/v1/epts?size=-1")),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            b.get(format!("{base}api/v1/nothing")),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            b.delete(format!("{base}api/v1/me")),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            b.get(format!("{base}api/gusmev/order")),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            b.post(format!("{base}api/gusmev/order/abc")),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            b.post(format!("{base}api/gusmev/order/-1/cancel")),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ] {
        assert_error(&answer(req).await?, status, code);
    }
    Ok(())
}

#[tokio::test]
async fn a_reset_in_the_middle_of_a_chunk_stores_nothing_of_it() -> Result {
    let sim = small_chunks().await?;
    let owner = Api::new(&sim, OWNER)?;
    let id = owner.order(OWNER_SERVICE).await?;
    let archive = application(None, &[("passport.pdf", pdf(300_000, 8))])?;
    let parts: Vec<&[u8]> = archive.chunks(150_000).collect();
    let n = parts.len();
    let set = control(
        &sim,
        "__sim/fault",
        json!({ "fault": { "mode": "upload_reset", "after_bytes": 20000 }, "remaining": 1 }),
    )
    .await?;
    assert_eq!(set, StatusCode::NO_CONTENT);
    let cut = owner.chunk(id, 0, n, parts[0]).await;
    assert!(cut.is_err(), "the connection is reset, no answer");
    // Chunk 0 was not stored: chunk 1 cannot go yet.
    assert_error(
        &owner.chunk(id, 1, n, parts[1]).await?,
        StatusCode::CONFLICT,
        "chunk_order",
    );
    assert_eq!(
        owner.upload(id, &archive, 150_000).await?.status,
        StatusCode::OK
    );
    Ok(())
}

#[tokio::test]
async fn storms_of_503_and_429_pass_after_their_count() -> Result {
    let sim = portal_sim::start(0).await?;
    let owner = Api::new(&sim, OWNER)?;
    sim.sim().set_fault(
        Some(Fault::Unavailable {
            retry_after: Some(3),
        }),
        Some(3),
    );
    for _ in 0..3 {
        let a = owner.create(OWNER_SERVICE, Some("storm")).await?;
        assert_error(&a, StatusCode::SERVICE_UNAVAILABLE, "http_503");
        assert_eq!(a.headers[RETRY_AFTER], "3");
    }
    let id = owner.create(OWNER_SERVICE, Some("storm")).await?;
    assert_eq!(id.status, StatusCode::OK);
    assert_eq!(sim.sim().order_count(OWNER), 1);

    let set = control(
        &sim,
        "__sim/fault",
        json!({ "fault": { "mode": "too_many_requests", "retry_after": 7 }, "remaining": 2 }),
    )
    .await?;
    assert_eq!(set, StatusCode::NO_CONTENT);
    for _ in 0..2 {
        let a = owner.create(OWNER_SERVICE, None).await?;
        assert_error(&a, StatusCode::TOO_MANY_REQUESTS, "limitation_exception");
        assert_eq!(a.headers[RETRY_AFTER], "7");
    }
    assert_eq!(
        owner.create(OWNER_SERVICE, None).await?.status,
        StatusCode::OK
    );
    Ok(())
}

#[tokio::test]
async fn a_lost_answer_still_creates_the_order_and_get_updated_after_finds_it() -> Result {
    let sim = portal_sim::start(0).await?;
    let owner = Api::new(&sim, OWNER)?;
    sim.sim().set_fault(Some(Fault::LostAnswer), Some(1));
    let lost = owner.create(OWNER_SERVICE, None).await;
    assert!(lost.is_err(), "no answer");
    assert_eq!(sim.sim().order_count(OWNER), 1, "the order exists");
    let found = owner
        .updated_after("updatedAfter=2000-01-01T00:00:00.000")
        .await?;
    assert_eq!(found.body["totalCount"], 1);
    let id = found.body["content"][0]["orderId"]
        .as_u64()
        .ok_or("orderId")?;
    assert_eq!(sim.sim().orders()[0].id, id);

    // With a key, the repeat after a lost answer gets the same order.
    sim.sim().set_fault(Some(Fault::LostAnswer), Some(1));
    assert!(owner.create(OWNER_SERVICE, Some("retry-me")).await.is_err());
    let again = owner.create(OWNER_SERVICE, Some("retry-me")).await?;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(sim.sim().order_count(OWNER), 2);
    Ok(())
}

#[tokio::test]
async fn a_slow_link_paces_the_upload() -> Result {
    let sim = small_chunks().await?;
    let owner = Api::new(&sim, OWNER)?;
    let id = owner.order(OWNER_SERVICE).await?;
    let archive = good(None)?;
    sim.sim().set_fault(
        Some(Fault::SlowUpload {
            bytes_per_sec: 2_000,
        }),
        Some(1),
    );
    let started = Instant::now();
    let a = owner.chunk(id, 0, 1, &archive).await?;
    let took = started.elapsed();
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let least = Duration::from_secs_f64(archive.len() as f64 / 2_000.0);
    assert!(took >= least, "{took:?} for {} bytes", archive.len());
    // Spent: the next upload is not paced (another order, same bytes).
    let other = owner.order(OWNER_SERVICE).await?;
    let started = Instant::now();
    assert_eq!(
        owner.chunk(other, 0, 1, &archive).await?.status,
        StatusCode::OK
    );
    assert!(started.elapsed() < least);
    Ok(())
}
