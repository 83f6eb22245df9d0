//! Login failures seen from outside the pages: Gosuslugi (ESIA) and the portal both end a
//! failed login by sending the browser to an error page whose URL carries the code
//! (`…/error?code=ESIA-007004`). The login window sees URLs, not pages, so the code in the
//! URL is what the app turns into a message with the next step.

use crate::Code;
use crate::lang::{Lang, Localized};
use reqwest::Url;

/// Why a login in the portal window ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginFailure {
    #[error("wrong login or password")]
    WrongPassword,
    #[error("account blocked after wrong passwords")]
    AccountBlocked,
    #[error("login blocked for a while after wrong codes")]
    CodeBlocked,
    #[error("confirmation code expired")]
    CodeExpired,
    #[error("wrong confirmation code")]
    WrongCode,
    #[error("account not confirmed")]
    NotConfirmed,
    #[error("redirect_uri does not match the registration")]
    RedirectMismatch,
    #[error("the portal is not a known client of ESIA")]
    UnknownClient,
    #[error("ESIA lost the login session")]
    EsiaSessionLost,
    #[error("consent refused")]
    ConsentRefused,
    #[error("login session lost between the sites")]
    SessionLost,
    #[error("authorization code invalid or used")]
    AuthCodeInvalid,
    #[error("authorization code expired")]
    AuthCodeExpired,
    #[error("account not found on the portal")]
    AccountNotFound,
    /// An error page with a code this app does not know; the code is kept for support.
    #[error("login failed with code {0}")]
    Other(String),
}

/// Codes are at most this long; anything longer is not a code and is cut (it goes into a
/// message the user may copy to support).
const MAX_CODE: usize = 40;

impl LoginFailure {
    /// The failure an error page's URL names, or `None` for any other page.
    ///
    /// Both ESIA (`/esia/error`) and the portal (`/error`) put the code in the query; a
    /// `reason` tells apart the portal's failures that share one ESIA code.
    pub fn from_url(url: &Url) -> Option<Self> {
        let path = url.path().trim_end_matches('/');
        if !path.ends_with("/error") {
            return None;
        }
        let mut code = None;
        let mut reason = None;
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "code" => code = Some(v.into_owned()),
                "reason" => reason = Some(v.into_owned()),
                _ => {}
            }
        }
        let code = code?;
        Some(Self::from_code(&code, reason.as_deref()))
    }

    fn from_code(code: &str, reason: Option<&str>) -> Self {
        match (code, reason) {
            ("ESIA-007002", _) => Self::WrongPassword,
            ("ESIA-007004", _) => Self::AccountBlocked,
            ("ESIA-007005", _) => Self::CodeBlocked,
            ("ESIA-007007", _) => Self::CodeExpired,
            ("ESIA-007008", _) => Self::WrongCode,
            ("ESIA-007009", _) => Self::NotConfirmed,
            ("ESIA-007013", _) => Self::UnknownClient,
            ("ESIA-007014", _) => Self::RedirectMismatch,
            ("ESIA-007016", _) => Self::EsiaSessionLost,
            ("ESIA-007019", Some("expired")) => Self::AuthCodeExpired,
            ("ESIA-007019", _) => Self::AuthCodeInvalid,
            ("consent_refused" | "access_denied", _) => Self::ConsentRefused,
            ("session_lost", _) => Self::SessionLost,
            ("account_not_found", _) => Self::AccountNotFound,
            (other, _) => {
                let printable: String = other
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .take(MAX_CODE)
                    .collect();
                Self::Other(printable)
            }
        }
    }
}

impl Localized for LoginFailure {
    fn code(&self) -> Code {
        match self {
            Self::WrongPassword => Code::EsiaWrongPassword,
            Self::AccountBlocked => Code::EsiaAccountBlocked,
            Self::CodeBlocked => Code::EsiaCodeBlocked,
            Self::CodeExpired => Code::EsiaCodeExpired,
            Self::WrongCode => Code::EsiaWrongCode,
            Self::NotConfirmed => Code::EsiaNotConfirmed,
            Self::RedirectMismatch => Code::EsiaRedirectMismatch,
            Self::UnknownClient => Code::EsiaUnknownClient,
            Self::EsiaSessionLost => Code::EsiaSessionLost,
            Self::ConsentRefused => Code::LoginConsentRefused,
            Self::SessionLost => Code::LoginSessionLost,
            Self::AuthCodeInvalid => Code::LoginCodeInvalid,
            Self::AuthCodeExpired => Code::LoginCodeExpired,
            Self::AccountNotFound => Code::LoginAccountNotFound,
            Self::Other(_) => Code::LoginFailed,
        }
    }

