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

/// Every code a user-visible problem can carry: one typed list, so the shell, the CLI and
/// the UI (which gets it as a TypeScript union of the same name) never compare strings
/// they could misspell. The snake_case spelling is part of the CLI's JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Code {
    // Kept in alphabetical order; `core_unavailable` is the UI's own (no shell to talk to).
    ArchiveLocked,
    BackupUnreadable,
    BadDomain,
    BadFormat,
    BadLocalPart,
    BadName,
    BadPortalUrl,
    BadProfile,
    BadRegion,
    Busy,
    Cancelled,
    ChecksumMismatch,
    ClockSkewed,
    CoreUnavailable,
    Corrupt,
    DiskFull,
    DocumentDamaged,
    DocumentNotFound,
    DownloadFailed,
    DownloadNotDocument,
    DownloadsThrottled,
    Empty,
    EmptyFile,
    Encrypted,
    EsiaAccountBlocked,
    EsiaCodeBlocked,
    EsiaCodeExpired,
    EsiaNotConfirmed,
    EsiaRedirectMismatch,
    EsiaSessionLost,
    EsiaUnknownClient,
    EsiaWrongCode,
    EsiaWrongPassword,
    ExifRotated,
    ExtensionMismatch,
    FileTooLarge,
    ForbiddenLetter,
    InFuture,
    Internal,
    InvalidCharacter,
    InvalidInput,
    KdfCostTooHigh,
    KeyNotInKeyring,
    KeyringUnavailable,
    LocationMetadata,
    LoginAccountNotFound,
    LoginCancelled,
    LoginCodeExpired,
    LoginCodeInvalid,
    LoginConsentRefused,
    LoginFailed,
    LoginSessionLost,
    LoginWindowFailed,
    MacroDocument,
    MissingAt,
    NavigationRefused,
    NoPassphraseSet,
    NoSuchDate,
    NotChosen,
    NotImage,
    NotLoggedIn,
    NothingToMerge,
    PassphraseNeeded,
    PortalBadAddress,
    PortalBadResponse,
    PortalForbidden,
    PortalListInconsistent,
    PortalMaintenance,
    PortalNotFound,
    PortalOffline,
    PortalRejected,
    PortalServerError,
    PortalTimeout,
    PortalWrongRecord,
    ProfileUnreadable,
    RecordNotFound,
    Refused,
    SandboxFailed,
    SessionExpired,
    SessionLost,
    SettingsReadFailed,
    SettingsWriteFailed,
    SyncRunning,
    TiffCompressed,
    TooLarge,
    TooLong,
    TooManyPixels,
    TooOld,
    TotalTooLarge,
    UnknownCountry,
    UnknownKind,
    UnknownProfile,
    Unreadable,
    UnsupportedCountry,
    UnsupportedFormat,
    VaultDatabaseError,
    VaultDatabaseMissing,
    VaultExists,
    VaultFailed,
    VaultHeaderDamaged,
    VaultIoError,
    VaultNotFound,
    VaultReadOnly,
    VaultTooNew,
    VinCheckDigitMismatch,
    WeakPassphrase,
    WindowRefused,
    WriteFailed,
    WrongKey,
    WrongKind,
    WrongLength,
    WrongPassphrase,
}

