//! The Toss Payments API (`/v1/…`): BrandPay and the core payment lookup and cancel it relies on. The
//! Payment object and its rules are in `domain::payment`, its storage in `store::payments`.

pub mod auth;
pub mod brandpay;
pub use toss_wire::tosspayments::codes;
pub mod credential;
pub mod error;
pub mod idempotency;
pub mod payment;
pub mod payments;
pub mod test_code;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::{middleware, Router};
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::TpError;

use crate::state::AppState;

/// A JSON body that fails with `INVALID_REQUEST` (malformed, wrong types, missing fields, > 1 MiB).
pub struct TpJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for TpJson<T> {
    type Rejection = TpError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, TpError> {
        Ok(TpJson(crate::web::read_json(request.into_body()).await?))
    }
}

/// A payment's identifier in the path (`paymentKey`, `orderId`). One that cannot exist — not UTF-8 once
/// percent-decoded, or holding U+0000, which PostgreSQL text cannot store — is `NOT_FOUND_PAYMENT` like
/// any other unknown payment (docs/reference.md §2.12: an impossible identifier is simply not found).
pub struct PaymentPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PaymentPath {
    type Rejection = TpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, TpError> {
        crate::web::text_path(parts)
            .await
            .map(PaymentPath)
            .ok_or(TpError(&codes::NOT_FOUND_PAYMENT))
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(payments::get_by_payment_key))
        .routes(routes!(payments::get_by_order_id))
        .routes(routes!(brandpay::terms::get_terms))
        .routes(routes!(brandpay::terms::agree))
        .routes(routes!(brandpay::tokens::access_token))
        .routes(routes!(brandpay::methods::methods_by_token))
        .routes(routes!(brandpay::methods::methods_by_customer_key))
        .routes(routes!(brandpay::methods::remove_card))
        .routes(routes!(brandpay::methods::remove_account))
        .routes(routes!(brandpay::customers::remove_customer))
        .routes(routes!(brandpay::promotions::card_promotions))
        .routes(routes!(brandpay::promotions::bank_promotions))
        .routes(routes!(payments::cancel))
        .routes(routes!(brandpay::payments::confirm))
        .routes(routes!(brandpay::payments::auto_pay))
}

/// The family's middleware, in the order of docs/reference.md §1.6.6 (outermost first): credentials,
/// `Idempotency-Key`, then the language of errors and `TossPayments-Test-Code`. Idempotency sits outside
/// the language step so a replay repeats the first response's bytes, in the first caller's language.
pub fn layered(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    router
        .route_layer(middleware::from_fn(test_code::middleware))
        .layer(middleware::from_fn(error::localize))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::middleware,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            credential::resolve,
        ))
}
