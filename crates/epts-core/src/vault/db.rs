//! The SQLCipher database: opened with a raw key derived from the vault key, and brought to
//! the current schema by numbered migrations. `PRAGMA user_version` holds the number — no
//! extra table and no dependency, and SQLite updates it in the migration's transaction.

use super::error::VaultError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use zeroize::Zeroizing;

/// Each entry moves the schema one version up; never edit a released one, add another.
const MIGRATIONS: &[&str] = &[
    // 1: records with history, their full-text index, documents, the journal.
    r#"
    CREATE TABLE records (
        id INTEGER PRIMARY KEY,
        epts_number TEXT NOT NULL UNIQUE,
        vin TEXT NOT NULL,
        plate TEXT,
        status TEXT NOT NULL,
        issue_date TEXT,
        brand TEXT,
        model TEXT,
        year INTEGER,
        owner TEXT,
        region TEXT,
        has_restrictions INTEGER NOT NULL DEFAULT 0,
        data TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX records_vin ON records(vin);
    CREATE TABLE record_versions (
        record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        data TEXT NOT NULL,
        replaced_at TEXT NOT NULL,
        PRIMARY KEY (record_id, version)
    );
    CREATE VIRTUAL TABLE records_fts USING fts5(
        epts_number, vin, plate, brand, model, owner, region, issue_date,
        content='records', content_rowid='id', prefix='2 3 4'
    );
    CREATE TRIGGER records_ai AFTER INSERT ON records BEGIN
        INSERT INTO records_fts(rowid, epts_number, vin, plate, brand, model, owner, region, issue_date)
        VALUES (new.id, new.epts_number, new.vin, new.plate, new.brand, new.model, new.owner, new.region, new.issue_date);
    END;
    CREATE TRIGGER records_ad AFTER DELETE ON records BEGIN
        INSERT INTO records_fts(records_fts, rowid, epts_number, vin, plate, brand, model, owner, region, issue_date)
        VALUES ('delete', old.id, old.epts_number, old.vin, old.plate, old.brand, old.model, old.owner, old.region, old.issue_date);
    END;
    CREATE TRIGGER records_au AFTER UPDATE ON records BEGIN
        INSERT INTO records_fts(records_fts, rowid, epts_number, vin, plate, brand, model, owner, region, issue_date)
        VALUES ('delete', old.id, old.epts_number, old.vin, old.plate, old.brand, old.model, old.owner, old.region, old.issue_date);
        INSERT INTO records_fts(rowid, epts_number, vin, plate, brand, model, owner, region, issue_date)
        VALUES (new.id, new.epts_number, new.vin, new.plate, new.brand, new.model, new.owner, new.region, new.issue_date);
    END;
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        blob TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        vin TEXT,
        tags TEXT NOT NULL DEFAULT '',
        imported_at TEXT NOT NULL,
        trashed_at TEXT
    );
    CREATE INDEX documents_vin ON documents(vin);
    CREATE TABLE journal (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    "#,
    // 2: key generations for resumable rotation; applications and their upload jobs;
    //    indexes for the archive's filters and sorts.
    r#"
    ALTER TABLE documents ADD COLUMN key_epoch INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE applications (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        vin TEXT,
        epts_number TEXT,
        status TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE upload_jobs (
        id INTEGER PRIMARY KEY,
        application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        bytes_sent INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX upload_jobs_state ON upload_jobs(state);
    -- One index per sort of the archive's list, each covering the filters, so a window
    -- of the list and its count are read from narrow index pages, never from the wide
    -- record rows (their JSON) of 100 000 vehicles.
    CREATE INDEX records_by_updated ON records(updated_at DESC, id DESC, status, year, has_restrictions);
    CREATE INDEX records_by_year ON records(year DESC, id DESC, status, has_restrictions);
    CREATE INDEX records_by_brand ON records(brand, model, id, status, year, has_restrictions);
    CREATE INDEX records_by_owner ON records(owner, id, status, year, has_restrictions);
    CREATE INDEX records_by_number ON records(epts_number, id, status, year, has_restrictions);
    CREATE INDEX records_by_filters ON records(has_restrictions, status, year);
    -- One-letter prefixes indexed too: the first keystroke of a search is one letter.
    DROP TABLE records_fts;
    CREATE VIRTUAL TABLE records_fts USING fts5(
        epts_number, vin, plate, brand, model, owner, region, issue_date,
        content='records', content_rowid='id', prefix='1 2 3 4'
    );
    INSERT INTO records_fts(records_fts) VALUES ('rebuild');
    "#,
    // 3: sync with the portal — where the last complete sync stopped, and the records a
    // sync listed but has not stored yet (an interrupted sync resumes with them).
    r#"
    CREATE TABLE sync_state (
        portal TEXT PRIMARY KEY,
        cursor TEXT,
        pending_cursor TEXT,
        last_success TEXT
    );
    CREATE TABLE sync_pending (
        portal TEXT NOT NULL,
        epts_number TEXT NOT NULL,
        PRIMARY KEY (portal, epts_number)
    );
    "#,
    // 4: the portal session where no OS keyring answers (the database is encrypted).
    r#"
    CREATE TABLE portal_sessions (
        portal TEXT PRIMARY KEY,
        secret TEXT NOT NULL
    );
    "#,
];

/// Whether `open` may make a new database file, or only open the vault's existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Create,
    Existing,
}

/// Opens the database with `key`; a wrong key fails here, on the first read.
///
/// An existing vault's database is never created afresh: an empty one in its place would
/// make every document look like an orphan to `verify`, which removes orphans.
pub(crate) fn open(
    path: &Path,
    key: &Zeroizing<[u8; 32]>,
    mode: Mode,
) -> Result<Connection, VaultError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if mode == Mode::Create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    } else if !path.is_file() {
        return Err(VaultError::DatabaseMissing(path.to_owned()));
    }
    let mut conn = Connection::open_with_flags(path, flags)?;
    // A raw key skips SQLCipher's own PBKDF2: ours is already a uniform 256-bit secret.
    conn.execute_batch(&key_pragma(key))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|_| VaultError::WrongKey)?;
    // The desktop app and `epts vault` may share the vault: wait for the other's write
    // (an import of a large file holds the lock while its blob is written) instead of failing.
    conn.busy_timeout(std::time::Duration::from_secs(60))?;
    // A 64 MiB page cache keeps decrypted index pages in memory between searches (each
    // page read from disk costs an HMAC check and a decryption); temporary tables and
    // sorts stay in memory too, so no temp file is ever written.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
    )?;
    migrate(&mut conn, version)?;
    Ok(conn)
}

/// `PRAGMA key = "x'…'";` in one buffer sized up front and wiped when dropped: growing it
/// (as `format!` may) would leave unwiped copies of the key behind in freed memory.
fn key_pragma(key: &Zeroizing<[u8; 32]>) -> Zeroizing<String> {
    const HEAD: &str = "PRAGMA key = \"x'";
    const TAIL: &str = "'\";";
    let mut sql = Zeroizing::new(String::with_capacity(HEAD.len() + 64 + TAIL.len()));
    sql.push_str(HEAD);
    super::keys::push_hex(&mut sql, key.as_ref());
    sql.push_str(TAIL);
    sql
}

fn migrate(conn: &mut Connection, from: i64) -> Result<(), VaultError> {
    let known = MIGRATIONS.len() as i64;
    if from > known {
        return Err(VaultError::TooNew(u32::try_from(from).unwrap_or(u32::MAX)));
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(from).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
