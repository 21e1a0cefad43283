//! `soak`: `tossd serve` killed with SIGKILL under a mixed write load, cycle after cycle, on one database;
//! then every write it acknowledged is read back, and every exactly-once operation is checked (scripts/
//! soak.sh, docs/benchmarks.md).
//!
//! Each cycle starts tossd, runs CONNECTIONS callers for a random time between MIN_MS and MAX_MS, and kills
//! tossd while they are writing. A caller repeats four flows: Toss Pay make → approve (simulator) → execute;
//! BrandPay window (simulator) → confirm; a Toss Payments card payment (simulator) cancelled three times
//! with an `Idempotency-Key` each (two partial, then the rest); a new Toss user. Every answer is one of:
//! acknowledged (2xx and, for Apps-in-Toss, `resultType: SUCCESS`), refused (any other answer: must not
//! happen), or none (the process died): the write is then in doubt and the caller stops until the next
//! cycle.
//!
//! After the last cycle tossd is started once more, the writes in doubt are resolved (re-read, or retried
//! where retrying is safe: execute, confirm, and cancel with its key, waiting out the 60 s after which an
//! abandoned idempotency record is re-run), and then:
//! - **lost**: an acknowledged write whose effect is not there (a user, a payment, a status that went back,
//!   a cancel missing from `cancels`);
//! - **exactly-once violations**: an executed Toss Pay payment without exactly one `PAY` transaction, or
//!   executed again; a confirmed BrandPay payment confirmed again; an `orderNo` made twice; a cancel
//!   retried with its `Idempotency-Key` and not answered as the first was; a payment with more cancels
//!   than keys sent (a cancel applied twice).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use base64::Engine;
use rand::Rng;
use reqwest::header::AUTHORIZATION;
use reqwest::Method;
use serde_json::{json, Value};

use crate::driver::Http;

const AIT: &str = "/api-partner/v1/apps-in-toss";

/// The BrandPay customer every caller pays with.
const CUSTOMER_KEY: &str = "soak-customer";

#[derive(clap::Args)]
pub struct Options {
    /// The tossd binary to run.
    #[arg(long)]
    tossd: PathBuf,
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value_t = 10)]
    cycles: usize,
    /// Concurrent callers writing.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Least time the load runs before each kill, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    min_ms: u64,
    /// Most time the load runs before each kill, in milliseconds.
    #[arg(long, default_value_t = 4000)]
    max_ms: u64,
    /// Where tossd's output goes (appended); discarded when absent.
    #[arg(long)]
    log: Option<PathBuf>,
}

/// A write, with what it takes to read it back.
#[derive(Debug, Clone)]
enum Write {
    User {
        user_key: i64,
    },
    /// (A write in doubt has no userKey yet: nothing can read it back.)
    UserInDoubt,
    Make {
        user_key: String,
        order_no: String,
        pay_token: Option<String>,
    },
    Approve {
        user_key: String,
        pay_token: String,
    },
    Execute {
        user_key: String,
        pay_token: String,
        order_no: String,
    },
    CardPayment {
        order_id: String,
        payment_key: Option<String>,
    },
    Cancel {
        payment_key: String,
        idempotency_key: String,
        amount: Option<i64>,
        transaction_key: Option<String>,
    },
    Window {
        order_id: String,
        payment_key: Option<String>,
    },
    Confirm {
        payment_key: String,
        order_id: String,
    },
}

impl Write {
    fn kind(&self) -> &'static str {
        match self {
            Write::User { .. } | Write::UserInDoubt => "user",
            Write::Make { .. } => "toss-pay make",
            Write::Approve { .. } => "toss-pay approve",
            Write::Execute { .. } => "toss-pay execute",
            Write::CardPayment { .. } => "card payment",
            Write::Cancel { .. } => "cancel",
            Write::Window { .. } => "brandpay window",
            Write::Confirm { .. } => "brandpay confirm",
        }
    }
}

#[derive(Default)]
struct Ledger {
    acknowledged: Vec<Write>,
    in_doubt: Vec<Write>,
    refused: u64,
    first_refusal: Option<String>,
}

/// What a caller's request came to.
enum Answer {
    Acknowledged(Value),
    Refused(u16, String),
}

/// The process died before answering: the write is in doubt and the caller stops.
struct Died;

