//! Fault rules (`/sim/v1/faults`, docs/faults.md): each action seen by a real client in both families,
//! matching by path, method, body, app and merchant, exact counts under concurrency (across processes on
//! PostgreSQL), rules shared by two processes, the `X-Tossd-Test-Code` override, and faulted webhooks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    assert_resp, concurrently, error, fail, invalid_grant, invalid_parameter, link_user, send,
    Servers, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    errors_render_in_each_family_envelope,
    latency_drop_and_bad_gateway,
    rules_match_on_body_app_and_merchant,
    a_count_is_exact_under_concurrent_requests,
    rules_are_listed_read_and_cleared,
    a_window_follows_the_simulated_clock,
    bad_rules_are_refused,
    processes_on_one_database_share_rules,
    the_test_code_header_forces_documented_errors,
    a_dropped_webhook_delivery_is_retried,
);

const MAKE_PAYMENT: &str = "/api-partner/v1/apps-in-toss/pay/make-payment";
const PAYMENT_STATUS: &str = "/api-partner/v1/apps-in-toss/pay/get-payment-status";
const ORDER_STATUS: &str = "/api-partner/v1/apps-in-toss/order/get-order-status";

async fn add_rule(env: &TestEnv, rule: Value) -> Value {
    add_rule_at(env, env.base(), rule).await
}

async fn add_rule_at(env: &TestEnv, base: &str, rule: Value) -> Value {
    let r = send(
        env.client(),
        Method::POST,
        &format!("{base}/sim/v1/faults"),
        &[],
        Some(&rule.to_string()),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

/// A rule view without its creation time (which follows the clock).
fn timeless(mut view: Value) -> Value {
    assert!(view["createdAt"].is_string(), "{view}");
    view.as_object_mut().unwrap().remove("createdAt");
    view
}

async fn payment_lookup(env: &TestEnv, base: &str, key: &str) -> crate::common::Resp {
    let auth = env.merchant_basic().await;
    send(
        env.client(),
        Method::GET,
        &format!("{base}/v1/payments/{key}"),
        &[("authorization", &auth)],
        None,
    )
    .await
}

fn not_found_payment() -> Value {
    error("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.")
}

async fn errors_render_in_each_family_envelope(env: TestEnv) {
    // Apps-in-Toss: a documented code's status and reason come from the catalogue.
    let rule = add_rule(
        &env,
        json!({"path": "/api-partner/v1/apps-in-toss/pay/*", "method": "post",
               "action": {"type": "error", "code": "PAYMENT_EXISTING_PAYMENT"}}),
    )
    .await;
    assert_eq!(
        timeless(rule),
        json!({"id": 1, "target": "api", "path": "/api-partner/v1/apps-in-toss/pay/*",
               "method": "POST", "action": {"type": "error", "status": 400,
               "code": "PAYMENT_EXISTING_PAYMENT", "message": "이미 존재하는 결제예요."},
               "fired": 0, "remaining": null})
    );
    let r = env.post(MAKE_PAYMENT, &[], &json!({})).await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_EXISTING_PAYMENT", "이미 존재하는 결제예요."),
    );
    let r = env.post(PAYMENT_STATUS, &[], &json!({})).await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_EXISTING_PAYMENT", "이미 존재하는 결제예요."),
    );
    // Another path of the family, and another method, are untouched.
    let r = env.post(ORDER_STATUS, &[], &json!({})).await;
    assert_resp(&r, 400, &invalid_parameter());
    let r = env.get(MAKE_PAYMENT, &[]).await;
    assert_eq!(r.body["error"]["errorCode"], "NOT_FOUND", "{}", r.text);

    // Toss Payments: a catalogue code, and a code of the operator's own with its status and message.
    add_rule(
        &env,
        json!({"path": "/v1/payments/provider", "action": {"type": "error", "code": "PROVIDER_ERROR"}}),
    )
    .await;
    add_rule(
        &env,
        json!({"path": "/v1/payments/custom", "action": {"type": "error", "status": 503,
               "code": "MY_OUTAGE", "message": "점검 중"}}),
    )
    .await;
    let r = payment_lookup(&env, env.base(), "provider").await;
    assert_resp(
        &r,
        400,
        &error(
            "PROVIDER_ERROR",
            "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.",
        ),
    );
    let r = payment_lookup(&env, env.base(), "custom").await;
    assert_resp(&r, 503, &error("MY_OUTAGE", "점검 중"));
    let r = payment_lookup(&env, env.base(), "other").await;
    assert_resp(&r, 404, &not_found_payment());
    // The simulator is never faulted, whatever a rule's path says.
    add_rule(
        &env,
        json!({"path": "/sim/*", "action": {"type": "bad-gateway"}}),
    )
    .await;
    let list = env.sim(Method::GET, "/sim/v1/faults", Value::Null).await;
    assert_eq!(list.as_array().unwrap().len(), 4);
}

