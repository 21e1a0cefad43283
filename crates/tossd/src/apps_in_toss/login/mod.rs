//! Toss login (docs/reference.md §2.1): exchanging the authorization code, refreshing, reading the user and
//! disconnecting. The user's side (logging in, unlinking inside Toss) is in `sim::login`.

pub mod jwt;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
pub use toss_wire::apps_in_toss::login::{
    GenerateTokenRequest, LoginMe, RefreshTokenRequest, RemoveByUserKeyRequest, RemovedUser,
    TokenResponse,
};

use crate::apps_in_toss::auth::{PartnerApp, ReadApp};
use crate::apps_in_toss::{AitError, AitJson, AitSuccess};
use crate::domain::login::{self, Credential, ACCESS_TOKEN_LIFETIME_SECONDS};
use crate::domain::time::Instant;
use crate::domain::{secrets, uuid};
use crate::state::AppState;
use crate::store::users as store;
use crate::store::{Db, Tx};
use jwt::{Claims, JwtKeys};

fn internal(e: anyhow::Error) -> AitError {
    tracing::error!(error = %e, "login failure");
    AitError::internal()
}

fn invalid_grant_400() -> AitError {
    AitError::InvalidGrant(StatusCode::BAD_REQUEST)
}

fn invalid_grant_401() -> AitError {
    AitError::InvalidGrant(StatusCode::UNAUTHORIZED)
}

/// An access token counts while it is unrevoked and within its lifetime; otherwise 401 `invalid_grant`.
fn live_access_token(access: &store::AccessToken, now: Instant) -> Result<(), AitError> {
    login::check_live(
        Credential::AccessToken,
        access.issued_at,
        access.revoked,
        now,
    )
    .map_err(|_| invalid_grant_401())
}

/// The grant an access token is issued under.
struct TokenGrant<'a> {
    id: i64,
    user_key: i64,
    scopes: &'a str,
}

/// Records a new access token in `tx` and returns its claims (signed after commit).
async fn new_access_token(
    tx: &mut Tx,
    issuer: &str,
    app: &PartnerApp,
    sub: &str,
    grant: TokenGrant<'_>,
    now: Instant,
) -> Result<Claims, sqlx::Error> {
    let jti = uuid::v4();
    store::insert_access_token(tx, &jti, grant.id, &app.app_id, grant.user_key, now).await?;
    let iat = now.unix_seconds();
    Ok(Claims {
        sub: sub.to_owned(),
        aud: app.client_id.clone(),
        nbf: iat,
        scope: grant.scopes.split_whitespace().map(str::to_owned).collect(),
        iss: issuer.to_owned(),
        exp: iat + ACCESS_TOKEN_LIFETIME_SECONDS,
        iat,
        jti,
    })
}

fn token_response(
    keys: &JwtKeys,
    claims: &Claims,
    refresh_token: String,
    scopes: &str,
) -> Result<AitSuccess<TokenResponse>, AitError> {
    Ok(AitSuccess(TokenResponse::new(
        keys.sign(claims).map_err(internal)?,
        refresh_token,
        scopes,
        ACCESS_TOKEN_LIFETIME_SECONDS,
    )))
}

