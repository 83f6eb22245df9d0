//! `epts vault` as scripts use it, and what a crash at any moment leaves behind.

use epts_core::vault::{KdfParams, Vault};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

mod common;
use common::Lcg;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const PASS: &str = "тёплый вечер у реки";
const VIN: &str = "XTA21099843576182";

fn epts(vault: &Path, pass: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_epts"))
        .arg("vault")
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("EPTS_PASSPHRASE", pass)
        .env_remove("EPTS_LANG")
        .env_remove("EPTS_VAULT")
        .output()
        .expect("epts runs")
}

/// A vault with cheap key derivation (the CLI reads the cost from the vault's header).
fn quick_vault(dir: &Path) -> Result {
    Vault::create(dir, PASS, KdfParams::INSECURE_FOR_TESTS)?;
    Ok(())
}

#[test]
fn import_list_export_and_verify_from_a_script() -> Result {
    let tmp = tempfile::tempdir()?;
    let vault = tmp.path().join("vault");
    quick_vault(&vault)?;
    let file = tmp.path().join("extract.pdf");
    std::fs::write(&file, b"%PDF-1.7\nsynthetic extract\n%%EOF\n")?;

    let out = epts(
        &vault,
        PASS,
        &[
            "import",
            file.to_str().ok_or("path")?,
            "--vin",
            "xta21099843576182",
            "--json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(docs[0]["kind"], "pdf");
    assert_eq!(docs[0]["vin"], VIN);
    let id = docs[0]["id"].as_i64().ok_or("id")?.to_string();

    let list: serde_json::Value =
        serde_json::from_slice(&epts(&vault, PASS, &["list", "--json"]).stdout)?;
    assert_eq!(list.as_array().map(Vec::len), Some(1));

    let copy = tmp.path().join("copy.pdf");
    let out = epts(
        &vault,
        PASS,
        &["export", &id, "--out", copy.to_str().ok_or("path")?],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&copy)?, std::fs::read(&file)?);

    let out = epts(&vault, PASS, &["verify"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Проверено документов: 1"));
    Ok(())
}

#[test]
fn a_wrong_or_missing_passphrase_is_explained() -> Result {
    let tmp = tempfile::tempdir()?;
    quick_vault(tmp.path())?;
    let out = epts(tmp.path(), "не та фраза совсем", &["list", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["error"]["code"], "wrong_passphrase");

    let out = Command::new(env!("CARGO_BIN_EXE_epts"))
        .args(["vault", "--vault"])
        .arg(tmp.path())
        .arg("list")
        .env_remove("EPTS_PASSPHRASE")
        .output()?;
    assert_eq!(out.status.code(), Some(2), "no passphrase is a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"));
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_kill_at_any_moment_leaves_a_vault_that_opens_and_verifies() -> Result {
    let tmp = tempfile::tempdir()?;
    let mut files = Vec::new();
    for n in 0..8 {
        let path = tmp.path().join(format!("scan-{n}.pdf"));
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.extend(std::iter::repeat_n(n as u8, 8_000));
        std::fs::write(&path, bytes)?;
        files.push(path);
    }
    let mut rng = Lcg(7);
    let mut killed_mid_way = 0;
    let mut vault = tmp.path().to_path_buf();
    for iteration in 0..100 {
        // A fresh vault every 20 kills keeps each verify small; state still piles up within.
        if iteration % 20 == 0 {
            vault = tmp.path().join(format!("vault-{iteration}"));
            quick_vault(&vault)?;
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_epts"))
            .args(["vault", "--vault"])
            .arg(&vault)
            .arg("import")
            .args(&files)
            .env("EPTS_PASSPHRASE", PASS)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        std::thread::sleep(Duration::from_millis(rng.next(40)));
        if child.try_wait()?.is_none() {
            killed_mid_way += 1;
        }
        child.kill().ok(); // SIGKILL on Unix
        child.wait()?;

        let v = Vault::open(&vault, PASS)?;
        let report = v.verify()?;
        assert!(report.is_ok(), "after a kill: {report:?}");
        for doc in v.documents(true)? {
            let bytes = v.read_document(doc.id)?;
            assert_eq!(
                bytes.len() as u64,
                doc.bytes,
                "document #{} has all its bytes",
                doc.id
            );
        }
    }
    eprintln!("kills that landed mid-import: {killed_mid_way} of 100");
    assert!(
        killed_mid_way >= 50,
        "most kills landed mid-import: {killed_mid_way}"
    );
    Ok(())
}

#[test]
fn with_no_keyring_init_asks_for_a_passphrase_and_then_uses_it() -> Result {
    let tmp = tempfile::tempdir()?;
    let vault = tmp.path().join("vault");
    let run = |envs: &[(&str, &str)]| -> std::io::Result<Output> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_epts"));
        cmd.args(["vault", "--json", "--vault"])
            .arg(&vault)
            .arg("init");
        // No session bus: no Secret Service, as on a headless server.
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("EPTS_PASSPHRASE")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output()
    };
    let out = run(&[])?;
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["error"]["code"], "keyring_unavailable");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("парольной фразой"))
    );

    let out = run(&[("EPTS_PASSPHRASE", PASS)])?;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(
        (v["keyring"].as_bool(), v["passphrase"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(epts(&vault, PASS, &["unlock"]).status.code(), Some(0));
    Ok(())
}

/// Every file under `dir` with its bytes, to prove that a command changed nothing.
fn snapshot(dir: &Path) -> Result<std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>> {
    let mut out = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(snapshot(&path)?);
        } else {
            out.insert(path.clone(), std::fs::read(&path)?);
        }
    }
    Ok(out)
}

#[test]
fn a_wrong_passphrase_changes_nothing_in_the_vault() -> Result {
    let tmp = tempfile::tempdir()?;
    let vault = tmp.path().join("vault");
    quick_vault(&vault)?;
    let file = tmp.path().join("extract.pdf");
    std::fs::write(&file, b"%PDF-1.7\nsynthetic\n%%EOF\n")?;
    let path = file.to_str().ok_or("path")?;
    assert_eq!(epts(&vault, PASS, &["import", path]).status.code(), Some(0));
    let before = snapshot(&vault)?;
    let never = tmp.path().join("never-written.pdf");
    let never = never.to_str().ok_or("path")?;
    for args in [
        &["import", path, "--json"][..],
        &["export", "1", "--out", never, "--json"],
        &["verify", "--json"],
    ] {
        let out = epts(&vault, "совсем не та фраза", args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        assert_eq!(v["error"]["code"], "wrong_passphrase", "{args:?}");
    }
    assert_eq!(snapshot(&vault)?, before, "not one byte changed");
    assert!(!Path::new(never).exists());
    Ok(())
}

#[test]
fn verify_names_a_tampered_document_and_the_others_stay_exportable() -> Result {
    let tmp = tempfile::tempdir()?;
    let vault = tmp.path().join("vault");
    quick_vault(&vault)?;
    let (a, b) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"));
    std::fs::write(&a, b"%PDF-1.7\nfirst\n%%EOF\n")?;
    std::fs::write(&b, b"%PDF-1.7\nsecond\n%%EOF\n")?;
    let out = epts(
        &vault,
        PASS,
        &["import", a.to_str().ok_or("path")?, "--json"],
    );
    assert_eq!(out.status.code(), Some(0));
    // Only one blob exists now: it is a.pdf's. Then b.pdf comes in untouched.
    let blobs: Vec<_> =
        std::fs::read_dir(vault.join("blobs"))?.collect::<std::result::Result<_, _>>()?;
    let a_blob = blobs.first().ok_or("a blob")?.path();
    assert_eq!(
        epts(&vault, PASS, &["import", b.to_str().ok_or("path")?])
            .status
            .code(),
        Some(0)
    );
    let mut bytes = std::fs::read(&a_blob)?;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&a_blob, bytes)?;

    let out = epts(&vault, PASS, &["verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout)?;
    let mut lines = text.lines();
    let report: serde_json::Value = serde_json::from_str(lines.next().ok_or("report")?)?;
    assert_eq!(report["documentsChecked"], 2);
    assert_eq!(report["damaged"][0]["name"], "a.pdf");
    assert_eq!(report["damaged"].as_array().map(Vec::len), Some(1));
    let error: serde_json::Value = serde_json::from_str(lines.next().ok_or("error")?)?;
    assert_eq!(error["error"]["code"], "document_damaged");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("a.pdf"))
    );

    let copy = tmp.path().join("b-copy.pdf");
    let out = epts(
        &vault,
        PASS,
        &["export", "2", "--out", copy.to_str().ok_or("path")?],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&copy)?, std::fs::read(&b)?);
    let lost = tmp.path().join("a-copy.pdf");
    let out = epts(
        &vault,
        PASS,
        &[
            "export",
            "1",
            "--out",
            lost.to_str().ok_or("path")?,
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!lost.exists(), "nothing is written for a damaged document");
    Ok(())
}
