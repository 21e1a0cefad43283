//! BrandPay payments: the simulated window, confirm, auto-pay, lookup and cancel of the result,
//! idempotency, simulated declines and Bearer credentials (docs/reference.md §2.9, §3.6, §4.3, §5.2.4, §5.3).

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    advance, assert_resp, bearer, brandpay_tokens, concurrently, error, invalid_customer_key,
    invalid_request, is_alnum, is_tp_time, is_transaction_key, payment_webhooks, post_concurrently,
    register_account, register_card, send, successes, with, without, Resp, Servers, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    checkout_end_to_end,
    concurrent_confirms_approve_once,
    concurrent_auto_pays_share_one_discount_budget,
    confirm_idempotency_replays_the_first_response,
    window_failures_create_nothing,
    confirm_errors_in_documented_order,
    confirm_after_removal_or_withdrawal,
    auto_pay_rules_and_fields,
    auto_pay_bad_inputs,
    simulated_declines_abort_payments,
    bearer_credentials_in_idempotency_and_test_codes,
    merchant_payment_settings,
    auto_pay_is_once_per_order_and_per_idempotency_key,
    endpoints_are_documented,
);

const KEY: &str = "c6thB674j9vCU4XsvcPk";

async fn window(env: &TestEnv, body: Value) -> Resp {
    env.post("/sim/v1/brandpay/payments", &[], &body).await
}

