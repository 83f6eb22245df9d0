//! Backups, restores and key rotation, as a user who has lost a laptop — or a byte — sees
//! them; and the archive list's paging, sorting and document care.

use epts_core::Code;
use epts_core::vault::{BackupReader, Filter, KdfParams, Sort, Vault};
use epts_core::{Lang, Localized};
use std::path::Path;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const PASS: &str = "тёплый вечер у реки";
const BACKUP_PASS: &str = "другая фраза для копии";
const KDF: KdfParams = KdfParams::INSECURE_FOR_TESTS;

/// A vault with `records` synthetic records (record 0 updated once) and three documents.
fn filled(dir: &Path, records: u64) -> Result<Vault> {
    let mut v = Vault::create(dir, PASS, KDF)?;
    for n in 0..records {
        v.upsert_record(epts_synth::record(n))?;
    }
    let mut changed = epts_synth::record(0);
    changed.status = "Погашенный".into();
    v.upsert_record(changed)?;
    let vin = epts_synth::record(1).vin;
    v.import_bytes(
        "выписка.pdf",
        &epts_synth::extract_pdf(&epts_synth::record(1), 20_000),
        Some(&vin),
    )?;
    let scan = v.import_bytes("скан.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3], None)?;
    v.set_document_tags(scan.id, &["договор".into(), "2024".into()])?;
    let old = v.import_bytes("старое.png", b"\x89PNG\r\n\x1a\nold", None)?;
    v.trash_document(old.id)?;
    Ok(v)
}

#[test]
fn a_backup_restores_records_history_documents_and_tags_into_a_new_vault() -> Result {
    let dir = tempfile::tempdir()?;
    let v = filled(&dir.path().join("vault"), 30)?;
    let file = dir.path().join("archive.eptsbak");
    let summary = v.backup(&file, BACKUP_PASS, KDF)?;
    assert_eq!((summary.records, summary.documents), (30, 3));
    assert_eq!(summary.bytes, std::fs::metadata(&file)?.len());

    let wrong = BackupReader::open(&file, PASS).expect_err("wrong passphrase");
    assert_eq!(wrong.code(), Code::WrongPassphrase);
    let checked = BackupReader::open(&file, BACKUP_PASS)?.verify()?;
    assert!(checked.is_complete(), "{checked:?}");
    assert_eq!((checked.records, checked.documents), (30, 3));

    let mut restored = Vault::create(&dir.path().join("restored"), "новая фраза архива", KDF)?;
    let report = BackupReader::open(&file, BACKUP_PASS)?.restore_into(&mut restored)?;
    assert!(report.is_complete(), "{report:?}");
    assert!(report.journal_entries >= 31);
    let number = epts_synth::epts_number(0);
    assert_eq!(restored.record(&number)?, v.record(&number)?);
    assert_eq!(restored.history(&number)?, v.history(&number)?);
    assert_eq!(
        restored.history(&number)?.len(),
        1,
        "the earlier version came back"
    );
    let docs = restored.documents(true)?;
    assert_eq!(docs.len(), 3);
    for (a, b) in docs.iter().zip(v.documents(true)?) {
        assert_eq!(
            (&a.name, &a.vin, &a.tags, a.trashed),
            (&b.name, &b.vin, &b.tags, b.trashed)
        );
        assert_eq!(restored.read_document(a.id)?, v.read_document(b.id)?);
    }
    // A backup goes into a new archive only: never over what a user still has.
    let again = BackupReader::open(&file, BACKUP_PASS)?.restore_into(&mut restored);
    assert_eq!(again.expect_err("not empty").code(), Code::InvalidInput);
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn a_damaged_backup_names_what_it_lost_and_restores_the_rest() -> Result {
    let dir = tempfile::tempdir()?;
    let v = filled(&dir.path().join("vault"), 5)?;
    let file = dir.path().join("archive.eptsbak");
    v.backup(&file, BACKUP_PASS, KDF)?;
    let mut bytes = std::fs::read(&file)?;
    // Frames in order: 5 records, then the documents. Damage the first document's bytes
    // and the length field of the third record.
    let frames: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i..].starts_with(b"EPTSFRM1"))
        .collect();
    let first_document = frames[5];
    bytes[first_document + 60] ^= 0x01;
    bytes[frames[2] + 13] ^= 0x7F;
    std::fs::write(&file, &bytes)?;

    let mut restored = Vault::create(&dir.path().join("restored"), PASS, KDF)?;
    let report = BackupReader::open(&file, BACKUP_PASS)?.restore_into(&mut restored)?;
    assert!(report.manifest_read);
    assert_eq!(
        report.lost,
        [
            format!("ЭПТС {}", epts_synth::epts_number(2)),
            "документ №1 «выписка.pdf»".to_owned()
        ]
    );
    assert_eq!((report.records, report.documents), (4, 2));
    assert!(restored.record(&epts_synth::epts_number(4)).is_ok());
    assert_eq!(
        restored
            .record(&epts_synth::epts_number(2))
            .expect_err("lost")
            .code(),
        Code::RecordNotFound
    );

    // Cut short: the manifest is gone, the report says so, and what is there comes back.
    std::fs::write(&file, &bytes[..first_document])?;
    let report = BackupReader::open(&file, BACKUP_PASS)?.verify()?;
    assert!(!report.manifest_read && !report.is_complete());
    assert_eq!(report.records, 4);
    assert!(
        report.lost[0].contains("копия обрезана"),
        "{:?}",
        report.lost
    );

    // Not a backup at all.
    std::fs::write(&file, b"%PDF-1.7 not a backup")?;
    let err = BackupReader::open(&file, BACKUP_PASS).expect_err("not a backup");
    assert_eq!(err.code(), Code::BackupUnreadable);
    assert!(find(&std::fs::read(&file)?, b"EPTS").is_none());
    Ok(())
}

