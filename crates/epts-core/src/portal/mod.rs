//! The portal, reached through one trait.
//!
//! [`HttpPortal`] speaks the protocol portal-sim serves (docs/portal-protocol/, OpenAPI in openapi.json). An
//! adapter for the production cabinet is another implementation of [`Portal`], so nothing
//! above it changes when the portal does.

mod account;
mod address;
mod client;
mod clock;
mod download;
mod error;
mod login_failure;
mod model;
mod retry;
mod session;
mod session_store;
mod sync;

pub use account::{
    Account, AccountError, ActiveSession, PortalStatus, StoredDownload, epts_number_in,
};
pub use address::{AddressError, PortalAddress, is_loopback};
pub use client::{HttpPortal, PortalConfig};
pub use clock::{MAX_CLOCK_SKEW, skew_from_date};
pub use download::{
    Download, DownloadError, DownloadGate, MAX_DOWNLOADS_PER_MINUTE, document_format,
    is_document_link, safe_file_name,
};
pub use error::PortalError;
pub use login_failure::LoginFailure;
pub use model::{EptsPage, EptsSummary, Me};
pub use retry::RetryPolicy;
pub use session::{SameSite, Session, SessionCookie};
pub use session_store::{KEYRING_SERVICE, SavedSession, SessionHome, SessionKeeper};
pub use sync::{
    SyncError, SyncFailure, SyncPhase, SyncProgress, SyncReport, VaultSlot, record_from_portal,
    sync, sync_into,
};

/// What the app asks of a portal. Every call needs a [`Session`] taken from the webview.
pub trait Portal {
    /// Who the session belongs to; also the one call that checks a fresh session.
    fn me(&self, session: &Session) -> impl Future<Output = Result<Me, PortalError>> + Send;

    /// One page of the user's ePTS records, optionally only those changed after a moment.
    fn list(
        &self,
        session: &Session,
        page: usize,
        size: usize,
        updated_since: Option<&str>,
    ) -> impl Future<Output = Result<EptsPage, PortalError>> + Send;

    /// One record by its ePTS number.
    fn record(
        &self,
        session: &Session,
        number: &str,
    ) -> impl Future<Output = Result<EptsSummary, PortalError>> + Send;

    /// Every field of one record's extract, with the portal's element names.
    fn detail(
        &self,
        session: &Session,
        number: &str,
    ) -> impl Future<Output = Result<serde_json::Map<String, serde_json::Value>, PortalError>> + Send;

    /// The extract PDF of one record.
    fn extract(
        &self,
        session: &Session,
        number: &str,
    ) -> impl Future<Output = Result<Vec<u8>, PortalError>> + Send;
}
