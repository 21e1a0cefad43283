//! HTTP plumbing shared by every API family: connections, JSON bodies, responses, operator access and
//! metrics.

pub mod connections;
pub mod html;
pub mod metrics;
pub mod openapi;
pub mod operator;

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query, RawPathParams};
use axum::http::request::Parts;
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
/// reference counts as malformed, so the first token must open an object. A string holding U+0000 is
/// malformed too: PostgreSQL text cannot store it, and refusing it here keeps both backends alike.
pub fn parse_json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {
            let value =
                serde_json::from_slice(bytes).map_err(|e| BodyError::Invalid(e.to_string()))?;
            if escapes_nul(bytes) {
                return Err(BodyError::Invalid(NUL_REFUSED.into()));
            }
            Ok(value)
        }
        Some(_) => Err(BodyError::Invalid("the body is not a JSON object".into())),
        None => Err(BodyError::Invalid("the body is empty".into())),
    }
}

/// Why text holding U+0000 is refused.
pub const NUL_REFUSED: &str = "text must not contain the NUL character (U+0000)";

/// Whether valid JSON text escapes U+0000 (`\u0000`) in a string. Backslashes occur only inside strings
/// in JSON, and every escape is skipped whole, so an escaped backslash followed by `u0000` is not one.
fn escapes_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while let Some(offset) = json[i..].iter().position(|b| *b == b'\\') {
        let escape = &json[i + offset + 1..];
        if escape.starts_with(b"u0000") {
            return true;
        }
        i += offset + 2;
        if i >= json.len() {
            return false;
        }
    }
    false
}

/// A request's path parameters as `T`, or `None` when they cannot name anything: not UTF-8 once
/// percent-decoded, holding U+0000 (no stored identifier can: PostgreSQL text cannot hold it), or not of
/// `T`'s shape. Family extractors answer `None` in their envelope.
pub async fn text_path<T: DeserializeOwned + Send>(parts: &mut Parts) -> Option<T> {
    let raw = RawPathParams::from_request_parts(parts, &()).await.ok()?;
    if raw.iter().any(|(_, value)| value.contains('\0')) {
        return None;
    }
    Path::<T>::from_request_parts(parts, &())
        .await
        .ok()
        .map(|Path(value)| value)
}

/// A request's query string as `T`, or why not (wrong shape, or a value holding U+0000).
pub fn text_query<T: DeserializeOwned>(parts: &Parts) -> Result<T, String> {
    let Query(pairs) =
        Query::<Vec<(String, String)>>::try_from_uri(&parts.uri).map_err(|e| e.body_text())?;
    if pairs
        .iter()
        .any(|(name, value)| name.contains('\0') || value.contains('\0'))
    {
        return Err(NUL_REFUSED.into());
    }
    Query::<T>::try_from_uri(&parts.uri)
        .map(|Query(value)| value)
        .map_err(|e| e.body_text())
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
