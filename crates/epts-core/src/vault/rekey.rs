//! Rotating the vault key: every blob sealed again and the database encrypted again under a
//! new random key, in steps that a crash may cut anywhere and the next `rekey` finishes.
//!
//! 1. The next key is sealed under the current one into `vault.json` (so it cannot be lost).
//! 2. Each document's blob is sealed again under the next key with a new name; its row
//!    then names the new blob and the next generation; then the old file goes.
//! 3. The database is exported under the next key beside the old one and renamed over it.
//!    Opening a vault whose database already moved on tries the next key (see `with_key`).
//! 4. `vault.json` gets the next key under the passphrase and the next generation, the
//!    keyring gets it under a new account, and the old account is removed.

use super::blobs::{BlobStore, Blobs};
use super::documents::open_blob;
use super::error::VaultError;
use super::keys::{PassphraseWrap, SealedKey, VaultKey};
use super::{BLOBS, DATABASE, OsKeyring, Vault, db};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use serde::Serialize;

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RekeyReport {
    /// The key generation now in use.
    pub generation: u32,
    /// Whether an interrupted rotation was finished rather than a new one started.
    pub resumed: bool,
    pub documents_resealed: usize,
    /// Documents that were already unreadable; they stay so (restore them from a backup).
    pub damaged: Vec<i64>,
}

const REKEY_DB: &str = "vault.db.rekey";

impl Vault {
    /// Whether a key rotation was interrupted and waits for [`Vault::rekey`].
    pub fn rekey_pending(&self) -> bool {
        self.header.rekey.is_some()
    }

    /// Rotates the vault key, or finishes an interrupted rotation. `passphrase` is the
    /// vault's passphrase (required when it has one: the new key is wrapped under it);
    /// `keyring` is required when the vault keeps its key there.
    pub fn rekey(
        &mut self,
        passphrase: Option<&str>,
        keyring: Option<&OsKeyring>,
    ) -> Result<RekeyReport, VaultError> {
        // Everything the last step needs is checked before the first step changes anything.
        if let Some(wrap) = &self.header.passphrase {
            let given = passphrase.ok_or(VaultError::PassphraseNeeded)?;
            if wrap.unseal(given)?.bytes() != self.key.bytes() {
                return Err(VaultError::WrongPassphrase);
            }
        }
        if self.header.keyring && keyring.is_none() {
            return Err(VaultError::KeyringUnavailable(
                "needed to keep the new key".into(),
            ));
        }
        let resumed = self.header.rekey.is_some();
        let next_generation = self.header.generation + 1;
        let next_key = match &self.header.rekey {
            Some(sealed) => sealed.unseal(&self.key, &self.header.vault_id)?,
            None => {
                let key = VaultKey::random()?;
                self.header.rekey = Some(SealedKey::seal(
                    &key,
                    &self.key,
                    &self.header.vault_id,
                    next_generation,
                )?);
                self.write_header()?;
                key
            }
        };
        let dir = self.dir.join(BLOBS);
        if self.blobs.next.is_none() {
            self.blobs.next = Some((
                next_generation,
                BlobStore::new(dir.clone(), &next_key.subkey("blobs")),
            ));
        }

        let (documents_resealed, damaged) = reseal_blobs(&self.conn, &self.blobs, next_generation)?;

        if self.db_generation != next_generation {
            self.reencrypt_database(&next_key)?;
            self.db_generation = next_generation;
        }

        // The last step: the header and the keyring learn the next key.
        if let Some(keyring) = keyring.filter(|_| self.header.keyring) {
            keyring.store_key(&self.header.keyring_account(next_generation), &next_key)?;
        }
        let old_account = self.header.keyring_account(self.header.generation);
        if let (Some(wrap), Some(p)) = (&self.header.passphrase, passphrase) {
            self.header.passphrase = Some(PassphraseWrap::seal(&next_key, p, wrap.kdf)?);
        }
        self.header.generation = next_generation;
        self.header.rekey = None;
        self.write_header()?;
        if let Some(keyring) = keyring.filter(|_| self.header.keyring) {
            // The old key opens nothing any more; a failure to remove it leaves no risk.
            let _ = keyring.forget(&old_account);
        }
        self.blobs = Blobs {
            current: BlobStore::new(dir, &next_key.subkey("blobs")),
            generation: next_generation,
            next: None,
        };
        self.key = next_key;
        self.journal("key_rotated", &next_generation.to_string())?;
        Ok(RekeyReport {
            generation: next_generation,
            resumed,
            documents_resealed,
            damaged,
        })
    }

