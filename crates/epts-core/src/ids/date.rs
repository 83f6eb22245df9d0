//! A document date written `ДД.ММ.ГГГГ`, never in the future (an issue date, a date of
//! birth, a registration date). Single-digit days and months and `/` or `-` separators are
//! accepted and shown back in the canonical form.

use crate::Code;
use crate::lang::{Lang, Localized};
use std::fmt;
use time::{Date, Month};

const EARLIEST_YEAR: i32 = 1900;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocDate(Date);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocDateError {
    #[error("empty date")]
    Empty,
    #[error("not ДД.ММ.ГГГГ")]
    BadFormat,
    #[error("no such day")]
    NoSuchDay,
    #[error("date in the future")]
    InFuture { today: Date },
    #[error("before 1900")]
    TooOld,
}

impl DocDate {
    pub fn parse(input: &str, today: Date) -> Result<Self, DocDateError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(DocDateError::Empty);
        }
        let parts: Vec<&str> = s.split(['.', '/', '-']).map(str::trim).collect();
        let [d, m, y] = parts.as_slice() else {
            return Err(DocDateError::BadFormat);
        };
        let digits = |p: &str, max: usize| {
            (!p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u32>().ok())
                .flatten()
        };
        let (Some(day), Some(month), Some(year)) = (digits(d, 2), digits(m, 2), digits(y, 4))
        else {
            return Err(DocDateError::BadFormat);
        };
        if y.len() != 4 {
            return Err(DocDateError::BadFormat);
        }
        let month = u8::try_from(month)
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .ok_or(DocDateError::NoSuchDay)?;
        let year = i32::try_from(year).map_err(|_| DocDateError::BadFormat)?;
        let day = u8::try_from(day).map_err(|_| DocDateError::NoSuchDay)?;
        let date =
            Date::from_calendar_date(year, month, day).map_err(|_| DocDateError::NoSuchDay)?;
        if year < EARLIEST_YEAR {
            return Err(DocDateError::TooOld);
        }
        if date > today {
            return Err(DocDateError::InFuture { today });
        }
        Ok(DocDate(date))
    }

    pub fn date(&self) -> Date {
        self.0
    }
}

fn dmy(d: Date) -> String {
    format!("{:02}.{:02}.{:04}", d.day(), u8::from(d.month()), d.year())
}

impl fmt::Display for DocDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&dmy(self.0))
    }
}

impl Localized for DocDateError {
    fn code(&self) -> Code {
        match self {
            DocDateError::Empty => Code::Empty,
            DocDateError::BadFormat => Code::BadFormat,
            DocDateError::NoSuchDay => Code::NoSuchDate,
            DocDateError::InFuture { .. } => Code::InFuture,
            DocDateError::TooOld => Code::TooOld,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (DocDateError::Empty, Lang::Ru) => "Введите дату в виде ДД.ММ.ГГГГ, например 05.03.2021.".into(),
            (DocDateError::Empty, Lang::En) => "Enter the date as DD.MM.YYYY, e.g. 05.03.2021.".into(),
            (DocDateError::BadFormat, Lang::Ru) => "Дата записывается как ДД.ММ.ГГГГ (день, месяц, год из 4 цифр), например 05.03.2021.".into(),
            (DocDateError::BadFormat, Lang::En) => "Write the date as DD.MM.YYYY (day, month, 4-digit year), e.g. 05.03.2021.".into(),
            (DocDateError::NoSuchDay, Lang::Ru) => "Такой даты нет в календаре. Проверьте день и месяц.".into(),
            (DocDateError::NoSuchDay, Lang::En) => "There is no such date in the calendar. Check the day and month.".into(),
            (DocDateError::InFuture { today }, Lang::Ru) => format!("Дата не может быть позже сегодняшней ({}). Проверьте год; если дата верна, проверьте часы компьютера.", dmy(*today)),
            (DocDateError::InFuture { today }, Lang::En) => format!("The date cannot be later than today ({}). Check the year; if the date is right, check the computer's clock.", dmy(*today)),
            (DocDateError::TooOld, Lang::Ru) => "Дата раньше 1900 года — вероятно, опечатка в годе.".into(),
            (DocDateError::TooOld, Lang::En) => "The date is before 1900: the year probably has a typo.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::table::{Case, check};
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn table() {
        let cases: &[Case<'_>] = &[
            ("05.03.2021", Ok("05.03.2021")),
            ("5.3.2021", Ok("05.03.2021")),
            (" 05/03/2021 ", Ok("05.03.2021")),
            ("29.02.2024", Ok("29.02.2024")),
            ("23.11.2026", Ok("23.11.2026")),
            ("", Err(Code::Empty)),
            ("2021-03-05", Err(Code::BadFormat)),
            ("05.03.21", Err(Code::BadFormat)),
            ("05.03", Err(Code::BadFormat)),
            ("29.02.2023", Err(Code::NoSuchDate)),
            ("05.13.2021", Err(Code::NoSuchDate)),
            ("24.11.2026", Err(Code::InFuture)),
            ("01.01.1899", Err(Code::TooOld)),
        ];
        check(cases, |s| DocDate::parse(s, TODAY));
    }

    proptest! {
        #[test]
        fn past_dates_round_trip(days in 0i64..40_000) {
            let d = TODAY - time::Duration::days(days);
            if d.year() >= EARLIEST_YEAR {
                let parsed = DocDate::parse(&dmy(d), TODAY).expect("valid");
                prop_assert_eq!(parsed.date(), d);
                prop_assert_eq!(DocDate::parse(&parsed.to_string(), TODAY), Ok(parsed));
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = DocDate::parse(&s, TODAY);
        }
    }
}
