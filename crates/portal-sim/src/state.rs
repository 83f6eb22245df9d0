//! The stand-in's memory: pending logins, one-time codes, sessions, faults.
//! Everything lives in one mutex; the stand-in serves one person's tests at a time.

use crate::clock::Clock;
use crate::data::{self, User};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Lifetimes and limits, as ESIA and the portal apply them.
#[derive(Debug, Clone)]
pub struct Limits {
    /// An SMS-like confirmation code lives this long (about 5 minutes at ESIA).
    pub confirmation_ttl: Duration,
    /// An authorization code (OAuth `code`) lives this long and is single-use.
    pub auth_code_ttl: Duration,
    /// Wrong passwords before the account is blocked.
    pub max_password_attempts: u32,
    /// Wrong confirmation codes before a temporary block.
    pub max_code_attempts: u32,
    /// How long that temporary block lasts (15–30 minutes at ESIA).
    pub code_block: Duration,
    /// A portal session ends after this long without a request (sliding).
    pub session_idle: Duration,
    /// The smallest chunk of an archive but the last (EPGU: 5 000 000 bytes).
    pub chunk_min: usize,
    /// Every chunk of an archive within this long of the first (EPGU: 5 minutes).
    pub chunk_window: Duration,
    /// How long each step of an order's processing takes (the sim's pace, not EPGU's).
    pub order_step: Duration,
    /// Orders one user may create for one service in `order_window` (EPGU: 20 in 10 minutes).
    pub orders_per_service: u32,
    pub order_window: Duration,
    /// Requests to the upload API one user may make a minute (EPGU: 2 000).
    pub requests_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            confirmation_ttl: Duration::from_secs(300),
            auth_code_ttl: Duration::from_secs(300),
            max_password_attempts: 3,
            max_code_attempts: 3,
            code_block: Duration::from_secs(15 * 60),
            session_idle: Duration::from_secs(30 * 60),
            chunk_min: 5_000_000,
            chunk_window: Duration::from_secs(5 * 60),
            order_step: Duration::from_secs(10),
            orders_per_service: 20,
            order_window: Duration::from_secs(10 * 60),
            requests_per_minute: 2_000,
        }
    }
}

/// A login in progress at the ESIA stand-in (between the authorize request and the redirect).
#[derive(Debug, Clone)]
pub struct Pending {
    pub redirect_uri: String,
    pub state: String,
    pub user: Option<u32>,
    /// The confirmation code sent and when it stops being valid.
    pub code: Option<(String, Instant)>,
    pub code_attempts: u32,
}

/// An issued OAuth authorization code.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub user: u32,
    pub redirect_uri: String,
    pub expires: Instant,
}

/// An open portal session.
#[derive(Debug, Clone)]
pub struct SessionEntry {
    pub user: u32,
    /// Moves forward with every request (an idle timeout, as Wicket's).
    pub expires: Instant,
}

