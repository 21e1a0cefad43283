//! Webhooks and partner callbacks from the operator's side: where they go, what was sent, redelivery, and
//! test events that exercise the delivery machinery on its own (docs/reference.md §4).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::Json;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::domain::login::UnlinkReason;
use crate::domain::time::Instant;
use crate::domain::webhooks::{self, CallbackMethod, DestinationKind, EventState, EventType};
use crate::outbox;
use crate::sim::{identities, SimError, SimJson, SimPath};
use crate::state::AppState;
use crate::store::merchants::Merchant;
use crate::store::outbox::{Attempt, Delivery, MerchantWebhook, UnlinkCallback};
use crate::store::{self, Db};

/// Test mode: the only mode merchants have unless live keys exist.
const DEFAULT_MODE: &str = "test";

/// The merchant for `mId` (`default` names the default merchant).
async fn merchant(db: &Db, m_id: &str) -> Result<Merchant, SimError> {
    identities::merchant(db, Some(m_id)).await
}

/// The app's id for `appId` (`default` names the default app).
async fn app_id(db: &Db, app_id: &str) -> Result<String, SimError> {
    Ok(identities::app(db, Some(app_id)).await?.app_id)
}

/// The Toss Payments event types, for messages.
fn toss_payments_types() -> String {
    EventType::TOSS_PAYMENTS
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A Toss Payments event type a merchant can receive.
fn toss_payments_type(text: &str) -> Option<EventType> {
    text.parse::<EventType>()
        .ok()
        .filter(|t| t.is_toss_payments())
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
    #[schema(value_type = Option<Vec<String>>)]
    pub event_types: Option<Vec<EventType>>,
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
    State(db): State<Db>,
    SimPath(m_id): SimPath<String>,
    SimJson(request): SimJson<MerchantWebhookRequest>,
) -> Result<Json<MerchantWebhookView>, SimError> {
    valid_url(&request.url)?;
    let mode = mode_of(request.mode)?;
    let event_types = match &request.event_types {
        None => None,
        Some(types) => {
            let parsed: Option<Vec<EventType>> =
                types.iter().map(|t| toss_payments_type(t)).collect();
            match parsed {
                Some(parsed) if !parsed.is_empty() => Some(parsed),
                _ => {
                    return Err(SimError::bad_request(format!(
                        "eventTypes must be a non-empty list of {}",
                        toss_payments_types()
                    )))
                }
            }
        }
    };
    let merchant = merchant(&db, &m_id).await?;
    let webhook = MerchantWebhook {
        merchant_id: merchant.id,
        mode,
        url: request.url,
        event_types,
    };
    store::outbox::put_merchant_webhook(&db, &webhook).await?;
    Ok(Json(MerchantWebhookView {
        m_id: merchant.mid,
        mode: webhook.mode,
        url: webhook.url,
        event_types: webhook.event_types,
    }))
}

/// Removes the merchant's webhook URL (both modes). Later events are recorded as `NOT_SENT`, and pending
/// attempts fail until a URL is set again.
#[utoipa::path(delete, path = "/sim/v1/merchants/{mId}/webhook", tag = "Simulator",
    params(("mId" = String, Path, description = "merchant id, or `default`")),
    responses((status = 200, description = "{}"), (status = 404, description = "unknown merchant")))]
pub async fn delete_merchant_webhook(
    State(db): State<Db>,
    SimPath(m_id): SimPath<String>,
) -> Result<Json<Value>, SimError> {
    let merchant = merchant(&db, &m_id).await?;
    store::outbox::delete_merchant_webhooks(&db, merchant.id).await?;
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
    #[schema(value_type = String)]
    pub method: CallbackMethod,
    pub basic_auth: Option<String>,
}

/// Sets the app's unlink callback, as in the Apps-in-Toss console (`appId` = `default` for the default app).
#[utoipa::path(put, path = "/sim/v1/apps/{appId}/unlink-callback", tag = "Simulator",
    params(("appId" = String, Path, description = "app id, or `default`")),
    request_body = UnlinkCallbackRequest,
    responses((status = 200, body = UnlinkCallbackView), (status = 400, description = "bad url, method or basicAuth"),
              (status = 404, description = "unknown app")))]
