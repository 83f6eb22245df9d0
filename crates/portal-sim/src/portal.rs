//! The ePTS portal stand-in: its login redirect, the OAuth callback that opens a session
//! (an HttpOnly `JSESSIONID`, as the real Wicket portal sets), and the cabinet pages.

use crate::esia::{AUTHORIZE_PATH, CLIENT_ID, registered_redirect};
use crate::html::{Site, error_page, esc, page};
use crate::state::{Sim, token};
use axum::extract::{Path, Query, State};
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

/// The user of the request's session, if it has a live one.
pub fn session_user(sim: &Sim, headers: &HeaderMap) -> Option<u32> {
    let id = cookie(headers, SESSION_COOKIE)?;
    let s = sim.lock();
    if matches!(s.fault, Some(crate::state::Fault::SessionExpired)) {
        return None;
    }
    s.sessions.get(&id).copied()
}

/// «Войти через Госуслуги»: remembers a `state` and sends the browser to ESIA.
pub async fn login(headers: HeaderMap) -> Response {
    let state = token(16);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let target = url::Url::parse_with_params(
        &format!("http://{host}{AUTHORIZE_PATH}"),
        &[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("scope", "openid fullname snils inn"),
            ("redirect_uri", &registered_redirect(&headers)),
            ("state", &state),
        ],
    );
    let Ok(target) = target else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    (
        [(
            header::SET_COOKIE,
            format!("{STATE_COOKIE}={state}; Path=/; HttpOnly; SameSite=Lax"),
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

fn portal_error(status: StatusCode, code: &str, message: &str, next: &str) -> Response {
    (status, Html(error_page(Site::Portal, code, message, next))).into_response()
}

/// Where ESIA sends the browser back: checks `state`, spends the one-time code, opens a session.
pub async fn callback(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    if q.error.as_deref() == Some("access_denied") {
        return portal_error(
            StatusCode::FORBIDDEN,
            "consent_refused",
            "Вы отказались передать данные порталу",
            "Чтобы войти, войдите снова и нажмите «Предоставить».",
        );
    }
    let expected = cookie(&headers, STATE_COOKIE);
    if expected.is_none() || expected != q.state {
        return portal_error(
            StatusCode::BAD_REQUEST,
            "session_lost",
            "Сеанс входа потерян при переходе между сайтами",
            "Разрешите cookie для портала и начните вход заново.",
        );
    }
    let mut s = sim.lock();
    let Some(issued) = q.code.as_deref().and_then(|c| s.auth_codes.remove(c)) else {
        return portal_error(
            StatusCode::UNAUTHORIZED,
            "ESIA-007019",
            "Код авторизации недействителен или уже использован",
            "Начните вход заново.",
        );
    };
    if issued.issued.elapsed() > sim.limits.auth_code_ttl {
        return portal_error(
            StatusCode::UNAUTHORIZED,
            "ESIA-007019",
            "Срок действия кода авторизации истёк",
            "Начните вход заново; проверьте, что часы компьютера идут верно.",
        );
    }
    if issued.redirect_uri != registered_redirect(&headers) {
        return portal_error(
            StatusCode::BAD_REQUEST,
            "ESIA-007014",
            "Недопустимый адрес перенаправления",
            "Обратитесь в поддержку портала.",
        );
    }
    let linked = s
        .user(issued.user)
        .is_some_and(|u| u.state == crate::data::AccountState::Ok);
    if !linked {
        return portal_error(
            StatusCode::FORBIDDEN,
            "account_not_found",
            "Учётная запись не найдена",
            "Зарегистрируйтесь в личном кабинете портала ЭПТС или войдите под другой учётной записью.",
        );
    }
    let session = token(24);
    s.sessions.insert(session.clone(), issued.user);
    // The state cookie stays: a replayed callback then fails on the spent code (ESIA-007019),
    // as the real flow does, instead of looking like a lost session.
    (
        [(
            header::SET_COOKIE,
            format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax"),
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

/// The cabinet's home: the user's ePTS list (the first 50; the API pages through all).
pub async fn cabinet(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let Some(user_id) = session_user(&sim, &headers) else {
        return Redirect::to("/").into_response();
    };
    let s = sim.lock();
    let Some(user) = s.user(user_id) else {
        return Redirect::to("/").into_response();
    };
    let rows: String = user
        .vehicles
        .iter()
        .take(50)
        .map(|v| {
            format!(
                r#"<tr data-testid="epts-row"><td><a href="/cabinet/epts/{id}">{id}</a></td><td>{vin}</td><td>{make} {model}</td><td>{status}</td></tr>"#,
                id = esc(&v.vehicle_e_passport_id),
                vin = esc(&v.vehicle_identity_number_id),
                make = esc(v.vehicle_make_name),
                model = esc(v.vehicle_commercial_name),
                status = esc(v.document_status),
            )
        })
        .collect();
    Html(page(
        Site::Portal,
        "Личный кабинет",
        &format!(
            r#"<h1 data-testid="cabinet">Личный кабинет</h1>
<p data-testid="cabinet-user">{name}</p>
<table><tr><th>Номер ЭПТС</th><th>VIN</th><th>Марка, модель</th><th>Статус</th></tr>{rows}</table>
<p><a href="/logout">Выйти</a></p>"#,
            name = esc(&user.profile.display_name),
        ),
    ))
    .into_response()
}

pub async fn record_page(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(user_id) = session_user(&sim, &headers) else {
        return Redirect::to("/").into_response();
    };
    let s = sim.lock();
    let Some(v) = s
        .user(user_id)
        .and_then(|u| u.vehicles.iter().find(|v| v.vehicle_e_passport_id == id))
    else {
        return (
            StatusCode::NOT_FOUND,
            Html(page(
                Site::Portal,
                "Не найдено",
                "<h1>Недостаточно сведений</h1>",
            )),
        )
            .into_response();
    };
    Html(page(
        Site::Portal,
        "Электронный паспорт",
        &format!(
            r#"<h1>ЭПТС {id}</h1><table>
<tr><td>Статус</td><td>{status}</td></tr><tr><td>VIN</td><td>{vin}</td></tr>
<tr><td>Марка</td><td>{make}</td></tr><tr><td>Коммерческое наименование</td><td>{model}</td></tr>
<tr><td>Год изготовления</td><td>{year}</td></tr><tr><td>Собственник</td><td>{owner}</td></tr></table>"#,
            id = esc(&v.vehicle_e_passport_id),
            status = esc(v.document_status),
            vin = esc(&v.vehicle_identity_number_id),
            make = esc(v.vehicle_make_name),
            model = esc(v.vehicle_commercial_name),
            year = v.manufacture_year,
            owner = esc(&v.business_entity_name),
        ),
    ))
    .into_response()
}
