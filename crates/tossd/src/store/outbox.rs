//! Owner of `outbox_events`, `outbox_attempts`, `merchant_webhooks` and `app_unlink_callbacks`: events
//! waiting to be sent to partners, each attempt at sending them, and where partners want to receive them.
//!
//! Events are written by [`enqueue`] (or its two shapes) inside the transaction of the state change that
//! causes them. The delivery worker then [`claim`]s due events with a lease (wall-clock microseconds and
//! its process's token), [`renew_leases`] of every event it still holds while they wait or run,
//! [`record_attempt`]s each outcome only while its token still holds the event, and [`release_leases`] of
//! what it never started when it stops.

use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use crate::domain::login::UnlinkReason;
use crate::domain::time::Instant;
use crate::domain::webhooks::{
    self, AfterAttempt, CallbackMethod, Destination, DestinationKind, EventState, EventType,
};
use crate::store::{decode, flag, try_get_parsed, Backend, Db, Tx};

/// A merchant's webhook for one mode.
#[derive(Debug, Clone)]
pub struct MerchantWebhook {
    pub merchant_id: i64,
    pub mode: String,
    pub url: String,
    /// The event types subscribed to; `None` = every type.
    pub event_types: Option<Vec<EventType>>,
}

/// Subscriptions are stored comma-separated (`NULL` = every type).
fn subscription_text(event_types: &[EventType]) -> String {
    event_types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn subscription(text: Option<String>) -> Result<Option<Vec<EventType>>, sqlx::Error> {
    text.map(|types| types.split(',').map(decode).collect())
        .transpose()
}

pub async fn merchant_webhook<'e, E>(
    executor: E,
    merchant_id: i64,
    mode: &str,
) -> Result<Option<MerchantWebhook>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(
        "SELECT url, event_types FROM merchant_webhooks WHERE merchant_id = $1 AND mode = $2",
    )
    .bind(merchant_id)
    .bind(mode)
    .fetch_optional(executor)
    .await?;
    row.map(|row| {
        Ok(MerchantWebhook {
            merchant_id,
            mode: mode.to_owned(),
            url: row.try_get(0)?,
            event_types: subscription(row.try_get(1)?)?,
        })
    })
    .transpose()
}

/// Sets the merchant's webhook for the mode, replacing the one there.
pub async fn put_merchant_webhook(db: &Db, webhook: &MerchantWebhook) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO merchant_webhooks (merchant_id, mode, url, event_types) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (merchant_id, mode) DO UPDATE SET url = $3, event_types = $4",
    )
    .bind(webhook.merchant_id)
    .bind(&webhook.mode)
    .bind(&webhook.url)
    .bind(webhook.event_types.as_deref().map(subscription_text))
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Removes the merchant's webhooks of every mode.
pub async fn delete_merchant_webhooks(db: &Db, merchant_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM merchant_webhooks WHERE merchant_id = $1")
        .bind(merchant_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// An app's unlink callback.
#[derive(Debug, Clone)]
pub struct UnlinkCallback {
    pub app_id: String,
    pub url: String,
    pub method: CallbackMethod,
    /// Sent as `Authorization: Basic …` when present.
    pub basic_auth: Option<String>,
}

pub async fn unlink_callback<'e, E>(
    executor: E,
    app_id: &str,
) -> Result<Option<UnlinkCallback>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let row =
        sqlx::query("SELECT url, method, basic_auth FROM app_unlink_callbacks WHERE app_id = $1")
            .bind(app_id)
            .fetch_optional(executor)
            .await?;
    row.map(|row| {
        Ok(UnlinkCallback {
            app_id: app_id.to_owned(),
            url: row.try_get(0)?,
            method: try_get_parsed(&row, 1)?,
            basic_auth: row.try_get(2)?,
        })
    })
    .transpose()
}

/// Sets the app's unlink callback, replacing the one there.
pub async fn put_unlink_callback(db: &Db, callback: &UnlinkCallback) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO app_unlink_callbacks (app_id, url, method, basic_auth) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (app_id) DO UPDATE SET url = $2, method = $3, basic_auth = $4",
    )
    .bind(&callback.app_id)
    .bind(&callback.url)
    .bind(callback.method.as_str())
    .bind(&callback.basic_auth)
    .execute(db.writer())
    .await?;
    Ok(())
}

