//! Document preparation offline: what each file is, what the portal will say about it,
//! and (next) the fixes. Driven by rule profiles, never by constants.

pub mod check;
pub mod detect;
pub mod merge;
pub mod profile;
pub mod translit;

pub use check::{FileReport, Finding, Problem, SetReport, Verdict, check_bytes, check_paths};
pub use detect::{Detection, Facts, Format, detect};
pub use merge::{MergeError, jpegs_to_pdf};
pub use profile::{Profile, ProfileError};
pub use translit::{Scheme, portal_stem, transliterate};
