//! The drain row: a backlog of due webhook events delivered to one local receiver by one or more tossd
//! processes sharing a database.
//!
//! A backlog is made the way one forms in practice, when a receiver is down: the merchant's webhook points
//! at the receiver while it answers 503, EVENTS test events are recorded (`POST /sim/v1/webhooks/
//! test-events`, spread over the processes) and each first attempt fails, which schedules its retry one
//! wait later on tossd's clock (a minute times `--webhook-retry-scale`; the script uses an hour, longer
//! than building the backlog takes). The receiver then answers 200 and the clock is advanced by that wait
//! (ADVANCE_SECONDS): every retry falls due at that instant, and the drain is timed from it to the last event's arrival. Each
//! event's delay is its first arrival minus that instant; a duplicate is any arrival of an event already
//! received; a lost event is one never received.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use reqwest::Method;
use serde_json::json;

use crate::driver::Http;

/// How long each phase may take before the run is called failed.
const PHASE_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Default)]
struct Receiver {
    /// 200 once set; 503 before.
    accepting: AtomicBool,
    /// Transmission id and arrival of every request answered 200.
    arrivals: Mutex<Vec<(String, Instant)>>,
}

async fn receive(State(receiver): State<Arc<Receiver>>, headers: HeaderMap) -> StatusCode {
    if !receiver.accepting.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let id = headers
        .get("tosspayments-webhook-transmission-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if let Ok(mut arrivals) = receiver.arrivals.lock() {
        arrivals.push((id, Instant::now()));
    }
    StatusCode::OK
}

/// The sum over `processes` of the webhook delivery counter with `result`.
async fn deliveries(processes: &[Http], result: &str) -> anyhow::Result<u64> {
    let sample = format!(
        "tossd_webhook_deliveries_total{{destination=\"MERCHANT_WEBHOOK\",result=\"{result}\"}}"
    );
    let mut total = 0;
    for process in processes {
        total += metric(process, &sample).await? as u64;
    }
    Ok(total)
}

/// One sample of a process's /metrics (0 when absent).
async fn metric(process: &Http, sample: &str) -> anyhow::Result<f64> {
    let (status, body) = process.send(Method::GET, "/metrics", &[], None).await?;
    anyhow::ensure!(status == 200, "/metrics answered {status}");
    let text = String::from_utf8_lossy(&body);
    Ok(text
        .lines()
        .find_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            (key == sample).then(|| value.parse().ok())?
        })
        .unwrap_or(0.0))
}

/// The events of `ids` whose first failure is not recorded yet, read with `connections`
/// concurrent `GET /sim/v1/webhooks/{transmissionId}`.
async fn not_yet_retried(
    process: &Http,
    ids: Vec<String>,
    connections: usize,
) -> anyhow::Result<Vec<String>> {
    let ids = Arc::new(ids);
    let next = Arc::new(AtomicUsize::new(0));
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (ids, next, process) = (ids.clone(), next.clone(), process.clone());
        readers.spawn(async move {
            let mut waiting = Vec::new();
            loop {
                let Some(id) = ids.get(next.fetch_add(1, Ordering::SeqCst)) else {
                    return anyhow::Ok(waiting);
                };
                let delivery = process.get_ok(&format!("/sim/v1/webhooks/{id}"), None).await?;
                match delivery["retriedCount"].as_i64() {
                    Some(0) => waiting.push(id.clone()),
                    Some(1) => {}
                    _ => anyhow::bail!(
                        "{id} was retried while the backlog was built ({delivery}): start tossd with a \
                         larger --webhook-retry-scale and advance the clock by the first wait"
                    ),
                }
            }
        });
    }
    let mut waiting = Vec::new();
    while let Some(part) = readers.join_next().await {
        waiting.extend(part??);
    }
    Ok(waiting)
}

