//! The delivery worker (docs/reference.md §4.1) that runs in every tossd process.
//!
//! Due events are claimed with a lease: a conditional `UPDATE … RETURNING` that sets `lease_until` (real
//! wall-clock time) and this process's `lease_token`, at most [`MAX_HELD`] events per process, with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL so processes sharing one database claim disjoint rows. A process
//! runs up to [`MAX_IN_FLIGHT`] attempts at once; the events it holds beyond that wait their turn, and
//! the leases of everything it holds are renewed while they wait or run. One attempt runs at a time per
//! event; a process that dies leaves leases that expire, and any process then claims those events again.
//! The outcome is recorded only while the lease token still matches.
//!
//! Order: one process sends one object's events (a payment's, a customer's, a user's unlink callbacks;
//! `webhooks::subject`) to a receiver one after another, oldest first; everything else goes out in
//! parallel. docs/reference.md §4.1 promises no order; docs/compat.md says what tossd keeps.

use std::collections::{HashMap, HashSet, VecDeque};
use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Client, Url};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::{JoinError, JoinHandle, JoinSet};

use crate::clock::Clock;
use crate::config::ServeArgs;
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::domain::webhooks::{self, CallbackMethod, Destination};
use crate::faults::{Effect, FaultRules};
use crate::state::OutboxWake;
use crate::store::outbox::{Attempt, ClaimedEvent};
use crate::store::{self, Db};
use crate::web::metrics::Metrics;

/// The worker looks for due events at least this often, besides being woken.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// At most this many attempts run at once per process.
const MAX_IN_FLIGHT: usize = 32;

/// At most this many claimed events are held per process, running or waiting for their turn: the most one
/// claim takes. Holding a few more than run keeps the attempts busy between claims without taking work
/// other processes could do.
const MAX_HELD: usize = 64;

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
        wall_clock_micros().saturating_add(micros(self.lease()))
    }

    /// Held leases are renewed this often, so each keeps about three quarters of a lease left: more than an
    /// attempt and its recording need.
    fn renew_every(&self) -> Duration {
        self.lease() / 4
    }

    /// An event whose lease has less than this left is renewed on its own before its attempt starts (the
    /// periodic renewal failed meanwhile).
    fn lease_needed(&self) -> i64 {
        micros(self.timeout + Duration::from_secs(1))
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// What every attempt needs: the database, business time, the metrics, the HTTP client, the settings and
/// the token of this process's leases.
#[derive(Clone)]
struct Deliverer {
    db: Db,
    clock: Clock,
    metrics: Arc<Metrics>,
    faults: FaultRules,
    client: Client,
    config: WorkerConfig,
    lease_token: Arc<str>,
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
        faults: FaultRules,
        config: WorkerConfig,
        webhook_ca: &[reqwest::Certificate],
    ) -> anyhow::Result<Worker> {
        let client = super::client::delivery_client(config.timeout, webhook_ca)?;
        let deliverer = Deliverer {
            db,
            clock,
            metrics,
            faults,
            client,
            config,
            lease_token: secrets::random_alnum(24).into(),
        };
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(deliverer, wake, stopped));
        Ok(Worker {
            stop: Some(stop),
            task,
        })
    }

    /// Stops claiming events, waits for the attempts in flight to record their outcome and gives up the
    /// leases of the events that never started (another process may send them at once).
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
    let mut held = Held::default();
    let mut renewal = tokio::time::interval(deliverer.config.renew_every());
    renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Woken, polled or just started: claim whatever room there is. Otherwise (an attempt finished) claim
    // only once half the room is free, so a busy process claims in batches rather than one event at a time.
    let mut look = true;
    loop {
        while let Some(done) = held.running.try_join_next_with_id() {
            held.finished(done);
        }
        let room = MAX_HELD.saturating_sub(held.ids.len());
        if room > 0 && (look || room >= MAX_HELD - MAX_IN_FLIGHT) {
            match deliverer.claim(room).await {
                Ok((claimed, lease_until)) => held.take(claimed, lease_until),
                Err(e) => tracing::warn!(error = %e, "claiming due webhook events failed"),
            }
        }
        held.start(&deliverer);
        look = false;
        tokio::select! {
            _ = &mut stopped => break,
            _ = wake.woken() => look = true,
            _ = tokio::time::sleep(POLL_INTERVAL) => look = true,
            _ = renewal.tick() => deliverer.renew(&mut held).await,
            Some(done) = held.running.join_next_with_id(), if !held.running.is_empty() => {
                held.finished(done);
            }
        }
    }
    while let Some(done) = held.running.join_next_with_id().await {
        held.finished(done);
    }
    if let Err(e) = store::outbox::release_leases(&deliverer.db, &deliverer.lease_token).await {
        tracing::warn!(error = %e, "releasing the leases of unsent webhook events failed");
    }
}

