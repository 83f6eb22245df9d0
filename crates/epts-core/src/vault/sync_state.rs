//! Where a sync with a portal stands, kept in the vault so that it survives a crash: the
//! cursor of the last complete sync, and the records a sync listed but has not stored yet.

use super::VaultError;
use rusqlite::{Connection, OptionalExtension, params};

/// The cursor (the portal's `serverTime`) of the last complete sync, and when it ended.
pub(crate) fn state(
    conn: &Connection,
    portal: &str,
) -> Result<(Option<String>, Option<String>), VaultError> {
    Ok(conn
        .query_row(
            "SELECT cursor, last_success FROM sync_state WHERE portal = ?1",
            params![portal],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((None, None)))
}

/// The records still to fetch, in the order they were listed.
pub(crate) fn pending(conn: &Connection, portal: &str) -> Result<Vec<String>, VaultError> {
    let mut stmt =
        conn.prepare("SELECT epts_number FROM sync_pending WHERE portal = ?1 ORDER BY rowid")?;
    let rows = stmt.query_map(params![portal], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Starts a sync: what to fetch, and the cursor it will leave behind once done.
pub(crate) fn begin(
    conn: &mut Connection,
    portal: &str,
    next_cursor: &str,
    numbers: &[String],
) -> Result<(), VaultError> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO sync_state (portal, pending_cursor) VALUES (?1, ?2)
         ON CONFLICT(portal) DO UPDATE SET pending_cursor = excluded.pending_cursor",
        params![portal, next_cursor],
    )?;
    {
        let mut insert =
            tx.prepare("INSERT OR IGNORE INTO sync_pending (portal, epts_number) VALUES (?1, ?2)")?;
        for n in numbers {
            insert.execute(params![portal, n])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// One record stored.
pub(crate) fn done(conn: &Connection, portal: &str, number: &str) -> Result<(), VaultError> {
    conn.execute(
        "DELETE FROM sync_pending WHERE portal = ?1 AND epts_number = ?2",
        params![portal, number],
    )?;
    Ok(())
}

/// Every listed record is stored: the pending cursor becomes the cursor.
pub(crate) fn finish(conn: &Connection, portal: &str, now: &str) -> Result<(), VaultError> {
    conn.execute(
        "UPDATE sync_state SET cursor = COALESCE(pending_cursor, cursor), pending_cursor = NULL,
         last_success = ?2 WHERE portal = ?1",
        params![portal, now],
    )?;
    Ok(())
}

/// The portal session kept here where no OS keyring answers.
pub(crate) fn session(
    conn: &Connection,
    portal: &str,
) -> Result<Option<zeroize::Zeroizing<String>>, VaultError> {
    Ok(conn
        .query_row(
            "SELECT secret FROM portal_sessions WHERE portal = ?1",
            params![portal],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .map(zeroize::Zeroizing::new))
}

/// Keeps (`Some`) or forgets (`None`) the portal session.
pub(crate) fn set_session(
    conn: &Connection,
    portal: &str,
    secret: Option<&str>,
) -> Result<(), VaultError> {
    match secret {
        Some(secret) => conn.execute(
            "INSERT INTO portal_sessions (portal, secret) VALUES (?1, ?2)
             ON CONFLICT(portal) DO UPDATE SET secret = excluded.secret",
            params![portal, secret],
        )?,
        None => conn.execute(
            "DELETE FROM portal_sessions WHERE portal = ?1",
            params![portal],
        )?,
    };
    Ok(())
}
