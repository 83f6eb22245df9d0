//! The encrypted archive as its users rely on it: it keeps, finds, shows, and never leaks.

use epts_core::Code;
use epts_core::vault::{EptsRecord, Filter, KdfParams, Upsert, Vault, VaultError};
use epts_core::{Lang, Localized};
use std::path::Path;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const PASS: &str = "тёплый вечер у реки";
const KDF: KdfParams = KdfParams::INSECURE_FOR_TESTS;
/// Synthetic: valid check digit, invented owner.
const VIN: &str = "XTA21099843576182";
const OWNER: &str = "Громова Алевтина Игоревна";

fn record(number: &str, vin: &str, plate: &str, owner: &str) -> EptsRecord {
    EptsRecord {
        epts_number: number.into(),
        vin: vin.into(),
        plate: Some(plate.into()),
        status: "Действующий".into(),
        issue_date: Some("12.03.2021".into()),
        brand: Some("LADA".into()),
        model: Some("Vesta".into()),
        year: Some(2021),
        owner: Some(owner.into()),
        region: Some("77".into()),
        has_restrictions: false,
        extra: Default::default(),
    }
}

fn fake_pdf() -> Vec<u8> {
    format!("%PDF-1.7\n% extract\nVIN {VIN}\nСобственник {OWNER}\n%%EOF\n").into_bytes()
}

#[test]
fn a_vault_opens_only_with_its_passphrase() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(dir.path(), PASS, KDF)?;
    v.upsert_record(record("164301027146619", VIN, "А123ВС77", OWNER))?;
    drop(v);

    let err = Vault::open(dir.path(), "холодный вечер").expect_err("wrong passphrase");
    assert_eq!(err.code(), Code::WrongPassphrase);
    assert!(err.message(Lang::Ru).contains("архив не изменён"));
    let v = Vault::open(dir.path(), PASS)?;
    assert_eq!(v.record("164301027146619")?.owner.as_deref(), Some(OWNER));

    let again = Vault::create(dir.path(), PASS, KDF).expect_err("exists");
    assert_eq!(again.code(), Code::VaultExists);
    let missing = Vault::open(&dir.path().join("nothing"), PASS).expect_err("no vault");
    assert_eq!(missing.code(), Code::VaultNotFound);
    Ok(())
}

#[test]
fn a_changed_record_keeps_its_earlier_versions() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(dir.path(), PASS, KDF)?;
    let first = record("164301027146619", VIN, "А123ВС77", OWNER);
    assert_eq!(v.upsert_record(first.clone())?, Upsert::Inserted);
    assert_eq!(v.upsert_record(first.clone())?, Upsert::Unchanged);
    let mut sold = first.clone();
    sold.owner = Some("Лебедев Тимур Аркадьевич".into());
    sold.plate = Some("К777МН199".into());
    assert_eq!(
        v.upsert_record(sold.clone())?,
        Upsert::Updated { version: 2 }
    );

    assert_eq!(v.record("164301027146619")?, sold);
    let history = v.history("164301027146619")?;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].version, 1);
    assert_eq!(history[0].record, first);
    Ok(())
}

#[test]
fn records_are_validated_before_they_are_kept() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(dir.path(), PASS, KDF)?;
    let bad = record("164301027146619", "XTA2109984357618", "А123ВС77", OWNER);
    assert_eq!(
        v.upsert_record(bad).expect_err("short VIN").code(),
        Code::InvalidInput
    );
    // Normalised on the way in: lower case, Latin look-alikes on the plate.
    v.upsert_record(record(
        "1643 0102 7146619",
        "xta21099843576182",
        "a123bc77",
        OWNER,
    ))?;
    let kept = v.record("164301027146619")?;
    assert_eq!(
        (kept.vin.as_str(), kept.plate.as_deref()),
        (VIN, Some("А123ВС77"))
    );
    Ok(())
}

