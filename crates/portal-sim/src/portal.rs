//! The ePTS portal stand-in: its login redirect, the OAuth callback that opens a session
//! (an HttpOnly `JSESSIONID`, as the real Wicket portal sets), and logout.

use crate::esia::{AUTHORIZE_PATH, CLIENT_ID, registered_redirect};
use crate::html::{Site, error_page};
use crate::state::{LoginFailure, Sim};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

pub const SESSION_COOKIE: &str = "JSESSIONID";
const STATE_COOKIE: &str = "portal_state";

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Cookies over TLS are `Secure`, as the real portal's are.
fn secure(sim: &Sim) -> &'static str {
    if sim.scheme() == "https" {
        "; Secure"
    } else {
        ""
    }
}

/// The user of the request's session, if it has a live one (each request extends it).
pub fn session_user(sim: &Sim, headers: &HeaderMap) -> Option<u32> {
    let id = cookie(headers, SESSION_COOKIE)?;
    sim.lock().touch_session(&id)
}

/// «Войти через Госуслуги»: remembers a `state` and sends the browser to ESIA.
pub async fn login(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let state = crate::state::token(16);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let scheme = sim.scheme();
    let mut redirect_uri = registered_redirect(&sim, &headers);
    {
        let mut s = sim.lock();
        if s.login_fault(false) == Some(LoginFailure::RedirectMismatch) {
            s.login_fault(true);
            // A portal misconfigured after an update: ESIA refuses the unregistered address.
            redirect_uri = format!("{scheme}://{host}/oauth/callback");
        }
    }
    let target = url::Url::parse_with_params(
        &format!("{scheme}://{host}{AUTHORIZE_PATH}"),
        &[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("scope", "openid fullname snils inn"),
            ("redirect_uri", &redirect_uri),
            ("state", &state),
        ],
    );
    let Ok(target) = target else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    (
        [(
            header::SET_COOKIE,
            format!(
                "{STATE_COOKIE}={state}; Path=/; HttpOnly; SameSite=Lax{}",
                secure(&sim)
            ),
        )],
        Redirect::to(target.as_str()),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The portal's login failures. Like ESIA's, they send the browser to a URL that carries
/// the code (`/error?code=…`), where the page says what happened and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortalFailure {
    ConsentRefused,
    SessionLost,
    AuthCodeInvalid,
    AuthCodeExpired,
    RedirectMismatch,
    AccountNotFound,
}

impl PortalFailure {
    const ALL: [PortalFailure; 6] = [
        PortalFailure::ConsentRefused,
        PortalFailure::SessionLost,
        PortalFailure::AuthCodeInvalid,
        PortalFailure::AuthCodeExpired,
        PortalFailure::RedirectMismatch,
        PortalFailure::AccountNotFound,
    ];

    fn code(self) -> &'static str {
        match self {
            PortalFailure::ConsentRefused => "consent_refused",
            PortalFailure::SessionLost => "session_lost",
            PortalFailure::AuthCodeInvalid | PortalFailure::AuthCodeExpired => "ESIA-007019",
            PortalFailure::RedirectMismatch => "ESIA-007014",
            PortalFailure::AccountNotFound => "account_not_found",
        }
    }

    /// Tells apart failures that share a code (the URL's `reason`).
    fn reason(self) -> Option<&'static str> {
        (self == PortalFailure::AuthCodeExpired).then_some("expired")
    }

    fn status(self) -> StatusCode {
        match self {
            PortalFailure::ConsentRefused | PortalFailure::AccountNotFound => StatusCode::FORBIDDEN,
            PortalFailure::SessionLost | PortalFailure::RedirectMismatch => StatusCode::BAD_REQUEST,
            PortalFailure::AuthCodeInvalid | PortalFailure::AuthCodeExpired => {
                StatusCode::UNAUTHORIZED
            }
        }
    }

    fn words(self) -> (&'static str, &'static str) {
        match self {
            PortalFailure::ConsentRefused => (
                "Вы отказались передать данные порталу",
                "Чтобы войти, войдите снова и нажмите «Предоставить».",
            ),
            PortalFailure::SessionLost => (
                "Сеанс входа потерян при переходе между сайтами",
                "Разрешите cookie для портала и начните вход заново.",
            ),
            PortalFailure::AuthCodeInvalid => (
                "Код авторизации недействителен или уже использован",
                "Начните вход заново.",
            ),
            PortalFailure::AuthCodeExpired => (
                "Срок действия кода авторизации истёк",
                "Начните вход заново; проверьте, что часы компьютера идут верно.",
            ),
            PortalFailure::RedirectMismatch => (
                "Недопустимый адрес перенаправления",
                "Обратитесь в поддержку портала.",
            ),
            PortalFailure::AccountNotFound => (
                "Учётная запись не найдена",
                "Зарегистрируйтесь в личном кабинете портала ЭПТС или войдите под другой учётной записью.",
            ),
        }
    }
}

