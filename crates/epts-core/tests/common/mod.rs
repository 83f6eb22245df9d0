// Each test binary uses its own part of these helpers.
#![allow(dead_code)]

//! A portal client against a portal-sim started for the test, with a session opened
//! without the browser flow.

use epts_core::portal::{HttpPortal, PortalAddress, PortalConfig, RetryPolicy, Session};
use std::time::Duration;

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A client with quick retries; `timeout` per request.
pub fn client(url: &str, timeout: Duration, attempts: u32) -> Result<HttpPortal> {
    Ok(HttpPortal::new(config(url, timeout, attempts)?)?)
}

/// The client's configuration with quick retries.
pub fn config(url: &str, timeout: Duration, attempts: u32) -> Result<PortalConfig> {
    Ok(PortalConfig {
        address: PortalAddress::parse(url)?,
        timeout,
        retry: RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
    })
}

/// A running sim, a client for it and a session of `login`.
pub async fn logged_in(
    login: &str,
    timeout: Duration,
    attempts: u32,
) -> Result<(portal_sim::Running, HttpPortal, Session)> {
    let sim = portal_sim::start(0).await?;
    let id = sim.sim().open_session(login).ok_or("a linked account")?;
    let session = Session::from_cookies([("JSESSIONID", id.as_str())]);
    let portal = client(&sim.url(), timeout, attempts)?;
    Ok((sim, portal, session))
}
