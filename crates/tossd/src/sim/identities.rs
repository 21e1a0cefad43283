//! Partner apps and merchants with the credentials integrators configure, and what an `appId` or `mId`
//! given to the simulator names (`default` included).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::apps_in_toss::auth::PartnerApp;
use crate::identity::apps::{self, IssuedApp};
use crate::identity::merchants::{self, IssuedMerchant};
use crate::sim::{SimError, SimJson};
use crate::state::AppState;
use crate::store::merchants::Merchant;
use crate::store::{self, Db};

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

/// What names the default app or merchant wherever the simulator takes an `appId` or `mId` (path, body,
/// query string or page address), beside their own ids.
pub const DEFAULT_ID: &str = "default";

/// An id the caller gave, with `default` (and no id at all) meaning the default app or merchant.
fn named(id: Option<&str>) -> Option<&str> {
    id.filter(|id| *id != DEFAULT_ID)
}

/// The app `app_id` names (`default` or none: the default app), if it exists.
pub async fn find_app(db: &Db, app_id: Option<&str>) -> Result<Option<PartnerApp>, sqlx::Error> {
    match named(app_id) {
        Some(id) => store::apps::by_app_id(db, id).await,
        None => store::apps::default_app(db.reader()).await,
    }
}

/// The app `app_id` names (`default` or none: the default app), or 404.
pub async fn app(db: &Db, app_id: Option<&str>) -> Result<PartnerApp, SimError> {
    find_app(db, app_id)
        .await?
        .ok_or_else(|| SimError::not_found(format!("no app {:?}", app_id.unwrap_or(DEFAULT_ID))))
}

/// The merchant `m_id` names (`default` or none: the default merchant), or 404.
pub async fn merchant(db: &Db, m_id: Option<&str>) -> Result<Merchant, SimError> {
    store::merchants::by_mid_or_default(db, named(m_id))
        .await?
        .ok_or_else(|| SimError::not_found(format!("no merchant {:?}", m_id.unwrap_or(DEFAULT_ID))))
}

/// A partner app (`default` names the default app, which every Apps-in-Toss call over plain HTTP is).
#[utoipa::path(get, path = "/sim/v1/apps/{appId}", tag = "Simulator",
    params(("appId" = String, Path, description = "the app's id, or `default`")),
    responses((status = 200, body = AppView), (status = 404, description = "no such app")))]
pub async fn get_app(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
) -> Result<Json<AppView>, SimError> {
    Ok(Json(app(&state.db, Some(&app_id)).await?.into()))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MerchantView {
    pub m_id: String,
    pub name: String,
    pub client_key: String,
    pub secret_key: String,
}

/// A Toss Payments merchant and its test keys (`default` names the default merchant).
#[utoipa::path(get, path = "/sim/v1/merchants/{mId}", tag = "Simulator",
    params(("mId" = String, Path, description = "the merchant's mId, or `default`")),
    responses((status = 200, body = MerchantView), (status = 404, description = "no such merchant")))]
pub async fn get_merchant(
    State(state): State<AppState>,
    Path(m_id): Path<String>,
) -> Result<Json<MerchantView>, SimError> {
    let merchant = merchant(&state.db, Some(&m_id)).await?;
    Ok(Json(merchant_view(&state.db, merchant.id).await?))
}

/// The default merchant with its test keys opened.
pub async fn default_merchant(state: &AppState) -> anyhow::Result<MerchantView> {
    let merchant = store::merchants::default_merchant(state.db.reader())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no default merchant"))?;
    merchant_view(&state.db, merchant.id).await
}

async fn merchant_view(db: &Db, merchant_id: i64) -> anyhow::Result<MerchantView> {
    let keys = store::merchants::test_keys(db, merchant_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the merchant has no test keys"))?;
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
