//! Fixture files (docs/fixtures.md): every example of examples/fixtures/ loads through `POST
//! /sim/v1/fixtures` and through `serve --fixtures`, its objects are there as the public API shows them,
//! a second load answers the same without new objects, and broken files are refused with their line.

use std::path::PathBuf;

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    assert_resp, basic, bearer, brandpay_tokens, concurrently, generate_token, post_as, run,
    toss_login, Backend, Resp, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    examples_load_and_their_objects_exist,
    loading_twice_makes_nothing_new,
    concurrent_loads_make_each_object_once,
    apps_and_their_users,
    broken_documents_are_refused_with_their_line,
    failing_steps_and_changed_steps,
);

const EXAMPLES: &[&str] = &[
    "login-users.yaml",
    "toss-pay.yaml",
    "brandpay.json",
    "iap.yaml",
    "promotions-and-messages.yaml",
];

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fixtures")
        .join(name)
}

fn content_type(name: &str) -> &'static str {
    if name.ends_with(".json") {
        "application/json"
    } else {
        "application/yaml"
    }
}

async fn post_fixture(env: &TestEnv, text: &str, content_type: &str) -> Resp {
    env.request(
        Method::POST,
        "/sim/v1/fixtures",
        &[("content-type", content_type)],
        Some(text),
    )
    .await
}

/// Loads an example through the simulator; returns each step's result by name.
async fn load_example(env: &TestEnv, name: &str) -> Value {
    let text = std::fs::read_to_string(example(name)).expect("the example file");
    let r = post_fixture(env, &text, content_type(name)).await;
    assert_eq!(r.status, 200, "{name}: {}", r.text);
    results(&r.body)
}

fn results(answer: &Value) -> Value {
    let steps = answer["steps"].as_array().expect("steps");
    let mut by_name = serde_json::Map::new();
    for step in steps {
        assert!(step["kind"].is_string(), "{step}");
        by_name.insert(
            step["name"].as_str().expect("name").to_owned(),
            step["result"].clone(),
        );
    }
    Value::Object(by_name)
}

