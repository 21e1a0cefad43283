//! The caller of a user-scoped Apps-in-Toss endpoint: the partner app, the Toss user of
//! `x-toss-user-key` known to that app, and one request counted against the per-user limit where the
//! endpoint has one (docs/reference.md §1.6.1–1.6.2, §1.8). Handlers take a [`Caller`] and then their body as
//! [`AitJson`](crate::apps_in_toss::AitJson), so the checks run in the documented order: app, user, limit,
//! body.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;

use crate::apps_in_toss::auth::{known_user, PartnerApp};
use crate::apps_in_toss::{rate_limit, AitError};
use crate::state::AppState;

/// What an endpoint family answers for an unknown user, and which request window it counts in.
pub trait CallerRules {
    /// 401 where the endpoint documents 401, else 400.
    const UNKNOWN_USER: StatusCode;
    /// The per-user window the request counts in, if the endpoint has one.
    const RATE_LIMIT_BUCKET: Option<&'static str>;
}

/// The three promotion endpoints: 401, the promotion window.
pub enum Promotion {}

impl CallerRules for Promotion {
    const UNKNOWN_USER: StatusCode = StatusCode::UNAUTHORIZED;
    const RATE_LIMIT_BUCKET: Option<&'static str> = Some(rate_limit::PROMOTION);
}

/// `send-message` and `send-test-message`: 401, the messenger window.
pub enum Messenger {}

impl CallerRules for Messenger {
    const UNKNOWN_USER: StatusCode = StatusCode::UNAUTHORIZED;
    const RATE_LIMIT_BUCKET: Option<&'static str> = Some(rate_limit::MESSENGER);
}

/// The Toss Pay endpoints: 400, no window.
pub enum TossPay {}

impl CallerRules for TossPay {
    const UNKNOWN_USER: StatusCode = StatusCode::BAD_REQUEST;
    const RATE_LIMIT_BUCKET: Option<&'static str> = None;
}

/// A checked caller of an endpoint with rules `R`.
pub struct Caller<R> {
    pub app: PartnerApp,
    pub user_key: i64,
    rules: PhantomData<R>,
}

impl<R: CallerRules> FromRequestParts<AppState> for Caller<R> {
    type Rejection = AitError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AitError> {
        let app = PartnerApp::from_request_parts(parts, state).await?;
        let user_key = known_user(state, &app, &parts.headers, R::UNKNOWN_USER).await?;
        if let Some(bucket) = R::RATE_LIMIT_BUCKET {
            rate_limit::count_request(state, &app, user_key, bucket).await?;
        }
        Ok(Caller {
            app,
            user_key,
            rules: PhantomData,
        })
    }
}
