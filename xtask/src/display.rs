//! A display for the end-to-end tests: the session's own, or an Xvfb started here.

use anyhow::{Context, Result, bail};
use std::io::Read;
use std::process::{Child, Command, Stdio};

/// Whether a graphical session is there (Linux); other systems always have one.
pub fn available() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// The display the tests use; an Xvfb started for them stops when this is dropped.
#[derive(Debug)]
pub struct Display {
    xvfb: Option<(Child, String)>,
}

impl Display {
    pub fn apply(&self, cmd: &mut Command) {
        if let Some((_, display)) = &self.xvfb {
            cmd.env("DISPLAY", display).env_remove("WAYLAND_DISPLAY");
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some((child, _)) = &mut self.xvfb {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn ensure() -> Result<Display> {
    if available() {
        return Ok(Display { xvfb: None });
    }
    // -displayfd lets Xvfb pick a free display number and tell us which.
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x1024x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context(
            "no display and Xvfb could not be started (Debian/Ubuntu: apt-get install xvfb)",
        )?;
    let mut number = String::new();
    let mut stdout = child.stdout.take().context("Xvfb stdout")?;
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte)? == 1 && byte[0] != b'\n' {
        number.push(char::from(byte[0]));
    }
    if number.trim().is_empty() {
        let _ = child.kill();
        bail!("Xvfb started but did not report its display number");
    }
    let display = format!(":{}", number.trim());
    eprintln!("xtask: started Xvfb on {display}");
    Ok(Display {
        xvfb: Some((child, display)),
    })
}