pub async fn delete_unlink_callback(db: &Db, app_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM app_unlink_callbacks WHERE app_id = $1")
        .bind(app_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Records a Toss Payments event (`PAYMENT_STATUS_CHANGED`, `METHOD_UPDATED`, `CUSTOMER_STATUS_CHANGED`)
/// with its body rendered now. Returns the event's id.
pub async fn enqueue_webhook(
    tx: &mut Tx,
    now: Instant,
    merchant_id: i64,
    mode: &str,
    event_type: EventType,
    data: Value,
) -> Result<i64, sqlx::Error> {
    let destination = Destination::Merchant {
        merchant_id,
        mode: mode.to_owned(),
    };
    let body = webhooks::webhook_body(event_type, now, data);
    enqueue(tx, now, &destination, event_type, &body).await
}

/// Records an Apps-in-Toss unlink callback for (`app_id`, `user_key`). Returns the event's id.
pub async fn enqueue_unlink(
    tx: &mut Tx,
    now: Instant,
    app_id: &str,
    user_key: i64,
    reason: UnlinkReason,
) -> Result<i64, sqlx::Error> {
    let destination = Destination::UnlinkCallback {
        app_id: app_id.to_owned(),
    };
    let body = webhooks::unlink_body(user_key, reason);
    enqueue(tx, now, &destination, EventType::UnlinkCallback, &body).await
}

/// Writes the event row and returns its id. Only events recorded while a URL is configured (and, for
/// merchants, subscribed to the event type) are ever delivered; the others are recorded as `NOT_SENT`.
pub async fn enqueue(
    tx: &mut Tx,
    now: Instant,
    destination: &Destination,
    event_type: EventType,
    body: &Value,
) -> Result<i64, sqlx::Error> {
    let (merchant_id, mode, app_id, deliverable) = match destination {
        Destination::Merchant { merchant_id, mode } => {
            let webhook = merchant_webhook(&mut **tx, *merchant_id, mode).await?;
            let subscribed =
                webhook.is_some_and(|w| webhooks::subscribed(w.event_types.as_deref(), event_type));
            (Some(*merchant_id), Some(mode.as_str()), None, subscribed)
        }
        Destination::UnlinkCallback { app_id } => {
            let configured = unlink_callback(&mut **tx, app_id).await?.is_some();
            (None, None, Some(app_id.as_str()), configured)
        }
    };
    let (state, next_attempt_at) = webhooks::recorded(deliverable, now);
    sqlx::query_scalar(
        "INSERT INTO outbox_events (transmission_id, destination, merchant_id, mode, app_id, event_type, body, \
         state, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(webhooks::transmission_id(now))
    .bind(destination.kind().as_str())
    .bind(merchant_id)
    .bind(mode)
    .bind(app_id)
    .bind(event_type.as_str())
    .bind(body.to_string())
    .bind(state.as_str())
    .bind(next_attempt_at.map(Instant::micros))
    .bind(now.micros())
    .fetch_one(&mut **tx)
    .await
}

/// The destination columns of an event row.
fn destination(
    kind: DestinationKind,
    merchant_id: Option<i64>,
    mode: Option<String>,
    app_id: Option<String>,
) -> Result<Destination, sqlx::Error> {
    match kind {
        DestinationKind::MerchantWebhook => match (merchant_id, mode) {
            (Some(merchant_id), Some(mode)) => Ok(Destination::Merchant { merchant_id, mode }),
            _ => Err(sqlx::Error::Decode(
                "a merchant webhook event without its merchant and mode".into(),
            )),
        },
        DestinationKind::UnlinkCallback => app_id
            .map(|app_id| Destination::UnlinkCallback { app_id })
            .ok_or_else(|| sqlx::Error::Decode("an unlink callback event without its app".into())),
    }
}

/// An event claimed for one attempt.
#[derive(Debug, Clone)]
pub struct ClaimedEvent {
    pub id: i64,
    pub transmission_id: String,
    pub destination: Destination,
    pub event_type: EventType,
    /// The body as recorded (JSON text).
    pub body: String,
    /// The retried count of the attempt about to be made (0 = first).
    pub retried_count: i64,
}

fn claimed_event(row: &AnyRow) -> Result<ClaimedEvent, sqlx::Error> {
    Ok(ClaimedEvent {
        id: row.try_get(0)?,
        transmission_id: row.try_get(1)?,
        destination: destination(
            try_get_parsed(row, 2)?,
            row.try_get(3)?,
            row.try_get(4)?,
            row.try_get(5)?,
        )?,
        event_type: try_get_parsed(row, 6)?,
        body: row.try_get(7)?,
        retried_count: row.try_get(8)?,
    })
}

/// Whether some event is due at business time `now` and unleased at wall-clock time `wall`. A read, so an
/// idle worker never takes SQLite's single write connection.
pub async fn any_due(db: &Db, now: Instant, wall: i64) -> Result<bool, sqlx::Error> {
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM outbox_events WHERE state = $1 AND next_attempt_at <= $2 \
         AND (lease_until IS NULL OR lease_until < $3) LIMIT 1",
    )
    .bind(EventState::Pending.as_str())
    .bind(now.micros())
    .bind(wall)
    .fetch_optional(db.reader())
    .await?;
    Ok(due.is_some())
}

/// Leases up to `limit` events due at `now` and unleased at `wall` (oldest due first) to `lease_token`
/// until `lease_until`, and returns them. The candidates are picked once, in a materialized CTE: PostgreSQL
/// may evaluate a `LIMIT` subquery inside `WHERE id IN (…)` more than once, which let one claim take more
/// than its limit. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets processes sharing one database claim
/// disjoint rows; SQLite runs one write at a time.
pub async fn claim(
    db: &Db,
    now: Instant,
    wall: i64,
    lease_token: &str,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<ClaimedEvent>, sqlx::Error> {
    let skip_locked = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    // The outer conditions repeat the inner ones: on PostgreSQL a row another claimer changed meanwhile
    // is re-checked after its lock is released, so it is never claimed twice.
    let sql = format!(
        "WITH picked AS MATERIALIZED (\
           SELECT id FROM outbox_events WHERE state = $6 AND next_attempt_at <= $3 \
           AND (lease_until IS NULL OR lease_until < $4) ORDER BY next_attempt_at, id LIMIT $5{skip_locked}) \
         UPDATE outbox_events SET lease_until = $1, lease_token = $2 WHERE id IN (SELECT id FROM picked) \
         AND state = $6 AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until < $4) \
         RETURNING id, transmission_id, destination, merchant_id, mode, app_id, event_type, body, retried_count"
    );
    let rows = sqlx::query(&sql)
        .bind(lease_until)
        .bind(lease_token)
        .bind(now.micros())
        .bind(wall)
        .bind(limit)
        .bind(EventState::Pending.as_str())
        .fetch_all(db.writer())
        .await?;
    rows.iter().map(claimed_event).collect()
}

/// Extends the lease of a still pending event `lease_token` holds; false when the lease was lost.
pub async fn renew_lease(
    db: &Db,
    event_id: i64,
    lease_token: &str,
    lease_until: i64,
) -> Result<bool, sqlx::Error> {
    let renewed = sqlx::query(
        "UPDATE outbox_events SET lease_until = $1 WHERE id = $2 AND lease_token = $3 AND state = $4",
    )
    .bind(lease_until)
    .bind(event_id)
    .bind(lease_token)
    .bind(EventState::Pending.as_str())
    .execute(db.writer())
    .await?
    .rows_affected();
    Ok(renewed == 1)
}

/// Extends every lease `lease_token` holds on a still pending event, in one statement; returns their ids
/// (an event missing from them was taken over or wiped meanwhile).
pub async fn renew_leases(
    db: &Db,
    lease_token: &str,
    lease_until: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE outbox_events SET lease_until = $1 WHERE lease_token = $2 AND state = $3 RETURNING id",
    )
    .bind(lease_until)
    .bind(lease_token)
    .bind(EventState::Pending.as_str())
    .fetch_all(db.writer())
    .await
}

/// Gives up the lease `lease_token` holds on one event.
pub async fn release_lease(db: &Db, event_id: i64, lease_token: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox_events SET lease_until = NULL, lease_token = NULL WHERE id = $1 AND lease_token = $2",
    )
    .bind(event_id)
    .bind(lease_token)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Gives up every lease `lease_token` still holds, so any process may claim those events at once.
pub async fn release_leases(db: &Db, lease_token: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox_events SET lease_until = NULL, lease_token = NULL WHERE lease_token = $1",
    )
    .bind(lease_token)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// One attempt at delivering an event.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// `tosspayments-webhook-transmission-retried-count` of the attempt (0 = first).
    pub retried_count: i64,
    /// Business time when the attempt started.
    pub attempted_at: Instant,
    /// Where it went; `None` when nothing was configured.
    pub url: Option<String>,
    /// The receiver's HTTP status; `None` when no response came.
    pub status_code: Option<i64>,
    /// Why it failed; `None` on success.
    pub error: Option<String>,
    pub success: bool,
}

/// Records `attempt` and what follows it, only while `lease_token` still holds the event (releasing the
/// lease). False when the lease was lost meanwhile (or a reset wiped the event): nothing is written then.
pub async fn record_attempt(
    tx: &mut Tx,
    event_id: i64,
    lease_token: &str,
    after: AfterAttempt,
    attempt: &Attempt,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE outbox_events SET state = $1, retried_count = $2, next_attempt_at = $3, lease_until = NULL, \
         lease_token = NULL WHERE id = $4 AND lease_token = $5",
    )
    .bind(after.state().as_str())
    .bind(after.retried_count(attempt.retried_count))
    .bind(after.next_attempt_at().map(Instant::micros))
    .bind(event_id)
    .bind(lease_token)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO outbox_attempts (event_id, retried_count, url, status_code, error, succeeded, attempted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event_id)
    .bind(attempt.retried_count)
    .bind(&attempt.url)
    .bind(attempt.status_code)
    .bind(&attempt.error)
    .bind(i64::from(attempt.success))
    .bind(attempt.attempted_at.micros())
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// An event's state and lease (wall-clock microseconds), locked for this transaction: what redelivery's
/// guard decides on.
pub async fn lock_for_redelivery(
    db: &Db,
    tx: &mut Tx,
    event_id: i64,
) -> Result<Option<(EventState, Option<i64>)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT state, lease_until FROM outbox_events WHERE id = $1{}",
        db.for_update()
    ))
    .bind(event_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| Ok((try_get_parsed(&row, 0)?, row.try_get(1)?)))
        .transpose()
}

