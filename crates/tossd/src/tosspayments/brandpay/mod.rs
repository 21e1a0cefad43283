//! BrandPay customers (docs/reference.md §2.7, §2.8, §2.10, §2.11, §3.5): terms and agreements, authorization
//! codes and access tokens, payment methods, withdrawal, promotions. The customer's own side (registering
//! methods in the BrandPay window) is in `sim::brandpay`. Rules are in `domain::brandpay` and
//! `domain::checkout`, every statement on the BrandPay tables in `store::brandpay`.

pub mod catalogue;
pub mod customers;
pub mod methods;
pub mod payments;
pub mod promotions;
pub mod terms;
pub mod tokens;

use serde_json::{json, Value};
use toss_wire::tosspayments::webhooks::{
    CustomerStatusChange, CustomerStatusChanged, MethodUpdateStatus, MethodUpdated,
};

use crate::domain::brandpay::{self, CustomerEvent, MethodStatus};
use crate::domain::time::Instant;
use crate::domain::webhooks::EventType;
use crate::store::brandpay as store;
use crate::store::Tx;
use crate::tosspayments::{codes, TpError};

/// The `customerKey` of a body or query: a string of the documented form, else `INVALID_CUSTOMER_KEY`.
pub fn customer_key(value: Option<&Value>) -> Result<String, TpError> {
    match value {
        Some(Value::String(key)) if brandpay::is_valid_customer_key(key) => Ok(key.clone()),
        _ => Err(TpError(&codes::INVALID_CUSTOMER_KEY)),
    }
}

/// `AGREED` → `ACTIVE`, queuing `CUSTOMER_STATUS_CHANGED` `CREATED`. Returns whether this call made the
/// change.
pub async fn activate(
    tx: &mut Tx,
    customer_id: i64,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
    now: Instant,
) -> Result<bool, sqlx::Error> {
    let event = CustomerEvent::Created;
    let changed = store::apply_customer_event(tx, customer_id, event, now).await?;
    if changed {
        customer_status_changed(tx, now, merchant_id, mode, customer_key, event).await?;
    }
    Ok(changed)
}

/// `CUSTOMER_STATUS_CHANGED` (§4.5), queued in the transaction that made the change.
pub async fn customer_status_changed(
    tx: &mut Tx,
    now: Instant,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
    event: CustomerEvent,
) -> Result<(), sqlx::Error> {
    let status = match event {
        CustomerEvent::Created => CustomerStatusChange::Created,
        CustomerEvent::Removed => CustomerStatusChange::Removed,
    };
    let data = json!(CustomerStatusChanged::new(customer_key, status, now.tp()));
    crate::store::outbox::enqueue_webhook(
        tx,
        now,
        merchant_id,
        mode,
        EventType::CustomerStatusChanged,
        data,
    )
    .await?;
    Ok(())
}

/// `METHOD_UPDATED` (§4.4), queued in the transaction that made the change.
pub async fn method_updated(
    tx: &mut Tx,
    now: Instant,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
    method_key: &str,
    status: MethodStatus,
) -> Result<(), sqlx::Error> {
    let status = match status {
        MethodStatus::Enabled => MethodUpdateStatus::Enabled,
        MethodStatus::Disabled => MethodUpdateStatus::Disabled,
    };
    let data = json!(MethodUpdated::new(customer_key, method_key, status));
    crate::store::outbox::enqueue_webhook(
        tx,
        now,
        merchant_id,
        mode,
        EventType::MethodUpdated,
        data,
    )
    .await?;
    Ok(())
}

/// A 200 response with the JSON charset the real service sends.
pub fn ok(value: &impl serde::Serialize) -> axum::response::Response {
    crate::web::json_response(axum::http::StatusCode::OK, value)
}
