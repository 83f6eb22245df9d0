//! Document preparation offline: what each file is, what the portal will say about it, and
//! the fixes that make it acceptable. Driven by rule profiles, never by constants.

pub mod batch;
mod budget;
pub mod check;
pub mod detect;
pub mod fix;
mod jpeg_meta;
pub mod merge;
pub mod preview;
pub mod profile;
mod raster;
mod tiff_pages;
pub mod translit;

pub use batch::{
    FileOutcome, FixReport, FolderSink, OutcomeStatus, PrepareProgress, Sink, SinkError, VaultSink,
    fix_paths, output_stems,
};
pub use check::{
    PrepareFileReport, PrepareFinding, PrepareReport, Problem, Verdict, check_bytes, check_paths,
    collect_files,
};
pub use detect::{Detection, Facts, FileFormat, detect};
pub use fix::{AppliedFix, FixError, FixOptions, Prepared, fix_bytes};
pub use merge::{MergeError, MergeOptions, images_to_pdf};
pub use profile::{Profile, ProfileError};
pub use translit::{Scheme, portal_stem, transliterate};