/// The window for `method_id`: returns the paymentKey.
async fn open(env: &TestEnv, key: &str, method_id: &Value, order_id: &str, amount: i64) -> String {
    let r = window(
        env,
        json!({"customerKey": key, "methodId": method_id, "amount": amount, "orderId": order_id,
               "orderName": "토스 티셔츠 외 2건", "password": "000000"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (&r.body["orderId"], &r.body["amount"]),
        (&json!(order_id), &json!(amount))
    );
    assert_eq!(r.body.as_object().map(|o| o.len()), Some(3));
    assert!(is_alnum(&r.body["paymentKey"], 48), "{}", r.text);
    r.body["paymentKey"].as_str().unwrap().to_owned()
}

async fn confirm(env: &TestEnv, auth: &str, body: &Value) -> Resp {
    env.post(
        "/v1/brandpay/payments/confirm",
        &[("authorization", auth)],
        body,
    )
    .await
}

async fn auto_pay(env: &TestEnv, auth: &str, body: &Value) -> Resp {
    env.post("/v1/brandpay/payments", &[("authorization", auth)], body)
        .await
}

/// The Payment a DONE card confirm of the simulator's default card shows.
fn done_card_payment(env: &TestEnv, confirmed: &Value, card_number: &Value, amount: i64) -> Value {
    let key = confirmed["paymentKey"].as_str().unwrap();
    let vat = (amount * 2 + 11) / 22;
    json!({
        "mId": "tosspayments", "version": "2024-06-01",
        "paymentKey": key, "status": "DONE",
        "transactionKey": confirmed["transactionKey"],
        "lastTransactionKey": confirmed["transactionKey"],
        "orderId": confirmed["orderId"], "orderName": "토스 티셔츠 외 2건",
        "requestedAt": confirmed["requestedAt"], "approvedAt": confirmed["approvedAt"],
        "useEscrow": false, "cultureExpense": false,
        "card": {
            "issuerCode": "61", "acquirerCode": "61", "number": card_number,
            "installmentPlanMonths": 0, "isInterestFree": false, "interestPayer": null,
            "approveNo": "00000000", "useCardPoint": false, "cardType": "신용", "ownerType": "개인",
            "acquireStatus": "READY", "amount": amount
        },
        "virtualAccount": null, "transfer": null, "mobilePhone": null, "giftCertificate": null,
        "cashReceipt": null, "cashReceipts": null, "discount": null, "cancels": null,
        "secret": confirmed["secret"], "type": "BRANDPAY", "easyPay": null, "easyPayAmount": null,
        "easyPayDiscountAmount": null, "country": "KR", "failure": null,
        "isPartialCancelable": true,
        "receipt": {"url": format!("{}/sim/receipts/{key}", env.base())},
        "checkout": null, "currency": "KRW", "totalAmount": amount, "balanceAmount": amount,
        "suppliedAmount": amount - vat, "vat": vat, "taxFreeAmount": 0, "taxExemptionAmount": 0,
        "metadata": null, "method": "카드"
    })
}

async fn checkout_end_to_end(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let h = [("authorization", auth.as_str())];
    let card = register_card(&env, KEY, json!({})).await;
    let key = open(&env, KEY, &card["id"], "order-checkout-1", 10_000).await;

    // Before confirm: IN_PROGRESS with its method, no transaction.
    let r = env.get(&format!("/v1/payments/{key}"), &h).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (&r.body["status"], &r.body["method"], &r.body["card"]),
        (&json!("IN_PROGRESS"), &json!("카드"), &Value::Null)
    );
    assert_eq!(
        (&r.body["transactionKey"], &r.body["approvedAt"]),
        (&Value::Null, &Value::Null)
    );
    assert!(is_tp_time(&r.body["requestedAt"]));
    assert!(payment_webhooks(&env).await.is_empty());

    // The amount as the redirect's query string carries it: a digit string.
    let r = confirm(
        &env,
        &auth,
        &json!({"paymentKey": key, "amount": "10000", "customerKey": KEY, "orderId": "order-checkout-1"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let confirmed = r.body.clone();
    assert!(is_transaction_key(&confirmed["transactionKey"]));
    assert!(is_tp_time(&confirmed["approvedAt"]));
    let secret = confirmed["secret"].as_str().expect("secret");
    assert!(secret.starts_with("ps_") && secret.len() == 31);
    let expected = done_card_payment(&env, &confirmed, &card["cardNumber"], 10_000);
    assert_eq!(confirmed, expected);
    assert_eq!(
        (expected["suppliedAmount"].clone(), expected["vat"].clone()),
        (json!(9091), json!(909))
    );
    assert!(r
        .headers
        .get("content-type")
        .is_some_and(|v| v == "application/json;charset=UTF-8"));

    // Lookup both ways.
    let r = env.get(&format!("/v1/payments/{key}"), &h).await;
    assert_resp(&r, 200, &expected);
    let r = env.get("/v1/payments/orders/order-checkout-1", &h).await;
    assert_resp(&r, 200, &expected);

    // The method was used: it is the selected one.
    let r = env
        .get(&format!("/v1/brandpay/payments/methods/{KEY}"), &h)
        .await;
    assert_eq!(r.body["selectedMethodId"], card["id"]);

    // Partial, then full cancel.
    let r = env
        .post(
            &format!("/v1/payments/{key}/cancel"),
            &h,
            &json!({"cancelReason": "고객 변심", "cancelAmount": 1000}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            &r.body["status"],
            &r.body["balanceAmount"],
            &r.body["vat"],
            &r.body["suppliedAmount"]
        ),
        (
            &json!("PARTIAL_CANCELED"),
            &json!(9000),
            &json!(818),
            &json!(8182)
        )
    );
    let partial = r.body.clone();
    let cancel = &partial["cancels"][0];
    assert!(is_transaction_key(&cancel["transactionKey"]) && is_tp_time(&cancel["canceledAt"]));
    assert_eq!(
        cancel,
        &json!({"cancelAmount": 1000, "cancelReason": "고객 변심", "taxFreeAmount": 0,
                "taxExemptionAmount": 0, "refundableAmount": 9000, "cardDiscountAmount": 0,
                "transferDiscountAmount": 0, "easyPayDiscountAmount": 0,
                "canceledAt": cancel["canceledAt"], "transactionKey": cancel["transactionKey"],
                "receiptKey": null, "cancelStatus": "DONE", "cancelRequestId": null})
    );
    assert_eq!(partial["lastTransactionKey"], cancel["transactionKey"]);
    assert_eq!(partial["approvedAt"], confirmed["approvedAt"]);
    let r = env
        .post(
            &format!("/v1/payments/{key}/cancel"),
            &h,
            &json!({"cancelReason": "전액 취소"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            &r.body["status"],
            &r.body["balanceAmount"],
            &r.body["card"]["acquireStatus"]
        ),
        (&json!("CANCELED"), &json!(0), &json!("CANCELED"))
    );
    assert_eq!(r.body["cancels"][1]["cancelAmount"], 9000);
    let canceled = r.body.clone();
    let r = env.get(&format!("/v1/payments/{key}"), &h).await;
    assert_resp(&r, 200, &canceled);

    // One webhook per change, each carrying the Payment after it.
    let hooks = payment_webhooks(&env).await;
    let statuses: Vec<&Value> = hooks.iter().map(|h| &h["data"]["status"]).collect();
    assert_eq!(
        statuses,
        [
            &json!("DONE"),
            &json!("PARTIAL_CANCELED"),
            &json!("CANCELED")
        ]
    );
    assert_eq!(hooks[0]["eventType"], "PAYMENT_STATUS_CHANGED");
    assert_eq!(hooks[0]["data"], expected);
    assert_eq!(hooks[1]["data"], partial);
    assert_eq!(hooks[2]["data"], canceled);

    // The orderId is spent: a new window for it fails as the failUrl would say.
    let r = window(
        &env,
        json!({"customerKey": KEY, "methodId": card["id"], "amount": 10000,
               "orderId": "order-checkout-1", "orderName": "다시"}),
    )
    .await;
    assert_resp(
        &r,
        400,
        &json!({"error": {"code": "DUPLICATED_ORDER_ID", "message": "이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요."}}),
    );

    // An account payment fills `transfer`.
    let account = register_account(&env, KEY, json!({"bankCode": "20"})).await;
    let key = open(&env, KEY, &account["id"], "order-checkout-2", 15_000).await;
    let r = confirm(
        &env,
        &auth,
        &json!({"paymentKey": key, "amount": 15000, "customerKey": KEY, "orderId": "order-checkout-2"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (&r.body["method"], &r.body["card"], &r.body["transfer"]),
        (
            &json!("계좌이체"),
            &Value::Null,
            &json!({"bankCode": "20", "settlementStatus": "INCOMPLETED"})
        )
    );
    assert_eq!(
        (&r.body["vat"], &r.body["suppliedAmount"]),
        (&json!(1364), &json!(13636))
    );
}

async fn concurrent_confirms_approve_once(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let card = register_card(&env, KEY, json!({})).await;
    let key = open(&env, KEY, &card["id"], "order-race-0001", 10_000).await;
    let servers = Servers::of(&env).await;
    let body = json!({"paymentKey": key, "amount": 10000, "customerKey": KEY, "orderId": "order-race-0001"})
        .to_string();
    let responses = post_concurrently(
        &env,
        &servers,
        50,
        "/v1/brandpay/payments/confirm",
        &[("authorization", &auth)],
        &body,
    )
    .await;
    let done = successes(
        &responses,
        400,
        &error("ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다."),
    );
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].body["status"], "DONE");
    let hooks = payment_webhooks(&env).await;
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["data"]["status"], "DONE");
    servers.stop().await;
}

async fn concurrent_auto_pays_share_one_discount_budget(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let card = register_card(&env, KEY, json!({"issuerCode": "11"})).await;
    env.sim(
        Method::POST,
        "/sim/v1/brandpay/promotions",
        json!({"type": "CARD_DISCOUNT", "companyCode": "11", "dueDate": "2099-12-31",
               "minimumPaymentAmount": 10000, "discountAmount": 1000, "balance": 3000,
               "discountCode": "RACE3", "maximumPaymentAmount": 100000}),
    )
    .await;
    let servers = Servers::of(&env).await;
    let responses = concurrently(8, |i| {
        let client = env.client().clone();
        let url = format!("{}/v1/brandpay/payments", servers.base(i));
        let body = json!({"customerKey": KEY, "methodKey": card["methodKey"], "amount": 20000,
                          "orderId": format!("order-discount-{i}"), "orderName": "할인 주문",
                          "discountCode": "RACE3"})
        .to_string();
        let auth = auth.clone();
        async move {
            send(
                &client,
                Method::POST,
                &url,
                &[("authorization", &auth)],
                Some(&body),
            )
            .await
        }
    })
    .await;
    let discounted = successes(
        &responses,
        400,
        &error(
            "NOT_ENOUGH_DISCOUNT_BALANCE",
            "즉시 할인 프로모션 예산이 소진되었습니다.",
        ),
    );
    for r in &discounted {
        assert_eq!(r.body["discount"], json!({"amount": 1000}));
        assert_eq!(
            (&r.body["totalAmount"], &r.body["card"]["amount"]),
            (&json!(20000), &json!(20000))
        );
    }
    assert_eq!(discounted.len(), 3);
    let r = env
        .get("/v1/brandpay/promotions/card", &[("authorization", &auth)])
        .await;
    let balance = r.body["discountCards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["discountCode"] == "RACE3")
        .map(|d| d["balance"].clone());
    assert_eq!(balance, Some(json!(0)));
    // Auto-pay approvals send no webhook.
    assert!(payment_webhooks(&env).await.is_empty());
    servers.stop().await;
}

async fn confirm_idempotency_replays_the_first_response(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let card = register_card(&env, KEY, json!({})).await;
    let key = open(&env, KEY, &card["id"], "order-idem-0001", 5_000).await;
    let body = json!({"paymentKey": key, "amount": 5000, "customerKey": KEY, "orderId": "order-idem-0001"});
    let h = [
        ("authorization", auth.as_str()),
        ("idempotency-key", "confirm-1"),
    ];
    let first = env.post("/v1/brandpay/payments/confirm", &h, &body).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let again = env.post("/v1/brandpay/payments/confirm", &h, &body).await;
    assert_eq!((again.status, &again.text), (200, &first.text));
    // Without the key the second confirm is a new request.
    let r = confirm(&env, &auth, &body).await;
    assert_resp(
        &r,
        400,
        &error("ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다."),
    );
    assert_eq!(payment_webhooks(&env).await.len(), 1);

    // Errors are replayed too, even after the cause went away.
    let other = open(&env, KEY, &card["id"], "order-idem-0002", 5_000).await;
    let h = [
        ("authorization", auth.as_str()),
        ("idempotency-key", "confirm-2"),
    ];
    let wrong = json!({"paymentKey": other, "amount": 4000, "customerKey": KEY, "orderId": "order-idem-0002"});
    let r = env.post("/v1/brandpay/payments/confirm", &h, &wrong).await;
    assert_resp(&r, 400, &invalid_request());
    let right = json!({"paymentKey": other, "amount": 5000, "customerKey": KEY, "orderId": "order-idem-0002"});
    let r = env.post("/v1/brandpay/payments/confirm", &h, &right).await;
    assert_resp(&r, 400, &invalid_request());
    let r = confirm(&env, &auth, &right).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn window_failures_create_nothing(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let card = register_card(&env, KEY, json!({})).await;
    let base = json!({"customerKey": KEY, "methodId": card["id"], "amount": 1000,
                      "orderId": "order-window-1", "orderName": "창"});
    let sim_error =
        |code: &str, message: &str| json!({"error": {"code": code, "message": message}});
    let r = window(&env, with(&base, "password", json!("123456"))).await;
    assert_resp(
        &r,
        403,
        &sim_error("INVALID_PASSWORD", "결제 비밀번호가 일치하지 않습니다."),
    );
    let r = window(&env, with(&base, "methodId", json!("c_nosuchmethod000"))).await;
    assert_resp(
        &r,
        404,
        &sim_error("NOT_FOUND_METHOD", "존재하지 않는 결제수단 입니다."),
    );
    let r = window(&env, with(&base, "customerKey", json!("someone-else"))).await;
    assert_resp(
        &r,
        404,
        &sim_error("NOT_FOUND_CUSTOMER", "유효한 고객 정보가 없습니다."),
    );
    let r = window(&env, with(&base, "orderId", json!("short"))).await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (400, &json!("INVALID_ORDER_ID"))
    );
    let r = window(&env, with(&base, "orderName", json!(""))).await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (400, &json!("INVALID_ORDER_NAME"))
    );
    let r = window(&env, with(&base, "amount", json!(0))).await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (400, &json!("BELOW_ZERO_AMOUNT"))
    );
    let r = window(&env, with(&base, "amount", json!("1000"))).await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (400, &json!("INVALID_REQUEST"))
    );
    let r = env
        .post("/sim/v1/brandpay/payments?mId=nosuchmerchant", &[], &base)
        .await;
    assert_eq!(r.status, 404);
    let r = env
        .get(
            "/v1/payments/orders/order-window-1",
            &[("authorization", &auth)],
        )
        .await;
    assert_resp(
        &r,
        404,
        &error("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다."),
    );
    // Another customer's method is not offered in this customer's window.
    let other = register_card(&env, "other-customer", json!({})).await;
    let r = window(&env, with(&base, "methodId", other["id"].clone())).await;
    assert_eq!(r.status, 404);
}

async fn confirm_errors_in_documented_order(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let card = register_card(&env, KEY, json!({})).await;
    register_card(&env, "second-customer", json!({})).await;
    let key = open(&env, KEY, &card["id"], "order-errors-1", 10_000).await;
    let good = json!({"paymentKey": key, "amount": 10000, "customerKey": KEY, "orderId": "order-errors-1"});
    let customer_key_error = invalid_customer_key();
    let order_id_error = error(
        "INVALID_ORDER_ID",
        "orderId는 영문 대소문자, 숫자, 특수문자(-, _) 만 허용합니다. 6자 이상 64자 이하여야 합니다.",
    );
    let cases: Vec<(Value, u16, Value)> = vec![
        (without(&good, "paymentKey"), 400, invalid_request()),
        (without(&good, "amount"), 400, invalid_request()),
        (without(&good, "orderId"), 400, invalid_request()),
        (
            with(&good, "amount", json!(10000.0)),
            400,
            invalid_request(),
        ),
        (
            with(&good, "amount", json!("10,000")),
            400,
            invalid_request(),
        ),
        (with(&good, "amount", json!("-1")), 400, invalid_request()),
        (with(&good, "paymentKey", json!(12)), 400, invalid_request()),
        (with(&good, "orderId", json!(["x"])), 400, invalid_request()),
        (
            with(&good, "paymentKey", json!("")),
            400,
            error("INVALID_PAYMENT_KEY", "잘못된 결제 키 입니다."),
        ),
        (
            with(&good, "paymentKey", json!("k".repeat(201))),
            400,
            error("INVALID_PAYMENT_KEY", "잘못된 결제 키 입니다."),
        ),
        (
            with(&good, "amount", json!(0)),
            400,
            error("BELOW_ZERO_AMOUNT", "금액은 0보다 커야 합니다."),
        ),
        (
            with(&good, "amount", json!(-5)),
            400,
            error("BELOW_ZERO_AMOUNT", "금액은 0보다 커야 합니다."),
        ),
        (
            without(&good, "customerKey"),
            400,
            customer_key_error.clone(),
        ),
        (
            with(&good, "customerKey", json!("a")),
            400,
            customer_key_error,
        ),
        (
            with(&good, "orderId", json!("abc")),
            400,
            order_id_error.clone(),
        ),
        (
            with(&good, "orderId", json!("order=errors")),
            400,
            order_id_error,
        ),
        (
            with(&good, "paymentKey", json!("nosuchpaymentkey")),
            404,
            error("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다."),
        ),
        (
            with(&good, "orderId", json!("order-errors-2")),
            400,
            invalid_request(),
        ),
        (with(&good, "amount", json!(9999)), 400, invalid_request()),
        (
            with(&good, "amount", json!("10001")),
            400,
            invalid_request(),
        ),
        (
            with(&good, "customerKey", json!("second-customer")),
            400,
            error(
                "NOT_MATCHES_CUSTOMER_KEY",
                "빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.",
            ),
        ),
    ];
    for (body, status, expected) in &cases {
        let r = confirm(&env, &auth, body).await;
        assert_resp(&r, *status, expected);
    }
    for raw in [
        "",
        "[]",
        "\"x\"",
        "{",
        "{\"paymentKey\": \"a\", \"paymentKey\": \"b\"}",
    ] {
        let r = env
            .request(
                Method::POST,
                "/v1/brandpay/payments/confirm",
                &[("authorization", &auth)],
                Some(raw),
            )
            .await;
        assert_resp(&r, 400, &invalid_request());
    }
    // Credentials come first.
    let r = confirm(&env, "Basic dGVzdF9za19ub3BlOg==", &good).await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (401, &json!("UNAUTHORIZED_KEY"))
    );
    // A payment of another merchant.
    let merchant = env
        .sim(
            Method::POST,
            "/sim/v1/merchants",
            json!({"name": "othershop"}),
        )
        .await;
    let other_auth = crate::common::basic(merchant["secretKey"].as_str().unwrap());
    let r = confirm(&env, &other_auth, &good).await;
    assert_resp(
        &r,
        400,
        &error("INVALID_API_KEY", "잘못된 시크릿키 연동 정보 입니다."),
    );
    // English messages on request.
    let r = env
        .post(
            "/v1/brandpay/payments/confirm",
            &[("authorization", &auth), ("accept-language", "en-US")],
            &with(&good, "amount", json!(0)),
        )
        .await;
    assert_resp(
        &r,
        400,
        &error("BELOW_ZERO_AMOUNT", "The amount must be greater than 0."),
    );
    // Nothing above changed the payment; it still confirms.
    let r = confirm(&env, &auth, &good).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = confirm(&env, &auth, &good).await;
    assert_resp(
        &r,
        400,
        &error("ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다."),
    );

    // Expiry: 10 minutes after authentication the session is gone, and the lookup shows EXPIRED.
    let late = open(&env, KEY, &card["id"], "order-errors-3", 10_000).await;
    advance(&env, 600).await;
    let body = json!({"paymentKey": late, "amount": 10000, "customerKey": KEY, "orderId": "order-errors-3"});
    let r = confirm(&env, &auth, &body).await;
    assert_resp(
        &r,
        404,
        &error(
            "NOT_FOUND_PAYMENT_SESSION",
            "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.",
        ),
    );
    let r = env
        .get(&format!("/v1/payments/{late}"), &[("authorization", &auth)])
        .await;
    assert_eq!(
        (
            &r.body["status"],
            &r.body["method"],
            &r.body["transactionKey"]
        ),
        (&json!("EXPIRED"), &json!("카드"), &Value::Null)
    );
    let r = confirm(&env, &auth, &body).await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (404, &json!("NOT_FOUND_PAYMENT_SESSION"))
    );
    let statuses: Vec<Value> = payment_webhooks(&env)
        .await
        .iter()
        .map(|h| h["data"]["status"].clone())
        .collect();
    assert_eq!(statuses, [json!("DONE"), json!("EXPIRED")]);
    // An expired orderId can be used again.
    open(&env, KEY, &card["id"], "order-errors-3", 10_000).await;

    // Two windows of one orderId: only one confirm wins the order.
    let a = open(&env, KEY, &card["id"], "order-errors-4", 1_000).await;
    let b = open(&env, KEY, &card["id"], "order-errors-4", 1_000).await;
    let body = |k: &str| json!({"paymentKey": k, "amount": 1000, "customerKey": KEY, "orderId": "order-errors-4"});
    assert_eq!(confirm(&env, &auth, &body(&a)).await.status, 200);
    let r = confirm(&env, &auth, &body(&b)).await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (400, &json!("DUPLICATED_ORDER_ID"))
    );
    let r = env
        .get(&format!("/v1/payments/{b}"), &[("authorization", &auth)])
        .await;
    assert_eq!(r.body["status"], "IN_PROGRESS");
}

