//! The journal's writer task: takes entries off the queue, redacts them, names their caller, objects and
//! near miss, and inserts them in batches (up to [`BATCH`] rows, or what came within [`LINGER`] of the
//! first), then applies `--journal-retention`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};
use base64::Engine;
use prometheus_client::metrics::counter::Counter;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::near_miss::{self, Route};
use super::redact::{self, Side};
use super::thread::Background;
use super::{Captured, Journal, Message, Raw, QUEUE};
use crate::clock::Clock;
use crate::config::{ClockMode, Retention};
use crate::domain::merchant::Mode;
use crate::domain::secrets;
use crate::store::clock::StoredClock;
use crate::store::journal::{self as store, Exchange, NewEntry, Sink, OBJECT_COLUMNS};
use crate::store::{self as stores, Db};

/// Most rows in one INSERT.
const BATCH: usize = 200;
/// How long the first entry of a batch waits for company.
const LINGER: Duration = Duration::from_millis(100);
/// Retention is applied at most this often (and on every flush): deleting after every batch doubled the
/// writer's statements under load, and the bound only has to hold when someone looks.
const RETENTION_EVERY: Duration = Duration::from_secs(1);

/// Starts the writer; returns the journal the middleware and the simulator use, and the task.
pub fn spawn(
    db: Db,
    clock: Clock,
    retention: Retention,
    routes: Vec<Route>,
    dropped: Counter,
) -> Result<(Journal, JoinHandle<()>), sqlx::Error> {
    let (queue, inbox) = mpsc::channel(QUEUE);
    let writer = Writer {
        sink: Sink::open(&db)?,
        background: Background::start().map_err(sqlx::Error::Io)?,
        shaper: Arc::new(Shaper {
            clock_mode: clock.mode(),
            routes,
        }),
        db,
        retention,
    };
    let task = tokio::spawn(writer.run(inbox));
    Ok((Journal::new(queue, dropped), task))
}

struct Writer {
    db: Db,
    sink: Sink,
    background: Background,
    shaper: Arc<Shaper>,
    retention: Retention,
}

/// What turns a call as seen into an entry as stored; runs on the journal's thread.
struct Shaper {
    clock_mode: ClockMode,
    routes: Vec<Route>,
}

impl Writer {
    /// Takes whatever the queue holds at each wake-up (not one entry per wake-up and timer), and writes
    /// when [`BATCH`] entries are waiting, when the first waiting entry is [`LINGER`] old, or when a flush
    /// asks.
    async fn run(self, mut inbox: mpsc::Receiver<Message>) {
        let mut batch: Vec<Raw> = Vec::new();
        let mut messages: Vec<Message> = Vec::with_capacity(BATCH);
        let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
        let mut retained_at: Option<Instant> = None;
        let mut deadline = tokio::time::Instant::now();
        loop {
            let received = if batch.is_empty() {
                inbox.recv_many(&mut messages, BATCH).await
            } else {
                let wanted = BATCH - batch.len();
                match tokio::time::timeout_at(deadline, inbox.recv_many(&mut messages, wanted))
                    .await
                {
                    Ok(received) => received,
                    Err(_) => {
                        self.write(&mut batch).await;
                        self.retain(&mut retained_at, false).await;
                        continue;
                    }
                }
            };
            if received == 0 {
                self.write(&mut batch).await;
                self.retain(&mut retained_at, true).await;
                return;
            }
            if batch.is_empty() {
                deadline = tokio::time::Instant::now() + LINGER;
            }
            for message in messages.drain(..) {
                match message {
                    Message::Entry(raw) => batch.push(*raw),
                    Message::Flush(done) => flushes.push(done),
                }
            }
            if !flushes.is_empty() {
                self.write(&mut batch).await;
                self.retain(&mut retained_at, true).await;
                for done in flushes.drain(..) {
                    let _ = done.send(());
                }
            } else if batch.len() >= BATCH {
                self.write(&mut batch).await;
                self.retain(&mut retained_at, false).await;
            }
        }
    }

