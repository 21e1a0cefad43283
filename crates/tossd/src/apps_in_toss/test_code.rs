//! `X-Tossd-Test-Code` (a tossd extension, docs/faults.md): the Apps-in-Toss counterpart of Toss Payments'
//! `TossPayments-Test-Code`. The call answers with the named error of that endpoint — status and reason
//! from the endpoint's error table in docs/reference.md §2 — instead of running, changing nothing. A code
//! the endpoint does not document is `400 INVALID_PARAMETER`. Checked before anything else of the call.

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{AitError, PREFIX};

pub const HEADER: &str = "x-tossd-test-code";

/// A documented error of an endpoint.
#[derive(Debug, PartialEq, Eq)]
pub struct AitCode {
    pub status: u16,
    pub code: &'static str,
    pub reason: &'static str,
}

const fn c(status: u16, code: &'static str, reason: &'static str) -> AitCode {
    AitCode {
        status,
        code,
        reason,
    }
}

/// The bare `{"error":"invalid_grant"}` body of the login endpoints (its status is the endpoint's).
pub const INVALID_GRANT: &str = "invalid_grant";

const INVALID_PARAMETER: AitCode = c(400, "INVALID_PARAMETER", "요청에 실패했습니다.");
const INTERNAL_ERROR: AitCode = c(
    500,
    "INTERNAL_ERROR",
    "요청을 처리하는 도중에 문제가 발생했습니다.",
);
const USER_KEY_NOT_FOUND: &str = "유저 키를 찾을 수 없어요.";
const USER_NOT_FOUND: &str = "토스 유저 정보를 찾을 수 없어요.";
const RATE_LIMITED: AitCode = c(
    403,
    "4095",
    "요청 가능한 횟수를 초과했어요. 잠시 후 다시 시도해 주세요.",
);
const INVALID_API_KEY: AitCode = c(400, "COMMON_INVALID_API_KEY", "바르지 않은 apiKey예요.");
const BREAK_TIME: AitCode = c(
    400,
    "COMMON_BREAK_TIME_OF_BANK",
    "지금은 은행 점검 시간이에요. 점검이 끝난 후 사용해 주세요.",
);

