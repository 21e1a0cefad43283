//! The Toss Payments error body `{code, message}` (docs/reference.md §1.5), Korean unless the caller prefers
//! English (`Accept-Language: en-US`).

use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use toss_wire::tosspayments::ErrorBody;

use crate::tosspayments::codes::{self, TpCode};
use crate::web::{json_response, openapi, BodyError};

/// A Toss Payments failure: one entry of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct TpError(pub &'static TpCode);

impl TpError {
    pub fn code(&self) -> &'static str {
        self.0.code
    }

    /// The response in the caller's language.
    pub fn render(&self, english: bool) -> Response {
        let code = self.0;
        let status = StatusCode::from_u16(code.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = json_response(status, &ErrorBody::new(code, english));
        response.extensions_mut().insert(*self);
        response
    }
}

impl From<sqlx::Error> for TpError {
    fn from(e: sqlx::Error) -> TpError {
        tracing::error!(error = %e, "database error");
        TpError(&codes::COMMON_ERROR)
    }
}

impl From<BodyError> for TpError {
    fn from(_: BodyError) -> TpError {
        TpError(&codes::INVALID_REQUEST)
    }
}

impl IntoResponse for TpError {
    fn into_response(self) -> Response {
        self.render(false)
    }
}

/// The `{code, message}` body on every failure in the OpenAPI document, and the failures the family's
/// middleware answers on any operation (docs/reference.md §1.5, §1.6, §1.7).
pub fn document_errors(doc: &mut Value) {
    let error = openapi::component(
        doc,
        "TpError",
        json!({
            "type": "object",
            "description": "A Toss Payments failure: a code of the catalogue and its message.",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }),
    );
    let common = [
        (
            "400",
            "INVALID_REQUEST (malformed body or query), INVALID_API_KEY",
        ),
        ("401", "UNAUTHORIZED_KEY, INVALID_ACCESS_TOKEN"),
        ("403", "INCORRECT_BASIC_AUTH_FORMAT"),
        ("500", "COMMON_ERROR"),
    ];
    openapi::each_operation(doc, "/v1/", |_, method, operation| {
        openapi::error_bodies(operation, &error, &common);
        if method == "post" {
            // The Idempotency-Key step (§1.7.1) runs on every POST.
            openapi::error_bodies(
                operation,
                &error,
                &[("409", "IDEMPOTENT_REQUEST_PROCESSING")],
            );
        }
    });
}

/// Whether the highest-preference language of `Accept-Language` is English (`en`, `en-US`, …).
pub fn prefers_english(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut best: Option<(f32, &str)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if !tag.is_empty() && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, tag));
        }
    }
    best.is_some_and(|(_, tag)| {
        tag.split('-')
            .next()
            .is_some_and(|primary| primary.eq_ignore_ascii_case("en"))
    })
}

/// Middleware: errors are rendered in Korean by handlers; re-render them in English when asked.
pub async fn localize(request: Request, next: Next) -> Response {
    let english = prefers_english(request.headers());
    let response = next.run(request).await;
    match (english, response.extensions().get::<TpError>().copied()) {
        (true, Some(error)) => error.render(true),
        _ => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(v: &str) -> bool {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, v.parse().unwrap());
        prefers_english(&h)
    }

    #[test]
    fn english_only_when_it_is_preferred() {
        assert!(lang("en-US"));
        assert!(lang("en"));
        assert!(lang("EN-gb"));
        assert!(lang("ko;q=0.5, en-US;q=0.9"));
        assert!(!lang("ko-KR"));
        assert!(!lang("ko-KR, en-US;q=0.8"));
        assert!(!lang("english"));
        assert!(!prefers_english(&HeaderMap::new()));
    }
}