impl Code {
    /// The stable snake_case spelling (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ArchiveLocked => "archive_locked",
            Code::BackupUnreadable => "backup_unreadable",
            Code::BadDomain => "bad_domain",
            Code::BadFormat => "bad_format",
            Code::BadLocalPart => "bad_local_part",
            Code::BadName => "bad_name",
            Code::BadPortalUrl => "bad_portal_url",
            Code::BadProfile => "bad_profile",
            Code::BadRegion => "bad_region",
            Code::Busy => "busy",
            Code::Cancelled => "cancelled",
            Code::ChecksumMismatch => "checksum_mismatch",
            Code::ClockSkewed => "clock_skewed",
            Code::CoreUnavailable => "core_unavailable",
            Code::Corrupt => "corrupt",
            Code::DiskFull => "disk_full",
            Code::DocumentDamaged => "document_damaged",
            Code::DocumentNotFound => "document_not_found",
            Code::DownloadFailed => "download_failed",
            Code::DownloadNotDocument => "download_not_document",
            Code::DownloadsThrottled => "downloads_throttled",
            Code::Empty => "empty",
            Code::EmptyFile => "empty_file",
            Code::Encrypted => "encrypted",
            Code::EsiaAccountBlocked => "esia_account_blocked",
            Code::EsiaCodeBlocked => "esia_code_blocked",
            Code::EsiaCodeExpired => "esia_code_expired",
            Code::EsiaNotConfirmed => "esia_not_confirmed",
            Code::EsiaRedirectMismatch => "esia_redirect_mismatch",
            Code::EsiaSessionLost => "esia_session_lost",
            Code::EsiaUnknownClient => "esia_unknown_client",
            Code::EsiaWrongCode => "esia_wrong_code",
            Code::EsiaWrongPassword => "esia_wrong_password",
            Code::ExifRotated => "exif_rotated",
            Code::ExtensionMismatch => "extension_mismatch",
            Code::FileTooLarge => "file_too_large",
            Code::ForbiddenLetter => "forbidden_letter",
            Code::InFuture => "in_future",
            Code::Internal => "internal",
            Code::InvalidCharacter => "invalid_character",
            Code::InvalidInput => "invalid_input",
            Code::KdfCostTooHigh => "kdf_cost_too_high",
            Code::KeyNotInKeyring => "key_not_in_keyring",
            Code::KeyringUnavailable => "keyring_unavailable",
            Code::LocationMetadata => "location_metadata",
            Code::LoginAccountNotFound => "login_account_not_found",
            Code::LoginCancelled => "login_cancelled",
            Code::LoginCodeExpired => "login_code_expired",
            Code::LoginCodeInvalid => "login_code_invalid",
            Code::LoginConsentRefused => "login_consent_refused",
            Code::LoginFailed => "login_failed",
            Code::LoginSessionLost => "login_session_lost",
            Code::LoginWindowFailed => "login_window_failed",
            Code::MacroDocument => "macro_document",
            Code::MissingAt => "missing_at",
            Code::NavigationRefused => "navigation_refused",
            Code::NoPassphraseSet => "no_passphrase_set",
            Code::NoSuchDate => "no_such_date",
            Code::NotChosen => "not_chosen",
            Code::NotImage => "not_image",
            Code::NotLoggedIn => "not_logged_in",
            Code::NothingToMerge => "nothing_to_merge",
            Code::PassphraseNeeded => "passphrase_needed",
            Code::PortalBadAddress => "portal_bad_address",
            Code::PortalBadResponse => "portal_bad_response",
            Code::PortalForbidden => "portal_forbidden",
            Code::PortalListInconsistent => "portal_list_inconsistent",
            Code::PortalMaintenance => "portal_maintenance",
            Code::PortalNotFound => "portal_not_found",
            Code::PortalOffline => "portal_offline",
            Code::PortalRejected => "portal_rejected",
            Code::PortalServerError => "portal_server_error",
            Code::PortalTimeout => "portal_timeout",
            Code::PortalWrongRecord => "portal_wrong_record",
            Code::ProfileUnreadable => "profile_unreadable",
            Code::RecordNotFound => "record_not_found",
            Code::Refused => "refused",
            Code::SandboxFailed => "sandbox_failed",
            Code::SessionExpired => "session_expired",
            Code::SessionLost => "session_lost",
            Code::SettingsReadFailed => "settings_read_failed",
            Code::SettingsWriteFailed => "settings_write_failed",
            Code::SyncRunning => "sync_running",
            Code::TiffCompressed => "tiff_compressed",
            Code::TooLarge => "too_large",
            Code::TooLong => "too_long",
            Code::TooManyPixels => "too_many_pixels",
            Code::TooOld => "too_old",
            Code::TotalTooLarge => "total_too_large",
            Code::UnknownCountry => "unknown_country",
            Code::UnknownKind => "unknown_kind",
            Code::UnknownProfile => "unknown_profile",
            Code::Unreadable => "unreadable",
            Code::UnsupportedCountry => "unsupported_country",
            Code::UnsupportedFormat => "unsupported_format",
            Code::VaultDatabaseError => "vault_database_error",
            Code::VaultDatabaseMissing => "vault_database_missing",
            Code::VaultExists => "vault_exists",
            Code::VaultFailed => "vault_failed",
            Code::VaultHeaderDamaged => "vault_header_damaged",
            Code::VaultIoError => "vault_io_error",
            Code::VaultNotFound => "vault_not_found",
            Code::VaultReadOnly => "vault_read_only",
            Code::VaultTooNew => "vault_too_new",
            Code::VinCheckDigitMismatch => "vin_check_digit_mismatch",
            Code::WeakPassphrase => "weak_passphrase",
            Code::WindowRefused => "window_refused",
            Code::WriteFailed => "write_failed",
            Code::WrongKey => "wrong_key",
            Code::WrongKind => "wrong_kind",
            Code::WrongLength => "wrong_length",
            Code::WrongPassphrase => "wrong_passphrase",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user-visible problem: a stable code and a message in the chosen language.
pub trait Localized {
    /// A stable code (part of the CLI and UI contract; never renamed).
    fn code(&self) -> Code;
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

    #[test]
    fn a_code_is_spelled_as_it_serializes() {
        for code in [
            Code::ArchiveLocked,
            Code::VinCheckDigitMismatch,
            Code::Internal,
        ] {
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
