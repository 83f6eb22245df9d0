//! EPGU's date formats: Moscow time (UTC+3, no daylight saving since 2014), milliseconds.

use time::format_description::well_known::Rfc3339;
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
/// explicit offset (RFC 3339, or `+0300` as in the order's dates).
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    let local = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
    let whole = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let epgu = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    PrimitiveDateTime::parse(s, local)
        .or_else(|_| PrimitiveDateTime::parse(s, whole))
        .map(|t| t.assume_offset(MSK))
        .or_else(|_| OffsetDateTime::parse(s, &Rfc3339))
        .or_else(|_| OffsetDateTime::parse(s, epgu))
        .ok()
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
        assert_eq!(parse("yesterday"), None);
    }
}
