//! [`PortalAddress`]: the one place that decides which portal addresses the app accepts,
//! how one is spelled, what "loopback" means, and which pages the portal window may show.
//!
//! Plain HTTP is accepted only on this computer (a stand-in such as portal-sim): a session
//! cookie must never cross a network unencrypted. Settings, `EPTS_PORTAL_URL` and the
//! CLI's `--portal` all parse through here, so they get the same rule and the same words.

use crate::lang::{Code, Lang, Localized};
use reqwest::Url;
use std::fmt;

/// Where each known portal sends its users to log in (besides its own origin). A portal
/// not listed here is assumed to use Gosuslugi's production ESIA.
const LOGIN_ORIGINS: &[(&str, &[&str])] = &[
    ("portal.elpts.ru", &["https://esia.gosuslugi.ru"]),
    ("lk.elpts.ru", &["https://esia.gosuslugi.ru"]),
    ("elpts.ru", &["https://esia.gosuslugi.ru"]),
];
const DEFAULT_LOGIN_ORIGINS: &[&str] = &["https://esia.gosuslugi.ru"];

/// A portal address the app cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("not a web address: {0}")]
    NotAUrl(String),
    /// Plain HTTP to another computer.
    #[error("plain http to another computer: {0}")]
    Insecure(String),
}

impl Localized for AddressError {
    fn code(&self) -> Code {
        Code::BadPortalUrl
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            AddressError::NotAUrl(a) => lang.pick(
                &format!("«{a}» — не адрес сайта. Введите адрес целиком, например https://portal.example.ru/"),
                &format!("«{a}» is not a web address. Type the whole address, e.g. https://portal.example.ru/"),
            ).to_owned(),
            AddressError::Insecure(a) => lang.pick(
                &format!("Адрес «{a}» без шифрования (http). Для портала нужен https://; http допустим только для песочницы на этом компьютере."),
                &format!("«{a}» is unencrypted (http). A portal needs https://; http is allowed only for a sandbox on this computer."),
            ).to_owned(),
        }
    }
}

/// A checked portal address, spelled one way (`https://host[:port]/path/`, always with the
/// trailing slash): the sync cursor and the kept session are filed under this spelling by
/// the app and the CLI alike.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PortalAddress {
    url: Url,
    spelled: String,
}

impl PortalAddress {
    /// Parses an address as a person types it: http(s), a host, https unless on loopback.
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        let text = text.trim();
        let not_a_url = || AddressError::NotAUrl(text.to_owned());
        let mut url = Url::parse(text).map_err(|_| not_a_url())?;
        if url.host().is_none() || url.cannot_be_a_base() {
            return Err(not_a_url());
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(AddressError::Insecure(text.to_owned())),
            _ => return Err(not_a_url()),
        }
        // Credentials, a query or a fragment in a portal's base address can only be a
        // mistake (or a trap); the address is where the portal lives, nothing more.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(not_a_url());
        }
        url.set_query(None);
        url.set_fragment(None);
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        let spelled = url.as_str().to_owned();
        Ok(Self { url, spelled })
    }

    /// The one spelling (with the trailing slash).
    pub fn as_str(&self) -> &str {
        &self.spelled
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// `scheme://host[:port]`, as browsers compare origins.
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    /// The host as the portal window's title shows it.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// A page of the portal (`path` relative to the base, e.g. `cabinet`).
    pub fn page(&self, path: &str) -> Url {
        self.url.join(path).unwrap_or_else(|_| self.url.clone())
    }

    /// On this computer: only a stand-in can be here.
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.url)
    }

    /// Whether `url` is on the portal's own origin (the only one its session goes to).
    pub fn is_own(&self, url: &Url) -> bool {
        url.origin() == self.url.origin()
    }

    /// The origins this portal sends users to for the login (Gosuslugi's ESIA).
    pub fn login_origins(&self) -> Vec<String> {
        let host = self.host().to_ascii_lowercase();
        LOGIN_ORIGINS
            .iter()
            .find(|(portal, _)| *portal == host)
            .map_or(DEFAULT_LOGIN_ORIGINS, |(_, origins)| origins)
            .iter()
            .map(|o| (*o).to_owned())
            .collect()
    }

    /// Whether the portal window may show `url`: `about:blank`, a page of the portal
    /// itself, or an https page of the login origins this portal uses. Anything else (an
    /// outside link, an open redirect, another port on this computer) is refused: the
    /// window has no address bar and the app's trusted title, so a stranger's page in it
    /// could ask for the password and the code.
    pub fn allows_in_window(&self, url: &Url) -> bool {
        if url.as_str() == "about:blank" {
            return true;
        }
        if self.is_own(url) {
            return true;
        }
        url.scheme() == "https"
            && self
                .login_origins()
                .iter()
                .any(|o| *o == url.origin().ascii_serialization())
    }
}

