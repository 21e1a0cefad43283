//! BrandPay customers (REFERENCE.md §2.7, §2.8, §2.10, §2.11, §3.5): terms and agreements, authorization
//! codes and access tokens, payment methods, withdrawal, promotions. The customer's own side (registering
//! methods in the BrandPay window) is in `sim::brandpay`.

pub mod catalogue;
pub mod customers;
pub mod methods;
pub mod payments;
pub mod promotions;
pub mod terms;
pub mod tokens;

use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};

use crate::domain::brandpay;
use crate::domain::time::Instant;
use crate::outbox;
use crate::store::{flag, Db, Tx};
use crate::tosspayments::{codes, TpError};

/// A customer record that is not `REMOVED`.
#[derive(Debug, Clone)]
pub struct CustomerRecord {
    pub id: i64,
    pub status: String,
    pub identified: bool,
}

/// The `customerKey` of a body or query: a string of the documented form, else `INVALID_CUSTOMER_KEY`.
pub fn customer_key(value: Option<&Value>) -> Result<String, TpError> {
    match value {
        Some(Value::String(key)) if brandpay::is_valid_customer_key(key) => Ok(key.clone()),
        _ => Err(TpError(&codes::INVALID_CUSTOMER_KEY)),
    }
}

/// The current (not `REMOVED`) record of a customer, locked for the transaction when `lock` is given.
pub async fn current_customer(
    conn: &mut AnyConnection,
    lock: Option<&Db>,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
) -> Result<Option<CustomerRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT id, status, identified FROM bp_customers \
         WHERE merchant_id = $1 AND mode = $2 AND customer_key = $3 AND status <> 'REMOVED'{}",
        lock.map_or("", Db::for_update)
    );
    let row = sqlx::query(&sql)
        .bind(merchant_id)
        .bind(mode)
        .bind(customer_key)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|row| CustomerRecord {
        id: row.get(0),
        status: row.get(1),
        identified: flag(row.get(2)),
    }))
}

/// Creates a customer record in `status` (`AGREED` or `ACTIVE`). A concurrent creation of the same key
/// makes this a no-op; the caller reads the record again.
pub async fn insert_customer(
    tx: &mut Tx,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
    status: &str,
    now: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bp_customers (merchant_id, mode, customer_key, status, created_at, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (merchant_id, mode, customer_key) WHERE status <> 'REMOVED' DO NOTHING",
    )
    .bind(merchant_id)
    .bind(mode)
    .bind(customer_key)
    .bind(status)
    .bind(now.micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `AGREED` → `ACTIVE`, queuing `CUSTOMER_STATUS_CHANGED` `CREATED`. Returns whether it happened.
pub async fn activate(
    tx: &mut Tx,
    customer_id: i64,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
    now: Instant,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE bp_customers SET status = 'ACTIVE', changed_at = $1 WHERE id = $2 AND status = 'AGREED'",
    )
    .bind(now.micros())
    .bind(customer_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if changed {
        customer_status_changed(tx, now, merchant_id, mode, customer_key, "CREATED").await?;
    }
    Ok(changed)
}

/// Records agreement to `terms_ids` (set-like: agreeing twice is harmless).
pub async fn record_agreements(
    tx: &mut Tx,
    customer_id: i64,
    terms_ids: &[i64],
    now: Instant,
) -> Result<(), sqlx::Error> {
    for id in terms_ids {
        sqlx::query(
            "INSERT INTO bp_agreements (customer_id, terms_id, version, agreed_at) \
             SELECT $1, id, version, $2 FROM bp_terms WHERE id = $3 \
             ON CONFLICT (customer_id, terms_id) DO NOTHING",
        )
        .bind(customer_id)
        .bind(now.micros())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// `CUSTOMER_STATUS_CHANGED` (§4.5).
pub async fn customer_status_changed(
    tx: &mut Tx,
    now: Instant,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
    status: &str,
) -> Result<(), sqlx::Error> {
    let data = json!({"customerKey": customer_key, "status": status, "changedAt": now.tp()});
    outbox::enqueue_webhook(tx, now, merchant_id, mode, "CUSTOMER_STATUS_CHANGED", data).await?;
    Ok(())
}

/// `METHOD_UPDATED` (§4.4).
pub async fn method_updated(
    tx: &mut Tx,
    now: Instant,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
    method_key: &str,
    status: &str,
) -> Result<(), sqlx::Error> {
    let data = json!({"customerKey": customer_key, "methodKey": method_key, "status": status});
    outbox::enqueue_webhook(tx, now, merchant_id, mode, "METHOD_UPDATED", data).await?;
    Ok(())
}

/// A 200 response with the JSON charset the real service sends.
pub fn ok(value: &impl serde::Serialize) -> axum::response::Response {
    crate::web::json_response(axum::http::StatusCode::OK, value)
}
