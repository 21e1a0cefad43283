//! The request journal from the operator's side (docs/journal.md): `GET /sim/v1/requests` lists the partner
//! API calls every process on the database journaled, newest first, and `GET /sim/v1/requests/{id}` shows
//! one with both bodies. Reads first write this process's queued entries, so a call answered before the
//! read is in it.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::domain::time::Instant;
use crate::journal::near_miss::NearMiss;
use crate::sim::{SimError, SimPath, SimQuery};
use crate::state::AppState;
use crate::store::journal::{self as store, Exchange, Filter, Summary, OBJECT_COLUMNS};

/// Entries a listing answers unless told (`limit`), and at most.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

/// Filters of `GET /sim/v1/requests`; each narrows the list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// The path: a prefix (`/v1/payments`), or a glob where `*` is any text and `?` one character
    /// (`/v1/payments/*/cancel`)
    pub path: Option<String>,
    /// The HTTP method (`POST`)
    pub method: Option<String>,
    /// The status (`404`) or class (`4xx`)
    pub status: Option<String>,
    /// Any id the call touched: a paymentKey, payToken, orderId, orderNo, customerKey, userKey or methodKey
    pub object: Option<String>,
    /// Calls recorded at or after this instant (RFC 3339, wall clock)
    pub since: Option<String>,
    /// How many entries (default 50, at most 500)
    pub limit: Option<String>,
    /// The `nextCursor` of the previous page
    pub cursor: Option<String>,
}

/// One journaled call.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntryView {
    pub id: i64,
    /// When tossd answered, on the wall clock (RFC 3339)
    pub at: String,
    /// The simulated clock's instant then
    pub simulated_at: String,
    pub method: String,
    pub path: String,
    /// The query string, secrets redacted
    pub query: Option<String>,
    /// `apps-in-toss` or `tosspayments`
    pub family: String,
    /// `{"appId"}` (Apps-in-Toss) or `{"mId", "mode"}` (Toss Payments, by the secret key); `{}` unknown
    #[schema(value_type = Object)]
    pub caller: Value,
    pub status: i64,
    pub duration_ms: f64,
    pub idempotency_key: Option<String>,
    /// The ids the call touched, by kind (`paymentKey`, `payToken`, `orderId`, `orderNo`, `customerKey`,
    /// `userKey`, `methodKey`), from the path, headers and bodies
    pub objects: BTreeMap<String, String>,
    /// For a call that matched no route: the route it probably meant
    pub near_miss: Option<NearMiss>,
}

/// One side of a call, secrets redacted.
#[derive(Serialize, ToSchema)]
pub struct ExchangeView {
    pub headers: BTreeMap<String, String>,
    /// The body as text, up to 64 KiB
    pub body: String,
    /// Whether the body was longer than 64 KiB
    pub truncated: bool,
}

/// A journaled call with its request and response.
#[derive(Serialize, ToSchema)]
pub struct EntryDetail {
    #[serde(flatten)]
    pub entry: EntryView,
    pub request: ExchangeView,
    pub response: ExchangeView,
}

/// A page of the journal, newest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestsPage {
    pub requests: Vec<EntryView>,
    /// Pass as `cursor` for the next (older) page; `null` on the last
    pub next_cursor: Option<String>,
}

fn view(s: Summary) -> Result<EntryView, SimError> {
    let caller = serde_json::from_str(&s.caller)
        .map_err(|e| anyhow::anyhow!("journal entry {} has an unreadable caller: {e}", s.id))?;
    let near_miss = s
        .near_miss
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| anyhow::anyhow!("journal entry {} has an unreadable near miss: {e}", s.id))?;
    let objects = OBJECT_COLUMNS
        .iter()
        .zip(s.objects)
        .filter_map(|((kind, _), id)| id.map(|id| ((*kind).to_owned(), id)))
        .collect();
    Ok(EntryView {
        id: s.id,
        at: Instant(s.at).rfc3339_micros(),
        simulated_at: Instant(s.simulated_at).rfc3339_micros(),
        method: s.method,
        path: s.path,
        query: s.query,
        family: s.family,
        caller,
        status: s.status,
        duration_ms: s.duration_us as f64 / 1000.0,
        idempotency_key: s.idempotency_key,
        objects,
        near_miss,
    })
}

fn exchange_view(id: i64, e: Exchange) -> Result<ExchangeView, SimError> {
    Ok(ExchangeView {
        headers: serde_json::from_str(&e.headers)
            .map_err(|err| anyhow::anyhow!("journal entry {id} has unreadable headers: {err}"))?,
        body: e.body,
        truncated: e.truncated,
    })
}

/// A path filter: a plain prefix, or a glob whose text before the first wildcard is the prefix.
struct PathFilter {
    prefix: String,
    glob: Option<String>,
}

impl PathFilter {
    fn parse(text: &str) -> PathFilter {
        match text.find(['*', '?']) {
            None => PathFilter {
                prefix: text.to_owned(),
                glob: None,
            },
            Some(at) => PathFilter {
                prefix: text[..at].to_owned(),
                glob: Some(text.to_owned()),
            },
        }
    }

    fn keeps(&self, path: &str) -> bool {
        self.glob.as_deref().is_none_or(|g| glob_matches(g, path))
    }
}

