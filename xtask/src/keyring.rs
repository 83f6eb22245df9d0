//! A private OS keyring for the tests on a headless Linux machine.
//!
//! Without a desktop session there is no Secret Service, so the vault's keyring tests would
//! only ever see the passphrase fallback. Here the tests run inside `dbus-run-session` with
//! a gnome-keyring unlocked in a throwaway data folder under target/, so the real keyring
//! code is exercised and the user's own keyrings are never touched.

use crate::sh;
use anyhow::Result;
use std::path::Path;
use std::process::Command;

/// A command that runs `cargo <args>` with a test keyring when one can be made, or plainly.
pub fn session(root: &Path, cargo_args: &[&str]) -> Result<Command> {
    let has_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|s| !s.is_empty());
    if !cfg!(target_os = "linux")
        || has_bus
        || !sh::has("dbus-run-session")
        || !sh::has("gnome-keyring-daemon")
    {
        return Ok(sh::cargo_cmd(root, cargo_args));
    }
    let data = crate::target_dir(root).join("test-keyring");
    std::fs::create_dir_all(&data)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new("dbus-run-session");
    // The password only guards this throwaway keyring; printf keeps it free of a newline.
    cmd.current_dir(root)
        .args([
            "--",
            "sh",
            "-c",
            "printf %s epts-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec \"$@\"",
            "sh",
            &cargo,
        ])
        .args(cargo_args)
        .env("XDG_DATA_HOME", &data)
        .env("EPTS_TEST_SECRET_SERVICE", "1");
    Ok(cmd)
}
