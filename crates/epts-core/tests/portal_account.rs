//! The portal's side of the app in one place (`Account`), against a real portal-sim on
//! loopback and a real encrypted vault: a login is kept, restored and forgotten; the portal's
//! refusals and broken answers are told apart; a portal cannot steer the client elsewhere,
//! keep it listing, or slip it another record; downloads are paced and checked by content.

use epts_core::portal::{
    Account, AccountError, DownloadError, Portal, PortalAddress, PortalError, Session, SessionHome,
    SessionKeeper,
};
use epts_core::vault::{Filter, KdfParams, Vault};
use epts_core::{Code, Lang, Localized};
use portal_sim::Fault;
use std::sync::Mutex;
use std::time::Duration;

mod common;
use common::Result;

const OWNER: &str = "owner@example.ru";
const PASS: &str = "account test passphrase";

/// An account on `sim` whose session is kept in the vault (no keyring).
fn account(sim: &portal_sim::Running) -> Result<Account> {
    Ok(Account::with_config(
        common::config(&sim.url(), Duration::from_secs(5), 2)?,
        SessionKeeper::with_keyring(None),
    )?)
}

/// A session of `login`, opened without the browser flow.
fn session_of(sim: &portal_sim::Running, login: &str) -> Result<Session> {
    let id = sim.sim().open_session(login).ok_or("a linked account")?;
    Ok(Session::from_cookies([("JSESSIONID", id.as_str())]))
}

fn new_vault(dir: &std::path::Path) -> Result<Vault> {
    Ok(Vault::create(dir, PASS, KdfParams::INSECURE_FOR_TESTS)?)
}

fn records(vault: &Vault) -> Result<usize> {
    Ok(vault.search("", &Filter::default(), 10_000)?.len())
}

#[tokio::test]
async fn a_login_is_kept_restored_after_a_restart_and_forgotten_at_logout() -> Result {
    let sim = portal_sim::start(0).await?;
    let dir = tempfile::tempdir()?;
    let mut vault = new_vault(dir.path())?;
    let slot = Mutex::new(&mut vault);

    let first = account(&sim)?;
    let err = first
        .accept_login(Session::new([]), &slot)
        .await
        .expect_err("no cookies, no login");
    assert!(matches!(err, AccountError::NoSession));
    let active = first.accept_login(session_of(&sim, OWNER)?, &slot).await?;
    assert_eq!(active.user.display_name, "Петров Иван Сергеевич");
    assert_eq!(active.home, Some(SessionHome::Archive));

    // A restart: a new account finds the session in the archive and checks it.
    let second = account(&sim)?;
    let status = second.status(&slot).await;
    assert_eq!(
        status.user.map(|u| u.display_name).as_deref(),
        Some("Петров Иван Сергеевич")
    );
    assert_eq!(status.kept_in, Some(SessionHome::Archive));
    assert!(!status.offline && !status.session_expired);

    second.logout(&slot);
    let third = account(&sim)?;
    assert!(third.restore(&slot).await.is_none(), "logout forgot it");
    assert!(third.status(&slot).await.user.is_none());
    Ok(())
}

#[tokio::test]
async fn a_kept_session_the_portal_ended_is_said_to_have_ended_until_the_next_login() -> Result {
    let sim = portal_sim::start(0).await?;
    let dir = tempfile::tempdir()?;
    let mut vault = new_vault(dir.path())?;
    let slot = Mutex::new(&mut vault);
    account(&sim)?
        .accept_login(session_of(&sim, OWNER)?, &slot)
        .await?;

    sim.sim().set_fault(Some(Fault::SessionExpired), None);
    let restarted = account(&sim)?;
    let status = restarted.status(&slot).await;
    assert!(status.user.is_none() && status.session_expired);
    // Asked again (another section), it still says so; the session is gone from the archive.
    assert!(restarted.status(&slot).await.session_expired);
    sim.sim().set_fault(None, None);
    assert!(account(&sim)?.restore(&slot).await.is_none());

    restarted
        .accept_login(session_of(&sim, OWNER)?, &slot)
        .await?;
    assert!(!restarted.status(&slot).await.session_expired);
    Ok(())
}

