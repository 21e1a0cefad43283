//! HTTP plumbing shared by every API family: JSON bodies, responses, operator access and metrics.

pub mod html;
pub mod metrics;
pub mod operator;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Bodies larger than this are refused with the family's validation error (docs/reference.md §1.3).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The Content-Type of every JSON response (docs/reference.md §1.3).
pub const JSON_UTF8: &str = "application/json;charset=UTF-8";

/// Why a request body could not become the expected value.
#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    /// Not JSON, not an object, or a field of the wrong type or missing.
    Invalid(String),
}

/// Reads a JSON object body whatever the Content-Type says (clients often omit it).
pub async fn read_json<T: DeserializeOwned>(body: Body) -> Result<T, BodyError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| BodyError::TooLarge)?;
    parse_json_object(&bytes)
}

/// Parses `bytes` as a JSON object into `T`. Serde would also accept an array for a struct, which the
/// reference counts as malformed, so the first token must open an object.
pub fn parse_json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => serde_json::from_slice(bytes).map_err(|e| BodyError::Invalid(e.to_string())),
        Some(_) => Err(BodyError::Invalid("the body is not a JSON object".into())),
        None => Err(BodyError::Invalid("the body is empty".into())),
    }
}

/// A JSON response with the charset the real service sends.
pub fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "response serialisation failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A response whose body is already JSON text (stored documents).
pub fn raw_json_response(status: StatusCode, json: String) -> Response {
    let mut response = (status, json).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Probe {
        a: i64,
    }

    #[test]
    fn only_objects_are_bodies() {
        assert!(parse_json_object::<Probe>(br#" {"a": 1, "extra": true}"#).is_ok());
        assert!(parse_json_object::<Probe>(b"[1]").is_err());
        assert!(parse_json_object::<Probe>(b"").is_err());
        assert!(parse_json_object::<Probe>(br#"{"a": 1.0}"#).is_err());
        assert!(parse_json_object::<Probe>(br#"{"a": 1e4}"#).is_err());
        assert!(parse_json_object::<Probe>(br#"{"a": "1"}"#).is_err());
        assert!(parse_json_object::<Probe>(br#"{"a": 1, "a": 2}"#).is_err());
    }
}