/// AccessToken 받기 — exchanges an authorization code (single use, 10 minutes) for tokens.
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/user/oauth2/generate-token",
    tag = "Apps-in-Toss login",
    request_body = GenerateTokenRequest,
    responses(
        (status = 200, description = "SUCCESS envelope with the token pair", body = TokenResponse),
        (status = 400, description = "INVALID_PARAMETER, or {\"error\":\"invalid_grant\"}"),
    )
)]
pub async fn generate_token(
    State(state): State<AppState>,
    app: PartnerApp,
    AitJson(request): AitJson<GenerateTokenRequest>,
) -> Result<AitSuccess<TokenResponse>, AitError> {
    if request.authorization_code.is_empty() || request.referrer.is_empty() {
        return Err(AitError::invalid_parameter());
    }
    let code_hash = secrets::hash(&request.authorization_code);
    let code = store::code(&state.db, &code_hash)
        .await?
        .ok_or_else(invalid_grant_400)?;
    let keys = jwt::keys(&state.db).await.map_err(internal)?;
    let mut tx = state.db.begin().await?;
    let link = store::lock_link(&state.db, &mut tx, &app.app_id, code.user_key)
        .await?
        .ok_or_else(invalid_grant_400)?;
    let now = state.clock.now_in(&mut tx).await?;
    login::check_exchange(&code, &app.app_id, &request.referrer, now)
        .map_err(|_| invalid_grant_400())?;
    if !store::consume_code(&mut tx, &code_hash, now).await? {
        return Err(invalid_grant_400());
    }
    let sub = link.sub.ok_or_else(AitError::internal)?;
    let refresh_token = login::new_refresh_token();
    let grant_id = store::insert_grant(&mut tx, &secrets::hash(&refresh_token), &code, now).await?;
    let claims = new_access_token(
        &mut tx,
        &state.settings.jwt_issuer,
        &app,
        &sub,
        TokenGrant {
            id: grant_id,
            user_key: code.user_key,
            scopes: &code.scopes,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    token_response(&keys, &claims, refresh_token, &code.scopes)
}

/// AccessToken 재발급 받기 — a new access token from a refresh token (no rotation).
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/user/oauth2/refresh-token",
    tag = "Apps-in-Toss login",
    request_body = RefreshTokenRequest,
    responses(
        (status = 200, description = "SUCCESS envelope with a new access token and the same refresh token", body = TokenResponse),
        (status = 400, description = "INVALID_PARAMETER, or {\"error\":\"invalid_grant\"}"),
    )
)]
pub async fn refresh_token(
    State(state): State<AppState>,
    app: PartnerApp,
    AitJson(request): AitJson<RefreshTokenRequest>,
) -> Result<AitSuccess<TokenResponse>, AitError> {
    if request.refresh_token.is_empty() {
        return Err(AitError::invalid_parameter());
    }
    let refresh_hash = secrets::hash(&request.refresh_token);
    let user_key = store::grant(state.db.reader(), &refresh_hash, &app.app_id)
        .await?
        .ok_or_else(invalid_grant_400)?
        .user_key;
    let keys = jwt::keys(&state.db).await.map_err(internal)?;
    let mut tx = state.db.begin().await?;
    // The link lock orders this refresh with any removal of the pair (docs/reference.md §2.1.2); the grant is
    // read again under it.
    let link = store::lock_link(&state.db, &mut tx, &app.app_id, user_key)
        .await?
        .ok_or_else(invalid_grant_400)?;
    let now = state.clock.now_in(&mut tx).await?;
    let grant = store::grant(&mut *tx, &refresh_hash, &app.app_id)
        .await?
        .ok_or_else(invalid_grant_400)?;
    login::check_live(
        Credential::RefreshToken,
        grant.issued_at,
        grant.revoked,
        now,
    )
    .map_err(|_| invalid_grant_400())?;
    let sub = link.sub.ok_or_else(AitError::internal)?;
    let claims = new_access_token(
        &mut tx,
        &state.settings.jwt_issuer,
        &app,
        &sub,
        TokenGrant {
            id: grant.id,
            user_key: grant.user_key,
            scopes: &grant.scopes,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    token_response(&keys, &claims, request.refresh_token, &grant.scopes)
}

/// The access token of the `Authorization: Bearer` header: a token tossd signed for `app`, in any state.
struct BearerGrant {
    jti: String,
    access: store::AccessToken,
}

async fn bearer(
    db: &Db,
    keys: &Arc<JwtKeys>,
    app: &PartnerApp,
    headers: &HeaderMap,
) -> Result<BearerGrant, AitError> {
    let jti = bearer_jti(keys, app, headers)?;
    let access = store::access_token(db, &jti, &app.app_id)
        .await?
        .ok_or_else(invalid_grant_401)?;
    Ok(BearerGrant { jti, access })
}

/// 사용자 정보 받기 — the logged-in user's profile, limited to the granted scopes.
#[utoipa::path(
    get,
    path = "/api-partner/v1/apps-in-toss/user/oauth2/login-me",
    tag = "Apps-in-Toss login",
    responses(
        (status = 200, description = "SUCCESS envelope with the profile", body = LoginMe),
        (status = 401, description = "{\"error\":\"invalid_grant\"}"),
    ),
    security(("bearer" = []))
)]
pub async fn login_me(
    State(state): State<AppState>,
    mut caller: ReadApp,
    headers: HeaderMap,
) -> Result<AitSuccess<LoginMe>, AitError> {
    // One query in the common case: the app and the JWT key come from the configuration cache and are
    // trusted if the token's statement saw the same epoch; otherwise both are read again, once.
    let (mut keys, mut keys_epoch) = jwt::keys_for_read(&state).await.map_err(internal)?;
    let mut fresh = false;
    let (snapshot, found, app) = loop {
        let jti = bearer_jti(&keys, &caller.app, &headers)?;
        let (snapshot, found) =
            store::access_token_with_user(&state.db, &jti, &caller.app.app_id).await?;
        if fresh || (caller.epoch == snapshot.epoch && keys_epoch == snapshot.epoch) {
            break (snapshot, found, caller.app);
        }
        state.cache.observe(snapshot.epoch);
        caller.refresh(&state).await?;
        (keys, keys_epoch) = jwt::keys_for_read(&state).await.map_err(internal)?;
        fresh = true;
    };
    let (access, profile) = found.ok_or_else(invalid_grant_401)?;
    live_access_token(&access, state.clock.at(snapshot.clock))?;
    let profile = profile
        .filter(|user| !user.withdrawn)
        .ok_or_else(invalid_grant_401)?;
    let key = STANDARD
        .decode(&app.pii_key)
        .map_err(|e| internal(e.into()))?;
    let granted: Vec<&str> = access.scopes.split_whitespace().collect();
    let release = |scope: &str, value: Option<&str>| -> Result<Option<String>, AitError> {
        match value {
            Some(value) if granted.contains(&scope) => {
                if app.plaintext_pii {
                    Ok(Some(value.to_owned()))
                } else {
                    login::encrypt_field(&key, &app.aad, value)
                        .map(Some)
                        .ok_or_else(AitError::internal)
                }
            }
            _ => Ok(None),
        }
    };
    let mut me = LoginMe::new(
        access.user_key,
        granted.join(","),
        access
            .agreed_terms
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    );
    me.name = release("user_name", Some(&profile.name))?;
    me.calling_code = release("user_phone", Some(&profile.calling_code))?;
    me.phone = release("user_phone", Some(&profile.phone))?;
    me.birthday = release("user_birthday", Some(&profile.birthday))?;
    me.ci = release("user_ci", Some(&profile.ci))?;
    me.gender = release("user_gender", Some(profile.gender.as_str()))?;
    me.nationality = release("user_nationality", Some(profile.nationality.as_str()))?;
    me.email = release("user_email", profile.email.as_deref())?;
    Ok(AitSuccess(me))
}