/// Rewrites the JSON header of the backup `file` (`EPTSBAK1`, length u32 le, JSON, frames).
fn edit_backup_header(file: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> Result {
    let bytes = std::fs::read(file)?;
    let len = u32::from_le_bytes(bytes[8..12].try_into()?) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[12..12 + len])?;
    edit(&mut header);
    let json = serde_json::to_vec(&header)?;
    let mut out = bytes[..8].to_vec();
    out.extend_from_slice(&u32::try_from(json.len())?.to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&bytes[12 + len..]);
    std::fs::write(file, out)?;
    Ok(())
}

#[test]
fn a_backup_asking_for_too_costly_a_key_derivation_is_refused_before_any() -> Result {
    let dir = tempfile::tempdir()?;
    let v = filled(&dir.path().join("vault"), 2)?;
    let genuine = dir.path().join("genuine.eptsbak");
    v.backup(&genuine, BACKUP_PASS, KDF)?;
    // m = 4 GiB would take gigabytes and many seconds if derived, and a derivation could only
    // end in `wrong_passphrase` (the parameters are authenticated by the key they derive):
    // `kdf_cost_too_high` is the check before Argon2id speaking. Restore and `--check` both
    // start with `BackupReader::open`.
    for (field, value) in [("m_kib", 4 * 1024 * 1024), ("t", 11), ("p", 17)] {
        let file = dir.path().join(format!("{field}.eptsbak"));
        std::fs::copy(&genuine, &file)?;
        edit_backup_header(&file, |h| h["key"]["kdf"][field] = value.into())?;
        let err = BackupReader::open(&file, BACKUP_PASS).expect_err(field);
        assert_eq!(err.code(), Code::KdfCostTooHigh, "{field}");
        let ru = err.message(Lang::Ru);
        assert!(
            ru.contains("слишком много работы") && ru.contains("другой файл .eptsbak"),
            "{ru}"
        );
    }
    // A salt the app never writes is a damaged backup, not a key to try.
    for bytes in [15, 65] {
        let file = dir.path().join(format!("salt-{bytes}.eptsbak"));
        std::fs::copy(&genuine, &file)?;
        edit_backup_header(&file, |h| h["key"]["salt"] = "ab".repeat(bytes).into())?;
        let err = BackupReader::open(&file, BACKUP_PASS).expect_err("odd salt");
        assert_eq!(err.code().to_string(), "backup_unreadable", "{bytes} bytes");
    }
    assert!(
        BackupReader::open(&genuine, BACKUP_PASS)?
            .verify()?
            .is_complete()
    );
    Ok(())
}

