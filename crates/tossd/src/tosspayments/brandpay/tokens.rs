//! `POST /v1/brandpay/authorizations/access-token` (REFERENCE.md §2.7.3, §3.5).

use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use utoipa::ToSchema;

use crate::domain::brandpay::{
    self, ACCESS_TOKEN_LIFETIME_SECONDS, CODE_LIFETIME_SECONDS, REFRESH_TOKEN_LIFETIME_SECONDS,
};
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::state::AppState;
use crate::store::Tx;
use crate::tosspayments::auth::Merchant;
use crate::tosspayments::brandpay::{self as bp, ok};
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

/// AccessToken (§2.6.4).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `bearer`
    pub token_type: &'static str,
    /// Seconds: always 2592000
    pub expires_in: i64,
}

/// `customerIdentity` fields; `None` for a field not given.
#[derive(Default)]
struct Identity {
    ci: Option<String>,
    mobile_phone: Option<String>,
    name: Option<String>,
    rrn: Option<String>,
}

impl Identity {
    fn parse(value: Option<&Value>) -> Result<Identity, TpError> {
        let invalid = TpError(&codes::INVALID_REQUEST);
        let object = match value {
            None => return Ok(Identity::default()),
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
        let identity = Identity {
            ci: field("ci")?,
            mobile_phone: field("mobilePhone")?,
            name: field("name")?,
            rrn: field("rrn")?,
        };
        let phone_ok = identity
            .mobile_phone
            .as_deref()
            .is_none_or(|p| p.is_empty() || brandpay::is_valid_mobile_phone(p));
        let rrn_ok = identity
            .rrn
            .as_deref()
            .is_none_or(|r| r.is_empty() || brandpay::is_valid_rrn(r));
        if !phone_ok || !rrn_ok || identity.ci.as_ref().is_some_and(|c| c.len() > 100) {
            return Err(invalid);
        }
        Ok(identity)
    }

    fn is_given(&self) -> bool {
        self.ci.is_some()
            || self.mobile_phone.is_some()
            || self.name.is_some()
            || self.rrn.is_some()
    }

    fn is_complete(&self) -> bool {
        [&self.ci, &self.mobile_phone, &self.name, &self.rrn]
            .iter()
            .all(|f| f.as_deref().is_some_and(|v| !v.is_empty()))
    }
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
    let identity = Identity::parse(request.customer_identity.as_ref())?;

    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let key = crate::store::identity::instance_key(&mut *tx).await?;
    // The customer row is locked first, as in every BrandPay change, so concurrent changes of one customer
    // queue in one order.
    let customer = bp::current_customer(
        &mut tx,
        Some(&state.db),
        merchant.id,
        &merchant.mode,
        &customer_key,
    )
    .await?;
    let (access, refresh) = match grant {
        Grant::AuthorizationCode(code) => {
            let Some(customer) = customer else {
                return Err(TpError(&codes::NOT_FOUND_AUTHORIZATION_CODE));
            };
            // Consuming the code is the conditional update whose row count decides the outcome.
            let consumed = sqlx::query(
                "UPDATE bp_codes SET status = 'USED' \
                 WHERE code_hash = $1 AND customer_id = $2 AND status = 'ISSUED' AND created_at > $3",
            )
            .bind(secrets::hash(&code))
            .bind(customer.id)
            .bind(now.plus_seconds(-CODE_LIFETIME_SECONDS).micros())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if consumed != 1 {
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
            match extend_pair(&mut tx, &key, customer.id, now).await? {
                Some(pair) => pair,
                None => issue_pair(&mut tx, &key, customer.id, now).await?,
            }
        }
        Grant::RefreshToken(refresh_token) => {
            let invalid = TpError(&codes::INVALID_REFRESH_TOKEN);
            let customer = customer.filter(|c| c.status == "ACTIVE").ok_or(invalid)?;
            let replaced = sqlx::query(
                "UPDATE bp_tokens SET revoked = 1 \
                 WHERE refresh_hash = $1 AND customer_id = $2 AND revoked = 0 AND refresh_expires_at > $3",
            )
            .bind(secrets::hash(&refresh_token))
            .bind(customer.id)
            .bind(now.micros())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if replaced != 1 {
                return Err(invalid);
            }
            issue_pair(&mut tx, &key, customer.id, now).await?
        }
    };
    if identity.is_given() {
        let customer_id: i64 = sqlx::query_scalar(
            "SELECT id FROM bp_customers WHERE merchant_id = $1 AND mode = $2 AND customer_key = $3 \
             AND status = 'ACTIVE'",
        )
        .bind(merchant.id)
        .bind(&merchant.mode)
        .bind(&customer_key)
        .fetch_one(&mut *tx)
        .await?;
        store_identity(&mut tx, customer_id, &identity).await?;
    }
    tx.commit().await?;
    Ok(ok(&AccessToken {
        access_token: access,
        refresh_token: refresh,
        token_type: "bearer",
        expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    }))
}

async fn store_identity(
    tx: &mut Tx,
    customer_id: i64,
    identity: &Identity,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE bp_customers SET identity_ci = COALESCE($1, identity_ci), \
         identity_phone = COALESCE($2, identity_phone), identity_name = COALESCE($3, identity_name), \
         identity_rrn = COALESCE($4, identity_rrn), identified = CASE WHEN $5 = 1 THEN 1 ELSE identified END \
         WHERE id = $6",
    )
    .bind(&identity.ci)
    .bind(&identity.mobile_phone)
    .bind(&identity.name)
    .bind(&identity.rrn)
    .bind(i64::from(identity.is_complete()))
    .bind(customer_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A new token pair for the customer (the caller has revoked any previous one).
async fn issue_pair(
    tx: &mut Tx,
    key: &crate::domain::secrets::InstanceKey,
    customer_id: i64,
    now: Instant,
) -> Result<(String, String), sqlx::Error> {
    let access = secrets::random_alnum(48);
    let refresh = secrets::random_alnum(48);
    sqlx::query(
        "INSERT INTO bp_tokens (customer_id, access_hash, access_sealed, access_expires_at, refresh_hash, \
         refresh_sealed, refresh_expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(customer_id)
    .bind(secrets::hash(&access))
    .bind(secrets::seal(key, &access))
    .bind(now.plus_seconds(ACCESS_TOKEN_LIFETIME_SECONDS).micros())
    .bind(secrets::hash(&refresh))
    .bind(secrets::seal(key, &refresh))
    .bind(now.plus_seconds(REFRESH_TOKEN_LIFETIME_SECONDS).micros())
    .bind(now.micros())
    .execute(&mut **tx)
    .await?;
    Ok((access, refresh))
}

/// The customer's live pair with the access token's expiry moved to now + 30 days (also when it had
/// expired); an expired refresh token is replaced by a new one. `None` when the customer holds no pair.
async fn extend_pair(
    tx: &mut Tx,
    key: &crate::domain::secrets::InstanceKey,
    customer_id: i64,
    now: Instant,
) -> Result<Option<(String, String)>, TpError> {
    let row = sqlx::query(
        "SELECT id, access_sealed, refresh_sealed, refresh_expires_at FROM bp_tokens \
         WHERE customer_id = $1 AND revoked = 0",
    )
    .bind(customer_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: i64 = row.get(0);
    let opened = |sealed: String| {
        secrets::open(key, &sealed).ok_or_else(|| {
            tracing::error!("a sealed BrandPay token does not open with the instance key");
            TpError(&codes::COMMON_ERROR)
        })
    };
    let access = opened(row.get(1))?;
    let mut refresh = opened(row.get(2))?;
    sqlx::query("UPDATE bp_tokens SET access_expires_at = $1 WHERE id = $2")
        .bind(now.plus_seconds(ACCESS_TOKEN_LIFETIME_SECONDS).micros())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if now.micros() >= row.get::<i64, _>(3) {
        refresh = secrets::random_alnum(48);
        sqlx::query(
            "UPDATE bp_tokens SET refresh_hash = $1, refresh_sealed = $2, refresh_expires_at = $3 WHERE id = $4",
        )
        .bind(secrets::hash(&refresh))
        .bind(secrets::seal(key, &refresh))
        .bind(now.plus_seconds(REFRESH_TOKEN_LIFETIME_SECONDS).micros())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(Some((access, refresh)))
}
