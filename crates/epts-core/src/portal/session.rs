//! A portal session: the cookies read from the login webview, with the attributes the
//! portal set on them (so they go back into the window as they came). A secret: it never
//! appears in Debug output or logs, and its memory is zeroed when dropped.

use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// `SameSite` as the portal set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SameSite {
    Strict,
    Lax,
    None,
}

/// One cookie of a session.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCookie {
    pub name: String,
    pub value: String,
    /// The domain as the webview reported it. `None` or a bare host: a host-only cookie
    /// (sent to that host only); a leading dot: a domain cookie.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub secure: bool,
    #[serde(default)]
    pub http_only: bool,
    #[serde(default)]
    pub same_site: Option<SameSite>,
}

impl SessionCookie {
    /// A cookie with no attributes (as `EPTS_PORTAL_SESSION` gives one).
    pub fn plain(name: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            value: value.to_owned(),
            domain: None,
            path: None,
            secure: false,
            http_only: false,
            same_site: None,
        }
    }

    /// Only what can go into a `Cookie` header: the portal could not have set the rest,
    /// and a CR/LF in a value would let a page inject headers.
    fn is_valid(&self) -> bool {
        let token = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b',')
        };
        token(&self.name)
            && !self.name.contains('=')
            && (self.value.is_empty() || token(&self.value))
    }
}

impl Drop for SessionCookie {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

impl fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCookie")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .field("domain", &self.domain)
            .field("secure", &self.secure)
            .finish()
    }
}

/// The cookies that make a logged-in portal session.
#[derive(Clone, Default)]
pub struct Session {
    cookies: Vec<SessionCookie>,
}

impl Session {
    /// From the cookies as the webview reports them; invalid ones are dropped.
    pub fn new(cookies: impl IntoIterator<Item = SessionCookie>) -> Self {
        Self {
            cookies: cookies
                .into_iter()
                .filter(SessionCookie::is_valid)
                .collect(),
        }
    }

    /// From bare `(name, value)` pairs.
    pub fn from_cookies<'a>(cookies: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::new(
            cookies
                .into_iter()
                .map(|(name, value)| SessionCookie::plain(name, value)),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    /// The cookies with their attributes, to put them back into the portal window.
    pub fn cookies(&self) -> &[SessionCookie] {
        &self.cookies
    }

    /// Whether `value` is one of the session's cookie values (tests search logs and files
    /// for them).
    pub fn has_value(&self, value: &str) -> bool {
        self.cookies.iter().any(|c| c.value == value)
    }

    /// The `Cookie` header value to send (zeroed when dropped).
    pub(crate) fn cookie_header(&self) -> Zeroizing<String> {
        let mut header = Zeroizing::new(String::with_capacity(
            self.cookies
                .iter()
                .map(|c| c.name.len() + c.value.len() + 3)
                .sum(),
        ));
        for c in &self.cookies {
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(&c.name);
            header.push('=');
            header.push_str(&c.value);
        }
        header
    }

    /// The session as one secret string, to keep it in the keyring or the vault.
    pub fn to_secret(&self) -> Zeroizing<String> {
        // A list of plain structs always serialises.
        Zeroizing::new(serde_json::to_string(&self.cookies).unwrap_or_default())
    }

    /// A session kept by [`Session::to_secret`], or by versions that kept only a
    /// `Cookie` header (`a=1; b=2`); whatever is not a cookie is dropped.
    pub fn from_secret(secret: &str) -> Self {
        match serde_json::from_str::<Vec<SessionCookie>>(secret) {
            Ok(cookies) => Self::new(cookies),
            Err(_) => {
                Self::from_cookies(secret.split("; ").filter_map(|pair| pair.split_once('=')))
            }
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Session({} cookies, redacted)", self.cookies.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_cookie() {
        let s = Session::from_cookies([("JSESSIONID", "s3cr3t-value"), ("portal_state", "x")]);
        let shown = format!("{s:?} {:?}", s.cookies());
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.starts_with("Session(2 cookies, redacted)"));
        assert_eq!(
            s.cookie_header().as_str(),
            "JSESSIONID=s3cr3t-value; portal_state=x"
        );
    }

    #[test]
    fn a_kept_session_comes_back_with_its_attributes() {
        let mut cookie = SessionCookie::plain("JSESSIONID", "abc==");
        cookie.domain = Some("portal.example.ru".into());
        cookie.path = Some("/".into());
        cookie.secure = true;
        cookie.http_only = true;
        cookie.same_site = Some(SameSite::Lax);
        let s = Session::new([cookie.clone(), SessionCookie::plain("portal_state", "")]);
        let back = Session::from_secret(&s.to_secret());
        assert_eq!(back.cookies(), s.cookies());
        assert_eq!(back.cookies()[0], cookie);
        assert!(Session::from_secret("garbage without pairs").is_empty());
    }

    #[test]
    fn a_session_kept_by_an_older_version_still_opens() {
        let s = Session::from_secret("JSESSIONID=abc==; portal_state=x");
        assert_eq!(
            s.cookie_header().as_str(),
            "JSESSIONID=abc==; portal_state=x"
        );
        assert!(s.has_value("abc=="));
    }

    #[test]
    fn header_injection_is_impossible() {
        let s = Session::from_cookies([("a", "1\r\nX-Evil: 1"), ("b;c", "2"), ("d", "3")]);
        assert_eq!(s.cookie_header().as_str(), "d=3");
    }
}
