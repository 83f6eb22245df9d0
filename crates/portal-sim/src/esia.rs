//! The Gosuslugi (ESIA) stand-in: an OAuth2 authorization-code flow with a login form, a
//! confirmation code, a consent page, and failures with `ESIA-007xxx` codes.
//!
//! The authorize endpoint is versioned as ESIA's is (`/esia/aas/oauth2/v2/ac`). The only
//! registered client is the portal; its registered `redirect_uri` is `/callback` on the
//! same host, and anything else is refused as ESIA refuses it (ESIA-007014).

use crate::data::AccountState;
use crate::html::{Site, error_page, esc, page};
use crate::state::{AuthCode, LoginFailure, Pending, Sim, six_digits, token};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

pub const CLIENT_ID: &str = "ELPTS";
pub const AUTHORIZE_PATH: &str = "/esia/aas/oauth2/v2/ac";

/// The ESIA failures the stand-in produces; codes are stable, messages as ESIA words them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EsiaError {
    WrongPassword,
    AccountBlocked,
    CodeBlocked,
    CodeExpired,
    WrongCode,
    NotConfirmed,
    RedirectMismatch,
    UnknownClient,
    SessionLost,
}

impl EsiaError {
    pub fn code(self) -> &'static str {
        match self {
            EsiaError::WrongPassword => "ESIA-007002",
            EsiaError::AccountBlocked => "ESIA-007004",
            EsiaError::CodeBlocked => "ESIA-007005",
            EsiaError::CodeExpired => "ESIA-007007",
            EsiaError::WrongCode => "ESIA-007008",
            EsiaError::NotConfirmed => "ESIA-007009",
            EsiaError::RedirectMismatch => "ESIA-007014",
            EsiaError::UnknownClient => "ESIA-007013",
            EsiaError::SessionLost => "ESIA-007016",
        }
    }

    fn message(self) -> &'static str {
        match self {
            EsiaError::WrongPassword => "Неверный логин или пароль",
            EsiaError::AccountBlocked => {
                "Учётная запись заблокирована после нескольких неудачных попыток входа"
            }
            EsiaError::CodeBlocked => "Вход временно заблокирован: слишком много неверных кодов",
            EsiaError::CodeExpired => "Срок действия кода подтверждения истёк",
            EsiaError::WrongCode => "Неверный код подтверждения",
            EsiaError::NotConfirmed => "Учётная запись не подтверждена",
            EsiaError::RedirectMismatch => "Недопустимый адрес перенаправления",
            EsiaError::UnknownClient => "Неизвестная информационная система",
            EsiaError::SessionLost => "Сеанс входа не найден или устарел",
        }
    }

    fn next_step(self) -> &'static str {
        match self {
            EsiaError::WrongPassword => "Проверьте раскладку клавиатуры и попробуйте снова.",
            EsiaError::AccountBlocked => {
                "Восстановите доступ через «Забыли пароль?» или в центре обслуживания."
            }
            EsiaError::CodeBlocked => "Подождите 15 минут и попробуйте войти снова.",
            EsiaError::CodeExpired => "Начните вход заново, чтобы получить новый код.",
            EsiaError::WrongCode => "Проверьте код из SMS и введите его снова.",
            EsiaError::NotConfirmed => {
                "Подтвердите учётную запись в центре обслуживания или онлайн через банк."
            }
            EsiaError::RedirectMismatch | EsiaError::UnknownClient => {
                "Обратитесь к владельцу системы."
            }
            EsiaError::SessionLost => "Начните вход заново с сайта портала.",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            EsiaError::RedirectMismatch | EsiaError::UnknownClient => StatusCode::BAD_REQUEST,
            EsiaError::AccountBlocked | EsiaError::CodeBlocked | EsiaError::NotConfirmed => {
                StatusCode::FORBIDDEN
            }
            _ => StatusCode::UNAUTHORIZED,
        }
    }
}

impl EsiaError {
    const ALL: [EsiaError; 9] = [
        EsiaError::WrongPassword,
        EsiaError::AccountBlocked,
        EsiaError::CodeBlocked,
        EsiaError::CodeExpired,
        EsiaError::WrongCode,
        EsiaError::NotConfirmed,
        EsiaError::RedirectMismatch,
        EsiaError::UnknownClient,
        EsiaError::SessionLost,
    ];

    fn from_code(code: &str) -> Option<EsiaError> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }
}

/// A failure that ends the flow sends the browser to `/esia/error?code=…`, so the code is in
/// the URL as well as on the page: the app's login window sees URLs, not pages.
impl IntoResponse for EsiaError {
    fn into_response(self) -> Response {
        Redirect::to(&format!("{ERROR_PATH}?code={}", self.code())).into_response()
    }
}

pub const ERROR_PATH: &str = "/esia/error";

#[derive(Debug, Deserialize)]
pub struct ErrorQuery {
    code: String,
}

