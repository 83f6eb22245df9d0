//! ePTS number: 15 digits, no check digit.
//!
//! The digit groups, as far as they are published:
//! - digit 1: the kind of passport — `1` ЭПТС (a vehicle), `2` ЭПШТС (a chassis),
//!   `3` ЭПСМ (a self-propelled machine);
//! - digits 2–4: ISO 3166 numeric code of the issuing EAEU state (643 Russia, 112 Belarus,
//!   398 Kazakhstan, 051 Armenia, 417 Kyrgyzstan);
//! - digits 5–6: not published; real numbers have `0` then `1`–`4`, so only that is checked;
//! - digits 7–15: the serial number.

use super::normalize::{digits_only, shown};
use super::report::Detail;
use crate::Code;
use crate::lang::{Lang, Localized};
use std::fmt;

const LEN: usize = 15;

/// The kind of electronic passport (digit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EptsKind {
    /// ЭПТС: a vehicle.
    Vehicle,
    /// ЭПШТС: a chassis.
    Chassis,
    /// ЭПСМ: a self-propelled machine.
    SelfPropelled,
}

impl EptsKind {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            EptsKind::Vehicle => lang.pick("ЭПТС (транспортное средство)", "ePTS (vehicle)"),
            EptsKind::Chassis => lang.pick("ЭПШТС (шасси)", "ePSTS (chassis)"),
            EptsKind::SelfPropelled => {
                lang.pick("ЭПСМ (самоходная машина)", "ePSM (self-propelled machine)")
            }
        }
    }
}

/// The issuing EAEU state (digits 2–4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Country {
    Russia,
    Belarus,
    Kazakhstan,
    Armenia,
    Kyrgyzstan,
}

impl Country {
    fn from_code(code: &str) -> Option<Self> {
        match code {
            "643" => Some(Country::Russia),
            "112" => Some(Country::Belarus),
            "398" => Some(Country::Kazakhstan),
            "051" => Some(Country::Armenia),
            "417" => Some(Country::Kyrgyzstan),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Country::Russia => "643",
            Country::Belarus => "112",
            Country::Kazakhstan => "398",
            Country::Armenia => "051",
            Country::Kyrgyzstan => "417",
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Country::Russia => lang.pick("Россия", "Russia"),
            Country::Belarus => lang.pick("Беларусь", "Belarus"),
            Country::Kazakhstan => lang.pick("Казахстан", "Kazakhstan"),
            Country::Armenia => lang.pick("Армения", "Armenia"),
            Country::Kyrgyzstan => lang.pick("Киргизия", "Kyrgyzstan"),
        }
    }
}

/// A well-formed ePTS number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EptsNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EptsNumberError {
    #[error("empty ePTS number")]
    Empty,
    #[error("ePTS number contains {0:?}")]
    NotDigit(char),
    #[error("ePTS number has {0} digits, not 15")]
    WrongLength(usize),
    #[error("unknown passport kind {0}")]
    UnknownKind(char),
    #[error("unknown country code {0}")]
    UnknownCountry(String),
    #[error("digits 5–6 are {0}, not 01–04")]
    BadFormat(String),
}

