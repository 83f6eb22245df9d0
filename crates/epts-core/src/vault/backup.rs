//! One-file encrypted backups, and restoring them into a new vault.
//!
//! Layout: `EPTSBAK1`, a length-prefixed JSON header (the backup's own random key wrapped
//! under a passphrase, as in `vault.json`), then frames:
//! `EPTSFRM1 | index u32 | kind u8 | length u32 | nonce (24) | ciphertext`.
//! Every frame is sealed on its own, with the backup's id, its index and its kind as
//! associated data, so a damaged byte costs only the frame it falls in: the reader skips to
//! the next frame marker and goes on. The last frame is a manifest naming every item, so a
//! restore can say exactly which records and documents it could not bring back.
//!
//! The file is written to a temporary name beside the target and renamed when complete:
//! a backup file that exists is a whole one.

use super::documents::{self, Restored};
use super::error::VaultError;
use super::keys::{PassphraseWrap, VaultKey, hex, random_bytes};
use super::records::{self, Archived, now};
use super::{KdfParams, MAX_DOCUMENT_BYTES, Vault};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;
use zeroize::Zeroizing;

const MAGIC: &[u8; 8] = b"EPTSBAK1";
const FRAME: &[u8; 8] = b"EPTSFRM1";
const FORMAT: u32 = 1;
const MAX_HEADER: u32 = 64 * 1024;
/// The largest frame a reader accepts: the largest document plus its metadata and tag.
const MAX_FRAME: u64 = MAX_DOCUMENT_BYTES + 1024 * 1024;
const NONCE_LEN: usize = 24;
/// Journal entries per frame.
const JOURNAL_CHUNK: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Record = 1,
    Document = 2,
    Journal = 3,
    Manifest = 255,
}

impl Kind {
    fn from_u8(b: u8) -> Option<Self> {
        match b {
            1 => Some(Kind::Record),
            2 => Some(Kind::Document),
            3 => Some(Kind::Journal),
            255 => Some(Kind::Manifest),
            _ => None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct BackupHeader {
    format: u32,
    backup_id: String,
    created_at: String,
    key: PassphraseWrap,
}

/// What the backup holds, item by item (inside the last frame, so encrypted too).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    /// (frame index, what it is) for every frame before the manifest.
    items: Vec<(u32, String)>,
}

#[derive(Debug, Serialize, Deserialize)]
struct JournalEntry {
    at: String,
    kind: String,
    detail: String,
}

/// What a backup run wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupSummary {
    pub records: usize,
    pub documents: usize,
    pub bytes: u64,
}

/// What reading a backup found (and, for a restore, brought back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreReport {
    pub records: usize,
    pub documents: usize,
    pub journal_entries: usize,
    /// Items that could not be read back, named as the manifest names them.
    pub lost: Vec<String>,
    /// False when the manifest itself is missing or damaged (the backup was cut short):
    /// then `lost` can only count damaged frames, not name every missing item.
    pub manifest_read: bool,
}

impl RestoreReport {
    pub fn is_complete(&self) -> bool {
        self.lost.is_empty() && self.manifest_read
    }
}

fn cipher(key: &VaultKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.subkey("backup").as_ref().into())
}

fn associated_data(backup_id: &str, index: u32, kind: u8) -> Vec<u8> {
    format!("epts-backup|{backup_id}|{index}|{kind}").into_bytes()
}

struct Writer<W: Write> {
    out: W,
    cipher: XChaCha20Poly1305,
    backup_id: String,
    index: u32,
    bytes: u64,
    manifest: Manifest,
}

impl<W: Write> Writer<W> {
    fn frame(&mut self, kind: Kind, label: String, plain: &[u8]) -> Result<(), VaultError> {
        let nonce = random_bytes::<NONCE_LEN>()?;
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &associated_data(&self.backup_id, self.index, kind as u8),
                },
            )
            .map_err(|_| VaultError::Invalid("encryption failed".into()))?;
        let len = u32::try_from(sealed.len())
            .map_err(|_| VaultError::Invalid("item too large for a backup".into()))?;
        let io = |e| VaultError::Invalid(format!("writing the backup: {e}"));
        self.out.write_all(FRAME).map_err(io)?;
        self.out.write_all(&self.index.to_le_bytes()).map_err(io)?;
        self.out.write_all(&[kind as u8]).map_err(io)?;
        self.out.write_all(&len.to_le_bytes()).map_err(io)?;
        self.out.write_all(&nonce).map_err(io)?;
        self.out.write_all(&sealed).map_err(io)?;
        self.bytes += (FRAME.len() + 9 + NONCE_LEN + sealed.len()) as u64;
        if kind != Kind::Manifest {
            self.manifest.items.push((self.index, label));
        }
        self.index += 1;
        Ok(())
    }
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, VaultError> {
    serde_json::to_vec(value).map_err(|e| VaultError::Invalid(e.to_string()))
}

