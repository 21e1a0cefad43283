//! The Apps-in-Toss partner API (`https://apps-in-toss-api.toss.im` and, for Toss Pay,
//! `https://pay-apps-in-toss-api.toss.im`, both under `/api-partner/v1/apps-in-toss`).
//!
//! Every answer is an [`Envelope`]: `{"resultType":"SUCCESS","success":…}` or
//! `{"resultType":"FAIL","success":null,"error":{…}}` ([`Fail`]); the login endpoints may instead answer
//! the bare OAuth body `{"error":"invalid_grant"}` ([`OAuthError`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Open;

pub mod iap;
pub mod login;
pub mod messenger;
pub mod pay;
pub mod promotions;
mod user_key;

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
    /// `errorCode` of a FAIL envelope: every code the Apps-in-Toss reference documents for the endpoints
    /// above. The promotion codes are numeric strings on the wire (`"4113"`); their variants are named by
    /// meaning.
    pub enum ErrorCode {
        /// The request is malformed or a field is invalid (`요청에 실패했습니다.`).
        InvalidParameter = "INVALID_PARAMETER",
        /// An internal failure on Toss's side; the call may be retried.
        InternalError = "INTERNAL_ERROR",
        /// No such API (an unknown path or method).
        NotFound = "NOT_FOUND",
        /// The request body did not arrive in time.
        RequestTimeout = "REQUEST_TIMEOUT",
        /// The client certificate is not (or no longer) an app's.
        Unauthorized = "UNAUTHORIZED",
        /// The `x-toss-user-key` is missing, malformed or unknown to the app.
        UserKeyNotFound = "USER_KEY_NOT_FOUND",
        /// The Toss user does not exist (they left Toss).
        UserNotFound = "USER_NOT_FOUND",
        /// `4095`: the per-user call limit is exceeded; `data.retryAfterSeconds` says when to retry.
        RateLimited = "4095",
        /// Toss Pay: the app has no usable merchant key (none, or the public test key where a private one
        /// is needed).
        CommonInvalidApiKey = "COMMON_INVALID_API_KEY",
        /// Toss Pay: a Toss Money payment during a bank maintenance window.
        CommonBreakTimeOfBank = "COMMON_BREAK_TIME_OF_BANK",
        /// Toss Pay: the `orderNo` is already used by a payment of this app in this mode.
        PaymentExistingPayment = "PAYMENT_EXISTING_PAYMENT",
        /// Toss Pay: no payment of this app, mode and user matches.
        PaymentNotFound = "PAYMENT_NOT_FOUND",
        /// Toss Pay: the `orderNo` given is not the payment's.
        PaymentOrderNoMismatch = "PAYMENT_ORDER_NO_MISMATCH",
        /// Toss Pay: the payment was cancelled by the buyer or expired.
        PaymentCanceled = "PAYMENT_CANCELED",
        /// Toss Pay: the buyer has not authenticated the payment yet.
        PaymentNotApproved = "PAYMENT_NOT_APPROVED",
        /// Toss Pay: the payment is already executed.
        PaymentAlreadyCompleted = "PAYMENT_ALREADY_COMPLETED",
        /// Toss Pay: the payment was never executed, so it cannot be refunded.
        PaymentNotRefundable = "PAYMENT_NOT_REFUNDABLE",
        /// Toss Pay: the payment is already refunded in full.
        PaymentAlreadyRefunded = "PAYMENT_ALREADY_REFUNDED",
        /// Toss Pay: the refund amount exceeds what remains refundable.
        PaymentRefundAmountExceeded = "PAYMENT_REFUND_AMOUNT_EXCEEDED",
        /// Promotions: the key is unknown, another user's, or expired unexecuted.
        InvalidPromotionKey = "INVALID_PROMOTION_KEY",
        /// `4100`: the promotion code is not registered for this app.
        PromotionNotFound = "4100",
        /// `4109`: the promotion is not running (not started, stopped, ended, budget exhausted).
        PromotionNotRunning = "4109",
        /// `4110`: the reward could not be granted (internal); retry with the same key.
        GrantFailed = "4110",
        /// `4111`: no grant was made with this key for this promotion and user.
        GrantNotFound = "4111",
        /// `4112`: the promotion's remaining budget is too small for the amount.
        InsufficientBudget = "4112",
        /// `4113`: the key was already used for a grant; poll the execution result instead.
        KeyAlreadyUsed = "4113",
        /// `4114`: the amount exceeds the promotion's per-grant limit.
        OverPerGrantLimit = "4114",
        /// `4116`: the amount exceeds the promotion's total budget.
        OverTotalBudget = "4116",
        /// Smart messages: `templateSetCode` is not a template of this app.
        TemplateNotFound = "TEMPLATE_NOT_FOUND",
        /// Smart messages: the template has not passed review.
        TemplateNotApproved = "TEMPLATE_NOT_APPROVED",
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

    #[test]
    fn numeric_codes_read_as_their_meaning() {
        let code: Open<ErrorCode> = serde_json::from_value(json!("4113")).unwrap();
        assert_eq!(code, ErrorCode::KeyAlreadyUsed);
        assert_eq!(serde_json::to_value(code).unwrap(), json!("4113"));
        for &code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(code));
        }
    }
}
