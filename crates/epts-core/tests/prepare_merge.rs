//! Pictures → one PDF: valid by qpdf, the right page count by pdfinfo, each JPEG inside byte
//! for byte (nothing re-encoded), a turned photo turned by the page, and PNG and multi-page
//! TIFF scans in too.

use epts_core::Code;
use epts_core::Localized;
use epts_core::prepare::{MergeOptions, images_to_pdf};

fn jpegs_to_pdf(
    images: &[(String, Vec<u8>)],
) -> std::result::Result<Vec<u8>, epts_core::prepare::MergeError> {
    images_to_pdf(images, MergeOptions::default())
}
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
    // The photo taken sideways (EXIF 6) is turned by its page, not by new pixels.
    let third = tool("pdfinfo", &["-f", "3", "-l", "3", path])?;
    let third = String::from_utf8_lossy(&third.stdout);
    assert!(
        third
            .lines()
            .any(|l| l.starts_with("Page    3 rot:") && l.trim_end().ends_with("90")),
        "{third}"
    );
    Ok(())
}

/// A two-page LZW TIFF scan and a PNG: pixels go in losslessly, one page each.
#[test]
fn scans_in_png_and_multi_page_tiff_join_the_pdf() -> Result {
    use tiff::encoder::{Compression, TiffEncoder, colortype};
    let mut tif = std::io::Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut tif)?.with_compression(Compression::Lzw);
        for page in 0..2u8 {
            let data: Vec<u8> = (0..200 * 100)
                .map(|i| ((i % 200) as u8).wrapping_add(page * 40))
                .collect();
            enc.write_image::<colortype::Gray8>(200, 100, &data)?;
        }
    }
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(120, 80, |x, y| {
        image::Rgb([x as u8, y as u8, 90])
    }))
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    let pdf = jpegs_to_pdf(&[
        ("scan.tif".into(), tif.into_inner()),
        ("shot.png".into(), png),
    ])?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("scans.pdf");
    std::fs::write(&path, &pdf)?;
    let path = path.to_str().ok_or("path")?;
    assert!(tool("qpdf", &["--check", path])?.status.success());
    let info = tool("pdfinfo", &[path])?;
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 3")),
        "{info}"
    );
    // The first page's picture comes back with its own pixels (pdfimages extracts it raw).
    let out = dir.path().join("img");
    let extract = tool(
        "pdfimages",
        &[
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            path,
            out.to_str().ok_or("path")?,
        ],
    )?;
    assert!(extract.status.success());
    let page = image::open(dir.path().join("img-000.png"))?.to_luma8();
    assert_eq!((page.width(), page.height()), (200, 100));
    assert_eq!(page.get_pixel(57, 3).0, [57]);
    Ok(())
}

#[test]
fn only_sound_pictures_are_merged() {
    assert_eq!(
        jpegs_to_pdf(&[]).expect_err("empty").code(),
        Code::NothingToMerge
    );
    let text = ("notes.txt".to_owned(), b"just some words".to_vec());
    assert_eq!(
        jpegs_to_pdf(&[text]).expect_err("text").code(),
        Code::NotImage
    );
    let png = ("scan.png".to_owned(), b"\x89PNG\r\n\x1a\nrest".to_vec());
    assert_eq!(jpegs_to_pdf(&[png]).expect_err("png").code(), Code::Corrupt);
    let broken = ("half.jpg".to_owned(), vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16]);
    assert_eq!(
        jpegs_to_pdf(&[broken]).expect_err("damaged").code(),
        Code::Corrupt
    );
}