/// Polls `done` every 20 ms until it holds.
async fn wait_for<F, Fut>(what: &str, mut done: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let started = Instant::now();
    while !done().await? {
        anyhow::ensure!(
            started.elapsed() < PHASE_TIMEOUT,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Prints `DRAIN processes=… events=… seconds=… p50_us=… p99_us=… duplicates=… lost=… claims=…
/// over_limit=…`.
pub async fn run(
    bases: &[String],
    events: usize,
    connections: usize,
    advance_seconds: i64,
) -> anyhow::Result<()> {
    anyhow::ensure!(!bases.is_empty(), "give at least one --base");
    let processes: Vec<Http> = bases
        .iter()
        .map(|b| Http::new(b))
        .collect::<Result<_, _>>()?;

    let receiver = Arc::new(Receiver::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let app = axum::Router::new()
        .fallback(receive)
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (status, body) = processes[0]
        .send(
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            &[],
            Some(&json!({"url": url})),
        )
        .await?;
    anyhow::ensure!(
        status == 200,
        "setting the webhook answered {status}: {}",
        String::from_utf8_lossy(&body)
    );

    // The backlog: every event recorded, and its first attempt failed (503), on the processes in turn.
    let next = Arc::new(AtomicUsize::new(0));
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (next, processes) = (next.clone(), processes.clone());
        callers.spawn(async move {
            let mut ids = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= events {
                    return anyhow::Ok(ids);
                }
                let event = processes[n % processes.len()]
                    .post_ok(
                        "/sim/v1/webhooks/test-events",
                        &[],
                        &json!({"target": "merchant", "data": {"n": n}}),
                    )
                    .await?;
                let id = event["transmissionId"]
                    .as_str()
                    .with_context(|| format!("test event answered {event}"))?;
                ids.push(id.to_owned());
            }
        });
    }
    let mut expected = Vec::with_capacity(events);
    while let Some(ids) = callers.join_next().await {
        expected.extend(ids??);
    }
    wait_for("every first attempt to fail", || async {
        Ok(deliveries(&processes, "failure").await? >= events as u64)
    })
    .await?;
    // The counter moves before an outcome is recorded: wait until every event's failure is recorded, so
    // none becomes due later than the others.
    let mut waiting = expected.clone();
    let started = Instant::now();
    while !waiting.is_empty() {
        anyhow::ensure!(
            started.elapsed() < PHASE_TIMEOUT,
            "timed out waiting for the first failures to be recorded"
        );
        waiting = not_yet_retried(&processes[0], waiting, connections).await?;
    }
    let failures_before = deliveries(&processes, "failure").await?;

    // The drain: every retry falls due at `due`.
    receiver.accepting.store(true, Ordering::SeqCst);
    let due = Instant::now();
    processes[0]
        .post_ok(
            "/sim/v1/clock/advance",
            &[],
            &json!({"seconds": advance_seconds}),
        )
        .await?;
    wait_for("every event to be delivered", || async {
        Ok(deliveries(&processes, "success").await? >= events as u64)
    })
    .await?;
    // Late duplicates (an attempt outliving its lease) would arrive within a second of the last success.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let arrivals = receiver
        .arrivals
        .lock()
        .map_err(|_| anyhow::anyhow!("the receiver's log is poisoned"))?
        .clone();
    let mut first: HashMap<&str, Instant> = HashMap::new();
    for (id, at) in &arrivals {
        first.entry(id.as_str()).or_insert(*at);
    }
    let duplicates = arrivals.len() - first.len();
    let lost = expected
        .iter()
        .filter(|id| !first.contains_key(id.as_str()))
        .count();
    let mut delays: Vec<u64> = first
        .values()
        .map(|at| at.duration_since(due).as_micros() as u64)
        .collect();
    delays.sort_unstable();
    let pct = |p: f64| -> u64 {
        let rank = ((delays.len() as f64) * p).ceil() as usize;
        delays
            .get(rank.clamp(1, delays.len().max(1)) - 1)
            .copied()
            .unwrap_or(0)
    };
    let seconds = delays.last().copied().unwrap_or(0) as f64 / 1e6;

    let failed = deliveries(&processes, "failure").await? - failures_before;
    let (mut claims, mut within) = (0.0, 0.0);
    for process in &processes {
        claims += metric(process, "tossd_webhook_claimed_events_count").await?;
        within += metric(process, "tossd_webhook_claimed_events_bucket{le=\"64.0\"}").await?;
    }
    println!(
        "DRAIN processes={} events={events} seconds={seconds:.3} p50_us={} p99_us={} duplicates={duplicates} \
         lost={lost} failed={failed} claims={claims} over_limit={}",
        processes.len(),
        pct(0.50),
        pct(0.99),
        claims - within,
    );
    Ok(())
}
