//! [`Account`]: the portal's side of the app in one place — the address, one HTTP client,
//! where the session is kept, the session in use and whether the portal ended it — and
//! every step that uses them: accepting a login, restoring it after a restart, the status
//! the UI shows, forgetting it, syncing and taking downloads into the archive.
//!
//! Front-ends (the desktop shell, the CLI) keep only what is theirs: windows, cookies read
//! from a webview, channels.

use super::Portal;
use super::address::PortalAddress;
use super::client::{HttpPortal, PortalConfig};
use super::download::{DownloadError, DownloadGate, document_format};
use super::error::PortalError;
use super::model::Me;
use super::session::Session;
use super::session_store::{SavedSession, SessionHome, SessionKeeper};
use super::sync::{SyncError, SyncProgress, SyncReport, VaultSlot, sync_into};
use crate::ids::EptsNumber;
use crate::lang::{Code, Lang, Localized};
use reqwest::Url;
use serde::Serialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The portal session in use.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub session: Session,
    pub user: Me,
    /// Where it is kept across restarts; `None`: in memory only.
    pub home: Option<SessionHome>,
    /// Restored while the portal did not answer: not checked yet.
    pub unchecked: bool,
}

/// Where the portal stands, as the «Портал» section and the archive show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PortalStatus {
    pub user: Option<Me>,
    /// A kept session could not be checked: the portal did not answer. `user` is the copy
    /// kept with the session.
    pub offline: bool,
    /// A kept session was refused by the portal (it ended); log in again.
    pub session_expired: bool,
    /// Where the session is kept across restarts; `None` when it is not kept.
    pub kept_in: Option<SessionHome>,
    /// When the last complete sync with this portal ended (RFC 3339, UTC); `None` if never
    /// or while the archive is locked.
    pub last_sync: Option<String>,
    /// The archive is open (a missing `last_sync` then means "never synced").
    pub archive_open: bool,
    /// A sync is running now.
    pub syncing: bool,
}

/// A document from the portal window, stored in the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDownload {
    pub file_name: String,
    /// The vehicle it was attached to (`None` when no archived record matched).
    pub vin: Option<String>,
    pub epts_number: Option<String>,
    pub document_id: i64,
}

/// What the account refuses by itself (the portal's and the sync's refusals come as theirs).
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("not logged in")]
    NotLoggedIn,
    /// The login ended without the portal's session cookies.
    #[error("no session cookies after login")]
    NoSession,
    #[error("a sync is already running")]
    SyncRunning,
    #[error(transparent)]
    Portal(#[from] PortalError),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl Localized for AccountError {
    fn code(&self) -> Code {
        match self {
            AccountError::NotLoggedIn => Code::NotLoggedIn,
            AccountError::NoSession => Code::SessionLost,
            AccountError::SyncRunning => Code::SyncRunning,
            AccountError::Portal(e) => e.code(),
            AccountError::Sync(e) => e.code(),
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            AccountError::NotLoggedIn => lang
                .pick(
                    "Сначала войдите на портал: раздел «Портал», кнопка «Войти через Госуслуги».",
                    "Log in to the portal first: section «Portal», button «Log in with Gosuslugi».",
                )
                .to_owned(),
            AccountError::NoSession => lang
                .pick(
                    "Портал не передал сеанс после входа. Разрешите cookie и войдите снова.",
                    "The portal gave no session after login. Allow cookies and log in again.",
                )
                .to_owned(),
            AccountError::SyncRunning => lang
                .pick(
                    "Загрузка с портала уже идёт. Дождитесь её окончания или нажмите «Остановить».",
                    "A sync with the portal is already running. Wait for it or press «Stop».",
                )
                .to_owned(),
            AccountError::Portal(e) => e.message(lang),
            AccountError::Sync(e) => e.message(lang),
        }
    }
}

/// The user's account on one portal.
#[derive(Debug)]
pub struct Account {
    address: PortalAddress,
    client: HttpPortal,
    keeper: SessionKeeper,
    current: Mutex<Option<ActiveSession>>,
    /// The portal refused the kept session: said until the next login or logout, so
    /// whichever section asks first does not swallow it.
    ended: AtomicBool,
    syncing: AtomicBool,
    sync_cancel: AtomicBool,
    downloads: DownloadGate,
}

