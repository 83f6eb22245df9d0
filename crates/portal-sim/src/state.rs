//! The stand-in's memory: pending logins, one-time codes, sessions, faults.
//! Everything lives in one mutex; the stand-in serves one person's tests at a time.

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
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            confirmation_ttl: Duration::from_secs(300),
            auth_code_ttl: Duration::from_secs(300),
            max_password_attempts: 3,
            max_code_attempts: 3,
            code_block: Duration::from_secs(15 * 60),
        }
    }
}

/// A login in progress at the ESIA stand-in (between the authorize request and the redirect).
#[derive(Debug, Clone)]
pub struct Pending {
    pub redirect_uri: String,
    pub state: String,
    pub user: Option<u32>,
    pub code: Option<(String, Instant)>,
    pub code_attempts: u32,
}

/// An issued OAuth authorization code.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub user: u32,
    pub redirect_uri: String,
    pub issued: Instant,
}

/// A fault the next requests to the portal meet.
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
}

#[derive(Debug, Default)]
pub struct Inner {
    pub users: Vec<User>,
    pub pending: HashMap<String, Pending>,
    pub auth_codes: HashMap<String, AuthCode>,
    /// Portal sessions: cookie value → user id.
    pub sessions: HashMap<String, u32>,
    /// Users who gave consent to pass their data to the portal.
    pub consent: HashSet<u32>,
    pub wrong_passwords: HashMap<u32, u32>,
    pub blocked: HashSet<u32>,
    pub code_blocked_until: HashMap<u32, Instant>,
    /// The last confirmation code sent to each login (what a phone would receive).
    pub last_codes: HashMap<String, String>,
    pub fault: Option<Fault>,
    /// How many more requests meet the fault (`None`: until cleared).
    pub fault_remaining: Option<u32>,
}

/// Shared state of one running stand-in.
#[derive(Debug, Clone)]
pub struct Sim {
    inner: Arc<Mutex<Inner>>,
    pub limits: Arc<Limits>,
}

impl Sim {
    pub fn new(limits: Limits) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                users: data::users(),
                ..Inner::default()
            })),
            limits: Arc::new(limits),
        }
    }

    /// The state; a panic in another handler never makes the stand-in unusable.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
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

    pub fn user(&self, id: u32) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Takes the next request's fault, counting it down.
    pub fn take_fault(&mut self) -> Option<Fault> {
        let fault = self.fault.clone()?;
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
