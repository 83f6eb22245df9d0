//! No log line of the stand-in holds a confirmation code, a password or a session cookie.
//! Alone in its binary: a thread's log subscriber must not race other tests' callsites.

use reqwest::{Client, StatusCode};
use std::io::Write;
use std::sync::{Arc, Mutex};

mod common;

use common::*;

const OWNER: &str = "owner@example.ru";
const OWNER_PASS: &str = "owner-pass";

/// Log lines, as a subscriber writes them.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_log_line_holds_a_code_a_password_or_a_session() -> Result {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("portal_sim=trace"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        // No timestamps: their digits could look like a code.
        .without_time()
        .finish();
    // The test runtime has one thread: the server's tasks log through this subscriber too.
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = portal_sim::start(0).await?;
    let b = browser()?;
    let wrong = to_code_step(&sim, &b, OWNER, "wrong-pass").await?;
    assert_eq!(error_code(&wrong.body), Some("ESIA-007002"));
    let cabinet = log_in_from_pages(&sim, &b, OWNER, OWNER_PASS).await?;
    assert!(cabinet.url.ends_with("/cabinet"));
    let code = sim.sim().last_code(OWNER).ok_or("a code")?;
    let session = sim.sim().open_session(OWNER).ok_or("a session")?;
    let r = Client::new()
        .get(format!("{}api/v1/epts/164301027000001/extract", sim.url()))
        .header("cookie", format!("JSESSIONID={session}"))
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::OK);
    b.get(format!("{}logout", sim.url())).send().await?;
    sim.stop().await?;

    let log = String::from_utf8(captured.0.lock().map_err(|_| "poisoned")?.clone())?;
    assert!(
        log.contains("portal-sim listening"),
        "the log was captured: {log}"
    );
    for secret in [code.as_str(), OWNER_PASS, "wrong-pass", session.as_str()] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
    Ok(())
}
