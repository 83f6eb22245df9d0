//! Which portal the app talks to: the one the user configured, or the sandbox.
//!
//! With no portal configured the app starts portal-sim in-process on a free loopback port
//! and says so everywhere (the «Песочница» badge), so nobody mistakes it for the real portal.

/// The portal in use.
#[derive(Debug)]
pub struct Portal {
    url: String,
    /// The portal is the local stand-in (started here or by a test harness).
    sandbox: bool,
    /// Keeps the in-process sandbox alive for as long as the app runs.
    _sim: Option<portal_sim::Running>,
}

impl Portal {
    /// `EPTS_PORTAL_URL` names a portal; without it the sandbox is started. A configured
    /// portal that turns out to be a stand-in on loopback is shown as the sandbox too.
    pub async fn from_env() -> std::io::Result<Self> {
        match std::env::var("EPTS_PORTAL_URL") {
            Ok(url) if !url.trim().is_empty() => {
                let url = url.trim().to_owned();
                let sandbox = portal_sim::identify(&url).await;
                Ok(Self {
                    url,
                    sandbox,
                    _sim: None,
                })
            }
            _ => {
                let sim = portal_sim::start(0).await?;
                tracing::info!(url = %sim.url(), "no portal configured: sandbox started");
                Ok(Self {
                    url: sim.url(),
                    sandbox: true,
                    _sim: Some(sim),
                })
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_sandbox(&self) -> bool {
        self.sandbox
    }
}
