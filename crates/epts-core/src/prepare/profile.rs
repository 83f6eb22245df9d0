//! Rule profiles: what a portal accepts, as data. Built-in `elpts` and `gosuslugi`; a user
//! adds a TOML file of the same shape when a portal changes its rules.

use super::detect::FileFormat;
use crate::Code;
use crate::lang::{Lang, Localized};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub title_ru: String,
    pub title_en: String,
    pub formats: Vec<FileFormat>,
    /// Only uncompressed TIFF pages are accepted.
    #[serde(default)]
    pub tiff_uncompressed_only: bool,
    pub max_file_bytes: u64,
    #[serde(default)]
    pub max_set_bytes: Option<u64>,
    /// File names of Latin letters, digits, `-` and `_` only (plus the extension).
    #[serde(default)]
    pub latin_names: bool,
    /// Width × height above which an image must be downscaled.
    pub max_pixels: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown profile {0}")]
    Unknown(String),
    #[error("cannot read profile {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("bad profile {path}: {reason}")]
    Bad { path: PathBuf, reason: String },
}

impl Localized for ProfileError {
    fn code(&self) -> Code {
        match self {
            ProfileError::Unknown(_) => Code::UnknownProfile,
            ProfileError::Read { .. } => Code::ProfileUnreadable,
            ProfileError::Bad { .. } => Code::BadProfile,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ProfileError::Unknown(n), Lang::Ru) => format!(
                "Профиля «{n}» нет. Встроенные: elpts, gosuslugi; или укажите путь к своему файлу .toml."
            ),
            (ProfileError::Unknown(n), Lang::En) => format!(
                "There is no profile «{n}». Built in: elpts, gosuslugi; or give the path to your own .toml file."
            ),
            (ProfileError::Read { path, source }, Lang::Ru) => {
                format!("Не удалось прочитать профиль {}: {source}.", path.display())
            }
            (ProfileError::Read { path, source }, Lang::En) => {
                format!("Could not read profile {}: {source}.", path.display())
            }
            (ProfileError::Bad { path, reason }, Lang::Ru) => format!(
                "Профиль {} составлен неверно: {reason}. Сверьтесь со встроенным профилем elpts.",
                path.display()
            ),
            (ProfileError::Bad { path, reason }, Lang::En) => format!(
                "Profile {} is malformed: {reason}. Compare it with the built-in elpts profile.",
                path.display()
            ),
        }
    }
}

const ELPTS: &str = include_str!("profiles/elpts.toml");
const GOSUSLUGI: &str = include_str!("profiles/gosuslugi.toml");

impl Profile {
    /// A built-in profile by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Self, ProfileError> {
        match name_or_path {
            "elpts" => Self::parse(ELPTS, Path::new("elpts")),
            "gosuslugi" => Self::parse(GOSUSLUGI, Path::new("gosuslugi")),
            other if other.ends_with(".toml") || Path::new(other).is_file() => {
                let path = Path::new(other);
                // A profile is a few lines; refuse to read anything huge.
                let meta = std::fs::metadata(path).map_err(|source| ProfileError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                if meta.len() > 64 * 1024 {
                    return Err(ProfileError::Bad {
                        path: path.to_owned(),
                        reason: "larger than 64 KB".into(),
                    });
                }
                let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                Self::parse(&text, path)
            }
            other => Err(ProfileError::Unknown(other.to_owned())),
        }
    }

    /// A profile from TOML text (the shape of the built-in ones); errors name it `<text>`.
    pub fn from_toml_str(text: &str) -> Result<Self, ProfileError> {
        Self::parse(text, Path::new("<text>"))
    }

    fn parse(text: &str, path: &Path) -> Result<Self, ProfileError> {
        let p: Profile = toml::from_str(text).map_err(|e| ProfileError::Bad {
            path: path.to_owned(),
            reason: e.message().to_owned(),
        })?;
        if p.formats.is_empty() || p.max_file_bytes == 0 || p.max_pixels == 0 {
            return Err(ProfileError::Bad {
                path: path.to_owned(),
                reason: "formats, max_file_bytes and max_pixels must be set".into(),
            });
        }
        Ok(p)
    }

    pub fn title(&self, lang: Lang) -> &str {
        lang.pick(&self.title_ru, &self.title_en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_profiles_carry_the_portals_limits() -> Result<(), ProfileError> {
        let e = Profile::load("elpts")?;
        assert_eq!(
            (e.max_file_bytes, e.max_set_bytes),
            (10 * 1024 * 1024, Some(30 * 1024 * 1024))
        );
        assert!(e.formats.contains(&FileFormat::Docx) && e.tiff_uncompressed_only);
        let g = Profile::load("gosuslugi")?;
        assert_eq!(g.max_file_bytes, 5 * 1024 * 1024);
        assert!(!g.formats.contains(&FileFormat::Tiff));
        Ok(())
    }

    #[test]
    fn a_user_profile_is_read_and_a_broken_one_is_explained()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("repair.toml");
        std::fs::write(
            &path,
            ELPTS
                .replace("name = \"elpts\"", "name = \"repair\"")
                .replace("10485760", "2097152"),
        )?;
        let p = Profile::load(path.to_str().ok_or("path")?)?;
        assert_eq!(
            (p.name.as_str(), p.max_file_bytes),
            ("repair", 2 * 1024 * 1024)
        );

        std::fs::write(&path, "name = \"x\"\nformats = [\"gif\"]")?;
        let err = Profile::load(path.to_str().ok_or("path")?).expect_err("gif is no portal format");
        assert_eq!(err.code(), Code::BadProfile);
        assert_eq!(
            Profile::load("mos").expect_err("unknown").code(),
            Code::UnknownProfile
        );
        Ok(())
    }
}
