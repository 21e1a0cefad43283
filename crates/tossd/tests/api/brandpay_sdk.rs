//! The BrandPay browser SDK tossd serves (docs/front-end.md#brandpay-sdk): a merchant's checkout page,
//! written only against Toss's documented SDK API and served by the test on its own origin, pays in
//! headless Chromium with tossd's script; the merchant's own server exchanges the first-use code and
//! confirms with the secret key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::browser::Browser;
use crate::common::{assert_resp, brandpay_tokens, register_card, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    redirect_urls_are_registered_per_merchant,
    scripts_are_served_as_javascript,
    first_use_agrees_registers_pays_and_confirms,
    declined_card_fails_the_merchants_confirm,
    closing_the_window_is_a_user_cancel,
    unregistered_redirect_url_is_refused,
    dashboard_edits_the_redirect_urls,
    agreement_registration_and_settings_open_the_window,
);

const CUSTOMER: &str = "sdk-customer-1";

/// The merchant's web server: its checkout page, its redirectUrl endpoint and its success/fail pages.
struct Merchant {
    tossd: String,
    client_key: String,
    auth: String,
    http: reqwest::Client,
    /// What the redirectUrl endpoint got from tossd for each code: the access-token answer's status.
    exchanges: Mutex<Vec<(String, u16)>>,
}

type Shared = Arc<Merchant>;
type Params = Query<HashMap<String, String>>;

async fn start_merchant(env: &TestEnv) -> (String, Shared) {
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    let shared = Arc::new(Merchant {
        tossd: env.base().to_owned(),
        client_key: merchant["clientKey"]
            .as_str()
            .expect("clientKey")
            .to_owned(),
        auth: env.merchant_basic().await,
        http: reqwest::Client::new(),
        exchanges: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/checkout", get(checkout))
        .route("/account", get(account))
        .route("/brandpay/callback", get(callback))
        .route("/success", get(success))
        .route("/fail", get(fail))
        .route("/confirm", get(confirm_json))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (origin, shared)
}

/// The checkout page: `v=1` loads `/js/v1/brandpay` and calls `BrandPay(...)`, `v=2` loads
/// `/js/v2/standard` and calls `TossPayments(...).brandpay(...)`; `form=redirect` passes successUrl and
/// failUrl, `form=promise` waits for the promise and has the server confirm.
async fn checkout(State(m): State<Shared>, Query(q): Params) -> Html<String> {
    let v2 = q.get("v").is_some_and(|v| v == "2");
    let redirect = q
        .get("redirect")
        .cloned()
        .unwrap_or_else(|| "/brandpay/callback".into());
    let customer = q.get("customerKey").cloned().unwrap_or_default();
    let order_id = q.get("orderId").cloned().unwrap_or_default();
    let (script, init, amount) = if v2 {
        (
            "/js/v2/standard",
            "TossPayments(CLIENT_KEY).brandpay({customerKey: CUSTOMER_KEY, redirectUrl: REDIRECT_URL})",
            "{currency: 'KRW', value: 15000}",
        )
    } else {
        (
            "/js/v1/brandpay",
            "BrandPay(CLIENT_KEY, CUSTOMER_KEY, {redirectUrl: REDIRECT_URL})",
            "15000",
        )
    };
    let urls = if q.get("form").is_some_and(|f| f == "redirect") {
        "successUrl: location.origin + '/success?customerKey=' + CUSTOMER_KEY, failUrl: location.origin + '/fail',"
    } else {
        ""
    };
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>상점</title>
<script src="{tossd}{script}"></script></head>
<body><button id="pay">결제하기</button><p id="result"></p>
<script>
const CLIENT_KEY = {client_key}, CUSTOMER_KEY = {customer}, REDIRECT_URL = location.origin + {redirect};
const brandpay = {init};
const show = (text) => {{ document.getElementById('result').textContent = text; }};
document.getElementById('pay').addEventListener('click', () => {{
  brandpay.requestPayment({{amount: {amount}, orderId: {order_id}, orderName: '토스 티셔츠', {urls}}})
    .then(async (r) => {{
      const q = new URLSearchParams({{paymentKey: r.paymentKey, orderId: r.orderId, amount: r.amount, customerKey: CUSTOMER_KEY}});
      show('confirm: ' + await (await fetch('/confirm?' + q)).text());
    }})
    .catch((e) => show('error: ' + e.code + ' ' + e.message));
}});
</script></body></html>"#,
        tossd = m.tossd,
        client_key = json!(m.client_key),
        customer = json!(customer),
        redirect = json!(redirect),
        order_id = json!(order_id),
    ))
}