pub async fn put_unlink_callback(
    State(db): State<Db>,
    SimPath(requested): SimPath<String>,
    SimJson(request): SimJson<UnlinkCallbackRequest>,
) -> Result<Json<UnlinkCallbackView>, SimError> {
    valid_url(&request.url)?;
    let method = match request.method.as_deref().map(str::parse) {
        None => CallbackMethod::Post,
        Some(Ok(method)) => method,
        Some(Err(_)) => return Err(SimError::bad_request("method must be \"GET\" or \"POST\"")),
    };
    let basic_auth = request.basic_auth.filter(|value| !value.is_empty());
    if let Some(value) = &basic_auth {
        if HeaderValue::from_str(value).is_err() {
            return Err(SimError::bad_request(
                "basicAuth must be printable ASCII (a header value)",
            ));
        }
    }
    let callback = UnlinkCallback {
        app_id: app_id(&db, &requested).await?,
        url: request.url,
        method,
        basic_auth,
    };
    store::outbox::put_unlink_callback(&db, &callback).await?;
    Ok(Json(UnlinkCallbackView {
        app_id: callback.app_id,
        url: callback.url,
        method: callback.method,
        basic_auth: callback.basic_auth,
    }))
}

/// Removes the app's unlink callback.
#[utoipa::path(delete, path = "/sim/v1/apps/{appId}/unlink-callback", tag = "Simulator",
    params(("appId" = String, Path, description = "app id, or `default`")),
    responses((status = 200, description = "{}"), (status = 404, description = "unknown app")))]
pub async fn delete_unlink_callback(
    State(db): State<Db>,
    SimPath(requested): SimPath<String>,
) -> Result<Json<Value>, SimError> {
    let app = app_id(&db, &requested).await?;
    store::outbox::delete_unlink_callback(&db, &app).await?;
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
    #[schema(value_type = String)]
    pub destination: DestinationKind,
    /// The URL configured for the destination now; `null` when none
    pub target_url: Option<String>,
    pub m_id: Option<String>,
    pub mode: Option<String>,
    pub app_id: Option<String>,
    /// `PAYMENT_STATUS_CHANGED`, `METHOD_UPDATED`, `CUSTOMER_STATUS_CHANGED` or `UNLINK_CALLBACK`
    #[schema(value_type = String)]
    pub event_type: EventType,
    /// The body as sent (for GET callbacks, the query's values)
    #[schema(value_type = Object)]
    pub payload: Value,
    /// `NOT_SENT` (no URL when recorded), `PENDING`, `DELIVERED` or `FAILED`
    #[schema(value_type = String)]
    pub state: EventState,
    /// Retries made so far in the current series
    pub retried_count: i64,
    /// When the next attempt is due (business time); `null` unless `PENDING`
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    /// Every attempt, oldest first
    pub attempts: Vec<AttemptView>,
}

/// The newest deliveries `GET /sim/v1/webhooks` shows.
const LIST_LIMIT: i64 = 1000;

impl From<Attempt> for AttemptView {
    fn from(attempt: Attempt) -> AttemptView {
        AttemptView {
            retried_count: attempt.retried_count,
            time: attempt.attempted_at.rfc3339_micros(),
            url: attempt.url,
            status_code: attempt.status_code,
            error: attempt.error,
            success: attempt.success,
        }
    }
}

impl From<Delivery> for DeliveryView {
    fn from(delivery: Delivery) -> DeliveryView {
        let body = delivery.body;
        DeliveryView {
            id: delivery.id,
            transmission_id: delivery.transmission_id,
            destination: delivery.destination,
            target_url: delivery.target_url,
            m_id: delivery.mid,
            mode: delivery.mode,
            app_id: delivery.app_id,
            event_type: delivery.event_type,
            payload: serde_json::from_str(&body).unwrap_or(Value::String(body)),
            state: delivery.state,
            retried_count: delivery.retried_count,
            next_attempt_at: delivery.next_attempt_at.map(Instant::rfc3339_micros),
            created_at: delivery.created_at.rfc3339_micros(),
            attempts: delivery
                .attempts
                .into_iter()
                .map(AttemptView::from)
                .collect(),
        }
    }
}

/// Every delivery (webhooks and callbacks), newest first, with its attempts (at most the newest 1000).
#[utoipa::path(get, path = "/sim/v1/webhooks", tag = "Simulator",
    responses((status = 200, body = Vec<DeliveryView>)))]
