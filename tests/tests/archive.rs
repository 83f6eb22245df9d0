//! «Архив» in the real window: first-run setup with the OS keyring, the lock screen, search
//! over a seeded archive, the ePTS card, and documents drawn from the app's own protocol.

use anyhow::{Result, ensure};
use epts_core::vault::{KdfParams, Vault};
use epts_e2e::{App, Options, run};
use std::path::{Path, PathBuf};

const PASS: &str = "синий трактор едет в поле";

/// An archive of 300 synthetic records; record 1 has an extract PDF and a photo attached.
fn seeded_vault(dir: &Path) -> Result<()> {
    let mut v = Vault::create(dir, PASS, KdfParams::INSECURE_FOR_TESTS)?;
    for n in 0..300 {
        v.upsert_record(epts_synth::record(n))?;
    }
    let mut changed = epts_synth::record(1);
    changed.owner = Some("Соколова Анна Петровна".into());
    v.upsert_record(changed)?;
    let r = epts_synth::record(1);
    v.import_bytes(
        "Выписка.pdf",
        &epts_synth::extract_pdf(&r, 40_000),
        Some(&r.vin),
    )?;
    let photo = shared_testdata().join("exif-orientation/Landscape_1.jpg");
    v.import_file(&photo, Some(&r.vin))?;
    Ok(())
}

fn shared_testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata")
}

/// Where the flow's screenshots go (never into the source tree; docs/screenshots holds
/// copies chosen by hand).
fn screenshots() -> PathBuf {
    epts_e2e::artifacts_dir("archive_browse")
}

