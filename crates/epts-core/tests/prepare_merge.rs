//! Photos → one PDF: valid by qpdf, the right page count by pdfinfo, and each JPEG inside
//! byte for byte (nothing re-encoded).

use epts_core::Localized;
use epts_core::prepare::jpegs_to_pdf;
use std::path::PathBuf;
use std::process::Command;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn photo(name: &str) -> Result<(String, Vec<u8>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/exif-orientation")
        .join(name);
    Ok((
        name.to_owned(),
        std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?,
    ))
}

fn tool(name: &str, args: &[&str]) -> Result<std::process::Output> {
    Command::new(name).args(args).output().map_err(|e| {
        format!("{name} is needed by this test ({e}); `cargo xtask test` installs qpdf and poppler-utils").into()
    })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn photos_become_one_valid_pdf_with_the_jpegs_untouched() -> Result {
    let images = vec![
        photo("Landscape_1.jpg")?,
        photo("Portrait_1.jpg")?,
        photo("Landscape_6.jpg")?,
    ];
    let pdf = jpegs_to_pdf(&images)?;
    for (name, bytes) in &images {
        assert!(contains(&pdf, bytes), "{name} is embedded byte for byte");
    }
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("merged.pdf");
    std::fs::write(&path, &pdf)?;
    let path = path.to_str().ok_or("path")?;

    let check = tool("qpdf", &["--check", path])?;
    assert!(
        check.status.success(),
        "qpdf --check: {}",
        String::from_utf8_lossy(&check.stdout)
    );
    let info = tool("pdfinfo", &[path])?;
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 3")),
        "{info}"
    );
    Ok(())
}

#[test]
fn only_sound_jpegs_are_merged() {
    assert_eq!(
        jpegs_to_pdf(&[]).expect_err("empty").code(),
        "nothing_to_merge"
    );
    let png = ("scan.png".to_owned(), b"\x89PNG\r\n\x1a\nrest".to_vec());
    assert_eq!(jpegs_to_pdf(&[png]).expect_err("png").code(), "not_jpeg");
    let broken = ("half.jpg".to_owned(), vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16]);
    assert_eq!(
        jpegs_to_pdf(&[broken]).expect_err("damaged").code(),
        "corrupt"
    );
}
