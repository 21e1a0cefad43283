//! In-app purchases on the user's side (docs/reference.md §3.2): the user buys a product, and the order then
//! moves as the store and the partner's grant decide.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::iap::{self, OrderStatus};
use crate::domain::uuid;
use crate::sim::{SimError, SimJson, SimPath, SimQuery};
use crate::state::AppState;
use crate::store::iap::{self as store, Order};
use crate::store::users;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderView {
    pub order_id: String,
    pub sku: String,
    #[schema(value_type = String)]
    pub status: OrderStatus,
    pub app_id: String,
    pub user_key: i64,
    /// yyyy-MM-dd'T'HH:mm:ss, KST; null while in progress or after an error mark
    pub status_determined_at: Option<String>,
}

impl OrderView {
    fn new(order: Order) -> OrderView {
        OrderView {
            status_determined_at: order.status_determined_at.map(|t| t.kst_t()),
            order_id: order.order_id,
            sku: order.sku,
            status: order.status,
            app_id: order.app_id,
            user_key: order.user_key,
        }
    }
}

fn status_of(text: &str) -> Result<OrderStatus, SimError> {
    iap::stored_status(text).map_err(|_| {
        SimError::bad_request(
            "status must be ORDER_IN_PROGRESS, PURCHASED, PAYMENT_COMPLETED, FAILED, REFUNDED or ERROR",
        )
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrder {
    pub user_key: i64,
    pub sku: String,
    /// Where the order ends up (default PURCHASED); REFUNDED goes through PURCHASED
    pub status: Option<String>,
}

/// The user buys an in-app product; the order is the product's app's.
#[utoipa::path(post, path = "/sim/v1/iap/orders", tag = "Simulator", request_body = CreateOrder,
    responses((status = 201, body = OrderView), (status = 400), (status = 404, description = "unknown user or sku")))]
pub async fn create_order(
    State(state): State<AppState>,
    SimJson(request): SimJson<CreateOrder>,
) -> Result<(StatusCode, Json<OrderView>), SimError> {
    let status = match request.status.as_deref() {
        Some(text) => status_of(text)?,
        None => OrderStatus::Purchased,
    };
    if !users::exists(state.db.reader(), request.user_key).await? {
        return Err(SimError::not_found("no such user"));
    }
    let app_id = store::product_app(&state.db, &request.sku)
        .await?
        .ok_or_else(|| SimError::not_found("no product with this sku"))?;
    let now = state.clock.now(&state.db).await?;
    // Every step of the chain happens at the same instant, so only the end state is stored.
    let order = Order {
        order_id: uuid::v7(now),
        app_id,
        user_key: request.user_key,
        sku: request.sku,
        status,
        status_determined_at: iap::determined_at(status, None, now),
    };
    store::insert_order(&state.db, &order, now).await?;
    Ok((StatusCode::CREATED, Json(OrderView::new(order))))
}

#[derive(Deserialize, ToSchema)]
pub struct MoveOrder {
    /// PURCHASED, PAYMENT_COMPLETED, FAILED, REFUNDED or ERROR, as the state machine allows
    pub status: String,
}

fn conflict(message: String) -> SimError {
    SimError {
        status: StatusCode::CONFLICT,
        code: "INVALID_STATE",
        message,
    }
}

/// Moves an order one step: payment outcome, grant confirmation, refund, or an error mark.
#[utoipa::path(post, path = "/sim/v1/iap/orders/{orderId}/status", tag = "Simulator",
    params(("orderId" = String, Path)), request_body = MoveOrder,
    responses((status = 200, body = OrderView), (status = 400), (status = 404),
        (status = 409, description = "the state machine does not allow this move")))]
pub async fn move_order(
    State(state): State<AppState>,
    SimPath(order_id): SimPath<String>,
    SimJson(request): SimJson<MoveOrder>,
) -> Result<Json<OrderView>, SimError> {
    let to = status_of(&request.status)?;
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let mut order = store::lock_order(&state.db, &mut tx, &order_id)
        .await?
        .ok_or_else(|| SimError::not_found("no such order"))?;
    let from = order.status;
    if !iap::can_move(from, to) {
        return Err(conflict(format!(
            "an order in {} cannot become {}",
            from.as_str(),
            to.as_str()
        )));
    }
    order.status = to;
    order.status_determined_at = iap::determined_at(to, order.status_determined_at, now);
    if !store::record_move(&mut tx, &order, from).await? {
        return Err(conflict("the order moved meanwhile".into()));
    }
    tx.commit().await?;
    Ok(Json(OrderView::new(order)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PendingQuery {
    pub user_key: i64,
    /// The app (default: the default app)
    pub app_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingOrder {
    pub order_id: String,
    pub sku: String,
    /// yyyy-MM-dd'T'HH:mm:ss, KST: when the payment completed
    pub payment_completed_date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PendingOrders {
    pub orders: Vec<PendingOrder>,
}

/// The user's paid orders in an app that still wait for the partner's grant (`PAYMENT_COMPLETED`),
/// oldest first: what the SDK's `IAP.getPendingOrders()` shows the mini-app.
#[utoipa::path(get, path = "/sim/v1/iap/pending-orders", tag = "Simulator", params(PendingQuery),
    responses((status = 200, body = PendingOrders), (status = 400), (status = 404, description = "unknown app")))]
pub async fn pending_orders(
    State(state): State<AppState>,
    SimQuery(query): SimQuery<PendingQuery>,
) -> Result<Json<PendingOrders>, SimError> {
    let app = crate::sim::identities::app(&state.db, query.app_id.as_deref()).await?;
    let orders = store::pending(&state.db, &app.app_id, query.user_key)
        .await?
        .into_iter()
        .map(|order| PendingOrder {
            payment_completed_date: order.status_determined_at.map(|t| t.kst_t()),
            order_id: order.order_id,
            sku: order.sku,
        })
        .collect();
    Ok(Json(PendingOrders { orders }))
}
