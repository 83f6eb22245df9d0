//! Backups, restores, key rotation and record updates from the command line — and what a
//! kill at any moment of a record update or a key rotation leaves behind.

use epts_core::vault::{Filter, KdfParams, Sort, Vault};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

mod common;
use common::Lcg;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const PASS: &str = "тёплый вечер у реки";
const BACKUP_PASS: &str = "фраза резервной копии";

fn epts(vault: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_epts"));
    cmd.args(["vault", "--keyring", "never", "--vault"])
        .arg(vault)
        .args(args)
        .env("EPTS_PASSPHRASE", PASS)
        .env_remove("EPTS_BACKUP_PASSPHRASE")
        .env_remove("EPTS_LANG")
        .env_remove("EPTS_VAULT");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("epts runs")
}

fn ok(out: &Output) -> Result<serde_json::Value> {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn records_file(
    dir: &Path,
    name: &str,
    range: std::ops::Range<u64>,
    status: &str,
) -> Result<String> {
    let path = dir.join(name);
    let mut text = String::new();
    for n in range {
        let mut r = epts_synth::record(n);
        r.status = status.to_owned();
        text.push_str(&serde_json::to_string(&r)?);
        text.push('\n');
    }
    std::fs::write(&path, text)?;
    Ok(path.to_str().ok_or("path")?.to_owned())
}

#[test]
fn a_script_backs_up_restores_and_rotates_the_key() -> Result {
    let tmp = tempfile::tempdir()?;
    let vault = tmp.path().join("vault");
    Vault::create(&vault, PASS, KdfParams::INSECURE_FOR_TESTS)?;
    let first = records_file(tmp.path(), "a.jsonl", 0..20, "Действующий")?;
    let v = ok(&epts(&vault, &["add-records", &first, "--json"], &[]))?;
    assert_eq!(
        (v["inserted"].as_u64(), v["updated"].as_u64()),
        (Some(20), Some(0))
    );
    let second = records_file(tmp.path(), "b.jsonl", 10..20, "Погашенный")?;
    let v = ok(&epts(&vault, &["add-records", &second, "--json"], &[]))?;
    assert_eq!(
        (v["updated"].as_u64(), v["unchanged"].as_u64()),
        (Some(10), Some(0))
    );
    let pdf = tmp.path().join("выписка.pdf");
    std::fs::write(
        &pdf,
        epts_synth::extract_pdf(&epts_synth::record(3), 30_000),
    )?;
    ok(&epts(
        &vault,
        &["import", pdf.to_str().ok_or("path")?, "--json"],
        &[],
    ))?;

    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"eptsNumber\": \"123\"}\n")?;
    let out = epts(&vault, &["add-records", bad.to_str().ok_or("path")?], &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a malformed file is a usage error"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));

    let backup = tmp.path().join("archive.eptsbak");
    let backup_str = backup.to_str().ok_or("path")?;
    let env = [("EPTS_BACKUP_PASSPHRASE", BACKUP_PASS)];
    let v = ok(&epts(
        &vault,
        &["backup", "--out", backup_str, "--json"],
        &env,
    ))?;
    assert_eq!(
        (v["records"].as_u64(), v["documents"].as_u64()),
        (Some(20), Some(1))
    );

    let restored = tmp.path().join("restored");
    let wrong = epts(&restored, &["restore", backup_str, "--json"], &[]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        !restored.exists(),
        "a wrong backup passphrase creates no vault"
    );
    let v = ok(&epts(&restored, &["restore", backup_str, "--json"], &env))?;
    assert_eq!(
        (v["records"].as_u64(), v["documents"].as_u64()),
        (Some(20), Some(1))
    );
    assert_eq!(v["lost"].as_array().map(Vec::len), Some(0));
    let shown = ok(&epts(
        &restored,
        &["show", &epts_synth::epts_number(15), "--json"],
        &[],
    ))?;
    assert_eq!(shown["record"]["status"], "Погашенный");
    assert_eq!(shown["history"][0]["record"]["status"], "Действующий");

    // A damaged backup: the check names the lost document and exits 1.
    let mut bytes = std::fs::read(&backup)?;
    let at = bytes.len() * 3 / 5; // inside the document, the largest item
    bytes[at] ^= 0x10;
    std::fs::write(&backup, &bytes)?;
    let out = epts(&restored, &["restore", backup_str, "--check"], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("выписка.pdf"));

    let v = ok(&epts(&vault, &["rekey", "--json"], &[]))?;
    assert_eq!(
        (v["generation"].as_u64(), v["documentsResealed"].as_u64()),
        (Some(1), Some(1))
    );
    let v = ok(&epts(&vault, &["verify", "--json"], &[]))?;
    assert_eq!(v["documentsChecked"], 1);
    Ok(())
}

/// Runs `args` and kills it with SIGKILL after a random moment; true if it was still running.
fn run_and_kill(vault: &Path, args: &[&str], rng: &mut Lcg, bound_ms: u64) -> Result<bool> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_epts"))
        .args(["vault", "--keyring", "never", "--vault"])
        .arg(vault)
        .args(args)
        .env("EPTS_PASSPHRASE", PASS)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    std::thread::sleep(Duration::from_millis(rng.next(bound_ms)));
    let running = child.try_wait()?.is_none();
    child.kill().ok(); // SIGKILL on Unix
    child.wait()?;
    Ok(running)
}

