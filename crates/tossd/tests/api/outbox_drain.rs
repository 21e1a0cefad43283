//! Draining a backlog of due webhook events: each process claims bounded batches (never more than its
//! limit, counted by `tossd_webhook_claimed_events`), sends them with a bounded number of attempts at once,
//! several processes on one PostgreSQL share the work, one object's events still go out one after another,
//! the leases of events waiting their turn do not lapse, and every event reaches the receiver once.
//!
//! The receiver holds its answers behind a gate, so how many attempts run at once is observed rather than
//! timed: with the gate closed, the requests waiting at the receiver are exactly the attempts running.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Router;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::common::{concurrently, send, Resp, Servers, TestEnv};
use crate::on_both_backends;

/// Attempts one process runs at once, and the most one claim takes (src/outbox/worker.rs).
const MAX_IN_FLIGHT: usize = 32;
const MAX_CLAIM: usize = 64;

on_both_backends!(with_flags ["--webhook-timeout-ms", "30000"];
    a_backlog_is_shared_and_sent_in_bounded_parallel_batches_each_event_once,
    one_payments_events_go_out_one_after_another_while_others_run,
);

on_both_backends!(with_flags ["--webhook-timeout-ms", "1000"];
    events_waiting_their_turn_keep_their_leases,
);

// ---------------------------------------------------------------------------------------------------
// A receiver that answers 200 once its gate is open (after an optional delay) and records every request.

#[derive(Default)]
struct Log {
    /// (transmission id, body) of every request, in arrival order.
    requests: Vec<(String, Value)>,
    in_flight: usize,
    max_in_flight: usize,
}

#[derive(Clone)]
struct Receiver {
    addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    gate: watch::Sender<bool>,
}

#[derive(Clone)]
struct ReceiverState {
    log: Arc<Mutex<Log>>,
    gate: watch::Receiver<bool>,
    delay: Duration,
}

impl Receiver {
    async fn start(open: bool, delay: Duration) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("receiver binds");
        let addr = listener.local_addr().expect("receiver address");
        let log = Arc::new(Mutex::new(Log::default()));
        let (gate, gate_rx) = watch::channel(open);
        let state = ReceiverState {
            log: log.clone(),
            gate: gate_rx,
            delay,
        };
        let app = Router::new().fallback(receive).with_state(state);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, log, gate }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn open(&self) {
        self.gate.send_replace(true);
    }

    fn in_flight(&self) -> usize {
        self.log.lock().unwrap().in_flight
    }

    fn max_in_flight(&self) -> usize {
        self.log.lock().unwrap().max_in_flight
    }

    fn requests(&self) -> Vec<(String, Value)> {
        self.log.lock().unwrap().requests.clone()
    }
}

async fn receive(
    State(mut state): State<ReceiverState>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let id = headers
        .get("tosspayments-webhook-transmission-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    {
        let mut log = state.log.lock().unwrap();
        log.requests
            .push((id, serde_json::from_str(&body).unwrap_or(Value::Null)));
        log.in_flight += 1;
        log.max_in_flight = log.max_in_flight.max(log.in_flight);
    }
    let _ = state.gate.wait_for(|open| *open).await;
    tokio::time::sleep(state.delay).await;
    state.log.lock().unwrap().in_flight -= 1;
    StatusCode::OK
}

/// Polls `check` (every 10 ms, for at most 60 s) until it yields a value.
async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// ---------------------------------------------------------------------------------------------------
// One tossd process over HTTP.

#[derive(Clone)]
struct Process {
    client: reqwest::Client,
    base: String,
}

impl Process {
    fn of(env: &TestEnv) -> Process {
        Process {
            client: reqwest::Client::new(),
            base: env.base().to_owned(),
        }
    }

    fn all(servers: &Servers) -> Vec<Process> {
        servers
            .bases()
            .iter()
            .map(|base| Process {
                client: reqwest::Client::new(),
                base: base.clone(),
            })
            .collect()
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let body = body.map(|b| b.to_string());
        let url = format!("{}{path}", self.base);
        send(&self.client, method, &url, &[], body.as_deref()).await
    }