#[tokio::test]
async fn the_portals_refusals_and_broken_answers_are_told_apart_with_the_next_step() -> Result {
    let sim = portal_sim::start(0).await?;
    let account = account(&sim)?;
    let session = session_of(&sim, OWNER)?;
    for (fault, code, words) in [
        (Fault::Forbidden, Code::PortalForbidden, "доступ"),
        (
            Fault::Rejected { status: 422 },
            Code::PortalRejected,
            "Портал",
        ),
        (Fault::MalformedJson, Code::PortalBadResponse, "Портал"),
        (Fault::OversizedJson, Code::PortalBadResponse, "Портал"),
    ] {
        sim.sim().set_fault(Some(fault.clone()), None);
        let err = account
            .client()
            .me(&session)
            .await
            .expect_err("a failing answer");
        assert_eq!(err.code(), code, "{fault:?}: {err}");
        let ru = err.message(Lang::Ru);
        assert!(
            ru.to_lowercase().contains(&words.to_lowercase()),
            "{fault:?}: {ru}"
        );
        assert_ne!(
            ru,
            err.message(Lang::En),
            "{fault:?} has an English message"
        );
    }
    sim.sim().set_fault(None, None);
    assert_eq!(
        account.client().me(&session).await?.display_name,
        "Петров Иван Сергеевич"
    );
    Ok(())
}

#[tokio::test]
async fn a_redirect_is_never_followed_so_the_session_never_leaves_the_portal() -> Result {
    let sim = portal_sim::start(0).await?;
    let dir = tempfile::tempdir()?;
    let mut vault = new_vault(dir.path())?;
    let slot = Mutex::new(&mut vault);
    let account = account(&sim)?;
    account
        .accept_login(session_of(&sim, OWNER)?, &slot)
        .await?;

    // A stranger on another loopback port: any connection to it would be the client
    // following the portal's redirect (with whatever it sends along).
    let stranger = std::net::TcpListener::bind("127.0.0.1:0")?;
    stranger.set_nonblocking(true)?;
    let steal = format!("http://{}/steal.pdf", stranger.local_addr()?);
    let open_redirect = url::Url::parse_with_params(&format!("{}go", sim.url()), [("to", &steal)])?;
    let err = account
        .download_into(&open_redirect, &slot)
        .await
        .expect_err("a redirect is no document");
    assert!(matches!(err, DownloadError::Portal(_)), "{err:?}");
    match stranger.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, from)) => panic!("the client followed the redirect: a connection from {from}"),
        Err(e) => return Err(e.into()),
    }
    // And a foreign address given directly is refused before any request.
    let direct = url::Url::parse(&steal)?;
    let err = account
        .download_into(&direct, &slot)
        .await
        .expect_err("not the portal");
    assert!(matches!(
        err,
        DownloadError::Portal(PortalError::BadAddress(_))
    ));
    assert!(matches!(
        stranger.accept(),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
    ));
    Ok(())
}

#[test]
fn clear_text_to_a_remote_portal_is_refused_from_every_entry_point() {
    for address in [
        "http://epts.example.ru",
        "http://10.0.0.5:8080/",
        "ftp://epts.example.ru",
        "epts.example.ru",
    ] {
        let err = PortalAddress::parse(address).expect_err(address);
        assert_eq!(err.code(), Code::BadPortalUrl, "{address}");
        assert!(err.message(Lang::Ru).contains("https://"), "{address}");
    }
    // The same one rule lets the sandbox on this computer speak plain http.
    assert!(PortalAddress::parse("http://127.0.0.1:8787").is_ok());
    assert!(PortalAddress::parse("http://[::1]:8787/").is_ok());
    assert!(PortalAddress::parse("https://epts.example.ru").is_ok());
}

