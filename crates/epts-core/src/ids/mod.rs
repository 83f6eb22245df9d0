//! Identifiers a person types: parsed from free input into typed, normalised values.
//!
//! Every parser first normalises (spaces, dashes, case, look-alike letters), then checks
//! the format and, where one exists, the official checksum. Errors say what is wrong and
//! how to fix it, in Russian or English ([`crate::Localized`]). [`check`] runs any of them
//! and returns a uniform [`Report`] for the CLI and the desktop app.

mod date;
mod email;
mod epts_number;
mod inn;
mod normalize;
mod ogrn;
mod passport;
mod phone;
mod plate;
mod report;
mod snils;
#[cfg(test)]
mod table;
mod vin;

/// The look-alike letter maps (Cyrillic А ↔ Latin A …), as identifiers normalise them.
pub use normalize::{
    cyrillic_to_latin as cyrillic_to_latin_vin, latin_to_cyrillic as latin_to_cyrillic_plate,
};

pub use date::{DocDate, DocDateError};
pub use email::{Email, EmailError};
pub use epts_number::{Country, EptsKind, EptsNumber, EptsNumberError};
pub use inn::{Inn, InnError};
pub use ogrn::{Ogrn, OgrnError, Ogrnip};
pub use passport::{Passport, PassportError};
pub use phone::{Phone, PhoneError};
pub use plate::{Plate, PlateError};
pub use report::{Detail, Finding, IdKind, Report, UnknownIdKind, check, check_today};
pub use snils::{Snils, SnilsError};
pub use vin::{Vin, VinError, VinWarning};
