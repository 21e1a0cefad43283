//! Apps-in-Toss Toss Pay (make, approve in the simulated pay sheet, execute, status, refund) and in-app
//! purchase order status.

use reqwest::Method;
use serde_json::{json, Value};
use tossd::server::Server;

use crate::common::{
    advance_at, assert_resp, exec_sql, fail, invalid_parameter, link_user, post_concurrently, send,
    with, without, Resp, Servers, TestEnv,
};
use crate::on_both_backends;

// The test's own server runs the manual clock too: a system clock's sweeper would expire the payments
// made at the manual clock's 2025 times while a scenario is still using them.
on_both_backends!(
    with_flags ["--clock", "manual"];
    toss_money_flow_with_partial_and_full_refund,
    card_flow_with_discount_points_and_installments,
    expiry_and_buyer_cancel,
    bad_input_and_user_checks,
    merchant_key_and_bank_maintenance,
    concurrent_executes_succeed_once,
    concurrent_full_refunds_succeed_once,
    concurrent_partial_refunds_never_go_below_zero,
    iap_order_statuses,
);

const PAY: &str = "/api-partner/v1/apps-in-toss/pay";
const USER: &str = "123456789";
const OTHER_USER: &str = "87654321";

/// A tossd on the test's database with the manual clock at 2025-04-17T12:32:10 KST, so times are exact.
struct World {
    env: TestEnv,
    server: Server,
    base: String,
}

impl World {
    async fn new(env: TestEnv) -> World {
        let server = env
            .second_server(&["--clock", "manual", "--clock-start", "2025-04-17T03:32:10Z"])
            .await;
        let base = server.base_url();
        let world = World { env, server, base };
        // The reset re-seeds with this server's clock start.
        let r = world.sim("/sim/v1/reset", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        link_user(&world.env, USER.parse().unwrap()).await;
        link_user(&world.env, OTHER_USER.parse().unwrap()).await;
        world
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        send(
            self.env.client(),
            Method::POST,
            &format!("{}{path}", self.base),
            headers,
            Some(body),
        )
        .await
    }

    /// A Toss Pay call as `USER`.
    async fn pay(&self, endpoint: &str, body: Value) -> Resp {
        self.pay_as(USER, endpoint, body).await
    }

    async fn pay_as(&self, user: &str, endpoint: &str, body: Value) -> Resp {
        self.post(
            &format!("{PAY}/{endpoint}"),
            &[("x-toss-user-key", user)],
            &body.to_string(),
        )
        .await
    }

    /// A test-mode Toss Pay call on `token` as `USER`.
    async fn on(&self, endpoint: &str, token: &str) -> Resp {
        self.pay(endpoint, json!({"payToken": token, "isTestPayment": true}))
            .await
    }

    async fn sim(&self, path: &str, body: Value) -> Resp {
        self.post(path, &[], &body.to_string()).await
    }

    async fn advance(&self, seconds: i64) {
        advance_at(self.env.client(), &self.base, seconds).await;
    }

    /// make-payment that must succeed; returns the payToken.
    async fn make(&self, body: Value) -> String {
        let r = self.pay("make-payment", body).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let token = r.body["success"]["payToken"]
            .as_str()
            .expect("payToken")
            .to_owned();
        assert_eq!(token.len(), 22);
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric()), "{token}");
        assert_eq!(
            r.body,
            json!({"resultType": "SUCCESS", "success": {"payToken": token}})
        );
        token
    }

    async fn approve(&self, token: &str, body: Value) -> Resp {
        self.sim(&format!("/sim/v1/pay/{token}/approve"), body)
            .await
    }

    async fn status(&self, token: &str) -> Value {
        let r = self.on("get-payment-status", token).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["success"].clone()
    }

    async fn stop(self) {
        self.server.stop().await.expect("second tossd stops");
    }
}

fn got(r: &Resp) -> (u16, Value) {
    (r.status, r.body.clone())
}

fn is_uuid_v4(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && parts[2].starts_with('4')
}

/// Takes a generated string field out of `value` after checking its shape, so the rest compares exactly.
fn take(value: &mut Value, field: &str, shape: impl Fn(&str) -> bool) -> String {
    let text = value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {value}"))
        .to_owned();
    assert!(shape(&text), "{field} = {text}");
    value[field] = Value::Null;
    text
}

