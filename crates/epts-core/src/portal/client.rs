//! [`HttpPortal`]: the portal over HTTP(S) with timeouts, bounded answers, retries for
//! temporary failures only, and clock-skew detection from the server's `Date` header.

use super::Portal;
use super::address::PortalAddress;
use super::clock::{MAX_CLOCK_SKEW, skew_from_date};
use super::download::{Download, safe_file_name};
use super::error::PortalError;
use super::model::{EptsPage, EptsSummary, Me};
use super::retry::RetryPolicy;
use super::session::Session;
use reqwest::header::HeaderValue;
use reqwest::{StatusCode, Url, header};
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// The largest JSON answer read; anything bigger is refused, not buffered.
pub const MAX_JSON_BYTES: usize = 8 * 1024 * 1024;
/// No extract comes near this; a larger answer is not an extract.
pub const MAX_EXTRACT_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// The portal's base address (https unless on this computer).
    pub address: PortalAddress,
    /// One request, connect to last byte.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl PortalConfig {
    pub fn new(address: PortalAddress) -> Self {
        Self {
            address,
            timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct HttpPortal {
    base: Url,
    http: reqwest::Client,
    retry: RetryPolicy,
    /// The last skew seen in any answer (seconds; positive: the local clock is behind).
    last_skew: Arc<Mutex<Option<i64>>>,
    requests: Arc<AtomicU32>,
}

impl HttpPortal {
    pub fn new(config: PortalConfig) -> Result<Self, PortalError> {
        let base = config.address.url().clone();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            // The cabinets refuse clients that do not look like a browser.
            .user_agent(concat!(
                "Mozilla/5.0 (compatible; ePTS-Desktop/",
                env!("CARGO_PKG_VERSION"),
                ")"
            ))
            // Never follow a redirect: the session cookie would go wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PortalError::BadResponse {
                detail: e.to_string(),
            })?;
        Ok(Self {
            base,
            http,
            retry: config.retry,
            last_skew: Arc::new(Mutex::new(None)),
            requests: Arc::new(AtomicU32::new(0)),
        })
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests_sent(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The clock skew the last answer showed, in seconds.
    pub fn last_skew(&self) -> Option<i64> {
        *self.last_skew.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks the portal for the time and fails with [`PortalError::ClockSkewed`] when the
    /// local clock is more than five minutes off: before a login, not after it fails.
    pub async fn check_clock(&self) -> Result<i64, PortalError> {
        let url = self.base.clone();
        self.with_retries(|| async {
            let resp = self.send(self.http.get(url.clone())).await?;
            let status = resp.status();
            if status.is_server_error() {
                return Err(status_error(status, &resp));
            }
            Ok(())
        })
        .await?;
        let skew = self.last_skew().ok_or_else(|| PortalError::BadResponse {
            detail: "no Date header".into(),
        })?;
        if skew.unsigned_abs() > MAX_CLOCK_SKEW.as_secs() {
            return Err(PortalError::ClockSkewed { seconds: skew });
        }
        Ok(skew)
    }

    /// A file the user asked for in the portal window, fetched again with the session so
    /// the webview never writes it to disk. Only the portal's own origin gets the session
    /// cookie; the answer is bounded like an extract.
    pub async fn download(&self, session: &Session, url: &Url) -> Result<Download, PortalError> {
        if url.origin() != self.base.origin() {
            return Err(PortalError::BadAddress(url.origin().ascii_serialization()));
        }
        self.with_retries(|| async {
            let req = self
                .http
                .get(url.clone())
                .header(header::COOKIE, cookie_value(session)?);
            let mut resp = self.send(req).await?;
            let status = resp.status();
            if !status.is_success() {
                return Err(status_error(status, &resp));
            }
            let file_name = resp
                .headers()
                .get(header::CONTENT_DISPOSITION)
                .and_then(|v| v.to_str().ok())
                .and_then(super::download::disposition_file_name)
                .or_else(|| safe_file_name(url.path_segments()?.next_back()?))
                .unwrap_or_else(|| "download".into());
            let bytes = read_bounded(&mut resp, MAX_EXTRACT_BYTES).await?;
            Ok(Download { file_name, bytes })
        })
        .await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, PortalError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                PortalError::Timeout
            } else if e.is_connect() {
                PortalError::Offline
            } else {
                PortalError::BadResponse {
                    detail: e.to_string(),
                }
            }
        })?;
        let date = resp
            .headers()
            .get(header::DATE)
            .and_then(|v| v.to_str().ok());
        if let Some(skew) = skew_from_date(date, SystemTime::now()) {
            *self.last_skew.lock().unwrap_or_else(|p| p.into_inner()) = Some(skew);
        }
        Ok(resp)
    }

    async fn with_retries<T, F, Fut>(&self, mut attempt: F) -> Result<T, PortalError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, PortalError>>,
    {
        let mut tried = 0;
        loop {
            tried += 1;
            match attempt().await {
                Err(e) if e.is_temporary() && tried < self.retry.max_attempts => {
                    tracing::debug!(error = %e, tried, "portal: temporary failure, retrying");
                    tokio::time::sleep(self.retry.delay(tried)).await;
                }
                other => return other,
            }
        }
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        session: &Session,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, PortalError> {
        let mut url = self
            .base
            .join(path)
            .map_err(|_| PortalError::BadAddress(format!("{}{path}", self.base)))?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        self.with_retries(|| async {
            let req = self
                .http
                .get(url.clone())
                .header(header::ACCEPT, "application/json")
                .header(header::COOKIE, cookie_value(session)?);
            let mut resp = self.send(req).await?;
            let status = resp.status();
            if !status.is_success() {
                return Err(status_error(status, &resp));
            }
            let body = read_bounded(&mut resp, MAX_JSON_BYTES).await?;
            serde_json::from_slice(&body).map_err(|e| PortalError::BadResponse {
                detail: e.to_string(),
            })
        })
        .await
    }
}

/// The session's `Cookie` header, marked sensitive so that no HTTP layer logs or caches it.
fn cookie_value(session: &Session) -> Result<HeaderValue, PortalError> {
    let mut value =
        HeaderValue::from_str(&session.cookie_header()).map_err(|_| PortalError::BadResponse {
            detail: "session cookie unusable".into(),
        })?;
    value.set_sensitive(true);
    Ok(value)
}

fn status_error(status: StatusCode, resp: &reqwest::Response) -> PortalError {
    match status {
        StatusCode::UNAUTHORIZED => PortalError::SessionExpired,
        StatusCode::FORBIDDEN => PortalError::Forbidden,
        StatusCode::NOT_FOUND => PortalError::NotFound,
        StatusCode::SERVICE_UNAVAILABLE => PortalError::Maintenance {
            retry_after: resp
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
        },
        s if s.is_server_error() => PortalError::Server { status: s.as_u16() },
        // A redirect from an API call means the portal sent us to its login page.
        s if s.is_redirection() => PortalError::SessionExpired,
        s => PortalError::Rejected { status: s.as_u16() },
    }
}

async fn read_bounded(resp: &mut reqwest::Response, limit: usize) -> Result<Vec<u8>, PortalError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(PortalError::BadResponse {
            detail: "answer too large".into(),
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| {
        if e.is_timeout() {
            PortalError::Timeout
        } else {
            PortalError::BadResponse {
                detail: e.to_string(),
            }
        }
    })? {
        if body.len() + chunk.len() > limit {
            return Err(PortalError::BadResponse {
                detail: "answer too large".into(),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl Portal for HttpPortal {
    async fn me(&self, session: &Session) -> Result<Me, PortalError> {
        self.get_json(session, "api/v1/me", &[]).await
    }

    async fn list(
        &self,
        session: &Session,
        page: usize,
        size: usize,
        updated_since: Option<&str>,
    ) -> Result<EptsPage, PortalError> {
        let mut query = vec![("page", page.to_string()), ("size", size.to_string())];
        if let Some(t) = updated_since {
            query.push(("updatedSince", t.to_owned()));
        }
        self.get_json(session, "api/v1/epts", &query).await
    }

    async fn record(&self, session: &Session, number: &str) -> Result<EptsSummary, PortalError> {
        self.get_json(session, &record_path(number)?, &[]).await
    }

    async fn detail(
        &self,
        session: &Session,
        number: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, PortalError> {
        self.get_json(session, &record_path(number)?, &[]).await
    }

    async fn extract(&self, session: &Session, number: &str) -> Result<Vec<u8>, PortalError> {
        let path = format!("{}/extract", record_path(number)?);
        let url = self
            .base
            .join(&path)
            .map_err(|_| PortalError::BadAddress(format!("{}{path}", self.base)))?;
        self.with_retries(|| async {
            let req = self
                .http
                .get(url.clone())
                .header(header::ACCEPT, "application/pdf")
                .header(header::COOKIE, cookie_value(session)?);
            let mut resp = self.send(req).await?;
            let status = resp.status();
            if !status.is_success() {
                return Err(status_error(status, &resp));
            }
            let body = read_bounded(&mut resp, MAX_EXTRACT_BYTES).await?;
            if !body.starts_with(b"%PDF-") {
                return Err(PortalError::BadResponse {
                    detail: "the extract is not a PDF".into(),
                });
            }
            Ok(body)
        })
        .await
    }
}

/// The API path of one record; digits only, so a number never changes the path.
fn record_path(number: &str) -> Result<String, PortalError> {
    if number.is_empty() || number.len() > 32 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortalError::NotFound);
    }
    Ok(format!("api/v1/epts/{number}"))
}
