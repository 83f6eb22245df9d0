//! One report shape for every identifier, shared by the CLI (`epts validate`) and the app.

use super::{DocDate, Email, EptsNumber, Inn, Ogrn, Ogrnip, Passport, Phone, Plate, Snils, Vin};
use crate::Code;
use crate::lang::{Lang, Localized};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which identifier to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    Vin,
    Epts,
    Snils,
    Inn,
    Ogrn,
    Ogrnip,
    Passport,
    Plate,
    Phone,
    Email,
    Date,
}

impl IdKind {
    /// Every kind, in the order the UI lists them.
    pub const ALL: [IdKind; 11] = [
        IdKind::Vin,
        IdKind::Epts,
        IdKind::Snils,
        IdKind::Inn,
        IdKind::Ogrn,
        IdKind::Ogrnip,
        IdKind::Passport,
        IdKind::Plate,
        IdKind::Phone,
        IdKind::Email,
        IdKind::Date,
    ];

    /// The snake_case name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Vin => "vin",
            IdKind::Epts => "epts",
            IdKind::Snils => "snils",
            IdKind::Inn => "inn",
            IdKind::Ogrn => "ogrn",
            IdKind::Ogrnip => "ogrnip",
            IdKind::Passport => "passport",
            IdKind::Plate => "plate",
            IdKind::Phone => "phone",
            IdKind::Email => "email",
            IdKind::Date => "date",
        }
    }

    /// The name a person reads.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            IdKind::Vin => "VIN",
            IdKind::Epts => lang.pick("Номер ЭПТС", "ePTS number"),
            IdKind::Snils => lang.pick("СНИЛС", "SNILS"),
            IdKind::Inn => lang.pick("ИНН", "INN"),
            IdKind::Ogrn => lang.pick("ОГРН", "OGRN"),
            IdKind::Ogrnip => lang.pick("ОГРНИП", "OGRNIP"),
            IdKind::Passport => lang.pick("Паспорт РФ", "Russian passport"),
            IdKind::Plate => lang.pick("Госномер", "Licence plate"),
            IdKind::Phone => lang.pick("Телефон", "Phone"),
            IdKind::Email => "E-mail",
            IdKind::Date => lang.pick("Дата", "Date"),
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`IdKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown identifier kind `{0}`: expected one of vin, epts, snils, inn, ogrn, ogrnip, passport, plate, phone, email, date"
)]
pub struct UnknownIdKind(pub String);

impl FromStr for IdKind {
    type Err = UnknownIdKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        IdKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| UnknownIdKind(s.to_owned()))
    }
}

/// A problem or a note about the input, with a stable code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Finding {
    pub code: Code,
    pub message: String,
}

impl Finding {
    pub fn from_localized(problem: &impl Localized, lang: Lang) -> Self {
        Self {
            code: problem.code(),
            message: problem.message(lang),
        }
    }
}

/// A fact read from a valid identifier, shown back to the user (e.g. the ePTS's country).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Detail {
    pub label: String,
    pub value: String,
}

impl Detail {
    pub(crate) fn new(label: &str, value: impl Into<String>) -> Self {
        Self {
            label: label.to_owned(),
            value: value.into(),
        }
    }
}

/// The verdict on one input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub kind: IdKind,
    /// The input exactly as given.
    pub input: String,
    /// The normalised value; `None` when the input is invalid.
    pub normalized: Option<String>,
    /// Valid means no errors; warnings are allowed.
    pub valid: bool,
    pub warnings: Vec<Finding>,
    pub errors: Vec<Finding>,
    pub details: Vec<Detail>,
}

/// What a valid value contributes to its report.
struct Accepted {
    normalized: String,
    warnings: Vec<Finding>,
    details: Vec<Detail>,
}

fn accepted(normalized: impl fmt::Display, details: Vec<Detail>) -> Accepted {
    Accepted {
        normalized: normalized.to_string(),
        warnings: Vec::new(),
        details,
    }
}

fn outcome<T, E: Localized>(
    parsed: Result<T, E>,
    lang: Lang,
    on_ok: impl FnOnce(T) -> Accepted,
) -> Result<Accepted, Finding> {
    parsed
        .map(on_ok)
        .map_err(|e| Finding::from_localized(&e, lang))
}

/// Checks `input` as an identifier of `kind`; dates are judged against `today`.
pub fn check(kind: IdKind, input: &str, lang: Lang, today: time::Date) -> Report {
    let result = match kind {
        IdKind::Vin => outcome(Vin::parse(input), lang, |v| Accepted {
            warnings: v
                .warnings()
                .iter()
                .map(|w| Finding::from_localized(w, lang))
                .collect(),
            details: v.details(lang),
            normalized: v.to_string(),
        }),
        IdKind::Epts => outcome(EptsNumber::parse(input), lang, |v| {
            let details = v.details(lang);
            accepted(v, details)
        }),
        IdKind::Snils => outcome(Snils::parse(input), lang, |v| accepted(v, Vec::new())),
        IdKind::Inn => outcome(Inn::parse(input), lang, |v| {
            let details = v.details(lang);
            accepted(v, details)
        }),
        IdKind::Ogrn => outcome(Ogrn::parse(input), lang, |v| {
            let details = v.details(lang);
            accepted(v, details)
        }),
        IdKind::Ogrnip => outcome(Ogrnip::parse(input), lang, |v| {
            let details = v.details(lang);
            accepted(v, details)
        }),
        IdKind::Passport => outcome(Passport::parse(input), lang, |v| {
            let details = v.details(lang);
            accepted(v, details)
        }),
        IdKind::Plate => outcome(Plate::parse(input), lang, |v| {
            let details = v.details(lang);
            accepted(v, details)
        }),
        IdKind::Phone => outcome(Phone::parse(input), lang, |v| {
            let details = v.details(lang);
            accepted(v, details)
        }),
        IdKind::Email => outcome(Email::parse(input), lang, |v| accepted(v, Vec::new())),
        IdKind::Date => outcome(DocDate::parse(input, today), lang, |v| {
            accepted(v, Vec::new())
        }),
    };
    match result {
        Ok(ok) => Report {
            kind,
            input: input.to_owned(),
            normalized: Some(ok.normalized),
            valid: true,
            warnings: ok.warnings,
            errors: Vec::new(),
            details: ok.details,
        },
        Err(error) => Report {
            kind,
            input: input.to_owned(),
            normalized: None,
            valid: false,
            warnings: Vec::new(),
            errors: vec![error],
            details: Vec::new(),
        },
    }
}

/// [`check`] against today's local date (UTC when the local offset is unknown).
pub fn check_today(kind: IdKind, input: &str, lang: Lang) -> Report {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    check(kind, input, lang, now.date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: time::Date = date!(2026 - 11 - 23);

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in IdKind::ALL {
            assert_eq!(kind.as_str().parse::<IdKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).ok(), Some(kind.as_str().into()));
        }
        assert!("passport_rf".parse::<IdKind>().is_err());
    }

    #[test]
    fn valid_vin_report_has_normalised_value_and_no_errors() {
        let r = check(IdKind::Vin, " xta-21099843576182 ", Lang::Ru, TODAY);
        assert!(r.valid);
        assert_eq!(r.normalized.as_deref(), Some("XTA21099843576182"));
        assert!(r.errors.is_empty() && r.warnings.is_empty());
        assert_eq!(r.input, " xta-21099843576182 ");
    }

    #[test]
    fn wrong_check_digit_is_valid_with_a_warning() {
        let r = check(IdKind::Vin, "XTA21099043576182", Lang::Ru, TODAY);
        assert!(r.valid);
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].code, Code::VinCheckDigitMismatch);
        assert!(
            r.warnings[0].message.contains('8'),
            "names the expected digit"
        );
    }

    #[test]
    fn invalid_input_has_one_error_and_no_normalised_value() {
        let r = check(IdKind::Vin, "XTA2109984357618", Lang::En, TODAY);
        assert!(!r.valid);
        assert_eq!(r.normalized, None);
        assert_eq!(r.errors[0].code, Code::WrongLength);
        assert!(r.errors[0].message.contains("17"));
    }

    #[test]
    fn epts_report_names_kind_and_country() {
        let r = check(IdKind::Epts, "164301027146619", Lang::Ru, TODAY);
        assert!(r.valid, "{r:?}");
        let text: Vec<String> = r.details.iter().map(|d| d.value.clone()).collect();
        assert!(text.iter().any(|t| t.contains("ЭПТС")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("Россия")), "{text:?}");
    }

    #[test]
    fn date_in_the_future_is_rejected_relative_to_today() {
        assert!(check(IdKind::Date, "23.11.2026", Lang::Ru, TODAY).valid);
        let r = check(IdKind::Date, "24.11.2026", Lang::Ru, TODAY);
        assert_eq!(r.errors[0].code, Code::InFuture);
    }
}
