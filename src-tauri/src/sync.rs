//! The portal session after a restart, and sync of the user's ePTS into the archive.
//!
//! `portal_status` restores a kept session (keyring or vault) and checks it with one call;
//! when the portal does not answer, the user kept with it is shown as logged in and the
//! UI says the portal is out of reach. `portal_sync` runs the core's sync into the open
//! archive with progress over a channel; «Остановить» stops it between records.

use crate::error::CommandError;
use crate::login::{LoginError, PortalUser, portal_client};
use crate::state::{ActiveSession, AppState};
use epts_core::Localized;
use epts_core::portal::{
    Portal, PortalError, SessionHome, SyncError, SyncProgress, SyncReport, sync_into,
};
use serde::Serialize;
use std::sync::atomic::Ordering;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

/// Where the portal stands, as the «Портал» section and the archive show it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PortalStatus {
    pub user: Option<PortalUser>,
    /// A kept session could not be checked: the portal did not answer. `user` is the copy
    /// kept with the session.
    pub offline: bool,
    /// A kept session was refused by the portal (it ended); log in again.
    pub session_expired: bool,
    /// Where the session is kept across restarts; `None` when it is not kept.
    pub kept_in: Option<SessionHome>,
    /// When the last complete sync with this portal ended (RFC 3339, UTC); `None` if never
    /// or while the archive is locked.
    pub last_sync: Option<String>,
    /// The archive is open (a missing `last_sync` then means "never synced").
    pub archive_open: bool,
    /// A sync is running now.
    pub syncing: bool,
}

/// Sync's own refusals (the portal's and the vault's come as theirs).
#[derive(Debug, thiserror::Error)]
pub enum SyncCommandError {
    #[error("a sync is already running")]
    Running,
}

impl Localized for SyncCommandError {
    fn code(&self) -> &'static str {
        "sync_running"
    }

    fn message(&self, lang: epts_core::Lang) -> String {
        lang.pick(
            "Загрузка с портала уже идёт. Дождитесь её окончания или нажмите «Остановить».",
            "A sync with the portal is already running. Wait for it or press «Stop».",
        )
        .to_owned()
    }
}

fn last_sync(app: &AppHandle, portal_url: &str) -> Option<String> {
    crate::portal::archive(app)
        .with_optional(|vault| vault.map(|v| v.sync_state(portal_url)))
        .and_then(|state| state.ok())
        .and_then(|(_, last)| last)
}

/// Who is logged in (restoring a kept session after a restart) and when the archive last
/// got the portal's data.
#[tauri::command]
pub async fn portal_status(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<PortalStatus, CommandError> {
    let portal_url = state.portal().url().to_owned();
    let mut status = PortalStatus {
        user: None,
        offline: false,
        session_expired: false,
        kept_in: None,
        last_sync: last_sync(&app, &portal_url),
        archive_open: crate::portal::archive(&app).is_open(),
        syncing: state.syncing.load(Ordering::Relaxed),
    };
    // A session restored while the portal was out of reach is checked again each time.
    let active = match state.session() {
        Some(active) if !active.unchecked => Some(active),
        _ => restore(&app, &state, &portal_url).await,
    };
    status.session_expired = state.session_ended.load(Ordering::Relaxed);
    if let Some(active) = active {
        status.offline = active.unchecked;
        status.kept_in = active.home;
        status.user = Some(active.user);
    }
    Ok(status)
}

/// The kept session, checked with the portal. An ended session is forgotten; one the
/// portal could not check (offline) is used as it is and checked by the next call.
async fn restore(app: &AppHandle, state: &AppState, portal_url: &str) -> Option<ActiveSession> {
    let kept = crate::portal::archive(app)
        .with_optional(|vault| state.keeper.load(portal_url, vault.as_deref()));
    let (saved, home) = match kept {
        Ok(Some(kept)) => kept,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "the kept portal session could not be read");
            return None;
        }
    };
    let portal = portal_client(state).ok()?;
    let (user, unchecked) = match portal.me(&saved.session).await {
        Ok(me) => (PortalUser::from(me), false),
        Err(e) if e.is_temporary() || matches!(e, PortalError::Maintenance { .. }) => {
            (PortalUser::from(saved.user.clone()), true)
        }
        Err(e) => {
            tracing::info!(code = e.code(), "the kept portal session was refused");
            crate::login::forget_session(app, state).await;
            state.session_ended.store(true, Ordering::Relaxed);
            return None;
        }
    };
    let active = ActiveSession {
        session: saved.session,
        user,
        home: Some(home),
        unchecked,
    };
    // Held even unchecked: the cabinet and downloads can use it; the status re-checks it.
    state.set_session(Some(active.clone()));
    tracing::info!(kept_in = ?home, unchecked, "portal session restored");
    Some(active)
}

/// Fetches the user's ePTS records and extracts into the open archive.
#[tauri::command]
pub async fn portal_sync(
    on_progress: Channel<SyncProgress>,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<SyncReport, CommandError> {
    let lang = state.settings().language;
    let fail = |e: &dyn Localized| CommandError::from_localized_dyn(e, lang);
    let portal_url = state.portal().url().to_owned();
    let active = match state.session() {
        Some(active) => active,
        None => restore(&app, &state, &portal_url)
            .await
            .ok_or_else(|| fail(&LoginError::NotLoggedIn))?,
    };
    let archive = crate::portal::archive(&app);
    if !archive.is_open() {
        return Err(fail(&SyncError::ArchiveLocked));
    }
    if state.syncing.swap(true, Ordering::SeqCst) {
        return Err(fail(&SyncCommandError::Running));
    }
    state.sync_cancel.store(false, Ordering::SeqCst);
    let result = async {
        let portal = portal_client(&state).map_err(SyncError::from)?;
        let progress = |p: SyncProgress| {
            let _ = on_progress.send(p);
        };
        sync_into(
            &portal,
            &portal_url,
            &active.session,
            archive.as_ref(),
            &progress,
            &state.sync_cancel,
        )
        .await
    }
    .await;
    state.syncing.store(false, Ordering::SeqCst);
    match result {
        Ok(report) => {
            tracing::info!(
                inserted = report.inserted,
                updated = report.updated,
                failed = report.failed.len(),
                cancelled = report.cancelled,
                "portal sync finished"
            );
            // A sync that reached the portal proves the session.
            state.set_session(Some(ActiveSession {
                unchecked: false,
                ..active
            }));
            Ok(report)
        }
        Err(SyncError::Portal(PortalError::SessionExpired)) => {
            crate::login::forget_session(&app, &state).await;
            state.session_ended.store(true, Ordering::Relaxed);
            Err(fail(&PortalError::SessionExpired))
        }
        Err(e) => Err(fail(&e)),
    }
}

/// Stops the running sync after the record in hand; the next sync goes on from there.
#[tauri::command]
pub fn portal_sync_cancel(state: State<'_, AppState>) {
    state.sync_cancel.store(true, Ordering::SeqCst);
}
