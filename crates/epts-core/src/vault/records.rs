//! ePTS records: upsert keeps every earlier version (a timeline), and a full-text index
//! answers searches by number, VIN, plate, brand, model, owner, region and date.

use super::error::VaultError;
use crate::ids;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// One ePTS as the archive keeps it (the fields of docs/domain.md, «The ePTS record»; the rest
/// in `extra`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EptsRecord {
    pub epts_number: String,
    pub vin: String,
    #[serde(default)]
    pub plate: Option<String>,
    pub status: String,
    /// `ДД.ММ.ГГГГ`.
    #[serde(default)]
    pub issue_date: Option<String>,
    #[serde(default)]
    pub brand: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub year: Option<u16>,
    #[serde(default)]
    pub owner: Option<String>,
    /// The region code of registration (two digits).
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub has_restrictions: bool,
    /// Anything else the extract holds, kept as it came.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl EptsRecord {
    /// Checks and normalises the identifiers, so the archive only holds valid ones.
    fn normalized(mut self) -> Result<Self, VaultError> {
        self.epts_number = ids::EptsNumber::parse(&self.epts_number)
            .map_err(|e| VaultError::Invalid(format!("ePTS number: {e}")))?
            .to_string();
        self.vin = ids::Vin::parse(&self.vin)
            .map_err(|e| VaultError::Invalid(format!("VIN: {e}")))?
            .to_string();
        if let Some(plate) = &self.plate {
            self.plate = Some(
                ids::Plate::parse(plate)
                    .map_err(|e| VaultError::Invalid(format!("plate: {e}")))?
                    .to_string(),
            );
        }
        Ok(self)
    }
}

/// An earlier version of a record, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RecordVersion {
    pub version: i64,
    pub replaced_at: String,
    pub record: EptsRecord,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Inserted,
    /// Changed; the previous version went to the history.
    Updated {
        version: i64,
    },
    Unchanged,
}

pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn to_json(r: &EptsRecord) -> Result<String, VaultError> {
    serde_json::to_string(r).map_err(|e| VaultError::Invalid(e.to_string()))
}

fn from_json(s: &str) -> Result<EptsRecord, VaultError> {
    serde_json::from_str(s).map_err(|e| VaultError::Database(format!("record JSON: {e}")))
}

pub(crate) fn upsert(conn: &mut Connection, record: EptsRecord) -> Result<Upsert, VaultError> {
    let r = record.normalized()?;
    let data = to_json(&r)?;
    let tx = conn.transaction()?;
    let existing: Option<(i64, String, i64)> = tx
        .query_row(
            "SELECT id, data, version FROM records WHERE epts_number = ?1",
            [&r.epts_number],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let at = now();
    let outcome = match existing {
        Some((_, old, _)) if old == data => Upsert::Unchanged,
        Some((id, old, version)) => {
            tx.execute(
                "INSERT INTO record_versions (record_id, version, data, replaced_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, version, old, at],
            )?;
            tx.execute(
                "UPDATE records SET vin=?2, plate=?3, status=?4, issue_date=?5, brand=?6, model=?7, year=?8,
                 owner=?9, region=?10, has_restrictions=?11, data=?12, version=?13, updated_at=?14 WHERE id=?1",
                params![id, r.vin, r.plate, r.status, r.issue_date, r.brand, r.model, r.year, r.owner,
                        r.region, r.has_restrictions, data, version + 1, at],
            )?;
            Upsert::Updated {
                version: version + 1,
            }
        }
        None => {
            tx.execute(
                "INSERT INTO records (epts_number, vin, plate, status, issue_date, brand, model, year, owner,
                 region, has_restrictions, data, version, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1, ?13)",
                params![r.epts_number, r.vin, r.plate, r.status, r.issue_date, r.brand, r.model, r.year,
                        r.owner, r.region, r.has_restrictions, data, at],
            )?;
            Upsert::Inserted
        }
    };
    if outcome != Upsert::Unchanged {
        tx.execute(
            "INSERT INTO journal (at, kind, detail) VALUES (?1, 'record_saved', ?2)",
            params![at, r.epts_number],
        )?;
    }
    tx.commit()?;
    Ok(outcome)
}

pub(crate) fn get(conn: &Connection, epts_number: &str) -> Result<EptsRecord, VaultError> {
    let data: Option<String> = conn
        .query_row(
            "SELECT data FROM records WHERE epts_number = ?1",
            [epts_number],
            |r| r.get(0),
        )
        .optional()?;
    from_json(&data.ok_or_else(|| VaultError::NoSuchRecord(epts_number.to_owned()))?)
}

pub(crate) fn history(
    conn: &Connection,
    epts_number: &str,
) -> Result<Vec<RecordVersion>, VaultError> {
    let mut stmt = conn.prepare(
        "SELECT v.version, v.replaced_at, v.data FROM record_versions v JOIN records r ON r.id = v.record_id
         WHERE r.epts_number = ?1 ORDER BY v.version DESC",
    )?;
    let rows = stmt.query_map([epts_number], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (version, replaced_at, data) = row?;
        out.push(RecordVersion {
            version,
            replaced_at,
            record: from_json(&data)?,
        });
    }
    Ok(out)
}

