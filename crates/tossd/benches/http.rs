//! tossd's benchmark: start-up time and per-call latency of the release binary over real HTTP.
//!
//! `cargo bench --bench http` prints, for SQLite (and PostgreSQL when reachable at
//! `TOSSD_TEST_POSTGRES_URL`): time from spawn to the first 200 from /healthz, then latency percentiles and
//! throughput for a call that touches no database (the bare HTTP stack), an authenticated read, and a
//! durable write, sequentially and with 16 callers at once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

const SEQUENTIAL_CALLS: usize = 2000;
const CONCURRENT_CALLS: usize = 4000;
const CONCURRENCY: usize = 16;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Tossd {
    child: Child,
    base: String,
}

impl Drop for Tossd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns the binary and returns it with the time until /healthz first answered 200.
async fn spawn(database_url: &str, client: &reqwest::Client) -> (Tossd, Duration) {
    let port = free_port();
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_tossd"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            database_url,
        ])
        .env("TOSSD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tossd spawns");
    let base = format!("http://127.0.0.1:{port}");
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "tossd did not become healthy"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    (Tossd { child, base }, started.elapsed())
}

#[derive(Clone, Copy)]
enum Call {
    Bare,
    Read,
    Write,
}

async fn one(client: &reqwest::Client, base: &str, auth: &str, call: Call) {
    let response = match call {
        Call::Bare => client.get(format!("{base}/no-such-route")).send().await,
        Call::Read => {
            client
                .get(format!("{base}/v1/payments/bench-payment"))
                .header("authorization", auth)
                .send()
                .await
        }
        Call::Write => {
            client
                .post(format!("{base}/sim/v1/users"))
                .body("{}")
                .send()
                .await
        }
    }
    .expect("call answers");
    let status = response.status().as_u16();
    let _ = response.bytes().await;
    assert!(matches!(status, 201 | 404), "unexpected status {status}");
}

fn report(label: &str, mut samples: Vec<Duration>, wall: Duration) {
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    println!(
        "  {label:<34} p50 {:>8.1} µs  p99 {:>8.1} µs  {:>8.0} req/s",
        pct(0.50).as_secs_f64() * 1e6,
        pct(0.99).as_secs_f64() * 1e6,
        samples.len() as f64 / wall.as_secs_f64()
    );
}

async fn measure(client: &reqwest::Client, base: &str, auth: &str, name: &str, call: Call) {
    for _ in 0..50 {
        one(client, base, auth, call).await;
    }
    let calls = if matches!(call, Call::Write) {
        SEQUENTIAL_CALLS / 4
    } else {
        SEQUENTIAL_CALLS
    };
    let wall = Instant::now();
    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        one(client, base, auth, call).await;
        samples.push(t.elapsed());
    }
    report(&format!("{name}, 1 caller"), samples, wall.elapsed());

    let calls = if matches!(call, Call::Write) {
        CONCURRENT_CALLS / 4
    } else {
        CONCURRENT_CALLS
    };
    let wall = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..CONCURRENCY {
        let (client, base, auth) = (client.clone(), base.to_owned(), auth.to_owned());
        tasks.spawn(async move {
            let mut samples = Vec::new();
            for _ in (worker..calls).step_by(CONCURRENCY) {
                let t = Instant::now();
                one(&client, &base, &auth, call).await;
                samples.push(t.elapsed());
            }
            samples
        });
    }
    let mut samples = Vec::with_capacity(calls);
    while let Some(part) = tasks.join_next().await {
        samples.extend(part.expect("bench task"));
    }
    report(
        &format!("{name}, {CONCURRENCY} callers"),
        samples,
        wall.elapsed(),
    );
}

async fn bench_backend(label: &str, database_url: &str, client: &reqwest::Client) {
    println!("{label}");
    let (tossd, startup) = spawn(database_url, client).await;
    println!(
        "  start-up to first healthy answer   {:>8.1} ms (fresh database)",
        startup.as_secs_f64() * 1e3
    );
    let merchant: serde_json::Value = client
        .get(format!("{}/sim/v1/merchants/default", tossd.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = merchant["secretKey"].as_str().expect("secretKey");
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{secret}:"))
    );
    measure(
        client,
        &tossd.base,
        &auth,
        "bare HTTP (unknown route)",
        Call::Bare,
    )
    .await;
    measure(
        client,
        &tossd.base,
        &auth,
        "read: payment lookup (Basic)",
        Call::Read,
    )
    .await;
    measure(
        client,
        &tossd.base,
        &auth,
        "write: create user (durable)",
        Call::Write,
    )
    .await;
    drop(tossd);
    let (tossd, restart) = spawn(database_url, client).await;
    println!(
        "  restart to first healthy answer    {:>8.1} ms (existing database)",
        restart.as_secs_f64() * 1e3
    );
    drop(tossd);
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; there are no options.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    bench_backend("SQLite", &sqlite, &client).await;

    sqlx::any::install_default_drivers();
    let admin_url = std::env::var("TOSSD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    match sqlx::AnyPool::connect(&admin_url).await {
        Ok(admin) => {
            use sqlx::Executor;
            let name = format!("tossd_bench_{}", std::process::id());
            admin
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create bench database");
            let url = format!(
                "{}/{name}",
                &admin_url[..admin_url.rfind('/').expect("path")]
            );
            bench_backend("PostgreSQL", &url, &client).await;
            admin
                .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
                .await
                .expect("drop bench database");
        }
        Err(e) => println!("PostgreSQL not reachable at {admin_url} ({e}); skipped"),
    }
}
