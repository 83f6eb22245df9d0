//! Clock skew: a computer clock more than five minutes off breaks one-time codes and
//! signatures, so the app measures it from the server's `Date` header and says so first.

use std::time::{Duration, SystemTime};

/// The skew beyond which codes and signatures fail (docs/domain.md, «Clock skew»).
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// How far the local clock is from the server's: positive when the local clock is behind.
/// `None` when the header is missing or unreadable.
pub fn skew_from_date(date_header: Option<&str>, local_now: SystemTime) -> Option<i64> {
    let server = httpdate::parse_http_date(date_header?.trim()).ok()?;
    let secs = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok())
    };
    Some(secs(server)? - secs(local_now)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_date_header_both_ways() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let ahead = httpdate::fmt_http_date(now + Duration::from_secs(600));
        assert_eq!(skew_from_date(Some(&ahead), now), Some(600));
        let behind = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(skew_from_date(Some(&behind), now), Some(-90));
        assert_eq!(skew_from_date(Some("yesterday"), now), None);
        assert_eq!(skew_from_date(None, now), None);
    }
}