#[test]
fn search_finds_by_prefix_of_any_field_however_it_is_typed() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(dir.path(), PASS, KDF)?;
    v.upsert_record(record("164301027146619", VIN, "А123ВС77", OWNER))?;
    let mut other = record(
        "164301027146620",
        "Z94CB41AXGR323020",
        "Е456КХ199",
        "Лебедев Тимур Аркадьевич",
    );
    other.brand = Some("Hyundai".into());
    other.model = Some("Solaris".into());
    other.status = "Погашенный".into();
    other.year = Some(2016);
    other.has_restrictions = true;
    v.upsert_record(other)?;

    let numbers = |q: &str, f: &Filter| -> Result<Vec<String>> {
        Ok(v.search(q, f, 50)?
            .into_iter()
            .map(|r| r.epts_number)
            .collect())
    };
    let none = Filter::default();
    assert_eq!(
        numbers("xta2109", &none)?,
        ["164301027146619"],
        "VIN prefix, lower case"
    );
    assert_eq!(
        numbers("a123bc", &none)?,
        ["164301027146619"],
        "plate typed in Latin"
    );
    assert_eq!(
        numbers("громов", &none)?,
        ["164301027146619"],
        "owner prefix"
    );
    assert_eq!(
        numbers("солярис", &none)?,
        Vec::<String>::new(),
        "no false friends"
    );
    assert_eq!(
        numbers("hyundai sol", &none)?,
        ["164301027146620"],
        "several words: all must match"
    );
    assert_eq!(numbers("16430102714662", &none)?, ["164301027146620"]);
    assert_eq!(numbers("", &none)?.len(), 2, "empty text lists all");
    assert_eq!(
        numbers("\" OR * (", &none)?.len(),
        0,
        "FTS syntax in input is harmless"
    );
    let restricted = Filter {
        has_restrictions: Some(true),
        ..Filter::default()
    };
    assert_eq!(numbers("", &restricted)?, ["164301027146620"]);
    let by_status = Filter {
        status: Some("Действующий".into()),
        year: Some(2021),
        ..Filter::default()
    };
    assert_eq!(numbers("", &by_status)?, ["164301027146619"]);
    Ok(())
}

