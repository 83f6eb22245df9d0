//! Sync against a real portal-sim on loopback into a real encrypted vault: records and
//! extracts arrive, a second sync fetches only what changed, an interrupted sync resumes
//! after a restart without duplicates, and a failing portal loses nothing.

use epts_core::Code;
use epts_core::Localized;
use epts_core::portal::{HttpPortal, PortalError, Session, SyncError, SyncProgress, sync};
use epts_core::vault::{Filter, KdfParams, Vault};
use portal_sim::Fault;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod common;
use common::Result;

const PASS: &str = "sync test passphrase";

async fn logged_in(login: &str) -> Result<(portal_sim::Running, HttpPortal, Session)> {
    common::logged_in(login, Duration::from_secs(5), 2).await
}

fn all_records(vault: &Vault) -> Result<usize> {
    Ok(vault.search("", &Filter::default(), 10_000)?.len())
}

fn live_extracts(vault: &Vault) -> Result<usize> {
    Ok(vault
        .documents(false)?
        .iter()
        .filter(|d| d.name.starts_with("vypiska_epts_") && d.kind == "pdf")
        .count())
}

#[tokio::test]
async fn records_and_extracts_arrive_and_the_next_sync_fetches_only_changes() -> Result {
    let (sim, portal, session) = logged_in("owner@example.ru").await?;
    let dir = tempfile::tempdir()?;
    let mut vault = Vault::create(dir.path(), PASS, KdfParams::INSECURE_FOR_TESTS)?;
    let key = sim.url();
    let none = AtomicBool::new(false);

    let first = sync(&portal, &key, &session, &mut vault, &|_| {}, &none).await?;
    assert_eq!(
        (first.inserted, first.extracts, first.failed.len()),
        (3, 3, 0)
    );
    let car = vault.record("164301027000001")?;
    assert_eq!(car.owner.as_deref(), Some("Петров Иван Сергеевич"));
    assert!(
        car.extra.contains_key("engineModelName"),
        "the extract's fields are kept"
    );
    let docs = vault.documents_for_vin(&car.vin)?;
    assert_eq!(docs.len(), 1);
    let pdf = vault.read_document(docs[0].id)?;
    assert!(pdf.starts_with(b"%PDF-"));
    let (_, last) = vault.sync_state(&key)?;
    assert!(
        last.is_some(),
        "the time of the last sync is kept for the offline notice"
    );

    let requests = portal.requests_sent();
    let again = sync(&portal, &key, &session, &mut vault, &|_| {}, &none).await?;
    assert_eq!((again.to_fetch, again.inserted, again.extracts), (0, 0, 0));
    assert_eq!(
        portal.requests_sent() - requests,
        1,
        "one list call, nothing else"
    );

    let changed = sim.sim().touch("owner@example.ru", 1).ok_or("touch")?;
    let third = sync(&portal, &key, &session, &mut vault, &|_| {}, &none).await?;
    assert_eq!((third.to_fetch, third.updated, third.extracts), (1, 1, 1));
    let record = vault.record(&changed[0])?;
    assert_eq!(
        vault.history(&changed[0])?.len(),
        1,
        "the earlier version is in the history"
    );
    let live: Vec<_> = vault
        .documents_for_vin(&record.vin)?
        .into_iter()
        .filter(|d| !d.trashed)
        .collect();
    assert_eq!(live.len(), 1, "the new extract replaced the old one");
    assert_eq!(all_records(&vault)?, 3);
    Ok(())
}

#[tokio::test]
async fn an_interrupted_sync_resumes_after_a_restart_without_duplicates() -> Result {
    let (sim, portal, session) = logged_in("dealer@example.ru").await?;
    let dir = tempfile::tempdir()?;
    let key = sim.url();
    let cancel = AtomicBool::new(false);
    {
        let mut vault = Vault::create(dir.path(), PASS, KdfParams::INSECURE_FOR_TESTS)?;
        let stop_at_40 = |p: SyncProgress| {
            if p.done >= 40 && p.phase == epts_core::portal::SyncPhase::Records {
                cancel.store(true, Ordering::Relaxed);
            }
        };
        let cut = sync(&portal, &key, &session, &mut vault, &stop_at_40, &cancel).await?;
        assert!(cut.cancelled);
        assert_eq!(cut.to_fetch, 500);
        assert_eq!(cut.inserted, 40);
        assert_eq!(vault.sync_pending(&key)?.len(), 460);
    } // the app closes
    let mut vault = Vault::open(dir.path(), PASS)?;
    cancel.store(false, Ordering::Relaxed);
    let rest = sync(&portal, &key, &session, &mut vault, &|_| {}, &cancel).await?;
    assert_eq!((rest.resumed, rest.inserted), (460, 460));
    assert_eq!(all_records(&vault)?, 500);
    assert_eq!(
        live_extracts(&vault)?,
        500,
        "one extract a vehicle, none twice"
    );
    assert!(vault.sync_pending(&key)?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_failing_portal_stops_the_sync_and_loses_nothing() -> Result {
    let (sim, portal, session) = logged_in("owner@example.ru").await?;
    let dir = tempfile::tempdir()?;
    let mut vault = Vault::create(dir.path(), PASS, KdfParams::INSECURE_FOR_TESTS)?;
    let key = sim.url();
    let none = AtomicBool::new(false);
    sync(&portal, &key, &session, &mut vault, &|_| {}, &none).await?;
    sim.sim().touch("owner@example.ru", 3).ok_or("touch")?;

    sim.sim()
        .set_fault(Some(Fault::Status { status: 502 }), None);
    let err = sync(&portal, &key, &session, &mut vault, &|_| {}, &none)
        .await
        .expect_err("the portal is down");
    assert!(matches!(
        err,
        SyncError::Portal(PortalError::Server { status: 502 })
    ));
    assert!(
        err.message(epts_core::Lang::Ru).contains("Портал"),
        "{}",
        err.message(epts_core::Lang::Ru)
    );
    assert_eq!(all_records(&vault)?, 3, "the archive keeps what it had");
    assert_eq!(live_extracts(&vault)?, 3);

    sim.sim().set_fault(Some(Fault::SessionExpired), None);
    let err = sync(&portal, &key, &session, &mut vault, &|_| {}, &none)
        .await
        .expect_err("the session ended");
    assert_eq!(err.code(), Code::SessionExpired);

    sim.sim().set_fault(None, None);
    let done = sync(&portal, &key, &session, &mut vault, &|_| {}, &none).await?;
    assert_eq!(
        done.updated, 3,
        "the changes arrive once the portal is back"
    );
    Ok(())
}
