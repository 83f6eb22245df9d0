//! What the shell keeps while it runs.

use crate::error::CommandError;
use crate::login::PortalUser;
use crate::portal::Portal;
use epts_core::portal::Session;
use epts_core::settings::{LoadNote, Settings, SettingsError, SettingsStore};
use std::path::PathBuf;
use std::sync::Mutex;

/// Shared state behind the commands.
#[derive(Debug)]
pub struct AppState {
    pub store: SettingsStore,
    pub settings: Mutex<Settings>,
    pub portal: Portal,
    /// The portal session after login: in memory only (the keyring comes with sync).
    session: Mutex<Option<(Session, PortalUser)>>,
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
            portal,
            session: Mutex::new(None),
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

    pub fn set_session(&self, session: Option<(Session, PortalUser)>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = session;
    }

    pub fn session_user(&self) -> Option<PortalUser> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(_, user)| user.clone())
    }

    /// A copy of the current settings (a poisoned lock still holds valid settings).
    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}