/// Writes a backup of `vault` to `out`, protected by `passphrase`.
pub(crate) fn write(
    vault: &Vault,
    out: &Path,
    passphrase: &str,
    kdf: KdfParams,
) -> Result<BackupSummary, VaultError> {
    let key = VaultKey::random()?;
    let header = BackupHeader {
        format: FORMAT,
        backup_id: hex(&random_bytes::<16>()?),
        created_at: now(),
        key: PassphraseWrap::seal(&key, passphrase, kdf)?,
    };
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(VaultError::io(dir))?;
    let header_json = json(&header)?;
    let mut w = Writer {
        out: BufWriter::new(tmp.reopen().map_err(VaultError::io(dir))?),
        cipher: cipher(&key),
        backup_id: header.backup_id.clone(),
        index: 0,
        bytes: 0,
        manifest: Manifest::default(),
    };
    let io = VaultError::io(out);
    (|| {
        w.out.write_all(MAGIC)?;
        w.out.write_all(
            &u32::try_from(header_json.len())
                .unwrap_or(u32::MAX)
                .to_le_bytes(),
        )?;
        w.out.write_all(&header_json)
    })()
    .map_err(io)?;

    let mut summary = BackupSummary {
        records: 0,
        documents: 0,
        bytes: 0,
    };
    for number in records::epts_numbers(&vault.conn)? {
        let archived = records::archived(&vault.conn, &number)?;
        w.frame(Kind::Record, format!("ЭПТС {number}"), &json(&archived)?)?;
        summary.records += 1;
    }
    for (id, meta) in documents::for_backup(&vault.conn)? {
        // A document that cannot be read is reported, not silently left out.
        let bytes = vault.read_document(id)?;
        let meta_json = json(&meta)?;
        let mut plain = Zeroizing::new(Vec::with_capacity(4 + meta_json.len() + bytes.len()));
        plain.extend_from_slice(&u32::try_from(meta_json.len()).unwrap_or(0).to_le_bytes());
        plain.extend_from_slice(&meta_json);
        plain.extend_from_slice(&bytes);
        w.frame(
            Kind::Document,
            format!("документ №{id} «{}»", meta.name),
            &plain,
        )?;
        summary.documents += 1;
    }
    let journal: Vec<JournalEntry> = {
        let mut stmt = vault
            .conn
            .prepare("SELECT at, kind, detail FROM journal ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(JournalEntry {
                at: r.get(0)?,
                kind: r.get(1)?,
                detail: r.get(2)?,
            })
        })?;
        rows.collect::<Result<_, _>>()?
    };
    for (i, chunk) in journal.chunks(JOURNAL_CHUNK).enumerate() {
        w.frame(
            Kind::Journal,
            format!("журнал, часть {}", i + 1),
            &json(&chunk)?,
        )?;
    }
    let manifest = json(&w.manifest)?;
    w.frame(Kind::Manifest, String::new(), &manifest)?;
    summary.bytes = w.bytes + (MAGIC.len() + 4 + header_json.len()) as u64;
    let file = w
        .out
        .into_inner()
        .map_err(|e| VaultError::io(out)(e.into_error()))?;
    file.sync_all().map_err(VaultError::io(out))?;
    tmp.persist(out).map_err(|e| VaultError::io(out)(e.error))?;
    crate::fsutil::sync_dir(dir).map_err(VaultError::io(dir))?;
    Ok(summary)
}

/// A backup file whose passphrase has been checked, ready to be read frame by frame.
pub struct BackupReader {
    input: BufReader<std::fs::File>,
    cipher: XChaCha20Poly1305,
    backup_id: String,
    pub created_at: String,
}

impl std::fmt::Debug for BackupReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BackupReader({})", self.backup_id)
    }
}

/// One frame as read: its index and kind, and its plaintext or why there is none.
enum Frame {
    Good {
        index: u32,
        kind: Kind,
        plain: Zeroizing<Vec<u8>>,
    },
    Damaged,
}

fn bad(what: &str) -> VaultError {
    VaultError::BadBackup(what.to_owned())
}

