//! `POST /v1/brandpay/customers/remove`: the customer the access token identifies withdraws.

use serde::{Deserialize, Serialize};

/// The answer of a withdrawal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemoveCustomerResponse {
    /// The customer who withdrew.
    pub customer_key: String,
    /// Whether the withdrawal succeeded.
    pub success: bool,
}

impl RemoveCustomerResponse {
    /// A successful withdrawal of `customer_key`.
    pub fn new(customer_key: impl Into<String>) -> RemoveCustomerResponse {
        RemoveCustomerResponse {
            customer_key: customer_key.into(),
            success: true,
        }
    }
}
