//! СНИЛС: 9 digits of the number and 2 control digits, shown as `123-456-789 01`.
//!
//! The control number (Pension Fund rules): Σ digit × weight, weights 9 down to 1; under 100
//! it is the sum itself; 100 and 101 give 00; above 101 the sum is taken mod 101 and the
//! same rule applies again. Numbers up to 001-001-998 were issued before the rule and are
//! not checked.

use super::normalize::{digit_values, digits_only, shown, weighted_sum};
use crate::Code;
use crate::lang::{Lang, Localized};
use std::fmt;

const WEIGHTS: [u32; 9] = [9, 8, 7, 6, 5, 4, 3, 2, 1];
const CHECKED_FROM: u32 = 1_001_998;

/// A valid СНИЛС (11 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Snils(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnilsError {
    #[error("empty SNILS")]
    Empty,
    #[error("SNILS contains {0:?}")]
    NotDigit(char),
    #[error("SNILS has {0} digits, not 11")]
    WrongLength(usize),
    #[error("SNILS control number is {found}, expected {expected:02}")]
    ChecksumMismatch { expected: u32, found: String },
}

/// The control number for the 9 digits of a СНИЛС.
pub(crate) fn control(digits: &[u32]) -> u32 {
    let sum = weighted_sum(digits, &WEIGHTS);
    let reduce = |s: u32| {
        if s < 100 {
            s
        } else if s <= 101 {
            0
        } else {
            s % 101
        }
    };
    match reduce(sum) {
        100 => 0,
        s => s,
    }
}

impl Snils {
    pub fn parse(input: &str) -> Result<Self, SnilsError> {
        let digits = digits_only(input).map_err(SnilsError::NotDigit)?;
        if digits.is_empty() {
            return Err(SnilsError::Empty);
        }
        if digits.len() != 11 {
            return Err(SnilsError::WrongLength(digits.len()));
        }
        let values = digit_values(&digits);
        let number: u32 = digits[..9].parse().unwrap_or(0);
        if number > CHECKED_FROM {
            let expected = control(&values[..9]);
            if format!("{expected:02}") != digits[9..] {
                return Err(SnilsError::ChecksumMismatch {
                    expected,
                    found: digits[9..].to_owned(),
                });
            }
        }
        Ok(Snils(digits))
    }

    /// The 11 digits without separators.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Snils {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        write!(f, "{}-{}-{} {}", &d[..3], &d[3..6], &d[6..9], &d[9..])
    }
}

impl Localized for SnilsError {
    fn code(&self) -> Code {
        match self {
            SnilsError::Empty => Code::Empty,
            SnilsError::NotDigit(_) => Code::InvalidCharacter,
            SnilsError::WrongLength(_) => Code::WrongLength,
            SnilsError::ChecksumMismatch { .. } => Code::ChecksumMismatch,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (SnilsError::Empty, Lang::Ru) => {
                "Введите СНИЛС: 11 цифр, например 123-456-789 01.".into()
            }
            (SnilsError::Empty, Lang::En) => {
                "Enter the SNILS: 11 digits, e.g. 123-456-789 01.".into()
            }
            (SnilsError::NotDigit(c), Lang::Ru) => format!(
                "СНИЛС состоит из цифр, а в нём есть {}. Уберите лишние символы.",
                shown(*c)
            ),
            (SnilsError::NotDigit(c), Lang::En) => format!(
                "A SNILS has digits only, but it contains {}. Remove the extra characters.",
                shown(*c)
            ),
            (SnilsError::WrongLength(n), Lang::Ru) => format!(
                "СНИЛС содержит 11 цифр, а введено {n}. Сверьте номер со страховым свидетельством."
            ),
            (SnilsError::WrongLength(n), Lang::En) => format!(
                "A SNILS has 11 digits, but {n} were entered. Compare it with the insurance certificate."
            ),
            (SnilsError::ChecksumMismatch { expected, found }, Lang::Ru) => format!(
                "Контрольное число СНИЛС — {found}, а по первым 9 цифрам должно быть {expected:02}. Вероятно, в номере опечатка: сверьте каждую цифру."
            ),
            (SnilsError::ChecksumMismatch { expected, found }, Lang::En) => format!(
                "The SNILS control number is {found}, but the first 9 digits give {expected:02}. There is probably a typo: check each digit."
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
            ("112-233-445 95", Ok("112-233-445 95")),
            ("11223344595", Ok("112-233-445 95")),
            // Sum 100 and above 101 both reduce by the rule.
            ("001-001-998 00", Ok("001-001-998 00")),
            ("", Err(Code::Empty)),
            ("112-233-445 96", Err(Code::ChecksumMismatch)),
            ("112-233-445 9", Err(Code::WrongLength)),
            ("112-233-445 9x", Err(Code::InvalidCharacter)),
        ];
        check(cases, Snils::parse);
    }

    #[test]
    fn control_number_rules() {
        // 9 digits summing to under 100, exactly 100/101, and above 101.
        assert_eq!(control(&[1, 1, 2, 2, 3, 3, 4, 4, 5]), 95);
        assert_eq!(control(&[4, 4, 1, 1, 1, 1, 1, 1, 5]), 0, "sum 100 gives 00");
        assert_eq!(control(&[4, 4, 1, 1, 1, 1, 1, 1, 6]), 0, "sum 101 gives 00");
        assert_eq!(
            control(&[9, 9, 9, 9, 9, 9, 9, 9, 9]),
            1,
            "sum 405 gives 405 mod 101"
        );
    }

    proptest! {
        #[test]
        fn generated_numbers_are_accepted(n in 1_001_999u32..999_999_999) {
            let body = format!("{n:09}");
            let c = control(&digit_values(&body));
            let s = format!("{body}{c:02}");
            let snils = Snils::parse(&s).expect("generated SNILS is valid");
            prop_assert_eq!(Snils::parse(&snils.to_string()), Ok(snils));
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = Snils::parse(&s);
        }
    }
}
