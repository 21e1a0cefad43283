//! Webhooks and partner callbacks: delivery with Toss's headers, the retry schedule on the injectable
//! clock, unlink callbacks, inspection and redelivery, exactly one attempt at a time per event across
//! servers, and survival of a killed process. Receivers are small axum servers inside the test.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method as HttpMethod, StatusCode, Uri};
use axum::Router;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    advance_at, bearer, brandpay_tokens, concurrently, register_account, register_card, run, send,
    spawn_binary, Backend, Resp, Servers, TestDatabase, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    merchant_webhooks_carry_toss_headers_and_the_stored_body,
    failed_attempts_are_retried_until_delivered,
    the_full_schedule_ends_in_failed_and_redelivery_starts_over,
    unlink_callbacks_use_get_or_post_with_basic_auth,
    configuration_is_validated,
    many_events_are_each_delivered_one_attempt_at_a_time,
    brandpay_events_arrive_in_the_order_they_happened,
);

// ---------------------------------------------------------------------------------------------------
// A receiver that records every request.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behavior {
    Status(u16),
    /// Answers long after any timeout the tests configure.
    Hang,
    /// 500 on the first request of each transmission id, 200 afterwards.
    FailFirst,
}

#[derive(Debug, Clone)]
struct Received {
    method: String,
    uri: String,
    headers: HeaderMap,
    body: String,
    answered: Option<u16>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn transmission_id(&self) -> String {
        self.header("tosspayments-webhook-transmission-id")
            .unwrap_or_default()
            .to_owned()
    }

    fn retried_count(&self) -> String {
        self.header("tosspayments-webhook-transmission-retried-count")
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Default)]
struct ReceiverState {
    behavior: Option<Behavior>,
    log: Vec<Received>,
    in_flight: HashMap<String, usize>,
    overlaps: usize,
    delay: Duration,
}

#[derive(Clone)]
struct Receiver {
    addr: SocketAddr,
    inner: Arc<Mutex<ReceiverState>>,
}

impl Receiver {
    async fn start(behavior: Behavior) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("receiver binds");
        let addr = listener.local_addr().expect("receiver address");
        let inner = Arc::new(Mutex::new(ReceiverState {
            behavior: Some(behavior),
            ..ReceiverState::default()
        }));
        let app = Router::new().fallback(receive).with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, inner }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn set(&self, behavior: Behavior) {
        self.inner.lock().unwrap().behavior = Some(behavior);
    }

    fn set_delay(&self, delay: Duration) {
        self.inner.lock().unwrap().delay = delay;
    }

    fn log(&self) -> Vec<Received> {
        self.inner.lock().unwrap().log.clone()
    }

    fn overlaps(&self) -> usize {
        self.inner.lock().unwrap().overlaps
    }

    /// Waits until `n` requests have been answered (not counting hung ones) and returns them.
    async fn answered(&self, n: usize) -> Vec<Received> {
        until(&format!("{n} answered requests"), || {
            let log: Vec<Received> = self
                .log()
                .into_iter()
                .filter(|r| r.answered.is_some())
                .collect();
            async move { (log.len() >= n).then_some(log) }
        })
        .await
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<ReceiverState>>>,
    method: HttpMethod,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut received = Received {
        method: method.to_string(),
        uri: uri.to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        answered: None,
    };
    let id = received.transmission_id();
    let (behavior, delay, index) = {
        let mut state = inner.lock().unwrap();
        let seen = state.log.iter().any(|r| r.transmission_id() == id);
        let running = state.in_flight.entry(id.clone()).or_default();
        if *running > 0 {
            state.overlaps += 1;
        }
        *state.in_flight.get_mut(&id).unwrap() += 1;
        let behavior = match state.behavior.unwrap_or(Behavior::Status(200)) {
            Behavior::FailFirst if seen => Behavior::Status(200),
            Behavior::FailFirst => Behavior::Status(500),
            other => other,
        };
        if behavior != Behavior::Hang {
            received.answered = match behavior {
                Behavior::Status(code) => Some(code),
                _ => None,
            };
        }
        state.log.push(received);
        (behavior, state.delay, state.log.len() - 1)
    };
    tokio::time::sleep(delay).await;
    let status = match behavior {
        Behavior::Status(code) => code,
        _ => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            inner.lock().unwrap().log[index].answered = Some(200);
            200
        }
    };
    *inner.lock().unwrap().in_flight.get_mut(&id).unwrap() -= 1;
    StatusCode::from_u16(status).unwrap()
}

