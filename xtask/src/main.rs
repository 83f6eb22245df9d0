//! `cargo xtask`: the project's two commands and their helpers.
//!
//! - `cargo xtask run`   installs what is missing, builds the UI and opens the app.
//! - `cargo xtask test`  everything CI checks: formatting, lints, UI checks, unit, UI and
//!   end-to-end tests (starting Xvfb itself when there is no display).
//!
//! Only std and anyhow, so that this tool itself builds in seconds on a fresh machine.

mod deps;
mod display;
mod keyring;
mod sh;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::Instant;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run        install what is missing, build the UI and open ePTS Desktop
             (with no portal configured it starts the sandbox portal in-process)
  test       formatting, clippy, UI type-check/lint/tests, unit and end-to-end tests
  bindings   regenerate ui/src/lib/bindings from the Rust types
  icons      regenerate icons/ from icons/app-icon.svg
  deps       only install what is missing (system packages, tauri-driver, npm packages)
";

fn main() {
    if let Err(e) = real_main() {
        eprintln!("\nxtask: {e:#}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    match args.first().map(String::as_str) {
        Some("run") => run(&root),
        Some("test") => test(&root),
        Some("bindings") => bindings(&root),
        Some("icons") => icons(&root),
        Some("deps") => {
            deps::ensure(deps::Purpose::Test)?;
            deps::npm_ci(&root.join("ui"))
        }
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => {
            eprint!("unknown command `{other}`\n\n{USAGE}");
            std::process::exit(2);
        }
    }
}

fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .context("xtask must live one level below the workspace root")
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"))
}

fn app_binary(root: &Path) -> PathBuf {
    let name = if cfg!(windows) {
        "epts-desktop.exe"
    } else {
        "epts-desktop"
    };
    target_dir(root).join("debug").join(name)
}

fn build_ui(root: &Path) -> Result<()> {
    let ui = root.join("ui");
    deps::npm_ci(&ui)?;
    sh::npm(&ui, &["run", "build"])
}

/// The one dev-profile build of every binary. `run` and `test` use the same flags so that
/// neither rebuilds what the other built (features unify differently per package set).
fn build_bins(root: &Path) -> Result<()> {
    sh::cargo(root, &["build", "--workspace", "--bins", "--all-features"])
}

fn run(root: &Path) -> Result<()> {
    deps::ensure(deps::Purpose::Run)?;
    build_ui(root)?;
    build_bins(root)?;
    if cfg!(target_os = "linux") && !display::available() {
        bail!(
            "no display: ePTS Desktop needs a graphical session (X11 or Wayland). \
             On a headless machine run it under Xvfb, e.g. `xvfb-run cargo xtask run`."
        );
    }
    let bin = app_binary(root);
    eprintln!("xtask: starting {}", bin.display());
    sh::run(std::process::Command::new(&bin).current_dir(root))
}

fn test(root: &Path) -> Result<()> {
    let started = Instant::now();
    let mut steps = sh::Steps::default();
    steps.run("install what is missing", || {
        deps::ensure(deps::Purpose::Test)?;
        deps::npm_ci(&root.join("ui"))
    })?;
    steps.run("cargo fmt --check", || {
        sh::cargo(root, &["fmt", "--all", "--", "--check"])
    })?;
    let ui = root.join("ui");
    steps.run("UI type-check", || sh::npm(&ui, &["run", "check"]))?;
    steps.run("UI lint", || sh::npm(&ui, &["run", "lint"]))?;
    steps.run("UI tests", || sh::npm(&ui, &["run", "test"]))?;
    // The shell embeds ui/dist at compile time, so the UI is built before any cargo build.
    steps.run("UI build", || sh::npm(&ui, &["run", "build"]))?;
    steps.run("cargo clippy -D warnings", || {
        sh::cargo(
            root,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ],
        )
    })?;
    // One dev-profile build of every binary; the e2e tests drive this very app binary.
    steps.run("cargo build (app, CLI, portal-sim)", || build_bins(root))?;
    steps.run("unit, CLI and end-to-end tests", || {
        let mut nextest = vec![
            "nextest",
            "run",
            "--workspace",
            "--all-features",
            "--no-fail-fast",
        ];
        if cfg!(target_os = "macos") {
            // WKWebView has no WebDriver: nothing can drive the real window on macOS.
            eprintln!(
                "xtask: macOS has no WebDriver for WKWebView; the end-to-end tests are NOT run here"
            );
            nextest.extend(["-E", "not package(epts-e2e)"]);
        }
        let mut cmd = keyring::session(root, &nextest)?;
        // With no display, the e2e harness starts an Xvfb for each test by itself.
        cmd.env("EPTS_APP_BIN", app_binary(root));
        sh::run(&mut cmd)
    })?;
    steps.report(started);
    Ok(())
}

fn bindings(root: &Path) -> Result<()> {
    let mut cmd = sh::cargo_cmd(
        root,
        &[
            "test",
            "--package",
            "epts-desktop",
            "--",
            "ui_bindings_match_the_rust_types",
        ],
    );
    cmd.env("EPTS_UPDATE_BINDINGS", "1");
    sh::run(&mut cmd)
}

fn icons(root: &Path) -> Result<()> {
    // The Tauri CLI (from the npm registry, pinned) renders every size Tauri and the
    // bundlers need; the mobile sets it also writes are not ours to ship.
    let out = root.join("icons");
    sh::run(
        std::process::Command::new(sh::tool("npx"))
            .current_dir(root)
            .args([
                "--yes",
                "@tauri-apps/cli@2.12.5",
                "icon",
                "icons/app-icon.svg",
                "--output",
            ])
            .arg(&out),
    )?;
    for mobile in ["android", "ios"] {
        let dir = out.join(mobile);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
    }
    Ok(())
}
