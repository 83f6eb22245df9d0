//! Every login and portal failure from docs/domain.md («Login and portal failures»), on
//! demand: forced through the fault control, set per account, or met for real; each page
//! carries its stable code.

use portal_sim::Running;
use reqwest::{Client, StatusCode};
use serde_json::json;
use std::time::Duration;

mod common;

use common::*;

const OWNER: &str = "owner@example.ru";
const OWNER_PASS: &str = "owner-pass";

/// Goes through the login as far as it gets: stops at the first page with an error code,
/// or returns the page it ends on (the cabinet on success).
async fn try_login(sim: &Running, b: &Client, login: &str, password: &str) -> Result<Step> {
    let form = send(b.get(format!("{}login", sim.url()))).await?;
    if error_code(&form.body).is_some() {
        return Ok(form);
    }
    let flow = flow(&form.body)?;
    let code_page = send(b.post(format!("{}esia/login", sim.url())).form(&[
        ("flow", flow.as_str()),
        ("login", login),
        ("password", password),
    ]))
    .await?;
    if error_code(&code_page.body).is_some() {
        return Ok(code_page);
    }
    let code = code_for(sim, login).await?;
    let next = confirm(sim, b, &code_page.body, &code).await?;
    if error_code(&next.body).is_some() || !next.body.contains("esia-consent-allow") {
        return Ok(next);
    }
    send(
        b.post(format!("{}esia/consent", sim.url()))
            .form(&[("flow", flow.as_str()), ("decision", "allow")]),
    )
    .await
}

#[tokio::test]
async fn every_forced_login_failure_shows_its_code_once() -> Result {
    let sim = portal_sim::start(0).await?;
    // The owner has logged in once: consent is given, later logins skip that page.
    let first = try_login(&sim, &browser()?, OWNER, OWNER_PASS).await?;
    assert!(first.url.ends_with("/cabinet"), "{}", first.body);
    for (failure, code, status) in [
        ("wrong_password", "ESIA-007002", 401),
        ("account_blocked", "ESIA-007004", 403),
        ("code_blocked", "ESIA-007005", 403),
        ("not_confirmed", "ESIA-007009", 403),
        ("wrong_code", "ESIA-007008", 401),
        ("code_expired", "ESIA-007007", 401),
        ("consent_refused", "consent_refused", 403),
        ("redirect_mismatch", "ESIA-007014", 400),
        ("auth_code_invalid", "ESIA-007019", 401),
        ("session_lost", "session_lost", 400),
        ("not_linked", "account_not_found", 403),
    ] {
        let set = control(
            &sim,
            "__sim/fault",
            json!({ "fault": { "mode": "login_error", "error": failure }, "remaining": 1 }),
        )
        .await?;
        assert_eq!(set, StatusCode::NO_CONTENT, "{failure}");
        // Other requests do not spend a login fault.
        assert_eq!(
            reqwest::get(sim.url()).await?.status(),
            StatusCode::OK,
            "{failure}"
        );
        let failed = try_login(&sim, &browser()?, OWNER, OWNER_PASS).await?;
        assert_eq!(error_code(&failed.body), Some(code), "{failure}");
        assert_eq!(failed.status.as_u16(), status, "{failure}");
        // A failure that ends the login lands on a URL with its code: the app's login
        // window sees URLs. Wrong password and wrong code keep the user in the form.
        if !matches!(failure, "wrong_password" | "wrong_code") {
            assert!(
                failed.url.contains("/error?code=") && failed.url.contains(code),
                "{failure}: {}",
                failed.url
            );
        }
        let next = try_login(&sim, &browser()?, OWNER, OWNER_PASS).await?;
        assert!(
            next.url.ends_with("/cabinet"),
            "{failure}: the fault lasted one login: {}",
            next.body
        );
    }
    Ok(())
}