/// Clears the "syncing" flag however the sync ends (an error, or its future dropped).
struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Account {
    /// An account on the portal at `address`, its session kept by `keeper`.
    pub fn new(address: PortalAddress, keeper: SessionKeeper) -> Result<Self, PortalError> {
        Self::with_config(PortalConfig::new(address), keeper)
    }

    pub fn with_config(config: PortalConfig, keeper: SessionKeeper) -> Result<Self, PortalError> {
        let address = config.address.clone();
        Ok(Self {
            client: HttpPortal::new(config)?,
            address,
            keeper,
            current: Mutex::new(None),
            ended: AtomicBool::new(false),
            syncing: AtomicBool::new(false),
            sync_cancel: AtomicBool::new(false),
            downloads: DownloadGate::default(),
        })
    }

    pub fn address(&self) -> &PortalAddress {
        &self.address
    }

    /// The one HTTP client of this portal.
    pub fn client(&self) -> &HttpPortal {
        &self.client
    }

    /// The session in use, if any.
    pub fn session(&self) -> Option<ActiveSession> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_session(&self, active: Option<ActiveSession>) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = active;
    }

    /// Whether the portal ended the kept session (until the next login or logout).
    pub fn session_ended(&self) -> bool {
        self.ended.load(Ordering::Relaxed)
    }

    /// Fails with [`PortalError::ClockSkewed`] when the local clock is more than five
    /// minutes off the portal's: before a login, since codes fail with such a clock.
    pub async fn check_clock(&self) -> Result<i64, PortalError> {
        self.client.check_clock().await
    }

    /// A session given from outside (the CLI's `EPTS_PORTAL_SESSION`): used, never kept.
    pub fn use_session(&self, session: Session, user: Me) {
        self.set_session(Some(ActiveSession {
            session,
            user,
            home: None,
            unchecked: true,
        }));
    }

    /// The session read from the login window: checked with one call, then kept (keyring,
    /// else the vault) and used.
    pub async fn accept_login<V: VaultSlot>(
        &self,
        session: Session,
        vault: &V,
    ) -> Result<ActiveSession, AccountError> {
        if session.is_empty() {
            return Err(AccountError::NoSession);
        }
        let user = self.client.me(&session).await?;
        let saved = SavedSession { session, user };
        let home = vault
            .with_open_vault(|v| {
                self.keeper
                    .save(self.address.as_str(), &saved, v.as_deref())
            })
            .unwrap_or_else(|e| {
                // Not kept only costs the next login after a restart.
                tracing::warn!(code = %e.code(), "the portal session could not be kept");
                None
            });
        let active = ActiveSession {
            session: saved.session,
            user: saved.user,
            home,
            unchecked: false,
        };
        self.set_session(Some(active.clone()));
        self.ended.store(false, Ordering::Relaxed);
        tracing::info!(kept_in = ?home, "portal login: session accepted");
        Ok(active)
    }

    /// The session in use, or the kept one checked with the portal. A session the portal
    /// refuses is forgotten (and said to have ended); one it could not check (offline) is
    /// used as it is and checked again by the next call.
    pub async fn restore<V: VaultSlot>(&self, vault: &V) -> Option<ActiveSession> {
        if let Some(active) = self.session().filter(|a| !a.unchecked) {
            return Some(active);
        }
        let kept = vault.with_open_vault(|v| self.keeper.load(self.address.as_str(), v.as_deref()));
        let (saved, home) = match kept {
            Ok(Some(kept)) => kept,
            Ok(None) => {
                // A session given from outside, not kept anywhere.
                return self.session();
            }
            Err(e) => {
                tracing::warn!(code = %e.code(), "the kept portal session could not be read");
                return self.session();
            }
        };
        let (user, unchecked) = match self.client.me(&saved.session).await {
            Ok(me) => (me, false),
            Err(e) if e.is_temporary() || matches!(e, PortalError::Maintenance { .. }) => {
                (saved.user.clone(), true)
            }
            Err(e) => {
                tracing::info!(code = %e.code(), "the kept portal session was refused");
                self.forget(vault);
                self.ended.store(true, Ordering::Relaxed);
                return None;
            }
        };
        let active = ActiveSession {
            session: saved.session,
            user,
            home: Some(home),
            unchecked,
        };
        // Held even unchecked: the cabinet and downloads can use it; the status re-checks.
        self.set_session(Some(active.clone()));
        tracing::info!(kept_in = ?home, unchecked, "portal session restored");
        Some(active)
    }

    /// Who is logged in (restoring a kept session) and when the archive last got the
    /// portal's data.
    pub async fn status<V: VaultSlot>(&self, vault: &V) -> PortalStatus {
        let active = self.restore(vault).await;
        let last_sync = vault.with_open_vault(|v| {
            v.and_then(|v| v.sync_state(self.address.as_str()).ok())
                .and_then(|(_, last)| last)
        });
        PortalStatus {
            offline: active.as_ref().is_some_and(|a| a.unchecked),
            kept_in: active.as_ref().and_then(|a| a.home),
            user: active.map(|a| a.user),
            session_expired: self.session_ended(),
            last_sync,
            archive_open: vault.is_open(),
            syncing: self.syncing.load(Ordering::Relaxed),
        }
    }

    /// Forgets the session in memory and wherever it was kept (keyring, vault).
    pub fn forget<V: VaultSlot>(&self, vault: &V) {
        self.set_session(None);
        if let Err(e) =
            vault.with_open_vault(|v| self.keeper.forget(self.address.as_str(), v.as_deref()))
        {
            tracing::warn!(code = %e.code(), "the kept portal session could not be removed");
        }
    }

    /// Logs out: the session is forgotten and no longer said to have ended.
    pub fn logout<V: VaultSlot>(&self, vault: &V) {
        self.forget(vault);
        self.ended.store(false, Ordering::Relaxed);
    }

    /// Fetches the user's ePTS records and extracts into the open archive.
    pub async fn sync_into<V: VaultSlot>(
        &self,
        vault: &V,
        progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<SyncReport, AccountError> {
        let active = self.restore(vault).await.ok_or(AccountError::NotLoggedIn)?;
        if !vault.is_open() {
            return Err(SyncError::ArchiveLocked.into());
        }
        if self.syncing.swap(true, Ordering::SeqCst) {
            return Err(AccountError::SyncRunning);
        }
        let _running = Running(&self.syncing);
        self.sync_cancel.store(false, Ordering::SeqCst);
        let result = sync_into(
            &self.client,
            self.address.as_str(),
            &active.session,
            vault,
            progress,
            &self.sync_cancel,
        )
        .await;
        match result {
            Ok(report) => {
                tracing::info!(
                    inserted = report.inserted,
                    updated = report.updated,
                    failed = report.failed.len(),
                    cancelled = report.cancelled,
                    "portal sync finished"
                );
                // A sync that reached the portal proves the session.
                if let Some(mut now) = self.session() {
                    now.unchecked = false;
                    self.set_session(Some(now));
                }
                Ok(report)
            }
            Err(SyncError::Portal(PortalError::SessionExpired)) => {
                self.forget(vault);
                self.ended.store(true, Ordering::Relaxed);
                Err(PortalError::SessionExpired.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Stops the running sync after the record in hand; the next sync goes on from there.
    pub fn cancel_sync(&self) {
        self.sync_cancel.store(true, Ordering::SeqCst);
    }

    /// A file the user downloads in the portal window, fetched with the session (the
    /// portal's own origin only) and stored in the archive — attached to its vehicle when
    /// its name or address carries the ePTS number of an archived record. One at a time, a
    /// few a minute, documents only.
    pub async fn download_into<V: VaultSlot>(
        &self,
        url: &Url,
        vault: &V,
    ) -> Result<StoredDownload, DownloadError> {
        self.downloads.admit(Instant::now())?;
        let _one = self.downloads.lock().await;
        let active = self.session().ok_or(DownloadError::NotLoggedIn)?;
        if !vault.is_open() {
            return Err(DownloadError::ArchiveLocked);
        }
        let download = self.client.download(&active.session, url).await?;
        document_format(&download.bytes)?;
        let number = epts_number_in(&download.file_name).or_else(|| epts_number_in(url.path()));
        vault.with_open_vault(|vault| {
            let vault = vault.ok_or(DownloadError::ArchiveLocked)?;
            let vin = number
                .as_ref()
                .and_then(|n| vault.record(n.as_str()).ok())
                .map(|r| r.vin);
            let document =
                vault.import_bytes(&download.file_name, &download.bytes, vin.as_deref())?;
            Ok(StoredDownload {
                file_name: download.file_name.clone(),
                vin,
                epts_number: number.map(|n| n.as_str().to_owned()),
                document_id: document.id,
            })
        })
    }
}

/// The first well-formed ePTS number a file name or path carries as a run of digits.
pub fn epts_number_in(text: &str) -> Option<EptsNumber> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() == 15)
        .find_map(|run| EptsNumber::parse(run).ok())
}

#[cfg(test)]
mod tests {
    use super::epts_number_in;

    #[test]
    fn the_epts_number_is_read_from_the_name_or_the_address() {
        let n = |s: &str| epts_number_in(s).map(|n| n.as_str().to_owned());
        assert_eq!(
            n("epts_164301027000001.pdf").as_deref(),
            Some("164301027000001")
        );
        assert_eq!(
            n("/cabinet/epts/264301027000002/extract.pdf").as_deref(),
            Some("264301027000002")
        );
        // Sixteen digits, or fifteen that are no ePTS number (country 999), are not one.
        assert_eq!(n("scan_2024_1643010270000011.pdf"), None);
        assert_eq!(n("invoice_199901027000001.pdf"), None);
        assert_eq!(n("ПТС.pdf"), None);
    }
}
