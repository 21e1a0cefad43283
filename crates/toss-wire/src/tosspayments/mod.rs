//! The Toss Payments family (`https://api.tosspayments.com`): BrandPay (`/v1/brandpay/…`) and the payment
//! lookup and cancel it relies on (`/v1/payments/…`).
//!
//! Every failure is the body `{"code": …, "message": …}` ([`ErrorBody`]) with the status of the code's
//! catalogue entry ([`codes`]).

pub mod brandpay;
pub mod codes;
pub mod payments;
pub mod webhooks;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use codes::TpCode;

/// The body of every Toss Payments failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// The error code, e.g. `NOT_FOUND_PAYMENT`.
    pub code: ErrorCode,
    /// Why, in Korean (or English with `Accept-Language: en-US`).
    pub message: String,
}

impl ErrorBody {
    /// The body of `code` with `message`, e.g. a code of the operator's own.
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code,
            message: message.into(),
        }
    }

    /// The body of a catalogue entry in Korean or English.
    pub fn new(code: &'static TpCode, english: bool) -> ErrorBody {
        ErrorBody {
            code: ErrorCode::Known(code),
            message: if english { code.en } else { code.ko }.to_owned(),
        }
    }
}

/// A Toss Payments error code: an entry of the catalogue, or a code this version does not know (Toss adds
/// codes without notice) exactly as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// A documented code.
    Known(&'static TpCode),
    /// A code outside the catalogue.
    Unknown(String),
}

impl ErrorCode {
    /// The code as sent.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Known(code) => code.code,
            ErrorCode::Unknown(code) => code,
        }
    }

    /// Whether this is the given catalogue entry, e.g. `code.is(&codes::NOT_FOUND_PAYMENT)`.
    pub fn is(&self, code: &TpCode) -> bool {
        self.as_str() == code.code
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> ErrorCode {
        match codes::by_name(code) {
            Some(known) => ErrorCode::Known(known),
            None => ErrorCode::Unknown(code.to_owned()),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ErrorCode, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(match codes::by_name(&code) {
            Some(known) => ErrorCode::Known(known),
            None => ErrorCode::Unknown(code),
        })
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <String as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ErrorCode {}

#[cfg(test)]
mod tests {
    use super::{codes, ErrorBody, ErrorCode};

    #[test]
    fn known_and_unknown_codes_round_trip() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"code":"NOT_FOUND_PAYMENT","message":"없음"}"#).unwrap();
        assert_eq!(body.code, ErrorCode::Known(&codes::NOT_FOUND_PAYMENT));
        assert!(body.code.is(&codes::NOT_FOUND_PAYMENT));
        let body: ErrorBody =
            serde_json::from_str(r#"{"code":"SOMETHING_NEW","message":"새 코드"}"#).unwrap();
        assert_eq!(body.code, ErrorCode::Unknown("SOMETHING_NEW".into()));
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"code":"SOMETHING_NEW","message":"새 코드"}"#
        );
    }
}
