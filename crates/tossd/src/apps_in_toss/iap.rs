//! Apps-in-Toss in-app purchase order status (docs/reference.md §2.4). Orders are placed and moved by the
//! simulator (`sim::iap`).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::apps_in_toss::auth::PartnerApp;
use crate::apps_in_toss::{AitError, AitJson, AitSuccess};
use crate::domain::iap::{self, OrderStatus};
use crate::state::AppState;
use crate::store::iap as store;

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
    #[schema(value_type = String)]
    pub status: OrderStatus,
    pub reason: &'static str,
}

impl OrderStatusResponse {
    fn outcome(order_id: String, status: OrderStatus) -> OrderStatusResponse {
        OrderStatusResponse {
            order_id,
            sku: None,
            status_determined_at: None,
            status,
            reason: status.reason(),
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
    let Some(order) = store::find_order(&state.db, &request.order_id).await? else {
        return Ok(AitSuccess(OrderStatusResponse::outcome(
            request.order_id,
            OrderStatus::NotFound,
        )));
    };
    if order.app_id != app.app_id {
        return Ok(AitSuccess(OrderStatusResponse::outcome(
            request.order_id,
            OrderStatus::MiniappMismatch,
        )));
    }
    let status = order.status;
    Ok(AitSuccess(OrderStatusResponse {
        order_id: request.order_id,
        sku: status.shows_sku().then_some(order.sku),
        status_determined_at: iap::shown_determined_at(status, order.status_determined_at)
            .map(|t| t.kst_t()),
        status,
        reason: status.reason(),
    }))
}
