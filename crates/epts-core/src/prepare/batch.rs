//! Fixing many files at once: folders walked, every core busy, progress after each file,
//! cancellation between steps, and the decoded pictures of all cores together bounded by
//! one memory budget (`budget`): a file waits for room rather than adding its pixels to the
//! others'.
//!
//! Output names are given out before any work starts, in input order, so a run names the
//! same files the same way however the threads finish.

use super::check::{PrepareFinding, Problem, collect_files};
use super::detect::FileFormat;
use super::fix::{AppliedFix, FixError, FixOptions, fix_bytes};
use super::translit::portal_stem;
use crate::Code;
use crate::lang::{Lang, Localized};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A file larger than this is not read to be fixed (no document scan comes near it).
const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;
/// Longest output stem, leaving room for a `_NN` suffix and the extension.
const MAX_STEM: usize = 80;

/// Where fixed files go.
pub trait Sink: Sync {
    /// Stores one file under `name` (or a free variant of it) and says where it went.
    fn put(&self, name: &str, bytes: &[u8]) -> Result<String, SinkError>;
}

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot store in the archive: {0}")]
    Vault(String),
}

impl Localized for SinkError {
    fn code(&self) -> Code {
        match self {
            SinkError::Write { .. } => Code::WriteFailed,
            SinkError::Vault(_) => Code::VaultFailed,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (SinkError::Write { path, source }, Lang::Ru) => format!(
                "Не удалось записать {}: {source}. Проверьте, что папка доступна и на диске есть место.",
                path.display()
            ),
            (SinkError::Write { path, source }, Lang::En) => format!(
                "Could not write {}: {source}. Check that the folder is writable and the disk has room.",
                path.display()
            ),
            (SinkError::Vault(why), Lang::Ru) => format!("Не удалось сохранить в архив: {why}."),
            (SinkError::Vault(why), Lang::En) => format!("Could not store in the archive: {why}."),
        }
    }
}

/// Writes into a folder, each file whole or not at all, never over an existing file.
#[derive(Debug)]
pub struct FolderSink {
    dir: PathBuf,
    taken: Mutex<HashSet<String>>,
}

impl FolderSink {
    /// Creates the folder when it is missing.
    pub fn new(dir: &Path) -> Result<Self, SinkError> {
        std::fs::create_dir_all(dir).map_err(|source| SinkError::Write {
            path: dir.to_owned(),
            source,
        })?;
        Ok(Self {
            dir: dir.to_owned(),
            taken: Mutex::new(HashSet::new()),
        })
    }
}

impl Sink for FolderSink {
    fn put(&self, name: &str, bytes: &[u8]) -> Result<String, SinkError> {
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        let chosen = {
            let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
            let mut n = 1;
            loop {
                let candidate = match (n, ext) {
                    (1, "") => stem.to_owned(),
                    (1, e) => format!("{stem}.{e}"),
                    (n, "") => format!("{stem}_{n}"),
                    (n, e) => format!("{stem}_{n}.{e}"),
                };
                if !self.dir.join(&candidate).exists() && taken.insert(candidate.to_lowercase()) {
                    break candidate;
                }
                n += 1;
            }
        };
        let path = self.dir.join(&chosen);
        crate::fsutil::write_atomic(&path, bytes).map_err(|source| SinkError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(path.display().to_string())
    }
}

/// Stores into the encrypted archive, optionally attached to a vehicle.
pub struct VaultSink<'a> {
    vault: Mutex<&'a mut crate::vault::Vault>,
    vin: Option<String>,
    lang: Lang,
}

impl std::fmt::Debug for VaultSink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultSink").field("vin", &self.vin).finish()
    }
}

impl<'a> VaultSink<'a> {
    /// `lang` is the language of the errors it reports.
    pub fn new(vault: &'a mut crate::vault::Vault, vin: Option<String>, lang: Lang) -> Self {
        Self {
            vault: Mutex::new(vault),
            vin,
            lang,
        }
    }
}

impl Sink for VaultSink<'_> {
    fn put(&self, name: &str, bytes: &[u8]) -> Result<String, SinkError> {
        let mut vault = self.vault.lock().unwrap_or_else(|p| p.into_inner());
        let doc = vault
            .import_bytes(name, bytes, self.vin.as_deref())
            .map_err(|e| SinkError::Vault(e.message(self.lang)))?;
        Ok(format!("vault:{}", doc.id))
    }
}

/// Progress after each file.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrepareProgress {
    pub done: usize,
    pub total: usize,
    pub path: String,
}

