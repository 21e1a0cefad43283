//! The load driver of the multi-step rows, an equivalent of wrk for flows: CONNECTIONS callers, each on
//! its own keep-alive connection, each starting its next flow as soon as its last one finished, for a
//! fixed time; the latency of every flow is kept and the percentiles come from all of them. A flow
//! counts only when every step answered success; anything else is an error (the first is printed).
//!
//! It also counts commits per operation (`commits`): each operation runs alone, one after another, and
//! the commit records SQLite's write-ahead log gained meanwhile are divided by the operations run.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use serde_json::{json, Value};
use toss_client::wire::apps_in_toss::pay::{ExecutePaymentRequest, MakePaymentRequest};
use toss_client::wire::tosspayments::brandpay::payments::ConfirmRequest;
use toss_client::wire::tosspayments::payments::PaymentStatus;

use crate::{wal, Stats};

/// The tossd under load and the fixtures `setup` printed.
#[derive(clap::Args, Clone)]
pub struct Target {
    #[arg(long)]
    base: String,
    #[arg(long)]
    secret_key: Option<String>,
    #[arg(long)]
    payment_key: Option<String>,
    #[arg(long)]
    user_key: Option<String>,
    #[arg(long)]
    access_token: Option<String>,
    #[arg(long)]
    customer_key: Option<String>,
    #[arg(long)]
    method_id: Option<String>,
}

fn need<'a>(value: &'a Option<String>, flag: &str) -> anyhow::Result<&'a str> {
    value
        .as_deref()
        .with_context(|| format!("this flow needs --{flag}"))
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Flow {
    /// (b) GET /v1/payments/{paymentKey}, Basic auth
    Lookup,
    /// (c) GET …/user/oauth2/login-me, Bearer
    LoginMe,
    /// (d) POST …/pay/make-payment, a new orderNo each time
    MakePayment,
    /// (e) make-payment → simulator approve → execute-payment
    TossPay,
    /// (f) BrandPay window (simulator) → POST /v1/brandpay/payments/confirm
    Brandpay,
}

impl Flow {
    fn name(self) -> &'static str {
        match self {
            Flow::Lookup => "lookup",
            Flow::LoginMe => "login-me",
            Flow::MakePayment => "make-payment",
            Flow::TossPay => "toss-pay",
            Flow::Brandpay => "brandpay",
        }
    }
}

/// A JSON-over-HTTP client of one tossd.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    base: String,
}

impl Http {
    pub fn new(base: &str) -> anyhow::Result<Http> {
        Ok(Http {
            client: reqwest::Client::builder()
                .tcp_nodelay(true)
                .pool_idle_timeout(None)
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// Sends a request; answers its status and body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, axum::body::Bytes)> {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(
                HeaderName::from_bytes(name.as_bytes())?,
                HeaderValue::from_str(value)?,
            );
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(body)?);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok((status, response.bytes().await?))
    }

