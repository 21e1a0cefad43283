//! Operator access to the simulator, dashboard and metrics: open on loopback, otherwise (or whenever an
//! admin token is configured) `Authorization: Bearer <admin token>`, compared in constant time.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::domain::secrets::secrets_equal;
use crate::web::json_response;

/// Who may use the operator endpoints.
#[derive(Clone)]
pub struct OperatorAccess {
    pub admin_token: Option<std::sync::Arc<str>>,
    /// Set when an admin token is configured (always, off loopback).
    pub token_required: bool,
}

pub async fn guard(State(access): State<OperatorAccess>, request: Request, next: Next) -> Response {
    if !access.token_required {
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let allowed = match (presented, access.admin_token.as_deref()) {
        (Some(given), Some(expected)) => secrets_equal(given, expected),
        _ => false,
    };
    if allowed {
        next.run(request).await
    } else {
        let mut response = json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"error": {"code": "UNAUTHORIZED", "message": "operator endpoints need Authorization: Bearer <admin token>"}}),
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        response
    }
}
