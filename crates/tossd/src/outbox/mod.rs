//! The durable outbox (REFERENCE.md §4.1): events that Toss sends to partners (Toss Payments webhooks,
//! Apps-in-Toss unlink callbacks) are rows written in the same transaction as the state change that causes
//! them. Delivery happens afterwards, in [`worker`].

pub mod worker;

use serde_json::{json, Value};

use crate::domain::time::Instant;
use crate::domain::{secrets, webhooks};
use crate::state::AppState;
use crate::store::Tx;

/// Wakes this process's delivery worker; call after committing a transaction that enqueued events so the
/// first attempt starts right away (other processes pick them up on their next poll).
pub fn wake(state: &AppState) {
    state.outbox_wake.wake();
}

/// Where an event goes.
#[derive(Debug, Clone)]
pub enum Destination {
    /// The merchant's webhook URL for the mode (Toss Payments events).
    Merchant { merchant_id: i64, mode: String },
    /// The app's unlink callback (Apps-in-Toss).
    UnlinkCallback { app_id: String },
}

/// `whtrans_a` + a 26-character lowercase ULID-like id (REFERENCE.md §1.10).
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

/// Records a Toss Payments event (`PAYMENT_STATUS_CHANGED`, `METHOD_UPDATED`, `CUSTOMER_STATUS_CHANGED`)
/// with its body rendered now: `{eventType, createdAt, data}`. Returns the event's id.
pub async fn enqueue_webhook(
    tx: &mut Tx,
    now: Instant,
    merchant_id: i64,
    mode: &str,
    event_type: &str,
    data: Value,
) -> Result<i64, sqlx::Error> {
    let body = json!({"eventType": event_type, "createdAt": now.kst_micros(), "data": data});
    let destination = Destination::Merchant {
        merchant_id,
        mode: mode.to_owned(),
    };
    enqueue(tx, now, &destination, event_type, &body).await
}

/// Records an Apps-in-Toss unlink callback for (`app_id`, `user_key`) with its `referrer`. Returns the
/// event's id.
pub async fn enqueue_unlink(
    tx: &mut Tx,
    now: Instant,
    app_id: &str,
    user_key: i64,
    referrer: &str,
) -> Result<i64, sqlx::Error> {
    let body = json!({"userKey": user_key, "referrer": referrer});
    let destination = Destination::UnlinkCallback {
        app_id: app_id.to_owned(),
    };
    enqueue(tx, now, &destination, "UNLINK_CALLBACK", &body).await
}

/// Writes the event row and returns its id. Only events recorded while a URL is configured (and, for
/// merchants, subscribed to the event type) are ever delivered; the others are recorded as `NOT_SENT`.
pub async fn enqueue(
    tx: &mut Tx,
    now: Instant,
    destination: &Destination,
    event_type: &str,
    body: &Value,
) -> Result<i64, sqlx::Error> {
    let (kind, merchant_id, mode, app_id, configured) = match destination {
        Destination::Merchant { merchant_id, mode } => {
            let subscription: Option<Option<String>> = sqlx::query_scalar(
                "SELECT event_types FROM merchant_webhooks WHERE merchant_id = $1 AND mode = $2",
            )
            .bind(merchant_id)
            .bind(mode)
            .fetch_optional(&mut **tx)
            .await?;
            (
                "MERCHANT_WEBHOOK",
                Some(*merchant_id),
                Some(mode.as_str()),
                None,
                subscription
                    .is_some_and(|types| webhooks::subscribed(types.as_deref(), event_type)),
            )
        }
        Destination::UnlinkCallback { app_id } => {
            let url: Option<String> =
                sqlx::query_scalar("SELECT url FROM app_unlink_callbacks WHERE app_id = $1")
                    .bind(app_id)
                    .fetch_optional(&mut **tx)
                    .await?;
            (
                "UNLINK_CALLBACK",
                None,
                None,
                Some(app_id.as_str()),
                url.is_some(),
            )
        }
    };
    let (state, next_attempt_at) = if configured {
        ("PENDING", Some(now.micros()))
    } else {
        ("NOT_SENT", None)
    };
    sqlx::query_scalar(
        "INSERT INTO outbox_events (transmission_id, destination, merchant_id, mode, app_id, event_type, body, \
         state, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(transmission_id(now))
    .bind(kind)
    .bind(merchant_id)
    .bind(mode)
    .bind(app_id)
    .bind(event_type)
    .bind(body.to_string())
    .bind(state)
    .bind(next_attempt_at)
    .bind(now.micros())
    .fetch_one(&mut **tx)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
