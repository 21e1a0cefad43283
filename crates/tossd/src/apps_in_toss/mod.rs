//! The Apps-in-Toss partner API (`/api-partner/v1/apps-in-toss/…`): Toss login, promotions, Toss Pay,
//! in-app purchase order status and smart messages.

pub mod auth;
pub mod caller;
pub mod error;
pub mod iap;
pub mod login;
pub mod messenger;
pub mod pay;
pub mod promotions;
pub mod rate_limit;
pub mod test_code;

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub use error::{AitError, AitSuccess};

/// Path prefix of every Apps-in-Toss endpoint.
pub const PREFIX: &str = "/api-partner/v1/apps-in-toss";

/// A JSON body that fails with `INVALID_PARAMETER` (malformed, wrong types, missing fields, > 1 MiB).
pub struct AitJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AitJson<T> {
    type Rejection = AitError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, AitError> {
        Ok(AitJson(crate::web::read_json(request.into_body()).await?))
    }
}

/// Every Apps-in-Toss endpoint; each area adds its handlers here.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login::generate_token))
        .routes(routes!(login::refresh_token))
        .routes(routes!(login::remove_by_user_key))
        .routes(routes!(login::remove_by_access_token))
        .routes(routes!(login::login_me))
        .routes(routes!(promotions::get_key))
        .routes(routes!(promotions::execute_promotion))
        .routes(routes!(promotions::execution_result))
        .routes(routes!(messenger::send_message))
        .routes(routes!(messenger::send_test_message))
        .routes(routes!(messenger::send_bulk_message))
        .routes(routes!(pay::make_payment))
        .routes(routes!(pay::execute_payment))
        .routes(routes!(pay::refund_payment))
        .routes(routes!(pay::get_payment_status))
        .routes(routes!(iap::get_order_status))
}

/// Routes of the Apps-in-Toss family outside the OpenAPI document: the login tokens' public keys.
pub fn plain_router() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(login::jwt::jwks),
    )
}
