//! What the shell keeps while it runs: the settings, the portal in use (its
//! [`Account`]) and the archive. Every section reads them from here; none reaches into
//! another section.
//!
//! With no portal configured the app starts portal-sim in-process on a free loopback port
//! and says so everywhere (the «Песочница» badge), so nobody mistakes it for the real
//! portal. That sandbox never carries the stand-in's test controls.

use crate::archive_slot::Archive;
use crate::error::CommandError;
use epts_core::portal::{Account, AddressError, PortalAddress, PortalError, SessionKeeper};
use epts_core::settings::{LoadNote, Settings, SettingsError, SettingsStore};
use epts_core::{Lang, Localized};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The portal in use: the user's account on it, and whether it is the local stand-in.
#[derive(Debug)]
pub struct PortalInUse {
    pub account: Account,
    /// The portal is the local stand-in (started here or by a test harness).
    pub sandbox: bool,
    /// Keeps the in-process sandbox alive for as long as it is the portal in use.
    _sim: Option<portal_sim::Running>,
}

impl PortalInUse {
    /// A configured portal; one that turns out to be a stand-in is shown as the sandbox.
    pub async fn at(address: PortalAddress) -> Result<Self, PortalError> {
        let sandbox = address.is_loopback() && portal_sim::identify(address.as_str()).await;
        Self::new(address, sandbox, None)
    }

    /// The stand-in, started in this process on a free loopback port.
    pub async fn sandbox() -> Result<Self, StartError> {
        let sim = portal_sim::start_sandbox(0).await?;
        let address = PortalAddress::parse(&sim.url()).map_err(StartError::SandboxAddress)?;
        tracing::info!(url = %address, "no portal configured: sandbox started");
        Ok(Self::new(address, true, Some(sim))?)
    }

    fn new(
        address: PortalAddress,
        sandbox: bool,
        sim: Option<portal_sim::Running>,
    ) -> Result<Self, PortalError> {
        Ok(Self {
            account: Account::new(address, SessionKeeper::open())?,
            sandbox,
            _sim: sim,
        })
    }
}

/// Shared state behind the commands.
#[derive(Debug)]
pub struct AppState {
    pub store: SettingsStore,
    pub settings: Mutex<Settings>,
    portal: Mutex<Arc<PortalInUse>>,
    /// A configured address the app refused at start (`EPTS_PORTAL_URL` or the settings):
    /// the sandbox runs instead, and Settings says why.
    pub portal_refused: Option<AddressError>,
    pub archive: Arc<Archive>,
}

impl AppState {
    /// Loads the settings from `config_dir` and picks the portal: `EPTS_PORTAL_URL`
    /// (tests, managed installs) wins, then the settings, else the sandbox.
    pub async fn load(config_dir: PathBuf, archive: Arc<Archive>) -> Result<Self, StartError> {
        let store = SettingsStore::new(config_dir);
        let (settings, note) = store.load()?;
        if let LoadNote::CorruptKeptAside(path) = note {
            tracing::warn!(kept_as = %path.display(), "settings file was unreadable; defaults are used");
        }
        let from_env = std::env::var("EPTS_PORTAL_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        let configured = from_env.or_else(|| settings.portal_url.clone());
        let (portal, portal_refused) = match configured.as_deref().map(PortalAddress::parse) {
            Some(Ok(address)) => (PortalInUse::at(address).await?, None),
            Some(Err(refused)) => {
                tracing::warn!(code = %refused.code(), "configured portal address refused; the sandbox runs instead");
                (PortalInUse::sandbox().await?, Some(refused))
            }
            None => (PortalInUse::sandbox().await?, None),
        };
        Ok(Self {
            store,
            settings: Mutex::new(settings),
            portal: Mutex::new(Arc::new(portal)),
            portal_refused,
            archive,
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
    pub fn portal(&self) -> Arc<PortalInUse> {
        Arc::clone(&self.portal.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn set_portal(&self, portal: PortalInUse) {
        *self.portal.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(portal);
    }

    /// A copy of the current settings (a poisoned lock still holds valid settings).
    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn lang(&self) -> Lang {
        self.settings().language
    }

    /// A failure in the user's language.
    pub fn fail(&self, e: &dyn Localized) -> CommandError {
        CommandError::from_localized_dyn(e, self.lang())
    }
}

/// Why the app could not start its state.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("the sandbox did not start: {0}")]
    Sandbox(#[from] std::io::Error),
    #[error("the sandbox's address: {0}")]
    SandboxAddress(AddressError),
    #[error("the portal's HTTP client: {0}")]
    Portal(#[from] PortalError),
}

impl Localized for StartError {
    fn code(&self) -> epts_core::Code {
        match self {
            StartError::Settings(e) => e.code(),
            StartError::Portal(e) => e.code(),
            StartError::Sandbox(_) | StartError::SandboxAddress(_) => {
                epts_core::Code::SandboxFailed
            }
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            StartError::Settings(e) => e.message(lang),
            StartError::Portal(e) => e.message(lang),
            StartError::Sandbox(_) | StartError::SandboxAddress(_) => lang
                .pick(
                    "Не удалось запустить песочницу. Перезапустите приложение.",
                    "The sandbox did not start. Restart the app.",
                )
                .to_owned(),
        }
    }
}
