//! The Toss Payments API (`/v1/…`): BrandPay and the core payment lookup and cancel it relies on.

pub mod auth;
pub mod brandpay;
pub mod codes;
pub mod error;
pub mod payments;

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::TpError;

use crate::server::AppState;

/// A JSON body that fails with `INVALID_REQUEST` (malformed, wrong types, missing fields, > 1 MiB).
pub struct TpJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for TpJson<T> {
    type Rejection = TpError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, TpError> {
        Ok(TpJson(crate::web::read_json(request.into_body()).await?))
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
}
