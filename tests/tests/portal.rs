//! Logging in through Gosuslugi in the real portal window, and what that window may not do.

use anyhow::{Context, Result, bail, ensure};
use epts_core::portal::{KEYRING_SERVICE, SessionKeeper};
use epts_core::vault::OsKeyring;
use epts_e2e::{App, Options, SharedSim, run};
use portal_sim::{Fault, LoginFailure};
use std::time::{Duration, Instant};

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

        // The sim's own hostile page tries commands and events by itself.
        app.driver()
            .goto(format!("{}/probe", app.portal_url.trim_end_matches('/')))
            .await?;
        app.wait_css("[data-testid='probe-result'][data-done='true']")
            .await?;
        let outcome = app.attr("probe-result", "data-outcome").await?;
        let text = app.text("probe-result").await?;
        eprintln!("sim probe page: {text}");
        ensure!(
            matches!(outcome.as_deref(), Some("blocked" | "absent")),
            "the probe page reached the app: {text}"
        );
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

/// The archive folder and config folder one user keeps across app runs.
struct Home {
    _dir: tempfile::TempDir,
    options: Options,
}

fn home(sim: &portal_sim::Running) -> Result<Home> {
    let dir = tempfile::tempdir()?;
    let options = Options {
        config_dir: Some(dir.path().join("config")),
        vault_dir: Some(dir.path().join("archive")),
        portal: Some(SharedSim::of(sim)),
        ..Options::default()
    };
    Ok(Home { _dir: dir, options })
}

fn keyring_expected() -> bool {
    std::env::var_os("EPTS_TEST_SECRET_SERVICE").is_some()
}

const ARCHIVE_PASS: &str = "e2e archive passphrase 42";

/// First run: the archive with its key in the keyring, or (without one) a passphrase.
async fn create_archive(app: &App) -> Result<()> {
    app.click("nav-archive").await?;
    app.get("archive-setup").await?;
    if !keyring_expected() {
        app.type_into("setup-passphrase", ARCHIVE_PASS).await?;
        app.type_into("setup-repeat", ARCHIVE_PASS).await?;
    }
    app.click("setup-create").await?;
    app.wait_attr("section-archive", "data-archive-state", "open")
        .await
}

/// Later runs: without a keyring the archive asks for its passphrase.
async fn open_archive(app: &App) -> Result<()> {
    app.click("nav-archive").await?;
    if !keyring_expected() {
        app.type_into("unlock-passphrase", ARCHIVE_PASS).await?;
        app.click("unlock-submit").await?;
    }
    app.wait_attr("section-archive", "data-archive-state", "open")
        .await
}

/// The whole Gosuslugi flow in the portal window: login, password, the code the sim
/// "sent", consent.
async fn full_login(app: &App) -> Result<()> {
    full_login_as(app, LOGIN, PASSWORD, "Петров Иван Сергеевич").await
}

