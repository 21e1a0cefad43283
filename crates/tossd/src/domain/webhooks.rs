//! Webhook and callback delivery rules (REFERENCE.md §4.1): the retry schedule and what counts as a
//! delivered attempt.

/// Waits before retries 1..=7, in minutes [doc].
const RETRY_WAIT_MINUTES: [i64; 7] = [1, 4, 16, 64, 256, 1024, 4096];

/// How many retries follow a failed first attempt.
pub const MAX_RETRIES: i64 = RETRY_WAIT_MINUTES.len() as i64;

/// The wait before retry `n` (1-based) in microseconds, multiplied by `scale` and rounded up to whole
/// milliseconds; `None` when there is no retry `n`.
pub fn retry_wait_micros(n: i64, scale: f64) -> Option<i64> {
    let minutes = *RETRY_WAIT_MINUTES.get(usize::try_from(n.checked_sub(1)?).ok()?)?;
    let millis = ((minutes * 60_000) as f64 * scale).ceil();
    // Any sane scale stays far below i64::MAX; the cast saturates for absurd ones.
    Some((millis as i64).saturating_mul(1000))
}

/// Whether a retry scale is usable: finite and positive.
pub fn valid_scale(scale: f64) -> bool {
    scale.is_finite() && scale > 0.0
}

/// The Toss Payments event types a merchant can subscribe to; all of them by default [assumed].
pub const TP_EVENT_TYPES: [&str; 3] = [
    "PAYMENT_STATUS_CHANGED",
    "METHOD_UPDATED",
    "CUSTOMER_STATUS_CHANGED",
];

/// Whether a merchant's subscription (comma-separated types; `None` = every type) covers `event_type`.
pub fn subscribed(event_types: Option<&str>, event_type: &str) -> bool {
    event_types.is_none_or(|types| types.split(',').any(|t| t == event_type))
}

/// Toss Payments webhooks count only HTTP 200 as delivered [doc]; Apps-in-Toss callbacks any 2xx [assumed].
pub fn delivered(toss_payments: bool, status: u16) -> bool {
    if toss_payments {
        status == 200
    } else {
        (200..300).contains(&status)
    }
}

/// The `Authorization` header of an unlink callback: `Basic ` + the configured value, unless the value
/// already starts with `Basic ` [assumed normalisation].
pub fn basic_header(configured: &str) -> String {
    let scheme = configured.get(..6).unwrap_or_default();
    if scheme.eq_ignore_ascii_case("basic ") {
        configured.to_owned()
    } else {
        format!("Basic {configured}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_is_the_documented_one() {
        let minutes: Vec<i64> = (1..=7)
            .map(|n| retry_wait_micros(n, 1.0).unwrap() / 60_000_000)
            .collect();
        assert_eq!(minutes, vec![1, 4, 16, 64, 256, 1024, 4096]);
        assert_eq!(retry_wait_micros(0, 1.0), None);
        assert_eq!(retry_wait_micros(8, 1.0), None);
        assert_eq!(MAX_RETRIES, 7);
    }

    #[test]
    fn scaled_waits_round_up_to_milliseconds() {
        // 60 000 ms × 0.0001 = 6 ms exactly; × 0.000_001 = 0.06 ms → 1 ms.
        assert_eq!(retry_wait_micros(1, 0.0001), Some(6_000));
        assert_eq!(retry_wait_micros(1, 0.000_001), Some(1_000));
        assert_eq!(retry_wait_micros(2, 0.5), Some(120_000_000));
        assert!(valid_scale(0.001));
        assert!(!valid_scale(0.0));
        assert!(!valid_scale(-1.0));
        assert!(!valid_scale(f64::NAN));
        assert!(!valid_scale(f64::INFINITY));
    }

    #[test]
    fn subscriptions_default_to_everything() {
        assert!(subscribed(None, "METHOD_UPDATED"));
        assert!(subscribed(None, "ANYTHING"));
        assert!(subscribed(
            Some("PAYMENT_STATUS_CHANGED,METHOD_UPDATED"),
            "METHOD_UPDATED"
        ));
        assert!(!subscribed(
            Some("PAYMENT_STATUS_CHANGED"),
            "METHOD_UPDATED"
        ));
    }

    #[test]
    fn success_rules_differ_by_family() {
        assert!(delivered(true, 200));
        assert!(!delivered(true, 201));
        assert!(!delivered(true, 204));
        assert!(delivered(false, 204));
        assert!(delivered(false, 200));
        assert!(!delivered(false, 302));
        assert!(!delivered(false, 500));
    }

    #[test]
    fn basic_headers_are_normalised() {
        assert_eq!(basic_header("dXNlcjpwYXNz"), "Basic dXNlcjpwYXNz");
        assert_eq!(basic_header("Basic dXNlcjpwYXNz"), "Basic dXNlcjpwYXNz");
        assert_eq!(basic_header("가나다"), "Basic 가나다");
    }
}
