//! Foundation: envelopes, merchant auth, lookup, simulator basics, clock, reset, ops endpoints.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    advance, assert_resp, basic, concurrently, error, fail, send, spawn_binary, unauthorized_key,
    TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    payment_lookup_auth_and_envelopes,
    toss_payments_errors_speak_english_on_request,
    apps_in_toss_unknown_paths_use_the_fail_envelope,
    bad_bodies_get_the_family_error,
    simulator_defaults_and_users,
    clock_moves_forward_and_reset_restores_defaults,
    ops_endpoints_answer,
    openapi_document_passes_a_validator,
    the_binary_prints_its_keys_and_stops_gracefully_on_sigterm,
    two_servers_share_one_clock,
    operator_endpoints_need_the_admin_token_when_one_is_set,
);

async fn payment_lookup_auth_and_envelopes(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let r = env
        .get("/v1/payments/abc", &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        error("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.")
    );
    assert_eq!(r.headers["content-type"], "application/json;charset=UTF-8");

    let r = env
        .get(
            "/v1/payments/orders/order-1234",
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (404, Some("NOT_FOUND_PAYMENT"))
    );

    // Unpadded base64 works too.
    let unpadded = auth.trim_end_matches('=').to_owned();
    let r = env
        .get("/v1/payments/abc", &[("authorization", &unpadded)])
        .await;
    assert_eq!(r.status, 404);

    let unauthorized = unauthorized_key();
    let r = env.get("/v1/payments/abc", &[]).await;
    assert_resp(&r, 401, &unauthorized);
    let r = env
        .get("/v1/payments/abc", &[("authorization", "Bearer abc")])
        .await;
    assert_resp(&r, 401, &unauthorized);
    let r = env
        .get(
            "/v1/payments/abc",
            &[("authorization", &basic("test_sk_unknownunknownunknown1234"))],
        )
        .await;
    assert_resp(&r, 401, &unauthorized);

    let malformed = error(
        "INCORRECT_BASIC_AUTH_FORMAT",
        "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요.",
    );
    let r = env
        .get(
            "/v1/payments/abc",
            &[("authorization", "Basic !!!not-base64")],
        )
        .await;
    assert_resp(&r, 403, &malformed);
    // base64 of the secret key without the colon.
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    let secret = merchant["secretKey"].as_str().unwrap();
    use base64::Engine;
    let no_colon_header = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(secret)
    );
    let r = env
        .get("/v1/payments/abc", &[("authorization", &no_colon_header)])
        .await;
    assert_resp(&r, 403, &malformed);

    let client_key = merchant["clientKey"].as_str().unwrap();
    let r = env
        .get("/v1/payments/abc", &[("authorization", &basic(client_key))])
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        error("INVALID_API_KEY", "잘못된 시크릿키 연동 정보 입니다.")
    );
}

async fn toss_payments_errors_speak_english_on_request(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let r = env
        .get(
            "/v1/payments/abc",
            &[("authorization", &auth), ("accept-language", "en-US")],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        error("NOT_FOUND_PAYMENT", "The payment does not exist.")
    );
    let r = env
        .get("/v1/payments/abc", &[("accept-language", "en")])
        .await;
    assert_eq!(
        r.body["message"],
        "This is an unauthenticated secret key or client key."
    );
    let r = env
        .get(
            "/v1/payments/abc",
            &[("accept-language", "ko-KR,en-US;q=0.9")],
        )
        .await;
    assert_eq!(
        r.body["message"],
        "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."
    );
}

async fn apps_in_toss_unknown_paths_use_the_fail_envelope(env: TestEnv) {
    let expected = fail("NOT_FOUND", "요청한 API를 찾을 수 없어요.");
    for path in [
        "/api-partner/v1/apps-in-toss/no/such/api",
        "/api-partner/other",
    ] {
        let r = env.post(path, &[], &json!({})).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.body, expected, "{path}");
        assert!(
            r.text
                .starts_with(r#"{"resultType":"FAIL","success":null,"error":{"errorType":0,"#),
            "{}",
            r.text
        );
    }

    let r = env.get("/v1/brandpay/nothing-here", &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body, error("NOT_FOUND", "존재하지 않는 정보 입니다."));
    let r = env
        .request(Method::DELETE, "/v1/payments/abc", &[], None)
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        error(
            "NOT_FOUND_HTTP_METHOD",
            "존재하지 않는 HTTP 메소드 접근입니다."
        )
    );
    let r = env
        .request(
            Method::DELETE,
            "/v1/payments/abc",
            &[("accept-language", "en-US")],
            None,
        )
        .await;
    assert_eq!(r.body["code"], "NOT_FOUND_HTTP_METHOD");
}