#[tokio::test]
async fn account_states_are_set_per_user() -> Result {
    let sim = portal_sim::start(0).await?;
    let blocked = try_login(&sim, &browser()?, "blocked@example.ru", "blocked-pass").await?;
    assert_eq!(error_code(&blocked.body), Some("ESIA-007004"));
    assert!(blocked.body.contains("заблокирована"));

    let account = |body: serde_json::Value| control(&sim, "__sim/account", body);
    for (state, code) in [
        ("unconfirmed", "ESIA-007009"),
        ("not_linked", "account_not_found"),
        ("blocked", "ESIA-007004"),
    ] {
        let set = account(json!({ "login": OWNER, "state": state })).await?;
        assert_eq!(set, StatusCode::NO_CONTENT);
        let page = try_login(&sim, &browser()?, OWNER, OWNER_PASS).await?;
        assert_eq!(error_code(&page.body), Some(code), "{state}");
    }
    account(json!({ "login": OWNER, "codeBlocked": true, "state": "ok" })).await?;
    let page = try_login(&sim, &browser()?, OWNER, OWNER_PASS).await?;
    assert_eq!(error_code(&page.body), Some("ESIA-007005"));

    account(json!({ "login": OWNER, "reset": true, "consent": false })).await?;
    let b = browser()?;
    let code_page = to_code_step(&sim, &b, OWNER, OWNER_PASS).await?;
    let code = code_for(&sim, OWNER).await?;
    let consent = confirm(&sim, &b, &code_page.body, &code).await?;
    assert!(
        consent.body.contains("esia-consent-allow"),
        "consent asked again after consent=false"
    );
    let me: serde_json::Value = Client::new()
        .get(format!("{}api/v1/me", sim.url()))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(me["code"], "session_expired");

    let unknown = account(json!({ "login": "nobody@example.ru", "state": "ok" })).await?;
    assert_eq!(unknown, StatusCode::NOT_FOUND);
    let bad = account(json!({ "login": OWNER, "state": "sleepy" })).await?;
    assert_eq!(bad, StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn codes_and_sessions_expire_on_demand_without_waiting() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = browser()?;
    let page = to_code_step(&sim, &b, OWNER, OWNER_PASS).await?;
    control(
        &sim,
        "__sim/expire",
        json!({ "what": "confirmation_codes" }),
    )
    .await?;
    let code = code_for(&sim, OWNER).await?;
    let late = confirm(&sim, &b, &page.body, &code).await?;
    assert_eq!(error_code(&late.body), Some("ESIA-007007"));
    assert!(late.body.contains("Срок действия кода подтверждения истёк"));

    // An authorization code that waited too long before the callback.
    let manual = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let to_esia = manual.get(format!("{}login", sim.url())).send().await?;
    let form = send(manual.get(to_esia.headers()["location"].to_str()?)).await?;
    let f = flow(&form.body)?;
    let code_page = send(manual.post(format!("{}esia/login", sim.url())).form(&[
        ("flow", f.as_str()),
        ("login", OWNER),
        ("password", OWNER_PASS),
    ]))
    .await?;
    let code = code_for(&sim, OWNER).await?;
    let consent = confirm(&sim, &manual, &code_page.body, &code).await?;
    let back = manual
        .post(format!("{}esia/consent", sim.url()))
        .form(&[("flow", f.as_str()), ("decision", "allow")])
        .send()
        .await?;
    assert!(consent.body.contains("esia-consent-allow"));
    let callback = back.headers()["location"].to_str()?.to_owned();
    control(
        &sim,
        "__sim/expire",
        json!({ "what": "authorization_codes" }),
    )
    .await?;
    let stale = manual.get(&callback).send().await?;
    assert_eq!(stale.status(), StatusCode::SEE_OTHER);
    let to = stale.headers()["location"].to_str()?.to_owned();
    assert_eq!(to, "/error?code=ESIA-007019&reason=expired");
    let page = send(manual.get(format!("{}{}", sim.url(), &to[1..]))).await?;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&page.body), Some("ESIA-007019"));
    assert!(page.body.contains("Срок действия кода авторизации истёк"));

    // A session the portal ended: the API says so, pages send the user to log in again.
    let b = logged_in(&sim, OWNER, OWNER_PASS).await?;
    let (status, _) = get_json(&sim, &b, "api/v1/me").await?;
    assert_eq!(status, StatusCode::OK);
    control(&sim, "__sim/expire", json!({ "what": "sessions" })).await?;
    let (status, body) = get_json(&sim, &b, "api/v1/me").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "session_expired");
    let page = send(b.get(format!("{}cabinet", sim.url()))).await?;
    assert!(
        page.url.ends_with("/?error=session_expired"),
        "{}",
        page.url
    );
    assert_eq!(error_code(&page.body), Some("session_expired"));
    assert!(page.body.contains("Войти через Госуслуги"));
    Ok(())
}