/// The public API shows every example's objects: login-me of a consenting user, the Toss Pay status of
/// each payment, the BrandPay customer's methods with its access token, IAP order statuses, promotions
/// and templates.
async fn check_examples(env: &TestEnv, loaded: &Value) {
    // Toss login: the user who agreed logs in and the partner reads login-me.
    let alice = &loaded["login_alice"];
    assert_eq!(alice["name"], "김토스");
    assert_eq!(alice["phone"], "1012345678");
    let user_key = alice["userKey"].as_i64().expect("userKey");
    let (code, referrer) = toss_login(env, json!({"userKey": user_key})).await;
    let tokens = generate_token(env, &code, &referrer).await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    let access = tokens.body["success"]["accessToken"]
        .as_str()
        .expect("token");
    let me = env
        .get(
            "/api-partner/v1/apps-in-toss/user/oauth2/login-me",
            &[("authorization", &bearer(access))],
        )
        .await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["success"]["userKey"], user_key);
    let carol = loaded["login_carol"]["userKey"].as_i64().expect("userKey");
    let r = env.get(&format!("/sim/v1/users/{carol}"), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["nationality"], "FOREIGNER");
    let callback = &loaded["login_unlink_callback"];
    assert_eq!(callback["url"], "http://127.0.0.1:3000/toss/unlink");
    assert_eq!(callback["method"], "POST");

    // Toss Pay: each payment is in the state its step asked for.
    let buyer = loaded["pay_buyer"]["userKey"].as_i64().expect("userKey");
    for (step, status) in [
        ("pay_created", "PAY_STANDBY"),
        ("pay_approved", "PAY_APPROVED"),
        ("pay_completed", "PAY_COMPLETE"),
        ("pay_canceled", "PAY_CANCEL"),
        ("pay_refunded", "REFUND_SUCCESS"),
    ] {
        let payment = &loaded[step];
        assert_eq!(payment["status"], status);
        let r = post_as(
            env,
            "/api-partner/v1/apps-in-toss/pay/get-payment-status",
            buyer,
            &json!({"payToken": payment["payToken"], "isTestPayment": true}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["success"]["payStatus"], status, "{step}");
        assert_eq!(r.body["success"]["orderNo"], payment["orderNo"]);
        assert_eq!(r.body["success"]["amount"], payment["amount"]);
    }

    // BrandPay: the shop's customer has the card and the account, seen with its access token.
    let shop = basic(loaded["bp_shop"]["secretKey"].as_str().expect("secretKey"));
    let (access, _) = brandpay_tokens(env, &shop, "customer-kim-0001").await;
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[("authorization", &bearer(&access))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["cards"][0]["id"], loaded["bp_card"]["id"]);
    assert_eq!(r.body["cards"][0]["alias"], "생활비 카드");
    assert_eq!(r.body["accounts"][0]["id"], loaded["bp_account"]["id"]);
    assert_eq!(r.body["cards"].as_array().map(Vec::len), Some(1));
    assert_eq!(r.body["accounts"].as_array().map(Vec::len), Some(1));
    let webhook = &loaded["bp_shop_webhook"];
    assert_eq!(webhook["mId"], loaded["bp_shop"]["mId"]);
    assert_eq!(webhook["url"], "http://127.0.0.1:3000/toss/webhooks");

    // In-app purchases: the partner sees each order's status.
    for (step, status) in [
        ("iap_coins", "PAYMENT_COMPLETED"),
        ("iap_pending", "PURCHASED"),
        ("iap_refunded", "REFUNDED"),
        ("iap_failed", "FAILED"),
    ] {
        let r = env
            .post(
                "/api-partner/v1/apps-in-toss/order/get-order-status",
                &[],
                &json!({"orderId": loaded[step]["orderId"]}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["success"]["status"], status, "{step}");
    }

    // Promotions and messages.
    let promotion = env
        .sim(Method::GET, "/sim/v1/promotions/WELCOME_2026", Value::Null)
        .await;
    assert_eq!(promotion["budget"], 500000);
    assert_eq!(promotion["remainingBudget"], 500000);
    assert_eq!(promotion["maxAmountPerGrant"], 5000);
    assert_eq!(promotion["state"], "RUNNING");
    assert_eq!(loaded["msg_event"]["kind"], "MARKETING");
    // The partner sends the fixture template to the fixture user, who receives it.
    let member = loaded["promo_member"]["userKey"].as_i64().expect("userKey");
    let r = post_as(
        env,
        "/api-partner/v1/apps-in-toss/messenger/send-message",
        member,
        &json!({"templateSetCode": "SHIPPING_STARTED", "context": {"productName": "토스 티셔츠"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["success"]["msgCount"], 2);
    let inbox = env
        .sim(
            Method::GET,
            &format!("/sim/v1/users/{member}/messages"),
            Value::Null,
        )
        .await;
    assert_eq!(
        inbox[0]["text"],
        "정포인트님, 주문하신 토스 티셔츠 배송이 시작됐어요."
    );
}

async fn load_all(env: &TestEnv) -> Value {
    let mut all = serde_json::Map::new();
    for name in EXAMPLES {
        if let Value::Object(results) = load_example(env, name).await {
            all.extend(results);
        }
    }
    Value::Object(all)
}

async fn examples_load_and_their_objects_exist(env: TestEnv) {
    let loaded = load_all(&env).await;
    check_examples(&env, &loaded).await;
}

async fn user_count(env: &TestEnv) -> i64 {
    let pool = env.db().await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    count
}

async fn loading_twice_makes_nothing_new(env: TestEnv) {
    let mut first = Vec::new();
    for name in EXAMPLES {
        let text = std::fs::read_to_string(example(name)).expect("example");
        let r = post_fixture(&env, &text, content_type(name)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        first.push(r.body);
    }
    let users = user_count(&env).await;
    for (name, before) in EXAMPLES.iter().zip(&first) {
        let text = std::fs::read_to_string(example(name)).expect("example");
        let r = post_fixture(&env, &text, content_type(name)).await;
        assert_resp(&r, 200, before);
    }
    assert_eq!(user_count(&env).await, users);
    // The same document as JSON is the same fixture.
    let yaml: Value = serde_norway::from_str(
        &std::fs::read_to_string(example("toss-pay.yaml")).expect("example"),
    )
    .expect("YAML");
    let r = post_fixture(&env, &yaml.to_string(), "application/json").await;
    assert_resp(&r, 200, &first[1]);
}

async fn concurrent_loads_make_each_object_once(env: TestEnv) {
    let users = user_count(&env).await;
    let text = std::fs::read_to_string(example("toss-pay.yaml")).expect("example");
    let answers = concurrently(4, |_| {
        let env = env.clone();
        let text = text.clone();
        async move { post_fixture(&env, &text, "application/yaml").await }
    })
    .await;
    for r in &answers {
        assert_resp(r, 200, &answers[0].body);
    }
    // One buyer, and each payment once: its orderNo would be refused a second time.
    assert_eq!(user_count(&env).await, users + 1);
    assert_eq!(answers[0].body["steps"].as_array().map(Vec::len), Some(6));
}

/// An `app` step, referred to by the steps of its user and callback.
async fn apps_and_their_users(env: TestEnv) {
    let doc = r#"{"steps": [
        {"name": "game", "app": {"name": "토스 게임"}},
        {"name": "callback", "unlinkCallback": {"appId": "${game.appId}", "url": "https://partner.example/unlink"}},
        {"name": "player", "user": {"name": "김게임", "consent": {"appId": "${game.appId}", "scopes": ["USER_NAME"]}}},
        {"name": "gems", "tossPayPayment": {"appId": "${game.appId}", "userKey": "${player.userKey}",
            "orderNo": "gems-1", "amount": 3300, "isTestPayment": true, "state": "PAY_COMPLETE"}}
    ]}"#;
    let first = post_fixture(&env, doc, "application/json").await;
    assert_eq!(first.status, 200, "{}", first.text);
    let loaded = results(&first.body);
    let app_id = loaded["game"]["appId"].as_str().expect("appId");
    let app = env
        .sim(Method::GET, &format!("/sim/v1/apps/{app_id}"), Value::Null)
        .await;
    assert_eq!(app["name"], "토스 게임");
    assert_eq!(app["clientId"], loaded["game"]["clientId"]);
    assert_eq!(app["decryptionKey"], loaded["game"]["decryptionKey"]);
    assert_eq!(loaded["callback"]["appId"], app_id);
    assert_eq!(loaded["callback"]["url"], "https://partner.example/unlink");
    // The payment is the game's, completed; the default app has no such payment.
    let token = loaded["gems"]["payToken"].as_str().expect("payToken");
    let r = env
        .post(&format!("/sim/v1/pay/{token}/cancel"), &[], &json!({}))
        .await;
    assert_resp(
        &r,
        409,
        &json!({"error": {"code": "INVALID_STATE", "message": "the payment is PAY_COMPLETE, not PAY_STANDBY"}}),
    );
    let player = loaded["player"]["userKey"].as_i64().expect("userKey");
    crate::common::link_user(&env, player).await;
    let r = post_as(
        &env,
        "/api-partner/v1/apps-in-toss/pay/get-payment-status",
        player,
        &json!({"payToken": token, "isTestPayment": true}),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(r.body["error"]["errorCode"], "PAYMENT_NOT_FOUND");
    // The player logged in to that app, so leaving it inside Toss fires its unlink callback.
    env.sim(
        Method::POST,
        &format!("/sim/v1/users/{player}/unlink"),
        json!({"appId": app_id, "referrer": "UNLINK"}),
    )
    .await;
    let deliveries = crate::common::deliveries(&env).await;
    assert!(
        deliveries
            .iter()
            .any(|d| d.to_string().contains("https://partner.example/unlink")),
        "{deliveries:?}"
    );
    // The same document again: the same app.
    let again = post_fixture(&env, doc, "application/json").await;
    assert_resp(&again, 200, &first.body);
}

fn invalid(message: &str) -> Value {
    json!({"error": {"code": "INVALID_REQUEST", "message": message}})
}

async fn broken_documents_are_refused_with_their_line(env: TestEnv) {
    let users = user_count(&env).await;
    let yaml = "steps:\n  - name: a\n    user: {name: x\n";
    let r = post_fixture(&env, yaml, "application/yaml").await;
    assert_eq!(r.status, 400, "{}", r.text);
    let message = r.body["error"]["message"].as_str().expect("message");
    assert!(message.starts_with("line 4: invalid YAML"), "{message}");

    let unknown = "steps:\n  - name: a\n    user: {name: x}\n  - name: b\n    iapOrder:\n      userKey: ${nobody.userKey}\n      sku: x\n";
    let r = post_fixture(&env, unknown, "application/yaml").await;
    assert_resp(
        &r,
        400,
        &invalid("line 6: step \"b\": `iapOrder.userKey`: `${nobody.userKey}` names no step"),
    );

    let r = post_fixture(
        &env,
        r#"{"steps": [{"name": "a", "usr": {}}]}"#,
        "application/json",
    )
    .await;
    assert_eq!(r.status, 400);
    let message = r.body["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("line 1: step \"a\": unknown kind `usr`"),
        "{message}"
    );

    let r = post_fixture(&env, "{\"steps\": [", "application/json").await;
    assert_eq!(r.status, 400);
    assert!(r.body["error"]["message"]
        .as_str()
        .expect("message")
        .starts_with("line 1: invalid JSON"));
    // A reference whose value does not fit its field is refused when the step runs.
    let mistyped = "steps:\n  - name: shop\n    merchant: {name: My shop}\n  - name: order\n    iapOrder: {userKey: \"${shop.name}\", sku: x}\n";
    let r = post_fixture(&env, mistyped, "application/yaml").await;
    assert_resp(
        &r,
        400,
        &invalid("line 4: step \"order\" (iapOrder): `iapOrder.userKey` must be an integer, not a string"),
    );

    // The refused documents made no user (the merchant step before the mistyped one stays loaded).
    assert_eq!(user_count(&env).await, users);
}

async fn failing_steps_and_changed_steps(env: TestEnv) {
    let doc = "steps:\n  - name: buyer\n    user: {name: 김토스}\n  - name: order\n    iapOrder: {userKey: \"${buyer.userKey}\", sku: no-such-sku}\n";
    let r = post_fixture(&env, doc, "application/yaml").await;
    assert_resp(
        &r,
        404,
        &json!({"error": {"code": "NOT_FOUND",
            "message": "line 4: step \"order\" (iapOrder): no product with this sku"}}),
    );
    // The step before the failing one stays loaded: fixing the file and loading again goes on from it.
    let fixed = doc.replace(
        "no-such-sku",
        "ait.0000010000.af647449.3bd55cfd00.0000000475",
    );
    let r = post_fixture(&env, &fixed, "application/yaml").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let buyer = r.body["steps"][0]["result"]["userKey"].clone();
    assert_eq!(r.body["steps"][1]["result"]["userKey"], buyer);
    let users = user_count(&env).await;

    // The same name with other content is refused, and makes nothing.
    let changed = fixed.replace("김토스", "박토스");
    let r = post_fixture(&env, &changed, "application/yaml").await;
    assert_resp(
        &r,
        409,
        &json!({"error": {"code": "INVALID_STATE", "message": "line 2: step \"buyer\" (user): a step of this name was loaded before with other content; reset the simulator (POST /sim/v1/reset) or give the step a new name"}}),
    );
    assert_eq!(user_count(&env).await, users);

    // After a reset the names are free again.
    env.sim(Method::POST, "/sim/v1/reset", json!({})).await;
    let r = post_fixture(&env, &changed, "application/yaml").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["steps"][0]["result"]["name"], "박토스");
}

// ---------------------------------------------------------------------------------------------------
// `serve --fixtures` and `fixtures check`

async fn serve_flag_loads_every_example(backend: Backend) {
    // One server per example file (the flag takes one file); the last one's objects are checked whole
    // by loading the rest over the simulator, which must answer what the flag loaded.
    for name in EXAMPLES {
        let path = example(name).to_str().expect("a UTF-8 path").to_owned();
        let file = path.clone();
        let name = name.to_string();
        run(backend, &["--fixtures", &path], move |env| async move {
            let text = std::fs::read_to_string(&file).expect("example");
            let users = user_count(&env).await;
            let r = post_fixture(&env, &text, content_type(&name)).await;
            assert_eq!(r.status, 200, "{}", r.text);
            // Already loaded at start: the second load makes nothing.
            assert_eq!(user_count(&env).await, users);
            if name == "toss-pay.yaml" {
                let loaded = results(&r.body);
                let buyer = loaded["pay_buyer"]["userKey"].as_i64().expect("userKey");
                let r = post_as(
                    &env,
                    "/api-partner/v1/apps-in-toss/pay/get-payment-status",
                    buyer,
                    &json!({"payToken": loaded["pay_completed"]["payToken"], "isTestPayment": true}),
                )
                .await;
                assert_eq!(r.body["success"]["payStatus"], "PAY_COMPLETE", "{}", r.text);
            }
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serve_flag_loads_every_example_sqlite() {
    serve_flag_loads_every_example(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serve_flag_loads_every_example_postgres() {
    serve_flag_loads_every_example(Backend::Postgres).await;
}

/// The binary as users run it: `TOSSD_FIXTURES` loads before the banner, and a broken file stops start-up
/// with `FILE:LINE: message`.
async fn binary_with_fixtures(backend: Backend) {
    let database = crate::common::TestDatabase::create(backend).await;
    let path = example("toss-pay.yaml");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|probe| probe.local_addr())
        .expect("a free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tossd"))
        .args([
            "serve",
            "--listen",
            &listen,
            "--database-url",
            &database.url,
        ])
        .args(["--database-max-connections", crate::common::TEST_POOL_SIZE])
        .env("TOSSD_FIXTURES", &path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the tossd binary starts");
    use tokio::io::AsyncBufReadExt;
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the banner in time")
        .expect("stdout")
        .expect("a banner line");
    assert!(first.starts_with("tossd "), "{first}");
    // By the banner the fixtures are in.
    let client = reqwest::Client::new();
    let text = std::fs::read_to_string(&path).expect("example");
    let r = client
        .post(format!("http://{listen}/sim/v1/fixtures"))
        .header("content-type", "application/yaml")
        .body(text)
        .send()
        .await
        .expect("tossd answers");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["steps"].as_array().map(Vec::len), Some(6));
    child.kill().await.expect("kill");
    let _ = child.wait().await;

    // A broken file: start-up stops with the error and its line.
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "steps:\n  - name: a\n    user: {name: x}\n  - name: b\n    iapOrder: {userKey: \"${a.userKey}\", sku: nope}\n").expect("write");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tossd"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &database.url,
        ])
        .arg("--fixtures")
        .arg(&broken)
        .output()
        .await
        .expect("tossd runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:4: step \"b\" (iapOrder): no product with this sku",
            broken.display()
        )),
        "{stderr}"
    );
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn binary_with_fixtures_sqlite() {
    binary_with_fixtures(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn binary_with_fixtures_postgres() {
    binary_with_fixtures(Backend::Postgres).await;
}

fn check(path: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tossd"))
        .args(["fixtures", "check"])
        .arg(path)
        .output()
        .expect("tossd runs")
}

#[test]
fn fixtures_check_passes_the_examples_and_reports_lines() {
    for name in EXAMPLES {
        let output = check(&example(name));
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.ends_with("steps, valid\n"), "{stdout}");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "steps:\n  - name: a\n    user:\n      name: x\n      age: 3\n  - name: b\n    tossPayPayment:\n      userKey: ${c.userKey}\n      orderNo: o-1\n      amount: lots\n  - name: c\n    user: {}\n",
    )
    .expect("write");
    let output = check(&broken);
    assert_eq!(output.status.code(), Some(1));
    let shown = broken.display();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        vec![
            format!("{shown}:5: step \"a\": unknown field `user.age` (known: name, phone, birthday, gender, nationality, email, ci, callingCode, pushEnabled, marketingConsent, consent)"),
            format!("{shown}:8: step \"b\": `tossPayPayment.userKey`: `${{c.userKey}}` refers to step \"c\" (line 11), which does not come before this one"),
            format!("{shown}:10: step \"b\": `tossPayPayment.amount` must be an integer, not a string"),
        ]
    );
    let json = dir.path().join("broken.json");
    std::fs::write(
        &json,
        "{\"steps\": [\n  {\"name\": \"a\",\n   \"merchant\": {}}\n]}\n",
    )
    .expect("write");
    let output = check(&json);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!(
            "{}:2: step \"a\": `merchant.name` is required\n",
            json.display()
        )
    );
}