impl BackupReader {
    /// Opens `path` and unwraps its key; a wrong passphrase fails here, before anything else.
    pub fn open(path: &Path, passphrase: &str) -> Result<Self, VaultError> {
        let file = std::fs::File::open(path).map_err(VaultError::io(path))?;
        let mut input = BufReader::new(file);
        let mut magic = [0u8; 8];
        input
            .read_exact(&mut magic)
            .map_err(|_| bad("not a backup"))?;
        if &magic != MAGIC {
            return Err(bad("not an ePTS Desktop backup"));
        }
        let mut len = [0u8; 4];
        input.read_exact(&mut len).map_err(|_| bad("header"))?;
        let len = u32::from_le_bytes(len);
        if len > MAX_HEADER {
            return Err(bad("header length"));
        }
        let mut header = vec![0u8; len as usize];
        input.read_exact(&mut header).map_err(|_| bad("header"))?;
        let header: BackupHeader =
            serde_json::from_slice(&header).map_err(|_| bad("header JSON"))?;
        if header.format > FORMAT {
            return Err(VaultError::TooNew(header.format));
        }
        // `unseal` bounds the Argon2id cost and the salt before deriving anything. Its
        // damaged-header error names vault.json; here the damaged file is the backup.
        let key = header.key.unseal(passphrase).map_err(|e| match e {
            VaultError::BadHeader(what) => VaultError::BadBackup(what),
            e => e,
        })?;
        Ok(Self {
            input,
            cipher: cipher(&key),
            backup_id: header.backup_id,
            created_at: header.created_at,
        })
    }

    /// Reads up to the next frame marker; false at the end of the file.
    fn seek_marker(&mut self) -> bool {
        let mut window = [0u8; 8];
        let mut filled = 0usize;
        let mut byte = [0u8; 1];
        while self.input.read_exact(&mut byte).is_ok() {
            if filled < 8 {
                window[filled] = byte[0];
                filled += 1;
            } else {
                window.copy_within(1.., 0);
                window[7] = byte[0];
            }
            if filled == 8 && &window == FRAME {
                return true;
            }
        }
        false
    }

    /// The next frame, or `None` at the end. Damage is a `Frame::Damaged`, never an error.
    fn next_frame(&mut self) -> Option<Frame> {
        if !self.seek_marker() {
            return None;
        }
        let mut head = [0u8; 9];
        if self.input.read_exact(&mut head).is_err() {
            return Some(Frame::Damaged);
        }
        let index = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let kind_byte = head[4];
        let len = u64::from(u32::from_le_bytes([head[5], head[6], head[7], head[8]]));
        let Some(kind) = Kind::from_u8(kind_byte) else {
            return Some(Frame::Damaged);
        };
        if len > MAX_FRAME {
            return Some(Frame::Damaged);
        }
        let mut nonce = [0u8; NONCE_LEN];
        if self.input.read_exact(&mut nonce).is_err() {
            return Some(Frame::Damaged);
        }
        // Grown with the bytes actually there: a damaged length field must not reserve
        // hundreds of megabytes for a file of a few bytes.
        let mut sealed = Vec::new();
        match (&mut self.input).take(len).read_to_end(&mut sealed) {
            Ok(n) if n as u64 == len => {}
            _ => return Some(Frame::Damaged),
        }
        match self.cipher.decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &sealed,
                aad: &associated_data(&self.backup_id, index, kind_byte),
            },
        ) {
            Ok(plain) => Some(Frame::Good {
                index,
                kind,
                plain: Zeroizing::new(plain),
            }),
            Err(_) => Some(Frame::Damaged),
        }
    }

    /// Reads every frame, handing each good item to `put`; names what was lost.
    fn read_all(
        mut self,
        mut put: impl FnMut(Kind, &[u8], &mut RestoreReport) -> Result<(), VaultError>,
    ) -> Result<RestoreReport, VaultError> {
        let mut report = RestoreReport::default();
        let mut seen = std::collections::HashSet::new();
        let mut damaged_frames = 0usize;
        let mut manifest: Option<Manifest> = None;
        while let Some(frame) = self.next_frame() {
            match frame {
                Frame::Damaged => damaged_frames += 1,
                Frame::Good {
                    kind: Kind::Manifest,
                    plain,
                    ..
                } => match serde_json::from_slice(&plain) {
                    Ok(m) => manifest = Some(m),
                    Err(_) => damaged_frames += 1,
                },
                Frame::Good { index, kind, plain } => {
                    if seen.insert(index) {
                        // An item that decrypts but cannot be put back counts as lost too.
                        if put(kind, &plain, &mut report).is_err() {
                            damaged_frames += 1;
                            seen.remove(&index);
                        }
                    }
                }
            }
        }
        match manifest {
            Some(m) => {
                report.manifest_read = true;
                report.lost = m
                    .items
                    .into_iter()
                    .filter(|(i, _)| !seen.contains(i))
                    .map(|(_, label)| label)
                    .collect();
            }
            None => {
                report.lost.push(format!(
                    "список содержимого копии (копия обрезана или повреждена; повреждённых частей: {damaged_frames})"
                ));
            }
        }
        Ok(report)
    }

    /// Decrypts and checks every item without writing anything.
    pub fn verify(self) -> Result<RestoreReport, VaultError> {
        self.read_all(|kind, plain, report| {
            match kind {
                Kind::Record => {
                    serde_json::from_slice::<Archived>(plain).map_err(|_| bad("record"))?;
                    report.records += 1;
                }
                Kind::Document => {
                    split_document(plain)?;
                    report.documents += 1;
                }
                Kind::Journal => {
                    let entries: Vec<JournalEntry> =
                        serde_json::from_slice(plain).map_err(|_| bad("journal"))?;
                    report.journal_entries += entries.len();
                }
                Kind::Manifest => {}
            }
            Ok(())
        })
    }

    /// Puts every readable item into `vault`, which must be empty (a new vault).
    pub fn restore_into(self, vault: &mut Vault) -> Result<RestoreReport, VaultError> {
        let used: i64 = vault.conn.query_row(
            "SELECT (SELECT count(*) FROM records) + (SELECT count(*) FROM documents)",
            [],
            |r| r.get(0),
        )?;
        if used > 0 {
            return Err(VaultError::Invalid(
                "a backup is restored into a new, empty archive".into(),
            ));
        }
        let report = self.read_all(|kind, plain, report| {
            match kind {
                Kind::Record => {
                    let a: Archived = serde_json::from_slice(plain).map_err(|_| bad("record"))?;
                    records::restore(&mut vault.conn, &a)?;
                    report.records += 1;
                }
                Kind::Document => {
                    let (meta, bytes) = split_document(plain)?;
                    documents::insert(&mut vault.conn, &vault.blobs, &meta, bytes)?;
                    report.documents += 1;
                }
                Kind::Journal => {
                    let entries: Vec<JournalEntry> =
                        serde_json::from_slice(plain).map_err(|_| bad("journal"))?;
                    let tx = vault.conn.transaction()?;
                    for e in &entries {
                        tx.execute(
                            "INSERT INTO journal (at, kind, detail) VALUES (?1, ?2, ?3)",
                            params![e.at, e.kind, e.detail],
                        )?;
                    }
                    tx.commit()?;
                    report.journal_entries += entries.len();
                }
                Kind::Manifest => {}
            }
            Ok(())
        })?;
        vault.conn.execute(
            "INSERT INTO journal (at, kind, detail) VALUES (?1, 'restored_from_backup', ?2)",
            params![now(), format!("{} lost", report.lost.len())],
        )?;
        Ok(report)
    }
}

