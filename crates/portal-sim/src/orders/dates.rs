//! EPGU's date formats: Moscow time (UTC+3, no daylight saving since 2014), milliseconds.

use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

const MSK: UtcOffset = offset!(+3);

/// `2023-11-02T07:27:22.586+0300`: dates inside an order.
pub fn with_offset(t: OffsetDateTime) -> String {
    t.to_offset(MSK)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory][offset_minute]"
        ))
        .unwrap_or_default()
}

/// `2022-12-21T20:49:37.672` (Moscow time): `updated` in `getUpdatedAfter`, and what its
/// `updatedAfter` takes.
pub fn local(t: OffsetDateTime) -> String {
    t.to_offset(MSK)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]"
        ))
        .unwrap_or_default()
}

/// `updatedAfter`: `YYYY-MM-DDTHH:mm:ss[.SSS]` in Moscow time as EPGU takes it, or with an
/// explicit offset (`Z`, `+03:00` or `+0300`).
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    let (local, offset) = split_offset(s)?;
    let fraction = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
    let whole = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let t = PrimitiveDateTime::parse(local, fraction)
        .or_else(|_| PrimitiveDateTime::parse(local, whole))
        .ok()?;
    Some(t.assume_offset(offset))
}

/// The date-time and its offset (Moscow time when none is written).
fn split_offset(s: &str) -> Option<(&str, UtcOffset)> {
    if let Some(local) = s.strip_suffix('Z') {
        return Some((local, UtcOffset::UTC));
    }
    let time_at = s.find('T')?;
    let Some(sign_at) = s[time_at..].rfind(['+', '-']).map(|k| time_at + k) else {
        return Some((s, MSK));
    };
    let digits: String = s[sign_at + 1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = (
        digits[..2].parse::<i8>().ok()?,
        digits[2..].parse::<i8>().ok()?,
    );
    let sign = if s[sign_at..].starts_with('-') { -1 } else { 1 };
    let offset = UtcOffset::from_hms(sign * h, sign * m, 0).ok()?;
    Some((&s[..sign_at], offset))
}

/// `t` cut to milliseconds: what a client sees is what is compared.
pub fn millis(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.millisecond() as u32 * 1_000_000)
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_round_trip_in_moscow_time() {
        let t = datetime!(2022-12-21 17:49:37.672 UTC);
        assert_eq!(local(t), "2022-12-21T20:49:37.672");
        assert_eq!(with_offset(t), "2022-12-21T20:49:37.672+0300");
        assert_eq!(parse(&local(t)), Some(t));
        assert_eq!(parse(&with_offset(t)), Some(t));
        assert_eq!(parse("2022-12-21T17:49:37.672Z"), Some(t));
        assert_eq!(
            parse("2022-12-21T20:49:37"),
            Some(datetime!(2022-12-21 17:49:37 UTC))
        );
        assert_eq!(
            parse("2022-12-21T17:49:37Z"),
            Some(datetime!(2022-12-21 17:49:37 UTC))
        );
        assert_eq!(
            parse("2022-12-21T20:49:37+0300"),
            Some(datetime!(2022-12-21 17:49:37 UTC))
        );
        assert_eq!(
            parse("0000-01-01T00:00:00"),
            Some(datetime!(0000-01-01 00:00 +3))
        );
        for bad in [
            "yesterday",
            "0000-00-00T00:00:00",
            "2022-12-21T20:49:37+3",
            "2022-12-21",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
