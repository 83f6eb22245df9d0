//! The real app window, driven as a person would use it.

use anyhow::{Result, ensure};
use epts_e2e::{App, Options, run};

/// A synthetic VIN with a correct position-9 check digit.
const VALID_VIN: &str = "XTA21099843576182";

async fn open_validation(app: &App) -> Result<()> {
    app.click("nav-validate").await?;
    app.get("section-validate").await?;
    app.select("id-kind", "vin").await
}

#[tokio::test(flavor = "multi_thread")]
async fn navigation_shows_each_section_and_marks_it_current() -> Result<()> {
    run("navigation", Options::default(), |app| async move {
        // The archive is home.
        app.get("section-archive").await?;
        for section in [
            "prepare", "upload", "portal", "validate", "settings", "archive",
        ] {
            app.click(&format!("nav-{section}")).await?;
            app.get(&format!("section-{section}")).await?;
            app.wait_attr(&format!("nav-{section}"), "aria-current", "page")
                .await?;
            let visible = app.all("[data-testid^='section-']").await?;
            let mut shown = 0;
            for s in visible {
                if s.is_displayed().await? {
                    shown += 1;
                }
            }
            ensure!(shown == 1, "exactly one section is visible, saw {shown}");
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn valid_vin_is_accepted_and_shown_normalised() -> Result<()> {
    run("valid_vin", Options::default(), |app| async move {
        open_validation(&app).await?;
        app.type_into("id-input", " xta-2109984 3576182 ").await?;
        app.wait_attr("id-result", "data-valid", "true").await?;
        let normalized = app.wait_text("id-normalized", VALID_VIN).await?;
        ensure!(
            normalized.contains(VALID_VIN),
            "normalised VIN shown: {normalized}"
        );
        ensure!(
            app.all("[data-testid='id-errors'] [data-code]")
                .await?
                .is_empty(),
            "a valid VIN shows no errors"
        );
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_vin_shows_the_russian_error() -> Result<()> {
    run("invalid_vin", Options::default(), |app| async move {
        open_validation(&app).await?;
        // One character short.
        app.type_into("id-input", &VALID_VIN[..16]).await?;
        app.wait_attr("id-result", "data-valid", "false").await?;
        let errors = app.wait_text("id-errors", "17").await?;
        ensure!(
            errors.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я')),
            "the error is in Russian: {errors}"
        );
        app.wait_css("[data-testid='id-errors'] [data-code='wrong_length']")
            .await?;
        // A letter the VIN alphabet forbids names the problem and suggests the digit.
        app.type_into("id-input", "XTA2109984357618O").await?;
        let error = app
            .wait_css("[data-testid='id-errors'] [data-code='forbidden_letter']")
            .await?
            .text()
            .await?;
        ensure!(error.contains("цифра 0"), "suggests the digit 0: {error}");
        app.wait_attr("id-result", "data-valid", "false").await?;
        app.screenshot(&epts_e2e::artifacts_dir("invalid_vin").join("window.png"))
            .await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_check_digit_is_a_warning_not_a_rejection() -> Result<()> {
    run("vin_check_digit", Options::default(), |app| async move {
        open_validation(&app).await?;
        app.type_into("id-input", "XTA21099043576182").await?;
        app.wait_attr("id-result", "data-valid", "true").await?;
        app.wait_css("[data-testid='id-warnings'] [data-code='vin_check_digit_mismatch']")
            .await?;
        let warnings = app
            .all("[data-testid='id-warnings'] [data-code='vin_check_digit_mismatch']")
            .await?;
        ensure!(warnings.len() == 1, "one check-digit warning is shown");
        // Kept for people to look at (docs/screenshots is refreshed from these).
        app.screenshot(&epts_e2e::artifacts_dir("vin_check_digit").join("window.png"))
            .await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_badge_shows_when_the_portal_is_the_stand_in() -> Result<()> {
    run("sandbox_badge", Options::default(), |app| async move {
        let badge = app.wait_text("sandbox-badge", "Песочница").await?;
        ensure!(badge.contains("Песочница"), "badge text: {badge}");
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn language_and_last_section_survive_a_restart() -> Result<()> {
    let config = tempfile_config()?;
    let options = Options {
        config_dir: Some(config.clone()),
        ..Options::default()
    };
    run("language_switch", options.clone(), |app| async move {
        app.click("nav-settings").await?;
        app.click("lang-en").await?;
        app.wait_text("nav-archive", "Archive").await?;
        Ok(())
    })
    .await?;
    run("language_after_restart", options, |app| async move {
        // The app reopens where the user left it, in the language chosen.
        app.get("section-settings").await?;
        app.wait_attr("nav-settings", "aria-current", "page")
            .await?;
        app.wait_text("nav-archive", "Archive").await?;
        app.click("nav-validate").await?;
        app.select("id-kind", "vin").await?;
        app.type_into("id-input", &VALID_VIN[..16]).await?;
        app.wait_attr("id-result", "data-valid", "false").await?;
        let errors = app.wait_text("id-errors", "17").await?;
        ensure!(
            !errors.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я')),
            "messages follow the language too: {errors}"
        );
        Ok(())
    })
    .await?;
    let _ = std::fs::remove_dir_all(&config);
    Ok(())
}

fn tempfile_config() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("epts-e2e-config-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
