//! VIN per ISO 3779: 17 characters from digits and Latin letters except I, O and Q.
//!
//! Position 9 is a check digit in the North American scheme (49 CFR 565). Many vehicles
//! built for the Russian market, LADA among them, carry none, so a mismatch is a warning,
//! never a rejection.

use super::normalize::{cyrillic_to_latin, shown, strip_separators};
use super::report::Detail;
use crate::Code;
use crate::lang::{Lang, Localized};
use std::fmt;

const LEN: usize = 17;
const WEIGHTS: [u32; LEN] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// A well-formed VIN (upper case, 17 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vin(String);

/// Why an input is not a VIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VinError {
    #[error("empty VIN")]
    Empty,
    #[error("VIN has {0} characters, not 17")]
    WrongLength(usize),
    #[error("VIN contains the letter {ch} at position {position}")]
    ForbiddenLetter { ch: char, position: usize },
    #[error("VIN contains {ch:?} at position {position}")]
    InvalidCharacter { ch: char, position: usize },
}

/// Something worth knowing about a valid VIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VinWarning {
    /// Position 9 is not the computed check digit.
    CheckDigitMismatch { expected: char, found: char },
}

/// Transliteration of ISO 3779 characters to their check-digit values.
fn value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        'A' | 'J' => Some(1),
        'B' | 'K' | 'S' => Some(2),
        'C' | 'L' | 'T' => Some(3),
        'D' | 'M' | 'U' => Some(4),
        'E' | 'N' | 'V' => Some(5),
        'F' | 'W' => Some(6),
        'G' | 'P' | 'X' => Some(7),
        'H' | 'Y' => Some(8),
        'R' | 'Z' => Some(9),
        _ => None,
    }
}

/// The check digit for a 17-character VIN body (position 9 is ignored).
pub(crate) fn check_digit(chars: &[char]) -> Option<char> {
    let mut sum = 0;
    for (c, w) in chars.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    match sum % 11 {
        10 => Some('X'),
        d => char::from_digit(d, 10),
    }
}

