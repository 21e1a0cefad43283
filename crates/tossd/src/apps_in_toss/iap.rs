//! Apps-in-Toss in-app purchase order status (docs/reference.md §2.4). Orders are placed and moved by the
//! simulator (`sim::iap`).

use axum::extract::State;

use crate::apps_in_toss::auth::PartnerApp;
use crate::apps_in_toss::{AitError, AitJson, AitSuccess};
use crate::domain::iap::{self, OrderStatus};
use crate::state::AppState;
use crate::store::iap as store;

pub use toss_wire::apps_in_toss::iap::{OrderStatusRequest, OrderStatusResponse};

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
        return Ok(AitSuccess(OrderStatusResponse::new(
            request.order_id,
            OrderStatus::NotFound,
        )));
    };
    if order.app_id != app.app_id {
        return Ok(AitSuccess(OrderStatusResponse::new(
            request.order_id,
            OrderStatus::MiniappMismatch,
        )));
    }
    let status = order.status;
    let mut answer = OrderStatusResponse::new(request.order_id, status);
    answer.sku = iap::shows_sku(status).then_some(order.sku);
    answer.status_determined_at =
        iap::shown_determined_at(status, order.status_determined_at).map(|t| t.kst_t());
    Ok(AitSuccess(answer))
}
