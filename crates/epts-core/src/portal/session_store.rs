//! Where a portal session lives between runs of the app: the OS keyring, or — where no
//! keyring answers — the encrypted vault. Never a plaintext file.
//!
//! The session is kept with the user it belongs to, so an app started without a network
//! can still say who is logged in. One entry per portal address: sessions of two portals
//! never mix.

use super::{Me, Session};
use crate::vault::{OsKeyring, Vault, VaultError};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The keyring service under which portal sessions are filed (apart from vault keys).
pub const KEYRING_SERVICE: &str = "ePTS Desktop portal session";

/// Where a session is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SessionHome {
    Keyring,
    /// In the vault's encrypted database.
    Archive,
}

/// A session and who it belongs to.
#[derive(Debug, Clone)]
pub struct SavedSession {
    pub session: Session,
    pub user: Me,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    cookies: String,
    user: Me,
}

impl Drop for Stored {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.cookies);
    }
}

impl SavedSession {
    fn to_secret(&self) -> Zeroizing<String> {
        let stored = Stored {
            cookies: self.session.to_secret().to_string(),
            user: self.user.clone(),
        };
        // A struct of strings always serialises.
        Zeroizing::new(serde_json::to_string(&stored).unwrap_or_default())
    }

    /// `None` for anything that is not a session this module wrote.
    fn from_secret(secret: &[u8]) -> Option<Self> {
        let stored: Stored = serde_json::from_slice(secret).ok()?;
        let session = Session::from_secret(&stored.cookies);
        (!session.is_empty()).then(|| Self {
            session,
            user: stored.user.clone(),
        })
    }
}

/// Keeps portal sessions in the keyring when one answers, in the vault otherwise.
#[derive(Debug)]
pub struct SessionKeeper {
    keyring: Option<OsKeyring>,
}

impl SessionKeeper {
    /// With the OS keyring if it answers.
    pub fn open() -> Self {
        Self::with_keyring(OsKeyring::with_service(KEYRING_SERVICE).ok())
    }

    /// With a given keyring (tests use their own service), or none.
    pub fn with_keyring(keyring: Option<OsKeyring>) -> Self {
        Self { keyring }
    }

    /// Keeps `saved` for `portal`: in the keyring, or in `vault` when the keyring fails.
    /// `Ok(None)` when neither can take it (no keyring, archive locked): the session then
    /// lasts only while the app runs.
    pub fn save(
        &self,
        portal: &str,
        saved: &SavedSession,
        vault: Option<&Vault>,
    ) -> Result<Option<SessionHome>, VaultError> {
        let secret = saved.to_secret();
        if let Some(keyring) = &self.keyring {
            match keyring.store_secret(portal, secret.as_bytes()) {
                Ok(()) => {
                    // An older copy in the vault would outlive a logout done without it.
                    if let Some(vault) = vault {
                        vault.set_portal_session(portal, None)?;
                    }
                    return Ok(Some(SessionHome::Keyring));
                }
                Err(e) => tracing::warn!(error = %e, "keyring refused the portal session"),
            }
        }
        match vault {
            Some(vault) => {
                vault.set_portal_session(portal, Some(&secret))?;
                Ok(Some(SessionHome::Archive))
            }
            None => Ok(None),
        }
    }

    /// The session kept for `portal`, looked for in the keyring first, then in `vault`.
    pub fn load(
        &self,
        portal: &str,
        vault: Option<&Vault>,
    ) -> Result<Option<(SavedSession, SessionHome)>, VaultError> {
        if let Some(keyring) = &self.keyring {
            match keyring.load_secret(portal) {
                Ok(Some(secret)) => {
                    if let Some(saved) = SavedSession::from_secret(&secret) {
                        return Ok(Some((saved, SessionHome::Keyring)));
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "keyring unreadable for the portal session"),
            }
        }
        let Some(vault) = vault else {
            return Ok(None);
        };
        Ok(vault
            .portal_session(portal)?
            .and_then(|secret| SavedSession::from_secret(secret.as_bytes()))
            .map(|saved| (saved, SessionHome::Archive)))
    }

    /// Forgets the session for `portal` everywhere it may be kept.
    pub fn forget(&self, portal: &str, vault: Option<&Vault>) -> Result<(), VaultError> {
        let from_keyring = match &self.keyring {
            Some(keyring) => keyring.forget(portal),
            None => Ok(()),
        };
        if let Some(vault) = vault {
            vault.set_portal_session(portal, None)?;
        }
        from_keyring
    }
}
