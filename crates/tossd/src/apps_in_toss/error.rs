//! The Apps-in-Toss error envelopes (docs/reference.md §1.4).

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};
use toss_wire::apps_in_toss::{Envelope, ErrorCode, Fail, OAuthError};
use toss_wire::Open;

use crate::web::{json_response, openapi, BodyError};

/// Every way an Apps-in-Toss call fails.
#[derive(Debug)]
pub enum AitError {
    /// `{"resultType":"FAIL","success":null,"error":{…}}`.
    Fail {
        status: StatusCode,
        code: Cow<'static, str>,
        reason: &'static str,
        data: Value,
    },
    /// The bare OAuth body `{"error":"invalid_grant"}` of the login endpoints.
    InvalidGrant(StatusCode),
}

pub const REASON_INVALID_PARAMETER: &str = "요청에 실패했습니다.";

impl AitError {
    pub fn fail(status: StatusCode, code: &'static str, reason: &'static str) -> AitError {
        AitError::Fail {
            status,
            code: Cow::Borrowed(code),
            reason,
            data: json!({}),
        }
    }

    /// Bad input: 400 `INVALID_PARAMETER`.
    pub fn invalid_parameter() -> AitError {
        AitError::fail(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER",
            REASON_INVALID_PARAMETER,
        )
    }

    /// Unknown API path or method: 404 `NOT_FOUND`.
    pub fn unknown_api() -> AitError {
        AitError::fail(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "요청한 API를 찾을 수 없어요.",
        )
    }

    pub fn internal() -> AitError {
        AitError::fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "요청을 처리하는 도중에 문제가 발생했습니다.",
        )
    }

    /// The request body did not arrive within `--body-timeout`: 408 `REQUEST_TIMEOUT`.
    pub fn request_timeout() -> AitError {
        AitError::fail(
            StatusCode::REQUEST_TIMEOUT,
            "REQUEST_TIMEOUT",
            "요청 시간이 초과되었어요.",
        )
    }

    /// The `x-toss-user-key` is missing, malformed or unknown to the app (401 or 400 by endpoint).
    pub fn user_key_not_found(status: StatusCode) -> AitError {
        AitError::fail(status, "USER_KEY_NOT_FOUND", "유저 키를 찾을 수 없어요.")
    }

    /// The user left Toss (401 or 400 by endpoint).
    pub fn user_not_found(status: StatusCode) -> AitError {
        AitError::fail(status, "USER_NOT_FOUND", "토스 유저 정보를 찾을 수 없어요.")
    }
}

impl From<sqlx::Error> for AitError {
    fn from(e: sqlx::Error) -> AitError {
        tracing::error!(error = %e, "database error");
        AitError::internal()
    }
}

impl From<BodyError> for AitError {
    fn from(_: BodyError) -> AitError {
        AitError::invalid_parameter()
    }
}

impl IntoResponse for AitError {
    fn into_response(self) -> Response {
        match self {
            AitError::Fail {
                status,
                code,
                reason,
                data,
            } => {
                let code: Open<ErrorCode> = code.parse().unwrap_or_else(|never| match never {});
                let fail = Fail::new(code, reason).with_data(data);
                json_response(status, &Envelope::<()>::fail(fail))
            }
            AitError::InvalidGrant(status) => json_response(status, &OAuthError::invalid_grant()),
        }
    }
}

/// The login endpoints that may answer the bare `{"error":"invalid_grant"}` instead of a FAIL envelope.
const OAUTH_PATHS: &[&str] = &[
    "/user/oauth2/generate-token",
    "/user/oauth2/refresh-token",
    "/user/oauth2/login-me",
    "/user/oauth2/access/remove-by-access-token",
];

/// The Apps-in-Toss envelopes in the OpenAPI document (docs/reference.md §1.4): SUCCESS around every
/// success body, FAIL on every failure, or the bare `invalid_grant` body where login answers it.
pub fn document_envelopes(doc: &mut Value) {
    let always_null = json!({"type": "null"});
    let fail = openapi::component(
        doc,
        "AitFail",
        json!({
            "type": "object",
            "description": "The FAIL envelope: `success` is null, `error` says why.",
            "required": ["resultType", "success", "error"],
            "properties": {
                "resultType": openapi::constant("FAIL"),
                "success": always_null.clone(),
                "error": {
                    "type": "object",
                    "required": ["errorType", "errorCode", "reason", "data", "title"],
                    "properties": {
                        "errorType": {"type": "integer", "enum": [0]},
                        "errorCode": {"type": "string"},
                        "reason": {"type": "string"},
                        "data": {"type": "object"},
                        "title": always_null,
                    },
                },
            },
        }),
    );
    let invalid_grant = openapi::component(
        doc,
        "AitInvalidGrant",
        json!({
            "type": "object",
            "description": "The OAuth form of a login failure, without an envelope.",
            "required": ["error"],
            "properties": {"error": openapi::constant("invalid_grant")},
        }),
    );
    let login_failure = json!({"anyOf": [fail.clone(), invalid_grant]});
    openapi::each_operation(doc, super::PREFIX, |path, _, operation| {
        openapi::wrap_body(operation, "200", |success| {
            json!({
                "type": "object",
                "required": ["resultType", "success"],
                "properties": {"resultType": openapi::constant("SUCCESS"), "success": success},
            })
        });
        let oauth = OAUTH_PATHS.iter().any(|p| path.ends_with(p));
        openapi::error_bodies(
            operation,
            if oauth { &login_failure } else { &fail },
            &[
                (
                    "401",
                    "UNAUTHORIZED: the client certificate's app no longer exists",
                ),
                ("500", "INTERNAL_ERROR"),
            ],
        );
    });
}

/// The success envelope `{"resultType":"SUCCESS","success":…}`.
pub struct AitSuccess<T>(pub T);

impl<T: Serialize> IntoResponse for AitSuccess<T> {
    fn into_response(self) -> Response {
        json_response(StatusCode::OK, &Envelope::success(self.0))
    }
}
