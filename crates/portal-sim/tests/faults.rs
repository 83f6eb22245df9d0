//! The answers a portal client must not trust: refusals, broken and oversized JSON, lists
//! that lie about their size, a record that is another record, and failures that start in
//! the middle of a sync. Each strikes only the requests it is meant for.

use portal_sim::{Fault, Running};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

mod common;

use common::*;

const DEALER: &str = "dealer@example.ru";

async fn dealer(sim: &Running) -> Result<Client> {
    logged_in(sim, DEALER, "dealer-pass").await
}

#[tokio::test]
async fn refusals_carry_their_status_and_code() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;

    sim.sim().set_fault(Some(Fault::Forbidden), Some(2));
    let (status, body) = get_json(&sim, &b, "api/v1/epts").await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "forbidden");
    let page = send(b.get(format!("{}cabinet", sim.url()))).await?;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&page.body), Some("forbidden"));
    assert_eq!(get_json(&sim, &b, "api/v1/me").await?.0, StatusCode::OK);

    for (asked, answered) in [
        (400u16, 400u16),
        (409, 409),
        (422, 422),
        (500, 400),
        (200, 400),
    ] {
        let set = control(
            &sim,
            "__sim/fault",
            json!({ "fault": { "mode": "rejected", "status": asked }, "remaining": 1 }),
        )
        .await?;
        assert_eq!(set, StatusCode::NO_CONTENT);
        let (status, body) = get_json(&sim, &b, "api/v1/epts/164301027000100").await?;
        assert_eq!(status.as_u16(), answered, "asked for {asked}");
        assert_eq!(body["code"], "rejected");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("отклонён"))
        );
    }
    assert_eq!(get_json(&sim, &b, "api/v1/me").await?.0, StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn a_broken_json_answer_is_200_and_unreadable() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;
    sim.sim().set_fault(Some(Fault::MalformedJson), Some(1));
    // Pages are not API calls: they neither meet nor spend it.
    let page = send(b.get(format!("{}cabinet", sim.url()))).await?;
    assert_eq!(page.status, StatusCode::OK);
    let r = b.get(format!("{}api/v1/epts", sim.url())).send().await?;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let text = r.text().await?;
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(get_json(&sim, &b, "api/v1/epts").await?.0, StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn an_oversized_answer_streams_past_8_mib_without_a_length() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;
    sim.sim().set_fault(Some(Fault::OversizedJson), Some(1));
    let mut r = b.get(format!("{}api/v1/me", sim.url())).send().await?;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert!(
        r.headers().get("content-length").is_none(),
        "the length is known only by reading"
    );
    assert_eq!(r.content_length(), None);
    // Read as a careful client does: counting, and stopping past the limit.
    let limit = 8 * 1024 * 1024;
    let mut read = 0usize;
    while let Some(chunk) = r.chunk().await? {
        read += chunk.len();
        if read > limit {
            break;
        }
    }
    assert!(read > limit, "{read} bytes");
    drop(r);

    // Read to the end it is valid JSON, just too big.
    sim.sim().set_fault(Some(Fault::OversizedJson), Some(1));
    let whole = b
        .get(format!("{}api/v1/me", sim.url()))
        .send()
        .await?
        .bytes()
        .await?;
    assert!(whole.len() > portal_sim::OVERSIZED_JSON_BYTES);
    let v: Value = serde_json::from_slice(&whole)?;
    assert_eq!(v["total"], 0);
    Ok(())
}

#[tokio::test]
async fn lists_can_lie_about_their_total_or_never_end() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;

    sim.sim()
        .set_fault(Some(Fault::ListTotal { total: 1_000_000 }), None);
    // Only the list meets it.
    let (_, me) = get_json(&sim, &b, "api/v1/me").await?;
    assert_eq!(me["kind"], "legal_entity");
    let (_, first) = get_json(&sim, &b, "api/v1/epts?size=100").await?;
    assert_eq!(first["total"], 1_000_000);
    assert_eq!(first["items"].as_array().map(Vec::len), Some(100));
    let (_, past) = get_json(&sim, &b, "api/v1/epts?page=5&size=100").await?;
    assert_eq!(past["total"], 1_000_000);
    assert_eq!(
        past["items"].as_array().map(Vec::len),
        Some(0),
        "the real end"
    );

    sim.sim().set_fault(Some(Fault::ListRepeats), None);
    let mut seen = BTreeSet::new();
    for page in 0..20 {
        let (status, v) = get_json(
            &sim,
            &b,
            &format!("api/v1/epts?page={page}&size=100&updatedSince=2000-01-01T00:00:00Z"),
        )
        .await?;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["page"], page, "the page asked for");
        assert_eq!(v["total"], 1_000_000);
        let items = v["items"].as_array().ok_or("items")?;
        assert_eq!(items.len(), 100, "page {page} is never empty");
        for item in items {
            seen.insert(item["vehicleEPassportId"].to_string());
        }
    }
    assert_eq!(seen.len(), 100, "the same 100 records over and over");
    sim.sim().set_fault(None, None);
    let (_, honest) = get_json(&sim, &b, "api/v1/epts?page=5&size=100").await?;
    assert_eq!(honest["total"], 500);
    Ok(())
}

