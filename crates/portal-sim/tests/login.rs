//! The whole login as a browser goes through it, and every failure users meet.

use portal_sim::{Fault, Limits};
use reqwest::{Client, StatusCode};
use std::time::Duration;

mod common;

use common::*;

#[tokio::test]
async fn owner_logs_in_with_code_and_consent_and_sees_the_cabinet() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = browser()?;
    let cabinet = log_in(&sim, &b, "owner@example.ru", "owner-pass").await?;
    assert_eq!(cabinet.status, StatusCode::OK);
    assert!(cabinet.url.ends_with("/cabinet"), "{}", cabinet.url);
    assert!(cabinet.body.contains("Петров Иван Сергеевич"));
    assert_eq!(cabinet.body.matches(r#"data-testid="epts-row""#).count(), 3);

    let me: serde_json::Value = b
        .get(format!("{}api/v1/me", sim.url()))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(me["displayName"], "Петров Иван Сергеевич");
    assert_eq!(me["accountStatus"], "активна");

    // The second login asks no consent again.
    let again = browser()?;
    let code_page = to_code_step(&sim, &again, "+7 999 000-00-01", "owner-pass").await?;
    let code = code_for(&sim, "owner@example.ru").await?;
    let cabinet = confirm(&sim, &again, &code_page.body, &code).await?;
    assert!(cabinet.url.ends_with("/cabinet"), "{}", cabinet.url);

    // Logout ends the session.
    b.get(format!("{}logout", sim.url())).send().await?;
    let me = b.get(format!("{}api/v1/me", sim.url())).send().await?;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn dealer_list_pages_through_500_vehicles_and_filters_by_update() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = browser()?;
    let cabinet = log_in(&sim, &b, "dealer@example.ru", "dealer-pass").await?;
    assert!(
        cabinet.url.ends_with("/cabinet"),
        "{} {}",
        cabinet.url,
        cabinet.body
    );
    let mut seen = std::collections::BTreeSet::new();
    for page in 0.. {
        let v: serde_json::Value = b
            .get(format!("{}api/v1/epts?page={page}&size=100", sim.url()))
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(v["total"], 500);
        let items = v["items"].as_array().ok_or("items")?;
        if items.is_empty() {
            break;
        }
        for item in items {
            assert_eq!(item["businessEntityName"], "ООО «Автодом Север»");
            seen.insert(item["vehicleEPassportId"].as_str().ok_or("id")?.to_owned());
        }
    }
    assert_eq!(seen.len(), 500);
    let recent: serde_json::Value = b
        .get(format!(
            "{}api/v1/epts?updatedSince=2026-10-01T00:00:00Z",
            sim.url()
        ))
        .send()
        .await?
        .json()
        .await?;
    let total = recent["total"].as_u64().ok_or("total")?;
    assert!(total > 0 && total < 500, "updatedSince filters: {total}");
    let first = seen.first().ok_or("a record")?;
    let one: serde_json::Value = b
        .get(format!("{}api/v1/epts/{first}", sim.url()))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(one["vehicleEPassportId"], first.as_str());
    Ok(())
}

#[tokio::test]
async fn three_wrong_passwords_block_the_account() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = browser()?;
    for attempt in 1..=3 {
        let step = to_code_step(&sim, &b, "owner@example.ru", "wrong").await?;
        let want = if attempt < 3 {
            "ESIA-007002"
        } else {
            "ESIA-007004"
        };
        assert_eq!(error_code(&step.body), Some(want), "attempt {attempt}");
    }
    let step = to_code_step(&sim, &b, "owner@example.ru", "owner-pass").await?;
    assert_eq!(
        error_code(&step.body),
        Some("ESIA-007004"),
        "blocked even with the right password"
    );
    Ok(())
}

#[tokio::test]
async fn wrong_codes_block_for_a_while_and_old_codes_expire() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = browser()?;
    let page = to_code_step(&sim, &b, "owner@example.ru", "owner-pass").await?;
    let first = confirm(&sim, &b, &page.body, "000000x").await?;
    assert_eq!(error_code(&first.body), Some("ESIA-007008"));
    let second = confirm(&sim, &b, &first.body, "000000x").await?;
    assert_eq!(error_code(&second.body), Some("ESIA-007008"));
    let third = confirm(&sim, &b, &second.body, "000000x").await?;
    assert_eq!(error_code(&third.body), Some("ESIA-007005"));

    // A shorter lifetime is honoured too: a minute, then the clock moves past it.
    let quick = portal_sim::start_with(
        0,
        Limits {
            confirmation_ttl: Duration::from_secs(60),
            ..Limits::default()
        },
    )
    .await?;
    let page = to_code_step(&quick, &b, "owner@example.ru", "owner-pass").await?;
    quick.clock().advance(Duration::from_secs(61));
    let code = code_for(&quick, "owner@example.ru").await?;
    let late = confirm(&quick, &b, &page.body, &code).await?;
    assert_eq!(error_code(&late.body), Some("ESIA-007007"));
    Ok(())
}