async fn wait_count(app: &App, selector: &str, expected: usize) -> Result<()> {
    for _ in 0..100 {
        if app.all(selector).await?.len() == expected {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("`{selector}` never matched {expected} elements")
}

async fn wait_rows(app: &App, expected: usize) -> Result<()> {
    for _ in 0..100 {
        if app
            .all("[data-testid='archive-row'][data-epts^='1643']")
            .await?
            .len()
            == expected
        {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the list never showed {expected} rows")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lock_screen_search_card_and_documents_work_offline() -> Result<()> {
    let vault = tempfile::tempdir()?;
    seeded_vault(vault.path())?;
    let options = Options {
        vault_dir: Some(vault.path().to_owned()),
        ..Options::default()
    };
    run("archive_browse", options, |app| async move {
        app.wait_attr("section-archive", "data-archive-state", "locked")
            .await?;
        app.type_into("unlock-passphrase", "не та фраза").await?;
        app.click("unlock-submit").await?;
        app.wait_text("unlock-error", "Неверная парольная фраза")
            .await?;
        app.type_into("unlock-passphrase", PASS).await?;
        app.click("unlock-submit").await?;
        app.wait_attr("section-archive", "data-archive-state", "open")
            .await?;
        app.wait_text("archive-count", "300").await?;

        // A VIN typed in lower case with spaces finds its one record.
        let r = epts_synth::record(1);
        let typed = format!("{} {}", &r.vin[..5].to_lowercase(), &r.vin[5..11]);
        app.type_into("archive-search", &typed).await?;
        app.wait_text("archive-count", "Найдено: 1").await?;
        wait_rows(&app, 1).await?;
        app.wait_css(&format!("[data-testid='archive-row'][data-epts='{}']", r.epts_number))
            .await?
            .click()
            .await?;
        app.wait_text("card-vin", &r.vin).await?;
        // The timeline is below the fold: scroll to it as a person would.
        app.get("card-history").await?;
        app.js("document.querySelector(\"[data-testid='card-history']\").scrollIntoView()")
            .await?;
        app.wait_text("card-history", "→ Соколова Анна Петровна")
            .await?;
        app.js("document.querySelector(\"[data-testid='documents']\").scrollIntoView()")
            .await?;

        // Both documents are drawn from decrypted bytes served from memory.
        if let Err(e) = app
            .wait_css("[data-testid='pdf-thumb'][data-drawn='true']")
            .await
        {
            let reason = app.attr("pdf-thumb-failed", "data-reason").await.ok().flatten();
            anyhow::bail!("the PDF thumbnail was not drawn ({reason:?}): {e}");
        }
        let image_ok = app
            .js_async(
                "const img = document.querySelector(\"[data-testid='image-thumb']\");
                 const done = arguments[arguments.length - 1];
                 const check = () => img.complete ? done(img.naturalWidth) : setTimeout(check, 50);
                 check();",
            )
            .await?;
        ensure!(
            image_ok.as_u64().unwrap_or(0) > 100,
            "the photo thumbnail decoded: {image_ok}"
        );
        app.screenshot(&screenshots().join("archive.png")).await?;

        app.all("[data-testid='document-tile'][data-kind='pdf']")
            .await?
            .first()
            .ok_or_else(|| anyhow::anyhow!("a PDF tile"))?
            .click()
            .await?;
        app.wait_attr("document-viewer", "data-rendered", "true")
            .await?;
        ensure!(
            !app.all("[data-testid='pdf-page']").await?.is_empty(),
            "the PDF's pages are drawn"
        );
        app.screenshot(&screenshots().join("archive-document.png"))
            .await?;
        app.click("viewer-close").await?;

        // The photo goes to the trash and comes back from it.
        app.all("[data-testid='document-tile'][data-kind='jpeg']")
            .await?
            .first()
            .ok_or_else(|| anyhow::anyhow!("a photo tile"))?
            .click()
            .await?;
        app.click("viewer-trash").await?;
        wait_count(&app, "[data-testid='document-tile']", 1).await?;
        app.click("archive-trash").await?;
        app.get("trash-item").await?;
        // WebKitWebDriver leaves out the ellipsised name from an element's text; read the DOM.
        let listed = app
            .js("return document.querySelector(\"[data-testid='trash-item']\").textContent")
            .await?;
        ensure!(
            listed.as_str().is_some_and(|t| t.contains("Landscape_1.jpg")),
            "the trash lists the photo: {listed}"
        );
        app.click("trash-restore").await?;
        app.get("trash-empty").await?;
        app.click("trash-close").await?;
        wait_count(&app, "[data-testid='document-tile']", 2).await?;

        // Another window's request or a locked archive gets no bytes.
        app.click("archive-lock").await?;
        app.wait_attr("section-archive", "data-archive-state", "locked")
            .await?;
        let status = app
            .js_async(
                "const done = arguments[arguments.length - 1];
                 const url = location.protocol === 'http:' ? 'http://epts-doc.localhost/1' : 'epts-doc://localhost/1';
                 fetch(url).then(r => done(r.status)).catch(e => done(String(e)));",
            )
            .await?;
        ensure!(status == 423, "a locked archive serves nothing: {status}");
        Ok(())
    })
    .await
}

/// Under `cargo xtask test` a throwaway Secret Service runs (EPTS_TEST_SECRET_SERVICE=1).
fn keyring_expected() -> bool {
    std::env::var_os("EPTS_TEST_SECRET_SERVICE").is_some()
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_keeps_the_key_in_the_keyring_and_the_next_start_opens_without_asking()
-> Result<()> {
    let vault = tempfile::tempdir()?;
    let dir = vault.path().join("archive");
    let options = Options {
        vault_dir: Some(dir.clone()),
        ..Options::default()
    };
    let keyring = keyring_expected();
    run("archive_first_run", options.clone(), |app| async move {
        app.wait_attr("section-archive", "data-archive-state", "missing")
            .await?;
        app.get("archive-setup").await?;
        if keyring {
            // The keyring is the default; no passphrase needed.
            app.click("setup-create").await?;
        } else {
            app.get("setup-no-keyring").await?;
            app.type_into("setup-passphrase", PASS).await?;
            app.type_into("setup-repeat", PASS).await?;
            app.click("setup-create").await?;
        }
        app.wait_attr("section-archive", "data-archive-state", "open")
            .await?;
        app.wait_text("archive-empty", "В архиве пока нет ЭПТС")
            .await?;
        Ok(())
    })
    .await?;
    ensure!(Vault::exists(&dir), "the archive was created where asked");
    let (in_keyring, with_passphrase) = Vault::protection(&dir)?;
    // The keyring alone, or (without one) the passphrase alone.
    ensure!(in_keyring == keyring && with_passphrase != keyring);
    let expected = if keyring { "open" } else { "locked" };
    run("archive_second_start", options, |app| async move {
        app.wait_attr("section-archive", "data-archive-state", expected)
            .await?;
        Ok(())
    })
    .await
}
