//! Logging in through Gosuslugi in the real portal window, and what that window may not do.

use anyhow::{Context, Result, ensure};
use epts_e2e::{App, Options, run};

const LOGIN: &str = "owner@example.ru";
const PASSWORD: &str = "owner-pass";

/// Types login and password on the ESIA page of the portal window.
async fn pass_gosuslugi(app: &App, password: &str) -> Result<()> {
    app.switch_to_portal_window().await?;
    app.type_into("esia-login-input", LOGIN).await?;
    app.type_into("esia-password-input", password).await?;
    app.click("esia-submit").await
}

#[tokio::test(flavor = "multi_thread")]
async fn gosuslugi_login_in_the_portal_window_brings_the_user_into_the_app() -> Result<()> {
    run("portal_login", Options::default(), |app| async move {
        app.click("nav-portal").await?;
        app.click("portal-login").await?;
        app.get("portal-waiting").await?;
        pass_gosuslugi(&app, PASSWORD).await?;
        app.get("esia-code-input").await?;
        let code = app.sim.last_code(LOGIN).context("the sim sent a code")?;
        app.type_into("esia-code-input", &code).await?;
        app.click("esia-code-submit").await?;
        app.click("esia-consent-allow").await?;

        // The shell closes the portal window once the cabinet has loaded.
        app.switch_to_main_window().await?;
        let name = app
            .wait_text("portal-user-name", "Петров Иван Сергеевич")
            .await?;
        ensure!(name == "Петров Иван Сергеевич");
        let card = app.text("portal-user").await?;
        ensure!(card.contains("770123456703"), "the INN is shown: {card}");
        app.screenshot(&epts_e2e::artifacts_dir("portal_login").join("window.png"))
            .await?;
        ensure!(
            app.driver().windows().await?.len() == 1,
            "the portal window is gone"
        );

        app.click("portal-logout").await?;
        app.get("portal-login").await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_portal_window_cannot_call_the_apps_commands() -> Result<()> {
    // Resolves with what happened to an `app_info` call from the current page.
    const PROBE: &str = r#"
        const done = arguments[arguments.length - 1];
        const ipc = window.__TAURI_INTERNALS__;
        if (!ipc || typeof ipc.invoke !== 'function') { done('no-ipc'); return; }
        ipc.invoke('app_info').then(
            (r) => done('allowed:' + JSON.stringify(r)),
            (e) => done('refused:' + String(e)));
    "#;
    run("portal_ipc_refused", Options::default(), |app| async move {
        // The same probe in the app's own window is allowed: the check can tell the two apart.
        let own = app.js_async(PROBE).await?;
        ensure!(
            own.as_str().is_some_and(|s| s.starts_with("allowed:")),
            "main window: {own}"
        );

        app.click("nav-portal").await?;
        app.click("portal-login").await?;
        app.switch_to_portal_window().await?;
        app.get("esia-login-input").await?;
        let remote = app.js_async(PROBE).await?;
        let remote = remote.as_str().unwrap_or_default().to_owned();
        eprintln!("portal window probe: {remote}");
        ensure!(
            remote == "no-ipc" || remote.starts_with("refused:"),
            "a portal page reached a command: {remote}"
        );
        if let Some(reason) = remote.strip_prefix("refused:") {
            ensure!(
                reason.contains("not allowed"),
                "refused by the ACL: {reason}"
            );
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_explained_in_the_portal_window_and_nothing_changes() -> Result<()> {
    run(
        "portal_wrong_password",
        Options::default(),
        |app| async move {
            app.click("nav-portal").await?;
            app.click("portal-login").await?;
            pass_gosuslugi(&app, "wrong-password").await?;
            let error = app
                .wait_css("[data-error-code='ESIA-007002']")
                .await?
                .text()
                .await?;
            ensure!(error.contains("Неверный логин или пароль"), "{error}");
            app.screenshot(&epts_e2e::artifacts_dir("portal_wrong_password").join("portal.png"))
                .await?;
            app.switch_to_main_window().await?;
            app.get("portal-waiting").await?;
            ensure!(app.all("[data-testid='portal-user']").await?.is_empty());
            Ok(())
        },
    )
    .await
}
