//! Any UTF-8 → every identifier parser (VIN, ePTS number, SNILS, INN, OGRN, OGRNIP,
//! passport, plate, phone, e-mail, document date) through `ids::check` and directly.
//! Invariants: a report is valid exactly when it has a normalised value and no errors, and
//! the normalised value is itself valid and normalises to itself.
#![no_main]

use epts_core::Lang;
use epts_core::ids::{
    DocDate, Email, EptsNumber, IdKind, Inn, Ogrn, Ogrnip, Passport, Phone, Plate, Snils, Vin,
    check, cyrillic_to_latin_vin, latin_to_cyrillic_plate,
};
use libfuzzer_sys::fuzz_target;
use time::Date;
use time::macros::date;

/// The day dates are judged against: an ordinary one and the ends of `time`'s range.
const TODAYS: [Date; 3] = [date!(2026 - 11 - 23), Date::MIN, Date::MAX];

fn round_trip<T: std::fmt::Display + PartialEq + std::fmt::Debug, E>(
    input: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) {
    if let Ok(v) = parse(input) {
        let shown = v.to_string();
        match parse(&shown) {
            Ok(again) => assert_eq!(again, v, "{input:?} → {shown:?}"),
            Err(_) => panic!("{input:?} is valid but its display {shown:?} is not"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = input.parse::<IdKind>();
    for c in input.chars() {
        let _ = (cyrillic_to_latin_vin(c), latin_to_cyrillic_plate(c));
    }
    for (i, today) in TODAYS.into_iter().enumerate() {
        for kind in IdKind::ALL {
            if i > 0 && kind != IdKind::Date {
                // Only dates depend on the day; the rest once is enough.
                continue;
            }
            for lang in [Lang::Ru, Lang::En] {
                let r = check(kind, input, lang, today);
                assert_eq!(r.valid, r.errors.is_empty(), "{r:?}");
                assert_eq!(r.valid, r.normalized.is_some(), "{r:?}");
                assert!(r.errors.len() <= 1);
                if let Some(n) = &r.normalized {
                    let again = check(kind, n, lang, today);
                    assert!(again.valid, "{input:?} normalises to invalid {n:?}: {again:?}");
                    assert_eq!(again.normalized.as_deref(), Some(n.as_str()), "{again:?}");
                }
                serde_json::to_string(&r).expect("a report serialises");
            }
        }
        round_trip(input, |s| DocDate::parse(s, today));
    }
    round_trip(input, Vin::parse);
    round_trip(input, EptsNumber::parse);
    round_trip(input, Snils::parse);
    round_trip(input, Inn::parse);
    round_trip(input, Ogrn::parse);
    round_trip(input, Ogrnip::parse);
    round_trip(input, Passport::parse);
    round_trip(input, Plate::parse);
    round_trip(input, Phone::parse);
    round_trip(input, Email::parse);
    if let Ok(v) = Vin::parse(input) {
        let _ = (v.warnings(), v.wmi(), v.check_digit_ok(), v.details(Lang::Ru));
    }
    if let Ok(e) = EptsNumber::parse(input) {
        let _ = (e.kind(), e.country(), e.details(Lang::En));
    }
});
