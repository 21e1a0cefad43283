//! `POST /v1/brandpay/authorizations/access-token` (docs/reference.md §2.7.3, §3.5).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use toss_wire::tosspayments::brandpay::tokens::AccessToken;
use utoipa::ToSchema;

use crate::domain::brandpay::{
    self, CustomerIdentity, CustomerStatus, TokenState, ACCESS_TOKEN_LIFETIME_SECONDS,
    REFRESH_TOKEN_LIFETIME_SECONDS,
};
use crate::domain::secrets::{self, InstanceKey};
use crate::domain::time::Instant;
use crate::state::AppState;
use crate::store::brandpay::{self as store, NewPair};
use crate::store::Tx;
use crate::tosspayments::auth::Merchant;
use crate::tosspayments::brandpay::{self as bp};
use crate::tosspayments::idempotency::Idempotency;
use crate::tosspayments::{codes, TpError, TpJson};

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenRequest {
    #[schema(value_type = String)]
    pub customer_key: Option<Value>,
    /// `AuthorizationCode` or `RefreshToken`
    #[schema(value_type = String)]
    pub grant_type: Option<Value>,
    #[schema(value_type = Option<String>)]
    pub code: Option<Value>,
    #[schema(value_type = Option<String>)]
    pub refresh_token: Option<Value>,
    /// `{ci?, mobilePhone?, name?, rrn?}`
    #[schema(value_type = Option<Object>)]
    pub customer_identity: Option<Value>,
}

/// `customerIdentity` of the body: an object of optional strings of the documented forms.
fn identity(value: Option<&Value>) -> Result<CustomerIdentity, TpError> {
    let invalid = TpError(&codes::INVALID_REQUEST);
    let object = match value {
        None => return Ok(CustomerIdentity::default()),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(invalid),
    };
    let field = |name: &str| -> Result<Option<String>, TpError> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(invalid),
        }
    };
    let identity = CustomerIdentity {
        ci: field("ci")?,
        mobile_phone: field("mobilePhone")?,
        name: field("name")?,
        rrn: field("rrn")?,
    };
    if !identity.is_valid() {
        return Err(invalid);
    }
    Ok(identity)
}

enum Grant {
    AuthorizationCode(String),
    RefreshToken(String),
}

fn non_empty_string(value: Option<&Value>) -> Result<String, TpError> {
    match value {
        Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
        _ => Err(TpError(&codes::INVALID_REQUEST)),
    }
}