/// A port nothing listens on.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/down")
}

/// Polls `check` (every 10 ms, for at most 20 s) until it yields a value.
async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
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
// The simulator over HTTP, for TestEnv servers and for servers a test starts itself.

#[derive(Clone)]
struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    fn of(env: &TestEnv) -> Api {
        Api::at(env.base())
    }

    fn at(base: &str) -> Api {
        Api {
            client: reqwest::Client::new(),
            base: base.to_owned(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let body = body.map(|b| b.to_string());
        send(
            &self.client,
            method,
            &format!("{}{path}", self.base),
            &[],
            body.as_deref(),
        )
        .await
    }

    async fn ok(&self, method: Method, path: &str, body: Value) -> Value {
        let r = self.call(method, path, Some(body)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        r.body
    }

    async fn merchant_webhook(&self, url: &str) {
        self.ok(
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            json!({"url": url}),
        )
        .await;
    }

    /// A test event (`POST /sim/v1/webhooks/test-events`) that must be recorded; returns its delivery.
    async fn test_event(&self, body: Value) -> Value {
        self.ok(Method::POST, "/sim/v1/webhooks/test-events", body)
            .await
    }

    async fn merchant_event(&self, data: Value) -> Value {
        self.test_event(json!({"target": "merchant", "data": data}))
            .await
    }

    async fn delivery(&self, id: i64) -> Value {
        self.ok(Method::GET, &format!("/sim/v1/webhooks/{id}"), Value::Null)
            .await
    }

    /// Waits until delivery `id` has `n` recorded attempts.
    async fn attempts(&self, id: i64, n: usize) -> Value {
        until(&format!("{n} attempts of delivery {id}"), || async {
            let d = self.delivery(id).await;
            (d["attempts"].as_array().map_or(0, Vec::len) >= n).then_some(d)
        })
        .await
    }

    async fn advance(&self, seconds: i64) {
        advance_at(&self.client, &self.base, seconds).await;
    }

    /// Waits until delivery `id` is `DELIVERED`.
    async fn delivered(&self, id: i64) -> Value {
        until(&format!("delivery {id} DELIVERED"), || async {
            let d = self.delivery(id).await;
            (d["state"] == "DELIVERED").then_some(d)
        })
        .await
    }
}

fn micros(rfc3339: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339.as_str().expect("a time"))
        .expect("RFC 3339")
        .timestamp_micros()
}

fn id_of(delivery: &Value) -> i64 {
    delivery["id"].as_i64().expect("delivery id")
}

// ---------------------------------------------------------------------------------------------------

async fn merchant_webhooks_carry_toss_headers_and_the_stored_body(env: TestEnv) {
    let api = Api::of(&env);
    // Recorded before any URL is configured: never sent, even once one is.
    let unsent = api.merchant_event(json!({"n": 0})).await;
    assert_eq!(unsent["state"], "NOT_SENT");
    assert_eq!(unsent["targetUrl"], Value::Null);

    let receiver = Receiver::start(Behavior::Status(200)).await;
    api.merchant_webhook(&receiver.url("/hooks/toss")).await;
    let event = api
        .merchant_event(json!({"paymentKey": "pk_1", "status": "DONE"}))
        .await;
    assert_eq!(event["destination"], "MERCHANT_WEBHOOK");
    assert_eq!(event["mId"], "tosspayments");
    assert_eq!(event["mode"], "test");
    assert_eq!(event["eventType"], "PAYMENT_STATUS_CHANGED");
    assert_eq!(event["targetUrl"], receiver.url("/hooks/toss"));
    let transmission_id = event["transmissionId"].as_str().unwrap().to_owned();
    assert!(transmission_id.starts_with("whtrans_a") && transmission_id.len() == 35);

    let got = receiver.answered(1).await;
    assert_eq!(got.len(), 1);
    let request = &got[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.uri, "/hooks/toss");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.header("tosspayments-webhook-transmission-id"),
        Some(transmission_id.as_str())
    );
    assert_eq!(
        request.header("tosspayments-webhook-transmission-retried-count"),
        Some("0")
    );
    let sent_at = request
        .header("tosspayments-webhook-transmission-time")
        .unwrap();
    let sent = chrono::DateTime::parse_from_rfc3339(sent_at).expect("transmission time");
    assert!(
        sent_at.ends_with("+09:00") && sent_at.len() == 25,
        "{sent_at}"
    );
    let now = api.ok(Method::GET, "/sim/v1/clock", Value::Null).await;
    assert!((micros(&now["now"]) - sent.timestamp_micros()).abs() < 60_000_000);
    assert!(request.header("authorization").is_none());
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body, event["payload"]);
    assert_eq!(body["eventType"], "PAYMENT_STATUS_CHANGED");
    assert_eq!(
        body["data"],
        json!({"paymentKey": "pk_1", "status": "DONE"})
    );
    assert_eq!(body["createdAt"].as_str().unwrap().len(), 26);

    let done = api.delivered(id_of(&event)).await;
    assert_eq!(done["retriedCount"], 0);
    assert_eq!(done["nextAttemptAt"], Value::Null);
    let attempts = done["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["statusCode"], 200);
    assert_eq!(attempts[0]["error"], Value::Null);
    assert_eq!(attempts[0]["success"], true);
    assert_eq!(attempts[0]["retriedCount"], 0);
    assert_eq!(attempts[0]["url"], receiver.url("/hooks/toss"));

    // By transmission id too; the list is newest first.
    let same = api
        .ok(
            Method::GET,
            &format!("/sim/v1/webhooks/{transmission_id}"),
            Value::Null,
        )
        .await;
    assert_eq!(same["id"], done["id"]);
    let list = api.ok(Method::GET, "/sim/v1/webhooks", Value::Null).await;
    let ids: Vec<i64> = list.as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(ids, vec![id_of(&event), id_of(&unsent)]);
    assert_eq!(list[1]["state"], "NOT_SENT");
    assert_eq!(list[1]["attempts"], json!([]));

    // NOT_SENT events have nothing to redeliver to.
    let r = api
        .call(
            Method::POST,
            &format!("/sim/v1/webhooks/{}/redeliver", id_of(&unsent)),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (409, Some("CONFLICT"))
    );

    // Toss Payments counts only 200 as delivered.
    receiver.set(Behavior::Status(204));
    let second = api.merchant_event(json!({})).await;
    let failed = api.attempts(id_of(&second), 1).await;
    assert_eq!(failed["state"], "PENDING");
    assert_eq!(failed["retriedCount"], 1);
    assert_eq!(failed["attempts"][0]["statusCode"], 204);
    assert_eq!(failed["attempts"][0]["error"], "HTTP 204");

    let metrics = env.get("/metrics", &[]).await.text;
    assert!(
        metrics.contains(
            "tossd_webhook_deliveries_total{destination=\"MERCHANT_WEBHOOK\",result=\"success\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains(
        "tossd_webhook_deliveries_total{destination=\"MERCHANT_WEBHOOK\",result=\"failure\"} 1"
    ));
}

