//! The Apps-in-Toss web framework drop-in (docs/front-end.md): a mini-app page on its own origin imports
//! `/js/apps-in-toss/web-framework.js` from tossd, and a person clicks through tossd's sheets while the
//! test plays the partner server.

use axum::response::Html;
use axum::Router;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::browser::Browser;
use crate::common::{generate_token, link_user, post_as, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    module_is_served_as_javascript_to_any_origin,
    mini_app_logs_in_and_pays_through_the_sheets,
    mini_app_buys_a_product_and_restores_an_ungranted_order,
    closing_the_sheets_cancels,
);

on_both_backends!(with_flags ["--admin-token", "ait-sdk-admin-token-0123456789"];
    module_is_public_and_the_sheets_stay_guarded,
);

const AIT: &str = "/api-partner/v1/apps-in-toss";
const SKU: &str = "ait.0000010000.af647449.3bd55cfd00.0000000475";
const USER: i64 = 123456789;

/// The mini-app's web code, as it would be written against `@apps-in-toss/web-framework`; each button
/// writes what the call resolved (or its error code) into `#out`.
const MINI_APP: &str = r#"<!doctype html><meta charset="utf-8"><title>mini-app</title>
<button id="login">login</button><button id="pay">pay</button><button id="buy">buy</button>
<button id="pending">pending</button><button id="complete">complete</button><pre id="out"></pre>
<p id="granted"></p>
<script type="module">
import { appLogin, checkoutPayment, IAP } from "TOSSD/js/apps-in-toss/web-framework.js";
const param = (name) => new URLSearchParams(location.search).get(name);
const out = (value) => { document.getElementById("out").textContent = JSON.stringify(value); };
const fail = (error) => out({ error: error.code || String(error) });
document.getElementById("login").onclick = () => appLogin().then(out, fail);
document.getElementById("pay").onclick = () =>
  checkoutPayment({ params: { payToken: param("payToken") } }).then(out, fail);
document.getElementById("buy").onclick = () => IAP.createOneTimePurchaseOrder({
  options: { sku: param("sku"), processProductGrant: async ({ orderId }) => {
    document.getElementById("granted").textContent = orderId;
    return param("grant") !== "no";
  } },
  onEvent: (event) => out(event),
  onError: fail,
});
document.getElementById("pending").onclick = () => IAP.getPendingOrders().then(out, fail);
document.getElementById("complete").onclick = () =>
  IAP.completeProductGrant({ params: { orderId: param("orderId") } }).then(out, fail);
</script>"#;

