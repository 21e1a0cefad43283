//! Apps-in-Toss in-app purchase order status (REFERENCE.md §2.4). Orders are placed and moved by the
//! simulator (`sim::iap`).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::apps_in_toss::auth::PartnerApp;
use crate::apps_in_toss::{AitError, AitJson, AitSuccess};
use crate::domain::iap;
use crate::domain::time::Instant;
use crate::state::AppState;
use crate::store::Tx;

/// The default app's products (REFERENCE.md §6.5): sku, name, kind, supply price.
const DEFAULT_PRODUCTS: &[(&str, &str, &str, i64)] = &[
    (
        "ait.0000010000.af647449.3bd55cfd00.0000000475",
        "테스트 상품 - 1",
        "CONSUMABLE",
        1_000,
    ),
    (
        "ait.0000010000.af647449.3bd55cfd00.0000000476",
        "테스트 상품 - 2",
        "NON_CONSUMABLE",
        5_000,
    ),
];

/// Seeds the default app's in-app products; the sale price is the supply price plus 10 % VAT.
pub async fn seed_default_app(tx: &mut Tx, app_id: &str) -> Result<(), sqlx::Error> {
    for (sku, name, kind, supply) in DEFAULT_PRODUCTS {
        sqlx::query(
            "INSERT INTO iap_products (sku, app_id, name, kind, supply_price, sale_price) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(*sku)
        .bind(app_id)
        .bind(*name)
        .bind(*kind)
        .bind(*supply)
        .bind(supply + supply / 10)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatusRequest {
    /// The order id (UUID v7) from the purchase
    pub order_id: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatusResponse {
    pub order_id: String,
    /// Omitted for NOT_FOUND, MINIAPP_MISMATCH and ERROR
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// yyyy-MM-dd'T'HH:mm:ss, KST; omitted while in progress and for lookup failures
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_determined_at: Option<String>,
    pub status: String,
    pub reason: &'static str,
}

impl OrderStatusResponse {
    fn outcome(order_id: String, status: &'static str) -> OrderStatusResponse {
        OrderStatusResponse {
            order_id,
            sku: None,
            status_determined_at: None,
            status: status.to_owned(),
            reason: iap::reason(status),
        }
    }
}

/// 결제 상태 조회하기 (인앱 결제)
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/order/get-order-status",
    tag = "Apps-in-Toss in-app purchase",
    request_body = OrderStatusRequest,
    responses(
        (status = 200, description = "SUCCESS envelope with the order's status (also NOT_FOUND and MINIAPP_MISMATCH)", body = OrderStatusResponse),
        (status = 400, description = "INVALID_PARAMETER"),
    )
)]
pub async fn get_order_status(
    State(state): State<AppState>,
    app: PartnerApp,
    AitJson(request): AitJson<OrderStatusRequest>,
) -> Result<AitSuccess<OrderStatusResponse>, AitError> {
    if request.order_id.is_empty() {
        return Err(AitError::invalid_parameter());
    }
    let row = sqlx::query(
        "SELECT app_id, sku, status, status_determined_at FROM iap_orders WHERE order_id = $1",
    )
    .bind(&request.order_id)
    .fetch_optional(state.db.reader())
    .await?;
    let Some(row) = row else {
        return Ok(AitSuccess(OrderStatusResponse::outcome(
            request.order_id,
            iap::NOT_FOUND,
        )));
    };
    let app_id: String = row.get(0);
    if app_id != app.app_id {
        return Ok(AitSuccess(OrderStatusResponse::outcome(
            request.order_id,
            iap::MINIAPP_MISMATCH,
        )));
    }
    let stored: String = row.get(2);
    let status = iap::stored_status(&stored).unwrap_or(iap::ERROR);
    let determined_at: Option<i64> = row.get(3);
    Ok(AitSuccess(OrderStatusResponse {
        order_id: request.order_id,
        sku: iap::shows_sku(status).then(|| row.get(1)),
        status_determined_at: determined_at
            .filter(|_| iap::determines_time(status))
            .map(|t| Instant(t).kst_t()),
        status: status.to_owned(),
        reason: iap::reason(status),
    }))
}
