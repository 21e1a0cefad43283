//! Instants and the wire formats of docs/reference.md §1.9.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

/// A point in business time, as microseconds since the Unix epoch (what the database stores).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub i64);

/// The furthest one advance may move the clock: 100 years. Further would leave the dates Toss writes
/// (four-digit years) and overflow the microsecond clock.
pub const MAX_ADVANCE_SECONDS: i64 = 100 * 365 * 24 * 3600;

/// The last instant the clock may reach: 9999-12-31T23:59:59.999999+09:00, so every date tossd writes, in
/// UTC or in KST, keeps the four-digit year Toss writes. An advance past it is refused.
pub const LAST_INSTANT: Instant = Instant(253_402_268_399_999_999);

/// Why an advance past [`LAST_INSTANT`] is refused.
pub const PAST_LAST_INSTANT: &str =
    "the clock cannot pass 9999-12-31T23:59:59+09:00 (the last four-digit year)";

const KST_SECONDS: i32 = 9 * 3600;

/// Korea Standard Time, +09:00 (checked when compiling).
const KST: FixedOffset = match FixedOffset::east_opt(KST_SECONDS) {
    Some(zone) => zone,
    None => panic!("+09:00 is a valid offset"),
};

impl Instant {
    pub fn from_datetime(t: DateTime<Utc>) -> Instant {
        Instant(t.timestamp_micros())
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    pub fn plus_seconds(self, seconds: i64) -> Instant {
        Instant(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }

    /// Valid while `now < start + lifetime` (docs/reference.md §1.9 "Expiry boundary").
    pub fn is_expired(start: Instant, lifetime_seconds: i64, now: Instant) -> bool {
        now >= start.plus_seconds(lifetime_seconds)
    }

    fn utc(self) -> DateTime<Utc> {
        Utc.timestamp_micros(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    fn kst(self) -> DateTime<FixedOffset> {
        self.utc().with_timezone(&KST)
    }

    /// `2022-06-07T17:21:21+09:00` (Toss Payments times).
    pub fn tp(self) -> String {
        self.kst().format("%Y-%m-%dT%H:%M:%S+09:00").to_string()
    }

    /// `2025-04-07T13:12:05Z` (Toss Pay status times).
    pub fn iso_utc(self) -> String {
        self.utc().format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// RFC 3339 UTC with microseconds, for the simulator.
    pub fn rfc3339_micros(self) -> String {
        self.utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }

    /// `2025-04-17 12:32:10`, KST without a zone (Toss Pay approval times).
    pub fn kst_plain(self) -> String {
        self.kst().format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// `2025-09-12T16:57:12`, KST without a zone (IAP order status).
    pub fn kst_t(self) -> String {
        self.kst().format("%Y-%m-%dT%H:%M:%S").to_string()
    }

    /// `2022-01-01T00:00:00.000000`, KST without a zone (webhook envelopes).
    pub fn kst_micros(self) -> String {
        self.kst().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
    }

    /// Parses an RFC 3339 instant (the `--clock-start` flag).
    pub fn parse_rfc3339(text: &str) -> Option<Instant> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Instant::from_datetime(t.with_timezone(&Utc)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_truncate_and_use_kst() {
        let t = Instant::parse_rfc3339("2022-06-07T08:21:21.999999Z").unwrap();
        assert_eq!(t.tp(), "2022-06-07T17:21:21+09:00");
        assert_eq!(t.iso_utc(), "2022-06-07T08:21:21Z");
        assert_eq!(t.kst_plain(), "2022-06-07 17:21:21");
        assert_eq!(t.kst_t(), "2022-06-07T17:21:21");
        assert_eq!(t.kst_micros(), "2022-06-07T17:21:21.999999");
        assert_eq!(t.unix_seconds(), 1654590081);
    }

    #[test]
    fn the_last_instant_keeps_four_digit_years() {
        assert_eq!(LAST_INSTANT.tp(), "9999-12-31T23:59:59+09:00");
        assert_eq!(LAST_INSTANT.rfc3339_micros(), "9999-12-31T14:59:59.999999Z");
        assert_eq!(
            Instant(LAST_INSTANT.0 + 1).tp(),
            "+10000-01-01T00:00:00+09:00"
        );
    }

    #[test]
    fn expiry_is_half_open() {
        let start = Instant(0);
        assert!(!Instant::is_expired(start, 600, Instant(599_999_999)));
        assert!(Instant::is_expired(start, 600, Instant(600_000_000)));
    }
}
