//! The Apps-in-Toss family through toss-client: every endpoint against tossd, its happy path and one
//! documented failure, read as typed values; login-me decrypted by the client's helper; the mTLS identity.

use reqwest::Method;
use serde_json::{json, Value};
use toss_client::apps_in_toss::login::Decryptor;
use toss_client::wire::apps_in_toss::iap::OrderStatus;
use toss_client::wire::apps_in_toss::login::{
    Gender, GenerateTokenRequest, Nationality, RefreshTokenRequest,
};
use toss_client::wire::apps_in_toss::messenger::{
    BulkItem, BulkRequest, Context, FailReason, SendRequest, SendTestRequest,
};
use toss_client::wire::apps_in_toss::pay::{
    ExecutePaymentRequest, MakePaymentRequest, PayMethod, PayMode, PayStatus, PaymentStatusRequest,
    RefundPaymentRequest, TransactionKind,
};
use toss_client::wire::apps_in_toss::promotions::{ExecuteRequest, GrantStatus, ResultRequest};
use toss_client::wire::apps_in_toss::{ErrorCode, ResultType};
use toss_client::wire::Open;
use toss_client::{ApiError, Client, Error};

use crate::common::{link_user, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    login_endpoints,
    toss_pay_endpoints,
    iap_order_status,
    promotion_endpoints,
    messenger_endpoints,
    mtls_identity_is_presented,
);

const HONG: i64 = 123456789;
const KIM: i64 = 87654321;

fn client(env: &TestEnv) -> Client {
    Client::builder()
        .base_url(env.base())
        .max_retries(0)
        .build()
        .expect("client")
}

/// The Apps-in-Toss FAIL of `result` as (HTTP status, errorCode).
fn fail<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, Open<ErrorCode>) {
    match result {
        Err(Error::Api(ApiError::AppsInToss {
            status,
            result_type,
            fail: Some(fail),
        })) => {
            assert_eq!(result_type, ResultType::Fail);
            (status, fail.error_code)
        }
        other => panic!("expected a FAIL envelope, got {other:?}"),
    }
}

/// The bare OAuth failure of `result` as (HTTP status, error).
fn oauth<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, String) {
    match result {
        Err(Error::Api(ApiError::OAuth { status, error })) => (status, error),
        other => panic!("expected an OAuth failure, got {other:?}"),
    }
}

async fn login_endpoints(env: TestEnv) {
    let toss = client(&env);
    let user = env
        .sim(Method::POST, "/sim/v1/users", json!({"name": "박토스"}))
        .await;
    let user_key = user["userKey"].as_i64().unwrap();
    let code = env
        .sim(Method::POST, "/sim/v1/login", json!({"userKey": user_key}))
        .await;
    let request = GenerateTokenRequest::new(
        code["authorizationCode"].as_str().unwrap(),
        code["referrer"].as_str().unwrap(),
    );

    let tokens = toss.login().generate_token(request.clone()).await.unwrap();
    assert_eq!(
        (tokens.token_type.as_str(), tokens.expires_in),
        ("Bearer", 3600)
    );
    assert!(tokens.scope.split(' ').any(|s| s == "user_name"));
    // The code is spent: the bare OAuth body.
    assert_eq!(
        oauth(toss.login().generate_token(request).await),
        (400, "invalid_grant".to_owned())
    );

    let me = toss.login().me(&tokens.access_token).await.unwrap();
    assert_eq!(me.user_key, user_key);
    assert_ne!(me.name.as_deref(), user["name"].as_str(), "encrypted");
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    let decryptor = Decryptor::new(
        app["decryptionKey"].as_str().unwrap(),
        app["aad"].as_str().unwrap(),
    )
    .unwrap();
    let profile = decryptor.login_me(&me).unwrap();
    let text = |field: &str| user[field].as_str().map(str::to_owned);
    assert_eq!(profile.user_key, user_key);
    assert_eq!(profile.scope[0], "user_key");
    assert_eq!(profile.name, text("name"));
    assert_eq!(profile.calling_code, text("callingCode"));
    assert_eq!(profile.phone, text("phone"));
    assert_eq!(profile.birthday, text("birthday"));
    assert_eq!(profile.ci, text("ci"));
    assert_eq!(profile.email, text("email"));
    let gender: Gender = user["gender"].as_str().unwrap().parse().unwrap();
    let nationality: Nationality = user["nationality"].as_str().unwrap().parse().unwrap();
    assert_eq!(profile.gender, Some(Open::Known(gender)));
    assert_eq!(profile.nationality, Some(Open::Known(nationality)));
    assert_eq!(
        oauth(toss.login().me("not-a-token").await),
        (401, "invalid_grant".to_owned())
    );

    let refreshed = toss
        .login()
        .refresh_token(RefreshTokenRequest::new(&tokens.refresh_token))
        .await
        .unwrap();
    assert_eq!(refreshed.refresh_token, tokens.refresh_token);
    assert_ne!(refreshed.access_token, tokens.access_token);
    assert_eq!(
        oauth(
            toss.login()
                .refresh_token(RefreshTokenRequest::new("unknown"))
                .await
        ),
        (400, "invalid_grant".to_owned())
    );

    let removed = toss
        .login()
        .remove_by_access_token(&refreshed.access_token)
        .await
        .unwrap();
    assert_eq!(removed.user_key, user_key);
    assert_eq!(
        oauth(
            toss.login()
                .remove_by_access_token(&refreshed.access_token)
                .await
        ),
        (401, "invalid_grant".to_owned())
    );

    let removed = toss.login().remove_by_user_key(user_key).await.unwrap();
    assert_eq!(removed.user_key, user_key);
    assert_eq!(
        fail(toss.login().remove_by_user_key(999_999_999).await),
        (400, Open::Known(ErrorCode::UserKeyNotFound))
    );
}