#[tokio::test]
async fn a_portal_that_lies_about_its_list_ends_the_sync_and_writes_nothing() -> Result {
    let sim = portal_sim::start(0).await?;
    let dir = tempfile::tempdir()?;
    let mut vault = new_vault(dir.path())?;
    let slot = Mutex::new(&mut vault);
    let account = account(&sim)?;
    account
        .accept_login(session_of(&sim, "dealer@example.ru")?, &slot)
        .await?;

    for fault in [Fault::ListRepeats, Fault::ListTotal { total: 100_000 }] {
        sim.sim().set_fault(Some(fault.clone()), None);
        let err = account
            .sync_into(&slot, &|_| {})
            .await
            .expect_err("an endless list");
        assert_eq!(err.code(), Code::PortalListInconsistent, "{fault:?}");
        assert!(
            err.message(Lang::Ru).to_lowercase().contains("список"),
            "{}",
            err.message(Lang::Ru)
        );
    }
    sim.sim().set_fault(Some(Fault::WrongRecord), None);
    let err = account
        .sync_into(&slot, &|_| {})
        .await
        .expect_err("another record");
    assert_eq!(err.code(), Code::PortalWrongRecord);
    let vault = slot.into_inner().map_err(|_| "poisoned")?;
    assert_eq!(records(vault)?, 0, "nothing half-written");
    assert!(vault.documents(true)?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_fault_in_the_middle_of_a_sync_keeps_what_came_and_the_next_sync_finishes() -> Result {
    let sim = portal_sim::start(0).await?;
    let dir = tempfile::tempdir()?;
    let mut vault = new_vault(dir.path())?;
    let slot = Mutex::new(&mut vault);
    let account = account(&sim)?;
    account
        .accept_login(session_of(&sim, OWNER)?, &slot)
        .await?;

    // The list and the first record are answered; then the portal fails (a 502 through
    // every retry), which ends the run.
    sim.sim().fail_after(2, Fault::Status { status: 502 }, None);
    let err = account
        .sync_into(&slot, &|_| {})
        .await
        .expect_err("down in the middle");
    assert_eq!(err.code(), Code::PortalServerError);
    let partial = records(&**slot.lock().map_err(|_| "poisoned")?)?;
    assert!(partial < 3, "stopped before the end: {partial}");

    sim.sim().set_fault(None, None);
    let report = account.sync_into(&slot, &|_| {}).await?;
    assert_eq!(report.inserted, 3 - partial, "only what was missing");
    assert!(report.failed.is_empty());

    // A refusal of single records is said per record; the others arrive.
    sim.sim().touch(OWNER, 3).ok_or("touch")?;
    sim.sim().fail_after(1, Fault::Forbidden, Some(1));
    let report = account.sync_into(&slot, &|_| {}).await?;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].code, Code::PortalForbidden);
    assert_eq!(report.updated, 2);
    let vault = slot.into_inner().map_err(|_| "poisoned")?;
    assert_eq!(records(vault)?, 3, "all three, none twice");
    let extracts = vault
        .documents(false)?
        .iter()
        .filter(|d| d.name.starts_with("vypiska_epts_"))
        .count();
    assert_eq!(extracts, 3);
    Ok(())
}

#[tokio::test]
async fn a_flood_of_downloads_stores_only_the_paced_few_and_html_named_pdf_is_not_stored() -> Result
{
    let sim = portal_sim::start(0).await?;
    let dir = tempfile::tempdir()?;
    let mut vault = new_vault(dir.path())?;
    let slot = Mutex::new(&mut vault);
    let account = account(&sim)?;
    account
        .accept_login(session_of(&sim, OWNER)?, &slot)
        .await?;
    account.sync_into(&slot, &|_| {}).await?;
    let before = slot.lock().map_err(|_| "poisoned")?.documents(true)?.len();

    let fake = sim.url().trim_end_matches('/').to_owned() + portal_sim::HTML_PDF_PATH;
    let err = account
        .download_into(&url::Url::parse(&fake)?, &slot)
        .await
        .expect_err("HTML is no PDF");
    assert_eq!(err.code(), Code::DownloadNotDocument);
    assert!(
        err.message(Lang::Ru).contains("не сохранён"),
        "{}",
        err.message(Lang::Ru)
    );

    let numbers: Vec<String> = {
        let vault = slot.lock().map_err(|_| "poisoned")?;
        vault
            .search("", &Filter::default(), 10)?
            .into_iter()
            .map(|r| r.epts_number)
            .collect()
    };
    let (mut stored, mut throttled) = (0, 0);
    for k in 0..100 {
        let link = format!(
            "{}cabinet/epts/{}/extract.pdf",
            sim.url(),
            numbers[k % numbers.len()]
        );
        match account.download_into(&url::Url::parse(&link)?, &slot).await {
            Ok(done) => {
                stored += 1;
                assert!(done.vin.is_some(), "attached to its vehicle");
            }
            Err(e) => {
                assert_eq!(e.code(), Code::DownloadsThrottled, "{e}");
                throttled += 1;
            }
        }
    }
    // The one refused above counted too: a page cannot get past the pace by failing.
    assert_eq!((stored, throttled), (4, 96));
    let after = slot.lock().map_err(|_| "poisoned")?.documents(true)?.len();
    assert_eq!(after - before, 4);
    Ok(())
}
