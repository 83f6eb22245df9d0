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
