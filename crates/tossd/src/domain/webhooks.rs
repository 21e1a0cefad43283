//! Webhook and callback delivery rules (docs/reference.md §4.1): what an event is, where it goes, the retry
//! schedule, what counts as a delivered attempt and when an event may be redelivered.

use serde_json::{json, Value};

use crate::domain::login::UnlinkReason;
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::domain::wire::wire_enum;

wire_enum! {
    /// Which kind of receiver an event goes to.
    pub enum DestinationKind {
        /// The merchant's Toss Payments webhook URL.
        MerchantWebhook = "MERCHANT_WEBHOOK",
        /// The app's Apps-in-Toss unlink callback.
        UnlinkCallback = "UNLINK_CALLBACK",
    }
}

/// Where one event goes: its destination kind plus whose receiver it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Destination {
    /// The merchant's webhook URL for the mode (Toss Payments events).
    Merchant { merchant_id: i64, mode: String },
    /// The app's unlink callback (Apps-in-Toss).
    UnlinkCallback { app_id: String },
}

impl Destination {
    pub fn kind(&self) -> DestinationKind {
        match self {
            Destination::Merchant { .. } => DestinationKind::MerchantWebhook,
            Destination::UnlinkCallback { .. } => DestinationKind::UnlinkCallback,
        }
    }
}

wire_enum! {
    /// What happened, as the receiver reads it in `eventType` (unlink callbacks are one type of their own).
    pub enum EventType {
        PaymentStatusChanged = "PAYMENT_STATUS_CHANGED",
        MethodUpdated = "METHOD_UPDATED",
        CustomerStatusChanged = "CUSTOMER_STATUS_CHANGED",
        UnlinkCallback = "UNLINK_CALLBACK",
    }
}

impl EventType {
    /// The Toss Payments event types a merchant can subscribe to; all of them by default (assumed: Toss is silent).
    pub const TOSS_PAYMENTS: [EventType; 3] = [
        EventType::PaymentStatusChanged,
        EventType::MethodUpdated,
        EventType::CustomerStatusChanged,
    ];

    /// Whether merchants receive this type (and may subscribe to it).
    pub fn is_toss_payments(self) -> bool {
        match self {
            EventType::PaymentStatusChanged
            | EventType::MethodUpdated
            | EventType::CustomerStatusChanged => true,
            EventType::UnlinkCallback => false,
        }
    }
}

wire_enum! {
    /// Where an event stands.
    pub enum EventState {
        /// Nothing was configured to receive it when it was recorded; never attempted.
        NotSent = "NOT_SENT",
        /// The next attempt is due at its `next_attempt_at`.
        Pending = "PENDING",
        Delivered = "DELIVERED",
        /// Every retry failed.
        Failed = "FAILED",
    }
}

wire_enum! {
    /// How an unlink callback is called (docs/reference.md §4.2).
    pub enum CallbackMethod {
        /// `GET url?userKey=…&referrer=…`
        Get = "GET",
        /// `POST url` with `{userKey, referrer}`
        Post = "POST",
    }
}

