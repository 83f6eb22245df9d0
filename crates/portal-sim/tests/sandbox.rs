//! The sandbox the app runs: the portal and nothing a test could use, answering only its
//! own loopback address, with the confirmation code on its own page.

use portal_sim::{Fault, Running};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;

use common::*;

const OWNER: &str = "owner@example.ru";
const OWNER_PASS: &str = "owner-pass";

#[tokio::test]
async fn the_sandbox_serves_the_portal_and_nothing_a_test_could_use() -> Result {
    let sim = portal_sim::start_sandbox(0).await?;
    let b = browser()?;
    let cabinet = log_in_from_pages(&sim, &b, OWNER, OWNER_PASS).await?;
    assert!(cabinet.url.ends_with("/cabinet"), "{}", cabinet.url);
    assert_eq!(get_json(&sim, &b, "api/v1/me").await?.0, StatusCode::OK);

    let plain = plain(&sim)?;
    for (method, path) in [
        ("GET", "__sim/code?login=owner@example.ru"),
        ("POST", "__sim/fault"),
        ("DELETE", "__sim/fault"),
        ("POST", "__sim/expire"),
        ("POST", "__sim/limits"),
        ("POST", "__sim/account"),
        ("POST", "__sim/touch"),
        ("POST", "__sim/clock"),
        ("GET", "probe"),
        ("GET", "cabinet/probe"),
        ("GET", "go?to=http%3A%2F%2F127.0.0.1%3A9%2F"),
        ("GET", "nav/link?to=http%3A%2F%2F127.0.0.1%3A9%2F"),
        ("GET", "cabinet/flood"),
        ("GET", "cabinet/fake-pdf/extract.pdf"),
    ] {
        let r = plain
            .request(method.parse()?, format!("{}{path}", sim.url()))
            .json(&serde_json::json!({ "fault": { "mode": "maintenance" } }))
            .send()
            .await?;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let r = b
            .request(method.parse()?, format!("{}{path}", sim.url()))
            .send()
            .await?;
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "{method} {path} with a session"
        );
    }
    // Even a fault set in-process does not reach it: it has no fault layer.
    sim.sim()
        .set_fault(Some(Fault::Status { status: 500 }), None);
    assert_eq!(get_json(&sim, &b, "api/v1/me").await?.0, StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn the_code_page_shows_the_code_again_after_a_wrong_one() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = browser()?;
    let page = to_code_step(&sim, &b, OWNER, OWNER_PASS).await?;
    let (code, _) = shown_code(&page.body).ok_or("shown")?;
    assert_eq!(sim.sim().last_code(OWNER).as_deref(), Some(code.as_str()));
    let wrong = confirm(&sim, &b, &page.body, "000000x").await?;
    assert_eq!(error_code(&wrong.body), Some("ESIA-007008"));
    assert_eq!(shown_code(&wrong.body).map(|(c, _)| c), Some(code.clone()));
    let cabinet = confirm(&sim, &b, &wrong.body, &code).await?;
    assert!(
        cabinet.body.contains("esia-consent-allow"),
        "{}",
        cabinet.body
    );
    Ok(())
}

/// One raw HTTP/1.1 exchange; returns the status and the body.
async fn raw(sim: &Running, request: &str) -> Result<(u16, String)> {
    let mut tcp = tokio::net::TcpStream::connect(sim.addr()).await?;
    tcp.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await?;
    let answer = String::from_utf8(answer)?;
    let status = answer.split(' ').nth(1).ok_or("a status line")?.parse()?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

fn get(path: &str, host: Option<&str>) -> String {
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\n{host}Connection: close\r\n\r\n")
}

#[tokio::test]
async fn requests_for_another_host_are_refused() -> Result {
    for sim in [
        portal_sim::start_sandbox(0).await?,
        portal_sim::start(0).await?,
    ] {
        let port = sim.addr().port();
        for host in [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("LOCALHOST:{port}"),
            format!("[::1]:{port}"),
        ] {
            let (status, body) = raw(&sim, &get("/health", Some(&host))).await?;
            assert_eq!(status, 200, "{host}: {body}");
        }
        for host in [
            "evil.example".to_owned(),
            format!("evil.example:{port}"),
            format!("127.0.0.1:{}", port.wrapping_add(1)),
            "127.0.0.1".to_owned(),
        ] {
            for path in ["/health", "/", "/api/v1/me", "/esia/aas/oauth2/v2/ac"] {
                let (status, body) = raw(&sim, &get(path, Some(&host))).await?;
                assert_eq!(status, 421, "{host}{path}: {body}");
                assert!(body.len() < 200, "a short body: {body}");
            }
        }
        // A target naming another host, and a request naming none.
        let absolute = format!(
            "GET http://evil.example/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        );
        assert_eq!(raw(&sim, &absolute).await?.0, 421);
        let nameless = "GET /health HTTP/1.0\r\n\r\n";
        assert_eq!(raw(&sim, nameless).await?.0, 421);
    }

    // A rebinding page cannot drive the controls either.
    let sim = portal_sim::start(0).await?;
    let body = r#"{"fault":{"mode":"maintenance"}}"#;
    let set = format!(
        "POST /__sim/fault HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(raw(&sim, &set).await?.0, 421);
    assert_eq!(
        reqwest::get(format!("{}api/v1/me", sim.url()))
            .await?
            .status(),
        StatusCode::UNAUTHORIZED,
        "no maintenance was set"
    );
    Ok(())
}
