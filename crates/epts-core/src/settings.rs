//! The user's settings, kept on the Rust side in one small JSON file.
//!
//! Why not webview storage: the portal window shares the webview context, and logging out
//! clears it (docs/platform.md, «Tauri windows and the shared web context»), so anything
//! kept there would be lost on logout.

use crate::Code;
use crate::lang::{Lang, Localized};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::PathBuf;

const FILE_NAME: &str = "settings.json";

/// A section of the main window; the app reopens the one the user left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// The home: the archive of ePTS records.
    #[default]
    Archive,
    Prepare,
    Upload,
    Portal,
    Validate,
    Settings,
}

/// Everything the user chose that must survive a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// The interface language.
    pub language: Lang,
    /// The section shown when the app last closed.
    pub last_view: View,
    /// Minutes without use after which the open archive locks itself; 0: never.
    pub auto_lock_minutes: u32,
    /// The portal's address; `None`: the sandbox (portal-sim on this computer).
    pub portal_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            language: Lang::default(),
            last_view: View::default(),
            auto_lock_minutes: Settings::AUTO_LOCK_CHOICES[1],
            portal_url: None,
        }
    }
}

impl Settings {
    /// The auto-lock times the app offers (0: never).
    pub const AUTO_LOCK_CHOICES: [u32; 5] = [5, 15, 30, 60, 0];
}

impl View {
    pub const ALL: [View; 6] = [
        View::Archive,
        View::Prepare,
        View::Upload,
        View::Portal,
        View::Validate,
        View::Settings,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Archive => "archive",
            View::Prepare => "prepare",
            View::Upload => "upload",
            View::Portal => "portal",
            View::Validate => "validate",
            View::Settings => "settings",
        }
    }
}

/// Lenient by hand: a view this version does not know (written by a newer one) opens the
/// home view instead of discarding the other settings.
impl<'de> Deserialize<'de> for View {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(View::ALL
            .into_iter()
            .find(|v| v.as_str() == name)
            .unwrap_or_default())
    }
}

/// Why settings could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot write settings to {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read settings from {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Localized for SettingsError {
    fn code(&self) -> Code {
        match self {
            SettingsError::Write { .. } => Code::SettingsWriteFailed,
            SettingsError::Read { .. } => Code::SettingsReadFailed,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (SettingsError::Write { path, source }, Lang::Ru) => format!(
                "Не удалось сохранить настройки в {}: {source}. Проверьте, что на диске есть место и папка доступна для записи; прежние настройки не изменены.",
                path.display()
            ),
            (SettingsError::Write { path, source }, Lang::En) => format!(
                "Could not save settings to {}: {source}. Check that the disk has free space and the folder is writable; the previous settings are unchanged.",
                path.display()
            ),
            (SettingsError::Read { path, source }, Lang::Ru) => format!(
                "Не удалось прочитать настройки из {}: {source}. Проверьте права доступа к папке.",
                path.display()
            ),
            (SettingsError::Read { path, source }, Lang::En) => format!(
                "Could not read settings from {}: {source}. Check the folder's permissions.",
                path.display()
            ),
        }
    }
}

/// What loading found besides the settings themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadNote {
    /// The file was read as it is (or did not exist yet).
    Clean,
    /// The file was unreadable as settings; it was kept aside under this name and
    /// defaults are used, so nothing the user had is silently destroyed.
    CorruptKeptAside(PathBuf),
}

/// The settings file in one directory.
#[derive(Debug, Clone)]
pub struct SettingsStore {
    dir: PathBuf,
}

impl SettingsStore {
    /// A store in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The settings file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Reads the settings; a missing file gives the defaults.
    pub fn load(&self) -> Result<(Settings, LoadNote), SettingsError> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Settings::default(), LoadNote::Clean));
            }
            Err(source) => return Err(SettingsError::Read { path, source }),
        };
        match serde_json::from_slice::<Settings>(&bytes) {
            Ok(settings) => Ok((settings, LoadNote::Clean)),
            Err(_) => {
                let aside = self.dir.join(format!("{FILE_NAME}.corrupt"));
                fs::rename(&path, &aside).map_err(|source| SettingsError::Write {
                    path: aside.clone(),
                    source,
                })?;
                Ok((Settings::default(), LoadNote::CorruptKeptAside(aside)))
            }
        }
    }

    /// Writes the settings atomically: a crash leaves either the old or the new file.
    pub fn save(&self, settings: &Settings) -> Result<(), SettingsError> {
        let path = self.path();
        let err = |source| SettingsError::Write {
            path: path.clone(),
            source,
        };
        let json = serde_json::to_vec_pretty(settings).map_err(|e| err(e.into()))?;
        crate::fsutil::write_atomic(&path, &json).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_survives_a_restart() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = SettingsStore::new(dir.path().join("nested"));
        assert_eq!(store.load()?.0.language, Lang::Ru, "Russian by default");

        assert_eq!(
            store.load()?.0.auto_lock_minutes,
            15,
            "locks after 15 idle minutes"
        );
        let chosen = Settings {
            language: Lang::En,
            last_view: View::Validate,
            auto_lock_minutes: 0,
            portal_url: Some("https://portal.example.ru".into()),
        };
        store.save(&chosen)?;
        let reopened = SettingsStore::new(dir.path().join("nested"));
        assert_eq!(reopened.load()?, (chosen, LoadNote::Clean));
        Ok(())
    }

    #[test]
    fn every_view_round_trips_through_json() -> Result<(), serde_json::Error> {
        for view in View::ALL {
            let json = serde_json::to_string(&view)?;
            assert_eq!(json, format!("\"{}\"", view.as_str()));
            assert_eq!(serde_json::from_str::<View>(&json)?, view);
        }
        Ok(())
    }

    #[test]
    fn corrupt_file_is_kept_aside_not_destroyed() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = SettingsStore::new(dir.path());
        fs::write(store.path(), b"{ this is not json")?;

        let (settings, note) = store.load()?;
        assert_eq!(settings, Settings::default());
        let LoadNote::CorruptKeptAside(aside) = note else {
            panic!("expected the corrupt file to be kept aside, got {note:?}");
        };
        assert_eq!(fs::read(aside)?, b"{ this is not json");
        assert!(!store.path().exists());
        Ok(())
    }

    #[test]
    fn unknown_fields_and_missing_fields_are_tolerated() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = SettingsStore::new(dir.path());
        fs::write(store.path(), br#"{"language":"en","fromANewerVersion":1}"#)?;
        assert_eq!(store.load()?.0.language, Lang::En);
        fs::write(store.path(), b"{}")?;
        assert_eq!(store.load()?.0, Settings::default());
        // A view from a newer version opens the home view and keeps the language.
        fs::write(store.path(), br#"{"language":"en","lastView":"garage"}"#)?;
        let (settings, note) = store.load()?;
        assert_eq!(
            (settings.language, settings.last_view, note),
            (Lang::En, View::Archive, LoadNote::Clean)
        );
        Ok(())
    }

    #[test]
    fn unwritable_directory_gives_a_localized_error() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let blocker = dir.path().join("file-not-dir");
        fs::write(&blocker, b"x")?;
        let store = SettingsStore::new(blocker.join("sub"));
        let err = store
            .save(&Settings::default())
            .expect_err("a path under a regular file cannot be created");
        assert_eq!(err.code(), Code::SettingsWriteFailed);
        assert!(
            err.message(Lang::Ru)
                .contains("Не удалось сохранить настройки")
        );
        assert!(err.message(Lang::En).contains("Could not save settings"));
        Ok(())
    }
}
