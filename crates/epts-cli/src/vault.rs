//! `epts vault …`: the encrypted archive from the command line, for scripts and batch work.
//! Scripts never meet a prompt: the passphrase comes from `--passphrase-file` or
//! `EPTS_PASSPHRASE`.

use clap::{Args, Subcommand};
use epts_core::vault::{
    BackupReader, EptsRecord, Filter, KdfParams, KeyringPolicy, OsKeyring, Upsert, Vault,
    VaultError,
};
use epts_core::{Lang, Localized};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zeroize::Zeroizing;

#[derive(Debug, Args)]
pub struct Command {
    /// The vault folder (default: the OS's per-user data folder). Also EPTS_VAULT.
    #[arg(long, global = true, env = "EPTS_VAULT")]
    vault: Option<PathBuf>,
    /// A file whose first line is the passphrase.
    #[arg(long, global = true)]
    passphrase_file: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Keep the vault key in the OS keyring when one answers (auto), or never. Also EPTS_KEYRING.
    #[arg(long, global = true, env = "EPTS_KEYRING", default_value = "auto", value_parser = ["auto", "never"])]
    keyring: String,
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Create a new vault.
    Init,
    /// Check that the vault opens with the passphrase.
    Unlock,
    /// Put files into the vault, optionally attached to a vehicle.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        vin: Option<String>,
    },
    /// Fetch the user's ePTS records and extracts from the portal into the vault; only what
    /// changed since the last sync; an interrupted sync resumes. The session cookie
    /// (JSESSIONID) comes from EPTS_PORTAL_SESSION, else from the session the app kept after
    /// its login (OS keyring or this vault) — never from the command line.
    Sync {
        /// The portal's address. Also EPTS_PORTAL_URL.
        #[arg(long, env = "EPTS_PORTAL_URL")]
        portal: String,
    },
    /// List the documents.
    List {
        /// Include documents in the trash.
        #[arg(long)]
        trashed: bool,
    },
    /// Search ePTS records by number, VIN, plate, brand, model, owner.
    Search {
        #[arg(default_value = "")]
        query: String,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        year: Option<u16>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Show one ePTS record and its history.
    Show { epts_number: String },
    /// Write a document's bytes to a file.
    Export {
        id: i64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Decrypt every document and check every database page.
    Verify,
    /// Replace the passphrase (the new one from --new-passphrase-file or EPTS_NEW_PASSPHRASE).
    Passphrase {
        #[arg(long, env = "EPTS_NEW_PASSPHRASE_FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Write a one-file encrypted backup. Its passphrase: --backup-passphrase-file,
    /// EPTS_BACKUP_PASSPHRASE, or else the vault's own.
    Backup {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        backup_passphrase_file: Option<PathBuf>,
    },
    /// Restore a backup into a new vault at --vault (or only check it with --check).
    Restore {
        file: PathBuf,
        #[arg(long)]
        backup_passphrase_file: Option<PathBuf>,
        /// Decrypt and check every item without writing anything.
        #[arg(long)]
        check: bool,
    },
    /// Rotate the vault key (re-encrypting everything); finishes an interrupted rotation.
    Rekey,
    /// Add or update ePTS records from a JSON file (an array of records, or one per line).
    AddRecords { file: PathBuf },
    /// Fill a new, empty vault with synthetic records and extract PDFs, to try the app.
    Demo {
        #[arg(long, default_value_t = 1000)]
        records: u64,
        #[arg(long, default_value_t = 20)]
        pdfs: u64,
    },
    /// Rename a document.
    Rename { id: i64, name: String },
    /// Set a document's tags (replacing the old ones).
    Tag { id: i64, tags: Vec<String> },
    /// Move a document to the trash.
    Trash { id: i64 },
    /// Take a document back out of the trash.
    Untrash { id: i64 },
    /// Delete the documents in the trash for good.
    EmptyTrash,
}

/// Records from `text`: a JSON array, or one JSON record per line. Bounded: 64 MiB.
fn parse_records(text: &str) -> Result<Vec<EptsRecord>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        return serde_json::from_str(trimmed).map_err(|e| format!("JSON: {e}"));
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// The passphrase from `file` (its first line) or the `env` variable; `None` when neither
/// is given. An unreadable file is an error, not "no passphrase".
fn passphrase(file: Option<&Path>, env: &str) -> Result<Option<Zeroizing<String>>, String> {
    if let Some(path) = file {
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        );
        return Ok(Some(Zeroizing::new(
            text.lines().next().unwrap_or_default().to_owned(),
        )));
    }
    Ok(std::env::var(env).ok().map(Zeroizing::new))
}

fn no_passphrase(env: &str) -> Failure {
    Failure::Usage(format!(
        "no passphrase: use --passphrase-file FILE or set {env}"
    ))
}

enum Failure {
    Usage(String),
    Vault(VaultError),
    /// Refused with a reason in the user's words (the portal, its address, a sync).
    Refused(Box<dyn Localized>, String),
    /// The command did its work, but not all of it (a restore that lost items): exit 1.
    Incomplete,
}

/// A refusal with its reason for people and its technical detail for support.
fn refused<E: Localized + std::fmt::Display + 'static>(e: E) -> Failure {
    let detail = e.to_string();
    Failure::Refused(Box::new(e), detail)
}