async fn bad_bodies_get_the_family_error(env: TestEnv) {
    // The simulator refuses bad bodies with 400 and says why; never a 5xx or plain text.
    for body in [
        "{not json",
        "[1,2]",
        r#"{"seconds": "ten"}"#,
        r#"{"seconds": 1.5}"#,
        r#"{"seconds": -1}"#,
        "{}",
    ] {
        let r = env
            .request(Method::POST, "/sim/v1/clock/advance", &[], Some(body))
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.body["error"]["code"], "INVALID_REQUEST", "{body}");
    }
    let huge = format!(r#"{{"name": "{}"}}"#, "가".repeat(400_000));
    let r = env
        .request(Method::POST, "/sim/v1/users", &[], Some(&huge))
        .await;
    assert_eq!(r.status, 400);
    for body in [
        r#"{"gender": "X"}"#,
        r#"{"birthday": "19901301"}"#,
        r#"{"phone": "abc"}"#,
        r#"{"nationality": "MARS"}"#,
    ] {
        let r = env
            .request(Method::POST, "/sim/v1/users", &[], Some(body))
            .await;
        assert_eq!(r.status, 400, "{body}");
    }
}

async fn simulator_defaults_and_users(env: TestEnv) {
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    assert_eq!(app["name"], "default");
    assert_eq!(app["aad"], "TOSS");
    assert!(app["appId"].as_str().is_some_and(|id| !id.is_empty()));
    let client_id = app["clientId"].as_str().unwrap();
    assert!(
        client_id.len() == 32
            && client_id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD
        .decode(app["decryptionKey"].as_str().unwrap())
        .unwrap();
    assert_eq!(key.len(), 32);

    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    assert_eq!(merchant["mId"], "tosspayments");
    assert!(merchant["clientKey"]
        .as_str()
        .unwrap()
        .starts_with("test_ck_"));
    assert!(merchant["secretKey"]
        .as_str()
        .unwrap()
        .starts_with("test_sk_"));
    assert_eq!(merchant["secretKey"].as_str().unwrap().len(), 36);

    let hong = env
        .sim(Method::GET, "/sim/v1/users/123456789", Value::Null)
        .await;
    assert_eq!(hong["name"], "홍길동");
    assert_eq!(hong["phone"], "1012345678");
    assert_eq!(hong["birthday"], "19900101");
    assert_eq!(hong["email"], "user@example.com");
    assert_eq!(hong["callingCode"], "82");
    assert_eq!(hong["pointsBalance"], 0);
    let ci = hong["ci"].as_str().unwrap();
    assert!(
        ci.starts_with("aaf7cb53") && ci.chars().count() == 88,
        "{ci}"
    );
    let younghee = env
        .sim(Method::GET, "/sim/v1/users/443731103", Value::Null)
        .await;
    assert_eq!(younghee["email"], Value::Null);
    assert_eq!(younghee["marketingConsent"], false);

    let created = env
        .request(
            Method::POST,
            "/sim/v1/users",
            &[],
            Some(r#"{"name": "박토스", "gender": "FEMALE", "email": "p@toss.im"}"#),
        )
        .await;
    assert_eq!(created.status, 201);
    let user_key = created.body["userKey"].as_i64().unwrap();
    assert!((100_000_000..=999_999_999).contains(&user_key));
    let fetched = env
        .sim(
            Method::GET,
            &format!("/sim/v1/users/{user_key}"),
            Value::Null,
        )
        .await;
    assert_eq!(fetched, created.body);
    assert_eq!(fetched["name"], "박토스");
    assert_eq!(fetched["gender"], "FEMALE");
    assert_eq!(fetched["nationality"], "LOCAL");
    assert!(fetched["birthday"].as_str().unwrap().len() == 8);

    // Every field generated when the body is empty.
    let generated = env.request(Method::POST, "/sim/v1/users", &[], None).await;
    assert_eq!(generated.status, 201);
    assert!(generated.body["name"]
        .as_str()
        .is_some_and(|n| !n.is_empty()));

    let r = env.get("/sim/v1/users/1", &[]).await;
    assert_eq!(r.status, 404);
    let r = env.get("/sim/v1/users/abc", &[]).await;
    assert_eq!(r.status, 400);
}

async fn clock_moves_forward_and_reset_restores_defaults(env: TestEnv) {
    let before = env.sim(Method::GET, "/sim/v1/clock", Value::Null).await;
    let advanced = advance(&env, 3600).await;
    let t0 = chrono::DateTime::parse_from_rfc3339(before["now"].as_str().unwrap()).unwrap();
    let t1 = chrono::DateTime::parse_from_rfc3339(advanced["now"].as_str().unwrap()).unwrap();
    let moved = (t1 - t0).num_seconds();
    assert!((3600..3660).contains(&moved), "moved {moved}s");
    assert!(advanced["nowKst"].as_str().unwrap().ends_with("+09:00"));

    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    let created = env.sim(Method::POST, "/sim/v1/users", json!({})).await;
    let user_key = created["userKey"].as_i64().unwrap();

    assert_eq!(
        env.sim(Method::POST, "/sim/v1/reset", Value::Null).await,
        json!({})
    );
    assert_eq!(
        env.get(&format!("/sim/v1/users/{user_key}"), &[])
            .await
            .status,
        404
    );
    assert_eq!(
        env.sim(Method::GET, "/sim/v1/users/123456789", Value::Null)
            .await["name"],
        "홍길동"
    );
    // Seeded values are deterministic: the same keys after a reset.
    assert_eq!(
        env.sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
            .await,
        merchant
    );
    let after = env.sim(Method::GET, "/sim/v1/clock", Value::Null).await;
    let t2 = chrono::DateTime::parse_from_rfc3339(after["now"].as_str().unwrap()).unwrap();
    assert!(
        (t2 - t0).num_seconds() < 60,
        "reset puts the offset back to zero"
    );
}

async fn ops_endpoints_answer(env: TestEnv) {
    let r = env.get("/healthz", &[]).await;
    assert_resp(&r, 200, &json!({"status": "ok"}));

    let r = env.get("/openapi.json", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = r.body["paths"].as_object().unwrap();
    for path in [
        "/v1/payments/{paymentKey}",
        "/v1/payments/orders/{orderId}",
        "/sim/v1/clock/advance",
        "/sim/v1/users",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }

    let r = env.get("/docs", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("/docs/swagger-ui-bundle.js") && !r.text.contains("https://"));
    assert_eq!(env.get("/docs/swagger-ui-bundle.js", &[]).await.status, 200);
    assert_eq!(env.get("/docs/swagger-ui.css", &[]).await.status, 200);

    env.get("/v1/payments/x", &[]).await;
    let r = env.get("/metrics", &[]).await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains(r#"tossd_http_requests_total{method="GET",route="/v1/payments/{paymentKey}",status="401"}"#),
        "{}",
        r.text
    );
    assert!(r
        .text
        .contains("tossd_http_request_duration_seconds_bucket"));
}

async fn two_servers_share_one_clock(env: TestEnv) {
    // Several processes on one database is the PostgreSQL deployment; on SQLite it happens when a
    // command such as `tossd apps create` writes beside a running server. Both must agree and not fail.
    let second = env.second_server(&[]).await;
    advance(&env, 86400).await;
    let r = send(
        env.client(),
        Method::GET,
        &format!("{}/sim/v1/clock", second.base_url()),
        &[],
        None,
    )
    .await;
    let t = chrono::DateTime::parse_from_rfc3339(r.body["now"].as_str().unwrap()).unwrap();
    assert!(
        (t.timestamp() - chrono::Utc::now().timestamp()) >= 86_399,
        "the second server sees the advance"
    );
    // Both servers seeded one database once: the same merchant keys.
    let mine = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    let theirs = send(
        env.client(),
        Method::GET,
        &format!("{}/sim/v1/merchants/default", second.base_url()),
        &[],
        None,
    )
    .await;
    assert_eq!(theirs.body, mine);
    // Writes from both at once all succeed (SQLite waits for its write lock instead of failing).
    let statuses = concurrently(40, |i| {
        let url = if i % 2 == 0 {
            env.url("/sim/v1/users")
        } else {
            format!("{}/sim/v1/users", second.base_url())
        };
        let client = env.client().clone();
        async move {
            send(&client, Method::POST, &url, &[], Some("{}"))
                .await
                .status
        }
    })
    .await;
    for status in statuses {
        assert_eq!(status, 201);
    }
    second.stop().await.unwrap();
}

async fn operator_endpoints_need_the_admin_token_when_one_is_set(env: TestEnv) {
    let guarded = env.second_server(&["--admin-token", "s3cret-token"]).await;
    let base = guarded.base_url();
    let client = env.client();
    for path in ["/sim/v1/clock", "/sim/v1/merchants/default", "/metrics"] {
        let url = format!("{base}{path}");
        let r = send(client, Method::GET, &url, &[], None).await;
        assert_eq!(r.status, 401, "{path} without a token");
        assert_eq!(r.body["error"]["code"], "UNAUTHORIZED");
        let r = send(
            client,
            Method::GET,
            &url,
            &[("authorization", "Bearer wrong")],
            None,
        )
        .await;
        assert_eq!(r.status, 401, "{path} with a wrong token");
        let r = send(
            client,
            Method::GET,
            &url,
            &[("authorization", "Bearer s3cret-token")],
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{path} with the token");
    }
    // The partner APIs and health are not operator endpoints.
    let r = send(client, Method::GET, &format!("{base}/healthz"), &[], None).await;
    assert_eq!(r.status, 200);
    let r = send(
        client,
        Method::GET,
        &format!("{base}/v1/payments/abc"),
        &[],
        None,
    )
    .await;
    assert_eq!(r.body["code"], "UNAUTHORIZED_KEY");
    guarded.stop().await.unwrap();
}

/// The served document passes an independent OpenAPI 3.1 validator (Python's openapi-spec-validator,
/// which `.ci/run` installs): every path parameter declared, operation ids unique, schemas well formed.
async fn openapi_document_passes_a_validator(env: TestEnv) {
    let document = env.get("/openapi.json", &[]).await.text;
    let script = "import json, sys\n\
from openapi_spec_validator import OpenAPIV31SpecValidator\n\
errors = [str(e).splitlines()[0] for e in OpenAPIV31SpecValidator(json.load(sys.stdin)).iter_errors()]\n\
print('\\n'.join(errors))\n\
sys.exit(1 if errors else 0)\n";
    let output = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs (the validator is installed by .ci/run: pip install openapi-spec-validator)");
        child.stdin.take().unwrap().write_all(document.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "the OpenAPI document is not valid:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `tossd serve` as users run it: the first lines name the URL, database, keys and docs; SIGTERM stops it
/// cleanly (exit 0).
async fn the_binary_prints_its_keys_and_stops_gracefully_on_sigterm(env: TestEnv) {
    use tokio::io::AsyncBufReadExt;
    let (mut child, listen) = spawn_binary(env.database_url(), &[], std::process::Stdio::piped());
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line()).await
    {
        let done = line.contains("API docs");
        banner.push(line);
        if done {
            break;
        }
    }
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    let banner = banner.join("\n");
    assert!(
        banner.starts_with(&format!(
            "tossd {} listening on http://{listen}",
            env!("CARGO_PKG_VERSION")
        )),
        "{banner}"
    );
    for expected in [
        format!("client key    {}", merchant["clientKey"].as_str().unwrap()),
        format!("secret key    {}", merchant["secretKey"].as_str().unwrap()),
        format!("API docs      http://{listen}/docs"),
    ] {
        assert!(
            banner.contains(&expected),
            "missing {expected:?} in:\n{banner}"
        );
    }
    let r = send(
        env.client(),
        Method::GET,
        &format!("http://{listen}/healthz"),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 200);

    let pid = child.id().expect("a running child").to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(15), child.wait())
        .await
        .expect("tossd stops within 15 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "tossd exited with {status}");
}
