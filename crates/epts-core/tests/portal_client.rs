//! The portal client against a real portal-sim on loopback.

use epts_core::Code;
use epts_core::portal::{HttpPortal, Portal, PortalAddress, PortalConfig, PortalError, Session};
use epts_core::{Lang, Localized};
use portal_sim::Fault;
use std::time::Duration;

mod common;
use common::Result;

const TIMEOUT: Duration = Duration::from_millis(800);

fn client(url: &str) -> Result<HttpPortal> {
    common::client(url, TIMEOUT, 3)
}

async fn logged_in(login: &str) -> Result<(portal_sim::Running, HttpPortal, Session)> {
    common::logged_in(login, TIMEOUT, 3).await
}

#[tokio::test]
async fn reads_who_is_logged_in_and_pages_the_list() -> Result {
    let (_sim, portal, session) = logged_in("dealer@example.ru").await?;
    let me = portal.me(&session).await?;
    assert_eq!(me.display_name, "ООО «Автодом Север»");
    assert_eq!(me.kind, "legal_entity");
    assert_eq!(me.inn.as_deref(), Some("7712345671"));

    let mut all = Vec::new();
    for page in 0..10 {
        let p = portal.list(&session, page, 100, None).await?;
        assert_eq!(p.total, 500);
        if p.items.is_empty() {
            break;
        }
        all.extend(p.items);
    }
    assert_eq!(all.len(), 500);
    for item in &all {
        let vin = epts_core::ids::Vin::parse(&item.vehicle_identity_number_id)?;
        assert!(vin.check_digit_ok(), "{vin}");
        epts_core::ids::EptsNumber::parse(&item.vehicle_e_passport_id)?;
    }
    let one = portal
        .record(&session, &all[7].vehicle_e_passport_id)
        .await?;
    assert_eq!(one, all[7]);
    let changed = portal
        .list(&session, 0, 100, Some("2026-10-01T00:00:00Z"))
        .await?;
    assert!(changed.total < 500 && changed.total > 0);
    Ok(())
}

#[tokio::test]
async fn an_unknown_or_expired_session_is_reported_and_not_retried() -> Result {
    let (sim, portal, _session) = logged_in("owner@example.ru").await?;
    let stranger = Session::from_cookies([("JSESSIONID", "not-a-session")]);
    assert_eq!(portal.me(&stranger).await, Err(PortalError::SessionExpired));
    assert_eq!(portal.requests_sent(), 1, "a 401 is never retried");

    sim.sim().set_fault(Some(Fault::SessionExpired), None);
    let err = portal
        .list(&stranger, 0, 10, None)
        .await
        .expect_err("expired");
    assert_eq!(err.code(), Code::SessionExpired);
    assert!(
        err.message(Lang::Ru)
            .contains("Войдите через Госуслуги снова")
    );
    Ok(())
}

#[tokio::test]
async fn temporary_server_errors_are_retried_and_then_reported() -> Result {
    let (sim, portal, session) = logged_in("owner@example.ru").await?;
    sim.sim()
        .set_fault(Some(Fault::Status { status: 502 }), Some(1));
    assert!(
        portal.me(&session).await.is_ok(),
        "one 502 is absorbed by a retry"
    );
    assert_eq!(portal.requests_sent(), 2);

    sim.sim()
        .set_fault(Some(Fault::Status { status: 504 }), None);
    let before = portal.requests_sent();
    assert_eq!(
        portal.me(&session).await,
        Err(PortalError::Server { status: 504 })
    );
    assert_eq!(portal.requests_sent() - before, 3, "three attempts in all");
    sim.sim().set_fault(None, None);

    let before = portal.requests_sent();
    assert_eq!(
        portal.record(&session, "199999999999999").await,
        Err(PortalError::NotFound)
    );
    assert_eq!(portal.requests_sent() - before, 1, "a 404 is never retried");
    Ok(())
}