/// Issues (or extends) the access token that identifies a customer.
#[utoipa::path(
    post,
    path = "/v1/brandpay/authorizations/access-token",
    tag = "BrandPay",
    request_body = AccessTokenRequest,
    responses(
        (status = 200, body = AccessToken),
        (status = 400, description = "INVALID_REQUEST, INVALID_CUSTOMER_KEY"),
        (status = 401, description = "UNAUTHORIZED_KEY"),
        (status = 403, description = "INVALID_REFRESH_TOKEN"),
        (status = 404, description = "NOT_FOUND_AUTHORIZATION_CODE"),
    ),
    security(("basic" = []))
)]
pub async fn access_token(
    State(state): State<AppState>,
    merchant: Merchant,
    idempotency: Idempotency,
    TpJson(request): TpJson<AccessTokenRequest>,
) -> Result<Response, TpError> {
    let customer_key = bp::customer_key(request.customer_key.as_ref())?;
    let grant = match request.grant_type.as_ref().and_then(Value::as_str) {
        Some("AuthorizationCode") => {
            Grant::AuthorizationCode(non_empty_string(request.code.as_ref())?)
        }
        Some("RefreshToken") => {
            Grant::RefreshToken(non_empty_string(request.refresh_token.as_ref())?)
        }
        _ => return Err(TpError(&codes::INVALID_REQUEST)),
    };
    let identity = identity(request.customer_identity.as_ref())?;

    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let key = crate::store::identity::instance_key(&mut *tx).await?;
    // The customer row is locked first, as in every BrandPay change, so concurrent changes of one customer
    // queue in one order.
    let customer = store::lock_current_customer(
        &mut tx,
        &state.db,
        merchant.id,
        &merchant.mode,
        &customer_key,
    )
    .await?;
    let (customer, access, refresh) = match grant {
        Grant::AuthorizationCode(code) => {
            let Some(customer) = customer else {
                return Err(TpError(&codes::NOT_FOUND_AUTHORIZATION_CODE));
            };
            // Consuming the code is the conditional update whose row count decides the outcome.
            if !store::consume_code(&mut tx, customer.id, &secrets::hash(&code), now).await? {
                return Err(TpError(&codes::NOT_FOUND_AUTHORIZATION_CODE));
            }
            bp::activate(
                &mut tx,
                customer.id,
                merchant.id,
                &merchant.mode,
                &customer_key,
                now,
            )
            .await?;
            let (access, refresh) = match extend_pair(&mut tx, &key, customer.id, now).await? {
                Some(pair) => pair,
                None => issue_pair(&mut tx, &key, customer.id, now).await?,
            };
            (customer, access, refresh)
        }
        Grant::RefreshToken(refresh_token) => {
            let invalid = TpError(&codes::INVALID_REFRESH_TOKEN);
            let customer = customer
                .filter(|c| c.status == CustomerStatus::Active)
                .ok_or(invalid)?;
            let hash = secrets::hash(&refresh_token);
            if !store::revoke_by_refresh(&mut tx, customer.id, &hash, now).await? {
                return Err(invalid);
            }
            let (access, refresh) = issue_pair(&mut tx, &key, customer.id, now).await?;
            (customer, access, refresh)
        }
    };
    if identity.is_given() {
        store::store_identity(&mut tx, customer.id, &identity).await?;
    }
    let mut answer = AccessToken::default();
    answer.access_token = access;
    answer.refresh_token = refresh;
    answer.token_type = "bearer".to_owned();
    answer.expires_in = ACCESS_TOKEN_LIFETIME_SECONDS;
    idempotency.commit(tx, &answer).await
}

/// A new token pair for the customer (the caller has revoked any previous one).
async fn issue_pair(
    tx: &mut Tx,
    key: &InstanceKey,
    customer_id: i64,
    now: Instant,
) -> Result<(String, String), sqlx::Error> {
    let access = secrets::random_alnum(48);
    let refresh = secrets::random_alnum(48);
    let pair = NewPair {
        access_hash: secrets::hash(&access),
        access_sealed: secrets::seal(key, &access),
        access_expires_at: now.plus_seconds(ACCESS_TOKEN_LIFETIME_SECONDS),
        refresh_hash: secrets::hash(&refresh),
        refresh_sealed: secrets::seal(key, &refresh),
        refresh_expires_at: now.plus_seconds(REFRESH_TOKEN_LIFETIME_SECONDS),
    };
    store::insert_pair(tx, customer_id, &pair, now).await?;
    Ok((access, refresh))
}

/// The customer's live pair with the access token's expiry moved to now + 30 days (also when it had
/// expired); an expired refresh token is replaced by a new one. `None` when the customer holds no pair.
async fn extend_pair(
    tx: &mut Tx,
    key: &InstanceKey,
    customer_id: i64,
    now: Instant,
) -> Result<Option<(String, String)>, TpError> {
    let Some(pair) = store::live_pair(tx, customer_id).await? else {
        return Ok(None);
    };
    let opened = |sealed: &str| {
        secrets::open(key, sealed).ok_or_else(|| {
            tracing::error!("a sealed BrandPay token does not open with the instance key");
            TpError(&codes::COMMON_ERROR)
        })
    };
    let access = opened(&pair.access_sealed)?;
    let mut refresh = opened(&pair.refresh_sealed)?;
    store::extend_access(tx, pair.id, now.plus_seconds(ACCESS_TOKEN_LIFETIME_SECONDS)).await?;
    match brandpay::token_state(false, pair.refresh_expires_at, now) {
        TokenState::Current => {}
        TokenState::Expired | TokenState::Revoked => {
            refresh = secrets::random_alnum(48);
            store::replace_refresh(
                tx,
                pair.id,
                &secrets::hash(&refresh),
                &secrets::seal(key, &refresh),
                now.plus_seconds(REFRESH_TOKEN_LIFETIME_SECONDS),
            )
            .await?;
        }
    }
    Ok(Some((access, refresh)))
}
