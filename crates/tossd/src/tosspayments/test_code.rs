//! `TossPayments-Test-Code` (docs/reference.md §1.7.2): with test credentials the call answers with the named
//! error (its status and message) instead of running, changing nothing; an unknown name is `400
//! INVALID_TEST_CODE`; with live credentials the header is ignored. Layered inside the idempotency step,
//! so a forced error is recorded under the `Idempotency-Key` like any other response.

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::merchant::Mode;
use crate::tosspayments::codes::{self, TpCode};
use crate::tosspayments::credential::Credential;
use crate::tosspayments::TpError;

pub const HEADER: &str = "tosspayments-test-code";

/// The error a test code forces, if any. An empty header counts as absent.
pub fn forced(headers: &HeaderMap) -> Option<&'static TpCode> {
    let value = headers.get(HEADER)?;
    if value.is_empty() {
        return None;
    }
    let name = value.to_str().unwrap_or("");
    Some(codes::by_name(name).unwrap_or(&codes::INVALID_TEST_CODE))
}

pub async fn middleware(request: Request, next: Next) -> Response {
    let mode = request.extensions().get::<Credential>().map(|c| c.mode);
    if mode == Some(Mode::Test) {
        if let Some(code) = forced(request.headers()) {
            return TpError(code).into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(value: &str) -> Option<&'static TpCode> {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_str(value).unwrap());
        forced(&headers)
    }

    #[test]
    fn names_map_to_the_catalogue() {
        assert_eq!(forced(&HeaderMap::new()), None);
        assert_eq!(with(""), None);
        assert_eq!(
            with("REJECT_CARD_COMPANY"),
            Some(&codes::REJECT_CARD_COMPANY)
        );
        assert_eq!(with("reject_card_company"), Some(&codes::INVALID_TEST_CODE));
        assert_eq!(with("NO_SUCH"), Some(&codes::INVALID_TEST_CODE));
    }
}
