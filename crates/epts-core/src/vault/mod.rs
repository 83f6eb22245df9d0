//! The encrypted archive: ePTS records and documents, searchable offline.
//!
//! On disk, in one folder:
//! - `vault.json` — the vault's id, whether its key is in the OS keyring, and the key wrapped
//!   under the passphrase (Argon2id + XChaCha20-Poly1305) when one is set;
//! - `vault.db` — SQLCipher: records with history, the full-text index, documents' metadata,
//!   the journal; opened with a key derived from the vault key;
//! - `blobs/` — each document's bytes, XChaCha20-Poly1305 under another derived key.
//!
//! Nothing in the folder is readable without the passphrase, and nothing decrypted is ever
//! written beside it: documents are read into memory (and exported only when asked).

mod backup;
mod blobs;
mod db;
mod documents;
mod error;
mod keyring;
mod keys;
mod records;
mod rekey;
mod sync_state;

pub use backup::{BackupReader, BackupSummary, RestoreReport};
pub use documents::{Document, MAX_DOCUMENT_BYTES, VerifyReport, sniff};
pub use error::VaultError;
pub use keyring::{OsKeyring, SERVICE as KEYRING_SERVICE};
pub use keys::{FORMAT, KdfParams};
pub use records::{EptsRecord, Filter, RecordSummary, RecordVersion, SearchPage, Sort, Upsert};
pub use rekey::RekeyReport;

use blobs::{BlobStore, Blobs};
use keys::{Header, PassphraseWrap, VaultKey};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const HEADER: &str = "vault.json";
const DATABASE: &str = "vault.db";
const BLOBS: &str = "blobs";

/// An open (unlocked) vault. Dropping it locks it: the keys live only inside.
#[derive(Debug)]
pub struct Vault {
    dir: PathBuf,
    conn: Connection,
    blobs: Blobs,
    key: VaultKey,
    header: Header,
    /// The key generation the database is encrypted under (ahead of the header's during an
    /// interrupted rotation).
    db_generation: u32,
}

/// Whether to keep the vault key in the OS keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringPolicy {
    /// Use the keyring when one answers; otherwise a passphrase is required.
    Auto,
    /// Passphrase only (scripts, portable vaults).
    Never,
}