/// The merchant's "my payment methods" page (v2): agreement, registration and settings buttons, each
/// showing what its promise settled with.
async fn account(State(m): State<Shared>, Query(q): Params) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>내 결제수단</title>
<script src="{tossd}/js/v2/standard"></script></head>
<body><button id="agreement">약관 동의</button><button id="add-card">카드 등록</button>
<button id="add-account">계좌 등록</button><button id="settings">설정</button><p id="result"></p>
<script>
const brandpay = TossPayments({client_key}).brandpay({{customerKey: {customer}, redirectUrl: location.origin + '/brandpay/callback'}});
const show = (p) => p.then((r) => {{ document.getElementById('result').textContent = JSON.stringify(r); }},
  (e) => {{ document.getElementById('result').textContent = 'error: ' + e.code; }});
const clear = () => {{ document.getElementById('result').textContent = ''; }};
document.getElementById('agreement').addEventListener('click', () => {{ clear(); show(brandpay.requestAgreement('CARD')); }});
document.getElementById('add-card').addEventListener('click', () => {{ clear(); show(brandpay.addPaymentMethod('카드')); }});
document.getElementById('add-account').addEventListener('click', () => {{ clear(); show(brandpay.addPaymentMethod('계좌')); }});
document.getElementById('settings').addEventListener('click', () => {{ clear(); show(brandpay.openSettings()); }});
</script></body></html>"#,
        tossd = m.tossd,
        client_key = json!(m.client_key),
        customer = json!(q.get("customerKey").cloned().unwrap_or_default()),
    ))
}