/// The `jti` of the `Authorization: Bearer` token if tossd signed it for `app` (401 `invalid_grant`
/// otherwise); whether it is still live is the caller's check.
fn bearer_jti(keys: &JwtKeys, app: &PartnerApp, headers: &HeaderMap) -> Result<String, AitError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(invalid_grant_401)?;
    let (scheme, token) = value.split_once(' ').ok_or_else(invalid_grant_401)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(invalid_grant_401());
    }
    let claims = keys
        .verify_remembered(token.trim())
        .ok_or_else(invalid_grant_401)?;
    if !secrets::secrets_equal(&claims.aud, &app.client_id) {
        return Err(invalid_grant_401());
    }
    Ok(claims.jti)
}

/// userKey로 로그인 연결 끊기 — revokes every code and token of the user for this app; no callback.
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/user/oauth2/access/remove-by-user-key",
    tag = "Apps-in-Toss login",
    request_body = RemoveByUserKeyRequest,
    responses(
        (status = 200, description = "SUCCESS envelope echoing the userKey", body = RemovedUser),
        (status = 400, description = "INVALID_PARAMETER, USER_KEY_NOT_FOUND or USER_NOT_FOUND"),
    )
)]
pub async fn remove_by_user_key(
    State(state): State<AppState>,
    app: PartnerApp,
    AitJson(request): AitJson<RemoveByUserKeyRequest>,
) -> Result<AitSuccess<RemovedUser>, AitError> {
    let user_key = request.user_key;
    let mut tx = state.db.begin().await?;
    if store::lock_link(&state.db, &mut tx, &app.app_id, user_key)
        .await?
        .is_none()
    {
        return Err(AitError::user_key_not_found(StatusCode::BAD_REQUEST));
    }
    // A link without its user counts as a user who left.
    let withdrawn = store::user(&mut *tx, user_key)
        .await?
        .is_none_or(|user| user.withdrawn);
    if withdrawn {
        return Err(AitError::user_not_found(StatusCode::BAD_REQUEST));
    }
    let now = state.clock.now_in(&mut tx).await?;
    store::unlink_pair(&mut tx, &app.app_id, user_key, now).await?;
    tx.commit().await?;
    Ok(AitSuccess(RemovedUser::new(user_key)))
}

/// AccessToken 으로 로그인 연결 끊기 — revokes every code and token of the token's user for this app.
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/user/oauth2/access/remove-by-access-token",
    tag = "Apps-in-Toss login",
    responses(
        (status = 200, description = "SUCCESS envelope with the token owner's userKey", body = RemovedUser),
        (status = 401, description = "{\"error\":\"invalid_grant\"}"),
    ),
    security(("bearer" = []))
)]
pub async fn remove_by_access_token(
    State(state): State<AppState>,
    app: PartnerApp,
    headers: HeaderMap,
) -> Result<AitSuccess<RemovedUser>, AitError> {
    let keys = jwt::keys(&state.db).await.map_err(internal)?;
    let BearerGrant { jti, access } = bearer(&state.db, &keys, &app, &headers).await?;
    let mut tx = state.db.begin().await?;
    store::lock_link(&state.db, &mut tx, &app.app_id, access.user_key)
        .await?
        .ok_or_else(invalid_grant_401)?;
    let now = state.clock.now_in(&mut tx).await?;
    live_access_token(&access, now)?;
    // Of concurrent calls with one token, only the one that revokes it goes on.
    if !store::revoke_access_token(&mut tx, &jti, now).await? {
        return Err(invalid_grant_401());
    }
    store::unlink_pair(&mut tx, &app.app_id, access.user_key, now).await?;
    tx.commit().await?;
    Ok(AitSuccess(RemovedUser::new(access.user_key)))
}
