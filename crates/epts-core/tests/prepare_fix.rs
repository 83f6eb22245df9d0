//! Fixes on real pixels: phone photos in every EXIF orientation come out upright, big photos
//! fit the limit at the best quality that fits, location data goes without touching the
//! picture, PNG photos and compressed TIFF scans become what the portal takes, names become
//! Latin, and a batch reports progress, can be cancelled, and never writes half a file.

use epts_core::Code;
use epts_core::Lang;
use epts_core::prepare::{
    FileFormat, FixOptions, FixReport, FolderSink, OutcomeStatus, PrepareProgress, Profile, detect,
    fix_bytes, fix_paths,
};
use image::{DynamicImage, GenericImageView, ImageFormat};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn shared(name: &str) -> Result<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/exif-orientation")
        .join(name);
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn options(profile: &str) -> Result<FixOptions> {
    Ok(FixOptions::new(Profile::load(profile)?, Lang::Ru))
}

fn codes(applied: &[epts_core::prepare::AppliedFix]) -> Vec<&str> {
    applied.iter().map(|a| a.code).collect()
}

/// Camera-like noise over gradients: compresses like a photo, not like a drawing.
fn photo(width: u32, height: u32, seed: u32) -> DynamicImage {
    let mut s = seed;
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

fn jpeg_of(img: &DynamicImage, quality: u8) -> Result<Vec<u8>> {
    let rgb = img.to_rgb8();
    let mut out = Vec::new();
    let (w, h) = (u16::try_from(rgb.width())?, u16::try_from(rgb.height())?);
    jpeg_encoder::Encoder::new(&mut out, quality).encode(
        rgb.as_raw(),
        w,
        h,
        jpeg_encoder::ColorType::Rgb,
    )?;
    Ok(out)
}

/// An EXIF block with a GPS pointer, spliced in after SOI.
fn with_gps(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend(1u16.to_le_bytes()); // one entry
    tiff.extend(0x8825u16.to_le_bytes());
    tiff.extend(4u16.to_le_bytes()); // LONG
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(26u32.to_le_bytes()); // the GPS IFD right after
    tiff.extend(0u32.to_le_bytes()); // no next IFD
    tiff.extend(0u16.to_le_bytes()); // an empty GPS IFD
    tiff.extend(0u32.to_le_bytes());
    let mut body = b"Exif\0\0".to_vec();
    body.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(body.len() + 2).unwrap_or(0).to_be_bytes());
    out.extend(body);
    out.extend(&jpeg[2..]);
    out
}

