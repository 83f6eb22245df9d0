//! `epts prepare check PATH… [--profile elpts|gosuslugi|FILE] [--json]`.
//!
//! Exit 0 when every file is acceptable as it is, 1 when something needs fixing or is
//! refused, 2 for usage errors (an unknown profile included). The JSON object is a contract:
//! `{profile, files:[{path, format, bytes, verdict, problems:[{code,message}], fixes}],
//! total_bytes, set_problems:[{code,message}]}`. `fix --json` prints `{profile, files:[{path,
//! status, format, before_bytes, output, output_format, after_bytes, applied:[{code,message}],
//! problems}], cancelled, total_bytes, set_problems}`, exit 0 when every file was written.

use clap::{Args, Subcommand};
use epts_core::prepare::{
    FixOptions, FolderSink, MergeOptions, OutcomeStatus, PrepareProgress, Profile, Scheme, Verdict,
    check_paths, fix_paths, images_to_pdf,
};
use epts_core::{Lang, Localized};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

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
    /// Write fixed copies into a folder (inputs are never touched): photos turned upright and
    /// without location data, shrunk to the size limit at the best quality that fits, PNG
    /// photos as JPEG, compressed TIFF as PDF, Latin names. Uses every core.
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
        /// Output names: {name} is the original name, {n} the file's number in the set,
        /// e.g. "ivanov_ivan_{name}". Transliterated when the profile wants Latin names.
        #[arg(long, default_value = "{name}")]
        name_pattern: String,
        #[arg(long)]
        json: bool,
        /// No progress on stderr.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Put photos and scans (JPEG, PNG, TIFF) into one PDF in the order given; JPEGs go in
    /// byte for byte, without re-encoding.
    Merge {
        #[arg(required = true)]
        images: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        /// Every page A4, whatever the pictures' DPI says.
        #[arg(long)]
        a4: bool,
        /// Keep the photos' location data (by default it is cut out, losslessly).
        #[arg(long)]
        keep_location: bool,
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
            name_pattern,
            json,
            quiet,
        } => {
            let scheme = if scheme == "gost" {
                Scheme::Gost779B
            } else {
                Scheme::Icao
            };
            let args = FixArgs {
                scheme,
                name_pattern,
                quiet,
            };
            fix(&paths, &out, &profile, args, json, lang)
        }
        Action::Merge {
            images,
            out,
            a4,
            keep_location,
        } => {
            let options = MergeOptions {
                strip_location: !keep_location,
                fit_a4: a4,
            };
            merge(&images, &out, options, lang)
        }
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

/// `prepare fix` settings beyond the paths and the profile.
struct FixArgs {
    scheme: Scheme,
    name_pattern: String,
    quiet: bool,
}

fn merge(images: &[PathBuf], out: &Path, options: MergeOptions, lang: Lang) -> ExitCode {
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
    let pdf = match images_to_pdf(&loaded, options) {
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

fn fix(
    paths: &[PathBuf],
    out: &Path,
    profile: &str,
    options: FixArgs,
    json: bool,
    lang: Lang,
) -> ExitCode {
    let profile = match load_profile(profile, lang) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let sink = match FolderSink::new(out) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("epts: {}", e.message(lang));
            return ExitCode::FAILURE;
        }
    };
    let mut fix_options = FixOptions::new(profile, lang);
    fix_options.scheme = options.scheme;
    fix_options.name_pattern = options.name_pattern;
    let cancel = AtomicBool::new(false);
    // Progress goes to stderr so that stdout stays the result (JSON or lines).
    let progress = |p: PrepareProgress| {
        if !json && !options.quiet {
            eprint!(
                "\r{} {}/{}",
                lang.pick("Обработано", "Done"),
                p.done,
                p.total
            );
        }
    };
    let report = fix_paths(paths, &fix_options, &sink, &progress, &cancel);
    if !json && !options.quiet && !report.files.is_empty() {
        eprintln!();
    }
    if json {
        match serde_json::to_string(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("epts: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        for f in &report.files {
            match (&f.output, f.status) {
                (Some(o), OutcomeStatus::Ok) => println!("✓ {} → {o}", f.path),
                (Some(o), _) => {
                    println!(
                        "✓ {} → {o} ({} → {} B)",
                        f.path,
                        f.before_bytes,
                        f.after_bytes.unwrap_or(0)
                    );
                    for a in &f.applied {
                        println!("    {}", a.message);
                    }
                }
                (None, OutcomeStatus::Cancelled) => {
                    println!("… {} ({})", f.path, lang.pick("не обработан", "not done"))
                }
                (None, _) => {
                    println!("✗ {}", f.path);
                    for p in &f.problems {
                        println!("    {}", p.message);
                    }
                }
            }
        }
        for p in &report.set_problems {
            println!("{}", p.message);
        }
    }
    if report.all_done() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