struct Caller {
    http: Http,
    basic: String,
    method_id: String,
    ledger: Arc<Mutex<Ledger>>,
    /// Unique per caller, cycle and run.
    prefix: String,
}

impl Caller {
    fn acknowledge(&self, write: Write) {
        if let Ok(mut ledger) = self.ledger.lock() {
            ledger.acknowledged.push(write);
        }
    }

    fn doubt(&self, write: Write) -> Died {
        if let Ok(mut ledger) = self.ledger.lock() {
            ledger.in_doubt.push(write);
        }
        Died
    }

    fn refuse(&self, path: &str, status: u16, body: &str) {
        if let Ok(mut ledger) = self.ledger.lock() {
            ledger.refused += 1;
            ledger
                .first_refusal
                .get_or_insert_with(|| format!("{path} answered {status}: {body}"));
        }
    }

    /// One request; `None` when no answer came.
    async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Option<Answer> {
        let (status, bytes) = self
            .http
            .send(method, path, headers, Some(body))
            .await
            .ok()?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let success =
            (200..300).contains(&status) && value.get("resultType").is_none_or(|r| r == "SUCCESS");
        Some(if success {
            Answer::Acknowledged(value)
        } else {
            Answer::Refused(status, text)
        })
    }

    /// A write: acknowledged → its answer; refused → recorded, `Ok(None)`; no answer → in doubt.
    async fn write(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
        in_doubt: impl FnOnce() -> Write,
    ) -> Result<Option<Value>, Died> {
        match self.call(Method::POST, path, headers, body).await {
            Some(Answer::Acknowledged(value)) => Ok(Some(value)),
            Some(Answer::Refused(status, text)) => {
                self.refuse(path, status, &text);
                Ok(None)
            }
            None => Err(self.doubt(in_doubt())),
        }
    }

    /// Repeats the flows; `first` staggers where callers start, so a kill finds them at different steps.
    async fn run(self, first: u64) {
        let mut n = first;
        let user_key = match self.user().await {
            Ok(Some(user_key)) => user_key,
            Ok(None) | Err(Died) => return,
        };
        // Linking the user to the default app makes x-toss-user-key known to it.
        match self
            .call(
                Method::POST,
                "/sim/v1/login",
                &[],
                &json!({"userKey": user_key}),
            )
            .await
        {
            Some(Answer::Acknowledged(_)) => {}
            Some(Answer::Refused(status, text)) => {
                return self.refuse("/sim/v1/login", status, &text)
            }
            None => return,
        }
        let user_key = user_key.to_string();
        loop {
            n += 1;
            let order = format!("{}-{n}", self.prefix);
            let flow = match n % 4 {
                0 => self.toss_pay(&user_key, &order).await,
                1 => self.brandpay(&order).await,
                2 => self.cancels(&order).await,
                _ => self.user().await.map(|_| ()),
            };
            if flow.is_err() {
                return;
            }
        }
    }

    async fn user(&self) -> Result<Option<i64>, Died> {
        let user = self
            .write("/sim/v1/users", &[], &json!({}), || Write::UserInDoubt)
            .await?;
        Ok(user.and_then(|user| {
            let user_key = user["userKey"].as_i64()?;
            self.acknowledge(Write::User { user_key });
            Some(user_key)
        }))
    }

    async fn toss_pay(&self, user_key: &str, order_no: &str) -> Result<(), Died> {
        let user = [("x-toss-user-key", user_key)];
        let made = self
            .write(
                &format!("{AIT}/pay/make-payment"),
                &user,
                &json!({"orderNo": order_no, "productDesc": "소크 상품", "amount": 10000,
                        "amountTaxFree": 0, "isTestPayment": true}),
                || Write::Make {
                    user_key: user_key.to_owned(),
                    order_no: order_no.to_owned(),
                    pay_token: None,
                },
            )
            .await?;
        let Some(pay_token) =
            made.and_then(|m| m["success"]["payToken"].as_str().map(str::to_owned))
        else {
            return Ok(());
        };
        self.acknowledge(Write::Make {
            user_key: user_key.to_owned(),
            order_no: order_no.to_owned(),
            pay_token: Some(pay_token.clone()),
        });
        let approve = || Write::Approve {
            user_key: user_key.to_owned(),
            pay_token: pay_token.clone(),
        };
        let approved = self
            .write(
                &format!("/sim/v1/pay/{pay_token}/approve"),
                &[],
                &json!({}),
                approve,
            )
            .await?;
        if approved.is_none() {
            return Ok(());
        }
        self.acknowledge(approve());
        let execute = || Write::Execute {
            user_key: user_key.to_owned(),
            pay_token: pay_token.clone(),
            order_no: order_no.to_owned(),
        };
        let executed = self
            .write(
                &format!("{AIT}/pay/execute-payment"),
                &user,
                &json!({"payToken": pay_token, "orderNo": order_no, "isTestPayment": true}),
                execute,
            )
            .await?;
        if executed.is_some() {
            self.acknowledge(execute());
        }
        Ok(())
    }

