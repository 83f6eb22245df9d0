//! Running commands with their output visible and their failure explained.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The name of a tool as the OS spells it (`npm.cmd` on Windows).
pub fn tool(name: &str) -> String {
    if cfg!(windows) && matches!(name, "npm" | "npx") {
        format!("{name}.cmd")
    } else {
        name.to_owned()
    }
}

/// Runs a command to completion; a non-zero exit is an error naming the command.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: $ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {shown}: is it installed?"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// Whether a program can be started (it answers `--version`).
pub fn has(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

pub fn cargo_cmd(root: &Path, args: &[&str]) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root).args(args);
    cmd
}

pub fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    run(&mut cargo_cmd(root, args))
}

pub fn npm(dir: &Path, args: &[&str]) -> Result<()> {
    run(Command::new(tool("npm")).current_dir(dir).args(args))
}

/// Named steps with their durations, reported at the end so slow steps are visible.
#[derive(Debug, Default)]
pub struct Steps {
    done: Vec<(String, Duration)>,
}

impl Steps {
    pub fn run(&mut self, name: &str, step: impl FnOnce() -> Result<()>) -> Result<()> {
        eprintln!("\nxtask: ── {name} ──");
        let started = Instant::now();
        let result = step().with_context(|| format!("step «{name}» failed"));
        self.done.push((name.to_owned(), started.elapsed()));
        if result.is_err() {
            self.print();
        }
        result
    }

    pub fn report(&self, started: Instant) {
        self.print();
        eprintln!("xtask: all checks passed in {:.0?}", started.elapsed());
    }

    fn print(&self) {
        eprintln!("\nxtask: step durations");
        for (name, took) in &self.done {
            eprintln!("  {:>7.1}s  {name}", took.as_secs_f64());
        }
    }
}
