//! The OS keyring as the home of vault keys: Keychain on macOS, Credential Manager on
//! Windows, Secret Service on Linux (through keyring-core and one store crate per OS).
//!
//! Where no keyring answers — a headless Linux, a locked-down workstation — opening the
//! store fails fast and the vault falls back to a passphrase (see `Vault::create_auto`).
//! The key is stored as raw bytes and never logged: keyring-core's `BadEncoding` would
//! print the bytes in Debug output, so its errors are reduced to their kind here.

use super::error::VaultError;
use super::keys::VaultKey;
use keyring_core::{CredentialStore, Entry, Error};
use std::sync::Arc;

/// The keyring service under which vault keys are filed.
pub const SERVICE: &str = "ePTS Desktop vault";

pub struct OsKeyring {
    store: Arc<CredentialStore>,
    service: String,
}

impl std::fmt::Debug for OsKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OsKeyring({}, {})", self.store.vendor(), self.service)
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(windows)]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(Error::NotSupportedByStore("no keyring on this OS".into()))
}

/// What went wrong, without any secret bytes an error might carry.
fn describe(e: &Error) -> String {
    match e {
        Error::PlatformFailure(p) | Error::NoStorageAccess(p) => p.to_string(),
        Error::NoEntry => "no entry".into(),
        Error::BadEncoding(_) | Error::BadDataFormat(..) => "unreadable entry".into(),
        Error::NoDefaultStore => "no store".into(),
        other => format!("{:?}", std::mem::discriminant(other)),
    }
}

fn unavailable(e: &Error) -> VaultError {
    VaultError::KeyringUnavailable(describe(e))
}

impl OsKeyring {
    /// The OS keyring, or [`VaultError::KeyringUnavailable`] when none answers.
    pub fn open() -> Result<Self, VaultError> {
        Self::with_service(SERVICE)
    }

    /// The keyring with another service name (tests use their own, never the real one).
    pub fn with_service(service: &str) -> Result<Self, VaultError> {
        let store = platform_store().map_err(|e| unavailable(&e))?;
        Ok(Self {
            store,
            service: service.to_owned(),
        })
    }

    fn entry(&self, vault_id: &str) -> Result<Entry, VaultError> {
        self.store
            .build(&self.service, vault_id, None)
            .map_err(|e| unavailable(&e))
    }

    pub(crate) fn store_key(&self, vault_id: &str, key: &VaultKey) -> Result<(), VaultError> {
        self.entry(vault_id)?
            .set_secret(key.bytes())
            .map_err(|e| unavailable(&e))
    }

    pub(crate) fn load_key(&self, vault_id: &str) -> Result<VaultKey, VaultError> {
        match self.entry(vault_id)?.get_secret() {
            Ok(bytes) => VaultKey::from_bytes(&zeroize::Zeroizing::new(bytes)),
            Err(Error::NoEntry) => Err(VaultError::KeyNotInKeyring),
            Err(e) => Err(unavailable(&e)),
        }
    }

    /// Keeps another secret (a portal session) under `account`.
    pub fn store_secret(&self, account: &str, secret: &[u8]) -> Result<(), VaultError> {
        self.entry(account)?
            .set_secret(secret)
            .map_err(|e| unavailable(&e))
    }

    /// The secret under `account`, or `None` when nothing was stored there.
    pub fn load_secret(
        &self,
        account: &str,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, VaultError> {
        match self.entry(account)?.get_secret() {
            Ok(bytes) => Ok(Some(zeroize::Zeroizing::new(bytes))),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(&e)),
        }
    }

    /// Removes the vault's key from the keyring (the vault then needs its passphrase).
    pub fn forget(&self, vault_id: &str) -> Result<(), VaultError> {
        match self.entry(vault_id)?.delete_credential() {
            Ok(()) | Err(Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(&e)),
        }
    }
}
