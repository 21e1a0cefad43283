//! Toss login (`/user/oauth2/…`): exchanging the authorization code `appLogin()` returned for tokens,
//! refreshing them, reading the user (`login-me`) and disconnecting the user from the app.

use serde::{Deserialize, Serialize};

crate::wire_enum! {
    /// A Toss user's gender, the decrypted `gender` of `login-me`.
    pub enum Gender {
        /// Male.
        Male = "MALE",
        /// Female.
        Female = "FEMALE",
    }
}

crate::wire_enum! {
    /// Whether a Toss user is Korean, the decrypted `nationality` of `login-me`.
    pub enum Nationality {
        /// A Korean national.
        Local = "LOCAL",
        /// A foreign national.
        Foreigner = "FOREIGNER",
    }
}

/// The body of `generate-token`: the code and referrer `appLogin()` returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GenerateTokenRequest {
    /// The code `appLogin()` returned (single use, valid for 10 minutes)
    pub authorization_code: String,
    /// The `referrer` returned with that code, unchanged (`DEFAULT`, `SANDBOX`)
    pub referrer: String,
}

impl GenerateTokenRequest {
    /// The request for a code and the referrer returned with it.
    pub fn new(
        authorization_code: impl Into<String>,
        referrer: impl Into<String>,
    ) -> GenerateTokenRequest {
        GenerateTokenRequest {
            authorization_code: authorization_code.into(),
            referrer: referrer.into(),
        }
    }
}

/// The body of `refresh-token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefreshTokenRequest {
    /// A refresh token `generate-token` issued to this app (valid 14 days from the login)
    pub refresh_token: String,
}

impl RefreshTokenRequest {
    /// The request for a refresh token.
    pub fn new(refresh_token: impl Into<String>) -> RefreshTokenRequest {
        RefreshTokenRequest {
            refresh_token: refresh_token.into(),
        }
    }
}

/// The body of `remove-by-user-key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemoveByUserKeyRequest {
    /// The user to disconnect: a positive int64 (Toss also accepts its decimal string)
    #[serde(deserialize_with = "super::user_key::deserialize")]
    pub user_key: i64,
}

impl RemoveByUserKeyRequest {
    /// The request for a user.
    pub fn new(user_key: i64) -> RemoveByUserKeyRequest {
        RemoveByUserKeyRequest { user_key }
    }
}

/// The token pair of `generate-token` and `refresh-token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TokenResponse {
    /// The user's access token (a JWT, valid one hour), sent as `Authorization: Bearer` to `login-me`
    pub access_token: String,
    /// The refresh token; `refresh-token` returns the same one (no rotation)
    pub refresh_token: String,
    /// Granted scopes, space-separated (`user_key user_name …`)
    pub scope: String,
    /// Always `Bearer`
    pub token_type: String,
    /// Seconds the access token lives: 3600
    pub expires_in: i64,
}

impl TokenResponse {
    /// A `Bearer` token pair with its scopes and the access token's lifetime.
    pub fn new(
        access_token: impl Into<String>,
        refresh_token: impl Into<String>,
        scope: impl Into<String>,
        expires_in: i64,
    ) -> TokenResponse {
        TokenResponse {
            access_token: access_token.into(),
            refresh_token: refresh_token.into(),
            scope: scope.into(),
            token_type: "Bearer".to_owned(),
            expires_in,
        }
    }
}

/// The answer of both disconnect endpoints: the disconnected user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemovedUser {
    /// The userKey of the user who was disconnected
    pub user_key: i64,
}

impl RemovedUser {
    /// The answer for a disconnected user.
    pub fn new(user_key: i64) -> RemovedUser {
        RemovedUser { user_key }
    }
}

/// `login-me`: personal fields are AES-256-GCM encrypted (base64 of IV ‖ ciphertext ‖ tag) unless the app
/// returns plaintext, and `null` outside the granted scopes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoginMe {
    /// The user's key in this app
    pub user_key: i64,
    /// Granted scopes, comma-separated
    pub scope: String,
    /// Tags of the app's login terms the user agreed to
    pub agreed_terms: Vec<String>,
    /// Name (encrypted), with `user_name`
    pub name: Option<String>,
    /// Country calling code without `+`, e.g. `82` (encrypted), with `user_phone`
    pub calling_code: Option<String>,
    /// National number without the leading 0 (encrypted), with `user_phone`
    pub phone: Option<String>,
    /// `yyyyMMdd` (encrypted), with `user_birthday`
    pub birthday: Option<String>,
    /// Connecting information (encrypted), with `user_ci`
    pub ci: Option<String>,
    /// Always null
    pub di: Option<String>,
    /// `MALE` or `FEMALE` (encrypted), with `user_gender`
    pub gender: Option<String>,
    /// `LOCAL` or `FOREIGNER` (encrypted), with `user_nationality`
    pub nationality: Option<String>,
    /// Unverified e-mail address (encrypted), with `user_email`; null also when the user has none
    pub email: Option<String>,
}

impl LoginMe {
    /// A profile with `userKey`, `scope` and `agreedTerms` and every personal field `null`; set the
    /// released fields on it.
    pub fn new(user_key: i64, scope: impl Into<String>, agreed_terms: Vec<String>) -> LoginMe {
        LoginMe {
            user_key,
            scope: scope.into(),
            agreed_terms,
            name: None,
            calling_code: None,
            phone: None,
            birthday: None,
            ci: None,
            di: None,
            gender: None,
            nationality: None,
            email: None,
        }
    }
}
