//! Webhooks and partner callbacks from the operator's side: where they go, what was sent, redelivery, and
//! test events that exercise the delivery machinery on its own (REFERENCE.md §4).

use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::Json;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

use crate::domain::time::Instant;
use crate::domain::webhooks;
use crate::outbox;
use crate::sim::{SimError, SimJson};
use crate::state::AppState;

/// Test mode: the only mode merchants have unless live keys exist.
const DEFAULT_MODE: &str = "test";

/// The merchant's id for `mId` (`default` names the default merchant).
async fn merchant_id(state: &AppState, m_id: &str) -> Result<(i64, String), SimError> {
    let row = if m_id == "default" {
        sqlx::query("SELECT id, mid FROM merchants WHERE is_default = 1")
            .fetch_optional(state.db.reader())
            .await?
    } else {
        sqlx::query("SELECT id, mid FROM merchants WHERE mid = $1")
            .bind(m_id)
            .fetch_optional(state.db.reader())
            .await?
    };
    row.map(|row| (row.get(0), row.get(1)))
        .ok_or_else(|| SimError::not_found(format!("no merchant {m_id:?}")))
}

/// The app's id for `appId` (`default` names the default app).
async fn app_id(state: &AppState, app_id: &str) -> Result<String, SimError> {
    let found: Option<String> = if app_id == "default" {
        sqlx::query_scalar("SELECT app_id FROM apps WHERE is_default = 1")
            .fetch_optional(state.db.reader())
            .await?
    } else {
        sqlx::query_scalar("SELECT app_id FROM apps WHERE app_id = $1")
            .bind(app_id)
            .fetch_optional(state.db.reader())
            .await?
    };
    found.ok_or_else(|| SimError::not_found(format!("no app {app_id:?}")))
}

/// An absolute http(s) URL with a host.
fn valid_url(url: &str) -> Result<(), SimError> {
    match Url::parse(url) {
        Ok(parsed)
            if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some() =>
        {
            Ok(())
        }
        _ => Err(SimError::bad_request(
            "url must be an absolute http:// or https:// URL",
        )),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MerchantWebhookRequest {
    /// Where Toss Payments events are POSTed
    pub url: String,
    /// `test` (default) or `live`
    pub mode: Option<String>,
    /// The event types to receive (default: all of `PAYMENT_STATUS_CHANGED`, `METHOD_UPDATED`,
    /// `CUSTOMER_STATUS_CHANGED`); events of other types are recorded as `NOT_SENT`
    pub event_types: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MerchantWebhookView {
    pub m_id: String,
    pub mode: String,
    pub url: String,
    /// `null` when subscribed to every type
    pub event_types: Option<Vec<String>>,
}

fn mode_of(mode: Option<String>) -> Result<String, SimError> {
    match mode.as_deref() {
        None => Ok(DEFAULT_MODE.to_owned()),
        Some("test" | "live") => Ok(mode.unwrap_or_default()),
        Some(_) => Err(SimError::bad_request("mode must be \"test\" or \"live\"")),
    }
}

/// Sets the merchant's webhook URL (`mId` = `default` for the default merchant). Events recorded from now
/// on are delivered there; each attempt goes to the URL configured at that moment.
#[utoipa::path(put, path = "/sim/v1/merchants/{mId}/webhook", tag = "Simulator",
    params(("mId" = String, Path, description = "merchant id, or `default`")),
    request_body = MerchantWebhookRequest,
    responses((status = 200, body = MerchantWebhookView), (status = 400, description = "bad url or mode"),
              (status = 404, description = "unknown merchant")))]
pub async fn put_merchant_webhook(
    State(state): State<AppState>,
    Path(m_id): Path<String>,
    SimJson(request): SimJson<MerchantWebhookRequest>,
) -> Result<Json<MerchantWebhookView>, SimError> {
    valid_url(&request.url)?;
    let mode = mode_of(request.mode)?;
    if let Some(types) = &request.event_types {
        let known = types
            .iter()
            .all(|t| webhooks::TP_EVENT_TYPES.contains(&t.as_str()));
        if types.is_empty() || !known {
            return Err(SimError::bad_request(format!(
                "eventTypes must be a non-empty list of {}",
                webhooks::TP_EVENT_TYPES.join(", ")
            )));
        }
    }
    let (id, mid) = merchant_id(&state, &m_id).await?;
    sqlx::query(
        "INSERT INTO merchant_webhooks (merchant_id, mode, url, event_types) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (merchant_id, mode) DO UPDATE SET url = $3, event_types = $4",
    )
    .bind(id)
    .bind(&mode)
    .bind(&request.url)
    .bind(request.event_types.as_ref().map(|types| types.join(",")))
    .execute(state.db.writer())
    .await?;
    Ok(Json(MerchantWebhookView {
        m_id: mid,
        mode,
        url: request.url,
        event_types: request.event_types,
    }))
}

/// Removes the merchant's webhook URL (both modes). Later events are recorded as `NOT_SENT`, and pending
/// attempts fail until a URL is set again.
#[utoipa::path(delete, path = "/sim/v1/merchants/{mId}/webhook", tag = "Simulator",
    params(("mId" = String, Path, description = "merchant id, or `default`")),
    responses((status = 200, description = "{}"), (status = 404, description = "unknown merchant")))]