/// The merchant's redirectUrl: exchanges the code for the customer's access token with the secret key.
async fn callback(State(m): State<Shared>, Query(q): Params) -> (axum::http::StatusCode, String) {
    let code = q.get("code").cloned().unwrap_or_default();
    let r = m
        .http
        .post(format!("{}/v1/brandpay/authorizations/access-token", m.tossd))
        .header("authorization", &m.auth)
        .json(&json!({"grantType": "AuthorizationCode", "customerKey": q.get("customerKey"), "code": code}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    m.exchanges.lock().unwrap().push((code, status.as_u16()));
    (status, r.text().await.unwrap_or_default())
}

/// Confirms with the secret key; the payment's status, or the error's code.
async fn confirm(m: &Merchant, q: &HashMap<String, String>) -> String {
    let amount: i64 = q.get("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
    let r: Value = m
        .http
        .post(format!("{}/v1/brandpay/payments/confirm", m.tossd))
        .header("authorization", &m.auth)
        .json(&json!({"paymentKey": q.get("paymentKey"), "orderId": q.get("orderId"), "amount": amount,
            "customerKey": q.get("customerKey")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["status"]
        .as_str()
        .or(r["code"].as_str())
        .unwrap_or_default()
        .to_owned()
}

async fn success(State(m): State<Shared>, Query(q): Params) -> Html<String> {
    let outcome = confirm(&m, &q).await;
    Html(format!(
        "<!doctype html><meta charset=\"utf-8\"><p id=\"status\">{outcome}</p>"
    ))
}

async fn confirm_json(State(m): State<Shared>, Query(q): Params) -> String {
    confirm(&m, &q).await
}

async fn fail(Query(q): Params) -> Html<String> {
    Html(format!(
        "<!doctype html><meta charset=\"utf-8\"><p id=\"fail\">{} {}</p>",
        q.get("code").cloned().unwrap_or_default(),
        q.get("orderId").cloned().unwrap_or_default()
    ))
}

async fn register_redirect(env: &TestEnv, url: &str) {
    let r = env
        .request(
            Method::PUT,
            "/sim/v1/merchants/default/brandpay/redirect-urls",
            &[("content-type", "application/json")],
            Some(&json!({"redirectUrls": [url]}).to_string()),
        )
        .await;
    assert_resp(&r, 200, &json!({"redirectUrls": [url]}));
}

fn query_of(url: &str) -> HashMap<String, String> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn redirect_urls_are_registered_per_merchant(env: TestEnv) {
    let path = "/sim/v1/merchants/default/brandpay/redirect-urls";
    assert_resp(&env.get(path, &[]).await, 200, &json!({"redirectUrls": []}));
    let body = json!({"redirectUrls": ["https://shop.example/bp", "http://127.0.0.1:3000/cb", "https://shop.example/bp"]});
    let put = |body: Value| {
        let env = &env;
        async move {
            env.request(
                Method::PUT,
                path,
                &[("content-type", "application/json")],
                Some(&body.to_string()),
            )
            .await
        }
    };
    let expected = json!({"redirectUrls": ["https://shop.example/bp", "http://127.0.0.1:3000/cb"]});
    assert_resp(&put(body).await, 200, &expected);
    assert_resp(&env.get(path, &[]).await, 200, &expected);
    let r = put(json!({"redirectUrls": ["/relative"]})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "INVALID_REQUEST");
    assert_resp(&env.get(path, &[]).await, 200, &expected);
    let r = env
        .get("/sim/v1/merchants/nobody/brandpay/redirect-urls", &[])
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_resp(
        &put(json!({"redirectUrls": []})).await,
        200,
        &json!({"redirectUrls": []}),
    );
    // The window's agreement call refuses a refusal of required terms.
    let r = env
        .post(
            "/sim/v1/brandpay/sdk/agreements",
            &[],
            &json!({"customerKey": CUSTOMER, "scope": ["REGISTER"], "termsId": [4]}),
        )
        .await;
    assert_resp(
        &r,
        400,
        &json!({"error": {"code": "NEED_AGREEMENT_WITH_TERMS", "message": "이용약관 동의가 필요합니다."}}),
    );
    let r = env
        .post(
            "/sim/v1/brandpay/sdk/agreements",
            &[],
            &json!({"customerKey": CUSTOMER, "scope": "REGISTER"}),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (400, &json!("INVALID_REQUEST")),
        "{}",
        r.text
    );
    let r = env
        .post(
            "/sim/v1/brandpay/sdk/agreements",
            &[],
            &json!({"customerKey": CUSTOMER, "scope": ["REGISTER", "CARD", "ACCOUNT"], "termsId": []}),
        )
        .await;
    assert_resp(
        &r,
        400,
        &json!({"error": {"code": "INVALID_REQUEST", "message": "scope holds REGISTER and at most one of CARD, ACCOUNT, BILLING"}}),
    );
    let r = env
        .post(
            "/sim/v1/brandpay/sdk/agreements",
            &[],
            &json!({"customerKey": CUSTOMER, "scope": ["REGISTER"], "termsId": [1, 2, 3, 4]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(crate::common::is_alnum(&r.body["code"], 24), "{}", r.text);
    let code = r.body["code"].as_str().unwrap();
    let auth = env.merchant_basic().await;
    let r = crate::common::brandpay_exchange(&env, &auth, CUSTOMER, code).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = env
        .post(
            "/sim/v1/brandpay/sdk/agreements",
            &[],
            &json!({"customerKey": CUSTOMER, "scope": "REGISTER"}),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (400, &json!("INVALID_REQUEST")),
        "{}",
        r.text
    );
}

async fn scripts_are_served_as_javascript(env: TestEnv) {
    for (path, global) in [
        ("/js/v1/brandpay", "global.BrandPay ="),
        ("/js/v2/standard", "global.TossPayments ="),
    ] {
        let r = env.get(path, &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["content-type"], "text/javascript; charset=utf-8");
        assert_eq!(r.headers["cache-control"], "public, max-age=300");
        assert!(r.text.contains(global), "{path}");
    }
}

async fn first_use_agrees_registers_pays_and_confirms(env: TestEnv) {
    let (origin, merchant) = start_merchant(&env).await;
    register_redirect(&env, &format!("{origin}/brandpay/callback")).await;
    let browser = Browser::open().await;
    browser
        .goto(&format!(
            "{origin}/checkout?v=1&form=redirect&customerKey={CUSTOMER}&orderId=sdk-order-0001"
        ))
        .await;
    browser.click("#pay").await;

    // First use: the terms; agreeing hands a code to the merchant's redirectUrl.
    browser.enter_frame("iframe").await;
    let terms = browser
        .wait_for_text("#terms", |t| t.contains("(필수)"))
        .await;
    assert!(terms.contains("브랜드페이 서비스 이용약관"), "{terms}");
    browser.click("#agree").await;

    // Then a card with the payment password.
    browser
        .wait_for_text("#register", |t| t == "등록하기")
        .await;
    assert_eq!(merchant.exchanges.lock().unwrap().len(), 1);
    assert_eq!(merchant.exchanges.lock().unwrap()[0].1, 200);
    browser.type_into("#card-number", "4330123412341234").await;
    browser.type_into("#password", "000000").await;
    browser.click("#register").await;

    // Then the payment.
    let methods = browser
        .wait_for_text("#methods", |t| t.contains("현대카드"))
        .await;
    assert!(methods.contains("43301234****123*"), "{methods}");
    browser.type_into("#password", "000000").await;
    browser.click("#pay").await;
    browser.leave_frames().await;
    let landed = browser.wait_for_url(|u| u.contains("/success")).await;
    let status = browser.wait_for_text("#status", |t| !t.is_empty()).await;
    browser.close().await;
    assert_eq!(status, "DONE");

    let query = query_of(&landed);
    assert_eq!(query["orderId"], "sdk-order-0001");
    assert_eq!(query["amount"], "15000");
    let r = env
        .get(
            &format!("/v1/payments/{}", query["paymentKey"]),
            &[("authorization", &merchant.auth)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            &r.body["status"],
            &r.body["orderName"],
            &r.body["totalAmount"]
        ),
        (&json!("DONE"), &json!("토스 티셔츠"), &json!(15000))
    );
    // The customer is the merchant's now: the card is listed under its key.
    let r = env
        .get(
            &format!("/v1/brandpay/payments/methods/{CUSTOMER}"),
            &[("authorization", &merchant.auth)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["cards"].as_array().map(Vec::len), Some(1));
}

/// A customer who signed up and registered a card earlier (through the API and the simulator).
async fn returning_customer(env: &TestEnv) -> Value {
    let auth = env.merchant_basic().await;
    brandpay_tokens(env, &auth, CUSTOMER).await;
    register_card(env, CUSTOMER, json!({})).await
}

async fn declined_card_fails_the_merchants_confirm(env: TestEnv) {
    let (origin, merchant) = start_merchant(&env).await;
    register_redirect(&env, &format!("{origin}/brandpay/callback")).await;
    let card = returning_customer(&env).await;
    env.sim(
        Method::POST,
        &format!(
            "/sim/v1/brandpay/methods/{}/decline",
            card["id"].as_str().unwrap()
        ),
        json!({"code": "REJECT_CARD_COMPANY"}),
    )
    .await;
    let browser = Browser::open().await;
    browser
        .goto(&format!(
            "{origin}/checkout?v=2&form=promise&customerKey={CUSTOMER}&orderId=sdk-order-0002"
        ))
        .await;
    browser.click("#pay").await;
    browser.enter_frame("iframe").await;
    browser
        .wait_for_text("#methods", |t| t.contains("현대카드"))
        .await;
    browser.type_into("#password", "000000").await;
    browser.click("#pay").await;
    browser.leave_frames().await;
    let result = browser.wait_for_text("#result", |t| !t.is_empty()).await;
    browser.close().await;
    assert_eq!(result, "confirm: REJECT_CARD_COMPANY");
    // No code was needed: the customer had agreed before.
    assert!(merchant.exchanges.lock().unwrap().is_empty());
    let r = env
        .get(
            "/v1/payments/orders/sdk-order-0002",
            &[("authorization", &merchant.auth)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "ABORTED");
    assert_eq!(r.body["failure"]["code"], "REJECT_CARD_COMPANY");
}

async fn closing_the_window_is_a_user_cancel(env: TestEnv) {
    let (origin, merchant) = start_merchant(&env).await;
    register_redirect(&env, &format!("{origin}/brandpay/callback")).await;
    returning_customer(&env).await;
    let browser = Browser::open().await;
    // The promise form rejects with USER_CANCEL.
    browser
        .goto(&format!(
            "{origin}/checkout?v=2&form=promise&customerKey={CUSTOMER}&orderId=sdk-order-0003"
        ))
        .await;
    browser.click("#pay").await;
    browser.enter_frame("iframe").await;
    browser.wait_for_text("#close", |t| t == "닫기").await;
    browser.click("#close").await;
    browser.leave_frames().await;
    let result = browser.wait_for_text("#result", |t| !t.is_empty()).await;
    assert_eq!(result, "error: USER_CANCEL 사용자가 결제를 취소하였습니다.");
    // The redirect form goes to failUrl with PAY_PROCESS_CANCELED and the orderId.
    browser
        .goto(&format!(
            "{origin}/checkout?v=1&form=redirect&customerKey={CUSTOMER}&orderId=sdk-order-0004"
        ))
        .await;
    browser.click("#pay").await;
    browser.enter_frame("iframe").await;
    browser.wait_for_text("#close", |t| t == "닫기").await;
    browser.click("#close").await;
    browser.leave_frames().await;
    let landed = browser.wait_for_url(|u| u.contains("/fail")).await;
    browser.close().await;
    let query = query_of(&landed);
    assert_eq!(
        (
            query["code"].as_str(),
            query["message"].as_str(),
            query["orderId"].as_str()
        ),
        (
            "PAY_PROCESS_CANCELED",
            "사용자에 의해 결제가 취소되었습니다.",
            "sdk-order-0004"
        )
    );
    // Nothing was paid.
    let r = env
        .get(
            "/v1/payments/orders/sdk-order-0003",
            &[("authorization", &merchant.auth)],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

async fn unregistered_redirect_url_is_refused(env: TestEnv) {
    let (origin, merchant) = start_merchant(&env).await;
    register_redirect(&env, &format!("{origin}/elsewhere")).await;
    let browser = Browser::open().await;
    for v in ["1", "2"] {
        browser
            .goto(&format!(
                "{origin}/checkout?v={v}&form=redirect&customerKey={CUSTOMER}&orderId=sdk-order-0005"
            ))
            .await;
        browser.click("#pay").await;
        let result = browser.wait_for_text("#result", |t| !t.is_empty()).await;
        assert_eq!(
            result,
            "error: NOT_REGISTERED_REDIRECT_URL 등록되지 않은 리다이렉트 URL입니다."
        );
    }
    // An invalid customerKey is refused the same way.
    browser
        .goto(&format!(
            "{origin}/checkout?v=1&form=promise&customerKey=x&orderId=sdk-order-0006&redirect=/elsewhere"
        ))
        .await;
    browser.click("#pay").await;
    let result = browser.wait_for_text("#result", |t| !t.is_empty()).await;
    browser.close().await;
    assert!(
        result.starts_with("error: INVALID_CUSTOMER_KEY "),
        "{result}"
    );
    assert!(merchant.exchanges.lock().unwrap().is_empty());
}

async fn dashboard_edits_the_redirect_urls(env: TestEnv) {
    let browser = Browser::open().await;
    browser.goto(&env.url("/dashboard")).await;
    browser
        .type_into(
            "#redirect-urls-tosspayments",
            "https://shop.example/bp/callback\nhttp://127.0.0.1:3000/cb",
        )
        .await;
    browser.click("#save-redirect-urls-tosspayments").await;
    browser
        .wait_for_url(|u| u.ends_with("/dashboard#brandpay-redirect-urls"))
        .await;
    browser.close().await;
    let r = env
        .get("/sim/v1/merchants/default/brandpay/redirect-urls", &[])
        .await;
    assert_resp(
        &r,
        200,
        &json!({"redirectUrls": ["https://shop.example/bp/callback", "http://127.0.0.1:3000/cb"]}),
    );
}

async fn agreement_registration_and_settings_open_the_window(env: TestEnv) {
    let (origin, merchant) = start_merchant(&env).await;
    register_redirect(&env, &format!("{origin}/brandpay/callback")).await;
    let browser = Browser::open().await;
    browser
        .goto(&format!("{origin}/account?customerKey={CUSTOMER}"))
        .await;
    let result = || browser.wait_for_text("#result", |t| !t.is_empty());

    // requestAgreement: the sign-up terms and the card terms; the code reaches the merchant's server.
    browser.click("#agreement").await;
    browser.enter_frame("iframe").await;
    let terms = browser
        .wait_for_text("#terms", |t| t.contains("(필수)"))
        .await;
    browser.click("#agree").await;
    browser.leave_frames().await;
    assert_eq!(
        result().await,
        r#"{"scope":["REGISTER","CARD"]}"#,
        "{terms}"
    );
    assert_eq!(merchant.exchanges.lock().unwrap()[0].1, 200);

    // addPaymentMethod: the card, then an account; each resolves with the customer's methods.
    browser.click("#add-card").await;
    browser.enter_frame("iframe").await;
    browser
        .wait_for_text("#register", |t| t == "등록하기")
        .await;
    browser.type_into("#password", "000000").await;
    browser.click("#register").await;
    browser.leave_frames().await;
    let cards: Value = serde_json::from_str(&result().await).unwrap();
    assert_eq!(
        (
            cards.as_array().map(Vec::len),
            &cards[0]["cardName"],
            &cards[0]["status"]
        ),
        (Some(1), &json!("현대카드"), &json!("ENABLED"))
    );
    browser.click("#add-account").await;
    browser.enter_frame("iframe").await;
    browser
        .wait_for_text("#register", |t| t == "등록하기")
        .await;
    browser.type_into("#account-number", "1234567890").await;
    browser.type_into("#password", "000000").await;
    browser.click("#register").await;
    browser.leave_frames().await;
    let methods: Value = serde_json::from_str(&result().await).unwrap();
    assert_eq!(methods.as_array().map(Vec::len), Some(2));
    assert_eq!(methods[1]["accountNumber"], "123***7890");

    // openSettings lists them and resolves with them when closed.
    browser.click("#settings").await;
    browser.enter_frame("iframe").await;
    let listed = browser
        .wait_for_text("#methods", |t| t.contains("신한은행"))
        .await;
    assert!(listed.contains("현대카드"), "{listed}");
    browser.click("#close").await;
    browser.leave_frames().await;
    let settled: Value = serde_json::from_str(&result().await).unwrap();
    browser.close().await;
    assert_eq!(settled, methods);
    // The merchant's server sees the same two methods.
    let r = env
        .get(
            &format!("/v1/brandpay/payments/methods/{CUSTOMER}"),
            &[("authorization", &merchant.auth)],
        )
        .await;
    assert_eq!(
        (
            r.body["cards"].as_array().map(Vec::len),
            r.body["accounts"].as_array().map(Vec::len)
        ),
        (Some(1), Some(1)),
        "{}",
        r.text
    );
}
