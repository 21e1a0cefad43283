//! The delivery worker (REFERENCE.md §4.1) that runs in every tossd process.
//!
//! Due events are claimed with a lease: a conditional `UPDATE … RETURNING` that sets `lease_until` (real
//! wall-clock time) and a fresh `lease_token`, with `FOR UPDATE SKIP LOCKED` on PostgreSQL so processes
//! sharing one database claim disjoint rows. One attempt runs at a time per event; a process that dies
//! mid-attempt leaves a lease that expires, and any process then claims the event again. The outcome is
//! recorded only while the lease token still matches.

use std::error::Error as _;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Client, Url};
use serde_json::Value;
use sqlx::Row;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use crate::config::ServeArgs;
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::domain::webhooks;
use crate::state::AppState;
use crate::store::Backend;

/// The worker looks for due events at least this often, besides being woken.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// At most this many attempts in flight per process.
const MAX_IN_FLIGHT: usize = 64;

pub const MERCHANT_WEBHOOK: &str = "MERCHANT_WEBHOOK";
pub const UNLINK_CALLBACK: &str = "UNLINK_CALLBACK";

/// Delivery settings from the command line.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    pub retry_scale: f64,
    pub timeout: Duration,
}

impl WorkerConfig {
    pub fn from_args(args: &ServeArgs) -> WorkerConfig {
        WorkerConfig {
            retry_scale: args.webhook_retry_scale,
            timeout: Duration::from_millis(args.webhook_timeout_ms),
        }
    }

    /// How long a claim holds an event: longer than any attempt (the response timeout) plus recording it.
    fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(1)
    }
}

/// A running worker.
pub struct Worker {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Worker {
    pub fn spawn(state: AppState, config: WorkerConfig) -> anyhow::Result<Worker> {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .build()?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(state, config, client, stopped));
        Ok(Worker {
            stop: Some(stop),
            task,
        })
    }

    /// Stops claiming events and waits for the attempts in flight to record their outcome.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Err(e) = (&mut self.task).await {
            tracing::error!(error = %e, "webhook worker ended abnormally");
        }
    }
}

