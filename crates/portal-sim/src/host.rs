//! Answers only requests addressed to the stand-in itself.
//!
//! The sandbox runs inside the user's app on a loopback port. A web page in the user's
//! browser could re-point its own domain at 127.0.0.1 (DNS rebinding) and then drive the
//! sandbox as same-origin; its requests still carry that domain in `Host`. So every request
//! must name the stand-in's own loopback address (`127.0.0.1`, `localhost` or `[::1]` with
//! its port), or it gets 421 and a short body.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Where the stand-in listens: its port, and the port a `Host` without one means.
#[derive(Debug, Clone, Copy)]
pub struct OwnAddress {
    pub port: u16,
    pub tls: bool,
}

impl OwnAddress {
    /// Whether `authority` (`host[:port]`, as in `Host`) names this stand-in.
    pub fn is_own(&self, authority: &str) -> bool {
        let (host, port) = split_authority(authority);
        let port = match port {
            None => Some(if self.tls { 443 } else { 80 }),
            Some(p) => p.parse::<u16>().ok(),
        };
        let loopback =
            host == "127.0.0.1" || host == "[::1]" || host.eq_ignore_ascii_case("localhost");
        loopback && port == Some(self.port)
    }
}

/// `host` and the optional port of an authority; an IPv6 host keeps its brackets.
fn split_authority(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => {
                let (host, rest) = authority.split_at(end + 1);
                (host, rest.strip_prefix(':'))
            }
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

/// The `Host` of a request, when it has exactly one that is text.
fn host(headers: &HeaderMap) -> Option<&str> {
    let mut all = headers.get_all(header::HOST).iter();
    let first = all.next()?;
    if all.next().is_some() {
        return None;
    }
    first.to_str().ok()
}

/// Refuses requests for another host (421 Misdirected Request).
pub async fn own_host_only(
    State(own): State<OwnAddress>,
    request: Request,
    next: Next,
) -> Response {
    let named = host(request.headers()).is_some_and(|h| own.is_own(h));
    // An absolute-form target (`GET http://other/…`) names a host of its own.
    let target_ok = request
        .uri()
        .authority()
        .is_none_or(|a| own.is_own(a.as_str()));
    if named && target_ok {
        return next.run(request).await;
    }
    (
        StatusCode::MISDIRECTED_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "421: этот сервер отвечает только по своему адресу на этом компьютере.\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_own_loopback_address_and_port_pass() {
        let own = OwnAddress {
            port: 41234,
            tls: false,
        };
        for ok in [
            "127.0.0.1:41234",
            "localhost:41234",
            "LocalHost:41234",
            "[::1]:41234",
        ] {
            assert!(own.is_own(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:41234",
            "127.0.0.1",
            "127.0.0.1:80",
            "127.0.0.1:41235",
            "127.0.0.2:41234",
            "localhost.evil.example:41234",
            "[::1]",
            "[::1:41234",
            "127.0.0.1:41234:1",
            "",
        ] {
            assert!(!own.is_own(bad), "{bad}");
        }
        let default_port = OwnAddress {
            port: 443,
            tls: true,
        };
        assert!(default_port.is_own("localhost"));
        assert!(default_port.is_own("127.0.0.1:443"));
    }
}
