//! The durable outbox (REFERENCE.md §4.1): events that Toss sends to partners (Toss Payments webhooks,
//! Apps-in-Toss unlink callbacks) are rows written in the same transaction as the state change that causes
//! them (`store::outbox`). Delivery happens afterwards, in [`worker`].

pub mod worker;

use serde_json::Value;

use crate::domain::login::UnlinkReason;
use crate::domain::time::Instant;
use crate::domain::webhooks::{self, EventType};
use crate::state::AppState;
use crate::store::{self, Tx};

pub use crate::domain::webhooks::Destination;

/// Wakes this process's delivery worker; call after committing a transaction that enqueued events so the
/// first attempt starts right away (other processes pick them up on their next poll).
pub fn wake(state: &AppState) {
    state.outbox_wake.wake();
}

/// A word the caller passed that names no event type or referrer: refused before anything is written.
fn unencodable(e: webhooks::Unknown) -> sqlx::Error {
    sqlx::Error::Encode(Box::new(e))
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
    let event_type = event_type.parse().map_err(unencodable)?;
    store::outbox::enqueue_webhook(tx, now, merchant_id, mode, event_type, data).await
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
    let reason = UnlinkReason::parse(referrer)
        .ok_or_else(|| unencodable(webhooks::Unknown::new("unlink referrer", referrer)))?;
    store::outbox::enqueue_unlink(tx, now, app_id, user_key, reason).await
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
    let event_type: EventType = event_type.parse().map_err(unencodable)?;
    store::outbox::enqueue(tx, now, destination, event_type, body).await
}