    async fn json_ok(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let (status, bytes) = self.send(method, path, headers, body).await?;
        anyhow::ensure!(
            (200..300).contains(&status),
            "{path} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let value: Value =
            serde_json::from_slice(&bytes).with_context(|| format!("{path} answered no JSON"))?;
        // Apps-in-Toss answers its failures in a 200 too, as a FAIL envelope.
        anyhow::ensure!(
            value.get("resultType").is_none_or(|r| r == "SUCCESS"),
            "{path} answered {value}"
        );
        Ok(value)
    }

    pub async fn get_ok(
        &self,
        path: &str,
        headers: Option<&[(&str, &str)]>,
    ) -> anyhow::Result<Value> {
        self.json_ok(Method::GET, path, headers.unwrap_or(&[]), None)
            .await
    }

    pub async fn post_ok(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> anyhow::Result<Value> {
        self.json_ok(Method::POST, path, headers, Some(body)).await
    }
}

/// One operation of a flow, with what it needs resolved once. The partner API calls go through
/// toss-client, as a Rust integration would make them (so a wire change that breaks clients breaks the
/// benchmark too); the simulator's user-side steps through plain HTTP.
struct Operation {
    http: Http,
    toss: toss_client::Client,
    flow: Flow,
    access_token: String,
    payment_key: String,
    user_key: i64,
    customer_key: String,
    method_id: String,
    /// Makes orderNo / orderId unique across runs on one database.
    run: String,
}

impl Operation {
    fn new(target: &Target, flow: Flow) -> anyhow::Result<Operation> {
        let mut toss = toss_client::Client::builder()
            .base_url(&target.base)
            // A failed call is an error of the row, never retried.
            .max_retries(0);
        if let Some(key) = &target.secret_key {
            toss = toss.secret_key(key);
        }
        let mut op = Operation {
            http: Http::new(&target.base)?,
            toss: toss.build()?,
            flow,
            access_token: String::new(),
            payment_key: String::new(),
            user_key: 0,
            customer_key: String::new(),
            method_id: String::new(),
            run: format!(
                "{:x}{:x}",
                std::process::id(),
                SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() % 0xffff_ffff
            ),
        };
        match flow {
            Flow::Lookup => {
                need(&target.secret_key, "secret-key")?;
                op.payment_key = need(&target.payment_key, "payment-key")?.to_owned();
            }
            Flow::LoginMe => {
                op.access_token = need(&target.access_token, "access-token")?.to_owned();
            }
            Flow::MakePayment | Flow::TossPay => {
                op.user_key = need(&target.user_key, "user-key")?
                    .parse()
                    .context("--user-key is a number")?;
            }
            Flow::Brandpay => {
                need(&target.secret_key, "secret-key")?;
                op.customer_key = need(&target.customer_key, "customer-key")?.to_owned();
                op.method_id = need(&target.method_id, "method-id")?.to_owned();
            }
        }
        Ok(op)
    }

    /// Runs the operation once; `caller` and `n` make its order numbers unique.
    async fn run(&self, caller: usize, n: u64) -> anyhow::Result<()> {
        let order = format!("{}-{}-{caller}-{n}", self.flow.name(), self.run);
        match self.flow {
            Flow::Lookup => {
                self.toss.payments().get(&self.payment_key).await?;
            }
            Flow::LoginMe => {
                self.toss.login().me(&self.access_token).await?;
            }
            Flow::MakePayment => {
                self.make(&order).await?;
            }
            Flow::TossPay => {
                let pay_token = self.make(&order).await?;
                self.http
                    .post_ok(&format!("/sim/v1/pay/{pay_token}/approve"), &[], &json!({}))
                    .await?;
                self.toss
                    .toss_pay()
                    .execute_payment(
                        self.user_key,
                        ExecutePaymentRequest::new(pay_token, true).order_no(&order),
                    )
                    .await?;
            }
            Flow::Brandpay => {
                let window = self
                    .http
                    .post_ok(
                        "/sim/v1/brandpay/payments",
                        &[],
                        &json!({"customerKey": self.customer_key, "methodId": self.method_id,
                                "amount": 10000, "orderId": order, "orderName": "벤치마크 주문"}),
                    )
                    .await?;
                let payment_key = window["paymentKey"]
                    .as_str()
                    .with_context(|| format!("the window answered {window}"))?;
                let confirmed = self
                    .toss
                    .brandpay()
                    .confirm(ConfirmRequest::new(
                        payment_key,
                        10000,
                        &self.customer_key,
                        &order,
                    ))
                    .await?;
                anyhow::ensure!(
                    confirmed.status == PaymentStatus::Done,
                    "confirm answered {}",
                    confirmed.status
                );
            }
        }
        Ok(())
    }

    /// make-payment; answers the payToken.
    async fn make(&self, order_no: &str) -> anyhow::Result<String> {
        let made = self
            .toss
            .toss_pay()
            .make_payment(
                self.user_key,
                MakePaymentRequest::new(order_no, "벤치마크 상품", 10000, true),
            )
            .await?;
        Ok(made.pay_token)
    }
}

pub async fn drive(
    target: &Target,
    flow: Flow,
    seconds: Duration,
    connections: usize,
) -> anyhow::Result<Stats> {
    let op = Arc::new(Operation::new(target, flow)?);
    let started = Instant::now();
    let deadline = started + seconds;
    let mut callers = tokio::task::JoinSet::new();
    for caller in 0..connections {
        let op = op.clone();
        callers.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let t = Instant::now();
                match op.run(caller, n).await {
                    Ok(()) => latencies.push(t.elapsed().as_micros() as u64),
                    Err(e) => {
                        errors += 1;
                        if errors == 1 {
                            eprintln!("drive {}: {e:#}", op.flow.name());
                        }
                    }
                }
            }
            (latencies, errors)
        });
    }
    let mut stats = Stats {
        latencies_us: Vec::new(),
        elapsed: Duration::ZERO,
        errors: 0,
    };
    while let Some(part) = callers.join_next().await {
        let (latencies, errors) = part?;
        stats.latencies_us.extend(latencies);
        stats.errors += errors;
    }
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// Operations per batch: small enough that SQLite's automatic checkpoint rarely restarts the log
/// inside one (a batch where it did is measured again).
const BATCH: usize = 10;

/// Prints `COMMITS idle_per_s=… lookup=… …`: commit records per operation, and per second when idle.
pub async fn commits(target: &Target, database: &Path, ops: usize) -> anyhow::Result<()> {
    let wal_path = {
        let mut name = database.as_os_str().to_owned();
        name.push("-wal");
        std::path::PathBuf::from(name)
    };
    // Commits the operation causes after answering (the webhook worker's delivery attempts) land
    // within this pause; it is also the idle baseline's window.
    let settle = Duration::from_millis(300);
    let mut line = String::from("COMMITS");
    let idle = loop {
        let before = wal::commits(&wal_path)?;
        tokio::time::sleep(settle * 10).await;
        let after = wal::commits(&wal_path)?;
        if let Some(delta) = after.since(&before) {
            break delta as f64 / (settle * 10).as_secs_f64();
        }
    };
    line.push_str(&format!(" idle_per_s={idle:.2}"));
    for flow in [
        Flow::Lookup,
        Flow::LoginMe,
        Flow::MakePayment,
        Flow::TossPay,
        Flow::Brandpay,
    ] {
        let op = Operation::new(target, flow)?;
        let (mut measured, mut commits, mut attempts) = (0usize, 0u64, 0usize);
        while measured < ops {
            attempts += 1;
            anyhow::ensure!(
                attempts < 100,
                "the WAL kept restarting under {}",
                flow.name()
            );
            let batch = BATCH.min(ops - measured);
            let before = wal::commits(&wal_path)?;
            for i in 0..batch {
                op.run(0, (attempts * BATCH + i) as u64).await?;
            }
            tokio::time::sleep(settle).await;
            if let Some(delta) = wal::commits(&wal_path)?.since(&before) {
                measured += batch;
                commits += delta;
            }
        }
        line.push_str(&format!(
            " {}={:.2}",
            flow.name(),
            commits as f64 / measured as f64
        ));
    }
    println!("{line}");
    Ok(())
}
