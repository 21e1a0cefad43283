//! The delivery worker (docs/reference.md §4.1) that runs in every tossd process.
//!
//! Due events are claimed with a lease: a conditional `UPDATE … RETURNING` that sets `lease_until` (real
//! wall-clock time) and a fresh `lease_token`, with `FOR UPDATE SKIP LOCKED` on PostgreSQL so processes
//! sharing one database claim disjoint rows. One attempt runs at a time per event; a process that dies
//! mid-attempt leaves a lease that expires, and any process then claims the event again. The outcome is
//! recorded only while the lease token still matches.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Client, Url};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use crate::clock::Clock;
use crate::config::ServeArgs;
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::domain::webhooks::{self, CallbackMethod, Destination};
use crate::state::OutboxWake;
use crate::store::outbox::{Attempt, ClaimedEvent};
use crate::store::{self, Db};
use crate::web::metrics::Metrics;

/// The worker looks for due events at least this often, besides being woken.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// At most this many attempts in flight per process.
const MAX_IN_FLIGHT: usize = 64;

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

    /// The end of a lease taken now, in wall-clock microseconds.
    fn lease_until(&self) -> i64 {
        let lease_micros = i64::try_from(self.lease().as_micros()).unwrap_or(i64::MAX);
        wall_clock_micros().saturating_add(lease_micros)
    }
}

/// What every attempt needs: the database, business time, the metrics, the HTTP client and the settings.
#[derive(Clone)]
struct Deliverer {
    db: Db,
    clock: Clock,
    metrics: Arc<Metrics>,
    client: Client,
    config: WorkerConfig,
}