pub async fn list_webhooks(State(db): State<Db>) -> Result<Json<Vec<DeliveryView>>, SimError> {
    let deliveries = store::outbox::recent_deliveries(&db, LIST_LIMIT).await?;
    Ok(Json(
        deliveries.into_iter().map(DeliveryView::from).collect(),
    ))
}

/// One delivery by id or transmission id.
async fn delivery(db: &Db, key: &str) -> Result<Delivery, SimError> {
    let found = match key.parse::<i64>() {
        Ok(id) => store::outbox::delivery(db, id).await?,
        Err(_) => store::outbox::delivery_by_transmission_id(db, key).await?,
    };
    found.ok_or_else(|| SimError::not_found(format!("no webhook {key:?}")))
}

/// One delivery with its attempts, by `id` or transmission id.
#[utoipa::path(get, path = "/sim/v1/webhooks/{id}", tag = "Simulator",
    params(("id" = String, Path, description = "the delivery's id or transmission id")),
    responses((status = 200, body = DeliveryView), (status = 404, description = "unknown delivery")))]
pub async fn get_webhook(
    State(db): State<Db>,
    SimPath(key): SimPath<String>,
) -> Result<Json<DeliveryView>, SimError> {
    Ok(Json(delivery(&db, &key).await?.into()))
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
    SimPath(key): SimPath<String>,
) -> Result<Json<DeliveryView>, SimError> {
    let before = delivery(&state.db, &key).await?;
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let wall = chrono::Utc::now().timestamp_micros();
    let locked = store::outbox::lock_for_redelivery(&state.db, &mut tx, before.id).await?;
    if !locked.is_some_and(|(event_state, lease_until)| {
        webhooks::may_redeliver(event_state, lease_until, wall)
    }) {
        return Err(SimError {
            status: StatusCode::CONFLICT,
            code: "CONFLICT",
            message: format!(
                "webhook {} cannot be redelivered now (state {})",
                before.id,
                before.state.as_str()
            ),
        });
    }
    store::outbox::restart(&mut tx, before.id, now).await?;
    tx.commit().await?;
    outbox::wake(&state);
    Ok(Json(
        delivery(&state.db, &before.id.to_string()).await?.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestEventRequest {
    /// `merchant` (a Toss Payments webhook of the default merchant, test mode) or `unlink` (an unlink
    /// callback of the default app)
    pub target: String,
    /// Merchant events: the `eventType`, one of `PAYMENT_STATUS_CHANGED` (default), `METHOD_UPDATED` and
    /// `CUSTOMER_STATUS_CHANGED`
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
            let event_type = match request.event_type.as_deref() {
                None => EventType::PaymentStatusChanged,
                Some(text) => toss_payments_type(text).ok_or_else(|| {
                    SimError::bad_request(format!(
                        "eventType must be one of {}",
                        toss_payments_types()
                    ))
                })?,
            };
            let merchant = merchant(&state.db, "default").await?;
            tx = state.db.begin().await?;
            let now = state.clock.now_in(&mut tx).await?;
            let data = request.data.unwrap_or_else(|| json!({}));
            store::outbox::enqueue_webhook(
                &mut tx,
                now,
                merchant.id,
                DEFAULT_MODE,
                event_type,
                data,
            )
            .await?
        }
        "unlink" => {
            let user_key = request.user_key.unwrap_or(123_456_789);
            if user_key <= 0 {
                return Err(SimError::bad_request("userKey must be a positive number"));
            }
            let reason = match request.referrer.as_deref() {
                None => UnlinkReason::Unlink,
                Some(text) => text.parse().map_err(|_| {
                    SimError::bad_request(
                        "referrer must be UNLINK, WITHDRAWAL_TERMS or WITHDRAWAL_TOSS",
                    )
                })?,
            };
            let app = app_id(&state.db, "default").await?;
            tx = state.db.begin().await?;
            let now = state.clock.now_in(&mut tx).await?;
            store::outbox::enqueue_unlink(&mut tx, now, &app, user_key, reason).await?
        }
        _ => {
            return Err(SimError::bad_request(
                "target must be \"merchant\" or \"unlink\"",
            ))
        }
    };
    tx.commit().await?;
    outbox::wake(&state);
    Ok(Json(delivery(&state.db, &id.to_string()).await?.into()))
}
