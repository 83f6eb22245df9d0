//! The vault key and its header: a random 256-bit key, wrapped under a passphrase with
//! Argon2id + XChaCha20-Poly1305. The header's parameters are the AEAD's associated data,
//! so a header edited to weaken them fails to open instead of opening weakly.

use super::error::VaultError;
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// The format of the vault on disk; a newer one is refused, not misread.
pub const FORMAT: u32 = 1;
const MIN_PASSPHRASE_CHARS: usize = 8;

/// The vault's master key. Zeroed when dropped; never printed.
#[derive(Clone)]
pub struct VaultKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey(redacted)")
    }
}

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| VaultError::Invalid(format!("no OS randomness: {e}")))?;
    Ok(buf)
}

impl VaultKey {
    pub fn random() -> Result<Self, VaultError> {
        Ok(Self(Zeroizing::new(random_bytes::<32>()?)))
    }

    /// A key for one purpose (database, blobs), so one leaked subkey reveals nothing else.
    pub(crate) fn subkey(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let hk = Hkdf::<Sha256>::new(Some(b"epts-vault v1"), self.0.as_ref());
        let mut out = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's limit, so expand cannot fail.
        let _ = hk.expand(purpose.as_bytes(), out.as_mut());
        out
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| VaultError::BadHeader("key length".into()))?;
        Ok(Self(Zeroizing::new(arr)))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Argon2id cost. Defaults follow OWASP's guidance for interactive logins on desktops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        Self {
            m_kib: 64 * 1024,
            t: 3,
            p: 1,
        }
    }
}

impl KdfParams {
    /// Cheap parameters for tests only: never the default, never chosen by a user.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    /// The most a header may ask for (1 GiB, 10 passes, 16 lanes: well above the default).
    /// The parameters are authenticated only by the key they derive, so without a cap a
    /// crafted file could make opening it cost gigabytes and minutes.
    pub const MAX: KdfParams = KdfParams {
        m_kib: 1024 * 1024,
        t: 10,
        p: 16,
    };

    /// Whether a header asking for these may be tried at all.
    pub fn within_limits(&self) -> bool {
        self.m_kib <= Self::MAX.m_kib && self.t <= Self::MAX.t && self.p <= Self::MAX.p
    }
}

/// The salt lengths accepted in a header: Argon2 wants at least 16 bytes; more than 64 is
/// no safer and only something the app never writes.
const SALT_LEN: std::ops::RangeInclusive<usize> = 16..=64;

/// The vault key wrapped under a passphrase.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PassphraseWrap {
    pub format: u32,
    pub kdf: KdfParams,
    salt: String,
    nonce: String,
    wrapped_key: String,
}

/// Lower-case hex, for ids, names and the raw database key.
pub(crate) fn hex(bytes: &[u8]) -> String {
    // Sized up front: growing would leave unwiped copies of a key's hex behind.
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    out
}

/// Appends `bytes` in lower-case hex, so a secret can be written straight into a buffer
/// the caller sized (and wipes) without an intermediate copy.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

pub(crate) fn unhex(s: &str) -> Result<Vec<u8>, VaultError> {
    if !s.len().is_multiple_of(2) || s.len() > 4096 {
        return Err(VaultError::BadHeader("hex length".into()));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| VaultError::BadHeader("hex".into()))
        })
        .collect()
}

/// The only way to Argon2id: every derivation, sealing or unsealing, passes the header
/// checks first, so no path can run a cost a file chose before it is bounded.
fn kek(passphrase: &str, salt: &[u8], kdf: KdfParams) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    if !kdf.within_limits() {
        return Err(VaultError::KdfTooCostly {
            m_kib: kdf.m_kib,
            t: kdf.t,
            p: kdf.p,
        });
    }
    if !SALT_LEN.contains(&salt.len()) {
        return Err(VaultError::BadHeader("salt length".into()));
    }
    let params = Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32))
        .map_err(|e| VaultError::BadHeader(format!("argon2 parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|e| VaultError::BadHeader(format!("argon2: {e}")))?;
    Ok(out)
}

impl PassphraseWrap {
    fn associated_data(format: u32, kdf: KdfParams, salt: &str) -> Vec<u8> {
        format!(
            "epts-vault|{format}|argon2id|{}|{}|{}|{salt}",
            kdf.m_kib, kdf.t, kdf.p
        )
        .into_bytes()
    }

    /// Wraps `key` under `passphrase`.
    pub fn seal(key: &VaultKey, passphrase: &str, kdf: KdfParams) -> Result<Self, VaultError> {
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(VaultError::WeakPassphrase);
        }
        let salt = random_bytes::<16>()?;
        let nonce = random_bytes::<24>()?;
        let salt_hex = hex(&salt);
        let kek = kek(passphrase, &salt, kdf)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let aad = Self::associated_data(FORMAT, kdf, &salt_hex);
        let mut wrapped = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Invalid("key wrapping failed".into()))?;
        let header = PassphraseWrap {
            format: FORMAT,
            kdf,
            salt: salt_hex,
            nonce: hex(&nonce),
            wrapped_key: hex(&wrapped),
        };
        wrapped.zeroize();
        Ok(header)
    }

    /// Recovers the key; a wrong passphrase and an edited header both fail authentication.
    pub fn unseal(&self, passphrase: &str) -> Result<VaultKey, VaultError> {
        if self.format > FORMAT {
            return Err(VaultError::TooNew(self.format));
        }
        // The cost and the salt are bounded in `kek`, before any work.
        let salt = unhex(&self.salt)?;
        let nonce = unhex(&self.nonce)?;
        if nonce.len() != 24 {
            return Err(VaultError::BadHeader("nonce length".into()));
        }
        let wrapped = unhex(&self.wrapped_key)?;
        let kek = kek(passphrase, &salt, self.kdf)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let aad = Self::associated_data(self.format, self.kdf, &self.salt);
        let key = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &wrapped,
                        aad: &aad,
                    },
                )
                .map_err(|_| VaultError::WrongPassphrase)?,
        );
        VaultKey::from_bytes(&key)
    }
}

