//! Pages for people, rendered in headless Chromium.

use reqwest::Method;
use serde_json::json;

use crate::common::browser::{rendered_dom, Browser};
use crate::common::TestEnv;
use crate::on_both_backends;

on_both_backends!(
    swagger_ui_renders_every_operation_offline,
    dashboard_shows_state_and_moves_the_clock
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