async fn run(
    state: AppState,
    config: WorkerConfig,
    client: Client,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut in_flight = JoinSet::new();
    loop {
        while in_flight.try_join_next().is_some() {}
        let room = MAX_IN_FLIGHT.saturating_sub(in_flight.len());
        if room > 0 {
            match claim(&state, &config, room).await {
                Ok(claimed) => {
                    for series in by_destination(claimed) {
                        in_flight.spawn(attempt_in_order(
                            state.clone(),
                            client.clone(),
                            config,
                            series,
                        ));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming due webhook events failed"),
            }
        }
        tokio::select! {
            _ = &mut stopped => break,
            _ = state.outbox_wake.woken() => {}
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    }
    while in_flight.join_next().await.is_some() {}
}

/// An event claimed for one attempt.
struct Claimed {
    id: i64,
    transmission_id: String,
    destination: String,
    merchant_id: Option<i64>,
    mode: Option<String>,
    app_id: Option<String>,
    body: String,
    retried_count: i64,
    lease_token: String,
}

fn wall_clock_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// Claims up to `limit` due events no other attempt holds.
async fn claim(
    state: &AppState,
    config: &WorkerConfig,
    limit: usize,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let now = state.clock.now(&state.db).await?;
    let wall = wall_clock_micros();
    // A read first, so an idle worker never takes SQLite's single write connection.
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM outbox_events WHERE state = 'PENDING' AND next_attempt_at <= $1 \
         AND (lease_until IS NULL OR lease_until < $2) LIMIT 1",
    )
    .bind(now.micros())
    .bind(wall)
    .fetch_optional(state.db.reader())
    .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    let skip_locked = match state.db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let lease_token = secrets::random_alnum(24);
    let lease_micros = i64::try_from(config.lease().as_micros()).unwrap_or(i64::MAX);
    // The outer conditions repeat the inner ones: on PostgreSQL a row another claimer changed meanwhile
    // is re-checked after its lock is released, so it is never claimed twice.
    let sql = format!(
        "UPDATE outbox_events SET lease_until = $1, lease_token = $2 WHERE id IN (\
           SELECT id FROM outbox_events WHERE state = 'PENDING' AND next_attempt_at <= $3 \
           AND (lease_until IS NULL OR lease_until < $4) ORDER BY next_attempt_at, id LIMIT $5{skip_locked}) \
         AND state = 'PENDING' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until < $4) \
         RETURNING id, transmission_id, destination, merchant_id, mode, app_id, body, retried_count"
    );
    let rows = sqlx::query(&sql)
        .bind(wall.saturating_add(lease_micros))
        .bind(&lease_token)
        .bind(now.micros())
        .bind(wall)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(state.db.writer())
        .await?;
    Ok(rows
        .iter()
        .map(|row| Claimed {
            id: row.get(0),
            transmission_id: row.get(1),
            destination: row.get(2),
            merchant_id: row.get(3),
            mode: row.get(4),
            app_id: row.get(5),
            body: row.get(6),
            retried_count: row.get(7),
            lease_token: lease_token.clone(),
        })
        .collect())
}

/// The claimed events grouped by where they go, each group oldest first: one destination's events are
/// attempted one after another so its receiver sees them in the order they happened (different
/// destinations proceed in parallel).
fn by_destination(mut claimed: Vec<Claimed>) -> Vec<Vec<Claimed>> {
    claimed.sort_by_key(|e| e.id);
    let mut groups: Vec<Vec<Claimed>> = Vec::new();
    for event in claimed {
        let same = |g: &Vec<Claimed>| {
            let first = &g[0];
            first.destination == event.destination
                && first.merchant_id == event.merchant_id
                && first.mode == event.mode
                && first.app_id == event.app_id
        };
        match groups.iter_mut().find(|g| same(g)) {
            Some(group) => group.push(event),
            None => groups.push(vec![event]),
        }
    }
    groups
}

/// Attempts `series` in order, renewing each event's lease just before its attempt so a long series
/// never lets another process take an event this one is about to send.
async fn attempt_in_order(
    state: AppState,
    client: Client,
    config: WorkerConfig,
    series: Vec<Claimed>,
) {
    for event in series {
        let lease_micros = i64::try_from(config.lease().as_micros()).unwrap_or(i64::MAX);
        let renewed = sqlx::query(
            "UPDATE outbox_events SET lease_until = $1 WHERE id = $2 AND lease_token = $3 AND state = 'PENDING'",
        )
        .bind(wall_clock_micros().saturating_add(lease_micros))
        .bind(event.id)
        .bind(&event.lease_token)
        .execute(state.db.writer())
        .await;
        match renewed {
            Ok(done) if done.rows_affected() == 1 => {
                attempt(state.clone(), client.clone(), config, event).await
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, id = event.id, "renewing a webhook lease failed"),
        }
    }
}

/// What one attempt gave.
struct Outcome {
    url: Option<String>,
    status: Option<u16>,
    error: Option<String>,
    success: bool,
}

impl Outcome {
    fn failed(url: Option<String>, error: impl Into<String>) -> Outcome {
        Outcome {
            url,
            status: None,
            error: Some(error.into()),
            success: false,
        }
    }
}

async fn attempt(state: AppState, client: Client, config: WorkerConfig, event: Claimed) {
    let started = match state.clock.now(&state.db).await {
        Ok(now) => now,
        Err(e) => {
            // The lease expires and the event is attempted again.
            tracing::warn!(error = %e, id = event.id, "reading the clock for a webhook attempt failed");
            return;
        }
    };
    let outcome = match send(&state, &client, &event, started).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::warn!(error = %e, id = event.id, "loading a webhook destination failed");
            return;
        }
    };
    let destination = if event.destination == MERCHANT_WEBHOOK {
        MERCHANT_WEBHOOK
    } else {
        UNLINK_CALLBACK
    };
    state.metrics.webhook_delivery(destination, outcome.success);
    if let Err(e) = record(&state, &config, &event, started, &outcome).await {
        tracing::warn!(error = %e, id = event.id, "recording a webhook attempt failed");
    }
}

