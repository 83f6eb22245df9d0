//! The cabinet's HTML pages: the list of the user's ePTS, a record card with «Скачать PDF»,
//! and the application form with file inputs.

use crate::data::Vehicle;
use crate::extract;
use crate::html::{Site, esc, page};
use crate::portal::{SESSION_COOKIE, cookie, session_user};
use crate::state::Sim;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Rows per page of the HTML list (the API pages on its own).
pub const PAGE_ROWS: usize = 50;
/// The `elpts` profile's limits (docs/domain.md, «Document rules per portal»): per file and
/// per application.
const FILE_LIMIT: usize = 10 * 1024 * 1024;
const APPLICATION_LIMIT: usize = 30 * 1024 * 1024;

/// Where a request without a live session goes: the start page, saying why when a session
/// cookie was there but is no longer valid.
pub fn to_start(headers: &HeaderMap) -> Response {
    if cookie(headers, SESSION_COOKIE).is_some_and(|c| !c.is_empty()) {
        Redirect::to("/?error=session_expired").into_response()
    } else {
        Redirect::to("/").into_response()
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page(
            Site::Portal,
            "Не найдено",
            r#"<h1 data-testid="not-found" data-error-code="not_found">Недостаточно сведений</h1><p><a href="/cabinet">К списку паспортов</a></p>"#,
        )),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    page: Option<usize>,
}

/// The cabinet's home: who is logged in and their ePTS, 50 a page.
pub async fn home(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(user_id) = session_user(&sim, &headers) else {
        return to_start(&headers);
    };
    let s = sim.lock();
    let Some(user) = s.user(user_id) else {
        return to_start(&headers);
    };
    let page_no = q.page.unwrap_or(0);
    let pages = user.vehicles.len().div_ceil(PAGE_ROWS).max(1);
    let rows: String = user
        .vehicles
        .iter()
        .skip(page_no.saturating_mul(PAGE_ROWS))
        .take(PAGE_ROWS)
        .map(|v| {
            format!(
                r#"<tr data-testid="epts-row"><td><a href="/cabinet/epts/{id}">{id}</a></td><td>{vin}</td><td>{make} {model}</td><td>{status}</td><td><a href="/cabinet/epts/{id}/extract.pdf" data-testid="download-pdf">Скачать PDF</a></td></tr>"#,
                id = esc(&v.vehicle_e_passport_id),
                vin = esc(&v.vehicle_identity_number_id),
                make = esc(v.vehicle_make_name),
                model = esc(v.vehicle_commercial_name),
                status = esc(v.document_status),
            )
        })
        .collect();
    let mut pager = String::new();
    if page_no > 0 {
        pager.push_str(&format!(
            r#"<a href="/cabinet?page={}" data-testid="page-prev">← Назад</a> "#,
            page_no - 1
        ));
    }
    pager.push_str(&format!(
        r#"<span data-testid="page-of">Страница {} из {pages}</span>"#,
        page_no + 1
    ));
    if page_no + 1 < pages {
        pager.push_str(&format!(
            r#" <a href="/cabinet?page={}" data-testid="page-next">Вперёд →</a>"#,
            page_no + 1
        ));
    }
    let p = &user.profile;
    let ids = match (&p.inn, &p.ogrn) {
        (Some(inn), Some(ogrn)) => format!("ИНН {inn}, ОГРН {ogrn}"),
        (Some(inn), None) => format!("ИНН {inn}"),
        _ => String::new(),
    };
    let kind = if p.kind == "legal_entity" {
        "юридическое лицо"
    } else {
        "физическое лицо"
    };
    Html(page(
        Site::Portal,
        "Личный кабинет",
        &format!(
            r#"<h1 data-testid="cabinet">Личный кабинет</h1>
<p data-testid="cabinet-user">{name}</p>
<p data-testid="cabinet-account">{kind}{sep}{ids}; учётная запись: <span data-testid="account-status">{status}</span></p>
<p><a href="/cabinet/applications/new" data-testid="new-application">Подать заявление</a> · <a href="/cabinet/applications">Мои заявления</a> · <a href="/logout" data-testid="logout">Выйти</a></p>
<p>Электронных паспортов: <span data-testid="epts-total">{total}</span></p>
<table><tr><th>Номер ЭПТС</th><th>VIN</th><th>Марка, модель</th><th>Статус</th><th></th></tr>{rows}</table>
<p class="pager">{pager}</p>"#,
            name = esc(&p.display_name),
            sep = if ids.is_empty() { "" } else { ", " },
            ids = esc(&ids),
            status = esc(p.account_status),
            total = user.vehicles.len(),
        ),
    ))
    .into_response()
}

