//! `epts`: a thin clap front-end over `epts-core`.
//!
//! Exit codes are part of the contract other tools rely on: 0 success (warnings allowed),
//! 1 the input is invalid or the operation failed, 2 a usage error.

mod prepare;
mod validate;
mod vault;

use clap::{Parser, Subcommand};
use epts_core::Lang;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "epts", version, about = "ePTS Desktop command-line tool")]
struct Cli {
    /// Language of messages: ru (default) or en. Also read from EPTS_LANG.
    #[arg(long, global = true, env = "EPTS_LANG", default_value = "ru")]
    lang: Lang,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate and normalise an identifier (VIN, ePTS number, SNILS, INN, ...).
    Validate(validate::Args),
    /// The encrypted archive: create, import, search, export, verify.
    Vault(vault::Command),
    /// Check documents against a portal's rules before uploading them.
    Prepare(prepare::Command),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with exit 0 and usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Validate(args) => validate::run(args, cli.lang),
        Command::Vault(cmd) => vault::run(cmd, cli.lang),
        Command::Prepare(cmd) => prepare::run(cmd, cli.lang),
    }
}
