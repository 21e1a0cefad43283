//! `POST /v1/brandpay/customers/remove` — the customer withdraws (REFERENCE.md §2.10.1).

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;
use crate::tosspayments::auth::BrandPayCustomer;
use crate::tosspayments::brandpay::{self as bp, ok};
use crate::tosspayments::{codes, TpError};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemoveCustomerResponse {
    pub customer_key: String,
    pub success: bool,
}

/// Withdraws the customer the access token identifies: every method disabled, every token and code
/// revoked, agreements cleared, `CUSTOMER_STATUS_CHANGED` `REMOVED` queued. A body is ignored.
#[utoipa::path(
    post,
    path = "/v1/brandpay/customers/remove",
    tag = "BrandPay",
    responses(
        (status = 200, body = RemoveCustomerResponse),
        (status = 401, description = "UNAUTHORIZED_KEY, INVALID_ACCESS_TOKEN"),
    ),
    security(("bearer" = []))
)]
pub async fn remove_customer(
    State(state): State<AppState>,
    customer: BrandPayCustomer,
) -> Result<Response, TpError> {
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    // Exactly once: the conditional update under the row's lock decides which request withdraws.
    let removed = sqlx::query(
        "UPDATE bp_customers SET status = 'REMOVED', changed_at = $1 WHERE id = $2 AND status = 'ACTIVE'",
    )
    .bind(now.micros())
    .bind(customer.customer_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if removed != 1 {
        return Err(TpError(&codes::INVALID_ACCESS_TOKEN));
    }
    let id = customer.customer_id;
    for sql in [
        "UPDATE bp_methods SET status = 'DISABLED', disabled_at = $2 WHERE customer_id = $1 AND status = 'ENABLED'",
        "UPDATE bp_tokens SET revoked = 1 WHERE customer_id = $1 AND revoked = 0 AND $2 = $2",
        "UPDATE bp_codes SET status = 'REVOKED' WHERE customer_id = $1 AND status = 'ISSUED' AND $2 = $2",
        "DELETE FROM bp_agreements WHERE customer_id = $1 AND $2 = $2",
    ] {
        sqlx::query(sql)
            .bind(id)
            .bind(now.micros())
            .execute(&mut *tx)
            .await?;
    }
    bp::customer_status_changed(
        &mut tx,
        now,
        customer.merchant_id,
        &customer.mode,
        &customer.customer_key,
        "REMOVED",
    )
    .await?;
    tx.commit().await?;
    Ok(ok(&RemoveCustomerResponse {
        customer_key: customer.customer_key,
        success: true,
    }))
}
