//! Owner of `tp_payments` and `tp_idempotency`.
//!
//! Payments are stored as the wire document (JSON) plus the columns that lookups, uniqueness and
//! conditional updates need. Every write goes through [`insert`] or [`save`], which keep the two in step;
//! [`save`] succeeds only when nobody changed the row since it was read.
//!
//! How the payment flows use it, each inside one write transaction:
//! - window opened / authenticated: `Payment::ready` (then `authenticate`), [`insert`];
//! - confirm: [`lock`], [`expire_locked`], the checks, `Payment::approve` (or `abort` for a decline),
//!   [`save_with_event`]; `DuplicateApprovedOrder` means `DUPLICATED_ORDER_ID`;
//! - auto-pay: `Payment::ready`, `authenticate`, `approve` (or `abort`), [`insert`] without an event;
//! - cancel: [`lock`], [`expire_locked`], `plan_cancel`, `Payment::apply_cancel`, [`save_with_event`].

use std::sync::LazyLock;

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::idempotency::RecordState;
use crate::domain::merchant::Mode;
use crate::domain::payment::{self as rules, Payment, PaymentStatus};
use crate::domain::time::Instant;
use crate::domain::webhooks::EventType;
use crate::store::{
    decode_error, inline, outbox, try_get_parsed, unique_violation, Db, Snapshot, Tx,
    SNAPSHOT_COLUMNS, SNAPSHOT_FROM, SNAPSHOT_WIDTH,
};

/// A stored payment: the document and what the columns say beside it.
#[derive(Debug, Clone)]
pub struct StoredPayment {
    pub merchant_id: i64,
    /// A [`Mode`]'s wire string.
    pub mode: String,
    pub customer_key: Option<String>,
    pub method_key: Option<String>,
    /// Deadline of a `READY` / `IN_PROGRESS` payment.
    pub expires_at: Option<Instant>,
    /// The version read; [`save`] requires it to be unchanged.
    pub row_version: i64,
    pub payment: Payment,
}

impl StoredPayment {
    /// A payment not yet stored.
    pub fn new(
        merchant_id: i64,
        mode: &str,
        customer_key: Option<String>,
        payment: Payment,
    ) -> StoredPayment {
        StoredPayment {
            merchant_id,
            mode: mode.to_owned(),
            customer_key,
            method_key: None,
            expires_at: None,
            row_version: 0,
            payment,
        }
    }

    /// Whether a `READY` / `IN_PROGRESS` deadline has passed at `now`.
    pub fn is_due(&self, now: Instant) -> bool {
        rules::is_due(&self.payment.status, self.expires_at, now)
    }
}

