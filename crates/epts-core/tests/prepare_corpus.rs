//! The committed corpus (tests/corpus, made by real tools with make.sh): every file gets the
//! verdict in verdicts.toml under both built-in profiles, and a fix run over the whole
//! folder turns every acceptable or fixable file into one that passes the same check —
//! decodable pictures, PDFs that qpdf accepts — while refusing the rest for the same reason.

use epts_core::Lang;
use epts_core::prepare::{
    FileFormat, FixOptions, FolderSink, OutcomeStatus, Profile, Verdict, check_bytes, check_paths,
    detect, fix_paths,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

#[derive(serde::Deserialize)]
struct Verdicts {
    files: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn expected() -> Result<Verdicts> {
    Ok(toml::from_str(&std::fs::read_to_string(
        corpus().join("verdicts.toml"),
    )?)?)
}

/// The corpus files (the script and the table are not part of it).
fn inputs() -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|p| {
        !p.file_name()
            .is_some_and(|n| n == "make.sh" || n == "verdicts.toml")
    });
    files.sort();
    Ok(files)
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "ok",
        Verdict::Fixable => "fixable",
        Verdict::Rejected => "rejected",
    }
}

#[test]
fn every_corpus_file_gets_the_expected_verdict() -> Result {
    let table = expected()?;
    let files = inputs()?;
    assert_eq!(
        files.len(),
        table.files.len(),
        "verdicts.toml names every file"
    );
    for profile_name in ["elpts", "gosuslugi"] {
        let profile = Profile::load(profile_name)?;
        let report = check_paths(&[corpus()], &profile, Lang::Ru);
        for file in &report.files {
            let name = Path::new(&file.path)
                .file_name()
                .ok_or("name")?
                .to_string_lossy()
                .into_owned();
            if name == "make.sh" || name == "verdicts.toml" {
                continue;
            }
            let want = &table
                .files
                .get(&name)
                .ok_or(format!("{name} not in verdicts.toml"))?[profile_name];
            let mut got = vec![verdict_name(file.verdict).to_owned()];
            got.extend(file.problems.iter().map(|p| p.code.as_str().to_owned()));
            assert_eq!(&got, want, "{name} under {profile_name}");
            for p in &file.problems {
                assert!(
                    p.message.chars().any(|c| ('а'..='я').contains(&c)),
                    "{name}: {} is in Russian",
                    p.code
                );
            }
        }
    }
    Ok(())
}

#[test]
fn a_fix_run_over_the_corpus_leaves_only_what_passes() -> Result {
    let table = expected()?;
    for profile_name in ["elpts", "gosuslugi"] {
        let profile = Profile::load(profile_name)?;
        let out = tempfile::tempdir()?;
        let sink = FolderSink::new(out.path())?;
        let options = FixOptions::new(profile.clone(), Lang::Ru);
        let report = fix_paths(
            &inputs()?,
            &options,
            &sink,
            &|_| {},
            &AtomicBool::new(false),
        );
        for f in &report.files {
            let name = Path::new(&f.path)
                .file_name()
                .ok_or("name")?
                .to_string_lossy()
                .into_owned();
            let want = &table.files[&name][profile_name];
            match want[0].as_str() {
                "rejected" => {
                    assert_eq!(
                        f.status,
                        OutcomeStatus::Refused,
                        "{name} under {profile_name}"
                    );
                    assert_eq!(
                        f.problems.first().map(|p| p.code.as_str()),
                        Some(want[1].as_str()),
                        "{name}"
                    );
                    assert!(f.output.is_none());
                }
                verdict => {
                    if verdict == "ok" {
                        // An acceptable photo still loses its EXIF on the way out, losslessly.
                        let only_stripped = f.applied.iter().all(|a| a.code == "strip_metadata");
                        assert!(
                            f.status == OutcomeStatus::Ok
                                || (f.status == OutcomeStatus::Fixed && only_stripped),
                            "{name} under {profile_name}: {:?} {:?}",
                            f.status,
                            f.applied
                        );
                    } else {
                        assert_eq!(
                            f.status,
                            OutcomeStatus::Fixed,
                            "{name} under {profile_name}: {:?}",
                            f.problems
                        );
                    }
                    let output = PathBuf::from(f.output.as_ref().ok_or("output")?);
                    let bytes = std::fs::read(&output)?;
                    let out_name = output
                        .file_name()
                        .ok_or("name")?
                        .to_string_lossy()
                        .into_owned();
                    let again = check_bytes(&out_name, &bytes, &profile, Lang::Ru);
                    assert_eq!(
                        again.verdict,
                        Verdict::Ok,
                        "{out_name}: {:?}",
                        again.problems
                    );
                    match detect(&bytes).format {
                        FileFormat::Jpeg | FileFormat::Png => {
                            image::load_from_memory(&bytes)
                                .map_err(|e| format!("{out_name}: {e}"))?;
                        }
                        FileFormat::Pdf => {
                            let check = std::process::Command::new("qpdf")
                                .arg("--check")
                                .arg(&output)
                                .output()?;
                            assert!(
                                check.status.success(),
                                "{out_name}: {}",
                                String::from_utf8_lossy(&check.stdout)
                            );
                        }
                        _ => {}
                    }
                }
            }
        }
        // The three-page scan stays three pages.
        let multipage = report
            .files
            .iter()
            .find(|f| f.path.ends_with("multipage_lzw.tif"))
            .and_then(|f| f.output.clone())
            .ok_or("multipage output")?;
        assert_eq!(detect(&std::fs::read(multipage)?).facts.pages, Some(3));
    }
    Ok(())
}
