//! `Idempotency-Key` on Toss Payments `POST`s (REFERENCE.md §1.7.1, §3.7).
//!
//! A request is a duplicate when (key, credential, path, method) match. The first one creates an
//! `IN_PROGRESS` record in its own committed statement (the primary key makes that exactly once), runs,
//! and stores its status and body; duplicates then get those bytes back, or `409
//! IDEMPOTENT_REQUEST_PROCESSING` while it runs. A record left `IN_PROGRESS` for 60 s of real time is
//! abandoned (its process died) and the next duplicate takes it over. Records live 15 days of business
//! time.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::Row;

use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::state::AppState;
use crate::tosspayments::codes;
use crate::tosspayments::credential::Credential;
use crate::tosspayments::error::prefers_english;
use crate::tosspayments::TpError;
use crate::web::raw_json_response;

pub const HEADER: &str = "idempotency-key";
/// Longest accepted key, in characters.
pub const MAX_KEY_CHARS: usize = 300;
/// Business-time retention of a record.
pub const RETENTION_SECONDS: i64 = 15 * 24 * 3600;
/// Real time after which an unfinished record counts as abandoned.
pub const ABANDONED_AFTER_MICROS: i64 = 60 * 1_000_000;

/// What the header asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyHeader {
    Absent,
    TooLong,
    Key(String),
}

/// Reads the header: an empty value counts as absent; longer than 300 characters is refused.
pub fn key_header(headers: &HeaderMap) -> KeyHeader {
    let Some(value) = headers.get(HEADER) else {
        return KeyHeader::Absent;
    };
    let key = String::from_utf8_lossy(value.as_bytes()).into_owned();
    if key.is_empty() {
        KeyHeader::Absent
    } else if key.chars().count() > MAX_KEY_CHARS {
        KeyHeader::TooLong
    } else {
        KeyHeader::Key(key)
    }
}

/// The record's primary key: SHA-256 over the four parts, each length-prefixed so they cannot run
/// into one another.
pub fn fingerprint(key: &str, credential: &str, path: &str, method: &str) -> String {
    let joined = [key, credential, path, method]
        .iter()
        .map(|part| format!("{}:{part}", part.len()))
        .collect::<Vec<_>>()
        .join("|");
    secrets::hash(&joined)
}

fn real_now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// What to do with a request after looking at its record.
enum Claim {
    /// This request owns the record and runs.
    Run {
        owner: String,
    },
    Replay {
        status: u16,
        body: String,
    },
    Running,
}

/// The middleware, layered after the credentials step on the Toss Payments routes.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(credential) = request.extensions().get::<Credential>().cloned() else {
        // Unauthenticated: the handler answers with the credential error, which is not recorded.
        return next.run(request).await;
    };
    let english = prefers_english(request.headers());
    let key = match key_header(request.headers()) {
        KeyHeader::Absent => return next.run(request).await,
        KeyHeader::TooLong => return TpError(&codes::INVALID_IDEMPOTENCY_KEY).render(english),
        KeyHeader::Key(key) => key,
    };
    let fingerprint = fingerprint(
        &key,
        &credential.scope,
        request.uri().path(),
        request.method().as_str(),
    );
    let owner = match claim(&state, &fingerprint).await {
        Ok(Claim::Run { owner }) => owner,
        Ok(Claim::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return raw_json_response(status, body);
        }
        Ok(Claim::Running) => {
            return TpError(&codes::IDEMPOTENT_REQUEST_PROCESSING).render(english);
        }
        Err(e) => return TpError::from(e).render(english),
    };
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "response body could not be read for the idempotency record");
            return TpError(&codes::COMMON_ERROR).render(english);
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if let Err(e) = complete(&state, &fingerprint, &owner, parts.status.as_u16(), &text).await {
        // The response still goes out; a duplicate finds the record abandoned after 60 s.
        tracing::error!(error = %e, "idempotency record could not be completed");
    }
    Response::from_parts(parts, Body::from(bytes)).into_response()
}