/// Serves the mini-app page on its own origin (another port); returns its address.
async fn mini_app(env: &TestEnv) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("mini-app binds");
    let addr = listener.local_addr().expect("mini-app address");
    let page = MINI_APP.replace("TOSSD", env.url("").trim_end_matches('/'));
    let app = Router::new().fallback(move || {
        let page = page.clone();
        async move { Html(page) }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/")
}

/// Clicks `button` on the mini-app, then `inside` in the sheet it opened.
async fn through_sheet(browser: &Browser, button: &str, inside: &str) {
    browser.click(button).await;
    browser.enter_frame("#tossd-sheet iframe").await;
    browser.click(inside).await;
    browser.leave_frame().await;
}

async fn outcome(browser: &Browser) -> Value {
    let text = browser.wait_for_text("#out", |t| !t.is_empty()).await;
    serde_json::from_str(&text).expect("the page wrote JSON")
}

async fn module_is_served_as_javascript_to_any_origin(env: TestEnv) {
    let r = env
        .get(
            "/js/apps-in-toss/web-framework.js",
            &[("origin", "http://mini-app.example")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "text/javascript");
    assert_eq!(r.headers["access-control-allow-origin"], "*");
    for export in [
        "export async function appLogin()",
        "export async function checkoutPayment(options)",
        "export const IAP",
    ] {
        assert!(r.text.contains(export), "missing {export}");
    }
}

async fn mini_app_logs_in_and_pays_through_the_sheets(env: TestEnv) {
    let app = mini_app(&env).await;
    let browser = Browser::open().await;
    browser.goto(&format!("{app}?tossd-user={USER}")).await;
    through_sheet(&browser, "#login", "#agree").await;
    let login = outcome(&browser).await;
    assert_eq!(login["referrer"], "DEFAULT", "{login}");
    let code = login["authorizationCode"].as_str().expect("code");
    assert_eq!(code.len(), 22);

    // The partner server exchanges the code and reads the user.
    let r = generate_token(&env, code, "DEFAULT").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let access = r.body["success"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = env
        .get(
            &format!("{AIT}/user/oauth2/login-me"),
            &[("authorization", &format!("Bearer {access}"))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["success"]["userKey"], USER);

    // The partner server makes a payment; the page checks it out; the buyer approves in the sheet.
    let order = json!({"orderNo": "sdk-order-1", "productDesc": "토스 티셔츠", "amount": 25000,
        "amountTaxFree": 0, "isTestPayment": true});
    let r = post_as(&env, &format!("{AIT}/pay/make-payment"), USER, &order).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pay_token = r.body["success"]["payToken"].as_str().unwrap().to_owned();
    browser
        .goto(&format!("{app}?tossd-user={USER}&payToken={pay_token}"))
        .await;
    through_sheet(&browser, "#pay", "#pay-money").await;
    assert_eq!(outcome(&browser).await, json!({"success": true}));
    browser.close().await;

    let r = post_as(
        &env,
        &format!("{AIT}/pay/execute-payment"),
        USER,
        &json!({"payToken": pay_token, "orderNo": "sdk-order-1", "isTestPayment": true}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = post_as(
        &env,
        &format!("{AIT}/pay/get-payment-status"),
        USER,
        &json!({"payToken": pay_token, "orderNo": "sdk-order-1", "isTestPayment": true}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["success"]["payStatus"], "PAY_COMPLETE");
}

async fn order_status(env: &TestEnv, order_id: &str) -> Value {
    let r = post_as(
        env,
        &format!("{AIT}/order/get-order-status"),
        USER,
        &json!({"orderId": order_id}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["success"]["status"].clone()
}

async fn mini_app_buys_a_product_and_restores_an_ungranted_order(env: TestEnv) {
    link_user(&env, USER).await;
    let app = mini_app(&env).await;
    let browser = Browser::open().await;

    // Bought and granted: the order is PURCHASED and the page hears success.
    browser
        .goto(&format!("{app}?tossd-user={USER}&sku={SKU}"))
        .await;
    through_sheet(&browser, "#buy", "#buy").await;
    let event = outcome(&browser).await;
    assert_eq!(event["type"], "success", "{event}");
    let granted = event["data"]["orderId"].as_str().unwrap().to_owned();
    assert_eq!(event["data"]["sku"], SKU);
    assert_eq!(order_status(&env, &granted).await, "PURCHASED");

    // Bought but the partner's grant fails: the order waits, getPendingOrders lists it, and
    // completeProductGrant finishes it.
    browser
        .goto(&format!("{app}?tossd-user={USER}&sku={SKU}&grant=no"))
        .await;
    through_sheet(&browser, "#buy", "#buy").await;
    assert_eq!(
        outcome(&browser).await,
        json!({"error": "PRODUCT_NOT_GRANTED_BY_PARTNER"})
    );
    let waiting = browser.text("#granted").await;
    assert_eq!(order_status(&env, &waiting).await, "PAYMENT_COMPLETED");
    browser.click("#pending").await;
    let pending = browser
        .wait_for_text("#out", |t| t.contains("orders"))
        .await;
    let pending: Value = serde_json::from_str(&pending).unwrap();
    let orders = pending["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 1, "{pending}");
    assert_eq!(orders[0]["orderId"], waiting.as_str());
    assert_eq!(orders[0]["sku"], SKU);
    assert_eq!(
        orders[0]["paymentCompletedDate"].as_str().unwrap().len(),
        19
    );

    browser
        .goto(&format!("{app}?tossd-user={USER}&orderId={waiting}"))
        .await;
    browser.click("#complete").await;
    assert_eq!(outcome(&browser).await, json!(true));
    assert_eq!(order_status(&env, &waiting).await, "PURCHASED");
    browser.click("#pending").await;
    browser
        .wait_for_text("#out", |t| t == r#"{"orders":[]}"#)
        .await;
    browser.close().await;

    let r = env
        .get(
            &format!("/sim/v1/iap/pending-orders?userKey={USER}&appId=nope"),
            &[],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

async fn closing_the_sheets_cancels(env: TestEnv) {
    link_user(&env, USER).await;
    let app = mini_app(&env).await;
    let order = json!({"orderNo": "sdk-cancel-1", "productDesc": "토스 모자", "amount": 9000,
        "amountTaxFree": 0, "isTestPayment": true});
    let r = post_as(&env, &format!("{AIT}/pay/make-payment"), USER, &order).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pay_token = r.body["success"]["payToken"].as_str().unwrap().to_owned();

    let browser = Browser::open().await;
    browser
        .goto(&format!("{app}?tossd-user={USER}&payToken={pay_token}"))
        .await;
    through_sheet(&browser, "#pay", "#close").await;
    assert_eq!(
        outcome(&browser).await,
        json!({"success": false, "reason": "사용자가 결제를 취소했어요."})
    );

    // Closing the overlay itself rejects appLogin; closing the purchase sheet buys nothing.
    browser.goto(&format!("{app}?tossd-user={USER}")).await;
    browser.click("#login").await;
    browser.click("#tossd-sheet-close").await;
    assert_eq!(outcome(&browser).await, json!({"error": "USER_CANCELED"}));
    browser
        .goto(&format!("{app}?tossd-user={USER}&sku={SKU}"))
        .await;
    through_sheet(&browser, "#buy", "#close").await;
    assert_eq!(outcome(&browser).await, json!({"error": "USER_CANCELED"}));
    browser.close().await;

    let r = post_as(
        &env,
        &format!("{AIT}/pay/get-payment-status"),
        USER,
        &json!({"payToken": pay_token, "orderNo": "sdk-cancel-1", "isTestPayment": true}),
    )
    .await;
    assert_eq!(r.body["success"]["payStatus"], "PAY_CANCEL", "{}", r.text);
    let pending = env
        .sim(
            Method::GET,
            &format!("/sim/v1/iap/pending-orders?userKey={USER}"),
            Value::Null,
        )
        .await;
    assert_eq!(pending, json!({"orders": []}));
}

async fn module_is_public_and_the_sheets_stay_guarded(env: TestEnv) {
    // A mini-app's page fetches the module without tossd's sign-in cookie.
    let r = env.get("/js/apps-in-toss/web-framework.js", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "text/javascript");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for page in ["/sim/sdk/bridge", "/sim/iap/purchase?sku=x"] {
        let r = client
            .get(env.url(page))
            .send()
            .await
            .expect("page answers");
        assert_eq!(r.status(), 303, "{page}");
        let to = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.starts_with("/dashboard/login?next="), "{to}");
    }
    let r = env
        .get(&format!("/sim/v1/iap/pending-orders?userKey={USER}"), &[])
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}