#[test]
fn the_backup_file_reveals_no_vin_owner_or_document_name() -> Result {
    let dir = tempfile::tempdir()?;
    let v = filled(&dir.path().join("vault"), 3)?;
    let file = dir.path().join("archive.eptsbak");
    v.backup(&file, BACKUP_PASS, KDF)?;
    let bytes = std::fs::read(&file)?;
    let r = epts_synth::record(1);
    for needle in [
        r.vin.as_str(),
        r.owner.as_deref().unwrap_or("-"),
        "выписка",
        "договор",
    ] {
        assert!(
            find(&bytes, needle.as_bytes()).is_none(),
            "{needle} is readable"
        );
    }
    Ok(())
}

#[test]
fn a_rotated_key_reopens_everything_and_the_old_key_opens_nothing() -> Result {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("vault");
    let mut v = filled(&path, 10)?;
    let before: Vec<_> = v
        .documents(true)?
        .iter()
        .map(|d| v.read_document(d.id).map(|b| b.to_vec()))
        .collect::<std::result::Result<_, _>>()?;
    let old_header = std::fs::read(path.join("vault.json"))?;
    let old_blobs: Vec<_> = std::fs::read_dir(path.join("blobs"))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<std::result::Result<_, _>>()?;

    assert_eq!(
        v.rekey(None, None)
            .expect_err("needs the passphrase")
            .code(),
        Code::PassphraseNeeded
    );
    assert_eq!(
        v.rekey(Some("не та фраза"), None)
            .expect_err("wrong")
            .code(),
        Code::WrongPassphrase
    );
    let report = v.rekey(Some(PASS), None)?;
    assert_eq!(
        (report.generation, report.resumed, report.documents_resealed),
        (1, false, 3)
    );
    drop(v);

    let v = Vault::open(&path, PASS)?;
    let after: Vec<_> = v
        .documents(true)?
        .iter()
        .map(|d| v.read_document(d.id).map(|b| b.to_vec()))
        .collect::<std::result::Result<_, _>>()?;
    assert_eq!(before, after);
    assert!(v.verify()?.is_ok());
    assert_eq!(v.search("", &Filter::default(), 100)?.len(), 10);
    // Every blob has a new name, and the old header (the old key) no longer opens the data.
    for e in std::fs::read_dir(path.join("blobs"))? {
        assert!(!old_blobs.contains(&e?.file_name()));
    }
    drop(v);
    std::fs::write(path.join("vault.json"), &old_header)?;
    assert_eq!(
        Vault::open(&path, PASS).expect_err("old key").code(),
        Code::WrongKey
    );
    Ok(())
}

#[test]
fn the_archive_list_pages_sorts_filters_and_counts() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(dir.path(), PASS, KDF)?;
    for n in 0..300 {
        v.upsert_record(epts_synth::record(n))?;
    }
    let all = v.search_page("", &Filter::default(), Sort::EptsNumber, 0, 50)?;
    assert_eq!((all.total, all.rows.len()), (300, 50));
    assert_eq!(all.rows[0].epts_number, epts_synth::epts_number(0));
    let later = v.search_page("", &Filter::default(), Sort::EptsNumber, 290, 50)?;
    assert_eq!(later.rows.len(), 10);
    assert_eq!(later.rows[9].epts_number, epts_synth::epts_number(299));

    let by_year = v.search_page("", &Filter::default(), Sort::Year, 0, 300)?;
    assert!(by_year.rows.windows(2).all(|w| w[0].year >= w[1].year));

    let brand = epts_synth::record(5).brand.unwrap_or_default();
    let lada = v.search_page(
        &brand.to_lowercase(),
        &Filter::default(),
        Sort::Brand,
        0,
        300,
    )?;
    assert!(
        lada.total > 0
            && lada
                .rows
                .iter()
                .all(|r| r.brand.as_deref() == Some(brand.as_str()))
    );

    let restricted = Filter {
        has_restrictions: Some(true),
        ..Filter::default()
    };
    let page = v.search_page("", &restricted, Sort::Updated, 0, 300)?;
    assert!(page.total > 0 && page.rows.iter().all(|r| r.has_restrictions));
    let (statuses, years) = v.facets()?;
    assert!(statuses.contains(&"Действующий".to_owned()) && !years.is_empty());
    Ok(())
}

