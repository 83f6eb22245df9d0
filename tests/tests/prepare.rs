//! «Подготовка» in the real window: files chosen, checked against the ePTS portal's rules,
//! fixed into a folder, previewed, and pictures merged into one PDF.
//!
//! WebDriver cannot drive native dialogs or an OS drag and drop, so the app is started with
//! the debug-build answers to its dialogs: `EPTS_TEST_PICK` (the files «Выбрать файлы…»
//! returns) and `EPTS_TEST_OUT` (the folder «Выбрать папку…» and «Сохранить» return). Every
//! button, the table and the commands behind them run as they do for a person.

use anyhow::{Context, Result, bail, ensure};
use epts_core::prepare::{FileFormat, detect};
use epts_e2e::{App, Options, run};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/epts-core/tests/corpus")
        .join(name)
}

fn shared_testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata")
        .join(name)
}

/// The files a clerk might bring: a phone photo upright only through its EXIF tag under a
/// Cyrillic name, a password-protected PDF, a PDF that is fine, and an LZW-compressed TIFF.
fn inbox(dir: &Path) -> Result<Vec<PathBuf>> {
    let files = [
        (
            shared_testdata("exif-orientation/Landscape_6.jpg"),
            "Фото машины.jpg",
        ),
        (corpus("encrypted.pdf"), "Договор.pdf"),
        (corpus("vypiska.pdf"), "vypiska.pdf"),
        (corpus("lzw.tif"), "skan.tif"),
    ];
    let mut paths = Vec::new();
    for (from, name) in files {
        let to = dir.join(name);
        std::fs::copy(&from, &to).with_context(|| format!("copying {}", from.display()))?;
        paths.push(to);
    }
    Ok(paths)
}

fn row(name: &str) -> String {
    format!("[data-testid='prepare-row'][data-name='{name}']")
}

