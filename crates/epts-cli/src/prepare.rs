//! `epts prepare check PATH… [--profile elpts|gosuslugi|FILE] [--json]`.
//!
//! Exit 0 when every file is acceptable as it is, 1 when something needs fixing or is
//! refused, 2 for usage errors (an unknown profile included). The JSON object is a contract:
//! `{profile, files:[{path, format, bytes, verdict, problems:[{code,message}], fixes}],
//! total_bytes, set_problems:[{code,message}]}`.

use clap::{Args, Subcommand};
use epts_core::prepare::{Profile, Verdict, check_paths};
use epts_core::{Lang, Localized};
use std::path::PathBuf;
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
}

pub fn run(cmd: Command, lang: Lang) -> ExitCode {
    match cmd.action {
        Action::Check {
            paths,
            profile,
            json,
        } => check(&paths, &profile, json, lang),
    }
}

fn check(paths: &[PathBuf], profile: &str, json: bool, lang: Lang) -> ExitCode {
    let profile = match Profile::load(profile) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("epts: {}", e.message(lang));
            return ExitCode::from(2);
        }
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