#[test]
fn documents_are_renamed_tagged_attached_and_listed_by_vehicle() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(dir.path(), PASS, KDF)?;
    let vin = epts_synth::record(3).vin;
    let doc = v.import_bytes("IMG_0001.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 9], None)?;
    assert!(v.documents_for_vin(&vin)?.is_empty());
    v.attach_document(doc.id, Some(&vin.to_lowercase()))?;
    let renamed = v.rename_document(doc.id, "  Договор купли-продажи.jpg ")?;
    assert_eq!(renamed.name, "Договор купли-продажи.jpg");
    let tagged = v.set_document_tags(
        doc.id,
        &["Договор".into(), " договор ".into(), "2024".into()],
    )?;
    assert_eq!(tagged.tags, ["Договор", "2024"]);
    assert_eq!(v.documents_for_vin(&vin)?, [tagged]);

    for bad in ["", "a/b.pdf", "..\\x.pdf"] {
        assert_eq!(
            v.rename_document(doc.id, bad).expect_err(bad).code(),
            Code::InvalidInput
        );
    }
    let err = v
        .set_document_tags(doc.id, &["a,b".into()])
        .expect_err("comma");
    assert_eq!(err.code(), Code::InvalidInput);
    assert_eq!(
        v.rename_document(999, "x.pdf").expect_err("none").code(),
        Code::DocumentNotFound
    );
    v.trash_document(doc.id)?;
    assert!(
        v.documents_for_vin(&vin)?.is_empty(),
        "trashed documents leave the card"
    );
    Ok(())
}

#[test]
fn search_understands_dates_grouped_vins_and_plates_typed_in_latin() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(dir.path(), PASS, KDF)?;
    for n in 0..200 {
        v.upsert_record(epts_synth::record(n))?;
    }
    let r = epts_synth::record(17);
    let find = |text: &str| -> Result<Vec<String>> {
        Ok(
            v.search_page(text, &Filter::default(), Sort::EptsNumber, 0, 200)?
                .rows
                .into_iter()
                .map(|row| row.epts_number)
                .collect(),
        )
    };
    // A VIN typed in groups, in lower case, with a dash.
    let grouped = format!(
        "{} {}-{}",
        &r.vin[..3].to_lowercase(),
        &r.vin[3..9],
        &r.vin[9..]
    );
    assert_eq!(find(&grouped)?, std::slice::from_ref(&r.epts_number));
    // A date as written on the extract: day and month.
    let date = r.issue_date.clone().unwrap_or_default();
    let found = find(&date[..5])?;
    assert!(found.contains(&r.epts_number), "{date}");
    for number in &found {
        assert!(
            v.record(number)?
                .issue_date
                .is_some_and(|d| d.starts_with(&date[..5]))
        );
    }
    // A plate typed with Latin look-alikes.
    let plate = epts_synth::record(1).plate.unwrap_or_default();
    let latin: String = plate
        .chars()
        .map(epts_core::ids::cyrillic_to_latin_vin)
        .collect();
    assert!(
        find(&latin.to_lowercase())?.contains(&epts_synth::epts_number(1)),
        "{latin}"
    );
    Ok(())
}

#[test]
fn files_imported_together_come_in_all_or_none() -> Result {
    let dir = tempfile::tempdir()?;
    let mut v = Vault::create(&dir.path().join("vault"), PASS, KDF)?;
    let vin = epts_synth::record(2).vin;
    let mut paths = Vec::new();
    for n in 0..5 {
        let path = dir.path().join(format!("скан-{n}.pdf"));
        std::fs::write(
            &path,
            epts_synth::extract_pdf(&epts_synth::record(n), 5_000),
        )?;
        paths.push(path);
    }
    let missing = dir.path().join("нет-такого.pdf");
    let with_missing: Vec<&Path> = paths
        .iter()
        .map(|p| p.as_path())
        .chain([missing.as_path()])
        .collect();
    let err = v
        .import_files(&with_missing, Some(&vin))
        .expect_err("one file is missing");
    assert_eq!(err.code(), Code::VaultIoError);
    assert!(err.to_string().contains("нет-такого.pdf"), "{err}");
    assert!(v.documents(true)?.is_empty(), "none of the batch came in");
    assert_eq!(
        std::fs::read_dir(dir.path().join("vault/blobs"))?.count(),
        0,
        "no blob left behind"
    );

    let all: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let docs = v.import_files(&all, Some(&vin))?;
    assert_eq!(docs.len(), 5);
    assert_eq!(v.documents_for_vin(&vin)?.len(), 5);
    for (doc, path) in docs.iter().zip(&paths) {
        assert_eq!(
            v.read_document(doc.id)?.as_slice(),
            std::fs::read(path)?.as_slice()
        );
    }
    Ok(())
}