async fn failed_attempts_are_retried_until_delivered(env: TestEnv) {
    let api = Api::of(&env);
    // Attempt 0: connection refused.
    api.merchant_webhook(&closed_port_url().await).await;
    let event = api.merchant_event(json!({"k": "v"})).await;
    let id = id_of(&event);
    let after_first = api.attempts(id, 1).await;
    assert_eq!(after_first["state"], "PENDING");
    assert_eq!(after_first["retriedCount"], 1);
    let attempt = &after_first["attempts"][0];
    assert_eq!(attempt["statusCode"], Value::Null);
    assert!(
        attempt["error"]
            .as_str()
            .unwrap()
            .starts_with("connection failed"),
        "{attempt}"
    );
    // Retry 1 is due one minute after the failure.
    let wait = micros(&after_first["nextAttemptAt"]) - micros(&attempt["time"]);
    assert!((60_000_000..65_000_000).contains(&wait), "{wait}");

    // Not due yet: nothing happens before the minute is over.
    api.advance(50).await;
    assert_eq!(
        api.delivery(id).await["attempts"].as_array().unwrap().len(),
        1
    );

    // Attempt 1 (retried 1): the receiver answers 500.
    let receiver = Receiver::start(Behavior::Status(500)).await;
    api.merchant_webhook(&receiver.url("/hook")).await;
    api.advance(15).await;
    let after_second = api.attempts(id, 2).await;
    assert_eq!(after_second["attempts"][1]["statusCode"], 500);
    assert_eq!(after_second["retriedCount"], 2);
    let wait =
        micros(&after_second["nextAttemptAt"]) - micros(&after_second["attempts"][1]["time"]);
    assert!((240_000_000..245_000_000).contains(&wait), "{wait}");

    // Attempt 2 (retried 2): delivered.
    receiver.set(Behavior::Status(200));
    api.advance(245).await;
    let done = api.delivered(id).await;
    assert_eq!(done["attempts"].as_array().unwrap().len(), 3);
    let got = receiver.answered(2).await;
    let ids: Vec<String> = got.iter().map(Received::transmission_id).collect();
    assert_eq!(
        ids,
        vec![event["transmissionId"].as_str().unwrap().to_owned(); 2]
    );
    let counts: Vec<String> = got.iter().map(Received::retried_count).collect();
    assert_eq!(counts, vec!["1", "2"]);
    assert_eq!(got[0].body, got[1].body);
}