/// Search filters beside the text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Filter {
    pub status: Option<String>,
    pub year: Option<u16>,
    pub has_restrictions: Option<bool>,
}

/// The order of search results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Sort {
    /// Most recently changed first.
    #[default]
    Updated,
    /// Newest vehicles first.
    Year,
    Brand,
    Owner,
    EptsNumber,
}

impl Sort {
    /// The ORDER BY, in the exact column order of the sort's index (db.rs), so SQLite walks
    /// the index instead of sorting.
    fn order_by(self) -> &'static str {
        match self {
            Sort::Updated => "r.updated_at DESC, r.id DESC",
            Sort::Year => "r.year DESC, r.id DESC",
            Sort::Brand => "r.brand, r.model, r.id",
            Sort::Owner => "r.owner, r.id",
            Sort::EptsNumber => "r.epts_number, r.id",
        }
    }

    fn index(self) -> &'static str {
        match self {
            Sort::Updated => "records_by_updated",
            Sort::Year => "records_by_year",
            Sort::Brand => "records_by_brand",
            Sort::Owner => "records_by_owner",
            Sort::EptsNumber => "records_by_number",
        }
    }
}

/// One row of the archive's list: the columns, without parsing the whole record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RecordSummary {
    pub epts_number: String,
    pub vin: String,
    pub plate: Option<String>,
    pub status: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub year: Option<u16>,
    pub owner: Option<String>,
    pub has_restrictions: bool,
    pub updated_at: String,
}

/// A window of search results and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<RecordSummary>,
}

/// One typed word as FTS5 alternatives: itself as a prefix, as a plate (Latin look-alikes →
/// Cyrillic) and as a VIN (the reverse), and — when it has separators, like a date
/// `12.03` or a VIN typed `XTA-2109` — as a phrase of its parts.
fn word_query(word: &str) -> Option<String> {
    let parts: Vec<String> = word
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(str::to_uppercase)
        .collect();
    let joined = parts.concat();
    if joined.is_empty() {
        return None;
    }
    let plate: String = joined
        .chars()
        .map(crate::ids::latin_to_cyrillic_plate)
        .collect();
    let latin: String = joined
        .chars()
        .map(crate::ids::cyrillic_to_latin_vin)
        .collect();
    let mut alternatives: Vec<String> = Vec::new();
    for v in [joined, plate, latin] {
        let v = format!("\"{v}\"*");
        if !alternatives.contains(&v) {
            alternatives.push(v);
        }
    }
    if parts.len() > 1 {
        alternatives.push(format!("\"{}\"*", parts.join(" ")));
    }
    Some(format!("({})", alternatives.join(" OR ")))
}

/// Turns what a person typed into an FTS5 query: every word a prefix (see `word_query`);
/// several words must all match — or, joined, match as one (a VIN typed in groups).
/// Only letters and digits reach FTS5, so no input can be an FTS5 syntax error.
pub(crate) fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input.split_whitespace().filter_map(word_query).collect();
    match terms.len() {
        0 => None,
        1 => terms.into_iter().next(),
        _ => {
            let all = terms.join(" AND ");
            let together: String = input.split_whitespace().collect();
            Some(match word_query(&together) {
                Some(one) => format!("({all}) OR {one}"),
                None => all,
            })
        }
    }
}

/// Above this many text matches, a window of the list walks the sort's index and tests
/// each entry against the matches; below it, the matches are sorted directly (measured
/// break-even at 100 000 records: 1 000–2 000 matches, docs/benchmarks.md).
const WALK_INDEX_ABOVE: u32 = 1500;

/// The filters beside the text, as SQL conditions on `r` and their arguments.
fn filter_conditions(filter: &Filter) -> (Vec<&'static str>, Vec<rusqlite::types::Value>) {
    let mut wheres = Vec::new();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(s) = &filter.status {
        wheres.push("r.status = ?");
        args.push(s.clone().into());
    }
    if let Some(y) = filter.year {
        wheres.push("r.year = ?");
        args.push(i64::from(y).into());
    }
    if let Some(h) = filter.has_restrictions {
        wheres.push("r.has_restrictions = ?");
        args.push(i64::from(h).into());
    }
    (wheres, args)
}

/// The FROM and WHERE of a search, and its arguments. `index` names the index to walk.
fn conditions(
    text: &str,
    filter: &Filter,
    index: Option<&str>,
) -> (String, Vec<rusqlite::types::Value>) {
    let mut sql = String::from(" FROM records r");
    if let Some(index) = index {
        sql.push_str(" INDEXED BY ");
        sql.push_str(index);
    }
    let (mut wheres, mut args) = filter_conditions(filter);
    if let Some(q) = fts_query(text) {
        // The FTS5 match as a rowid set: a membership test for each index entry walked.
        wheres.insert(
            0,
            "r.id IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)",
        );
        args.insert(0, q.into());
    }
    if !wheres.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&wheres.join(" AND "));
    }
    (sql, args)
}