pub async fn delete_merchant_webhook(
    State(state): State<AppState>,
    Path(m_id): Path<String>,
) -> Result<Json<Value>, SimError> {
    let (id, _) = merchant_id(&state, &m_id).await?;
    sqlx::query("DELETE FROM merchant_webhooks WHERE merchant_id = $1")
        .bind(id)
        .execute(state.db.writer())
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnlinkCallbackRequest {
    /// The partner's callback URL
    pub url: String,
    /// `GET` (query `userKey`, `referrer`) or `POST` (JSON body); `POST` when absent
    pub method: Option<String>,
    /// Sent as `Authorization: Basic <value>` (a value already starting with `Basic ` is sent unchanged)
    pub basic_auth: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnlinkCallbackView {
    pub app_id: String,
    pub url: String,
    pub method: String,
    pub basic_auth: Option<String>,
}

/// Sets the app's unlink callback, as in the Apps-in-Toss console (`appId` = `default` for the default app).
#[utoipa::path(put, path = "/sim/v1/apps/{appId}/unlink-callback", tag = "Simulator",
    params(("appId" = String, Path, description = "app id, or `default`")),
    request_body = UnlinkCallbackRequest,
    responses((status = 200, body = UnlinkCallbackView), (status = 400, description = "bad url, method or basicAuth"),
              (status = 404, description = "unknown app")))]
pub async fn put_unlink_callback(
    State(state): State<AppState>,
    Path(requested): Path<String>,
    SimJson(request): SimJson<UnlinkCallbackRequest>,
) -> Result<Json<UnlinkCallbackView>, SimError> {
    valid_url(&request.url)?;
    let method = match request.method.as_deref() {
        None | Some("POST") => "POST",
        Some("GET") => "GET",
        Some(_) => return Err(SimError::bad_request("method must be \"GET\" or \"POST\"")),
    };
    let basic_auth = request.basic_auth.filter(|value| !value.is_empty());
    if let Some(value) = &basic_auth {
        if HeaderValue::from_str(value).is_err() {
            return Err(SimError::bad_request(
                "basicAuth must be printable ASCII (a header value)",
            ));
        }
    }
    let app = app_id(&state, &requested).await?;
    sqlx::query(
        "INSERT INTO app_unlink_callbacks (app_id, url, method, basic_auth) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (app_id) DO UPDATE SET url = $2, method = $3, basic_auth = $4",
    )
    .bind(&app)
    .bind(&request.url)
    .bind(method)
    .bind(&basic_auth)
    .execute(state.db.writer())
    .await?;
    Ok(Json(UnlinkCallbackView {
        app_id: app,
        url: request.url,
        method: method.to_owned(),
        basic_auth,
    }))
}