/// Starts a new attempt series due at `now`: pending, retried count 0, no lease.
pub async fn restart(tx: &mut Tx, event_id: i64, now: Instant) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox_events SET state = $1, retried_count = 0, next_attempt_at = $2, lease_until = NULL, \
         lease_token = NULL WHERE id = $3",
    )
    .bind(EventState::Pending.as_str())
    .bind(now.micros())
    .bind(event_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An event as the operator inspects it, with every attempt.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub transmission_id: String,
    pub destination: DestinationKind,
    /// The URL configured for the destination now.
    pub target_url: Option<String>,
    /// The merchant's `mId` (merchant webhooks).
    pub mid: Option<String>,
    pub mode: Option<String>,
    pub app_id: Option<String>,
    pub event_type: EventType,
    /// The body as recorded (JSON text).
    pub body: String,
    pub state: EventState,
    pub retried_count: i64,
    pub next_attempt_at: Option<Instant>,
    pub created_at: Instant,
    /// Oldest first.
    pub attempts: Vec<Attempt>,
}

/// An event with each of its attempts (one row per attempt, attempt columns `NULL` when there is none),
/// read in one statement so the event and its attempts come from one snapshot. The merchant's `mId` is
/// joined in for display.
const DELIVERY_SELECT: &str = "SELECT e.id, e.transmission_id, e.destination, m.mid, e.mode, e.app_id, \
    e.event_type, e.body, e.state, e.retried_count, e.next_attempt_at, e.created_at, COALESCE(w.url, c.url), \
    a.id, a.retried_count, a.attempted_at, a.url, a.status_code, a.error, a.succeeded \
    FROM outbox_events e LEFT JOIN merchants m ON m.id = e.merchant_id \
    LEFT JOIN merchant_webhooks w ON w.merchant_id = e.merchant_id AND w.mode = e.mode \
    LEFT JOIN app_unlink_callbacks c ON c.app_id = e.app_id \
    LEFT JOIN outbox_attempts a ON a.event_id = e.id";

