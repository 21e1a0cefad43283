//! The user's side of Toss login: logging in to a mini-app (what `appLogin()` does), disconnecting or
//! leaving Toss (which fire the partner's unlink callback), and the app's plaintext switch.

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::apps_in_toss::auth::PartnerApp;
use crate::domain::login::{self, UnlinkReason, REFERRERS};
use crate::domain::secrets;
use crate::outbox;
use crate::sim::{SimError, SimJson};
use crate::state::AppState;
use crate::store::flag;
use crate::store::users as store;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub user_key: i64,
    /// The mini-app; the default app when absent
    pub app_id: Option<String>,
    /// Scopes the user consents to (`USER_NAME` or `user_name`); all of the app's when absent
    pub scopes: Option<Vec<String>>,
    /// Tags of the app's login terms the user agrees to; all of them when absent
    pub agreed_terms: Option<Vec<String>>,
    /// `DEFAULT` (the Toss app, the default), `SANDBOX` or `sandbox`
    pub referrer: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    /// 22 characters, single use, valid for 10 minutes
    pub authorization_code: String,
    pub referrer: String,
}

async fn app_or_default(state: &AppState, app_id: Option<&str>) -> Result<PartnerApp, SimError> {
    let app = match app_id {
        Some(id) => PartnerApp::by_app_id(state, id).await?,
        None => PartnerApp::default_app(state).await?,
    };
    app.ok_or_else(|| SimError::not_found("no such app"))
}

/// The login terms and scopes an app offers.
async fn app_login_settings(state: &AppState, app_id: &str) -> Result<(String, String), SimError> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT login_scopes, login_terms FROM apps WHERE app_id = $1")
            .bind(app_id)
            .fetch_optional(state.db.reader())
            .await?;
    row.ok_or_else(|| SimError::not_found("no such app"))
}

/// The user logs in to the mini-app and agrees to its terms and scopes; returns what `appLogin()` returns.
#[utoipa::path(post, path = "/sim/v1/login", tag = "Simulator", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
        (status = 400, description = "a field is invalid, or the user left Toss"),
        (status = 404, description = "no such user or app")))]
