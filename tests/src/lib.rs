//! The end-to-end harness: the real ePTS Desktop binary, driven through tauri-driver and
//! WebKitWebDriver, against a portal-sim started by the test.
//!
//! A test is one call:
//! ```no_run
//! # async fn t() -> anyhow::Result<()> {
//! epts_e2e::run("my_flow", epts_e2e::Options::default(), |app| async move {
//!     app.click("nav-validate").await?;
//!     app.type_into("id-input", "XTA21099043576182").await?;
//!     Ok(())
//! })
//! .await
//! # }
//! ```
//! Each test gets its own portal-sim, config folder, WebDriver ports and (when there is no
//! display) Xvfb, so tests never share state or touch the user's real app data. On failure
//! a screenshot and the page source are saved under `target/e2e-artifacts/<test>/`.
//! Everything started is stopped afterwards, by process group, even if the WebDriver
//! session died (docs/platform.md, «WebDriver and the end-to-end harness»: the app outlives
//! a session that was not quit).

mod processes;

use anyhow::{Context, Result, bail};
use processes::{Group, free_port};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

pub use thirtyfour;

/// How long a query waits for an element to appear or a condition to hold.
const WAIT: Duration = Duration::from_secs(15);

/// What a test wants of its app.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Reuse this config folder (to test what survives a restart); a fresh one otherwise.
    pub config_dir: Option<PathBuf>,
    /// The archive folder the app opens (`EPTS_VAULT`); an empty place in the scratch folder
    /// otherwise, so the app starts with its first-run setup.
    pub vault_dir: Option<PathBuf>,
    /// More environment for the app, e.g. the debug-build answers to native dialogs
    /// (`EPTS_TEST_PICK`, `EPTS_TEST_OUT`), which WebDriver cannot drive.
    pub env: Vec<(String, std::ffi::OsString)>,
    /// Talk to this running portal-sim instead of a fresh one: its sessions live in its
    /// memory, so a test of what survives an app restart keeps one sim for both runs.
    pub portal: Option<SharedSim>,
}

/// A portal-sim the test started and keeps running across app runs.
#[derive(Debug, Clone)]
pub struct SharedSim {
    pub url: String,
    pub sim: portal_sim::Sim,
}

impl SharedSim {
    pub fn of(running: &portal_sim::Running) -> Self {
        Self {
            url: running.url(),
            sim: running.sim().clone(),
        }
    }
}

/// The running app, as a test sees it.
#[derive(Debug, Clone)]
pub struct App {
    driver: WebDriver,
    main_window: WindowHandle,
    /// The portal-sim the app talks to, and its state (codes, faults).
    pub portal_url: String,
    pub sim: portal_sim::Sim,
    /// The app's config folder (settings live here).
    pub config_dir: PathBuf,
    /// The app's archive folder.
    pub vault_dir: PathBuf,
    /// The app's home (`HOME`: its Downloads, XDG data and cache folders) and working
    /// folder: tests search them for what must never be written in plaintext.
    pub home_dir: PathBuf,
    pub work_dir: PathBuf,
    /// The X display the app runs on (`None`: the one in `DISPLAY`).
    pub display: Option<String>,
    /// Where the app's output (its log) goes: tauri-driver's, which the app inherits.
    pub log_file: PathBuf,
}

/// Runs one end-to-end test: starts portal-sim, tauri-driver and the app, runs `body`,
/// saves a screenshot on failure, and stops everything.
pub async fn run<F, Fut>(name: &str, options: Options, body: F) -> Result<()>
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let own_sim = match &options.portal {
        Some(_) => None,
        None => Some(portal_sim::start(0).await.context("starting portal-sim")?),
    };
    let portal = match (&options.portal, &own_sim) {
        (Some(shared), _) => shared.clone(),
        (None, Some(running)) => SharedSim::of(running),
        (None, None) => bail!("no portal-sim"),
    };
    let scratch = tempfile_dir(name)?;
    let config_dir = options
        .config_dir
        .clone()
        .unwrap_or_else(|| scratch.join("config"));
    let vault_dir = options
        .vault_dir
        .clone()
        .unwrap_or_else(|| scratch.join("vault"));

    let mut group = Group::default();
    let display = processes::display(&mut group)?;
    let home_dir = scratch.join("home");
    // The app's working folder is the test's own: a file the webview might write "here"
    // lands where the test looks, never in the repository.
    let work_dir = scratch.join("work");
    std::fs::create_dir_all(&work_dir)?;
    let driver_port = free_port()?;
    let native_port = free_port()?;
    let mut cmd = std::process::Command::new(tauri_driver()?);
    cmd.args([
        "--port",
        &driver_port.to_string(),
        "--native-port",
        &native_port.to_string(),
    ])
    .env("EPTS_CONFIG_DIR", &config_dir)
    .env("EPTS_VAULT", &vault_dir)
    .env("EPTS_PORTAL_URL", &portal.url)
    .env("EPTS_LOG", "epts_desktop=debug")
    .env("HOME", &home_dir)
    .current_dir(&work_dir);
    for (key, value) in &options.env {
        cmd.env(key, value);
    }
    if let Some(display) = &display {
        cmd.env("DISPLAY", display).env_remove("WAYLAND_DISPLAY");
    }
    let log_file = scratch.join("tauri-driver.log");
    group.spawn(cmd, &log_file)?;

    let driver = connect(driver_port, &app_binary()?).await?;
    let main_window = driver.window().await?;
    let app = App {
        driver: driver.clone(),
        main_window,
        portal_url: portal.url.clone(),
        sim: portal.sim.clone(),
        config_dir,
        vault_dir,
        home_dir,
        work_dir,
        display: display.clone(),
        log_file,
    };
    let outcome = body(app.clone()).await;
    if outcome.is_err() {
        app.save_artifacts(name).await;
    }
    // Quit politely first; the group kill below is the backstop.
    let _ = tokio::time::timeout(Duration::from_secs(10), driver.quit()).await;
    drop(group);
    if let Some(sim) = own_sim {
        let _ = sim.stop().await;
    }
    if outcome.is_ok() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    outcome.with_context(|| {
        format!(
            "e2e test `{name}` failed; artifacts in {} and logs in {}",
            artifacts_dir(name).display(),
            scratch.display()
        )
    })
}