fn portal_error(failure: PortalFailure) -> Response {
    let mut to = format!("/error?code={}", failure.code());
    if let Some(reason) = failure.reason() {
        to.push_str("&reason=");
        to.push_str(reason);
    }
    Redirect::to(&to).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ErrorQuery {
    code: String,
    reason: Option<String>,
}

/// The portal's error page for a login failure's code.
pub async fn error(Query(q): Query<ErrorQuery>) -> Response {
    let found = PortalFailure::ALL
        .into_iter()
        .find(|f| f.code() == q.code && f.reason() == q.reason.as_deref());
    match found {
        Some(f) => {
            let (message, next) = f.words();
            (
                f.status(),
                Html(error_page(Site::Portal, f.code(), message, next)),
            )
                .into_response()
        }
        None => (
            StatusCode::BAD_REQUEST,
            Html(error_page(
                Site::Portal,
                "unknown",
                "Неизвестная ошибка",
                "Начните вход заново.",
            )),
        )
            .into_response(),
    }
}

/// Where ESIA sends the browser back: checks `state`, spends the one-time code, opens a session.
pub async fn callback(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let forced = {
        let mut s = sim.lock();
        match s.login_fault(false) {
            Some(
                e @ (LoginFailure::SessionLost
                | LoginFailure::AuthCodeInvalid
                | LoginFailure::NotLinked),
            ) if q.error.is_none() => {
                s.login_fault(true);
                Some(e)
            }
            _ => None,
        }
    };
    if q.error.as_deref() == Some("access_denied") {
        return portal_error(PortalFailure::ConsentRefused);
    }
    let expected = cookie(&headers, STATE_COOKIE);
    if forced == Some(LoginFailure::SessionLost) || expected.is_none() || expected != q.state {
        return portal_error(PortalFailure::SessionLost);
    }
    let mut s = sim.lock();
    let spent = q.code.as_deref().and_then(|c| s.auth_codes.remove(c));
    let Some(issued) = spent.filter(|_| forced != Some(LoginFailure::AuthCodeInvalid)) else {
        return portal_error(PortalFailure::AuthCodeInvalid);
    };
    if s.now() >= issued.expires {
        return portal_error(PortalFailure::AuthCodeExpired);
    }
    if issued.redirect_uri != registered_redirect(&sim, &headers) {
        return portal_error(PortalFailure::RedirectMismatch);
    }
    let linked = forced != Some(LoginFailure::NotLinked)
        && s.user(issued.user)
            .is_some_and(|u| u.state == crate::data::AccountState::Ok);
    if !linked {
        return portal_error(PortalFailure::AccountNotFound);
    }
    let session = s.open_session(issued.user);
    // The state cookie stays: a replayed callback then fails on the spent code (ESIA-007019),
    // as the real flow does, instead of looking like a lost session.
    (
        [(
            header::SET_COOKIE,
            format!(
                "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax{}",
                secure(&sim)
            ),
        )],
        Redirect::to("/cabinet"),
    )
        .into_response()
}

pub async fn logout(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        sim.lock().sessions.remove(&id);
    }
    (
        [(
            header::SET_COOKIE,
            format!("{SESSION_COOKIE}=; Path=/; Max-Age=0"),
        )],
        Redirect::to("/"),
    )
        .into_response()
}
