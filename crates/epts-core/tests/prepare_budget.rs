//! Memory in «Подготовка»: a TIFF whose pages together would take gigabytes to decode (the
//! corpus's bomb_pages.tif, 13 KB on disk) is refused whole — by the check, by a fix run and
//! by a merge — with a message naming the file and saying what to do, and leaves nothing
//! behind; long scans within the budget still become one PDF, page after page.

use epts_core::prepare::{
    FileFormat, FixOptions, FolderSink, MergeOptions, OutcomeStatus, Profile, Verdict, check_bytes,
    detect, fix_bytes, fix_paths, images_to_pdf,
};
use epts_core::{Code, Lang, Localized};
use image::DynamicImage;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const BOMB: &str = "bomb_pages.tif";

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
}

fn options(profile: &str, lang: Lang) -> Result<FixOptions> {
    Ok(FixOptions::new(Profile::load(profile)?, lang))
}

/// Camera-like noise: compresses like a photo, so a lossless page is far over a small limit.
fn noisy(width: u32, height: u32, seed: u32) -> DynamicImage {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let n = (s >> 26) as u8;
        image::Rgb([
            ((x / 7) % 190) as u8 + n,
            ((y / 5) % 190) as u8 + n,
            (((x + y) / 9) % 190) as u8 + n,
        ])
    }))
}

/// An LZW TIFF of `pages` noisy pages.
fn scan(pages: u32, width: u32, height: u32) -> Result<Vec<u8>> {
    use tiff::encoder::{Compression, TiffEncoder, colortype};
    let mut tif = std::io::Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut tif)?.with_compression(Compression::Lzw);
        for page in 0..pages {
            let img = noisy(width, height, page).to_rgb8();
            enc.write_image::<colortype::RGB8>(width, height, img.as_raw())?;
        }
    }
    Ok(tif.into_inner())
}

#[test]
fn the_check_rejects_the_page_bomb_from_its_headers() -> Result {
    let bytes = std::fs::read(corpus(BOMB))?;
    assert!(bytes.len() < 64 * 1024, "small on disk: {}", bytes.len());
    let report = check_bytes(BOMB, &bytes, &Profile::load("elpts")?, Lang::En);
    assert_eq!(report.verdict, Verdict::Rejected);
    let problem = report
        .problems
        .iter()
        .find(|p| p.code == Code::TooManyPixels)
        .ok_or("a too_many_pixels finding")?;
    assert!(
        problem.message.contains("«bomb_pages.tif»"),
        "{}",
        problem.message
    );
    assert!(problem.message.contains("64 pages"), "{}", problem.message);
    assert!(
        problem.message.contains("Split the file") && problem.message.contains("lower resolution"),
        "says what to do: {}",
        problem.message
    );
    assert!(report.fixes.is_empty(), "nothing offered to fix it");
    Ok(())
}

#[test]
fn a_fix_run_refuses_the_page_bomb_and_writes_nothing_for_it() -> Result {
    let input = tempfile::tempdir()?;
    std::fs::copy(corpus(BOMB), input.path().join(BOMB))?;
    std::fs::copy(
        corpus("multipage_lzw.tif"),
        input.path().join("multipage_lzw.tif"),
    )?;
    let out = tempfile::tempdir()?;
    let sink = FolderSink::new(out.path())?;
    let report = fix_paths(
        &[input.path().to_owned()],
        &options("elpts", Lang::Ru)?,
        &sink,
        &|_| {},
        &AtomicBool::new(false),
    );
    let bomb = report
        .files
        .iter()
        .find(|f| f.path.ends_with(BOMB))
        .ok_or("the bomb's outcome")?;
    assert_eq!(bomb.status, OutcomeStatus::Refused);
    assert!(bomb.output.is_none());
    let problem = bomb
        .problems
        .iter()
        .find(|p| p.code == Code::TooManyPixels)
        .ok_or(format!("a too_many_pixels finding: {:?}", bomb.problems))?;
    assert!(
        problem.message.contains("«bomb_pages.tif»"),
        "{}",
        problem.message
    );
    assert!(
        problem.message.contains("Разделите файл"),
        "{}",
        problem.message
    );
    // The scan beside it is fixed as usual, and it is all the folder holds: no part of the
    // bomb's PDF, no temporary file.
    let written: Vec<String> = std::fs::read_dir(out.path())?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    assert_eq!(written, ["multipage_lzw.pdf"]);
    Ok(())
}

