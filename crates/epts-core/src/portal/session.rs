//! A portal session: the cookies read from the login webview. A secret: it never appears in
//! Debug output or logs, and its memory is zeroed when dropped.

use std::fmt;
use zeroize::Zeroizing;

/// The cookies that make a logged-in portal session.
#[derive(Clone)]
pub struct Session {
    cookie_header: Zeroizing<String>,
}

impl Session {
    /// From `(name, value)` pairs as the webview reports them. Pairs with characters that
    /// cannot go into a `Cookie` header are skipped: the portal could not have set them.
    pub fn from_cookies<'a>(cookies: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let valid = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b',')
        };
        let mut header = Zeroizing::new(String::new());
        for (name, value) in cookies {
            if !valid(name) || (!value.is_empty() && !valid(value)) || name.contains('=') {
                continue;
            }
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
        }
        Self {
            cookie_header: header,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.cookie_header.is_empty()
    }

    /// The `Cookie` header value to send.
    pub(crate) fn cookie_header(&self) -> &str {
        &self.cookie_header
    }

    /// The session as one secret string, to keep it in the keyring or the vault.
    pub fn to_secret(&self) -> Zeroizing<String> {
        self.cookie_header.clone()
    }

    /// A session kept by [`Session::to_secret`]; whatever is not a cookie pair is dropped.
    pub fn from_secret(secret: &str) -> Self {
        Self::from_cookies(secret.split("; ").filter_map(|pair| pair.split_once('=')))
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self
            .cookie_header
            .split("; ")
            .filter(|s| !s.is_empty())
            .count();
        write!(f, "Session({count} cookies, redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_cookie() {
        let s = Session::from_cookies([("JSESSIONID", "s3cr3t-value"), ("portal_state", "x")]);
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(shown, "Session(2 cookies, redacted)");
        assert_eq!(s.cookie_header(), "JSESSIONID=s3cr3t-value; portal_state=x");
    }

    #[test]
    fn a_kept_session_comes_back_the_same() {
        let s = Session::from_cookies([("JSESSIONID", "abc=="), ("portal_state", "")]);
        let back = Session::from_secret(&s.to_secret());
        assert_eq!(back.cookie_header(), s.cookie_header());
        assert!(Session::from_secret("garbage without pairs").is_empty());
    }

    #[test]
    fn header_injection_is_impossible() {
        let s = Session::from_cookies([("a", "1\r\nX-Evil: 1"), ("b;c", "2"), ("d", "3")]);
        assert_eq!(s.cookie_header(), "d=3");
    }
}
