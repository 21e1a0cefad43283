//! Receipt pages: a Toss Payments payment's `receipt.url` and a Toss Pay card payment's
//! `salesCheckLinkUrl` render the stored payment, cancels and refunds included; unknown ids are a 404 page.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{link_user, post_as, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    payment_receipts_show_the_payment_and_its_cancels,
    toss_pay_receipts_show_the_slip_and_its_refunds,
);

/// GETs the page at `url` (absolute, as the API gave it); returns (status, HTML).
async fn page(env: &TestEnv, url: &str) -> (u16, String) {
    let path = url
        .strip_prefix(env.base())
        .unwrap_or_else(|| panic!("{url} is not under {}", env.base()));
    let r = env.get(path, &[]).await;
    if r.status == 200 {
        assert_eq!(r.headers["content-type"], "text/html; charset=utf-8");
    }
    (r.status, r.text)
}

/// The text of the cell `data-field="field"` (every one of them, in order).
fn cells(html: &str, field: &str) -> Vec<String> {
    let marker = format!("data-field=\"{field}\">");
    html.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find("</td>").expect("a closed cell")].to_owned()
        })
        .collect()
}

fn cell(html: &str, field: &str) -> String {
    let all = cells(html, field);
    assert_eq!(all.len(), 1, "one {field} cell in\n{html}");
    all[0].clone()
}