    fn message(&self, lang: Lang) -> String {
        let (ru, en): (&str, &str) = match self {
            Self::WrongPassword => (
                "Госуслуги: неверный логин или пароль. Проверьте раскладку клавиатуры и нажмите «Войти через Госуслуги» снова. После трёх неверных паролей вход блокируется.",
                "Gosuslugi: wrong login or password. Check the keyboard layout and press «Log in with Gosuslugi» again. Three wrong passwords block the account.",
            ),
            Self::AccountBlocked => (
                "Госуслуги заблокировали учётную запись после нескольких неверных паролей. Восстановите доступ на gosuslugi.ru («Забыли пароль?») или в центре обслуживания, затем войдите снова.",
                "Gosuslugi blocked the account after several wrong passwords. Restore access on gosuslugi.ru («Forgot password?») or at a service centre, then log in again.",
            ),
            Self::CodeBlocked => (
                "Госуслуги временно запретили вход: слишком много неверных кодов подтверждения. Подождите 15–30 минут и войдите снова.",
                "Gosuslugi blocked logins for a while: too many wrong confirmation codes. Wait 15–30 minutes and log in again.",
            ),
            Self::CodeExpired => (
                "Срок действия кода подтверждения истёк (код живёт около 5 минут). Войдите снова и введите новый код сразу после получения.",
                "The confirmation code expired (a code lives about 5 minutes). Log in again and type the new code as soon as it arrives.",
            ),
            Self::WrongCode => (
                "Неверный код подтверждения. Войдите снова и введите код из последнего сообщения.",
                "Wrong confirmation code. Log in again and type the code from the latest message.",
            ),
            Self::NotConfirmed => (
                "Учётная запись на Госуслугах не подтверждена, а портал ЭПТС принимает только подтверждённые. Подтвердите личность (в центре обслуживания, через банк или электронной подписью) и войдите снова.",
                "The Gosuslugi account is not confirmed, and the ePTS portal accepts confirmed accounts only. Confirm your identity (at a service centre, through a bank or with an e-signature) and log in again.",
            ),
            Self::RedirectMismatch => (
                "Госуслуги отклонили вход: «Недопустимый адрес перенаправления». Так бывает, когда адрес портала в «Настройках» неверен: проверьте его; если он верен, ошибка на стороне портала — обратитесь в его поддержку.",
                "Gosuslugi refused the login: «invalid redirect address». This happens when the portal address in Settings is wrong: check it; if it is right, the portal is at fault — contact its support.",
            ),
            Self::UnknownClient => (
                "Госуслуги не знают этот портал. Проверьте адрес портала в «Настройках».",
                "Gosuslugi do not know this portal. Check the portal address in Settings.",
            ),
            Self::EsiaSessionLost => (
                "Госуслуги потеряли сеанс входа (вход занял слишком долго или cookie запрещены). Нажмите «Войти через Госуслуги» снова.",
                "Gosuslugi lost the login session (the login took too long or cookies are blocked). Press «Log in with Gosuslugi» again.",
            ),
            Self::ConsentRefused => (
                "Вы не разрешили Госуслугам передать данные порталу ЭПТС, поэтому вход не состоялся. Войдите снова и нажмите «Предоставить» на странице согласия.",
                "You did not allow Gosuslugi to pass your data to the ePTS portal, so the login did not happen. Log in again and press «Allow» on the consent page.",
            ),
            Self::SessionLost => (
                "Сеанс входа потерялся при переходе с Госуслуг на портал: вероятно, cookie сторонних сайтов запрещены. Разрешите cookie для портала и начните вход заново.",
                "The login session was lost between Gosuslugi and the portal: third-party cookies are probably blocked. Allow cookies for the portal and start the login again.",
            ),
            Self::AuthCodeInvalid => (
                "Портал не принял код авторизации от Госуслуг (он уже использован или недействителен). Нажмите «Войти через Госуслуги» снова.",
                "The portal did not accept the authorization code from Gosuslugi (it was used or is invalid). Press «Log in with Gosuslugi» again.",
            ),
            Self::AuthCodeExpired => (
                "Код авторизации истёк, пока шёл вход. Нажмите «Войти через Госуслуги» снова и проверьте, что часы компьютера идут верно.",
                "The authorization code expired during the login. Press «Log in with Gosuslugi» again and check the computer's clock.",
            ),
            Self::AccountNotFound => (
                "Учётная запись не найдена на портале ЭПТС: она не связана с этой учётной записью Госуслуг. Зарегистрируйтесь в личном кабинете портала или войдите под другой учётной записью.",
                "No account on the ePTS portal is linked to this Gosuslugi account. Register in the portal's cabinet or log in with another account.",
            ),
            Self::Other(code) => {
                return lang.pick(
                    &format!("Вход не удался (код {code}). Попробуйте снова; если ошибка повторится, сообщите этот код в поддержку портала."),
                    &format!("The login failed (code {code}). Try again; if it repeats, give this code to the portal's support."),
                ).to_owned();
            }
        };
        lang.pick(ru, en).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn only_error_pages_are_failures() {
        for page in [
            "http://127.0.0.1:1/login",
            "http://127.0.0.1:1/esia/login?code=ESIA-007004",
            "http://127.0.0.1:1/cabinet",
            "http://127.0.0.1:1/esia/error",
        ] {
            assert_eq!(LoginFailure::from_url(&url(page)), None, "{page}");
        }
    }

    #[test]
    fn the_reason_tells_an_expired_code_from_a_used_one() {
        let expired = url("http://h/error?code=ESIA-007019&reason=expired");
        let used = url("http://h/error?code=ESIA-007019");
        assert_eq!(
            LoginFailure::from_url(&expired),
            Some(LoginFailure::AuthCodeExpired)
        );
        assert_eq!(
            LoginFailure::from_url(&used),
            Some(LoginFailure::AuthCodeInvalid)
        );
    }

    #[test]
    fn an_unknown_code_is_kept_printable_and_short() {
        let odd = url("http://h/esia/error?code=%3Cscript%3EESIA-999999%0A");
        let failure = LoginFailure::from_url(&odd).expect("an error page");
        assert_eq!(failure, LoginFailure::Other("scriptESIA-999999".into()));
        assert!(failure.message(Lang::Ru).contains("код scriptESIA-999999"));
        let long = url(&format!("http://h/error?code={}", "A".repeat(500)));
        let LoginFailure::Other(code) = LoginFailure::from_url(&long).expect("an error page")
        else {
            panic!("not a known code");
        };
        assert_eq!(code.len(), MAX_CODE);
    }
}