impl From<VaultError> for Failure {
    fn from(e: VaultError) -> Self {
        Failure::Vault(e)
    }
}

#[derive(Serialize)]
struct JsonError {
    code: epts_core::Code,
    message: String,
    /// The technical cause, for a support request (paths and library messages, no secrets).
    detail: String,
}

pub fn run(cmd: Command, lang: Lang) -> ExitCode {
    let json = cmd.json;
    match execute(cmd, lang) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("epts: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Incomplete) => ExitCode::FAILURE,
        Err(Failure::Refused(e, detail)) => explain(e.as_ref(), &detail, json, lang),
        Err(Failure::Vault(e)) => explain(&e, &e.to_string(), json, lang),
    }
}

/// A failure in the user's words (JSON with `code`, `message`, `detail` for scripts): exit 1.
fn explain(e: &dyn Localized, detail: &str, json: bool, lang: Lang) -> ExitCode {
    if json {
        let error = JsonError {
            code: e.code(),
            message: e.message(lang),
            detail: detail.to_owned(),
        };
        println!("{}", serde_json::json!({ "error": error }));
    } else {
        eprintln!("{}", e.message(lang));
    }
    ExitCode::FAILURE
}

/// Where the app keeps its portal session: the keyring under the same `--keyring` /
/// `EPTS_KEYRING` choice as the vault key, else the vault.
fn keeper(policy: KeyringPolicy) -> epts_core::portal::SessionKeeper {
    use epts_core::portal::SessionKeeper;
    match policy {
        KeyringPolicy::Never => SessionKeeper::with_keyring(None),
        KeyringPolicy::Auto => SessionKeeper::open(),
    }
}

