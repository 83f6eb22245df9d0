//! Documents: any file, kept encrypted, attached to a vehicle, tagged, trashed, exported.
//!
//! Order of writes keeps a crash harmless: the blob is written (atomically) before its row
//! is committed, and a row is deleted before its blob. So a listed document always has its
//! bytes; a crash can only leave an unlisted blob, which `verify` finds and removes.
//!
//! Another process may use the vault at the same time (the desktop app and `epts vault`).
//! An import holds the database's write lock from before its blob is written until its row
//! is committed, and `verify` looks for orphans only while holding that lock: so a blob
//! whose import is under way is never taken for an orphan.

use super::blobs::{BlobFault, Blobs};
use super::error::VaultError;
use super::records::now;
use crate::fsutil::write_atomic;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use std::path::Path;
use zeroize::Zeroizing;

/// The largest file the archive takes in (a scanned application is far smaller).
pub const MAX_DOCUMENT_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Document {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub name: String,
    /// What the bytes are, by content: pdf, jpeg, png, tiff, zip, other.
    pub kind: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    pub vin: Option<String>,
    pub tags: Vec<String>,
    pub imported_at: String,
    pub trashed: bool,
}

/// A cheap look at the first bytes; the full detector is `prepare`'s.
pub fn sniff(bytes: &[u8]) -> &'static str {
    match bytes {
        [b'%', b'P', b'D', b'F', b'-', ..] => "pdf",
        [0xFF, 0xD8, 0xFF, ..] => "jpeg",
        [0x89, b'P', b'N', b'G', ..] => "png",
        [b'I', b'I', 42, 0, ..] | [b'M', b'M', 0, 42, ..] => "tiff",
        [b'P', b'K', 3, 4, ..] => "zip",
        _ => "other",
    }
}

fn row_to_document(r: &rusqlite::Row<'_>) -> rusqlite::Result<Document> {
    let tags: String = r.get(5)?;
    Ok(Document {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        bytes: u64::try_from(r.get::<_, i64>(3)?).unwrap_or_default(),
        vin: r.get(4)?,
        tags: tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        imported_at: r.get(6)?,
        trashed: r.get::<_, Option<String>>(7)?.is_some(),
    })
}

const COLUMNS: &str = "id, name, kind, bytes, vin, tags, imported_at, trashed_at";

pub(crate) fn import_bytes(
    conn: &mut Connection,
    blobs: &Blobs,
    name: &str,
    bytes: &[u8],
    vin: Option<&str>,
) -> Result<Document, VaultError> {
    let vin = clean_vin(vin)?;
    let meta = Restored {
        name: clean_name(name)?,
        vin,
        tags: Vec::new(),
        imported_at: now(),
        trashed_at: None,
    };
    insert(conn, blobs, &meta, bytes)
}

/// A document's metadata as a backup carries it back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Restored {
    pub name: String,
    pub vin: Option<String>,
    pub tags: Vec<String>,
    pub imported_at: String,
    pub trashed_at: Option<String>,
}

/// A document's row and its journal entry, in the caller's transaction.
fn insert_row(
    tx: &Transaction<'_>,
    blob: &str,
    meta: &Restored,
    bytes: &[u8],
    generation: u32,
) -> Result<i64, VaultError> {
    tx.execute(
        "INSERT INTO documents (blob, name, kind, bytes, vin, tags, imported_at, trashed_at, key_epoch)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![blob, meta.name, sniff(bytes), bytes.len() as i64, meta.vin, meta.tags.join(","),
                meta.imported_at, meta.trashed_at, generation],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO journal (at, kind, detail) VALUES (?1, 'document_imported', ?2)",
        params![now(), id.to_string()],
    )?;
    Ok(id)
}

pub(crate) fn insert(
    conn: &mut Connection,
    blobs: &Blobs,
    meta: &Restored,
    bytes: &[u8],
) -> Result<Document, VaultError> {
    // The write lock first (see the module's note), then the blob, then its row.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (generation, store) = blobs.writer();
    let blob = store.put(bytes)?;
    let committed = (|| -> Result<i64, VaultError> {
        let id = insert_row(&tx, &blob, meta, bytes, generation)?;
        tx.commit()?;
        Ok(id)
    })();
    match committed {
        Ok(id) => get(conn, id),
        Err(e) => {
            // No row will name this blob: take it back now rather than leave it to `verify`.
            let _ = store.remove(&blob);
            Err(e)
        }
    }
}