#[tokio::test]
async fn idle_sessions_end_and_temporary_code_blocks_lift() -> Result {
    // ESIA's own limits: 30 minutes idle, a 15-minute block. The clock jumps; nobody waits.
    let sim = portal_sim::start(0).await?;
    let clock = sim.clock();
    let b = logged_in(&sim, OWNER, OWNER_PASS).await?;
    // Each request moves the idle deadline on: 3 × 20 minutes apart is an hour in all.
    for _ in 0..3 {
        clock.advance(Duration::from_secs(20 * 60));
        assert_eq!(get_json(&sim, &b, "api/v1/me").await?.0, StatusCode::OK);
    }
    clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(
        get_json(&sim, &b, "api/v1/me").await?.0,
        StatusCode::OK,
        "29 idle minutes are not 30"
    );
    clock.advance(Duration::from_secs(30 * 60 + 1));
    let (status, body) = get_json(&sim, &b, "api/v1/me").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "session_expired");

    let b = browser()?;
    let mut page = to_code_step(&sim, &b, OWNER, OWNER_PASS).await?;
    for _ in 0..3 {
        page = confirm(&sim, &b, &page.body, "999999x").await?;
    }
    assert_eq!(error_code(&page.body), Some("ESIA-007005"));
    clock.advance(Duration::from_secs(14 * 60));
    let again = to_code_step(&sim, &b, OWNER, OWNER_PASS).await?;
    assert_eq!(
        error_code(&again.body),
        Some("ESIA-007005"),
        "still blocked after 14 minutes"
    );
    clock.advance(Duration::from_secs(60));
    let after = to_code_step(&sim, &b, OWNER, OWNER_PASS).await?;
    assert!(
        after.body.contains("esia-code-input"),
        "the block lifts after 15 minutes: {}",
        after.body
    );

    // The same clock over HTTP, for tests outside the process.
    let moved: serde_json::Value = plain(&sim)?
        .post(format!("{}__sim/clock", sim.url()))
        .json(&json!({ "advanceMs": 1000 }))
        .send()
        .await?
        .json()
        .await?;
    let ahead = moved["aheadMs"].as_u64().ok_or("aheadMs")?;
    assert_eq!(ahead, (3 * 20 + 29 + 30 + 14 + 1) * 60 * 1000 + 1000 + 1000);
    assert!(moved["now"].as_str().is_some_and(|t| t.ends_with('Z')));
    Ok(())
}

#[tokio::test]
async fn codes_expire_when_their_lifetime_has_passed_on_the_clock() -> Result {
    let sim = portal_sim::start(0).await?;
    let clock = sim.clock();

    // A confirmation code lives 5 minutes.
    let b = browser()?;
    let page = to_code_step(&sim, &b, OWNER, OWNER_PASS).await?;
    let code = code_for(&sim, OWNER).await?;
    clock.advance(Duration::from_secs(4 * 60 + 59));
    let in_time = confirm(&sim, &b, &page.body, &code).await?;
    assert!(
        in_time.body.contains("esia-consent-allow"),
        "{}",
        in_time.body
    );
    let consent_flow = flow(&in_time.body)?;
    let cabinet = send(
        b.post(format!("{}esia/consent", sim.url()))
            .form(&[("flow", consent_flow.as_str()), ("decision", "allow")]),
    )
    .await?;
    assert!(cabinet.url.ends_with("/cabinet"), "{}", cabinet.url);
    let page = to_code_step(&sim, &browser()?, OWNER, OWNER_PASS).await?;
    let code = code_for(&sim, OWNER).await?;
    clock.advance(Duration::from_secs(5 * 60));
    let late = confirm(&sim, &browser()?, &page.body, &code).await?;
    assert_eq!(error_code(&late.body), Some("ESIA-007007"));

    // So does an authorization code that waits before the callback.
    let manual = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let to_esia = manual.get(format!("{}login", sim.url())).send().await?;
    let form = send(manual.get(to_esia.headers()["location"].to_str()?)).await?;
    let f = flow(&form.body)?;
    let code_page = send(manual.post(format!("{}esia/login", sim.url())).form(&[
        ("flow", f.as_str()),
        ("login", OWNER),
        ("password", OWNER_PASS),
    ]))
    .await?;
    assert!(code_page.body.contains("esia-code-input"));
    let code = code_for(&sim, OWNER).await?;
    // Consent was given before: the confirmation goes straight back to the portal.
    let back = manual
        .post(format!("{}esia/confirm", sim.url()))
        .form(&[("flow", f.as_str()), ("code", code.as_str())])
        .send()
        .await?;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let callback = back.headers()["location"].to_str()?.to_owned();
    assert!(callback.contains("/callback?code="), "{callback}");
    clock.advance(Duration::from_secs(5 * 60));
    let stale = manual.get(&callback).send().await?;
    assert_eq!(
        stale.headers()["location"].to_str()?,
        "/error?code=ESIA-007019&reason=expired"
    );
    Ok(())
}

