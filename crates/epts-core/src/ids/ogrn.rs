//! ОГРН (13 digits, organisations) and ОГРНИП (15 digits, sole proprietors).
//!
//! The last digit checks the rest: the number formed by the first 12 digits mod 11 (ОГРН),
//! or by the first 14 digits mod 13 (ОГРНИП), then mod 10. The first digit is the kind of
//! record: 1 or 5 for an organisation's ОГРН, 3 for an ОГРНИП.

use super::normalize::{digits_only, shown};
use super::report::Detail;
use crate::Code;
use crate::lang::{Lang, Localized};
use std::fmt;

/// A valid ОГРН.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ogrn(String);

/// A valid ОГРНИП.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ogrnip(String);

/// Why an input is not an ОГРН / ОГРНИП (`ip` tells which was asked for).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OgrnError {
    #[error("empty")]
    Empty { ip: bool },
    #[error("contains {ch:?}")]
    NotDigit { ip: bool, ch: char },
    #[error("{len} digits")]
    WrongLength { ip: bool, len: usize },
    #[error("first digit {first}")]
    WrongKind { ip: bool, first: char },
    #[error("check digit mismatch")]
    ChecksumMismatch { ip: bool, expected: u64 },
}

pub(crate) fn check_digit(body: &str, modulus: u64) -> Option<u64> {
    body.parse::<u64>().ok().map(|n| n % modulus % 10)
}

fn parse(input: &str, ip: bool) -> Result<String, OgrnError> {
    let (len, modulus) = if ip { (15, 13) } else { (13, 11) };
    let digits = digits_only(input).map_err(|ch| OgrnError::NotDigit { ip, ch })?;
    if digits.is_empty() {
        return Err(OgrnError::Empty { ip });
    }
    if digits.len() != len {
        return Err(OgrnError::WrongLength {
            ip,
            len: digits.len(),
        });
    }
    let first = digits.chars().next().unwrap_or('0');
    let kind_ok = if ip {
        first == '3'
    } else {
        matches!(first, '1' | '5')
    };
    if !kind_ok {
        return Err(OgrnError::WrongKind { ip, first });
    }
    let expected = check_digit(&digits[..len - 1], modulus).unwrap_or(10);
    let found = u64::from(digits.as_bytes()[len - 1] - b'0');
    if expected != found {
        return Err(OgrnError::ChecksumMismatch { ip, expected });
    }
    Ok(digits)
}

fn year_detail(digits: &str, lang: Lang) -> Detail {
    Detail::new(
        lang.pick("Год присвоения", "Year assigned"),
        format!("20{}", &digits[1..3]),
    )
}

impl Ogrn {
    pub fn parse(input: &str) -> Result<Self, OgrnError> {
        parse(input, false).map(Ogrn)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn details(&self, lang: Lang) -> Vec<Detail> {
        vec![year_detail(&self.0, lang)]
    }
}

impl Ogrnip {
    pub fn parse(input: &str) -> Result<Self, OgrnError> {
        parse(input, true).map(Ogrnip)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn details(&self, lang: Lang) -> Vec<Detail> {
        vec![year_detail(&self.0, lang)]
    }
}

impl fmt::Display for Ogrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Ogrnip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Localized for OgrnError {
    fn code(&self) -> Code {
        match self {
            OgrnError::Empty { .. } => Code::Empty,
            OgrnError::NotDigit { .. } => Code::InvalidCharacter,
            OgrnError::WrongLength { .. } => Code::WrongLength,
            OgrnError::WrongKind { .. } => Code::WrongKind,
            OgrnError::ChecksumMismatch { .. } => Code::ChecksumMismatch,
        }
    }

