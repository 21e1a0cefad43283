//! [`Error`]: every way a call fails, with Toss's own failures typed per family ([`ApiError`]).

use std::fmt;

use toss_wire::apps_in_toss::{self, Fail, ResultType};
use toss_wire::tosspayments::ErrorCode;
use toss_wire::Open;

/// Why a call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Toss answered, with a failure of the API.
    Api(ApiError),
    /// The request did not complete: connection, TLS, timeout.
    Transport(reqwest::Error),
    /// Toss answered with a body that is not what the API documents.
    Decode {
        /// The HTTP status of the answer.
        status: u16,
        /// The body as received (lossily UTF-8).
        body: String,
        /// What did not parse.
        source: serde_json::Error,
    },
    /// The client cannot send the call: a missing credential, an unusable certificate.
    Config(String),
    /// A webhook body is not one Toss documents (`webhooks::parse`).
    Webhook(serde_json::Error),
}

impl Error {
    /// The failure Toss answered, if it did.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The HTTP status of Toss's answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status()),
            Error::Decode { status, .. } => Some(*status),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::Config(_) | Error::Webhook(_) => None,
        }
    }

    /// The error code Toss answered (`NOT_FOUND_PAYMENT`, `INVALID_PARAMETER`, `invalid_grant`), if any.
    pub fn code(&self) -> Option<&str> {
        self.api().map(ApiError::code)
    }
}

/// A failure Toss answered, in its family's shape.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ApiError {
    /// An Apps-in-Toss envelope whose `resultType` is not `SUCCESS` (usually `FAIL` with `error`).
    AppsInToss {
        /// The HTTP status.
        status: u16,
        /// `resultType` as sent.
        result_type: Open<ResultType>,
        /// `error` of the envelope; Toss's reference allows it to be missing for the undocumented result
        /// types. Boxed, so an `Err` stays small on the happy path.
        fail: Option<Box<Fail>>,
    },
    /// The bare OAuth body of the login endpoints, e.g. `{"error":"invalid_grant"}`.
    OAuth {
        /// The HTTP status (400 for the token endpoints, 401 for login-me and unlinking).
        status: u16,
        /// The OAuth error, `invalid_grant`.
        error: String,
    },
    /// A Toss Payments `{code, message}` body.
    TossPayments {
        /// The HTTP status.
        status: u16,
        /// The code, a catalogue entry or a code this version does not know.
        code: ErrorCode,
        /// Toss's message, Korean unless the call asked for English.
        message: String,
    },
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::AppsInToss { status, .. }
            | ApiError::OAuth { status, .. }
            | ApiError::TossPayments { status, .. } => *status,
        }
    }

    /// The error code as sent: `errorCode`, the OAuth `error`, or `code`; for an Apps-in-Toss envelope
    /// without `error`, its `resultType`.
    pub fn code(&self) -> &str {
        match self {
            ApiError::AppsInToss {
                fail: Some(fail), ..
            } => fail.error_code.as_str(),
            ApiError::AppsInToss { result_type, .. } => result_type.as_str(),
            ApiError::OAuth { error, .. } => error,
            ApiError::TossPayments { code, .. } => code.as_str(),
        }
    }

    /// The Apps-in-Toss `errorCode`, typed, if this is an Apps-in-Toss FAIL envelope.
    pub fn apps_in_toss_code(&self) -> Option<&Open<apps_in_toss::ErrorCode>> {
        match self {
            ApiError::AppsInToss {
                fail: Some(fail), ..
            } => Some(&fail.error_code),
            _ => None,
        }
    }

    /// Toss's explanation: `reason` or `message` (empty for the OAuth body).
    pub fn message(&self) -> &str {
        match self {
            ApiError::AppsInToss {
                fail: Some(fail), ..
            } => &fail.reason,
            ApiError::TossPayments { message, .. } => message,
            _ => "",
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}", self.status(), self.code())?;
        match self.message() {
            "" => Ok(()),
            message => write!(f, ": {message}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(api) => write!(f, "Toss answered {api}"),
            Error::Transport(e) => write!(f, "the request to Toss failed: {e}"),
            Error::Decode { status, source, .. } => {
                write!(f, "Toss's answer (HTTP {status}) does not parse: {source}")
            }
            Error::Config(why) => f.write_str(why),
            Error::Webhook(e) => write!(f, "the webhook body does not parse: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Decode { source, .. } | Error::Webhook(source) => Some(source),
            _ => None,
        }
    }
}

impl std::error::Error for ApiError {}

impl From<ApiError> for Error {
    fn from(api: ApiError) -> Error {
        Error::Api(api)
    }
}
