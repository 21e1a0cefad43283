//! The BrandPay browser SDK tossd serves (docs/front-end.md#brandpay-sdk): the scripts under `/js/`, the
//! merchants' registered redirect URLs, and the terms agreement the SDK window makes on the customer's
//! behalf. The window itself is a page (`src/sim/pages/brandpay_sdk.rs`).

use std::collections::HashSet;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::brandpay::{self, Scope};
use crate::domain::secrets;
use crate::sim::brandpay::{merchant, MerchantQuery, MODE};
use crate::sim::{SimError, SimJson, SimPath};
use crate::state::AppState;
use crate::store::brandpay as store;
use crate::store::brandpay_sdk as urls;
use crate::tosspayments::codes;

/// The v1 BrandPay script: the global `BrandPay(clientKey, customerKey, {redirectUrl})`.
const V1: &str = concat!(
    include_str!("../../assets/js/brandpay-core.js"),
    include_str!("../../assets/js/brandpay-v1.js")
);
/// The v2 standard script: the global `TossPayments(clientKey)` with `.brandpay({customerKey, redirectUrl})`.
const V2: &str = concat!(
    include_str!("../../assets/js/brandpay-core.js"),
    include_str!("../../assets/js/brandpay-v2.js")
);

/// The scripts a merchant's page loads. Public (outside the operator guard): any origin may load them.
pub fn scripts_router() -> Router<AppState> {
    Router::new()
        .route("/js/v1/brandpay", get(|| async { script(V1) }))
        .route("/js/v2/standard", get(|| async { script(V2) }))
}

fn script(body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Short: a tossd upgrade reaches open browsers within minutes, as Toss's unversioned URLs do.
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
}

/// At most this many redirect URLs per merchant.
const MAX_REDIRECT_URLS: usize = 20;

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedirectUrls {
    /// Absolute `http` or `https` URLs (at most 20, each at most 2048 characters); the SDK's
    /// `redirectUrl` must equal one of them exactly
    pub redirect_urls: Vec<String>,
}

/// Checks and deduplicates (keeping the first) the URLs to register.
pub fn checked_redirect_urls(urls: Vec<String>) -> Result<Vec<String>, String> {
    if urls.len() > MAX_REDIRECT_URLS {
        return Err(format!(
            "redirectUrls holds at most {MAX_REDIRECT_URLS} URLs"
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for url in urls {
        let parsed = reqwest::Url::parse(&url).ok();
        let absolute = parsed
            .as_ref()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !absolute || url.len() > 2048 {
            return Err(format!(
                "{url:?} is not an absolute http(s) URL of at most 2048 characters"
            ));
        }
        if seen.insert(url.clone()) {
            out.push(url);
        }
    }
    Ok(out)
}

/// The merchant's registered BrandPay redirect URLs.
#[utoipa::path(get, path = "/sim/v1/merchants/{mId}/brandpay/redirect-urls", tag = "Simulator",
    params(("mId" = String, Path, description = "the merchant's mId, or `default`")),
    responses((status = 200, body = RedirectUrls), (status = 404, description = "no such merchant")))]
pub async fn get_redirect_urls(
    State(state): State<AppState>,
    SimPath(mid): SimPath<String>,
) -> Result<Json<RedirectUrls>, SimError> {
    let merchant = crate::sim::identities::merchant(&state.db, Some(&mid)).await?;
    Ok(Json(RedirectUrls {
        redirect_urls: urls::redirect_urls(&state.db, merchant.id).await?,
    }))
}

/// Replaces the merchant's registered BrandPay redirect URLs (test and live keys share them).
#[utoipa::path(put, path = "/sim/v1/merchants/{mId}/brandpay/redirect-urls", tag = "Simulator",
    params(("mId" = String, Path, description = "the merchant's mId, or `default`")),
    request_body = RedirectUrls,
    responses((status = 200, body = RedirectUrls, description = "the URLs now registered"),
        (status = 400, description = "a URL is not an absolute http(s) URL, or more than 20"),
        (status = 404, description = "no such merchant")))]