    async fn brandpay(&self, order_id: &str) -> Result<(), Died> {
        let window = self
            .write(
                "/sim/v1/brandpay/payments",
                &[],
                &json!({"customerKey": CUSTOMER_KEY, "methodId": self.method_id, "amount": 10000,
                        "orderId": order_id, "orderName": "소크 주문"}),
                || Write::Window {
                    order_id: order_id.to_owned(),
                    payment_key: None,
                },
            )
            .await?;
        let Some(payment_key) = window.and_then(|w| w["paymentKey"].as_str().map(str::to_owned))
        else {
            return Ok(());
        };
        self.acknowledge(Write::Window {
            order_id: order_id.to_owned(),
            payment_key: Some(payment_key.clone()),
        });
        let confirm = || Write::Confirm {
            payment_key: payment_key.clone(),
            order_id: order_id.to_owned(),
        };
        let confirmed = self
            .write(
                "/v1/brandpay/payments/confirm",
                &[(AUTHORIZATION.as_str(), &self.basic)],
                &confirm_body(&payment_key, order_id),
                confirm,
            )
            .await?;
        if confirmed.is_some() {
            self.acknowledge(confirm());
        }
        Ok(())
    }

    async fn cancels(&self, order_id: &str) -> Result<(), Died> {
        let payment = self
            .write(
                "/sim/v1/payments",
                &[],
                &json!({"orderId": order_id, "orderName": "소크 취소", "amount": 10000}),
                || Write::CardPayment {
                    order_id: order_id.to_owned(),
                    payment_key: None,
                },
            )
            .await?;
        let Some(payment_key) = payment.and_then(|p| p["paymentKey"].as_str().map(str::to_owned))
        else {
            return Ok(());
        };
        self.acknowledge(Write::CardPayment {
            order_id: order_id.to_owned(),
            payment_key: Some(payment_key.clone()),
        });
        for (i, amount) in [Some(3000), Some(3000), None].into_iter().enumerate() {
            let idempotency_key = format!("{order_id}-cancel-{i}");
            let cancel = |transaction_key| Write::Cancel {
                payment_key: payment_key.clone(),
                idempotency_key: idempotency_key.clone(),
                amount,
                transaction_key,
            };
            let answer = self
                .write(
                    &format!("/v1/payments/{payment_key}/cancel"),
                    &[
                        (AUTHORIZATION.as_str(), &self.basic),
                        ("idempotency-key", &idempotency_key),
                    ],
                    &cancel_body(amount),
                    || cancel(None),
                )
                .await?;
            let Some(answer) = answer else {
                return Ok(());
            };
            self.acknowledge(cancel(last_cancel_key(&answer)));
        }
        Ok(())
    }
}

fn confirm_body(payment_key: &str, order_id: &str) -> Value {
    json!({"paymentKey": payment_key, "amount": 10000, "customerKey": CUSTOMER_KEY, "orderId": order_id})
}

fn cancel_body(amount: Option<i64>) -> Value {
    match amount {
        Some(amount) => json!({"cancelReason": "소크 부분 취소", "cancelAmount": amount}),
        None => json!({"cancelReason": "소크 전액 취소"}),
    }
}

/// The transaction key of the newest cancel in a Payment.
fn last_cancel_key(payment: &Value) -> Option<String> {
    payment["cancels"]
        .as_array()?
        .last()?
        .get("transactionKey")?
        .as_str()
        .map(str::to_owned)
}

/// A `tossd serve` child on a free port.
struct Tossd {
    child: Child,
    base: String,
}

