//! Toss points promotions: keys, grants, budgets, settlement, per-user rate limit.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    advance, assert_resp, concurrently, fail, invalid_parameter, link_user, post_as,
    post_concurrently, successes, Servers, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    grant_flow_end_to_end,
    settlement_waits_for_the_delay,
    documented_errors_in_order,
    budget_is_debited_exactly_once_under_concurrency,
    one_key_grants_once_under_concurrency,
    rate_limit_is_ten_calls_a_minute_per_user,
    simulator_steers_promotions_and_grants,
    rate_limit_holds_across_processes,
);

const HONG: i64 = 123456789;
const KIM: i64 = 87654321;
const GET_KEY: &str = "/api-partner/v1/apps-in-toss/promotion/execute-promotion/get-key";
const EXECUTE: &str = "/api-partner/v1/apps-in-toss/promotion/execute-promotion";
const RESULT: &str = "/api-partner/v1/apps-in-toss/promotion/execution-result";

async fn new_key(env: &TestEnv, user_key: i64) -> String {
    let r = post_as(env, GET_KEY, user_key, &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["success"]["key"].as_str().expect("a key").to_owned()
}

async fn rate_limit(env: &TestEnv, per_minute: i64) {
    env.sim(
        Method::PATCH,
        "/sim/v1/apps/default",
        json!({"rateLimitPerMinute": per_minute}),
    )
    .await;
}

async fn points(env: &TestEnv, user_key: i64) -> Value {
    env.sim(
        Method::GET,
        &format!("/sim/v1/users/{user_key}/points"),
        Value::Null,
    )
    .await
}

async fn grant_flow_end_to_end(env: TestEnv) {
    link_user(&env, HONG).await;
    let key = new_key(&env, HONG).await;
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&key)
        .expect("standard base64");
    assert_eq!((key.len(), raw.len()), (44, 32));

    // The samples send an empty body; that works too, and every key is new.
    let r = env
        .request(
            Method::POST,
            GET_KEY,
            &[("X-Toss-User-Key", "123456789")],
            Some("not json"),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_ne!(r.body["success"]["key"].as_str(), Some(key.as_str()));

    let body = json!({"promotionCode": "DEFAULT_PROMOTION", "key": key, "amount": 100});
    let r = post_as(&env, EXECUTE, HONG, &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"resultType": "SUCCESS", "success": {"key": key}})
    );

    let r = post_as(
        &env,
        RESULT,
        HONG,
        &json!({"promotionCode": "DEFAULT_PROMOTION", "key": key}),
    )
    .await;
    assert_eq!(
        r.body,
        json!({"resultType": "SUCCESS", "success": "SUCCESS"})
    );

    let user = env
        .sim(Method::GET, &format!("/sim/v1/users/{HONG}"), Value::Null)
        .await;
    assert_eq!(user["pointsBalance"], 100);
    let p = points(&env, HONG).await;
    assert_eq!(p["pointsBalance"], 100);
    assert_eq!(p["grants"].as_array().unwrap().len(), 1);
    assert_eq!(p["grants"][0]["promotionCode"], "DEFAULT_PROMOTION");
    assert_eq!(p["grants"][0]["amount"], 100);
    assert_eq!(p["grants"][0]["status"], "SUCCESS");

    let promotion = env
        .sim(
            Method::GET,
            "/sim/v1/promotions/DEFAULT_PROMOTION",
            Value::Null,
        )
        .await;
    assert_eq!(
        promotion,
        json!({"promotionCode": "DEFAULT_PROMOTION", "budget": 1000000, "remainingBudget": 999900,
               "maxAmountPerGrant": 10000, "state": "RUNNING", "settleDelaySeconds": 0})
    );

    // The doc-example promotion is seeded too.
    let key = new_key(&env, HONG).await;
    let r = post_as(
        &env,
        EXECUTE,
        HONG,
        &json!({"promotionCode": "01JPPJ6SB66BQXXDAKRQZ6SZD7", "key": key, "amount": 10}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(points(&env, HONG).await["pointsBalance"], 110);

    let openapi = env.get("/openapi.json", &[]).await;
    for path in [
        GET_KEY,
        EXECUTE,
        RESULT,
        "/sim/v1/promotions",
        "/sim/v1/users/{userKey}/points",
    ] {
        assert!(openapi.body["paths"][path].is_object(), "{path} documented");
    }
}

async fn settlement_waits_for_the_delay(env: TestEnv) {
    link_user(&env, HONG).await;
    let created = env
        .sim(
            Method::POST,
            "/sim/v1/promotions",
            json!({"promotionCode": "SLOW", "budget": 1000, "settleDelaySeconds": 30}),
        )
        .await;
    assert_eq!(
        created,
        json!({"promotionCode": "SLOW", "budget": 1000, "remainingBudget": 1000,
               "maxAmountPerGrant": null, "state": "RUNNING", "settleDelaySeconds": 30})
    );
    let key = new_key(&env, HONG).await;
    let r = post_as(
        &env,
        EXECUTE,
        HONG,
        &json!({"promotionCode": "SLOW", "key": key, "amount": 70}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let result = json!({"promotionCode": "SLOW", "key": key});
    let r = post_as(&env, RESULT, HONG, &result).await;
    assert_eq!(
        r.body,
        json!({"resultType": "SUCCESS", "success": "PENDING"})
    );
    // The budget is debited at once, the points come later.
    assert_eq!(
        env.sim(Method::GET, "/sim/v1/promotions/SLOW", Value::Null)
            .await["remainingBudget"],
        930
    );
    assert_eq!(points(&env, HONG).await["pointsBalance"], 0);

    advance(&env, 29).await;
    let r = post_as(&env, RESULT, HONG, &result).await;
    assert_eq!(r.body["success"], "PENDING");
    advance(&env, 1).await;
    let r = post_as(&env, RESULT, HONG, &result).await;
    assert_eq!(
        r.body,
        json!({"resultType": "SUCCESS", "success": "SUCCESS"})
    );
    let p = points(&env, HONG).await;
    assert_eq!(p["pointsBalance"], 70);
    assert_eq!(p["grants"][0]["status"], "SUCCESS");

    // A clock advance settles what became due, even with nobody asking.
    let key = new_key(&env, HONG).await;
    post_as(
        &env,
        EXECUTE,
        HONG,
        &json!({"promotionCode": "SLOW", "key": key, "amount": 5}),
    )
    .await;
    advance(&env, 30).await;
    let user = env
        .sim(Method::GET, &format!("/sim/v1/users/{HONG}"), Value::Null)
        .await;
    assert_eq!(user["pointsBalance"], 75);
    let r = post_as(
        &env,
        RESULT,
        HONG,
        &json!({"promotionCode": "SLOW", "key": key}),
    )
    .await;
    assert_eq!(r.body["success"], "SUCCESS");
    assert_eq!(points(&env, HONG).await["pointsBalance"], 75);
}

async fn documented_errors_in_order(env: TestEnv) {
    rate_limit(&env, 0).await;
    link_user(&env, HONG).await;
    link_user(&env, KIM).await;

    let user_key_not_found = fail("USER_KEY_NOT_FOUND", "유저 키를 찾을 수 없어요.");
    for path in [GET_KEY, EXECUTE, RESULT] {
        let r = env.post(path, &[], &json!({})).await;
        assert_resp(&r, 401, &user_key_not_found);
        let r = env
            .post(
                path,
                &[("x-toss-user-key", "toss-user-key-abc123")],
                &json!({}),
            )
            .await;
        assert_resp(&r, 401, &user_key_not_found);
        // Known to Toss but never logged in to this app.
        let r = post_as(&env, path, 443731103, &json!({})).await;
        assert_resp(&r, 401, &user_key_not_found);
    }

    let key = new_key(&env, HONG).await;
    let invalid = invalid_parameter();
    for body in [
        json!({"promotionCode": "DEFAULT_PROMOTION", "key": key, "amount": 0}),
        json!({"promotionCode": "DEFAULT_PROMOTION", "key": key, "amount": -1}),
        json!({"promotionCode": "DEFAULT_PROMOTION", "key": key, "amount": "10"}),
        json!({"promotionCode": "DEFAULT_PROMOTION", "key": key, "amount": 1.5}),
        json!({"promotionCode": "DEFAULT_PROMOTION", "key": key}),
        json!({"promotionCode": "DEFAULT_PROMOTION", "amount": 10}),
        json!({"promotionCode": "", "key": key, "amount": 10}),
        json!({"promotionCode": null, "key": key, "amount": 10}),
        json!([1]),
    ] {
        let r = post_as(&env, EXECUTE, HONG, &body).await;
        assert_eq!((r.status, &r.body), (400, &invalid), "{body}");
    }
    let r = env
        .request(
            Method::POST,
            EXECUTE,
            &[("x-toss-user-key", "123456789")],
            Some("{not json"),
        )
        .await;
    assert_resp(&r, 400, &invalid);
    for body in [
        json!({"promotionCode": "DEFAULT_PROMOTION"}),
        json!({"key": key}),
    ] {
        let r = post_as(&env, RESULT, HONG, &body).await;
        assert_resp(&r, 400, &invalid);
    }

    let invalid_key = fail("INVALID_PROMOTION_KEY", "유효하지 않은 지급 키예요.");
    let execute = |key: &str, code: &str, amount: i64| json!({"promotionCode": code, "key": key, "amount": amount});
    let r = post_as(
        &env,
        EXECUTE,
        HONG,
        &execute("bm90LWEta2V5", "DEFAULT_PROMOTION", 10),
    )
    .await;
    assert_resp(&r, 400, &invalid_key);
    // Another user's key.
    let r = post_as(&env, EXECUTE, KIM, &execute(&key, "DEFAULT_PROMOTION", 10)).await;
    assert_resp(&r, 400, &invalid_key);

    // Promotion checks, each leaving the key usable.
    let r = post_as(&env, EXECUTE, HONG, &execute(&key, "NO_SUCH_PROMOTION", 10)).await;
    assert_resp(&r, 400, &fail("4100", "프로모션 정보를 찾을 수 없어요"));
    env.sim(
        Method::POST,
        "/sim/v1/promotions",
        json!({"promotionCode": "PAUSED", "budget": 1000, "state": "STOPPED"}),
    )
    .await;
    let r = post_as(&env, EXECUTE, HONG, &execute(&key, "PAUSED", 10)).await;
    assert_resp(&r, 400, &fail("4109", "프로모션이 실행중이 아니에요"));
    let r = post_as(
        &env,
        EXECUTE,
        HONG,
        &execute(&key, "DEFAULT_PROMOTION", 10001),
    )
    .await;
    assert_resp(&r, 400, &fail("4114", "1회 지급 금액을 초과했어요"));
    env.sim(
        Method::POST,
        "/sim/v1/promotions",
        json!({"promotionCode": "SMALL", "budget": 1000}),
    )
    .await;
    let r = post_as(&env, EXECUTE, HONG, &execute(&key, "SMALL", 1001)).await;
    assert_resp(&r, 400, &fail("4116", "최대 지급 금액이 예산을 초과했어요"));
    let r = post_as(&env, EXECUTE, HONG, &execute(&key, "SMALL", 600)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let second = new_key(&env, HONG).await;
    let r = post_as(&env, EXECUTE, HONG, &execute(&second, "SMALL", 500)).await;
    assert_resp(&r, 400, &fail("4112", "프로모션 머니가 부족해요"));

    // A used key says so first, whatever promotion or amount comes with it.
    let already = fail("4113", "이미 지급/회수된 내역이에요");
    for body in [
        execute(&key, "SMALL", 600),
        execute(&key, "NO_SUCH_PROMOTION", 10),
        execute(&key, "SMALL", 999_999),
    ] {
        let r = post_as(&env, EXECUTE, HONG, &body).await;
        assert_resp(&r, 400, &already);
    }
    // ...but to another user it is just invalid.
    let r = post_as(&env, EXECUTE, KIM, &execute(&key, "SMALL", 1)).await;
    assert_resp(&r, 400, &invalid_key);

    // Result lookups.
    let not_found = fail("4111", "리워드 지급내역을 찾을 수 없어요");
    let r = post_as(
        &env,
        RESULT,
        HONG,
        &json!({"promotionCode": "NO_SUCH_PROMOTION", "key": key}),
    )
    .await;
    assert_resp(&r, 400, &fail("4100", "프로모션 정보를 찾을 수 없어요"));
    for (code, k, user) in [
        ("DEFAULT_PROMOTION", key.as_str(), HONG),
        ("SMALL", second.as_str(), HONG),
        ("SMALL", key.as_str(), KIM),
    ] {
        let r = post_as(
            &env,
            RESULT,
            user,
            &json!({"promotionCode": code, "key": k}),
        )
        .await;
        assert_resp(&r, 400, &not_found);
    }

    // A key expires one hour after issue unless it was used.
    let r = post_as(&env, EXECUTE, HONG, &execute(&second, "SMALL", 400)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let third = new_key(&env, HONG).await;
    advance(&env, 3600).await;
    let r = post_as(
        &env,
        EXECUTE,
        HONG,
        &execute(&third, "DEFAULT_PROMOTION", 10),
    )
    .await;
    assert_resp(&r, 400, &invalid_key);
    let r = post_as(&env, EXECUTE, HONG, &execute(&second, "SMALL", 400)).await;
    assert_resp(&r, 400, &already);
    // SMALL spent its whole budget and stopped itself.
    let small = env
        .sim(Method::GET, "/sim/v1/promotions/SMALL", Value::Null)
        .await;
    assert_eq!(
        (small["remainingBudget"].as_i64(), small["state"].as_str()),
        (Some(0), Some("ENDED"))
    );
    assert_eq!(points(&env, HONG).await["pointsBalance"], 1000);
}

async fn budget_is_debited_exactly_once_under_concurrency(env: TestEnv) {
    rate_limit(&env, 0).await;
    let users = [HONG, KIM, 443731103];
    for user in users {
        link_user(&env, user).await;
    }
    env.sim(
        Method::POST,
        "/sim/v1/promotions",
        json!({"promotionCode": "TEN_GRANTS", "budget": 1000, "maxAmountPerGrant": 100}),
    )
    .await;
    let mut keys = Vec::new();
    for i in 0..100 {
        let user = users[i % users.len()];
        keys.push((user, new_key(&env, user).await));
    }
    let responses = concurrently(keys.len(), |i| {
        let env = env.clone();
        let (user, key) = keys[i].clone();
        async move {
            post_as(
                &env,
                EXECUTE,
                user,
                &json!({"promotionCode": "TEN_GRANTS", "key": key, "amount": 100}),
            )
            .await
        }
    })
    .await;
    let mut successes = 0;
    for r in &responses {
        if r.status == 200 {
            successes += 1;
        } else {
            assert_eq!(r.status, 400, "{}", r.text);
            let code = r.body["error"]["errorCode"].as_str().unwrap_or_default();
            assert!(code == "4112" || code == "4109", "{}", r.text);
        }
    }
    assert_eq!(successes, 10);
    let promotion = env
        .sim(Method::GET, "/sim/v1/promotions/TEN_GRANTS", Value::Null)
        .await;
    assert_eq!(promotion["remainingBudget"], 0);
    assert_eq!(promotion["state"], "ENDED");
    let mut credited = 0;
    for user in users {
        credited += points(&env, user).await["pointsBalance"].as_i64().unwrap();
    }
    assert_eq!(credited, 1000);
}

async fn one_key_grants_once_under_concurrency(env: TestEnv) {
    rate_limit(&env, 0).await;
    link_user(&env, HONG).await;
    let key = new_key(&env, HONG).await;
    let responses = concurrently(20, |_| {
        let env = env.clone();
        let key = key.clone();
        async move {
            post_as(
                &env,
                EXECUTE,
                HONG,
                &json!({"promotionCode": "DEFAULT_PROMOTION", "key": key, "amount": 50}),
            )
            .await
        }
    })
    .await;
    let already = fail("4113", "이미 지급/회수된 내역이에요");
    assert_eq!(successes(&responses, 400, &already).len(), 1);
    assert_eq!(points(&env, HONG).await["pointsBalance"], 50);
    let promotion = env
        .sim(
            Method::GET,
            "/sim/v1/promotions/DEFAULT_PROMOTION",
            Value::Null,
        )
        .await;
    assert_eq!(promotion["remainingBudget"], 999_950);
}

async fn rate_limit_is_ten_calls_a_minute_per_user(env: TestEnv) {
    link_user(&env, HONG).await;
    link_user(&env, KIM).await;
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    assert_eq!(app["rateLimitPerMinute"], 10);

    // Business errors count too; the three endpoints share one bucket.
    for _ in 0..8 {
        new_key(&env, HONG).await;
    }
    let r = post_as(&env, EXECUTE, HONG, &json!({"amount": 0})).await;
    assert_eq!(r.status, 400);
    let r = post_as(
        &env,
        RESULT,
        HONG,
        &json!({"promotionCode": "DEFAULT_PROMOTION", "key": "x"}),
    )
    .await;
    assert_eq!(r.body["error"]["errorCode"], "4111");

    let r = post_as(&env, GET_KEY, HONG, &json!({})).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.body["resultType"], "FAIL");
    assert_eq!(r.body["error"]["errorCode"], "4095");
    assert_eq!(
        r.body["error"]["reason"],
        "요청 가능한 횟수를 초과했어요. 잠시 후 다시 시도해 주세요."
    );
    let retry = r.body["error"]["data"]["retryAfterSeconds"]
        .as_i64()
        .expect("retryAfterSeconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // Refused calls do not count, and the limit is per user.
    let r = post_as(&env, EXECUTE, HONG, &json!({})).await;
    assert_eq!(r.body["error"]["errorCode"], "4095");
    new_key(&env, KIM).await;

    advance(&env, 60).await;
    new_key(&env, HONG).await;

    // Configurable per app; 0 switches it off.
    rate_limit(&env, 0).await;
    for _ in 0..15 {
        new_key(&env, HONG).await;
    }
    rate_limit(&env, 2).await;
    new_key(&env, KIM).await;
    new_key(&env, KIM).await;
    let r = post_as(&env, GET_KEY, KIM, &json!({})).await;
    assert_eq!(r.body["error"]["errorCode"], "4095");

    let r = env
        .request(
            Method::PATCH,
            "/sim/v1/apps/default",
            &[],
            Some(r#"{"rateLimitPerMinute": -1}"#),
        )
        .await;
    assert_eq!(r.status, 400);
}

async fn simulator_steers_promotions_and_grants(env: TestEnv) {
    rate_limit(&env, 0).await;
    link_user(&env, HONG).await;
    env.sim(
        Method::POST,
        "/sim/v1/promotions",
        json!({"promotionCode": "STEERED", "budget": 100, "state": "NOT_STARTED", "settleDelaySeconds": 10}),
    )
    .await;
    let execute =
        |key: &str, amount: i64| json!({"promotionCode": "STEERED", "key": key, "amount": amount});
    let key = new_key(&env, HONG).await;
    let r = post_as(&env, EXECUTE, HONG, &execute(&key, 10)).await;
    assert_eq!(r.body["error"]["errorCode"], "4109");
    let patch = |body: Value| {
        let env = env.clone();
        async move {
            env.sim(Method::PATCH, "/sim/v1/promotions/STEERED", body)
                .await
        }
    };
    assert_eq!(patch(json!({"state": "RUNNING"})).await["state"], "RUNNING");

    // An injected internal failure leaves the key usable.
    patch(json!({"failNextExecutions": 1})).await;
    let r = post_as(&env, EXECUTE, HONG, &execute(&key, 60)).await;
    assert_resp(&r, 400, &fail("4110", "리워드를 지급/회수할 수 없어요"));
    let r = post_as(&env, EXECUTE, HONG, &execute(&key, 60)).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // The operator fails the pending grant: FAILED, the budget comes back, no points.
    let view = env
        .sim(
            Method::POST,
            "/sim/v1/promotions/STEERED/fail-grant",
            json!({"key": key}),
        )
        .await;
    assert_eq!(view["remainingBudget"], 100);
    let r = post_as(
        &env,
        RESULT,
        HONG,
        &json!({"promotionCode": "STEERED", "key": key}),
    )
    .await;
    assert_eq!(
        r.body,
        json!({"resultType": "SUCCESS", "success": "FAILED"})
    );
    advance(&env, 10).await;
    assert_eq!(points(&env, HONG).await["pointsBalance"], 0);
    let r = env
        .request(
            Method::POST,
            "/sim/v1/promotions/STEERED/fail-grant",
            &[],
            Some(&json!({"key": key}).to_string()),
        )
        .await;
    assert_eq!(r.status, 409);

    // Spending everything ends the promotion; more budget runs it again.
    let key = new_key(&env, HONG).await;
    post_as(&env, EXECUTE, HONG, &execute(&key, 100)).await;
    let view = env
        .sim(Method::GET, "/sim/v1/promotions/STEERED", Value::Null)
        .await;
    assert_eq!(
        (view["state"].as_str(), view["remainingBudget"].as_i64()),
        (Some("ENDED"), Some(0))
    );
    let key = new_key(&env, HONG).await;
    let r = post_as(&env, EXECUTE, HONG, &execute(&key, 1)).await;
    assert_eq!(r.body["error"]["errorCode"], "4109");
    let view = patch(json!({"budgetIncrease": 50})).await;
    assert_eq!(
        (
            view["state"].as_str(),
            view["budget"].as_i64(),
            view["remainingBudget"].as_i64()
        ),
        (Some("RUNNING"), Some(150), Some(50))
    );
    let r = post_as(&env, EXECUTE, HONG, &execute(&key, 50)).await;
    assert_eq!(r.status, 200, "{}", r.text);

    for (path, body) in [
        (
            "/sim/v1/promotions",
            json!({"promotionCode": "bad code", "budget": 1}),
        ),
        (
            "/sim/v1/promotions",
            json!({"promotionCode": "OK", "budget": 0}),
        ),
        (
            "/sim/v1/promotions",
            json!({"promotionCode": "OK", "budget": 1, "state": "PAUSED"}),
        ),
        (
            "/sim/v1/promotions",
            json!({"promotionCode": "OK", "budget": 1, "maxAmountPerGrant": 0}),
        ),
        (
            "/sim/v1/promotions",
            json!({"promotionCode": "OK", "budget": 1, "settleDelaySeconds": -1}),
        ),
    ] {
        let r = env
            .request(Method::POST, path, &[], Some(&body.to_string()))
            .await;
        assert_eq!(r.status, 400, "{body}");
    }
    let r = env.get("/sim/v1/promotions/NOPE", &[]).await;
    assert_eq!(r.status, 404);
}

/// Two tossd processes on one PostgreSQL count one user in one bucket.
async fn rate_limit_holds_across_processes(env: TestEnv) {
    link_user(&env, HONG).await;
    let servers = Servers::of(&env).await;
    let responses = post_concurrently(
        &env,
        &servers,
        30,
        GET_KEY,
        &[("x-toss-user-key", "123456789")],
        "{}",
    )
    .await;
    let mut passed = 0;
    for r in &responses {
        match r.status {
            200 => passed += 1,
            403 => assert_eq!(r.body["error"]["errorCode"], "4095"),
            other => panic!("{other}: {}", r.text),
        }
    }
    assert_eq!(passed, 10);
    servers.stop().await;
}