impl Vault {
    /// Where the vault lives by default: the OS's per-user data folder.
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("ru", "epts-desktop", "ePTS Desktop")
            .map(|d| d.data_dir().join("vault"))
    }

    /// Whether `dir` holds a vault.
    pub fn exists(dir: &Path) -> bool {
        dir.join(HEADER).is_file()
    }

    /// Creates a new vault in `dir` protected by `passphrase`.
    pub fn create(dir: &Path, passphrase: &str, kdf: KdfParams) -> Result<Self, VaultError> {
        let key = VaultKey::random()?;
        let header = Header::new(false, Some(PassphraseWrap::seal(&key, passphrase, kdf)?))?;
        Self::create_with(dir, key, header)
    }

    /// Creates a new vault whose key lives in the OS keyring (and under `passphrase` too,
    /// when one is given, so the vault can be opened on another machine).
    pub fn create_with_keyring(
        dir: &Path,
        keyring: &OsKeyring,
        passphrase: Option<&str>,
        kdf: KdfParams,
    ) -> Result<Self, VaultError> {
        let key = VaultKey::random()?;
        let wrap = passphrase
            .map(|p| PassphraseWrap::seal(&key, p, kdf))
            .transpose()?;
        let header = Header::new(true, wrap)?;
        if Self::exists(dir) {
            return Err(VaultError::AlreadyExists(dir.to_owned()));
        }
        let id = header.keyring_account(header.generation);
        keyring.store_key(&id, &key)?;
        let created = Self::create_with(dir, key, header);
        if created.is_err() {
            // No vault, so no key to keep: leave the keyring as it was.
            let _ = keyring.forget(&id);
        }
        created
    }

    /// Creates a vault the way the app does by default: the key in the OS keyring when one
    /// answers, else under the passphrase; with neither, a clear error and nothing written.
    pub fn create_auto(
        dir: &Path,
        policy: KeyringPolicy,
        passphrase: Option<&str>,
        kdf: KdfParams,
    ) -> Result<Self, VaultError> {
        let keyring = match policy {
            KeyringPolicy::Auto => OsKeyring::open(),
            KeyringPolicy::Never => Err(VaultError::KeyringUnavailable("not wanted".into())),
        };
        match (keyring, passphrase) {
            (Ok(keyring), p) => Self::create_with_keyring(dir, &keyring, p, kdf),
            (Err(_), Some(p)) => Self::create(dir, p, kdf),
            (Err(e), None) => Err(e),
        }
    }

    fn create_with(dir: &Path, key: VaultKey, header: Header) -> Result<Self, VaultError> {
        if Self::exists(dir) {
            return Err(VaultError::AlreadyExists(dir.to_owned()));
        }
        std::fs::create_dir_all(dir.join(BLOBS)).map_err(VaultError::io(dir))?;
        // A database without a header is what an interrupted `create` leaves: start afresh.
        for leftover in [DATABASE, "vault.db-wal", "vault.db-shm"] {
            let path = dir.join(leftover);
            if path.exists() {
                std::fs::remove_file(&path).map_err(VaultError::io(&path))?;
            }
        }
        let vault = Self::with_key(dir, key, header, db::Mode::Create)?;
        // The header last: until it exists, there is no vault to open.
        vault.write_header()?;
        Ok(vault)
    }

    /// Opens the vault in `dir` with its passphrase.
    pub fn open(dir: &Path, passphrase: &str) -> Result<Self, VaultError> {
        let header = read_header(dir)?;
        let key = header
            .passphrase
            .as_ref()
            .ok_or(VaultError::NoPassphraseSet)?
            .unseal(passphrase)?;
        Self::with_key(dir, key, header, db::Mode::Existing)
    }

    /// Opens the vault in `dir` with its key from the OS keyring.
    pub fn open_with_keyring(dir: &Path, keyring: &OsKeyring) -> Result<Self, VaultError> {
        let header = read_header(dir)?;
        if !header.keyring {
            return Err(VaultError::KeyNotInKeyring);
        }
        let key = keyring.load_key(&header.keyring_account(header.generation))?;
        Self::with_key(dir, key, header, db::Mode::Existing)
    }

    /// Opens the vault the way the app does: with the key from the OS keyring when the vault
    /// keeps it there and `policy` allows (no prompt), else with `passphrase`. Without one
    /// when one is needed: [`VaultError::PassphraseNeeded`] (show the lock screen).
    pub fn open_auto(
        dir: &Path,
        policy: KeyringPolicy,
        passphrase: Option<&str>,
    ) -> Result<Self, VaultError> {
        let keyring = || match policy {
            KeyringPolicy::Auto => OsKeyring::open(),
            // Keyring refused and (if we get here) no passphrase either: say the latter.
            KeyringPolicy::Never => Err(VaultError::NoPassphraseSet),
        };
        Self::open_auto_with(dir, keyring, passphrase)
    }

    /// [`Vault::open_auto`] with a given keyring (tests file keys under their own service).
    /// `keyring` is asked for only when the vault keeps its key there.
    pub fn open_auto_with(
        dir: &Path,
        keyring: impl FnOnce() -> Result<OsKeyring, VaultError>,
        passphrase: Option<&str>,
    ) -> Result<Self, VaultError> {
        let header = read_header(dir)?;
        if header.keyring {
            let account = header.keyring_account(header.generation);
            match keyring().and_then(|k| k.load_key(&account)) {
                Ok(key) => return Self::with_key(dir, key, header, db::Mode::Existing),
                // The keyring is the only way in: say why it failed.
                Err(e) if header.passphrase.is_none() => return Err(e),
                Err(_) => {}
            }
        }
        match (passphrase, &header.passphrase) {
            (_, None) => Err(VaultError::NoPassphraseSet),
            (None, Some(_)) => Err(VaultError::PassphraseNeeded),
            (Some(p), Some(wrap)) => {
                let key = wrap.unseal(p)?;
                Self::with_key(dir, key, header, db::Mode::Existing)
            }
        }
    }

    /// Whether the vault in `dir` keeps its key in the OS keyring / has a passphrase.
    pub fn protection(dir: &Path) -> Result<(bool, bool), VaultError> {
        let header = read_header(dir)?;
        Ok((header.keyring, header.passphrase.is_some()))
    }

    fn with_key(
        dir: &Path,
        key: VaultKey,
        header: Header,
        mode: db::Mode,
    ) -> Result<Self, VaultError> {
        let next = header
            .rekey
            .as_ref()
            .map(|sealed| {
                Ok::<_, VaultError>((sealed.generation, sealed.unseal(&key, &header.vault_id)?))
            })
            .transpose()?;
        let path = dir.join(DATABASE);
        let (conn, db_generation) = match db::open(&path, &key.subkey("database"), mode) {
            Ok(conn) => (conn, header.generation),
            // An interrupted rotation may have moved the database to the next key already.
            Err(VaultError::WrongKey) if next.is_some() => match &next {
                Some((g, next_key)) => (db::open(&path, &next_key.subkey("database"), mode)?, *g),
                None => return Err(VaultError::WrongKey),
            },
            Err(e) => return Err(e),
        };
        let blobs = Blobs {
            current: BlobStore::new(dir.join(BLOBS), &key.subkey("blobs")),
            generation: header.generation,
            next: next.map(|(g, k)| (g, BlobStore::new(dir.join(BLOBS), &k.subkey("blobs")))),
        };
        Ok(Self {
            dir: dir.to_owned(),
            conn,
            blobs,
            key,
            header,
            db_generation,
        })
    }

    fn write_header(&self) -> Result<(), VaultError> {
        let path = self.dir.join(HEADER);
        crate::fsutil::write_atomic(&path, &self.header.to_json()?).map_err(VaultError::io(&path))
    }

    /// The vault's id (its name in the OS keyring).
    pub fn id(&self) -> &str {
        &self.header.vault_id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Checks that `passphrase` is this vault's (before a change that should need it).
    pub fn check_passphrase(&self, passphrase: &str) -> Result<(), VaultError> {
        let wrap = self
            .header
            .passphrase
            .as_ref()
            .ok_or(VaultError::NoPassphraseSet)?;
        if wrap.unseal(passphrase)?.bytes() == self.key.bytes() {
            Ok(())
        } else {
            Err(VaultError::WrongPassphrase)
        }
    }

    /// Sets or replaces the passphrase (re-wrapping the same key; the data is untouched).
    pub fn change_passphrase(
        &mut self,
        new_passphrase: &str,
        kdf: KdfParams,
    ) -> Result<(), VaultError> {
        self.header.passphrase = Some(PassphraseWrap::seal(&self.key, new_passphrase, kdf)?);
        self.write_header()
    }

    /// Whether the vault keeps its key in the OS keyring / has a passphrase.
    pub fn protected_by(&self) -> (bool, bool) {
        (self.header.keyring, self.header.passphrase.is_some())
    }

    /// Keeps the key in the OS keyring too, so the vault opens without a prompt here.
    pub fn remember_in_keyring(&mut self, keyring: &OsKeyring) -> Result<(), VaultError> {
        keyring.store_key(
            &self.header.keyring_account(self.header.generation),
            &self.key,
        )?;
        self.header.keyring = true;
        self.write_header()
    }

    pub(crate) fn journal(&self, kind: &str, detail: &str) -> Result<(), VaultError> {
        self.conn.execute(
            "INSERT INTO journal (at, kind, detail) VALUES (?1, ?2, ?3)",
            rusqlite::params![records::now(), kind, detail],
        )?;
        Ok(())
    }

    pub fn upsert_record(&mut self, record: EptsRecord) -> Result<Upsert, VaultError> {
        records::upsert(&mut self.conn, record)
    }

    pub fn record(&self, epts_number: &str) -> Result<EptsRecord, VaultError> {
        records::get(&self.conn, epts_number)
    }

    /// Earlier versions of a record, newest first.
    pub fn history(&self, epts_number: &str) -> Result<Vec<RecordVersion>, VaultError> {
        records::history(&self.conn, epts_number)
    }

    /// Records matching `text` (prefixes of any field; empty text: all) and the filters.
    pub fn search(
        &self,
        text: &str,
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<EptsRecord>, VaultError> {
        records::search(&self.conn, text, filter, limit)
    }

    /// One window of the archive's list, in `sort` order, with the total count.
    pub fn search_page(
        &self,
        text: &str,
        filter: &Filter,
        sort: Sort,
        offset: u32,
        limit: u32,
    ) -> Result<SearchPage, VaultError> {
        records::search_page(&self.conn, text, filter, sort, offset, limit)
    }

    /// The statuses and years present in the archive, for the filter menus.
    pub fn facets(&self) -> Result<(Vec<String>, Vec<u16>), VaultError> {
        records::facets(&self.conn)
    }

    pub fn import_file(&mut self, path: &Path, vin: Option<&str>) -> Result<Document, VaultError> {
        let mut docs = documents::import_files(&mut self.conn, &self.blobs, &[path], vin)?;
        docs.pop()
            .ok_or_else(|| VaultError::Invalid("nothing imported".into()))
    }

    /// Imports files together (one commit, one folder sync): all of them, or none.
    pub fn import_files(
        &mut self,
        paths: &[&Path],
        vin: Option<&str>,
    ) -> Result<Vec<Document>, VaultError> {
        documents::import_files(&mut self.conn, &self.blobs, paths, vin)
    }

    /// The cursor of the last complete sync with `portal` and when it ended.
    pub fn sync_state(&self, portal: &str) -> Result<(Option<String>, Option<String>), VaultError> {
        sync_state::state(&self.conn, portal)
    }

    /// Records a sync listed and has not stored yet.
    pub fn sync_pending(&self, portal: &str) -> Result<Vec<String>, VaultError> {
        sync_state::pending(&self.conn, portal)
    }

    pub fn sync_begin(
        &mut self,
        portal: &str,
        next_cursor: &str,
        numbers: &[String],
    ) -> Result<(), VaultError> {
        sync_state::begin(&mut self.conn, portal, next_cursor, numbers)
    }

    pub fn sync_done(&self, portal: &str, number: &str) -> Result<(), VaultError> {
        sync_state::done(&self.conn, portal, number)
    }

    pub fn sync_finish(&self, portal: &str, now: &str) -> Result<(), VaultError> {
        sync_state::finish(&self.conn, portal, now)
    }

    /// The portal session kept in the vault (where no OS keyring answers).
    pub fn portal_session(
        &self,
        portal: &str,
    ) -> Result<Option<zeroize::Zeroizing<String>>, VaultError> {
        sync_state::session(&self.conn, portal)
    }

    /// Keeps (`Some`) or forgets (`None`) the portal session in the vault.
    pub fn set_portal_session(&self, portal: &str, secret: Option<&str>) -> Result<(), VaultError> {
        sync_state::set_session(&self.conn, portal, secret)
    }

    pub fn import_bytes(
        &mut self,
        name: &str,
        bytes: &[u8],
        vin: Option<&str>,
    ) -> Result<Document, VaultError> {
        documents::import_bytes(&mut self.conn, &self.blobs, name, bytes, vin)
    }

    pub fn documents(&self, include_trashed: bool) -> Result<Vec<Document>, VaultError> {
        documents::list(&self.conn, include_trashed)
    }

    pub fn document(&self, id: i64) -> Result<Document, VaultError> {
        documents::get(&self.conn, id)
    }

    /// A document's bytes, decrypted in memory (zeroed when dropped).
    pub fn read_document(&self, id: i64) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        documents::read(&self.conn, &self.blobs, id)
    }

    pub fn export_document(&self, id: i64, out: &Path) -> Result<(), VaultError> {
        documents::export(&self.conn, &self.blobs, id, out)
    }

    /// The documents attached to the vehicle `vin`, newest first.
    pub fn documents_for_vin(&self, vin: &str) -> Result<Vec<Document>, VaultError> {
        documents::for_vin(&self.conn, vin)
    }

    pub fn rename_document(&self, id: i64, name: &str) -> Result<Document, VaultError> {
        documents::rename(&self.conn, id, name)
    }

    pub fn set_document_tags(&self, id: i64, tags: &[String]) -> Result<Document, VaultError> {
        documents::set_tags(&self.conn, id, tags)
    }

    /// Attaches a document to a vehicle by VIN (`None` detaches it).
    pub fn attach_document(&self, id: i64, vin: Option<&str>) -> Result<Document, VaultError> {
        documents::attach(&self.conn, id, vin)
    }

    /// Writes a one-file encrypted backup to `out`, its key wrapped under `passphrase`.
    pub fn backup(
        &self,
        out: &Path,
        passphrase: &str,
        kdf: KdfParams,
    ) -> Result<BackupSummary, VaultError> {
        backup::write(self, out, passphrase, kdf)
    }

    pub fn trash_document(&self, id: i64) -> Result<(), VaultError> {
        documents::set_trashed(&self.conn, id, true)
    }

    pub fn restore_document(&self, id: i64) -> Result<(), VaultError> {
        documents::set_trashed(&self.conn, id, false)
    }

    pub fn empty_trash(&mut self) -> Result<usize, VaultError> {
        documents::empty_trash(&mut self.conn, &self.blobs)
    }

    /// Decrypts every document and checks every database page; removes orphaned blobs.
    pub fn verify(&self) -> Result<VerifyReport, VaultError> {
        documents::verify(&self.conn, &self.blobs)
    }
}

fn read_header(dir: &Path) -> Result<Header, VaultError> {
    let path = dir.join(HEADER);
    match std::fs::read(&path) {
        Ok(bytes) => Header::from_json(&bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(VaultError::NotFound(dir.to_owned()))
        }
        Err(e) => Err(VaultError::io(path)(e)),
    }
}
