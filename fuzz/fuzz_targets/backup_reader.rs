//! Backup files → `BackupReader::open` + `verify`: damage is reported, never a panic, and
//! a damaged copy never yields more than the genuine one held.
//!
//! Input: one mode byte, then
//! - even mode: the whole file, as is (reaches the magic, the header JSON and the key
//!   unwrap; seeds are genuine backups, so the fuzzer starts past the passphrase);
//! - odd mode: an edit script applied to a genuine backup made once per process (a vault
//!   with two records, two documents and its journal, key under cheap test Argon2
//!   parameters): records of 6 bytes `op, value, offset u32 le`, where op % 5 is
//!   0 overwrite a byte, 1 insert a byte, 2 delete a byte, 3 truncate, 4 copy the next
//!   `value * 8` bytes to the end (a duplicated frame). The AEAD cannot be forged, so this
//!   is how the fuzzer reaches the frame walk, resync and manifest logic.
//!
//! The reader refuses a header asking for more than `KdfParams::MAX` before any key
//! derivation; the target asserts that. A header within the caps but dearer than
//! `FUZZ_KDF_BUDGET` is skipped: the derivation is the reader's one legitimate slow step,
//! and a run of it at 1 GiB would only be a timeout, not a finding.
//!
//! Set `EPTS_FUZZ_WRITE_BACKUP_SEED=PATH` to write the genuine backup (with mode byte 0)
//! as a seed.
#![no_main]

use epts_core::Localized;
use epts_core::vault::{BackupReader, EptsRecord, KdfParams, Vault};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

const PASS: &str = "тёплый вечер у реки";
const RECORDS: usize = 2;
const DOCUMENTS: usize = 2;

/// The most Argon2id work (KiB × passes) a run may do: 16 MiB once, a few milliseconds.
const FUZZ_KDF_BUDGET: u64 = 16 * 1024;

/// The Argon2id parameters the backup's header asks for, read as the reader reads them
/// (`EPTSBAK1`, length u32 le, JSON), or `None` when the reader would stop before them.
fn header_kdf(bytes: &[u8]) -> Option<KdfParams> {
    let rest = bytes.strip_prefix(b"EPTSBAK1")?;
    let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let header: serde_json::Value =
        serde_json::from_slice(rest.get(4..4usize.checked_add(len)?)?).ok()?;
    serde_json::from_value(header.get("key")?.get("kdf")?.clone()).ok()
}

struct Fixture {
    _dir: tempfile::TempDir,
    genuine: Vec<u8>,
    /// Where each run's file is written (one per process).
    file: PathBuf,
}

fn record(number: &str, vin: &str) -> EptsRecord {
    EptsRecord {
        epts_number: number.into(),
        vin: vin.into(),
        plate: Some("А123ВС77".into()),
        status: "Действующий".into(),
        issue_date: Some("12.03.2021".into()),
        brand: Some("LADA".into()),
        model: Some("Vesta".into()),
        year: Some(2021),
        owner: Some("Громова Алевтина Игоревна".into()),
        region: Some("77".into()),
        has_restrictions: false,
        extra: Default::default(),
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let kdf = KdfParams::INSECURE_FOR_TESTS;
        let mut v = Vault::create(&dir.path().join("vault"), PASS, kdf).expect("vault");
        v.upsert_record(record("164301027146619", "XTA21099843576182"))
            .expect("record 1");
        v.upsert_record(record("164301027146620", "XTA21099843576182"))
            .expect("record 2");
        v.import_bytes("vypiska.pdf", b"%PDF-1.7\n% extract\n%%EOF\n", None)
            .expect("document 1");
        v.import_bytes("foto.jpg", &[0xFF, 0xD8, 0xFF, 0xD9], None)
            .expect("document 2");
        let out = dir.path().join("genuine.eptsbak");
        v.backup(&out, PASS, kdf).expect("backup");
        let genuine = std::fs::read(&out).expect("read backup");
        if let Some(seed) = std::env::var_os("EPTS_FUZZ_WRITE_BACKUP_SEED") {
            let mut s = vec![0u8];
            s.extend_from_slice(&genuine);
            std::fs::write(seed, s).expect("write seed");
        }
        let file = dir.path().join("input.eptsbak");
        Fixture {
            _dir: dir,
            genuine,
            file,
        }
    })
}

fn edit(mut bytes: Vec<u8>, script: &[u8]) -> Vec<u8> {
    for op in script.chunks_exact(6) {
        let value = op[1];
        let len = bytes.len();
        if len == 0 {
            break;
        }
        let at = u32::from_le_bytes([op[2], op[3], op[4], op[5]]) as usize % len;
        match op[0] % 5 {
            0 => bytes[at] = value,
            1 => bytes.insert(at, value),
            2 => {
                bytes.remove(at);
            }
            3 => bytes.truncate(at),
            _ => {
                let end = at.saturating_add(usize::from(value) * 8).min(len);
                let copy = bytes[at..end].to_vec();
                bytes.extend_from_slice(&copy);
            }
        }
    }
    bytes
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let edited = mode & 1 == 1;
    let bytes = if edited {
        edit(f.genuine.clone(), rest)
    } else {
        rest.to_vec()
    };
    let kdf = header_kdf(&bytes);
    let over_caps = kdf.is_some_and(|k| !k.within_limits());
    if let Some(k) = kdf.filter(|_| !over_caps)
        && u64::from(k.m_kib) * u64::from(k.t) > FUZZ_KDF_BUDGET
    {
        return;
    }
    std::fs::write(&f.file, &bytes).expect("write input");
    let opened = BackupReader::open(&f.file, PASS);
    if over_caps {
        // Refused, and before the derivation: after it, only a wrong passphrase is possible
        // (the parameters are authenticated by the key they derive).
        let code = opened.as_ref().err().map(|e| e.code().to_string());
        assert!(
            code.as_deref().is_some_and(|c| c != "wrong_passphrase"),
            "a header over the caps got as far as the key: {code:?}"
        );
        return;
    }
    let Ok(reader) = opened else {
        return;
    };
    let Ok(report) = reader.verify() else {
        return;
    };
    if edited {
        assert!(
            report.records <= RECORDS && report.documents <= DOCUMENTS,
            "{report:?}"
        );
        if bytes == f.genuine {
            assert!(
                report.is_complete(),
                "the genuine backup reads whole: {report:?}"
            );
            assert_eq!((report.records, report.documents), (RECORDS, DOCUMENTS));
        }
        if report.manifest_read {
            let found = report.records + report.documents;
            assert!(
                found + report.lost.len() >= RECORDS + DOCUMENTS,
                "every item is either read or named lost: {report:?}"
            );
        }
    }
    if !report.manifest_read {
        assert!(!report.is_complete() && !report.lost.is_empty());
    }
});
