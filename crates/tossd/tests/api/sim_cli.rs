//! `tossd sim`: the real binary against a test server, each verb checked by its output and by the server's
//! state read through the public API.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    deliveries, generate_token, is_alnum, is_tp_time, link_user, run_serving, Backend, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    login_prints_a_code_the_partner_exchanges,
    approve_approves_the_toss_pay_payment,
    register_card_registers_a_brandpay_card,
    trigger_queues_a_realistic_event,
    reset_starts_over,
);

on_both_backends!(
    with_flags ["--clock", "manual"];
    advance_moves_the_clock,
);

on_both_backends!(
    with_flags ["--admin-token", "cli-admin-token"];
    admin_token_is_sent_as_bearer,
);

/// What one run of the binary did.
#[derive(Debug)]
struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Output {
    /// Stdout of a run that must have succeeded.
    fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "{self:?}");
        assert_eq!(self.stderr, "", "{self:?}");
        &self.stdout
    }

    /// Stdout of a successful `--json` run, parsed.
    fn json(&self) -> Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// The value of the `key: value` line for `key`.
    fn line(&self, key: &str) -> String {
        let prefix = format!("{key}: ");
        self.ok()
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {key} line: {self:?}"))
            .to_owned()
    }

    /// Asserts a failed run: its exit code and its one stderr line.
    fn failed(&self, code: i32, stderr: &str) {
        assert_eq!(
            (self.code, self.stderr.as_str(), self.stdout.as_str()),
            (code, format!("{stderr}\n").as_str(), ""),
            "{self:?}"
        );
    }
}

