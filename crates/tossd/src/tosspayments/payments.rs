//! Core payment lookup (REFERENCE.md §2.12.1–2.12.2). Payments are stored as their wire document.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sqlx::Row;

use crate::server::AppState;
use crate::tosspayments::auth::Merchant;
use crate::tosspayments::{codes, TpError};
use crate::web::raw_json_response;

/// paymentKey로 결제 조회
#[utoipa::path(
    get,
    path = "/v1/payments/{paymentKey}",
    tag = "Toss Payments core",
    params(("paymentKey" = String, Path, description = "The payment's key")),
    responses(
        (status = 200, description = "The Payment object"),
        (status = 404, description = "NOT_FOUND_PAYMENT"),
        (status = 401, description = "UNAUTHORIZED_KEY"),
    ),
    security(("basic" = []))
)]
pub async fn get_by_payment_key(
    State(state): State<AppState>,
    merchant: Merchant,
    Path(payment_key): Path<String>,
) -> Result<Response, TpError> {
    let row =
        sqlx::query("SELECT merchant_id, mode, payment FROM tp_payments WHERE payment_key = $1")
            .bind(&payment_key)
            .fetch_optional(state.db.reader())
            .await?
            .ok_or(TpError(&codes::NOT_FOUND_PAYMENT))?;
    let (merchant_id, mode): (i64, String) = (row.get(0), row.get(1));
    if merchant_id != merchant.id || mode != merchant.mode {
        return Err(TpError(&codes::INVALID_API_KEY));
    }
    Ok(raw_json_response(StatusCode::OK, row.get(2)))
}

/// orderId로 결제 조회
#[utoipa::path(
    get,
    path = "/v1/payments/orders/{orderId}",
    tag = "Toss Payments core",
    params(("orderId" = String, Path, description = "The merchant's order id")),
    responses(
        (status = 200, description = "The Payment object (the most recent one for this orderId)"),
        (status = 404, description = "NOT_FOUND_PAYMENT"),
        (status = 401, description = "UNAUTHORIZED_KEY"),
    ),
    security(("basic" = []))
)]
pub async fn get_by_order_id(
    State(state): State<AppState>,
    merchant: Merchant,
    Path(order_id): Path<String>,
) -> Result<Response, TpError> {
    let payment: String = sqlx::query_scalar(
        "SELECT payment FROM tp_payments WHERE merchant_id = $1 AND mode = $2 AND order_id = $3 \
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(merchant.id)
    .bind(&merchant.mode)
    .bind(&order_id)
    .fetch_optional(state.db.reader())
    .await?
    .ok_or(TpError(&codes::NOT_FOUND_PAYMENT))?;
    Ok(raw_json_response(StatusCode::OK, payment))
}