/// Removes the app's unlink callback.
#[utoipa::path(delete, path = "/sim/v1/apps/{appId}/unlink-callback", tag = "Simulator",
    params(("appId" = String, Path, description = "app id, or `default`")),
    responses((status = 200, description = "{}"), (status = 404, description = "unknown app")))]
pub async fn delete_unlink_callback(
    State(state): State<AppState>,
    Path(requested): Path<String>,
) -> Result<Json<Value>, SimError> {
    let app = app_id(&state, &requested).await?;
    sqlx::query("DELETE FROM app_unlink_callbacks WHERE app_id = $1")
        .bind(&app)
        .execute(state.db.writer())
        .await?;
    Ok(Json(json!({})))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    /// `tosspayments-webhook-transmission-retried-count` of the attempt (0 = first)
    pub retried_count: i64,
    /// Business time when the attempt started (RFC 3339 UTC)
    pub time: String,
    /// The URL it went to; `null` when none was configured
    pub url: Option<String>,
    /// The receiver's HTTP status; `null` when no response came
    pub status_code: Option<i64>,
    /// Why the attempt failed; `null` on success
    pub error: Option<String>,
    pub success: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: i64,
    /// `tosspayments-webhook-transmission-id`, the same for every attempt of the event
    pub transmission_id: String,
    /// `MERCHANT_WEBHOOK` or `UNLINK_CALLBACK`
    pub destination: String,
    /// The URL configured for the destination now; `null` when none
    pub target_url: Option<String>,
    pub m_id: Option<String>,
    pub mode: Option<String>,
    pub app_id: Option<String>,
    /// `PAYMENT_STATUS_CHANGED`, `METHOD_UPDATED`, `CUSTOMER_STATUS_CHANGED` or `UNLINK_CALLBACK`
    pub event_type: String,
    /// The body as sent (for GET callbacks, the query's values)
    #[schema(value_type = Object)]
    pub payload: Value,
    /// `NOT_SENT` (no URL when recorded), `PENDING`, `DELIVERED` or `FAILED`
    pub state: String,
    /// Retries made so far in the current series
    pub retried_count: i64,
    /// When the next attempt is due (business time); `null` unless `PENDING`
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    /// Every attempt, oldest first
    pub attempts: Vec<AttemptView>,
}

/// An event with each of its attempts (one row per attempt, attempt columns `NULL` when there is none),
/// read in one statement so the event and its attempts come from one snapshot.
const DELIVERY_SELECT: &str = "SELECT e.id, e.transmission_id, e.destination, m.mid, e.mode, e.app_id, \
    e.event_type, e.body, e.state, e.retried_count, e.next_attempt_at, e.created_at, COALESCE(w.url, c.url), \
    a.id, a.retried_count, a.attempted_at, a.url, a.status_code, a.error, a.succeeded \
    FROM outbox_events e LEFT JOIN merchants m ON m.id = e.merchant_id \
    LEFT JOIN merchant_webhooks w ON w.merchant_id = e.merchant_id AND w.mode = e.mode \
    LEFT JOIN app_unlink_callbacks c ON c.app_id = e.app_id \
    LEFT JOIN outbox_attempts a ON a.event_id = e.id";

/// The newest deliveries `GET /sim/v1/webhooks` shows.
const LIST_LIMIT: i64 = 1000;

fn delivery_from_row(row: &AnyRow) -> DeliveryView {
    let body: String = row.get(7);
    let next_attempt_at: Option<i64> = row.get(10);
    DeliveryView {
        id: row.get(0),
        transmission_id: row.get(1),
        destination: row.get(2),
        m_id: row.get(3),
        mode: row.get(4),
        app_id: row.get(5),
        event_type: row.get(6),
        payload: serde_json::from_str(&body).unwrap_or(Value::String(body)),
        state: row.get(8),
        retried_count: row.get(9),
        next_attempt_at: next_attempt_at.map(|t| Instant(t).rfc3339_micros()),
        created_at: Instant(row.get(11)).rfc3339_micros(),
        target_url: row.get(12),
        attempts: Vec::new(),
    }
}