async fn connect(port: u16, app: &Path) -> Result<WebDriver> {
    let mut caps = thirtyfour::Capabilities::new();
    caps.set(
        "tauri:options",
        serde_json::json!({ "application": app.to_string_lossy() }),
    )?;
    caps.set("browserName", "wry")?;
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    // tauri-driver needs a moment to listen; retry until it answers.
    loop {
        match WebDriver::new(&url, caps.clone()).await {
            Ok(driver) => return Ok(driver),
            Err(e) if Instant::now() < deadline => {
                tracing_note(&format!("waiting for tauri-driver: {e}"));
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e).context("could not start a WebDriver session with the app"),
        }
    }
}

fn tracing_note(msg: &str) {
    if std::env::var_os("EPTS_E2E_VERBOSE").is_some() {
        eprintln!("e2e: {msg}");
    }
}

impl App {
    /// The raw WebDriver, for what the helpers below do not cover.
    pub fn driver(&self) -> &WebDriver {
        &self.driver
    }

    /// The element with `data-testid`, waiting for it to exist and be displayed.
    pub async fn get(&self, testid: &str) -> Result<WebElement> {
        self.wait_css(&css(testid)).await
    }

    /// Every element matching a CSS selector (no waiting).
    pub async fn all(&self, selector: &str) -> Result<Vec<WebElement>> {
        Ok(self.driver.find_all(By::Css(selector)).await?)
    }

    pub async fn click(&self, testid: &str) -> Result<()> {
        self.get(testid).await?.click().await?;
        Ok(())
    }