pub(crate) fn search(
    conn: &Connection,
    text: &str,
    filter: &Filter,
    limit: usize,
) -> Result<Vec<EptsRecord>, VaultError> {
    let limit = u32::try_from(limit).unwrap_or(u32::MAX);
    let page = search_page(conn, text, filter, Sort::Updated, 0, limit)?;
    page.rows
        .iter()
        .map(|row| get(conn, &row.epts_number))
        .collect()
}

/// How many records match: from the FTS index alone when there are no filters, else from
/// the narrow filter index.
fn count(conn: &Connection, text: &str, filter: &Filter) -> Result<u32, VaultError> {
    let fts = fts_query(text);
    let (wheres, _) = filter_conditions(filter);
    if let (Some(q), true) = (&fts, wheres.is_empty()) {
        return Ok(conn
            .prepare_cached("SELECT count(*) FROM records_fts WHERE records_fts MATCH ?1")?
            .query_row([q], |r| r.get(0))?);
    }
    let index = (!wheres.is_empty()).then_some("records_by_filters");
    let (from, args) = conditions(text, filter, index);
    Ok(conn
        .prepare_cached(&format!("SELECT count(*){from}"))?
        .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?)
}

/// One window of the list: rows `offset..offset + limit` in `sort` order, and the total.
///
/// The window's ids come from the sort's covering index alone (OFFSET steps over index
/// entries, not over record rows); only the rows shown are read from the table.
pub(crate) fn search_page(
    conn: &Connection,
    text: &str,
    filter: &Filter,
    sort: Sort,
    offset: u32,
    limit: u32,
) -> Result<SearchPage, VaultError> {
    let total = count(conn, text, filter)?;
    if total == 0 || offset >= total {
        return Ok(SearchPage {
            total,
            offset,
            rows: Vec::new(),
        });
    }
    // Many matches: walk the sort's index, testing each entry; few: sort the matches.
    let walk = fts_query(text).is_none() || total > WALK_INDEX_ABOVE;
    let (from, mut args) = conditions(text, filter, walk.then(|| sort.index()));
    let order = sort.order_by();
    let sql = format!(
        "SELECT r.epts_number, r.vin, r.plate, r.status, r.brand, r.model, r.year, r.owner,
                r.has_restrictions, r.updated_at
         FROM records r WHERE r.id IN (SELECT r.id{from} ORDER BY {order} LIMIT ? OFFSET ?)
         ORDER BY {order}"
    );
    args.push(i64::from(limit.min(1000)).into());
    args.push(i64::from(offset).into());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
        Ok(RecordSummary {
            epts_number: r.get(0)?,
            vin: r.get(1)?,
            plate: r.get(2)?,
            status: r.get(3)?,
            brand: r.get(4)?,
            model: r.get(5)?,
            year: r.get(6)?,
            owner: r.get(7)?,
            has_restrictions: r.get(8)?,
            updated_at: r.get(9)?,
        })
    })?;
    Ok(SearchPage {
        total,
        offset,
        rows: rows.collect::<Result<_, _>>()?,
    })
}

/// The distinct statuses and years present, for the filter menus.
pub(crate) fn facets(conn: &Connection) -> Result<(Vec<String>, Vec<u16>), VaultError> {
    let statuses = conn
        .prepare_cached("SELECT DISTINCT status FROM records ORDER BY status")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let years = conn
        .prepare_cached(
            "SELECT DISTINCT year FROM records WHERE year IS NOT NULL ORDER BY year DESC",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok((statuses, years))
}

/// A record with its whole timeline, as a backup carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Archived {
    pub record: EptsRecord,
    pub version: i64,
    pub updated_at: String,
    pub history: Vec<RecordVersion>,
}

pub(crate) fn epts_numbers(conn: &Connection) -> Result<Vec<String>, VaultError> {
    let mut stmt = conn.prepare("SELECT epts_number FROM records ORDER BY id")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn archived(conn: &Connection, epts_number: &str) -> Result<Archived, VaultError> {
    let (data, version, updated_at): (String, i64, String) = conn
        .query_row(
            "SELECT data, version, updated_at FROM records WHERE epts_number = ?1",
            [epts_number],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| VaultError::NoSuchRecord(epts_number.to_owned()))?;
    Ok(Archived {
        record: from_json(&data)?,
        version,
        updated_at,
        history: history(conn, epts_number)?,
    })
}

/// Puts a record back exactly as it was archived, timeline included.
pub(crate) fn restore(conn: &mut Connection, a: &Archived) -> Result<(), VaultError> {
    let r = a.record.clone().normalized()?;
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO records (epts_number, vin, plate, status, issue_date, brand, model, year, owner,
         region, has_restrictions, data, version, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![r.epts_number, r.vin, r.plate, r.status, r.issue_date, r.brand, r.model, r.year,
                r.owner, r.region, r.has_restrictions, to_json(&r)?, a.version, a.updated_at],
    )?;
    let id = tx.last_insert_rowid();
    for v in &a.history {
        tx.execute(
            "INSERT INTO record_versions (record_id, version, data, replaced_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, v.version, to_json(&v.record)?, v.replaced_at],
        )?;
    }
    tx.commit()?;
    Ok(())
}