/// Imports files in one transaction: each blob is written and synced, the folder is synced
/// once, then every row commits together. Any failure (a file too large or unreadable, a
/// full disk) imports none of them and removes the blobs already written: the error names
/// the file, and the archive is as it was.
pub(crate) fn import_files(
    conn: &mut Connection,
    blobs: &Blobs,
    paths: &[&Path],
    vin: Option<&str>,
) -> Result<Vec<Document>, VaultError> {
    let vin = clean_vin(vin)?;
    let (generation, store) = blobs.writer();
    let mut written: Vec<String> = Vec::new();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let committed = (|| -> Result<Vec<i64>, VaultError> {
        let mut ids = Vec::with_capacity(paths.len());
        for path in paths {
            let meta = std::fs::metadata(path).map_err(VaultError::io(*path))?;
            if meta.len() > MAX_DOCUMENT_BYTES {
                return Err(VaultError::TooLarge {
                    path: path.to_path_buf(),
                    limit: MAX_DOCUMENT_BYTES,
                });
            }
            let bytes = Zeroizing::new(std::fs::read(path).map_err(VaultError::io(*path))?);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "document".into());
            let meta = Restored {
                name: clean_name(&name)?,
                vin: vin.clone(),
                tags: Vec::new(),
                imported_at: now(),
                trashed_at: None,
            };
            let blob = store.put_unsynced(&bytes)?;
            written.push(blob.clone());
            ids.push(insert_row(&tx, &blob, &meta, &bytes, generation)?);
        }
        store.sync()?;
        tx.commit()?;
        Ok(ids)
    })();
    match committed {
        Ok(ids) => ids.into_iter().map(|id| get(conn, id)).collect(),
        Err(e) => {
            for blob in &written {
                let _ = store.remove(blob);
            }
            Err(e)
        }
    }
}

pub(crate) fn get(conn: &Connection, id: i64) -> Result<Document, VaultError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM documents WHERE id = ?1"),
        [id],
        row_to_document,
    )
    .optional()?
    .ok_or(VaultError::NoSuchDocument(id))
}

pub(crate) fn list(conn: &Connection, include_trashed: bool) -> Result<Vec<Document>, VaultError> {
    let filter = if include_trashed {
        ""
    } else {
        " WHERE trashed_at IS NULL"
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM documents{filter} ORDER BY id"
    ))?;
    let rows = stmt.query_map([], row_to_document)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn blob_name(conn: &Connection, id: i64) -> Result<(String, u32), VaultError> {
    conn.query_row(
        "SELECT blob, key_epoch FROM documents WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or(VaultError::NoSuchDocument(id))
}

/// Opens a blob sealed under `generation`'s key.
pub(crate) fn open_blob(
    blobs: &Blobs,
    blob: &str,
    generation: u32,
) -> Result<Zeroizing<Vec<u8>>, BlobFault> {
    blobs
        .for_generation(generation)
        .ok_or(BlobFault::Unauthentic)?
        .get(blob)
}

/// The document's bytes, decrypted in memory only.
pub(crate) fn read(
    conn: &Connection,
    blobs: &Blobs,
    id: i64,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let (blob, generation) = blob_name(conn, id)?;
    open_blob(blobs, &blob, generation).map_err(|fault| match fault {
        BlobFault::Io(e) => VaultError::io(blobs.dir().join(&blob))(e),
        BlobFault::Missing | BlobFault::Unauthentic => VaultError::Damaged {
            id,
            name: get(conn, id).map(|d| d.name).unwrap_or_default(),
        },
    })
}

/// Writes the decrypted document to `out` atomically (the one deliberate plaintext copy).
pub(crate) fn export(
    conn: &Connection,
    blobs: &Blobs,
    id: i64,
    out: &Path,
) -> Result<(), VaultError> {
    let bytes = read(conn, blobs, id)?;
    write_atomic(out, &bytes).map_err(VaultError::io(out))
}

fn clean_vin(vin: Option<&str>) -> Result<Option<String>, VaultError> {
    vin.map(|v| crate::ids::Vin::parse(v).map(|v| v.to_string()))
        .transpose()
        .map_err(|e| VaultError::Invalid(format!("VIN: {e}")))
}

/// A document name as people see it: trimmed, no folders, no control characters.
fn clean_name(name: &str) -> Result<String, VaultError> {
    let name: String = name.trim().chars().filter(|c| !c.is_control()).collect();
    if name.is_empty() || name.contains(['/', '\\']) || name.chars().count() > 255 {
        return Err(VaultError::Invalid(format!(
            "document name «{name}»: 1 to 255 characters, no / or \\"
        )));
    }
    Ok(name)
}

/// Tags as people type them: trimmed, de-duplicated, no commas (the separator), at most 20.
fn clean_tags(tags: &[String]) -> Result<Vec<String>, VaultError> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        if tag.contains(',') || tag.chars().count() > 40 || tag.chars().any(char::is_control) {
            return Err(VaultError::Invalid(format!(
                "tag «{tag}»: at most 40 characters, no commas"
            )));
        }
        if !out.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            out.push(tag.to_owned());
        }
    }
    if out.len() > 20 {
        return Err(VaultError::Invalid("more than 20 tags".into()));
    }
    Ok(out)
}

fn journal(conn: &Connection, kind: &str, id: i64) -> Result<(), VaultError> {
    conn.execute(
        "INSERT INTO journal (at, kind, detail) VALUES (?1, ?2, ?3)",
        params![now(), kind, id.to_string()],
    )?;
    Ok(())
}

