//! `Idempotency-Key` on Toss Payments `POST`s (docs/reference.md §1.7.1, §3.7).
//!
//! A request is a duplicate when (key, credential, path, method) match. The first one creates an
//! `IN_PROGRESS` record in its own committed statement (the primary key makes that exactly once), runs,
//! and stores its status and body; duplicates then get those bytes back, or `409
//! IDEMPOTENT_REQUEST_PROCESSING` while it runs. A handler whose success changes state stores its answer
//! inside the transaction that makes the change ([`Idempotency::commit`]): were the answer stored after
//! the commit, a process killed in between would leave the effect without its record, and the retry
//! after 60 s would apply it a second time (a partial cancel taken twice). A record left `IN_PROGRESS` for 60 s of real time is
//! abandoned (its process died) and the next duplicate takes it over. Records live 15 days of business
//! time (`domain::idempotency` judges a record; `store::payments` keeps them).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::idempotency::{self, Verdict};
use crate::domain::secrets;
use crate::state::AppState;
use crate::store::payments as store;
use crate::store::Tx;
use crate::tosspayments::codes;
use crate::tosspayments::credential::Credential;
use crate::tosspayments::error::prefers_english;
use crate::tosspayments::TpError;
use crate::web::connections::BodyArrival;
use crate::web::raw_json_response;

pub const HEADER: &str = "idempotency-key";
/// Longest accepted key, in characters.
pub const MAX_KEY_CHARS: usize = 300;

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

/// The record a request with an `Idempotency-Key` runs under (a request extension the middleware sets).
#[derive(Clone, Debug)]
struct HeldRecord {
    fingerprint: String,
    owner: String,
}

/// Extracts the request's idempotency record, if it runs under one: handlers commit their effect with
/// [`Idempotency::commit`].
pub struct Idempotency(Option<HeldRecord>);

impl<S: Send + Sync> FromRequestParts<S> for Idempotency {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Idempotency(parts.extensions.get::<HeldRecord>().cloned()))
    }
}

impl Idempotency {
    /// Stores `value` as the request's 200 answer on its idempotency record inside `tx`, commits, and
    /// answers it: the effect and the answer a retry replays commit together.
    pub async fn commit(
        self,
        mut tx: Tx,
        value: &impl serde::Serialize,
    ) -> Result<Response, TpError> {
        let body = serde_json::to_string(value).map_err(|e| {
            tracing::error!(error = %e, "response serialisation failed");
            TpError(&codes::COMMON_ERROR)
        })?;
        if let Some(held) = &self.0 {
            let stored = store::complete_idempotency(
                &mut *tx,
                &held.fingerprint,
                &held.owner,
                StatusCode::OK.as_u16(),
                &body,
            )
            .await?;
            if !stored {
                // This request outlived the 60 s after which its record counts as abandoned, and a retry
                // took the record over: the retry applies the change, so this one must not (dropping
                // `tx` rolls it back).
                return Err(TpError(&codes::IDEMPOTENT_REQUEST_PROCESSING));
            }
        }
        tx.commit().await?;
        Ok(raw_json_response(StatusCode::OK, body))
    }
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
pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
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
    let arrival = request.extensions().get::<BodyArrival>().cloned();
    request.extensions_mut().insert(HeldRecord {
        fingerprint: fingerprint.clone(),
        owner: owner.clone(),
    });
    let response = next.run(request).await;
    if arrival.is_some_and(|a| a.incomplete()) {
        // The request never arrived whole (too slow or cut off), so nothing ran: a retry with the key runs
        // afresh instead of replaying this answer.
        if let Err(e) = store::delete_idempotency(&state.db, &fingerprint, &owner).await {
            tracing::error!(error = %e, "idempotency record could not be released");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "response body could not be read for the idempotency record");
            return TpError(&codes::COMMON_ERROR).render(english);
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    // Already stored (false) when the handler committed its effect with the answer.
    let completed = store::complete_idempotency(
        state.db.writer(),
        &fingerprint,
        &owner,
        parts.status.as_u16(),
        &text,
    );
    if let Err(e) = completed.await {
        // The response still goes out; a duplicate finds the record abandoned after 60 s.
        tracing::error!(error = %e, "idempotency record could not be completed");
    }
    Response::from_parts(parts, Body::from(bytes)).into_response()
}

/// Creates the record, or decides from the existing one.
async fn claim(state: &AppState, fingerprint: &str) -> Result<Claim, sqlx::Error> {
    let db = &state.db;
    let now = state.clock.now(db).await?;
    // A few rounds: a record may vanish (expired) or be taken over between our statements.
    for _ in 0..5 {
        let owner = secrets::random_alnum(24);
        let real_now = real_now_micros();
        if store::create_idempotency(db, fingerprint, &owner, now, real_now).await? {
            return Ok(Claim::Run { owner });
        }
        let Some(record) = store::idempotency_record(db, fingerprint).await? else {
            continue;
        };
        match idempotency::judge(
            record.state,
            record.created_at,
            record.started_real,
            now,
            real_now,
        ) {
            Verdict::Replay => {
                return Ok(Claim::Replay {
                    status: record
                        .status
                        .and_then(|s| u16::try_from(s).ok())
                        .unwrap_or(200),
                    body: record.body.unwrap_or_default(),
                });
            }
            Verdict::Running => return Ok(Claim::Running),
            // The key is new again: drop the old record (once) and create ours.
            Verdict::Expired => store::delete_idempotency(db, fingerprint, &record.owner).await?,
            Verdict::Abandoned => {
                if store::take_over_idempotency(
                    db,
                    fingerprint,
                    &record.owner,
                    &owner,
                    now,
                    real_now,
                )
                .await?
                {
                    return Ok(Claim::Run { owner });
                }
            }
        }
    }
    Ok(Claim::Running)
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
