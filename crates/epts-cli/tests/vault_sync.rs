//! `epts vault sync` against a real portal-sim: records arrive, a second run fetches
//! nothing new, and an expired session is explained without touching the archive.

use epts_core::vault::{KdfParams, Vault};
use std::path::Path;
use std::process::{Command, Output};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const PASS: &str = "синхронизация с порталом";

fn sync(vault: &Path, portal: &str, session: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_epts"))
        .args(["vault", "--json", "--vault"])
        .arg(vault)
        .args(["sync", "--portal", portal])
        .env("EPTS_PASSPHRASE", PASS)
        .env("EPTS_PORTAL_SESSION", session)
        .env("EPTS_KEYRING", "never")
        .env_remove("EPTS_LANG")
        .output()
        .expect("epts runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_fills_the_vault_and_a_second_run_fetches_nothing() -> Result {
    let sim = portal_sim::start(0).await?;
    let session = sim
        .sim()
        .open_session("owner@example.ru")
        .ok_or("session")?;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("vault");
    Vault::create(&dir, PASS, KdfParams::INSECURE_FOR_TESTS)?;
    let url = sim.url();

    let (dir2, url2, s2) = (dir.clone(), url.clone(), session.clone());
    let first = tokio::task::spawn_blocking(move || sync(&dir2, &url2, &s2)).await?;
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&first.stdout)?;
    assert_eq!(
        (report["inserted"].as_u64(), report["extracts"].as_u64()),
        (Some(3), Some(3))
    );

    let (dir2, url2, s2) = (dir.clone(), url.clone(), session.clone());
    let second = tokio::task::spawn_blocking(move || sync(&dir2, &url2, &s2)).await?;
    let report: serde_json::Value = serde_json::from_slice(&second.stdout)?;
    assert_eq!(report["to_fetch"].as_u64(), Some(0));

    let (dir2, url2) = (dir.clone(), url.clone());
    let expired = tokio::task::spawn_blocking(move || sync(&dir2, &url2, "not-a-session")).await?;
    assert_eq!(expired.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&expired.stdout)?;
    assert_eq!(err["error"]["code"], "session_expired");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("Войдите"),
        "{err}"
    );
    let vault = Vault::open(&dir, PASS)?;
    assert_eq!(
        vault.search("", &Default::default(), 100)?.len(),
        3,
        "nothing lost"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_session_in_the_environment_sync_uses_the_one_the_app_kept() -> Result {
    use epts_core::portal::{Me, SavedSession, Session, SessionKeeper};
    let sim = portal_sim::start(0).await?;
    let cookie = sim
        .sim()
        .open_session("owner@example.ru")
        .ok_or("session")?;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("vault");
    let url = sim.url();
    {
        // What the app does after a login on a machine without a keyring.
        let vault = Vault::create(&dir, PASS, KdfParams::INSECURE_FOR_TESTS)?;
        let saved = SavedSession {
            session: Session::from_cookies([("JSESSIONID", cookie.as_str())]),
            user: Me {
                display_name: "Петров Иван Сергеевич".into(),
                kind: "person".into(),
                account_status: "активна".into(),
                inn: None,
                ogrn: None,
            },
        };
        SessionKeeper::with_keyring(None).save(&url, &saved, Some(&vault))?;
    }
    let run = |dir: std::path::PathBuf, url: String| {
        Command::new(env!("CARGO_BIN_EXE_epts"))
            .args(["vault", "--json", "--vault"])
            .arg(&dir)
            .args(["sync", "--portal", &url])
            .env("EPTS_PASSPHRASE", PASS)
            .env("EPTS_KEYRING", "never")
            .env_remove("EPTS_PORTAL_SESSION")
            .env_remove("EPTS_LANG")
            .output()
            .expect("epts runs")
    };
    let (d, u) = (dir.clone(), url.clone());
    let out = tokio::task::spawn_blocking(move || run(d, u)).await?;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(report["inserted"].as_u64(), Some(3));

    // After a logout there is nothing to use, and the message says how to get a session.
    {
        let vault = Vault::open(&dir, PASS)?;
        SessionKeeper::with_keyring(None).forget(&url, Some(&vault))?;
    }
    let out = tokio::task::spawn_blocking(move || run(dir, url)).await?;
    assert_eq!(out.status.code(), Some(2));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("Войти через Госуслуги"), "{text}");
    Ok(())
}

#[test]
fn a_clear_text_address_of_a_remote_portal_is_refused_before_the_session_is_sent() -> Result {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("vault");
    Vault::create(&dir, PASS, KdfParams::INSECURE_FOR_TESTS)?;
    for portal in ["http://epts.example.ru", "http://192.0.2.7:8080/"] {
        let out = sync(&dir, portal, "JSESSIONID-that-must-stay-home");
        assert_eq!(out.status.code(), Some(1), "{portal}");
        let err: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        assert_eq!(err["error"]["code"], "bad_portal_url", "{portal}");
        let message = err["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("https://"), "{message}");
    }
    Ok(())
}