impl Tossd {
    async fn start(options: &Options) -> anyhow::Result<Tossd> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let output = || -> anyhow::Result<Stdio> {
            Ok(match &options.log {
                Some(path) => std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?
                    .into(),
                None => Stdio::null(),
            })
        };
        let child = Command::new(&options.tossd)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", &options.database_url])
            .env("TOSSD_LOG", "warn")
            .stdout(output()?)
            .stderr(output()?)
            .spawn()
            .with_context(|| format!("starting {}", options.tossd.display()))?;
        let mut tossd = Tossd {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = Http::new(&tossd.base)?;
        let started = Instant::now();
        loop {
            if let Ok((200, _)) = http.send(Method::GET, "/healthz", &[], None).await {
                return Ok(tossd);
            }
            if started.elapsed() > Duration::from_secs(60) {
                tossd.kill();
                anyhow::bail!("tossd did not become healthy within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// SIGKILL: no graceful shutdown, nothing flushed.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts by write kind.
#[derive(Default)]
struct Tally(HashMap<&'static str, u64>);

impl Tally {
    fn add(&mut self, write: &Write) {
        *self.0.entry(write.kind()).or_default() += 1;
    }

    fn total(&self) -> u64 {
        self.0.values().sum()
    }

    fn show(&self) -> String {
        let mut kinds: Vec<_> = self.0.iter().collect();
        kinds.sort();
        kinds
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What the final checks found.
#[derive(Default)]
struct Findings {
    lost: Tally,
    /// Exactly-once violations by kind.
    violations: HashMap<&'static str, u64>,
    /// Per payment, the cancels in doubt whose retry with their key was not answered as the first.
    unreplayed: HashMap<String, u64>,
}

impl Findings {
    fn lose(&mut self, write: &Write, why: String) {
        if self.lost.total() < 5 {
            eprintln!("soak: LOST {}: {why}", write.kind());
        }
        self.lost.add(write);
    }

    fn violate(&mut self, kind: &'static str, why: String) {
        let seen = self.violations.entry(kind).or_default();
        if *seen < 3 {
            eprintln!("soak: EXACTLY-ONCE VIOLATION ({kind}): {why}");
        }
        *seen += 1;
    }

    fn violation_count(&self) -> u64 {
        self.violations.values().sum()
    }
}

/// The checker: one client of the final tossd.
struct Check {
    http: Http,
    basic: String,
}

impl Check {
    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> anyhow::Result<(u16, Value)> {
        let (status, bytes) = self.http.send(Method::GET, path, headers, None).await?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    async fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> anyhow::Result<(u16, Value)> {
        let (status, bytes) = self
            .http
            .send(Method::POST, path, headers, Some(body))
            .await?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    /// A Toss Pay payment's status answer (`success`), if it exists.
    async fn pay_status(&self, user_key: &str, by: Value) -> anyhow::Result<Option<Value>> {
        let mut body = by;
        body["isTestPayment"] = json!(true);
        let (status, answer) = self
            .post(
                &format!("{AIT}/pay/get-payment-status"),
                &[("x-toss-user-key", user_key)],
                &body,
            )
            .await?;
        Ok((status == 200 && answer["resultType"] == "SUCCESS").then(|| answer["success"].clone()))
    }

    async fn execute(
        &self,
        user_key: &str,
        pay_token: &str,
        order_no: &str,
    ) -> anyhow::Result<Value> {
        Ok(self
            .post(
                &format!("{AIT}/pay/execute-payment"),
                &[("x-toss-user-key", user_key)],
                &json!({"payToken": pay_token, "orderNo": order_no, "isTestPayment": true}),
            )
            .await?
            .1)
    }

    async fn payment(&self, payment_key: &str) -> anyhow::Result<Option<Value>> {
        let (status, payment) = self
            .get(
                &format!("/v1/payments/{payment_key}"),
                &[(AUTHORIZATION.as_str(), &self.basic)],
            )
            .await?;
        Ok((status == 200).then_some(payment))
    }

    async fn payment_by_order(&self, order_id: &str) -> anyhow::Result<Option<Value>> {
        let (status, payment) = self
            .get(
                &format!("/v1/payments/orders/{order_id}"),
                &[(AUTHORIZATION.as_str(), &self.basic)],
            )
            .await?;
        Ok((status == 200).then_some(payment))
    }

    async fn confirm(&self, payment_key: &str, order_id: &str) -> anyhow::Result<(u16, Value)> {
        self.post(
            "/v1/brandpay/payments/confirm",
            &[(AUTHORIZATION.as_str(), &self.basic)],
            &confirm_body(payment_key, order_id),
        )
        .await
    }

    /// Settles a write in doubt: what it did is read back, and retried where a retry is safe; returns it
    /// as acknowledged when it took effect.
    async fn resolve(
        &self,
        write: Write,
        findings: &mut Findings,
    ) -> anyhow::Result<Option<Write>> {
        Ok(match write {
            Write::UserInDoubt | Write::Approve { .. } => None,
            Write::Make {
                user_key, order_no, ..
            } => self
                .pay_status(&user_key, json!({"orderNo": order_no}))
                .await?
                .and_then(|made| {
                    Some(Write::Make {
                        user_key,
                        order_no,
                        pay_token: Some(made["payToken"].as_str()?.to_owned()),
                    })
                }),
            Write::Execute {
                user_key,
                pay_token,
                order_no,
            } => {
                let answer = self.execute(&user_key, &pay_token, &order_no).await?;
                let done = answer["resultType"] == "SUCCESS"
                    || answer["error"]["errorCode"] == "PAYMENT_ALREADY_COMPLETED";
                if !done {
                    findings.violate(
                        "execute retried",
                        format!("execute of {pay_token} retried: {answer}"),
                    );
                }
                done.then_some(Write::Execute {
                    user_key,
                    pay_token,
                    order_no,
                })
            }
            Write::CardPayment { order_id, .. } => {
                self.payment_by_order(&order_id).await?.and_then(|p| {
                    Some(Write::CardPayment {
                        order_id,
                        payment_key: Some(p["paymentKey"].as_str()?.to_owned()),
                    })
                })
            }
            Write::Window { order_id, .. } => {
                self.payment_by_order(&order_id).await?.and_then(|p| {
                    Some(Write::Window {
                        order_id,
                        payment_key: Some(p["paymentKey"].as_str()?.to_owned()),
                    })
                })
            }
            Write::Confirm {
                payment_key,
                order_id,
            } => {
                let (status, answer) = self.confirm(&payment_key, &order_id).await?;
                let done = status == 200 || answer["code"] == "ALREADY_PROCESSED_PAYMENT";
                if !done {
                    findings.violate(
                        "confirm retried",
                        format!("confirm of {payment_key} retried: {status} {answer}"),
                    );
                }
                done.then_some(Write::Confirm {
                    payment_key,
                    order_id,
                })
            }
            Write::Cancel {
                payment_key,
                idempotency_key,
                amount,
                ..
            } => {
                // A record left `IN_PROGRESS` by the killed process is re-run once 60 s have passed.
                let started = Instant::now();
                let (status, answer) = loop {
                    let (status, answer) = self
                        .post(
                            &format!("/v1/payments/{payment_key}/cancel"),
                            &[
                                (AUTHORIZATION.as_str(), &self.basic),
                                ("idempotency-key", &idempotency_key),
                            ],
                            &cancel_body(amount),
                        )
                        .await?;
                    if status != 409 || started.elapsed() > Duration::from_secs(90) {
                        break (status, answer);
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                };
                if status != 200 {
                    // Its first request may have cancelled: the payment's check allows for one more.
                    findings.violate(
                        "cancel retried with its Idempotency-Key not answered as the first",
                        format!("{idempotency_key} of {payment_key}: {status} {answer}"),
                    );
                    *findings.unreplayed.entry(payment_key).or_default() += 1;
                    return Ok(None);
                }
                Some(Write::Cancel {
                    payment_key,
                    idempotency_key,
                    amount,
                    transaction_key: last_cancel_key(&answer),
                })
            }
            acknowledged @ Write::User { .. } => Some(acknowledged),
        })
    }

    /// Reads one acknowledged write back.
    async fn verify(&self, write: &Write, findings: &mut Findings) -> anyhow::Result<()> {
        match write {
            Write::User { user_key } => {
                let (status, _) = self.get(&format!("/sim/v1/users/{user_key}"), &[]).await?;
                if status != 200 {
                    findings.lose(write, format!("user {user_key}: {status}"));
                }
            }
            Write::UserInDoubt => {}
            Write::Make {
                user_key,
                order_no,
                pay_token,
            } => match self
                .pay_status(user_key, json!({"orderNo": order_no}))
                .await?
            {
                None => findings.lose(write, format!("payment {order_no} not found")),
                Some(made) => {
                    if made["payToken"].as_str() != pay_token.as_deref() {
                        findings.violate(
                            "orderNo names another payment",
                            format!("orderNo {order_no} answers another payment: {made}"),
                        );
                    }
                    // Making the same orderNo again must be refused.
                    let (_, again) = self
                        .post(
                            &format!("{AIT}/pay/make-payment"),
                            &[("x-toss-user-key", user_key)],
                            &json!({"orderNo": order_no, "productDesc": "소크 상품", "amount": 10000,
                                    "amountTaxFree": 0, "isTestPayment": true}),
                        )
                        .await?;
                    if again["error"]["errorCode"] != "PAYMENT_EXISTING_PAYMENT" {
                        findings.violate(
                            "orderNo made again",
                            format!("orderNo {order_no} made again: {again}"),
                        );
                    }
                }
            },
            Write::Approve {
                user_key,
                pay_token,
            } => {
                let status = self
                    .pay_status(user_key, json!({"payToken": pay_token}))
                    .await?
                    .map(|s| s["payStatus"].clone());
                if !matches!(
                    status.as_ref().and_then(Value::as_str),
                    Some("PAY_APPROVED" | "PAY_COMPLETE")
                ) {
                    findings.lose(write, format!("approved {pay_token} is {status:?}"));
                }
            }
            Write::Execute {
                user_key,
                pay_token,
                order_no,
            } => {
                let paid = self
                    .pay_status(user_key, json!({"payToken": pay_token}))
                    .await?;
                let Some(paid) = paid.filter(|p| p["payStatus"] == "PAY_COMPLETE") else {
                    findings.lose(write, format!("executed {pay_token} is not PAY_COMPLETE"));
                    return Ok(());
                };
                let pays = paid["transactions"]
                    .as_array()
                    .map_or(0, |t| t.iter().filter(|t| t["stepType"] == "PAY").count());
                if pays != 1 {
                    findings.violate(
                        "executed payment without exactly one PAY transaction",
                        format!("{pay_token} has {pays} PAY transactions"),
                    );
                }
                let again = self.execute(user_key, pay_token, order_no).await?;
                if again["error"]["errorCode"] != "PAYMENT_ALREADY_COMPLETED" {
                    findings.violate(
                        "executed again",
                        format!("{pay_token} executed again: {again}"),
                    );
                }
            }
            Write::CardPayment { payment_key, .. } | Write::Window { payment_key, .. } => {
                let Some(payment_key) = payment_key else {
                    return Ok(());
                };
                if self.payment(payment_key).await?.is_none() {
                    findings.lose(write, format!("payment {payment_key} not found"));
                }
            }
            Write::Confirm {
                payment_key,
                order_id,
            } => {
                let status = self
                    .payment(payment_key)
                    .await?
                    .map(|p| p["status"].clone());
                if status.as_ref().and_then(Value::as_str) != Some("DONE") {
                    findings.lose(write, format!("confirmed {payment_key} is {status:?}"));
                }
                let (code, again) = self.confirm(payment_key, order_id).await?;
                if again["code"] != "ALREADY_PROCESSED_PAYMENT" {
                    findings.violate(
                        "confirmed again",
                        format!("{payment_key} confirmed again: {code} {again}"),
                    );
                }
            }
            // Checked per payment, below.
            Write::Cancel { .. } => {}
        }
        Ok(())
    }

    /// One payment's `cancels` against the cancels acknowledged for it.
    async fn verify_cancels(
        &self,
        payment_key: &str,
        sent: &[&Write],
        findings: &mut Findings,
    ) -> anyhow::Result<()> {
        let Some(payment) = self.payment(payment_key).await? else {
            for write in sent {
                findings.lose(write, format!("payment {payment_key} not found"));
            }
            return Ok(());
        };
        let cancels = payment["cancels"].as_array().cloned().unwrap_or_default();
        for write in sent {
            if let Write::Cancel {
                transaction_key, ..
            } = write
            {
                let found = cancels
                    .iter()
                    .any(|c| c["transactionKey"].as_str() == transaction_key.as_deref());
                if !found {
                    findings.lose(
                        write,
                        format!("cancel {transaction_key:?} of {payment_key} missing"),
                    );
                }
            }
        }
        let unreplayed = findings.unreplayed.get(payment_key).copied().unwrap_or(0) as usize;
        if cancels.len() > sent.len() + unreplayed {
            findings.violate(
                "a cancel applied twice",
                format!(
                    "{payment_key} has {} cancels for {} keys sent",
                    cancels.len(),
                    sent.len() + unreplayed
                ),
            );
        }
        Ok(())
    }
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    anyhow::ensure!(
        options.min_ms <= options.max_ms,
        "--min-ms exceeds --max-ms"
    );
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let run_id = format!(
        "soak{:x}",
        SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() % 0xffff_ffff
    );

    // The fixtures: the merchant's key and a BrandPay customer with a card.
    let mut tossd = Tossd::start(&options).await?;
    let http = Http::new(&tossd.base)?;
    let merchant = http.get_ok("/sim/v1/merchants/default", None).await?;
    let secret_key = merchant["secretKey"].as_str().context("secretKey")?;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{secret_key}:"))
    );
    let card = http
        .post_ok(
            &format!("/sim/v1/brandpay/customers/{CUSTOMER_KEY}/cards"),
            &[],
            &json!({}),
        )
        .await?;
    let method_id = card["id"].as_str().context("card id")?.to_owned();

    for cycle in 1..=options.cycles {
        if cycle > 1 {
            tossd = Tossd::start(&options).await?;
        }
        let mut callers = tokio::task::JoinSet::new();
        for caller in 0..options.connections {
            let first = caller as u64;
            let caller = Caller {
                http: Http::new(&tossd.base)?,
                basic: basic.clone(),
                method_id: method_id.clone(),
                ledger: ledger.clone(),
                prefix: format!("{run_id}-{cycle}-{caller}"),
            };
            callers.spawn(caller.run(first));
        }
        let load = rand::thread_rng().gen_range(options.min_ms..=options.max_ms);
        tokio::time::sleep(Duration::from_millis(load)).await;
        tossd.kill();
        while callers.join_next().await.is_some() {}
        let (acknowledged, in_doubt) = ledger
            .lock()
            .map(|l| (l.acknowledged.len(), l.in_doubt.len()))
            .unwrap_or_default();
        eprintln!(
            "soak: cycle {cycle}/{}: killed after {load} ms; {acknowledged} writes acknowledged, {in_doubt} in doubt so far",
            options.cycles
        );
    }

    tossd = Tossd::start(&options).await?;
    let check = Check {
        http: Http::new(&tossd.base)?,
        basic,
    };
    let (mut acknowledged, in_doubt, refused, first_refusal) = {
        let mut ledger = ledger
            .lock()
            .map_err(|_| anyhow::anyhow!("the ledger is poisoned"))?;
        (
            std::mem::take(&mut ledger.acknowledged),
            std::mem::take(&mut ledger.in_doubt),
            ledger.refused,
            ledger.first_refusal.take(),
        )
    };
    let mut acknowledged_tally = Tally::default();
    for write in &acknowledged {
        acknowledged_tally.add(write);
    }
    let mut doubt_tally = Tally::default();
    let mut findings = Findings::default();
    let mut resolved = 0u64;
    for write in in_doubt {
        doubt_tally.add(&write);
        if let Some(write) = check.resolve(write, &mut findings).await? {
            resolved += 1;
            acknowledged.push(write);
        }
    }
    let mut cancels: HashMap<String, Vec<&Write>> = HashMap::new();
    for write in &acknowledged {
        check.verify(write, &mut findings).await?;
        if let Write::Cancel { payment_key, .. } = write {
            cancels.entry(payment_key.clone()).or_default().push(write);
        }
    }
    for (payment_key, sent) in &cancels {
        check
            .verify_cancels(payment_key, sent, &mut findings)
            .await?;
    }
    tossd.kill();

    eprintln!("soak: acknowledged: {}", acknowledged_tally.show());
    eprintln!(
        "soak: in doubt (no answer when killed): {}; {resolved} had taken effect",
        doubt_tally.show()
    );
    let mut kinds: Vec<_> = findings.violations.iter().collect();
    kinds.sort();
    for (kind, n) in kinds {
        eprintln!("soak: exactly-once violations: {kind}: {n}");
    }
    if let Some(refusal) = first_refusal {
        eprintln!("soak: refused {refused}, the first: {refusal}");
    }
    println!(
        "SOAK cycles={} acknowledged={} in_doubt={} in_doubt_applied={resolved} lost={} violations={} refused={refused}",
        options.cycles,
        acknowledged_tally.total(),
        doubt_tally.total(),
        findings.lost.total(),
        findings.violation_count(),
    );
    Ok(())
}
