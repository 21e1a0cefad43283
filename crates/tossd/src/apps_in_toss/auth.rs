//! Who is calling: the partner app (mTLS identity; the default app over plain HTTP) and the Toss user of
//! `x-toss-user-key` (docs/reference.md §1.6.1–1.6.2).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};

use crate::apps_in_toss::AitError;
use crate::identity::tls::PeerCertificate;
use crate::state::AppState;
use crate::store;

pub use crate::store::apps::PartnerApp;

/// The app of the client certificate the connection presented; without one (plain HTTP, or TLS without
/// `--require-mtls`) the default app.
impl FromRequestParts<AppState> for PartnerApp {
    type Rejection = AitError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AitError> {
        match parts
            .extensions
            .get::<PeerCertificate>()
            .and_then(|p| p.0.as_deref())
        {
            Some(fingerprint) => store::apps::by_certificate(&state.db, fingerprint)
                .await?
                .ok_or_else(unknown_certificate),
            None => store::apps::default_app(state.db.reader())
                .await?
                .ok_or_else(AitError::internal),
        }
    }
}

/// The calling app for a read that may answer from the configuration cache (`crate::cache`): the read
/// checks [`ReadApp::epoch`] against its own statement's and calls [`ReadApp::refresh`] if they differ.
pub struct ReadApp {
    pub app: PartnerApp,
    pub epoch: i64,
    fingerprint: Option<String>,
}

impl ReadApp {
    /// The caller's app as the database says now, bypassing the cache.
    pub async fn refresh(&mut self, state: &AppState) -> Result<(), AitError> {
        *self = app_of(state, self.fingerprint.clone(), false).await?;
        Ok(())
    }
}

impl FromRequestParts<AppState> for ReadApp {
    type Rejection = AitError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AitError> {
        let fingerprint = parts
            .extensions
            .get::<PeerCertificate>()
            .and_then(|p| p.0.clone());
        app_of(state, fingerprint, true).await
    }
}

async fn app_of(
    state: &AppState,
    fingerprint: Option<String>,
    from_cache: bool,
) -> Result<ReadApp, AitError> {
    if from_cache {
        if let Some(hit) = state.cache.app(fingerprint.as_deref()) {
            return Ok(ReadApp {
                app: hit.value,
                epoch: hit.epoch,
                fingerprint,
            });
        }
    }
    let (epoch, found) = store::apps::of_caller_at(&state.db, fingerprint.as_deref()).await?;
    state.cache.observe(epoch);
    let app = match (found, &fingerprint) {
        (Some(app), _) => app,
        (None, Some(_)) => return Err(unknown_certificate()),
        (None, None) => return Err(AitError::internal()),
    };
    state
        .cache
        .remember_app(epoch, fingerprint.as_deref(), &app);
    Ok(ReadApp {
        app,
        epoch,
        fingerprint,
    })
}

/// Issued by tossd's CA (the handshake checked that) but its app no longer exists.
fn unknown_certificate() -> AitError {
    AitError::fail(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "인증서가 유효하지 않아요.",
    )
}

/// The `x-toss-user-key` header as a positive decimal int64, if it is one.
pub fn user_key_header(headers: &HeaderMap) -> Option<i64> {
    let text = headers.get("x-toss-user-key")?.to_str().ok()?;
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok().filter(|k| *k > 0)
}

/// The caller's Toss user: the header must name a user known to `app` who has not left Toss.
/// `status` is 401 on endpoints that document 401, else 400 (docs/reference.md §1.6.2).
pub async fn known_user(
    state: &AppState,
    app: &PartnerApp,
    headers: &HeaderMap,
    status: StatusCode,
) -> Result<i64, AitError> {
    let user_key = user_key_header(headers).ok_or_else(|| AitError::user_key_not_found(status))?;
    match store::users::known_to_app(&state.db, &app.app_id, user_key).await? {
        None => Err(AitError::user_key_not_found(status)),
        Some(user) if user.withdrawn => Err(AitError::user_not_found(status)),
        Some(_) => Ok(user_key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("X-Toss-User-Key", value.parse().unwrap());
        h
    }

    #[test]
    fn user_keys_are_positive_decimal_int64() {
        assert_eq!(user_key_header(&headers("1234")), Some(1234));
        assert_eq!(user_key_header(&headers("0")), None);
        assert_eq!(user_key_header(&headers("-5")), None);
        assert_eq!(user_key_header(&headers("toss-user-key-abc123")), None);
        assert_eq!(user_key_header(&headers("99999999999999999999")), None);
        assert_eq!(user_key_header(&HeaderMap::new()), None);
    }
}
