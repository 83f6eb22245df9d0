//! The cabinet's pages as a person sees them: the list in pages, a record card, «Скачать
//! PDF», the application form, and the IPC probe page.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

mod common;

use common::*;

const DEALER: &str = "dealer@example.ru";
const DEALER_PASS: &str = "dealer-pass";

#[tokio::test]
async fn the_dealer_pages_through_the_list_and_opens_a_card() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = logged_in(&sim, DEALER, DEALER_PASS).await?;
    let first = send(b.get(format!("{}cabinet", sim.url()))).await?;
    assert_eq!(first.body.matches(r#"data-testid="epts-row""#).count(), 50);
    assert!(first.body.contains("Страница 1 из 10"));
    assert!(first.body.contains("ИНН 7712345671, ОГРН 1027700123450"));
    assert!(first.body.contains("юридическое лицо"));
    assert!(
        first
            .body
            .contains(r#"data-testid="account-status">активна<"#)
    );
    assert!(first.body.contains(r#"data-testid="page-next""#));
    let last = send(b.get(format!("{}cabinet?page=9", sim.url()))).await?;
    assert_eq!(last.body.matches(r#"data-testid="epts-row""#).count(), 50);
    assert!(last.body.contains("Страница 10 из 10"));
    assert!(!last.body.contains(r#"data-testid="page-next""#));

    let card = send(b.get(format!("{}cabinet/epts/164301027000107", sim.url()))).await?;
    assert_eq!(card.status, StatusCode::OK);
    for label in [
        "Номер ЭПТС",
        "Коммерческое наименование",
        "Экологический класс",
        "ОТТС / СБКТС",
        "Утилизационный сбор",
        "ЭРА-ГЛОНАСС",
        "Журнал операций",
        "Оформление ЭПТС",
        "ООО «Автодом Север»",
    ] {
        assert!(
            card.body.contains(&html_escape(label)),
            "card shows {label}"
        );
    }
    assert!(card.body.matches(r#"data-testid="history-row""#).count() >= 2);
    assert!(
        card.body
            .contains(r#"href="/cabinet/epts/164301027000107/extract.pdf""#)
    );

    // Someone else's passport is not there, as the real cabinet says it.
    let foreign = send(b.get(format!("{}cabinet/epts/164301027000001", sim.url()))).await?;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&foreign.body), Some("not_found"));
    assert!(foreign.body.contains("Недостаточно сведений"));
    Ok(())
}

/// The page helper escapes quotes and angle brackets; «» stay as they are.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;")
}

#[tokio::test]
async fn skachat_pdf_is_an_attachment_and_needs_a_session() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = logged_in(&sim, "owner@example.ru", "owner-pass").await?;
    let r = b
        .get(format!(
            "{}cabinet/epts/164301027000002/extract.pdf",
            sim.url()
        ))
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(
        r.headers()["content-disposition"],
        r#"attachment; filename="epts_164301027000002.pdf""#
    );
    assert!(r.bytes().await?.starts_with(b"%PDF-"));

    let stranger = send(browser()?.get(format!(
        "{}cabinet/epts/164301027000002/extract.pdf",
        sim.url()
    )))
    .await?;
    assert!(
        stranger.url.ends_with('/'),
        "to the start page: {}",
        stranger.url
    );
    assert!(stranger.body.contains("Войти через Госуслуги"));
    Ok(())
}

#[tokio::test]
async fn an_application_takes_good_files_and_names_why_others_are_refused() -> Result {
    let sim = portal_sim::start(0).await?;
    let b = logged_in(&sim, "owner@example.ru", "owner-pass").await?;
    let form = send(b.get(format!("{}cabinet/applications/new", sim.url()))).await?;
    assert_eq!(form.body.matches(r#"type="file""#).count(), 3);
    assert!(form.body.contains(r#"enctype="multipart/form-data""#));
    assert!(form.body.contains("164301027000001"));

    let file = |name: &str, bytes: &[u8]| Part::bytes(bytes.to_vec()).file_name(name.to_owned());
    let upload = Form::new()
        .text("kind", "owner")
        .text("epts", "164301027000001")
        .part("files", file("petrov_ivan_pasport.pdf", b"%PDF-1.7\n%%EOF"))
        .part("files", file("скан.pdf", b"%PDF-1.7\n%%EOF"))
        .part("files", file("photo.gif", b"GIF89a"))
        .part("files", file("dogovor.jpg", &[0xFF, 0xD8, 0xFF, 0xE0]))
        .part("files", file("secret.pdf", b"%PDF-1.7 /Encrypt 9 0 R"));
    let result = send(
        b.post(format!("{}cabinet/applications", sim.url()))
            .multipart(upload),
    )
    .await?;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    assert_eq!(
        result.body.matches(r#"data-result="uploaded""#).count(),
        2,
        "{}",
        result.body
    );
    assert_eq!(result.body.matches(r#"data-result="refused""#).count(), 3);
    assert!(result.body.contains("Имя файла: только латинские буквы"));
    assert!(result.body.contains("Недопустимый формат файла"));
    assert!(result.body.contains("Файл защищён паролем"));
    assert!(result.body.contains("В обработке"));
    let needle = r#"data-testid="application-number">"#;
    let number_at = result.body.find(needle).ok_or("number shown")? + needle.len();
    let number = &result.body[number_at..number_at + "З-10000001".len()];
    assert_eq!(number, "З-10000001");

    let list = send(b.get(format!("{}cabinet/applications", sim.url()))).await?;
    assert!(list.body.contains("З-10000001"));
    assert!(list.body.contains("Смена собственника"));
    Ok(())
}

#[tokio::test]
async fn the_probe_page_reports_into_a_known_element() -> Result {
    let sim = portal_sim::start(0).await?;
    let open = send(browser()?.get(format!("{}probe", sim.url()))).await?;
    assert_eq!(open.status, StatusCode::OK);
    for needle in [
        r#"id="probe-result""#,
        r#"data-done="false""#,
        "window.__TAURI_INTERNALS__",
        "window.__TAURI__",
        "invoke('app_info')",
        "'CALLED: '",
        "'blocked: '",
    ] {
        assert!(open.body.contains(needle), "probe has {needle}");
    }
    // Inside the cabinet it needs a session, as every cabinet page does.
    let stranger = send(browser()?.get(format!("{}cabinet/probe", sim.url()))).await?;
    assert!(!stranger.body.contains("probe-result"));
    let b = logged_in(&sim, "owner@example.ru", "owner-pass").await?;
    let inside = send(b.get(format!("{}cabinet/probe", sim.url()))).await?;
    assert!(inside.body.contains(r#"id="probe-result""#));
    Ok(())
}
