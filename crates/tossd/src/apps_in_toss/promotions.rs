//! Toss points promotions (docs/reference.md §2.2, §3.3): one-time keys, grants debited from the promotion's
//! budget, and their settlement into the user's points balance.

use axum::extract::State;
use axum::http::StatusCode;

use crate::apps_in_toss::caller::{Caller, Promotion};
use crate::apps_in_toss::{AitError, AitJson, AitSuccess};
use crate::clock::Clock;
use crate::domain::promotions::{self, GrantStatus, KeyProblem, KeyRecord, Refusal};
use crate::domain::secrets;
use crate::store::promotions::NewGrant;
use crate::store::{self, Db};

pub use toss_wire::apps_in_toss::promotions::{ExecuteRequest, KeyResponse, ResultRequest};

fn fail(code: &'static str, reason: &'static str) -> AitError {
    AitError::fail(StatusCode::BAD_REQUEST, code, reason)
}

fn promotion_not_found() -> AitError {
    fail("4100", "프로모션 정보를 찾을 수 없어요")
}

fn refused(refusal: Refusal) -> AitError {
    let (code, reason) = refusal.code_and_reason();
    fail(code, reason)
}

fn key_error(problem: KeyProblem) -> AitError {
    match problem {
        KeyProblem::Invalid => fail("INVALID_PROMOTION_KEY", "유효하지 않은 지급 키예요."),
        KeyProblem::AlreadyUsed => fail("4113", "이미 지급/회수된 내역이에요"),
    }
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
    State(db): State<Db>,
    State(clock): State<Clock>,
    caller: Caller<Promotion>,
) -> Result<AitSuccess<KeyResponse>, AitError> {
    let key = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(secrets::random_bytes(32))
    };
    let now = clock.now(&db).await?;
    store::promotions::insert_key(
        &db,
        &secrets::hash(&key),
        &caller.app.app_id,
        caller.user_key,
        now,
    )
    .await?;
    Ok(AitSuccess(KeyResponse::new(key)))
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
    State(db): State<Db>,
    State(clock): State<Clock>,
    caller: Caller<Promotion>,
    AitJson(request): AitJson<ExecuteRequest>,
) -> Result<AitSuccess<KeyResponse>, AitError> {
    let Caller { app, user_key, .. } = caller;
    if request.promotion_code.is_empty()
        || request.key.is_empty()
        || !promotions::amount_is_valid(request.amount)
    {
        return Err(AitError::invalid_parameter());
    }
    let mut tx = db.begin().await?;
    let now = clock.now_in(&mut tx).await?;
    let key_hash = secrets::hash(&request.key);

    // Key first: a partner retrying after a timeout learns that its key was already used (4113).
    let key = store::promotions::lock_key(&db, &mut tx, &key_hash)
        .await?
        .map(|key| KeyRecord {
            belongs_to_caller: secrets::secrets_equal(&key.key_hash, &key_hash)
                && key.app_id == app.app_id
                && key.user_key == user_key,
            state: key.state,
            issued_at: key.issued_at,
        });
    promotions::spend_key(key.as_ref(), now).map_err(key_error)?;

    let promotion = store::promotions::lock(&db, &mut tx, &app.app_id, &request.promotion_code)
        .await?
        .ok_or_else(promotion_not_found)?;
    let limits = promotion.limits();
    let debit = promotions::debit(&limits, request.amount).map_err(refused)?;

    // Simulator fault injection: the grant fails internally, the key stays usable for the retry.
    if store::promotions::take_injected_failure(&mut tx, promotion.id).await? {
        tx.commit().await?;
        return Err(fail("4110", "리워드를 지급/회수할 수 없어요"));
    }

    // Conditional updates decide even if a concurrent request slipped past the reads above.
    if !store::promotions::spend_key(&mut tx, &key_hash).await? {
        return Err(key_error(KeyProblem::AlreadyUsed));
    }
    if !store::promotions::debit(&mut tx, promotion.id, &limits, debit).await? {
        return Err(refused(Refusal::InsufficientBudget));
    }
    let settle_at = now.plus_seconds(promotion.settle_delay_seconds);
    let grant_id = store::promotions::insert_grant(
        &mut tx,
        &NewGrant {
            key_hash: &key_hash,
            app_id: &app.app_id,
            user_key,
            promotion_code: &request.promotion_code,
            amount: request.amount,
            settle_at,
        },
        now,
    )
    .await?;
    if promotions::settlement_due(GrantStatus::Pending, settle_at, now) {
        store::promotions::settle(&mut tx, grant_id, user_key, request.amount, now).await?;
    }
    tx.commit().await?;
    Ok(AitSuccess(KeyResponse::new(request.key)))
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
    State(db): State<Db>,
    State(clock): State<Clock>,
    caller: Caller<Promotion>,
    AitJson(request): AitJson<ResultRequest>,
) -> Result<AitSuccess<GrantStatus>, AitError> {
    let Caller { app, user_key, .. } = caller;
    if request.promotion_code.is_empty() || request.key.is_empty() {
        return Err(AitError::invalid_parameter());
    }
    if store::promotions::find(&db, &app.app_id, &request.promotion_code)
        .await?
        .is_none()
    {
        return Err(promotion_not_found());
    }
    let key_hash = secrets::hash(&request.key);
    let grant = store::promotions::find_grant(&db, &key_hash, &app.app_id, user_key)
        .await?
        .filter(|grant| grant.promotion_code == request.promotion_code)
        .ok_or_else(|| fail("4111", "리워드 지급내역을 찾을 수 없어요"))?;
    if grant.status != GrantStatus::Pending {
        return Ok(AitSuccess(grant.status));
    }
    let now = clock.now(&db).await?;
    if !promotions::settlement_due(grant.status, grant.settle_at, now) {
        return Ok(AitSuccess(grant.status));
    }
    let mut tx = db.begin().await?;
    store::promotions::settle(&mut tx, grant.id, user_key, grant.amount, now).await?;
    tx.commit().await?;
    let grant = store::promotions::find_grant(&db, &key_hash, &app.app_id, user_key)
        .await?
        .ok_or_else(AitError::internal)?;
    Ok(AitSuccess(grant.status))
}