    async fn ok(&self, method: Method, path: &str, body: Value) -> Value {
        let r = self.call(method, path, Some(body)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        r.body
    }

    /// A `PAYMENT_STATUS_CHANGED` test event with `data`; returns its transmission id.
    async fn event(&self, data: Value) -> String {
        let event = self
            .ok(
                Method::POST,
                "/sim/v1/webhooks/test-events",
                json!({"target": "merchant", "data": data}),
            )
            .await;
        assert_eq!(event["state"], "PENDING", "{event}");
        event["transmissionId"].as_str().unwrap().to_owned()
    }

    /// Every delivery, newest first.
    async fn deliveries(&self) -> Vec<Value> {
        let list = self.ok(Method::GET, "/sim/v1/webhooks", Value::Null).await;
        list.as_array().unwrap().clone()
    }

    /// This process's metric `name` (a sample line without labels, or with exactly `labels`).
    async fn metric(&self, name: &str) -> f64 {
        let text = self.call(Method::GET, "/metrics", None).await.text;
        text.lines()
            .find_map(|line| {
                let (key, value) = line.rsplit_once(' ')?;
                (key == name).then(|| value.parse().unwrap())
            })
            .unwrap_or(0.0)
    }

    async fn successes(&self) -> f64 {
        self.metric(
            "tossd_webhook_deliveries_total{destination=\"MERCHANT_WEBHOOK\",result=\"success\"}",
        )
        .await
    }

    /// (claims, claims of at most `MAX_CLAIM` events, events claimed in all) of this process.
    async fn claims(&self) -> (f64, f64, f64) {
        (
            self.metric("tossd_webhook_claimed_events_count").await,
            self.metric(&format!(
                "tossd_webhook_claimed_events_bucket{{le=\"{MAX_CLAIM}.0\"}}"
            ))
            .await,
            self.metric("tossd_webhook_claimed_events_sum").await,
        )
    }
}

/// Each transmission id of `expected` arrived exactly once, and nothing else did.
fn each_once(receiver: &Receiver, expected: &[String]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (id, _) in receiver.requests() {
        *seen.entry(id).or_default() += 1;
    }
    let duplicates: Vec<(&String, &usize)> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicates.is_empty(),
        "received more than once: {duplicates:?}"
    );
    let mut got: Vec<String> = seen.into_keys().collect();
    got.sort();
    let mut expected = expected.to_vec();
    expected.sort();
    assert_eq!(got, expected);
}

/// Every event of every process's claims: each claim within the limit, `events` claimed in all (each
/// claimed once).
async fn claimed_once_within_the_limit(processes: &[Process], events: usize) {
    let mut total = 0.0;
    for process in processes {
        let (claims, within, claimed) = process.claims().await;
        assert_eq!(
            claims, within,
            "a claim of {} took more than {MAX_CLAIM}",
            process.base
        );
        total += claimed;
    }
    assert_eq!(total, events as f64);
}

// ---------------------------------------------------------------------------------------------------