async fn latency_drop_and_bad_gateway(env: TestEnv) {
    add_rule(
        &env,
        json!({"path": "/v1/payments/slow", "action": {"type": "latency", "ms": 400}}),
    )
    .await;
    add_rule(
        &env,
        json!({"path": "/v1/payments/drop", "action": {"type": "drop"}}),
    )
    .await;
    add_rule(
        &env,
        json!({"path": "/api-partner/*", "action": {"type": "bad-gateway"}}),
    )
    .await;

    // Latency, then the real answer.
    let started = Instant::now();
    let r = payment_lookup(&env, env.base(), "slow").await;
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_resp(&r, 404, &not_found_payment());

    // A dropped connection: no HTTP answer at all.
    let auth = env.merchant_basic().await;
    let dropped = env
        .client()
        .get(env.url("/v1/payments/drop"))
        .header("authorization", &auth)
        .send()
        .await;
    let e = dropped.expect_err("the connection is closed without an answer");
    assert!(e.is_request() && !e.is_status(), "{e:?}");
    // The server keeps serving.
    let r = payment_lookup(&env, env.base(), "fine").await;
    assert_resp(&r, 404, &not_found_payment());

    // An empty 502.
    let r = env.post(MAKE_PAYMENT, &[], &json!({})).await;
    assert_eq!((r.status, r.text.as_str()), (502, ""));
    let r = env.get("/api-partner/v1/apps-in-toss/unknown", &[]).await;
    assert_eq!(r.status, 404, "unknown routes are not faulted: {}", r.text);

    let list = env.sim(Method::GET, "/sim/v1/faults", Value::Null).await;
    let fired: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["fired"].as_i64().unwrap())
        .collect();
    assert_eq!(fired, vec![1, 1, 1]);
}