/// What an event is about, so one process can send one object's events to a receiver in the order they
/// happened (docs/compat.md, "Delivery order"): the payment of `PAYMENT_STATUS_CHANGED`, the customer of
/// `METHOD_UPDATED` and `CUSTOMER_STATUS_CHANGED`, the user of an unlink callback. `None` when the body names
/// none (a simulator test event may carry any data): such an event waits for no other.
pub fn subject(event_type: EventType, body: &Value) -> Option<String> {
    let id = match event_type {
        EventType::PaymentStatusChanged => &body["data"]["paymentKey"],
        EventType::MethodUpdated | EventType::CustomerStatusChanged => &body["data"]["customerKey"],
        EventType::UnlinkCallback => &body["userKey"],
    };
    match id {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// `whtrans_a` + a 26-character lowercase ULID-like id (docs/reference.md §1.10).
pub fn transmission_id(now: Instant) -> String {
    const CROCKFORD: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let millis = now.micros().div_euclid(1000).max(0) as u128;
    let random = secrets::random_bytes(10)
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    let value = (millis << 80) | random;
    let id: String = (0..26)
        .rev()
        .map(|i| CROCKFORD[((value >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("whtrans_a{id}")
}

/// A Toss Payments webhook body, rendered when the event is recorded: `{eventType, createdAt, data}`.
pub fn webhook_body(event_type: EventType, now: Instant, data: Value) -> Value {
    json!({"eventType": event_type.as_str(), "createdAt": now.kst_micros(), "data": data})
}

/// An unlink callback's values: the POST body, and the query of a GET callback.
pub fn unlink_body(user_key: i64, reason: UnlinkReason) -> Value {
    json!({"userKey": user_key, "referrer": reason.as_str()})
}

/// An event's state when recorded, with its first attempt's due time: at once when it has somewhere to
/// go, otherwise `NOT_SENT` for good.
pub fn recorded(deliverable: bool, now: Instant) -> (EventState, Option<Instant>) {
    if deliverable {
        (EventState::Pending, Some(now))
    } else {
        (EventState::NotSent, None)
    }
}

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

/// What an attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// The receiver took the event: no more attempts.
    Delivered,
    /// Retry `retried_count` is due at `due`.
    Retry { retried_count: i64, due: Instant },
    /// The last retry failed.
    Failed,
}

impl AfterAttempt {
    pub fn state(self) -> EventState {
        match self {
            AfterAttempt::Delivered => EventState::Delivered,
            AfterAttempt::Retry { .. } => EventState::Pending,
            AfterAttempt::Failed => EventState::Failed,
        }
    }

    /// The event's retried count afterwards: the next retry's number, or that of the last attempt.
    pub fn retried_count(self, attempted: i64) -> i64 {
        match self {
            AfterAttempt::Retry { retried_count, .. } => retried_count,
            AfterAttempt::Delivered | AfterAttempt::Failed => attempted,
        }
    }

    pub fn next_attempt_at(self) -> Option<Instant> {
        match self {
            AfterAttempt::Retry { due, .. } => Some(due),
            AfterAttempt::Delivered | AfterAttempt::Failed => None,
        }
    }
}

/// The outcome of the attempt with retried count `attempted` that ended at `finished`: delivered, retry
/// `n` at (failure time + wait `n`), or failed after the last retry.
pub fn after_attempt(attempted: i64, success: bool, finished: Instant, scale: f64) -> AfterAttempt {
    if success {
        return AfterAttempt::Delivered;
    }
    let next = attempted.saturating_add(1);
    match retry_wait_micros(next, scale) {
        Some(wait) => AfterAttempt::Retry {
            retried_count: next,
            due: Instant(finished.micros().saturating_add(wait)),
        },
        None => AfterAttempt::Failed,
    }
}

/// Whether an operator may start a new attempt series: never for `NOT_SENT` events (they had nowhere to
/// go), and not while an attempt holds the lease (`lease_until`, wall-clock microseconds, after `wall`).
pub fn may_redeliver(state: EventState, lease_until: Option<i64>, wall: i64) -> bool {
    match state {
        EventState::NotSent => false,
        EventState::Delivered | EventState::Failed => true,
        EventState::Pending => lease_until.is_none_or(|until| until < wall),
    }
}

/// Whether a merchant's subscription (`None` = every type) covers `event_type`.
pub fn subscribed(subscription: Option<&[EventType]>, event_type: EventType) -> bool {
    subscription.is_none_or(|types| types.contains(&event_type))
}

/// Toss Payments webhooks count only HTTP 200 as delivered (documented); Apps-in-Toss callbacks any 2xx (assumed).
pub fn delivered(destination: DestinationKind, status: u16) -> bool {
    match destination {
        DestinationKind::MerchantWebhook => status == 200,
        DestinationKind::UnlinkCallback => (200..300).contains(&status),
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
    use crate::domain::wire::{assert_round_trips, UnknownValue};
    use proptest::prelude::*;

    #[test]
    fn subjects_are_the_payment_the_customer_or_the_user() {
        let webhook = |event_type, data| webhook_body(event_type, Instant(0), data);
        let payment = webhook(
            EventType::PaymentStatusChanged,
            json!({"paymentKey": "pk_1", "status": "DONE", "customerKey": "c"}),
        );
        assert_eq!(
            subject(EventType::PaymentStatusChanged, &payment).as_deref(),
            Some("pk_1")
        );
        for event_type in [EventType::MethodUpdated, EventType::CustomerStatusChanged] {
            let body = webhook(event_type, json!({"customerKey": "c_1", "methodKey": "m"}));
            assert_eq!(subject(event_type, &body).as_deref(), Some("c_1"));
        }
        let unlink = unlink_body(443731103, UnlinkReason::Unlink);
        assert_eq!(
            subject(EventType::UnlinkCallback, &unlink).as_deref(),
            Some("443731103")
        );
        // Test events carry any data.
        for data in [
            json!({}),
            json!({"paymentKey": null}),
            json!({"paymentKey": ["pk"]}),
        ] {
            let body = webhook(EventType::PaymentStatusChanged, data);
            assert_eq!(subject(EventType::PaymentStatusChanged, &body), None);
        }
    }

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
    fn attempts_lead_to_retries_then_failure() {
        let t = Instant(1_000_000);
        assert_eq!(after_attempt(0, true, t, 1.0), AfterAttempt::Delivered);
        assert_eq!(after_attempt(3, true, t, 1.0), AfterAttempt::Delivered);
        assert_eq!(
            after_attempt(0, false, t, 1.0),
            AfterAttempt::Retry {
                retried_count: 1,
                due: Instant(1_000_000 + 60_000_000)
            }
        );
        assert_eq!(after_attempt(7, false, t, 1.0), AfterAttempt::Failed);

        let retry = after_attempt(2, false, t, 1.0);
        assert_eq!(retry.state(), EventState::Pending);
        assert_eq!(retry.retried_count(2), 3);
        assert_eq!(
            retry.next_attempt_at(),
            Some(Instant(1_000_000 + 16 * 60_000_000))
        );
        for done in [AfterAttempt::Delivered, AfterAttempt::Failed] {
            assert_eq!(done.retried_count(5), 5);
            assert_eq!(done.next_attempt_at(), None);
        }
        assert_eq!(AfterAttempt::Delivered.state(), EventState::Delivered);
        assert_eq!(AfterAttempt::Failed.state(), EventState::Failed);
    }

    #[test]
    fn redelivery_waits_for_the_attempt_in_flight() {
        assert!(!may_redeliver(EventState::NotSent, None, 10));
        assert!(may_redeliver(EventState::Delivered, None, 10));
        assert!(may_redeliver(EventState::Failed, None, 10));
        assert!(may_redeliver(EventState::Pending, None, 10));
        assert!(may_redeliver(EventState::Pending, Some(9), 10));
        assert!(!may_redeliver(EventState::Pending, Some(10), 10));
        assert!(!may_redeliver(EventState::Pending, Some(11), 10));
    }

    #[test]
    fn recorded_events_are_due_at_once_or_never() {
        let now = Instant(42);
        assert_eq!(recorded(true, now), (EventState::Pending, Some(now)));
        assert_eq!(recorded(false, now), (EventState::NotSent, None));
    }

    #[test]
    fn wire_words_round_trip() {
        assert_round_trips(DestinationKind::ALL);
        assert_round_trips(EventType::ALL);
        assert_round_trips(EventState::ALL);
        assert_round_trips(CallbackMethod::ALL);
        for &t in EventType::ALL {
            assert_eq!(t.is_toss_payments(), EventType::TOSS_PAYMENTS.contains(&t));
        }
        assert_eq!(
            "PAYOUT_CHANGED".parse::<EventType>(),
            Err(UnknownValue {
                kind: "EventType",
                value: "PAYOUT_CHANGED".to_owned()
            })
        );
        assert!("pending".parse::<EventState>().is_err());
        assert!("".parse::<DestinationKind>().is_err());
        assert!("PUT".parse::<CallbackMethod>().is_err());
    }

    #[test]
    fn destinations_name_their_kind() {
        let merchant = Destination::Merchant {
            merchant_id: 1,
            mode: "test".to_owned(),
        };
        let app = Destination::UnlinkCallback {
            app_id: "a".to_owned(),
        };
        assert_eq!(merchant.kind(), DestinationKind::MerchantWebhook);
        assert_eq!(app.kind(), DestinationKind::UnlinkCallback);
    }

    #[test]
    fn bodies_have_the_documented_shape() {
        let now = Instant(1_725_506_361_000_000);
        assert_eq!(
            webhook_body(EventType::MethodUpdated, now, json!({"a": 1})),
            json!({"eventType": "METHOD_UPDATED", "createdAt": now.kst_micros(), "data": {"a": 1}})
        );
        assert_eq!(
            unlink_body(443731103, UnlinkReason::WithdrawalToss),
            json!({"userKey": 443731103, "referrer": "WITHDRAWAL_TOSS"})
        );
    }

    #[test]
    fn transmission_ids_have_the_documented_shape() {
        let id = transmission_id(Instant(1_725_506_361_000_000));
        assert!(id.starts_with("whtrans_a"));
        assert_eq!(id.len(), "whtrans_a01j70335nkqqeg0zwzz2r4py9z".len());
        assert!(id[9..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert_ne!(id, transmission_id(Instant(1_725_506_361_000_000)));
    }

    #[test]
    fn subscriptions_default_to_everything() {
        assert!(subscribed(None, EventType::MethodUpdated));
        assert!(subscribed(
            Some(&[EventType::PaymentStatusChanged, EventType::MethodUpdated]),
            EventType::MethodUpdated
        ));
        assert!(!subscribed(
            Some(&[EventType::PaymentStatusChanged]),
            EventType::MethodUpdated
        ));
    }

    #[test]
    fn success_rules_differ_by_family() {
        use DestinationKind::{MerchantWebhook, UnlinkCallback};
        assert!(delivered(MerchantWebhook, 200));
        assert!(!delivered(MerchantWebhook, 201));
        assert!(!delivered(MerchantWebhook, 204));
        assert!(delivered(UnlinkCallback, 204));
        assert!(delivered(UnlinkCallback, 200));
        assert!(!delivered(UnlinkCallback, 302));
        assert!(!delivered(UnlinkCallback, 500));
    }

    #[test]
    fn basic_headers_are_normalised() {
        assert_eq!(basic_header("dXNlcjpwYXNz"), "Basic dXNlcjpwYXNz");
        assert_eq!(basic_header("Basic dXNlcjpwYXNz"), "Basic dXNlcjpwYXNz");
        assert_eq!(basic_header("가나다"), "Basic 가나다");
    }

    proptest! {
        #[test]
        fn waits_grow_with_each_retry_and_are_whole_milliseconds(
            n in 1i64..MAX_RETRIES,
            scale in 0.000_001f64..1000.0,
        ) {
            let wait = retry_wait_micros(n, scale).unwrap();
            let later = retry_wait_micros(n + 1, scale).unwrap();
            prop_assert!(wait >= 1000);
            prop_assert_eq!(wait % 1000, 0);
            prop_assert!(later >= wait);
        }

        #[test]
        fn a_series_has_at_most_max_retries_and_never_goes_back_in_time(
            attempted in 0i64..=MAX_RETRIES,
            success in any::<bool>(),
            finished in 0i64..4_000_000_000_000_000,
            scale in 0.000_001f64..10.0,
        ) {
            let finished = Instant(finished);
            let after = after_attempt(attempted, success, finished, scale);
            match after {
                AfterAttempt::Delivered => prop_assert!(success),
                AfterAttempt::Retry { retried_count, due } => {
                    prop_assert!(!success);
                    prop_assert_eq!(retried_count, attempted + 1);
                    prop_assert!(retried_count <= MAX_RETRIES);
                    prop_assert!(due > finished);
                }
                AfterAttempt::Failed => {
                    prop_assert!(!success);
                    prop_assert_eq!(attempted, MAX_RETRIES);
                }
            }
            prop_assert!(after.retried_count(attempted) <= MAX_RETRIES);
            prop_assert_eq!(after.next_attempt_at().is_some(), after.state() == EventState::Pending);
        }

        #[test]
        fn only_a_live_lease_blocks_redelivery_of_a_pending_event(
            lease in proptest::option::of(any::<i64>()),
            wall in any::<i64>(),
        ) {
            let live = lease.is_some_and(|until| until >= wall);
            prop_assert_eq!(may_redeliver(EventState::Pending, lease, wall), !live);
            prop_assert!(!may_redeliver(EventState::NotSent, lease, wall));
            prop_assert!(may_redeliver(EventState::Delivered, lease, wall));
            prop_assert!(may_redeliver(EventState::Failed, lease, wall));
        }

        #[test]
        fn merchant_webhooks_need_exactly_200_callbacks_any_2xx(status in 100u16..600) {
            prop_assert_eq!(delivered(DestinationKind::MerchantWebhook, status), status == 200);
            prop_assert_eq!(
                delivered(DestinationKind::UnlinkCallback, status),
                (200..300).contains(&status)
            );
        }
    }
}