impl EptsNumber {
    pub fn parse(input: &str) -> Result<Self, EptsNumberError> {
        let digits = digits_only(input).map_err(EptsNumberError::NotDigit)?;
        if digits.is_empty() {
            return Err(EptsNumberError::Empty);
        }
        if digits.len() != LEN {
            return Err(EptsNumberError::WrongLength(digits.len()));
        }
        let first = digits.chars().next().unwrap_or('0');
        if !matches!(first, '1'..='3') {
            return Err(EptsNumberError::UnknownKind(first));
        }
        let country = &digits[1..4];
        if Country::from_code(country).is_none() {
            return Err(EptsNumberError::UnknownCountry(country.to_owned()));
        }
        let b = digits.as_bytes();
        if !(b[4] == b'0' && (b'1'..=b'4').contains(&b[5])) {
            return Err(EptsNumberError::BadFormat(digits[4..6].to_owned()));
        }
        Ok(EptsNumber(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> EptsKind {
        match self.0.as_bytes().first() {
            Some(b'2') => EptsKind::Chassis,
            Some(b'3') => EptsKind::SelfPropelled,
            _ => EptsKind::Vehicle,
        }
    }

    pub fn country(&self) -> Country {
        Country::from_code(&self.0[1..4]).unwrap_or(Country::Russia)
    }

    pub fn details(&self, lang: Lang) -> Vec<Detail> {
        vec![
            Detail::new(
                lang.pick("Вид паспорта", "Kind of passport"),
                self.kind().label(lang),
            ),
            Detail::new(
                lang.pick("Страна оформления", "Issuing country"),
                format!("{} ({})", self.country().name(lang), self.country().code()),
            ),
        ]
    }
}

impl fmt::Display for EptsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Localized for EptsNumberError {
    fn code(&self) -> Code {
        match self {
            EptsNumberError::Empty => Code::Empty,
            EptsNumberError::NotDigit(_) => Code::InvalidCharacter,
            EptsNumberError::WrongLength(_) => Code::WrongLength,
            EptsNumberError::UnknownKind(_) => Code::UnknownKind,
            EptsNumberError::UnknownCountry(_) => Code::UnknownCountry,
            EptsNumberError::BadFormat(_) => Code::BadFormat,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (EptsNumberError::Empty, Lang::Ru) => "Введите номер ЭПТС: 15 цифр.".into(),
            (EptsNumberError::Empty, Lang::En) => "Enter the ePTS number: 15 digits.".into(),
            (EptsNumberError::NotDigit(c), Lang::Ru) => format!(
                "Номер ЭПТС состоит только из цифр, а в нём есть {}. Уберите лишние символы.",
                shown(*c)
            ),
            (EptsNumberError::NotDigit(c), Lang::En) => format!(
                "An ePTS number has digits only, but it contains {}. Remove the extra characters.",
                shown(*c)
            ),
            (EptsNumberError::WrongLength(n), Lang::Ru) => {
                format!("Номер ЭПТС содержит 15 цифр, а введено {n}. Сверьте номер с выпиской.")
            }
            (EptsNumberError::WrongLength(n), Lang::En) => format!(
                "An ePTS number has 15 digits, but {n} were entered. Compare it with the extract."
            ),
            (EptsNumberError::UnknownKind(c), Lang::Ru) => format!(
                "Номер ЭПТС начинается с 1 (ЭПТС), 2 (ЭПШТС) или 3 (ЭПСМ), а не с {c}. Проверьте первую цифру."
            ),
            (EptsNumberError::UnknownKind(c), Lang::En) => format!(
                "An ePTS number starts with 1 (vehicle), 2 (chassis) or 3 (self-propelled machine), not {c}. Check the first digit."
            ),
            (EptsNumberError::UnknownCountry(code), Lang::Ru) => format!(
                "Цифры 2–4 — код страны ЕАЭС (643 Россия, 112 Беларусь, 398 Казахстан, 051 Армения, 417 Киргизия), а введено {code}. Проверьте начало номера."
            ),
            (EptsNumberError::UnknownCountry(code), Lang::En) => format!(
                "Digits 2–4 are the EAEU country code (643 Russia, 112 Belarus, 398 Kazakhstan, 051 Armenia, 417 Kyrgyzstan), but {code} was entered. Check the start of the number."
            ),
            (EptsNumberError::BadFormat(d), Lang::Ru) => format!(
                "В действующих номерах ЭПТС 5-я и 6-я цифры — от 01 до 04, а введено {d}. Сверьте номер с выпиской."
            ),
            (EptsNumberError::BadFormat(d), Lang::En) => format!(
                "In real ePTS numbers digits 5–6 are 01 to 04, but {d} was entered. Compare the number with the extract."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::table::{Case, check};
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[Case<'_>] = &[
            ("164301027146619", Ok("164301027146619")),
            ("1 643 01 027146619", Ok("164301027146619")),
            ("211202012345678", Ok("211202012345678")),
            ("339804999999999", Ok("339804999999999")),
            ("105101000000001", Ok("105101000000001")),
            ("141703000000001", Ok("141703000000001")),
            ("", Err(Code::Empty)),
            ("16430102714661", Err(Code::WrongLength)),
            ("16430102714661a", Err(Code::InvalidCharacter)),
            ("464301027146619", Err(Code::UnknownKind)),
            ("176401027146619", Err(Code::UnknownCountry)),
            ("164311027146619", Err(Code::BadFormat)),
            ("164305027146619", Err(Code::BadFormat)),
        ];
        check(cases, EptsNumber::parse);
    }

    #[test]
    fn kind_and_country_are_read_back() {
        let n = EptsNumber::parse("239801027146619").expect("valid");
        assert_eq!(n.kind(), EptsKind::Chassis);
        assert_eq!(n.country(), Country::Kazakhstan);
        let d = n.details(Lang::En);
        assert_eq!(d[1].value, "Kazakhstan (398)");
    }

    proptest! {
        #[test]
        fn generated_numbers_are_accepted(
            kind in 1u8..=3,
            country in proptest::sample::select(vec!["643", "112", "398", "051", "417"]),
            d6 in 1u8..=4,
            serial in 0u64..1_000_000_000,
        ) {
            let s = format!("{kind}{country}0{d6}{serial:09}");
            let n = EptsNumber::parse(&s).expect("generated number is valid");
            prop_assert_eq!(n.to_string(), s.clone());
            prop_assert_eq!(EptsNumber::parse(&n.to_string()), Ok(n));
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = EptsNumber::parse(&s);
        }
    }
}
