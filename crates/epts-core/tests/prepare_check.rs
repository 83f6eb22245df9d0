//! A corpus of real-world inputs, made here or taken from shared/testdata, each with the
//! verdict a clerk should see before uploading it.

use epts_core::Code;
use epts_core::Lang;
use epts_core::prepare::{FileFormat, Profile, Verdict, check_bytes, check_paths, detect};
use std::io::Write;
use std::path::PathBuf;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn shared_photo(name: &str) -> Result<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/exif-orientation")
        .join(name);
    std::fs::read(&path).map_err(|e| {
        format!(
            "{}: {e} (the test needs shared/testdata beside the repository)",
            path.display()
        )
        .into()
    })
}

fn png(width: u32, height: u32, bit_depth: u8, colour: u8) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend(13u32.to_be_bytes());
    b.extend(b"IHDR");
    b.extend(width.to_be_bytes());
    b.extend(height.to_be_bytes());
    b.extend([bit_depth, colour, 0, 0, 0]);
    b.extend([0, 0, 0, 0]); // CRC (not checked by the detector)
    b.extend([0, 0, 0, 0]);
    b.extend(b"IEND");
    b.extend([0xAE, 0x42, 0x60, 0x82]);
    b
}

/// A JPEG's headers: JFIF at 300 dpi and a frame header; the scan data is left out.
fn jpeg(progressive: bool, components: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend([0xFF, 0xE0, 0, 16]);
    b.extend(b"JFIF\0");
    b.extend([1, 1, 1, 0x01, 0x2C, 0x01, 0x2C, 0, 0]);
    b.extend([0xFF, if progressive { 0xC2 } else { 0xC0 }]);
    let len = 8 + 3 * u16::from(components);
    b.extend(len.to_be_bytes());
    b.extend([8, 0x0B, 0xB8, 0x0F, 0xA0, components]); // height 3000, width 4000
    for c in 0..components {
        b.extend([c + 1, 0x11, 0]);
    }
    b.extend([0xFF, 0xD9]);
    b
}

/// A little-endian TIFF with one IFD per page carrying its compression.
fn tiff(compressions: &[u16]) -> Vec<u8> {
    let mut b = b"II*\0".to_vec();
    b.extend(8u32.to_le_bytes());
    for (i, c) in compressions.iter().enumerate() {
        let next = if i + 1 == compressions.len() {
            0
        } else {
            b.len() as u32 + 2 + 3 * 12 + 4
        };
        b.extend(3u16.to_le_bytes());
        for (tag, value) in [(256u16, 1000u32), (257, 1400), (259, u32::from(*c))] {
            b.extend(tag.to_le_bytes());
            b.extend(3u16.to_le_bytes());
            b.extend(1u32.to_le_bytes());
            b.extend(value.to_le_bytes());
        }
        b.extend(next.to_le_bytes());
    }
    b
}

fn pdf(encrypted: bool, pages: u32) -> Vec<u8> {
    let trailer = if encrypted {
        "<< /Root 1 0 R /Encrypt 9 0 R >>"
    } else {
        "<< /Root 1 0 R >>"
    };
    format!(
        "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Count {pages} /Kids [] >> endobj\ntrailer {trailer}\n%%EOF\n"
    )
    .into_bytes()
}

fn zip(entries: &[(&str, &[u8])]) -> Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(
            *name,
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored),
        )?;
        w.write_all(data)?;
    }
    Ok(w.finish()?.into_inner())
}

fn docx(macros: bool) -> Result<Vec<u8>> {
    let types = if macros {
        &b"<Types><Override ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml\"/></Types>"[..]
    } else {
        b"<Types><Override ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"
    };
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", types),
        ("word/document.xml", b"<w:document/>"),
    ];
    if macros {
        entries.push(("word/vbaProject.bin", b"macro"));
    }
    zip(&entries)
}

