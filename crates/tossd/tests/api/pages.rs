//! Pages for people, rendered in headless Chromium.

use reqwest::Method;
use serde_json::json;

use crate::common::browser::{rendered_dom, Browser};
use crate::common::{generate_token, link_user, register_card, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    swagger_ui_renders_every_operation_offline,
    dashboard_shows_state_and_moves_the_clock,
    login_sheet_issues_a_code_the_partner_exchanges,
    pay_sheet_approves_a_payment_the_partner_executes,
    brandpay_window_pays_and_redirects_like_the_sdk,
);

async fn swagger_ui_renders_every_operation_offline(env: TestEnv) {
    let url = env.url("/docs");
    let dom = tokio::task::spawn_blocking(move || rendered_dom(&url))
        .await
        .expect("browser task");
    for path in [
        "/v1/payments/{paymentKey}",
        "/v1/payments/orders/{orderId}",
        "/sim/v1/clock/advance",
    ] {
        assert!(
            dom.contains(&format!("data-path=\"{path}\"")),
            "Swagger UI did not render {path}"
        );
    }
}

async fn dashboard_shows_state_and_moves_the_clock(env: TestEnv) {
    let created = env
        .sim(
            Method::POST,
            "/sim/v1/users",
            json!({"name": "대시보드확인"}),
        )
        .await;
    let user_key = created["userKey"].as_i64().unwrap();
    let browser = Browser::open().await;
    browser.goto(&env.url("/dashboard")).await;

    let users = browser.text("#users").await;
    assert!(
        users.contains("홍길동") && users.contains("대시보드확인"),
        "{users}"
    );
    assert!(users.contains(&user_key.to_string()));
    assert!(browser.text("#merchants").await.contains("tosspayments"));

    // A person clicks "+1시간": the page comes back with the clock an hour later, as the API sees it.
    // The shown time is KST to the second (`2026-11-26T07:35:31+09:00`).
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t.trim()).unwrap();
    let before = parse(&browser.text("#clock-now").await);
    browser.click("#advance-3600").await;
    let after = browser
        .wait_for_text("#clock-now", |shown| {
            (parse(shown) - before).num_seconds() >= 3600
        })
        .await;
    let moved = (parse(&after) - before).num_seconds();
    assert!(
        (3600..3660).contains(&moved),
        "moved {moved}s ({before} → {after})"
    );
    let api_now = env
        .sim(Method::GET, "/sim/v1/clock", serde_json::Value::Null)
        .await;
    assert!(parse(api_now["now"].as_str().unwrap()) >= parse(&after));

    // "초기화" asks first, then wipes what the test created.
    browser.click("#reset").await;
    browser.accept_dialog().await;
    let users = browser
        .wait_for_text("#users", |users| !users.contains("대시보드확인"))
        .await;
    assert!(users.contains("홍길동"), "{users}");
    browser.close().await;
    assert_eq!(
        env.get(&format!("/sim/v1/users/{user_key}"), &[])
            .await
            .status,
        404
    );
}

const AIT: &str = "/api-partner/v1/apps-in-toss";

async fn login_sheet_issues_a_code_the_partner_exchanges(env: TestEnv) {
    let browser = Browser::open().await;
    browser.goto(&env.url("/sim/login")).await;
    // The sheet first asks which Toss user is logging in.
    let users = browser.text("#users").await;
    assert!(users.contains("홍길동 (123456789)"), "{users}");
    browser.goto(&env.url("/sim/login?userKey=123456789")).await;
    assert_eq!(browser.text("#app-name").await, "default");
    browser.click("#agree").await;
    let code = browser
        .wait_for_text("#authorization-code", |c| c.len() == 22)
        .await;
    let referrer = browser.text("#referrer").await;
    browser.close().await;
    assert_eq!(referrer, "DEFAULT");
    let r = generate_token(&env, &code, &referrer).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["success"]["tokenType"], "Bearer");
}

async fn pay_sheet_approves_a_payment_the_partner_executes(env: TestEnv) {
    link_user(&env, 123456789).await;
    let user = [("x-toss-user-key", "123456789")];
    let r = env
        .post(&format!("{AIT}/pay/make-payment"), &user,
            &json!({"orderNo": "sheet-order-1", "productDesc": "토스 티셔츠", "amount": 25000, "amountTaxFree": 0, "isTestPayment": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pay_token = r.body["success"]["payToken"].as_str().unwrap().to_owned();

    let browser = Browser::open().await;
    browser
        .goto(&env.url(&format!("/sim/pay/{pay_token}")))
        .await;
    assert_eq!(browser.text("#product").await, "토스 티셔츠");
    assert_eq!(browser.text("#amount").await, "25,000");
    assert_eq!(browser.text("#status").await, "PAY_STANDBY");
    browser.click("#pay-money").await;
    browser
        .wait_for_text("#status", |s| s == "PAY_APPROVED")
        .await;
    browser.close().await;

    let r = env
        .post(
            &format!("{AIT}/pay/execute-payment"),
            &user,
            &json!({"payToken": pay_token, "orderNo": "sheet-order-1", "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["success"]["payMethod"], "TOSS_MONEY");
}

async fn brandpay_window_pays_and_redirects_like_the_sdk(env: TestEnv) {
    let auth = env.merchant_basic().await;
    register_card(&env, "window-customer", json!({})).await;
    let window = format!(
        "/sim/brandpay?customerKey=window-customer&amount=15000&orderId=window-order-1&orderName={}&successUrl={}&failUrl={}",
        "%EB%B8%8C%EB%9E%9C%EB%93%9C%ED%8E%98%EC%9D%B4%20%EC%83%81%ED%92%88",
        "http%3A%2F%2F127.0.0.1%3A9%2Fsuccess",
        "http%3A%2F%2F127.0.0.1%3A9%2Ffail",
    );
    let browser = Browser::open().await;
    browser.goto(&env.url(&window)).await;
    assert!(browser.text("#methods").await.contains("현대카드"));
    // A wrong password is refused on the page; the right one pays and redirects to successUrl.
    browser.type_into("#password", "123456").await;
    browser.click("#pay").await;
    let error = browser.wait_for_text("#error", |e| !e.is_empty()).await;
    assert!(error.starts_with("INVALID_PASSWORD"), "{error}");
    browser.goto(&env.url(&window)).await;
    browser.type_into("#password", "000000").await;
    browser.click("#pay").await;
    let landed = browser
        .wait_for_url(|u| u.starts_with("http://127.0.0.1:9/success"))
        .await;
    browser.close().await;

    let url = reqwest::Url::parse(&landed).unwrap();
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["orderId"], "window-order-1");
    assert_eq!(query["amount"], "15000");
    let r = env
        .post("/v1/brandpay/payments/confirm", &[("authorization", &auth)],
            &json!({"paymentKey": query["paymentKey"], "orderId": "window-order-1", "amount": query["amount"], "customerKey": "window-customer"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "DONE");
    assert_eq!(r.body["orderName"], "브랜드페이 상품");
}