/// `tossd sim ARGS` with no `TOSSD_*` variables from the test's environment.
async fn tossd(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tossd"))
        .arg("sim")
        .args(args)
        .env_remove("TOSSD_URL")
        .env_remove("TOSSD_ADMIN_TOKEN")
        .envs(vars.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("the tossd binary runs");
    Output {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// `tossd sim ARGS --url <the test server>`.
async fn sim(env: &TestEnv, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--url", env.base()]);
    tossd(&all, &[]).await
}

async fn login_prints_a_code_the_partner_exchanges(env: TestEnv) {
    let out = sim(&env, &["login", "123456789"]).await;
    let code = out.line("authorizationCode");
    assert_eq!(
        out.ok(),
        format!("authorizationCode: {code}\nreferrer: DEFAULT\n")
    );
    let r = generate_token(&env, &code, "DEFAULT").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["resultType"], "SUCCESS");

    // Options become the call's fields; --json prints the answer as it came.
    let out = sim(
        &env,
        &[
            "login",
            "87654321",
            "--scopes",
            "USER_NAME,USER_PHONE",
            "--referrer",
            "SANDBOX",
            "--json",
        ],
    )
    .await;
    let answer = out.json();
    assert_eq!(answer["referrer"], "SANDBOX");
    let code = answer["authorizationCode"].as_str().expect("a code");
    let r = generate_token(&env, code, "SANDBOX").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["success"]["scope"], "user_key user_name user_phone");

    let out = sim(&env, &["login", "5"]).await;
    out.failed(1, "error: NOT_FOUND: no such user (HTTP 404)");
    let out = sim(&env, &["login", "123456789", "--scopes", "NO_SUCH_SCOPE"]).await;
    out.failed(
        1,
        "error: INVALID_REQUEST: the app does not offer the scope \"NO_SUCH_SCOPE\" (HTTP 400)",
    );
}

const PAY: &str = "/api-partner/v1/apps-in-toss/pay";

/// A Toss Pay payment of 10,000 made by user 123456789's partner server; its payToken.
async fn make_payment(env: &TestEnv, order_no: &str) -> String {
    let r = env
        .post(
            &format!("{PAY}/make-payment"),
            &[("x-toss-user-key", "123456789")],
            &json!({"orderNo": order_no, "productDesc": "토스 티셔츠", "amount": 10000,
                    "amountTaxFree": 0, "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["success"]["payToken"]
        .as_str()
        .expect("payToken")
        .to_owned()
}

async fn pay_status(env: &TestEnv, token: &str) -> Value {
    let r = env
        .post(
            &format!("{PAY}/get-payment-status"),
            &[("x-toss-user-key", "123456789")],
            &json!({"payToken": token, "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["success"].clone()
}

async fn approve_approves_the_toss_pay_payment(env: TestEnv) {
    link_user(&env, 123456789).await;
    let token = make_payment(&env, "cli-1").await;
    assert_eq!(pay_status(&env, &token).await["payStatus"], "PAY_STANDBY");
    let out = sim(
        &env,
        &["approve", &token, "--method", "card", "--card-company", "4"],
    )
    .await;
    assert_eq!(
        out.ok(),
        format!(
            "payToken: {token}\norderNo: cli-1\npayStatus: PAY_APPROVED\npayMethod: CARD\namount: 10000\n"
        )
    );
    let status = pay_status(&env, &token).await;
    assert_eq!(
        (
            &status["payStatus"],
            &status["payMethod"],
            &status["card"]["cardCompanyCode"]
        ),
        (&json!("PAY_APPROVED"), &json!("CARD"), &json!(4))
    );

    // The sheet has had its answer; a payToken nothing has is 404.
    let out = sim(&env, &["approve", &token]).await;
    out.failed(
        1,
        "error: INVALID_STATE: the payment is PAY_APPROVED, not PAY_STANDBY (HTTP 409)",
    );
    let out = sim(&env, &["approve", "no/such token"]).await;
    out.failed(
        1,
        "error: NOT_FOUND: no payment with this payToken (HTTP 404)",
    );

    // The default method is Toss Money; --json answers the payment status verbatim.
    let token = make_payment(&env, "cli-2").await;
    let answer = sim(&env, &["approve", &token, "--json"]).await.json();
    assert_eq!(answer, pay_status(&env, &token).await);
    assert_eq!(answer["payMethod"], "TOSS_MONEY");
}

async fn register_card_registers_a_brandpay_card(env: TestEnv) {
    let out = sim(&env, &["register-card", "cli-customer"]).await;
    let method_key = out.line("methodKey");
    let id = out.line("id");
    assert_eq!(
        out.ok(),
        format!(
            "customerKey: cli-customer\nid: {id}\nmethodKey: {method_key}\ncardName: 현대카드\n\
             cardNumber: {}\ncardType: 신용\nstatus: ENABLED\n",
            out.line("cardNumber")
        )
    );
    let out = sim(
        &env,
        &[
            "register-card",
            "cli-customer",
            "--issuer",
            "11",
            "--number",
            "5365101234567890",
            "--type",
            "check",
            "--owner",
            "corporate",
            "--alias",
            "생활비",
            "--json",
        ],
    )
    .await;
    let second = out.json();
    assert_eq!(
        (
            &second["issuerCode"],
            &second["cardType"],
            &second["ownerType"],
            &second["alias"]
        ),
        (
            &json!("11"),
            &json!("체크"),
            &json!("법인"),
            &json!("생활비")
        )
    );

    // The merchant's server sees both cards.
    let basic = env.merchant_basic().await;
    let r = env
        .get(
            "/v1/brandpay/payments/methods/cli-customer",
            &[("authorization", &basic)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let keys: Vec<&Value> = r.body["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .map(|card| &card["methodKey"])
        .collect();
    assert_eq!(keys.len(), 2, "{}", r.text);
    assert!(keys.contains(&&json!(method_key)) && keys.contains(&&second["methodKey"]));

    let out = sim(&env, &["register-card", "x"]).await;
    out.failed(
        1,
        "error: INVALID_REQUEST: customerKey must be 2–50 characters of A–Z a–z 0–9 - _ = . @ (HTTP 400)",
    );
    let out = sim(
        &env,
        &["register-card", "cli-customer", "--merchant", "nobody"],
    )
    .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.starts_with("error: NOT_FOUND: "), "{out:?}");
    let out = sim(&env, &["register-card", "cli-customer", "--type", "debit"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("expected credit (신용), check (체크) or gift (기프트)"),
        "{out:?}"
    );
}

fn seconds_of(clock: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().expect("now"))
        .expect("an RFC 3339 time")
        .timestamp()
}

async fn advance_moves_the_clock(env: TestEnv) {
    let before = env.sim(Method::GET, "/sim/v1/clock", Value::Null).await;
    let out = sim(&env, &["clock"]).await;
    assert_eq!(
        out.ok(),
        format!(
            "now: {}\nnowKst: {}\nmode: manual\n",
            before["now"].as_str().unwrap(),
            before["nowKst"].as_str().unwrap()
        )
    );

    let out = sim(&env, &["advance", "1h"]).await;
    let after = env.sim(Method::GET, "/sim/v1/clock", Value::Null).await;
    assert_eq!(seconds_of(&after) - seconds_of(&before), 3600);
    assert_eq!(
        out.ok(),
        format!(
            "now: {}\nnowKst: {}\n",
            after["now"].as_str().unwrap(),
            after["nowKst"].as_str().unwrap()
        )
    );
    let mut previous = after;
    for (duration, seconds) in [("90", 90), ("1d12h", 129_600), ("30s", 30), ("10m", 600)] {
        let answer = sim(&env, &["advance", duration, "--json"]).await.json();
        let now = env.sim(Method::GET, "/sim/v1/clock", Value::Null).await;
        assert_eq!(answer, now);
        assert_eq!(
            seconds_of(&now) - seconds_of(&previous),
            seconds,
            "{duration}"
        );
        previous = now;
    }

    let out = sim(&env, &["advance", "10x"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("\"10x\" is not a duration (30s, 10m, 2h, 3d, 1h30m or seconds)"),
        "{out:?}"
    );
    let out = sim(&env, &["advance", "40000d"]).await;
    out.failed(
        1,
        "error: INVALID_REQUEST: seconds must be a whole number from 0 to 3153600000 (100 years) (HTTP 400)",
    );
    assert_eq!(
        env.sim(Method::GET, "/sim/v1/clock", Value::Null).await,
        previous
    );
}

async fn trigger_queues_a_realistic_event(env: TestEnv) {
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    // No webhook URL is configured: the event is recorded, NOT_SENT.
    let out = sim(&env, &["trigger", "PAYMENT_STATUS_CHANGED"]).await;
    let (id, payment_key) = (out.line("id"), out.line("paymentKey"));
    let listed = deliveries(&env).await;
    assert_eq!(listed.len(), 1);
    let delivery = &listed[0];
    assert_eq!(delivery["id"].to_string(), id);
    assert_eq!(
        out.ok(),
        format!(
            "id: {id}\ntransmissionId: {}\neventType: PAYMENT_STATUS_CHANGED\nstate: NOT_SENT\n\
             paymentKey: {payment_key}\norderId: {}\nstatus: DONE\n",
            delivery["transmissionId"].as_str().unwrap(),
            delivery["payload"]["data"]["orderId"].as_str().unwrap()
        )
    );
    let payload = &delivery["payload"];
    assert_eq!(
        (
            &delivery["destination"],
            &delivery["mId"],
            &payload["eventType"]
        ),
        (
            &json!("MERCHANT_WEBHOOK"),
            &merchant["mId"],
            &json!("PAYMENT_STATUS_CHANGED")
        )
    );
    let data = &payload["data"];
    assert!(is_alnum(&data["paymentKey"], 48), "{data}");
    assert!(
        is_tp_time(&data["approvedAt"]) && data["approvedAt"] == data["requestedAt"],
        "{data}"
    );
    assert_eq!(
        (
            &data["mId"],
            &data["status"],
            &data["method"],
            &data["totalAmount"],
            &data["vat"]
        ),
        (
            &merchant["mId"],
            &json!("DONE"),
            &json!("카드"),
            &json!(10000),
            &json!(909)
        )
    );
    assert_eq!(data["card"]["acquireStatus"], "READY");
    // Every field of the Payment object is there, as in the real webhooks.
    let real = json!({
        "mId": 0, "version": 0, "paymentKey": 0, "status": 0, "transactionKey": 0,
        "lastTransactionKey": 0, "orderId": 0, "orderName": 0, "requestedAt": 0, "approvedAt": 0,
        "useEscrow": 0, "cultureExpense": 0, "card": 0, "virtualAccount": 0, "transfer": 0,
        "mobilePhone": 0, "giftCertificate": 0, "cashReceipt": 0, "cashReceipts": 0, "discount": 0,
        "cancels": 0, "secret": 0, "type": 0, "easyPay": 0, "easyPayAmount": 0,
        "easyPayDiscountAmount": 0, "country": 0, "failure": 0, "isPartialCancelable": 0,
        "receipt": 0, "checkout": 0, "currency": 0, "totalAmount": 0, "balanceAmount": 0,
        "suppliedAmount": 0, "vat": 0, "taxFreeAmount": 0, "taxExemptionAmount": 0, "metadata": 0,
        "method": 0,
    });
    let mut fields: Vec<&String> = data.as_object().unwrap().keys().collect();
    let mut expected: Vec<&String> = real.as_object().unwrap().keys().collect();
    fields.sort();
    expected.sort();
    assert_eq!(fields, expected);

    // Options shape the payment; --json prints the delivery as the API answered it.
    let out = sim(
        &env,
        &[
            "trigger",
            "payment_status_changed",
            "--status",
            "partial_canceled",
            "--amount",
            "15000",
            "--order-id",
            "cli-order",
            "--json",
        ],
    )
    .await;
    let answer = out.json();
    let data = &answer["payload"]["data"];
    assert_eq!(
        (
            &data["status"],
            &data["orderId"],
            &data["balanceAmount"],
            &data["cancels"][0]["cancelAmount"]
        ),
        (
            &json!("PARTIAL_CANCELED"),
            &json!("cli-order"),
            &json!(7500),
            &json!(7500)
        )
    );

    let out = sim(
        &env,
        &[
            "trigger",
            "METHOD_UPDATED",
            "--customer-key",
            "cli-c",
            "--status",
            "disabled",
        ],
    )
    .await;
    let method_key = out.line("methodKey");
    assert!(is_alnum(&json!(method_key), 48), "{out:?}");
    assert_eq!(out.line("status"), "DISABLED");

    let answer = sim(&env, &["trigger", "CUSTOMER_STATUS_CHANGED", "--json"])
        .await
        .json();
    let data = &answer["payload"]["data"];
    assert!(
        is_alnum(&data["customerKey"], 20) && is_tp_time(&data["changedAt"]),
        "{data}"
    );
    assert_eq!(data["status"], "CREATED");

    let given = json!({"customerKey": "c-1", "status": "REMOVED", "changedAt": "2026-01-01T00:00:00+09:00"});
    let answer = sim(
        &env,
        &[
            "trigger",
            "CUSTOMER_STATUS_CHANGED",
            "--data",
            &given.to_string(),
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(answer["payload"]["data"], given);

    let out = sim(
        &env,
        &[
            "trigger",
            "UNLINK_CALLBACK",
            "--user-key",
            "443731103",
            "--referrer",
            "withdrawal_toss",
        ],
    )
    .await;
    assert_eq!(out.line("eventType"), "UNLINK_CALLBACK");
    assert!(
        out.ok()
            .ends_with("userKey: 443731103\nreferrer: WITHDRAWAL_TOSS\n"),
        "{out:?}"
    );

    // With a webhook URL set, the event is queued for delivery there.
    let hook = env.url("/cli-hook");
    env.sim(
        Method::PUT,
        "/sim/v1/merchants/default/webhook",
        json!({"url": hook}),
    )
    .await;
    let out = sim(&env, &["trigger", "METHOD_UPDATED"]).await;
    assert_eq!(out.line("targetUrl"), hook);
    assert_eq!(out.line("state"), "PENDING");

    let listed = deliveries(&env).await;
    let types: Vec<&Value> = listed.iter().map(|d| &d["eventType"]).collect();
    assert_eq!(
        types,
        [
            "PAYMENT_STATUS_CHANGED",
            "PAYMENT_STATUS_CHANGED",
            "METHOD_UPDATED",
            "CUSTOMER_STATUS_CHANGED",
            "CUSTOMER_STATUS_CHANGED",
            "UNLINK_CALLBACK",
            "METHOD_UPDATED",
        ]
    );
    assert_eq!(
        listed[2]["payload"]["data"],
        json!({"customerKey": "cli-c", "methodKey": method_key, "status": "DISABLED"})
    );
    assert_eq!(
        (&listed[5]["destination"], &listed[5]["payload"]),
        (
            &json!("UNLINK_CALLBACK"),
            &json!({"userKey": 443731103, "referrer": "WITHDRAWAL_TOSS"})
        )
    );

    // Options that do not fit the event are refused before any call.
    for (args, error) in [
        (
            &["trigger", "METHOD_UPDATED", "--user-key", "1"][..],
            "error: --user-key does not apply to METHOD_UPDATED",
        ),
        (
            &["trigger", "PAYMENT_STATUS_CHANGED", "--status", "ENABLED"][..],
            "error: --status of PAYMENT_STATUS_CHANGED must be one of DONE, CANCELED, \
             PARTIAL_CANCELED, ABORTED, EXPIRED",
        ),
        (
            &["trigger", "UNLINK_CALLBACK", "--status", "DONE"][..],
            "error: --status does not apply to UNLINK_CALLBACK",
        ),
        (
            &["trigger", "CUSTOMER_STATUS_CHANGED", "--data", "[1]"][..],
            "error: --data must be a JSON object",
        ),
        (
            &[
                "trigger",
                "CUSTOMER_STATUS_CHANGED",
                "--data",
                "{}",
                "--customer-key",
                "c-2",
            ][..],
            "error: --data is the whole data object: leave out the options that make one",
        ),
    ] {
        sim(&env, args).await.failed(2, error);
    }
    let out = sim(&env, &["trigger", "NO_SUCH_EVENT"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("invalid value 'NO_SUCH_EVENT'"),
        "{out:?}"
    );
    assert_eq!(deliveries(&env).await.len(), 7);
}

/// What the test's webhook receiver got: each request's transmission id header and body.
type Received = Arc<Mutex<Vec<(String, Value)>>>;

/// A webhook receiver at `/cli-hook` of the test server itself, answering 200.
fn receiver(received: &Received) -> axum::Router<tossd::state::AppState> {
    let received = received.clone();
    axum::Router::new().route(
        "/cli-hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let received = received.clone();
            async move {
                let id = headers
                    .get("tosspayments-webhook-transmission-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let body = serde_json::from_str(&body).unwrap_or(Value::Null);
                received.lock().unwrap().push((id, body));
                StatusCode::OK
            }
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_triggered_event_reaches_the_receiver_on_sqlite() {
    let received = Received::default();
    let routes = receiver(&received);
    run_serving(Backend::Sqlite, &[], routes, move |env| {
        a_triggered_event_reaches_the_receiver(env, received)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_triggered_event_reaches_the_receiver_on_postgres() {
    let received = Received::default();
    let routes = receiver(&received);
    run_serving(Backend::Postgres, &[], routes, move |env| {
        a_triggered_event_reaches_the_receiver(env, received)
    })
    .await;
}

async fn a_triggered_event_reaches_the_receiver(env: TestEnv, received: Received) {
    env.sim(
        Method::PUT,
        "/sim/v1/merchants/default/webhook",
        json!({"url": env.url("/cli-hook")}),
    )
    .await;
    let out = sim(
        &env,
        &[
            "trigger",
            "PAYMENT_STATUS_CHANGED",
            "--order-id",
            "cli-delivered",
            "--status",
            "canceled",
        ],
    )
    .await;
    let id = out.line("id");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let delivery = loop {
        let delivery = env
            .sim(Method::GET, &format!("/sim/v1/webhooks/{id}"), Value::Null)
            .await;
        if delivery["state"] == "DELIVERED" {
            break delivery;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not delivered: {delivery}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let received = received.lock().unwrap().clone();
    assert_eq!(
        received,
        [(out.line("transmissionId"), delivery["payload"].clone())]
    );
    let data = &received[0].1["data"];
    assert_eq!(
        (&data["orderId"], &data["status"], &data["balanceAmount"]),
        (&json!("cli-delivered"), &json!("CANCELED"), &json!(0))
    );
}

async fn reset_starts_over(env: TestEnv) {
    sim(&env, &["trigger", "UNLINK_CALLBACK"]).await.ok();
    sim(&env, &["register-card", "cli-reset"]).await.ok();
    // The unlink callback, then the sign-up and the card (CUSTOMER_STATUS_CHANGED, METHOD_UPDATED).
    assert_eq!(deliveries(&env).await.len(), 3);
    let out = sim(&env, &["reset"]).await;
    assert_eq!(out.ok(), "reset: tossd holds its seeded data again\n");
    assert_eq!(deliveries(&env).await, Vec::<Value>::new());
    let basic = env.merchant_basic().await;
    let r = env
        .get(
            "/v1/brandpay/payments/methods/cli-reset",
            &[("authorization", &basic)],
        )
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (404, &json!("NOT_FOUND_CUSTOMER"))
    );
    assert_eq!(sim(&env, &["reset", "--json"]).await.json(), json!({}));
}

async fn admin_token_is_sent_as_bearer(env: TestEnv) {
    let unauthorized =
        "error: UNAUTHORIZED: operator endpoints need Authorization: Bearer <admin token>, \
                        or a sign-in at /dashboard/login (HTTP 401)";
    sim(&env, &["clock"]).await.failed(1, unauthorized);
    sim(&env, &["advance", "1m", "--admin-token", "wrong"])
        .await
        .failed(1, unauthorized);

    let out = sim(&env, &["clock", "--admin-token", "cli-admin-token"]).await;
    assert_eq!(out.line("mode"), "system");
    // TOSSD_URL and TOSSD_ADMIN_TOKEN stand for the flags.
    let vars = [
        ("TOSSD_URL", env.base()),
        ("TOSSD_ADMIN_TOKEN", "cli-admin-token"),
    ];
    let answer = tossd(&["login", "123456789", "--json"], &vars).await.json();
    assert_eq!(answer["referrer"], "DEFAULT");
    let r = generate_token(
        &env,
        answer["authorizationCode"].as_str().unwrap(),
        "DEFAULT",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn an_unreachable_url_is_named() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|probe| probe.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = tossd(&["clock", "--url", &url], &[]).await;
    assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{out:?}");
    let prefix = format!("error: could not reach tossd at {url}: ");
    assert!(out.stderr.starts_with(&prefix), "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");

    tossd(&["reset", "--url", "localhost:8700"], &[])
        .await
        .failed(
            2,
            "error: --url \"localhost:8700\" is not an http:// or https:// URL",
        );
}

#[tokio::test]
async fn help_lists_the_verbs_and_event_types() {
    let out = tossd(&["--help"], &[]).await;
    for verb in [
        "login",
        "approve",
        "register-card",
        "advance",
        "clock",
        "trigger",
        "reset",
    ] {
        assert!(
            out.ok().contains(&format!("\n  {verb} ")),
            "{verb}: {out:?}"
        );
    }
    let out = tossd(&["trigger", "--help"], &[]).await;
    for event in [
        "PAYMENT_STATUS_CHANGED",
        "METHOD_UPDATED",
        "CUSTOMER_STATUS_CHANGED",
        "UNLINK_CALLBACK",
    ] {
        assert!(
            out.ok().contains(&format!("- {event}: ")),
            "{event}: {out:?}"
        );
    }
}