/// A package whose central directory declares a 4 GB entry: what a zip bomb looks like.
fn zip_bomb() -> Result<Vec<u8>> {
    let mut b = zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w:document/>"),
    ])?;
    // Patch the uncompressed size (offset 24) of every central directory header.
    let sig = [0x50, 0x4B, 0x01, 0x02];
    let at: Vec<usize> = b
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == sig)
        .map(|(i, _)| i)
        .collect();
    for i in at {
        b[i + 24..i + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    }
    Ok(b)
}

/// File name, bytes, profile, expected verdict, expected problem codes.
type Case<'a> = (&'a str, Vec<u8>, &'a Profile, Verdict, Vec<&'a str>);

fn codes(r: &epts_core::prepare::PrepareFileReport) -> Vec<&str> {
    r.problems.iter().map(|p| p.code.as_str()).collect()
}

#[test]
fn every_exif_orientation_is_read_from_real_phone_photos() -> Result {
    for n in 0..=8u16 {
        for kind in ["Landscape", "Portrait"] {
            let d = detect(&shared_photo(&format!("{kind}_{n}.jpg"))?);
            assert_eq!(d.format, FileFormat::Jpeg);
            assert_eq!(d.corrupt, None);
            assert_eq!(d.facts.orientation, (n > 0).then_some(n), "{kind}_{n}");
        }
    }
    Ok(())
}

#[test]
fn the_corpus_gets_the_verdicts_a_clerk_expects() -> Result {
    let elpts = Profile::load("elpts")?;
    let gosuslugi = Profile::load("gosuslugi")?;
    let ok_photo = shared_photo("Landscape_1.jpg")?;
    let mut truncated_jpeg = ok_photo.clone();
    truncated_jpeg.truncate(ok_photo.len() / 2);
    let mut truncated_pdf = pdf(false, 1);
    truncated_pdf.truncate(40);
    let long_name = format!("{}.pdf", "a".repeat(300));

    let cases: Vec<Case<'_>> = vec![
        ("scan_1.jpg", ok_photo.clone(), &elpts, Verdict::Ok, vec![]),
        ("vypiska.pdf", pdf(false, 2), &elpts, Verdict::Ok, vec![]),
        ("zayavlenie.docx", docx(false)?, &elpts, Verdict::Ok, vec![]),
        (
            "progressive.jpg",
            jpeg(true, 3),
            &elpts,
            Verdict::Ok,
            vec![],
        ),
        ("cmyk.jpg", jpeg(false, 4), &elpts, Verdict::Ok, vec![]),
        (
            "deep.png",
            png(1200, 1600, 16, 6),
            &elpts,
            Verdict::Ok,
            vec![],
        ),
        ("pages.tif", tiff(&[1, 1]), &elpts, Verdict::Ok, vec![]),
        (
            "lzw.tif",
            tiff(&[1, 5]),
            &elpts,
            Verdict::Fixable,
            vec!["tiff_compressed"],
        ),
        (
            "pages.tif",
            tiff(&[1]),
            &gosuslugi,
            Verdict::Fixable,
            vec!["unsupported_format"],
        ),
        (
            "locked.pdf",
            pdf(true, 1),
            &elpts,
            Verdict::Rejected,
            vec!["encrypted"],
        ),
        (
            "macro.docx",
            docx(true)?,
            &elpts,
            Verdict::Rejected,
            vec!["macro_document"],
        ),
        (
            "bomb.docx",
            zip_bomb()?,
            &elpts,
            Verdict::Rejected,
            vec!["corrupt"],
        ),
        (
            "half.jpg",
            truncated_jpeg,
            &elpts,
            Verdict::Rejected,
            vec!["corrupt"],
        ),
        (
            "half.pdf",
            truncated_pdf,
            &elpts,
            Verdict::Rejected,
            vec!["corrupt"],
        ),
        (
            "photo.jpg",
            png(800, 600, 8, 2),
            &elpts,
            Verdict::Fixable,
            vec!["extension_mismatch"],
        ),
        (
            "Выписка ЭПТС.pdf",
            pdf(false, 1),
            &elpts,
            Verdict::Fixable,
            vec!["bad_name"],
        ),
        (
            long_name.as_str(),
            pdf(false, 1),
            &elpts,
            Verdict::Ok,
            vec![],
        ),
        (
            "empty.pdf",
            Vec::new(),
            &elpts,
            Verdict::Rejected,
            vec!["empty_file"],
        ),
        (
            "bomb.png",
            png(100_000, 100_000, 8, 2),
            &elpts,
            Verdict::Rejected,
            vec!["too_many_pixels"],
        ),
        (
            "big.png",
            png(9000, 7000, 8, 2),
            &elpts,
            Verdict::Fixable,
            vec!["too_many_pixels"],
        ),
        (
            "archive.rar",
            b"Rar!\x1a\x07\x00rest".to_vec(),
            &elpts,
            Verdict::Rejected,
            vec!["unsupported_format"],
        ),
        (
            "notes.zip",
            zip(&[("a.txt", b"hello")])?,
            &elpts,
            Verdict::Rejected,
            vec!["unsupported_format"],
        ),
    ];
    for (name, bytes, profile, verdict, want) in cases {
        let r = check_bytes(name, &bytes, profile, Lang::Ru);
        assert_eq!(r.verdict, verdict, "{name}: {:?}", r.problems);
        assert_eq!(codes(&r), want, "{name}");
        for p in &r.problems {
            assert!(
                p.message.chars().any(|c| ('а'..='я').contains(&c)),
                "{name}: Russian message: {}",
                p.message
            );
        }
        if verdict == Verdict::Rejected {
            assert!(
                r.fixes.is_empty(),
                "{name}: nothing to fix in a refused file"
            );
        } else if verdict == Verdict::Fixable {
            assert!(!r.fixes.is_empty(), "{name}: a fixable file names its fix");
        }
    }
    Ok(())
}