async fn full_login_as(app: &App, login: &str, password: &str, name: &str) -> Result<()> {
    app.click("nav-portal").await?;
    app.click("portal-login").await?;
    app.switch_to_portal_window().await?;
    app.type_into("esia-login-input", login).await?;
    app.type_into("esia-password-input", password).await?;
    app.click("esia-submit").await?;
    app.get("esia-code-input").await?;
    let code = app.sim.last_code(login).context("the sim sent a code")?;
    app.type_into("esia-code-input", &code).await?;
    app.click("esia-code-submit").await?;
    app.click("esia-consent-allow").await?;
    app.switch_to_main_window().await?;
    app.wait_text("portal-user-name", name).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn login_sync_download_survive_a_restart_and_logout_forgets_the_session() -> Result<()> {
    let sim = portal_sim::start(0).await?;
    let home = home(&sim)?;
    let kept_in = if keyring_expected() {
        "связке ключей"
    } else {
        "архиве"
    };

    run(
        "portal_sync_first_run",
        home.options.clone(),
        |app| async move {
            create_archive(&app).await?;
            full_login(&app).await?;
            app.wait_text("portal-kept-in", kept_in).await?;

            app.click("portal-sync").await?;
            let result = app.wait_text("portal-sync-result", "Новых: 3").await?;
            ensure!(result.contains("выписок: 3"), "{result}");
            app.get("portal-last-sync").await?;
            app.screenshot(&epts_e2e::artifacts_dir("portal_sync_first_run").join("portal.png"))
                .await?;

            // The records are in «Архив», with their extracts.
            app.click("portal-open-archive").await?;
            app.wait_text("archive-count", "3").await?;
            let rows = app.all("[data-testid='archive-row']").await?;
            ensure!(rows.len() == 3, "{} rows", rows.len());
            app.type_into("archive-search", "164301027000002").await?;
            app.wait_text("archive-count", "Найдено: 1").await?;
            app.screenshot(&epts_e2e::artifacts_dir("portal_sync_first_run").join("archive.png"))
                .await?;
            Ok(())
        },
    )
    .await?;

    // The portal changes one record; the app restarts and is still logged in.
    let changed = sim.sim().touch(LOGIN, 1).context("the owner's records")?;
    run(
        "portal_sync_second_run",
        home.options.clone(),
        |app| async move {
            open_archive(&app).await?;
            app.click("nav-portal").await?;
            let name = app
                .wait_text("portal-user-name", "Петров Иван Сергеевич")
                .await?;
            ensure!(name.contains("Петров"));
            app.wait_text("portal-kept-in", kept_in).await?;
            app.click("portal-sync").await?;
            let result = app.wait_text("portal-sync-result", "обновлено: 1").await?;
            ensure!(
                result.contains("Новых: 0"),
                "only the change came: {result}"
            );

            // A download in the portal's cabinet lands in the archive, attached to the vehicle.
            app.click("portal-open-cabinet").await?;
            app.switch_to_portal_window().await?;
            let link = app
                .wait_css(&format!(
                    "a[href='/cabinet/epts/{}/extract.pdf']",
                    changed[0]
                ))
                .await?;
            link.click().await?;
            app.switch_to_main_window().await?;
            let notice = app.wait_text("portal-download-notice", "сохранён").await?;
            ensure!(
                notice.contains(&format!("epts_{}.pdf", changed[0])),
                "{notice}"
            );
            ensure!(notice.contains("VIN"), "attached to the vehicle: {notice}");
            app.screenshot(&epts_e2e::artifacts_dir("portal_sync_second_run").join("download.png"))
                .await?;

            Ok(())
        },
    )
    .await?;

    // The portal goes away: the app still knows who is logged in, says the portal is out
    // of reach with the time of the archive's data, and the archive works as before.
    let portal_url = sim.url();
    sim.stop().await?;
    run(
        "portal_sync_offline",
        home.options.clone(),
        |app| async move {
            open_archive(&app).await?;
            app.wait_text("archive-count", "3").await?;
            app.click("nav-portal").await?;
            let notice = app
                .wait_text("portal-offline", "Нет связи с порталом — показан архив от")
                .await?;
            ensure!(has_stamp(&notice), "the time of the last sync: {notice}");
            app.wait_text("portal-user-name", "Петров Иван Сергеевич")
                .await?;
            app.screenshot(&epts_e2e::artifacts_dir("portal_sync_offline").join("portal.png"))
                .await?;
            // Logout works without the portal: the session is forgotten here.
            app.click("portal-logout").await?;
            app.get("portal-login").await?;
            // Logging out keeps the archive.
            app.click("nav-archive").await?;
            app.wait_text("archive-count", "3").await?;
            Ok(())
        },
    )
    .await?;

    if keyring_expected() {
        let keeper = SessionKeeper::with_keyring(Some(OsKeyring::with_service(KEYRING_SERVICE)?));
        ensure!(
            keeper.load(&portal_url, None)?.is_none(),
            "logout removed the session from the keyring"
        );
    }
    run(
        "portal_sync_after_logout",
        home.options.clone(),
        |app| async move {
            open_archive(&app).await?;
            app.click("nav-portal").await?;
            app.get("portal-login").await?;
            ensure!(app.all("[data-testid='portal-user']").await?.is_empty());
            Ok(())
        },
    )
    .await
}

/// Whether `text` holds a moment as the app shows it: `ДД.ММ.ГГГГ ЧЧ:ММ`.
fn has_stamp(text: &str) -> bool {
    let shape = text
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect::<String>();
    shape.contains("99.99.9999 99:99")
}

/// One step on whatever page the portal window shows; true when the password was typed.
async fn login_step(app: &App, typed_password: bool) -> Result<bool> {
    app.switch_to_portal_window().await?;
    if !typed_password
        && !app
            .all("[data-testid='esia-login-input']")
            .await?
            .is_empty()
    {
        pass_gosuslugi(app, PASSWORD).await?;
        return Ok(true);
    }
    if !app.all("[data-testid='esia-code-input']").await?.is_empty() {
        let code = app.sim.last_code(LOGIN).context("a code")?;
        app.type_into("esia-code-input", &code).await?;
        app.click("esia-code-submit").await?;
    } else if !app
        .all("[data-testid='esia-consent-allow']")
        .await?
        .is_empty()
    {
        app.click("esia-consent-allow").await?;
    }
    Ok(false)
}

/// Steps through whatever page the portal window shows until the login ends; returns the
/// app's error message.
async fn login_until_it_fails(app: &App) -> Result<String> {
    app.click("portal-login").await?;
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut typed_password = false;
    loop {
        if Instant::now() > deadline {
            bail!("the login never ended");
        }
        app.switch_to_main_window().await?;
        if let Some(banner) = app
            .all("[data-testid='error-banner']")
            .await?
            .into_iter()
            .next()
        {
            return Ok(banner.text().await?);
        }
        let handles = app.driver().windows().await?;
        if handles.len() < 2 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        // The window may close under our hands when the login ends: a failed step is
        // simply looked at again.
        match login_step(app, typed_password).await {
            Ok(true) => typed_password = true,
            Ok(false) => {}
            Err(e) => eprintln!("login step: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_login_failure_is_explained_in_the_app_with_the_next_step() -> Result<()> {
    // What the app says (the banner) for each failure the sim can force.
    let cases = [
        (
            LoginFailure::AccountBlocked,
            "esia_account_blocked",
            "заблокировали учётную запись",
        ),
        (
            LoginFailure::CodeBlocked,
            "esia_code_blocked",
            "Подождите 15–30 минут",
        ),
        (
            LoginFailure::NotConfirmed,
            "esia_not_confirmed",
            "Подтвердите личность",
        ),
        (
            LoginFailure::CodeExpired,
            "esia_code_expired",
            "код живёт около 5 минут",
        ),
        (
            LoginFailure::ConsentRefused,
            "login_consent_refused",
            "нажмите «Предоставить»",
        ),
        (
            LoginFailure::RedirectMismatch,
            "esia_redirect_mismatch",
            "Недопустимый адрес перенаправления",
        ),
        (
            LoginFailure::AuthCodeInvalid,
            "login_code_invalid",
            "не принял код авторизации",
        ),
        (
            LoginFailure::SessionLost,
            "login_session_lost",
            "Разрешите cookie",
        ),
        (
            LoginFailure::NotLinked,
            "login_account_not_found",
            "Зарегистрируйтесь",
        ),
    ];
    run(
        "portal_login_failures",
        Options::default(),
        |app| async move {
            app.click("nav-portal").await?;
            for (failure, code, words) in cases {
                app.sim
                    .set_fault(Some(Fault::LoginError { error: failure }), Some(1));
                let message = login_until_it_fails(&app).await?;
                let shown_code = app.attr("error-banner", "data-code").await?;
                eprintln!("{failure:?}: {message}");
                ensure!(
                    shown_code.as_deref() == Some(code),
                    "{failure:?} shown as {shown_code:?}"
                );
                ensure!(message.contains(words), "{failure:?}: «{message}»");
                ensure!(
                    app.driver().windows().await?.len() == 1,
                    "the portal window closed after {failure:?}"
                );
                // Not logged in, and the button is there for the next try.
                app.get("portal-login").await?;
                ensure!(app.all("[data-testid='portal-user']").await?.is_empty());
                if failure == LoginFailure::AccountBlocked {
                    app.screenshot(
                        &epts_e2e::artifacts_dir("portal_login_failures").join("blocked.png"),
                    )
                    .await?;
                }
                app.sim.set_fault(None, None);
            }

            // Failures of the portal itself stop the login before the window opens.
            let portal_faults = [
                (
                    Fault::ClockSkew { seconds: 900 },
                    "clock_skewed",
                    "Часы компьютера",
                ),
                (
                    Fault::Maintenance,
                    "portal_maintenance",
                    "плановые технические работы",
                ),
                (
                    Fault::Status { status: 502 },
                    "portal_server_error",
                    "ошибка 502",
                ),
            ];
            for (fault, code, words) in portal_faults {
                app.sim.set_fault(Some(fault.clone()), None);
                app.click("portal-login").await?;
                app.wait_attr("error-banner", "data-code", code).await?;
                let message = app.text("error-banner").await?;
                eprintln!("{fault:?}: {message}");
                ensure!(message.contains(words), "{fault:?}: «{message}»");
                ensure!(
                    app.driver().windows().await?.len() == 1,
                    "no portal window opened for {fault:?}"
                );
                app.sim.set_fault(None, None);
            }
            Ok(())
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dealership_sync_shows_progress_stops_and_resumes_where_it_stopped() -> Result<()> {
    run("portal_dealer_sync", Options::default(), |app| async move {
        create_archive(&app).await?;
        full_login_as(
            &app,
            "dealer@example.ru",
            "dealer-pass",
            "ООО «Автодом Север»",
        )
        .await?;
        // A slow portal, so that «Остановить» comes in the middle.
        app.sim.set_fault(Some(Fault::Slow { delay_ms: 15 }), None);
        app.click("portal-sync").await?;
        app.wait_attr("portal-sync-progress", "data-phase", "records")
            .await?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let done: usize = app
                .attr("portal-sync-progress", "data-done")
                .await?
                .unwrap_or_default()
                .parse()
                .unwrap_or(0);
            if done >= 20 {
                break;
            }
            ensure!(Instant::now() < deadline, "the sync never got going");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let shown = app.text("portal-sync-progress").await?;
        ensure!(shown.contains("из 500"), "progress: {shown}");
        app.screenshot(&epts_e2e::artifacts_dir("portal_dealer_sync").join("progress.png"))
            .await?;
        app.click("portal-sync-cancel").await?;
        app.wait_attr("portal-sync-result", "data-cancelled", "true")
            .await?;
        let stopped = app.text("portal-sync-result").await?;
        ensure!(stopped.contains("Остановлено"), "{stopped}");
        let inserted: usize = stopped
            .split("Новых: ")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.trim().parse().ok())
            .context("the count of new records")?;
        ensure!((20..500).contains(&inserted), "stopped after {inserted}");

        // The next sync goes on from there: only the rest is new.
        app.sim.set_fault(None, None);
        app.click("portal-sync").await?;
        let rest = app
            .wait_text_within(
                "portal-sync-result",
                &format!("Новых: {}", 500 - inserted),
                Duration::from_secs(120),
            )
            .await?;
        ensure!(!rest.contains("Остановлено"), "{rest}");
        app.click("portal-open-archive").await?;
        app.wait_text("archive-count", "500").await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kept_session_that_ended_on_the_portal_asks_for_a_new_login() -> Result<()> {
    let sim = portal_sim::start(0).await?;
    let home = home(&sim)?;
    run(
        "portal_session_ends",
        home.options.clone(),
        |app| async move {
            create_archive(&app).await?;
            full_login(&app).await?;
            Ok(())
        },
    )
    .await?;
    sim.sim().expire(portal_sim::Expirable::Sessions);
    run(
        "portal_session_ended",
        home.options.clone(),
        |app| async move {
            open_archive(&app).await?;
            app.click("nav-portal").await?;
            let notice = app
                .wait_text("portal-session-expired", "Сеанс на портале закончился")
                .await?;
            ensure!(notice.contains("войдите снова"), "{notice}");
            app.get("portal-login").await?;
            Ok(())
        },
    )
    .await?;
    if keyring_expected() {
        let keeper = SessionKeeper::with_keyring(Some(OsKeyring::with_service(KEYRING_SERVICE)?));
        ensure!(
            keeper.load(&sim.url(), None)?.is_none(),
            "the ended session was forgotten"
        );
    }
    sim.stop().await?;
    Ok(())
}
