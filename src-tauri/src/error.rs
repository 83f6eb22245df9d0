//! The one error shape every command returns to the UI: a stable code and a message that
//! is already in the user's language.

use epts_core::{Code, Lang, Localized};
use serde::Serialize;

/// A command's failure as the UI receives it (a rejected promise with this object).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct CommandError {
    pub code: Code,
    pub message: String,
}

impl CommandError {
    /// Converts any localized core error.
    pub fn from_localized(e: &impl Localized, lang: Lang) -> Self {
        Self::from_localized_dyn(e, lang)
    }

    pub fn from_localized_dyn(e: &dyn Localized, lang: Lang) -> Self {
        Self {
            code: e.code(),
            message: e.message(lang),
        }
    }
}
