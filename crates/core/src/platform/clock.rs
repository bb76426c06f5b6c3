//! Time as an injected dependency, so windows (SMS codes, lockouts, sessions) are testable.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Seconds since the Unix epoch.
pub type Timestamp = i64;

/// The source of "now" for everything in the domain.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The machine's clock, optionally shifted forward. The shift exists for sandbox demos and tests
/// (reaching an expiry without waiting); production servers never expose a way to change it.
#[derive(Debug, Default)]
pub struct SystemClock {
    offset: AtomicI64,
}

impl SystemClock {
    pub fn shared() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Moves the clock by `seconds` (may be negative) and returns the total offset.
    pub fn advance(&self, seconds: i64) -> i64 {
        self.offset.fetch_add(seconds, Ordering::SeqCst) + seconds
    }

    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::SeqCst)
    }
}

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place the real clock is read"
    )]
    fn now(&self) -> Timestamp {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        real + self.offset.load(Ordering::SeqCst)
    }
}

/// Formats a timestamp as local China time (UTC+8) `HH:MM`, for user-facing messages.
pub fn china_time_of_day(at: Timestamp) -> String {
    let shifted = at + 8 * 3600;
    let seconds_of_day = shifted.rem_euclid(86_400);
    format!(
        "{:02}:{:02}",
        seconds_of_day / 3600,
        (seconds_of_day % 3600) / 60
    )
}

/// Formats a timestamp as RFC 3339 in UTC.
pub fn rfc3339(at: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward() {
        let clock = SystemClock::default();
        let before = clock.now();
        assert_eq!(clock.advance(400), 400);
        assert!(clock.now() >= before + 400);
    }

    #[test]
    fn china_time_is_utc_plus_eight() {
        // 2026-01-01T00:00:00Z is 08:00 in Beijing.
        assert_eq!(china_time_of_day(1_767_225_600), "08:00");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