/// Whether `text` matches `pattern`, where `*` is any text (also `/`) and `?` one character.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// `404` → 404..405, `4xx` → 400..500.
fn status_range(text: &str) -> Option<(i64, i64)> {
    let lower = text.to_ascii_lowercase();
    if let Some(class) = lower.strip_suffix("xx") {
        let class: i64 = class.parse().ok().filter(|c| (1..=5).contains(c))?;
        return Some((class * 100, class * 100 + 100));
    }
    let status: i64 = text.parse().ok().filter(|s| (100..=599).contains(s))?;
    Some((status, status + 1))
}

/// The journaled partner API calls, newest first, filtered and paged.
#[utoipa::path(get, path = "/sim/v1/requests", tag = "Simulator",
    params(RequestsQuery),
    responses((status = 200, body = RequestsPage), (status = 400, description = "a malformed filter")))]
pub async fn list_requests(
    State(state): State<AppState>,
    SimQuery(query): SimQuery<RequestsQuery>,
) -> Result<Json<RequestsPage>, SimError> {
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                SimError::bad_request(format!(
                    "limit: {text:?} is not a number from 1 to {MAX_LIMIT}"
                ))
            })?,
    };
    let status = query
        .status
        .as_deref()
        .map(|text| {
            status_range(text).ok_or_else(|| {
                SimError::bad_request(format!(
                    "status: {text:?} is not a status (404) or class (4xx)"
                ))
            })
        })
        .transpose()?;
    let since = query
        .since
        .as_deref()
        .map(|text| {
            Instant::parse_rfc3339(text).ok_or_else(|| {
                SimError::bad_request(format!("since: {text:?} is not an RFC 3339 instant"))
            })
        })
        .transpose()?;
    let before_id = query
        .cursor
        .as_deref()
        .map(|text| {
            text.parse::<i64>()
                .map_err(|_| SimError::bad_request(format!("cursor: {text:?} is not a cursor")))
        })
        .transpose()?;
    let path = query.path.as_deref().map(PathFilter::parse);
    let mut filter = Filter {
        path_prefix: path
            .as_ref()
            .map(|p| p.prefix.clone())
            .filter(|p| !p.is_empty()),
        method: query.method.map(|m| m.to_ascii_uppercase()),
        status,
        object: query.object,
        since: since.map(Instant::micros),
        before_id,
    };
    state.journal.flush().await;
    // A glob is checked here, so pages of candidates are read until the page is full.
    let chunk = if path.as_ref().is_some_and(|p| p.glob.is_some()) {
        MAX_LIMIT as i64
    } else {
        limit as i64 + 1
    };
    let mut kept = Vec::new();
    loop {
        let rows = store::list(&state.db, &filter, chunk).await?;
        let exhausted = (rows.len() as i64) < chunk;
        for row in rows {
            filter.before_id = Some(row.id);
            if path.as_ref().is_none_or(|p| p.keeps(&row.path)) {
                kept.push(row);
                if kept.len() > limit {
                    break;
                }
            }
        }
        if exhausted || kept.len() > limit {
            break;
        }
    }
    let next_cursor = if kept.len() > limit {
        kept.truncate(limit);
        kept.last().map(|row| row.id.to_string())
    } else {
        None
    };
    Ok(Json(RequestsPage {
        requests: kept.into_iter().map(view).collect::<Result<_, _>>()?,
        next_cursor,
    }))
}

/// One journaled call with its request and response (headers, bodies), secrets redacted.
#[utoipa::path(get, path = "/sim/v1/requests/{id}", tag = "Simulator",
    params(("id" = i64, Path, description = "the entry's id")),
    responses((status = 200, body = EntryDetail), (status = 404, description = "no such entry")))]
pub async fn get_request(
    State(state): State<AppState>,
    SimPath(id): SimPath<String>,
) -> Result<Json<EntryDetail>, SimError> {
    let missing = || SimError::not_found(format!("no journal entry {id:?}"));
    let number: i64 = id.parse().map_err(|_| missing())?;
    state.journal.flush().await;
    let (summary, request, response) = store::get(&state.db, number).await?.ok_or_else(missing)?;
    Ok(Json(EntryDetail {
        entry: view(summary)?,
        request: exchange_view(number, request)?,
        response: exchange_view(number, response)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_any_text_and_one_character() {
        assert!(glob_matches(
            "/v1/payments/*/cancel",
            "/v1/payments/pk_1/cancel"
        ));
        assert!(glob_matches("/v1/*", "/v1/a/b"));
        assert!(glob_matches("/v1/?", "/v1/a"));
        assert!(!glob_matches("/v1/?", "/v1/ab"));
        assert!(!glob_matches("/v1/payments/*/cancel", "/v1/payments/pk_1"));
    }

    #[test]
    fn statuses_are_exact_or_a_class() {
        assert_eq!(status_range("404"), Some((404, 405)));
        assert_eq!(status_range("4xx"), Some((400, 500)));
        assert_eq!(status_range("4XX"), Some((400, 500)));
        assert_eq!(status_range("9xx"), None);
        assert_eq!(status_range("abc"), None);
        assert_eq!(status_range("99"), None);
    }
}