/// A fault the next requests to the portal meet (docs/portal-protocol/README.md).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Fault {
    /// The portal answers this HTTP status (500, 502, 504).
    Status { status: u16 },
    /// The planned-maintenance page (503).
    Maintenance,
    /// Every answer is delayed.
    Slow { delay_ms: u64 },
    /// Every session is treated as expired.
    SessionExpired,
    /// The server's clock (its `Date` header) is this many seconds ahead of the real time.
    ClockSkew { seconds: i64 },
    /// The next logins fail with this failure, at the step where it happens.
    LoginError { error: LoginFailure },
    /// 403 `forbidden`: the portal denies access.
    Forbidden,
    /// Another 4xx (400, 409, 422, …; anything else gives 400) with the code `rejected`.
    Rejected { status: u16 },
    /// API only: 200 with a JSON body cut off in the middle.
    MalformedJson,
    /// API only: 200 with a JSON body of more than 8 MiB, streamed without
    /// `Content-Length`.
    OversizedJson,
    /// The list (`GET /api/v1/epts`) only: the real page, but `total` says this.
    ListTotal { total: u64 },
    /// The list only: every page repeats the first one and `total` says a million, so
    /// paging never ends by itself.
    ListRepeats,
    /// A record (`GET /api/v1/epts/{number}`) only: its `vehicleEPassportId` is another
    /// number than the one asked for.
    WrongRecord,
    /// API only: 503 `http_503` (a storm of them with `remaining`), with `Retry-After` when
    /// `retry_after` (seconds) is given.
    Unavailable { retry_after: Option<u64> },
    /// API only: 429 `limitation_exception` with `Retry-After: retry_after` (default 1).
    TooManyRequests { retry_after: Option<u64> },
    /// The push routes only: the connection is reset after `after_bytes` of the request body
    /// (default 65 536) have arrived; the chunk is not stored.
    UploadReset { after_bytes: Option<u64> },
    /// `POST /api/gusmev/order` only: the order is created, then the connection is dropped
    /// without an answer.
    LostAnswer,
    /// The push routes only: request bodies arrive at `bytes_per_sec`.
    SlowUpload { bytes_per_sec: u64 },
}

/// A login failure that the fault control can force (docs/portal-protocol/README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginFailure {
    /// At the password step: ESIA-007002.
    WrongPassword,
    /// At the password step: ESIA-007004.
    AccountBlocked,
    /// At the password step: ESIA-007005.
    CodeBlocked,
    /// At the password step: ESIA-007009.
    NotConfirmed,
    /// At the code step, whatever was typed: ESIA-007008.
    WrongCode,
    /// At the code step: ESIA-007007.
    CodeExpired,
    /// At the consent step (or in place of the silent consent): `consent_refused`.
    ConsentRefused,
    /// At «Войти через Госуслуги»: the portal asks for a foreign `redirect_uri`, ESIA-007014.
    RedirectMismatch,
    /// At the callback: the authorization code is refused, ESIA-007019.
    AuthCodeInvalid,
    /// At the callback: `state` does not match, `session_lost`.
    SessionLost,
    /// At the callback: no portal account, `account_not_found`.
    NotLinked,
}

#[derive(Debug, Default)]
pub struct Inner {
    pub users: Vec<User>,
    pub pending: HashMap<String, Pending>,
    pub auth_codes: HashMap<String, AuthCode>,
    /// Portal sessions by cookie value.
    pub sessions: HashMap<String, SessionEntry>,
    /// Users who gave consent to pass their data to the portal.
    pub consent: HashSet<u32>,
    pub wrong_passwords: HashMap<u32, u32>,
    pub blocked: HashSet<u32>,
    pub code_blocked_until: HashMap<u32, Instant>,
    /// The last confirmation code sent to each login (what a phone would receive).
    pub last_codes: HashMap<String, String>,
    #[cfg(feature = "test-controls")]
    pub fault: Option<Fault>,
    /// How many more requests meet the fault (`None`: until cleared).
    #[cfg(feature = "test-controls")]
    pub fault_remaining: Option<u32>,
    /// API requests that still pass untouched before the fault starts (a failure in the
    /// middle of a sync).
    #[cfg(feature = "test-controls")]
    pub fault_after: u32,
    /// A forced login failure and how many more logins meet it (`None`: until cleared).
    pub login_fault: Option<(LoginFailure, Option<u32>)>,
    /// Lifetimes and limits; the test-only control may change them at run time.
    pub limits: Limits,
    /// The last `updatedAt` handed out, so every change gets a later one.
    pub last_update: Option<time::OffsetDateTime>,
    /// Per user: how far `/__sim/touch` has gone through the list.
    #[cfg(feature = "test-controls")]
    pub touched: HashMap<u32, usize>,
    /// Applications sent through the cabinet's form.
    pub applications: Vec<crate::cabinet::Application>,
    /// The same clock as [`Sim::clock`], for deadlines computed under the lock.
    pub clock: Clock,
    /// Orders of the upload API (`/api/gusmev/…`).
    pub orders: crate::orders::Orders,
}

