//! Russian standard registration plate (ГОСТ Р 50577, type 1): a letter, three digits,
//! two letters and a region code of 2 or 3 digits, e.g. `А123ВС77`, `А123ВС777`.
//! Only the twelve Cyrillic letters that have Latin twins are used: А В Е К М Н О Р С Т У Х.

use super::normalize::{latin_to_cyrillic, shown, strip_separators};
use super::report::Detail;
use crate::Code;
use crate::lang::{Lang, Localized};
use std::fmt;

const LETTERS: &str = "АВЕКМНОРСТУХ";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Plate(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlateError {
    #[error("empty plate")]
    Empty,
    #[error("letter {0} is not used on plates")]
    ForbiddenLetter(char),
    #[error("plate contains {0:?}")]
    InvalidCharacter(char),
    #[error("plate does not follow А000АА00")]
    BadFormat,
    #[error("plate number 000")]
    ZeroNumber,
    #[error("bad region {0}")]
    BadRegion(String),
}

fn is_plate_letter(c: char) -> bool {
    LETTERS.contains(c)
}

impl Plate {
    /// Normalises (case, spaces, the `RUS` suffix, Latin look-alikes) and validates.
    pub fn parse(input: &str) -> Result<Self, PlateError> {
        let mut s: String = strip_separators(input)
            .chars()
            .flat_map(char::to_uppercase)
            .map(latin_to_cyrillic)
            .collect();
        // "RUS" after normalisation of look-alikes reads "RUS" (R, U, S have no twins).
        if let Some(stripped) = s.strip_suffix("RUS") {
            s = stripped.to_owned();
        }
        if s.is_empty() {
            return Err(PlateError::Empty);
        }
        for c in s.chars() {
            if c.is_ascii_digit() || is_plate_letter(c) {
                continue;
            }
            if c.is_alphabetic() {
                return Err(PlateError::ForbiddenLetter(c));
            }
            return Err(PlateError::InvalidCharacter(c));
        }
        let chars: Vec<char> = s.chars().collect();
        let shape_ok = (chars.len() == 8 || chars.len() == 9)
            && is_plate_letter(chars[0])
            && chars[1..4].iter().all(char::is_ascii_digit)
            && chars[4..6].iter().all(|c| is_plate_letter(*c))
            && chars[6..].iter().all(char::is_ascii_digit);
        if !shape_ok {
            return Err(PlateError::BadFormat);
        }
        if chars[1..4] == ['0', '0', '0'] {
            return Err(PlateError::ZeroNumber);
        }
        let region: String = chars[6..].iter().collect();
        // Three-digit regions start with 1, 7 or 9 (e.g. 102, 777, 977); 00 is no region.
        let region_ok = match region.len() {
            2 => region != "00",
            _ => matches!(chars[6], '1' | '7' | '9'),
        };
        if !region_ok {
            return Err(PlateError::BadRegion(region));
        }
        Ok(Plate(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region code (2 or 3 digits).
    pub fn region(&self) -> &str {
        // The first six characters are 1 letter + 3 digits + 2 letters, 2 bytes each for
        // the Cyrillic letters: 2 + 3 + 4 = 9 bytes.
        self.0.get(9..).unwrap_or_default()
    }

    pub fn details(&self, lang: Lang) -> Vec<Detail> {
        vec![Detail::new(
            lang.pick("Код региона", "Region code"),
            self.region(),
        )]
    }
}

impl fmt::Display for Plate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Localized for PlateError {
    fn code(&self) -> Code {
        match self {
            PlateError::Empty => Code::Empty,
            PlateError::ForbiddenLetter(_) => Code::ForbiddenLetter,
            PlateError::InvalidCharacter(_) => Code::InvalidCharacter,
            PlateError::BadFormat => Code::BadFormat,
            PlateError::ZeroNumber => Code::BadFormat,
            PlateError::BadRegion(_) => Code::BadRegion,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PlateError::Empty, Lang::Ru) => "Введите госномер, например А123ВС77.".into(),
            (PlateError::Empty, Lang::En) => "Enter the plate, e.g. А123ВС77.".into(),
            (PlateError::ForbiddenLetter(c), Lang::Ru) => format!("Буква {} не используется в госномерах: допустимы только А В Е К М Н О Р С Т У Х.", shown(*c)),
            (PlateError::ForbiddenLetter(c), Lang::En) => format!("The letter {} is not used on plates: only А В Е К М Н О Р С Т У Х (A B E K M H O P C T Y X) are.", shown(*c)),
            (PlateError::InvalidCharacter(c), Lang::Ru) => format!("Символ {} не может быть в госномере. Оставьте только буквы и цифры.", shown(*c)),
            (PlateError::InvalidCharacter(c), Lang::En) => format!("Character {} cannot be on a plate. Keep only letters and digits.", shown(*c)),
            (PlateError::BadFormat, Lang::Ru) => "Госномер записывается как буква, три цифры, две буквы и код региона (2–3 цифры): А123ВС77.".into(),
            (PlateError::BadFormat, Lang::En) => "A plate is a letter, three digits, two letters and a region code (2–3 digits): А123ВС77.".into(),
            (PlateError::ZeroNumber, Lang::Ru) => "Номер 000 в госномерах не выдаётся. Проверьте цифры.".into(),
            (PlateError::ZeroNumber, Lang::En) => "The number 000 is never issued on plates. Check the digits.".into(),
            (PlateError::BadRegion(r), Lang::Ru) => format!("Кода региона {r} не бывает: двузначные коды — от 01, трёхзначные начинаются с 1, 7 или 9."),
            (PlateError::BadRegion(r), Lang::En) => format!("There is no region code {r}: two-digit codes start at 01, three-digit ones start with 1, 7 or 9."),
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
            ("А123ВС77", Ok("А123ВС77")),
            ("а 123 вс 777", Ok("А123ВС777")),
            // Latin look-alikes typed in the English layout.
            ("A123BC77", Ok("А123ВС77")),
            ("x001xx 197 RUS", Ok("Х001ХХ197")),
            ("", Err(Code::Empty)),
            ("Б123ВС77", Err(Code::ForbiddenLetter)),
            ("А123ВС7", Err(Code::BadFormat)),
            ("АА12377", Err(Code::BadFormat)),
            ("А000ВС77", Err(Code::BadFormat)),
            ("А123ВС00", Err(Code::BadRegion)),
            ("А123ВС277", Err(Code::BadRegion)),
            ("А123ВС77!", Err(Code::InvalidCharacter)),
        ];
        check(cases, Plate::parse);
        assert_eq!(
            Plate::parse("А123ВС777").map(|p| p.region().to_owned()),
            Ok("777".into())
        );
    }

    fn plate_letter() -> impl Strategy<Value = char> {
        proptest::sample::select(LETTERS.chars().collect::<Vec<_>>())
    }

    proptest! {
        #[test]
        fn generated_plates_are_accepted_and_normalising_is_idempotent(
            a in plate_letter(), b in plate_letter(), c in plate_letter(),
            n in 1u32..1000, region in 1u32..100,
        ) {
            let s = format!("{a}{n:03}{b}{c}{region:02}");
            let p = Plate::parse(&s).expect("generated plate is valid");
            prop_assert_eq!(p.as_str(), s.as_str());
            prop_assert_eq!(Plate::parse(&s.to_lowercase()), Ok(p.clone()));
            prop_assert_eq!(Plate::parse(p.as_str()), Ok(p));
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = Plate::parse(&s);
        }
    }
}
