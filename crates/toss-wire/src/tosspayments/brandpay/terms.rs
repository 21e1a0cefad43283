//! `GET /v1/brandpay/terms` (the terms of the requested scopes and whether the customer agreed to each)
//! and `POST /v1/brandpay/terms/agree` (the customer agrees; a temporary authorization code comes back).

use serde::{Deserialize, Serialize};

use super::Scope;

/// One BrandPay terms entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Terms {
    /// The terms' id, what `termsId` of the agreement lists.
    pub id: i64,
    /// The terms' title.
    pub title: String,
    /// The terms' version.
    pub version: String,
    /// Where the terms' text is.
    pub url: String,
    /// Whether the customer must agree to use BrandPay.
    pub required: bool,
    /// Whether this customer has agreed.
    pub agreed: bool,
}

/// `POST /v1/brandpay/terms/agree`: the customer agrees to `termsId` of the scopes `scope`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgreeRequest {
    /// The merchant's id of the customer (2–50 of `A–Z a–z 0–9 - _ = . @`).
    pub customer_key: String,
    /// The scopes agreed to: at most one sign-up item (`REGISTER`) and one method item.
    pub scope: Vec<Scope>,
    /// The ids of the terms agreed to now (from the terms lookup).
    #[serde(default)]
    pub terms_id: Vec<i64>,
}

impl AgreeRequest {
    /// The customer agrees to `terms_id` of `scope`.
    pub fn new(
        customer_key: impl Into<String>,
        scope: impl IntoIterator<Item = Scope>,
        terms_id: impl IntoIterator<Item = i64>,
    ) -> AgreeRequest {
        AgreeRequest {
            customer_key: customer_key.into(),
            scope: scope.into_iter().collect(),
            terms_id: terms_id.into_iter().collect(),
        }
    }
}

/// The answer of the agreement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct AgreeResponse {
    /// A temporary authorization code (valid 10 minutes, single use) for the `AuthorizationCode` grant.
    pub code: String,
}

impl AgreeResponse {
    /// The answer carrying `code`.
    pub fn new(code: impl Into<String>) -> AgreeResponse {
        AgreeResponse { code: code.into() }
    }
}