async fn rules_match_on_body_app_and_merchant(env: TestEnv) {
    add_rule(
        &env,
        json!({"path": ORDER_STATUS, "body": {"field": "orderId", "equals": "A-1"},
               "action": {"type": "bad-gateway"}}),
    )
    .await;
    let r = env
        .post(ORDER_STATUS, &[], &json!({"orderId": "A-1"}))
        .await;
    assert_eq!(r.status, 502);
    let r = env
        .post(ORDER_STATUS, &[], &json!({"orderId": "A-2"}))
        .await;
    assert_ne!(r.status, 502, "{}", r.text);
    // The handler still reads the body the rule looked at.
    let r = env.post(ORDER_STATUS, &[], &json!({"orderId": 7})).await;
    assert_resp(&r, 400, &invalid_parameter());

    // appId names the calling app (`default` is resolved when the rule is added).
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    let rule = add_rule(
        &env,
        json!({"path": PAYMENT_STATUS, "appId": "default",
               "action": {"type": "error", "code": "PAYMENT_NOT_FOUND"}}),
    )
    .await;
    assert_eq!(rule["appId"], app["appId"]);
    assert_eq!(rule["action"]["status"], 400);
    let r = env.post(PAYMENT_STATUS, &[], &json!({})).await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_NOT_FOUND", "결제 정보를 찾을 수 없어요."),
    );

    // mId names the merchant of the secret key; other keys (and none) are not matched.
    let rule = add_rule(
        &env,
        json!({"path": "/v1/*", "mId": "default", "action": {"type": "bad-gateway"}}),
    )
    .await;
    assert_eq!(rule["mId"], "tosspayments");
    let r = payment_lookup(&env, env.base(), "x").await;
    assert_eq!(r.status, 502);
    let r = env
        .get(
            "/v1/payments/x",
            &[("authorization", "Basic dGVzdF9za19ub3BlOg==")],
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

async fn a_count_is_exact_under_concurrent_requests(env: TestEnv) {
    let servers = Servers::of(&env).await;
    let rule = add_rule(
        &env,
        json!({"path": "/v1/payments/*", "count": 3, "action": {"type": "bad-gateway"}}),
    )
    .await;
    let id = rule["id"].as_i64().unwrap();
    assert_eq!(rule["remaining"], 3);
    // The other process sees the rule within its refresh bound.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let auth = env.merchant_basic().await;
    let bases: Vec<String> = servers.bases().to_vec();
    let statuses = concurrently(20, |i| {
        let client = env.client().clone();
        let url = format!("{}/v1/payments/race", bases[i % bases.len()]);
        let auth = auth.clone();
        async move {
            send(
                &client,
                Method::GET,
                &url,
                &[("authorization", &auth)],
                None,
            )
            .await
            .status
        }
    })
    .await;
    let faulted = statuses.iter().filter(|s| **s == 502).count();
    let real = statuses.iter().filter(|s| **s == 404).count();
    assert_eq!((faulted, real), (3, 17), "{statuses:?}");
    let view = env
        .sim(Method::GET, &format!("/sim/v1/faults/{id}"), Value::Null)
        .await;
    assert_eq!(
        (view["fired"].as_i64(), view["remaining"].as_i64()),
        (Some(3), Some(0))
    );
    let r = payment_lookup(&env, env.base(), "after").await;
    assert_resp(&r, 404, &not_found_payment());
    servers.stop().await;
}

async fn rules_are_listed_read_and_cleared(env: TestEnv) {
    let first = add_rule(
        &env,
        json!({"path": "/v1/*", "probability": 0, "count": 5,
               "from": "2020-01-01T00:00:00Z", "until": "2100-01-01T00:00:00+09:00",
               "action": {"type": "latency", "ms": 10}}),
    )
    .await;
    let second = add_rule(
        &env,
        json!({"target": "webhook", "url": "http://hooks.test/*", "eventType": "METHOD_UPDATED",
               "action": {"type": "drop"}}),
    )
    .await;
    assert_eq!(
        timeless(first.clone()),
        json!({"id": 1, "target": "api", "path": "/v1/*", "probability": 0.0, "count": 5,
               "from": "2020-01-01T00:00:00Z", "until": "2100-01-01T00:00:00+09:00",
               "action": {"type": "latency", "ms": 10}, "fired": 0, "remaining": 5})
    );
    // Probability 0: matches, never fires.
    let r = payment_lookup(&env, env.base(), "p").await;
    assert_resp(&r, 404, &not_found_payment());
    let list = env.sim(Method::GET, "/sim/v1/faults", Value::Null).await;
    assert_eq!(list, json!([first, second]));
    assert_eq!(
        env.sim(Method::GET, "/sim/v1/faults/2", Value::Null).await,
        second
    );
    assert_eq!(
        env.sim(Method::DELETE, "/sim/v1/faults/1", Value::Null)
            .await,
        json!({})
    );
    let r = env
        .request(Method::DELETE, "/sim/v1/faults/1", &[], None)
        .await;
    assert_resp(
        &r,
        404,
        &json!({"error": {"code": "NOT_FOUND", "message": "no fault rule 1"}}),
    );
    let r = env.get("/sim/v1/faults/abc", &[]).await;
    assert_eq!(r.status, 404);
    add_rule(
        &env,
        json!({"action": {"type": "drop"}, "path": "/nowhere"}),
    )
    .await;
    assert_eq!(
        env.sim(Method::DELETE, "/sim/v1/faults", Value::Null).await,
        json!({"deleted": 2})
    );
    assert_eq!(
        env.sim(Method::GET, "/sim/v1/faults", Value::Null).await,
        json!([])
    );
    // Reset removes the rules too.
    add_rule(
        &env,
        json!({"path": "/v1/*", "action": {"type": "bad-gateway"}}),
    )
    .await;
    env.sim(Method::POST, "/sim/v1/reset", json!({})).await;
    let r = payment_lookup(&env, env.base(), "p").await;
    assert_resp(&r, 404, &not_found_payment());
    // So does the dashboard's reset button, at once in the process that served it.
    add_rule(
        &env,
        json!({"path": "/v1/*", "action": {"type": "bad-gateway"}}),
    )
    .await;
    let r = env
        .request(
            Method::POST,
            "/dashboard/reset",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(""),
        )
        .await;
    // The client follows the button's 303 to the dashboard page.
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("<title>tossd dashboard</title>"));
    let r = payment_lookup(&env, env.base(), "p").await;
    assert_resp(&r, 404, &not_found_payment());
}

