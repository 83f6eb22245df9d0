//! The security baseline, checked as data: the app's UI may call exactly the commands it
//! uses, only from the main window, under a strict CSP.

use std::collections::BTreeSet;
use std::path::Path;

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `'quoted'` name between `start` and the next `end` in `text`.
fn quoted_after(text: &str, start: &str, end: &str, quote: char) -> BTreeSet<String> {
    let Some(from) = text.find(start) else {
        return BTreeSet::new();
    };
    let rest = &text[from + start.len()..];
    let body = &rest[..rest.find(end).unwrap_or(rest.len())];
    body.split(quote)
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_ui_is_granted_exactly_the_commands_it_calls() {
    let declared = quoted_after(&read("build.rs"), "commands(&[", "])", '"');
    let capability: serde_json::Value =
        serde_json::from_str(&read("capabilities/main-window.json")).expect("capability JSON");
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    let backend = read("../ui/src/lib/backend.ts");
    let called: BTreeSet<String> = backend
        .split("call<")
        .skip(1)
        .filter_map(|s| s.split('\'').nth(1))
        .map(str::to_owned)
        .collect();
    assert!(!called.is_empty(), "backend.ts calls commands");
    assert_eq!(declared, granted, "build.rs and the capability disagree");
    assert_eq!(
        granted, called,
        "the capability grants more or less than the UI uses"
    );
    assert_eq!(
        capability["windows"],
        serde_json::json!(["main"]),
        "only the app's own window may call commands"
    );
    assert!(
        capability.get("remote").is_none(),
        "no remote URL may reach IPC"
    );
    let only_app_permissions = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .all(|p| p.as_str().is_some_and(|p| p.starts_with("allow-")));
    assert!(
        only_app_permissions,
        "no core or plugin permission is granted"
    );
}

#[test]
fn the_csp_allows_only_the_apps_own_code() {
    let conf: serde_json::Value =
        serde_json::from_str(&read("../tauri.conf.json")).expect("tauri.conf.json");
    let csp = &conf["app"]["security"]["csp"];
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    // Every source any directive names is the app itself, inline data it made, IPC, or the
    // app's own document protocol (served from memory to the main window only).
    let allowed = [
        "'self'",
        "'none'",
        "data:",
        "blob:",
        "ipc:",
        "http://ipc.localhost",
        "epts-doc:",
        "http://epts-doc.localhost",
    ];
    for (directive, sources) in csp.as_object().expect("CSP as an object") {
        for source in sources.as_str().unwrap_or_default().split_whitespace() {
            assert!(
                allowed.contains(&source),
                "CSP {directive} allows `{source}`"
            );
        }
    }
    assert_eq!(conf["app"]["withGlobalTauri"], false);
}
