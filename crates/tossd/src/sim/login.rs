//! The user's side of Toss login: logging in to a mini-app (what `appLogin()` does), disconnecting or
//! leaving Toss (which fire the partner's unlink callback).

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::domain::login::{self, Code, CodeState, Referrer, UnlinkReason};
use crate::domain::secrets;
use crate::sim::identities;
use crate::sim::users::parse_user_key;
use crate::sim::{SimError, SimJson, SimPath};
use crate::state::AppState;
use crate::store::{self, Tx};

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub user_key: i64,
    /// The mini-app; the default app when absent or `default`
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

/// Locks the user for this transaction; only a user who has not left Toss may go on.
async fn lock_member(state: &AppState, tx: &mut Tx, user_key: i64) -> Result<(), SimError> {
    match store::users::lock_user(&state.db, tx, user_key).await? {
        None => Err(SimError::not_found("no such user")),
        Some(user) if user.withdrawn => Err(SimError::bad_request("the user left Toss")),
        Some(_) => Ok(()),
    }
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
    let app = identities::app(&state.db, request.app_id.as_deref()).await?;
    let offer = store::apps::login_offer(&state.db, &app.app_id)
        .await?
        .ok_or_else(|| SimError::not_found("no such app"))?;
    let scopes = login::grant_scopes(&offer.scopes, request.scopes.as_deref())
        .map_err(|s| SimError::bad_request(format!("the app does not offer the scope {s:?}")))?;
    let terms = login::grant_terms(&offer.terms, request.agreed_terms.as_deref())
        .map_err(|t| SimError::bad_request(format!("the app has no login term {t:?}")))?;
    let referrer = match request.referrer.as_deref() {
        None => Referrer::Default,
        Some(text) => text
            .parse()
            .map_err(|_| SimError::bad_request("referrer must be DEFAULT, SANDBOX or sandbox"))?,
    };
    let authorization_code = login::new_code();
    let mut tx = state.db.begin().await?;
    lock_member(&state, &mut tx, request.user_key).await?;
    let now = state.clock.now_in(&mut tx).await?;
    store::users::link(
        &mut tx,
        &app.app_id,
        request.user_key,
        &login::new_subject(),
        now,
    )
    .await?;
    let code = Code {
        app_id: app.app_id,
        user_key: request.user_key,
        scopes: scopes.join(" "),
        agreed_terms: terms.join(" "),
        referrer,
        issued_at: now,
        state: CodeState::Unused,
    };
    store::users::insert_code(&mut tx, &secrets::hash(&authorization_code), &code).await?;
    tx.commit().await?;
    Ok(Json(LoginResponse {
        authorization_code,
        referrer: referrer.as_str().to_owned(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnlinkRequest {
    /// The mini-app; the default app when absent or `default`; ignored for `WITHDRAWAL_TOSS`
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
    SimPath(user_key): SimPath<String>,
    SimJson(request): SimJson<UnlinkRequest>,
) -> Result<Json<Value>, SimError> {
    let user_key = parse_user_key(&user_key)?;
    let reason: UnlinkReason = request.referrer.parse().map_err(|_| {
        SimError::bad_request("referrer must be UNLINK, WITHDRAWAL_TERMS or WITHDRAWAL_TOSS")
    })?;
    if reason == UnlinkReason::WithdrawalToss {
        leave_toss(&state, user_key).await?;
    } else {
        let app = identities::app(&state.db, request.app_id.as_deref()).await?;
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
    lock_member(state, &mut tx, user_key).await?;
    let link = store::users::lock_link(&state.db, &mut tx, app_id, user_key)
        .await?
        .ok_or_else(|| SimError::not_found("the user never logged in to this app"))?;
    // Callbacks fire only from LINKED; unlinking again changes nothing.
    if link.linked {
        let now = state.clock.now_in(&mut tx).await?;
        store::users::unlink_pair(&mut tx, app_id, user_key, now).await?;
        store::outbox::enqueue_unlink(&mut tx, now, app_id, user_key, reason).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The user leaves Toss: every app the user is linked to gets a `WITHDRAWAL_TOSS` callback, every link
/// ends and the userKey answers `USER_NOT_FOUND` from then on. Leaving twice changes nothing.
async fn leave_toss(state: &AppState, user_key: i64) -> Result<(), SimError> {
    let mut tx = state.db.begin().await?;
    if !store::users::withdraw(&mut tx, user_key).await? {
        return if store::users::exists(&mut *tx, user_key).await? {
            Ok(())
        } else {
            Err(SimError::not_found("no such user"))
        };
    }
    let now = state.clock.now_in(&mut tx).await?;
    for link in store::users::lock_links_of_user(&state.db, &mut tx, user_key).await? {
        store::users::unlink_pair(&mut tx, &link.app_id, user_key, now).await?;
        if link.linked {
            store::outbox::enqueue_unlink(
                &mut tx,
                now,
                &link.app_id,
                user_key,
                UnlinkReason::WithdrawalToss,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