/// Shared state of one running stand-in.
#[derive(Debug, Clone)]
pub struct Sim {
    inner: Arc<Mutex<Inner>>,
    /// Served over TLS (the stand-in's URLs are `https://`).
    tls: bool,
    clock: Clock,
}

impl Sim {
    pub fn new(limits: Limits) -> Self {
        Self::serving(limits, false)
    }

    /// The state of a stand-in served over TLS or plain HTTP.
    pub fn serving(limits: Limits, tls: bool) -> Self {
        let users = data::users();
        let blocked = users
            .iter()
            .filter(|u| u.state == data::AccountState::Blocked)
            .map(|u| u.id)
            .collect();
        let clock = Clock::default();
        Self {
            inner: Arc::new(Mutex::new(Inner {
                users,
                blocked,
                limits,
                clock: clock.clone(),
                ..Inner::default()
            })),
            tls,
            clock,
        }
    }

    /// The stand-in's clock: real time unless a test moved it on (`Clock::advance`).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// `https` when the stand-in serves TLS, else `http`. Needs no lock: handlers ask it
    /// while they hold the state.
    pub fn scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    /// The state; a panic in another handler never makes the stand-in unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    pub fn user_by_login(&self, login: &str) -> Option<&User> {
        let wanted = normalize_login(login);
        self.users
            .iter()
            .find(|u| u.logins.iter().any(|l| normalize_login(l) == wanted))
    }

    /// Now, on the stand-in's clock.
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    pub fn user(&self, id: u32) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    #[cfg(feature = "test-controls")]
    pub fn user_mut(&mut self, id: u32) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.id == id)
    }

    /// The user of a live session, moving its idle deadline forward.
    pub fn touch_session(&mut self, id: &str) -> Option<u32> {
        let now = self.now();
        let idle = self.limits.session_idle;
        let entry = self.sessions.get_mut(id)?;
        if entry.expires <= now {
            self.sessions.remove(id);
            return None;
        }
        entry.expires = now + idle;
        Some(entry.user)
    }

    /// Opens a session for `user`; returns the cookie value.
    pub fn open_session(&mut self, user: u32) -> String {
        let id = token(24);
        let expires = self.now() + self.limits.session_idle;
        self.sessions
            .insert(id.clone(), SessionEntry { user, expires });
        id
    }

    /// The forced login failure, if one is set; counts it down when `consume`.
    pub fn login_fault(&mut self, consume: bool) -> Option<LoginFailure> {
        let (failure, remaining) = self.login_fault?;
        match remaining {
            Some(0) => {
                self.login_fault = None;
                None
            }
            Some(n) if consume => {
                self.login_fault = (n > 1).then_some((failure, Some(n - 1)));
                Some(failure)
            }
            _ => Some(failure),
        }
    }

    /// A new `updatedAt`: now, and always later than every stamp and every `serverTime`
    /// handed out before, so a client whose cursor is a `serverTime` never misses a change.
    #[cfg(feature = "test-controls")]
    pub fn next_update_stamp(&mut self) -> time::OffsetDateTime {
        let now = self.now_ms();
        let stamp = match self.last_update {
            Some(last) if last >= now => last + time::Duration::milliseconds(1),
            _ => now,
        };
        self.last_update = Some(stamp);
        stamp
    }

    /// The `serverTime` of a list answer: never earlier than a stamp already handed out
    /// (every change so far is in the answer), and every later change gets a later stamp.
    pub fn server_time(&mut self) -> time::OffsetDateTime {
        let now = self.now_ms();
        let t = self.last_update.map_or(now, |last| last.max(now));
        self.last_update = Some(t);
        t
    }

    /// The current UTC time on the stand-in's clock, cut to milliseconds.
    fn now_ms(&self) -> time::OffsetDateTime {
        let now = self.clock.now_utc();
        now.replace_nanosecond(now.millisecond() as u32 * 1_000_000)
            .unwrap_or(now)
    }

    /// Takes the fault a request to `path` meets, counting it down. API requests first
    /// count down `fault_after`; a fault meant for other requests leaves this one alone and
    /// is not spent by it.
    #[cfg(feature = "test-controls")]
    pub fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let fault = self.fault.clone()?;
        if self.fault_after > 0 {
            if is_api(path) {
                self.fault_after -= 1;
            }
            return None;
        }
        if !fault.strikes(path) {
            return None;
        }
        match &mut self.fault_remaining {
            Some(0) => {
                self.fault = None;
                self.fault_remaining = None;
                None
            }
            Some(n) => {
                *n -= 1;
                Some(fault)
            }
            None => Some(fault),
        }
    }
}

