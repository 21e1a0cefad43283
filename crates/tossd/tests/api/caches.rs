//! Reads answer from memory where they can (merchant keys, partner apps, the JWT key; docs/benchmarks.md,
//! "Caches"), yet a change made by another process on the same database is seen by the very next request:
//! key rotation, reset, app settings and the clock. The other process is the real binary where it can
//! be (key rotation happens at start), otherwise a second server with its own pools and cache.

use reqwest::Method;
use serde_json::{json, Value};

use crate::on_both_backends;

use crate::common::{
    advance_at, assert_resp, basic, bearer, error, invalid_grant, login_tokens, send, spawn_binary,
    unauthorized_key, TestEnv,
};

on_both_backends!(
    key_rotation_by_another_process_is_seen_at_once,
    reset_by_another_process_is_seen_at_once,
    app_settings_changed_by_another_process_are_seen_at_once,
    clock_advanced_by_another_process_ends_tokens_at_once,
);

const HONG: i64 = 123456789;
const LOGIN_ME: &str = "/api-partner/v1/apps-in-toss/user/oauth2/login-me";
const ROTATED_SECRET: &str = "test_sk_rotatedRotatedRotated0000001";
const ROTATED_CLIENT: &str = "test_ck_rotatedRotatedRotated0000001";

async fn payment(env: &TestEnv, order_id: &str) -> Value {
    env.sim(
        Method::POST,
        "/sim/v1/payments",
        json!({"orderId": order_id, "orderName": "캐시", "amount": 5000}),
    )
    .await
}

async fn login_me(env: &TestEnv, token: &str) -> crate::common::Resp {
    env.get(LOGIN_ME, &[("authorization", &bearer(token))])
        .await
}

/// The other process: `tossd serve` on the same database, healthy.
async fn other_process(env: &TestEnv, flags: &[&str]) -> (tokio::process::Child, String) {
    let (child, listen) = spawn_binary(env.database_url(), flags, std::process::Stdio::null());
    let base = format!("http://{listen}");
    for _ in 0..600 {
        if let Ok(r) = env.client().get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                return (child, base);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the other tossd process did not become healthy");
}

async fn key_rotation_by_another_process_is_seen_at_once(env: TestEnv) {
    let old = env.merchant_basic().await;
    let p = payment(&env, "order-cache-1").await;
    let by_key = format!("/v1/payments/{}", p["paymentKey"].as_str().unwrap());
    let by_order = "/v1/payments/orders/order-cache-1";
    // Warm this server's cache with the old key, for both lookups.
    for path in [by_key.as_str(), by_order] {
        assert_resp(&env.get(path, &[("authorization", &old)]).await, 200, &p);
    }
    // A read that does not check the epoch itself never answers from the cache either.
    let promotions = "/v1/brandpay/promotions/card";
    assert_eq!(
        env.get(promotions, &[("authorization", &old)]).await.status,
        200
    );
    // Another process starts with other default keys: seeding replaces the default merchant's keys.
    let (mut other, _) = other_process(
        &env,
        &[
            "--secret-key",
            ROTATED_SECRET,
            "--client-key",
            ROTATED_CLIENT,
        ],
    )
    .await;
    let unauthorized = unauthorized_key();
    for path in [by_key.as_str(), by_order] {
        assert_resp(
            &env.get(path, &[("authorization", &old)]).await,
            401,
            &unauthorized,
        );
        assert_resp(
            &env.get(path, &[("authorization", &basic(ROTATED_SECRET))])
                .await,
            200,
            &p,
        );
    }
    assert_resp(
        &env.get(promotions, &[("authorization", &old)]).await,
        401,
        &unauthorized,
    );
    other.kill().await.unwrap();
}

async fn reset_by_another_process_is_seen_at_once(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let p = payment(&env, "order-cache-2").await;
    let by_key = format!("/v1/payments/{}", p["paymentKey"].as_str().unwrap());
    let token = login_tokens(&env, HONG).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_resp(
        &env.get(&by_key, &[("authorization", &auth)]).await,
        200,
        &p,
    );
    assert_eq!(login_me(&env, &token).await.status, 200);

    let second = env.second_server(&[]).await;
    let r = send(
        env.client(),
        Method::POST,
        &format!("{}/sim/v1/reset", second.base_url()),
        &[],
        None,
    )
    .await;
    assert!(r.status < 300, "{} {}", r.status, r.text);
    // The same seed gives the same keys: the key still works, the payment and the token are gone.
    assert_resp(
        &env.get(&by_key, &[("authorization", &auth)]).await,
        404,
        &error("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다."),
    );
    assert_resp(&login_me(&env, &token).await, 401, &invalid_grant());
    second.stop().await.unwrap();
}

async fn app_settings_changed_by_another_process_are_seen_at_once(env: TestEnv) {
    let token = login_tokens(&env, HONG).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let user = env
        .sim(Method::GET, &format!("/sim/v1/users/{HONG}"), Value::Null)
        .await;
    let before = login_me(&env, &token).await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert_ne!(before.body["success"]["name"], user["name"], "encrypted");

    let second = env.second_server(&[]).await;
    let r = send(
        env.client(),
        Method::PATCH,
        &format!("{}/sim/v1/apps/default", second.base_url()),
        &[],
        Some(&json!({"plaintextPii": true}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = login_me(&env, &token).await;
    assert_eq!(after.status, 200, "{}", after.text);
    assert_eq!(after.body["success"]["name"], user["name"], "plaintext now");
    second.stop().await.unwrap();
}

async fn clock_advanced_by_another_process_ends_tokens_at_once(env: TestEnv) {
    let token = login_tokens(&env, HONG).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(login_me(&env, &token).await.status, 200);
    let second = env.second_server(&[]).await;
    advance_at(env.client(), &second.base_url(), 3600).await;
    assert_resp(&login_me(&env, &token).await, 401, &invalid_grant());
    second.stop().await.unwrap();
}
