//! Payments: the Payment object on lookup, cancel (partial, full, concurrent), lazy expiry,
//! `Idempotency-Key` and `TossPayments-Test-Code`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    advance, assert_resp, error, invalid_request, is_alnum, is_tp_time, is_transaction_key,
    payment_webhooks, post_concurrently, Resp, Servers, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    lookup_shows_every_field,
    partial_then_full_cancel,
    bad_cancels_get_documented_errors_and_change_nothing,
    concurrent_partial_cancels_stop_at_zero,
    lazy_expiry_on_lookup_and_clock_advance,
    idempotency_key_replays_the_first_response,
    concurrent_duplicates_cancel_once,
    test_codes_force_documented_errors,
);

async fn cancel(env: &TestEnv, auth: &str, key: &str, body: &Value) -> Resp {
    env.post(
        &format!("/v1/payments/{key}/cancel"),
        &[("authorization", auth)],
        body,
    )
    .await
}

async fn lookup_shows_every_field(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let created = env.approved_payment("order-lookup-1", 10_000, 0).await;
    let key = created["paymentKey"].clone();
    assert!(is_alnum(&key, 48), "{key}");
    assert!(is_transaction_key(&created["transactionKey"]));
    assert!(is_tp_time(&created["requestedAt"]) && is_tp_time(&created["approvedAt"]));
    let secret = created["secret"].as_str().expect("secret");
    assert!(secret.starts_with("ps_") && is_alnum(&json!(&secret[3..]), 28));
    let expected = json!({
        "mId": "tosspayments", "version": "2024-06-01",
        "paymentKey": key, "status": "DONE",
        "transactionKey": created["transactionKey"],
        "lastTransactionKey": created["transactionKey"],
        "orderId": "order-lookup-1", "orderName": "토스 티셔츠 외 2건",
        "requestedAt": created["requestedAt"], "approvedAt": created["approvedAt"],
        "useEscrow": false, "cultureExpense": false,
        "card": {
            "issuerCode": "61", "acquirerCode": "61", "number": "43301234****123*",
            "installmentPlanMonths": 0, "isInterestFree": false, "interestPayer": null,
            "approveNo": "00000000", "useCardPoint": false, "cardType": "신용", "ownerType": "개인",
            "acquireStatus": "READY", "amount": 10000
        },
        "virtualAccount": null, "transfer": null, "mobilePhone": null, "giftCertificate": null,
        "cashReceipt": null, "cashReceipts": null, "discount": null, "cancels": null,
        "secret": secret, "type": "BRANDPAY", "easyPay": null, "easyPayAmount": null,
        "easyPayDiscountAmount": null, "country": "KR", "failure": null,
        "isPartialCancelable": true,
        "receipt": {"url": format!("{}/sim/receipts/{}", env.base(), key.as_str().unwrap())},
        "checkout": null, "currency": "KRW", "totalAmount": 10000, "balanceAmount": 10000,
        "suppliedAmount": 9091, "vat": 909, "taxFreeAmount": 0, "taxExemptionAmount": 0,
        "metadata": null, "method": "카드"
    });
    assert_eq!(created, expected);

    let by_key = env
        .get(
            &format!("/v1/payments/{}", key.as_str().unwrap()),
            &[("authorization", &auth)],
        )
        .await;
    assert_resp(&by_key, 200, &expected);
    // Every field in the documented order.
    let order: Vec<usize> = [
        "\"mId\"",
        "\"paymentKey\"",
        "\"card\"",
        "\"cancels\"",
        "\"totalAmount\"",
        "\"method\"",
    ]
    .iter()
    .map(|k| by_key.text.find(k).expect("field present"))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", by_key.text);

    let by_order = env
        .get(
            "/v1/payments/orders/order-lookup-1",
            &[("authorization", &auth)],
        )
        .await;
    assert_resp(&by_order, 200, &expected);

    // An account payment with a tax-free part.
    let account = env
        .sim(
            Method::POST,
            "/sim/v1/payments",
            json!({"orderId": "order-lookup-2", "orderName": "계좌", "amount": 15000, "taxFreeAmount": 4000, "method": "TRANSFER"}),
        )
        .await;
    assert_eq!(account["method"], "계좌이체");
    assert_eq!(account["card"], Value::Null);
    assert_eq!(
        account["transfer"],
        json!({"bankCode": "88", "settlementStatus": "INCOMPLETED"})
    );
    assert_eq!(
        (
            &account["balanceAmount"],
            &account["taxFreeAmount"],
            &account["vat"],
            &account["suppliedAmount"]
        ),
        (&json!(15000), &json!(4000), &json!(1000), &json!(10000))
    );

    // The same orderId cannot be approved twice.
    let again = env
        .request(
            Method::POST,
            "/sim/v1/payments",
            &[],
            Some(
                &json!({"orderId": "order-lookup-1", "orderName": "x", "amount": 1000}).to_string(),
            ),
        )
        .await;
    assert_eq!(
        (again.status, &again.body["error"]["code"]),
        (400, &json!("DUPLICATED_ORDER_ID"))
    );
}