/// One sync run through the same [`Account`](epts_core::portal::Account) the app uses,
/// with progress on stderr (stdout stays the result).
fn sync(
    vault: &mut Vault,
    portal: &str,
    policy: KeyringPolicy,
    json: bool,
    lang: Lang,
) -> Result<epts_core::portal::SyncReport, Failure> {
    use epts_core::portal::{Account, AccountError, Me, PortalAddress, Session, SyncProgress};
    // The one rule for addresses: https unless on this computer, so a session never
    // crosses a network in clear text.
    let address = PortalAddress::parse(portal).map_err(refused)?;
    let account =
        Account::new(address, keeper(policy)).map_err(|e| refused(AccountError::from(e)))?;
    // The session from the environment (used, never kept), else the one the app kept.
    if let Ok(cookie) = std::env::var("EPTS_PORTAL_SESSION") {
        let session = Session::from_cookies([("JSESSIONID", cookie.trim())]);
        let user = Me {
            display_name: String::new(),
            kind: String::new(),
            account_status: String::new(),
            inn: None,
            ogrn: None,
        };
        account.use_session(session, user);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let progress = |p: SyncProgress| {
        if !json {
            eprint!(
                "\r{} {}/{}",
                lang.pick("Получено", "Fetched"),
                p.done,
                p.total
            );
        }
    };
    let target = std::sync::Mutex::new(vault);
    let result = runtime.block_on(account.sync_into(&target, &progress));
    if !json {
        eprintln!();
    }
    result.map_err(|e| match e {
        AccountError::NotLoggedIn => Failure::Usage(lang.pick(
            "нет сеанса портала: войдите в приложении («Портал» → «Войти через Госуслуги») или задайте EPTS_PORTAL_SESSION",
            "no portal session: log in in the app («Portal» → «Log in with Gosuslugi») or set EPTS_PORTAL_SESSION",
        ).into()),
        e => refused(e),
    })
}

fn print<T: Serialize>(json: bool, value: &T, human: impl FnOnce() -> String) {
    if json {
        match serde_json::to_string(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("epts: {e}"),
        }
    } else {
        print!("{}", human());
    }
}

fn execute(cmd: Command, lang: Lang) -> Result<(), Failure> {
    let dir = cmd
        .vault
        .clone()
        .or_else(Vault::default_dir)
        .ok_or_else(|| Failure::Usage("no vault folder: use --vault DIR".into()))?;
    let given =
        passphrase(cmd.passphrase_file.as_deref(), "EPTS_PASSPHRASE").map_err(Failure::Usage)?;
    let given = given.as_deref().map(|p| p.as_str());
    let policy = if cmd.keyring == "never" {
        KeyringPolicy::Never
    } else {
        KeyringPolicy::Auto
    };
    // The keyring first when the vault keeps its key there; the passphrase otherwise.
    let open = || -> Result<Vault, Failure> {
        match Vault::open_auto(&dir, policy, given) {
            Err(VaultError::PassphraseNeeded) => Err(no_passphrase("EPTS_PASSPHRASE")),
            other => Ok(other?),
        }
    };
    let ru = lang == Lang::Ru;
    match cmd.action {
        Action::Init => {
            let vault = Vault::create_auto(&dir, policy, given, KdfParams::default())?;
            let (in_keyring, with_passphrase) = Vault::protection(vault.dir())?;
            let json = serde_json::json!({ "created": dir, "keyring": in_keyring, "passphrase": with_passphrase });
            print(cmd.json, &json, || {
                let how = match (in_keyring, ru) {
                    (true, true) => "ключ в системном хранилище",
                    (false, true) => "защищён парольной фразой",
                    (true, false) => "key in the OS keyring",
                    (false, false) => "protected by a passphrase",
                };
                if ru {
                    format!("Архив создан: {} ({how})\n", dir.display())
                } else {
                    format!("Vault created: {} ({how})\n", dir.display())
                }
            });
        }
        Action::Sync { portal } => {
            let mut vault = open()?;
            let report = sync(&mut vault, &portal, policy, cmd.json, lang)?;
            print(cmd.json, &report, || {
                let failed = report.failed.len();
                if ru {
                    format!(
                        "Синхронизация: новых {}, изменённых {}, без изменений {}, выписок {}{}\n",
                        report.inserted,
                        report.updated,
                        report.unchanged,
                        report.extracts,
                        if failed > 0 {
                            format!(", не получено {failed}")
                        } else {
                            String::new()
                        }
                    )
                } else {
                    format!(
                        "Sync: {} new, {} changed, {} unchanged, {} extracts{}\n",
                        report.inserted,
                        report.updated,
                        report.unchanged,
                        report.extracts,
                        if failed > 0 {
                            format!(", {failed} not received")
                        } else {
                            String::new()
                        }
                    )
                }
            });
            if !report.failed.is_empty() {
                return Err(Failure::Incomplete);
            }
        }
        Action::Unlock => {
            open()?;
            print(cmd.json, &serde_json::json!({ "unlocked": true }), || {
                lang.pick(
                    "Архив открыт: ключ верен.\n",
                    "The vault opens: the key is right.\n",
                )
                .into()
            });
        }
        Action::Import { files, vin } => {
            let mut vault = open()?;
            // Files go in together, 64 at a time (one commit and one folder sync each).
            let mut imported = Vec::new();
            for chunk in files.chunks(64) {
                let paths: Vec<&Path> = chunk.iter().map(PathBuf::as_path).collect();
                imported.extend(vault.import_files(&paths, vin.as_deref())?);
            }
            print(cmd.json, &imported, || {
                imported
                    .iter()
                    .map(|d| format!("#{} {} ({}, {} B)\n", d.id, d.name, d.kind, d.bytes))
                    .collect()
            });
        }
        Action::List { trashed } => {
            let vault = open()?;
            let docs = vault.documents(trashed)?;
            print(cmd.json, &docs, || {
                docs.iter()
                    .map(|d| {
                        format!(
                            "#{} {} ({}, {} B){}{}\n",
                            d.id,
                            d.name,
                            d.kind,
                            d.bytes,
                            d.vin
                                .as_deref()
                                .map(|v| format!(" VIN {v}"))
                                .unwrap_or_default(),
                            if d.trashed {
                                lang.pick(" [в корзине]", " [trashed]")
                            } else {
                                ""
                            }
                        )
                    })
                    .collect()
            });
        }
        Action::Search {
            query,
            status,
            year,
            limit,
        } => {
            let vault = open()?;
            let found = vault.search(
                &query,
                &Filter {
                    status,
                    year,
                    has_restrictions: None,
                },
                limit,
            )?;
            print(cmd.json, &found, || {
                found
                    .iter()
                    .map(|r| {
                        format!(
                            "{}  {}  {}  {} {}  {}\n",
                            r.epts_number,
                            r.vin,
                            r.plate.as_deref().unwrap_or("—"),
                            r.brand.as_deref().unwrap_or(""),
                            r.model.as_deref().unwrap_or(""),
                            r.status
                        )
                    })
                    .collect()
            });
        }
        Action::Show { epts_number } => {
            let vault = open()?;
            let record = vault.record(&epts_number)?;
            let history = vault.history(&epts_number)?;
            print(
                cmd.json,
                &serde_json::json!({ "record": record, "history": history }),
                || {
                    format!(
                        "{}\n{}: {}\n",
                        serde_json::to_string_pretty(&record).unwrap_or_default(),
                        lang.pick("Прежних версий", "Earlier versions"),
                        history.len()
                    )
                },
            );
        }
        Action::Export { id, out } => {
            let vault = open()?;
            vault.export_document(id, &out)?;
            print(
                cmd.json,
                &serde_json::json!({ "exported": id, "out": out }),
                || format!("{}\n", out.display()),
            );
        }
        Action::Verify => {
            let vault = open()?;
            let report = vault.verify()?;
            let ok = report.is_ok();
            print(cmd.json, &report, || {
                let mut s = if ru {
                    format!(
                        "Проверено документов: {}; повреждено: {}; лишних файлов удалено: {}\n",
                        report.documents_checked,
                        report.damaged.len(),
                        report.orphans_removed
                    )
                } else {
                    format!(
                        "Documents checked: {}; damaged: {}; stray files removed: {}\n",
                        report.documents_checked,
                        report.damaged.len(),
                        report.orphans_removed
                    )
                };
                for d in &report.damaged {
                    s.push_str(&format!("  #{} {}\n", d.id, d.name));
                }
                for p in &report.database_problems {
                    s.push_str(&format!("  {p}\n"));
                }
                s
            });
            if !ok {
                let first = report.damaged.first();
                return Err(Failure::Vault(match first {
                    Some(d) => VaultError::Damaged {
                        id: d.id,
                        name: d.name.clone(),
                    },
                    None => VaultError::Database(report.database_problems.join("; ")),
                }));
            }
        }
        Action::Passphrase {
            new_passphrase_file,
        } => {
            let mut vault = open()?;
            let new = passphrase(new_passphrase_file.as_deref(), "EPTS_NEW_PASSPHRASE")
                .map_err(Failure::Usage)?
                .ok_or_else(|| no_passphrase("EPTS_NEW_PASSPHRASE"))?;
            vault.change_passphrase(&new, KdfParams::default())?;
            print(cmd.json, &serde_json::json!({ "changed": true }), || {
                lang.pick("Парольная фраза заменена.\n", "Passphrase replaced.\n")
                    .into()
            });
        }
        Action::Backup {
            out,
            backup_passphrase_file,
        } => {
            let vault = open()?;
            let pass = backup_passphrase(backup_passphrase_file.as_deref(), given)?;
            let summary = vault.backup(&out, &pass, KdfParams::default())?;
            print(cmd.json, &summary, || {
                if ru {
                    format!(
                        "Резервная копия: {} (записей: {}, документов: {}, {} байт)\n",
                        out.display(),
                        summary.records,
                        summary.documents,
                        summary.bytes
                    )
                } else {
                    format!(
                        "Backup: {} ({} records, {} documents, {} bytes)\n",
                        out.display(),
                        summary.records,
                        summary.documents,
                        summary.bytes
                    )
                }
            });
        }
        Action::Restore {
            file,
            backup_passphrase_file,
            check,
        } => {
            let pass = backup_passphrase(backup_passphrase_file.as_deref(), given)?;
            // The backup's passphrase is checked before a new vault is made.
            let reader = BackupReader::open(&file, &pass)?;
            let report = if check {
                reader.verify()?
            } else {
                let mut vault = Vault::create_auto(&dir, policy, given, KdfParams::default())?;
                reader.restore_into(&mut vault)?
            };
            let complete = report.is_complete();
            print(cmd.json, &report, || {
                let mut s = if ru {
                    format!(
                        "{}: записей {}, документов {}, записей журнала {}; утрачено: {}\n",
                        if check {
                            "Копия прочитана"
                        } else {
                            "Восстановлено"
                        },
                        report.records,
                        report.documents,
                        report.journal_entries,
                        report.lost.len()
                    )
                } else {
                    format!(
                        "{}: {} records, {} documents, {} journal entries; lost: {}\n",
                        if check { "Backup read" } else { "Restored" },
                        report.records,
                        report.documents,
                        report.journal_entries,
                        report.lost.len()
                    )
                };
                for item in &report.lost {
                    s.push_str(&format!("  {item}\n"));
                }
                s
            });
            if !complete {
                return Err(Failure::Incomplete);
            }
        }
        Action::Rekey => {
            let mut vault = open()?;
            let keyring = match vault.protected_by() {
                (true, _) => Some(OsKeyring::open()?),
                (false, _) => None,
            };
            let report = vault.rekey(given, keyring.as_ref())?;
            print(cmd.json, &report, || {
                if ru {
                    format!(
                        "Ключ архива заменён{}: документов перешифровано {}, поколение ключа {}\n",
                        if report.resumed {
                            " (прерванная замена завершена)"
                        } else {
                            ""
                        },
                        report.documents_resealed,
                        report.generation
                    )
                } else {
                    format!(
                        "Vault key rotated{}: {} documents re-encrypted, key generation {}\n",
                        if report.resumed {
                            " (an interrupted rotation finished)"
                        } else {
                            ""
                        },
                        report.documents_resealed,
                        report.generation
                    )
                }
            });
        }
        Action::AddRecords { file } => {
            let text = read_bounded(&file, 64 * 1024 * 1024).map_err(Failure::Usage)?;
            let records = parse_records(&text)
                .map_err(|e| Failure::Usage(format!("{}: {e}", file.display())))?;
            let mut vault = open()?;
            let (mut inserted, mut updated, mut unchanged) = (0, 0, 0);
            for record in records {
                match vault.upsert_record(record)? {
                    Upsert::Inserted => inserted += 1,
                    Upsert::Updated { .. } => updated += 1,
                    Upsert::Unchanged => unchanged += 1,
                }
            }
            let json = serde_json::json!({ "inserted": inserted, "updated": updated, "unchanged": unchanged });
            print(cmd.json, &json, || {
                if ru {
                    format!(
                        "Новых записей: {inserted}, обновлено: {updated}, без изменений: {unchanged}\n"
                    )
                } else {
                    format!("New records: {inserted}, updated: {updated}, unchanged: {unchanged}\n")
                }
            });
        }
        Action::Demo { records, pdfs } => {
            let mut vault = if Vault::exists(&dir) {
                open()?
            } else {
                Vault::create_auto(&dir, policy, given, KdfParams::default())?
            };
            if vault
                .search_page("", &Filter::default(), Default::default(), 0, 1)?
                .total
                > 0
                || !vault.documents(true)?.is_empty()
            {
                return Err(Failure::Usage(
                    lang.pick(
                        "демо-данные кладутся только в пустой архив; укажите новую папку --vault",
                        "demo data goes into an empty vault only; give a new --vault folder",
                    )
                    .into(),
                ));
            }
            for n in 0..records {
                vault.upsert_record(epts_synth::record(n))?;
            }
            for n in 0..pdfs.min(records) {
                let record = epts_synth::record(n);
                let pdf = epts_synth::extract_pdf(&record, 60_000);
                vault.import_bytes(
                    &format!("Выписка ЭПТС {}.pdf", record.epts_number),
                    &pdf,
                    Some(&record.vin),
                )?;
            }
            let json = serde_json::json!({ "records": records, "pdfs": pdfs.min(records) });
            print(cmd.json, &json, || {
                format!(
                    "{} {records}, PDF {}\n",
                    lang.pick("Демо-записей:", "Demo records:"),
                    pdfs.min(records)
                )
            });
        }
        Action::Rename { id, name } => {
            let doc = open()?.rename_document(id, &name)?;
            print(cmd.json, &doc, || format!("#{} {}\n", doc.id, doc.name));
        }
        Action::Tag { id, tags } => {
            let doc = open()?.set_document_tags(id, &tags)?;
            print(cmd.json, &doc, || {
                format!("#{} {}\n", doc.id, doc.tags.join(", "))
            });
        }
        Action::Trash { id } => {
            open()?.trash_document(id)?;
            print(cmd.json, &serde_json::json!({ "trashed": id }), || {
                format!("#{id}\n")
            });
        }
        Action::Untrash { id } => {
            open()?.restore_document(id)?;
            print(cmd.json, &serde_json::json!({ "restored": id }), || {
                format!("#{id}\n")
            });
        }
        Action::EmptyTrash => {
            let removed = open()?.empty_trash()?;
            print(cmd.json, &serde_json::json!({ "removed": removed }), || {
                format!(
                    "{} {removed}\n",
                    lang.pick("Удалено навсегда:", "Deleted for good:")
                )
            });
        }
    }
    Ok(())
}

/// The backup's passphrase: its own file or variable, else the vault's.
fn backup_passphrase(
    file: Option<&Path>,
    vault_passphrase: Option<&str>,
) -> Result<Zeroizing<String>, Failure> {
    match passphrase(file, "EPTS_BACKUP_PASSPHRASE").map_err(Failure::Usage)? {
        Some(p) => Ok(p),
        None => vault_passphrase
            .map(|p| Zeroizing::new(p.to_owned()))
            .ok_or_else(|| no_passphrase("EPTS_BACKUP_PASSPHRASE")),
    }
}

/// A text file, refused when larger than `limit` (before reading it).
fn read_bounded(path: &Path, limit: u64) -> Result<String, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if size > limit {
        return Err(format!("{}: larger than {limit} bytes", path.display()));
    }
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}