/// ESIA's error page for a code.
pub async fn error(Query(q): Query<ErrorQuery>) -> Response {
    match EsiaError::from_code(&q.code) {
        Some(e) => (
            e.status(),
            Html(error_page(Site::Esia, e.code(), e.message(), e.next_step())),
        )
            .into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            Html(error_page(
                Site::Esia,
                "unknown",
                "Неизвестная ошибка",
                "Начните вход заново с сайта портала.",
            )),
        )
            .into_response(),
    }
}

/// The portal's own callback on the host the request came to.
pub fn registered_redirect(sim: &Sim, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("{}://{host}/callback", sim.scheme())
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    state: String,
    response_type: Option<String>,
}

pub async fn authorize(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    if q.client_id != CLIENT_ID || q.response_type.as_deref().is_some_and(|t| t != "code") {
        return EsiaError::UnknownClient.into_response();
    }
    if q.redirect_uri != registered_redirect(&sim, &headers) {
        return EsiaError::RedirectMismatch.into_response();
    }
    let flow = token(16);
    sim.lock().pending.insert(
        flow.clone(),
        Pending {
            redirect_uri: q.redirect_uri,
            state: q.state,
            user: None,
            code: None,
            code_attempts: 0,
        },
    );
    Html(login_form(&flow, None)).into_response()
}

/// The error line a form shows above itself after a failed attempt.
fn inline_error(error: Option<EsiaError>) -> String {
    error
        .map(|e| {
            format!(
                r#"<div class="error" data-testid="error" data-error-code="{}">{}</div>"#,
                e.code(),
                esc(e.message())
            )
        })
        .unwrap_or_default()
}

fn login_form(flow: &str, error: Option<EsiaError>) -> String {
    let error = inline_error(error);
    page(
        Site::Esia,
        "Вход в Госуслуги",
        &format!(
            r#"<h1>Вход</h1>{error}
<form method="post" action="/esia/login">
<input type="hidden" name="flow" value="{flow}">
<label for="login">Телефон / E-mail / СНИЛС</label>
<input type="text" id="login" name="login" data-testid="esia-login-input" autocomplete="username">
<label for="password">Пароль</label>
<input type="password" id="password" name="password" data-testid="esia-password-input" autocomplete="current-password">
<button type="submit" data-testid="esia-submit">Войти</button>
</form>"#,
            flow = esc(flow),
        ),
    )
}

/// The code form. There is no phone behind the stand-in: the page itself shows the code,
/// as demo sites do, so nobody needs a log to log in (and no log holds a code).
fn code_form(flow: &str, code: &str, error: Option<EsiaError>) -> String {
    let error = inline_error(error);
    page(
        Site::Esia,
        "Подтверждение входа",
        &format!(
            r#"<h1>Введите код из SMS</h1>{error}
<p>Код отправлен на ваш телефон. Он действует 5 минут.</p>
<p class="notice" data-testid="esia-sandbox-code" data-code="{code}">Песочница: ваш код <strong>{code}</strong></p>
<form method="post" action="/esia/confirm">
<input type="hidden" name="flow" value="{flow}">
<label for="code">Код</label>
<input type="text" id="code" name="code" inputmode="numeric" data-testid="esia-code-input" autocomplete="one-time-code">
<button type="submit" data-testid="esia-code-submit">Продолжить</button>
</form>"#,
            flow = esc(flow),
            code = esc(code),
        ),
    )
}