fn delivery_row(row: &AnyRow) -> Result<Delivery, sqlx::Error> {
    Ok(Delivery {
        id: row.try_get(0)?,
        transmission_id: row.try_get(1)?,
        destination: try_get_parsed(row, 2)?,
        mid: row.try_get(3)?,
        mode: row.try_get(4)?,
        app_id: row.try_get(5)?,
        event_type: try_get_parsed(row, 6)?,
        body: row.try_get(7)?,
        state: try_get_parsed(row, 8)?,
        retried_count: row.try_get(9)?,
        next_attempt_at: row.try_get::<Option<i64>, _>(10)?.map(Instant),
        created_at: Instant(row.try_get(11)?),
        target_url: row.try_get(12)?,
        attempts: Vec::new(),
    })
}

fn attempt_row(row: &AnyRow) -> Result<Option<Attempt>, sqlx::Error> {
    if row.try_get::<Option<i64>, _>(13)?.is_none() {
        return Ok(None);
    }
    Ok(Some(Attempt {
        retried_count: row.try_get(14)?,
        attempted_at: Instant(row.try_get(15)?),
        url: row.try_get(16)?,
        status_code: row.try_get(17)?,
        error: row.try_get(18)?,
        success: flag(row.try_get(19)?),
    }))
}

/// Folds rows ordered by event, then attempt, into deliveries.
fn deliveries(rows: &[AnyRow]) -> Result<Vec<Delivery>, sqlx::Error> {
    let mut out: Vec<Delivery> = Vec::new();
    for row in rows {
        let id: i64 = row.try_get(0)?;
        if out.last().map(|d| d.id) != Some(id) {
            out.push(delivery_row(row)?);
        }
        if let (Some(attempt), Some(delivery)) = (attempt_row(row)?, out.last_mut()) {
            delivery.attempts.push(attempt);
        }
    }
    Ok(out)
}