pub async fn put_redirect_urls(
    State(state): State<AppState>,
    SimPath(mid): SimPath<String>,
    SimJson(request): SimJson<RedirectUrls>,
) -> Result<Json<RedirectUrls>, SimError> {
    let checked = checked_redirect_urls(request.redirect_urls).map_err(SimError::bad_request)?;
    let merchant = crate::sim::identities::merchant(&state.db, Some(&mid)).await?;
    let now = state.clock.now(&state.db).await?;
    urls::replace_redirect_urls(&state.db, merchant.id, &checked, now).await?;
    Ok(Json(RedirectUrls {
        redirect_urls: checked,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WindowAgreement {
    pub customer_key: String,
    /// `REGISTER` plus at most one of `CARD`, `ACCOUNT`, `BILLING`
    pub scope: Vec<String>,
    /// The terms the customer ticked
    pub terms_id: Vec<i64>,
    /// The merchant (absent or `default`: the default merchant)
    #[serde(rename = "mId")]
    pub m_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WindowCode {
    /// The authorization code the SDK hands to the merchant's redirectUrl
    pub code: String,
}

/// The customer agrees to BrandPay's terms in the SDK window (test mode): as `POST
/// /v1/brandpay/terms/agree`, the required terms of the scopes must all be agreed, and a code is issued.
#[utoipa::path(post, path = "/sim/v1/brandpay/sdk/agreements", tag = "Simulator", operation_id = "sim_brandpay_sdk_agree",
    request_body = WindowAgreement,
    responses((status = 200, body = WindowCode),
        (status = 400, description = "INVALID_CUSTOMER_KEY, INVALID_REQUEST, NEED_AGREEMENT_WITH_TERMS"),
        (status = 404, description = "no such merchant")))]
pub async fn agree(
    State(state): State<AppState>,
    SimJson(request): SimJson<WindowAgreement>,
) -> Result<Json<WindowCode>, SimError> {
    if !brandpay::is_valid_customer_key(&request.customer_key) {
        return Err(crate::sim::brandpay_payments::fail(
            &codes::INVALID_CUSTOMER_KEY,
        ));
    }
    let mut scopes = Vec::new();
    for scope in &request.scope {
        let scope: Scope = scope
            .parse()
            .map_err(|_| SimError::bad_request("scope holds REGISTER, CARD, ACCOUNT or BILLING"))?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    // As `terms/agree`: the sign-up item and at most one payment-method item.
    if scopes.is_empty() || scopes.iter().filter(|s| **s != Scope::Register).count() > 1 {
        return Err(SimError::bad_request(
            "scope holds REGISTER and at most one of CARD, ACCOUNT, BILLING",
        ));
    }
    let query = MerchantQuery {
        m_id: request.m_id.clone(),
    };
    let (merchant_id, _) = merchant(&state, &query).await?;
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let catalogue = store::terms_of(&mut tx, &scopes).await?;
    if request
        .terms_id
        .iter()
        .any(|id| !catalogue.iter().any(|t| t.id == *id))
    {
        return Err(SimError::bad_request("termsId names terms outside scope"));
    }
    let existing =
        store::lock_current_customer(&mut tx, &state.db, merchant_id, MODE, &request.customer_key)
            .await?;
    let mut agreed: HashSet<i64> = request.terms_id.iter().copied().collect();
    if let Some(customer) = &existing {
        agreed.extend(store::agreed_terms(&mut tx, customer.id).await?);
    }
    let refused = catalogue
        .iter()
        .any(|t| t.required && !agreed.contains(&t.id));
    if refused || (existing.is_none() && !scopes.contains(&Scope::Register)) {
        return Err(crate::sim::brandpay_payments::fail(
            &codes::NEED_AGREEMENT_WITH_TERMS,
        ));
    }
    let customer = match existing {
        Some(customer) => customer,
        None => {
            store::sign_up(
                &mut tx,
                &state.db,
                merchant_id,
                MODE,
                &request.customer_key,
                now,
            )
            .await?
        }
    };
    store::record_agreements(&mut tx, customer.id, &request.terms_id, now).await?;
    let code = secrets::random_alnum(24);
    store::issue_code(&mut tx, customer.id, &secrets::hash(&code), now).await?;
    tx.commit().await?;
    Ok(Json(WindowCode { code }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls_must_be_absolute_http() {
        let ok = checked_redirect_urls(vec![
            "https://shop.example/bp/callback".into(),
            "http://127.0.0.1:3000/cb?x=1".into(),
            "https://shop.example/bp/callback".into(),
        ]);
        assert_eq!(
            ok,
            Ok(vec![
                "https://shop.example/bp/callback".to_owned(),
                "http://127.0.0.1:3000/cb?x=1".to_owned()
            ])
        );
        for bad in [
            "/relative",
            "ftp://shop.example/",
            "javascript:alert(1)",
            "",
        ] {
            assert!(checked_redirect_urls(vec![bad.into()]).is_err(), "{bad}");
        }
        assert!(checked_redirect_urls(vec!["https://a.example/".into(); 21]).is_err());
    }
}
