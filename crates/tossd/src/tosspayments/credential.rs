//! Who is calling, resolved once per Toss Payments request before the idempotency and test-code steps
//! (docs/reference.md §1.6.6: route, credentials, idempotency, test code). This middleware never rejects: a
//! request without valid credentials passes on unmarked and the handler's extractor answers with the
//! documented credential error, so such requests are neither recorded nor given a forced test error.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::merchant::Mode;
use crate::domain::secrets;
use crate::state::AppState;
use crate::tosspayments::auth::{
    customer_by_token, merchant_by_secret_key, parse_basic, BasicCredential, BrandPayCustomer,
    Merchant,
};
use crate::tosspayments::TpError;

/// The routes whose handlers compare the configuration epoch of their own statement with the one their
/// key was resolved at (`tosspayments::payments`), and so may be given a key from the cache
/// (`crate::cache`).
pub const EPOCH_CHECKED_READS: &[&str] =
    &["/v1/payments/{paymentKey}", "/v1/payments/orders/{orderId}"];

/// The API credential of a request: its idempotency space and its mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Identifies the credential in idempotency records (never the secret itself).
    pub scope: String,
    /// Test credentials may force errors with `TossPayments-Test-Code`; live ones may not.
    pub mode: Mode,
}

/// The configuration epoch a read's secret key was resolved at (possibly from the cache): the read checks
/// it against the epoch its own statement returns (`tosspayments::payments`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEpoch(pub i64);

/// Who a valid credential names; the extractors reuse it instead of looking it up again.
#[derive(Debug)]
enum Caller {
    Merchant(Merchant, KeyEpoch),
    Customer(BrandPayCustomer),
}

/// Marks the request with its [`Credential`] and its `Merchant` (secret key) or `BrandPayCustomer`
/// (access token).
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // Only the reads that check the epoch in their own statement may take the key from the
    // configuration cache; every other request asks the database.
    let read = matches!(*request.method(), Method::GET | Method::HEAD)
        && request
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|path| EPOCH_CHECKED_READS.contains(&path.as_str()));
    match identify(&state, request.headers(), read).await {
        Ok(Some((credential, caller))) => {
            request.extensions_mut().insert(credential);
            match caller {
                Caller::Merchant(merchant, epoch) => {
                    request.extensions_mut().insert(merchant);
                    request.extensions_mut().insert(epoch);
                }
                Caller::Customer(customer) => {
                    request.extensions_mut().insert(customer);
                }
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
    read: bool,
) -> Result<Option<(Credential, Caller)>, sqlx::Error> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    if let Some(token) = bearer_token(value) {
        // A customer token's idempotency space is (merchant, mode, customerKey), so a refreshed token
        // keeps the same space (§1.7.1), and its mode decides whether `TossPayments-Test-Code` applies
        // (§1.7.2). A token that is not current passes unmarked; the extractor answers 401.
        return Ok(customer_by_token(state, token)
            .await?
            .map(|(customer, mode)| {
                let credential = Credential {
                    scope: format!(
                        "bearer:{}:{}:{}",
                        customer.merchant_id, customer.mode, customer.customer_key
                    ),
                    mode,
                };
                (credential, Caller::Customer(customer))
            }));
    }
    match parse_basic(Some(value)) {
        BasicCredential::Key(key) => {
            let key_hash = secrets::hash(&key);
            Ok(merchant_by_secret_key(state, &key_hash, read)
                .await?
                .map(|found| {
                    let credential = Credential {
                        scope: format!("basic:{key_hash}"),
                        mode: found.mode,
                    };
                    (
                        credential,
                        Caller::Merchant(found.merchant, KeyEpoch(found.epoch)),
                    )
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