fn wall_clock_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// The events one object's receiver must get one after another (`webhooks::subject`), or an event that
/// waits for no other.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Lane {
    Subject(Destination, String),
    Alone(i64),
}

impl Lane {
    fn of(event: &ClaimedEvent) -> Lane {
        let subject = serde_json::from_str(&event.body)
            .ok()
            .and_then(|body: Value| webhooks::subject(event.event_type, &body));
        match subject {
            Some(subject) => Lane::Subject(event.destination.clone(), subject),
            None => Lane::Alone(event.id),
        }
    }
}

/// A claimed event waiting for its turn, with the end of its lease as last set.
struct Waiting {
    event: ClaimedEvent,
    lane: Lane,
    lease_until: i64,
}

/// The events this process holds: waiting (oldest first) or running.
#[derive(Default)]
struct Held {
    queued: VecDeque<Waiting>,
    running: JoinSet<()>,
    /// The lane and event of each running attempt, by task.
    attempts: HashMap<tokio::task::Id, (Lane, i64)>,
    /// Lanes with an attempt running: their other events wait.
    busy: HashSet<Lane>,
    /// Every event held, waiting or running.
    ids: HashSet<i64>,
    /// This process may hold a lease on an event it does not track: the next renewal gives it back.
    maybe_orphans: bool,
}

impl Held {
    /// Queues a claim's events, oldest first.
    fn take(&mut self, mut claimed: Vec<ClaimedEvent>, lease_until: i64) {
        claimed.sort_by_key(|event| event.id);
        for event in claimed {
            if !self.ids.insert(event.id) {
                // Held already: waiting after its lease lapsed (renewals failed), and the copy held
                // stands with the new lease; or its attempt just ended, and the next renewal gives the
                // lease back so any process claims the event again.
                tracing::warn!(
                    id = event.id,
                    "skipping a claimed webhook event this process already holds"
                );
                match self.queued.iter_mut().find(|w| w.event.id == event.id) {
                    Some(waiting) => waiting.lease_until = lease_until,
                    None => self.maybe_orphans = true,
                }
                continue;
            }
            self.queued.push_back(Waiting {
                lane: Lane::of(&event),
                event,
                lease_until,
            });
        }
    }

    /// Starts waiting events, oldest first, while attempts are free and their lane is idle.
    fn start(&mut self, deliverer: &Deliverer) {
        let renew_before = wall_clock_micros().saturating_add(deliverer.config.lease_needed());
        let mut i = 0;
        while i < self.queued.len() && self.running.len() < MAX_IN_FLIGHT {
            if self.busy.contains(&self.queued[i].lane) {
                i += 1;
                continue;
            }
            let Some(waiting) = self.queued.remove(i) else {
                break;
            };
            self.busy.insert(waiting.lane.clone());
            let renew = waiting.lease_until < renew_before;
            let id = waiting.event.id;
            let lane = waiting.lane;
            let task = self
                .running
                .spawn(deliverer.clone().attempt_held(waiting.event, renew));
            self.attempts.insert(task.id(), (lane, id));
        }
    }

    /// Frees the lane and the room of a finished attempt.
    fn finished(&mut self, done: Result<(tokio::task::Id, ()), JoinError>) {
        let task = match done {
            Ok((task, ())) => task,
            Err(e) => {
                // Its lease stays this process's: the next renewal gives it back.
                tracing::error!(error = %e, "a webhook attempt ended abnormally");
                self.maybe_orphans = true;
                e.id()
            }
        };
        if let Some((lane, id)) = self.attempts.remove(&task) {
            self.busy.remove(&lane);
            self.ids.remove(&id);
        }
    }