async fn toss_money_flow_with_partial_and_full_refund(env: TestEnv) {
    let w = World::new(env).await;
    let token = w
        .make(
            json!({"orderNo": "test-20250417-3", "productDesc": "test02", "amount": 10000,
            "amountTaxFree": 0, "cashReceipt": true, "isTestPayment": true, "extra": "ignored"}),
        )
        .await;

    let mut standby = json!({
        "mode": "TEST", "payToken": token, "orderNo": "test-20250417-3", "payStatus": "PAY_STANDBY",
        "payMethod": null, "amount": 10000, "discountedAmount": 0, "discountAmountV2": 0, "paidPointV2": 0,
        "paidAmount": 0, "refundableAmount": 0, "amountTaxable": 9090, "amountTaxFree": 0, "amountVat": 910,
        "amountServiceFee": 0, "disposableCupDeposit": 0, "accountBankCode": null, "accountBankName": null,
        "accountNumber": null, "card": null, "transactions": [], "createdTs": "2025-04-17T03:32:10Z",
        "paidTs": null
    });
    assert_eq!(w.status(&token).await, standby);

    let r = w.on("execute-payment", &token).await;
    assert_resp(
        &r,
        400,
        &fail(
            "PAYMENT_NOT_APPROVED",
            "구매자 인증이 완료되지 않은 결제예요.",
        ),
    );
    let r = w.on("refund-payment", &token).await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_NOT_REFUNDABLE", "환불할 수 없는 결제예요."),
    );

    // The buyer authenticates; without a choice the sheet uses Toss Money on the default account.
    let r = w.approve(&token, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    standby["payStatus"] = json!("PAY_APPROVED");
    standby["payMethod"] = json!("TOSS_MONEY");
    standby["accountBankCode"] = json!("092");
    standby["accountBankName"] = json!("토스뱅크");
    standby["accountNumber"] = json!("100******094");
    assert_eq!(r.body, standby);
    assert_eq!(w.status(&token).await, standby);
    let r = w.approve(&token, json!({})).await;
    assert_eq!(r.status, 409);

    w.advance(5).await;
    let r = w
        .pay(
            "execute-payment",
            json!({"payToken": token, "orderNo": "other", "isTestPayment": true}),
        )
        .await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_ORDER_NO_MISMATCH", "주문번호가 일치하지 않아요."),
    );
    // The other mode does not see the payment.
    let r = w
        .pay(
            "execute-payment",
            json!({"payToken": token, "isTestPayment": false}),
        )
        .await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_NOT_FOUND", "결제 정보를 찾을 수 없어요."),
    );

    let r = w
        .pay(
            "execute-payment",
            json!({"payToken": token, "orderNo": "test-20250417-3", "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut success = r.body["success"].clone();
    let pay_tx = take(&mut success, "transactionId", is_uuid_v4);
    let mgt_key = take(&mut success, "cashReceiptMgtKey", |k| {
        k.len() == 20
            && k.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    });
    assert_eq!(r.body["resultType"], "SUCCESS");
    assert_eq!(
        success,
        json!({
            "code": 0, "mode": "TEST", "orderNo": "test-20250417-3", "amount": 10000,
            "approvalTime": "2025-04-17 12:32:15", "stateMsg": "결제 완료", "discountedAmount": 0,
            "paidAmount": 10000, "payMethod": "TOSS_MONEY", "payToken": token, "transactionId": null,
            "cardCompanyCode": null, "cardCompanyName": null, "cardAuthorizationNo": null, "spreadOut": null,
            "noInterest": null, "salesCheckLinkUrl": null, "cardMethodType": null, "cardNumber": null,
            "cardUserType": null, "cardNum4Print": null, "cardBinNumber": null, "cashReceiptMgtKey": null,
            "accountBankCode": "092", "accountBankName": "토스뱅크", "accountNumber": "100******094",
            "msg": null, "errorCode": null
        })
    );
    let r = w.on("execute-payment", &token).await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_ALREADY_COMPLETED", "이미 완료된 결제예요."),
    );

    let mut complete = standby.clone();
    complete["payStatus"] = json!("PAY_COMPLETE");
    complete["paidAmount"] = json!(10000);
    complete["refundableAmount"] = json!(10000);
    complete["paidTs"] = json!("2025-04-17T03:32:15Z");
    complete["transactions"] = json!([{"stepType": "PAY", "transactionId": pay_tx, "paidAmount": 10000,
        "transactionAmount": 10000, "discountedAmount": 0, "pointAmount": 0, "regTs": "2025-04-17T03:32:15Z"}]);
    assert_eq!(w.status(&token).await, complete);

    // A partial refund (tossd's `amount` extension).
    w.advance(60).await;
    let r = w
        .pay(
            "refund-payment",
            json!({"payToken": token, "reason": "고객 요청 (부분)", "amount": 3000, "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut refund = r.body["success"].clone();
    take(&mut refund, "refundNo", is_uuid_v4);
    let refund_tx = take(&mut refund, "transactionId", is_uuid_v4);
    let refund_body = |refundable: i64, refunded: i64, time: &str| {
        json!({
            "refundNo": null, "approvalTime": time, "cashReceiptMgtKey": mgt_key,
            "refundableAmount": refundable, "discountedAmount": 0, "paidAmount": 10000,
            "refundedAmount": refunded, "refundedDiscountAmount": 0, "refundedPaidAmount": refunded,
            "payToken": token, "transactionId": null, "cardMethodType": null, "cardNumber": null,
            "cardUserType": null, "cardNum4Print": null, "cardBinNumber": null, "accountBankCode": "092",
            "accountBankName": "토스뱅크", "accountNumber": "100******094"
        })
    };
    assert_eq!(refund, refund_body(7000, 3000, "2025-04-17 12:33:15"));
    complete["refundableAmount"] = json!(7000);
    complete["transactions"].as_array_mut().unwrap().push(json!({"stepType": "REFUND",
        "transactionId": refund_tx, "paidAmount": 3000, "transactionAmount": -3000, "discountedAmount": 0,
        "pointAmount": 0, "regTs": "2025-04-17T03:33:15Z"}));
    assert_eq!(w.status(&token).await, complete);

    let r = w
        .pay(
            "refund-payment",
            json!({"payToken": token, "amount": 7001, "isTestPayment": true}),
        )
        .await;
    assert_resp(
        &r,
        400,
        &fail(
            "PAYMENT_REFUND_AMOUNT_EXCEEDED",
            "환불 가능 금액을 초과했어요.",
        ),
    );

    // The rest.
    w.advance(1).await;
    let r = w.on("refund-payment", &token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut refund = r.body["success"].clone();
    take(&mut refund, "refundNo", is_uuid_v4);
    let last_tx = take(&mut refund, "transactionId", is_uuid_v4);
    assert_eq!(refund, refund_body(0, 7000, "2025-04-17 12:33:16"));
    complete["payStatus"] = json!("REFUND_SUCCESS");
    complete["refundableAmount"] = json!(0);
    complete["transactions"].as_array_mut().unwrap().push(json!({"stepType": "REFUND",
        "transactionId": last_tx, "paidAmount": 7000, "transactionAmount": -7000, "discountedAmount": 0,
        "pointAmount": 0, "regTs": "2025-04-17T03:33:16Z"}));
    assert_eq!(w.status(&token).await, complete);
    let r = w.on("refund-payment", &token).await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_ALREADY_REFUNDED", "이미 환불된 결제예요."),
    );

    // Lookup by orderNo, by both, and in the wrong mode or with identifiers of different payments.
    let r = w
        .pay(
            "get-payment-status",
            json!({"orderNo": "test-20250417-3", "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.body["success"], complete);
    let r = w
        .pay(
            "get-payment-status",
            json!({"payToken": token, "orderNo": "test-20250417-3", "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.body["success"], complete);
    let not_found = (
        404,
        fail("PAYMENT_NOT_FOUND", "결제 정보를 찾을 수 없어요."),
    );
    for body in [
        json!({"payToken": token, "isTestPayment": false}),
        json!({"payToken": token, "orderNo": "other", "isTestPayment": true}),
        json!({"orderNo": "nope", "isTestPayment": true}),
    ] {
        assert_eq!(got(&w.pay("get-payment-status", body).await), not_found);
    }
    // Another user's payment is not found either.
    let r = w
        .pay_as(
            OTHER_USER,
            "get-payment-status",
            json!({"payToken": token, "isTestPayment": true}),
        )
        .await;
    assert_eq!(got(&r), not_found);

    // orderNo is used forever in its mode, free in the other.
    let same = json!({"orderNo": "test-20250417-3", "productDesc": "again", "amount": 10,
        "amountTaxFree": 0, "isTestPayment": true});
    let r = w.pay("make-payment", same.clone()).await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_EXISTING_PAYMENT", "이미 존재하는 결제예요."),
    );
    let mut live = same;
    live["isTestPayment"] = json!(false);
    let live_token = w.make(live).await;
    let r = w
        .pay(
            "get-payment-status",
            json!({"payToken": live_token, "isTestPayment": false}),
        )
        .await;
    assert_eq!(r.body["success"]["mode"], "LIVE");
    w.stop().await;
}

async fn card_flow_with_discount_points_and_installments(env: TestEnv) {
    let w = World::new(env).await;
    let token = w
        .make(json!({"orderNo": "CARD_01", "productDesc": "토스 티셔츠", "amount": 60000,
            "amountTaxFree": 10000, "amountVat": 5000, "enablePayMethods": "CARD", "cashReceipt": "yes",
            "cashReceiptTradeOption": "CULTURE", "installment": "USE", "isTestPayment": true}))
        .await;
    // The sheet refuses what the payment excludes, and unsupported cards.
    for choice in [
        json!({"payMethod": "TOSS_MONEY"}),
        json!({"cardCompanyCode": 9}),
        json!({"cardCompanyCode": 11}),
        json!({"spreadOut": 1}),
        json!({"discountAmount": 50000, "pointAmount": 10001}),
        json!({"cardMethodType": "SINGLE"}),
    ] {
        let r = w.approve(&token, choice.clone()).await;
        assert_eq!(r.status, 400, "{choice}: {}", r.text);
    }
    let r = w
        .approve(
            &token,
            json!({"cardCompanyCode": 4, "spreadOut": 3, "noInterest": true, "discountAmount": 1000,
                "pointAmount": 2000, "cardMethodType": "CHECK"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let card = json!({"noInterest": true, "spreadOut": 3, "cardAuthorizationNo": null,
        "cardMethodType": "CHECK", "cardUserType": "PERSONAL", "cardNumber": "123456******3456",
        "cardBinNumber": "123456", "cardNum4Print": "3456", "salesCheckLinkUrl": null,
        "cardCompanyName": "KB국민카드", "cardCompanyCode": 4});
    let mut expected = json!({
        "mode": "TEST", "payToken": token, "orderNo": "CARD_01", "payStatus": "PAY_APPROVED",
        "payMethod": "CARD", "amount": 60000, "discountedAmount": 3000, "discountAmountV2": 1000,
        "paidPointV2": 2000, "paidAmount": 0, "refundableAmount": 0, "amountTaxable": 45000,
        "amountTaxFree": 10000, "amountVat": 5000, "amountServiceFee": 0, "disposableCupDeposit": 0,
        "accountBankCode": null, "accountBankName": null, "accountNumber": null, "card": card,
        "transactions": [], "createdTs": "2025-04-17T03:32:10Z", "paidTs": null
    });
    assert_eq!(r.body, expected);

    let r = w.on("execute-payment", &token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut success = r.body["success"].clone();
    let pay_tx = take(&mut success, "transactionId", is_uuid_v4);
    let slip = format!("{}/sim/receipts/tosspay/{pay_tx}", w.base);
    assert_eq!(
        success,
        json!({
            "code": 0, "mode": "TEST", "orderNo": "CARD_01", "amount": 60000,
            "approvalTime": "2025-04-17 12:32:10", "stateMsg": "결제 완료", "discountedAmount": 3000,
            "paidAmount": 57000, "payMethod": "CARD", "payToken": token, "transactionId": null,
            "cardCompanyCode": 4, "cardCompanyName": "KB국민카드", "cardAuthorizationNo": "00000000",
            "spreadOut": 3, "noInterest": true, "salesCheckLinkUrl": slip, "cardMethodType": "CHECK",
            "cardNumber": "123456******3456", "cardUserType": "PERSONAL", "cardNum4Print": "3456",
            "cardBinNumber": "123456", "cashReceiptMgtKey": null, "accountBankCode": null,
            "accountBankName": null, "accountNumber": null, "msg": null, "errorCode": null
        })
    );
    expected["payStatus"] = json!("PAY_COMPLETE");
    expected["paidAmount"] = json!(57000);
    expected["refundableAmount"] = json!(60000);
    expected["card"]["cardAuthorizationNo"] = json!("00000000");
    expected["card"]["salesCheckLinkUrl"] = json!(slip);
    expected["paidTs"] = json!("2025-04-17T03:32:10Z");
    expected["transactions"] = json!([{"stepType": "PAY", "transactionId": pay_tx, "paidAmount": 57000,
        "transactionAmount": 60000, "discountedAmount": 3000, "pointAmount": 2000,
        "regTs": "2025-04-17T03:32:10Z"}]);
    assert_eq!(w.status(&token).await, expected);

    // 58,000: the paid 57,000 first, then 1,000 of the discount, taken from the points.
    let r = w
        .pay(
            "refund-payment",
            json!({"payToken": token, "amount": 58000, "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = &r.body["success"];
    assert_eq!(
        (
            &s["refundableAmount"],
            &s["refundedAmount"],
            &s["refundedPaidAmount"],
            &s["refundedDiscountAmount"]
        ),
        (&json!(2000), &json!(58000), &json!(57000), &json!(1000))
    );
    assert_eq!(
        (
            &s["cardNumber"],
            &s["cardNum4Print"],
            &s["cardBinNumber"],
            &s["cardMethodType"],
            &s["cardUserType"],
            &s["accountBankCode"],
            &s["cashReceiptMgtKey"]
        ),
        (
            &json!("123456******3456"),
            &json!("3456"),
            &json!("123456"),
            &json!("CHECK"),
            &json!("PERSONAL"),
            &Value::Null,
            &Value::Null
        )
    );
    let r = w.on("refund-payment", &token).await;
    let s = &r.body["success"];
    assert_eq!(
        (
            &s["refundableAmount"],
            &s["refundedAmount"],
            &s["refundedPaidAmount"],
            &s["refundedDiscountAmount"]
        ),
        (&json!(0), &json!(2000), &json!(0), &json!(2000))
    );
    let status = w.status(&token).await;
    assert_eq!(status["payStatus"], "REFUND_SUCCESS");
    let steps: Vec<Value> = status["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            json!([
                t["stepType"],
                t["paidAmount"],
                t["transactionAmount"],
                t["discountedAmount"],
                t["pointAmount"]
            ])
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            json!(["PAY", 57000, 60000, 3000, 2000]),
            json!(["REFUND", 57000, -58000, 1000, 1000]),
            json!(["REFUND", 0, -2000, 2000, 1000]),
        ]
    );
    // Refunds leave the payment's own amounts alone.
    assert_eq!(
        (&status["paidAmount"], &status["discountedAmount"]),
        (&json!(57000), &json!(3000))
    );
    w.stop().await;
}

async fn expiry_and_buyer_cancel(env: TestEnv) {
    let w = World::new(env).await;
    let body = |order: &str| {
        json!({"orderNo": order, "productDesc": "p", "amount": 1000, "amountTaxFree": 0,
            "isTestPayment": true})
    };
    let canceled = (400, fail("PAYMENT_CANCELED", "취소된 결제예요."));

    // Unauthenticated for 30 minutes: cancelled by the clock advance itself.
    let waiting = w.make(body("exp-1")).await;
    w.advance(1799).await;
    assert_eq!(w.status(&waiting).await["payStatus"], "PAY_STANDBY");
    let approved = w.make(body("exp-2")).await;
    assert_eq!(w.approve(&approved, json!({})).await.status, 200);
    w.advance(1).await;
    assert_eq!(w.status(&waiting).await["payStatus"], "PAY_CANCEL");
    assert_eq!(w.approve(&waiting, json!({})).await.status, 409);
    let r = w.on("execute-payment", &waiting).await;
    assert_eq!(got(&r), canceled);
    let r = w.on("refund-payment", &waiting).await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_NOT_REFUNDABLE", "환불할 수 없는 결제예요."),
    );

    // Approved but never executed: expires 30 minutes after creation too.
    w.advance(1799).await;
    let r = w.on("execute-payment", &approved).await;
    assert_eq!(got(&r), canceled);
    let status = w.status(&approved).await;
    assert_eq!(
        (
            &status["payStatus"],
            &status["payMethod"],
            &status["paidAmount"]
        ),
        (&json!("PAY_CANCEL"), &json!("TOSS_MONEY"), &json!(0))
    );

    // The buyer closes the sheet.
    let closed = w.make(body("exp-3")).await;
    let r = w
        .sim(&format!("/sim/v1/pay/{closed}/cancel"), json!({}))
        .await;
    assert_eq!(
        (r.status, &r.body["payStatus"]),
        (200, &json!("PAY_CANCEL"))
    );
    let r = w.on("execute-payment", &closed).await;
    assert_eq!(got(&r), canceled);
    assert_eq!(
        w.sim(&format!("/sim/v1/pay/{closed}/cancel"), json!({}))
            .await
            .status,
        409
    );
    assert_eq!(w.approve("unknownToken", json!({})).await.status, 404);

    // orderNo of a cancelled payment stays used.
    let r = w.pay("make-payment", body("exp-3")).await;
    assert_eq!(r.body["error"]["errorCode"], "PAYMENT_EXISTING_PAYMENT");
    w.stop().await;
}

async fn bad_input_and_user_checks(env: TestEnv) {
    let w = World::new(env).await;
    let good = json!({"orderNo": "ok-1", "productDesc": "상품", "amount": 10000, "amountTaxFree": 0,
        "isTestPayment": true});
    let bad_makes = [
        with(&good, "orderNo", json!("")),
        with(&good, "orderNo", json!("a".repeat(51))),
        with(&good, "orderNo", json!("주문")),
        with(&good, "orderNo", json!("a b")),
        with(&good, "orderNo", json!(123)),
        with(&good, "productDesc", json!("   ")),
        with(&good, "productDesc", json!("a\"b")),
        with(&good, "productDesc", json!("a\\b")),
        with(&good, "productDesc", json!("가".repeat(256))),
        with(&good, "amount", json!(0)),
        with(&good, "amount", json!(10_000_000)),
        with(&good, "amount", json!("10000")),
        with(&good, "amount", json!(10000.0)),
        with(&good, "amount", json!(-1)),
        with(&good, "amountTaxFree", json!(10001)),
        with(&good, "amountTaxFree", json!(-1)),
        with(&good, "amountTaxFree", Value::Null),
        with(&good, "amountTaxable", json!(10001)),
        with(&good, "amountVat", json!(-5)),
        with(&good, "amountServiceFee", json!(-1)),
        with(&good, "amountServiceFee", json!(20000)),
        with(&good, "enablePayMethods", json!("x".repeat(101))),
        with(&good, "enablePayMethods", json!(5)),
        with(&good, "cashReceiptTradeOption", json!("string")),
        with(&good, "installment", json!("string")),
        with(&good, "isTestPayment", json!("true")),
        with(&good, "isTestPayment", json!(1)),
        without(&good, "orderNo"),
        without(&good, "productDesc"),
        without(&good, "amount"),
        without(&good, "amountTaxFree"),
        without(&good, "isTestPayment"),
        json!({"orderNo": "ok-1", "productDesc": "p", "amount": 10000, "amountTaxFree": 0,
            "amountTaxable": 9000, "amountVat": 999, "isTestPayment": true}),
    ];
    for body in bad_makes {
        let r = w.pay("make-payment", body.clone()).await;
        assert_eq!(got(&r), (400, invalid_parameter()), "{body}");
    }
    for raw in [
        "",
        "not json",
        "[]",
        "\"x\"",
        r#"{"orderNo":"a","orderNo":"b","productDesc":"p","amount":1,"amountTaxFree":0,"isTestPayment":true}"#,
    ] {
        let r = w
            .post(
                &format!("{PAY}/make-payment"),
                &[("x-toss-user-key", USER)],
                raw,
            )
            .await;
        assert_eq!(got(&r), (400, invalid_parameter()), "{raw:?}");
    }
    let huge = format!(
        r#"{{"orderNo":"big","productDesc":"{}","amount":1,"amountTaxFree":0,"isTestPayment":true}}"#,
        "a".repeat(1024 * 1024)
    );
    for raw in [
        huge.as_str(),
        r#"{"orderNo":"n","productDesc":"p","amount":99999999999999999999,"amountTaxFree":0,"isTestPayment":true}"#,
        r#"{"orderNo":"n","productDesc":"p","amount":1e4,"amountTaxFree":0,"isTestPayment":true}"#,
        r#"{"orderNo":"n","productDesc":"p","amount":10,"amountTaxFree":0,"amountTaxable":9223372036854775807,"amountVat":9223372036854775807,"isTestPayment":true}"#,
    ] {
        let r = w
            .post(
                &format!("{PAY}/make-payment"),
                &[("x-toss-user-key", USER)],
                raw,
            )
            .await;
        assert_eq!(
            got(&r),
            (400, invalid_parameter()),
            "{}",
            &raw[..raw.len().min(80)]
        );
    }
    // Lenient fields: unknown enablePayMethods means both, cashReceipt other than true means false.
    let token = w
        .make(
            json!({"orderNo": "ok-2", "productDesc": "p", "amount": 10000, "amountTaxFree": 0,
            "enablePayMethods": "string", "cashReceipt": 1, "isTestPayment": true}),
        )
        .await;
    assert_eq!(
        w.approve(&token, json!({"payMethod": "CARD"})).await.status,
        200
    );

    let token = w.make(good.clone()).await;
    for body in [
        json!({"payToken": token}),
        json!({"isTestPayment": true}),
        json!({"payToken": "a".repeat(31), "isTestPayment": true}),
        json!({"payToken": 5, "isTestPayment": true}),
        json!({"payToken": token, "isTestPayment": "yes"}),
    ] {
        let r = w.pay("execute-payment", body.clone()).await;
        assert_eq!(got(&r), (400, invalid_parameter()), "{body}");
    }
    for body in [
        json!({"payToken": token, "isTestPayment": true, "reason": "a".repeat(56)}),
        json!({"payToken": token, "isTestPayment": true, "reason": "<script>"}),
        json!({"payToken": token, "isTestPayment": true, "amount": 0}),
        json!({"payToken": token, "isTestPayment": true, "amount": -100}),
        json!({"payToken": token, "isTestPayment": true, "amount": "100"}),
        json!({"isTestPayment": true}),
    ] {
        let r = w.pay("refund-payment", body.clone()).await;
        assert_eq!(got(&r), (400, invalid_parameter()), "{body}");
    }
    for body in [
        json!({"isTestPayment": true}),
        json!({"payToken": token}),
        json!({"payToken": 1, "isTestPayment": true}),
    ] {
        let r = w.pay("get-payment-status", body.clone()).await;
        assert_eq!(got(&r), (400, invalid_parameter()), "{body}");
    }
    let r = w.on("execute-payment", "nope").await;
    assert_resp(
        &r,
        400,
        &fail("PAYMENT_NOT_FOUND", "결제 정보를 찾을 수 없어요."),
    );
    let r = w.on("refund-payment", "nope").await;
    assert_eq!(r.body["error"]["errorCode"], "PAYMENT_NOT_FOUND");
    // Another user's payToken is not found.
    let r = w
        .pay_as(
            OTHER_USER,
            "execute-payment",
            json!({"payToken": token, "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.body["error"]["errorCode"], "PAYMENT_NOT_FOUND");

    // The user header comes first, before the body is read.
    let unknown = (400, fail("USER_KEY_NOT_FOUND", "유저 키를 찾을 수 없어요."));
    for endpoint in [
        "make-payment",
        "execute-payment",
        "refund-payment",
        "get-payment-status",
    ] {
        for user in ["", "abc", "0", "443731103"] {
            let r = w
                .post(
                    &format!("{PAY}/{endpoint}"),
                    &[("x-toss-user-key", user)],
                    "not json",
                )
                .await;
            assert_eq!(got(&r), unknown, "{endpoint} {user:?}");
        }
        let r = w.post(&format!("{PAY}/{endpoint}"), &[], "not json").await;
        assert_eq!(got(&r), unknown);
    }
    exec_sql(
        &w.env,
        "UPDATE users SET withdrawn = 1 WHERE user_key = 87654321",
    )
    .await;
    let r = w
        .pay_as(
            OTHER_USER,
            "make-payment",
            with(&good, "orderNo", json!("ok-3")),
        )
        .await;
    assert_resp(
        &r,
        400,
        &fail("USER_NOT_FOUND", "토스 유저 정보를 찾을 수 없어요."),
    );
    w.stop().await;
}

async fn merchant_key_and_bank_maintenance(env: TestEnv) {
    let w = World::new(env).await;
    let make = |order: &str| {
        json!({"orderNo": order, "productDesc": "p", "amount": 1000, "amountTaxFree": 0,
            "isTestPayment": true})
    };
    let bad_key = (
        400,
        fail("COMMON_INVALID_API_KEY", "바르지 않은 apiKey예요."),
    );
    let settings = |body: Value| {
        let w = &w;
        async move {
            let r = w.sim("/sim/v1/apps/default/toss-pay", body).await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body
        }
    };

    // The public test key creates and looks up, but does not approve or refund.
    let view = settings(json!({"merchantKey": "sk_test_w5lNQylNqa5lNQe013Nq"})).await;
    assert_eq!(view["merchantKey"], "PUBLIC_TEST");
    let token = w.make(make("key-1")).await;
    assert_eq!(w.status(&token).await["payStatus"], "PAY_STANDBY");
    assert_eq!(w.approve(&token, json!({})).await.status, 200);
    for endpoint in ["execute-payment", "refund-payment"] {
        let r = w.on(endpoint, &token).await;
        assert_eq!(got(&r), bad_key, "{endpoint}");
    }

    // No key: nothing works.
    let view = settings(json!({})).await;
    assert_eq!(view["merchantKey"], Value::Null);
    for (endpoint, body) in [
        ("make-payment", make("key-2")),
        (
            "get-payment-status",
            json!({"payToken": token, "isTestPayment": true}),
        ),
        (
            "execute-payment",
            json!({"payToken": token, "isTestPayment": true}),
        ),
    ] {
        assert_eq!(got(&w.pay(endpoint, body).await), bad_key, "{endpoint}");
    }

    // A private key with a bank maintenance window of one hour from now.
    let view = settings(json!({"merchantKey": "my-private-key",
        "maintenanceFrom": "2025-04-17T03:32:10Z", "maintenanceUntil": "2025-04-17T04:32:10Z"}))
    .await;
    assert_eq!(
        view["maintenanceUntil"],
        json!("2025-04-17T04:32:10.000000Z")
    );
    let break_time = (
        400,
        fail(
            "COMMON_BREAK_TIME_OF_BANK",
            "지금은 은행 점검 시간이에요. 점검이 끝난 후 사용해 주세요.",
        ),
    );
    let r = w.on("execute-payment", &token).await;
    assert_eq!(got(&r), break_time);
    // Card payments are not affected.
    let card = w.make(make("key-3")).await;
    assert_eq!(
        w.approve(&card, json!({"payMethod": "CARD"})).await.status,
        200
    );
    let r = w.on("execute-payment", &card).await;
    assert_eq!(r.status, 200, "{}", r.text);
    w.advance(1200).await;
    let r = w.on("execute-payment", &token).await;
    assert_eq!(got(&r), break_time);
    // A refund of a Toss Money payment also waits for the bank: execute after the window, then refund in
    // a new window.
    w.advance(2400).await;
    let other = w.make(make("key-4")).await;
    assert_eq!(w.approve(&other, json!({})).await.status, 200);
    let r = w.on("execute-payment", &other).await;
    assert_eq!(r.status, 200, "{}", r.text);
    settings(json!({"merchantKey": "my-private-key",
        "maintenanceFrom": "2025-04-17T04:32:10Z", "maintenanceUntil": "2025-04-17T05:32:10Z"}))
    .await;
    let r = w.on("refund-payment", &other).await;
    assert_eq!(got(&r), break_time);
    for body in [
        json!({"maintenanceFrom": "2025-04-17T04:32:10Z"}),
        json!({"maintenanceFrom": "yesterday", "maintenanceUntil": "today"}),
    ] {
        let r = w.sim("/sim/v1/apps/default/toss-pay", body).await;
        assert_eq!(r.status, 400);
    }
    assert_eq!(
        w.sim("/sim/v1/apps/nope/toss-pay", json!({})).await.status,
        404
    );
    w.stop().await;
}

/// An executed Toss Money payment of `amount`.
async fn executed(w: &World, order: &str, amount: i64) -> String {
    let token = w
        .make(
            json!({"orderNo": order, "productDesc": "p", "amount": amount, "amountTaxFree": 0,
            "isTestPayment": true}),
        )
        .await;
    assert_eq!(w.approve(&token, json!({})).await.status, 200);
    let r = w.on("execute-payment", &token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    token
}

/// Fires `n` identical Toss Pay calls at once; returns (status, errorCode) of each. On PostgreSQL they go
/// alternately to `w`'s server and to a second tossd process on the same database (the multi-process
/// setup, which is PostgreSQL's; a SQLite file has one tossd).
async fn storm(w: &World, n: usize, endpoint: &str, body: Value) -> Vec<(u16, String)> {
    let servers = Servers::start(&w.env, &w.base, &["--clock", "manual"]).await;
    let responses = post_concurrently(
        &w.env,
        &servers,
        n,
        &format!("{PAY}/{endpoint}"),
        &[("x-toss-user-key", USER)],
        &body.to_string(),
    )
    .await;
    servers.stop().await;
    responses
        .iter()
        .map(|r| {
            (
                r.status,
                r.body["error"]["errorCode"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect()
}

fn count(results: &[(u16, String)], status: u16, code: &str) -> usize {
    results
        .iter()
        .filter(|(s, c)| *s == status && c == code)
        .count()
}

async fn concurrent_executes_succeed_once(env: TestEnv) {
    let w = World::new(env).await;
    // One orderNo, 50 creates: the unique constraint lets exactly one through.
    let results = storm(
        &w,
        50,
        "make-payment",
        json!({"orderNo": "race-0", "productDesc": "p", "amount": 100, "amountTaxFree": 0,
            "isTestPayment": true}),
    )
    .await;
    assert_eq!(count(&results, 200, ""), 1, "{results:?}");
    assert_eq!(
        count(&results, 400, "PAYMENT_EXISTING_PAYMENT"),
        49,
        "{results:?}"
    );
    let token = w
        .make(
            json!({"orderNo": "race-1", "productDesc": "p", "amount": 10000, "amountTaxFree": 0,
            "isTestPayment": true}),
        )
        .await;
    assert_eq!(w.approve(&token, json!({})).await.status, 200);
    let results = storm(
        &w,
        50,
        "execute-payment",
        json!({"payToken": token, "isTestPayment": true}),
    )
    .await;
    assert_eq!(count(&results, 200, ""), 1, "{results:?}");
    assert_eq!(
        count(&results, 400, "PAYMENT_ALREADY_COMPLETED"),
        49,
        "{results:?}"
    );
    let status = w.status(&token).await;
    assert_eq!(status["transactions"].as_array().unwrap().len(), 1);
    assert_eq!(status["refundableAmount"], 10000);
    w.stop().await;
}

async fn concurrent_full_refunds_succeed_once(env: TestEnv) {
    let w = World::new(env).await;
    let token = executed(&w, "race-2", 10000).await;
    let results = storm(
        &w,
        50,
        "refund-payment",
        json!({"payToken": token, "isTestPayment": true}),
    )
    .await;
    assert_eq!(count(&results, 200, ""), 1, "{results:?}");
    assert_eq!(
        count(&results, 400, "PAYMENT_ALREADY_REFUNDED"),
        49,
        "{results:?}"
    );
    let status = w.status(&token).await;
    assert_eq!(
        (&status["payStatus"], &status["refundableAmount"]),
        (&json!("REFUND_SUCCESS"), &json!(0))
    );
    assert_eq!(status["transactions"].as_array().unwrap().len(), 2);
    w.stop().await;
}

async fn concurrent_partial_refunds_never_go_below_zero(env: TestEnv) {
    let w = World::new(env).await;
    let token = executed(&w, "race-3", 10000).await;
    let results = storm(
        &w,
        50,
        "refund-payment",
        json!({"payToken": token, "amount": 1000, "isTestPayment": true}),
    )
    .await;
    assert_eq!(count(&results, 200, ""), 10, "{results:?}");
    assert_eq!(
        count(&results, 400, "PAYMENT_ALREADY_REFUNDED"),
        40,
        "{results:?}"
    );
    let status = w.status(&token).await;
    assert_eq!(
        (&status["payStatus"], &status["refundableAmount"]),
        (&json!("REFUND_SUCCESS"), &json!(0))
    );
    let transactions = status["transactions"].as_array().unwrap();
    assert_eq!(transactions.len(), 11);
    let refunded: i64 = transactions[1..]
        .iter()
        .map(|t| t["transactionAmount"].as_i64().unwrap())
        .sum();
    assert_eq!(refunded, -10000);
    w.stop().await;
}

async fn iap_order_statuses(env: TestEnv) {
    let w = World::new(env).await;
    let sku = "ait.0000010000.af647449.3bd55cfd00.0000000475";
    let order_status = |order_id: String| {
        let w = &w;
        async move {
            let r = w
                .post(
                    "/api-partner/v1/apps-in-toss/order/get-order-status",
                    &[],
                    &json!({ "orderId": order_id }).to_string(),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            assert_eq!(r.body["resultType"], "SUCCESS");
            r.body["success"].clone()
        }
    };
    let create = |body: Value| {
        let w = &w;
        async move {
            let r = w.sim("/sim/v1/iap/orders", body).await;
            assert_eq!(r.status, 201, "{}", r.text);
            r.body
        }
    };

    let order = create(json!({"userKey": 123456789, "sku": sku})).await;
    let id = order["orderId"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = id.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert!(parts[2].starts_with('7'), "{id}");
    assert_eq!(
        (&order["sku"], &order["status"]),
        (&json!(sku), &json!("PURCHASED"))
    );
    assert_eq!(
        order_status(id.clone()).await,
        json!({"orderId": id, "sku": sku, "statusDeterminedAt": "2025-04-17T12:32:10",
            "status": "PURCHASED", "reason": "완료된 주문이에요."})
    );

    // Each status, from creation and by moves.
    let in_progress =
        create(json!({"userKey": 123456789, "sku": sku, "status": "ORDER_IN_PROGRESS"})).await
            ["orderId"]
            .as_str()
            .unwrap()
            .to_owned();
    assert_eq!(
        order_status(in_progress.clone()).await,
        json!({"orderId": in_progress, "sku": sku, "status": "ORDER_IN_PROGRESS",
            "reason": "주문이 진행 중이에요."})
    );
    w.advance(60).await;
    let r = w
        .sim(
            &format!("/sim/v1/iap/orders/{in_progress}/status"),
            json!({"status": "PAYMENT_COMPLETED"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        order_status(in_progress.clone()).await,
        json!({"orderId": in_progress, "sku": sku, "statusDeterminedAt": "2025-04-17T12:33:10",
            "status": "PAYMENT_COMPLETED", "reason": "결제가 완료되었어요."})
    );
    w.advance(60).await;
    for to in ["PURCHASED", "REFUNDED"] {
        let r = w
            .sim(
                &format!("/sim/v1/iap/orders/{in_progress}/status"),
                json!({ "status": to }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    assert_eq!(
        order_status(in_progress.clone()).await,
        json!({"orderId": in_progress, "sku": sku, "statusDeterminedAt": "2025-04-17T12:34:10",
            "status": "REFUNDED", "reason": "환불된 주문이에요."})
    );
    let r = w
        .sim(
            &format!("/sim/v1/iap/orders/{in_progress}/status"),
            json!({"status": "PURCHASED"}),
        )
        .await;
    assert_eq!(r.status, 409);

    let failed = create(json!({"userKey": 123456789, "sku": sku, "status": "FAILED"})).await
        ["orderId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        order_status(failed.clone()).await,
        json!({"orderId": failed, "sku": sku, "statusDeterminedAt": "2025-04-17T12:34:10",
            "status": "FAILED", "reason": "결제에 실패한 주문이에요."})
    );
    let r = w
        .sim(
            &format!("/sim/v1/iap/orders/{failed}/status"),
            json!({"status": "ERROR"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        order_status(failed.clone()).await,
        json!({"orderId": failed, "status": "ERROR",
            "reason": "주문 상태를 확인하는 중 오류가 발생했어요."})
    );
    let refunded = create(
        json!({"userKey": 443731103, "sku": sku.replace("475", "476"),
        "status": "REFUNDED"}),
    )
    .await;
    assert_eq!(refunded["status"], "REFUNDED");

    assert_eq!(
        order_status("13c9a1ff-2baa-4495-bbfa-a0826ba8c7c0".into()).await,
        json!({"orderId": "13c9a1ff-2baa-4495-bbfa-a0826ba8c7c0", "status": "NOT_FOUND",
            "reason": "주문을 찾을 수 없어요."})
    );

    // An order of another app's product.
    exec_sql(
        &w.env,
        "INSERT INTO apps (app_id, name, client_id, pii_key, aad, is_default, created_at) \
         VALUES ('ait_other', 'other', 'otherclientid', 'key', 'TOSS', 0, 0)",
    )
    .await;
    exec_sql(
        &w.env,
        "INSERT INTO iap_products (sku, app_id, name, kind, supply_price, sale_price) \
         VALUES ('ait.0000020000.00000000.0000000000.0000000001', 'ait_other', 'x', 'CONSUMABLE', 1000, 1100)",
    )
    .await;
    let foreign = create(json!({"userKey": 123456789,
        "sku": "ait.0000020000.00000000.0000000000.0000000001"}))
    .await;
    assert_eq!(foreign["appId"], "ait_other");
    let foreign_id = foreign["orderId"].as_str().unwrap().to_owned();
    assert_eq!(
        order_status(foreign_id.clone()).await,
        json!({"orderId": foreign_id, "status": "MINIAPP_MISMATCH",
            "reason": "해당 미니앱의 상품이 아니에요."})
    );

    // Every endpoint of this area is in the OpenAPI document.
    let doc = w.env.get("/openapi.json", &[]).await.body;
    for path in [
        "/api-partner/v1/apps-in-toss/pay/make-payment",
        "/api-partner/v1/apps-in-toss/pay/execute-payment",
        "/api-partner/v1/apps-in-toss/pay/refund-payment",
        "/api-partner/v1/apps-in-toss/pay/get-payment-status",
        "/api-partner/v1/apps-in-toss/order/get-order-status",
        "/sim/v1/pay/{payToken}/approve",
        "/sim/v1/pay/{payToken}/cancel",
        "/sim/v1/apps/{appId}/toss-pay",
        "/sim/v1/iap/orders",
        "/sim/v1/iap/orders/{orderId}/status",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }

    // The user header is accepted and ignored.
    let r = w
        .post(
            "/api-partner/v1/apps-in-toss/order/get-order-status",
            &[("x-toss-user-key", "garbage")],
            &json!({ "orderId": id }).to_string(),
        )
        .await;
    assert_eq!(r.body["success"]["status"], "PURCHASED");

    for raw in [
        "{}",
        r#"{"orderId": ""}"#,
        r#"{"orderId": 5}"#,
        "nope",
        "[]",
    ] {
        let r = w
            .post(
                "/api-partner/v1/apps-in-toss/order/get-order-status",
                &[],
                raw,
            )
            .await;
        assert_eq!(got(&r), (400, invalid_parameter()), "{raw}");
    }
    for body in [
        json!({"userKey": 1, "sku": sku}),
        json!({"userKey": 123456789, "sku": "nope"}),
    ] {
        assert_eq!(w.sim("/sim/v1/iap/orders", body).await.status, 404);
    }
    for body in [
        json!({"userKey": 123456789, "sku": sku, "status": "NOT_FOUND"}),
        json!({"userKey": "x", "sku": sku}),
        json!({"sku": sku}),
    ] {
        assert_eq!(w.sim("/sim/v1/iap/orders", body).await.status, 400);
    }
    assert_eq!(
        w.sim(
            "/sim/v1/iap/orders/nope/status",
            json!({"status": "PURCHASED"})
        )
        .await
        .status,
        404
    );
    w.stop().await;
}