/// A running worker.
pub struct Worker {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Worker {
    /// Starts delivering (trusting `webhook_ca` besides the system's roots for HTTPS); `wake` makes it look
    /// for due events at once.
    pub fn spawn(
        db: Db,
        clock: Clock,
        metrics: Arc<Metrics>,
        wake: OutboxWake,
        config: WorkerConfig,
        webhook_ca: &[reqwest::Certificate],
    ) -> anyhow::Result<Worker> {
        let client = super::client::delivery_client(config.timeout, webhook_ca)?;
        let deliverer = Deliverer {
            db,
            clock,
            metrics,
            client,
            config,
        };
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(deliverer, wake, stopped));
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

async fn run(deliverer: Deliverer, wake: OutboxWake, mut stopped: oneshot::Receiver<()>) {
    let mut in_flight = JoinSet::new();
    loop {
        while in_flight.try_join_next().is_some() {}
        let room = MAX_IN_FLIGHT.saturating_sub(in_flight.len());
        if room > 0 {
            match deliverer.claim(room).await {
                Ok(claimed) => {
                    for series in by_destination(claimed) {
                        in_flight.spawn(deliverer.clone().attempt_in_order(series));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming due webhook events failed"),
            }
        }
        tokio::select! {
            _ = &mut stopped => break,
            _ = wake.woken() => {}
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    }
    while in_flight.join_next().await.is_some() {}
}

/// An event claimed for one attempt, with the token of this process's lease on it.
struct Claimed {
    event: ClaimedEvent,
    lease_token: String,
}

fn wall_clock_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// The claimed events grouped by where they go, each group oldest first: one destination's events are
/// attempted one after another so its receiver sees them in the order they happened (different
/// destinations proceed in parallel).
fn by_destination(mut claimed: Vec<Claimed>) -> Vec<Vec<Claimed>> {
    claimed.sort_by_key(|c| c.event.id);
    let mut groups: Vec<Vec<Claimed>> = Vec::new();
    for c in claimed {
        let same = |g: &&mut Vec<Claimed>| {
            g.first()
                .is_some_and(|first| first.event.destination == c.event.destination)
        };
        match groups.iter_mut().find(same) {
            Some(group) => group.push(c),
            None => groups.push(vec![c]),
        }
    }
    groups
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

impl Deliverer {
    /// Claims up to `limit` due events no other attempt holds.
    async fn claim(&self, limit: usize) -> Result<Vec<Claimed>, sqlx::Error> {
        let now = self.clock.now(&self.db).await?;
        let wall = wall_clock_micros();
        if !store::outbox::any_due(&self.db, now, wall).await? {
            return Ok(Vec::new());
        }
        let lease_token = secrets::random_alnum(24);
        let events = store::outbox::claim(
            &self.db,
            now,
            wall,
            &lease_token,
            self.config.lease_until(),
            i64::try_from(limit).unwrap_or(i64::MAX),
        )
        .await?;
        Ok(events
            .into_iter()
            .map(|event| Claimed {
                event,
                lease_token: lease_token.clone(),
            })
            .collect())
    }

    /// Attempts `series` in order, renewing each event's lease just before its attempt so a long series
    /// never lets another process take an event this one is about to send.
    async fn attempt_in_order(self, series: Vec<Claimed>) {
        for claimed in series {
            let renewed = store::outbox::renew_lease(
                &self.db,
                claimed.event.id,
                &claimed.lease_token,
                self.config.lease_until(),
            )
            .await;
            match renewed {
                Ok(true) => self.attempt(&claimed).await,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, id = claimed.event.id, "renewing a webhook lease failed")
                }
            }
        }
    }

    async fn attempt(&self, claimed: &Claimed) {
        let event = &claimed.event;
        let started = match self.clock.now(&self.db).await {
            Ok(now) => now,
            Err(e) => {
                // The lease expires and the event is attempted again.
                tracing::warn!(error = %e, id = event.id, "reading the clock for a webhook attempt failed");
                return;
            }
        };
        let outcome = match self.send(event, started).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::warn!(error = %e, id = event.id, "loading a webhook destination failed");
                return;
            }
        };
        self.metrics
            .webhook_delivery(event.destination.kind().as_str(), outcome.success);
        if let Err(e) = self.record(claimed, started, outcome).await {
            tracing::warn!(error = %e, id = event.id, "recording a webhook attempt failed");
        }
    }

    /// Sends one attempt to the URL configured now. Only database errors are errors; everything the
    /// receiver does (or fails to do) is an outcome.
    async fn send(&self, event: &ClaimedEvent, now: Instant) -> Result<Outcome, sqlx::Error> {
        let (request, url) = match &event.destination {
            Destination::Merchant { merchant_id, mode } => {
                let webhook =
                    store::outbox::merchant_webhook(self.db.reader(), *merchant_id, mode).await?;
                let Some(webhook) = webhook else {
                    return Ok(Outcome::failed(None, "no webhook URL configured"));
                };
                let request = self
                    .client
                    .post(&webhook.url)
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
                (request, webhook.url)
            }
            Destination::UnlinkCallback { app_id } => {
                let callback = store::outbox::unlink_callback(self.db.reader(), app_id).await?;
                let Some(callback) = callback else {
                    return Ok(Outcome::failed(None, "no unlink callback URL configured"));
                };
                let url = callback.url;
                let request = match unlink_request(&self.client, &url, callback.method, &event.body)
                {
                    Ok(request) => request,
                    Err(error) => return Ok(Outcome::failed(Some(url), error)),
                };
                let request = match callback.basic_auth.filter(|value| !value.is_empty()) {
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
                (request, url)
            }
        };
        Ok(match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let success = webhooks::delivered(event.destination.kind(), status);
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

    /// Records the attempt and schedules what follows (`webhooks::after_attempt`, from the time it is
    /// recorded). Nothing is recorded if the lease was lost meanwhile.
    async fn record(
        &self,
        claimed: &Claimed,
        started: Instant,
        outcome: Outcome,
    ) -> Result<(), sqlx::Error> {
        let event = &claimed.event;
        let mut tx = self.db.begin().await?;
        let now = self.clock.now_in(&mut tx).await?;
        let after = webhooks::after_attempt(
            event.retried_count,
            outcome.success,
            now,
            self.config.retry_scale,
        );
        let attempt = Attempt {
            retried_count: event.retried_count,
            attempted_at: started,
            url: outcome.url,
            status_code: outcome.status.map(i64::from),
            error: outcome.error,
            success: outcome.success,
        };
        let recorded =
            store::outbox::record_attempt(&mut tx, event.id, &claimed.lease_token, after, &attempt)
                .await?;
        if !recorded {
            tracing::warn!(
                id = event.id,
                "a webhook attempt outlived its lease (or the event was wiped by a reset); outcome not recorded"
            );
            return Ok(());
        }
        tx.commit().await
    }
}

/// `GET url?userKey=…&referrer=…` or `POST url` with `{userKey, referrer}` (docs/reference.md §4.2).
fn unlink_request(
    client: &Client,
    url: &str,
    method: CallbackMethod,
    body: &str,
) -> Result<reqwest::RequestBuilder, String> {
    match method {
        CallbackMethod::Post => Ok(client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned())),
        CallbackMethod::Get => {
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
    }
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