/// 200 events to one receiver, on PostgreSQL from two processes. While the receiver holds its answers,
/// each process runs exactly its 32 attempts at once (so on PostgreSQL 64 requests wait: both processes
/// are sending); then every event arrives once, each process delivered some, and every claim stayed
/// within 64 events.
async fn a_backlog_is_shared_and_sent_in_bounded_parallel_batches_each_event_once(env: TestEnv) {
    const EVENTS: usize = 200;
    let servers = Servers::start(&env, env.base(), &["--webhook-timeout-ms", "30000"]).await;
    let processes = Process::all(&servers);
    let receiver = Receiver::start(false, Duration::ZERO).await;
    processes[0]
        .ok(
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            json!({"url": receiver.url()}),
        )
        .await;

    let expected = concurrently(EVENTS, |n| {
        let process = processes[n % processes.len()].clone();
        async move { process.event(json!({"n": n})).await }
    })
    .await;

    let parallel = MAX_IN_FLIGHT * processes.len();
    until(
        &format!("{parallel} attempts waiting at the receiver"),
        || {
            let waiting = receiver.in_flight();
            async move { (waiting == parallel).then_some(()) }
        },
    )
    .await;
    // Running attempts beyond the bound would be waiting here too.
    assert_eq!(receiver.max_in_flight(), parallel);
    receiver.open();

    until("every event delivered", || async {
        let list = processes[0].deliveries().await;
        (list.len() == EVENTS && list.iter().all(|d| d["state"] == "DELIVERED")).then_some(())
    })
    .await;
    each_once(&receiver, &expected);
    assert_eq!(receiver.max_in_flight(), parallel);
    let mut delivered = 0.0;
    for process in &processes {
        let successes = process.successes().await;
        assert!(successes > 0.0, "{} delivered nothing", process.base);
        delivered += successes;
    }
    assert_eq!(delivered, EVENTS as f64);
    claimed_once_within_the_limit(&processes, EVENTS).await;
    servers.stop().await;
}

/// Three events of one payment and three of others: the payment's second event waits for its first
/// while the others run beside it, and its events arrive in the order they happened.
async fn one_payments_events_go_out_one_after_another_while_others_run(env: TestEnv) {
    let process = Process::of(&env);
    let receiver = Receiver::start(false, Duration::ZERO).await;
    process
        .ok(
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            json!({"url": receiver.url()}),
        )
        .await;
    let mut same = Vec::new();
    for n in 0..3 {
        same.push(
            process
                .event(json!({"paymentKey": "pk_same", "n": n}))
                .await,
        );
    }
    for n in 0..3 {
        process
            .event(json!({"paymentKey": format!("pk_other_{n}")}))
            .await;
    }
    until("four attempts waiting at the receiver", || {
        let waiting = receiver.in_flight();
        async move { (waiting == 4).then_some(()) }
    })
    .await;
    let first: Vec<String> = receiver
        .requests()
        .into_iter()
        .filter(|(_, body)| body["data"]["paymentKey"] == "pk_same")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(first, same[..1]);
    receiver.open();

    until("six requests", || {
        let n = receiver.requests().len();
        async move { (n == 6).then_some(()) }
    })
    .await;
    let order: Vec<String> = receiver
        .requests()
        .into_iter()
        .filter(|(_, body)| body["data"]["paymentKey"] == "pk_same")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(order, same);
    assert_eq!(receiver.max_in_flight(), 4);
}

/// With a 1 s response timeout a lease lasts 3 s; sixty events of one payment, each answered after
/// 100 ms, wait up to twice that for their turn in one process. Their leases are renewed meanwhile: a
/// lapsed one would be claimed again (and counted again), yet each is claimed once and arrives once, in
/// order.
async fn events_waiting_their_turn_keep_their_leases(env: TestEnv) {
    const EVENTS: usize = 60;
    let processes = [Process::of(&env)];
    let receiver = Receiver::start(true, Duration::from_millis(100)).await;
    processes[0]
        .ok(
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            json!({"url": receiver.url()}),
        )
        .await;
    let mut expected = Vec::new();
    for n in 0..EVENTS {
        expected.push(
            processes[0]
                .event(json!({"paymentKey": "pk_long", "n": n}))
                .await,
        );
    }
    until("every event delivered", || async {
        let list = processes[0].deliveries().await;
        (list.len() == EVENTS && list.iter().all(|d| d["state"] == "DELIVERED")).then_some(())
    })
    .await;
    let order: Vec<String> = receiver.requests().into_iter().map(|(id, _)| id).collect();
    assert_eq!(order, expected);
    assert_eq!(receiver.max_in_flight(), 1);
    for delivery in processes[0].deliveries().await {
        assert_eq!(
            delivery["attempts"].as_array().unwrap().len(),
            1,
            "{delivery}"
        );
    }
    claimed_once_within_the_limit(&processes, EVENTS).await;
}
