//! What the portal window may not do, in the real app: show another site, open windows,
//! reach the archive's documents, leave a plaintext copy of a download on disk, or leave the
//! session in WebKit's files or the app's log.

use anyhow::{Context, Result, ensure};
use epts_e2e::{App, Options, run};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const LOGIN: &str = "owner@example.ru";
const PASSWORD: &str = "owner-pass";
const ARCHIVE_PASS: &str = "e2e archive passphrase 42";

/// A site on another loopback port that counts the HTTP requests it is sent: the portal
/// window showing it would be one.
struct Stranger {
    url: String,
    host: String,
    requests: Arc<AtomicUsize>,
}

impl Stranger {
    fn start() -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let host = listener.local_addr()?.to_string();
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut line = String::new();
                let mut reader = BufReader::new(&stream);
                if reader.read_line(&mut line).is_ok() && line.starts_with("GET") {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                let page = "<title>Вход на Госуслуги</title><h1>Введите пароль</h1>";
                let _ = (&stream).write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                        page.len()
                    )
                    .as_bytes(),
                );
            }
        });
        Ok(Self {
            url: format!("http://{host}/login"),
            host,
            requests,
        })
    }
}

fn sim_page(app: &App, path_and_query: &str) -> String {
    format!(
        "{}/{}",
        app.portal_url.trim_end_matches('/'),
        path_and_query.trim_start_matches('/')
    )
}

fn sim_host(app: &App) -> Result<String> {
    let url = url::Url::parse(&app.portal_url)?;
    Ok(format!(
        "{}:{}",
        url.host_str().context("host")?,
        url.port_or_known_default().context("port")?
    ))
}

/// Waits until the refused-notice for `code` says `count`.
async fn refused(app: &App, code: &str, count: usize) -> Result<String> {
    let selector =
        format!("[data-testid='portal-refused-notice'][data-code='{code}'][data-count='{count}']");
    let notice = app.wait_css(&selector).await?;
    Ok(notice.text().await?)
}

/// Waits, without sleeping blindly, until `check` holds or the time is up.
async fn eventually(what: &str, mut check: impl FnMut() -> Result<bool>) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check()? {
        ensure!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_portal_window_never_shows_another_site_and_the_app_says_why() -> Result<()> {
    let stranger = Stranger::start()?;
    run("portal_window_stays", Options::default(), |app| async move {
        app.click("nav-portal").await?;
        app.click("portal-login").await?;
        app.switch_to_portal_window().await?;
        app.get("esia-login-input").await?;
        // The host of the page is in the window's title, on every page.
        let host = sim_host(&app)?;
        eventually("the title shows the host", || {
            Ok(app.window_titles()?.iter().any(|t| t.starts_with(&host)))
        })
        .await?;

        // An open redirect on the portal.
        let redirect = url::Url::parse_with_params(
            &sim_page(&app, "/nav/redirect"),
            [("to", &stranger.url)],
        )?;
        app.driver().goto(redirect.as_str()).await?;
        app.switch_to_main_window().await?;
        let text = refused(&app, "navigation_refused", 1).await?;
        ensure!(text.contains(&stranger.host), "names the host: {text}");

        // A plain link.
        app.switch_to_portal_window().await?;
        let link =
            url::Url::parse_with_params(&sim_page(&app, "/nav/link"), [("to", &stranger.url)])?;
        app.driver().goto(link.as_str()).await?;
        app.click("foreign-link").await?;
        app.switch_to_main_window().await?;
        refused(&app, "navigation_refused", 2).await?;

        // window.open and target=_blank: no new window, a notice instead.
        app.switch_to_portal_window().await?;
        let open = url::Url::parse_with_params(
            &sim_page(&app, "/nav/window-open"),
            [("to", &stranger.url)],
        )?;
        app.driver().goto(open.as_str()).await?;
        app.click("foreign-window-open").await?;
        let blank =
            url::Url::parse_with_params(&sim_page(&app, "/nav/blank"), [("to", &stranger.url)])?;
        app.driver().goto(blank.as_str()).await?;
        app.click("foreign-blank-link").await?;
        app.switch_to_main_window().await?;
        let text = refused(&app, "window_refused", 2).await?;
        ensure!(text.contains(&stranger.host), "{text}");
        app.screenshot(&epts_e2e::artifacts_dir("portal_window_stays").join("notices.png"))
            .await?;
        ensure!(
            app.driver().windows().await?.len() == 2,
            "only the main and the portal window"
        );

        // The portal window is still on the portal, titled with its host.
        app.switch_to_portal_window().await?;
        let here = app.driver().current_url().await?;
        ensure!(
            here.as_str().starts_with(app.portal_url.trim_end_matches('/')),
            "{here}"
        );
        let titles = app.window_titles()?;
        ensure!(
            !titles.iter().any(|t| t.contains(&stranger.host)),
            "{titles:?}"
        );
        ensure!(
            titles.iter().any(|t| t.starts_with(&host)),
            "{titles:?}"
        );

        // A portal page asking for the archive's documents gets nothing.
        let fetched = app
            .js_async(
                r#"const done = arguments[arguments.length - 1];
                   fetch('epts-doc://localhost/1').then(
                     (r) => r.arrayBuffer().then((b) => done('status ' + r.status + ' bytes ' + b.byteLength)),
                     (e) => done('failed'));"#,
            )
            .await?;
        let fetched = fetched.as_str().unwrap_or_default().to_owned();
        ensure!(
            fetched == "failed" || fetched.ends_with("bytes 0"),
            "a portal page read a document: {fetched}"
        );
        let log = app.log_file.clone();
        eventually("the document protocol refused the portal window", || {
            Ok(std::fs::read_to_string(&log)?
                .contains("epts-doc: a document asked for from another window was refused"))
        })
        .await?;

        ensure!(
            stranger.requests.load(Ordering::SeqCst) == 0,
            "the stranger was asked for {} page(s)",
            stranger.requests.load(Ordering::SeqCst)
        );
        Ok(())
    })
    .await
}

/// Everything under `dirs` whose name looks like a downloaded document, or whose bytes hold
/// `needle`.
fn leaks(dirs: &[&Path], needle: &[u8]) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for dir in dirs {
        found.extend(App::files_containing(dir, needle)?);
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if entry.file_name().to_string_lossy().starts_with("epts_")
                    || path
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
                {
                    found.push(path);
                }
            }
        }
    }
    Ok(found)
}