/// `vault.json`: which vault this is and how its key can be recovered — from the OS
/// keyring, from a passphrase, or both.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    /// A random id: the vault's name in the OS keyring.
    pub vault_id: String,
    /// The key is kept in the OS keyring under `vault_id`.
    #[serde(default)]
    pub keyring: bool,
    #[serde(default)]
    pub passphrase: Option<PassphraseWrap>,
    /// How many times the key was rotated; each document records the generation its blob
    /// was sealed under, so a rotation can stop anywhere and go on later.
    #[serde(default)]
    pub generation: u32,
    /// A key rotation under way: the next key, sealed under the current one (so whoever can
    /// open the vault can finish the rotation, and a crash never loses the new key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekey: Option<SealedKey>,
}

/// The next vault key, sealed under the current one while a rotation is under way.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SealedKey {
    pub generation: u32,
    nonce: String,
    wrapped_key: String,
}

impl SealedKey {
    fn associated_data(vault_id: &str, generation: u32) -> Vec<u8> {
        format!("epts-rekey|{vault_id}|{generation}").into_bytes()
    }

    pub(crate) fn seal(
        next: &VaultKey,
        under: &VaultKey,
        vault_id: &str,
        generation: u32,
    ) -> Result<Self, VaultError> {
        let nonce = random_bytes::<24>()?;
        let cipher = XChaCha20Poly1305::new(under.subkey("rekey").as_ref().into());
        let mut wrapped = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: next.bytes(),
                    aad: &Self::associated_data(vault_id, generation),
                },
            )
            .map_err(|_| VaultError::Invalid("key wrapping failed".into()))?;
        let sealed = Self {
            generation,
            nonce: hex(&nonce),
            wrapped_key: hex(&wrapped),
        };
        wrapped.zeroize();
        Ok(sealed)
    }

    pub(crate) fn unseal(&self, under: &VaultKey, vault_id: &str) -> Result<VaultKey, VaultError> {
        let nonce = unhex(&self.nonce)?;
        if nonce.len() != 24 {
            return Err(VaultError::BadHeader("nonce length".into()));
        }
        let cipher = XChaCha20Poly1305::new(under.subkey("rekey").as_ref().into());
        let key = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &unhex(&self.wrapped_key)?,
                        aad: &Self::associated_data(vault_id, self.generation),
                    },
                )
                .map_err(|_| VaultError::BadHeader("the pending key rotation".into()))?,
        );
        VaultKey::from_bytes(&key)
    }
}

impl Header {
    pub fn new(keyring: bool, passphrase: Option<PassphraseWrap>) -> Result<Self, VaultError> {
        Ok(Self {
            format: FORMAT,
            vault_id: hex(&random_bytes::<16>()?),
            keyring,
            passphrase,
            generation: 0,
            rekey: None,
        })
    }

    /// The keyring account holding the key of `generation` (the first keeps the bare id, so
    /// vaults made before rotation existed keep opening).
    pub fn keyring_account(&self, generation: u32) -> String {
        if generation == 0 {
            self.vault_id.clone()
        } else {
            format!("{}.{generation}", self.vault_id)
        }
    }

    pub fn to_json(&self) -> Result<Vec<u8>, VaultError> {
        serde_json::to_vec_pretty(self).map_err(|e| VaultError::BadHeader(e.to_string()))
    }