/// Why a write did not happen.
#[derive(Debug)]
pub enum WriteError {
    /// Another payment of this orderId is already approved (`DUPLICATED_ORDER_ID`).
    DuplicateApprovedOrder,
    /// The row changed since it was read; the caller re-reads and decides again.
    Conflict,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for WriteError {
    /// Only the one-approval-per-orderId index means a duplicate order; any other failure (another unique
    /// constraint included) is a database error.
    fn from(e: sqlx::Error) -> WriteError {
        if unique_violation(&e) == Some("tp_payments_approved_order") {
            WriteError::DuplicateApprovedOrder
        } else {
            WriteError::Db(e)
        }
    }
}

const COLUMNS: &str =
    "merchant_id, mode, customer_key, method_key, expires_at, row_version, payment";

fn from_row(row: &AnyRow) -> Result<StoredPayment, sqlx::Error> {
    let document: String = row.try_get(6)?;
    let payment: Payment = serde_json::from_str(&document).map_err(decode_error)?;
    let mode: Mode = try_get_parsed(row, 1)?;
    Ok(StoredPayment {
        merchant_id: row.try_get(0)?,
        mode: mode.as_str().to_owned(),
        customer_key: row.try_get(2)?,
        method_key: row.try_get(3)?,
        expires_at: row.try_get::<Option<i64>, _>(4)?.map(Instant),
        row_version: row.try_get(5)?,
        payment,
    })
}

fn document(payment: &Payment) -> Result<String, sqlx::Error> {
    serde_json::to_string(payment).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

fn approved_at(payment: &Payment, now: Instant) -> Option<i64> {
    payment.approved_at.is_some().then_some(now.micros())
}

/// Stores a new payment. `expires_at` is set from its status: 30 minutes for `READY`, 10 for
/// `IN_PROGRESS` (§2.9). An approved payment whose orderId is already approved is refused.
pub async fn insert(
    tx: &mut Tx,
    stored: &mut StoredPayment,
    now: Instant,
) -> Result<(), WriteError> {
    stored.expires_at = rules::opening_deadline(&stored.payment.status, now);
    let p = &stored.payment;
    sqlx::query(
        "INSERT INTO tp_payments (payment_key, merchant_id, mode, order_id, status, payment, created_at, \
         row_version, total_amount, balance_amount, secret, customer_key, method_key, expires_at, approved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&p.payment_key)
    .bind(stored.merchant_id)
    .bind(&stored.mode)
    .bind(&p.order_id)
    .bind(p.status.as_str())
    .bind(document(p)?)
    .bind(now.micros())
    .bind(p.total_amount)
    .bind(p.balance_amount)
    .bind(&p.secret)
    .bind(&stored.customer_key)
    .bind(&stored.method_key)
    .bind(stored.expires_at.map(Instant::micros))
    .bind(approved_at(p, now))
    .execute(&mut **tx)
    .await?;
    stored.row_version = 0;
    Ok(())
}

/// Writes the changed document and columns, if the row is still at the version that was read. A move to
/// `IN_PROGRESS` starts the 10-minute confirm deadline; other open states keep theirs; final states clear
/// it. On success `stored.row_version` is the new version.
pub async fn save(
    tx: &mut Tx,
    stored: &mut StoredPayment,
    previous_status: &PaymentStatus,
    now: Instant,
) -> Result<(), WriteError> {
    stored.expires_at = rules::deadline_after(
        previous_status,
        &stored.payment.status,
        stored.expires_at,
        now,
    );
    let p = &stored.payment;
    let updated = sqlx::query(
        "UPDATE tp_payments SET status = $1, payment = $2, balance_amount = $3, method_key = $4, \
         expires_at = $5, approved_at = COALESCE(approved_at, $6), row_version = row_version + 1 \
         WHERE payment_key = $7 AND row_version = $8",
    )
    .bind(p.status.as_str())
    .bind(document(p)?)
    .bind(p.balance_amount)
    .bind(&stored.method_key)
    .bind(stored.expires_at.map(Instant::micros))
    .bind(approved_at(p, now))
    .bind(&p.payment_key)
    .bind(stored.row_version)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if updated != 1 {
        return Err(WriteError::Conflict);
    }
    stored.row_version += 1;
    Ok(())
}

/// Reads a payment by key without locking.
pub async fn find(db: &Db, payment_key: &str) -> Result<Option<StoredPayment>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM tp_payments WHERE payment_key = $1"
    ))
    .bind(payment_key)
    .fetch_optional(db.reader())
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Reads and locks a payment inside a write transaction.
pub async fn lock(
    tx: &mut Tx,
    db: &Db,
    payment_key: &str,
) -> Result<Option<StoredPayment>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM tp_payments WHERE payment_key = $1{}",
        db.for_update()
    ))
    .bind(payment_key)
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// A payment as a lookup serves it: the stored document's text as it is, and the columns that decide
/// whether it may be served so (its owner, and whether an expiry is due).
#[derive(Debug, Clone)]
pub struct PaymentDocument {
    pub merchant_id: i64,
    /// A [`Mode`]'s wire string.
    pub mode: String,
    pub status: PaymentStatus,
    pub expires_at: Option<Instant>,
    /// The Payment object's JSON, exactly as stored.
    pub document: String,
}

impl PaymentDocument {
    pub fn is_due(&self, now: Instant) -> bool {
        rules::is_due(&self.status, self.expires_at, now)
    }

    pub fn decode(&self) -> Result<Payment, sqlx::Error> {
        serde_json::from_str(&self.document).map_err(decode_error)
    }

    /// Whether the document is JSON at all, without building it.
    pub fn check_syntax(&self) -> Result<(), sqlx::Error> {
        serde_json::from_str::<serde::de::IgnoredAny>(&self.document)
            .map(|_| ())
            .map_err(decode_error)
    }
}

const DOCUMENT_COLUMNS: &str = "p.merchant_id, p.mode, p.status, p.expires_at, p.payment";