/// Each endpoint (path after [`PREFIX`]) with its documented FAIL errors, and the status of its
/// `invalid_grant` body where it has one.
const ENDPOINTS: &[(&str, Option<u16>, &[AitCode])] = &[
    (
        "/user/oauth2/generate-token",
        Some(400),
        &[INVALID_PARAMETER, INTERNAL_ERROR],
    ),
    (
        "/user/oauth2/refresh-token",
        Some(400),
        &[INVALID_PARAMETER, INTERNAL_ERROR],
    ),
    (
        "/user/oauth2/access/remove-by-user-key",
        None,
        &[
            INVALID_PARAMETER,
            c(400, "USER_KEY_NOT_FOUND", USER_KEY_NOT_FOUND),
            c(400, "USER_NOT_FOUND", USER_NOT_FOUND),
            INTERNAL_ERROR,
        ],
    ),
    (
        "/user/oauth2/access/remove-by-access-token",
        Some(401),
        &[INTERNAL_ERROR],
    ),
    ("/user/oauth2/login-me", Some(401), &[INTERNAL_ERROR]),
    (
        "/promotion/execute-promotion/get-key",
        None,
        &[
            c(401, "USER_KEY_NOT_FOUND", USER_KEY_NOT_FOUND),
            c(401, "USER_NOT_FOUND", USER_NOT_FOUND),
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
    ),
    (
        "/promotion/execute-promotion",
        None,
        &[
            c(401, "USER_KEY_NOT_FOUND", USER_KEY_NOT_FOUND),
            c(401, "USER_NOT_FOUND", USER_NOT_FOUND),
            RATE_LIMITED,
            INVALID_PARAMETER,
            c(400, "INVALID_PROMOTION_KEY", "유효하지 않은 지급 키예요."),
            c(400, "4113", "이미 지급/회수된 내역이에요"),
            c(400, "4100", "프로모션 정보를 찾을 수 없어요"),
            c(400, "4109", "프로모션이 실행중이 아니에요"),
            c(400, "4110", "리워드를 지급/회수할 수 없어요"),
            c(400, "4114", "1회 지급 금액을 초과했어요"),
            c(400, "4116", "최대 지급 금액이 예산을 초과했어요"),
            c(400, "4112", "프로모션 머니가 부족해요"),
            INTERNAL_ERROR,
        ],
    ),
    (
        "/promotion/execution-result",
        None,
        &[
            c(401, "USER_KEY_NOT_FOUND", USER_KEY_NOT_FOUND),
            c(401, "USER_NOT_FOUND", USER_NOT_FOUND),
            RATE_LIMITED,
            INVALID_PARAMETER,
            c(400, "4100", "프로모션 정보를 찾을 수 없어요"),
            c(400, "4111", "리워드 지급내역을 찾을 수 없어요"),
            INTERNAL_ERROR,
        ],
    ),
    (
        "/pay/make-payment",
        None,
        &[
            c(400, "USER_KEY_NOT_FOUND", USER_KEY_NOT_FOUND),
            c(400, "USER_NOT_FOUND", USER_NOT_FOUND),
            INVALID_API_KEY,
            INVALID_PARAMETER,
            c(400, "PAYMENT_EXISTING_PAYMENT", "이미 존재하는 결제예요."),
            INTERNAL_ERROR,
        ],
    ),
    (
        "/pay/execute-payment",
        None,
        &[
            c(400, "USER_KEY_NOT_FOUND", USER_KEY_NOT_FOUND),
            c(400, "USER_NOT_FOUND", USER_NOT_FOUND),
            INVALID_API_KEY,
            INVALID_PARAMETER,
            c(400, "PAYMENT_NOT_FOUND", "결제 정보를 찾을 수 없어요."),
            c(
                400,
                "PAYMENT_ORDER_NO_MISMATCH",
                "주문번호가 일치하지 않아요.",
            ),
            c(400, "PAYMENT_CANCELED", "취소된 결제예요."),
            c(
                400,
                "PAYMENT_NOT_APPROVED",
                "구매자 인증이 완료되지 않은 결제예요.",
            ),
            c(400, "PAYMENT_ALREADY_COMPLETED", "이미 완료된 결제예요."),
            BREAK_TIME,
            INTERNAL_ERROR,
        ],
    ),
    (
        "/pay/refund-payment",
        None,
        &[
            c(400, "USER_KEY_NOT_FOUND", USER_KEY_NOT_FOUND),
            c(400, "USER_NOT_FOUND", USER_NOT_FOUND),
            INVALID_API_KEY,
            INVALID_PARAMETER,
            c(400, "PAYMENT_NOT_FOUND", "결제 정보를 찾을 수 없어요."),
            c(400, "PAYMENT_NOT_REFUNDABLE", "환불할 수 없는 결제예요."),
            c(400, "PAYMENT_ALREADY_REFUNDED", "이미 환불된 결제예요."),
            c(
                400,
                "PAYMENT_REFUND_AMOUNT_EXCEEDED",
                "환불 가능 금액을 초과했어요.",
            ),
            BREAK_TIME,
            INTERNAL_ERROR,
        ],
    ),
    (
        "/pay/get-payment-status",
        None,
        &[
            c(400, "USER_KEY_NOT_FOUND", USER_KEY_NOT_FOUND),
            c(400, "USER_NOT_FOUND", USER_NOT_FOUND),
            INVALID_API_KEY,
            INVALID_PARAMETER,
            c(404, "PAYMENT_NOT_FOUND", "결제 정보를 찾을 수 없어요."),
            INTERNAL_ERROR,
        ],
    ),
    (
        "/order/get-order-status",
        None,
        &[INVALID_PARAMETER, INTERNAL_ERROR],
    ),
    (
        "/messenger/send-message",
        None,
        &[
            c(401, "USER_KEY_NOT_FOUND", USER_KEY_NOT_FOUND),
            c(401, "USER_NOT_FOUND", USER_NOT_FOUND),
            RATE_LIMITED,
            INVALID_PARAMETER,
            c(400, "TEMPLATE_NOT_FOUND", "템플릿을 찾을 수 없어요."),
            c(
                403,
                "TEMPLATE_NOT_APPROVED",
                "검수가 완료되지 않은 템플릿이에요.",
            ),
            INTERNAL_ERROR,
        ],
    ),
    (
        "/messenger/send-test-message",
        None,
        &[
            c(401, "USER_KEY_NOT_FOUND", USER_KEY_NOT_FOUND),
            c(401, "USER_NOT_FOUND", USER_NOT_FOUND),
            RATE_LIMITED,
            INVALID_PARAMETER,
            c(400, "TEMPLATE_NOT_FOUND", "템플릿을 찾을 수 없어요."),
            c(
                403,
                "TEMPLATE_NOT_APPROVED",
                "검수가 완료되지 않은 템플릿이에요.",
            ),
            INTERNAL_ERROR,
        ],
    ),
    (
        "/messenger/send-bulk-message",
        None,
        &[
            RATE_LIMITED,
            INVALID_PARAMETER,
            c(400, "TEMPLATE_NOT_FOUND", "템플릿을 찾을 수 없어요."),
            c(
                403,
                "TEMPLATE_NOT_APPROVED",
                "검수가 완료되지 않은 템플릿이에요.",
            ),
            INTERNAL_ERROR,
        ],
    ),
];

/// The documented error `code` of any Apps-in-Toss endpoint (the first endpoint's, where statuses differ):
/// the default status and reason of a fault rule's error.
pub fn any_endpoint(code: &str) -> Option<&'static AitCode> {
    ENDPOINTS
        .iter()
        .flat_map(|(_, _, codes)| codes.iter())
        .find(|c| c.code == code)
}

