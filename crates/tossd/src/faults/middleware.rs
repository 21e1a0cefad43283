//! Applying the fault rules to partner API requests (`/api-partner/…`, `/v1/…`). A request is checked
//! against the process's copy of the rules: with none (the usual case) it costs one atomic load. Only a
//! request whose method and path match a rule pays for more: its body is read when a rule looks at it,
//! its caller is looked up when a rule names an app or merchant, the simulated clock is read for a rule
//! with a window, and a firing is counted in the database.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Extensions, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Serialize;
use serde_json::Value;

use super::{Effect, FaultRules, Rule};
use crate::clock::Clock;
use crate::domain::secrets;
use crate::identity::tls::PeerCertificate;
use crate::store::{self, Db};
use crate::web::connections::DropConnection;
use crate::web::{json_response, MAX_BODY_BYTES};

/// What the middleware needs: the rules, the database (counts, callers) and the clock (windows).
#[derive(Clone)]
pub struct Injector {
    pub rules: FaultRules,
    pub db: Db,
    pub clock: Clock,
}

pub async fn inject(State(injector): State<Injector>, request: Request, next: Next) -> Response {
    let Some(set) = injector.rules.api() else {
        return next.run(request).await;
    };
    let (method, path) = (request.method().as_str(), request.uri().path());
    let candidates: Vec<_> = set
        .api
        .iter()
        .filter(|loaded| loaded.live() && loaded.rule.matches_route(method, path))
        .cloned()
        .collect();
    if candidates.is_empty() {
        return next.run(request).await;
    }
    let (request, body) = if candidates.iter().any(|l| l.rule.needs_body()) {
        buffered(request).await
    } else {
        (request, None)
    };
    let mut facts = Facts::default();
    for loaded in candidates {
        let rule = &loaded.rule;
        if !rule.body_matches(body.as_ref())
            || !facts
                .caller_matches(&injector.db, rule, request.headers(), request.extensions())
                .await
            || !facts.in_window(&injector, rule).await
            || !rule.chosen(rand::random::<f64>())
        {
            continue;
        }
        match store::faults::fire(&injector.db, rule.id).await {
            Ok(true) => return apply(&rule.effect, request, next).await,
            Ok(false) => loaded.mark_exhausted(),
            Err(e) => {
                tracing::warn!(error = %e, id = rule.id, "counting a fault rule's firing failed")
            }
        }
    }
    next.run(request).await
}

async fn apply(effect: &Effect, request: Request, next: Next) -> Response {
    match effect {
        Effect::Error {
            status,
            code,
            message,
        } => family_error(request.uri().path(), *status, code, message),
        Effect::Latency(wait) => {
            tokio::time::sleep(*wait).await;
            next.run(request).await
        }
        Effect::Drop => {
            let mut response = StatusCode::BAD_GATEWAY.into_response();
            response.extensions_mut().insert(DropConnection);
            response
        }
        Effect::BadGateway => StatusCode::BAD_GATEWAY.into_response(),
    }
}

/// The request with its body read into memory, and that body as JSON (`None` when it is not JSON or
/// could not be read whole; the handler then sees an empty body and answers as it does to a bad one).
async fn buffered(request: Request) -> (Request, Option<Value>) {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => {
            let json = serde_json::from_slice(&bytes).ok();
            (Request::from_parts(parts, Body::from(bytes)), json)
        }
        Err(_) => (Request::from_parts(parts, Body::empty()), None),
    }
}

/// What one request's rules asked about it, looked up at most once.
#[derive(Default)]
struct Facts {
    app_id: Option<Option<String>>,
    m_id: Option<Option<String>>,
    now: Option<Option<crate::domain::time::Instant>>,
}

impl Facts {
    /// Takes the request's parts rather than the request, whose body cannot be shared across an await.
    async fn caller_matches(
        &mut self,
        db: &Db,
        rule: &Rule,
        headers: &HeaderMap,
        extensions: &Extensions,
    ) -> bool {
        if let Some(wanted) = &rule.app_id {
            if self.app_id.is_none() {
                self.app_id = Some(calling_app(db, extensions).await);
            }
            if self.app_id.as_ref().and_then(Option::as_ref) != Some(wanted) {
                return false;
            }
        }
        if let Some(wanted) = &rule.m_id {
            if self.m_id.is_none() {
                self.m_id = Some(calling_merchant(db, headers).await);
            }
            if self.m_id.as_ref().and_then(Option::as_ref) != Some(wanted) {
                return false;
            }
        }
        true
    }

    async fn in_window(&mut self, injector: &Injector, rule: &Rule) -> bool {
        if !rule.has_window() {
            return true;
        }
        if self.now.is_none() {
            self.now = Some(match injector.clock.now(&injector.db).await {
                Ok(now) => Some(now),
                Err(e) => {
                    tracing::warn!(error = %e, "reading the clock for a fault rule failed");
                    None
                }
            });
        }
        self.now.flatten().is_some_and(|now| rule.active_at(now))
    }
}

/// The Apps-in-Toss app of the request: its client certificate's, or the default app without one.
async fn calling_app(db: &Db, extensions: &Extensions) -> Option<String> {
    let fingerprint = extensions
        .get::<PeerCertificate>()
        .and_then(|p| p.0.clone());
    let app = match fingerprint {
        Some(fingerprint) => store::apps::by_certificate(db, &fingerprint).await,
        None => store::apps::default_app(db.reader()).await,
    };
    app.ok().flatten().map(|app| app.app_id)
}

/// The merchant whose secret key the request's `Authorization: Basic` carries.
async fn calling_merchant(db: &Db, headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let encoded = encoded.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded))
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (key, _) = text.split_once(':')?;
    let (_, found) = store::merchants::by_secret_key_hash(db, &secrets::hash(key))
        .await
        .ok()?;
    found.map(|(merchant, _)| merchant.mid)
}

/// The Apps-in-Toss FAIL envelope (docs/reference.md §1.4), fields in the documented order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AitFail<'a> {
    result_type: &'static str,
    success: Option<()>,
    error: AitFailBody<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AitFailBody<'a> {
    error_type: i32,
    error_code: &'a str,
    reason: &'a str,
    data: Value,
    title: Option<()>,
}

/// A Toss Payments error (docs/reference.md §1.5).
#[derive(Serialize)]
struct TpFail<'a> {
    code: &'a str,
    message: &'a str,
}

/// An error rule's answer in the envelope of the request's family, by path prefix.
fn family_error(path: &str, status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if path.starts_with("/api-partner/") {
        json_response(
            status,
            &AitFail {
                result_type: "FAIL",
                success: None,
                error: AitFailBody {
                    error_type: 0,
                    error_code: code,
                    reason: message,
                    data: Value::Object(serde_json::Map::new()),
                    title: None,
                },
            },
        )
    } else {
        json_response(status, &TpFail { code, message })
    }
}