/// The row's text, read from the DOM (WebKitWebDriver leaves out ellipsised text).
async fn row_text(app: &App, name: &str) -> Result<String> {
    let script = format!(
        "return document.querySelector(\"{}\").textContent",
        row(name).replace('"', "\\\"")
    );
    Ok(app
        .js(&script)
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

async fn wait_rows(app: &App, expected: usize) -> Result<()> {
    for _ in 0..150 {
        if app.all("[data-testid='prepare-row']").await?.len() == expected {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the table never showed {expected} rows")
}

#[tokio::test(flavor = "multi_thread")]
async fn files_are_checked_fixed_into_a_folder_previewed_and_merged() -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let input = scratch.path().join("inbox");
    let out = scratch.path().join("out");
    std::fs::create_dir_all(&input)?;
    std::fs::create_dir_all(&out)?;
    let files = inbox(&input)?;
    let options = Options {
        env: vec![
            ("EPTS_TEST_PICK".into(), std::env::join_paths(&files)?),
            ("EPTS_TEST_OUT".into(), out.clone().into_os_string()),
        ],
        ..Options::default()
    };
    let shots = epts_e2e::artifacts_dir("prepare");
    let out_dir = out.clone();
    run("prepare", options, |app| async move {
        app.click("nav-prepare").await?;
        app.get("prepare-empty").await?;
        app.click("prepare-pick-files").await?;
        wait_rows(&app, 4).await?;

        // The verdicts, by content and by the ePTS portal's rules.
        app.wait_css(&format!(
            "{}[data-verdict='fixable']",
            row("Фото машины.jpg")
        ))
        .await?;
        app.wait_css(&format!("{}[data-verdict='rejected']", row("Договор.pdf")))
            .await?;
        app.wait_css(&format!("{}[data-verdict='ok']", row("vypiska.pdf")))
            .await?;
        app.wait_css(&format!("{}[data-verdict='fixable']", row("skan.tif")))
            .await?;
        let photo = row_text(&app, "Фото машины.jpg").await?;
        ensure!(photo.contains("можно исправить"), "photo row: {photo}");
        ensure!(
            photo.contains("EXIF"),
            "the turned photo is explained: {photo}"
        );
        let locked = row_text(&app, "Договор.pdf").await?;
        ensure!(
            locked.contains("защищён паролем"),
            "the encrypted PDF is explained in Russian: {locked}"
        );
        // The live example of the name pattern is Latin.
        let example = app.text("prepare-example").await?;
        ensure!(
            example == "foto_mashiny.jpg",
            "the first file's new name: «{example}»"
        );
        app.screenshot(&shots.join("prepare-check.png")).await?;

        // Fix everything into a folder.
        app.click("dest-choose").await?;
        app.wait_attr("dest-path", "data-chosen", "true").await?;
        let chosen = app
            .js("return document.querySelector(\"[data-testid='dest-path']\").title")
            .await?;
        let chosen = chosen.as_str().unwrap_or_default();
        ensure!(
            chosen.ends_with("out"),
            "the chosen folder is shown: {chosen}"
        );
        app.click("prepare-fix").await?;
        app.wait_attr("section-prepare", "data-state", "done")
            .await?;
        app.wait_css(&format!("{}[data-status='fixed']", row("Фото машины.jpg")))
            .await?;
        app.wait_css(&format!("{}[data-status='refused']", row("Договор.pdf")))
            .await?;
        app.wait_css(&format!("{}[data-status='ok']", row("vypiska.pdf")))
            .await?;
        app.wait_css(&format!("{}[data-status='fixed']", row("skan.tif")))
            .await?;
        let refused = row_text(&app, "Договор.pdf").await?;
        ensure!(
            refused.contains("Файл защищён паролем"),
            "the refusal says why: {refused}"
        );
        let fixed = row_text(&app, "Фото машины.jpg").await?;
        ensure!(
            fixed.contains("Повёрнут"),
            "what was done is shown: {fixed}"
        );
        app.wait_text("prepare-result", "Готово").await?;

        // Before and after, side by side.
        app.wait_css(&format!(
            "{} [data-testid='prepare-preview']",
            row("Фото машины.jpg")
        ))
        .await?
        .click()
        .await?;
        app.get("prepare-preview-dialog").await?;
        for _ in 0..100 {
            if app
                .all("[data-testid='prepare-thumb'][data-drawn='true']")
                .await?
                .len()
                == 2
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let drawn = app
            .all("[data-testid='prepare-thumb'][data-drawn='true']")
            .await?
            .len();
        ensure!(drawn == 2, "both previews are drawn ({drawn})");
        // Decoded is not yet painted: give the software renderer a moment for the picture.
        tokio::time::sleep(Duration::from_millis(800)).await;
        app.screenshot(&shots.join("prepare-preview.png")).await?;
        app.click("preview-close").await?;

        // The table after the run: the screenshot for the README.
        app.js("document.querySelector(\"[data-testid='prepare-table']\").scrollIntoView()")
            .await?;
        app.screenshot(&shots.join("prepare.png")).await?;

        // The photo becomes a one-page PDF.
        app.wait_css(&format!(
            "{} [data-testid='prepare-select']",
            row("Фото машины.jpg")
        ))
        .await?
        .click()
        .await?;
        app.click("prepare-merge").await?;
        app.wait_text("merge-done", "dokumenty.pdf").await?;
        Ok(())
    })
    .await?;

    // What the run wrote: Latin names, nothing for the refused PDF, the photo turned upright.
    let mut written: Vec<String> = std::fs::read_dir(&out_dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    ensure!(
        written
            == [
                "dokumenty.pdf",
                "foto_mashiny.jpg",
                "skan.pdf",
                "vypiska.pdf"
            ],
        "files written: {written:?}"
    );
    let photo = std::fs::read(out_dir.join("foto_mashiny.jpg"))?;
    let d = detect(&photo);
    ensure!(d.format == FileFormat::Jpeg);
    let (w, h) = (d.facts.width.unwrap_or(0), d.facts.height.unwrap_or(0));
    let original = detect(&std::fs::read(shared_testdata(
        "exif-orientation/Landscape_6.jpg",
    ))?);
    ensure!(
        (w, h)
            == (
                original.facts.height.unwrap_or(0),
                original.facts.width.unwrap_or(0)
            ),
        "the photo's pixels were turned: {w}×{h}"
    );
    ensure!(
        d.facts.orientation.is_none_or(|o| o == 1),
        "no orientation tag is left: {:?}",
        d.facts.orientation
    );
    ensure!(
        std::fs::read(out_dir.join("skan.pdf"))?.starts_with(b"%PDF-"),
        "the TIFF became a PDF"
    );
    ensure!(
        std::fs::read(out_dir.join("dokumenty.pdf"))?.starts_with(b"%PDF-"),
        "the merged PDF was saved"
    );
    // The inputs are untouched.
    ensure!(
        std::fs::read(&files[0])?
            == std::fs::read(shared_testdata("exif-orientation/Landscape_6.jpg"))?
    );
    Ok(())
}
