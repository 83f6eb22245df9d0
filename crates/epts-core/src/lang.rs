//! User-facing language and the contract every user-visible error follows.
//!
//! Russian is the default; English is the second language. Every error that can reach a
//! person implements [`Localized`]: a stable snake_case code that scripts and the UI key
//! on, and a message that says what is wrong and what to do next.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The language of messages shown to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Russian, the default.
    #[default]
    Ru,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag (`ru`, `en`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// Picks the Russian or English text.
    pub fn pick<'a>(self, ru: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// An unknown language tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}`: use `ru` or `en`")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Accept full locale tags such as `ru-RU` or `en_US.UTF-8` from the environment.
        let primary = s
            .trim()
            .split(['-', '_', '.'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "ru" => Ok(Lang::Ru),
            "en" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

/// A user-visible problem: a stable code and a message in the chosen language.
pub trait Localized {
    /// A stable snake_case code (part of the CLI and UI contract; never renamed).
    fn code(&self) -> &'static str;
    /// A message that says what is wrong and what to do next.
    fn message(&self, lang: Lang) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locale_tags() {
        assert_eq!("ru".parse::<Lang>(), Ok(Lang::Ru));
        assert_eq!("ru_RU.UTF-8".parse::<Lang>(), Ok(Lang::Ru));
        assert_eq!("EN-us".parse::<Lang>(), Ok(Lang::En));
        assert!("de".parse::<Lang>().is_err());
        assert_eq!(Lang::default(), Lang::Ru);
    }
}
