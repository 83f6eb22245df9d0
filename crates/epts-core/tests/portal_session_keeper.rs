//! A portal session survives a restart: kept in the OS keyring when one answers, in the
//! encrypted vault when none does, never as plaintext, and forgotten everywhere on logout.

use epts_core::portal::{Me, SavedSession, Session, SessionHome, SessionKeeper};
use epts_core::vault::{KdfParams, OsKeyring, Vault};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const PORTAL: &str = "http://127.0.0.1:8700";
const COOKIE: &str = "session-cookie-value-7f3a9c";

fn saved() -> SavedSession {
    SavedSession {
        session: Session::from_cookies([("JSESSIONID", COOKIE)]),
        user: Me {
            display_name: "Петров Иван Сергеевич".into(),
            kind: "person".into(),
            account_status: "активна".into(),
            inn: Some("770123456703".into()),
            ogrn: None,
        },
    }
}

/// The same promise the vault's keyring tests rely on: `cargo xtask test` starts a private
/// Secret Service and says so.
fn secret_service_expected() -> bool {
    std::env::var_os("EPTS_TEST_SECRET_SERVICE").is_some()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn without_a_keyring_the_session_lives_in_the_encrypted_vault() -> Result {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(
        dir.path(),
        "session test phrase",
        KdfParams::INSECURE_FOR_TESTS,
    )?;
    let keeper = SessionKeeper::with_keyring(None);

    // Neither a keyring nor an open archive: nothing is kept, and the caller is told.
    assert_eq!(keeper.save(PORTAL, &saved(), None)?, None);
    assert_eq!(
        keeper.save(PORTAL, &saved(), Some(&vault))?,
        Some(SessionHome::Archive)
    );
    drop(vault);

    // After a "restart" the session comes back from the reopened vault, with its user.
    let vault = Vault::open(dir.path(), "session test phrase")?;
    let (back, home) = keeper.load(PORTAL, Some(&vault))?.ok_or("kept")?;
    assert_eq!(home, SessionHome::Archive);
    assert_eq!(back.user, saved().user);
    assert_eq!(
        back.session.to_secret().as_str(),
        saved().session.to_secret().as_str()
    );
    // Another portal's session is another entry.
    assert!(
        keeper
            .load("https://other.example", Some(&vault))?
            .is_none()
    );
    drop(vault);

    // The cookie is nowhere in the vault folder as plaintext.
    for entry in walk(dir.path())? {
        let bytes = std::fs::read(&entry)?;
        assert!(
            !contains(&bytes, COOKIE),
            "{} holds the cookie",
            entry.display()
        );
    }

    let vault = Vault::open(dir.path(), "session test phrase")?;
    keeper.forget(PORTAL, Some(&vault))?;
    assert!(
        keeper.load(PORTAL, Some(&vault))?.is_none(),
        "logout forgets it"
    );
    Ok(())
}

#[test]
fn with_a_keyring_the_session_lives_there_and_logout_removes_it() -> Result {
    let service = format!("epts-desktop-session-test-{}", std::process::id());
    let keyring = match OsKeyring::with_service(&service) {
        Ok(k) => k,
        Err(e) if !secret_service_expected() => {
            eprintln!("no keyring here ({e}); the vault fallback test covers this machine");
            return Ok(());
        }
        Err(e) => return Err(format!("a Secret Service was promised but: {e}").into()),
    };
    let keeper = SessionKeeper::with_keyring(Some(keyring));
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(
        dir.path(),
        "session test phrase",
        KdfParams::INSECURE_FOR_TESTS,
    )?;
    // An older copy in the vault (from a run without a keyring) is replaced, not left behind.
    SessionKeeper::with_keyring(None).save(PORTAL, &saved(), Some(&vault))?;

    assert_eq!(
        keeper.save(PORTAL, &saved(), Some(&vault))?,
        Some(SessionHome::Keyring)
    );
    assert!(
        vault.portal_session(PORTAL)?.is_none(),
        "the vault copy is gone"
    );
    // A new keeper (a restarted app) finds it without the archive being open.
    let again = SessionKeeper::with_keyring(Some(OsKeyring::with_service(&service)?));
    let (back, home) = again.load(PORTAL, None)?.ok_or("kept in the keyring")?;
    assert_eq!(home, SessionHome::Keyring);
    assert_eq!(back.user.display_name, "Петров Иван Сергеевич");

    again.forget(PORTAL, None)?;
    assert!(again.load(PORTAL, Some(&vault))?.is_none());
    Ok(())
}

fn walk(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}
