//! The Apps-in-Toss partner API (`https://apps-in-toss-api.toss.im` and, for Toss Pay,
//! `https://pay-apps-in-toss-api.toss.im`, both under `/api-partner/v1/apps-in-toss`).
//!
//! Every answer is an [`Envelope`]: `{"resultType":"SUCCESS","success":…}` or
//! `{"resultType":"FAIL","success":null,"error":{…}}` ([`Fail`]); the login endpoints may instead answer
//! the bare OAuth body `{"error":"invalid_grant"}` ([`OAuthError`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Open;

/// The path prefix of every Apps-in-Toss endpoint.
pub const PREFIX: &str = "/api-partner/v1/apps-in-toss";

/// The header naming the Toss user a call is about.
pub const USER_KEY_HEADER: &str = "x-toss-user-key";

crate::wire_enum! {
    /// `resultType` of the envelope. Toss's reference lists the values after `FAIL` without saying what
    /// they mean; anything but `SUCCESS` is a failure.
    pub enum ResultType {
        /// The call succeeded; `success` holds the payload.
        Success = "SUCCESS",
        /// The call failed; `error` says why.
        Fail = "FAIL",
        /// Undocumented failure.
        HttpTimeout = "HTTP_TIMEOUT",
        /// Undocumented failure.
        NetworkError = "NETWORK_ERROR",
        /// Undocumented failure.
        ExecutionFail = "EXECUTION_FAIL",
        /// Undocumented failure.
        Interrupted = "INTERRUPTED",
        /// Undocumented failure.
        InternalError = "INTERNAL_ERROR",
    }
}

/// The envelope around every Apps-in-Toss answer except the bare OAuth failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Envelope<T> {
    /// `SUCCESS`, `FAIL`, or another failure Toss may send.
    pub result_type: Open<ResultType>,
    /// The payload on success, `null` on failure.
    pub success: Option<T>,
    /// Why the call failed; absent on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Fail>,
}

impl<T> Envelope<T> {
    /// `{"resultType":"SUCCESS","success":payload}`.
    pub fn success(payload: T) -> Envelope<T> {
        Envelope {
            result_type: Open::Known(ResultType::Success),
            success: Some(payload),
            error: None,
        }
    }

    /// `{"resultType":"FAIL","success":null,"error":fail}`.
    pub fn fail(fail: Fail) -> Envelope<T> {
        Envelope {
            result_type: Open::Known(ResultType::Fail),
            success: None,
            error: Some(fail),
        }
    }
}

/// `error` of a FAIL envelope, fields in the documented order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Fail {
    /// Always `0` in the documented answers.
    #[serde(default)]
    pub error_type: i32,
    /// The error code, e.g. `INVALID_PARAMETER`; numeric promotion codes arrive as strings (`"4113"`).
    pub error_code: Open<ErrorCode>,
    /// A short Korean sentence saying why.
    #[serde(default)]
    pub reason: String,
    /// Details: `{}`, or `{"retryAfterSeconds": n}` for the rate limit.
    #[serde(default)]
    pub data: Value,
    /// Always `null` in the documented answers.
    #[serde(default)]
    pub title: Option<String>,
}

impl Fail {
    /// A failure with `errorType` 0, `data` `{}` and `title` `null`.
    pub fn new(error_code: impl Into<Open<ErrorCode>>, reason: impl Into<String>) -> Fail {
        Fail {
            error_type: 0,
            error_code: error_code.into(),
            reason: reason.into(),
            data: Value::Object(Default::default()),
            title: None,
        }
    }

    /// The same failure with `data`.
    pub fn with_data(mut self, data: Value) -> Fail {
        self.data = data;
        self
    }
}

/// The bare body `{"error":"invalid_grant"}` the login endpoints answer instead of a FAIL envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthError {
    /// The OAuth error, `invalid_grant`.
    pub error: String,
}

impl OAuthError {
    /// `{"error":"invalid_grant"}`.
    pub fn invalid_grant() -> OAuthError {
        OAuthError {
            error: "invalid_grant".to_owned(),
        }
    }
}

crate::wire_enum! {
    /// `errorCode` of a FAIL envelope: the codes the Apps-in-Toss reference documents.
    pub enum ErrorCode {
        /// The request is malformed or a field is invalid.
        InvalidParameter = "INVALID_PARAMETER",
        /// An internal failure on Toss's side.
        InternalError = "INTERNAL_ERROR",
        /// No such API (an unknown path).
        NotFound = "NOT_FOUND",
        /// The `x-toss-user-key` is unknown to the app.
        UserKeyNotFound = "USER_KEY_NOT_FOUND",
        /// The Toss user does not exist.
        UserNotFound = "USER_NOT_FOUND",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::{Envelope, ErrorCode, Fail, ResultType};
    use crate::Open;

    #[test]
    fn envelopes_serialize_as_documented() {
        let ok = Envelope::success(json!({"a": 1}));
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            json!({"resultType": "SUCCESS", "success": {"a": 1}})
        );
        let fail: Envelope<Value> = Envelope::fail(Fail::new(
            ErrorCode::InvalidParameter,
            "요청에 실패했습니다.",
        ));
        assert_eq!(
            serde_json::to_value(&fail).unwrap(),
            json!({"resultType": "FAIL", "success": null, "error": {
                "errorType": 0, "errorCode": "INVALID_PARAMETER", "reason": "요청에 실패했습니다.",
                "data": {}, "title": null}})
        );
    }

    #[test]
    fn unknown_result_types_and_codes_are_kept() {
        let body = json!({"resultType": "NETWORK_ERROR_2", "success": null, "error": {
            "errorType": 0, "errorCode": "4999", "reason": "새 오류", "data": {}, "title": null}});
        let envelope: Envelope<Value> = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(
            envelope.result_type,
            Open::Unknown("NETWORK_ERROR_2".into())
        );
        let fail = envelope.error.clone().unwrap();
        assert_eq!(fail.error_code, Open::Unknown("4999".into()));
        assert_eq!(serde_json::to_value(&envelope).unwrap(), body);
        assert_ne!(envelope.result_type, ResultType::Success);
    }
}
