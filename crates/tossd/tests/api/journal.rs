//! The request journal (`/sim/v1/requests`, docs/journal.md): an entry per partner API call with its
//! exact fields, redaction (checked in the rows too), filters and paging, retention, `--journal off`,
//! entries shared by processes on one database, near misses, and `tossd requests [--follow]`.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{link_user, send, Resp, Servers, TestEnv};
use crate::on_both_backends;

on_both_backends!(with_flags ["--clock", "manual", "--clock-start", "2025-04-17T03:32:10Z"];
    entries_have_exact_fields,
);
on_both_backends!(
    secrets_are_never_stored,
    filters_and_paging,
    near_misses_name_the_route_meant,
    long_bodies_are_cut_at_64_kib,
    processes_on_one_database_share_the_journal,
    the_requests_command_prints_and_follows,
);
on_both_backends!(with_flags ["--journal-retention", "3"]; retention_keeps_the_newest_entries);
on_both_backends!(with_flags ["--journal", "off"]; journal_off_stores_nothing);

const MAKE_PAYMENT: &str = "/api-partner/v1/apps-in-toss/pay/make-payment";

async fn requests_at(env: &TestEnv, base: &str, query: &str) -> Resp {
    send(
        env.client(),
        Method::GET,
        &format!("{base}/sim/v1/requests{query}"),
        &[],
        None,
    )
    .await
}