async fn partial_then_full_cancel(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let created = env.approved_payment("order-cancel-1", 10_000, 0).await;
    let key = created["paymentKey"].as_str().unwrap().to_owned();

    let r = cancel(
        &env,
        &auth,
        &key,
        &json!({"cancelReason": "고객 변심", "cancelAmount": 1000}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let first = &r.body["cancels"][0];
    assert!(is_transaction_key(&first["transactionKey"]));
    assert!(is_tp_time(&first["canceledAt"]));
    assert_eq!(
        first,
        &json!({
            "cancelAmount": 1000, "cancelReason": "고객 변심", "taxFreeAmount": 0,
            "taxExemptionAmount": 0, "refundableAmount": 9000, "cardDiscountAmount": 0,
            "transferDiscountAmount": 0, "easyPayDiscountAmount": 0,
            "canceledAt": first["canceledAt"], "transactionKey": first["transactionKey"],
            "receiptKey": null, "cancelStatus": "DONE", "cancelRequestId": null
        })
    );
    let mut expected = created.clone();
    expected["status"] = json!("PARTIAL_CANCELED");
    expected["transactionKey"] = first["transactionKey"].clone();
    expected["lastTransactionKey"] = first["transactionKey"].clone();
    expected["cancels"] = json!([first]);
    expected["balanceAmount"] = json!(9000);
    expected["suppliedAmount"] = json!(8182);
    expected["vat"] = json!(818);
    assert_eq!(r.body, expected);
    let looked_up = env
        .get(&format!("/v1/payments/{key}"), &[("authorization", &auth)])
        .await;
    assert_eq!(looked_up.body, expected);

    // Full cancel of the rest, with the caller's view of the balance.
    let r = cancel(
        &env,
        &auth,
        &key,
        &json!({"cancelReason": "전액 취소", "refundableAmount": 9000}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "CANCELED");
    assert_eq!(
        (
            &r.body["balanceAmount"],
            &r.body["vat"],
            &r.body["suppliedAmount"]
        ),
        (&json!(0), &json!(0), &json!(0))
    );
    assert_eq!(r.body["card"]["acquireStatus"], "CANCELED");
    assert_eq!(r.body["approvedAt"], created["approvedAt"]);
    let cancels = r.body["cancels"].as_array().unwrap();
    assert_eq!(cancels.len(), 2);
    assert_eq!(
        (&cancels[1]["cancelAmount"], &cancels[1]["refundableAmount"]),
        (&json!(9000), &json!(0))
    );
    assert_eq!(r.body["lastTransactionKey"], cancels[1]["transactionKey"]);
    assert_ne!(cancels[0]["transactionKey"], cancels[1]["transactionKey"]);
    let canceled = r.body.clone();

    let r = cancel(&env, &auth, &key, &json!({"cancelReason": "again"})).await;
    assert_resp(
        &r,
        400,
        &error("ALREADY_CANCELED_PAYMENT", "이미 취소된 결제 입니다."),
    );

    let events = payment_webhooks(&env).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["eventType"], "PAYMENT_STATUS_CHANGED");
    assert_eq!(events[0]["data"], expected);
    assert_eq!(events[1]["data"], canceled);

    // Tax-free parts: the taxable remainder goes first, then the tax-free part.
    let mixed = env.approved_payment("order-cancel-2", 10_000, 4_000).await;
    let key = mixed["paymentKey"].as_str().unwrap();
    let r = cancel(
        &env,
        &auth,
        key,
        &json!({"cancelReason": "부분", "cancelAmount": 7000}),
    )
    .await;
    assert_eq!(r.body["cancels"][0]["taxFreeAmount"], 1000);
    assert_eq!(
        (
            &r.body["balanceAmount"],
            &r.body["taxFreeAmount"],
            &r.body["vat"],
            &r.body["suppliedAmount"]
        ),
        (&json!(3000), &json!(3000), &json!(0), &json!(0))
    );
    let r = cancel(
        &env,
        &auth,
        key,
        &json!({"cancelReason": "부분", "cancelAmount": 1000, "taxFreeAmount": 2000}),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (400, &json!("INVALID_REQUEST"))
    );
    let r = cancel(
        &env,
        &auth,
        key,
        &json!({"cancelReason": "나머지", "taxFreeAmount": 3000}),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["status"], &r.body["taxFreeAmount"]),
        (200, &json!("CANCELED"), &json!(0))
    );
}

async fn bad_cancels_get_documented_errors_and_change_nothing(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let created = env.approved_payment("order-bad-1", 10_000, 0).await;
    let key = created["paymentKey"].as_str().unwrap().to_owned();
    let path = format!("/v1/payments/{key}/cancel");
    let invalid = invalid_request();
    for body in [
        "{broken",
        "[]",
        "",
        r#"{}"#,
        r#"{"cancelReason": null}"#,
        r#"{"cancelReason": ""}"#,
        r#"{"cancelReason": 5}"#,
        r#"{"cancelReason": "x", "cancelAmount": "1000"}"#,
        r#"{"cancelReason": "x", "cancelAmount": 1000.5}"#,
        r#"{"cancelReason": "x", "taxFreeAmount": -1}"#,
        r#"{"cancelReason": "x", "cancelAmount": 2000, "taxFreeAmount": 2001}"#,
    ] {
        let r = env
            .request(Method::POST, &path, &[("authorization", &auth)], Some(body))
            .await;
        assert_eq!((r.status, &r.body), (400, &invalid), "{body}");
    }
    let long_reason = "가".repeat(201);
    let r = cancel(&env, &auth, &key, &json!({"cancelReason": long_reason})).await;
    assert_resp(&r, 400, &invalid);

    let cases = [
        (
            json!({"cancelReason": "x", "cancelAmount": 0}),
            400,
            "BELOW_ZERO_AMOUNT",
            "금액은 0보다 커야 합니다.",
        ),
        (
            json!({"cancelReason": "x", "cancelAmount": -5}),
            400,
            "BELOW_ZERO_AMOUNT",
            "금액은 0보다 커야 합니다.",
        ),
        (
            json!({"cancelReason": "x", "currency": "USD"}),
            400,
            "INVALID_CURRENCY",
            "잘못된 통화 값입니다.",
        ),
        (
            json!({"cancelReason": "x", "refundableAmount": 9000}),
            400,
            "NOT_MATCHES_REFUNDABLE_AMOUNT",
            "잔액 결과가 일치하지 않습니다.",
        ),
        (
            json!({"cancelReason": "x", "cancelAmount": 10001}),
            403,
            "NOT_CANCELABLE_AMOUNT",
            "취소 할 수 없는 금액 입니다.",
        ),
    ];
    for (body, status, code, message) in cases {
        let r = cancel(&env, &auth, &key, &body).await;
        assert_eq!(
            (r.status, &r.body),
            (status, &error(code, message)),
            "{body}"
        );
    }
    let r = cancel(
        &env,
        &auth,
        "no-such-payment",
        &json!({"cancelReason": "x"}),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (404, &json!("NOT_FOUND_PAYMENT"))
    );
    let r = env.post(&path, &[], &json!({"cancelReason": "x"})).await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (401, &json!("UNAUTHORIZED_KEY"))
    );
    // A known path with another method.
    let r = env.get(&path, &[("authorization", &auth)]).await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (404, &json!("NOT_FOUND_HTTP_METHOD"))
    );

    let unchanged = env
        .get(&format!("/v1/payments/{key}"), &[("authorization", &auth)])
        .await;
    assert_eq!(unchanged.body, created);
    assert!(payment_webhooks(&env).await.is_empty());

    // Unapproved payments cannot be cancelled.
    let pending = env
        .sim(
            Method::POST,
            "/sim/v1/payments",
            json!({"orderId": "order-bad-2", "orderName": "대기", "amount": 5000, "status": "IN_PROGRESS"}),
        )
        .await;
    let r = cancel(
        &env,
        &auth,
        pending["paymentKey"].as_str().unwrap(),
        &json!({"cancelReason": "x"}),
    )
    .await;
    assert_resp(
        &r,
        403,
        &error("NOT_CANCELABLE_PAYMENT", "취소 할 수 없는 결제 입니다."),
    );
}