async fn a_window_follows_the_simulated_clock(env: TestEnv) {
    let clock = env.sim(Method::GET, "/sim/v1/clock", Value::Null).await;
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    let at = |hours: i64| (now + chrono::Duration::hours(hours)).to_rfc3339();
    add_rule(
        &env,
        json!({"path": "/v1/payments/*", "from": at(1), "until": at(2),
               "action": {"type": "bad-gateway"}}),
    )
    .await;
    let status = |env: TestEnv| async move { payment_lookup(&env, env.base(), "w").await.status };
    assert_eq!(status(env.clone()).await, 404, "before the window");
    env.sim(
        Method::POST,
        "/sim/v1/clock/advance",
        json!({"seconds": 3600}),
    )
    .await;
    assert_eq!(status(env.clone()).await, 502, "inside the window");
    env.sim(
        Method::POST,
        "/sim/v1/clock/advance",
        json!({"seconds": 3600}),
    )
    .await;
    assert_eq!(status(env.clone()).await, 404, "after the window");
}

async fn bad_rules_are_refused(env: TestEnv) {
    let refused = |message: &str| json!({"error": {"code": "INVALID_REQUEST", "message": message}});
    let cases = [
        (
            json!({"path": "/v1/x", "action": {"type": "error", "code": "NOT_A_CODE"}}),
            "action.status is required: NOT_A_CODE is not a documented code of the family the rule's path, appId or mId names",
        ),
        (
            json!({"action": {"type": "error", "code": "PROVIDER_ERROR"}}),
            "action.status is required: PROVIDER_ERROR is not a documented code of the family the rule's path, appId or mId names",
        ),
        (
            json!({"action": {"type": "error", "status": 302, "code": "X", "message": "m"}}),
            "action.status must be an error status (400 to 599)",
        ),
        (
            json!({"probability": 2, "action": {"type": "drop"}}),
            "probability must be between 0 and 1",
        ),
        (json!({"count": 0, "action": {"type": "drop"}}), "count must be at least 1"),
        (
            json!({"until": "tomorrow", "action": {"type": "drop"}}),
            "until must be an RFC 3339 instant",
        ),
        (
            json!({"target": "webhook", "action": {"type": "bad-gateway"}}),
            "a webhook rule's action is latency or drop",
        ),
        (
            json!({"appId": "nope", "action": {"type": "drop"}}),
            "appId: no app \"nope\"",
        ),
        (
            json!({"mId": "nope", "action": {"type": "drop"}}),
            "mId: no merchant \"nope\"",
        ),
    ];
    for (rule, message) in cases {
        let r = env.post("/sim/v1/faults", &[], &rule).await;
        assert_resp(&r, 400, &refused(message));
    }
    for rule in [
        json!({"action": {"type": "teapot"}}),
        json!({"path": "/v1/x"}),
        json!({"action": {"type": "drop"}, "colour": "red"}),
        json!({"action": {"type": "latency"}}),
    ] {
        let r = env.post("/sim/v1/faults", &[], &rule).await;
        assert_eq!(r.status, 400, "{rule}: {}", r.text);
        assert_eq!(r.body["error"]["code"], "INVALID_REQUEST", "{}", r.text);
    }
    assert_eq!(
        env.sim(Method::GET, "/sim/v1/faults", Value::Null).await,
        json!([])
    );
}