fn attempt_from_row(row: &AnyRow) -> Option<AttemptView> {
    let id: Option<i64> = row.get(13);
    id?;
    Some(AttemptView {
        retried_count: row.get(14),
        time: Instant(row.get(15)).rfc3339_micros(),
        url: row.get(16),
        status_code: row.get(17),
        error: row.get(18),
        success: crate::store::flag(row.get(19)),
    })
}

/// Folds rows ordered by event, then attempt, into deliveries.
fn deliveries(rows: &[AnyRow]) -> Vec<DeliveryView> {
    let mut out: Vec<DeliveryView> = Vec::new();
    for row in rows {
        let id: i64 = row.get(0);
        if out.last().map(|d| d.id) != Some(id) {
            out.push(delivery_from_row(row));
        }
        if let (Some(attempt), Some(delivery)) = (attempt_from_row(row), out.last_mut()) {
            delivery.attempts.push(attempt);
        }
    }
    out
}

/// Every delivery (webhooks and callbacks), newest first, with its attempts (at most the newest 1000).
#[utoipa::path(get, path = "/sim/v1/webhooks", tag = "Simulator",
    responses((status = 200, body = Vec<DeliveryView>)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
) -> Result<Json<Vec<DeliveryView>>, SimError> {
    let rows = sqlx::query(&format!(
        "{DELIVERY_SELECT} WHERE e.id IN (SELECT id FROM outbox_events ORDER BY id DESC LIMIT $1) \
         ORDER BY e.id DESC, a.id"
    ))
    .bind(LIST_LIMIT)
    .fetch_all(state.db.reader())
    .await?;
    Ok(Json(deliveries(&rows)))
}

/// One delivery by id or transmission id.
async fn delivery(state: &AppState, key: &str) -> Result<DeliveryView, SimError> {
    let rows = match key.parse::<i64>() {
        Ok(id) => {
            sqlx::query(&format!("{DELIVERY_SELECT} WHERE e.id = $1 ORDER BY a.id"))
                .bind(id)
                .fetch_all(state.db.reader())
                .await?
        }
        Err(_) => {
            sqlx::query(&format!(
                "{DELIVERY_SELECT} WHERE e.transmission_id = $1 ORDER BY a.id"
            ))
            .bind(key)
            .fetch_all(state.db.reader())
            .await?
        }
    };
    deliveries(&rows)
        .pop()
        .ok_or_else(|| SimError::not_found(format!("no webhook {key:?}")))
}

/// One delivery with its attempts, by `id` or transmission id.
#[utoipa::path(get, path = "/sim/v1/webhooks/{id}", tag = "Simulator",
    params(("id" = String, Path, description = "the delivery's id or transmission id")),
    responses((status = 200, body = DeliveryView), (status = 404, description = "unknown delivery")))]
pub async fn get_webhook(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Json<DeliveryView>, SimError> {
    Ok(Json(delivery(&state, &key).await?))
}

/// Starts a new attempt series now (retried count 0, same transmission id). Allowed for `DELIVERED` and
/// `FAILED` events and for `PENDING` ones without an attempt in flight; `NOT_SENT` events never had a
/// destination and answer 409.
#[utoipa::path(post, path = "/sim/v1/webhooks/{id}/redeliver", tag = "Simulator",
    params(("id" = String, Path, description = "the delivery's id or transmission id")),
    responses((status = 200, body = DeliveryView), (status = 404, description = "unknown delivery"),
              (status = 409, description = "NOT_SENT, or an attempt is in flight")))]
