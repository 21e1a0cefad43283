//! The operator's side of Toss points promotions: creating and steering promotions of the default app,
//! and a user's points with the grants behind them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::apps_in_toss::auth::PartnerApp;
use crate::domain::promotions::{self, PromotionState};
use crate::domain::secrets;
use crate::domain::wire::is_console_code;
use crate::sim::users::parse_user_key;
use crate::sim::{SimError, SimJson, SimPath};
use crate::state::AppState;
use crate::store::promotions::{NewPromotion, Promotion};
use crate::store::{self, Db};

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
    crate::store::apps::default_app(state.db.reader())
        .await?
        .ok_or_else(|| SimError::not_found("no default app"))
}

impl From<Promotion> for PromotionView {
    fn from(p: Promotion) -> PromotionView {
        PromotionView {
            promotion_code: p.promotion_code,
            budget: p.budget,
            remaining_budget: p.remaining_budget,
            max_amount_per_grant: p.max_amount_per_grant,
            state: p.state.as_str().to_owned(),
            settle_delay_seconds: p.settle_delay_seconds,
        }
    }
}

/// The promotion as it is now.
async fn view(db: &Db, app_id: &str, code: &str) -> Result<PromotionView, SimError> {
    store::promotions::find(db, app_id, code)
        .await?
        .map(PromotionView::from)
        .ok_or_else(|| SimError::not_found("no such promotion"))
}

/// A requested promotion state.
fn promotion_state(word: &str) -> Result<PromotionState, SimError> {
    word.parse()
        .map_err(|_| SimError::bad_request("state must be NOT_STARTED, RUNNING, STOPPED or ENDED"))
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
    if !is_console_code(&request.promotion_code) {
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
    let promotion_state = request
        .state
        .as_deref()
        .map_or(Ok(PromotionState::Running), promotion_state)?;
    let settle_delay = request.settle_delay_seconds.unwrap_or(0);
    if settle_delay < 0 {
        return Err(SimError::bad_request(
            "settleDelaySeconds must not be negative",
        ));
    }
    let app = default_app(&state).await?;
    let now = state.clock.now(&state.db).await?;
    store::promotions::put(
        state.db.writer(),
        &app.app_id,
        &NewPromotion {
            promotion_code: &request.promotion_code,
            budget: request.budget,
            max_amount_per_grant: request.max_amount_per_grant,
            state: promotion_state,
            settle_delay_seconds: settle_delay,
        },
        now,
    )
    .await?;
    let view = view(&state.db, &app.app_id, &request.promotion_code).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A promotion of the default app with its remaining budget.
#[utoipa::path(get, path = "/sim/v1/promotions/{promotionCode}", tag = "Simulator",
    params(("promotionCode" = String, Path)), responses((status = 200, body = PromotionView), (status = 404)))]
pub async fn get_promotion(
    State(state): State<AppState>,
    SimPath(code): SimPath<String>,
) -> Result<Json<PromotionView>, SimError> {
    let app = default_app(&state).await?;
    Ok(Json(view(&state.db, &app.app_id, &code).await?))
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

/// Steers a promotion as the console does (docs/reference.md §3.3).
#[utoipa::path(patch, path = "/sim/v1/promotions/{promotionCode}", tag = "Simulator",
    params(("promotionCode" = String, Path)), request_body = UpdatePromotion,
    responses((status = 200, body = PromotionView), (status = 400), (status = 404)))]
pub async fn update_promotion(
    State(state): State<AppState>,
    SimPath(code): SimPath<String>,
    SimJson(request): SimJson<UpdatePromotion>,
) -> Result<Json<PromotionView>, SimError> {
    let requested_state = request.state.as_deref().map(promotion_state).transpose()?;
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
    let mut tx = state.db.begin().await?;
    let promotion = store::promotions::lock(&state.db, &mut tx, &app.app_id, &code)
        .await?
        .ok_or_else(|| SimError::not_found("no such promotion"))?;
    if promotions::raised_budget(promotion.budget, promotion.remaining_budget, increase).is_none() {
        return Err(SimError::bad_request(
            "budgetIncrease would take the budget past 9223372036854775807",
        ));
    }
    let steered = promotions::steered_state(promotion.state, requested_state, increase);
    store::promotions::steer(
        &mut tx,
        promotion.id,
        increase,
        steered,
        request.fail_next_executions,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(view(&state.db, &app.app_id, &code).await?))
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
    SimPath(code): SimPath<String>,
    SimJson(request): SimJson<FailGrant>,
) -> Result<Json<PromotionView>, SimError> {
    let app = default_app(&state).await?;
    let mut tx = state.db.begin().await?;
    let grant = store::promotions::lock_grant(
        &state.db,
        &mut tx,
        &secrets::hash(&request.key),
        &app.app_id,
        &code,
    )
    .await?
    .ok_or_else(|| SimError::not_found("no grant of this promotion with this key"))?;
    let not_pending = |status: promotions::GrantStatus| SimError {
        status: StatusCode::CONFLICT,
        code: "NOT_PENDING",
        message: format!("the grant is {}", status.as_str()),
    };
    promotions::fail_grant(grant.status).map_err(|e| not_pending(e.0))?;
    if !store::promotions::fail_grant(&mut tx, grant.id).await? {
        return Err(not_pending(grant.status));
    }
    store::promotions::return_to_budget(&mut tx, &app.app_id, &code, grant.amount).await?;
    tx.commit().await?;
    Ok(Json(view(&state.db, &app.app_id, &code).await?))
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
    SimPath(user_key): SimPath<String>,
) -> Result<Json<PointsView>, SimError> {
    let user_key = parse_user_key(&user_key)?;
    let now = state.clock.now(&state.db).await?;
    store::promotions::settle_due_for(&state.db, user_key, now).await?;
    let balance = store::users::points_balance(&state.db, user_key)
        .await?
        .ok_or_else(|| SimError::not_found("no such user"))?;
    let grants = store::promotions::grants_of_user(&state.db, user_key)
        .await?
        .into_iter()
        .map(|grant| GrantView {
            app_id: grant.app_id,
            promotion_code: grant.promotion_code,
            amount: grant.amount,
            status: grant.status.as_str().to_owned(),
            executed_at: grant.executed_at.rfc3339_micros(),
            settle_at: grant.settle_at.rfc3339_micros(),
            settled_at: grant.settled_at.map(|t| t.rfc3339_micros()),
        })
        .collect();
    Ok(Json(PointsView {
        user_key,
        points_balance: balance,
        grants,
    }))
}