/// Waits until the lookup at `base` answers `status`, at most `bound`.
async fn until_status(env: &TestEnv, base: &str, status: u16, bound: Duration) {
    let started = Instant::now();
    loop {
        if payment_lookup(env, base, "shared").await.status == status {
            return;
        }
        assert!(started.elapsed() < bound, "{base} never answered {status}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn processes_on_one_database_share_rules(env: TestEnv) {
    let second = env.second_server(&[]).await;
    let other = second.base_url();
    // The process that adds a rule applies it at once; the other within its refresh bound (0.5 s).
    add_rule_at(
        &env,
        env.base(),
        json!({"path": "/v1/payments/shared", "action": {"type": "bad-gateway"}}),
    )
    .await;
    assert_eq!(payment_lookup(&env, env.base(), "shared").await.status, 502);
    until_status(&env, &other, 502, Duration::from_secs(2)).await;
    // Cleared through the second process: it stops at once, the first within the bound.
    let r = send(
        env.client(),
        Method::DELETE,
        &format!("{other}/sim/v1/faults"),
        &[],
        None,
    )
    .await;
    assert_resp(&r, 200, &json!({"deleted": 1}));
    assert_eq!(payment_lookup(&env, &other, "shared").await.status, 404);
    until_status(&env, env.base(), 404, Duration::from_secs(2)).await;
    second.stop().await.expect("the second tossd stops");
}

async fn forced(env: &TestEnv, path: &str, code: &str, body: &Value) -> crate::common::Resp {
    env.post(
        path,
        &[("x-toss-user-key", USER_KEY), ("x-tossd-test-code", code)],
        body,
    )
    .await
}

const USER_KEY: &str = "123456789";

async fn the_test_code_header_forces_documented_errors(env: TestEnv) {
    link_user(&env, 123456789).await;
    let order = json!({"orderNo": "forced-1", "productDesc": "테스트", "amount": 1000,
                       "amountTaxFree": 0, "isTestPayment": true});
    let r = forced(&env, MAKE_PAYMENT, "PAYMENT_EXISTING_PAYMENT", &order).await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_EXISTING_PAYMENT", "이미 존재하는 결제예요."),
    );
    let r = forced(&env, MAKE_PAYMENT, "COMMON_INVALID_API_KEY", &order).await;
    assert_resp(
        &r,
        400,
        &fail("COMMON_INVALID_API_KEY", "바르지 않은 apiKey예요."),
    );
    // The forced calls changed nothing: the order number is still free.
    let r = env
        .post(MAKE_PAYMENT, &[("x-toss-user-key", USER_KEY)], &order)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Statuses are the endpoint's own: PAYMENT_NOT_FOUND is 404 on get-payment-status.
    let r = forced(&env, PAYMENT_STATUS, "PAYMENT_NOT_FOUND", &json!({})).await;
    assert_resp(
        &r,
        404,
        &fail("PAYMENT_NOT_FOUND", "결제 정보를 찾을 수 없어요."),
    );
    // A code the endpoint does not document (or no endpoint does) is bad input.
    let r = forced(&env, PAYMENT_STATUS, "PAYMENT_EXISTING_PAYMENT", &json!({})).await;
    assert_resp(&r, 400, &invalid_parameter());
    let r = forced(&env, MAKE_PAYMENT, "NO_SUCH_CODE", &order).await;
    assert_resp(&r, 400, &invalid_parameter());
    // Login endpoints force their bare invalid_grant body.
    let r = env
        .get(
            "/api-partner/v1/apps-in-toss/user/oauth2/login-me",
            &[("x-tossd-test-code", "invalid_grant")],
        )
        .await;
    assert_resp(&r, 401, &invalid_grant());
    // An empty header is no header.
    let r = forced(&env, MAKE_PAYMENT, "", &with_order(&order, "forced-2")).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

fn with_order(order: &Value, no: &str) -> Value {
    let mut order = order.clone();
    order["orderNo"] = json!(no);
    order
}

/// A webhook receiver that answers 200 and counts what it received.
async fn counting_receiver() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("receiver binds");
    let addr = listener.local_addr().expect("receiver address");
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let app = Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            "ok"
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/fault-hook"), received)
}

async fn delivery_with_attempts(env: &TestEnv, id: i64, n: usize) -> Value {
    let started = Instant::now();
    loop {
        let d = env
            .sim(Method::GET, &format!("/sim/v1/webhooks/{id}"), Value::Null)
            .await;
        if d["attempts"].as_array().map_or(0, Vec::len) >= n {
            return d;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{d}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_dropped_webhook_delivery_is_retried(env: TestEnv) {
    let (url, received) = counting_receiver().await;
    env.sim(
        Method::PUT,
        "/sim/v1/merchants/default/webhook",
        json!({"url": url}),
    )
    .await;
    let rule = add_rule(
        &env,
        json!({"target": "webhook", "url": "http://127.0.0.1:*/fault-hook",
               "eventType": "PAYMENT_STATUS_CHANGED", "count": 1, "action": {"type": "drop"}}),
    )
    .await;
    let event = env
        .sim(
            Method::POST,
            "/sim/v1/webhooks/test-events",
            json!({"target": "merchant", "data": {"n": 1}}),
        )
        .await;
    let id = event["id"].as_i64().unwrap();
    let first = delivery_with_attempts(&env, id, 1).await;
    assert_eq!(first["state"], "PENDING", "{first}");
    let attempt = &first["attempts"][0];
    assert_eq!(attempt["statusCode"], Value::Null);
    assert_eq!(attempt["error"], "dropped by a fault rule (not sent)");
    assert_eq!(received.load(Ordering::SeqCst), 0);
    let view = env
        .sim(
            Method::GET,
            &format!("/sim/v1/faults/{}", rule["id"]),
            Value::Null,
        )
        .await;
    assert_eq!(
        (view["fired"].as_i64(), view["remaining"].as_i64()),
        (Some(1), Some(0))
    );
    // The rule is used up: the retry, a minute later on the simulated clock, is delivered.
    env.sim(
        Method::POST,
        "/sim/v1/clock/advance",
        json!({"seconds": 65}),
    )
    .await;
    let done = delivery_with_attempts(&env, id, 2).await;
    assert_eq!(done["state"], "DELIVERED", "{done}");
    assert_eq!(received.load(Ordering::SeqCst), 1);

    // A latency rule delays the delivery, which then succeeds at its first attempt.
    add_rule(
        &env,
        json!({"target": "webhook", "url": "*/fault-hook", "action": {"type": "latency", "ms": 400}}),
    )
    .await;
    let started = Instant::now();
    let event = env
        .sim(
            Method::POST,
            "/sim/v1/webhooks/test-events",
            json!({"target": "merchant", "data": {"n": 2}}),
        )
        .await;
    let late = delivery_with_attempts(&env, event["id"].as_i64().unwrap(), 1).await;
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(late["state"], "DELIVERED", "{late}");
    assert_eq!(received.load(Ordering::SeqCst), 2);
}