async fn toss_pay_endpoints(env: TestEnv) {
    link_user(&env, HONG).await;
    let toss = client(&env);
    let pay = toss.toss_pay();
    let request = MakePaymentRequest::new("client-order-1", "테스트 상품", 10_000, true)
        .enable_pay_methods(PayMethod::TossMoney);
    let made = pay.make_payment(HONG, request.clone()).await.unwrap();
    assert_eq!(made.pay_token.len(), 22);
    assert_eq!(
        fail(pay.make_payment(HONG, request).await),
        (400, Open::Known(ErrorCode::PaymentExistingPayment))
    );

    let execute = ExecutePaymentRequest::new(&made.pay_token, true).order_no("client-order-1");
    assert_eq!(
        fail(pay.execute_payment(HONG, execute.clone()).await),
        (400, Open::Known(ErrorCode::PaymentNotApproved))
    );
    env.sim(
        Method::POST,
        &format!("/sim/v1/pay/{}/approve", made.pay_token),
        json!({}),
    )
    .await;
    let executed = pay.execute_payment(HONG, execute).await.unwrap();
    assert_eq!(
        (
            executed.code,
            &executed.mode,
            executed.amount,
            executed.state_msg.as_str()
        ),
        (0, &Open::Known(PayMode::Test), 10_000, "결제 완료")
    );
    assert_eq!(executed.pay_method, Some(Open::Known(PayMethod::TossMoney)));
    assert!(executed.account_bank_code.is_some() && executed.card_number.is_none());

    let by_order = PaymentStatusRequest::by_order_no("client-order-1", true);
    let status = pay.payment_status(HONG, by_order).await.unwrap();
    assert_eq!(status.pay_token, made.pay_token);
    assert_eq!(status.pay_status, PayStatus::PayComplete);
    assert_eq!(status.transactions.len(), 1);
    assert_eq!(status.transactions[0].step_type, TransactionKind::Pay);
    assert_eq!(
        fail(
            pay.payment_status(
                HONG,
                PaymentStatusRequest::by_pay_token(&made.pay_token, false)
            )
            .await
        ),
        (404, Open::Known(ErrorCode::PaymentNotFound))
    );

    let refund = RefundPaymentRequest::new(&made.pay_token, true).reason("고객 변심");
    let refunded = pay.refund_payment(HONG, refund.clone()).await.unwrap();
    assert_eq!(
        (refunded.refunded_amount, refunded.refundable_amount),
        (10_000, 0)
    );
    assert_eq!(
        fail(pay.refund_payment(HONG, refund).await),
        (400, Open::Known(ErrorCode::PaymentAlreadyRefunded))
    );
    let status = pay
        .payment_status(
            HONG,
            PaymentStatusRequest::by_pay_token(&made.pay_token, true),
        )
        .await
        .unwrap();
    assert_eq!(status.pay_status, PayStatus::RefundSuccess);
    assert_eq!(status.transactions[1].step_type, TransactionKind::Refund);
}

async fn iap_order_status(env: TestEnv) {
    let toss = client(&env);
    let order = env
        .sim(
            Method::POST,
            "/sim/v1/iap/orders",
            json!({"userKey": HONG, "sku": "ait.0000010000.af647449.3bd55cfd00.0000000475"}),
        )
        .await;
    let order_id = order["orderId"].as_str().unwrap();
    let answer = toss.iap().order_status(order_id).await.unwrap();
    assert_eq!(answer.order_id, order_id);
    assert_eq!(answer.status, OrderStatus::Purchased);
    assert_eq!(answer.reason, "완료된 주문이에요.");
    assert_eq!(
        answer.sku.as_deref(),
        Some("ait.0000010000.af647449.3bd55cfd00.0000000475")
    );
    assert!(answer.status_determined_at.is_some());

    let unknown = toss.iap().order_status("no-such-order").await.unwrap();
    assert_eq!(unknown.status, OrderStatus::NotFound);
    assert_eq!((unknown.sku, unknown.status_determined_at), (None, None));
    assert_eq!(
        fail(toss.iap().order_status("").await),
        (400, Open::Known(ErrorCode::InvalidParameter))
    );
}