fn read_document(row: &AnyRow) -> Result<(Snapshot, Option<PaymentDocument>), sqlx::Error> {
    let snapshot = Snapshot::from_row(row)?;
    let at = SNAPSHOT_WIDTH;
    let Some(merchant_id) = row.try_get::<Option<i64>, _>(at)? else {
        return Ok((snapshot, None));
    };
    let mode: Mode = try_get_parsed(row, at + 1)?;
    Ok((
        snapshot,
        Some(PaymentDocument {
            merchant_id,
            mode: mode.as_str().to_owned(),
            status: try_get_parsed(row, at + 2)?,
            expires_at: row.try_get::<Option<i64>, _>(at + 3)?.map(Instant),
            document: row.try_get(at + 4)?,
        }),
    ))
}

fn read_inline(row: &rusqlite::Row) -> rusqlite::Result<(Snapshot, Option<PaymentDocument>)> {
    let snapshot = Snapshot::from_inline(row)?;
    let at = SNAPSHOT_WIDTH;
    let Some(merchant_id) = row.get::<_, Option<i64>>(at)? else {
        return Ok((snapshot, None));
    };
    let parsed = |i: usize| -> rusqlite::Result<String> { row.get(i) };
    let mode: Mode = parsed(at + 1)?
        .parse()
        .map_err(|e| inline::refused(at + 1, e))?;
    let status: PaymentStatus = parsed(at + 2)?
        .parse()
        .map_err(|e| inline::refused(at + 2, e))?;
    Ok((
        snapshot,
        Some(PaymentDocument {
            merchant_id,
            mode: mode.as_str().to_owned(),
            status,
            expires_at: row.get::<_, Option<i64>>(at + 3)?.map(Instant),
            document: row.get(at + 4)?,
        }),
    ))
}

static BY_KEY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {SNAPSHOT_COLUMNS}, {DOCUMENT_COLUMNS} FROM {SNAPSHOT_FROM} \
         LEFT JOIN tp_payments p ON p.payment_key = $1 WHERE e.id = 1"
    )
});

static BY_ORDER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {SNAPSHOT_COLUMNS}, {DOCUMENT_COLUMNS} FROM {SNAPSHOT_FROM} \
         LEFT JOIN tp_payments p ON p.seq = (SELECT seq FROM tp_payments \
         WHERE merchant_id = $1 AND mode = $2 AND order_id = $3 ORDER BY seq DESC LIMIT 1) \
         WHERE e.id = 1"
    )
});

/// A payment's document by key, with the snapshot (epoch and clock) of the same statement: a lookup's one
/// query.
pub async fn read_by_key(
    db: &Db,
    payment_key: &str,
) -> Result<(Snapshot, Option<PaymentDocument>), sqlx::Error> {
    if let Some(inline) = db.inline() {
        return inline.read(|c| {
            c.prepare_cached(&BY_KEY)?
                .query_row([payment_key], read_inline)
        });
    }
    let row = sqlx::query(&BY_KEY)
        .bind(payment_key)
        .fetch_one(db.reader())
        .await?;
    read_document(&row)
}

/// [`read_by_key`] for the most recently created payment of an orderId in a merchant and mode.
pub async fn read_by_order(
    db: &Db,
    merchant_id: i64,
    mode: &str,
    order_id: &str,
) -> Result<(Snapshot, Option<PaymentDocument>), sqlx::Error> {
    if let Some(inline) = db.inline() {
        return inline.read(|c| {
            c.prepare_cached(&BY_ORDER)?
                .query_row(rusqlite::params![merchant_id, mode, order_id], read_inline)
        });
    }
    let row = sqlx::query(&BY_ORDER)
        .bind(merchant_id)
        .bind(mode)
        .bind(order_id)
        .fetch_one(db.reader())
        .await?;
    read_document(&row)
}