impl Vin {
    /// Normalises (case, spaces, dashes, Cyrillic look-alikes) and validates.
    pub fn parse(input: &str) -> Result<Self, VinError> {
        let normalized: String = strip_separators(input)
            .chars()
            .flat_map(char::to_uppercase)
            .map(cyrillic_to_latin)
            .collect();
        if normalized.is_empty() {
            return Err(VinError::Empty);
        }
        for (i, ch) in normalized.chars().enumerate() {
            let position = i + 1;
            if matches!(ch, 'I' | 'O' | 'Q') {
                return Err(VinError::ForbiddenLetter { ch, position });
            }
            if !(ch.is_ascii_digit() || ch.is_ascii_uppercase()) {
                return Err(VinError::InvalidCharacter { ch, position });
            }
        }
        let len = normalized.chars().count();
        if len != LEN {
            return Err(VinError::WrongLength(len));
        }
        Ok(Vin(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The check digit this VIN should carry at position 9.
    pub fn expected_check_digit(&self) -> Option<char> {
        check_digit(&self.0.chars().collect::<Vec<_>>())
    }

    /// Whether position 9 holds the computed check digit.
    pub fn check_digit_ok(&self) -> bool {
        self.expected_check_digit() == self.0.chars().nth(8)
    }

    pub fn warnings(&self) -> Vec<VinWarning> {
        match (self.expected_check_digit(), self.0.chars().nth(8)) {
            (Some(expected), Some(found)) if expected != found => {
                vec![VinWarning::CheckDigitMismatch { expected, found }]
            }
            _ => Vec::new(),
        }
    }

    /// World manufacturer identifier (positions 1–3).
    pub fn wmi(&self) -> &str {
        self.0.get(..3).unwrap_or_default()
    }

    pub fn details(&self, lang: Lang) -> Vec<Detail> {
        let check = match (self.check_digit_ok(), self.expected_check_digit()) {
            (true, Some(c)) => format!("{c} ({})", lang.pick("верный", "correct")),
            (false, Some(c)) => format!("{} {c}", lang.pick("ожидался", "expected")),
            (_, None) => "—".to_owned(),
        };
        vec![
            Detail::new(
                lang.pick("Код изготовителя (WMI)", "Manufacturer code (WMI)"),
                self.wmi(),
            ),
            Detail::new(lang.pick("Контрольный символ", "Check digit"), check),
        ]
    }
}

impl fmt::Display for Vin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Localized for VinError {
    fn code(&self) -> Code {
        match self {
            VinError::Empty => Code::Empty,
            VinError::WrongLength(_) => Code::WrongLength,
            VinError::ForbiddenLetter { .. } => Code::ForbiddenLetter,
            VinError::InvalidCharacter { .. } => Code::InvalidCharacter,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (VinError::Empty, Lang::Ru) => {
                "Введите VIN: 17 символов из латинских букв и цифр.".into()
            }
            (VinError::Empty, Lang::En) => "Enter a VIN: 17 Latin letters and digits.".into(),
            (VinError::WrongLength(n), Lang::Ru) => format!(
                "VIN должен содержать 17 символов, а введено {n}. Сверьте VIN с документом: нет ли пропущенного или лишнего символа."
            ),
            (VinError::WrongLength(n), Lang::En) => format!(
                "A VIN has 17 characters, but {n} were entered. Compare it with the document: a character may be missing or doubled."
            ),
            (VinError::ForbiddenLetter { ch, position }, Lang::Ru) => format!(
                "В VIN не бывает букв I, O и Q, а на позиции {position} стоит «{ch}». Вероятно, это цифра {}.",
                if *ch == 'I' { '1' } else { '0' }
            ),
            (VinError::ForbiddenLetter { ch, position }, Lang::En) => format!(
                "A VIN never contains I, O or Q, but position {position} has «{ch}». It is probably the digit {}.",
                if *ch == 'I' { '1' } else { '0' }
            ),
            (VinError::InvalidCharacter { ch, position }, Lang::Ru) => format!(
                "Символ {} на позиции {position} не может быть в VIN: допустимы только цифры и латинские буквы.",
                shown(*ch)
            ),
            (VinError::InvalidCharacter { ch, position }, Lang::En) => format!(
                "Character {} at position {position} cannot be in a VIN: only digits and Latin letters are allowed.",
                shown(*ch)
            ),
        }
    }
}

impl Localized for VinWarning {
    fn code(&self) -> Code {
        match self {
            VinWarning::CheckDigitMismatch { .. } => Code::VinCheckDigitMismatch,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (VinWarning::CheckDigitMismatch { expected, found }, Lang::Ru) => format!(
                "Контрольный символ (9-я позиция) — «{found}», по расчёту должен быть «{expected}». Многие автомобили для российского рынка, в том числе LADA, его не используют; если VIN совпадает с документом, всё в порядке."
            ),
            (VinWarning::CheckDigitMismatch { expected, found }, Lang::En) => format!(
                "The check digit (position 9) is «{found}», the computed one is «{expected}». Many vehicles for the Russian market, LADA among them, do not use it; if the VIN matches the document, it is fine."
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
            ("XTA21099843576182", Ok("XTA21099843576182")),
            (" xta 2109984-3576182\t", Ok("XTA21099843576182")),
            // Cyrillic Х, Т, А typed in the Russian layout.
            ("ХТА21099843576182", Ok("XTA21099843576182")),
            ("1M8GDM9AXKP042788", Ok("1M8GDM9AXKP042788")),
            ("", Err(Code::Empty)),
            ("   ", Err(Code::Empty)),
            ("XTA2109984357618", Err(Code::WrongLength)),
            ("XTA210998435761822", Err(Code::WrongLength)),
            ("XTA2109984357618O", Err(Code::ForbiddenLetter)),
            ("XTA21099843576I82", Err(Code::ForbiddenLetter)),
            ("XTA2109984357618Ж", Err(Code::InvalidCharacter)),
            ("XTA21099843576*82", Err(Code::InvalidCharacter)),
        ];
        check(cases, Vin::parse);
    }

    #[test]
    fn check_digit_follows_the_north_american_scheme() {
        // A textbook example: 1M8GDM9AXKP042788 carries X.
        let v = Vin::parse("1M8GDM9AXKP042788").expect("valid");
        assert_eq!(v.expected_check_digit(), Some('X'));
        assert!(v.check_digit_ok());
        let lada = Vin::parse("XTA21099043576182").expect("valid");
        assert_eq!(
            lada.warnings(),
            vec![VinWarning::CheckDigitMismatch {
                expected: '8',
                found: '0'
            }]
        );
    }

    #[test]
    fn forbidden_letter_message_suggests_the_digit() {
        let e = Vin::parse("XTA2109984357618O").expect_err("O is forbidden");
        assert!(e.message(Lang::Ru).contains("цифра 0"));
        assert!(e.message(Lang::En).contains("digit 0"));
    }

    fn vin_body() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(
                "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
                    .chars()
                    .collect::<Vec<_>>(),
            ),
            LEN,
        )
        .prop_map(|mut chars| {
            if let Some(c) = check_digit(&chars) {
                chars[8] = c;
            }
            chars.into_iter().collect()
        })
    }

    proptest! {
        #[test]
        fn generated_vins_with_check_digit_are_accepted_without_warnings(v in vin_body()) {
            let vin = Vin::parse(&v).expect("generated VIN is valid");
            prop_assert!(vin.warnings().is_empty());
            prop_assert_eq!(Vin::parse(&vin.to_string()), Ok(vin));
        }

        #[test]
        fn lower_case_and_separators_normalise_to_the_same_vin(v in vin_body(), cut in 1usize..16) {
            let messy = format!(" {}-{} ", v[..cut].to_lowercase(), &v[cut..]);
            prop_assert_eq!(Vin::parse(&messy).map(|x| x.to_string()), Ok(v));
        }

        #[test]
        fn any_input_gives_a_verdict_and_normalising_is_idempotent(s in "\\PC{0,40}") {
            if let Ok(v) = Vin::parse(&s) {
                prop_assert_eq!(Vin::parse(v.as_str()), Ok(v.clone()));
            }
        }
    }
}
