//! Hostile input answers the family's documented 4xx envelope and changes nothing: NUL characters in
//! identifiers (PostgreSQL text cannot hold them), percent-encoded bytes that are not UTF-8, amounts at the
//! edges of i64, clock advances past the last four-digit year, and `"cancelAmount": null`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    assert_resp, error, exec_sql, fail, invalid_parameter, invalid_request, link_user, post_as,
    TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    nul_in_identifiers_is_not_found_or_invalid,
    path_bytes_that_are_not_utf8_get_the_family_envelope,
    amounts_at_the_edges_of_i64_are_exact_or_refused,
    the_clock_stops_at_the_last_four_digit_year,
    an_explicit_null_cancel_amount_cancels_the_balance,
);

fn not_found_payment() -> Value {
    error("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.")
}

fn sim_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

fn sim_not_found() -> Value {
    sim_error(
        "NOT_FOUND",
        "nothing has this identifier: path parameters are text without NUL",
    )
}

fn sim_nul() -> Value {
    sim_error(
        "INVALID_REQUEST",
        "text must not contain the NUL character (U+0000)",
    )
}

async fn count(env: &TestEnv, table: &str) -> i64 {
    let pool = env.db().await;
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

async fn nul_in_identifiers_is_not_found_or_invalid(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let basic = [("authorization", auth.as_str())];
    // Toss Payments: a path identifier with NUL names no payment, like any unknown one.
    for path in ["/v1/payments/ab%00cd", "/v1/payments/orders/ab%00cd"] {
        assert_resp(&env.get(path, &basic).await, 404, &not_found_payment());
    }
    let r = env
        .post(
            "/v1/payments/ab%00cd/cancel",
            &basic,
            &json!({"cancelReason": "고객 변심"}),
        )
        .await;
    assert_resp(&r, 404, &not_found_payment());
    let r = env
        .get("/v1/brandpay/payments/methods/ab%00cd", &basic)
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("INVALID_CUSTOMER_KEY"))
    );
    let r = env
        .get("/v1/brandpay/terms?customerKey=ab%00cd", &basic)
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("INVALID_CUSTOMER_KEY"))
    );
    // In a body, a NUL anywhere is malformed input.
    for (path, body) in [
        (
            "/v1/brandpay/terms/agree",
            json!({"customerKey": "ab\u{0}cd", "scope": ["REGISTER"], "termsId": [1]}),
        ),
        (
            "/v1/brandpay/payments/confirm",
            json!({"paymentKey": "ab\u{0}cd", "orderId": "order-nul-1", "amount": 1000,
                   "customerKey": "customer-1"}),
        ),
    ] {
        assert_resp(
            &env.post(path, &basic, &body).await,
            400,
            &invalid_request(),
        );
    }

    // Apps-in-Toss: bodies only (it has no path identifiers).
    link_user(&env, 123456789).await;
    let ait = "/api-partner/v1/apps-in-toss";
    let r = post_as(
        &env,
        &format!("{ait}/pay/make-payment"),
        123456789,
        &json!({"orderNo": "ord\u{0}er", "productDesc": "상품", "amount": 1000, "amountTaxFree": 0,
                "isTestPayment": true}),
    )
    .await;
    assert_resp(&r, 400, &invalid_parameter());
    assert_eq!(count(&env, "ait_payments").await, 0, "nothing was made");
    for (path, body) in [
        ("/order/get-order-status", json!({"orderId": "ab\u{0}cd"})),
        (
            "/user/oauth2/generate-token",
            json!({"authorizationCode": "ab\u{0}cd", "referrer": "DEFAULT"}),
        ),
    ] {
        let r = env.post(&format!("{ait}{path}"), &[], &body).await;
        assert_resp(&r, 400, &invalid_parameter());
    }

    // Simulator: path identifiers are not found, bodies and queries malformed.
    for path in [
        "/sim/v1/promotions/ab%00cd",
        "/sim/v1/users/1%00/points",
        "/sim/pay/ab%00cd",
    ] {
        assert_resp(&env.get(path, &[]).await, 404, &sim_not_found());
    }
    let r = env
        .post(
            "/sim/v1/payments",
            &[],
            &json!({"orderId": "order-nul-2", "orderName": "이름\u{0}", "amount": 1000}),
        )
        .await;
    assert_resp(&r, 400, &sim_nul());
    assert_eq!(count(&env, "tp_payments").await, 0, "nothing was made");
    let r = env
        .post(
            "/sim/v1/brandpay/promotions?mid=ab%00",
            &[],
            &json!({"kind": "CARD_DISCOUNT"}),
        )
        .await;
    assert_resp(&r, 400, &sim_nul());

    // Everything still answers.
    let r = env.get("/healthz", &[]).await;
    assert_eq!(r.status, 200);
}

