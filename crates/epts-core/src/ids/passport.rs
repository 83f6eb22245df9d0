//! Russian internal passport: a 4-digit series and a 6-digit number, shown `45 08 123456`.
//! Digits 1–2 of the series are the region (OKATO) and 3–4 the year the blank was printed.

use super::normalize::{digits_only, shown};
use super::report::Detail;
use crate::Code;
use crate::lang::{Lang, Localized};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Passport {
    series: String,
    number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassportError {
    #[error("empty passport")]
    Empty,
    #[error("passport contains {0:?}")]
    NotDigit(char),
    #[error("passport has {0} digits, not 10")]
    WrongLength(usize),
    #[error("passport number is zero")]
    ZeroNumber,
}

impl Passport {
    pub fn parse(input: &str) -> Result<Self, PassportError> {
        let cleaned: String = input.replace('№', " ");
        let digits = digits_only(&cleaned).map_err(PassportError::NotDigit)?;
        match digits.len() {
            0 => return Err(PassportError::Empty),
            10 => {}
            n => return Err(PassportError::WrongLength(n)),
        }
        if digits[4..].bytes().all(|b| b == b'0') || digits[..4].bytes().all(|b| b == b'0') {
            return Err(PassportError::ZeroNumber);
        }
        Ok(Passport {
            series: digits[..4].to_owned(),
            number: digits[4..].to_owned(),
        })
    }

    pub fn series(&self) -> &str {
        &self.series
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn details(&self, lang: Lang) -> Vec<Detail> {
        vec![
            Detail::new(lang.pick("Серия", "Series"), &self.series),
            Detail::new(lang.pick("Номер", "Number"), &self.number),
        ]
    }
}

impl fmt::Display for Passport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            &self.series[..2],
            &self.series[2..],
            self.number
        )
    }
}

impl Localized for PassportError {
    fn code(&self) -> Code {
        match self {
            PassportError::Empty => Code::Empty,
            PassportError::NotDigit(_) => Code::InvalidCharacter,
            PassportError::WrongLength(_) => Code::WrongLength,
            PassportError::ZeroNumber => Code::BadFormat,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PassportError::Empty, Lang::Ru) => "Введите серию и номер паспорта: 4 + 6 цифр, например 45 08 123456.".into(),
            (PassportError::Empty, Lang::En) => "Enter the passport series and number: 4 + 6 digits, e.g. 45 08 123456.".into(),
            (PassportError::NotDigit(c), Lang::Ru) => format!("Серия и номер паспорта состоят из цифр, а введено {}. Уберите лишние символы.", shown(*c)),
            (PassportError::NotDigit(c), Lang::En) => format!("Passport series and number are digits, but {} was entered. Remove the extra characters.", shown(*c)),
            (PassportError::WrongLength(n), Lang::Ru) => format!("Серия (4 цифры) и номер (6 цифр) — всего 10 цифр, а введено {n}. Сверьте со страницей паспорта."),
            (PassportError::WrongLength(n), Lang::En) => format!("Series (4 digits) and number (6 digits) make 10 digits, but {n} were entered. Compare with the passport page."),
            (PassportError::ZeroNumber, Lang::Ru) => "Серия или номер паспорта не может состоять из одних нулей. Сверьте со страницей паспорта.".into(),
            (PassportError::ZeroNumber, Lang::En) => "A passport series or number cannot be all zeros. Compare with the passport page.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        assert_eq!(
            Passport::parse("4508 123456").map(|p| p.to_string()),
            Ok("45 08 123456".into())
        );
        assert_eq!(
            Passport::parse("45-08 № 123456").map(|p| p.to_string()),
            Ok("45 08 123456".into())
        );
        assert_eq!(Passport::parse("").map_err(|e| e.code()), Err(Code::Empty));
        assert_eq!(
            Passport::parse("4508 12345").map_err(|e| e.code()),
            Err(Code::WrongLength)
        );
        assert_eq!(
            Passport::parse("4508 000000").map_err(|e| e.code()),
            Err(Code::BadFormat)
        );
        assert_eq!(
            Passport::parse("45O8 123456").map_err(|e| e.code()),
            Err(Code::InvalidCharacter)
        );
    }

    proptest! {
        #[test]
        fn generated_passports_round_trip(series in 1u32..10_000, number in 1u32..1_000_000) {
            let p = Passport::parse(&format!("{series:04}{number:06}")).expect("valid");
            prop_assert_eq!(Passport::parse(&p.to_string()), Ok(p));
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = Passport::parse(&s);
        }
    }
}
