//! The operator's side of Toss points promotions: creating and steering promotions of the default app,
//! and a user's points with the grants behind them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::apps_in_toss::auth::PartnerApp;
use crate::apps_in_toss::promotions::settle_due;
use crate::domain::promotions::{promotion_code_is_valid, STATES};
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::sim::users::parse_user_key;
use crate::sim::{SimError, SimJson};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromotionView {
    pub promotion_code: String,
    pub budget: i64,
    pub remaining_budget: i64,
    /// `null`: no per-grant limit
    pub max_amount_per_grant: Option<i64>,
    /// NOT_STARTED, RUNNING, STOPPED or ENDED
    pub state: String,
    pub settle_delay_seconds: i64,
}

async fn default_app(state: &AppState) -> Result<PartnerApp, SimError> {
    PartnerApp::default_app(state)
        .await?
        .ok_or_else(|| SimError::not_found("no default app"))
}

async fn load(
    state: &AppState,
    app_id: &str,
    code: &str,
) -> Result<Option<PromotionView>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT promotion_code, budget, budget_remaining, max_amount_per_grant, state, settle_delay_seconds \
         FROM promotions WHERE app_id = $1 AND promotion_code = $2",
    )
    .bind(app_id)
    .bind(code)
    .fetch_optional(state.db.reader())
    .await?;
    Ok(row.map(|row| PromotionView {
        promotion_code: row.get(0),
        budget: row.get(1),
        remaining_budget: row.get(2),
        max_amount_per_grant: row.get(3),
        state: row.get(4),
        settle_delay_seconds: row.get(5),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatePromotion {
    /// 1–100 characters of `[A-Za-z0-9_-]`
    pub promotion_code: String,
    /// Total budget in points, at least 1
    pub budget: i64,
    /// Largest single grant; absent means no limit
    pub max_amount_per_grant: Option<i64>,
    /// NOT_STARTED, RUNNING (default), STOPPED or ENDED
    pub state: Option<String>,
    /// Seconds between a grant and its credit (default 0: credited at once)
    pub settle_delay_seconds: Option<i64>,
}

/// A promotion of the default app, with its full budget remaining; an existing code is replaced.
#[utoipa::path(post, path = "/sim/v1/promotions", tag = "Simulator", request_body = CreatePromotion,
    responses((status = 201, body = PromotionView), (status = 400, description = "a field is invalid")))]
pub async fn create_promotion(
    State(state): State<AppState>,
    SimJson(request): SimJson<CreatePromotion>,
) -> Result<(StatusCode, Json<PromotionView>), SimError> {
    if !promotion_code_is_valid(&request.promotion_code) {
        return Err(SimError::bad_request(
            "promotionCode must be 1–100 characters of A-Z, a-z, 0-9, _ and -",
        ));
    }
    if request.budget < 1 {
        return Err(SimError::bad_request("budget must be at least 1"));
    }
    if request.max_amount_per_grant.is_some_and(|m| m < 1) {
        return Err(SimError::bad_request(
            "maxAmountPerGrant must be at least 1",
        ));
    }
    let promotion_state = request.state.unwrap_or_else(|| "RUNNING".to_owned());
    if !STATES.contains(&promotion_state.as_str()) {
        return Err(SimError::bad_request(
            "state must be NOT_STARTED, RUNNING, STOPPED or ENDED",
        ));
    }
    let settle_delay = request.settle_delay_seconds.unwrap_or(0);
    if settle_delay < 0 {
        return Err(SimError::bad_request(
            "settleDelaySeconds must not be negative",
        ));
    }
    let app = default_app(&state).await?;
    let now = state.clock.now(&state.db).await?;
    sqlx::query(
        "INSERT INTO promotions (app_id, promotion_code, budget, budget_remaining, max_amount_per_grant, state, \
         settle_delay_seconds, created_at) VALUES ($1, $2, $3, $3, $4, $5, $6, $7) \
         ON CONFLICT (app_id, promotion_code) DO UPDATE SET budget = excluded.budget, \
         budget_remaining = excluded.budget_remaining, max_amount_per_grant = excluded.max_amount_per_grant, \
         state = excluded.state, settle_delay_seconds = excluded.settle_delay_seconds",
    )
    .bind(&app.app_id)
    .bind(&request.promotion_code)
    .bind(request.budget)
    .bind(request.max_amount_per_grant)
    .bind(&promotion_state)
    .bind(settle_delay)
    .bind(now.micros())
    .execute(state.db.writer())
    .await?;
    let view = load(&state, &app.app_id, &request.promotion_code)
        .await?
        .ok_or_else(|| SimError::not_found("promotion"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A promotion of the default app with its remaining budget.
#[utoipa::path(get, path = "/sim/v1/promotions/{promotionCode}", tag = "Simulator",
    params(("promotionCode" = String, Path)), responses((status = 200, body = PromotionView), (status = 404)))]
pub async fn get_promotion(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<PromotionView>, SimError> {
    let app = default_app(&state).await?;
    let view = load(&state, &app.app_id, &code)
        .await?
        .ok_or_else(|| SimError::not_found("no such promotion"))?;
    Ok(Json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePromotion {
    /// Start, stop, resume or end the promotion
    pub state: Option<String>,
    /// Points added to the budget (and to what remains); an ENDED promotion runs again
    pub budget_increase: Option<i64>,
    /// The next this-many executes fail with `4110` (their keys stay usable)
    pub fail_next_executions: Option<i64>,
}

/// Steers a promotion as the console does (REFERENCE.md §3.3).
#[utoipa::path(patch, path = "/sim/v1/promotions/{promotionCode}", tag = "Simulator",
    params(("promotionCode" = String, Path)), request_body = UpdatePromotion,
    responses((status = 200, body = PromotionView), (status = 400), (status = 404)))]
pub async fn update_promotion(
    State(state): State<AppState>,
    Path(code): Path<String>,
    SimJson(request): SimJson<UpdatePromotion>,
) -> Result<Json<PromotionView>, SimError> {
    if let Some(s) = &request.state {
        if !STATES.contains(&s.as_str()) {
            return Err(SimError::bad_request(
                "state must be NOT_STARTED, RUNNING, STOPPED or ENDED",
            ));
        }
    }
    let increase = request.budget_increase.unwrap_or(0);
    if increase < 0 {
        return Err(SimError::bad_request("budgetIncrease must not be negative"));
    }
    if request.fail_next_executions.is_some_and(|n| n < 0) {
        return Err(SimError::bad_request(
            "failNextExecutions must not be negative",
        ));
    }
    let app = default_app(&state).await?;
    let changed = sqlx::query(
        "UPDATE promotions SET budget = budget + $1, budget_remaining = budget_remaining + $1, \
         state = CASE WHEN $2 <> '' THEN $2 WHEN $1 > 0 AND state = 'ENDED' THEN 'RUNNING' ELSE state END, \
         fail_next_executions = CASE WHEN $5 < 0 THEN fail_next_executions ELSE $5 END \
         WHERE app_id = $3 AND promotion_code = $4",
    )
    .bind(increase)
    .bind(request.state.as_deref().unwrap_or(""))
    .bind(&app.app_id)
    .bind(&code)
    .bind(request.fail_next_executions.unwrap_or(-1))
    .execute(state.db.writer())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(SimError::not_found("no such promotion"));
    }
    let view = load(&state, &app.app_id, &code)
        .await?
        .ok_or_else(|| SimError::not_found("no such promotion"))?;
    Ok(Json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailGrant {
    /// The key the grant was executed with
    pub key: String,
}

/// Fails a pending grant: it becomes FAILED and its amount returns to the promotion's remaining budget
/// (the promotion's state does not change).
#[utoipa::path(post, path = "/sim/v1/promotions/{promotionCode}/fail-grant", tag = "Simulator",
    params(("promotionCode" = String, Path)), request_body = FailGrant,
    responses((status = 200, body = PromotionView), (status = 404, description = "no such grant"),
              (status = 409, description = "the grant is no longer PENDING")))]
pub async fn fail_grant(
    State(state): State<AppState>,
    Path(code): Path<String>,
    SimJson(request): SimJson<FailGrant>,
) -> Result<Json<PromotionView>, SimError> {
    let app = default_app(&state).await?;
    let mut tx = state.db.begin().await?;
    let grant = sqlx::query(&format!(
        "SELECT id, amount, status FROM promotion_grants \
         WHERE key_hash = $1 AND app_id = $2 AND promotion_code = $3{}",
        state.db.for_update()
    ))
    .bind(secrets::hash(&request.key))
    .bind(&app.app_id)
    .bind(&code)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| SimError::not_found("no grant of this promotion with this key"))?;
    let failed = sqlx::query(
        "UPDATE promotion_grants SET status = 'FAILED' WHERE id = $1 AND status = 'PENDING'",
    )
    .bind(grant.get::<i64, _>(0))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if failed != 1 {
        return Err(SimError {
            status: StatusCode::CONFLICT,
            code: "NOT_PENDING",
            message: format!("the grant is {}", grant.get::<String, _>(2)),
        });
    }
    sqlx::query(
        "UPDATE promotions SET budget_remaining = budget_remaining + $1 WHERE app_id = $2 AND promotion_code = $3",
    )
    .bind(grant.get::<i64, _>(1))
    .bind(&app.app_id)
    .bind(&code)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let view = load(&state, &app.app_id, &code)
        .await?
        .ok_or_else(|| SimError::not_found("no such promotion"))?;
    Ok(Json(view))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantView {
    pub app_id: String,
    pub promotion_code: String,
    pub amount: i64,
    /// PENDING, SUCCESS or FAILED
    pub status: String,
    /// RFC 3339 UTC
    pub executed_at: String,
    /// When PENDING becomes SUCCESS
    pub settle_at: String,
    pub settled_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PointsView {
    pub user_key: i64,
    pub points_balance: i64,
    /// Newest first
    pub grants: Vec<GrantView>,
}

/// A user's Toss points: the balance and every grant, newest first (due grants are settled first).
#[utoipa::path(get, path = "/sim/v1/users/{userKey}/points", tag = "Simulator",
    params(("userKey" = i64, Path)), responses((status = 200, body = PointsView), (status = 404)))]
pub async fn get_points(
    State(state): State<AppState>,
    Path(user_key): Path<String>,
) -> Result<Json<PointsView>, SimError> {
    let user_key = parse_user_key(&user_key)?;
    settle_due(&state, Some(user_key)).await?;
    let balance: i64 = sqlx::query_scalar("SELECT points_balance FROM users WHERE user_key = $1")
        .bind(user_key)
        .fetch_optional(state.db.reader())
        .await?
        .ok_or_else(|| SimError::not_found("no such user"))?;
    let grants = sqlx::query(
        "SELECT app_id, promotion_code, amount, status, created_at, settle_at, settled_at \
         FROM promotion_grants WHERE user_key = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(user_key)
    .fetch_all(state.db.reader())
    .await?
    .iter()
    .map(|row| GrantView {
        app_id: row.get(0),
        promotion_code: row.get(1),
        amount: row.get(2),
        status: row.get(3),
        executed_at: Instant(row.get(4)).rfc3339_micros(),
        settle_at: Instant(row.get(5)).rfc3339_micros(),
        settled_at: row
            .get::<Option<i64>, _>(6)
            .map(|t| Instant(t).rfc3339_micros()),
    })
    .collect();
    Ok(Json(PointsView {
        user_key,
        points_balance: balance,
        grants,
    }))
}