async fn confirm_after_removal_or_withdrawal(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let card = register_card(&env, KEY, json!({})).await;
    let spare = register_card(&env, KEY, json!({})).await;
    let removed = open(&env, KEY, &spare["id"], "order-removed-1", 10_000).await;
    let token = brandpay_tokens(&env, &auth, KEY).await.0;
    let customer = bearer(&token);
    let r = env
        .post(
            "/v1/brandpay/payments/methods/card/remove",
            &[("authorization", &customer)],
            &json!({"methodKey": spare["methodKey"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = confirm(
        &env,
        &auth,
        &json!({"paymentKey": removed, "amount": 10000, "customerKey": KEY, "orderId": "order-removed-1"}),
    )
    .await;
    assert_resp(
        &r,
        400,
        &error(
            "NOT_ALLOWED_BRANDPAY_METHOD",
            "삭제된 결제 수단이거나 가맹점에서 사용이 불가능한 결제 수단입니다.",
        ),
    );
    // The removed method cannot open a window either.
    let r = window(
        &env,
        json!({"customerKey": KEY, "methodId": spare["id"], "amount": 100, "orderId": "order-removed-2", "orderName": "x"}),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (400, &json!("NOT_ALLOWED_BRANDPAY_METHOD"))
    );

    let pending = open(&env, KEY, &card["id"], "order-withdrawn-1", 10_000).await;
    let r = env
        .request(
            Method::POST,
            "/v1/brandpay/customers/remove",
            &[("authorization", &customer)],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let withdrawn = error(
        "FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER",
        "휴면고객이거나 탈퇴한 고객입니다.",
    );
    let r = confirm(
        &env,
        &auth,
        &json!({"paymentKey": pending, "amount": 10000, "customerKey": KEY, "orderId": "order-withdrawn-1"}),
    )
    .await;
    assert_resp(&r, 403, &withdrawn);
    let r = auto_pay(
        &env,
        &auth,
        &json!({"customerKey": KEY, "methodKey": card["methodKey"], "amount": 1000, "orderId": "order-withdrawn-2", "orderName": "x"}),
    )
    .await;
    assert_resp(&r, 403, &withdrawn);
    let r = window(
        &env,
        json!({"customerKey": KEY, "methodId": card["id"], "amount": 100, "orderId": "order-withdrawn-3", "orderName": "x"}),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (403, &json!("FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER"))
    );
}

async fn auto_pay_rules_and_fields(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let h = [("authorization", auth.as_str())];
    let card = register_card(&env, KEY, json!({})).await;
    let r = auto_pay(
        &env,
        &auth,
        &json!({"customerKey": KEY, "methodKey": card["methodKey"], "amount": "60000",
                "orderId": "order=auto-1", "orderName": "생수 외 1건", "cardInstallmentPlan": 3,
                "useCardPoint": true, "taxFreeAmount": 5000, "customerEmail": "buyer@example.com",
                "cultureExpense": true, "cashReceipt": {"type": "소득공제"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let paid = r.body.clone();
    assert_eq!(paid["requestedAt"], paid["approvedAt"]);
    assert!(is_tp_time(&paid["approvedAt"]));
    // The seeded Hyundai interest-free promotion covers 3 months from 10,000.
    assert_eq!(
        paid["card"],
        json!({"issuerCode": "61", "acquirerCode": "61", "number": card["cardNumber"],
               "installmentPlanMonths": 3, "isInterestFree": true, "interestPayer": "CARD_COMPANY",
               "approveNo": "00000000", "useCardPoint": true, "cardType": "신용", "ownerType": "개인",
               "acquireStatus": "READY", "amount": 60000})
    );
    assert_eq!(
        (
            &paid["taxFreeAmount"],
            &paid["vat"],
            &paid["suppliedAmount"],
            &paid["cultureExpense"]
        ),
        (&json!(5000), &json!(5000), &json!(50000), &json!(false))
    );
    assert_eq!(
        (
            &paid["status"],
            &paid["discount"],
            &paid["type"],
            &paid["orderId"]
        ),
        (
            &json!("DONE"),
            &Value::Null,
            &json!("BRANDPAY"),
            &json!("order=auto-1")
        )
    );
    let r = env
        .get(
            &format!("/v1/payments/{}", paid["paymentKey"].as_str().unwrap()),
            &h,
        )
        .await;
    assert_resp(&r, 200, &paid);

    // Below 50,000 the plan is silently lump sum; months outside any promotion are paid by the buyer.
    let r = auto_pay(
        &env,
        &auth,
        &json!({"customerKey": KEY, "methodKey": card["methodKey"], "amount": 49999,
                "orderId": "order-auto-2", "orderName": "x", "cardInstallmentPlan": 12}),
    )
    .await;
    assert_eq!(
        (
            &r.body["card"]["installmentPlanMonths"],
            &r.body["card"]["interestPayer"]
        ),
        (&json!(0), &Value::Null)
    );
    let r = auto_pay(
        &env,
        &auth,
        &json!({"customerKey": KEY, "methodKey": card["methodKey"], "amount": 50000,
                "orderId": "order-auto-3", "orderName": "x", "cardInstallmentPlan": 12}),
    )
    .await;
    assert_eq!(
        (
            &r.body["card"]["installmentPlanMonths"],
            &r.body["card"]["isInterestFree"],
            &r.body["card"]["interestPayer"]
        ),
        (&json!(12), &json!(false), &json!("BUYER"))
    );

    // Business rules in order.
    let check = register_card(&env, KEY, json!({"cardType": "체크"})).await;
    let account = register_account(&env, KEY, json!({})).await;
    let other = register_card(&env, "other-customer", json!({})).await;
    let base = json!({"customerKey": KEY, "methodKey": card["methodKey"], "amount": 1000,
                      "orderId": "order-auto-9", "orderName": "x"});
    let with_fields = |pairs: &[(&str, Value)]| {
        let mut b = base.clone();
        for (k, v) in pairs {
            b[*k] = v.clone();
        }
        b
    };
    let cases: Vec<(Value, u16, Value)> = vec![
        (
            with_fields(&[("customerKey", json!("nobody-here"))]),
            404,
            error("NOT_FOUND_CUSTOMER", "유효한 고객 정보가 없습니다."),
        ),
        (
            with_fields(&[("methodKey", json!("nosuchmethodkey"))]),
            404,
            error("NOT_FOUND_METHOD", "존재하지 않는 결제수단 입니다."),
        ),
        (
            with_fields(&[("methodKey", other["methodKey"].clone())]),
            404,
            error(
                "NOT_FOUND_METHOD_OWNERSHIP",
                "결제수단의 소유자가 아닙니다.",
            ),
        ),
        (
            with_fields(&[("amount", json!(99))]),
            400,
            error(
                "BELOW_MINIMUM_AMOUNT",
                "신용카드는 결제금액이 100원 이상, 계좌는 200원이상부터 결제가 가능합니다.",
            ),
        ),
        (
            with_fields(&[
                ("amount", json!(199)),
                ("methodKey", account["methodKey"].clone()),
            ]),
            400,
            error(
                "BELOW_MINIMUM_AMOUNT",
                "신용카드는 결제금액이 100원 이상, 계좌는 200원이상부터 결제가 가능합니다.",
            ),
        ),
        (
            with_fields(&[("orderId", json!("order=auto-1"))]),
            400,
            error(
                "DUPLICATED_ORDER_ID",
                "이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.",
            ),
        ),
        (
            with_fields(&[
                ("methodKey", check["methodKey"].clone()),
                ("amount", json!(50000)),
                ("cardInstallmentPlan", json!(2)),
            ]),
            400,
            error(
                "NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN",
                "할부 또는 무이자 할부가 지원되지 않는 카드입니다.",
            ),
        ),
        (
            with_fields(&[("discountCode", json!("NOSUCHCODE"))]),
            400,
            invalid_request(),
        ),
        // The seeded Hyundai discount 12863 needs at least 10,000 and does not apply to accounts.
        (
            with_fields(&[("discountCode", json!("12863"))]),
            400,
            invalid_request(),
        ),
        (
            with_fields(&[
                ("discountCode", json!("12863")),
                ("amount", json!(20000)),
                ("methodKey", account["methodKey"].clone()),
            ]),
            400,
            invalid_request(),
        ),
    ];
    for (body, status, expected) in &cases {
        let r = auto_pay(&env, &auth, body).await;
        assert_resp(&r, *status, expected);
    }
    env.sim(
        Method::POST,
        "/sim/v1/brandpay/promotions",
        json!({"type": "CARD_DISCOUNT", "companyCode": "61", "dueDate": "2099-12-31",
               "minimumPaymentAmount": 1000, "discountAmount": 500, "balance": 400,
               "discountCode": "SMALL", "maximumPaymentAmount": 5000}),
    )
    .await;
    let r = auto_pay(
        &env,
        &auth,
        &with_fields(&[("discountCode", json!("SMALL")), ("amount", json!(5001))]),
    )
    .await;
    assert_resp(
        &r,
        400,
        &error(
            "INVALID_MAXIMUM_DISCOUNT_AMOUNT",
            "할인 적용 시 최대 금액을 넘으면 안 됩니다.",
        ),
    );
    let r = auto_pay(
        &env,
        &auth,
        &with_fields(&[("discountCode", json!("SMALL"))]),
    )
    .await;
    assert_resp(
        &r,
        400,
        &error(
            "NOT_ENOUGH_DISCOUNT_BALANCE",
            "즉시 할인 프로모션 예산이 소진되었습니다.",
        ),
    );
    // A discounted payment and its account twin.
    let r = auto_pay(
        &env,
        &auth,
        &with_fields(&[("discountCode", json!("12863")), ("amount", json!(20000))]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (&r.body["discount"], &r.body["totalAmount"]),
        (&json!({"amount": 5000}), &json!(20000))
    );
    let r = auto_pay(
        &env,
        &auth,
        &with_fields(&[
            ("methodKey", account["methodKey"].clone()),
            ("orderId", json!("order-auto-10")),
            ("cultureExpense", json!(true)),
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            &r.body["transfer"],
            &r.body["card"],
            &r.body["cultureExpense"],
            &r.body["method"]
        ),
        (
            &json!({"bankCode": "88", "settlementStatus": "INCOMPLETED"}),
            &Value::Null,
            &json!(true),
            &json!("계좌이체")
        )
    );
    // A removed method.
    let token = brandpay_tokens(&env, &auth, KEY).await.0;
    let r = env
        .post(
            "/v1/brandpay/payments/methods/card/remove",
            &[("authorization", &bearer(&token))],
            &json!({"methodKey": check["methodKey"]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = auto_pay(
        &env,
        &auth,
        &with_fields(&[
            ("methodKey", check["methodKey"].clone()),
            ("orderId", json!("order-auto-11")),
        ]),
    )
    .await;
    assert_resp(
        &r,
        400,
        &error(
            "NOT_ALLOWED_BRANDPAY_METHOD",
            "삭제된 결제 수단이거나 가맹점에서 사용이 불가능한 결제 수단입니다.",
        ),
    );
    assert!(payment_webhooks(&env).await.is_empty());
}

async fn auto_pay_bad_inputs(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let card = register_card(&env, KEY, json!({})).await;
    let base = json!({"customerKey": KEY, "methodKey": card["methodKey"], "amount": 1000,
                      "orderId": "order-bad-1", "orderName": "x"});
    let customer_key_error = invalid_customer_key();
    let cases: Vec<(Value, u16, Value)> = vec![
        (without(&base, "customerKey"), 400, customer_key_error.clone()),
        (with(&base, "customerKey", json!("x y")), 400, customer_key_error),
        (without(&base, "methodKey"), 400, invalid_request()),
        (without(&base, "amount"), 400, invalid_request()),
        (without(&base, "orderId"), 400, invalid_request()),
        (without(&base, "orderName"), 400, invalid_request()),
        (with(&base, "amount", json!(1.5)), 400, invalid_request()),
        (with(&base, "cardInstallmentPlan", json!("3")), 400, invalid_request()),
        (with(&base, "useCardPoint", json!("true")), 400, invalid_request()),
        (with(&base, "cultureExpense", json!(1)), 400, invalid_request()),
        (with(&base, "customerEmail", json!(5)), 400, invalid_request()),
        (with(&base, "taxFreeAmount", json!(-1)), 400, invalid_request()),
        (with(&base, "taxFreeAmount", json!(1001)), 400, invalid_request()),
        (with(&base, "amount", json!(0)), 400, error("BELOW_ZERO_AMOUNT", "금액은 0보다 커야 합니다.")),
        (with(&base, "orderId", json!("o")), 400, error("INVALID_ORDER_ID", "orderId는 영문 대소문자, 숫자, 특수문자(-, _) 만 허용합니다. 6자 이상 64자 이하여야 합니다.")),
        (with(&base, "orderName", json!("가".repeat(101))), 400, error("INVALID_ORDER_NAME", "주문 이름은 100자 이하여야 합니다.")),
        (with(&base, "customerEmail", json!("not-an-email")), 400, error("INVALID_EMAIL", "이메일 주소 형식에 맞지 않습니다.")),
        (with(&base, "cardInstallmentPlan", json!(1)), 400, error("INVALID_CARD_INSTALLMENT_PLAN", "할부 개월 정보가 잘못되었습니다.")),
        (with(&base, "cardInstallmentPlan", json!(13)), 400, error("INVALID_CARD_INSTALLMENT_PLAN", "할부 개월 정보가 잘못되었습니다.")),
    ];
    for (body, status, expected) in &cases {
        let r = auto_pay(&env, &auth, body).await;
        assert_resp(&r, *status, expected);
    }
    for raw in ["", "[]", "null", "{"] {
        let r = env
            .request(
                Method::POST,
                "/v1/brandpay/payments",
                &[("authorization", &auth)],
                Some(raw),
            )
            .await;
        assert_resp(&r, 400, &invalid_request());
    }
    let r = env
        .get(
            "/v1/payments/orders/order-bad-1",
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, 404);
}

async fn simulated_declines_abort_payments(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let card = register_card(&env, KEY, json!({})).await;
    let path = format!(
        "/sim/v1/brandpay/methods/{}/decline",
        card["id"].as_str().unwrap()
    );
    let r = env
        .post(&path, &[], &json!({"code": "REJECT_ACCOUNT_PAYMENT"}))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = env
        .post(
            "/sim/v1/brandpay/methods/c_nope/decline",
            &[],
            &json!({"code": "REJECT_CARD_COMPANY"}),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = env
        .post(
            &path,
            &[],
            &json!({"code": "REJECT_CARD_COMPANY", "count": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // A declined confirm: ABORTED with failure, and a webhook.
    let key = open(&env, KEY, &card["id"], "order-decline-1", 10_000).await;
    let body = json!({"paymentKey": key, "amount": 10000, "customerKey": KEY, "orderId": "order-decline-1"});
    let r = confirm(&env, &auth, &body).await;
    assert_resp(
        &r,
        403,
        &error("REJECT_CARD_COMPANY", "결제 승인이 거절되었습니다."),
    );
    let r = env
        .get(
            &format!("/v1/payments/{key}"),
            &[("authorization", &auth), ("accept-language", "en-US")],
        )
        .await;
    assert_eq!(
        (
            &r.body["status"],
            &r.body["failure"],
            &r.body["card"],
            &r.body["approvedAt"]
        ),
        (
            &json!("ABORTED"),
            &json!({"code": "REJECT_CARD_COMPANY", "message": "Payment confirm is rejected"}),
            &Value::Null,
            &Value::Null
        )
    );
    assert!(is_transaction_key(&r.body["lastTransactionKey"]));
    let r = confirm(&env, &auth, &body).await;
    assert_resp(
        &r,
        400,
        &error("ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다."),
    );
    let hooks = payment_webhooks(&env).await;
    assert_eq!(hooks.len(), 1);
    assert_eq!(
        (
            &hooks[0]["data"]["status"],
            &hooks[0]["data"]["failure"]["message"]
        ),
        (&json!("ABORTED"), &json!("결제 승인이 거절되었습니다."))
    );

    // A declined auto-pay: an ABORTED payment, no webhook, and the orderId stays usable.
    let auto = json!({"customerKey": KEY, "methodKey": card["methodKey"], "amount": 3000,
                      "orderId": "order-decline-2", "orderName": "x"});
    let r = auto_pay(&env, &auth, &auto).await;
    assert_resp(
        &r,
        403,
        &error("REJECT_CARD_COMPANY", "결제 승인이 거절되었습니다."),
    );
    let r = env
        .get(
            "/v1/payments/orders/order-decline-2",
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(
        (&r.body["status"], &r.body["failure"]["code"]),
        (&json!("ABORTED"), &json!("REJECT_CARD_COMPANY"))
    );
    let r = auto_pay(&env, &auth, &auto).await;
    assert_eq!(
        (r.status, &r.body["status"]),
        (200, &json!("DONE")),
        "{}",
        r.text
    );
    assert_eq!(payment_webhooks(&env).await.len(), 1);

    // Accounts decline with account codes.
    let account = register_account(&env, KEY, json!({})).await;
    let r = env
        .post(
            &format!(
                "/sim/v1/brandpay/methods/{}/decline",
                account["methodKey"].as_str().unwrap()
            ),
            &[],
            &json!({"code": "REJECT_ACCOUNT_PAYMENT"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = auto_pay(
        &env,
        &auth,
        &json!({"customerKey": KEY, "methodKey": account["methodKey"], "amount": 3000,
                "orderId": "order-decline-3", "orderName": "x"}),
    )
    .await;
    assert_resp(
        &r,
        403,
        &error(
            "REJECT_ACCOUNT_PAYMENT",
            "잔액부족으로 결제에 실패했습니다.",
        ),
    );
}

async fn bearer_credentials_in_idempotency_and_test_codes(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let first = register_card(&env, KEY, json!({})).await;
    register_card(&env, KEY, json!({})).await;
    let token = brandpay_tokens(&env, &auth, KEY).await.0;
    let customer = bearer(&token);
    // A Bearer call of a test-mode customer obeys TossPayments-Test-Code.
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[
                ("authorization", &customer),
                ("tosspayments-test-code", "PROVIDER_ERROR"),
            ],
        )
        .await;
    assert_resp(
        &r,
        400,
        &error(
            "PROVIDER_ERROR",
            "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.",
        ),
    );
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[
                ("authorization", &customer),
                ("tosspayments-test-code", "NO_SUCH_CODE"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (400, &json!("INVALID_TEST_CODE"))
    );
    // An invalid token is a credential error, never a forced one.
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[
                ("authorization", "Bearer nope"),
                ("tosspayments-test-code", "PROVIDER_ERROR"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (401, &json!("INVALID_ACCESS_TOKEN"))
    );

    // The idempotency space is the customer's: a new token of the same customer replays.
    let h = [
        ("authorization", customer.as_str()),
        ("idempotency-key", "remove-1"),
    ];
    let body = json!({"methodKey": first["methodKey"]});
    let r = env
        .post("/v1/brandpay/payments/methods/card/remove", &h, &body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token2 = brandpay_tokens(&env, &auth, KEY).await.0;
    let customer2 = bearer(&token2);
    let h2 = [
        ("authorization", customer2.as_str()),
        ("idempotency-key", "remove-1"),
    ];
    let again = env
        .post("/v1/brandpay/payments/methods/card/remove", &h2, &body)
        .await;
    assert_eq!((again.status, &again.text), (200, &r.text));
    // Another customer with the same key is another space: the request runs (the method is not theirs,
    // and is already removed).
    register_card(&env, "another-customer", json!({})).await;
    let other = brandpay_tokens(&env, &auth, "another-customer").await.0;
    let r = env
        .post(
            "/v1/brandpay/payments/methods/card/remove",
            &[
                ("authorization", &bearer(&other)),
                ("idempotency-key", "remove-1"),
            ],
            &body,
        )
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (404, &json!("NOT_FOUND_METHOD"))
    );
}

async fn merchant_payment_settings(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let card = register_card(&env, KEY, json!({})).await;
    let account = register_account(&env, KEY, json!({})).await;
    let settings = |body: Value| {
        let env = env.clone();
        async move {
            env.request(
                Method::PATCH,
                "/sim/v1/merchants/tosspayments/payment-settings",
                &[],
                Some(&body.to_string()),
            )
            .await
        }
    };
    let r = settings(json!({"taxType": "SPECIAL"})).await;
    assert_eq!(r.status, 400);
    let r = env
        .request(
            Method::PATCH,
            "/sim/v1/merchants/nobody/payment-settings",
            &[],
            Some("{}"),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = settings(
        json!({"autoPayEnabled": false, "restrictNewAccounts": true, "taxType": "GENERAL"}),
    )
    .await;
    assert_resp(
        &r,
        200,
        &json!({"mId": "tosspayments", "autoPayEnabled": false, "restrictNewAccounts": true, "taxType": "GENERAL"}),
    );
    let auto = |method: &Value, order: &str| {
        json!({"customerKey": KEY, "methodKey": method["methodKey"], "amount": 11000,
               "orderId": order, "orderName": "x", "taxFreeAmount": 1000})
    };
    let r = auto_pay(&env, &auth, &auto(&card, "order-settings-1")).await;
    assert_resp(
        &r,
        403,
        &error("FORBIDDEN_REQUEST", "허용되지 않은 요청입니다."),
    );
    settings(json!({"autoPayEnabled": true})).await;
    // GENERAL: the tax-free part is always 0.
    let r = auto_pay(&env, &auth, &auto(&card, "order-settings-1")).await;
    assert_eq!(
        (r.status, &r.body["taxFreeAmount"], &r.body["vat"]),
        (200, &json!(0), &json!(1000)),
        "{}",
        r.text
    );
    // A new account waits 12 hours, in confirm and auto-pay alike.
    let restricted = error(
        "RESTRICTED_TRANSFER_ACCOUNT",
        "계좌는 등록 후 12시간 뒤부터 결제할 수 있습니다. 관련 정책은 해당 은행으로 문의해주세요.",
    );
    let r = auto_pay(&env, &auth, &auto(&account, "order-settings-2")).await;
    assert_resp(&r, 400, &restricted);
    let key = open(&env, KEY, &account["id"], "order-settings-3", 11_000).await;
    let body = json!({"paymentKey": key, "amount": 11000, "customerKey": KEY, "orderId": "order-settings-3"});
    let r = confirm(&env, &auth, &body).await;
    assert_resp(&r, 400, &restricted);
    advance(&env, 12 * 3600).await;
    let r = auto_pay(&env, &auth, &auto(&account, "order-settings-2")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = settings(json!({})).await;
    assert_eq!(r.body["restrictNewAccounts"], true);
}

async fn auto_pay_is_once_per_order_and_per_idempotency_key(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let card = register_card(&env, KEY, json!({})).await;
    let card_balance = |env: TestEnv, auth: String| async move {
        let r = env
            .get("/v1/brandpay/promotions/card", &[("authorization", &auth)])
            .await;
        r.body["discountCards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["discountCode"] == "12863")
            .map(|d| d["balance"].clone())
    };
    assert_eq!(
        card_balance(env.clone(), auth.clone()).await,
        Some(json!(1_000_000))
    );
    // One Idempotency-Key: one charge, one discount, the same bytes twice.
    let body = json!({"customerKey": KEY, "methodKey": card["methodKey"], "amount": 20000,
                      "orderId": "order-once-1", "orderName": "x", "discountCode": "12863"});
    let h = [
        ("authorization", auth.as_str()),
        ("idempotency-key", "auto-1"),
    ];
    let first = env.post("/v1/brandpay/payments", &h, &body).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let again = env.post("/v1/brandpay/payments", &h, &body).await;
    assert_eq!((again.status, &again.text), (200, &first.text));
    assert_eq!(
        card_balance(env.clone(), auth.clone()).await,
        Some(json!(995_000))
    );

    // Concurrent auto-pays of one orderId: one approval, the rest DUPLICATED_ORDER_ID.
    let servers = Servers::of(&env).await;
    let body = json!({"customerKey": KEY, "methodKey": card["methodKey"], "amount": 20000,
                      "orderId": "order-once-2", "orderName": "x", "discountCode": "12863"})
    .to_string();
    let responses = post_concurrently(
        &env,
        &servers,
        10,
        "/v1/brandpay/payments",
        &[("authorization", &auth)],
        &body,
    )
    .await;
    let mut approved = 0;
    for r in &responses {
        if r.status == 200 {
            approved += 1;
        } else {
            assert_eq!(
                (r.status, &r.body["code"]),
                (400, &json!("DUPLICATED_ORDER_ID")),
                "{}",
                r.text
            );
        }
    }
    assert_eq!(approved, 1);
    // Only the approved one spent the discount.
    assert_eq!(
        card_balance(env.clone(), auth.clone()).await,
        Some(json!(990_000))
    );
    servers.stop().await;
}

async fn endpoints_are_documented(env: TestEnv) {
    let doc = env.sim(Method::GET, "/openapi.json", Value::Null).await;
    for (path, method) in [
        ("/v1/brandpay/payments/confirm", "post"),
        ("/v1/brandpay/payments", "post"),
        ("/sim/v1/brandpay/payments", "post"),
        ("/sim/v1/brandpay/methods/{methodId}/decline", "post"),
        ("/sim/v1/merchants/{mId}/payment-settings", "patch"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{path}");
    }
}
