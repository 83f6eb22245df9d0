//! `epts vault …`: the encrypted archive from the command line, for scripts and batch work.
//! Scripts never meet a prompt: the passphrase comes from `--passphrase-file` or
//! `EPTS_PASSPHRASE`.

use clap::{Args, Subcommand};
use epts_core::vault::{Filter, KdfParams, KeyringPolicy, Vault, VaultError};
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
}

impl From<VaultError> for Failure {
    fn from(e: VaultError) -> Self {
        Failure::Vault(e)
    }
}

#[derive(Serialize)]
struct JsonError<'a> {
    code: &'a str,
    message: String,
}

pub fn run(cmd: Command, lang: Lang) -> ExitCode {
    let json = cmd.json;
    match execute(cmd, lang) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("epts: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Vault(e)) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "error": JsonError { code: e.code(), message: e.message(lang) } })
                );
            } else {
                eprintln!("{}", e.message(lang));
            }
            ExitCode::FAILURE
        }
    }
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
            let mut imported = Vec::new();
            for file in &files {
                imported.push(vault.import_file(file, vin.as_deref())?);
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
    }
    Ok(())
}