    async fn write(&self, batch: &mut Vec<Raw>) {
        if batch.is_empty() {
            return;
        }
        let clock = match stores::clock::read(&self.db).await {
            Ok(clock) => clock,
            Err(e) => {
                tracing::warn!(error = %e, entries = batch.len(), "journal: reading the clock failed; entries lost");
                batch.clear();
                return;
            }
        };
        let mut callers = Callers::default();
        let mut calls = Vec::with_capacity(batch.len());
        for raw in batch.drain(..) {
            let caller = callers.of(&self.db, &raw).await;
            calls.push((raw, caller));
        }
        let shaper = self.shaper.clone();
        let written = match &self.sink {
            Sink::Sqlite(sqlite) => {
                let sqlite = sqlite.clone();
                self.on_thread(move || sqlite.insert(&shaper.entries(calls, clock)))
                    .await
            }
            Sink::Pool(db) => match self
                .on_thread(move || Ok(shaper.entries(calls, clock)))
                .await
            {
                Ok(entries) => store::insert(db, &entries).await,
                Err(e) => Err(e),
            },
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, "journal: writing entries failed");
        }
    }

    /// Runs `work` on the journal's thread.
    async fn on_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, sqlx::Error> + Send + 'static,
    ) -> Result<T, sqlx::Error> {
        self.background
            .run(work)
            .await
            .unwrap_or_else(|| Err(sqlx::Error::Protocol("the journal thread is gone".into())))
    }

    /// Applies `--journal-retention` when `now` is asked for or [`RETENTION_EVERY`] has passed.
    async fn retain(&self, retained_at: &mut Option<Instant>, now: bool) {
        if !now && retained_at.is_some_and(|at| at.elapsed() < RETENTION_EVERY) {
            return;
        }
        *retained_at = Some(Instant::now());
        let since = self.retention.age_seconds.map(|age| {
            chrono::Utc::now().timestamp_micros().saturating_sub(
                i64::try_from(age)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(1_000_000),
            )
        });
        let keep = self
            .retention
            .entries
            .map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        let enforced = match &self.sink {
            Sink::Sqlite(sqlite) => {
                let sqlite = sqlite.clone();
                self.on_thread(move || sqlite.enforce_retention(keep, since))
                    .await
            }
            Sink::Pool(db) => store::enforce_retention(db, keep, since).await,
        };
        if let Err(e) = enforced {
            tracing::warn!(error = %e, "journal: applying retention failed");
        }
    }
}

impl Shaper {
    fn entries(&self, calls: Vec<(Raw, Value)>, clock: StoredClock) -> Vec<NewEntry> {
        calls
            .into_iter()
            .map(|(raw, caller)| self.entry(raw, caller, clock))
            .collect()
    }

    fn entry(&self, raw: Raw, caller: Value, clock: StoredClock) -> NewEntry {
        let path = raw.path.as_str();
        let family = if path.starts_with("/api-partner/") {
            "apps-in-toss"
        } else {
            "tosspayments"
        };
        let simulated_at = match self.clock_mode {
            ClockMode::System => raw.at.saturating_add(clock.offset_us),
            ClockMode::Manual => clock.manual_now_us,
        };
        let routed = raw.matched.as_deref().is_some_and(|m| {
            self.routes
                .iter()
                .any(|r| r.template == m && r.method == raw.method)
        });
        let near_miss = if !routed && matches!(raw.status, 404 | 405) {
            near_miss::nearest(&self.routes, &raw.method, path)
                .and_then(|n| serde_json::to_string(&n).ok())
        } else {
            None
        };
        let mut found = named_by_route(&raw);
        let request = exchange(
            &raw.request_headers,
            &raw.request_body,
            path,
            Side::Request,
            &mut found,
        );
        let response = exchange(
            &raw.response_headers,
            &raw.response_body,
            path,
            Side::Response,
            &mut found,
        );
        NewEntry {
            at: raw.at,
            simulated_at,
            method: raw.method.clone(),
            path: raw.path.clone(),
            query: raw
                .query
                .as_deref()
                .map(|q| redact::form(q, path, Side::Request)),
            family: family.to_owned(),
            caller: caller.to_string(),
            status: i64::from(raw.status),
            duration_us: raw.duration_us,
            idempotency_key: text_header(&raw.request_headers, "idempotency-key"),
            objects: found.ids(),
            near_miss,
            request,
            response,
        }
    }
}

fn text_header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// An exchange as stored; the objects its JSON body names go to `found`, found in the same pass as the
/// redaction.
fn exchange(
    headers: &HeaderMap,
    body: &Captured,
    path: &str,
    side: Side,
    found: &mut Found,
) -> Exchange {
    let mut shown: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = redact::header(name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
        shown
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("x-www-form-urlencoded"));
    let text = text(body);
    let body_text = if form {
        redact::form(&text, path, side)
    } else {
        let mut in_body = Found::default();
        let redacted = redact::scan_json(&text, path, side, &mut |key, depth, token| {
            in_body.offer(key, depth, token)
        });
        // A cut body may have lost the shallower mention of an object.
        if !body.truncated {
            found.take_missing(in_body);
        }
        redacted
    };
    Exchange {
        headers: serde_json::to_string(&shown).unwrap_or_else(|_| "{}".to_owned()),
        body: body_text,
        truncated: body.truncated,
    }
}