/// The vehicle `number` of the session's user, with the user's profile.
fn find<'a>(
    s: &'a crate::state::Inner,
    user: u32,
    number: &str,
) -> Option<(&'a crate::data::User, &'a Vehicle)> {
    let u = s.user(user)?;
    let v = u
        .vehicles
        .iter()
        .find(|v| v.vehicle_e_passport_id == number)?;
    Some((u, v))
}

/// A record card: every extract field, the journal, «Скачать PDF».
pub async fn record(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(user_id) = session_user(&sim, &headers) else {
        return to_start(&headers);
    };
    let s = sim.lock();
    let Some((_, v)) = find(&s, user_id, &id) else {
        return not_found();
    };
    let fields: String = extract::rows(v)
        .iter()
        .map(|(label, value)| format!("<tr><td>{}</td><td>{}</td></tr>", esc(label), esc(value)))
        .collect();
    let journal: String = v
        .history
        .iter()
        .map(|h| {
            format!(
                r#"<tr data-testid="history-row"><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                esc(&extract::ru_date(&h.event_date)),
                esc(&h.operation_name),
                esc(&h.description)
            )
        })
        .collect();
    Html(page(
        Site::Portal,
        "Электронный паспорт",
        &format!(
            r#"<h1>ЭПТС {id}</h1>
<p><a class="button" href="/cabinet/epts/{id}/extract.pdf" data-testid="download-pdf">Скачать PDF</a></p>
<table data-testid="record-fields">{fields}</table>
<h2>Журнал операций</h2>
<table><tr><th>Дата</th><th>Операция</th><th>Сведения</th></tr>{journal}</table>
<p><a href="/cabinet">К списку паспортов</a></p>"#,
            id = esc(&v.vehicle_e_passport_id),
        ),
    ))
    .into_response()
}

/// The extract of one record, rendered now.
pub fn extract_pdf(sim: &Sim, user: u32, number: &str) -> Option<Result<Vec<u8>, Response>> {
    let s = sim.lock();
    let (u, v) = find(&s, user, number)?;
    let now = s.clock.now_utc();
    let generated = format!(
        "{:02}.{:02}.{} {:02}:{:02} UTC",
        now.day(),
        u8::from(now.month()),
        now.year(),
        now.hour(),
        now.minute()
    );
    Some(extract::render(v, &u.profile, &generated).map_err(|e| {
        tracing::error!(%e, "portal-sim: extract failed");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }))
}