fn consent_form(flow: &str) -> String {
    page(
        Site::Esia,
        "Предоставление прав доступа",
        &format!(
            r#"<h1>Система электронных паспортов запрашивает доступ</h1>
<p>Будут переданы: ФИО, СНИЛС, ИНН, контакты.</p>
<form method="post" action="/esia/consent">
<input type="hidden" name="flow" value="{flow}">
<button type="submit" name="decision" value="allow" data-testid="esia-consent-allow">Предоставить</button>
<button type="submit" name="decision" value="deny" class="secondary" data-testid="esia-consent-deny">Отказать</button>
</form>"#,
            flow = esc(flow),
        ),
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    flow: String,
    login: String,
    password: String,
}

pub async fn login(State(sim): State<Sim>, Form(f): Form<LoginForm>) -> Response {
    let mut s = sim.lock();
    if !s.pending.contains_key(&f.flow) {
        return EsiaError::SessionLost.into_response();
    }
    let forced = match s.login_fault(false) {
        Some(
            e @ (LoginFailure::WrongPassword
            | LoginFailure::AccountBlocked
            | LoginFailure::CodeBlocked
            | LoginFailure::NotConfirmed),
        ) => {
            s.login_fault(true);
            Some(e)
        }
        _ => None,
    };
    match forced {
        Some(LoginFailure::WrongPassword) => {
            return (
                StatusCode::UNAUTHORIZED,
                Html(login_form(&f.flow, Some(EsiaError::WrongPassword))),
            )
                .into_response();
        }
        Some(LoginFailure::AccountBlocked) => return EsiaError::AccountBlocked.into_response(),
        Some(LoginFailure::CodeBlocked) => return EsiaError::CodeBlocked.into_response(),
        Some(LoginFailure::NotConfirmed) => return EsiaError::NotConfirmed.into_response(),
        _ => {}
    }
    let Some(user) = s.user_by_login(&f.login).cloned() else {
        return (
            StatusCode::UNAUTHORIZED,
            Html(login_form(&f.flow, Some(EsiaError::WrongPassword))),
        )
            .into_response();
    };
    let limits = s.limits.clone();
    if s.blocked.contains(&user.id) {
        return EsiaError::AccountBlocked.into_response();
    }
    let now = s.now();
    if s.code_blocked_until.get(&user.id).is_some_and(|t| *t > now) {
        return EsiaError::CodeBlocked.into_response();
    }
    if user.password != f.password {
        let attempts = s.wrong_passwords.entry(user.id).or_insert(0);
        *attempts += 1;
        if *attempts >= limits.max_password_attempts {
            s.blocked.insert(user.id);
            return EsiaError::AccountBlocked.into_response();
        }
        return (
            StatusCode::UNAUTHORIZED,
            Html(login_form(&f.flow, Some(EsiaError::WrongPassword))),
        )
            .into_response();
    }
    s.wrong_passwords.remove(&user.id);
    if user.state == AccountState::Unconfirmed {
        return EsiaError::NotConfirmed.into_response();
    }
    let code = six_digits();
    // What a phone would receive: on the code page, and for tests through `Sim::last_code`.
    for l in &user.logins {
        s.last_codes
            .insert(crate::state::normalize_login(l), code.clone());
    }
    if let Some(p) = s.pending.get_mut(&f.flow) {
        p.user = Some(user.id);
        p.code = Some((code.clone(), now + limits.confirmation_ttl));
        p.code_attempts = 0;
    }
    Html(code_form(&f.flow, &code, None)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    flow: String,
    code: String,
}

pub async fn confirm(State(sim): State<Sim>, Form(f): Form<ConfirmForm>) -> Response {
    let mut s = sim.lock();
    let Some(p) = s.pending.get(&f.flow).cloned() else {
        return EsiaError::SessionLost.into_response();
    };
    let (Some(user), Some((code, expires))) = (p.user, p.code.clone()) else {
        return EsiaError::SessionLost.into_response();
    };
    let forced = match s.login_fault(false) {
        Some(e @ (LoginFailure::WrongCode | LoginFailure::CodeExpired)) => {
            s.login_fault(true);
            Some(e)
        }
        _ => None,
    };
    let now = s.now();
    if forced == Some(LoginFailure::CodeExpired) || now >= expires {
        s.pending.remove(&f.flow);
        return EsiaError::CodeExpired.into_response();
    }
    if forced == Some(LoginFailure::WrongCode) || f.code.trim() != code {
        let attempts = p.code_attempts + 1;
        if attempts >= s.limits.max_code_attempts {
            s.pending.remove(&f.flow);
            let until = now + s.limits.code_block;
            s.code_blocked_until.insert(user, until);
            return EsiaError::CodeBlocked.into_response();
        }
        if let Some(p) = s.pending.get_mut(&f.flow) {
            p.code_attempts = attempts;
        }
        return (
            StatusCode::UNAUTHORIZED,
            Html(code_form(&f.flow, &code, Some(EsiaError::WrongCode))),
        )
            .into_response();
    }
    if s.consent.contains(&user) {
        drop(s);
        // Consent given before is silent, unless a refusal is forced.
        return finish(&sim, &f.flow, true);
    }
    Html(consent_form(&f.flow)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    flow: String,
    decision: String,
}

pub async fn consent(State(sim): State<Sim>, Form(f): Form<ConsentForm>) -> Response {
    finish(&sim, &f.flow, f.decision == "allow")
}

/// Ends the flow with a redirect to the portal: a code on consent, `access_denied` otherwise.
fn finish(sim: &Sim, flow: &str, allowed: bool) -> Response {
    let mut s = sim.lock();
    let allowed = if s.login_fault(false) == Some(LoginFailure::ConsentRefused) {
        s.login_fault(true);
        false
    } else {
        allowed
    };
    let Some(p) = s.pending.remove(flow) else {
        return EsiaError::SessionLost.into_response();
    };
    let Some(user) = p.user else {
        return EsiaError::SessionLost.into_response();
    };
    let Ok(mut target) = url::Url::parse(&p.redirect_uri) else {
        return EsiaError::RedirectMismatch.into_response();
    };
    if allowed {
        s.consent.insert(user);
        let code = token(24);
        let expires = s.now() + s.limits.auth_code_ttl;
        s.auth_codes.insert(
            code.clone(),
            AuthCode {
                user,
                redirect_uri: p.redirect_uri.clone(),
                expires,
            },
        );
        target
            .query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &p.state);
    } else {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", "Пользователь отказал в доступе")
            .append_pair("state", &p.state);
    }
    Redirect::to(target.as_str()).into_response()
}