#[tokio::test]
async fn a_record_can_come_back_as_another_number() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;
    let set = control(
        &sim,
        "__sim/fault",
        json!({ "fault": { "mode": "wrong_record" }, "remaining": 1 }),
    )
    .await?;
    assert_eq!(set, StatusCode::NO_CONTENT);
    // History and list are other requests: they do not spend it.
    let (status, _) = get_json(&sim, &b, "api/v1/epts/164301027000105/history").await?;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get_json(&sim, &b, "api/v1/epts").await?;
    assert_eq!(status, StatusCode::OK);
    let (status, wrong) = get_json(&sim, &b, "api/v1/epts/164301027000105").await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(wrong["vehicleEPassportId"], "164301027000106");
    assert_eq!(wrong["businessEntityName"], "ООО «Автодом Север»");
    let (_, right) = get_json(&sim, &b, "api/v1/epts/164301027000105").await?;
    assert_eq!(right["vehicleEPassportId"], "164301027000105");
    Ok(())
}

#[tokio::test]
async fn a_fault_can_start_in_the_middle_of_a_sync() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = dealer(&sim).await?;

    // In-process: 3 API answers, then 502 until cleared; pages do not count.
    sim.sim().fail_after(3, Fault::Status { status: 502 }, None);
    for page in 0..3 {
        let cabinet = send(b.get(format!("{}cabinet", sim.url()))).await?;
        assert_eq!(cabinet.status, StatusCode::OK);
        let (status, _) = get_json(&sim, &b, &format!("api/v1/epts?page={page}")).await?;
        assert_eq!(status, StatusCode::OK, "request {page}");
    }
    for _ in 0..2 {
        let (status, body) = get_json(&sim, &b, "api/v1/epts?page=3").await?;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        assert_eq!(body["code"], "http_502");
    }
    sim.sim().set_fault(None, None);
    assert_eq!(get_json(&sim, &b, "api/v1/me").await?.0, StatusCode::OK);

    // Over HTTP: 2 answers, then one expired session, then on as before.
    let set = control(
        &sim,
        "__sim/fault",
        json!({ "fault": { "mode": "session_expired" }, "after": 2, "remaining": 1 }),
    )
    .await?;
    assert_eq!(set, StatusCode::NO_CONTENT);
    let statuses = [
        get_json(&sim, &b, "api/v1/me").await?.0,
        get_json(&sim, &b, "api/v1/me").await?.0,
        get_json(&sim, &b, "api/v1/me").await?.0,
        get_json(&sim, &b, "api/v1/me").await?.0,
    ];
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::UNAUTHORIZED,
            StatusCode::OK
        ],
        "the session itself lives on"
    );

    // A login failure has steps of its own to wait for.
    let refused = control(
        &sim,
        "__sim/fault",
        json!({ "fault": { "mode": "login_error", "error": "wrong_code" }, "after": 2 }),
    )
    .await?;
    assert_eq!(refused, StatusCode::BAD_REQUEST);
    let unknown = control(
        &sim,
        "__sim/fault",
        json!({ "fault": { "mode": "status", "status": 500 }, "later": 2 }),
    )
    .await?;
    assert_eq!(unknown, StatusCode::UNPROCESSABLE_ENTITY);
    Ok(())
}
