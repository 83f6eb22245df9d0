//! The optional TLS mode: the whole login over HTTPS with the run's own test CA.

use portal_sim::Limits;
use reqwest::{Certificate, Client, StatusCode};

mod common;

use common::*;

#[tokio::test]
async fn a_login_over_tls_trusts_only_the_runs_test_ca() -> Result {
    let sim = portal_sim::start_tls(0, Limits::default()).await?;
    assert!(sim.url().starts_with("https://127.0.0.1:"), "{}", sim.url());
    let ca = Certificate::from_pem(sim.ca_pem().ok_or("a CA")?.as_bytes())?;

    // A client that does not trust the test CA gets nowhere.
    let stranger = Client::builder().tls_certs_only([]).build()?;
    assert!(stranger.get(sim.url()).send().await.is_err());

    let b = Client::builder()
        .cookie_store(true)
        .tls_certs_only([ca.clone()])
        .build()?;
    let cabinet = log_in(&sim, &b, "owner@example.ru", "owner-pass").await?;
    assert_eq!(cabinet.status, StatusCode::OK);
    assert!(
        cabinet.url.starts_with("https://") && cabinet.url.ends_with("/cabinet"),
        "{}",
        cabinet.url
    );
    let (status, me) = get_json(&sim, &b, "api/v1/me").await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["displayName"], "Петров Иван Сергеевич");

    // The session cookie is Secure over TLS.
    let manual = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_only([ca])
        .build()?;
    let to_esia = manual.get(format!("{}login", sim.url())).send().await?;
    let state_cookie = to_esia.headers()["set-cookie"].to_str()?;
    assert!(state_cookie.contains("; Secure"), "{state_cookie}");
    assert!(
        to_esia.headers()["location"]
            .to_str()?
            .contains("redirect_uri=https%3A%2F%2F127.0.0.1"),
        "the registered callback is https"
    );

    let addr = sim.addr();
    // Clients still hold keep-alive connections: stopping must not wait for them forever.
    tokio::time::timeout(std::time::Duration::from_secs(5), sim.stop()).await??;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the port is closed after stop"
    );
    Ok(())
}