/// Creates the record, or decides from the existing one.
async fn claim(state: &AppState, fingerprint: &str) -> Result<Claim, sqlx::Error> {
    let now = state.clock.now(&state.db).await?;
    // A few rounds: a record may vanish (expired) or be taken over between our statements.
    for _ in 0..5 {
        let owner = secrets::random_alnum(24);
        let real_now = real_now_micros();
        let created = sqlx::query(
            "INSERT INTO tp_idempotency (fingerprint, state, owner, created_at, started_real) \
             VALUES ($1, 'IN_PROGRESS', $2, $3, $4) ON CONFLICT (fingerprint) DO NOTHING",
        )
        .bind(fingerprint)
        .bind(&owner)
        .bind(now.micros())
        .bind(real_now)
        .execute(state.db.writer())
        .await?
        .rows_affected()
            == 1;
        if created {
            return Ok(Claim::Run { owner });
        }
        let Some(row) = sqlx::query(
            "SELECT state, owner, status, body, created_at, started_real FROM tp_idempotency \
             WHERE fingerprint = $1",
        )
        .bind(fingerprint)
        .fetch_optional(state.db.writer())
        .await?
        else {
            continue;
        };
        let (record_state, previous_owner): (String, String) = (row.get(0), row.get(1));
        let created_at = Instant(row.get(4));
        let started_real: i64 = row.get(5);
        let finished = record_state == "COMPLETED";
        let abandoned = !finished && real_now - started_real >= ABANDONED_AFTER_MICROS;
        if finished && Instant::is_expired(created_at, RETENTION_SECONDS, now) {
            // The key is new again: drop the old record (once) and create ours.
            sqlx::query("DELETE FROM tp_idempotency WHERE fingerprint = $1 AND owner = $2")
                .bind(fingerprint)
                .bind(&previous_owner)
                .execute(state.db.writer())
                .await?;
            continue;
        }
        if finished {
            let status: Option<i64> = row.get(2);
            let body: Option<String> = row.get(3);
            return Ok(Claim::Replay {
                status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
                body: body.unwrap_or_default(),
            });
        }
        if !abandoned {
            return Ok(Claim::Running);
        }
        let taken = sqlx::query(
            "UPDATE tp_idempotency SET owner = $1, created_at = $2, started_real = $3 \
             WHERE fingerprint = $4 AND owner = $5 AND state = 'IN_PROGRESS'",
        )
        .bind(&owner)
        .bind(now.micros())
        .bind(real_now)
        .bind(fingerprint)
        .bind(&previous_owner)
        .execute(state.db.writer())
        .await?
        .rows_affected()
            == 1;
        if taken {
            return Ok(Claim::Run { owner });
        }
    }
    Ok(Claim::Running)
}

/// Stores the outcome on the record this request owns.
async fn complete(
    state: &AppState,
    fingerprint: &str,
    owner: &str,
    status: u16,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tp_idempotency SET state = 'COMPLETED', status = $1, body = $2 \
         WHERE fingerprint = $3 AND owner = $4 AND state = 'IN_PROGRESS'",
    )
    .bind(i64::from(status))
    .bind(body)
    .bind(fingerprint)
    .bind(owner)
    .execute(state.db.writer())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn header(value: &str) -> KeyHeader {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_str(value).unwrap());
        key_header(&headers)
    }

    #[test]
    fn keys_up_to_300_characters_are_accepted() {
        assert_eq!(key_header(&HeaderMap::new()), KeyHeader::Absent);
        assert_eq!(header(""), KeyHeader::Absent);
        assert_eq!(header(&"k".repeat(300)), KeyHeader::Key("k".repeat(300)));
        assert_eq!(header(&"k".repeat(301)), KeyHeader::TooLong);
    }

    #[test]
    fn fingerprints_separate_every_part() {
        let a = fingerprint("key", "cred", "/v1/x", "POST");
        assert_eq!(a, fingerprint("key", "cred", "/v1/x", "POST"));
        assert_ne!(a, fingerprint("key", "cred", "/v1/y", "POST"));
        assert_ne!(a, fingerprint("key", "cred2", "/v1/x", "POST"));
        assert_ne!(
            fingerprint("ab", "c", "/", "POST"),
            fingerprint("a", "bc", "/", "POST")
        );
    }
}
