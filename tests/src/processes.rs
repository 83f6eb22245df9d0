//! Child processes of a test, each in its own process group so that everything it starts
//! (tauri-driver → WebKitWebDriver → the app → WebKit's helpers) dies with it.

use anyhow::{Context, Result, bail};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Processes to stop, last started first, when the group is dropped.
#[derive(Debug, Default)]
pub struct Group {
    children: Vec<Child>,
}

impl Group {
    /// Starts `cmd` with its output going to `log`.
    pub fn spawn(&mut self, mut cmd: Command, log: &Path) -> Result<()> {
        let out = std::fs::File::create(log)?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        own_group(&mut cmd);
        let child = cmd.spawn().with_context(|| format!("starting {cmd:?}"))?;
        self.children.push(child);
        Ok(())
    }

    fn push(&mut self, child: Child) {
        self.children.push(child);
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        while let Some(mut child) = self.children.pop() {
            kill_tree(&child);
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(unix)]
fn own_group(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
}

#[cfg(not(unix))]
fn own_group(_cmd: &mut Command) {}

#[cfg(unix)]
fn kill_tree(child: &Child) {
    // The child leads its own group, so the negative pid names every process in it.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
}

#[cfg(windows)]
fn kill_tree(child: &Child) {
    let _ = Command::new("taskkill")
        .args(["/T", "/F", "/PID", &child.id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A free TCP port on loopback (the OS picks it; a race with another process is possible
/// but rare, and shows as a clear "address in use" from tauri-driver).
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// The display for the app: the session's own, or a new Xvfb owned by `group`.
pub fn display(group: &mut Group) -> Result<Option<String>> {
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if !cfg!(target_os = "linux") || has_display {
        return Ok(None);
    }
    let mut cmd = Command::new("Xvfb");
    cmd.args([
        "-displayfd",
        "1",
        "-screen",
        "0",
        "1280x1024x24",
        "-nolisten",
        "tcp",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    own_group(&mut cmd);
    let mut child = cmd.spawn().context(
        "no display and Xvfb could not be started (Debian/Ubuntu: apt-get install xvfb)",
    )?;
    let mut stdout = child.stdout.take().context("Xvfb stdout")?;
    group.push(child);
    let mut number = String::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte)? == 1 && byte[0] != b'\n' {
        number.push(char::from(byte[0]));
    }
    if number.trim().is_empty() {
        bail!("Xvfb started but did not report its display number");
    }
    Ok(Some(format!(":{}", number.trim())))
}
