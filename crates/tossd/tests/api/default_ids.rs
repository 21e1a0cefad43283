//! `default` names the default app or merchant wherever the simulator takes an `appId` or `mId` (path,
//! body, query string, page address), and the real ids work in the same places; unknown ids are 404.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{assert_resp, link_user, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    default_and_the_app_id_name_the_same_app,
    default_and_the_mid_name_the_same_merchant,
);

fn not_found(message: &str) -> Value {
    json!({"error": {"code": "NOT_FOUND", "message": message}})
}

async fn call(env: &TestEnv, method: Method, path: &str, body: Value) -> crate::common::Resp {
    env.request(method, path, &[], Some(&body.to_string()))
        .await
}

async fn default_and_the_app_id_name_the_same_app(env: TestEnv) {
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    let app_id = app["appId"].as_str().expect("appId").to_owned();
    assert_eq!(
        env.sim(Method::GET, &format!("/sim/v1/apps/{app_id}"), Value::Null)
            .await,
        app
    );
    let created = env
        .sim(Method::POST, "/sim/v1/apps", json!({"name": "second"}))
        .await;
    let second = created["appId"].as_str().expect("appId");
    let shown = env
        .sim(Method::GET, &format!("/sim/v1/apps/{second}"), Value::Null)
        .await;
    assert_eq!(shown["name"], "second");
    assert_eq!(shown["decryptionKey"], created["decryptionKey"]);

    for id in ["default", app_id.as_str()] {
        let r = call(
            &env,
            Method::POST,
            "/sim/v1/login",
            json!({"userKey": 123456789, "appId": id}),
        )
        .await;
        assert_eq!(r.status, 200, "login appId {id}: {}", r.text);
        let r = call(
            &env,
            Method::POST,
            "/sim/v1/users/123456789/unlink",
            json!({"appId": id, "referrer": "UNLINK"}),
        )
        .await;
        assert_resp(&r, 200, &json!({}));
        let r = env
            .get(&format!("/sim/login?userKey=123456789&appId={id}"), &[])
            .await;
        assert_eq!(r.status, 200, "login page appId {id}");
        assert!(
            r.text.contains("<b id=\"app-name\">default</b>"),
            "{}",
            r.text
        );
        let r = call(
            &env,
            Method::POST,
            &format!("/sim/v1/apps/{id}/toss-pay"),
            json!({}),
        )
        .await;
        assert_resp(
            &r,
            200,
            &json!({"appId": app_id, "merchantKey": null, "maintenanceFrom": null, "maintenanceUntil": null}),
        );
        let r = call(
            &env,
            Method::PUT,
            &format!("/sim/v1/apps/{id}/unlink-callback"),
            json!({"url": "http://127.0.0.1:9/unlink"}),
        )
        .await;
        assert_eq!(r.status, 200, "unlink-callback of {id}: {}", r.text);
        let r = call(
            &env,
            Method::PATCH,
            &format!("/sim/v1/apps/{id}"),
            json!({"rateLimitPerMinute": 20}),
        )
        .await;
        assert_eq!(
            (r.status, &r.body["appId"]),
            (200, &json!(app_id)),
            "{}",
            r.text
        );
        assert_eq!(r.body["rateLimitPerMinute"], 20);
    }
    // Settings of another app leave the default app's alone.
    let r = call(
        &env,
        Method::PATCH,
        &format!("/sim/v1/apps/{second}"),
        json!({"plaintextPii": true}),
    )
    .await;
    assert_eq!(r.body["plaintextPii"], true, "{}", r.text);
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    assert_eq!(app["plaintextPii"], false);

    for (method, path, body) in [
        (Method::GET, "/sim/v1/apps/nope", Value::Null),
        (Method::PATCH, "/sim/v1/apps/nope", json!({})),
        (Method::POST, "/sim/v1/apps/nope/toss-pay", json!({})),
        (
            Method::POST,
            "/sim/v1/login",
            json!({"userKey": 123456789, "appId": "nope"}),
        ),
        (
            Method::POST,
            "/sim/v1/users/123456789/unlink",
            json!({"appId": "nope", "referrer": "UNLINK"}),
        ),
    ] {
        let r = call(&env, method, path, body).await;
        assert_resp(&r, 404, &not_found("no app \"nope\""));
    }
    let r = env
        .get("/sim/login?userKey=123456789&appId=nope", &[])
        .await;
    assert_eq!(r.status, 404);
}

async fn default_and_the_mid_name_the_same_merchant(env: TestEnv) {
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    assert_eq!(merchant["mId"], "tosspayments");
    assert_eq!(
        env.sim(Method::GET, "/sim/v1/merchants/tosspayments", Value::Null)
            .await,
        merchant
    );
    let created = env
        .sim(Method::POST, "/sim/v1/merchants", json!({"name": "second"}))
        .await;
    let second = created["mId"].as_str().expect("mId");
    assert_eq!(
        env.sim(
            Method::GET,
            &format!("/sim/v1/merchants/{second}"),
            Value::Null
        )
        .await,
        json!({"mId": second, "name": "second", "clientKey": created["clientKey"],
               "secretKey": created["secretKey"]})
    );

    link_user(&env, 123456789).await;
    for (i, id) in ["default", "tosspayments"].into_iter().enumerate() {
        let r = call(
            &env,
            Method::PATCH,
            &format!("/sim/v1/merchants/{id}/payment-settings"),
            json!({"taxType": "MIXED"}),
        )
        .await;
        assert_resp(
            &r,
            200,
            &json!({"mId": "tosspayments", "autoPayEnabled": true, "restrictNewAccounts": false,
                    "taxType": "MIXED"}),
        );
        let r = call(
            &env,
            Method::PUT,
            &format!("/sim/v1/merchants/{id}/webhook"),
            json!({"url": "http://127.0.0.1:9/hooks"}),
        )
        .await;
        assert_eq!(r.status, 200, "webhook of {id}: {}", r.text);
        let customer = format!("customer-{i}");
        let card = env
            .sim(
                Method::POST,
                &format!("/sim/v1/brandpay/customers/{customer}/cards?mId={id}"),
                json!({}),
            )
            .await;
        let r = call(
            &env,
            Method::POST,
            "/sim/v1/brandpay/payments",
            json!({"customerKey": customer, "methodId": card["id"], "amount": 1000,
                   "orderId": format!("order-default-{i}"), "orderName": "생수", "mId": id}),
        )
        .await;
        assert_eq!(r.status, 200, "window of {id}: {}", r.text);
        let r = call(
            &env,
            Method::POST,
            &format!("/sim/v1/brandpay/promotions?mId={id}"),
            json!({"type": "CARD_POINT", "companyCode": "61", "dueDate": "2099-12-31",
                   "minimumPaymentAmount": 1000}),
        )
        .await;
        assert_eq!(r.status, 201, "promotion of {id}: {}", r.text);
    }

    let nope = not_found("no merchant \"nope\"");
    for (method, path, body) in [
        (Method::GET, "/sim/v1/merchants/nope", Value::Null),
        (
            Method::PATCH,
            "/sim/v1/merchants/nope/payment-settings",
            json!({}),
        ),
        (
            Method::PUT,
            "/sim/v1/merchants/nope/webhook",
            json!({"url": "http://127.0.0.1:9/hooks"}),
        ),
        (
            Method::POST,
            "/sim/v1/brandpay/customers/c-1/cards?mId=nope",
            json!({}),
        ),
    ] {
        let r = call(&env, method, path, body).await;
        assert_resp(&r, 404, &nope);
    }
}
