//! Every endpoint against every kind of bad credential: none, malformed, the wrong kind, another
//! tenant's, expired, revoked. Each gets its family's documented 401/403/404 (or 400 where the reference
//! says so) and never any data.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    advance, app_client, basic, bearer, brandpay_tokens, invalid_grant, login_tokens,
    register_card, send, Resp, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(toss_payments_credentials, apps_in_toss_credentials);

/// A failure body of Toss Payments: exactly `{code, message}`, nothing else.
fn assert_tp(r: &Resp, status: u16, code: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.text);
    assert_eq!(r.body["code"], code, "{what}: {}", r.text);
    let keys: Vec<&String> = r
        .body
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys.len(),
        2,
        "{what} leaked more than code and message: {}",
        r.text
    );
    assert!(
        r.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}"
    );
}

async fn call(env: &TestEnv, method: &Method, path: &str, auth: Option<&str>) -> Resp {
    let headers: Vec<(&str, &str)> = auth.map(|a| vec![("authorization", a)]).unwrap_or_default();
    let body = (*method == Method::POST).then_some("{}");
    env.request(method.clone(), path, &headers, body).await
}

async fn toss_payments_credentials(env: TestEnv) {
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    let secret = merchant["secretKey"].as_str().unwrap().to_owned();
    let auth = basic(&secret);
    let client_key_auth = basic(merchant["clientKey"].as_str().unwrap());
    let other = env
        .sim(
            Method::POST,
            "/sim/v1/merchants",
            json!({"name": "다른 상점"}),
        )
        .await;
    let other_auth = basic(other["secretKey"].as_str().unwrap());

    let payment = env
        .sim(
            Method::POST,
            "/sim/v1/payments",
            json!({"orderId": "cred-order-1", "orderName": "상품", "amount": 10000}),
        )
        .await;
    let payment_key = payment["paymentKey"].as_str().unwrap().to_owned();
    let (access, _refresh) = brandpay_tokens(&env, &auth, "cred-customer").await;
    let card = register_card(&env, "cred-customer", json!({})).await;
    let customer = bearer(&access);

    let basic_endpoints: Vec<(Method, String)> = vec![
        (
            Method::GET,
            "/v1/brandpay/terms?customerKey=cred-customer&scope=REGISTER".into(),
        ),
        (Method::POST, "/v1/brandpay/terms/agree".into()),
        (
            Method::POST,
            "/v1/brandpay/authorizations/access-token".into(),
        ),
        (
            Method::GET,
            "/v1/brandpay/payments/methods/cred-customer".into(),
        ),
        (Method::GET, "/v1/brandpay/promotions/card".into()),
        (Method::GET, "/v1/brandpay/promotions/bank".into()),
        (Method::GET, format!("/v1/payments/{payment_key}")),
        (Method::GET, "/v1/payments/orders/cred-order-1".into()),
        (Method::POST, format!("/v1/payments/{payment_key}/cancel")),
        (Method::POST, "/v1/brandpay/payments/confirm".into()),
        (Method::POST, "/v1/brandpay/payments".into()),
    ];
    for (method, path) in &basic_endpoints {
        let what = |kind: &str| format!("{method} {path} with {kind}");
        assert_tp(
            &call(&env, method, path, None).await,
            401,
            "UNAUTHORIZED_KEY",
            &what("no credentials"),
        );
        let r = call(&env, method, path, Some("Basic !!!not-base64")).await;
        assert_tp(
            &r,
            403,
            "INCORRECT_BASIC_AUTH_FORMAT",
            &what("a malformed Basic value"),
        );
        let r = call(
            &env,
            method,
            path,
            Some(&basic("test_sk_000000000000000000000000000X")),
        )
        .await;
        assert_tp(&r, 401, "UNAUTHORIZED_KEY", &what("an unknown secret key"));
        let r = call(&env, method, path, Some(&client_key_auth)).await;
        assert_tp(&r, 400, "INVALID_API_KEY", &what("a client key"));
        let r = call(&env, method, path, Some(&customer)).await;
        assert_tp(
            &r,
            401,
            "UNAUTHORIZED_KEY",
            &what("a customer's Bearer token"),
        );
    }

    // Another merchant's credentials never reach this merchant's objects.
    let r = call(
        &env,
        &Method::GET,
        &format!("/v1/payments/{payment_key}"),
        Some(&other_auth),
    )
    .await;
    assert_tp(
        &r,
        400,
        "INVALID_API_KEY",
        "another merchant's payment by key",
    );
    let r = env
        .post(
            &format!("/v1/payments/{payment_key}/cancel"),
            &[("authorization", &other_auth)],
            &json!({"cancelReason": "남의 결제"}),
        )
        .await;
    assert_tp(
        &r,
        400,
        "INVALID_API_KEY",
        "cancelling another merchant's payment",
    );
    let r = call(
        &env,
        &Method::GET,
        "/v1/payments/orders/cred-order-1",
        Some(&other_auth),
    )
    .await;
    assert_tp(
        &r,
        404,
        "NOT_FOUND_PAYMENT",
        "another merchant's payment by orderId",
    );
    let r = call(
        &env,
        &Method::GET,
        "/v1/brandpay/payments/methods/cred-customer",
        Some(&other_auth),
    )
    .await;
    assert_tp(&r, 404, "NOT_FOUND_CUSTOMER", "another merchant's customer");
    let lookup = env
        .get(
            &format!("/v1/payments/{payment_key}"),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(lookup.body["status"], "DONE", "the payment is untouched");

    let bearer_endpoints: Vec<(Method, &str)> = vec![
        (Method::GET, "/v1/brandpay/payments/methods"),
        (Method::POST, "/v1/brandpay/payments/methods/card/remove"),
        (Method::POST, "/v1/brandpay/payments/methods/account/remove"),
        (Method::POST, "/v1/brandpay/customers/remove"),
    ];
    for (method, path) in &bearer_endpoints {
        let what = |kind: &str| format!("{method} {path} with {kind}");
        assert_tp(
            &call(&env, method, path, None).await,
            401,
            "UNAUTHORIZED_KEY",
            &what("no credentials"),
        );
        let r = call(&env, method, path, Some("Bearer not-a-token")).await;
        assert_tp(&r, 401, "INVALID_ACCESS_TOKEN", &what("a malformed token"));
        let r = call(&env, method, path, Some(&auth)).await;
        assert_tp(&r, 401, "UNAUTHORIZED_KEY", &what("the secret key"));
        let r = call(&env, method, path, Some("Token abc")).await;
        assert_tp(&r, 401, "UNAUTHORIZED_KEY", &what("another scheme"));
    }

    // Another customer's token cannot remove this customer's card.
    let (other_access, _) = brandpay_tokens(&env, &auth, "cred-other").await;
    let r = env
        .post(
            "/v1/brandpay/payments/methods/card/remove",
            &[("authorization", &bearer(&other_access))],
            &json!({"methodKey": card["methodKey"]}),
        )
        .await;
    assert_tp(
        &r,
        404,
        "NOT_FOUND_METHOD_OWNERSHIP",
        "another customer's method",
    );

    // Revoked: a refresh grant kills the old access token; withdrawal kills every token.
    let (revoked_access, refresh) = brandpay_tokens(&env, &auth, "cred-revoked").await;
    let r = env
        .post("/v1/brandpay/authorizations/access-token", &[("authorization", &auth)],
            &json!({"grantType": "RefreshToken", "customerKey": "cred-revoked", "refreshToken": refresh}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let withdrawn = bearer(r.body["accessToken"].as_str().unwrap());
    let r = env
        .post(
            "/v1/brandpay/customers/remove",
            &[("authorization", &withdrawn)],
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for (method, path) in &bearer_endpoints {
        for (kind, token) in [
            ("a refreshed-away token", bearer(&revoked_access)),
            ("a withdrawn customer's token", withdrawn.clone()),
        ] {
            let r = call(&env, method, path, Some(&token)).await;
            assert_tp(
                &r,
                401,
                "INVALID_ACCESS_TOKEN",
                &format!("{method} {path} with {kind}"),
            );
        }
    }

    // Expired: access tokens live 30 days.
    advance(&env, 30 * 86400).await;
    for (method, path) in &bearer_endpoints {
        let r = call(&env, method, path, Some(&customer)).await;
        assert_tp(
            &r,
            401,
            "INVALID_ACCESS_TOKEN",
            &format!("{method} {path} with an expired token"),
        );
    }
}

/// Apps-in-Toss: the user key and Bearer token families, across two apps over mTLS.
async fn apps_in_toss_credentials(env: TestEnv) {
    const PREFIX: &str = "/api-partner/v1/apps-in-toss";
    let fail = |r: &Resp, status: u16, code: &str, what: &str| {
        assert_eq!(r.status, status, "{what}: {}", r.text);
        assert_eq!(r.body["resultType"], "FAIL", "{what}");
        assert_eq!(r.body["success"], Value::Null, "{what}");
        assert_eq!(r.body["error"]["errorCode"], code, "{what}: {}", r.text);
    };
    let invalid_grant = |r: &Resp, status: u16, what: &str| {
        assert_eq!((r.status, &r.body), (status, &invalid_grant()), "{what}");
    };

    // The user is linked to the default app only.
    let access = login_tokens(&env, 123456789).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    // Endpoints that take x-toss-user-key: 401 where documented (promotions, messenger), else 400.
    let user_key_endpoints: Vec<(&str, u16)> = vec![
        ("/promotion/execute-promotion/get-key", 401),
        ("/promotion/execute-promotion", 401),
        ("/promotion/execution-result", 401),
        ("/messenger/send-message", 401),
        ("/messenger/send-test-message", 401),
        ("/pay/make-payment", 400),
        ("/pay/execute-payment", 400),
        ("/pay/refund-payment", 400),
        ("/pay/get-payment-status", 400),
    ];
    let withdrawn = env.sim(Method::POST, "/sim/v1/users", json!({})).await;
    let withdrawn_key = withdrawn["userKey"].as_i64().unwrap().to_string();
    env.sim(
        Method::POST,
        "/sim/v1/login",
        json!({"userKey": withdrawn["userKey"]}),
    )
    .await;
    env.sim(
        Method::POST,
        &format!("/sim/v1/users/{withdrawn_key}/unlink"),
        json!({"referrer": "WITHDRAWAL_TOSS"}),
    )
    .await;
    let stranger = env.sim(Method::POST, "/sim/v1/users", json!({})).await;
    let stranger_key = stranger["userKey"].as_i64().unwrap().to_string();
    for (path, status) in &user_key_endpoints {
        let url = format!("{PREFIX}{path}");
        let what = |kind: &str| format!("{path} with {kind}");
        fail(
            &env.post(&url, &[], &json!({})).await,
            *status,
            "USER_KEY_NOT_FOUND",
            &what("no user key"),
        );
        for garbage in ["toss-user-key-abc123", "-1", "0", "99999999999999999999"] {
            let r = env
                .post(&url, &[("x-toss-user-key", garbage)], &json!({}))
                .await;
            fail(&r, *status, "USER_KEY_NOT_FOUND", &what(garbage));
        }
        let r = env
            .post(&url, &[("x-toss-user-key", &stranger_key)], &json!({}))
            .await;
        fail(
            &r,
            *status,
            "USER_KEY_NOT_FOUND",
            &what("a user who never logged in to this app"),
        );
        let r = env
            .post(&url, &[("x-toss-user-key", &withdrawn_key)], &json!({}))
            .await;
        fail(&r, *status, "USER_NOT_FOUND", &what("a user who left Toss"));
        // A user access token is not a user key.
        let r = env
            .post(&url, &[("authorization", &bearer(&access))], &json!({}))
            .await;
        fail(
            &r,
            *status,
            "USER_KEY_NOT_FOUND",
            &what("a Bearer token instead"),
        );
    }

    // Bearer endpoints: none, malformed, wrong kind (a merchant's Basic key, a user key), revoked.
    let bearer_endpoints = [
        (Method::GET, format!("{PREFIX}/user/oauth2/login-me")),
        (
            Method::POST,
            format!("{PREFIX}/user/oauth2/access/remove-by-access-token"),
        ),
    ];
    let merchant_auth = env.merchant_basic().await;
    for (method, url) in &bearer_endpoints {
        let body = (*method == Method::POST).then_some("{}");
        for (kind, headers) in [
            ("no credentials", vec![]),
            (
                "a malformed token",
                vec![("authorization", "Bearer abc.def.ghi")],
            ),
            (
                "a merchant's Basic key",
                vec![("authorization", merchant_auth.as_str())],
            ),
            ("a user key", vec![("x-toss-user-key", "123456789")]),
        ] {
            let r = env.request(method.clone(), url, &headers, body).await;
            invalid_grant(&r, 401, &format!("{url} with {kind}"));
        }
    }

    // Another app (over mTLS) sees none of the default app's users, tokens or orders.
    let app_b = env
        .sim(Method::POST, "/sim/v1/apps", json!({"name": "B"}))
        .await;
    let server = env.second_server(&["--tls"]).await;
    let as_b = app_client(&app_b);
    let base = server.base_url();
    for (path, status) in &user_key_endpoints {
        let r = send(
            &as_b,
            Method::POST,
            &format!("{base}{PREFIX}{path}"),
            &[("x-toss-user-key", "123456789")],
            Some("{}"),
        )
        .await;
        fail(
            &r,
            *status,
            "USER_KEY_NOT_FOUND",
            &format!("app B calling {path} for app A's user"),
        );
    }
    let r = send(
        &as_b,
        Method::GET,
        &format!("{base}{PREFIX}/user/oauth2/login-me"),
        &[("authorization", &bearer(&access))],
        None,
    )
    .await;
    invalid_grant(&r, 401, "app B presenting app A's access token");
    let r = send(
        &as_b,
        Method::POST,
        &format!("{base}{PREFIX}/user/oauth2/access/remove-by-user-key"),
        &[],
        Some(r#"{"userKey": 123456789}"#),
    )
    .await;
    fail(&r, 400, "USER_KEY_NOT_FOUND", "app B removing app A's user");
    let order = env
        .sim(
            Method::POST,
            "/sim/v1/iap/orders",
            json!({"userKey": 123456789, "sku": "ait.0000010000.af647449.3bd55cfd00.0000000475"}),
        )
        .await;
    let r = send(
        &as_b,
        Method::POST,
        &format!("{base}{PREFIX}/order/get-order-status"),
        &[],
        Some(&json!({"orderId": order["orderId"]}).to_string()),
    )
    .await;
    // get-order-status always answers 200 (docs/reference.md §2.4.1): the status says it is another app's,
    // and nothing of the order is shown.
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["success"],
        json!({"orderId": order["orderId"], "status": "MINIAPP_MISMATCH", "reason": "해당 미니앱의 상품이 아니에요."})
    );
    // App A's token still works for A: nothing above revoked it.
    let r = env
        .get(
            &format!("{PREFIX}/user/oauth2/login-me"),
            &[("authorization", &bearer(&access))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    server.stop().await.unwrap();

    // Revoked and expired.
    let r = env
        .post(
            &format!("{PREFIX}/user/oauth2/access/remove-by-access-token"),
            &[("authorization", &bearer(&access))],
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for (method, url) in &bearer_endpoints {
        let body = (*method == Method::POST).then_some("{}");
        let r = env
            .request(
                method.clone(),
                url,
                &[("authorization", &bearer(&access))],
                body,
            )
            .await;
        invalid_grant(&r, 401, &format!("{url} with a revoked token"));
    }
    let fresh = login_tokens(&env, 123456789).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    advance(&env, 3600).await;
    for (method, url) in &bearer_endpoints {
        let body = (*method == Method::POST).then_some("{}");
        let r = env
            .request(
                method.clone(),
                url,
                &[("authorization", &bearer(&fresh))],
                body,
            )
            .await;
        invalid_grant(&r, 401, &format!("{url} with an expired token"));
    }
}
