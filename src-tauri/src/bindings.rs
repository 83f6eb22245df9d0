//! The TypeScript types of the command boundary are generated from the Rust types, so the
//! UI and the shell cannot drift apart silently: this test fails when ui/src/lib/bindings
//! differs from what the Rust types say. `cargo xtask bindings` rewrites the files.

use crate::archive::{BackupDone, Facets, RecordCard};
use crate::archive_slot::{ArchiveState, ArchiveStatus};
use crate::commands::AppInfo;
use crate::error::CommandError;
use crate::portal_window::{PortalDownload, PortalNotice, PortalRefusal};
use crate::prepare::{
    MergeDestination, MergeDone, PrepareDestination, PrepareDrop, TranslitScheme,
};
use epts_core::ids::{Detail, Finding, IdKind, Report};
use epts_core::portal::{Me, PortalStatus};
use epts_core::portal::{SessionHome, SyncFailure, SyncPhase, SyncProgress, SyncReport};
use epts_core::prepare::{
    AppliedFix, FileFormat, FileOutcome, FixReport, OutcomeStatus, PrepareFileReport,
    PrepareFinding, PrepareProgress, PrepareReport, Verdict,
};
use epts_core::settings::{Settings, View};
use epts_core::vault::{
    Document, EptsRecord, Filter, RecordSummary, RecordVersion, SearchPage, Sort,
};
use epts_core::{Code, Lang};
use std::path::{Path, PathBuf};
use ts_rs::{Config, TS};

fn bindings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings")
}

/// (file name, generated text) for every type the UI sees.
fn generated() -> Result<Vec<(String, String)>, ts_rs::ExportError> {
    let cfg = Config::new().with_out_dir(bindings_dir());
    fn one<T: TS + 'static>(cfg: &Config) -> Result<(String, String), ts_rs::ExportError> {
        Ok((format!("{}.ts", T::ident(cfg)), T::export_to_string(cfg)?))
    }
    Ok(vec![
        one::<AppInfo>(&cfg)?,
        one::<ArchiveState>(&cfg)?,
        one::<ArchiveStatus>(&cfg)?,
        one::<BackupDone>(&cfg)?,
        one::<Document>(&cfg)?,
        one::<EptsRecord>(&cfg)?,
        one::<Facets>(&cfg)?,
        one::<Filter>(&cfg)?,
        one::<RecordCard>(&cfg)?,
        one::<RecordSummary>(&cfg)?,
        one::<RecordVersion>(&cfg)?,
        one::<SearchPage>(&cfg)?,
        one::<Sort>(&cfg)?,
        one::<CommandError>(&cfg)?,
        one::<Detail>(&cfg)?,
        one::<Finding>(&cfg)?,
        one::<IdKind>(&cfg)?,
        one::<Lang>(&cfg)?,
        one::<Me>(&cfg)?,
        one::<Code>(&cfg)?,
        one::<Report>(&cfg)?,
        one::<Settings>(&cfg)?,
        one::<View>(&cfg)?,
        one::<AppliedFix>(&cfg)?,
        one::<FixReport>(&cfg)?,
        one::<FileOutcome>(&cfg)?,
        one::<PrepareFileReport>(&cfg)?,
        one::<PrepareFinding>(&cfg)?,
        one::<FileFormat>(&cfg)?,
        one::<PrepareProgress>(&cfg)?,
        one::<PrepareReport>(&cfg)?,
        one::<OutcomeStatus>(&cfg)?,
        one::<Verdict>(&cfg)?,
        one::<MergeDestination>(&cfg)?,
        one::<MergeDone>(&cfg)?,
        one::<PrepareDestination>(&cfg)?,
        one::<PrepareDrop>(&cfg)?,
        one::<TranslitScheme>(&cfg)?,
        one::<PortalStatus>(&cfg)?,
        one::<SessionHome>(&cfg)?,
        one::<SyncPhase>(&cfg)?,
        one::<SyncProgress>(&cfg)?,
        one::<SyncFailure>(&cfg)?,
        one::<SyncReport>(&cfg)?,
        one::<PortalDownload>(&cfg)?,
        one::<PortalRefusal>(&cfg)?,
        one::<PortalNotice>(&cfg)?,
    ])
}

#[test]
fn ui_bindings_match_the_rust_types() -> Result<(), Box<dyn std::error::Error>> {
    let update = std::env::var_os("EPTS_UPDATE_BINDINGS").is_some();
    let mut stale = Vec::new();
    let generated = generated()?;
    // A type renamed or removed in Rust must not live on in the UI under its old name.
    for entry in std::fs::read_dir(bindings_dir())? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !generated.iter().any(|(g, _)| *g == name) {
            if update {
                std::fs::remove_file(bindings_dir().join(&name))?;
            } else {
                stale.push(name);
            }
        }
    }
    for (name, text) in generated {
        let path = bindings_dir().join(&name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != text {
            if update {
                std::fs::write(&path, &text)?;
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "ui/src/lib/bindings is out of date for {stale:?}: run `cargo xtask bindings` and commit the result"
    );
    Ok(())
}
