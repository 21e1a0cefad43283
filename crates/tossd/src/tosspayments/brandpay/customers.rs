//! `POST /v1/brandpay/customers/remove` — the customer withdraws (docs/reference.md §2.10.1).

use axum::extract::State;
use axum::response::Response;
use toss_wire::tosspayments::brandpay::customers::RemoveCustomerResponse;

use crate::domain::brandpay::CustomerEvent;
use crate::state::AppState;
use crate::store::brandpay as store;
use crate::tosspayments::auth::BrandPayCustomer;
use crate::tosspayments::brandpay::{self as bp};
use crate::tosspayments::idempotency::Idempotency;
use crate::tosspayments::{codes, TpError};

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
    security(("customerToken" = []))
)]
pub async fn remove_customer(
    State(state): State<AppState>,
    customer: BrandPayCustomer,
    idempotency: Idempotency,
) -> Result<Response, TpError> {
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    // Exactly once: the conditional update under the row's lock decides which request withdraws.
    if !store::withdraw(&mut tx, customer.customer_id, now).await? {
        return Err(TpError(&codes::INVALID_ACCESS_TOKEN));
    }
    bp::customer_status_changed(
        &mut tx,
        now,
        customer.merchant_id,
        &customer.mode,
        &customer.customer_key,
        CustomerEvent::Removed,
    )
    .await?;
    let answer = RemoveCustomerResponse::new(customer.customer_key);
    idempotency.commit(tx, &answer).await
}
