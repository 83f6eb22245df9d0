//! `epts prepare check PATH… [--profile elpts|gosuslugi|FILE] [--json]`.
//!
//! Exit 0 when every file is acceptable as it is, 1 when something needs fixing or is
//! refused, 2 for usage errors (an unknown profile included). The JSON object is a contract:
//! `{profile, files:[{path, format, bytes, verdict, problems:[{code,message}], fixes}],
//! total_bytes, set_problems:[{code,message}]}`.

use clap::{Args, Subcommand};
use epts_core::prepare::{
    Finding, Format, Profile, Scheme, Verdict, check_bytes, check_paths, jpegs_to_pdf, portal_stem,
};
use epts_core::{Lang, Localized};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct Command {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Check files and folders against a portal's rules.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// elpts, gosuslugi, or a path to a profile .toml file.
        #[arg(long, default_value = "elpts")]
        profile: String,
        #[arg(long)]
        json: bool,
    },
    /// Write fixed copies into a folder (inputs are never touched): Latin names, the right
    /// extension, a JPEG the portal does not take as-is turned into a PDF.
    Fix {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "elpts")]
        profile: String,
        /// Transliteration of Cyrillic names: icao (as in passports) or gost (7.79-2000 B).
        #[arg(long, default_value = "icao", value_parser = ["icao", "gost"])]
        scheme: String,
        #[arg(long)]
        json: bool,
    },
    /// Put JPEG photos or scans into one PDF, in the order given, without re-encoding them.
    Merge {
        #[arg(required = true)]
        images: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(cmd: Command, lang: Lang) -> ExitCode {
    match cmd.action {
        Action::Check {
            paths,
            profile,
            json,
        } => check(&paths, &profile, json, lang),
        Action::Fix {
            paths,
            out,
            profile,
            scheme,
            json,
        } => {
            let scheme = if scheme == "gost" {
                Scheme::Gost779B
            } else {
                Scheme::Icao
            };
            fix(&paths, &out, &profile, scheme, json, lang)
        }
        Action::Merge { images, out } => merge(&images, &out, lang),
    }
}

/// The profile by name or path; an unknown one is a usage error (exit 2), explained.
fn load_profile(name: &str, lang: Lang) -> Result<Profile, ExitCode> {
    Profile::load(name).map_err(|e| {
        eprintln!("epts: {}", e.message(lang));
        ExitCode::from(2)
    })
}

fn check(paths: &[PathBuf], profile: &str, json: bool, lang: Lang) -> ExitCode {
    let profile = match load_profile(profile, lang) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let report = check_paths(paths, &profile, lang);
    if json {
        match serde_json::to_string(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("epts: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        let ru = lang == Lang::Ru;
        println!(
            "{}: {}",
            lang.pick("Профиль", "Profile"),
            profile.title(lang)
        );
        for f in &report.files {
            let badge = match (f.verdict, ru) {
                (Verdict::Ok, true) => "✓ подходит",
                (Verdict::Fixable, true) => "! можно исправить",
                (Verdict::Rejected, true) => "✗ не подходит",
                (Verdict::Ok, false) => "✓ ok",
                (Verdict::Fixable, false) => "! fixable",
                (Verdict::Rejected, false) => "✗ refused",
            };
            println!("{badge}  {} ({}, {} B)", f.path, f.format.as_str(), f.bytes);
            for p in &f.problems {
                println!("    {}", p.message);
            }
        }
        for p in &report.set_problems {
            println!("{}", p.message);
        }
    }
    if report.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn merge(images: &[PathBuf], out: &Path, lang: Lang) -> ExitCode {
    let mut loaded = Vec::new();
    for path in images {
        match std::fs::read(path) {
            Ok(bytes) => loaded.push((path.display().to_string(), bytes)),
            Err(e) => {
                eprintln!("epts: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    let pdf = match jpegs_to_pdf(&loaded) {
        Ok(pdf) => pdf,
        Err(e) => {
            eprintln!("{}", e.message(lang));
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = epts_core::fsutil::write_atomic(out, &pdf) {
        eprintln!("epts: {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    println!("{}", out.display());
    ExitCode::SUCCESS
}

#[derive(Serialize)]
struct Fixed {
    path: String,
    /// The fixed copy, or null when the file could not be made acceptable.
    output: Option<String>,
    applied: Vec<&'static str>,
    /// What is still wrong (with the input when there is no output).
    problems: Vec<Finding>,
}

impl Fixed {
    fn refused(path: &str, problems: Vec<Finding>) -> Self {
        Self {
            path: path.to_owned(),
            output: None,
            applied: Vec::new(),
            problems,
        }
    }
}

/// A file name not taken yet in this run: `name.pdf`, `name_2.pdf`, …
fn unique(stem: &str, ext: &str, taken: &mut HashSet<String>) -> String {
    let mut n = 1;
    loop {
        let candidate = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}_{n}.{ext}")
        };
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// The fixes this command applies today; a file that needs others is reported, not copied.
const APPLIED_FIXES: [&str; 3] = ["rename", "rename_latin", "convert_to_pdf"];

fn fix(
    paths: &[PathBuf],
    out: &Path,
    profile: &str,
    scheme: Scheme,
    json: bool,
    lang: Lang,
) -> ExitCode {
    let profile = match load_profile(profile, lang) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let report = check_paths(paths, &profile, lang);
    let mut taken = HashSet::new();
    let mut results = Vec::new();
    for file in &report.files {
        let source = PathBuf::from(&file.path);
        let name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem_src = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        let fixable = file.verdict != Verdict::Rejected
            && file.fixes.iter().all(|f| APPLIED_FIXES.contains(f));
        let bytes = match std::fs::read(&source) {
            Ok(b) if fixable => b,
            _ => {
                results.push(Fixed::refused(&file.path, file.problems.clone()));
                continue;
            }
        };
        let mut applied: Vec<&'static str> = Vec::new();
        let (bytes, format) =
            if file.fixes.contains(&"convert_to_pdf") && file.format == Format::Jpeg {
                match jpegs_to_pdf(&[(name.clone(), bytes)]) {
                    Ok(pdf) => {
                        applied.push("convert_to_pdf");
                        (pdf, Format::Pdf)
                    }
                    Err(_) => {
                        results.push(Fixed::refused(&file.path, file.problems.clone()));
                        continue;
                    }
                }
            } else {
                (bytes, file.format)
            };
        let stem = portal_stem(stem_src, scheme, 80);
        if stem != stem_src {
            applied.push("rename_latin");
        }
        let ext = format.extensions().first().copied().unwrap_or("bin");
        let out_name = unique(&stem, ext, &mut taken);
        // The copy must pass the same check before it is written.
        let again = check_bytes(&out_name, &bytes, &profile, lang);
        if again.verdict != Verdict::Ok {
            results.push(Fixed::refused(&file.path, again.problems));
            continue;
        }
        let target = out.join(&out_name);
        if let Err(e) = epts_core::fsutil::write_atomic(&target, &bytes) {
            eprintln!("epts: {}: {e}", target.display());
            return ExitCode::FAILURE;
        }
        results.push(Fixed {
            path: file.path.clone(),
            output: Some(target.display().to_string()),
            applied,
            problems: Vec::new(),
        });
    }
    let all_fixed = results.iter().all(|r| r.output.is_some());
    if json {
        println!(
            "{}",
            serde_json::json!({ "profile": profile.name, "out": out, "files": results })
        );
    } else {
        for r in &results {
            match &r.output {
                Some(o) => println!("✓ {} → {o}", r.path),
                None => {
                    println!("✗ {}", r.path);
                    for p in &r.problems {
                        println!("    {}", p.message);
                    }
                }
            }
        }
    }
    if all_fixed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