pub(crate) fn rename(conn: &Connection, id: i64, name: &str) -> Result<Document, VaultError> {
    let name = clean_name(name)?;
    if conn.execute(
        "UPDATE documents SET name = ?2 WHERE id = ?1",
        params![id, name],
    )? == 0
    {
        return Err(VaultError::NoSuchDocument(id));
    }
    journal(conn, "document_renamed", id)?;
    get(conn, id)
}

pub(crate) fn set_tags(
    conn: &Connection,
    id: i64,
    tags: &[String],
) -> Result<Document, VaultError> {
    let tags = clean_tags(tags)?;
    if conn.execute(
        "UPDATE documents SET tags = ?2 WHERE id = ?1",
        params![id, tags.join(",")],
    )? == 0
    {
        return Err(VaultError::NoSuchDocument(id));
    }
    get(conn, id)
}

/// Attaches a document to a vehicle (or detaches it with `None`).
pub(crate) fn attach(
    conn: &Connection,
    id: i64,
    vin: Option<&str>,
) -> Result<Document, VaultError> {
    let vin = clean_vin(vin)?;
    if conn.execute(
        "UPDATE documents SET vin = ?2 WHERE id = ?1",
        params![id, vin],
    )? == 0
    {
        return Err(VaultError::NoSuchDocument(id));
    }
    get(conn, id)
}

/// The documents attached to one vehicle, newest first (trashed ones left out).
pub(crate) fn for_vin(conn: &Connection, vin: &str) -> Result<Vec<Document>, VaultError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM documents WHERE vin = ?1 AND trashed_at IS NULL ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map([vin], row_to_document)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A document's metadata for a backup, with its blob's name and key generation.
pub(crate) fn for_backup(conn: &Connection) -> Result<Vec<(i64, Restored)>, VaultError> {
    let mut stmt = conn.prepare(
        "SELECT id, name, vin, tags, imported_at, trashed_at FROM documents ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        let tags: String = r.get(3)?;
        Ok((
            r.get(0)?,
            Restored {
                name: r.get(1)?,
                vin: r.get(2)?,
                tags: tags
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
                imported_at: r.get(4)?,
                trashed_at: r.get(5)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn set_trashed(conn: &Connection, id: i64, trashed: bool) -> Result<(), VaultError> {
    let at = trashed.then(now);
    let changed = conn.execute(
        "UPDATE documents SET trashed_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    if changed == 0 {
        return Err(VaultError::NoSuchDocument(id));
    }
    journal(
        conn,
        if trashed {
            "document_trashed"
        } else {
            "document_restored"
        },
        id,
    )
}

/// Deletes trashed documents for good; returns how many.
pub(crate) fn empty_trash(conn: &mut Connection, blobs: &Blobs) -> Result<usize, VaultError> {
    let tx = conn.transaction()?;
    let names: Vec<String> = {
        let mut stmt = tx.prepare("SELECT blob FROM documents WHERE trashed_at IS NOT NULL")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    tx.execute("DELETE FROM documents WHERE trashed_at IS NOT NULL", [])?;
    tx.commit()?;
    for name in &names {
        blobs.current.remove(name)?;
    }
    Ok(names.len())
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub documents_checked: usize,
    /// Documents whose bytes are missing or fail authentication.
    pub damaged: Vec<Document>,
    /// Blob files no document lists (left by an interrupted import); removed, unless the
    /// database itself is damaged (then every blob is kept for a restore).
    pub orphans_removed: usize,
    /// Problems SQLCipher's page check found in the database.
    pub database_problems: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.damaged.is_empty() && self.database_problems.is_empty()
    }
}

pub(crate) fn verify(conn: &Connection, blobs: &Blobs) -> Result<VerifyReport, VaultError> {
    let mut report = VerifyReport::default();
    // Every page's HMAC; names the damaged pages without stopping at the first.
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    report.database_problems = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS}, blob, key_epoch FROM documents ORDER BY id"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(8)?,
            r.get::<_, u32>(9)?,
            row_to_document(r)?,
        ))
    })?;
    for row in rows {
        let (blob, generation, doc) = row?;
        report.documents_checked += 1;
        match open_blob(blobs, &blob, generation) {
            Ok(bytes) if bytes.len() as u64 == doc.bytes => {}
            _ => report.damaged.push(doc),
        }
    }
    // A damaged database may have lost rows whose blobs are still good: keep every blob.
    if report.database_problems.is_empty() {
        report.orphans_removed = remove_orphans(conn, blobs)?;
    }
    Ok(report)
}

/// Removes blob files that no document names, under the write lock so that no import is
/// half-way (its blob written, its row not yet committed) while we look.
fn remove_orphans(conn: &Connection, blobs: &Blobs) -> Result<usize, VaultError> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let listed: std::collections::HashSet<String> = {
        let mut stmt = tx.prepare("SELECT blob FROM documents")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut removed = blobs.current.remove_leftovers()?;
    for name in blobs.current.names()? {
        if !listed.contains(&name) {
            blobs.current.remove(&name)?;
            removed += 1;
        }
    }
    tx.commit()?;
    Ok(removed)
}