#[cfg(unix)]
#[test]
fn a_kill_during_record_updates_never_shows_half_a_record() -> Result {
    let tmp = tempfile::tempdir()?;
    let vault = tmp.path().join("vault");
    Vault::create(&vault, PASS, KdfParams::INSECURE_FOR_TESTS)?;
    const N: u64 = 150;
    let mut rng = Lcg(11);
    let mut mid_way = 0;
    for iteration in 0..100 {
        let status = if iteration % 2 == 0 {
            "Погашенный"
        } else {
            "Действующий"
        };
        let file = records_file(tmp.path(), "batch.jsonl", 0..N, status)?;
        if run_and_kill(&vault, &["add-records", &file], &mut rng, 80)? {
            mid_way += 1;
        }
        let v = Vault::open(&vault, PASS)?;
        assert!(v.verify()?.is_ok());
        let page = v.search_page("", &Filter::default(), Sort::EptsNumber, 0, 1000)?;
        for row in &page.rows {
            // The list's columns, the record itself and the search index agree.
            let record = v.record(&row.epts_number)?;
            assert_eq!(row.status, record.status, "iteration {iteration}");
            let by_vin = v.search_page(&row.vin, &Filter::default(), Sort::Updated, 0, 5)?;
            assert_eq!(
                by_vin.rows.first().map(|r| &r.epts_number),
                Some(&row.epts_number)
            );
            // Every change left the earlier version in the timeline.
            for earlier in v.history(&row.epts_number)? {
                assert_ne!(earlier.record.status, "", "iteration {iteration}");
            }
        }
        // Records arrive in order, each whole: a prefix of the batch, never a gap.
        let expected: Vec<String> = (0..page.total as u64)
            .map(epts_synth::epts_number)
            .collect();
        let got: Vec<String> = page.rows.iter().map(|r| r.epts_number.clone()).collect();
        assert_eq!(got, expected, "iteration {iteration}");
    }
    eprintln!("kills that landed mid-update: {mid_way} of 100");
    assert!(mid_way >= 50, "most kills landed mid-update: {mid_way}");
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_kill_during_key_rotation_loses_nothing_and_the_next_rekey_finishes() -> Result {
    let tmp = tempfile::tempdir()?;
    let vault = tmp.path().join("vault");
    let mut v = Vault::create(&vault, PASS, KdfParams::INSECURE_FOR_TESTS)?;
    for n in 0..200 {
        v.upsert_record(epts_synth::record(n))?;
    }
    let mut originals = Vec::new();
    for n in 0..12 {
        let pdf = epts_synth::extract_pdf(&epts_synth::record(n), 60_000);
        let doc = v.import_bytes(&format!("{n}.pdf"), &pdf, None)?;
        originals.push((doc.id, pdf));
    }
    drop(v);
    let mut rng = Lcg(3);
    let mut mid_way = 0;
    for iteration in 0..40 {
        if run_and_kill(&vault, &["rekey"], &mut rng, 250)? {
            mid_way += 1;
        }
        // Mid-rotation or not, the vault opens with its passphrase and every byte is there.
        let v = Vault::open(&vault, PASS)?;
        for (id, pdf) in &originals {
            assert_eq!(
                v.read_document(*id)?.as_slice(),
                pdf.as_slice(),
                "iteration {iteration}"
            );
        }
        assert_eq!(v.search("", &Filter::default(), 1000)?.len(), 200);
        assert!(v.verify()?.is_ok(), "iteration {iteration}");
    }
    let out = epts(&vault, &["rekey", "--json"], &[]);
    let report = ok(&out)?;
    let v = Vault::open(&vault, PASS)?;
    assert!(!v.rekey_pending());
    for (id, pdf) in &originals {
        assert_eq!(v.read_document(*id)?.as_slice(), pdf.as_slice());
    }
    let blobs = std::fs::read_dir(vault.join("blobs"))?.count();
    assert_eq!(blobs, originals.len(), "no stray blob is left: {report}");
    assert!(!vault.join("vault.db.rekey").exists());
    eprintln!(
        "kills that landed mid-rotation: {mid_way} of 40; generation {}",
        report["generation"]
    );
    assert!(mid_way >= 20, "most kills landed mid-rotation: {mid_way}");
    Ok(())
}