#[test]
fn documents_come_back_byte_for_byte_and_trash_is_reversible() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(&dir.path().join("vault"), PASS, KDF)?;
    let src = dir.path().join("выписка.pdf");
    std::fs::write(&src, fake_pdf())?;
    let doc = v.import_file(&src, Some("xta21099843576182"))?;
    assert_eq!(
        (doc.kind.as_str(), doc.vin.as_deref(), doc.name.as_str()),
        ("pdf", Some(VIN), "выписка.pdf")
    );
    assert_eq!(v.read_document(doc.id)?.as_slice(), fake_pdf().as_slice());

    let out = dir.path().join("out/copy.pdf");
    v.export_document(doc.id, &out)?;
    assert_eq!(std::fs::read(&out)?, fake_pdf());

    v.trash_document(doc.id)?;
    assert!(v.documents(false)?.is_empty());
    v.restore_document(doc.id)?;
    assert_eq!(v.documents(false)?.len(), 1);
    v.trash_document(doc.id)?;
    assert_eq!(v.empty_trash()?, 1);
    assert_eq!(
        v.read_document(doc.id).expect_err("gone").code(),
        Code::DocumentNotFound
    );
    assert!(v.verify()?.is_ok());
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn every_file(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(every_file(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

/// Fails when any file under `dir` holds a VIN, an owner or an ePTS number in UTF-8 or UTF-16.
fn assert_reveals_nothing(dir: &Path) -> Result {
    let needles = [
        VIN.as_bytes().to_vec(),
        OWNER.as_bytes().to_vec(),
        utf16le(VIN),
        utf16le(OWNER),
        b"164301027146619".to_vec(),
    ];
    for path in every_file(dir)? {
        let bytes = std::fs::read(&path)?;
        for needle in &needles {
            assert!(
                !contains(&bytes, needle),
                "{} reveals a secret",
                path.display()
            );
        }
    }
    Ok(())
}

#[test]
fn no_file_in_the_vault_reveals_a_vin_or_an_owner() -> Result {
    let dir = tempfile::tempdir()?;
    {
        let mut v = Vault::create(dir.path(), PASS, KDF)?;
        v.upsert_record(record("164301027146619", VIN, "А123ВС77", OWNER))?;
        v.import_bytes("extract.pdf", &fake_pdf(), Some(VIN))?;
        // Checked while open too: WAL and shared-memory files are part of the folder.
        assert_reveals_nothing(dir.path())?;
    }
    let files = every_file(dir.path())?;
    assert!(files.len() >= 3, "header, database and a blob: {files:?}");
    assert_reveals_nothing(dir.path())
}

#[test]
fn a_flipped_byte_in_a_document_is_named_and_the_rest_stays_readable() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(dir.path(), PASS, KDF)?;
    let good = v.import_bytes("good.pdf", &fake_pdf(), None)?;
    let bad = v.import_bytes("bad.jpg", &[0xFF, 0xD8, 0xFF, 1, 2, 3, 4, 5], None)?;
    drop(v);
    let blobs: Vec<_> = every_file(&dir.path().join("blobs"))?;
    // Flip a byte in every blob whose plaintext we can no longer read with the right name.
    let v = Vault::open(dir.path(), PASS)?;
    let mut flipped = false;
    for path in blobs {
        let mut bytes = std::fs::read(&path)?;
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        std::fs::write(&path, &bytes)?;
        if v.read_document(bad.id).is_err() {
            flipped = true;
            break;
        }
        bytes[last] ^= 0x40;
        std::fs::write(&path, &bytes)?;
    }
    assert!(flipped, "the bad document's blob was found and damaged");
    let err = v.read_document(bad.id).expect_err("damaged");
    assert_eq!(err.code(), Code::DocumentDamaged);
    assert!(err.message(Lang::Ru).contains("bad.jpg"));
    assert_eq!(v.read_document(good.id)?.as_slice(), fake_pdf().as_slice());
    let report = v.verify()?;
    assert!(!report.is_ok());
    assert_eq!(
        report.damaged.iter().map(|d| d.id).collect::<Vec<_>>(),
        [bad.id]
    );
    Ok(())
}

#[test]
fn a_damaged_database_page_is_reported() -> Result {
    let dir = tempfile::tempdir()?;
    {
        let mut v = Vault::create(dir.path(), PASS, KDF)?;
        for n in 0..200u64 {
            let number = format!("1643010{:08}", 27_000_000 + n);
            let mut r = record(&number, VIN, "А123ВС77", OWNER);
            r.extra.insert("note".into(), "x".repeat(200).into());
            v.upsert_record(r)?;
        }
    }
    let db = dir.path().join("vault.db");
    let mut bytes = std::fs::read(&db)?;
    assert!(bytes.len() > 64 * 1024, "several pages: {}", bytes.len());
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&db, &bytes)?;
    match Vault::open(dir.path(), PASS) {
        Ok(v) => {
            let report = v.verify()?;
            assert!(
                !report.database_problems.is_empty(),
                "the page check names the damage"
            );
        }
        Err(e) => assert_eq!(e.code(), Code::VaultDatabaseError),
    }
    Ok(())
}

#[test]
fn a_header_edited_to_weaken_it_does_not_open() -> Result {
    let dir = tempfile::tempdir()?;
    Vault::create(
        dir.path(),
        PASS,
        KdfParams {
            m_kib: 128,
            t: 2,
            p: 1,
        },
    )?;
    let path = dir.path().join("vault.json");
    let text = std::fs::read_to_string(&path)?.replace("\"t\": 2", "\"t\": 1");
    std::fs::write(&path, text)?;
    assert_eq!(
        Vault::open(dir.path(), PASS).expect_err("edited").code(),
        Code::WrongPassphrase
    );
    std::fs::write(&path, b"{ not json")?;
    assert_eq!(
        Vault::open(dir.path(), PASS).expect_err("garbage").code(),
        Code::VaultHeaderDamaged
    );
    Ok(())
}

#[test]
fn a_header_asking_for_too_costly_a_key_derivation_is_refused_before_any() -> Result {
    let dir = tempfile::tempdir()?;
    Vault::create(dir.path(), PASS, KDF)?;
    let path = dir.path().join("vault.json");
    let genuine = std::fs::read(&path)?;
    let edit = |change: &dyn Fn(&mut serde_json::Value)| -> Result {
        let mut header: serde_json::Value = serde_json::from_slice(&genuine)?;
        change(&mut header);
        std::fs::write(&path, serde_json::to_vec(&header)?)?;
        Ok(())
    };
    // m = 4 GiB would take gigabytes and many seconds if derived, and a derivation could only
    // end in `wrong_passphrase` (the parameters are authenticated by the key they derive):
    // `kdf_cost_too_high` is the check before Argon2id speaking.
    for (field, value) in [("m_kib", 4 * 1024 * 1024), ("t", 11), ("p", 17)] {
        edit(&|h| h["passphrase"]["kdf"][field] = value.into())?;
        let err = Vault::open(dir.path(), PASS).expect_err(field);
        assert_eq!(err.code(), Code::KdfCostTooHigh, "{field}");
        let ru = err.message(Lang::Ru);
        assert!(
            ru.contains("слишком много работы") && ru.contains("восстановите его vault.json"),
            "{ru}"
        );
    }
    for bytes in [15, 65] {
        edit(&|h| h["passphrase"]["salt"] = "ab".repeat(bytes).into())?;
        let err = Vault::open(dir.path(), PASS).expect_err("odd salt");
        assert_eq!(
            err.code().to_string(),
            "vault_header_damaged",
            "{bytes} bytes"
        );
    }
    // Nothing was changed by the refusals: the genuine header opens the vault.
    std::fs::write(&path, &genuine)?;
    Vault::open(dir.path(), PASS)?;
    Ok(())
}

#[test]
fn a_new_passphrase_replaces_the_old_one() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(dir.path(), PASS, KDF)?;
    v.change_passphrase("новая длинная фраза", KDF)?;
    drop(v);
    assert!(matches!(
        Vault::open(dir.path(), PASS),
        Err(VaultError::WrongPassphrase)
    ));
    Vault::open(dir.path(), "новая длинная фраза")?;
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_gives_a_clear_error_and_loses_nothing() -> Result {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(dir.path(), PASS, KDF)?;
    let kept = v.import_bytes("kept.pdf", &fake_pdf(), None)?;
    let blobs = dir.path().join("blobs");
    std::fs::set_permissions(&blobs, std::fs::Permissions::from_mode(0o500))?;
    let result = v.import_bytes("new.pdf", &fake_pdf(), None);
    std::fs::set_permissions(&blobs, std::fs::Permissions::from_mode(0o700))?;
    // Root ignores permissions; the check only means something for a normal user.
    if let Err(e) = result {
        assert_eq!(e.code(), Code::VaultReadOnly);
        assert!(e.message(Lang::Ru).contains("Нет прав на запись"));
        assert_eq!(
            v.documents(false)?.len(),
            1,
            "no half-imported document is listed"
        );
    }
    assert_eq!(v.read_document(kept.id)?.as_slice(), fake_pdf().as_slice());
    Ok(())
}

#[test]
fn a_missing_database_is_an_error_and_no_document_is_thrown_away() -> Result {
    let dir = tempfile::tempdir()?;
    {
        let mut v = Vault::create(dir.path(), PASS, KDF)?;
        v.import_bytes("extract.pdf", &fake_pdf(), Some(VIN))?;
    }
    let blobs_before = every_file(&dir.path().join("blobs"))?;
    assert_eq!(blobs_before.len(), 1);
    // A sync tool or a partial copy lost the database: the documents' bytes must survive.
    let db = dir.path().join("vault.db");
    std::fs::rename(&db, dir.path().join("elsewhere.db"))?;
    let err = Vault::open(dir.path(), PASS).expect_err("no database");
    assert_eq!(err.code(), Code::VaultDatabaseMissing);
    assert!(err.message(Lang::Ru).contains("vault.db"));
    assert!(!db.exists(), "no empty database was made in its place");
    assert_eq!(every_file(&dir.path().join("blobs"))?, blobs_before);
    Ok(())
}

#[test]
fn a_database_from_another_vault_is_refused_as_the_wrong_key() -> Result {
    let tmp = tempfile::tempdir()?;
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    Vault::create(&a, PASS, KDF)?.upsert_record(record(
        "164301027146619",
        VIN,
        "А123ВС77",
        OWNER,
    ))?;
    drop(Vault::create(&b, PASS, KDF)?);
    // Same passphrase, different vault key: b's database is not a's.
    std::fs::copy(b.join("vault.db"), a.join("vault.db"))?;
    let err = Vault::open(&a, PASS).expect_err("another vault's database");
    assert_eq!(err.code(), Code::WrongKey);
    assert!(
        err.message(Lang::En)
            .contains("restore vault.db from a backup")
    );
    Ok(())
}

#[test]
fn verify_running_beside_an_import_never_takes_a_new_documents_bytes() -> Result {
    // The desktop app imports while `epts vault verify` runs in another process: verify's
    // clean-up of orphans must not mistake a document being imported for one.
    let dir = tempfile::tempdir()?;
    let path = dir.path().to_path_buf();
    drop(Vault::create(&path, PASS, KDF)?);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let checker = {
        let (path, stop) = (path.clone(), stop.clone());
        std::thread::spawn(move || -> std::result::Result<usize, VaultError> {
            let v = Vault::open(&path, PASS)?;
            let mut runs = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                v.verify()?;
                runs += 1;
            }
            Ok(runs)
        })
    };
    let mut importer = Vault::open(&path, PASS)?;
    let started = std::time::Instant::now();
    let mut imported = 0;
    while started.elapsed() < std::time::Duration::from_millis(1500) {
        importer.import_bytes("scan.pdf", &fake_pdf(), None)?;
        imported += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let runs = checker.join().map_err(|_| "verify thread panicked")??;
    assert!(
        runs > 0 && imported > 0,
        "{runs} verify runs, {imported} imports"
    );
    for doc in importer.documents(true)? {
        importer.read_document(doc.id)?;
    }
    assert!(importer.verify()?.is_ok());
    Ok(())
}

/// A small tmpfs stands in for a full disk. Mounting needs root (as in CI and on this
/// project's build machines); elsewhere the test says it did not run.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_a_clear_error_and_loses_nothing() -> Result {
    let mount_point = tempfile::tempdir()?;
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(mount_point.path())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("not run: mounting a small tmpfs needs root");
        return Ok(());
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(mount_point.path());
    let dir = mount_point.path().join("vault");
    let mut v = Vault::create(&dir, PASS, KDF)?;
    v.upsert_record(record("164301027146619", VIN, "А123ВС77", OWNER))?;
    let scan: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut kept = Vec::new();
    let err = loop {
        match v.import_bytes(&format!("скан-{}.jpg", kept.len()), &scan, Some(VIN)) {
            Ok(doc) => kept.push(doc.id),
            Err(e) => break e,
        }
        assert!(kept.len() < 20, "a 2 MB disk filled up");
    };
    assert_eq!(err.code(), Code::DiskFull, "{err}");
    assert!(
        err.message(Lang::Ru).contains("нет места"),
        "{}",
        err.message(Lang::Ru)
    );
    assert!(!kept.is_empty());
    drop(v);
    // Everything imported before the disk filled is whole; the failed import left nothing.
    let v = Vault::open(&dir, PASS)?;
    let report = v.verify()?;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        v.documents(false)?.iter().map(|d| d.id).collect::<Vec<_>>(),
        kept
    );
    for id in &kept {
        assert_eq!(v.read_document(*id)?.as_slice(), scan.as_slice());
    }
    assert_eq!(v.record("164301027146619")?.owner.as_deref(), Some(OWNER));
    Ok(())
}
