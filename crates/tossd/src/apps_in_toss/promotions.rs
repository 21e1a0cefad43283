//! Toss points promotions (REFERENCE.md §2.2, §3.3): one-time keys, grants debited from the promotion's
//! budget, and their settlement into the user's points balance.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

use crate::apps_in_toss::auth::{known_user, PartnerApp};
use crate::apps_in_toss::{rate_limit, AitError, AitSuccess};
use crate::domain::promotions::{self, KeyProblem, KeyRecord, PromotionLimits};
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::state::AppState;
use crate::store::{Db, Tx};

#[derive(Serialize, ToSchema)]
pub struct KeyResponse {
    /// Base64 of 32 random bytes; single use, valid for one hour
    pub key: String,
}

/// The user check and the per-user limit that every promotion endpoint starts with.
async fn caller(state: &AppState, app: &PartnerApp, headers: &HeaderMap) -> Result<i64, AitError> {
    let user_key = known_user(state, app, headers, StatusCode::UNAUTHORIZED).await?;
    rate_limit::count_request(state, app, user_key, rate_limit::PROMOTION).await?;
    Ok(user_key)
}

fn fail(code: &'static str, reason: &'static str) -> AitError {
    AitError::fail(StatusCode::BAD_REQUEST, code, reason)
}

fn promotion_not_found() -> AitError {
    fail("4100", "프로모션 정보를 찾을 수 없어요")
}