pub async fn login(
    State(state): State<AppState>,
    SimJson(request): SimJson<LoginRequest>,
) -> Result<Json<LoginResponse>, SimError> {
    let app = app_or_default(&state, request.app_id.as_deref()).await?;
    let (app_scopes, app_terms) = app_login_settings(&state, &app.app_id).await?;
    let scopes = login::grant_scopes(&app_scopes, request.scopes.as_deref())
        .map_err(|s| SimError::bad_request(format!("the app does not offer the scope {s:?}")))?;
    let terms = login::grant_terms(&app_terms, request.agreed_terms.as_deref())
        .map_err(|t| SimError::bad_request(format!("the app has no login term {t:?}")))?;
    let referrer = request.referrer.unwrap_or_else(|| "DEFAULT".to_owned());
    if !REFERRERS.contains(&referrer.as_str()) {
        return Err(SimError::bad_request(
            "referrer must be DEFAULT, SANDBOX or sandbox",
        ));
    }
    let code = login::new_code();
    let mut tx = state.db.begin().await?;
    let withdrawn: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT withdrawn FROM users WHERE user_key = $1{}",
        state.db.for_update()
    ))
    .bind(request.user_key)
    .fetch_optional(&mut *tx)
    .await?;
    match withdrawn {
        None => return Err(SimError::not_found("no such user")),
        Some(w) if flag(w) => return Err(SimError::bad_request("the user left Toss")),
        Some(_) => {}
    }
    let now = state.clock.now_in(&mut tx).await?;
    // First login makes the userKey known to the app (REFERENCE.md §1.6.2); later ones relink it.
    sqlx::query(
        "INSERT INTO app_users (app_id, user_key, linked, first_login, sub) VALUES ($1, $2, 1, $3, $4) \
         ON CONFLICT (app_id, user_key) DO UPDATE SET linked = 1, sub = COALESCE(app_users.sub, excluded.sub)",
    )
    .bind(&app.app_id)
    .bind(request.user_key)
    .bind(now.micros())
    .bind(login::new_subject())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO login_codes (code_hash, app_id, user_key, scopes, agreed_terms, referrer, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(secrets::hash(&code))
    .bind(&app.app_id)
    .bind(request.user_key)
    .bind(scopes.join(" "))
    .bind(terms.join(" "))
    .bind(&referrer)
    .bind(now.micros())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Json(LoginResponse {
        authorization_code: code,
        referrer,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnlinkRequest {
    /// The mini-app; the default app when absent; ignored for `WITHDRAWAL_TOSS`
    pub app_id: Option<String>,
    /// `UNLINK`, `WITHDRAWAL_TERMS` or `WITHDRAWAL_TOSS`
    pub referrer: String,
}

/// The user disconnects the mini-app inside Toss (`UNLINK`), withdraws consent to the Toss Login terms
/// (`WITHDRAWAL_TERMS`) or leaves Toss (`WITHDRAWAL_TOSS`, every app): tokens are revoked and the unlink
/// callback is recorded for each app the user was linked to.
#[utoipa::path(post, path = "/sim/v1/users/{userKey}/unlink", tag = "Simulator", request_body = UnlinkRequest,
    params(("userKey" = i64, Path)),
    responses((status = 200, description = "{}"),
        (status = 400, description = "a field is invalid, or the user left Toss"),
        (status = 404, description = "no such user or app, or the user never logged in to the app")))]
pub async fn unlink(
    State(state): State<AppState>,
    Path(user_key): Path<String>,
    SimJson(request): SimJson<UnlinkRequest>,
) -> Result<Json<Value>, SimError> {
    let user_key: i64 = user_key
        .parse()
        .map_err(|_| SimError::bad_request("userKey must be an integer"))?;
    let reason = UnlinkReason::parse(&request.referrer).ok_or_else(|| {
        SimError::bad_request("referrer must be UNLINK, WITHDRAWAL_TERMS or WITHDRAWAL_TOSS")
    })?;
    if reason == UnlinkReason::WithdrawalToss {
        leave_toss(&state, user_key).await?;
    } else {
        let app = app_or_default(&state, request.app_id.as_deref()).await?;
        unlink_app(&state, &app.app_id, user_key, reason).await?;
    }
    Ok(Json(json!({})))
}

async fn unlink_app(
    state: &AppState,
    app_id: &str,
    user_key: i64,
    reason: UnlinkReason,
) -> Result<(), SimError> {
    let mut tx = state.db.begin().await?;
    let withdrawn: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT withdrawn FROM users WHERE user_key = $1{}",
        state.db.for_update()
    ))
    .bind(user_key)
    .fetch_optional(&mut *tx)
    .await?;
    match withdrawn {
        None => return Err(SimError::not_found("no such user")),
        Some(w) if flag(w) => return Err(SimError::bad_request("the user left Toss")),
        Some(_) => {}
    }
    let (linked, _) = store::lock_link(&state.db, &mut tx, app_id, user_key)
        .await?
        .ok_or_else(|| SimError::not_found("the user never logged in to this app"))?;
    // Callbacks fire only from LINKED; unlinking again changes nothing.
    if linked {
        let now = state.clock.now_in(&mut tx).await?;
        store::unlink_pair(&mut tx, app_id, user_key, now).await?;
        outbox::enqueue_unlink(&mut tx, now, app_id, user_key, reason.as_str()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The user leaves Toss: every app the user is linked to gets a `WITHDRAWAL_TOSS` callback, every link
/// ends and the userKey answers `USER_NOT_FOUND` from then on. Leaving twice changes nothing.
async fn leave_toss(state: &AppState, user_key: i64) -> Result<(), SimError> {
    let mut tx = state.db.begin().await?;
    let left = sqlx::query("UPDATE users SET withdrawn = 1 WHERE user_key = $1 AND withdrawn = 0")
        .bind(user_key)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if left == 0 {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT user_key FROM users WHERE user_key = $1")
                .bind(user_key)
                .fetch_optional(&mut *tx)
                .await?;
        return exists
            .map(|_| ())
            .ok_or_else(|| SimError::not_found("no such user"));
    }
    let now = state.clock.now_in(&mut tx).await?;
    let links: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT app_id, linked FROM app_users WHERE user_key = $1 ORDER BY app_id{}",
        state.db.for_update()
    ))
    .bind(user_key)
    .fetch_all(&mut *tx)
    .await?;
    for (app_id, linked) in links {
        store::unlink_pair(&mut tx, &app_id, user_key, now).await?;
        if flag(linked) {
            outbox::enqueue_unlink(
                &mut tx,
                now,
                &app_id,
                user_key,
                UnlinkReason::WithdrawalToss.as_str(),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