    /// Replaces the content of an input with `text`.
    pub async fn type_into(&self, testid: &str, text: &str) -> Result<()> {
        let input = self.get(testid).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Picks the `<option value=…>` of a `<select>`.
    pub async fn select(&self, testid: &str, value: &str) -> Result<()> {
        let select = self.get(testid).await?;
        let option = select
            .find(By::Css(format!("option[value='{value}']")))
            .await
            .with_context(|| format!("[data-testid={testid}] has no option `{value}`"))?;
        option.click().await?;
        Ok(())
    }

    pub async fn text(&self, testid: &str) -> Result<String> {
        Ok(self.get(testid).await?.text().await?)
    }

    pub async fn attr(&self, testid: &str, name: &str) -> Result<Option<String>> {
        Ok(self.get(testid).await?.attr(name).await?)
    }

    /// Waits until `[data-testid=testid]` has attribute `name` equal to `value`.
    pub async fn wait_attr(&self, testid: &str, name: &str, value: &str) -> Result<()> {
        let selector = format!("{}[{name}='{value}']", css(testid));
        self.driver
            .query(By::Css(selector))
            .wait(WAIT, Duration::from_millis(100))
            .first()
            .await
            .with_context(|| format!("[data-testid={testid}] never had {name}=\"{value}\""))?;
        Ok(())
    }

    /// Waits until an element matching the CSS selector exists and is displayed.
    pub async fn wait_css(&self, selector: &str) -> Result<WebElement> {
        self.driver
            .query(By::Css(selector.to_owned()))
            .wait(WAIT, Duration::from_millis(100))
            .and_displayed()
            .first()
            .await
            .with_context(|| format!("nothing visible matches `{selector}`"))
    }

    /// Waits until the element's text contains `needle`, returning the whole text.
    pub async fn wait_text(&self, testid: &str, needle: &str) -> Result<String> {
        self.wait_text_within(testid, needle, WAIT).await
    }

    /// [`App::wait_text`] for work that takes long (a sync of hundreds of records on a
    /// loaded machine).
    pub async fn wait_text_within(
        &self,
        testid: &str,
        needle: &str,
        wait: Duration,
    ) -> Result<String> {
        let deadline = Instant::now() + wait;
        loop {
            let text = self.text(testid).await.unwrap_or_default();
            if text.contains(needle) {
                return Ok(text);
            }
            if Instant::now() >= deadline {
                bail!("[data-testid={testid}] never contained «{needle}»; last text: «{text}»");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Switches to the portal window: the handle that is not the main one (WebDriver lists
    /// the second window first, so never pick by index).
    pub async fn switch_to_portal_window(&self) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            let handles = self.driver.windows().await?;
            if let Some(other) = handles.into_iter().find(|h| *h != self.main_window) {
                self.driver.switch_to_window(other).await?;
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("the portal window never opened");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Back to the app's own window.
    pub async fn switch_to_main_window(&self) -> Result<()> {
        self.driver
            .switch_to_window(self.main_window.clone())
            .await?;
        Ok(())
    }

    /// Runs asynchronous JavaScript (the last argument is the callback) and returns its result.
    pub async fn js_async(&self, script: &str) -> Result<serde_json::Value> {
        Ok(self
            .driver
            .execute_async(script, Vec::new())
            .await?
            .json()
            .clone())
    }

    /// Runs JavaScript in the page and returns its JSON result.
    pub async fn js(&self, script: &str) -> Result<serde_json::Value> {
        Ok(self
            .driver
            .execute(script, Vec::new())
            .await?
            .json()
            .clone())
    }

    /// Saves a PNG of the window (for looking at a flow, not only on failure).
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        self.driver.screenshot(path).await?;
        Ok(())
    }

    async fn save_artifacts(&self, name: &str) {
        let dir = artifacts_dir(name);
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let _ = self.driver.screenshot(&dir.join("screenshot.png")).await;
        if let Ok(source) = self.driver.source().await {
            let _ = std::fs::write(dir.join("page.html"), source);
        }
        eprintln!("e2e: saved a screenshot of `{name}` to {}", dir.display());
    }
}

impl App {
    /// The titles of the app's top-level X11 windows (WebDriver sees only the page's
    /// `document.title`, not what the window's title bar says).
    pub fn window_titles(&self) -> Result<Vec<String>> {
        let mut cmd = std::process::Command::new("xwininfo");
        cmd.args(["-root", "-tree"]);
        if let Some(display) = &self.display {
            cmd.env("DISPLAY", display);
        }
        let out = cmd
            .output()
            .context("xwininfo is missing (Debian/Ubuntu: apt-get install x11-utils)")?;
        ensure_ok(&out, "xwininfo")?;
        // Lines look like `0x1a00003 "Title": ("epts-desktop" "Epts-desktop")  960x760+…`.
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("epts"))
            .filter_map(|l| l.split('"').nth(1).map(str::to_owned))
            .collect())
    }

    /// Every file under `dir` whose bytes contain `needle` (what a test must never find).
    pub fn files_containing(dir: &Path, needle: &[u8]) -> Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let entry = entry?;
                let path = entry.path();
                let kind = entry.file_type()?;
                if kind.is_dir() {
                    stack.push(path);
                } else if kind.is_file() {
                    let bytes = std::fs::read(&path).unwrap_or_default();
                    if !needle.is_empty() && bytes.windows(needle.len()).any(|w| w == needle) {
                        found.push(path);
                    }
                }
            }
        }
        Ok(found)
    }
}

fn ensure_ok(out: &std::process::Output, what: &str) -> Result<()> {
    if !out.status.success() {
        bail!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn css(testid: &str) -> String {
    format!("[data-testid='{testid}']")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// Where a failed test leaves its screenshot and page source.
pub fn artifacts_dir(name: &str) -> PathBuf {
    target_dir().join("e2e-artifacts").join(name)
}

fn tempfile_dir(name: &str) -> Result<PathBuf> {
    let dir = target_dir()
        .join("e2e-scratch")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("home"))?;
    Ok(dir)
}

/// The app binary: `EPTS_APP_BIN` (set by `cargo xtask test`) or the dev build.
fn app_binary() -> Result<PathBuf> {
    let bin = std::env::var_os("EPTS_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            target_dir()
                .join("debug")
                .join(format!("epts-desktop{}", std::env::consts::EXE_SUFFIX))
        });
    if !bin.is_file() {
        bail!(
            "the app binary {} is missing: build it with `cargo build -p epts-desktop` (after `npm run build` in ui/), or run `cargo xtask test`",
            bin.display()
        );
    }
    Ok(bin)
}

/// tauri-driver on PATH or in cargo's bin folder.
fn tauri_driver() -> Result<PathBuf> {
    let exe = format!("tauri-driver{}", std::env::consts::EXE_SUFFIX);
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME").or_else(|| {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo").into_os_string())
    }) {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(&exe))
        .find(|p| p.is_file())
        .context("tauri-driver is not installed: `cargo install --locked tauri-driver` (or run `cargo xtask test`, which installs it)")
}