    /// Exports the database under `next` beside it, then renames it over the old one.
    fn reencrypt_database(&mut self, next: &VaultKey) -> Result<(), VaultError> {
        let target = self.dir.join(REKEY_DB);
        if target.exists() {
            // Left by an interrupted export: start it again.
            std::fs::remove_file(&target).map_err(VaultError::io(&target))?;
        }
        // The vault's connection may not create files (see `db::open`); an empty file is an
        // empty database to SQLite, so make one for ATTACH to fill.
        std::fs::File::create(&target).map_err(VaultError::io(&target))?;
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let hex = zeroize::Zeroizing::new(super::keys::hex(next.subkey("database").as_ref()));
        let attach = zeroize::Zeroizing::new(format!(
            "ATTACH DATABASE ?1 AS rekeyed KEY \"x'{}'\";",
            hex.as_str()
        ));
        // ATTACH takes the key as part of the statement; the path is a bound parameter.
        self.conn
            .execute(&attach, params![target.to_string_lossy()])?;
        let exported = self
            .conn
            .query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))
            .and_then(|()| {
                self.conn
                    .execute_batch(&format!("PRAGMA rekeyed.user_version = {version};"))
            });
        self.conn.execute_batch("DETACH DATABASE rekeyed;")?;
        exported?;
        // Close the old database (checkpointing its WAL) before replacing the file.
        let old = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        old.close().map_err(|(_, e)| VaultError::from(e))?;
        let file = std::fs::File::open(&target).map_err(VaultError::io(&target))?;
        file.sync_all().map_err(VaultError::io(&target))?;
        let database = self.dir.join(DATABASE);
        std::fs::rename(&target, &database).map_err(VaultError::io(&database))?;
        crate::fsutil::sync_dir(&self.dir).map_err(VaultError::io(&self.dir))?;
        self.conn = db::open(&database, &next.subkey("database"), db::Mode::Existing)?;
        Ok(())
    }
}

/// Seals every blob not yet under `generation` again; returns how many, and the ids of
/// documents whose bytes were already unreadable.
fn reseal_blobs(
    conn: &Connection,
    blobs: &Blobs,
    generation: u32,
) -> Result<(usize, Vec<i64>), VaultError> {
    let (_, next) = blobs.writer();
    let pending: Vec<(i64, String, u32)> = {
        let mut stmt =
            conn.prepare("SELECT id, blob, key_epoch FROM documents WHERE key_epoch != ?1")?;
        let rows = stmt.query_map([generation], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut done = 0;
    let mut damaged = Vec::new();
    for (id, old_name, old_generation) in pending {
        let Ok(bytes) = open_blob(blobs, &old_name, old_generation) else {
            damaged.push(id);
            continue;
        };
        // Under the write lock from before the new blob exists until its row names it, so a
        // `verify` in another process never takes it for an orphan (as with imports).
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let new_name = next.put(&bytes)?;
        let changed = tx.execute(
            "UPDATE documents SET blob = ?2, key_epoch = ?3 WHERE id = ?1 AND blob = ?4",
            params![id, new_name, generation, old_name],
        )?;
        tx.commit()?;
        if changed == 0 {
            // Deleted meanwhile: nothing names the new blob.
            next.remove(&new_name)?;
        } else {
            next.remove(&old_name)?;
            done += 1;
        }
    }
    Ok((done, damaged))
}
