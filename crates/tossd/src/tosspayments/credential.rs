//! Who is calling, resolved once per Toss Payments request before the idempotency and test-code steps
//! (REFERENCE.md §1.6.6: route, credentials, idempotency, test code). This middleware never rejects: a
//! request without valid credentials passes on unmarked and the handler's extractor answers with the
//! documented credential error, so such requests are neither recorded nor given a forced test error.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::secrets;
use crate::server::AppState;
use crate::tosspayments::auth::{merchant_by_secret_key, parse_basic, BasicCredential, Merchant};
use crate::tosspayments::TpError;

/// The API credential of a request: its idempotency space and its mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Identifies the credential in idempotency records (never the secret itself).
    pub scope: String,
    /// `Some(true)` for test keys, `Some(false)` for live keys, `None` while unknown.
    pub test_mode: Option<bool>,
}

/// Marks the request with its [`Credential`] (and, for a valid secret key, its `Merchant`).
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match identify(&state, request.headers()).await {
        Ok(Some((credential, merchant))) => {
            request.extensions_mut().insert(credential);
            if let Some(merchant) = merchant {
                request.extensions_mut().insert(merchant);
            }
        }
        Ok(None) => {}
        Err(e) => return TpError::from(e).into_response(),
    }
    next.run(request).await
}

async fn identify(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(Credential, Option<Merchant>)>, sqlx::Error> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    if let Some(token) = bearer_token(value) {
        // Interim until BrandPay customer tokens exist: the token's hash is its idempotency space and its
        // mode is unknown. The customers area replaces this with the token's (merchant, mode,
        // customerKey), so a refreshed token keeps the same space (§1.7.1).
        let credential = Credential {
            scope: format!("bearer:{}", secrets::hash(token)),
            test_mode: None,
        };
        return Ok(Some((credential, None)));
    }
    match parse_basic(Some(value)) {
        BasicCredential::Key(key) => {
            Ok(merchant_by_secret_key(state, &key).await?.map(|merchant| {
                let credential = Credential {
                    scope: format!("basic:{}", secrets::hash(&key)),
                    test_mode: Some(merchant.mode == "test"),
                };
                (credential, Some(merchant))
            }))
        }
        BasicCredential::Missing | BasicCredential::Malformed => Ok(None),
    }
}

fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_values_are_recognised() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Basic abc"), None);
    }
}