/// Sends one attempt to the URL configured now. Only database errors are errors; everything the
/// receiver does (or fails to do) is an outcome.
async fn send(
    state: &AppState,
    client: &Client,
    event: &Claimed,
    now: Instant,
) -> Result<Outcome, sqlx::Error> {
    let (request, url, toss_payments) = if event.destination == MERCHANT_WEBHOOK {
        let url: Option<String> = sqlx::query_scalar(
            "SELECT url FROM merchant_webhooks WHERE merchant_id = $1 AND mode = $2",
        )
        .bind(event.merchant_id)
        .bind(&event.mode)
        .fetch_optional(state.db.reader())
        .await?;
        let Some(url) = url else {
            return Ok(Outcome::failed(None, "no webhook URL configured"));
        };
        let request = client
            .post(&url)
            .header(CONTENT_TYPE, "application/json")
            .header("tosspayments-webhook-transmission-time", now.tp())
            .header(
                "tosspayments-webhook-transmission-retried-count",
                event.retried_count.to_string(),
            )
            .header(
                "tosspayments-webhook-transmission-id",
                &event.transmission_id,
            )
            .body(event.body.clone());
        (request, url, true)
    } else {
        let row = sqlx::query(
            "SELECT url, method, basic_auth FROM app_unlink_callbacks WHERE app_id = $1",
        )
        .bind(&event.app_id)
        .fetch_optional(state.db.reader())
        .await?;
        let Some(row) = row else {
            return Ok(Outcome::failed(None, "no unlink callback URL configured"));
        };
        let url: String = row.get(0);
        let method: String = row.get(1);
        let basic_auth: Option<String> = row.get(2);
        let request = match unlink_request(client, &url, &method, &event.body) {
            Ok(request) => request,
            Err(error) => return Ok(Outcome::failed(Some(url), error)),
        };
        let request = match basic_auth.filter(|value| !value.is_empty()) {
            Some(value) => match HeaderValue::from_str(&webhooks::basic_header(&value)) {
                Ok(header) => request.header(AUTHORIZATION, header),
                Err(_) => {
                    return Ok(Outcome::failed(
                        Some(url),
                        "the configured basicAuth is not a valid header value",
                    ))
                }
            },
            None => request,
        };
        (request, url, false)
    };
    Ok(match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let success = webhooks::delivered(toss_payments, status);
            Outcome {
                url: Some(url),
                status: Some(status),
                error: (!success).then(|| format!("HTTP {status}")),
                success,
            }
        }
        Err(e) => Outcome::failed(Some(url), describe(&e)),
    })
}

/// `GET url?userKey=…&referrer=…` or `POST url` with `{userKey, referrer}` (REFERENCE.md §4.2).
fn unlink_request(
    client: &Client,
    url: &str,
    method: &str,
    body: &str,
) -> Result<reqwest::RequestBuilder, String> {
    if method == "POST" {
        return Ok(client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned()));
    }
    let mut url = Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
    let body: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let user_key = body["userKey"].to_string();
    let referrer = body["referrer"].as_str().unwrap_or_default();
    // Appends with `&` when the URL already has a query.
    url.query_pairs_mut()
        .append_pair("userKey", &user_key)
        .append_pair("referrer", referrer);
    Ok(client.get(url))
}

/// A short reason for a failed request, with its cause.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_builder() {
        "invalid request"
    } else {
        "request failed"
    };
    let mut cause = e.source();
    let mut innermost = None;
    while let Some(source) = cause {
        innermost = Some(source.to_string());
        cause = source.source();
    }
    match innermost {
        Some(detail) => format!("{kind}: {detail}"),
        None => format!("{kind}: {e}"),
    }
}

/// Records the attempt and schedules what follows: delivered, retry `n` at (failure time + wait `n`), or
/// FAILED after the last retry. Nothing is recorded if the lease was lost meanwhile.
async fn record(
    state: &AppState,
    config: &WorkerConfig,
    event: &Claimed,
    started: Instant,
    outcome: &Outcome,
) -> Result<(), sqlx::Error> {
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let next_retry = event.retried_count + 1;
    let (next_state, retried_count, next_attempt_at) = if outcome.success {
        ("DELIVERED", event.retried_count, None)
    } else {
        match webhooks::retry_wait_micros(next_retry, config.retry_scale) {
            Some(wait) => (
                "PENDING",
                next_retry,
                Some(now.micros().saturating_add(wait)),
            ),
            None => ("FAILED", event.retried_count, None),
        }
    };
    let updated = sqlx::query(
        "UPDATE outbox_events SET state = $1, retried_count = $2, next_attempt_at = $3, lease_until = NULL, \
         lease_token = NULL WHERE id = $4 AND lease_token = $5",
    )
    .bind(next_state)
    .bind(retried_count)
    .bind(next_attempt_at)
    .bind(event.id)
    .bind(&event.lease_token)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        tracing::warn!(
            id = event.id,
            "a webhook attempt outlived its lease (or the event was wiped by a reset); outcome not recorded"
        );
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO outbox_attempts (event_id, retried_count, url, status_code, error, succeeded, attempted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event.id)
    .bind(event.retried_count)
    .bind(&outcome.url)
    .bind(outcome.status.map(i64::from))
    .bind(&outcome.error)
    .bind(i64::from(outcome.success))
    .bind(started.micros())
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
