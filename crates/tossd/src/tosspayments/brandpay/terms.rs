//! `GET /v1/brandpay/terms` and `POST /v1/brandpay/terms/agree` (docs/reference.md §2.7.1, §2.7.2).

use std::collections::HashSet;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use toss_wire::tosspayments::brandpay::terms::{AgreeResponse, Terms};
use utoipa::ToSchema;

use crate::domain::brandpay::{self, Scope};
use crate::domain::secrets;
use crate::state::AppState;
use crate::store::brandpay as store;
use crate::tosspayments::auth::Merchant;
use crate::tosspayments::brandpay::{self as bp, catalogue, ok};
use crate::tosspayments::idempotency::Idempotency;
use crate::tosspayments::{codes, TpError, TpJson};

/// `scope` of the lookup: repeated parameters or comma-separated values; empty segments are ignored.
fn query_scopes<'a>(values: impl Iterator<Item = &'a str>) -> Result<Vec<Scope>, TpError> {
    let parts: Vec<&str> = values
        .flat_map(|v| v.split(','))
        .filter(|v| !v.is_empty())
        .collect();
    brandpay::validate_scopes(parts).ok_or(TpError(&codes::INVALID_REQUEST))
}

/// BrandPay terms of the requested scopes and whether the customer agreed to each.
#[utoipa::path(
    get,
    path = "/v1/brandpay/terms",
    tag = "BrandPay",
    params(
        ("customerKey" = String, Query, description = "2–50 of A–Z a–z 0–9 - _ = . @"),
        ("scope" = String, Query, description = "REGISTER, CARD, ACCOUNT, BILLING: repeated or comma-separated"),
    ),
    responses(
        (status = 200, body = [Terms]),
        (status = 400, description = "INVALID_CUSTOMER_KEY, INVALID_REQUEST"),
        (status = 401, description = "UNAUTHORIZED_KEY"),
    ),
    security(("basic" = []))
)]
pub async fn get_terms(
    State(state): State<AppState>,
    merchant: Merchant,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, TpError> {
    let Query(pairs) = query.map_err(|_| TpError(&codes::INVALID_REQUEST))?;
    let key = pairs
        .iter()
        .find(|(name, _)| name == "customerKey")
        .map(|(_, v)| Value::String(v.clone()));
    let customer_key = bp::customer_key(key.as_ref())?;
    let scopes = query_scopes(
        pairs
            .iter()
            .filter(|(name, _)| name == "scope")
            .map(|(_, v)| v.as_str()),
    )?;
    let mut conn = state.db.reader().acquire().await?;
    let agreed: HashSet<i64> =
        match store::current_customer(&mut conn, merchant.id, &merchant.mode, &customer_key).await?
        {
            Some(customer) => store::agreed_terms(&mut conn, customer.id)
                .await?
                .into_iter()
                .collect(),
            None => HashSet::new(),
        };
    let terms = store::terms_of(&mut conn, &scopes).await?;
    let terms: Vec<Terms> = terms
        .into_iter()
        .map(|t| {
            let mut terms = Terms::default();
            terms.agreed = agreed.contains(&t.id);
            terms.url = catalogue::terms_url(&state.settings.public_url, &t.url);
            terms.id = t.id;
            terms.title = t.title;
            terms.version = t.version;
            terms.required = t.required;
            terms
        })
        .collect();
    Ok(ok(&terms))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgreeRequest {
    #[schema(value_type = String)]
    pub customer_key: Option<Value>,
    /// Array of REGISTER, CARD, ACCOUNT, BILLING (a single string is also accepted)
    #[schema(value_type = Vec<String>)]
    pub scope: Option<Value>,
    #[schema(value_type = Option<Vec<i64>>)]
    pub terms_id: Option<Value>,
}

fn body_scopes(value: Option<&Value>) -> Result<Vec<Scope>, TpError> {
    let invalid = TpError(&codes::INVALID_REQUEST);
    match value {
        Some(Value::String(one)) => brandpay::validate_scopes([one.as_str()]).ok_or(invalid),
        Some(Value::Array(items)) => {
            let texts = items
                .iter()
                .map(Value::as_str)
                .collect::<Option<Vec<_>>>()
                .ok_or(invalid)?;
            brandpay::validate_scopes(texts).ok_or(invalid)
        }
        _ => Err(invalid),
    }
}

fn terms_ids(value: Option<&Value>) -> Result<Vec<i64>, TpError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(Value::as_i64)
            .collect::<Option<Vec<_>>>()
            .ok_or(TpError(&codes::INVALID_REQUEST)),
        Some(_) => Err(TpError(&codes::INVALID_REQUEST)),
    }
}

/// Records the customer's agreement and issues a temporary authorization code.
#[utoipa::path(
    post,
    path = "/v1/brandpay/terms/agree",
    tag = "BrandPay",
    request_body = AgreeRequest,
    responses(
        (status = 200, body = AgreeResponse),
        (status = 400, description = "INVALID_REQUEST, INVALID_CUSTOMER_KEY, NEED_AGREEMENT_WITH_TERMS"),
        (status = 401, description = "UNAUTHORIZED_KEY"),
    ),
    security(("basic" = []))
)]
pub async fn agree(
    State(state): State<AppState>,
    merchant: Merchant,
    idempotency: Idempotency,
    TpJson(request): TpJson<AgreeRequest>,
) -> Result<Response, TpError> {
    let customer_key = bp::customer_key(request.customer_key.as_ref())?;
    let scopes = body_scopes(request.scope.as_ref())?;
    let ids = terms_ids(request.terms_id.as_ref())?;

    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let catalogue = store::terms_of(&mut tx, &scopes).await?;
    if ids.iter().any(|id| !catalogue.iter().any(|t| t.id == *id)) {
        return Err(TpError(&codes::INVALID_REQUEST));
    }
    let existing = store::lock_current_customer(
        &mut tx,
        &state.db,
        merchant.id,
        &merchant.mode,
        &customer_key,
    )
    .await?;
    let mut agreed: HashSet<i64> = ids.iter().copied().collect();
    if let Some(customer) = &existing {
        agreed.extend(store::agreed_terms(&mut tx, customer.id).await?);
    } else if !scopes.contains(&Scope::Register) {
        // Sign-up terms come first for a new customer.
        return Err(TpError(&codes::NEED_AGREEMENT_WITH_TERMS));
    }
    if catalogue
        .iter()
        .any(|t| t.required && !agreed.contains(&t.id))
    {
        return Err(TpError(&codes::NEED_AGREEMENT_WITH_TERMS));
    }
    let customer = match existing {
        Some(customer) => customer,
        None => {
            store::sign_up(
                &mut tx,
                &state.db,
                merchant.id,
                &merchant.mode,
                &customer_key,
                now,
            )
            .await?
        }
    };
    store::record_agreements(&mut tx, customer.id, &ids, now).await?;
    let code = secrets::random_alnum(24);
    store::issue_code(&mut tx, customer.id, &secrets::hash(&code), now).await?;
    idempotency.commit(tx, &AgreeResponse::new(code)).await
}