pub async fn redeliver_webhook(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Json<DeliveryView>, SimError> {
    let before = delivery(&state, &key).await?;
    let now = state.clock.now(&state.db).await?;
    let wall = chrono::Utc::now().timestamp_micros();
    let updated = sqlx::query(
        "UPDATE outbox_events SET state = 'PENDING', retried_count = 0, next_attempt_at = $1, \
         lease_until = NULL, lease_token = NULL WHERE id = $2 AND (state IN ('DELIVERED', 'FAILED') \
         OR (state = 'PENDING' AND (lease_until IS NULL OR lease_until < $3)))",
    )
    .bind(now.micros())
    .bind(before.id)
    .bind(wall)
    .execute(state.db.writer())
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(SimError {
            status: axum::http::StatusCode::CONFLICT,
            code: "CONFLICT",
            message: format!(
                "webhook {} cannot be redelivered now (state {})",
                before.id, before.state
            ),
        });
    }
    outbox::wake(&state);
    Ok(Json(delivery(&state, &before.id.to_string()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestEventRequest {
    /// `merchant` (a Toss Payments webhook of the default merchant, test mode) or `unlink` (an unlink
    /// callback of the default app)
    pub target: String,
    /// Merchant events: the `eventType` (default `PAYMENT_STATUS_CHANGED`)
    pub event_type: Option<String>,
    /// Merchant events: the `data` object (default `{}`)
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
    /// Unlink callbacks: the userKey (default 123456789)
    pub user_key: Option<i64>,
    /// Unlink callbacks: `UNLINK` (default), `WITHDRAWAL_TERMS` or `WITHDRAWAL_TOSS`
    pub referrer: Option<String>,
}

/// Records an event that no state change caused, to try a receiver or the delivery machinery on its own.
/// It is delivered exactly like real events (a simulator feature; Toss has no such call).
#[utoipa::path(post, path = "/sim/v1/webhooks/test-events", tag = "Simulator",
    request_body = TestEventRequest,
    responses((status = 200, body = DeliveryView), (status = 400, description = "bad target or fields")))]
pub async fn create_test_event(
    State(state): State<AppState>,
    SimJson(request): SimJson<TestEventRequest>,
) -> Result<Json<DeliveryView>, SimError> {
    let mut tx;
    let id = match request.target.as_str() {
        "merchant" => {
            let event_type = request
                .event_type
                .unwrap_or_else(|| "PAYMENT_STATUS_CHANGED".to_owned());
            if event_type.is_empty() {
                return Err(SimError::bad_request("eventType must not be empty"));
            }
            let (merchant, _) = merchant_id(&state, "default").await?;
            tx = state.db.begin().await?;
            let now = state.clock.now_in(&mut tx).await?;
            let data = request.data.unwrap_or_else(|| json!({}));
            outbox::enqueue_webhook(&mut tx, now, merchant, DEFAULT_MODE, &event_type, data).await?
        }
        "unlink" => {
            let user_key = request.user_key.unwrap_or(123_456_789);
            if user_key <= 0 {
                return Err(SimError::bad_request("userKey must be a positive number"));
            }
            let referrer = request.referrer.unwrap_or_else(|| "UNLINK".to_owned());
            if !matches!(
                referrer.as_str(),
                "UNLINK" | "WITHDRAWAL_TERMS" | "WITHDRAWAL_TOSS"
            ) {
                return Err(SimError::bad_request(
                    "referrer must be UNLINK, WITHDRAWAL_TERMS or WITHDRAWAL_TOSS",
                ));
            }
            let app = app_id(&state, "default").await?;
            tx = state.db.begin().await?;
            let now = state.clock.now_in(&mut tx).await?;
            outbox::enqueue_unlink(&mut tx, now, &app, user_key, &referrer).await?
        }
        _ => {
            return Err(SimError::bad_request(
                "target must be \"merchant\" or \"unlink\"",
            ))
        }
    };
    tx.commit().await?;
    outbox::wake(&state);
    Ok(Json(delivery(&state, &id.to_string()).await?))
}
