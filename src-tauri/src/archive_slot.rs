//! The archive as the shell holds it: where it lives, the open vault while unlocked, and
//! whether it was locked by hand or by the idle timer. Shared by every section (the
//! archive's commands, «Подготовка», the portal), so it lives apart from any of them.

use epts_core::vault::{OsKeyring, Vault, VaultError};
use epts_core::{Code, Lang, Localized};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// The archive as the shell holds it: where it lives, and the open vault when unlocked.
#[derive(Debug)]
pub struct Archive {
    dir: PathBuf,
    slot: Mutex<Slot>,
    keyring_available: OnceLock<bool>,
}

#[derive(Debug)]
struct Slot {
    vault: Option<Vault>,
    last_used: Instant,
    /// Locked by the idle timer (the lock screen says so).
    locked_by_idle: bool,
    /// Locked by the user: the UI must not reopen it from the keyring by itself.
    locked_by_user: bool,
}

/// Where the archive stands, for the UI to pick its screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum ArchiveState {
    /// No archive yet: first-run setup.
    Missing,
    Locked,
    Open,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveStatus {
    pub state: ArchiveState,
    /// Whether the OS keyring answers (first-run setup offers it then).
    pub keyring_available: bool,
    /// The vault keeps its key in the OS keyring (it opens without a passphrase here).
    pub in_keyring: bool,
    pub has_passphrase: bool,
    pub locked_by_idle: bool,
    pub locked_by_user: bool,
    /// A key rotation was interrupted and waits to be finished.
    pub rekey_pending: bool,
}

/// The archive's own failures beside the vault's.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("the archive is locked")]
    Locked,
}

impl Localized for ArchiveError {
    fn code(&self) -> Code {
        match self {
            ArchiveError::Locked => Code::ArchiveLocked,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            ArchiveError::Locked => lang.pick(
                "Архив заперт. Откройте его, чтобы продолжить.",
                "The archive is locked. Open it to go on.",
            ),
        }
        .into()
    }
}

impl Archive {
    /// The archive in `EPTS_VAULT` (tests, portable installs) or the OS's data folder —
    /// the same place `epts vault` uses, so the app and scripts share one archive.
    pub fn from_env(fallback: PathBuf) -> Self {
        let dir = std::env::var_os("EPTS_VAULT")
            .map(PathBuf::from)
            .or_else(Vault::default_dir)
            .unwrap_or(fallback);
        Self {
            dir,
            slot: Mutex::new(Slot {
                vault: None,
                last_used: Instant::now(),
                locked_by_idle: false,
                locked_by_user: false,
            }),
            keyring_available: OnceLock::new(),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn keyring_available(&self) -> bool {
        *self
            .keyring_available
            .get_or_init(|| OsKeyring::open().is_ok())
    }

    pub fn status(&self) -> Result<ArchiveStatus, VaultError> {
        let slot = self.slot();
        let (in_keyring, has_passphrase, rekey_pending, state) = match &slot.vault {
            Some(v) => {
                let (k, p) = v.protected_by();
                (k, p, v.rekey_pending(), ArchiveState::Open)
            }
            None if Vault::exists(&self.dir) => {
                let (k, p) = Vault::protection(&self.dir)?;
                (k, p, false, ArchiveState::Locked)
            }
            None => (false, false, false, ArchiveState::Missing),
        };
        let (locked_by_idle, locked_by_user) = (slot.locked_by_idle, slot.locked_by_user);
        drop(slot);
        Ok(ArchiveStatus {
            state,
            keyring_available: self.keyring_available(),
            in_keyring,
            has_passphrase,
            locked_by_idle,
            locked_by_user,
            rekey_pending,
        })
    }

    /// Where the archive lives.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Holds `vault` as the open archive.
    pub fn put(&self, vault: Vault) {
        let mut slot = self.slot();
        slot.vault = Some(vault);
        slot.last_used = Instant::now();
        slot.locked_by_idle = false;
        slot.locked_by_user = false;
    }

    /// Whether the vault is open now.
    pub fn is_open(&self) -> bool {
        self.slot().vault.is_some()
    }

    /// Runs `f` on the open vault and counts as use (it resets the idle timer).
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, VaultError>,
    ) -> Result<T, Box<dyn Localized + Send>> {
        let mut slot = self.slot();
        slot.last_used = Instant::now();
        let vault = slot
            .vault
            .as_mut()
            .ok_or_else(|| Box::new(ArchiveError::Locked) as Box<dyn Localized + Send>)?;
        f(vault).map_err(|e| Box::new(e) as Box<dyn Localized + Send>)
    }

    /// Counts as use while the archive is open: the idle timer restarts.
    pub fn touch(&self) {
        let mut slot = self.slot();
        if slot.vault.is_some() {
            slot.last_used = Instant::now();
        }
    }

    /// Runs `f` with the vault if it is open, without counting as use: background work
    /// (keeping a session, a sync step) must not hold the idle lock off.
    pub fn with_optional<T>(&self, f: impl FnOnce(Option<&mut Vault>) -> T) -> T {
        let mut slot = self.slot();
        f(slot.vault.as_mut())
    }

    pub fn lock(&self, by_idle: bool) {
        let mut slot = self.slot();
        // Dropping the vault zeroes its keys.
        if slot.vault.take().is_some() {
            slot.locked_by_idle = by_idle;
            slot.locked_by_user = !by_idle;
            tracing::info!(by_idle, "archive locked");
        }
    }

    /// Locks the archive when it has not been used for `minutes` (0: never); true when it
    /// locked it now.
    pub fn lock_if_idle(&self, minutes: u32) -> bool {
        let idle = self.slot().last_used.elapsed();
        if minutes > 0 && idle >= Duration::from_secs(u64::from(minutes) * 60) && self.is_open() {
            self.lock(true);
            return true;
        }
        false
    }

    /// A document's bytes and media type, for the document protocol.
    pub fn document_bytes(
        &self,
        id: i64,
    ) -> Result<(Vec<u8>, &'static str), Box<dyn Localized + Send>> {
        self.with(|v| {
            let doc = v.document(id)?;
            let bytes = v.read_document(id)?;
            // The webview needs its own copy; the vault's buffer is zeroed when dropped.
            Ok((bytes.to_vec(), media_type(&doc.kind)))
        })
    }
}

fn media_type(kind: &str) -> &'static str {
    match kind {
        "pdf" => "application/pdf",
        "jpeg" => "image/jpeg",
        "png" => "image/png",
        "tiff" => "image/tiff",
        _ => "application/octet-stream",
    }
}

/// Portal work (sync, keeping the session, downloads) writes into the open archive one step
/// at a time; a lock in between stops it cleanly (what is stored stays, a sync resumes).
impl epts_core::portal::VaultSlot for Archive {
    fn with_open_vault<T>(&self, f: impl FnOnce(Option<&mut Vault>) -> T) -> T {
        self.with_optional(f)
    }
}