/// 프로모션 리워드 지급 키 생성하기
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/promotion/execute-promotion/get-key",
    tag = "Apps-in-Toss promotions",
    params(("x-toss-user-key" = String, Header, description = "The user's userKey")),
    responses(
        (status = 200, description = "SUCCESS envelope with `{key}`", body = KeyResponse),
        (status = 401, description = "USER_KEY_NOT_FOUND / USER_NOT_FOUND"),
        (status = 403, description = "4095: per-user rate limit"),
    )
)]
pub async fn get_key(
    State(state): State<AppState>,
    app: PartnerApp,
    headers: HeaderMap,
) -> Result<AitSuccess<KeyResponse>, AitError> {
    let user_key = caller(&state, &app, &headers).await?;
    let key = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(secrets::random_bytes(32))
    };
    let now = state.clock.now(&state.db).await?;
    sqlx::query(
        "INSERT INTO promotion_keys (key_hash, app_id, user_key, state, issued_at) VALUES ($1, $2, $3, 'ISSUED', $4)",
    )
    .bind(secrets::hash(&key))
    .bind(&app.app_id)
    .bind(user_key)
    .bind(now.micros())
    .execute(state.db.writer())
    .await?;
    Ok(AitSuccess(KeyResponse { key }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecuteRequest {
    pub promotion_code: String,
    /// A key from get-key for the same user
    pub key: String,
    /// Points to grant, at least 1
    pub amount: i64,
}

/// 프로모션 리워드 지급하기
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/promotion/execute-promotion",
    tag = "Apps-in-Toss promotions",
    params(("x-toss-user-key" = String, Header, description = "The user's userKey")),
    request_body = ExecuteRequest,
    responses(
        (status = 200, description = "SUCCESS envelope echoing `{key}`", body = KeyResponse),
        (status = 400, description = "INVALID_PARAMETER, INVALID_PROMOTION_KEY, 4100, 4109, 4110, 4112, 4113, 4114, 4116"),
        (status = 401, description = "USER_KEY_NOT_FOUND / USER_NOT_FOUND"),
        (status = 403, description = "4095: per-user rate limit"),
    )
)]
pub async fn execute_promotion(
    State(state): State<AppState>,
    app: PartnerApp,
    headers: HeaderMap,
    body: Body,
) -> Result<AitSuccess<KeyResponse>, AitError> {
    let user_key = caller(&state, &app, &headers).await?;
    let request: ExecuteRequest = crate::web::read_json(body).await?;
    if request.promotion_code.is_empty()
        || request.key.is_empty()
        || !promotions::amount_is_valid(request.amount)
    {
        return Err(AitError::invalid_parameter());
    }
    let for_update = state.db.for_update();
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let key_hash = secrets::hash(&request.key);

    // Key first: a partner retrying after a timeout learns that its key was already used (4113).
    let key = sqlx::query(&format!(
        "SELECT key_hash, app_id, user_key, state, issued_at FROM promotion_keys WHERE key_hash = $1{for_update}"
    ))
    .bind(&key_hash)
    .fetch_optional(&mut *tx)
    .await?
    .map(|row| KeyRecord {
        belongs_to_caller: secrets::secrets_equal(row.get::<String, _>(0).as_str(), &key_hash)
            && row.get::<String, _>(1) == app.app_id
            && row.get::<i64, _>(2) == user_key,
        executed: row.get::<String, _>(3) == "EXECUTED",
        issued_at: Instant(row.get(4)),
    });
    promotions::check_key(key.as_ref(), now).map_err(key_error)?;

    let promotion = sqlx::query(&format!(
        "SELECT id, budget, budget_remaining, max_amount_per_grant, state, settle_delay_seconds \
         FROM promotions WHERE app_id = $1 AND promotion_code = $2{for_update}"
    ))
    .bind(&app.app_id)
    .bind(&request.promotion_code)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(promotion_not_found)?;
    let promotion_id: i64 = promotion.get(0);
    let promotion_state: String = promotion.get(4);
    let settle_delay: i64 = promotion.get(5);
    promotions::check_grant(
        &PromotionLimits {
            state: &promotion_state,
            budget: promotion.get(1),
            remaining_budget: promotion.get(2),
            max_amount_per_grant: promotion.get(3),
        },
        request.amount,
    )
    .map_err(|refusal| {
        let (code, reason) = refusal.code_and_reason();
        fail(code, reason)
    })?;

    // Simulator fault injection: the grant fails internally, the key stays usable for the retry.
    let injected = sqlx::query(
        "UPDATE promotions SET fail_next_executions = fail_next_executions - 1 \
         WHERE id = $1 AND fail_next_executions > 0",
    )
    .bind(promotion_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if injected == 1 {
        tx.commit().await?;
        return Err(fail("4110", "리워드를 지급/회수할 수 없어요"));
    }

    // Conditional updates decide even if a concurrent request slipped past the reads above.
    let key_taken = sqlx::query(
        "UPDATE promotion_keys SET state = 'EXECUTED' WHERE key_hash = $1 AND state = 'ISSUED'",
    )
    .bind(&key_hash)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if key_taken != 1 {
        return Err(key_error(KeyProblem::AlreadyUsed));
    }
    let debited = sqlx::query(
        "UPDATE promotions SET budget_remaining = budget_remaining - $1, \
         state = CASE WHEN budget_remaining = $1 THEN 'ENDED' ELSE state END \
         WHERE id = $2 AND state = 'RUNNING' AND budget_remaining >= $1",
    )
    .bind(request.amount)
    .bind(promotion_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if debited != 1 {
        let (code, reason) = promotions::Refusal::InsufficientBudget.code_and_reason();
        return Err(fail(code, reason));
    }
    let grant_id: i64 = sqlx::query_scalar(
        "INSERT INTO promotion_grants (key_hash, app_id, user_key, promotion_code, amount, status, settle_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7) RETURNING id",
    )
    .bind(&key_hash)
    .bind(&app.app_id)
    .bind(user_key)
    .bind(&request.promotion_code)
    .bind(request.amount)
    .bind(now.plus_seconds(settle_delay).micros())
    .bind(now.micros())
    .fetch_one(&mut *tx)
    .await?;
    if settle_delay == 0 {
        settle(&mut tx, grant_id, user_key, request.amount, now).await?;
    }
    tx.commit().await?;
    Ok(AitSuccess(KeyResponse { key: request.key }))
}

fn key_error(problem: KeyProblem) -> AitError {
    match problem {
        KeyProblem::Invalid => fail("INVALID_PROMOTION_KEY", "유효하지 않은 지급 키예요."),
        KeyProblem::AlreadyUsed => fail("4113", "이미 지급/회수된 내역이에요"),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultRequest {
    pub promotion_code: String,
    pub key: String,
}

/// 프로모션 토스포인트 지급 결과 조회하기
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/promotion/execution-result",
    tag = "Apps-in-Toss promotions",
    params(("x-toss-user-key" = String, Header, description = "The user's userKey")),
    request_body = ResultRequest,
    responses(
        (status = 200, description = "SUCCESS envelope whose `success` is PENDING, SUCCESS or FAILED", body = String),
        (status = 400, description = "INVALID_PARAMETER, 4100, 4111"),
        (status = 401, description = "USER_KEY_NOT_FOUND / USER_NOT_FOUND"),
        (status = 403, description = "4095: per-user rate limit"),
    )
)]
pub async fn execution_result(
    State(state): State<AppState>,
    app: PartnerApp,
    headers: HeaderMap,
    body: Body,
) -> Result<AitSuccess<String>, AitError> {
    let user_key = caller(&state, &app, &headers).await?;
    let request: ResultRequest = crate::web::read_json(body).await?;
    if request.promotion_code.is_empty() || request.key.is_empty() {
        return Err(AitError::invalid_parameter());
    }
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM promotions WHERE app_id = $1 AND promotion_code = $2")
            .bind(&app.app_id)
            .bind(&request.promotion_code)
            .fetch_optional(state.db.reader())
            .await?;
    if exists.is_none() {
        return Err(promotion_not_found());
    }
    let key_hash = secrets::hash(&request.key);
    let grant = load_grant(&state.db, &key_hash, &app.app_id, user_key)
        .await?
        .filter(|row| row.get::<String, _>(1) == request.promotion_code)
        .ok_or_else(|| fail("4111", "리워드 지급내역을 찾을 수 없어요"))?;
    let status: String = grant.get(2);
    if status != "PENDING" {
        return Ok(AitSuccess(status));
    }
    let now = state.clock.now(&state.db).await?;
    if now.micros() < grant.get::<i64, _>(3) {
        return Ok(AitSuccess(status));
    }
    let mut tx = state.db.begin().await?;
    settle(&mut tx, grant.get(0), user_key, grant.get(4), now).await?;
    tx.commit().await?;
    let status: String = load_grant(&state.db, &key_hash, &app.app_id, user_key)
        .await?
        .map(|row| row.get(2))
        .ok_or_else(AitError::internal)?;
    Ok(AitSuccess(status))
}

async fn load_grant(
    db: &Db,
    key_hash: &str,
    app_id: &str,
    user_key: i64,
) -> Result<Option<AnyRow>, sqlx::Error> {
    sqlx::query(
        "SELECT id, promotion_code, status, settle_at, amount FROM promotion_grants \
         WHERE key_hash = $1 AND app_id = $2 AND user_key = $3",
    )
    .bind(key_hash)
    .bind(app_id)
    .bind(user_key)
    .fetch_optional(db.reader())
    .await
}

/// Credits a pending grant exactly once: the `PENDING → SUCCESS` update decides, the credit follows it in
/// the same transaction.
async fn settle(
    tx: &mut Tx,
    grant_id: i64,
    user_key: i64,
    amount: i64,
    now: Instant,
) -> Result<(), sqlx::Error> {
    let settled = sqlx::query(
        "UPDATE promotion_grants SET status = 'SUCCESS', settled_at = $1 WHERE id = $2 AND status = 'PENDING'",
    )
    .bind(now.micros())
    .bind(grant_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if settled == 1 {
        sqlx::query("UPDATE users SET points_balance = points_balance + $1 WHERE user_key = $2")
            .bind(amount)
            .bind(user_key)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Settles every grant that is due (of one user, or of everyone), as reads and clock advances do.
/// Grants are taken in id order so concurrent settlements lock rows in the same order.
pub async fn settle_due(state: &AppState, user_key: Option<i64>) -> Result<(), sqlx::Error> {
    let now = state.clock.now(&state.db).await?;
    let due = sqlx::query(
        "SELECT id, user_key, amount FROM promotion_grants \
         WHERE status = 'PENDING' AND settle_at <= $1 AND ($2 = 0 OR user_key = $2) ORDER BY id",
    )
    .bind(now.micros())
    .bind(user_key.unwrap_or(0))
    .fetch_all(state.db.reader())
    .await?;
    if due.is_empty() {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    for row in &due {
        settle(&mut tx, row.get(0), row.get(1), row.get(2), now).await?;
    }
    tx.commit().await
}

/// The default app's promotions (REFERENCE.md §6.3).
pub async fn seed_defaults(tx: &mut Tx, now: Instant) -> Result<(), sqlx::Error> {
    for (code, budget, max) in [
        ("DEFAULT_PROMOTION", 1_000_000_i64, 10_000_i64),
        ("01JPPJ6SB66BQXXDAKRQZ6SZD7", 100_000, 1_000),
    ] {
        sqlx::query(
            "INSERT INTO promotions (app_id, promotion_code, budget, budget_remaining, max_amount_per_grant, \
             state, settle_delay_seconds, created_at) \
             SELECT app_id, $1, $2, $2, $3, 'RUNNING', 0, $4 FROM apps WHERE is_default = 1",
        )
        .bind(code)
        .bind(budget)
        .bind(max)
        .bind(now.micros())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