    /// Parses `vault.json`, refusing anything oversized before reading it as JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, VaultError> {
        if bytes.len() > 64 * 1024 {
            return Err(VaultError::BadHeader("too large".into()));
        }
        let header: Self =
            serde_json::from_slice(bytes).map_err(|e| VaultError::BadHeader(e.to_string()))?;
        if header.format > FORMAT {
            return Err(VaultError::TooNew(header.format));
        }
        Ok(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASS: &str = "correct horse battery";

    #[test]
    fn the_right_passphrase_recovers_the_key_and_a_wrong_one_does_not() -> Result<(), VaultError> {
        let key = VaultKey::random()?;
        let header = Header::new(
            false,
            Some(PassphraseWrap::seal(
                &key,
                PASS,
                KdfParams::INSECURE_FOR_TESTS,
            )?),
        )?;
        let back = Header::from_json(&header.to_json()?)?
            .passphrase
            .ok_or(VaultError::WrongPassphrase)?
            .unseal(PASS)?;
        assert_eq!(back.bytes(), key.bytes());
        let wrap = header.passphrase.ok_or(VaultError::WrongPassphrase)?;
        assert!(matches!(
            wrap.unseal("correct horse battery!"),
            Err(VaultError::WrongPassphrase)
        ));
        Ok(())
    }

    #[test]
    fn a_header_edited_to_cheaper_parameters_does_not_open() -> Result<(), VaultError> {
        let key = VaultKey::random()?;
        let mut header = PassphraseWrap::seal(
            &key,
            PASS,
            KdfParams {
                m_kib: 128,
                t: 2,
                p: 1,
            },
        )?;
        header.kdf.t = 1;
        assert!(matches!(
            header.unseal(PASS),
            Err(VaultError::WrongPassphrase)
        ));
        Ok(())
    }

    #[test]
    fn short_passphrases_are_refused_and_keys_never_print() -> Result<(), VaultError> {
        let key = VaultKey::random()?;
        assert!(matches!(
            PassphraseWrap::seal(&key, "short", KdfParams::INSECURE_FOR_TESTS),
            Err(VaultError::WeakPassphrase)
        ));
        assert_eq!(format!("{key:?}"), "VaultKey(redacted)");
        assert_ne!(key.subkey("db").as_ref(), key.subkey("blobs").as_ref());
        Ok(())
    }

    /// A genuine wrap with its cost or salt replaced, as an edited file would carry it.
    fn edited(kdf: KdfParams, salt_bytes: usize) -> Result<PassphraseWrap, VaultError> {
        let mut wrap =
            PassphraseWrap::seal(&VaultKey::random()?, PASS, KdfParams::INSECURE_FOR_TESTS)?;
        wrap.kdf = kdf;
        wrap.salt = hex(&vec![7u8; salt_bytes]);
        Ok(wrap)
    }

    #[test]
    fn a_header_over_any_cost_cap_is_refused_before_the_key_derivation() -> Result<(), VaultError> {
        // Each of these would need gigabytes or minutes if derived; refusing them names the
        // cost, which only the check before Argon2id does (a derivation ends in a wrong
        // passphrase, the parameters being authenticated).
        let cheap = KdfParams::INSECURE_FOR_TESTS;
        for kdf in [
            KdfParams {
                m_kib: 4 * 1024 * 1024,
                ..cheap
            },
            KdfParams {
                m_kib: KdfParams::MAX.m_kib + 1,
                ..cheap
            },
            KdfParams { t: 11, ..cheap },
            KdfParams {
                p: 17,
                m_kib: 17 * 8,
                ..cheap
            },
            KdfParams {
                m_kib: u32::MAX,
                t: u32::MAX,
                p: u32::MAX,
            },
        ] {
            assert!(
                matches!(
                    edited(kdf, 16)?.unseal(PASS),
                    Err(VaultError::KdfTooCostly { .. })
                ),
                "{kdf:?}"
            );
            // Nor is a file asking for it ever written.
            assert!(matches!(
                PassphraseWrap::seal(&VaultKey::random()?, PASS, kdf),
                Err(VaultError::KdfTooCostly { .. })
            ));
        }
        assert!(KdfParams::MAX.within_limits() && KdfParams::default().within_limits());
        Ok(())
    }

    #[test]
    fn a_salt_of_an_odd_length_is_refused() -> Result<(), VaultError> {
        for bytes in [0, 8, 15, 65, 1024] {
            let wrap = edited(KdfParams::INSECURE_FOR_TESTS, bytes)?;
            assert!(
                matches!(wrap.unseal(PASS), Err(VaultError::BadHeader(_))),
                "{bytes} bytes"
            );
        }
        // Within the bounds, a changed salt is merely a wrong key.
        let wrap = edited(KdfParams::INSECURE_FOR_TESTS, 64)?;
        assert!(matches!(
            wrap.unseal(PASS),
            Err(VaultError::WrongPassphrase)
        ));
        Ok(())
    }

    #[test]
    fn hex_is_lower_case_and_round_trips() -> Result<(), VaultError> {
        let bytes = [0x00, 0x0f, 0xa5, 0xff];
        assert_eq!(hex(&bytes), "000fa5ff");
        assert_eq!(unhex(&hex(&bytes))?, bytes);
        Ok(())
    }

    #[test]
    fn garbage_headers_give_an_error_not_a_panic() {
        for bytes in [&b""[..], b"{}", b"{\"format\":1}", &[0xff; 10]] {
            assert!(Header::from_json(bytes).is_err());
        }
        let h = PassphraseWrap {
            format: 1,
            kdf: KdfParams::INSECURE_FOR_TESTS,
            salt: "zz".into(),
            nonce: "00".into(),
            wrapped_key: "0".into(),
        };
        assert!(matches!(h.unseal(PASS), Err(VaultError::BadHeader(_))));
    }
}
