//! ИНН: 10 digits for an organisation, 12 for a person or sole proprietor, with check
//! digits per the Federal Tax Service's algorithm (Σ digit × weight mod 11 mod 10).

use super::normalize::{digit_values, digits_only, shown, weighted_sum};
use super::report::Detail;
use crate::Code;
use crate::lang::{Lang, Localized};
use std::fmt;

const W10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const W11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const W12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

/// A valid ИНН.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Inn(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InnError {
    #[error("empty INN")]
    Empty,
    #[error("INN contains {0:?}")]
    NotDigit(char),
    #[error("INN has {0} digits, not 10 or 12")]
    WrongLength(usize),
    #[error("INN check digits do not match")]
    ChecksumMismatch,
}

pub(crate) fn check_digit(digits: &[u32], weights: &[u32]) -> u32 {
    weighted_sum(digits, weights) % 11 % 10
}

impl Inn {
    pub fn parse(input: &str) -> Result<Self, InnError> {
        let digits = digits_only(input).map_err(InnError::NotDigit)?;
        let d = digit_values(&digits);
        let ok = match d.len() {
            0 => return Err(InnError::Empty),
            10 => check_digit(&d[..9], &W10) == d[9],
            12 => check_digit(&d[..10], &W11) == d[10] && check_digit(&d[..11], &W12) == d[11],
            n => return Err(InnError::WrongLength(n)),
        };
        if ok {
            Ok(Inn(digits))
        } else {
            Err(InnError::ChecksumMismatch)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A 10-digit ИНН belongs to an organisation.
    pub fn is_organisation(&self) -> bool {
        self.0.len() == 10
    }

    pub fn details(&self, lang: Lang) -> Vec<Detail> {
        vec![
            Detail::new(
                lang.pick("Владелец", "Holder"),
                if self.is_organisation() {
                    lang.pick("юридическое лицо", "organisation")
                } else {
                    lang.pick("физическое лицо или ИП", "person or sole proprietor")
                },
            ),
            Detail::new(
                lang.pick("Код налогового органа", "Tax office code"),
                &self.0[..4],
            ),
        ]
    }
}

impl fmt::Display for Inn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Localized for InnError {
    fn code(&self) -> Code {
        match self {
            InnError::Empty => Code::Empty,
            InnError::NotDigit(_) => Code::InvalidCharacter,
            InnError::WrongLength(_) => Code::WrongLength,
            InnError::ChecksumMismatch => Code::ChecksumMismatch,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (InnError::Empty, Lang::Ru) => "Введите ИНН: 10 цифр для организации или 12 для физического лица.".into(),
            (InnError::Empty, Lang::En) => "Enter the INN: 10 digits for an organisation or 12 for a person.".into(),
            (InnError::NotDigit(c), Lang::Ru) => format!("ИНН состоит из цифр, а в нём есть {}. Уберите лишние символы.", shown(*c)),
            (InnError::NotDigit(c), Lang::En) => format!("An INN has digits only, but it contains {}. Remove the extra characters.", shown(*c)),
            (InnError::WrongLength(n), Lang::Ru) => format!("ИНН содержит 10 цифр (организация) или 12 (физическое лицо, ИП), а введено {n}."),
            (InnError::WrongLength(n), Lang::En) => format!("An INN has 10 digits (organisation) or 12 (person, sole proprietor), but {n} were entered."),
            (InnError::ChecksumMismatch, Lang::Ru) => "Контрольные цифры ИНН не сходятся: в номере опечатка. Сверьте его со свидетельством или выпиской ЕГРЮЛ/ЕГРИП.".into(),
            (InnError::ChecksumMismatch, Lang::En) => "The INN check digits do not match: there is a typo. Compare it with the certificate or the register extract.".into(),
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
            ("7712345671", Ok("7712345671")),
            ("770123456703", Ok("770123456703")),
            ("77 12 345 671", Ok("7712345671")),
            ("", Err(Code::Empty)),
            ("7712345672", Err(Code::ChecksumMismatch)),
            ("770123456704", Err(Code::ChecksumMismatch)),
            ("77123456", Err(Code::WrongLength)),
            ("771234567З", Err(Code::InvalidCharacter)),
        ];
        check(cases, Inn::parse);
    }

    proptest! {
        #[test]
        fn generated_organisation_inns_are_accepted(body in proptest::collection::vec(0u32..10, 9)) {
            let c = check_digit(&body, &W10);
            let s: String = body.iter().chain(std::iter::once(&c)).map(|d| d.to_string()).collect();
            let inn = Inn::parse(&s).expect("generated INN is valid");
            prop_assert!(inn.is_organisation());
            prop_assert_eq!(Inn::parse(&inn.to_string()), Ok(inn));
        }

        #[test]
        fn generated_personal_inns_are_accepted(mut d in proptest::collection::vec(0u32..10, 10)) {
            d.push(check_digit(&d, &W11));
            d.push(check_digit(&d, &W12));
            let s: String = d.iter().map(|x| x.to_string()).collect();
            let inn = Inn::parse(&s).expect("generated INN is valid");
            prop_assert!(!inn.is_organisation());
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = Inn::parse(&s);
        }
    }
}