#[tokio::test]
async fn limits_change_at_run_time() -> Result {
    let sim = portal_sim::start(0).await?;
    let set = control(
        &sim,
        "__sim/limits",
        json!({ "maxPasswordAttempts": 1, "confirmationTtlMs": 0 }),
    )
    .await?;
    assert_eq!(set, StatusCode::NO_CONTENT);
    let b = browser()?;
    let page = to_code_step(&sim, &b, "dealer@example.ru", "dealer-pass").await?;
    let code = code_for(&sim, "dealer@example.ru").await?;
    let late = confirm(&sim, &b, &page.body, &code).await?;
    assert_eq!(error_code(&late.body), Some("ESIA-007007"));
    let blocked = to_code_step(&sim, &b, OWNER, "wrong").await?;
    assert_eq!(
        error_code(&blocked.body),
        Some("ESIA-007004"),
        "one wrong password blocks"
    );
    let unknown = control(&sim, "__sim/limits", json!({ "sessionTtl": 5 })).await?;
    assert_eq!(unknown, StatusCode::UNPROCESSABLE_ENTITY);
    Ok(())
}

#[tokio::test]
async fn server_faults_carry_codes_on_pages_and_in_the_api() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = logged_in(&sim, OWNER, OWNER_PASS).await?;
    for status in [500u16, 502, 504] {
        let set = control(
            &sim,
            "__sim/fault",
            json!({ "fault": { "mode": "status", "status": status }, "remaining": 2 }),
        )
        .await?;
        assert_eq!(set, StatusCode::NO_CONTENT);
        let page = send(b.get(format!("{}cabinet", sim.url()))).await?;
        assert_eq!(page.status.as_u16(), status);
        let want = format!("http_{status}");
        assert_eq!(error_code(&page.body), Some(want.as_str()));
        let (api_status, body) = get_json(&sim, &b, "api/v1/epts").await?;
        assert_eq!(api_status.as_u16(), status);
        assert_eq!(body["code"], want.as_str());
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("недоступен"))
        );
    }
    control(
        &sim,
        "__sim/fault",
        json!({ "fault": { "mode": "maintenance" } }),
    )
    .await?;
    let page = send(b.get(format!("{}login", sim.url()))).await?;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(&page.body), Some("maintenance"));
    let api = b.get(format!("{}api/v1/me", sim.url())).send().await?;
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.headers()["retry-after"], "1800");
    let body: serde_json::Value = api.json().await?;
    assert_eq!(body["code"], "maintenance");
    // The controls and /health stay reachable, and DELETE ends every fault.
    let cleared = Client::new()
        .delete(format!("{}__sim/fault", sim.url()))
        .send()
        .await?;
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert_eq!(get_json(&sim, &b, "api/v1/me").await?.0, StatusCode::OK);

    control(
        &sim,
        "__sim/fault",
        json!({ "fault": { "mode": "clock_skew", "seconds": 3600 }, "remaining": 1 }),
    )
    .await?;
    let skewed = b.get(format!("{}api/v1/me", sim.url())).send().await?;
    let date = httpdate::parse_http_date(skewed.headers()["date"].to_str()?)?;
    let ahead = date.duration_since(std::time::SystemTime::now())?;
    assert!(ahead > Duration::from_secs(3500), "{ahead:?}");
    Ok(())
}