/// The most recently created payment of an orderId in a merchant and mode.
pub async fn find_by_order(
    db: &Db,
    merchant_id: i64,
    mode: &str,
    order_id: &str,
) -> Result<Option<StoredPayment>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM tp_payments WHERE merchant_id = $1 AND mode = $2 AND order_id = $3 \
         ORDER BY seq DESC LIMIT 1"
    ))
    .bind(merchant_id)
    .bind(mode)
    .bind(order_id)
    .fetch_optional(db.reader())
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Whether an orderId already has an approved payment (`DONE`, `PARTIAL_CANCELED`, `CANCELED`) in a
/// merchant and mode.
pub async fn order_approved(
    tx: &mut Tx,
    merchant_id: i64,
    mode: &str,
    order_id: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM tp_payments WHERE merchant_id = $1 AND mode = $2 AND order_id = $3 \
         AND approved_at IS NOT NULL",
    )
    .bind(merchant_id)
    .bind(mode)
    .bind(order_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(found.is_some())
}

/// Applies a due expiry to a locked payment and queues its `PAYMENT_STATUS_CHANGED` (§3.6). Returns
/// whether it expired.
pub async fn expire_locked(
    tx: &mut Tx,
    stored: &mut StoredPayment,
    now: Instant,
) -> Result<bool, WriteError> {
    if !stored.is_due(now) {
        return Ok(false);
    }
    let previous = stored.payment.status;
    stored.payment.expire();
    save_with_event(tx, stored, &previous, now).await?;
    Ok(true)
}

/// [`save`], then queues `PAYMENT_STATUS_CHANGED` carrying the saved document (§4.3), in the same
/// transaction. For the changes that notify: confirm (`DONE`, `ABORTED`), expiry, each cancel.
pub async fn save_with_event(
    tx: &mut Tx,
    stored: &mut StoredPayment,
    previous_status: &PaymentStatus,
    now: Instant,
) -> Result<(), WriteError> {
    save(tx, stored, previous_status, now).await?;
    let data =
        serde_json::to_value(&stored.payment).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    outbox::enqueue_webhook(
        tx,
        now,
        stored.merchant_id,
        &stored.mode,
        EventType::PaymentStatusChanged,
        data,
    )
    .await?;
    Ok(())
}

/// Expires one payment if its deadline passed, in its own transaction (lazy expiry on lookup). A
/// concurrent expiry by another request is fine: the version check lets exactly one write.
pub async fn expire_if_due(db: &Db, payment_key: &str, now: Instant) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    if let Some(mut stored) = lock(&mut tx, db, payment_key).await? {
        match expire_locked(&mut tx, &mut stored, now).await {
            Ok(_) => {}
            Err(WriteError::Conflict) | Err(WriteError::DuplicateApprovedOrder) => {
                return Ok(());
            }
            Err(WriteError::Db(e)) => return Err(e),
        }
    }
    tx.commit().await
}

/// Expires every payment whose deadline passed (the clock advance applies due transitions, §1.9).
pub async fn expire_due(db: &Db, now: Instant) -> Result<(), sqlx::Error> {
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT payment_key FROM tp_payments WHERE expires_at IS NOT NULL AND expires_at <= $1 \
         AND status IN ($2, $3)",
    )
    .bind(now.micros())
    .bind(PaymentStatus::Ready.as_str())
    .bind(PaymentStatus::InProgress.as_str())
    .fetch_all(db.reader())
    .await?;
    for key in keys {
        expire_if_due(db, &key, now).await?;
    }
    Ok(())
}

/// An `Idempotency-Key` record (docs/reference.md §1.7.1): the first request's outcome once it completed.
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    pub state: RecordState,
    /// The request (in some process) that runs or ran it.
    pub owner: String,
    pub status: Option<i64>,
    pub body: Option<String>,
    /// Business time, for the retention.
    pub created_at: Instant,
    /// Wall-clock microseconds when the current owner started, to notice an abandoned record.
    pub started_real: i64,
}

/// Creates an `IN_PROGRESS` record owned by `owner`, in its own committed statement; false if a record of
/// this fingerprint exists (the primary key makes the creation happen once).
pub async fn create_idempotency(
    db: &Db,
    fingerprint: &str,
    owner: &str,
    now: Instant,
    real_now: i64,
) -> Result<bool, sqlx::Error> {
    let created = sqlx::query(
        "INSERT INTO tp_idempotency (fingerprint, state, owner, created_at, started_real) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (fingerprint) DO NOTHING",
    )
    .bind(fingerprint)
    .bind(RecordState::InProgress.as_str())
    .bind(owner)
    .bind(now.micros())
    .bind(real_now)
    .execute(db.writer())
    .await?
    .rows_affected();
    Ok(created == 1)
}