/// Whether `path` is the JSON API's.
#[cfg(feature = "test-controls")]
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// `/api/v1/epts/{number}`: one record, not its history or extract.
#[cfg(feature = "test-controls")]
pub fn is_record(path: &str) -> bool {
    path.strip_prefix("/api/v1/epts/")
        .is_some_and(|number| !number.is_empty() && !number.contains('/'))
}

#[cfg(feature = "test-controls")]
impl Fault {
    /// Whether the fault strikes a request to `path` (the others neither meet nor spend it).
    pub fn strikes(&self, path: &str) -> bool {
        match self {
            Fault::Status { .. }
            | Fault::Maintenance
            | Fault::Slow { .. }
            | Fault::SessionExpired
            | Fault::ClockSkew { .. }
            | Fault::Forbidden
            | Fault::Rejected { .. } => true,
            Fault::MalformedJson | Fault::OversizedJson => is_api(path),
            Fault::ListTotal { .. } | Fault::ListRepeats => path == "/api/v1/epts",
            Fault::WrongRecord => is_record(path),
            Fault::Unavailable { .. } | Fault::TooManyRequests { .. } => is_api(path),
            Fault::UploadReset { .. } | Fault::SlowUpload { .. } => crate::orders::is_push(path),
            Fault::LostAnswer => path == crate::orders::ORDER_PATH,
            // Spent by logins, at their own steps.
            Fault::LoginError { .. } => false,
        }
    }
}

/// Logins are typed in many ways: `8 999 000-00-01`, `Owner@Example.ru`, `112-233-445 95`.
pub fn normalize_login(login: &str) -> String {
    let l = login.trim().to_lowercase();
    if l.contains('@') {
        return l;
    }
    let digits: String = l.chars().filter(char::is_ascii_digit).collect();
    match (digits.len(), digits.chars().next()) {
        (11, Some('8')) if l.starts_with('8') || l.starts_with("+7") => {
            format!("+7{}", &digits[1..])
        }
        (11, Some('7')) if l.starts_with('+') || l.starts_with('7') => format!("+{digits}"),
        _ => digits,
    }
}

/// A random token for codes, states and cookies.
pub fn token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::fill(&mut buf).is_err() {
        // No OS randomness is a broken machine; a time-based value keeps tests running.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        return format!("{t:x}");
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A six-digit confirmation code.
pub fn six_digits() -> String {
    let mut buf = [0u8; 4];
    let _ = getrandom::fill(&mut buf);
    format!("{:06}", u32::from_le_bytes(buf) % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_found_however_they_are_typed() {
        let sim = Sim::new(Limits::default());
        let s = sim.lock();
        for login in [
            "8 999 000-00-01",
            "+7 (999) 000-00-01",
            "OWNER@example.RU",
            "112-233-445 95",
        ] {
            assert_eq!(s.user_by_login(login).map(|u| u.id), Some(1), "{login}");
        }
        assert!(s.user_by_login("nobody@example.ru").is_none());
    }
}