    fn message(&self, lang: Lang) -> String {
        let ip = match self {
            OgrnError::Empty { ip }
            | OgrnError::NotDigit { ip, .. }
            | OgrnError::WrongLength { ip, .. }
            | OgrnError::WrongKind { ip, .. }
            | OgrnError::ChecksumMismatch { ip, .. } => *ip,
        };
        let (name, len) = match (ip, lang) {
            (false, Lang::Ru) => ("ОГРН", 13),
            (true, Lang::Ru) => ("ОГРНИП", 15),
            (false, Lang::En) => ("OGRN", 13),
            (true, Lang::En) => ("OGRNIP", 15),
        };
        match (self, lang) {
            (OgrnError::Empty { .. }, Lang::Ru) => format!("Введите {name}: {len} цифр."),
            (OgrnError::Empty { .. }, Lang::En) => format!("Enter the {name}: {len} digits."),
            (OgrnError::NotDigit { ch, .. }, Lang::Ru) => format!(
                "{name} состоит из цифр, а в нём есть {}. Уберите лишние символы.",
                shown(*ch)
            ),
            (OgrnError::NotDigit { ch, .. }, Lang::En) => format!(
                "An {name} has digits only, but it contains {}. Remove the extra characters.",
                shown(*ch)
            ),
            (OgrnError::WrongLength { len: n, .. }, Lang::Ru) => format!(
                "{name} содержит {len} цифр, а введено {n}.{}",
                match (ip, *n) {
                    (false, 15) => " Похоже на ОГРНИП — выберите его.",
                    (true, 13) => " Похоже на ОГРН — выберите его.",
                    _ => " Сверьте номер с выпиской из реестра.",
                }
            ),
            (OgrnError::WrongLength { len: n, .. }, Lang::En) => format!(
                "An {name} has {len} digits, but {n} were entered.{}",
                match (ip, *n) {
                    (false, 15) => " It looks like an OGRNIP: choose that.",
                    (true, 13) => " It looks like an OGRN: choose that.",
                    _ => " Compare it with the register extract.",
                }
            ),
            (OgrnError::WrongKind { first, .. }, Lang::Ru) => format!(
                "{name} начинается с {}, а не с {first}. Проверьте первую цифру.",
                if ip { "3" } else { "1 или 5" }
            ),
            (OgrnError::WrongKind { first, .. }, Lang::En) => format!(
                "An {name} starts with {}, not {first}. Check the first digit.",
                if ip { "3" } else { "1 or 5" }
            ),
            (OgrnError::ChecksumMismatch { expected, .. }, Lang::Ru) => format!(
                "Последняя (контрольная) цифра {name} должна быть {expected}: в номере опечатка. Сверьте его с выпиской из реестра."
            ),
            (OgrnError::ChecksumMismatch { expected, .. }, Lang::En) => format!(
                "The last (check) digit of the {name} should be {expected}: there is a typo. Compare it with the register extract."
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
        assert_eq!(
            Ogrn::parse("1027700123450").map(|o| o.to_string()),
            Ok("1027700123450".into())
        );
        assert_eq!(
            Ogrn::parse("1027700123451").map_err(|e| e.code()),
            Err(Code::ChecksumMismatch)
        );
        assert_eq!(Ogrn::parse("").map_err(|e| e.code()), Err(Code::Empty));
        assert_eq!(
            Ogrn::parse("102770012345").map_err(|e| e.code()),
            Err(Code::WrongLength)
        );
        assert_eq!(
            Ogrn::parse("2027700123450").map_err(|e| e.code()),
            Err(Code::WrongKind)
        );
        assert_eq!(
            Ogrnip::parse("320770001234562").map(|o| o.to_string()),
            Ok("320770001234562".into())
        );
        assert_eq!(
            Ogrnip::parse("320770001234563").map_err(|e| e.code()),
            Err(Code::ChecksumMismatch)
        );
        assert_eq!(
            Ogrnip::parse("120770001234562").map_err(|e| e.code()),
            Err(Code::WrongKind)
        );
    }

    #[test]
    fn a_15_digit_ogrn_suggests_ogrnip() {
        let e = Ogrn::parse("320770001234562").expect_err("15 digits");
        assert!(e.message(Lang::Ru).contains("ОГРНИП"));
    }

    proptest! {
        #[test]
        fn generated_numbers_are_accepted(body in 0u64..100_000_000_000, ip_body in 0u64..10_000_000_000_000) {
            let b = format!("1{body:011}");
            let s = format!("{b}{}", check_digit(&b, 11).unwrap_or(0));
            prop_assert!(Ogrn::parse(&s).is_ok(), "{}", s);
            let b = format!("3{ip_body:013}");
            let s = format!("{b}{}", check_digit(&b, 13).unwrap_or(0));
            prop_assert!(Ogrnip::parse(&s).is_ok(), "{}", s);
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = Ogrn::parse(&s);
            let _ = Ogrnip::parse(&s);
        }
    }
}
