//! The simulator API (`/sim/v1`): the user's side of Toss and the operator's controls. Its contract is in
//! DESIGN.md; integrators' tests call it.

pub mod app_settings;
pub mod brandpay;
pub mod brandpay_payments;
pub mod brandpay_sdk;
pub mod clock;
pub mod faults;
pub mod fixtures;
pub mod iap;
pub mod identities;
pub mod login;
pub mod messages;
pub mod pages;
pub mod pay;
pub mod payments;
pub mod promotions;
pub mod requests;
pub mod users;
pub mod webhooks;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
use crate::web::{json_response, BodyError};

/// A simulator failure: `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct SimError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl SimError {
    pub fn bad_request(message: impl Into<String>) -> SimError {
        SimError {
            status: StatusCode::BAD_REQUEST,
            code: "INVALID_REQUEST",
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> SimError {
        SimError {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for SimError {
    fn from(e: sqlx::Error) -> SimError {
        tracing::error!(error = %e, "database error");
        SimError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "INTERNAL",
            message: "database error".into(),
        }
    }
}

impl From<anyhow::Error> for SimError {
    fn from(e: anyhow::Error) -> SimError {
        tracing::error!(error = %e, "simulator failure");
        SimError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "INTERNAL",
            message: e.to_string(),
        }
    }
}

impl From<BodyError> for SimError {
    fn from(e: BodyError) -> SimError {
        match e {
            BodyError::TooLarge => SimError::bad_request("the body is larger than 1 MiB"),
            BodyError::Invalid(message) => SimError::bad_request(message),
        }
    }
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            &json!({"error": {"code": self.code, "message": self.message}}),
        )
    }
}

/// The `{"error": {code, message}}` body on every simulator failure in the OpenAPI document, and the
/// failures any simulator operation may answer (a malformed body, path or query; no admin token).
pub fn document_errors(doc: &mut serde_json::Value) {
    let error = crate::web::openapi::component(
        doc,
        "SimError",
        json!({
            "type": "object",
            "required": ["error"],
            "properties": {"error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }},
        }),
    );
    crate::web::openapi::each_operation(doc, "/sim/v1/", |_, _, operation| {
        crate::web::openapi::error_bodies(
            operation,
            &error,
            &[
                ("400", "INVALID_REQUEST: a malformed body or query"),
                (
                    "401",
                    "UNAUTHORIZED: an admin token is configured and was not presented",
                ),
                ("404", "NOT_FOUND: nothing has this identifier"),
                ("500", "INTERNAL"),
            ],
        );
    });
}

/// A JSON body; an empty body counts as `{}` so calls whose fields are all optional can omit it.
pub struct SimJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for SimJson<T> {
    type Rejection = SimError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, SimError> {
        let bytes = axum::body::to_bytes(request.into_body(), crate::web::MAX_BODY_BYTES)
            .await
            .map_err(|_| SimError::from(BodyError::TooLarge))?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        Ok(SimJson(crate::web::parse_json_object(bytes)?))
    }
}

/// Path parameters. Ones that cannot name anything (not UTF-8, holding U+0000, or of the wrong shape)
/// are `404 NOT_FOUND`, as an identifier nothing has.
pub struct SimPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for SimPath<T> {
    type Rejection = SimError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, SimError> {
        crate::web::text_path(parts)
            .await
            .map(SimPath)
            .ok_or_else(|| {
                SimError::not_found(
                    "nothing has this identifier: path parameters are text without NUL",
                )
            })
    }
}

/// A query string; a malformed one (or one holding U+0000) is `400 INVALID_REQUEST`.
pub struct SimQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for SimQuery<T> {
    type Rejection = SimError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, SimError> {
        crate::web::text_query(parts)
            .map(SimQuery)
            .map_err(SimError::bad_request)
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(clock::get_clock))
        .routes(routes!(clock::advance_clock))
        .routes(routes!(clock::reset))
        .routes(routes!(fixtures::load_fixtures))
        .routes(routes!(users::create_user))
        .routes(routes!(users::get_user))
        .routes(routes!(identities::get_app, app_settings::update_app))
        .routes(routes!(identities::get_merchant))
        .routes(routes!(identities::create_app))
        .routes(routes!(identities::create_merchant))
        .routes(routes!(login::login))
        .routes(routes!(login::unlink))
        .routes(routes!(users::update_user))
        .routes(routes!(promotions::create_promotion))
        .routes(routes!(promotions::get_promotion))
        .routes(routes!(promotions::update_promotion))
        .routes(routes!(promotions::fail_grant))
        .routes(routes!(promotions::get_points))
        .routes(routes!(messages::create_template))
        .routes(routes!(messages::get_messages))
        .routes(routes!(pay::approve))
        .routes(routes!(pay::cancel))
        .routes(routes!(pay::set_toss_pay))
        .routes(routes!(iap::create_order))
        .routes(routes!(iap::move_order))
        .routes(routes!(iap::pending_orders))
        .routes(routes!(
            webhooks::put_merchant_webhook,
            webhooks::delete_merchant_webhook
        ))
        .routes(routes!(
            webhooks::put_unlink_callback,
            webhooks::delete_unlink_callback
        ))
        .routes(routes!(webhooks::list_webhooks))
        .routes(routes!(webhooks::get_webhook))
        .routes(routes!(webhooks::redeliver_webhook))
        .routes(routes!(webhooks::create_test_event))
        .routes(routes!(brandpay::register_card))
        .routes(routes!(brandpay::register_account))
        .routes(routes!(brandpay::add_promotion))
        .routes(routes!(brandpay::terms_page))
        .routes(routes!(payments::create_payment))
        .routes(routes!(brandpay_payments::authenticate))
        .routes(routes!(brandpay_payments::set_decline))
        .routes(routes!(brandpay_payments::update_payment_settings))
        .routes(routes!(
            brandpay_sdk::get_redirect_urls,
            brandpay_sdk::put_redirect_urls
        ))
        .routes(routes!(brandpay_sdk::agree))
        .routes(routes!(
            faults::create_fault,
            faults::list_faults,
            faults::clear_faults
        ))
        .routes(routes!(faults::get_fault, faults::delete_fault))
        .routes(routes!(requests::list_requests))
        .routes(routes!(requests::get_request))
}