async fn payment_receipts_show_the_payment_and_its_cancels(env: TestEnv) {
    let payment = env.approved_payment("order-receipt-1", 10000, 0).await;
    let url = payment["receipt"]["url"].as_str().expect("receipt.url");
    let (status, html) = page(&env, url).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<title>카드 매출전표</title>"), "{html}");
    assert_eq!(cell(&html, "merchant"), "토스페이먼츠 (tosspayments)");
    assert_eq!(cell(&html, "order-id"), "order-receipt-1");
    assert_eq!(cell(&html, "order-name"), "토스 티셔츠 외 2건");
    assert_eq!(cell(&html, "status"), "DONE");
    assert_eq!(cell(&html, "method"), "카드");
    assert_eq!(cell(&html, "card-company"), "현대카드");
    assert_eq!(cell(&html, "card-number"), payment["card"]["number"]);
    assert_eq!(cell(&html, "installment"), "일시불");
    assert_eq!(cell(&html, "approve-no"), "00000000");
    assert_eq!(cell(&html, "approved-at"), payment["approvedAt"]);
    assert_eq!(cell(&html, "amount"), "10,000원");
    assert_eq!(cell(&html, "balance"), "10,000원");
    assert_eq!(cell(&html, "supplied"), "9,091원");
    assert_eq!(cell(&html, "vat"), "909원");
    assert!(cells(&html, "cancel").is_empty());

    let key = payment["paymentKey"].as_str().expect("paymentKey");
    let auth = env.merchant_basic().await;
    for (amount, reason) in [(3000, "고객 변심"), (2000, "<script>")] {
        let r = env
            .post(
                &format!("/v1/payments/{key}/cancel"),
                &[("authorization", &auth)],
                &json!({"cancelReason": reason, "cancelAmount": amount}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let cancels = env
        .get(&format!("/v1/payments/{key}"), &[("authorization", &auth)])
        .await
        .body["cancels"]
        .clone();
    let (_, html) = page(&env, url).await;
    assert_eq!(cell(&html, "status"), "PARTIAL_CANCELED");
    assert_eq!(
        cells(&html, "cancel"),
        [
            format!(
                "{} 3,000원 (고객 변심)",
                cancels[0]["canceledAt"].as_str().unwrap()
            ),
            format!(
                "{} 2,000원 (&lt;script&gt;)",
                cancels[1]["canceledAt"].as_str().unwrap()
            ),
        ]
    );
    assert_eq!(cell(&html, "balance"), "5,000원");

    // An account payment; a payment not approved yet has no receipt; nor has an unknown key.
    let transfer = env
        .sim(
            Method::POST,
            "/sim/v1/payments",
            json!({"orderId": "order-receipt-2", "orderName": "생수", "amount": 5000, "method": "TRANSFER"}),
        )
        .await;
    let (status, html) = page(&env, transfer["receipt"]["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>결제 영수증</title>"), "{html}");
    assert_eq!(cell(&html, "bank"), "신한은행");
    assert!(cells(&html, "card-number").is_empty());
    let pending = env
        .sim(
            Method::POST,
            "/sim/v1/payments",
            json!({"orderId": "order-receipt-3", "orderName": "생수", "amount": 5000, "status": "IN_PROGRESS"}),
        )
        .await;
    assert_eq!(pending["receipt"], Value::Null);
    for missing in [
        format!("/sim/receipts/{}", pending["paymentKey"].as_str().unwrap()),
        "/sim/receipts/unknown".to_owned(),
    ] {
        let r = env.get(&missing, &[]).await;
        assert_eq!(r.status, 404, "{missing}");
        assert!(r.text.contains("그런 영수증이 없어요."), "{}", r.text);
    }
}

const PAY: &str = "/api-partner/v1/apps-in-toss/pay";

/// A Toss Pay payment made, approved with `approval` and executed; returns the execute answer.
async fn executed(env: &TestEnv, order_no: &str, approval: Value) -> Value {
    let r = post_as(
        env,
        &format!("{PAY}/make-payment"),
        123456789,
        &json!({"orderNo": order_no, "productDesc": "토스 티셔츠", "amount": 10000,
                "amountTaxFree": 0, "isTestPayment": true}),
    )
    .await;
    let token = r.body["success"]["payToken"]
        .as_str()
        .expect("payToken")
        .to_owned();
    env.sim(
        Method::POST,
        &format!("/sim/v1/pay/{token}/approve"),
        approval,
    )
    .await;
    let r = post_as(
        env,
        &format!("{PAY}/execute-payment"),
        123456789,
        &json!({"payToken": token, "isTestPayment": true}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["success"].clone()
}

async fn toss_pay_receipts_show_the_slip_and_its_refunds(env: TestEnv) {
    link_user(&env, 123456789).await;
    let paid = executed(
        &env,
        "order-slip-1",
        json!({"payMethod": "CARD", "spreadOut": 0, "discountAmount": 1000}),
    )
    .await;
    let url = paid["salesCheckLinkUrl"]
        .as_str()
        .expect("salesCheckLinkUrl");
    let (status, html) = page(&env, url).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("<title>토스페이 카드 매출전표</title>"),
        "{html}"
    );
    assert_eq!(cell(&html, "merchant"), "default");
    assert_eq!(cell(&html, "order-no"), "order-slip-1");
    assert_eq!(cell(&html, "product"), "토스 티셔츠");
    assert_eq!(cell(&html, "status"), "PAY_COMPLETE");
    assert_eq!(cell(&html, "transaction-id"), paid["transactionId"]);
    assert_eq!(cell(&html, "card-company"), "현대카드");
    assert_eq!(cell(&html, "card-number"), paid["cardNumber"]);
    assert_eq!(cell(&html, "approve-no"), paid["cardAuthorizationNo"]);
    assert_eq!(cell(&html, "paid-at"), paid["approvalTime"]);
    assert_eq!(cell(&html, "amount"), "10,000원");
    assert_eq!(cell(&html, "discount"), "1,000원");
    assert_eq!(cell(&html, "paid"), "9,000원");
    assert_eq!(cell(&html, "refundable"), "10,000원");

    let r = post_as(
        &env,
        &format!("{PAY}/refund-payment"),
        123456789,
        &json!({"payToken": paid["payToken"], "amount": 3000, "reason": "고객 요청", "isTestPayment": true}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (_, html) = page(&env, url).await;
    assert_eq!(cells(&html, "refund").len(), 1);
    assert!(cell(&html, "refund").ends_with(" 3,000원"), "{html}");
    assert_eq!(cell(&html, "refundable"), "7,000원");

    // Toss Money payments have no salesCheckLinkUrl, but their transaction has a receipt too.
    let money = executed(&env, "order-slip-2", json!({"payMethod": "TOSS_MONEY"})).await;
    assert_eq!(money["salesCheckLinkUrl"], Value::Null);
    let id = money["transactionId"].as_str().unwrap();
    let (status, html) = page(&env, &env.url(&format!("/sim/receipts/tosspay/{id}"))).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<title>토스페이 결제 영수증</title>"),
        "{html}"
    );
    assert_eq!(cell(&html, "method"), "토스머니");
    assert_eq!(cell(&html, "bank"), "토스뱅크");

    let r = env.get("/sim/receipts/tosspay/unknown", &[]).await;
    assert_eq!(r.status, 404);
    assert!(r.text.contains("그런 영수증이 없어요."), "{}", r.text);
}