/// The newest `limit` deliveries, newest first.
pub async fn recent_deliveries(db: &Db, limit: i64) -> Result<Vec<Delivery>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "{DELIVERY_SELECT} WHERE e.id IN (SELECT id FROM outbox_events ORDER BY id DESC LIMIT $1) \
         ORDER BY e.id DESC, a.id"
    ))
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    deliveries(&rows)
}

pub async fn delivery(db: &Db, event_id: i64) -> Result<Option<Delivery>, sqlx::Error> {
    let rows = sqlx::query(&format!("{DELIVERY_SELECT} WHERE e.id = $1 ORDER BY a.id"))
        .bind(event_id)
        .fetch_all(db.reader())
        .await?;
    Ok(deliveries(&rows)?.pop())
}

pub async fn delivery_by_transmission_id(
    db: &Db,
    transmission_id: &str,
) -> Result<Option<Delivery>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "{DELIVERY_SELECT} WHERE e.transmission_id = $1 ORDER BY a.id"
    ))
    .bind(transmission_id)
    .fetch_all(db.reader())
    .await?;
    Ok(deliveries(&rows)?.pop())
}

/// The newest `limit` deliveries whose body mentions `text` (an object's id), newest first.
pub async fn deliveries_mentioning(
    db: &Db,
    text: &str,
    limit: i64,
) -> Result<Vec<Delivery>, sqlx::Error> {
    // LIKE's wildcards in the id are matched literally.
    let pattern = format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = sqlx::query(&format!(
        "{DELIVERY_SELECT} WHERE e.id IN (SELECT id FROM outbox_events WHERE body LIKE $1 ESCAPE '\\' \
         ORDER BY id DESC LIMIT $2) ORDER BY e.id DESC, a.id"
    ))
    .bind(pattern)
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    deliveries(&rows)
}