/// A PDF answer that a browser saves rather than shows (as the cabinet's «Скачать PDF»).
pub fn pdf_attachment(number: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(r#"attachment; filename="epts_{number}.pdf""#),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// «Скачать PDF» in the cabinet.
pub async fn download(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(user_id) = session_user(&sim, &headers) else {
        return to_start(&headers);
    };
    match extract_pdf(&sim, user_id, &id) {
        Some(Ok(bytes)) => pdf_attachment(&id, bytes),
        Some(Err(e)) => e,
        None => not_found(),
    }
}

/// An application sent through the form.
#[derive(Debug, Clone)]
pub struct Application {
    pub number: String,
    pub user: u32,
    pub kind: String,
    pub epts: String,
    pub status: &'static str,
    pub files: Vec<(String, usize)>,
}

const KINDS: [(&str, &str); 4] = [
    ("change", "Внесение изменений в ЭПТС"),
    ("owner", "Смена собственника"),
    ("cancel", "Аннулирование ЭПТС"),
    ("repair", "Сведения о ремонте и обслуживании"),
];

/// The application form: kind, vehicle, scans.
pub async fn application_form(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let Some(user_id) = session_user(&sim, &headers) else {
        return to_start(&headers);
    };
    let s = sim.lock();
    let Some(user) = s.user(user_id) else {
        return to_start(&headers);
    };
    let kinds: String = KINDS
        .iter()
        .map(|(k, label)| format!(r#"<option value="{k}">{label}</option>"#))
        .collect();
    let vehicles: String = user
        .vehicles
        .iter()
        .map(|v| {
            format!(
                r#"<option value="{id}">{id} — {make} {model}</option>"#,
                id = esc(&v.vehicle_e_passport_id),
                make = esc(v.vehicle_make_name),
                model = esc(v.vehicle_commercial_name)
            )
        })
        .collect();
    Html(page(
        Site::Portal,
        "Новое заявление",
        &format!(
            r#"<h1>Новое заявление</h1>
<p>Файлы: PDF, JPG, PNG, TIFF без сжатия, DOCX; не больше 10 МБ каждый и 30 МБ вместе; имена латиницей, цифрами, «-» и «_».</p>
<form method="post" action="/cabinet/applications" enctype="multipart/form-data" data-testid="application-form">
<label for="kind">Вид заявления</label>
<select id="kind" name="kind" data-testid="application-kind">{kinds}</select>
<label for="epts">Электронный паспорт</label>
<select id="epts" name="epts" data-testid="application-epts">{vehicles}</select>
<label for="passport">Паспорт заявителя</label>
<input type="file" id="passport" name="files" accept=".pdf,.jpg,.jpeg,.png,.tif,.tiff" data-testid="file-passport">
<label for="document">Документ-основание</label>
<input type="file" id="document" name="files" accept=".pdf,.jpg,.jpeg,.png,.tif,.tiff,.docx" data-testid="file-document">
<label for="more">Другие документы</label>
<input type="file" id="more" name="files" multiple accept=".pdf,.jpg,.jpeg,.png,.tif,.tiff,.docx" data-testid="file-more">
<button type="submit" data-testid="application-submit">Отправить на проверку</button>
</form>"#
        ),
    ))
    .into_response()
}

/// Why the portal refuses a file, or `None` when it takes it.
fn refusal(name: &str, bytes: &[u8]) -> Option<&'static str> {
    let latin = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !latin {
        return Some("Имя файла: только латинские буквы, цифры, «-» и «_»");
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let format_ok = match ext.as_deref() {
        Some("pdf") => bytes.starts_with(b"%PDF-"),
        Some("jpg" | "jpeg") => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        Some("png") => bytes.starts_with(b"\x89PNG"),
        Some("tif" | "tiff") => bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*"),
        Some("docx") => bytes.starts_with(b"PK"),
        _ => false,
    };
    if !format_ok {
        return Some("Недопустимый формат файла");
    }
    if bytes.len() > FILE_LIMIT {
        return Some("Файл больше 10 МБ");
    }
    if ext.as_deref() == Some("pdf") && bytes.windows(8).any(|w| w == b"/Encrypt") {
        return Some("Файл защищён паролем");
    }
    None
}

/// «Отправить на проверку»: each file «Загружено» or a reason, and the application's number.
pub async fn submit_application(
    State(sim): State<Sim>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let Some(user_id) = session_user(&sim, &headers) else {
        return to_start(&headers);
    };
    let (mut kind, mut epts) = (String::new(), String::new());
    let mut outcomes: Vec<(String, usize, Option<&'static str>)> = Vec::new();
    let mut total = 0usize;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Html(page(
                        Site::Portal,
                        "Ошибка",
                        &format!(
                            r#"<h1 data-error-code="upload_failed">Файлы не приняты</h1><p>{}</p>"#,
                            esc(&e.body_text())
                        ),
                    )),
                )
                    .into_response();
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let Ok(bytes) = field.bytes().await else {
            continue;
        };
        match (name.as_str(), file_name) {
            ("kind", _) => kind = String::from_utf8_lossy(&bytes).into_owned(),
            ("epts", _) => epts = String::from_utf8_lossy(&bytes).into_owned(),
            (_, Some(file)) if !file.is_empty() => {
                let mut reason = refusal(&file, &bytes);
                if reason.is_none() && total + bytes.len() > APPLICATION_LIMIT {
                    reason = Some("Вместе больше 30 МБ на заявление");
                }
                if reason.is_none() {
                    total += bytes.len();
                }
                outcomes.push((file, bytes.len(), reason));
            }
            _ => {}
        }
    }
    let mut s = sim.lock();
    if find(&s, user_id, &epts).is_none() {
        drop(s);
        return not_found();
    }
    let accepted: Vec<(String, usize)> = outcomes
        .iter()
        .filter(|(_, _, r)| r.is_none())
        .map(|(n, l, _)| (n.clone(), *l))
        .collect();
    let number = format!("З-{:08}", 10_000_000 + s.applications.len() + 1);
    let status = if accepted.is_empty() {
        "Черновик"
    } else {
        "В обработке"
    };
    s.applications.push(Application {
        number: number.clone(),
        user: user_id,
        kind: kind.clone(),
        epts: epts.clone(),
        status,
        files: accepted,
    });
    let rows: String = outcomes
        .iter()
        .map(|(file, _, reason)| {
            let (code, text) = match reason {
                None => ("uploaded", "Загружено"),
                Some(r) => ("refused", *r),
            };
            format!(
                r#"<tr data-testid="file-row" data-result="{code}"><td>{}</td><td>{}</td></tr>"#,
                esc(file),
                esc(text)
            )
        })
        .collect();
    Html(page(
        Site::Portal,
        "Заявление отправлено",
        &format!(
            r#"<h1>Заявление <span data-testid="application-number">{number}</span></h1>
<p>Статус: <span data-testid="application-status">{status}</span>. Сохраните номер заявления.</p>
<table>{rows}</table>
<p><a href="/cabinet/applications">Мои заявления</a> · <a href="/cabinet">Личный кабинет</a></p>"#,
            number = esc(&number),
        ),
    ))
    .into_response()
}

/// The user's applications with their statuses.
pub async fn applications(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let Some(user_id) = session_user(&sim, &headers) else {
        return to_start(&headers);
    };
    let s = sim.lock();
    let rows: String = s
        .applications
        .iter()
        .filter(|a| a.user == user_id)
        .map(|a| {
            let kind = KINDS
                .iter()
                .find(|(k, _)| *k == a.kind)
                .map_or(a.kind.as_str(), |(_, label)| label);
            format!(
                r#"<tr data-testid="application-row"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                esc(&a.number),
                esc(kind),
                esc(&a.epts),
                a.files.len(),
                esc(a.status)
            )
        })
        .collect();
    Html(page(
        Site::Portal,
        "Мои заявления",
        &format!(
            r#"<h1>Мои заявления</h1>
<table><tr><th>Номер</th><th>Вид</th><th>ЭПТС</th><th>Файлов</th><th>Статус</th></tr>{rows}</table>
<p><a href="/cabinet/applications/new">Подать заявление</a> · <a href="/cabinet">Личный кабинет</a></p>"#
        ),
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_refused_for_the_reasons_the_portal_gives() {
        assert_eq!(refusal("scan_1.pdf", b"%PDF-1.7 ..."), None);
        assert!(refusal("скан.pdf", b"%PDF-1.7").is_some());
        assert!(refusal("scan.pdf", b"\x89PNG").is_some());
        assert!(refusal("scan.gif", b"GIF89a").is_some());
        assert!(refusal("scan.pdf", b"%PDF-1.7 /Encrypt 5 0 R").is_some());
        let big = [b"%PDF-".as_slice(), &vec![0u8; FILE_LIMIT]].concat();
        assert!(refusal("big.pdf", &big).is_some());
    }
}