#[tokio::test]
async fn maintenance_says_when_to_come_back_without_hammering() -> Result {
    let (sim, portal, session) = logged_in("owner@example.ru").await?;
    sim.sim().set_fault(Some(Fault::Maintenance), None);
    let err = portal.me(&session).await.expect_err("maintenance");
    assert_eq!(
        err,
        PortalError::Maintenance {
            retry_after: Some(Duration::from_secs(1800))
        }
    );
    assert_eq!(portal.requests_sent(), 1);
    assert!(
        err.message(Lang::Ru).contains("через 30 мин"),
        "{}",
        err.message(Lang::Ru)
    );
    Ok(())
}

#[tokio::test]
async fn a_slow_portal_times_out_and_a_stopped_one_is_offline() -> Result {
    let (sim, portal, session) = logged_in("owner@example.ru").await?;
    sim.sim()
        .set_fault(Some(Fault::Slow { delay_ms: 2_000 }), None);
    assert_eq!(portal.me(&session).await, Err(PortalError::Timeout));
    assert_eq!(portal.requests_sent(), 3, "timeouts are temporary: retried");
    let url = sim.url();
    sim.stop().await?;
    let err = client(&url)?
        .me(&session)
        .await
        .expect_err("nobody listens");
    assert_eq!(err, PortalError::Offline);
    assert!(err.message(Lang::Ru).contains("архив доступен"));
    Ok(())
}

#[tokio::test]
async fn a_skewed_clock_is_explained_before_login() -> Result {
    let sim = portal_sim::start(0).await?;
    let portal = client(&sim.url())?;
    let skew = portal.check_clock().await?;
    assert!(skew.abs() <= 2, "same machine, same clock: {skew}");

    sim.sim()
        .set_fault(Some(Fault::ClockSkew { seconds: 600 }), None);
    let err = portal.check_clock().await.expect_err("10 minutes off");
    let PortalError::ClockSkewed { seconds } = err else {
        panic!("expected ClockSkewed, got {err:?}");
    };
    assert!((598..=602).contains(&seconds), "{seconds}");
    assert!(
        err.message(Lang::Ru).contains("отстают на 10 мин"),
        "{}",
        err.message(Lang::Ru)
    );

    sim.sim()
        .set_fault(Some(Fault::ClockSkew { seconds: -120 }), None);
    assert!(
        portal.check_clock().await.is_ok(),
        "two minutes is within the five allowed"
    );
    Ok(())
}

#[test]
fn a_bad_or_clear_text_address_never_makes_a_client() {
    // A client is made only from a checked address: the session never goes out in clear
    // text to another computer, whichever front-end asked.
    for bad in [
        "",
        "portal",
        "ftp://x/",
        "http://",
        "http://portal.example.ru/",
    ] {
        let err = PortalAddress::parse(bad).expect_err(bad);
        assert_eq!(err.code(), Code::BadPortalUrl, "{bad}");
    }
    let local = PortalAddress::parse("http://127.0.0.1:9/").expect("loopback");
    assert!(HttpPortal::new(PortalConfig::new(local)).is_ok());
}

#[tokio::test]
async fn a_download_from_the_cabinet_is_fetched_with_the_session_and_only_from_the_portal() -> Result
{
    let (sim, portal, session) = logged_in("owner@example.ru").await?;
    let url = reqwest::Url::parse(&format!(
        "{}/cabinet/epts/164301027000001/extract.pdf",
        sim.url().trim_end_matches('/')
    ))?;
    let got = portal.download(&session, &url).await?;
    assert_eq!(got.file_name, "epts_164301027000001.pdf");
    assert!(got.bytes.starts_with(b"%PDF-"));

    // Another origin never sees the session cookie.
    let elsewhere = reqwest::Url::parse("http://192.0.2.1/cabinet/epts/1/extract.pdf")?;
    let refused = portal
        .download(&session, &elsewhere)
        .await
        .expect_err("foreign");
    assert!(matches!(refused, PortalError::BadAddress(_)), "{refused:?}");
    // Without a session the cabinet does not give the file.
    let anonymous = Session::from_cookies([("JSESSIONID", "nobody")]);
    assert!(portal.download(&anonymous, &url).await.is_err());
    Ok(())
}