/// Whether `url`'s host is this computer: `localhost`, 127.0.0.0/8 or `::1`. The one
/// definition of "loopback" in the app.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl fmt::Display for PortalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spelled)
    }
}

impl fmt::Debug for PortalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PortalAddress({})", self.spelled)
    }
}

impl std::str::FromStr for PortalAddress {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn one_spelling_with_the_trailing_slash() {
        let a = PortalAddress::parse(" https://Portal.Example.ru ").expect("https");
        assert_eq!(a.as_str(), "https://portal.example.ru/");
        let b = PortalAddress::parse("https://portal.example.ru/").expect("https");
        assert_eq!(a, b);
        let c = PortalAddress::parse("https://portal.example.ru/lk?x=1#y").expect("path");
        assert_eq!(c.as_str(), "https://portal.example.ru/lk/");
        assert_eq!(
            c.page("cabinet").as_str(),
            "https://portal.example.ru/lk/cabinet"
        );
    }

    #[test]
    fn https_unless_this_computer() {
        for ok in [
            "http://127.0.0.1:8700",
            "http://localhost:1/",
            "http://[::1]:9/",
            "http://127.1.2.3/",
        ] {
            let a = PortalAddress::parse(ok).expect(ok);
            assert!(a.is_loopback(), "{ok}");
        }
        for insecure in [
            "http://portal.example.ru",
            "http://10.0.0.1",
            "http://localhost.example.ru",
        ] {
            let e = PortalAddress::parse(insecure).expect_err(insecure);
            assert!(matches!(e, AddressError::Insecure(_)), "{insecure}");
            assert!(e.message(Lang::Ru).contains("https://"));
            assert_eq!(e.code(), Code::BadPortalUrl);
        }
        for bad in [
            "portal.example.ru",
            "ftp://x.ru",
            "",
            "https://",
            "data:text/html,x",
            "https://user:pw@portal.example.ru/",
        ] {
            assert!(
                matches!(PortalAddress::parse(bad), Err(AddressError::NotAUrl(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_window_stays_on_the_portal_and_its_login() {
        let sandbox = PortalAddress::parse("http://127.0.0.1:8700").expect("sandbox");
        assert!(sandbox.allows_in_window(&url("about:blank")));
        assert!(sandbox.allows_in_window(&url("http://127.0.0.1:8700/esia/login?x=1")));
        // Another port on this computer is another site.
        assert!(!sandbox.allows_in_window(&url("http://127.0.0.1:8701/")));
        assert!(!sandbox.allows_in_window(&url("http://localhost:8700/")));
        assert!(!sandbox.allows_in_window(&url("https://evil.example/")));
        assert!(!sandbox.allows_in_window(&url("data:text/html,<b>x</b>")));
        assert!(!sandbox.allows_in_window(&url("javascript:alert(1)")));

        let real = PortalAddress::parse("https://portal.elpts.ru").expect("real");
        assert!(real.allows_in_window(&url("https://esia.gosuslugi.ru/login/")));
        assert!(!real.allows_in_window(&url("http://esia.gosuslugi.ru/login/")));
        assert!(!real.allows_in_window(&url("https://esia.gosuslugi.ru.evil.example/")));
        assert!(!real.allows_in_window(&url("https://gosuslugi.ru.example/")));
        assert!(real.allows_in_window(&url("https://portal.elpts.ru/cabinet")));
        assert!(!real.allows_in_window(&url("https://portal.elpts.ru:8443/cabinet")));
    }
}