/// The record of a fingerprint (read on the writer, so a record just written is seen).
pub async fn idempotency_record(
    db: &Db,
    fingerprint: &str,
) -> Result<Option<IdempotencyRecord>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT state, owner, status, body, created_at, started_real FROM tp_idempotency \
         WHERE fingerprint = $1",
    )
    .bind(fingerprint)
    .fetch_optional(db.writer())
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(IdempotencyRecord {
        state: try_get_parsed(&row, 0)?,
        owner: row.try_get(1)?,
        status: row.try_get(2)?,
        body: row.try_get(3)?,
        created_at: Instant(row.try_get(4)?),
        started_real: row.try_get(5)?,
    }))
}

/// Deletes a record, expired or released by its own request, if `owner` still owns it (so two requests
/// delete it once).
pub async fn delete_idempotency(
    db: &Db,
    fingerprint: &str,
    owner: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM tp_idempotency WHERE fingerprint = $1 AND owner = $2")
        .bind(fingerprint)
        .bind(owner)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Hands an abandoned `IN_PROGRESS` record from `previous_owner` to `owner`; false if another request
/// took it over or completed it first.
pub async fn take_over_idempotency(
    db: &Db,
    fingerprint: &str,
    previous_owner: &str,
    owner: &str,
    now: Instant,
    real_now: i64,
) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query(
        "UPDATE tp_idempotency SET owner = $1, created_at = $2, started_real = $3 \
         WHERE fingerprint = $4 AND owner = $5 AND state = $6",
    )
    .bind(owner)
    .bind(now.micros())
    .bind(real_now)
    .bind(fingerprint)
    .bind(previous_owner)
    .bind(RecordState::InProgress.as_str())
    .execute(db.writer())
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Stores the outcome on the record `owner` runs; false (and nothing changes) if it lost the record
/// meanwhile or the outcome is already stored. On the writer, or inside the transaction that makes the
/// request's effect, so the effect and its answer commit together.
pub async fn complete_idempotency<'e, E>(
    executor: E,
    fingerprint: &str,
    owner: &str,
    status: u16,
    body: &str,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let completed = sqlx::query(
        "UPDATE tp_idempotency SET state = $1, status = $2, body = $3 \
         WHERE fingerprint = $4 AND owner = $5 AND state = $6",
    )
    .bind(RecordState::Completed.as_str())
    .bind(i64::from(status))
    .bind(body)
    .bind(fingerprint)
    .bind(owner)
    .bind(RecordState::InProgress.as_str())
    .execute(executor)
    .await?
    .rows_affected();
    Ok(completed == 1)
}

/// A Toss Payments payment as the dashboard lists it.
pub struct PaymentSummary {
    pub created_at: Instant,
    pub payment_key: String,
    pub order_id: String,
    pub status: String,
    pub total_amount: i64,
    pub balance_amount: i64,
}

/// The newest payments, newest first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<PaymentSummary>, sqlx::Error> {
    crate::store::listing(db, "SELECT created_at, payment_key, order_id, status, total_amount, balance_amount FROM tp_payments \
         ORDER BY seq DESC LIMIT $1", limit, |row| {
    Ok(PaymentSummary {
        created_at: Instant(row.try_get(0)?),
        payment_key: row.try_get(1)?,
        order_id: row.try_get(2)?,
        status: row.try_get(3)?,
        total_amount: row.try_get(4)?,
        balance_amount: row.try_get(5)?,
    })
    })
    .await
}

/// The newest payments of a BrandPay customerKey (any merchant), newest first.
pub async fn of_customer(
    db: &Db,
    customer_key: &str,
    limit: i64,
) -> Result<Vec<PaymentSummary>, sqlx::Error> {
    sqlx::query(
        "SELECT created_at, payment_key, order_id, status, total_amount, balance_amount FROM tp_payments \
         WHERE customer_key = $1 ORDER BY seq DESC LIMIT $2",
    )
    .bind(customer_key)
    .bind(limit)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(PaymentSummary {
            created_at: Instant(row.try_get(0)?),
            payment_key: row.try_get(1)?,
            order_id: row.try_get(2)?,
            status: row.try_get(3)?,
            total_amount: row.try_get(4)?,
            balance_amount: row.try_get(5)?,
        })
    })
    .collect()
}
