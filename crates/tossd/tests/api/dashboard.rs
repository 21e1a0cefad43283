//! The operator dashboard's pages, clicked through in headless Chromium like a person would: the
//! overview links to each object's page, the pages follow changes made through the API without a
//! reload, amounts are grouped by thousands, labels switch between Korean and English, and receipt links
//! open the receipt. Plus what plain HTTP sees: the language chosen from `Accept-Language`, the live JSON,
//! 404 for unknown objects, and the operator guard in front of every page.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::browser::Browser;
use crate::common::{link_user, register_card, send, Servers, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    a_person_follows_objects_across_the_dashboard,
    pages_speak_the_browsers_language_and_answer_live_json,
    the_journal_view_shows_partner_calls,
);

on_both_backends!(with_flags ["--admin-token", "dashboard-admin-token-0123456789"];
    object_pages_sit_behind_the_operator_guard,
);

const AIT: &str = "/api-partner/v1/apps-in-toss";
const USER: i64 = 123456789;
const CUSTOMER: &str = "dash-customer-1";

/// A Toss Pay payment of 25,000원 by the seeded user, waiting for the pay sheet; returns its payToken.
async fn toss_pay_payment(env: &TestEnv) -> String {
    link_user(env, USER).await;
    let r = env
        .post(&format!("{AIT}/pay/make-payment"), &[("x-toss-user-key", "123456789")],
            &json!({"orderNo": "dash-order-1", "productDesc": "토스 티셔츠", "amount": 25000, "amountTaxFree": 0, "isTestPayment": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["success"]["payToken"].as_str().unwrap().to_owned()
}

/// A confirmed BrandPay card payment of 15,000원 with a 5,000원 cancel; returns its paymentKey.
async fn brandpay_payment(env: &TestEnv, auth: &str) -> String {
    let card = register_card(env, CUSTOMER, json!({})).await;
    let r = env
        .post("/sim/v1/brandpay/payments", &[],
            &json!({"customerKey": CUSTOMER, "methodId": card["id"], "amount": 15000, "orderId": "dash-bp-1",
                    "orderName": "브랜드페이 상품", "password": "000000"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let key = r.body["paymentKey"].as_str().unwrap().to_owned();
    let r = env
        .post("/v1/brandpay/payments/confirm", &[("authorization", auth)],
            &json!({"paymentKey": key, "orderId": "dash-bp-1", "amount": 15000, "customerKey": CUSTOMER}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    cancel(
        env,
        auth,
        &key,
        json!({"cancelReason": "고객 변심", "cancelAmount": 5000}),
    )
    .await;
    key
}

async fn cancel(env: &TestEnv, auth: &str, key: &str, body: Value) {
    let r = env
        .post(
            &format!("/v1/payments/{key}/cancel"),
            &[("authorization", auth)],
            &body,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// The text of the field `name` of the page's state table, once `ready`.
async fn field(browser: &Browser, name: &str, ready: impl Fn(&str) -> bool) -> String {
    browser
        .wait_for_text(&format!("td[data-field='{name}']"), ready)
        .await
}

/// Marks the loaded document, so a later [`same_document`] tells whether the page was reloaded.
async fn mark_document(browser: &Browser) {
    browser.execute("window.notReloaded = true;").await;
}

async fn same_document(browser: &Browser) -> bool {
    browser.execute("return window.notReloaded === true;").await == json!(true)
}

/// The journal section is filled from `/sim/v1/requests?object=…`: the partner calls that touched the
/// object, each shown as its method and path.
async fn journal_section_is_filled(browser: &Browser, path_part: &str) {
    let shown = browser
        .wait_for_text("#journal-entries .journal-body", |t| t.contains(path_part))
        .await;
    assert!(!shown.contains("journal unavailable"), "{shown}");
}

async fn a_person_follows_objects_across_the_dashboard(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let pay_token = toss_pay_payment(&env).await;
    let payment_key = brandpay_payment(&env, &auth).await;

    let browser = Browser::open().await;
    browser.goto(&env.url("/dashboard")).await;
    // Whatever the browser's language, the switch picks Korean (and the page remembers it).
    browser.click("#lang-ko").await;
    browser
        .wait_for_text("#page-title", |t| t == "대시보드")
        .await;
    let listed = browser.text("#toss-pay").await;
    assert!(
        listed.contains("25,000원") && listed.contains(&pay_token),
        "{listed}"
    );
    let listed = browser.text("#payments").await;
    assert!(
        listed.contains("15,000원") && listed.contains("10,000원"),
        "{listed}"
    );

    // The Toss Pay payment: its page follows the pay sheet's approval without a reload.
    browser
        .click(&format!("#toss-pay a[href='/dashboard/pay/{pay_token}']"))
        .await;
    field(&browser, "status", |s| s == "PAY_STANDBY").await;
    assert_eq!(field(&browser, "amount", |_| true).await, "25,000원");
    assert_eq!(field(&browser, "product", |_| true).await, "토스 티셔츠");
    journal_section_is_filled(
        &browser,
        "POST /api-partner/v1/apps-in-toss/pay/make-payment",
    )
    .await;
    mark_document(&browser).await;
    let r = env
        .post(&format!("/sim/v1/pay/{pay_token}/approve"), &[], &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    field(&browser, "status", |s| s == "PAY_APPROVED").await;
    assert_eq!(field(&browser, "pay-method", |_| true).await, "TOSS_MONEY");
    assert!(same_document(&browser).await, "the page reloaded");

    // Its user: profile, linked app, the payment.
    browser.click("td[data-field='user'] a").await;
    field(&browser, "name", |n| n == "홍길동").await;
    let links = browser.text("#links").await;
    assert!(links.contains("ait_") && links.contains("예"), "{links}");
    let payments = browser.text("#user-payments").await;
    assert!(
        payments.contains(&pay_token) && payments.contains("25,000원"),
        "{payments}"
    );
    journal_section_is_filled(&browser, "/api-partner/").await;

    // The BrandPay payment with its cancel; a full cancel through the API shows up live.
    browser.click("#nav-overview").await;
    browser
        .click(&format!(
            "#payments a[href='/dashboard/payments/{payment_key}']"
        ))
        .await;
    field(&browser, "status", |s| s == "PARTIAL_CANCELED").await;
    assert_eq!(field(&browser, "total-amount", |_| true).await, "15,000원");
    assert_eq!(
        field(&browser, "balance-amount", |_| true).await,
        "10,000원"
    );
    let cancels = browser.text("#cancels").await;
    assert!(
        cancels.contains("5,000원") && cancels.contains("고객 변심"),
        "{cancels}"
    );
    // The payment's status webhooks (recorded, not sent: no webhook URL is set).
    let hooks = browser.text("#webhooks").await;
    assert!(
        hooks.contains("PAYMENT_STATUS_CHANGED") && hooks.contains("NOT_SENT"),
        "{hooks}"
    );
    journal_section_is_filled(&browser, "POST /v1/").await;
    mark_document(&browser).await;
    cancel(
        &env,
        &auth,
        &payment_key,
        json!({"cancelReason": "전액 취소"}),
    )
    .await;
    field(&browser, "status", |s| s == "CANCELED").await;
    field(&browser, "balance-amount", |s| s == "0원").await;
    let cancels = browser
        .wait_for_text("#cancels", |c| c.contains("전액 취소"))
        .await;
    assert!(cancels.contains("10,000원"), "{cancels}");
    assert!(same_document(&browser).await, "the page reloaded");

    // English labels, remembered on the next page.
    browser.click("#lang-en").await;
    browser
        .wait_for_text("#page-title", |t| t.starts_with("Toss Payments payment"))
        .await;
    let state = browser.text("#state").await;
    assert!(
        state.contains("Balance") && state.contains("Open receipt"),
        "{state}"
    );
    assert_eq!(field(&browser, "total-amount", |_| true).await, "15,000원");

    // Its customer: the record, the card, the payment.
    browser.click("td[data-field='customer'] a").await;
    browser
        .wait_for_text("#page-title", |t| {
            t == format!("BrandPay customer {CUSTOMER}")
        })
        .await;
    assert!(browser.text("#records").await.contains("tosspayments"));
    let methods = browser.text("#methods").await;
    assert!(
        methods.contains("현대카드") && methods.contains("ENABLED"),
        "{methods}"
    );
    assert!(browser
        .text("#customer-payments")
        .await
        .contains(&payment_key));
    journal_section_is_filled(&browser, "/v1/brandpay/").await;

    // The receipt link opens the receipt.
    browser
        .goto(&env.url(&format!("/dashboard/payments/{payment_key}")))
        .await;
    browser.click("#receipt").await;
    browser
        .wait_for_url(|u| u.ends_with(&format!("/sim/receipts/{payment_key}")))
        .await;
    assert_eq!(field(&browser, "order-id", |_| true).await, "dash-bp-1");
    assert_eq!(field(&browser, "status", |_| true).await, "CANCELED");

    // The journal view says so while the journal is unavailable, and lists requests once it exists.
    browser.goto(&env.url("/dashboard/journal")).await;
    assert_eq!(browser.text("#nav-overview").await, "Dashboard");
    browser
        .wait_for_text("#journal-list", |t| {
            t.contains("journal unavailable") || t.contains("/v1/payments/")
        })
        .await;
    browser.close().await;
}

async fn get(env: &TestEnv, path: &str, headers: &[(&str, &str)]) -> crate::common::Resp {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    send(&client, Method::GET, &env.url(path), headers, None).await
}

async fn pages_speak_the_browsers_language_and_answer_live_json(env: TestEnv) {
    let pay_token = toss_pay_payment(&env).await;
    let page = format!("/dashboard/pay/{pay_token}");

    let korean = get(
        &env,
        &page,
        &[("accept-language", "ko-KR,ko;q=0.9,en;q=0.8")],
    )
    .await;
    assert_eq!(korean.status, 200, "{}", korean.text);
    assert!(korean.text.contains("<html lang=\"ko\">") && korean.text.contains("토스페이 결제"));
    assert!(
        korean
            .text
            .contains("<td data-field=\"amount\">25,000원</td>"),
        "{}",
        korean.text
    );
    let english = get(&env, &page, &[("accept-language", "en-US,en;q=0.9")]).await;
    assert!(
        english.text.contains("<html lang=\"en\">") && english.text.contains("Toss Pay payment")
    );
    // The switch's cookie wins over Accept-Language; no preference at all is Korean.
    let chosen = get(
        &env,
        &page,
        &[("accept-language", "en-US"), ("cookie", "tossd_lang=ko")],
    )
    .await;
    assert!(chosen.text.contains("<html lang=\"ko\">"));
    assert!(get(&env, "/dashboard", &[])
        .await
        .text
        .contains("<html lang=\"ko\">"));

    // The live JSON the page polls: its data as HTML, a version that changes with it, the clock.
    let live = |headers: &'static [(&'static str, &'static str)]| {
        let env = &env;
        let path = format!("{page}?live=1");
        async move { get(env, &path, headers).await }
    };
    let before = live(&[]).await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(before.headers["content-type"], "application/json");
    let keys: Vec<&String> = before.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["html", "now", "version"]);
    assert!(before.body["html"]
        .as_str()
        .unwrap()
        .contains("PAY_STANDBY"));
    assert_eq!(live(&[]).await.body["version"], before.body["version"]);
    // On PostgreSQL a second tossd on the database answers the same version, and its approval shows in
    // the first one's live JSON.
    let servers = Servers::of(&env).await;
    let last = servers.bases().last().unwrap().clone();
    let client = reqwest::Client::new();
    let other = send(
        &client,
        Method::GET,
        &format!("{last}{page}?live=1"),
        &[],
        None,
    )
    .await;
    assert_eq!(other.body["version"], before.body["version"]);
    let approve = format!("{last}/sim/v1/pay/{pay_token}/approve");
    let r = send(&client, Method::POST, &approve, &[], Some("{}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    servers.stop().await;
    let after = live(&[]).await;
    assert!(after.body["html"]
        .as_str()
        .unwrap()
        .contains("PAY_APPROVED"));
    assert_ne!(after.body["version"], before.body["version"]);

    // Unknown objects are a 404 page (and 404 live JSON), in the page's language.
    for path in [
        "/dashboard/pay/nope",
        "/dashboard/payments/nope",
        "/dashboard/customers/nope",
        "/dashboard/users/999999",
        "/dashboard/users/not-a-number",
    ] {
        let r = get(&env, path, &[("accept-language", "en")]).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(
            r.text
                .contains("<p id=\"not-found\" class=\"empty\">Not found.</p>"),
            "{path}"
        );
        let r = get(&env, &format!("{path}?live=1"), &[]).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(
            r.body["html"].as_str().unwrap().contains("찾을 수 없어요."),
            "{path}"
        );
    }
    // The journal page is a shell for its script.
    let r = get(&env, "/dashboard/journal", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("id=\"journal-filters\"") && r.text.contains("/sim/v1/requests"));
}

async fn object_pages_sit_behind_the_operator_guard(env: TestEnv) {
    for (path, status) in [
        ("/dashboard/users/123456789", 200),
        ("/dashboard/users/123456789?live=1", 200),
        ("/dashboard/payments/nope", 404),
        ("/dashboard/journal", 200),
    ] {
        // No sign-in: sent to the form.
        let r = get(&env, path, &[]).await;
        assert_eq!(r.status, 303, "{path}");
        let location = r.headers["location"].to_str().unwrap();
        assert!(
            location.starts_with("/dashboard/login?next=%2Fdashboard%2F"),
            "{location}"
        );
        // A rebinding page's Host is refused even before that.
        let r = get(&env, path, &[("host", "evil.example")]).await;
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(r.body["error"]["code"], "HOST_NOT_ALLOWED");
        // The admin token opens it.
        let r = get(
            &env,
            path,
            &[("authorization", "Bearer dashboard-admin-token-0123456789")],
        )
        .await;
        assert_eq!(r.status, status, "{path}: {}", r.text);
    }
}

async fn the_journal_view_shows_partner_calls(env: TestEnv) {
    let auth = env.merchant_basic().await;
    for path in [
        "/v1/payments/journal-key",
        "/v1/payments/orders/journal-order",
    ] {
        let r = env.get(path, &[("authorization", &auth)]).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
    }
    let browser = Browser::open().await;
    browser.goto(&env.url("/dashboard/journal")).await;
    browser.click("#lang-en").await;
    browser
        .wait_for_text("#journal-list", |t| {
            t.contains("GET /v1/payments/journal-key")
                && t.contains("GET /v1/payments/orders/journal-order")
        })
        .await;
    // Filters go to the journal API; only the lookup by paymentKey is left.
    browser.type_into("#filter-status", "4xx").await;
    browser.type_into("#filter-object", "journal-key").await;
    browser.click("#filter-apply").await;
    let list = browser
        .wait_for_text("#journal-list", |t| {
            t.contains("journal-key") && !t.contains("journal-order")
        })
        .await;
    assert!(list.contains("404"), "{list}");
    // A click shows the entry in full: the answer, and the credential redacted.
    browser.click("a.entry").await;
    let detail = browser
        .wait_for_text("#journal-detail", |t| t.contains("NOT_FOUND_PAYMENT"))
        .await;
    assert!(detail.contains("GET /v1/payments/journal-key"), "{detail}");
    let credential = auth.trim_start_matches("Basic ");
    assert!(!detail.contains(credential), "{detail}");
    let url = browser.wait_for_url(|u| u.contains("id=")).await;
    assert!(url.contains("status=4xx"), "{url}");
    // The address keeps the view: opening it again shows the same entry.
    browser.goto(&url).await;
    browser
        .wait_for_text("#journal-detail", |t| t.contains("NOT_FOUND_PAYMENT"))
        .await;
    browser.close().await;
}