/// A run of bytes every copy of this extract holds (it is rendered afresh per request, with
/// its own time stamp): what a plaintext copy on disk would contain.
async fn extract_needle(app: &App, number: &str) -> Result<Vec<u8>> {
    let session = app.sim.open_session(LOGIN).context("a session")?;
    let client = reqwest::Client::new();
    let url = sim_page(app, &format!("/cabinet/epts/{number}/extract.pdf"));
    let fetch = || async {
        let bytes = client
            .get(&url)
            .header("cookie", format!("JSESSIONID={session}"))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        anyhow::Ok(bytes.to_vec())
    };
    let (a, b) = (fetch().await?, fetch().await?);
    ensure!(a.starts_with(b"%PDF"), "an extract");
    a.chunks(96)
        .skip(4)
        .find(|chunk| chunk.len() == 96 && b.windows(96).any(|w| &w == chunk))
        .map(<[u8]>::to_vec)
        .context("a run of bytes common to two renders of the extract")
}

#[tokio::test(flavor = "multi_thread")]
async fn downloads_land_only_in_the_archive_and_the_session_stays_out_of_files_and_logs()
-> Result<()> {
    let options = Options {
        // Everything the app logs, not only the shell's own lines.
        env: vec![("EPTS_LOG".into(), "debug".into())],
        ..Options::default()
    };
    run("portal_downloads_contained", options, |app| async move {
        // Without a keyring the archive has a passphrase: one more secret to look for.
        app.click("nav-archive").await?;
        app.get("archive-setup").await?;
        if std::env::var_os("EPTS_TEST_SECRET_SERVICE").is_none() {
            app.type_into("setup-passphrase", ARCHIVE_PASS).await?;
            app.type_into("setup-repeat", ARCHIVE_PASS).await?;
        }
        app.click("setup-create").await?;
        app.wait_attr("section-archive", "data-archive-state", "open")
            .await?;

        app.click("nav-portal").await?;
        app.click("portal-login").await?;
        app.switch_to_portal_window().await?;
        app.type_into("esia-login-input", LOGIN).await?;
        app.type_into("esia-password-input", PASSWORD).await?;
        app.click("esia-submit").await?;
        app.get("esia-code-input").await?;
        // The sandbox shows its code on its own page, as demo sites do.
        let shown = app.attr("esia-sandbox-code", "data-code").await?;
        let code = app.sim.last_code(LOGIN).context("the sim sent a code")?;
        ensure!(shown.as_deref() == Some(code.as_str()), "{shown:?}");
        app.type_into("esia-code-input", &code).await?;
        app.click("esia-code-submit").await?;
        app.click("esia-consent-allow").await?;
        app.switch_to_main_window().await?;
        app.wait_text("portal-user-name", "Петров Иван Сергеевич")
            .await?;
        let sessions = app.sim.session_ids();
        ensure!(!sessions.is_empty(), "the login opened a portal session");

        app.click("portal-sync").await?;
        app.wait_text("portal-sync-result", "Новых: 3").await?;
        let numbers = ["164301027000001", "164301027000002"];

        // A «Скачать PDF» link (taken at navigation) and an address that is a download only
        // by its answer (WebKit's own download path): both land in the archive.
        app.click("portal-open-cabinet").await?;
        app.switch_to_portal_window().await?;
        app.wait_css(&format!(
            "a[href='/cabinet/epts/{}/extract.pdf']",
            numbers[0]
        ))
        .await?
        .click()
        .await?;
        let attachment = portal_sim::ATTACHMENT_PATH.replace("{id}", numbers[1]);
        app.driver().goto(sim_page(&app, &attachment)).await?;
        app.switch_to_main_window().await?;
        for number in numbers {
            eventually_text(&app, number).await?;
        }

        // A «PDF» that is HTML is not stored.
        app.switch_to_portal_window().await?;
        app.driver()
            .goto(sim_page(&app, "/cabinet/fake-pdf"))
            .await?;
        app.click("html-pdf-link").await?;
        app.switch_to_main_window().await?;
        app.wait_css("[data-testid='portal-download-notice'][data-code='download_not_document']")
            .await?;

        // A page asking for a hundred files gets a few; the rest is one notice with a count.
        app.switch_to_portal_window().await?;
        app.driver().goto(sim_page(&app, "/cabinet/flood")).await?;
        app.click("flood-all").await?;
        app.switch_to_main_window().await?;
        let flood = app
            .wait_css("[data-testid='portal-download-notice'][data-code='downloads_throttled']")
            .await?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let stored = app
                .all("[data-testid='portal-download-notice']:not([data-code])")
                .await?
                .len();
            let count: usize = flood
                .attr("data-count")
                .await?
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            // 100 asked: 5 a minute in all (two taken above, one refused as HTML).
            if count == 98 {
                ensure!(stored == 4, "{stored} stored notices");
                break;
            }
            ensure!(Instant::now() < deadline, "{count} refused so far");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        app.screenshot(&epts_e2e::artifacts_dir("portal_downloads_contained").join("notices.png"))
            .await?;

        // No plaintext copy anywhere the webview could have written one.
        let needle = extract_needle(&app, numbers[0]).await?;
        let config_dir = app.config_dir.clone();
        let searched = [
            app.home_dir.as_path(),
            app.work_dir.as_path(),
            config_dir.as_path(),
        ];
        let found = leaks(&searched, &needle)?;
        ensure!(found.is_empty(), "plaintext copies: {found:?}");

        // The notices are read: out of the way.
        for dismiss in app.all("[data-testid='portal-notice-dismiss']").await? {
            dismiss.click().await?;
        }
        // Logout and lock; then the session is in no file and never was in the log.
        app.click("nav-portal").await?;
        app.click("portal-logout").await?;
        app.get("portal-login").await?;
        app.click("nav-archive").await?;
        app.click("archive-lock").await?;
        app.wait_attr("section-archive", "data-archive-state", "locked")
            .await?;
        for id in &sessions {
            let found = searched
                .iter()
                .map(|dir| App::files_containing(dir, id.as_bytes()))
                .collect::<Result<Vec<_>>>()?
                .concat();
            ensure!(found.is_empty(), "the session cookie is in {found:?}");
        }
        let log = std::fs::read_to_string(&app.log_file)?;
        ensure!(log.contains("portal sync finished"), "the log was captured");
        for (what, secret) in sessions
            .iter()
            .map(|s| ("session cookie", s.as_str()))
            .chain([
                ("confirmation code", code.as_str()),
                ("passphrase", ARCHIVE_PASS),
                ("password", PASSWORD),
            ])
        {
            ensure!(!log.contains(secret), "the log holds the {what}");
        }
        Ok(())
    })
    .await
}

/// Waits until a stored-download notice names the extract of `number`.
async fn eventually_text(app: &App, number: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        for notice in app
            .all("[data-testid='portal-download-notice']:not([data-code])")
            .await?
        {
            if notice.text().await?.contains(&format!("epts_{number}.pdf")) {
                return Ok(());
            }
        }
        ensure!(Instant::now() < deadline, "no notice for {number}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
