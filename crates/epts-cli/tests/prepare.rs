//! The `epts prepare check` contract, against the built binary.

use std::process::{Command, Output};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn epts(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_epts"))
        .args(args)
        .env_remove("EPTS_LANG")
        .output()
        .expect("epts runs")
}

fn minimal_pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj << /Type /Pages /Count 1 >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

#[test]
fn acceptable_files_exit_0_and_the_json_has_exactly_the_contract_keys() -> Result {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("vypiska.pdf");
    std::fs::write(&file, minimal_pdf())?;
    let out = epts(&["prepare", "check", file.to_str().ok_or("path")?, "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let mut keys: Vec<&String> = v.as_object().ok_or("object")?.keys().collect();
    keys.sort();
    assert_eq!(keys, ["files", "profile", "set_problems", "total_bytes"]);
    let f = &v["files"][0];
    let mut fkeys: Vec<&String> = f.as_object().ok_or("object")?.keys().collect();
    fkeys.sort();
    assert_eq!(
        fkeys,
        ["bytes", "fixes", "format", "path", "problems", "verdict"]
    );
    assert_eq!(
        (f["format"].as_str(), f["verdict"].as_str()),
        (Some("pdf"), Some("ok"))
    );
    assert_eq!(v["profile"], "elpts");
    Ok(())
}

#[test]
fn a_file_to_fix_or_refuse_exits_1_with_coded_problems_in_russian() -> Result {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("Выписка.pdf"), minimal_pdf())?;
    std::fs::write(dir.path().join("empty.pdf"), b"")?;
    let out = epts(&[
        "prepare",
        "check",
        dir.path().to_str().ok_or("path")?,
        "--profile",
        "gosuslugi",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let files = v["files"].as_array().ok_or("files")?;
    assert_eq!(files.len(), 2);
    let by_code = |code: &str| {
        files
            .iter()
            .find(|f| f["problems"][0]["code"] == code)
            .cloned()
    };
    let bad_name = by_code("bad_name").ok_or("bad_name reported")?;
    assert_eq!(bad_name["verdict"], "fixable");
    assert_eq!(bad_name["fixes"][0], "rename_latin");
    assert!(
        bad_name["problems"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("латинских"))
    );
    assert_eq!(
        by_code("empty_file").ok_or("empty_file reported")?["verdict"],
        "rejected"
    );

    let text = epts(&[
        "--lang",
        "en",
        "prepare",
        "check",
        dir.path().to_str().ok_or("path")?,
    ]);
    assert_eq!(text.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&text.stdout).contains("refused"));
    Ok(())
}

#[test]
fn an_unknown_profile_is_a_usage_error() {
    let out = epts(&["prepare", "check", ".", "--profile", "mos"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("elpts, gosuslugi"));
    assert_eq!(epts(&["prepare", "check"]).status.code(), Some(2));
}

#[test]
fn fix_writes_latin_named_copies_and_leaves_the_inputs_alone() -> Result {
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input)?;
    std::fs::write(input.join("Выписка ЭПТС.pdf"), minimal_pdf())?;
    std::fs::write(input.join("выписка эптс.PDF"), minimal_pdf())?;
    std::fs::write(
        input.join("locked.pdf"),
        b"%PDF-1.7\ntrailer << /Encrypt 5 0 R >>\n%%EOF\n",
    )?;
    let out = dir.path().join("out");
    let run = epts(&[
        "prepare",
        "fix",
        input.to_str().ok_or("path")?,
        "--out",
        out.to_str().ok_or("path")?,
        "--json",
    ]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "the encrypted file cannot be fixed"
    );
    let v: serde_json::Value = serde_json::from_slice(&run.stdout)?;
    let mut outputs: Vec<String> = v["files"]
        .as_array()
        .ok_or("files")?
        .iter()
        .filter_map(|f| {
            f["output"]
                .as_str()
                .map(|o| o.rsplit('/').next().unwrap_or(o).to_owned())
        })
        .collect();
    outputs.sort();
    assert_eq!(outputs, ["vypiska_epts.pdf", "vypiska_epts_2.pdf"]);
    let refused = v["files"]
        .as_array()
        .ok_or("files")?
        .iter()
        .find(|f| f["output"].is_null())
        .ok_or("one refused")?;
    assert_eq!(refused["problems"][0]["code"], "encrypted");
    assert_eq!(std::fs::read_dir(&input)?.count(), 3, "inputs untouched");
    let again = epts(&["prepare", "check", out.to_str().ok_or("path")?]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "the fixed copies pass the check"
    );
    Ok(())
}

#[test]
fn fix_turns_phone_photos_upright_and_names_them_by_the_pattern() -> Result {
    let photos = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/exif-orientation");
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("out");
    let run = epts(&[
        "prepare",
        "fix",
        photos.join("Portrait_6.jpg").to_str().ok_or("path")?,
        photos.join("Portrait_8.jpg").to_str().ok_or("path")?,
        "--out",
        out.to_str().ok_or("path")?,
        "--profile",
        "gosuslugi",
        "--name-pattern",
        "Соколова_Анна_фото_{n}",
        "--json",
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&run.stdout)?;
    for (i, f) in v["files"].as_array().ok_or("files")?.iter().enumerate() {
        assert_eq!(f["status"], "fixed");
        let output = f["output"].as_str().ok_or("output")?;
        assert!(
            output.ends_with(&format!("sokolova_anna_foto_{}.jpg", i + 1)),
            "{output}"
        );
        let codes: Vec<&str> = f["applied"]
            .as_array()
            .ok_or("applied")?
            .iter()
            .filter_map(|a| a["code"].as_str())
            .collect();
        assert!(codes.contains(&"auto_rotate"), "{codes:?}");
        let seen = epts_core::prepare::detect(&std::fs::read(output)?);
        assert_eq!(seen.facts.orientation, None);
        // Portrait photos stay portrait once the pixels are turned.
        assert!(seen.facts.height > seen.facts.width, "{:?}", seen.facts);
    }
    Ok(())
}

#[test]
fn merge_puts_photos_into_one_pdf_and_refuses_what_is_not_a_picture() -> Result {
    let photos = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/exif-orientation");
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("scans.pdf");
    let run = epts(&[
        "prepare",
        "merge",
        photos.join("Landscape_1.jpg").to_str().ok_or("path")?,
        photos.join("Portrait_1.jpg").to_str().ok_or("path")?,
        "--out",
        out.to_str().ok_or("path")?,
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let pdf = std::fs::read(&out)?;
    assert!(pdf.starts_with(b"%PDF-"));
    let seen = epts_core::prepare::detect(&pdf);
    assert_eq!(
        (seen.facts.pages, seen.corrupt),
        (Some(2), None),
        "two pages, readable"
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not an image")?;
    let refused = epts(&[
        "prepare",
        "merge",
        text.to_str().ok_or("path")?,
        "--out",
        dir.path().join("x.pdf").to_str().ok_or("path")?,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("не изображение"));
    assert!(!dir.path().join("x.pdf").exists(), "nothing half-written");
    Ok(())
}
