//! Whether there is a display to open the app on.

/// Whether a graphical session is there (Linux); other systems always have one.
pub fn available() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}