async fn concurrent_partial_cancels_stop_at_zero(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let created = env.approved_payment("order-race-1", 10_000, 0).await;
    let key = created["paymentKey"].as_str().unwrap().to_owned();
    // On PostgreSQL half the requests go to a second tossd on the same database.
    let servers = Servers::of(&env).await;
    let responses = post_concurrently(
        &env,
        &servers,
        50,
        &format!("/v1/payments/{key}/cancel"),
        &[("authorization", &auth)],
        &json!({"cancelReason": "동시", "cancelAmount": 1000}).to_string(),
    )
    .await;
    let mut ok = 0;
    for r in &responses {
        match r.status {
            200 => ok += 1,
            _ => assert!(
                [
                    (400, "ALREADY_CANCELED_PAYMENT"),
                    (403, "NOT_CANCELABLE_AMOUNT")
                ]
                .contains(&(r.status, r.body["code"].as_str().unwrap_or(""))),
                "{}: {}",
                r.status,
                r.text
            ),
        }
    }
    assert_eq!(ok, 10);
    let after = env
        .get(&format!("/v1/payments/{key}"), &[("authorization", &auth)])
        .await;
    assert_eq!(after.body["status"], "CANCELED");
    assert_eq!(after.body["balanceAmount"], 0);
    let cancels = after.body["cancels"].as_array().unwrap();
    let refundable: Vec<i64> = cancels
        .iter()
        .map(|c| c["refundableAmount"].as_i64().unwrap())
        .collect();
    assert_eq!(
        refundable,
        (0..10).rev().map(|i| i * 1000).collect::<Vec<_>>()
    );
    assert_eq!(payment_webhooks(&env).await.len(), 10);
    servers.stop().await;
}