#[tokio::test]
async fn unconfirmed_unlinked_and_refusing_users_get_their_own_answers() -> Result {
    let sim = portal_sim::start(0).await?;
    let step = to_code_step(
        &sim,
        &browser()?,
        "unconfirmed@example.ru",
        "unconfirmed-pass",
    )
    .await?;
    assert_eq!(error_code(&step.body), Some("ESIA-007009"));

    let nolink = log_in(&sim, &browser()?, "nolink@example.ru", "nolink-pass").await?;
    assert_eq!(nolink.status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&nolink.body), Some("account_not_found"));
    assert!(nolink.body.contains("Учётная запись не найдена"));

    let b = browser()?;
    let code_page = to_code_step(&sim, &b, "dealer@example.ru", "dealer-pass").await?;
    let code = code_for(&sim, "dealer@example.ru").await?;
    let consent = confirm(&sim, &b, &code_page.body, &code).await?;
    let flow = flow(&consent.body)?;
    let refused = send(
        b.post(format!("{}esia/consent", sim.url()))
            .form(&[("flow", flow.as_str()), ("decision", "deny")]),
    )
    .await?;
    assert_eq!(error_code(&refused.body), Some("consent_refused"));
    Ok(())
}

#[tokio::test]
async fn foreign_redirect_uri_and_lost_state_are_refused() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = browser()?;
    let bad = send(b.get(format!(
        "{}esia/aas/oauth2/v2/ac?client_id=ELPTS&response_type=code&state=x&redirect_uri=http%3A%2F%2Fevil.example%2Fcallback",
        sim.url()
    )))
    .await?;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&bad.body), Some("ESIA-007014"));
    assert!(bad.body.contains("Недопустимый адрес перенаправления"));

    // A callback in a browser that never started the login (cookies lost between domains).
    let lost = send(browser()?.get(format!("{}callback?code=abc&state=def", sim.url()))).await?;
    assert_eq!(error_code(&lost.body), Some("session_lost"));
    Ok(())
}

#[tokio::test]
async fn an_authorization_code_works_once() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let login = b.get(format!("{}login", sim.url())).send().await?;
    let authorize = login.headers()["location"].to_str()?.to_owned();
    let form = send(b.get(&authorize)).await?;
    let login_flow = flow(&form.body)?;
    let code_page = send(b.post(format!("{}esia/login", sim.url())).form(&[
        ("flow", login_flow.as_str()),
        ("login", "owner@example.ru"),
        ("password", "owner-pass"),
    ]))
    .await?;
    let code = code_for(&sim, "owner@example.ru").await?;
    let consent = confirm(&sim, &b, &code_page.body, &code).await?;
    let consent_flow = flow(&consent.body)?;
    let back = b
        .post(format!("{}esia/consent", sim.url()))
        .form(&[("flow", consent_flow.as_str()), ("decision", "allow")])
        .send()
        .await?;
    let callback = back.headers()["location"].to_str()?.to_owned();
    assert!(callback.contains("code=") && callback.contains("state="));
    let first = b.get(&callback).send().await?;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let cookie = first
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("JSESSIONID="))
        .ok_or("no session cookie")?;
    assert!(
        cookie.starts_with("JSESSIONID=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    // A replayed callback lands on the error URL that names the code.
    let replay = b.get(&callback).send().await?;
    let to = replay.headers()["location"].to_str()?.to_owned();
    assert_eq!(to, "/error?code=ESIA-007019");
    let page = send(b.get(format!("{}{}", sim.url(), &to[1..]))).await?;
    assert_eq!(error_code(&page.body), Some("ESIA-007019"));
    Ok(())
}

#[tokio::test]
async fn faults_answer_as_a_struggling_portal_does() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = browser()?;
    log_in(&sim, &b, "owner@example.ru", "owner-pass").await?;

    for status in [500u16, 502, 504] {
        sim.sim().set_fault(Some(Fault::Status { status }), Some(1));
        let r = b.get(format!("{}api/v1/me", sim.url())).send().await?;
        assert_eq!(r.status().as_u16(), status);
        let r = b.get(format!("{}api/v1/me", sim.url())).send().await?;
        assert_eq!(r.status(), StatusCode::OK, "the fault lasted one request");
    }

    let set = reqwest::Client::new()
        .post(format!("{}__sim/fault", sim.url()))
        .json(&serde_json::json!({ "fault": { "mode": "maintenance" } }))
        .send()
        .await?;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let r = send(b.get(format!("{}cabinet", sim.url()))).await?;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("технические работы"));
    assert_eq!(
        reqwest::get(format!("{}health", sim.url())).await?.status(),
        StatusCode::OK,
        "health is never faulted"
    );
    reqwest::Client::new()
        .delete(format!("{}__sim/fault", sim.url()))
        .send()
        .await?;

    sim.sim().set_fault(Some(Fault::SessionExpired), None);
    let r = b.get(format!("{}api/v1/epts", sim.url())).send().await?;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = r.json().await?;
    assert_eq!(body["code"], "session_expired");
    sim.sim().set_fault(None, None);

    sim.sim()
        .set_fault(Some(Fault::Slow { delay_ms: 300 }), Some(1));
    let started = std::time::Instant::now();
    b.get(format!("{}api/v1/me", sim.url())).send().await?;
    assert!(started.elapsed() >= Duration::from_millis(300));
    Ok(())
}
