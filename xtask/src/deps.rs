//! Installs what the project needs and the machine lacks: Debian/Ubuntu packages through
//! apt, Node.js when absent, cargo tools (nextest, tauri-driver) and the UI's npm packages.
//! On Windows and macOS it checks and says what to install, since there is no one package
//! manager to call (README.md lists the steps).

use crate::sh;
use anyhow::{Context, Result, bail};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Run,
    Test,
}

/// What Tauri needs to build and run on Debian/Ubuntu (Tauri's documented prerequisites).
const APT_RUN: &[&str] = &[
    "build-essential",
    "pkg-config",
    "curl",
    "file",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
];

/// What the tests add: the WebKit WebDriver, a virtual display, a private session bus with
/// a Secret Service (the OS keyring on a headless machine), and the peer tools that judge
/// generated files (qpdf --check, pdfinfo and pdfimages, ImageMagick's identify), and
/// xwininfo (x11-utils), which reads a window's title where WebDriver cannot.
const APT_TEST: &[&str] = &[
    "webkit2gtk-driver",
    "xvfb",
    "x11-utils",
    "xauth",
    "dbus-x11",
    "gnome-keyring",
    "qpdf",
    "poppler-utils",
    "imagemagick",
];

pub fn ensure(purpose: Purpose) -> Result<()> {
    if cfg!(target_os = "linux") {
        ensure_apt(purpose)?;
    }
    ensure_node()?;
    if purpose == Purpose::Test {
        ensure_cargo_tool("cargo-nextest", "cargo-nextest", &["nextest", "--version"])?;
        if cfg!(any(target_os = "linux", windows)) {
            ensure_cargo_tool("tauri-driver", "tauri-driver@^2.1", &[])?;
        }
    }
    Ok(())
}

fn is_debian_like() -> bool {
    Path::new("/etc/debian_version").exists() && sh::has("apt-get")
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status}", package])
        .output()
        .is_ok_and(|o| o.status.success() && o.stdout == b"installed")
}

fn ensure_apt(purpose: Purpose) -> Result<()> {
    let mut wanted: Vec<&str> = APT_RUN.to_vec();
    if purpose == Purpose::Test {
        wanted.extend_from_slice(APT_TEST);
    }
    if !sh::has("node") {
        wanted.extend_from_slice(&["nodejs", "npm"]);
    }
    if !is_debian_like() {
        eprintln!(
            "xtask: not a Debian/Ubuntu system; make sure these (or your distribution's equivalents) are installed: {}",
            wanted.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = wanted.into_iter().filter(|p| !dpkg_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing system packages: {}", missing.join(" "));
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let apt = |args: &[&str]| -> Result<()> {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        sh::run(&mut cmd)
    };
    apt(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(missing);
    apt(&install)
}

fn ensure_node() -> Result<()> {
    let out = Command::new("node").arg("--version").output();
    let Ok(out) = out else {
        bail!(
            "Node.js is not installed. Install Node.js 18 or newer (https://nodejs.org, `brew install node`, or `winget install OpenJS.NodeJS.LTS`) and run again."
        );
    };
    let version = String::from_utf8_lossy(&out.stdout);
    let major: u32 = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .with_context(|| format!("cannot read the Node.js version from `{}`", version.trim()))?;
    if major < 18 {
        bail!("Node.js {version} is too old: the UI needs Node.js 18 or newer.");
    }
    Ok(())
}

/// Installs a cargo tool from crates.io when it is not on PATH.
fn ensure_cargo_tool(binary: &str, spec: &str, probe_args: &[&str]) -> Result<()> {
    let found = if probe_args.is_empty() {
        which(binary)
    } else {
        Command::new("cargo")
            .args(probe_args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if found {
        return Ok(());
    }
    eprintln!("xtask: installing {spec} with cargo (once per machine)");
    sh::run(Command::new("cargo").args(["install", "--locked", spec]))
}

fn which(binary: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    let exe = if cfg!(windows) {
        format!("{binary}.exe")
    } else {
        binary.to_owned()
    };
    std::env::split_paths(&path).any(|dir| dir.join(&exe).is_file())
        || cargo_bin_dir().is_some_and(|d| d.join(&exe).is_file())
}

/// `$CARGO_HOME/bin` (default `~/.cargo/bin`), where `cargo install` puts tools.
pub fn cargo_bin_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" })
                .map(|h| std::path::PathBuf::from(h).join(".cargo"))
        })
        .map(|home| home.join("bin"))
}

/// `npm ci` when node_modules does not match package-lock.json (a stamp keeps repeat runs fast).
pub fn npm_ci(ui: &Path) -> Result<()> {
    let lock = std::fs::read(ui.join("package-lock.json"))
        .with_context(|| format!("reading {}", ui.join("package-lock.json").display()))?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    lock.hash(&mut hasher);
    let stamp_value = format!("{:016x}", hasher.finish());
    let stamp = ui.join("node_modules").join(".xtask-npm-ci");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == stamp_value) {
        return Ok(());
    }
    sh::npm(ui, &["ci", "--no-audit", "--no-fund"])?;
    std::fs::write(&stamp, stamp_value).with_context(|| format!("writing {}", stamp.display()))
}