/// What happened to one file.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeStatus {
    /// Copied as it was: nothing needed fixing.
    Ok,
    Fixed,
    Refused,
    /// Not done: the run was cancelled first.
    Cancelled,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileOutcome {
    pub path: String,
    pub status: OutcomeStatus,
    pub format: FileFormat,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub before_bytes: u64,
    /// Where the fixed copy went (a path, or `vault:<id>`).
    pub output: Option<String>,
    pub output_format: Option<FileFormat>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub after_bytes: Option<u64>,
    pub applied: Vec<AppliedFix>,
    /// Why the file was refused (empty otherwise).
    pub problems: Vec<PrepareFinding>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixReport {
    pub profile: String,
    pub files: Vec<FileOutcome>,
    pub cancelled: bool,
    /// Bytes of every output together.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total_bytes: u64,
    pub set_problems: Vec<PrepareFinding>,
}

impl FixReport {
    pub fn all_done(&self) -> bool {
        !self.cancelled
            && self.set_problems.is_empty()
            && self
                .files
                .iter()
                .all(|f| matches!(f.status, OutcomeStatus::Ok | OutcomeStatus::Fixed))
    }
}

/// The output stem for each input, in order, unique within the set (case-insensitively).
pub fn output_stems(paths: &[PathBuf], options: &FixOptions) -> Vec<String> {
    let mut taken = HashSet::new();
    paths
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let original = match name.rsplit_once('.') {
                Some((s, _)) if !s.is_empty() => s.to_owned(),
                _ => name.clone(),
            };
            let wanted = options
                .name_pattern
                .replace("{name}", &original)
                .replace("{n}", &(i + 1).to_string());
            let stem = if options.profile.latin_names {
                portal_stem(&wanted, options.scheme, MAX_STEM)
            } else {
                wanted.replace(['/', '\\', ':'], "_")
            };
            let stem = if stem.is_empty() {
                format!("file_{}", i + 1)
            } else {
                stem
            };
            let mut n = 1;
            loop {
                let candidate = if n == 1 {
                    stem.clone()
                } else {
                    format!("{stem}_{n}")
                };
                if taken.insert(candidate.to_lowercase()) {
                    break candidate;
                }
                n += 1;
            }
        })
        .collect()
}

fn one(
    path: &Path,
    stem: &str,
    options: &FixOptions,
    sink: &dyn Sink,
    cancel: &AtomicBool,
) -> FileOutcome {
    let lang = options.lang;
    let mut outcome = FileOutcome {
        path: path.display().to_string(),
        status: OutcomeStatus::Refused,
        format: FileFormat::Unknown,
        before_bytes: 0,
        output: None,
        output_format: None,
        after_bytes: None,
        applied: Vec::new(),
        problems: Vec::new(),
    };
    let problem = |p: Problem| PrepareFinding {
        code: p.code(),
        message: p.message(lang),
    };
    if cancel.load(Ordering::Relaxed) {
        outcome.status = OutcomeStatus::Cancelled;
        return outcome;
    }
    let size = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) => {
            outcome
                .problems
                .push(problem(Problem::Unreadable(e.to_string())));
            return outcome;
        }
    };
    outcome.before_bytes = size;
    if size > MAX_INPUT_BYTES {
        outcome.problems.push(problem(Problem::TooLarge {
            bytes: size,
            limit: options.profile.max_file_bytes,
        }));
        return outcome;
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            outcome
                .problems
                .push(problem(Problem::Unreadable(e.to_string())));
            return outcome;
        }
    };
    outcome.format = super::detect::detect(&bytes).format;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match fix_bytes(&name, stem, &bytes, options, cancel) {
        Ok(prepared) => match sink.put(&prepared.name, &prepared.bytes) {
            Ok(output) => {
                let untouched = prepared.applied.is_empty() && prepared.bytes == bytes;
                outcome.status = if untouched {
                    OutcomeStatus::Ok
                } else {
                    OutcomeStatus::Fixed
                };
                outcome.output = Some(output);
                outcome.output_format = Some(prepared.format);
                outcome.after_bytes = Some(prepared.bytes.len() as u64);
                outcome.applied = prepared.applied;
            }
            Err(e) => outcome.problems.push(PrepareFinding {
                code: e.code(),
                message: e.message(lang),
            }),
        },
        Err(FixError::Cancelled) => outcome.status = OutcomeStatus::Cancelled,
        Err(FixError::Refused(problems)) => outcome.problems = problems,
        Err(e) => outcome.problems.push(PrepareFinding {
            code: e.code(),
            message: e.message(lang),
        }),
    }
    outcome
}

/// Fixes files and folders (walked, sorted) as one set into `sink`. `progress` is called from
/// the worker threads after each file; setting `cancel` stops the run between steps, and a
/// file stopped half-way leaves nothing behind.
pub fn fix_paths(
    paths: &[PathBuf],
    options: &FixOptions,
    sink: &dyn Sink,
    progress: &(dyn Fn(PrepareProgress) + Sync),
    cancel: &AtomicBool,
) -> FixReport {
    let files = collect_files(paths);
    let stems = output_stems(&files, options);
    let total = files.len();
    let done = AtomicUsize::new(0);
    let run = || {
        files
            .par_iter()
            .zip(stems.par_iter())
            .map(|(path, stem)| {
                let outcome = one(path, stem, options, sink, cancel);
                let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(PrepareProgress {
                    done,
                    total,
                    path: outcome.path.clone(),
                });
                outcome
            })
            .collect::<Vec<_>>()
    };
    // Rayon's global pool has a thread a core, and each decode reserves its pixels from the
    // process's budget first, so a folder of huge scans runs them one after another.
    let outcomes = run();
    let total_bytes = outcomes.iter().filter_map(|o| o.after_bytes).sum();
    let mut set_problems = Vec::new();
    if let Some(limit) = options.profile.max_set_bytes.filter(|l| total_bytes > *l) {
        let p = Problem::TotalTooLarge {
            bytes: total_bytes,
            limit,
        };
        set_problems.push(PrepareFinding {
            code: p.code(),
            message: p.message(options.lang),
        });
    }
    FixReport {
        profile: options.profile.name.clone(),
        cancelled: cancel.load(Ordering::Relaxed),
        files: outcomes,
        total_bytes,
        set_problems,
    }
}
