//! The default partner app and merchant, with the credentials integrators configure.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::apps_in_toss::auth::PartnerApp;
use crate::identity::apps::{self, IssuedApp};
use crate::identity::merchants::{self, IssuedMerchant};
use crate::sim::{SimError, SimJson};
use crate::state::AppState;
use crate::store;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    pub app_id: String,
    pub name: String,
    /// The JWT `aud` of this app's access tokens
    pub client_id: String,
    /// Base64 AES-256 key that decrypts login-me's personal fields
    pub decryption_key: String,
    /// Additional authenticated data of that encryption
    pub aad: String,
    pub plaintext_pii: bool,
    pub rate_limit_per_minute: i64,
}

impl From<PartnerApp> for AppView {
    fn from(app: PartnerApp) -> AppView {
        AppView {
            app_id: app.app_id,
            name: app.name,
            client_id: app.client_id,
            decryption_key: app.pii_key,
            aad: app.aad,
            plaintext_pii: app.plaintext_pii,
            rate_limit_per_minute: app.rate_limit_per_minute,
        }
    }
}

/// The default partner app (every Apps-in-Toss call over plain HTTP is this app's).
#[utoipa::path(get, path = "/sim/v1/apps/default", tag = "Simulator", responses((status = 200, body = AppView)))]
pub async fn get_default_app(State(state): State<AppState>) -> Result<Json<AppView>, SimError> {
    let app = crate::store::apps::default_app(state.db.reader())
        .await?
        .ok_or_else(|| SimError::not_found("no default app"))?;
    Ok(Json(app.into()))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MerchantView {
    pub m_id: String,
    pub name: String,
    pub client_key: String,
    pub secret_key: String,
}

/// The default Toss Payments merchant and its test keys.
#[utoipa::path(get, path = "/sim/v1/merchants/default", tag = "Simulator",
    responses((status = 200, body = MerchantView)))]
pub async fn get_default_merchant(
    State(state): State<AppState>,
) -> Result<Json<MerchantView>, SimError> {
    Ok(Json(default_merchant(&state).await?))
}

/// The default merchant with its test keys opened.
pub async fn default_merchant(state: &AppState) -> anyhow::Result<MerchantView> {
    let keys = store::merchants::default_test_keys(&state.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no default merchant"))?;
    Ok(MerchantView {
        m_id: keys.merchant.mid,
        name: keys.merchant.name,
        client_key: keys.client_key,
        secret_key: keys.secret_key,
    })
}

#[derive(Deserialize, ToSchema)]
pub struct CreateNamed {
    /// A name for people (1–50 characters)
    pub name: String,
}

/// A new partner app with its mTLS client certificate (use it with `tossd serve --tls`).
#[utoipa::path(post, path = "/sim/v1/apps", tag = "Simulator", request_body = CreateNamed,
    responses((status = 201, body = IssuedApp), (status = 400, description = "name missing or too long")))]
pub async fn create_app(
    State(state): State<AppState>,
    SimJson(request): SimJson<CreateNamed>,
) -> Result<(StatusCode, Json<IssuedApp>), SimError> {
    if !apps::valid_name(&request.name) {
        return Err(SimError::bad_request("name must be 1–50 characters"));
    }
    let now = state.clock.now(&state.db).await?;
    let app = apps::create_app(&state.db, &state.authority, &request.name, now).await?;
    Ok((StatusCode::CREATED, Json(app)))
}

/// A new merchant with its own test keys.
#[utoipa::path(post, path = "/sim/v1/merchants", tag = "Simulator", request_body = CreateNamed,
    responses((status = 201, body = IssuedMerchant), (status = 400, description = "name missing or too long")))]
pub async fn create_merchant(
    State(state): State<AppState>,
    SimJson(request): SimJson<CreateNamed>,
) -> Result<(StatusCode, Json<IssuedMerchant>), SimError> {
    if !apps::valid_name(&request.name) {
        return Err(SimError::bad_request("name must be 1–50 characters"));
    }
    let now = state.clock.now(&state.db).await?;
    Ok((
        StatusCode::CREATED,
        Json(merchants::create_merchant(&state.db, &request.name, now).await?),
    ))
}
