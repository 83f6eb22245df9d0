//! Why a portal call failed, in words a person can act on.

use crate::Code;
use crate::lang::{Lang, Localized};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// No connection at all (no network, DNS, refused).
    #[error("portal unreachable")]
    Offline,
    #[error("portal did not answer in time")]
    Timeout,
    /// 5xx after all retries.
    #[error("portal server error {status}")]
    Server { status: u16 },
    /// Planned maintenance (503 with the maintenance page).
    #[error("portal under maintenance")]
    Maintenance { retry_after: Option<Duration> },
    /// 401: the session ended; log in again.
    #[error("session expired")]
    SessionExpired,
    #[error("access denied")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Another 4xx: the portal refused the request as made.
    #[error("request refused with {status}")]
    Rejected { status: u16 },
    /// The answer could not be read (not JSON of the expected shape, or too large).
    #[error("unreadable answer: {detail}")]
    BadResponse { detail: String },
    /// The local clock is off by more than five minutes.
    #[error("clock skewed by {seconds} s")]
    ClockSkewed { seconds: i64 },
    /// The portal address in the settings is not a URL.
    #[error("bad portal address {0}")]
    BadAddress(String),
    /// Asked for one record, the portal answered with another: nothing of it is stored.
    #[error("asked for record {asked}, got {got}")]
    WrongRecord { asked: String, got: String },
    /// The list's pages do not add up to the total its first page announced (a page
    /// repeated or came back empty too early, or the total is beyond any real account).
    #[error("list announced {announced} records, pages brought {got}")]
    ListInconsistent { announced: usize, got: usize },
}

impl PortalError {
    /// Temporary failures are retried; everything a retry cannot change is not.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            PortalError::Offline | PortalError::Timeout | PortalError::Server { .. }
        )
    }
}

fn minutes(d: Duration) -> u64 {
    d.as_secs().div_ceil(60).max(1)
}

impl Localized for PortalError {
    fn code(&self) -> Code {
        match self {
            PortalError::Offline => Code::PortalOffline,
            PortalError::Timeout => Code::PortalTimeout,
            PortalError::Server { .. } => Code::PortalServerError,
            PortalError::Maintenance { .. } => Code::PortalMaintenance,
            PortalError::SessionExpired => Code::SessionExpired,
            PortalError::Forbidden => Code::PortalForbidden,
            PortalError::NotFound => Code::PortalNotFound,
            PortalError::Rejected { .. } => Code::PortalRejected,
            PortalError::BadResponse { .. } => Code::PortalBadResponse,
            PortalError::ClockSkewed { .. } => Code::ClockSkewed,
            PortalError::BadAddress(_) => Code::PortalBadAddress,
            PortalError::WrongRecord { .. } => Code::PortalWrongRecord,
            PortalError::ListInconsistent { .. } => Code::PortalListInconsistent,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PortalError::Offline, Lang::Ru) => "Нет связи с порталом. Проверьте подключение к интернету; архив доступен и без связи.".into(),
            (PortalError::Offline, Lang::En) => "No connection to the portal. Check the internet connection; the archive works offline.".into(),
            (PortalError::Timeout, Lang::Ru) => "Портал не ответил вовремя — вероятно, он перегружен. Попробуйте позже; введённые данные сохранены.".into(),
            (PortalError::Timeout, Lang::En) => "The portal did not answer in time; it is probably overloaded. Try later; what you entered is saved.".into(),
            (PortalError::Server { status }, Lang::Ru) => format!("Портал временно не работает (ошибка {status}). Повторите попытку через несколько минут; введённые данные сохранены."),
            (PortalError::Server { status }, Lang::En) => format!("The portal is temporarily failing (error {status}). Try again in a few minutes; what you entered is saved."),
            (PortalError::Maintenance { retry_after: Some(d) }, Lang::Ru) => format!("На портале плановые технические работы. Попробуйте примерно через {} мин.", minutes(*d)),
            (PortalError::Maintenance { retry_after: Some(d) }, Lang::En) => format!("The portal is under planned maintenance. Try again in about {} min.", minutes(*d)),
            (PortalError::Maintenance { retry_after: None }, Lang::Ru) => "На портале плановые технические работы. Попробуйте позже.".into(),
            (PortalError::Maintenance { retry_after: None }, Lang::En) => "The portal is under planned maintenance. Try again later.".into(),
            (PortalError::SessionExpired, Lang::Ru) => "Сеанс на портале закончился. Войдите через Госуслуги снова.".into(),
            (PortalError::SessionExpired, Lang::En) => "The portal session has ended. Log in through Gosuslugi again.".into(),
            (PortalError::Forbidden, Lang::Ru) => "Портал отказал в доступе. Проверьте, что вы вошли под нужной учётной записью.".into(),
            (PortalError::Forbidden, Lang::En) => "The portal denied access. Check that you logged in with the right account.".into(),
            (PortalError::NotFound, Lang::Ru) => "На портале нет таких сведений («Недостаточно сведений»). Проверьте номер.".into(),
            (PortalError::NotFound, Lang::En) => "The portal has no such record («Недостаточно сведений»). Check the number.".into(),
            (PortalError::Rejected { status }, Lang::Ru) => format!("Портал отклонил запрос (код {status}). Возможно, портал изменился: обновите приложение."),
            (PortalError::Rejected { status }, Lang::En) => format!("The portal refused the request (code {status}). The portal may have changed: update the app."),
            (PortalError::BadResponse { .. }, Lang::Ru) => "Портал ответил непонятно. Возможно, он изменился: обновите приложение или повторите позже.".into(),
            (PortalError::BadResponse { .. }, Lang::En) => "The portal's answer could not be read. It may have changed: update the app or try later.".into(),
            (PortalError::ClockSkewed { seconds }, Lang::Ru) => format!("Часы компьютера {} на {} мин. Коды подтверждения и подписи с такими часами не работают: включите автоматическую синхронизацию времени и попробуйте снова.", if *seconds > 0 { "отстают" } else { "спешат" }, seconds.unsigned_abs().div_ceil(60)),
            (PortalError::ClockSkewed { seconds }, Lang::En) => format!("The computer's clock is {} min {}. Codes and signatures fail with such a clock: turn on automatic time sync and try again.", seconds.unsigned_abs().div_ceil(60), if *seconds > 0 { "behind" } else { "ahead" }),
            (PortalError::BadAddress(a), Lang::Ru) => format!("Адрес портала «{a}» в настройках не похож на адрес сайта. Исправьте его в «Настройках»."),
            (PortalError::BadAddress(a), Lang::En) => format!("The portal address «{a}» in the settings is not a web address. Fix it in Settings."),
            (PortalError::WrongRecord { asked, got }, Lang::Ru) => format!("Портал на запрос ЭПТС {asked} прислал другой паспорт ({got}). Ничего из этого ответа не сохранено; загрузка остановлена — повторите её позже, а если повторится, сообщите в поддержку портала."),
            (PortalError::WrongRecord { asked, got }, Lang::En) => format!("Asked for ePTS {asked}, the portal sent another passport ({got}). Nothing of that answer was saved and the sync stopped; try again later, and if it happens again tell the portal's support."),
            (PortalError::ListInconsistent { announced, got }, Lang::Ru) => format!("Список ЭПТС на портале не сходится: обещано {announced}, получено {got}. В архив ничего не записано; повторите загрузку позже."),
            (PortalError::ListInconsistent { announced, got }, Lang::En) => format!("The portal's list of ePTS does not add up: {announced} announced, {got} received. Nothing was written to the archive; sync again later."),
        }
    }
}
