//! Toss points promotions (`/promotion/…`): a one-time key per grant, the grant debited from the
//! promotion's budget, and the grant's result.

use serde::{Deserialize, Serialize};

crate::wire_enum! {
    /// The answer of `execution-result` (a bare string): where a grant is.
    pub enum GrantStatus {
        /// Granted; the points are not credited yet.
        Pending = "PENDING",
        /// The points are credited.
        Success = "SUCCESS",
        /// The grant failed; its amount returned to the budget.
        Failed = "FAILED",
    }
}

/// The answer of `get-key` and of `execute-promotion` (which echoes the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct KeyResponse {
    /// Base64 of 32 random bytes; single use, valid for one hour
    pub key: String,
}

impl KeyResponse {
    /// The answer carrying `key`.
    pub fn new(key: impl Into<String>) -> KeyResponse {
        KeyResponse { key: key.into() }
    }
}

/// The body of `execute-promotion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExecuteRequest {
    /// The promotion's code from the console
    pub promotion_code: String,
    /// A key from get-key for the same user
    pub key: String,
    /// Points to grant, at least 1
    pub amount: i64,
}

impl ExecuteRequest {
    /// Grants `amount` points of the promotion with `key`.
    pub fn new(
        promotion_code: impl Into<String>,
        key: impl Into<String>,
        amount: i64,
    ) -> ExecuteRequest {
        ExecuteRequest {
            promotion_code: promotion_code.into(),
            key: key.into(),
            amount,
        }
    }
}

/// The body of `execution-result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResultRequest {
    /// The promotion's code from the console
    pub promotion_code: String,
    /// The key the grant was executed with
    pub key: String,
}

impl ResultRequest {
    /// The result of the grant made with `key`.
    pub fn new(promotion_code: impl Into<String>, key: impl Into<String>) -> ResultRequest {
        ResultRequest {
            promotion_code: promotion_code.into(),
            key: key.into(),
        }
    }
}