#[test]
fn facts_are_read_without_decoding() -> Result {
    let d = detect(&jpeg(true, 4));
    assert_eq!(
        (
            d.facts.width,
            d.facts.height,
            d.facts.progressive,
            d.facts.cmyk
        ),
        (Some(4000), Some(3000), true, true)
    );
    assert_eq!(d.facts.dpi, Some((300, 300)));
    let d = detect(&png(10, 20, 16, 6));
    assert_eq!((d.facts.bit_depth, d.facts.alpha), (Some(16), true));
    let d = detect(&tiff(&[1, 5, 7]));
    assert_eq!(
        (d.facts.pages, d.facts.tiff_compression.clone()),
        (Some(3), vec![1, 5, 7])
    );
    let d = detect(&pdf(false, 12));
    assert_eq!(
        (d.facts.pages, d.facts.pdf_version.as_deref()),
        (Some(12), Some("1.7"))
    );
    Ok(())
}

#[test]
fn a_set_over_the_application_limit_is_reported_with_its_total() -> Result {
    let dir = tempfile::tempdir()?;
    let small = dir.path().join("small.toml");
    std::fs::write(
        &small,
        "name = \"small\"\ntitle_ru = \"Малый\"\ntitle_en = \"Small\"\nformats = [\"pdf\"]\nmax_file_bytes = 1000\nmax_set_bytes = 300\nlatin_names = true\nmax_pixels = 1000000\n",
    )?;
    let profile = Profile::load(small.to_str().ok_or("path")?)?;
    let folder = dir.path().join("application");
    std::fs::create_dir_all(folder.join("nested"))?;
    std::fs::write(folder.join("a.pdf"), pdf(false, 1))?;
    std::fs::write(folder.join("nested/b.pdf"), pdf(false, 1))?;
    std::fs::write(folder.join("nested/c.pdf"), pdf(false, 1))?;
    let report = check_paths(&[folder], &profile, Lang::En);
    assert_eq!(report.files.len(), 3, "the folder is walked");
    assert!(report.files.iter().all(|f| f.verdict == Verdict::Ok));
    assert_eq!(report.set_problems.len(), 1);
    assert_eq!(report.set_problems[0].code, Code::TotalTooLarge);
    assert!(!report.all_ok());
    assert_eq!(report.total_bytes, 3 * pdf(false, 1).len() as u64);
    Ok(())
}
