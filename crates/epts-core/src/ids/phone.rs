//! Phone: country code + 10 digits. The form people use in Russia, `8 (912) 345-67-89`, is
//! read as `+7`; the value is kept in E.164 (`+79123456789`).

use super::normalize::{digits_only, shown};
use super::report::Detail;
use crate::Code;
use crate::lang::{Lang, Localized};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("empty phone")]
    Empty,
    #[error("phone contains {0:?}")]
    InvalidCharacter(char),
    #[error("phone has {0} digits")]
    WrongLength(usize),
    #[error("unsupported country code")]
    UnsupportedCountry(String),
}

impl Phone {
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let digits = digits_only(rest).map_err(PhoneError::InvalidCharacter)?;
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        let national = match (plus, digits.len(), digits.as_bytes()[0]) {
            (_, 11, b'7') => &digits[1..],
            (false, 11, b'8') => &digits[1..],
            // A bare ten-digit number is the national part (no trunk prefix typed).
            (false, 10, _) => &digits[..],
            (true, 11..=15, _) => {
                return Err(PhoneError::UnsupportedCountry(
                    digits[..digits.len() - 10].to_owned(),
                ));
            }
            (_, n, _) => return Err(PhoneError::WrongLength(n)),
        };
        Ok(Phone(format!("+7{national}")))
    }

    /// E.164, e.g. `+79123456789`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn details(&self, lang: Lang) -> Vec<Detail> {
        let d = &self.0[2..];
        vec![Detail::new(
            lang.pick("Для звонка", "To dial"),
            format!("+7 ({}) {}-{}-{}", &d[..3], &d[3..6], &d[6..8], &d[8..]),
        )]
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Localized for PhoneError {
    fn code(&self) -> Code {
        match self {
            PhoneError::Empty => Code::Empty,
            PhoneError::InvalidCharacter(_) => Code::InvalidCharacter,
            PhoneError::WrongLength(_) => Code::WrongLength,
            PhoneError::UnsupportedCountry(_) => Code::UnsupportedCountry,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PhoneError::Empty, Lang::Ru) => {
                "Введите телефон: +7 и 10 цифр, например +7 912 345-67-89.".into()
            }
            (PhoneError::Empty, Lang::En) => {
                "Enter the phone: +7 and 10 digits, e.g. +7 912 345-67-89.".into()
            }
            (PhoneError::InvalidCharacter(c), Lang::Ru) => format!(
                "В номере телефона есть {}. Оставьте только цифры (знак + допустим в начале).",
                shown(*c)
            ),
            (PhoneError::InvalidCharacter(c), Lang::En) => format!(
                "The phone contains {}. Keep only digits (a leading + is fine).",
                shown(*c)
            ),
            (PhoneError::WrongLength(n), Lang::Ru) => format!(
                "Номер телефона — код страны и 10 цифр (+7 912 345-67-89), а введено {n} цифр."
            ),
            (PhoneError::WrongLength(n), Lang::En) => format!(
                "A phone is a country code and 10 digits (+7 912 345-67-89), but {n} digits were entered."
            ),
            (PhoneError::UnsupportedCountry(cc), Lang::Ru) => format!(
                "Код страны +{cc} не подходит: Госуслуги и портал ЭПТС принимают номера с кодом +7."
            ),
            (PhoneError::UnsupportedCountry(cc), Lang::En) => format!(
                "Country code +{cc} is not accepted: Gosuslugi and the ePTS portal take +7 numbers."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        for ok in [
            "+7 912 345-67-89",
            "8 (912) 345-67-89",
            "79123456789",
            "9123456789",
        ] {
            assert_eq!(
                Phone::parse(ok).map(|p| p.to_string()),
                Ok("+79123456789".into()),
                "{ok}"
            );
        }
        assert_eq!(Phone::parse("").map_err(|e| e.code()), Err(Code::Empty));
        assert_eq!(
            Phone::parse("+7 912 345-67-8").map_err(|e| e.code()),
            Err(Code::WrongLength)
        );
        assert_eq!(
            Phone::parse("+375 29 123-45-67-8").map_err(|e| e.code()),
            Err(Code::UnsupportedCountry)
        );
        assert_eq!(
            Phone::parse("+7 912 345 67 8a").map_err(|e| e.code()),
            Err(Code::InvalidCharacter)
        );
        assert_eq!(
            Phone::parse("89123456789").map(|p| p.details(Lang::Ru)[0].value.clone()),
            Ok("+7 (912) 345-67-89".into())
        );
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(n in 0u64..10_000_000_000) {
            let p = Phone::parse(&format!("8{n:010}")).expect("valid");
            prop_assert_eq!(Phone::parse(p.as_str()), Ok(p));
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = Phone::parse(&s);
        }
    }
}