fn mean_difference(a: &DynamicImage, b: &DynamicImage) -> f64 {
    let (a, b) = (a.to_rgb8(), b.to_rgb8());
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

#[test]
fn every_exif_orientation_comes_out_upright() -> Result {
    let opts = options("elpts")?;
    let cancel = AtomicBool::new(false);
    for kind in ["Landscape", "Portrait"] {
        let reference = image::load_from_memory(&shared(&format!("{kind}_1.jpg"))?)?;
        for o in 2..=8 {
            let name = format!("{kind}_{o}.jpg");
            let fixed = fix_bytes(&name, "photo", &shared(&name)?, &opts, &cancel)?;
            assert!(
                codes(&fixed.applied).contains(&"auto_rotate"),
                "{name}: {:?}",
                fixed.applied
            );
            let facts = detect(&fixed.bytes).facts;
            assert_eq!(facts.orientation, None, "{name}: the tag is gone");
            let out = image::load_from_memory(&fixed.bytes)?;
            assert_eq!(out.dimensions(), reference.dimensions(), "{name}");
            let diff = mean_difference(&out, &reference);
            assert!(
                diff < 6.0,
                "{name} differs from the upright photo by {diff:.1} a sample"
            );
        }
    }
    Ok(())
}

#[test]
fn a_big_photo_fits_the_gosuslugi_limit_at_the_best_quality_that_fits() -> Result {
    let opts = options("gosuslugi")?;
    let limit = opts.profile.max_file_bytes;
    let source = jpeg_of(&photo(4000, 3000, 7), 98)?;
    assert!(
        source.len() as u64 > limit,
        "the test photo must be too large"
    );
    let fixed = fix_bytes(
        "IMG_0001.jpg",
        "IMG_0001",
        &source,
        &opts,
        &AtomicBool::new(false),
    )?;
    assert!(fixed.bytes.len() as u64 <= limit);
    // The least loss: not far below the limit.
    assert!(
        fixed.bytes.len() as u64 > limit * 7 / 10,
        "{} bytes",
        fixed.bytes.len()
    );
    assert_eq!(codes(&fixed.applied), ["recompress_jpeg"]);
    let out = image::load_from_memory_with_format(&fixed.bytes, ImageFormat::Jpeg)?;
    assert_eq!(out.dimensions(), (4000, 3000), "quality goes before pixels");
    // ImageMagick reads it too.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("out.jpg");
    std::fs::write(&path, &fixed.bytes)?;
    let identify = std::process::Command::new("identify").arg(&path).output()?;
    assert!(identify.status.success());
    assert!(String::from_utf8_lossy(&identify.stdout).contains("4000x3000"));
    Ok(())
}

#[test]
fn location_goes_and_the_picture_stays_byte_for_byte() -> Result {
    let clean = jpeg_of(&photo(320, 240, 3), 85)?;
    let tagged = with_gps(&clean);
    assert!(detect(&tagged).facts.location);
    let fixed = fix_bytes(
        "car.jpg",
        "car",
        &tagged,
        &options("elpts")?,
        &AtomicBool::new(false),
    )?;
    assert!(!detect(&fixed.bytes).facts.location);
    assert_eq!(fixed.bytes, clean, "only the EXIF block was cut");
    assert_eq!(codes(&fixed.applied), ["strip_metadata"]);
    Ok(())
}

#[test]
fn an_oversized_png_photo_becomes_a_jpeg_that_fits() -> Result {
    let mut opts = options("gosuslugi")?;
    opts.profile.max_file_bytes = 400_000;
    let img = DynamicImage::ImageRgb16(photo(1200, 900, 5).to_rgb16());
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)?;
    assert!(png.len() > 400_000);
    let fixed = fix_bytes(
        "скан паспорта.png",
        "skan_pasporta",
        &png,
        &opts,
        &AtomicBool::new(false),
    )?;
    assert_eq!(fixed.format, FileFormat::Jpeg);
    assert_eq!(fixed.name, "skan_pasporta.jpg");
    assert!(fixed.bytes.len() <= 400_000);
    assert!(codes(&fixed.applied).contains(&"png_to_jpeg"));
    Ok(())
}

#[test]
fn a_compressed_multi_page_tiff_becomes_a_pdf_with_every_page() -> Result {
    use tiff::encoder::{Compression, TiffEncoder, colortype};
    let mut tif = std::io::Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut tif)?.with_compression(Compression::Lzw);
        for page in 0..3u32 {
            let img = photo(600, 800, page).to_rgb8();
            enc.write_image::<colortype::RGB8>(600, 800, img.as_raw())?;
        }
    }
    let fixed = fix_bytes(
        "dogovor.tif",
        "dogovor",
        &tif.into_inner(),
        &options("elpts")?,
        &AtomicBool::new(false),
    )?;
    assert_eq!(fixed.format, FileFormat::Pdf);
    assert_eq!(detect(&fixed.bytes).facts.pages, Some(3));
    assert!(codes(&fixed.applied).contains(&"convert_to_pdf"));
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dogovor.pdf");
    std::fs::write(&path, &fixed.bytes)?;
    let check = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()?;
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    Ok(())
}

#[test]
fn a_photo_over_the_pixel_limit_is_downscaled_keeping_its_shape() -> Result {
    let mut opts = options("elpts")?;
    opts.profile.max_pixels = 1_000_000;
    let source = jpeg_of(&photo(2000, 1500, 9), 90)?;
    let fixed = fix_bytes("big.jpg", "big", &source, &opts, &AtomicBool::new(false))?;
    let (w, h) = image::load_from_memory(&fixed.bytes)?.dimensions();
    assert!(u64::from(w) * u64::from(h) <= 1_000_000);
    assert!(
        w >= 1150 && (f64::from(w) / f64::from(h) - 4.0 / 3.0).abs() < 0.01,
        "{w}×{h}"
    );
    assert!(codes(&fixed.applied).contains(&"downscale"));
    Ok(())
}