fn split_document(plain: &[u8]) -> Result<(Restored, &[u8]), VaultError> {
    let (len, rest) = plain.split_at_checked(4).ok_or_else(|| bad("document"))?;
    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let (meta, bytes) = rest.split_at_checked(len).ok_or_else(|| bad("document"))?;
    let meta: Restored = serde_json::from_slice(meta).map_err(|_| bad("document"))?;
    Ok((meta, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_claiming_half_a_gigabyte_in_a_tiny_file_is_damaged_not_allocated()
    -> Result<(), Box<dyn std::error::Error>> {
        // Found with fuzz target backup_reader: a 9-byte frame head asked for a 512 MiB
        // buffer before a byte of it was read.
        let dir = tempfile::tempdir()?;
        let pass = "тёплый вечер у реки";
        let kdf = KdfParams::INSECURE_FOR_TESTS;
        let vault = Vault::create(&dir.path().join("v"), pass, kdf)?;
        let path = dir.path().join("b.eptsbak");
        vault.backup(&path, pass, kdf)?;
        let mut bytes = std::fs::read(&path)?;
        bytes.extend_from_slice(FRAME);
        bytes.extend_from_slice(&7u32.to_le_bytes());
        bytes.push(Kind::Document as u8);
        bytes.extend_from_slice(&(512u32 * 1024 * 1024).to_le_bytes());
        bytes.extend_from_slice(&[0u8; NONCE_LEN + 5]);
        std::fs::write(&path, &bytes)?;
        let mut reader = BackupReader::open(&path, pass)?;
        let mut frames = Vec::new();
        while let Some(f) = reader.next_frame() {
            frames.push(matches!(f, Frame::Good { .. }));
        }
        // The manifest, then the cut-short frame.
        assert_eq!(frames.last(), Some(&false));
        assert!(frames.iter().filter(|good| **good).count() >= 1);
        assert!(BackupReader::open(&path, pass)?.verify()?.is_complete());
        Ok(())
    }
}
