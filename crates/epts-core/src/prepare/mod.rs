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
    BatchReport, FileOutcome, FolderSink, Progress, Sink, SinkError, Status, VaultSink, fix_paths,
    output_stems,
};
pub use check::{
    FileReport, Finding, Problem, SetReport, Verdict, check_bytes, check_paths, collect_files,
};
pub use detect::{Detection, Facts, Format, detect};
pub use fix::{Applied, FixError, FixOptions, Prepared, fix_bytes};
pub use merge::{MergeError, MergeOptions, images_to_pdf};
pub use profile::{Profile, ProfileError};
pub use translit::{Scheme, portal_stem, transliterate};