fn folder_with_a_mixed_set(dir: &Path) -> Result<Vec<PathBuf>> {
    let files = [
        ("Паспорт владельца.jpg", jpeg_of(&photo(800, 600, 1), 90)?),
        ("паспорт владельца.JPG", jpeg_of(&photo(800, 600, 2), 90)?),
        (
            "scan.pdf",
            b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec(),
        ),
        (
            "secret.pdf",
            b"%PDF-1.4\n1 0 obj<</Filter/Standard/V 2>>endobj\ntrailer<</Encrypt 1 0 R>>\n%%EOF\n"
                .to_vec(),
        ),
        ("photo.png", jpeg_of(&photo(640, 480, 3), 80)?),
        ("empty.jpg", Vec::new()),
    ];
    let mut paths = Vec::new();
    for (name, bytes) in files {
        let p = dir.join(name);
        std::fs::write(&p, bytes)?;
        paths.push(p);
    }
    Ok(paths)
}

#[test]
fn a_folder_is_fixed_in_one_run_with_latin_unique_names() -> Result {
    let input = tempfile::tempdir()?;
    folder_with_a_mixed_set(input.path())?;
    let out = tempfile::tempdir()?;
    let sink = FolderSink::new(out.path())?;
    let seen = Mutex::new(Vec::new());
    let progress = |p: PrepareProgress| seen.lock().map(|mut s| s.push(p.done)).unwrap_or(());
    let report: FixReport = fix_paths(
        &[input.path().to_owned()],
        &options("elpts")?,
        &sink,
        &progress,
        &AtomicBool::new(false),
    );
    let mut seen = seen.into_inner().map_err(|_| "poisoned")?;
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=6).collect::<Vec<_>>(),
        "one progress event a file"
    );
    let by_name = |n: &str| {
        report
            .files
            .iter()
            .find(|f| f.path.ends_with(n))
            .ok_or(format!("{n} missing"))
    };
    assert_eq!(by_name("secret.pdf")?.status, OutcomeStatus::Refused);
    assert_eq!(by_name("secret.pdf")?.problems[0].code, Code::Encrypted);
    assert_eq!(by_name("empty.jpg")?.status, OutcomeStatus::Refused);
    assert_eq!(by_name("scan.pdf")?.status, OutcomeStatus::Ok);
    let png = by_name("photo.png")?;
    assert_eq!(png.status, OutcomeStatus::Fixed);
    assert_eq!(
        png.output_format,
        Some(FileFormat::Jpeg),
        "a JPEG named .png gets its real extension"
    );
    let mut written: Vec<String> = std::fs::read_dir(out.path())?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    written.sort();
    assert_eq!(
        written,
        [
            "pasport_vladeltsa.jpg",
            "pasport_vladeltsa_2.jpg",
            "photo.jpg",
            "scan.pdf"
        ]
    );
    assert!(!report.all_done());
    Ok(())
}

#[test]
fn a_cancelled_run_stops_and_leaves_no_partial_files() -> Result {
    let input = tempfile::tempdir()?;
    for i in 0..12 {
        std::fs::write(
            input.path().join(format!("p{i:02}.jpg")),
            jpeg_of(&photo(900, 700, i), 95)?,
        )?;
    }
    let mut opts = options("elpts")?;
    opts.profile.max_file_bytes = 60_000; // every photo must be recompressed
    let out = tempfile::tempdir()?;
    let sink = FolderSink::new(out.path())?;
    let cancel = AtomicBool::new(false);
    let progress = |p: PrepareProgress| {
        if p.done >= 3 {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let report = fix_paths(&[input.path().to_owned()], &opts, &sink, &progress, &cancel);
    assert!(report.cancelled);
    let fixed = report
        .files
        .iter()
        .filter(|f| f.status == OutcomeStatus::Fixed)
        .count();
    let cancelled = report
        .files
        .iter()
        .filter(|f| f.status == OutcomeStatus::Cancelled)
        .count();
    assert!(cancelled >= 6, "most files were not started: {cancelled}");
    assert_eq!(fixed + cancelled, 12);
    let written: Vec<_> = std::fs::read_dir(out.path())?.collect::<std::io::Result<_>>()?;
    assert_eq!(
        written.len(),
        fixed,
        "a file for each finished one, nothing else"
    );
    for e in written {
        assert!(
            image::open(e.path()).is_ok(),
            "{} is whole",
            e.path().display()
        );
    }
    Ok(())
}