async fn the_full_schedule_ends_in_failed_and_redelivery_starts_over(env: TestEnv) {
    let api = Api::of(&env);
    let receiver = Receiver::start(Behavior::Status(503)).await;
    api.merchant_webhook(&receiver.url("/hook")).await;
    let event = api.merchant_event(json!({})).await;
    let id = id_of(&event);
    let mut delivery = api.attempts(id, 1).await;
    for (n, minutes) in [1i64, 4, 16, 64, 256, 1024, 4096].into_iter().enumerate() {
        let last = &delivery["attempts"][n];
        let wait = micros(&delivery["nextAttemptAt"]) - micros(&last["time"]);
        assert!(
            (minutes * 60_000_000..minutes * 60_000_000 + 5_000_000).contains(&wait),
            "retry {}: {wait}",
            n + 1
        );
        assert_eq!(delivery["state"], "PENDING");
        api.advance(minutes * 60).await;
        delivery = api.attempts(id, n + 2).await;
    }
    assert_eq!(delivery["state"], "FAILED");
    assert_eq!(delivery["retriedCount"], 7);
    assert_eq!(delivery["nextAttemptAt"], Value::Null);
    let counts: Vec<String> = receiver.log().iter().map(Received::retried_count).collect();
    assert_eq!(counts, vec!["0", "1", "2", "3", "4", "5", "6", "7"]);

    // Redelivery: a new series with the same transmission id.
    receiver.set(Behavior::Status(200));
    let r = api
        .call(
            Method::POST,
            &format!("/sim/v1/webhooks/{id}/redeliver"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let done = api.delivered(id).await;
    assert_eq!(done["retriedCount"], 0);
    assert_eq!(done["attempts"].as_array().unwrap().len(), 9);
    let last = receiver.answered(9).await.pop().unwrap();
    assert_eq!(last.retried_count(), "0");
    assert_eq!(
        last.transmission_id(),
        event["transmissionId"].as_str().unwrap()
    );

    // A delivered event can be redelivered again; an unknown one is 404.
    let r = api
        .call(
            Method::POST,
            &format!("/sim/v1/webhooks/{id}/redeliver"),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    receiver.answered(10).await;
    let r = api
        .call(Method::POST, "/sim/v1/webhooks/999999/redeliver", None)
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
}

async fn unlink_callbacks_use_get_or_post_with_basic_auth(env: TestEnv) {
    let api = Api::of(&env);
    let receiver = Receiver::start(Behavior::Status(204)).await;
    let set = api
        .ok(
            Method::PUT,
            "/sim/v1/apps/default/unlink-callback",
            json!({"url": receiver.url("/cb?app=1"), "method": "GET", "basicAuth": "dXNlcjpwYXNz"}),
        )
        .await;
    assert_eq!(set["method"], "GET");
    let event = api
        .test_event(json!({"target": "unlink", "userKey": 443731103, "referrer": "UNLINK"}))
        .await;
    assert_eq!(event["destination"], "UNLINK_CALLBACK");
    assert_eq!(event["eventType"], "UNLINK_CALLBACK");
    assert_eq!(
        event["payload"],
        json!({"userKey": 443731103, "referrer": "UNLINK"})
    );
    let got = receiver.answered(1).await;
    assert_eq!(got[0].method, "GET");
    assert_eq!(got[0].uri, "/cb?app=1&userKey=443731103&referrer=UNLINK");
    assert_eq!(got[0].header("authorization"), Some("Basic dXNlcjpwYXNz"));
    assert!(got[0]
        .header("tosspayments-webhook-transmission-id")
        .is_none());
    // Any 2xx delivers a callback.
    let done = api.delivered(id_of(&event)).await;
    assert_eq!(done["attempts"][0]["statusCode"], 204);

    // POST with a value that already carries the scheme, on the app's own id.
    let app = api
        .ok(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    let app_id = app["appId"].as_str().unwrap();
    api.ok(
        Method::PUT,
        &format!("/sim/v1/apps/{app_id}/unlink-callback"),
        json!({"url": receiver.url("/cb"), "method": "POST", "basicAuth": "Basic dXNlcjpwYXNz"}),
    )
    .await;
    api.test_event(
        json!({"target": "unlink", "userKey": 443731103, "referrer": "WITHDRAWAL_TOSS"}),
    )
    .await;
    let got = receiver.answered(2).await;
    assert_eq!(got[1].method, "POST");
    assert_eq!(got[1].uri, "/cb");
    assert_eq!(got[1].header("content-type"), Some("application/json"));
    assert_eq!(got[1].header("authorization"), Some("Basic dXNlcjpwYXNz"));
    let body: Value = serde_json::from_str(&got[1].body).unwrap();
    assert_eq!(
        body,
        json!({"userKey": 443731103, "referrer": "WITHDRAWAL_TOSS"})
    );

    // No Basic value configured → no Authorization header.
    api.ok(
        Method::PUT,
        "/sim/v1/apps/default/unlink-callback",
        json!({"url": receiver.url("/cb"), "method": "POST"}),
    )
    .await;
    api.test_event(json!({"target": "unlink"})).await;
    let got = receiver.answered(3).await;
    assert!(got[2].header("authorization").is_none());
    assert_eq!(
        serde_json::from_str::<Value>(&got[2].body).unwrap(),
        json!({"userKey": 123456789, "referrer": "UNLINK"})
    );

    // Redirects are not followed: a 3xx is a failed attempt.
    receiver.set(Behavior::Status(302));
    let redirected = api.test_event(json!({"target": "unlink"})).await;
    let failed = api.attempts(id_of(&redirected), 1).await;
    assert_eq!(failed["attempts"][0]["statusCode"], 302);
    assert_eq!(failed["state"], "PENDING");
    assert_eq!(receiver.log().len(), 4);

    // Removed: later callbacks are not sent.
    let r = api
        .call(Method::DELETE, "/sim/v1/apps/default/unlink-callback", None)
        .await;
    assert_eq!(r.status, 200);
    let unsent = api.test_event(json!({"target": "unlink"})).await;
    assert_eq!(unsent["state"], "NOT_SENT");
}

async fn configuration_is_validated(env: TestEnv) {
    let api = Api::of(&env);
    let bad = [
        (
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            json!({"url": "ftp://example.com/x"}),
        ),
        (
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            json!({"url": "not a url"}),
        ),
        (Method::PUT, "/sim/v1/merchants/default/webhook", json!({})),
        (
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            json!({"url": "http://h/x", "mode": "prod"}),
        ),
        (
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            json!({"url": "http://h/x", "eventTypes": []}),
        ),
        (
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            json!({"url": "http://h/x", "eventTypes": ["PAYOUT_CHANGED"]}),
        ),
        (
            Method::PUT,
            "/sim/v1/apps/default/unlink-callback",
            json!({"url": "http://h/x", "method": "PUT"}),
        ),
        (
            Method::PUT,
            "/sim/v1/apps/default/unlink-callback",
            json!({"url": "mailto:a@b.c", "method": "GET"}),
        ),
        (
            Method::PUT,
            "/sim/v1/apps/default/unlink-callback",
            json!({"url": "http://h/x", "basicAuth": "a\nb"}),
        ),
        (
            Method::POST,
            "/sim/v1/webhooks/test-events",
            json!({"target": "elsewhere"}),
        ),
        (
            Method::POST,
            "/sim/v1/webhooks/test-events",
            json!({"target": "unlink", "referrer": "BYE"}),
        ),
        (
            Method::POST,
            "/sim/v1/webhooks/test-events",
            json!({"target": "unlink", "userKey": "1"}),
        ),
    ];
    for (method, path, body) in bad {
        let r = api.call(method, path, Some(body.clone())).await;
        assert_eq!(
            (r.status, r.body["error"]["code"].as_str()),
            (400, Some("INVALID_REQUEST")),
            "{path} {body}"
        );
    }
    let r = api
        .call(
            Method::PUT,
            "/sim/v1/merchants/nobody/webhook",
            Some(json!({"url": "http://h/x"})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let r = api
        .call(
            Method::PUT,
            "/sim/v1/apps/ait_nosuchapp/unlink-callback",
            Some(json!({"url": "http://h/x", "method": "GET"})),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = api.call(Method::GET, "/sim/v1/webhooks/42", None).await;
    assert_eq!(r.status, 404);

    // The merchant by its mId; https is accepted; DELETE removes it.
    let set = api
        .ok(
            Method::PUT,
            "/sim/v1/merchants/tosspayments/webhook",
            json!({"url": "https://example.com/hook"}),
        )
        .await;
    assert_eq!(
        set,
        json!({"mId": "tosspayments", "mode": "test", "url": "https://example.com/hook", "eventTypes": null})
    );
    // Subscriptions: events of other types are not sent.
    let set = api
        .ok(
            Method::PUT,
            "/sim/v1/merchants/default/webhook",
            json!({"url": "http://127.0.0.1:9/hook", "eventTypes": ["METHOD_UPDATED"]}),
        )
        .await;
    assert_eq!(set["eventTypes"], json!(["METHOD_UPDATED"]));
    assert_eq!(api.merchant_event(json!({})).await["state"], "NOT_SENT");
    let method_event = api
        .test_event(json!({"target": "merchant", "eventType": "METHOD_UPDATED"}))
        .await;
    assert_eq!(method_event["state"], "PENDING");
    let r = api
        .call(Method::DELETE, "/sim/v1/merchants/default/webhook", None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(api.merchant_event(json!({})).await["state"], "NOT_SENT");

    let doc = env.get("/openapi.json", &[]).await.body;
    for path in [
        "/sim/v1/webhooks",
        "/sim/v1/webhooks/{id}",
        "/sim/v1/webhooks/{id}/redeliver",
        "/sim/v1/webhooks/test-events",
        "/sim/v1/merchants/{mId}/webhook",
        "/sim/v1/apps/{appId}/unlink-callback",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from openapi"
        );
    }
}

/// 200 events, each failing once and then delivered; two servers share the work on PostgreSQL. Every
/// event reaches the receiver exactly twice (the first attempt and its retry), never concurrently.
async fn many_events_are_each_delivered_one_attempt_at_a_time(env: TestEnv) {
    const EVENTS: usize = 200;
    let servers = Servers::of(&env).await;
    let apis: Vec<Api> = servers.bases().iter().map(|base| Api::at(base)).collect();
    let receiver = Receiver::start(Behavior::FailFirst).await;
    receiver.set_delay(Duration::from_millis(5));
    apis[0].merchant_webhook(&receiver.url("/hook")).await;

    let events = concurrently(EVENTS, |n| {
        let api = apis[n % apis.len()].clone();
        async move { api.merchant_event(json!({"n": n})).await }
    })
    .await;
    let mut expected: Vec<String> = events
        .iter()
        .map(|event| event["transmissionId"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();

    // Every first attempt fails, and is recorded as such, before the clock moves.
    receiver.answered(EVENTS).await;
    until("every first failure recorded", || async {
        let list = apis[0]
            .ok(Method::GET, "/sim/v1/webhooks", Value::Null)
            .await;
        list.as_array()
            .unwrap()
            .iter()
            .all(|d| d["retriedCount"] == 1 && d["state"] == "PENDING")
            .then_some(())
    })
    .await;
    apis[apis.len() - 1].advance(60).await;
    let log = receiver.answered(2 * EVENTS).await;
    until("every event delivered", || async {
        let list = apis[0]
            .ok(Method::GET, "/sim/v1/webhooks", Value::Null)
            .await;
        let list = list.as_array().unwrap().clone();
        (list.len() == EVENTS && list.iter().all(|d| d["state"] == "DELIVERED")).then_some(())
    })
    .await;

    let mut per_id: HashMap<String, Vec<String>> = HashMap::new();
    for request in &log {
        per_id
            .entry(request.transmission_id())
            .or_default()
            .push(request.retried_count());
    }
    let mut ids: Vec<String> = per_id.keys().cloned().collect();
    ids.sort();
    assert_eq!(ids, expected);
    for (id, counts) in &per_id {
        assert_eq!(counts, &vec!["0".to_owned(), "1".to_owned()], "{id}");
    }
    assert_eq!(receiver.overlaps(), 0);
    assert_eq!(receiver.log().len(), 2 * EVENTS);
    servers.stop().await;
}

// ---------------------------------------------------------------------------------------------------
// Tests that start servers with their own flags, or the real binary.

async fn a_receiver_that_does_not_answer_in_time_gets_a_retry(env: TestEnv) {
    let api = Api::of(&env);
    let receiver = Receiver::start(Behavior::Hang).await;
    api.merchant_webhook(&receiver.url("/slow")).await;
    let event = api.merchant_event(json!({})).await;
    let id = id_of(&event);
    let failed = api.attempts(id, 1).await;
    assert!(
        failed["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .starts_with("timeout"),
        "{failed}"
    );
    assert_eq!(failed["state"], "PENDING");
    receiver.set(Behavior::Status(200));
    api.advance(60).await;
    let done = api.delivered(id).await;
    assert_eq!(done["attempts"][1]["retriedCount"], 1);
    let got = receiver.answered(1).await;
    assert_eq!(got[0].retried_count(), "1");
}

/// With `--webhook-retry-scale`, waits shrink (rounded up to whole milliseconds).
async fn the_retry_scale_shrinks_waits(env: TestEnv) {
    let api = Api::of(&env);
    api.merchant_webhook(&closed_port_url().await).await;
    let event = api.merchant_event(json!({})).await;
    let failed = api.attempts(id_of(&event), 1).await;
    let wait = micros(&failed["nextAttemptAt"]) - micros(&failed["attempts"][0]["time"]);
    // 60 s × 0.5
    assert!((30_000_000..35_000_000).contains(&wait), "{wait}");
}

mod timeouts {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        run(
            Backend::Sqlite,
            &["--webhook-timeout-ms", "300"],
            a_receiver_that_does_not_answer_in_time_gets_a_retry,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        run(
            Backend::Postgres,
            &["--webhook-timeout-ms", "300"],
            a_receiver_that_does_not_answer_in_time_gets_a_retry,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn retry_scale_sqlite() {
        run(
            Backend::Sqlite,
            &["--webhook-retry-scale", "0.5"],
            the_retry_scale_shrinks_waits,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn retry_scale_postgres() {
        run(
            Backend::Postgres,
            &["--webhook-retry-scale", "0.5"],
            the_retry_scale_shrinks_waits,
        )
        .await;
    }
}

/// The real binary, killed with SIGKILL while its attempts hang: a restart on the same database delivers
/// every event once the dead process's leases expire.
async fn a_killed_process_loses_no_event(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let receiver = Receiver::start(Behavior::Hang).await;
    let mut first = Tossd::spawn(&database.url).await;
    let api = Api::at(&first.base);
    api.merchant_webhook(&receiver.url("/hook")).await;
    let mut events = Vec::new();
    for n in 0..3 {
        events.push(api.merchant_event(json!({"n": n})).await);
    }
    // One destination's events go out one at a time, so at least one attempt hangs when the process dies.
    let hung = until("an attempt in flight", || async {
        let hung: Vec<String> = receiver
            .log()
            .iter()
            .filter(|r| r.answered.is_none())
            .map(Received::transmission_id)
            .collect();
        (!hung.is_empty()).then_some(hung)
    })
    .await;
    first.kill().await;

    receiver.set(Behavior::Status(200));
    let mut second = Tossd::spawn(&database.url).await;
    let api = Api::at(&second.base);
    for event in &events {
        let done = api.delivered(id_of(event)).await;
        let attempts = done["attempts"].as_array().unwrap();
        assert_eq!(attempts.last().unwrap()["statusCode"], 200, "{done}");
        if hung.contains(&event["transmissionId"].as_str().unwrap().to_owned()) {
            // The killed attempt never recorded an outcome; the new one is the first on record.
            assert_eq!(attempts.len(), 1, "{done}");
        }
    }
    let delivered: std::collections::HashSet<String> = receiver
        .log()
        .iter()
        .filter(|r| r.answered == Some(200))
        .map(Received::transmission_id)
        .collect();
    let expected: std::collections::HashSet<String> = events
        .iter()
        .map(|e| e["transmissionId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(delivered, expected);
    second.kill().await;
    database.drop_database().await;
}

/// A `tossd serve` child process.
struct Tossd {
    child: tokio::process::Child,
    base: String,
}

impl Tossd {
    async fn spawn(database_url: &str) -> Tossd {
        let (child, listen) = spawn_binary(
            database_url,
            // Short attempts keep the dead process's leases short.
            &["--webhook-timeout-ms", "1500"],
            std::process::Stdio::null(),
        );
        let base = format!("http://{listen}");
        let client = reqwest::Client::new();
        until("tossd /healthz", || async {
            match client.get(format!("{base}/healthz")).send().await {
                Ok(r) if r.status().is_success() => Some(()),
                _ => None,
            }
        })
        .await;
        Tossd { child, base }
    }

    /// SIGKILL: no graceful shutdown, no chance to record anything.
    async fn kill(&mut self) {
        self.child.kill().await.expect("SIGKILL");
    }
}

mod killed_process {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        a_killed_process_loses_no_event(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        a_killed_process_loses_no_event(Backend::Postgres).await;
    }
}

/// One customer's life in quick succession: the merchant's receiver gets its events in that order.
async fn brandpay_events_arrive_in_the_order_they_happened(env: TestEnv) {
    let receiver = Receiver::start(Behavior::Status(200)).await;
    env.sim(
        Method::PUT,
        "/sim/v1/merchants/default/webhook",
        json!({"url": receiver.url("/toss")}),
    )
    .await;
    let auth = env.merchant_basic().await;
    let key = "ordered-customer";
    let (access, _) = brandpay_tokens(&env, &auth, key).await;
    let customer = bearer(&access);
    let card = register_card(&env, key, json!({})).await;
    register_account(&env, key, json!({})).await;
    let r = env
        .post(
            "/v1/brandpay/payments/methods/card/remove",
            &[("authorization", &customer)],
            &json!({"methodKey": card["methodKey"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = env
        .post(
            "/v1/brandpay/customers/remove",
            &[("authorization", &customer)],
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let seen: Vec<String> = receiver
        .answered(5)
        .await
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            format!(
                "{} {}",
                body["eventType"].as_str().unwrap(),
                body["data"]["status"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            "CUSTOMER_STATUS_CHANGED CREATED",
            "METHOD_UPDATED ENABLED",
            "METHOD_UPDATED ENABLED",
            "METHOD_UPDATED DISABLED",
            "CUSTOMER_STATUS_CHANGED REMOVED",
        ]
    );
}