async fn path_bytes_that_are_not_utf8_get_the_family_envelope(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let basic = [("authorization", auth.as_str())];
    for path in ["/v1/payments/%FF%FE", "/v1/payments/orders/%C3%28"] {
        let r = env.get(path, &basic).await;
        assert_resp(&r, 404, &not_found_payment());
        assert_eq!(r.headers["content-type"], "application/json;charset=UTF-8");
    }
    let r = env.get("/v1/brandpay/payments/methods/%FF", &basic).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("INVALID_CUSTOMER_KEY"))
    );
    let r = env.get("/api-partner/v1/apps-in-toss/%FF", &[]).await;
    assert_resp(&r, 404, &fail("NOT_FOUND", "요청한 API를 찾을 수 없어요."));
    for path in [
        "/sim/v1/promotions/%FF",
        "/sim/v1/users/%FF",
        "/sim/v1/iap/orders/%FF/status",
        "/sim/pay/%FF",
    ] {
        let method = if path.contains("/iap/") {
            Method::POST
        } else {
            Method::GET
        };
        let r = env.request(method, path, &[], Some("{}")).await;
        assert_resp(&r, 404, &sim_not_found());
    }
}

async fn amounts_at_the_edges_of_i64_are_exact_or_refused(env: TestEnv) {
    // 5e18 once answered a negative vat; the largest i64 splits exactly too.
    let p = env
        .approved_payment("order-huge-1", 5_000_000_000_000_000_000, 0)
        .await;
    assert_eq!(
        (&p["vat"], &p["suppliedAmount"]),
        (
            &json!(454_545_454_545_454_545_i64),
            &json!(4_545_454_545_454_545_455_i64)
        )
    );
    let p = env.approved_payment("order-huge-2", i64::MAX, 1).await;
    assert_eq!(p["vat"], json!(838_488_366_986_797_801_i64));
    assert_eq!(
        p["suppliedAmount"].as_i64().unwrap() + p["vat"].as_i64().unwrap() + 1,
        i64::MAX
    );
    for amount in [json!(0), json!(-1), json!(i64::MIN)] {
        let r = env
            .post(
                "/sim/v1/payments",
                &[],
                &json!({"orderId": "order-huge-3", "orderName": "x", "amount": amount}),
            )
            .await;
        assert_eq!(
            (r.status, r.body["error"]["code"].as_str()),
            (400, Some("INVALID_REQUEST")),
            "{}",
            r.text
        );
    }
    let r = env
        .request(
            Method::POST,
            "/sim/v1/payments",
            &[],
            Some(r#"{"orderId": "order-huge-3", "orderName": "x", "amount": 9223372036854775808}"#),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);

    // Cancelling more than the balance, then all of it, stays exact.
    let auth = env.merchant_basic().await;
    let key = p["paymentKey"].as_str().unwrap();
    let cancel = format!("/v1/payments/{key}/cancel");
    let r = env
        .post(
            &cancel,
            &[("authorization", &auth)],
            &json!({"cancelReason": "x", "cancelAmount": i64::MAX, "refundableAmount": i64::MAX}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (&r.body["balanceAmount"], &r.body["vat"], &r.body["status"]),
        (&json!(0), &json!(0), &json!("CANCELED"))
    );

    // Toss Pay: amounts are bounded where Toss bounds them (1 to 9,999,999).
    link_user(&env, 123456789).await;
    for amount in [10_000_000_i64, i64::MAX] {
        let r = post_as(
            &env,
            "/api-partner/v1/apps-in-toss/pay/make-payment",
            123456789,
            &json!({"orderNo": "huge-1", "productDesc": "상품", "amount": amount,
                    "amountTaxFree": 0, "isTestPayment": true}),
        )
        .await;
        assert_resp(&r, 400, &invalid_parameter());
    }

    // A promotion's budget cannot be raised past the largest i64.
    let code = "HUGE_PROMOTION";
    env.sim(
        Method::POST,
        "/sim/v1/promotions",
        json!({"promotionCode": code, "budget": i64::MAX - 10}),
    )
    .await;
    let r = env
        .request(
            Method::PATCH,
            &format!("/sim/v1/promotions/{code}"),
            &[],
            Some(&json!({"budgetIncrease": 11}).to_string()),
        )
        .await;
    assert_resp(
        &r,
        400,
        &sim_error(
            "INVALID_REQUEST",
            "budgetIncrease would take the budget past 9223372036854775807",
        ),
    );
    let view = env
        .sim(
            Method::GET,
            &format!("/sim/v1/promotions/{code}"),
            Value::Null,
        )
        .await;
    assert_eq!(view["budget"], json!(i64::MAX - 10), "unchanged");
    let r = env
        .request(
            Method::PATCH,
            &format!("/sim/v1/promotions/{code}"),
            &[],
            Some(&json!({"budgetIncrease": 10}).to_string()),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["budget"]),
        (200, &json!(i64::MAX)),
        "{}",
        r.text
    );

    // A points balance at the top stops there instead of overflowing when a grant settles.
    exec_sql(
        &env,
        &format!(
            "UPDATE users SET points_balance = {} WHERE user_key = 123456789",
            i64::MAX - 5
        ),
    )
    .await;
    let r = post_as(
        &env,
        "/api-partner/v1/apps-in-toss/promotion/execute-promotion/get-key",
        123456789,
        &json!({}),
    )
    .await;
    let key = r.body["success"]["key"].as_str().expect("key").to_owned();
    let r = post_as(
        &env,
        "/api-partner/v1/apps-in-toss/promotion/execute-promotion",
        123456789,
        &json!({"promotionCode": code, "key": key, "amount": 10}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = env
        .post("/sim/v1/clock/advance", &[], &json!({"seconds": 86400}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let points = env
        .sim(Method::GET, "/sim/v1/users/123456789/points", Value::Null)
        .await;
    assert_eq!(points["pointsBalance"], json!(i64::MAX), "{points}");
}

async fn the_clock_stops_at_the_last_four_digit_year(env: TestEnv) {
    let refused_range = json!({"error": {"code": "INVALID_REQUEST",
        "message": "seconds must be a whole number from 0 to 3153600000 (100 years)"}});
    // Time never runs backwards (docs/reference.md §1.9): negative advances are refused.
    for seconds in [json!(-1), json!(-3153600000_i64), json!(i64::MIN)] {
        let r = env
            .post("/sim/v1/clock/advance", &[], &json!({ "seconds": seconds }))
            .await;
        assert_resp(&r, 400, &refused_range);
    }
    let mut last = env.get("/sim/v1/clock", &[]).await.body;
    let mut advances = 0;
    loop {
        let r = env
            .post(
                "/sim/v1/clock/advance",
                &[],
                &json!({"seconds": 3153600000_i64}),
            )
            .await;
        if r.status != 200 {
            assert_resp(
                &r,
                400,
                &json!({"error": {"code": "INVALID_REQUEST",
                    "message": "the clock cannot pass 9999-12-31T23:59:59+09:00 (the last four-digit year)"}}),
            );
            break;
        }
        advances += 1;
        assert!(advances < 100, "the clock must stop before year 10000");
        last = r.body;
    }
    assert!(advances >= 75, "{advances} advances of 100 years");
    let now = env.get("/sim/v1/clock", &[]).await.body;
    assert_eq!(now["now"].as_str().map(|t| &t[..2]), Some("99"), "{now}");
    assert!(
        now["now"].as_str() >= last["now"].as_str(),
        "the refused advance changed nothing: {now} after {last}"
    );
    // Small steps still work up to the edge, and the dates keep four digits.
    let r = env
        .post("/sim/v1/clock/advance", &[], &json!({"seconds": 0}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["nowKst"].as_str().map(str::len),
        Some(25),
        "{}",
        r.text
    );
}

async fn an_explicit_null_cancel_amount_cancels_the_balance(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let p = env.approved_payment("order-null-1", 10_000, 0).await;
    let key = p["paymentKey"].as_str().unwrap();
    let r = env
        .post(
            &format!("/v1/payments/{key}/cancel"),
            &[("authorization", &auth)],
            &json!({"cancelReason": "고객 변심", "cancelAmount": null, "taxFreeAmount": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            &r.body["status"],
            &r.body["balanceAmount"],
            &r.body["cancels"][0]["cancelAmount"]
        ),
        (&json!("CANCELED"), &json!(0), &json!(10_000))
    );
}
