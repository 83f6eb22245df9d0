//! What the shell keeps while it runs.

use crate::error::CommandError;
use crate::login::PortalUser;
use crate::portal::Portal;
use epts_core::portal::{Session, SessionHome, SessionKeeper};
use epts_core::settings::{LoadNote, Settings, SettingsError, SettingsStore};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// The portal session the app works with now.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub session: Session,
    pub user: PortalUser,
    /// Where it is kept across restarts; `None`: in memory only.
    pub home: Option<SessionHome>,
    /// Restored at start while the portal did not answer: not checked yet.
    pub unchecked: bool,
}

/// Shared state behind the commands.
#[derive(Debug)]
pub struct AppState {
    pub store: SettingsStore,
    pub settings: Mutex<Settings>,
    portal: Mutex<Arc<Portal>>,
    session: Mutex<Option<ActiveSession>>,
    /// Keeps the session across restarts (OS keyring, or the vault).
    pub keeper: SessionKeeper,
    /// A sync is running; a second one is refused.
    pub syncing: AtomicBool,
    /// «Остановить» was pressed for the running sync.
    pub sync_cancel: AtomicBool,
    /// The kept session was refused by the portal; said until the next login or logout,
    /// so whichever section asks first does not swallow it.
    pub session_ended: AtomicBool,
}

impl AppState {
    /// Loads the settings from `config_dir`.
    pub fn load(config_dir: PathBuf, portal: Portal) -> Result<Self, SettingsError> {
        let store = SettingsStore::new(config_dir);
        let (settings, note) = store.load()?;
        if let LoadNote::CorruptKeptAside(path) = note {
            tracing::warn!(kept_as = %path.display(), "settings file was unreadable; defaults are used");
        }
        Ok(Self {
            store,
            settings: Mutex::new(settings),
            portal: Mutex::new(Arc::new(portal)),
            session: Mutex::new(None),
            keeper: SessionKeeper::open(),
            syncing: AtomicBool::new(false),
            sync_cancel: AtomicBool::new(false),
            session_ended: AtomicBool::new(false),
        })
    }

    /// Changes the settings and saves them; the change takes effect only once it is saved,
    /// so the UI never shows a choice that would be lost on restart.
    pub fn update_settings(
        &self,
        change: impl FnOnce(&mut Settings),
    ) -> Result<Settings, CommandError> {
        let mut guard = self
            .settings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut next = guard.clone();
        change(&mut next);
        self.store
            .save(&next)
            .map_err(|e| CommandError::from_localized(&e, next.language))?;
        *guard = next.clone();
        Ok(next)
    }

    /// The portal in use now (it may change in Settings while a call runs).
    pub fn portal(&self) -> Arc<Portal> {
        Arc::clone(&self.portal.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn set_portal(&self, portal: Portal) {
        *self.portal.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(portal);
    }

    pub fn set_session(&self, session: Option<ActiveSession>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = session;
    }

    pub fn session(&self) -> Option<ActiveSession> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A copy of the current settings (a poisoned lock still holds valid settings).
    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}
