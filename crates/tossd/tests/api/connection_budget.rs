//! The connection budget (`--database-max-connections`, `--database-acquire-timeout`): a PostgreSQL server
//! that stops accepting connections gets each family's documented 500 — never a hang or a dropped
//! connection — and tossd serves again as soon as connections are accepted.

use reqwest::Method;
use serde_json::json;
use sqlx::Executor;

use crate::common::{admin_pool, assert_resp, error, fail, run, Backend, TestEnv};

#[tokio::test]
async fn a_refusing_postgres_gets_the_family_500_and_tossd_recovers() {
    run(
        Backend::Postgres,
        &["--database-acquire-timeout", "1"],
        refusing_postgres,
    )
    .await;
}

async fn refusing_postgres(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let p = env
        .sim(
            Method::POST,
            "/sim/v1/payments",
            json!({"orderId": "order-budget-1", "orderName": "연결", "amount": 1000}),
        )
        .await;
    let path = format!("/v1/payments/{}", p["paymentKey"].as_str().unwrap());
    assert_resp(&env.get(&path, &[("authorization", &auth)]).await, 200, &p);

    let url = env.database_url().to_owned();
    let database = &url[url.rfind('/').unwrap() + 1..];
    let admin = admin_pool().await;
    // ALLOW_CONNECTIONS binds superusers too (CONNECTION LIMIT would not); then end tossd's sessions.
    admin
        .execute(format!("ALTER DATABASE {database} ALLOW_CONNECTIONS false").as_str())
        .await
        .unwrap();
    admin
        .execute(
            format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
            )
            .as_str(),
        )
        .await
        .unwrap();

    assert_resp(
        &env.get(&path, &[("authorization", &auth)]).await,
        500,
        &error(
            "COMMON_ERROR",
            "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.",
        ),
    );
    let r = env
        .post(
            "/api-partner/v1/apps-in-toss/user/oauth2/generate-token",
            &[],
            &json!({"authorizationCode": "x", "referrer": "DEFAULT"}),
        )
        .await;
    assert_resp(
        &r,
        500,
        &fail(
            "INTERNAL_ERROR",
            "요청을 처리하는 도중에 문제가 발생했습니다.",
        ),
    );

    admin
        .execute(format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true").as_str())
        .await
        .unwrap();
    admin.close().await;
    assert_resp(&env.get(&path, &[("authorization", &auth)]).await, 200, &p);
}
