//! Document bytes, each in its own encrypted file with a random name (no content hash, so
//! equal files do not look equal). The blob's name is the AEAD's associated data, so a file
//! moved under another name fails to open.

use super::error::VaultError;
use super::keys::{hex, random_bytes};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const MAGIC: &[u8; 8] = b"EPTSBLB1";
const NONCE_LEN: usize = 24;

pub(crate) struct BlobStore {
    dir: PathBuf,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlobStore({})", self.dir.display())
    }
}

/// Why a blob could not be read back.
#[derive(Debug)]
pub(crate) enum BlobFault {
    Missing,
    Unauthentic,
    Io(std::io::Error),
}

impl BlobStore {
    pub(crate) fn new(dir: PathBuf, key: &Zeroizing<[u8; 32]>) -> Self {
        Self {
            dir,
            cipher: XChaCha20Poly1305::new(key.as_ref().into()),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.blob"))
    }

    /// Encrypts and stores `bytes`; returns the new blob's name.
    pub(crate) fn put(&self, bytes: &[u8]) -> Result<String, VaultError> {
        let name = self.put_unsynced(bytes)?;
        crate::fsutil::sync_dir(&self.dir).map_err(VaultError::io(&self.dir))?;
        Ok(name)
    }

    /// [`BlobStore::put`] without the folder sync; call [`BlobStore::sync`] before a row
    /// names the blob.
    pub(crate) fn put_unsynced(&self, bytes: &[u8]) -> Result<String, VaultError> {
        let name = hex(&random_bytes::<16>()?);
        let nonce = random_bytes::<NONCE_LEN>()?;
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: bytes,
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| VaultError::Invalid("encryption failed".into()))?;
        let mut file = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(&nonce);
        file.extend_from_slice(&sealed);
        // Straight under its final name, no temp file and rename: no row names the blob
        // until it is whole and synced, so a write cut short is an unlisted blob, which
        // `verify` removes like any orphan.
        let path = self.path(&name);
        let written = (|| {
            let mut out = std::fs::File::create_new(&path)?;
            std::io::Write::write_all(&mut out, &file)?;
            out.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&path);
            return Err(VaultError::io(&path)(e));
        }
        Ok(name)
    }

    /// Makes the blobs written so far durable (their names in the folder).
    pub(crate) fn sync(&self) -> Result<(), VaultError> {
        crate::fsutil::sync_dir(&self.dir).map_err(VaultError::io(&self.dir))
    }

    pub(crate) fn get(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, BlobFault> {
        let file = match std::fs::read(self.path(name)) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(BlobFault::Missing),
            Err(e) => return Err(BlobFault::Io(e)),
        };
        let header = MAGIC.len() + NONCE_LEN;
        if file.len() < header || &file[..MAGIC.len()] != MAGIC {
            return Err(BlobFault::Unauthentic);
        }
        let nonce = XNonce::from_slice(&file[MAGIC.len()..header]);
        self.cipher
            .decrypt(
                nonce,
                Payload {
                    msg: &file[header..],
                    aad: name.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| BlobFault::Unauthentic)
    }

    pub(crate) fn remove(&self, name: &str) -> Result<(), VaultError> {
        let path = self.path(name);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(VaultError::io(path)(e)),
        }
    }

    /// Names of every blob file present (to find orphans left by a crash).
    pub(crate) fn names(&self) -> Result<Vec<String>, VaultError> {
        let entries = std::fs::read_dir(&self.dir).map_err(VaultError::io(&self.dir))?;
        Ok(entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".blob").map(str::to_owned)
            })
            .collect())
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes temporary files a killed write left behind (ciphertext, never plaintext);
    /// the caller holds the write lock, so no write is under way. Returns how many.
    pub(crate) fn remove_leftovers(&self) -> Result<usize, VaultError> {
        let entries = std::fs::read_dir(&self.dir).map_err(VaultError::io(&self.dir))?;
        let mut removed = 0;
        for entry in entries.filter_map(Result::ok) {
            if entry.file_name().to_string_lossy().starts_with(".tmp") {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(VaultError::io(&path))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The blob stores of an open vault: the current key's, and during a key rotation the next
/// key's. Each document row says which generation sealed its blob.
#[derive(Debug)]
pub(crate) struct Blobs {
    pub(crate) current: BlobStore,
    pub(crate) generation: u32,
    pub(crate) next: Option<(u32, BlobStore)>,
}

impl Blobs {
    /// The store that opens blobs of `generation`, if this vault has its key.
    pub(crate) fn for_generation(&self, generation: u32) -> Option<&BlobStore> {
        match &self.next {
            Some((g, store)) if *g == generation => Some(store),
            _ if generation == self.generation => Some(&self.current),
            _ => None,
        }
    }

    /// Where new blobs go: under the next key while a rotation is under way, so that they
    /// never need rotating themselves.
    pub(crate) fn writer(&self) -> (u32, &BlobStore) {
        match &self.next {
            Some((g, store)) => (*g, store),
            None => (self.generation, &self.current),
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        self.current.dir()
    }
}