/// The error a test code forces on the endpoint at `path` (an Apps-in-Toss route), if any. An empty
/// header counts as absent.
pub fn forced(path: &str, headers: &HeaderMap) -> Option<AitError> {
    let value = headers.get(HEADER)?;
    if value.is_empty() {
        return None;
    }
    let name = value.to_str().unwrap_or("");
    let endpoint = path.strip_prefix(PREFIX).unwrap_or(path);
    let (_, grant, codes) = ENDPOINTS.iter().find(|(p, _, _)| *p == endpoint)?;
    if let (INVALID_GRANT, Some(status)) = (name, grant) {
        return Some(AitError::InvalidGrant(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST),
        ));
    }
    let Some(code) = codes.iter().find(|c| c.code == name) else {
        return Some(AitError::invalid_parameter());
    };
    let data = if code.code == RATE_LIMITED.code {
        json!({ "retryAfterSeconds": 60 })
    } else {
        json!({})
    };
    Some(AitError::Fail {
        status: StatusCode::from_u16(code.status).unwrap_or(StatusCode::BAD_REQUEST),
        code: code.code.into(),
        reason: code.reason,
        data,
    })
}

/// Layered on the Apps-in-Toss routes (so the matched path names the endpoint).
pub async fn middleware(request: Request, next: Next) -> Response {
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    if let Some(error) = path.and_then(|p| forced(&p, request.headers())) {
        return error.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(path: &str, value: &str) -> Option<AitError> {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_str(value).unwrap());
        forced(&format!("{PREFIX}{path}"), &headers)
    }

    fn fail(error: Option<AitError>) -> (StatusCode, String, &'static str) {
        match error {
            Some(AitError::Fail {
                status,
                code,
                reason,
                ..
            }) => (status, code.into_owned(), reason),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn codes_come_from_the_endpoint_table() {
        assert!(forced("/x", &HeaderMap::new()).is_none());
        assert!(with("/pay/make-payment", "").is_none());
        assert_eq!(
            fail(with("/pay/get-payment-status", "PAYMENT_NOT_FOUND")),
            (
                StatusCode::NOT_FOUND,
                "PAYMENT_NOT_FOUND".into(),
                "결제 정보를 찾을 수 없어요."
            )
        );
        assert_eq!(
            fail(with("/pay/execute-payment", "PAYMENT_NOT_FOUND")).0,
            StatusCode::BAD_REQUEST
        );
        // Another endpoint's code, and an unknown one, are bad input.
        assert_eq!(
            fail(with("/pay/make-payment", "PAYMENT_NOT_FOUND")).1,
            "INVALID_PARAMETER"
        );
        assert_eq!(
            fail(with("/pay/make-payment", "NOPE")).1,
            "INVALID_PARAMETER"
        );
        assert!(matches!(
            with("/user/oauth2/login-me", "invalid_grant"),
            Some(AitError::InvalidGrant(StatusCode::UNAUTHORIZED))
        ));
        assert_eq!(
            fail(with("/pay/make-payment", "invalid_grant")).1,
            "INVALID_PARAMETER"
        );
    }

    #[test]
    fn every_listed_endpoint_is_a_route() {
        let doc = serde_json::to_value(super::super::router().into_openapi()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for (endpoint, _, _) in ENDPOINTS {
            assert!(
                paths.contains_key(&format!("{PREFIX}{endpoint}")),
                "{endpoint}"
            );
        }
        assert_eq!(paths.len(), ENDPOINTS.len());
    }

    #[test]
    fn every_documented_code_is_in_the_wire_catalogue() {
        for (endpoint, _, codes) in ENDPOINTS {
            for code in *codes {
                assert!(
                    code.code
                        .parse::<toss_wire::apps_in_toss::ErrorCode>()
                        .is_ok(),
                    "{endpoint}: {}",
                    code.code
                );
            }
        }
    }
}