    /// Drops the waiting events whose lease was not among those renewed, and moves the others' ends.
    fn renewed(&mut self, renewed: &HashSet<i64>, lease_until: i64) {
        let ids = &mut self.ids;
        self.queued.retain_mut(|waiting| {
            if renewed.contains(&waiting.event.id) {
                waiting.lease_until = lease_until;
                return true;
            }
            tracing::warn!(
                id = waiting.event.id,
                "skipping a claimed webhook event whose lease was lost (taken over or wiped by a reset)"
            );
            ids.remove(&waiting.event.id);
            false
        });
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

impl Deliverer {
    /// Claims up to `limit` due events no other attempt holds; returns them with the end of their lease.
    async fn claim(&self, limit: usize) -> Result<(Vec<ClaimedEvent>, i64), sqlx::Error> {
        let now = self.clock.now(&self.db).await?;
        let wall = wall_clock_micros();
        let lease_until = self.config.lease_until();
        if !store::outbox::any_due(&self.db, now, wall).await? {
            return Ok((Vec::new(), lease_until));
        }
        let events = store::outbox::claim(
            &self.db,
            now,
            wall,
            &self.lease_token,
            lease_until,
            i64::try_from(limit).unwrap_or(i64::MAX),
        )
        .await?;
        if !events.is_empty() {
            self.metrics.webhook_claim(events.len());
        }
        Ok((events, lease_until))
    }

    /// Renews the lease of every event this process holds, in one statement, and gives back any lease
    /// it holds on an event it no longer tracks (claimed again just as its last attempt ended).
    async fn renew(&self, held: &mut Held) {
        if held.ids.is_empty() && !held.maybe_orphans {
            return;
        }
        let lease_until = self.config.lease_until();
        let renewed = store::outbox::renew_leases(&self.db, &self.lease_token, lease_until).await;
        let renewed: HashSet<i64> = match renewed {
            Ok(ids) => ids.into_iter().collect(),
            Err(e) => {
                tracing::warn!(error = %e, "renewing the leases of held webhook events failed");
                return;
            }
        };
        held.renewed(&renewed, lease_until);
        for &id in renewed.iter().filter(|id| !held.ids.contains(id)) {
            if let Err(e) = store::outbox::release_lease(&self.db, id, &self.lease_token).await {
                tracing::warn!(error = %e, id, "releasing the lease of an untracked webhook event failed");
                return;
            }
        }
        held.maybe_orphans = false;
    }

    /// One attempt at a held event; `renew` first when its lease may be short (periodic renewals failed)
    /// or may have been taken over.
    async fn attempt_held(self, event: ClaimedEvent, renew: bool) {
        if renew {
            let renewed = store::outbox::renew_lease(
                &self.db,
                event.id,
                &self.lease_token,
                self.config.lease_until(),
            )
            .await;
            match renewed {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        id = event.id,
                        "skipping a claimed webhook event whose lease was lost (taken over or wiped by a reset)"
                    );
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, id = event.id, "skipping a claimed webhook event: renewing its lease failed");
                    return;
                }
            }
        }
        self.attempt(&event).await;
    }

    async fn attempt(&self, event: &ClaimedEvent) {
        let started = match self.clock.now(&self.db).await {
            Ok(now) => now,
            Err(e) => {
                // The lease expires and the event is attempted again.
                tracing::warn!(error = %e, id = event.id, "skipping a claimed webhook event: reading the clock failed");
                return;
            }
        };
        let outcome = match self.send(event, started).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::warn!(error = %e, id = event.id, "skipping a claimed webhook event: loading its destination failed");
                return;
            }
        };
        self.metrics
            .webhook_delivery(event.destination.kind().as_str(), outcome.success);
        if let Err(e) = self.record(event, started, outcome).await {
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
        match self.fault(&url, event).await {
            Some(Effect::Drop) => {
                return Ok(Outcome::failed(
                    Some(url),
                    "dropped by a fault rule (not sent)",
                ))
            }
            Some(Effect::Latency(wait)) => tokio::time::sleep(wait).await,
            _ => {}
        }
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

    /// The effect of the first webhook fault rule that fires for this delivery, if any (docs/faults.md).
    async fn fault(&self, url: &str, event: &ClaimedEvent) -> Option<Effect> {
        let set = self.faults.current()?;
        for loaded in &set.webhook {
            let rule = &loaded.rule;
            if !loaded.live() || !rule.matches_delivery(url, event.event_type.as_str()) {
                continue;
            }
            if rule.has_window() {
                match self.clock.now(&self.db).await {
                    Ok(now) if rule.active_at(now) => {}
                    _ => continue,
                }
            }
            if !rule.chosen(rand::random::<f64>()) {
                continue;
            }
            match store::faults::fire(&self.db, rule.id).await {
                Ok(true) => return Some(rule.effect.clone()),
                Ok(false) => loaded.mark_exhausted(),
                Err(e) => {
                    tracing::warn!(error = %e, id = rule.id, "counting a fault rule's firing failed")
                }
            }
        }
        None
    }

    /// Records the attempt and schedules what follows (`webhooks::after_attempt`, from the time it is
    /// recorded). Nothing is recorded if the lease was lost meanwhile.
    async fn record(
        &self,
        event: &ClaimedEvent,
        started: Instant,
        outcome: Outcome,
    ) -> Result<(), sqlx::Error> {
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
            store::outbox::record_attempt(&mut tx, event.id, &self.lease_token, after, &attempt)
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
