//! Who is calling: the partner app (mTLS identity; the default app over plain HTTP) and the Toss user of
//! `x-toss-user-key` (REFERENCE.md §1.6.1–1.6.2).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use sqlx::Row;

use crate::apps_in_toss::AitError;
use crate::identity::tls::PeerCertificate;
use crate::state::AppState;
use crate::store::flag;

/// A partner mini-app.
#[derive(Debug, Clone)]
pub struct PartnerApp {
    pub app_id: String,
    pub name: String,
    pub client_id: String,
    pub pii_key: String,
    pub aad: String,
    pub plaintext_pii: bool,
    pub rate_limit_per_minute: i64,
}

const APP_COLUMNS: &str =
    "app_id, name, client_id, pii_key, aad, plaintext_pii, rate_limit_per_minute";

impl PartnerApp {
    fn from_row(row: &sqlx::any::AnyRow) -> PartnerApp {
        PartnerApp {
            app_id: row.get(0),
            name: row.get(1),
            client_id: row.get(2),
            pii_key: row.get(3),
            aad: row.get(4),
            plaintext_pii: flag(row.get(5)),
            rate_limit_per_minute: row.get(6),
        }
    }

    pub async fn default_app(state: &AppState) -> Result<Option<PartnerApp>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {APP_COLUMNS} FROM apps WHERE is_default = 1"
        ))
        .fetch_optional(state.db.reader())
        .await?;
        Ok(row.as_ref().map(PartnerApp::from_row))
    }

    pub async fn by_app_id(
        state: &AppState,
        app_id: &str,
    ) -> Result<Option<PartnerApp>, sqlx::Error> {
        let row = sqlx::query(&format!("SELECT {APP_COLUMNS} FROM apps WHERE app_id = $1"))
            .bind(app_id)
            .fetch_optional(state.db.reader())
            .await?;
        Ok(row.as_ref().map(PartnerApp::from_row))
    }

    pub async fn by_certificate(
        state: &AppState,
        fingerprint: &str,
    ) -> Result<Option<PartnerApp>, sqlx::Error> {
        let columns = APP_COLUMNS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let row = sqlx::query(&format!(
            "SELECT {columns} FROM app_certificates c JOIN apps a ON a.app_id = c.app_id WHERE c.fingerprint = $1"
        ))
        .bind(fingerprint)
        .fetch_optional(state.db.reader())
        .await?;
        Ok(row.as_ref().map(PartnerApp::from_row))
    }
}

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
            // Issued by tossd's CA (the handshake checked that) but its app no longer exists.
            Some(fingerprint) => PartnerApp::by_certificate(state, fingerprint)
                .await?
                .ok_or_else(|| {
                    AitError::fail(
                        StatusCode::UNAUTHORIZED,
                        "UNAUTHORIZED",
                        "인증서가 유효하지 않아요.",
                    )
                }),
            None => PartnerApp::default_app(state)
                .await?
                .ok_or_else(AitError::internal),
        }
    }
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
/// `status` is 401 on endpoints that document 401, else 400 (REFERENCE.md §1.6.2).
pub async fn known_user(
    state: &AppState,
    app: &PartnerApp,
    headers: &HeaderMap,
    status: StatusCode,
) -> Result<i64, AitError> {
    let user_key = user_key_header(headers).ok_or_else(|| AitError::user_key_not_found(status))?;
    let row = sqlx::query(
        "SELECT u.withdrawn FROM app_users l JOIN users u ON u.user_key = l.user_key \
         WHERE l.app_id = $1 AND l.user_key = $2",
    )
    .bind(&app.app_id)
    .bind(user_key)
    .fetch_optional(state.db.reader())
    .await?;
    match row {
        None => Err(AitError::user_key_not_found(status)),
        Some(row) if flag(row.get(0)) => Err(AitError::user_not_found(status)),
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
