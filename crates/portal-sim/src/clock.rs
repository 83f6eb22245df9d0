//! The stand-in's clock: real time, plus however far a test has moved it on.
//!
//! Every lifetime the sim enforces (confirmation and authorization codes, idle sessions,
//! temporary code blocks) and every time it hands out (`serverTime`, `updatedAt`, the
//! extract's «Дата и время формирования») is read here, so a test can jump past a
//! 30-minute timeout instead of racing a loaded machine. Without `test-controls` nothing
//! can move it and it is the real clock.
//!
//! The `Date` header is not the sim's clock: it is the real time (or the real time moved by
//! the `clock_skew` fault), because the client compares it with the computer's clock and an
//! advanced test clock is time passing, not a skewed server.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The furthest a test may move the clock; keeps every `Instant` and date arithmetic far
/// from overflow whatever a test asks.
#[cfg(feature = "test-controls")]
pub const MAX_ADVANCE: Duration = Duration::from_secs(10 * 366 * 24 * 3600);

/// A clock shared by one running stand-in (clones read the same time).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// How far the clock is ahead of real time, in nanoseconds.
    ahead_ns: Arc<AtomicU64>,
}

impl Clock {
    /// How far the clock has been moved on.
    pub fn ahead(&self) -> Duration {
        Duration::from_nanos(self.ahead_ns.load(Ordering::SeqCst))
    }

    /// Now, for deadlines.
    pub fn now(&self) -> Instant {
        let real = Instant::now();
        real.checked_add(self.ahead()).unwrap_or(real)
    }

    /// Now, as a date and time (UTC).
    pub fn now_utc(&self) -> time::OffsetDateTime {
        let real = time::OffsetDateTime::now_utc();
        time::Duration::try_from(self.ahead())
            .ok()
            .and_then(|ahead| real.checked_add(ahead))
            .unwrap_or(real)
    }

    /// Moves the clock on by `by` (at most [`MAX_ADVANCE`] in all); returns how far ahead
    /// of real time it now is. Time never goes back.
    #[cfg(feature = "test-controls")]
    pub fn advance(&self, by: Duration) -> Duration {
        let max = u64::try_from(MAX_ADVANCE.as_nanos()).unwrap_or(u64::MAX);
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let step = |ahead: u64| ahead.saturating_add(by).min(max);
        // The closure always answers `Some`, so both arms hold the value before the update.
        let (Ok(before) | Err(before)) =
            self.ahead_ns
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |a| Some(step(a)));
        Duration::from_nanos(step(before))
    }
}

#[cfg(all(test, feature = "test-controls"))]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_deadlines_and_dates_together_and_is_capped() {
        let clock = Clock::default();
        let copy = clock.clone();
        let before = (clock.now(), clock.now_utc());
        assert_eq!(
            clock.advance(Duration::from_secs(1800)),
            Duration::from_secs(1800)
        );
        assert!(copy.now() >= before.0 + Duration::from_secs(1800));
        assert!(copy.now_utc() >= before.1 + time::Duration::seconds(1800));
        assert_eq!(clock.advance(Duration::MAX), MAX_ADVANCE);
        assert_eq!(copy.ahead(), MAX_ADVANCE);
        // Far ahead, yet no arithmetic overflowed.
        assert!(copy.now() > before.0);
        assert!(copy.now_utc().year() > before.1.year());
    }
}
