//! `POST /v1/brandpay/authorizations/access-token`: the access token that identifies a customer.

use serde::{Deserialize, Serialize};

crate::wire_enum! {
    /// `grantType` of the access-token request.
    pub enum GrantType {
        /// Exchanges an authorization code (from the terms agreement or the window's redirect).
        AuthorizationCode = "AuthorizationCode",
        /// Replaces the token pair with a refresh token.
        RefreshToken = "RefreshToken",
    }
}

/// `POST /v1/brandpay/authorizations/access-token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccessTokenRequest {
    /// The merchant's id of the customer.
    pub customer_key: String,
    /// Which credential is exchanged.
    pub grant_type: GrantType,
    /// The authorization code, for `AuthorizationCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The refresh token, for `RefreshToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Customer data the merchant holds, which pre-fills identity verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_identity: Option<CustomerIdentity>,
}

impl AccessTokenRequest {
    /// Exchanges the authorization `code` of `customer_key`.
    pub fn authorization_code(
        customer_key: impl Into<String>,
        code: impl Into<String>,
    ) -> AccessTokenRequest {
        AccessTokenRequest {
            customer_key: customer_key.into(),
            grant_type: GrantType::AuthorizationCode,
            code: Some(code.into()),
            refresh_token: None,
            customer_identity: None,
        }
    }

    /// Replaces the token pair of `customer_key` with its `refresh_token`.
    pub fn refresh_token(
        customer_key: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> AccessTokenRequest {
        AccessTokenRequest {
            customer_key: customer_key.into(),
            grant_type: GrantType::RefreshToken,
            code: None,
            refresh_token: Some(refresh_token.into()),
            customer_identity: None,
        }
    }

    /// Customer data the merchant holds; all four fields mark the customer identified.
    pub fn customer_identity(mut self, identity: CustomerIdentity) -> AccessTokenRequest {
        self.customer_identity = Some(identity);
        self
    }
}

/// `customerIdentity`: customer data the merchant holds, compared with identity verification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerIdentity {
    /// The customer's CI (connecting information).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<String>,
    /// The customer's mobile phone number, digits only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    /// The customer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The first 7 digits of the resident registration number (birth date and gender digit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrn: Option<String>,
}

impl CustomerIdentity {
    /// No data yet; add fields with the setters.
    pub fn new() -> CustomerIdentity {
        CustomerIdentity::default()
    }

    /// The CI.
    pub fn ci(mut self, ci: impl Into<String>) -> CustomerIdentity {
        self.ci = Some(ci.into());
        self
    }

    /// The mobile phone number, digits only.
    pub fn mobile_phone(mut self, phone: impl Into<String>) -> CustomerIdentity {
        self.mobile_phone = Some(phone.into());
        self
    }

    /// The name.
    pub fn name(mut self, name: impl Into<String>) -> CustomerIdentity {
        self.name = Some(name.into());
        self
    }

    /// The first 7 digits of the resident registration number.
    pub fn rrn(mut self, rrn: impl Into<String>) -> CustomerIdentity {
        self.rrn = Some(rrn.into());
        self
    }
}

/// A customer's token pair.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccessToken {
    /// The customer's access token, sent as `Authorization: Bearer` by the customer-token calls.
    pub access_token: String,
    /// The token that replaces the pair (`RefreshToken` grant).
    pub refresh_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds until the access token expires (2592000, 30 days).
    pub expires_in: i64,
}
