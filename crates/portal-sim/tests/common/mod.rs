//! Helpers shared by the integration tests: a browser with cookies, the login steps, and
//! reading the machine-readable markers of pages.
#![allow(dead_code)]

use portal_sim::Running;
use reqwest::{Client, StatusCode};

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

pub fn browser() -> Result<Client> {
    Ok(Client::builder().cookie_store(true).build()?)
}

/// The value of a hidden `name="flow"` input in a page.
pub fn flow(page: &str) -> Result<String> {
    let at = page
        .find(r#"name="flow" value=""#)
        .ok_or("no flow field in page")?;
    let rest = &page[at + r#"name="flow" value=""#.len()..];
    Ok(rest[..rest.find('"').ok_or("unterminated")?].to_owned())
}

pub fn error_code(page: &str) -> Option<&str> {
    let at = page.find(r#"data-error-code=""#)?;
    let rest = &page[at + r#"data-error-code=""#.len()..];
    rest.find('"').map(|end| &rest[..end])
}

pub struct Step {
    pub status: StatusCode,
    pub url: String,
    pub body: String,
}

pub async fn send(req: reqwest::RequestBuilder) -> Result<Step> {
    let resp = req.send().await?;
    Ok(Step {
        status: resp.status(),
        url: resp.url().to_string(),
        body: resp.text().await?,
    })
}

/// Presses «Войти через Госуслуги» and types login and password.
pub async fn to_code_step(sim: &Running, b: &Client, login: &str, password: &str) -> Result<Step> {
    let form = send(b.get(format!("{}login", sim.url()))).await?;
    assert!(
        form.body.contains("esia-login-input"),
        "ESIA login form: {}",
        form.body
    );
    let flow = flow(&form.body)?;
    send(b.post(format!("{}esia/login", sim.url())).form(&[
        ("flow", flow.as_str()),
        ("login", login),
        ("password", password),
    ]))
    .await
}

pub async fn code_for(sim: &Running, login: &str) -> Result<String> {
    let v: serde_json::Value = plain(sim)?
        .get(format!("{}__sim/code?login={login}", sim.url()))
        .send()
        .await?
        .json()
        .await?;
    Ok(v["code"].as_str().ok_or("no code")?.to_owned())
}

/// A client without cookies that trusts the stand-in's test CA when it serves TLS.
pub fn plain(sim: &Running) -> Result<Client> {
    let mut builder = Client::builder();
    if let Some(pem) = sim.ca_pem() {
        builder = builder.tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes())?]);
    }
    Ok(builder.build()?)
}

pub async fn confirm(sim: &Running, b: &Client, page: &str, code: &str) -> Result<Step> {
    let flow = flow(page)?;
    send(
        b.post(format!("{}esia/confirm", sim.url()))
            .form(&[("flow", flow.as_str()), ("code", code)]),
    )
    .await
}

/// A full successful login; returns the cabinet page.
pub async fn log_in(sim: &Running, b: &Client, login: &str, password: &str) -> Result<Step> {
    let code_page = to_code_step(sim, b, login, password).await?;
    let code = code_for(sim, login).await?;
    let next = confirm(sim, b, &code_page.body, &code).await?;
    if next.body.contains("esia-consent-allow") {
        let flow = flow(&next.body)?;
        return send(
            b.post(format!("{}esia/consent", sim.url()))
                .form(&[("flow", flow.as_str()), ("decision", "allow")]),
        )
        .await;
    }
    Ok(next)
}

/// A control request to the stand-in's test-only endpoints; returns the status.
pub async fn control(sim: &Running, path: &str, body: serde_json::Value) -> Result<StatusCode> {
    Ok(plain(sim)?
        .post(format!("{}{path}", sim.url()))
        .json(&body)
        .send()
        .await?
        .status())
}

/// GETs a JSON document with the browser's cookies.
pub async fn get_json(
    sim: &Running,
    b: &Client,
    path: &str,
) -> Result<(StatusCode, serde_json::Value)> {
    let r = b.get(format!("{}{path}", sim.url())).send().await?;
    let status = r.status();
    Ok((status, r.json().await?))
}

/// A browser that is logged in as `login` through the real flow.
pub async fn logged_in(sim: &Running, login: &str, password: &str) -> Result<Client> {
    let b = browser()?;
    let cabinet = log_in(sim, &b, login, password).await?;
    assert!(
        cabinet.url.ends_with("/cabinet"),
        "{}: {}",
        cabinet.url,
        cabinet.body
    );
    Ok(b)
}

/// The code the code page shows (`data-testid="esia-sandbox-code"`), and its text.
pub fn shown_code(page: &str) -> Option<(String, String)> {
    let at = page.find(r#"data-testid="esia-sandbox-code""#)?;
    let rest = &page[at..];
    let code_at = rest.find(r#"data-code=""#)? + r#"data-code=""#.len();
    let code = &rest[code_at..code_at + rest[code_at..].find('"')?];
    let text_at = rest.find('>')? + 1;
    let text = &rest[text_at..text_at + rest[text_at..].find("</p>")?];
    let text = text.replace("<strong>", "").replace("</strong>", "");
    Some((code.to_owned(), text))
}

/// Logs in with nothing but what the pages show, as a person in the sandbox does.
pub async fn log_in_from_pages(
    sim: &Running,
    b: &Client,
    login: &str,
    password: &str,
) -> Result<Step> {
    let page = to_code_step(sim, b, login, password).await?;
    let (code, text) = shown_code(&page.body).ok_or("the code page shows the code")?;
    assert_eq!(text, format!("Песочница: ваш код {code}"));
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
    let next = confirm(sim, b, &page.body, &code).await?;
    if next.body.contains("esia-consent-allow") {
        let flow = flow(&next.body)?;
        return send(
            b.post(format!("{}esia/consent", sim.url()))
                .form(&[("flow", flow.as_str()), ("decision", "allow")]),
        )
        .await;
    }
    Ok(next)
}