/// A listing that must succeed.
async fn requests(env: &TestEnv, query: &str) -> Value {
    let r = requests_at(env, env.base(), query).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn detail(env: &TestEnv, id: &Value) -> Value {
    let r = env.get(&format!("/sim/v1/requests/{id}"), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// `(method, path, status)` of each entry of a page.
fn calls(page: &Value) -> Vec<(String, String, i64)> {
    page["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_owned(),
                e["path"].as_str().unwrap().to_owned(),
                e["status"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn call(method: &str, path: &str, status: i64) -> (String, String, i64) {
    (method.to_owned(), path.to_owned(), status)
}

/// An entry without the fields that vary from run to run (checked for their type).
fn steady(entry: &Value) -> Value {
    let mut entry = entry.clone();
    let map = entry.as_object_mut().unwrap();
    assert!(map.remove("id").unwrap().is_i64());
    let at = map.remove("at").unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(at.as_str().unwrap()).is_ok(),
        "{at}"
    );
    assert!(map.remove("durationMs").unwrap().as_f64().unwrap() >= 0.0);
    entry
}

async fn lookup(env: &TestEnv, basic: &str, what: &str) -> Resp {
    env.get(&format!("/v1/payments/{what}"), &[("Authorization", basic)])
        .await
}

async fn default_app_id(env: &TestEnv) -> String {
    env.sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await["appId"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn default_mid(env: &TestEnv) -> String {
    env.sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await["mId"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn entries_have_exact_fields(env: TestEnv) {
    let basic = env.merchant_basic().await;
    let payment = env.approved_payment("order-j1", 15000, 0).await;
    let key = payment["paymentKey"].as_str().unwrap();
    link_user(&env, 123456789).await;
    assert_eq!(lookup(&env, &basic, key).await.status, 200);
    let cancel_body = json!({"cancelReason": "고객 변심"}).to_string();
    let cancel = env
        .request(
            Method::POST,
            &format!("/v1/payments/{key}/cancel"),
            &[("Authorization", &basic), ("Idempotency-Key", "idem-1")],
            Some(&cancel_body),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.text);
    let made = env
        .post(
            MAKE_PAYMENT,
            &[("x-toss-user-key", "123456789")],
            &json!({"orderNo": "ORDER-J1", "productDesc": "토스 티셔츠", "amount": 1000,
                "amountTaxFree": 0, "isTestPayment": true}),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.text);
    let token = made.body["success"]["payToken"].as_str().unwrap();

    // Simulator calls are not journaled: three entries, newest first.
    let page = requests(&env, "").await;
    let entries = page["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{page}");
    assert_eq!(page["nextCursor"], Value::Null);
    let simulated = "2025-04-17T03:32:10.000000Z";
    let merchant = json!({"mId": default_mid(&env).await, "mode": "test"});
    assert_eq!(
        steady(&entries[0]),
        json!({"simulatedAt": simulated, "method": "POST", "path": MAKE_PAYMENT, "query": null,
            "family": "apps-in-toss", "caller": {"appId": default_app_id(&env).await}, "status": 200,
            "idempotencyKey": null,
            "objects": {"payToken": token, "orderNo": "ORDER-J1", "userKey": "123456789"},
            "nearMiss": null})
    );
    assert_eq!(
        steady(&entries[1]),
        json!({"simulatedAt": simulated, "method": "POST",
            "path": format!("/v1/payments/{key}/cancel"), "query": null, "family": "tosspayments",
            "caller": merchant, "status": 200, "idempotencyKey": "idem-1",
            "objects": {"paymentKey": key, "orderId": "order-j1"}, "nearMiss": null})
    );
    assert_eq!(
        steady(&entries[2]),
        json!({"simulatedAt": simulated, "method": "GET", "path": format!("/v1/payments/{key}"),
            "query": null, "family": "tosspayments", "caller": merchant, "status": 200,
            "idempotencyKey": null, "objects": {"paymentKey": key, "orderId": "order-j1"},
            "nearMiss": null})
    );

    // The detail adds both sides, the request as sent and the response as answered.
    let full = detail(&env, &entries[1]["id"]).await;
    let mut summary = full.clone();
    let map = summary.as_object_mut().unwrap();
    let (request, response) = (
        map.remove("request").unwrap(),
        map.remove("response").unwrap(),
    );
    assert_eq!(summary, entries[1]);
    assert_eq!(request["headers"]["authorization"], "Basic [REDACTED]");
    assert_eq!(request["headers"]["idempotency-key"], "idem-1");
    assert_eq!(request["body"], cancel_body.as_str());
    assert_eq!(request["truncated"], false);
    assert_eq!(response["body"], cancel.text.as_str());
    assert_eq!(response["truncated"], false);
    assert_eq!(
        response["headers"]["content-type"],
        cancel.headers["content-type"].to_str().unwrap()
    );
}

async fn secrets_are_never_stored(env: TestEnv) {
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    let secret_key = merchant["secretKey"].as_str().unwrap().to_owned();
    let basic = env.merchant_basic().await;
    let (code, _) = crate::common::toss_login(&env, json!({"userKey": 123456789})).await;
    let exchanged = crate::common::generate_token(&env, &code, "DEFAULT").await;
    assert_eq!(exchanged.status, 200, "{}", exchanged.text);
    let tokens = &exchanged.body["success"];
    let access = tokens["accessToken"].as_str().unwrap().to_owned();
    let refresh = tokens["refreshToken"].as_str().unwrap().to_owned();
    let me = env
        .get(
            "/api-partner/v1/apps-in-toss/user/oauth2/login-me",
            &[("Authorization", &format!("Bearer {access}"))],
        )
        .await;
    assert_eq!(me.status, 200, "{}", me.text);
    let encrypted_name = me.body["success"]["name"].as_str().unwrap().to_owned();
    let payment = env.approved_payment("order-r1", 5000, 0).await;
    let key = payment["paymentKey"].as_str().unwrap();
    let card = "4330123412341234";
    let cancel = env
        .post(
            &format!("/v1/payments/{key}/cancel"),
            &[("Authorization", &basic)],
            &json!({"cancelReason": "x", "secretKey": secret_key, "cardNumber": card}),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.text);

    let page = requests(&env, "").await;
    assert_eq!(
        calls(&page),
        vec![
            call("POST", &format!("/v1/payments/{key}/cancel"), 200),
            call(
                "GET",
                "/api-partner/v1/apps-in-toss/user/oauth2/login-me",
                200
            ),
            call(
                "POST",
                "/api-partner/v1/apps-in-toss/user/oauth2/generate-token",
                200
            ),
        ]
    );
    let entries = page["requests"].as_array().unwrap();
    let cancelled = detail(&env, &entries[0]["id"]).await;
    assert_eq!(
        cancelled["request"]["headers"]["authorization"],
        "Basic [REDACTED]"
    );
    assert_eq!(
        serde_json::from_str::<Value>(cancelled["request"]["body"].as_str().unwrap()).unwrap(),
        json!({"cancelReason": "x", "secretKey": "[REDACTED]", "cardNumber": "[REDACTED]"})
    );
    let me_entry = detail(&env, &entries[1]["id"]).await;
    assert_eq!(
        me_entry["request"]["headers"]["authorization"],
        "Bearer [REDACTED]"
    );
    let me_body: Value =
        serde_json::from_str(me_entry["response"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(me_body["success"]["name"], "[REDACTED]");
    assert_eq!(me_body["success"]["userKey"], 123456789);
    let exchange = detail(&env, &entries[2]["id"]).await;
    assert_eq!(
        exchange["request"]["body"],
        json!({"authorizationCode": "[REDACTED]", "referrer": "DEFAULT"}).to_string()
    );
    let answered: Value =
        serde_json::from_str(exchange["response"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(answered["success"]["accessToken"], "[REDACTED]");
    assert_eq!(answered["success"]["refreshToken"], "[REDACTED]");

    // The rows themselves hold none of it.
    let db = env.db().await;
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT caller || COALESCE(query, '') || request_headers || request_body || response_headers \
         || response_body FROM request_journal",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    db.close().await;
    assert_eq!(rows.len(), 3);
    let basic_credential = basic.trim_start_matches("Basic ");
    for row in rows {
        for secret in [
            secret_key.as_str(),
            basic_credential,
            access.as_str(),
            refresh.as_str(),
            code.as_str(),
            card,
            encrypted_name.as_str(),
        ] {
            assert!(!row.contains(secret), "{secret} stored in {row}");
        }
    }
}

async fn filters_and_paging(env: TestEnv) {
    let basic = env.merchant_basic().await;
    let first = env.approved_payment("order-f1", 5000, 0).await;
    let second = env.approved_payment("order-f2", 7000, 0).await;
    let (k1, k2) = (
        first["paymentKey"].as_str().unwrap(),
        second["paymentKey"].as_str().unwrap(),
    );
    assert_eq!(lookup(&env, &basic, k1).await.status, 200);
    assert_eq!(lookup(&env, &basic, "orders/order-f2").await.status, 200);
    assert_eq!(lookup(&env, &basic, "nope").await.status, 404);
    let cancel = env
        .post(
            &format!("/v1/payments/{k1}/cancel"),
            &[("Authorization", &basic)],
            &json!({"cancelReason": "x"}),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.text);
    assert_eq!(lookup(&env, &basic, k2).await.status, 200);
    let e1 = call("GET", &format!("/v1/payments/{k1}"), 200);
    let e2 = call("GET", "/v1/payments/orders/order-f2", 200);
    let e3 = call("GET", "/v1/payments/nope", 404);
    let e4 = call("POST", &format!("/v1/payments/{k1}/cancel"), 200);
    let e5 = call("GET", &format!("/v1/payments/{k2}"), 200);

    let all = requests(&env, "").await;
    assert_eq!(
        calls(&all),
        vec![e5.clone(), e4.clone(), e3.clone(), e2.clone(), e1.clone()]
    );
    for (query, expected) in [
        ("?path=/v1/payments/orders", vec![e2.clone()]),
        ("?path=/v1/payments/*/cancel", vec![e4.clone()]),
        ("?path=/v1/payments/%3F%3F%3F%3F", vec![e3.clone()]),
        ("?status=404", vec![e3.clone()]),
        ("?status=4xx", vec![e3.clone()]),
        ("?status=2xx&method=post", vec![e4.clone()]),
        (&format!("?object={k1}"), vec![e4.clone(), e1.clone()]),
        ("?object=order-f2", vec![e5.clone(), e2.clone()]),
        ("?since=2999-01-01T00:00:00Z", vec![]),
    ] {
        assert_eq!(calls(&requests(&env, query).await), expected, "{query}");
    }
    assert_eq!(
        calls(&requests(&env, "?since=2000-01-01T00:00:00Z").await).len(),
        5
    );

    // Pages of two, newest first, until the cursor runs out.
    let page = requests(&env, "?limit=2").await;
    assert_eq!(calls(&page), vec![e5, e4]);
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    let page = requests(&env, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(calls(&page), vec![e3, e2]);
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    let page = requests(&env, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(calls(&page), vec![e1]);
    assert_eq!(page["nextCursor"], Value::Null);

    for (query, message) in [
        (
            "?status=abc",
            r#"status: "abc" is not a status (404) or class (4xx)"#,
        ),
        ("?limit=0", r#"limit: "0" is not a number from 1 to 500"#),
        (
            "?limit=501",
            r#"limit: "501" is not a number from 1 to 500"#,
        ),
        (
            "?since=yesterday",
            r#"since: "yesterday" is not an RFC 3339 instant"#,
        ),
        ("?cursor=zz", r#"cursor: "zz" is not a cursor"#),
    ] {
        let r = requests_at(&env, env.base(), query).await;
        assert_eq!(r.status, 400, "{query}");
        assert_eq!(
            r.body,
            json!({"error": {"code": "INVALID_REQUEST", "message": message}}),
            "{query}"
        );
    }
    for id in ["999999", "abc"] {
        let r = env.get(&format!("/sim/v1/requests/{id}"), &[]).await;
        assert_eq!(r.status, 404);
        assert_eq!(
            r.body,
            json!({"error": {"code": "NOT_FOUND", "message": format!("no journal entry {id:?}")}})
        );
    }

    // Reset clears the journal.
    env.sim(Method::POST, "/sim/v1/reset", json!({})).await;
    assert_eq!(
        requests(&env, "").await,
        json!({"requests": [], "nextCursor": null})
    );
}

async fn retention_keeps_the_newest_entries(env: TestEnv) {
    let basic = env.merchant_basic().await;
    for i in 1..=5 {
        assert_eq!(lookup(&env, &basic, &format!("nope-{i}")).await.status, 404);
    }
    let page = requests(&env, "").await;
    assert_eq!(
        calls(&page),
        vec![
            call("GET", "/v1/payments/nope-5", 404),
            call("GET", "/v1/payments/nope-4", 404),
            call("GET", "/v1/payments/nope-3", 404),
        ]
    );
    let db = env.db().await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM request_journal")
        .fetch_one(&db)
        .await
        .unwrap();
    db.close().await;
    assert_eq!(count, 3);
}

async fn journal_off_stores_nothing(env: TestEnv) {
    let basic = env.merchant_basic().await;
    assert_eq!(lookup(&env, &basic, "nope").await.status, 404);
    assert_eq!(
        requests(&env, "").await,
        json!({"requests": [], "nextCursor": null})
    );
    let db = env.db().await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM request_journal")
        .fetch_one(&db)
        .await
        .unwrap();
    db.close().await;
    assert_eq!(count, 0);
}

async fn processes_on_one_database_share_the_journal(env: TestEnv) {
    let servers = Servers::of(&env).await;
    let basic = env.merchant_basic().await;
    let mut expected = Vec::new();
    for (i, base) in servers.bases().iter().enumerate() {
        let r = send(
            env.client(),
            Method::GET,
            &format!("{base}/v1/payments/from-{i}"),
            &[("Authorization", &basic)],
            None,
        )
        .await;
        assert_eq!(r.status, 404);
        expected.push(call("GET", &format!("/v1/payments/from-{i}"), 404));
    }
    expected.reverse();
    // Each process writes its own entries within 0.1 s; a read flushes only the reader's.
    for base in servers.bases() {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let r = requests_at(&env, base, "").await;
            assert_eq!(r.status, 200, "{}", r.text);
            let mut seen = calls(&r.body);
            seen.sort();
            let mut want = expected.clone();
            want.sort();
            if seen == want {
                break;
            }
            assert!(Instant::now() < deadline, "{base} sees {seen:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    servers.stop().await;
}

async fn near_misses_name_the_route_meant(env: TestEnv) {
    let missing_v1 = env
        .post(
            "/api-partner/apps-in-toss/pay/make-payment",
            &[("x-toss-user-key", "123456789")],
            &json!({}),
        )
        .await;
    assert_eq!(missing_v1.status, 404, "{}", missing_v1.text);
    let wrong_prefix = env
        .get("/api-partner/v1/payments/pk_1?secretKey=test_sk_x", &[])
        .await;
    assert_eq!(wrong_prefix.status, 404, "{}", wrong_prefix.text);
    let page = requests(&env, "").await;
    let entries = page["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{page}");
    assert_eq!(entries[0]["path"], "/api-partner/v1/payments/pk_1");
    assert_eq!(entries[0]["query"], "secretKey=%5BREDACTED%5D");
    assert_eq!(entries[0]["family"], "apps-in-toss");
    assert_eq!(
        entries[0]["nearMiss"],
        json!({"route": "/v1/payments/{paymentKey}",
            "reason": "wrong prefix: Toss Payments routes are not under /api-partner"})
    );
    assert_eq!(entries[1]["objects"], json!({"userKey": "123456789"}));
    assert_eq!(
        entries[1]["nearMiss"],
        json!({"route": MAKE_PAYMENT, "reason": "missing /v1: the path lacks the version segment"})
    );
    let wrong_method = env
        .request(Method::DELETE, "/v1/payments/pk_1", &[], None)
        .await;
    assert_eq!(wrong_method.status, 404, "{}", wrong_method.text);
    let page = requests(&env, "?method=DELETE").await;
    assert_eq!(
        page["requests"][0]["nearMiss"],
        json!({"route": "/v1/payments/{paymentKey}",
            "reason": "wrong method: /v1/payments/{paymentKey} takes GET, not DELETE"})
    );
}

/// `tossd requests` against the test's server, with its stdout's lines.
fn requests_command(env: &TestEnv, extra: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_tossd"))
        .args(["requests", "--url", env.base()])
        .args(extra)
        .env_remove("TOSSD_ADMIN_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the tossd binary starts")
}

async fn next_line(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a line in time")
        .expect("stdout reads")
        .expect("a line")
}

async fn the_requests_command_prints_and_follows(env: TestEnv) {
    let basic = env.merchant_basic().await;
    for i in 1..=2 {
        assert_eq!(lookup(&env, &basic, &format!("nope-{i}")).await.status, 404);
    }
    let output = requests_command(&env, &[])
        .wait_with_output()
        .await
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    for (line, i) in lines.iter().zip(1..) {
        let (at, rest) = line.split_once("  ").unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{line}");
        assert!(
            rest.starts_with(&format!("GET /v1/payments/nope-{i}  404  ")),
            "{line}"
        );
        assert!(
            rest.ends_with(&format!("ms  paymentKey=nope-{i}")),
            "{line}"
        );
    }
    let json_output = requests_command(&env, &["--json", "--limit", "1"])
        .wait_with_output()
        .await
        .unwrap();
    let entry: Value = serde_json::from_slice(&json_output.stdout).unwrap();
    assert_eq!(entry["path"], "/v1/payments/nope-2");

    let mut follow = requests_command(&env, &["--follow", "--limit", "1"]);
    let mut lines = BufReader::new(follow.stdout.take().unwrap()).lines();
    assert!(next_line(&mut lines)
        .await
        .contains("GET /v1/payments/nope-2  404"));
    assert_eq!(lookup(&env, &basic, "nope-3").await.status, 404);
    assert!(next_line(&mut lines)
        .await
        .contains("GET /v1/payments/nope-3  404"));
    follow.kill().await.unwrap();
}

async fn long_bodies_are_cut_at_64_kib(env: TestEnv) {
    let basic = env.merchant_basic().await;
    let payment = env.approved_payment("order-l1", 5000, 0).await;
    let key = payment["paymentKey"].as_str().unwrap();
    // The secret sits past the cut, the reason runs across it.
    let body = json!({"cancelReason": "가".repeat(30_000), "secretKey": "test_sk_past_the_cut"});
    let r = env
        .post(
            &format!("/v1/payments/{key}/cancel"),
            &[("Authorization", &basic)],
            &body,
        )
        .await;
    assert!(r.status < 500, "{}", r.text);
    let page = requests(&env, "").await;
    let full = detail(&env, &page["requests"][0]["id"]).await;
    assert_eq!(full["request"]["truncated"], true);
    let stored = full["request"]["body"].as_str().unwrap();
    assert!(stored.len() <= 64 * 1024, "{}", stored.len());
    assert!(
        stored.starts_with("{\"cancelReason\":\"가가"),
        "{}",
        &stored[..40]
    );
    assert!(!stored.contains("test_sk_past_the_cut"));
    assert_eq!(full["response"]["truncated"], false);
}