async fn promotion_endpoints(env: TestEnv) {
    link_user(&env, HONG).await;
    let toss = client(&env);
    let promotions = toss.promotions();
    let key = promotions.get_key(HONG).await.unwrap().key;
    assert_eq!(key.len(), 44);
    assert_eq!(
        fail(promotions.get_key(999_999_999).await),
        (401, Open::Known(ErrorCode::UserKeyNotFound))
    );

    let grant = ExecuteRequest::new("DEFAULT_PROMOTION", &key, 100);
    let echoed = promotions.execute(HONG, grant.clone()).await.unwrap();
    assert_eq!(echoed.key, key);
    // A numeric code, read by its meaning.
    assert_eq!(
        fail(promotions.execute(HONG, grant).await),
        (400, Open::Known(ErrorCode::KeyAlreadyUsed))
    );

    let result = promotions
        .execution_result(HONG, ResultRequest::new("DEFAULT_PROMOTION", &key))
        .await
        .unwrap();
    assert_eq!(result, Open::Known(GrantStatus::Success));
    assert_eq!(
        fail(
            promotions
                .execution_result(HONG, ResultRequest::new("NO_SUCH_PROMOTION", &key))
                .await
        ),
        (400, Open::Known(ErrorCode::PromotionNotFound))
    );
}

async fn messenger_endpoints(env: TestEnv) {
    link_user(&env, HONG).await;
    link_user(&env, KIM).await;
    let toss = client(&env);
    let messenger = toss.messenger();
    let otp = Context::new()
        .with("userName", "홍길동")
        .with("otp", "123456");

    let sent = messenger
        .send_message(HONG, SendRequest::new("ALERT_OTP_TEMPLATE", otp.clone()))
        .await
        .unwrap();
    assert_eq!(
        (sent.msg_count, sent.sent_push_count, sent.sent_inbox_count),
        (2, 1, 1)
    );
    assert_eq!(sent.detail.sent_inbox[0].reached_fail_reason, None);
    assert_eq!(
        fail(
            messenger
                .send_message(HONG, SendRequest::new("NO_SUCH_TEMPLATE", otp.clone()))
                .await
        ),
        (400, Open::Known(ErrorCode::TemplateNotFound))
    );

    let test = SendTestRequest::new(
        "ALERT_OTP_TEMPLATE",
        "019abfe8-fd68-7021-9cdc-30d6053cc009",
        otp.clone(),
    );
    let sent = messenger.send_test_message(HONG, test).await.unwrap();
    assert_eq!(sent.msg_count, 2);
    assert_eq!(
        fail(
            messenger
                .send_test_message(
                    HONG,
                    SendTestRequest::new("ALERT_OTP_TEMPLATE", "x", otp.clone())
                )
                .await
        ),
        (400, Open::Known(ErrorCode::InvalidParameter))
    );

    let bulk = BulkRequest::new(
        "ALERT_OTP_TEMPLATE",
        vec![
            BulkItem::new(KIM, Context::new().with("otp", "111111")),
            BulkItem::new(999_999_999, Context::new().with("otp", "222222")),
        ],
    );
    let sent = messenger.send_bulk_message(bulk).await.unwrap();
    assert_eq!(sent.msg_count, 2);
    assert_eq!(sent.fail.sent_push.len(), 1);
    assert_eq!(
        sent.fail.sent_push[0].reached_fail_reason,
        Some(Open::Known(FailReason::UnknownUser))
    );
    assert_eq!(
        fail(
            messenger
                .send_bulk_message(BulkRequest::new("ALERT_OTP_TEMPLATE", Vec::new()))
                .await
        ),
        (400, Open::Known(ErrorCode::InvalidParameter))
    );
}

async fn mtls_identity_is_presented(env: TestEnv) {
    let server = env.second_server(&["--require-mtls"]).await;
    let files = tempfile::tempdir().unwrap();
    let connection = tossd::ready::Connection::describe(&server, files.path())
        .await
        .unwrap();
    let tls = connection.tls.expect("client files under --require-mtls");
    let read = |path: &std::path::Path| std::fs::read(path).unwrap();
    let ca = read(&tls.ca_certificate_file);

    let with_identity = Client::builder()
        .base_url(server.base_url())
        .root_certificate_pem(&ca)
        .identity_pem(&read(&tls.certificate_file), &read(&tls.private_key_file))
        .max_retries(0)
        .build()
        .unwrap();
    let answer = with_identity
        .iap()
        .order_status("no-such-order")
        .await
        .unwrap();
    assert_eq!(answer.status, OrderStatus::NotFound);

    let without = Client::builder()
        .base_url(server.base_url())
        .root_certificate_pem(&ca)
        .max_retries(0)
        .build()
        .unwrap();
    match without.iap().order_status("no-such-order").await {
        Err(Error::Transport(_)) => {}
        other => panic!("a client without a certificate got {other:?}"),
    }
    server.stop().await.unwrap();
}
