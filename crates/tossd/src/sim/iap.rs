//! In-app purchases on the user's side (REFERENCE.md §3.2): the user buys a product, and the order then
//! moves as the store and the partner's grant decide.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::domain::iap;
use crate::domain::time::Instant;
use crate::domain::uuid;
use crate::sim::{SimError, SimJson};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderView {
    pub order_id: String,
    pub sku: String,
    pub status: String,
    pub app_id: String,
    pub user_key: i64,
    /// yyyy-MM-dd'T'HH:mm:ss, KST; null while in progress or after an error mark
    pub status_determined_at: Option<String>,
}

fn status_of(text: &str) -> Result<&'static str, SimError> {
    iap::stored_status(text).ok_or_else(|| {
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
    let status = status_of(request.status.as_deref().unwrap_or(iap::PURCHASED))?;
    let user: Option<i64> = sqlx::query_scalar("SELECT user_key FROM users WHERE user_key = $1")
        .bind(request.user_key)
        .fetch_optional(state.db.reader())
        .await?;
    if user.is_none() {
        return Err(SimError::not_found("no such user"));
    }
    let app_id: String = sqlx::query_scalar("SELECT app_id FROM iap_products WHERE sku = $1")
        .bind(&request.sku)
        .fetch_optional(state.db.reader())
        .await?
        .ok_or_else(|| SimError::not_found("no product with this sku"))?;
    let now = state.clock.now(&state.db).await?;
    let order_id = uuid::v7(now);
    // Every step of the chain happens at the same instant, so only the end state is stored.
    let determined_at = iap::determines_time(status).then_some(now.micros());
    sqlx::query(
        "INSERT INTO iap_orders (order_id, app_id, user_key, sku, status, status_determined_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&order_id)
    .bind(&app_id)
    .bind(request.user_key)
    .bind(&request.sku)
    .bind(status)
    .bind(determined_at)
    .bind(now.micros())
    .execute(state.db.writer())
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(OrderView {
            order_id,
            sku: request.sku,
            status: status.to_owned(),
            app_id,
            user_key: request.user_key,
            status_determined_at: determined_at.map(|t| Instant(t).kst_t()),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct MoveOrder {
    /// PURCHASED, PAYMENT_COMPLETED, FAILED, REFUNDED or ERROR, as the state machine allows
    pub status: String,
}

/// Moves an order one step: payment outcome, grant confirmation, refund, or an error mark.
#[utoipa::path(post, path = "/sim/v1/iap/orders/{orderId}/status", tag = "Simulator",
    params(("orderId" = String, Path)), request_body = MoveOrder,
    responses((status = 200, body = OrderView), (status = 400), (status = 404),
        (status = 409, description = "the state machine does not allow this move")))]
pub async fn move_order(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    SimJson(request): SimJson<MoveOrder>,
) -> Result<Json<OrderView>, SimError> {
    let to = status_of(&request.status)?;
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let row = sqlx::query(&format!(
        "SELECT app_id, user_key, sku, status, status_determined_at FROM iap_orders WHERE order_id = $1{}",
        state.db.for_update()
    ))
    .bind(&order_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| SimError::not_found("no such order"))?;
    let from: String = row.get(3);
    if !iap::can_move(&from, to) {
        return Err(SimError {
            status: StatusCode::CONFLICT,
            code: "INVALID_STATE",
            message: format!("an order in {from} cannot become {to}"),
        });
    }
    let previous: Option<i64> = row.get(4);
    let determined_at = if iap::determines_time(to) {
        Some(now.micros())
    } else {
        previous
    };
    let moved = sqlx::query(
        "UPDATE iap_orders SET status = $1, status_determined_at = $2 WHERE order_id = $3 AND status = $4",
    )
    .bind(to)
    .bind(determined_at)
    .bind(&order_id)
    .bind(&from)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(SimError {
            status: StatusCode::CONFLICT,
            code: "INVALID_STATE",
            message: "the order moved meanwhile".into(),
        });
    }
    tx.commit().await?;
    Ok(Json(OrderView {
        order_id,
        sku: row.get(2),
        status: to.to_owned(),
        app_id: row.get(0),
        user_key: row.get(1),
        status_determined_at: determined_at.map(|t| Instant(t).kst_t()),
    }))
}