#[test]
fn fixing_the_page_bomb_alone_is_refused_with_the_same_finding() -> Result {
    let bytes = std::fs::read(corpus(BOMB))?;
    let err = fix_bytes(
        BOMB,
        "bomb_pages",
        &bytes,
        &options("gosuslugi", Lang::En)?,
        &AtomicBool::new(false),
    )
    .err()
    .ok_or("refused")?;
    assert!(
        err.message(Lang::En).contains("too large together"),
        "{}",
        err.message(Lang::En)
    );
    Ok(())
}

#[test]
fn merging_the_page_bomb_is_refused_with_a_message_that_says_what_to_do() -> Result {
    let bytes = std::fs::read(corpus(BOMB))?;
    let err = images_to_pdf(&[(BOMB.to_owned(), bytes)], MergeOptions::default())
        .err()
        .ok_or("refused")?;
    assert_eq!(err.code(), Code::TooManyPixels);
    let message = err.message(Lang::Ru);
    assert!(message.contains("«bomb_pages.tif»"), "{message}");
    assert!(message.contains("64 стр."), "{message}");
    assert!(message.contains("меньшим разрешением"), "{message}");
    Ok(())
}

/// A Deflate TIFF with the horizontal predictor of `pages` smooth gray pages under fine
/// noise: the predictor halves them, so the TIFF is well under what the same pages take as
/// plain Flate in a PDF.
fn predicted_scan(pages: u32, width: u32, height: u32) -> Result<Vec<u8>> {
    use tiff::encoder::{Compression, DeflateLevel, Predictor, TiffEncoder, colortype};
    let mut tif = std::io::Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut tif)?
            .with_compression(Compression::Deflate(DeflateLevel::Best))
            .with_predictor(Predictor::Horizontal);
        for page in 0..pages {
            let mut s = page + 1;
            let img = image::GrayImage::from_fn(width, height, |x, y| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let smooth = (x * x + 3 * y * y + page * 7919) / 997;
                image::Luma([((smooth + (s >> 31)) % 256) as u8])
            });
            enc.write_image::<colortype::Gray8>(width, height, img.as_raw())?;
        }
    }
    Ok(tif.into_inner())
}

#[test]
fn a_long_scan_over_the_size_limit_becomes_one_pdf_of_jpeg_pages() -> Result {
    let tif = predicted_scan(6, 800, 1100)?;
    // The TIFF itself fits; its pages as lossless Flate do not, so each page is fitted as a
    // JPEG to its share of the limit.
    let limit = tif.len() as u64 * 5 / 4;
    let mut opts = options("elpts", Lang::Ru)?;
    opts.profile.max_file_bytes = limit;
    let fixed = fix_bytes(
        "dogovor.tif",
        "dogovor",
        &tif,
        &opts,
        &AtomicBool::new(false),
    )?;
    assert_eq!(fixed.format, FileFormat::Pdf);
    assert!(
        fixed.bytes.len() as u64 <= limit,
        "{} > {limit}",
        fixed.bytes.len()
    );
    assert_eq!(detect(&fixed.bytes).facts.pages, Some(6));
    let codes: Vec<&str> = fixed.applied.iter().map(|a| a.code).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "recompress_jpeg").count(),
        1,
        "one line for the quality: {codes:?}"
    );
    assert_eq!(codes.iter().filter(|c| **c == "convert_to_pdf").count(), 1);
    let again = check_bytes(&fixed.name, &fixed.bytes, &opts.profile, Lang::Ru);
    assert_eq!(again.verdict, Verdict::Ok, "{:?}", again.problems);
    Ok(())
}

#[test]
fn a_long_scan_within_the_limit_stays_lossless() -> Result {
    let tif = scan(12, 200, 280)?;
    let fixed = fix_bytes(
        "dogovor.tif",
        "dogovor",
        &tif,
        &options("elpts", Lang::Ru)?,
        &AtomicBool::new(false),
    )?;
    assert_eq!(detect(&fixed.bytes).facts.pages, Some(12));
    let codes: Vec<&str> = fixed.applied.iter().map(|a| a.code).collect();
    assert!(!codes.contains(&"recompress_jpeg"), "{codes:?}");
    Ok(())
}
