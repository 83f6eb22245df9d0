//! The vault key in the real OS keyring, and the passphrase fallback where none answers.
//!
//! `cargo xtask test` runs the tests inside a private session bus with an unlocked
//! gnome-keyring and sets `EPTS_TEST_SECRET_SERVICE=1`: then the keyring test must pass for
//! real. Every test files its key under its own service name, never the app's.

use epts_core::Code;
use epts_core::Localized;
use epts_core::vault::{EptsRecord, KdfParams, KeyringPolicy, OsKeyring, Vault};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const KDF: KdfParams = KdfParams::INSECURE_FOR_TESTS;

fn secret_service_expected() -> bool {
    std::env::var_os("EPTS_TEST_SECRET_SERVICE").is_some()
}

fn record() -> EptsRecord {
    EptsRecord {
        epts_number: "164301027146619".into(),
        vin: "XTA21099843576182".into(),
        plate: None,
        status: "Действующий".into(),
        issue_date: None,
        brand: Some("LADA".into()),
        model: None,
        year: None,
        owner: Some("Громова Алевтина Игоревна".into()),
        region: None,
        has_restrictions: false,
        extra: Default::default(),
    }
}

#[test]
fn the_key_lives_in_the_os_keyring_and_a_passphrase_can_be_added() -> Result {
    let service = format!("epts-desktop-test-{}", std::process::id());
    let keyring = match OsKeyring::with_service(&service) {
        Ok(k) => k,
        Err(e) if !secret_service_expected() => {
            // No keyring on this machine and none promised: the fallback test covers it.
            assert_eq!(e.code(), Code::KeyringUnavailable);
            return Ok(());
        }
        Err(e) => return Err(format!("a Secret Service was promised but: {e}").into()),
    };
    let dir = tempfile::tempdir()?;
    let id = {
        let mut v = Vault::create_with_keyring(dir.path(), &keyring, None, KDF)?;
        v.upsert_record(record())?;
        v.id().to_owned()
    };
    assert_eq!(Vault::protection(dir.path())?, (true, false));
    // The app's way in: no prompt while the keyring holds the key.
    let v = Vault::open_auto_with(dir.path(), || OsKeyring::with_service(&service), None)?;
    assert_eq!(v.record("164301027146619")?.vin, "XTA21099843576182");
    drop(v);
    let never = Vault::open_auto(dir.path(), KeyringPolicy::Never, Some("что угодно длинное"))
        .expect_err("keyring refused, no passphrase");
    assert_eq!(never.code(), Code::NoPassphraseSet);
    let v = Vault::open_with_keyring(dir.path(), &keyring)?;
    assert_eq!(v.record("164301027146619")?.brand.as_deref(), Some("LADA"));
    drop(v);

    let no_pass = Vault::open(dir.path(), "что угодно длинное").expect_err("no passphrase yet");
    assert_eq!(no_pass.code(), Code::NoPassphraseSet);

    let mut v = Vault::open_with_keyring(dir.path(), &keyring)?;
    v.change_passphrase("фраза для другого компьютера", KDF)?;
    drop(v);
    keyring.forget(&id)?;
    let moved = Vault::open_with_keyring(dir.path(), &keyring).expect_err("key forgotten");
    assert_eq!(moved.code(), Code::KeyNotInKeyring);
    let v = Vault::open(dir.path(), "фраза для другого компьютера")?;
    assert_eq!(v.record("164301027146619")?.vin, "XTA21099843576182");
    drop(v);
    // Key gone from the keyring, passphrase set: the lock screen, then the passphrase.
    let locked = Vault::open_auto_with(dir.path(), || OsKeyring::with_service(&service), None)
        .expect_err("needs the passphrase");
    assert_eq!(locked.code(), Code::PassphraseNeeded);
    Vault::open_auto_with(
        dir.path(),
        || OsKeyring::with_service(&service),
        Some("фраза для другого компьютера"),
    )?;
    Ok(())
}

#[test]
fn without_a_keyring_a_passphrase_protects_the_vault() -> Result {
    let dir = tempfile::tempdir()?;
    let nothing = Vault::create_auto(dir.path(), KeyringPolicy::Never, None, KDF)
        .expect_err("neither keyring nor passphrase");
    assert_eq!(nothing.code(), Code::KeyringUnavailable);
    assert!(!Vault::exists(dir.path()), "nothing was written");

    Vault::create_auto(dir.path(), KeyringPolicy::Never, Some("длинная фраза"), KDF)?;
    assert_eq!(Vault::protection(dir.path())?, (false, true));
    Vault::open(dir.path(), "длинная фраза")?;

    // Opening never touches a keyring for a passphrase vault, whatever the policy.
    let untouched = || -> std::result::Result<OsKeyring, epts_core::vault::VaultError> {
        panic!("the keyring was asked for a passphrase vault")
    };
    let locked = Vault::open_auto_with(dir.path(), untouched, None).expect_err("locked");
    assert_eq!(locked.code(), Code::PassphraseNeeded);
    let wrong =
        Vault::open_auto(dir.path(), KeyringPolicy::Auto, Some("не та фраза")).expect_err("wrong");
    assert_eq!(wrong.code(), Code::WrongPassphrase);
    Vault::open_auto_with(dir.path(), untouched, Some("длинная фраза"))?;
    Ok(())
}