async fn lazy_expiry_on_lookup_and_clock_advance(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let pending = |order: &str| json!({"orderId": order, "orderName": "대기", "amount": 5000, "status": "IN_PROGRESS"});
    let a = env
        .sim(Method::POST, "/sim/v1/payments", pending("order-exp-1"))
        .await;
    assert_eq!(
        (&a["status"], &a["method"], &a["card"]),
        (&json!("IN_PROGRESS"), &json!("카드"), &Value::Null)
    );
    assert_eq!(
        (&a["lastTransactionKey"], &a["approvedAt"], &a["receipt"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    let path = format!("/v1/payments/{}", a["paymentKey"].as_str().unwrap());
    advance(&env, 540).await;
    let r = env.get(&path, &[("authorization", &auth)]).await;
    assert_eq!(r.body["status"], "IN_PROGRESS");
    assert!(payment_webhooks(&env).await.is_empty());
    // The clock advance applies the expiry before it answers.
    advance(&env, 60).await;
    let events = payment_webhooks(&env).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["status"], "EXPIRED");
    let r = env.get(&path, &[("authorization", &auth)]).await;
    let mut expected = a.clone();
    expected["status"] = json!("EXPIRED");
    assert_eq!(r.body, expected);
    let r = env
        .get(
            "/v1/payments/orders/order-exp-1",
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.body, expected);
    // The orderId may be used again; the lookup by orderId shows the newest attempt.
    let b = env
        .sim(Method::POST, "/sim/v1/payments", pending("order-exp-1"))
        .await;
    let r = env
        .get(
            "/v1/payments/orders/order-exp-1",
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.body["paymentKey"], b["paymentKey"]);
    assert_eq!(payment_webhooks(&env).await.len(), 1);
}

async fn idempotency_key_replays_the_first_response(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let created = env.approved_payment("order-idem-1", 10_000, 0).await;
    let key = created["paymentKey"].as_str().unwrap().to_owned();
    let path = format!("/v1/payments/{key}/cancel");
    let post = |idem: String, body: Value, extra: Option<(&'static str, &'static str)>| {
        let (env, auth, path) = (env.clone(), auth.clone(), path.clone());
        async move {
            let mut headers = vec![
                ("authorization", auth.as_str()),
                ("idempotency-key", idem.as_str()),
            ];
            headers.extend(extra);
            env.request(Method::POST, &path, &headers, Some(&body.to_string()))
                .await
        }
    };
    let body = json!({"cancelReason": "멱등", "cancelAmount": 1000});
    let first = post("key-1".into(), body.clone(), None).await;
    assert_eq!(first.status, 200);
    let second = post("key-1".into(), body.clone(), None).await;
    assert_eq!((second.status, &second.text), (200, &first.text));
    // A different body under the same key still gets the first response.
    let third = post(
        "key-1".into(),
        json!({"cancelReason": "다른", "cancelAmount": 5000}),
        None,
    )
    .await;
    assert_eq!((third.status, &third.text), (200, &first.text));
    let now = env
        .get(&format!("/v1/payments/{key}"), &[("authorization", &auth)])
        .await;
    assert_eq!(now.body["balanceAmount"], 9000);
    assert_eq!(payment_webhooks(&env).await.len(), 1);

    // Another key is another request.
    let other = post("key-2".into(), body.clone(), None).await;
    assert_eq!(other.body["balanceAmount"], 8000);

    // Errors are replayed too, in the first caller's language.
    let over = json!({"cancelReason": "초과", "cancelAmount": 999_999});
    let failed = post("key-3".into(), over, Some(("accept-language", "en-US"))).await;
    assert_resp(
        &failed,
        403,
        &error("NOT_CANCELABLE_AMOUNT", "This is a non-cancelable amount."),
    );
    let replayed = post("key-3".into(), body.clone(), None).await;
    assert_eq!((replayed.status, &replayed.text), (403, &failed.text));

    // Keys are valid for 15 days of business time.
    advance(&env, 15 * 24 * 3600 - 60).await;
    let still = post("key-1".into(), body.clone(), None).await;
    assert_eq!(still.text, first.text);
    advance(&env, 60).await;
    let fresh = post("key-1".into(), body.clone(), None).await;
    assert_eq!(
        (fresh.status, &fresh.body["balanceAmount"]),
        (200, &json!(7000))
    );

    // Length: 300 characters are fine, 301 are not; an empty value counts as absent.
    let ok = post("k".repeat(300), body.clone(), None).await;
    assert_eq!(ok.status, 200);
    let too_long = post("k".repeat(301), body.clone(), None).await;
    assert_resp(
        &too_long,
        400,
        &error("INVALID_IDEMPOTENCY_KEY", "멱등키는 300자 이하여야 합니다."),
    );
    let too_long_en = post(
        "k".repeat(301),
        body.clone(),
        Some(("accept-language", "en")),
    )
    .await;
    assert_eq!(
        too_long_en.body["message"],
        "The idempotency key must be 300 characters or less."
    );
    let empty = post(String::new(), body.clone(), None).await;
    assert_eq!(empty.body["balanceAmount"], 5000);

    // Credential errors come first and are not recorded.
    let r = env
        .request(
            Method::POST,
            &path,
            &[("idempotency-key", "key-4")],
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (401, &json!("UNAUTHORIZED_KEY"))
    );
    let r = post("key-4".into(), body.clone(), None).await;
    assert_eq!((r.status, &r.body["balanceAmount"]), (200, &json!(4000)));
    let now = env
        .get(&format!("/v1/payments/{key}"), &[("authorization", &auth)])
        .await;
    assert_eq!(now.body["cancels"].as_array().unwrap().len(), 6);

    // A record left unfinished (its process died) answers 409 until it is 60 s old in real time, then
    // the next duplicate runs the request again.
    let pool = env.db().await;
    let fingerprint = tossd::tosspayments::idempotency::fingerprint(
        "key-4",
        &format!("basic:{}", tossd::domain::secrets::hash(&secret_of(&auth))),
        &path,
        "POST",
    );
    let real_now = chrono::Utc::now().timestamp_micros();
    let unfinish = |started: i64| {
        sqlx::query(
            "UPDATE tp_idempotency SET state = 'IN_PROGRESS', started_real = $1 WHERE fingerprint = $2",
        )
        .bind(started)
        .bind(fingerprint.clone())
    };
    let updated = unfinish(real_now - 30_000_000)
        .execute(&pool)
        .await
        .expect("update");
    assert_eq!(updated.rows_affected(), 1);
    let r = post("key-4".into(), body.clone(), None).await;
    assert_resp(
        &r,
        409,
        &error(
            "IDEMPOTENT_REQUEST_PROCESSING",
            "이전 멱등 요청이 처리중입니다.",
        ),
    );
    unfinish(real_now - 61_000_000)
        .execute(&pool)
        .await
        .expect("update");
    pool.close().await;
    let r = post("key-4".into(), body.clone(), None).await;
    assert_eq!((r.status, &r.body["balanceAmount"]), (200, &json!(3000)));
    let replay = post("key-4".into(), body.clone(), None).await;
    assert_eq!(replay.text, r.text);
}

/// The secret key inside a `Basic` header value.
fn secret_of(basic: &str) -> String {
    use base64::Engine;
    let encoded = basic.trim_start_matches("Basic ");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    String::from_utf8(decoded)
        .expect("UTF-8")
        .trim_end_matches(':')
        .to_owned()
}

async fn concurrent_duplicates_cancel_once(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let created = env.approved_payment("order-idem-2", 10_000, 0).await;
    let key = created["paymentKey"].as_str().unwrap().to_owned();
    let path = format!("/v1/payments/{key}/cancel");
    let body = json!({"cancelReason": "동시 멱등", "cancelAmount": 1000}).to_string();
    let servers = Servers::of(&env).await;
    let responses = post_concurrently(
        &env,
        &servers,
        20,
        &path,
        &[("authorization", &auth), ("idempotency-key", "same-key")],
        &body,
    )
    .await;
    let mut successes = Vec::new();
    for r in &responses {
        match r.status {
            200 => successes.push(&r.text),
            409 => assert_eq!(
                r.body,
                error(
                    "IDEMPOTENT_REQUEST_PROCESSING",
                    "이전 멱등 요청이 처리중입니다."
                )
            ),
            _ => panic!("{}: {}", r.status, r.text),
        }
    }
    assert!(!successes.is_empty());
    assert!(successes.iter().all(|t| t == &successes[0]));
    let after = env
        .get(&format!("/v1/payments/{key}"), &[("authorization", &auth)])
        .await;
    assert_eq!(after.body["balanceAmount"], 9000);
    assert_eq!(after.body["cancels"].as_array().unwrap().len(), 1);
    assert_eq!(payment_webhooks(&env).await.len(), 1);
    // Once finished, the duplicate gets the stored response.
    let r = env
        .request(
            Method::POST,
            &path,
            &[("authorization", &auth), ("idempotency-key", "same-key")],
            Some(&body),
        )
        .await;
    assert_eq!((r.status, &r.text), (200, successes[0]));
    servers.stop().await;
}

async fn test_codes_force_documented_errors(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let created = env.approved_payment("order-code-1", 10_000, 0).await;
    let key = created["paymentKey"].as_str().unwrap().to_owned();
    let path = format!("/v1/payments/{key}/cancel");
    let body = json!({"cancelReason": "테스트"}).to_string();
    let call = |headers: Vec<(&'static str, &'static str)>| {
        let (env, auth, path, body) = (env.clone(), auth.clone(), path.clone(), body.clone());
        async move {
            let mut all = vec![("authorization", auth.as_str())];
            all.extend(headers);
            env.request(Method::POST, &path, &all, Some(&body)).await
        }
    };
    let r = call(vec![("tosspayments-test-code", "REJECT_CARD_COMPANY")]).await;
    assert_resp(
        &r,
        403,
        &error("REJECT_CARD_COMPANY", "결제 승인이 거절되었습니다."),
    );
    let r = call(vec![
        ("TossPayments-Test-Code", "REJECT_CARD_COMPANY"),
        ("accept-language", "en-US"),
    ])
    .await;
    assert_resp(
        &r,
        403,
        &error("REJECT_CARD_COMPANY", "Payment confirm is rejected"),
    );
    let r = call(vec![(
        "tosspayments-test-code",
        "FAILED_INTERNAL_SYSTEM_PROCESSING",
    )])
    .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (500, &json!("FAILED_INTERNAL_SYSTEM_PROCESSING"))
    );
    let r = call(vec![("tosspayments-test-code", "NO_SUCH_CODE")]).await;
    assert_resp(
        &r,
        400,
        &error("INVALID_TEST_CODE", "유효하지 않은 테스트 코드입니다."),
    );
    let r = call(vec![
        ("tosspayments-test-code", "NO_SUCH_CODE"),
        ("accept-language", "en"),
    ])
    .await;
    assert_eq!(r.body["message"], "Invalid test code");

    // Lookups too.
    let r = env
        .get(
            &format!("/v1/payments/{key}"),
            &[
                ("authorization", &auth),
                ("tosspayments-test-code", "FORBIDDEN_CONSECUTIVE_REQUEST"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (403, &json!("FORBIDDEN_CONSECUTIVE_REQUEST"))
    );

    // Credentials are checked first.
    let r = env
        .request(
            Method::POST,
            &path,
            &[("tosspayments-test-code", "REJECT_CARD_COMPANY")],
            Some(&body),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (401, &json!("UNAUTHORIZED_KEY"))
    );

    // A forced error is recorded under the Idempotency-Key.
    let r = call(vec![
        ("tosspayments-test-code", "PROVIDER_ERROR"),
        ("idempotency-key", "code-key"),
    ])
    .await;
    assert_eq!((r.status, &r.body["code"]), (400, &json!("PROVIDER_ERROR")));
    let replay = call(vec![("idempotency-key", "code-key")]).await;
    assert_eq!((replay.status, &replay.text), (400, &r.text));

    // Nothing changed.
    let after = env
        .get(&format!("/v1/payments/{key}"), &[("authorization", &auth)])
        .await;
    assert_eq!(after.body, created);
    assert!(payment_webhooks(&env).await.is_empty());
}
