//! Sync: the user's ePTS records and their extracts from the portal into the vault,
//! incrementally (only what changed since the last complete sync), with progress and
//! cancellation, and resumable: the list of records still to fetch lives in the vault, so a
//! sync cut short by a crash, a lost connection or «Остановить» goes on where it stopped.

use super::{Portal, PortalError, Session};
use crate::Code;
use crate::ids::EptsNumber;
use crate::lang::{Lang, Localized};
use crate::vault::{EptsRecord, Upsert, Vault, VaultError};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};

/// Records a list page asks for (the portal clamps to 1..100).
const PAGE: usize = 100;
/// No account holds more ePTS than this (a large dealership holds thousands): a total
/// above it is a portal gone wrong, not a list to page through.
const MAX_RECORDS: usize = 1_000_000;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Portal(#[from] PortalError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The archive was locked while the sync ran; what was stored stays, the rest resumes.
    #[error("the archive is locked")]
    ArchiveLocked,
}

/// The archive as the portal's work reaches it: open or locked, and shared with others
/// meanwhile (the app's open archive). Work holds the vault for one step at a time — never
/// across a network call — so the archive stays usable (and lockable) while a sync runs.
pub trait VaultSlot: Sync {
    /// Runs `f` with the open vault, or with `None` while the archive is locked.
    fn with_open_vault<T>(&self, f: impl FnOnce(Option<&mut Vault>) -> T) -> T;

    /// Runs `f` with the open vault; a locked archive stops the work.
    fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, VaultError>,
    ) -> Result<T, SyncError> {
        self.with_open_vault(|vault| match vault {
            Some(vault) => Ok(f(vault)?),
            None => Err(SyncError::ArchiveLocked),
        })
    }

    fn is_open(&self) -> bool {
        self.with_open_vault(|vault| vault.is_some())
    }
}

impl VaultSlot for std::sync::Mutex<&mut Vault> {
    fn with_open_vault<T>(&self, f: impl FnOnce(Option<&mut Vault>) -> T) -> T {
        let mut guard = self.lock().unwrap_or_else(|p| p.into_inner());
        f(Some(&mut **guard))
    }
}