/// A body as text; a cut that split a character ends before it.
fn text(body: &Captured) -> String {
    let mut bytes = body.bytes();
    if let Err(e) = std::str::from_utf8(&bytes) {
        if body.truncated && e.error_len().is_none() {
            bytes.truncate(e.valid_up_to());
        }
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// The objects (ids by [`OBJECT_COLUMNS`] kind) found so far, each with the depth it was found at: within
/// one body the shallowest mention wins (the payment's own `orderId`, not one in a nested list).
#[derive(Default)]
struct Found([Option<(usize, String)>; 7]);

impl Found {
    /// `token` (a JSON string or number) under `key` at `depth`, if `key` names an object.
    fn offer(&mut self, key: &str, depth: usize, token: &str) {
        let Some(i) = OBJECT_COLUMNS.iter().position(|(k, _)| *k == key) else {
            return;
        };
        if self.0[i].as_ref().is_some_and(|(d, _)| *d <= depth) {
            return;
        }
        let id = if token.starts_with('"') {
            if token.contains('\\') {
                serde_json::from_str::<String>(token).unwrap_or_default()
            } else {
                token.trim_matches('"').to_owned()
            }
        } else {
            token.to_owned()
        };
        if !id.is_empty() {
            self.0[i] = Some((depth, id));
        }
    }

    /// Sets `kind` unless an earlier source already named one.
    fn set(&mut self, kind: &str, id: String) {
        if let Some(i) = OBJECT_COLUMNS.iter().position(|(k, _)| *k == kind) {
            self.0[i].get_or_insert((0, id));
        }
    }

    /// What `later` found, where nothing earlier did.
    fn take_missing(&mut self, later: Found) {
        for (mine, theirs) in self.0.iter_mut().zip(later.0) {
            if mine.is_none() {
                *mine = theirs;
            }
        }
    }

    fn ids(self) -> [Option<String>; 7] {
        self.0.map(|found| found.map(|(_, id)| id))
    }
}

/// The objects named by the route's path parameters and the `x-toss-user-key` header, which come before
/// those the bodies mention.
fn named_by_route(raw: &Raw) -> Found {
    let mut found = Found::default();
    if let Some(template) = &raw.matched {
        for (t, p) in template.split('/').zip(raw.path.split('/')) {
            let name = t.trim_start_matches('{').trim_end_matches('}');
            if t.starts_with('{') {
                found.set(name, p.to_owned());
            }
        }
    }
    if let Some(user_key) = text_header(&raw.request_headers, "x-toss-user-key") {
        found.set("userKey", user_key);
    }
    found
}

/// Callers looked up once per batch: the app of a client certificate, the merchant of a secret key.
#[derive(Default)]
struct Callers {
    known: HashMap<String, Value>,
}

impl Callers {
    async fn of(&mut self, db: &Db, raw: &Raw) -> Value {
        let (cache_key, apps_in_toss, secret_key) = if raw.path.starts_with("/api-partner/") {
            (
                format!("app:{}", raw.peer.as_deref().unwrap_or("")),
                true,
                None,
            )
        } else {
            match basic_secret_key(&raw.request_headers) {
                Some(key) => (format!("key:{}", secrets::hash(&key)), false, Some(key)),
                None => return json!({}),
            }
        };
        if let Some(found) = self.known.get(&cache_key) {
            return found.clone();
        }
        let caller = if apps_in_toss {
            let app = match &raw.peer {
                Some(fingerprint) => stores::apps::by_certificate(db, fingerprint).await,
                None => stores::apps::default_app(db.reader()).await,
            };
            match app {
                Ok(Some(app)) => json!({"appId": app.app_id}),
                _ => json!({}),
            }
        } else {
            let key = secret_key.unwrap_or_default();
            match stores::merchants::by_secret_key_hash(db, &secrets::hash(&key)).await {
                Ok((_, Some((merchant, mode)))) => {
                    json!({"mId": merchant.mid, "mode": mode.as_str()})
                }
                _ => json!({"mode": Mode::of_key(&key).as_str()}),
            }
        };
        self.known.insert(cache_key, caller.clone());
        caller
    }
}

/// The secret key of `Authorization: Basic base64(key:)`.
fn basic_secret_key(headers: &HeaderMap) -> Option<String> {
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
    Some(
        text.split_once(':')
            .map_or(text.as_str(), |(k, _)| k)
            .to_owned(),
    )
}

/// The partner API routes of an OpenAPI document (`/openapi.json`): what near misses are measured against.
pub fn routes_of(openapi: &Value) -> Vec<Route> {
    let Some(paths) = openapi.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut routes = Vec::new();
    for (template, item) in paths {
        if !super::journaled(template) {
            continue;
        }
        if let Some(item) = item.as_object() {
            for method in item.keys() {
                if matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                    routes.push(Route {
                        method: method.to_ascii_uppercase(),
                        template: template.clone(),
                    });
                }
            }
        }
    }
    routes
}