impl Localized for SyncError {
    fn code(&self) -> Code {
        match self {
            SyncError::Portal(e) => e.code(),
            SyncError::Vault(e) => e.code(),
            SyncError::ArchiveLocked => Code::ArchiveLocked,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            SyncError::Portal(e) => e.message(lang),
            SyncError::Vault(e) => e.message(lang),
            SyncError::ArchiveLocked => lang
                .pick(
                    "Архив заперт, и загрузка остановилась. Откройте архив и нажмите «Обновить» — загрузка продолжится с того же места.",
                    "The archive got locked and the sync stopped. Open the archive and press «Update»: it goes on where it stopped.",
                )
                .to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SyncPhase {
    /// Reading the list of what changed.
    Listing,
    /// Fetching records and their extracts.
    Records,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub done: usize,
    pub total: usize,
}

/// A record the portal listed but would not give (the rest of the sync went on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncFailure {
    pub epts_number: String,
    pub code: Code,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    /// Records this run had to look at (listed now, or left from an interrupted run).
    pub to_fetch: usize,
    /// Of those, left over from an interrupted run.
    pub resumed: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub extracts: usize,
    pub failed: Vec<SyncFailure>,
    pub cancelled: bool,
}

fn text(map: &serde_json::Map<String, serde_json::Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `2024-03-12` → `12.03.2024` (the archive's date form); anything else is kept as it came.
fn russian_date(iso: &str) -> String {
    match iso
        .get(..10)
        .map(|d| d.split('-').collect::<Vec<_>>())
        .as_deref()
    {
        Some([y, m, d]) if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}.{m}.{y}"),
        _ => iso.to_owned(),
    }
}

/// The archive's record from the portal's element names; every field it does not map is
/// kept in `extra` as it came.
pub fn record_from_portal(detail: &serde_json::Map<String, serde_json::Value>) -> EptsRecord {
    const MAPPED: [&str; 10] = [
        "vehicleEPassportId",
        "vehicleIdentityNumberId",
        "plate",
        "documentStatus",
        "docCreationDate",
        "vehicleMakeName",
        "vehicleCommercialName",
        "manufactureYear",
        "businessEntityName",
        "updatedAt",
    ];
    let plate = text(detail, "plate");
    // The last two or three digits of a Russian plate are its region.
    let region = plate.as_deref().and_then(|p| {
        let digits: String = p.chars().rev().take_while(char::is_ascii_digit).collect();
        (digits.len() >= 2 && p.chars().count() > digits.len() + 3)
            .then(|| digits.chars().rev().collect::<String>())
    });
    let restrictions = text(detail, "restrictionsText").is_some_and(|r| {
        !matches!(
            r.to_lowercase().as_str(),
            "отсутствуют" | "нет" | "не имеются"
        )
    });
    EptsRecord {
        epts_number: text(detail, "vehicleEPassportId").unwrap_or_default(),
        vin: text(detail, "vehicleIdentityNumberId").unwrap_or_default(),
        plate,
        status: text(detail, "documentStatus").unwrap_or_else(|| "Неизвестен".into()),
        issue_date: text(detail, "docCreationDate").map(|d| russian_date(&d)),
        brand: text(detail, "vehicleMakeName"),
        model: text(detail, "vehicleCommercialName"),
        year: detail
            .get("manufactureYear")
            .and_then(serde_json::Value::as_u64)
            .and_then(|y| u16::try_from(y).ok()),
        owner: text(detail, "businessEntityName"),
        region,
        has_restrictions: restrictions,
        extra: detail
            .iter()
            .filter(|(k, _)| !MAPPED.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

fn extract_name(number: &str) -> String {
    format!("vypiska_epts_{number}.pdf")
}

/// Failures that end the run (the rest stay pending for the next one): nothing more can be
/// fetched until the connection, the portal or the session is back.
fn ends_the_run(e: &PortalError) -> bool {
    !matches!(
        e,
        PortalError::NotFound | PortalError::Forbidden | PortalError::BadResponse { .. }
    )
}

/// Syncs the records of `session`'s user from `portal` into `vault`. `portal_key` names the
/// portal in the vault (its address), so two portals keep two cursors.
pub async fn sync<P: Portal>(
    portal: &P,
    portal_key: &str,
    session: &Session,
    vault: &mut Vault,
    progress: &(dyn Fn(SyncProgress) + Sync),
    cancel: &AtomicBool,
) -> Result<SyncReport, SyncError> {
    let target = std::sync::Mutex::new(vault);
    sync_into(portal, portal_key, session, &target, progress, cancel).await
}

/// [`sync`] into a vault that others use meanwhile (the app's open archive).
pub async fn sync_into<P: Portal, T: VaultSlot>(
    portal: &P,
    portal_key: &str,
    session: &Session,
    target: &T,
    progress: &(dyn Fn(SyncProgress) + Sync),
    cancel: &AtomicBool,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let mut pending = target.with_vault(|v| v.sync_pending(portal_key))?;
    report.resumed = pending.len();
    if pending.is_empty() {
        let (cursor, _) = target.with_vault(|v| v.sync_state(portal_key))?;
        let mut numbers: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut announced = None;
        let mut next_cursor = None;
        let mut page = 0;
        loop {
            if cancel.load(Ordering::Relaxed) {
                report.cancelled = true;
                return Ok(report);
            }
            let answer = portal.list(session, page, PAGE, cursor.as_deref()).await?;
            // The first page's clock: a change made while we page through gets a later time.
            if next_cursor.is_none() {
                next_cursor = answer.server_time.clone();
            }
            // The first page's total bounds the paging: a portal cannot keep us listing.
            let total = *announced.get_or_insert(answer.total);
            if total > MAX_RECORDS {
                return Err(PortalError::ListInconsistent {
                    announced: total,
                    got: 0,
                }
                .into());
            }
            let mut new = 0;
            for item in answer.items {
                let number = EptsNumber::parse(&item.vehicle_e_passport_id).map_err(|_| {
                    PortalError::BadResponse {
                        detail: "a listed ePTS number is not well-formed".into(),
                    }
                })?;
                if seen.insert(number.as_str().to_owned()) {
                    numbers.push(number.as_str().to_owned());
                    new += 1;
                }
            }
            progress(SyncProgress {
                phase: SyncPhase::Listing,
                done: numbers.len().min(total),
                total,
            });
            if numbers.len() >= total {
                break;
            }
            // A page with nothing new before the total is reached: the list repeats itself
            // or the total lies. Nothing has been written yet; the next sync starts over.
            if new == 0 {
                return Err(PortalError::ListInconsistent {
                    announced: total,
                    got: numbers.len(),
                }
                .into());
            }
            page += 1;
        }
        let next_cursor = next_cursor.unwrap_or_default();
        target.with_vault(|v| v.sync_begin(portal_key, &next_cursor, &numbers))?;
        pending = numbers;
    }
    report.to_fetch = pending.len();
    for (i, number) in pending.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            return Ok(report);
        }
        match fetch_one(portal, session, target, number).await {
            Ok((upsert, extract)) => {
                match upsert {
                    Upsert::Inserted => report.inserted += 1,
                    Upsert::Updated { .. } => report.updated += 1,
                    Upsert::Unchanged => report.unchanged += 1,
                }
                report.extracts += usize::from(extract);
            }
            Err(SyncError::Portal(e)) if !ends_the_run(&e) => report.failed.push(SyncFailure {
                epts_number: number.clone(),
                code: e.code(),
                message: e.message(Lang::Ru),
            }),
            Err(e) => return Err(e),
        }
        target.with_vault(|v| v.sync_done(portal_key, number))?;
        progress(SyncProgress {
            phase: SyncPhase::Records,
            done: i + 1,
            total: pending.len(),
        });
    }
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    target.with_vault(|v| v.sync_finish(portal_key, &now))?;
    Ok(report)
}

/// One record and, when it is new or changed (or its extract is missing), its extract.
async fn fetch_one<P: Portal, T: VaultSlot>(
    portal: &P,
    session: &Session,
    target: &T,
    number: &str,
) -> Result<(Upsert, bool), SyncError> {
    let detail = portal.detail(session, number).await?;
    let record = record_from_portal(&detail);
    // A record under another number would overwrite the wrong vehicle's history.
    if record.epts_number != number {
        return Err(PortalError::WrongRecord {
            asked: number.to_owned(),
            got: record.epts_number.chars().take(32).collect(),
        }
        .into());
    }
    let vin = record.vin.clone();
    let name = extract_name(number);
    let (upsert, existing) = target.with_vault(|v| {
        let upsert = v.upsert_record(record)?;
        let existing: Vec<_> = v
            .documents_for_vin(&vin)?
            .into_iter()
            .filter(|d| d.name == name && !d.trashed)
            .collect();
        Ok((upsert, existing))
    })?;
    if upsert == Upsert::Unchanged && !existing.is_empty() {
        return Ok((upsert, false));
    }
    let pdf = portal.extract(session, number).await?;
    target.with_vault(|v| {
        v.import_bytes(&name, &pdf, Some(&vin))?;
        // The newer extract replaces the older one; the old one waits in the trash.
        for old in existing {
            v.trash_document(old.id)?;
        }
        Ok(())
    })?;
    Ok((upsert, true))
}
