//! The Toss Payments family through toss-client: every BrandPay endpoint and the payment lookup and cancel,
//! each with its happy path and one documented error, typed; unknown codes and values kept; webhooks parsed
//! by the client's parser; a cancel repeated with one idempotency key moving money once.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use toss_client::webhooks::{self, CustomerStatusChange, MethodUpdateStatus, WebhookEvent};
use toss_client::wire::tosspayments::brandpay::methods::RemoveMethodRequest;
use toss_client::wire::tosspayments::brandpay::payments::{AutoPayRequest, ConfirmRequest};
use toss_client::wire::tosspayments::brandpay::terms::AgreeRequest;
use toss_client::wire::tosspayments::brandpay::tokens::AccessTokenRequest;
use toss_client::wire::tosspayments::brandpay::{CardType, MethodStatus, OwnerType, Scope};
use toss_client::wire::tosspayments::codes::{self, TpCode};
use toss_client::wire::tosspayments::payments::{
    CancelRequest, Payment, PaymentMethod, PaymentStatus,
};
use toss_client::wire::tosspayments::ErrorCode;
use toss_client::wire::Open;
use toss_client::{ApiError, Client, Error};

use crate::common::{register_account, register_card, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    brandpay_customers_through_the_client,
    brandpay_payments_through_the_client,
    unknown_codes_and_values_survive,
);

const KEY: &str = "c6thB674j9vCU4XsvcPk";

/// A client of tossd with the default merchant's secret key.
async fn client(env: &TestEnv) -> Client {
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    let secret = merchant["secretKey"].as_str().expect("secretKey");
    Client::builder()
        .base_url(env.base())
        .secret_key(secret)
        .max_retries(0)
        .build()
        .expect("the client builds")
}

/// Asserts that `outcome` is the Toss Payments failure `code` with its catalogue status.
#[track_caller]
fn assert_code<T: std::fmt::Debug>(outcome: Result<T, Error>, code: &'static TpCode) {
    match outcome {
        Err(Error::Api(ApiError::TossPayments {
            status,
            code: got,
            message,
        })) => {
            assert!(got.is(code), "{got} is not {}", code.code);
            assert_eq!(got, ErrorCode::Known(code));
            assert_eq!((status, message.as_str()), (code.status, code.ko));
        }
        other => panic!("expected {}, got {other:?}", code.code),
    }
}

/// Signs `key` up through the client; returns (accessToken, refreshToken).
async fn sign_up(client: &Client, key: &str) -> (String, String) {
    let agreed = client
        .brandpay()
        .agree(AgreeRequest::new(key, [Scope::Register], [1, 2, 3, 4]))
        .await
        .expect("agree");
    let token = client
        .brandpay()
        .access_token(AccessTokenRequest::authorization_code(key, agreed.code))
        .await
        .expect("access token");
    (token.access_token, token.refresh_token)
}

async fn brandpay_customers_through_the_client(env: TestEnv) {
    let client = client(&env).await;
    let bp = client.brandpay();

    // Terms.
    let terms = bp.terms(KEY, &[Scope::Register]).await.expect("terms");
    assert_eq!(terms.iter().map(|t| t.id).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(terms.iter().all(|t| t.required && !t.agreed));
    assert_code(
        bp.terms("x", &[Scope::Register]).await,
        &codes::INVALID_CUSTOMER_KEY,
    );

    // Agreement: a new customer must agree to the sign-up terms first.
    assert_code(
        bp.agree(AgreeRequest::new(KEY, [Scope::Card], [5])).await,
        &codes::NEED_AGREEMENT_WITH_TERMS,
    );
    let agreed = bp
        .agree(AgreeRequest::new(KEY, [Scope::Register], [1, 2, 3, 4]))
        .await
        .expect("agree");
    assert_eq!(agreed.code.len(), 24);

    // Access token: the code is single use.
    let token = bp
        .access_token(AccessTokenRequest::authorization_code(KEY, &agreed.code))
        .await
        .expect("access token");
    assert_eq!(
        (token.token_type.as_str(), token.expires_in),
        ("bearer", 2_592_000)
    );
    assert_code(
        bp.access_token(AccessTokenRequest::authorization_code(KEY, &agreed.code))
            .await,
        &codes::NOT_FOUND_AUTHORIZATION_CODE,
    );
    let refreshed = bp
        .access_token(AccessTokenRequest::refresh_token(KEY, &token.refresh_token))
        .await
        .expect("refresh");
    assert_ne!(refreshed.access_token, token.access_token);
    let access = refreshed.access_token;

    // Methods, by access token and by customerKey.
    let card = register_card(&env, KEY, json!({})).await;
    let account = register_account(&env, KEY, json!({})).await;
    let methods = bp.methods(&access).await.expect("methods");
    assert_eq!(methods.cards.len(), 1);
    assert_eq!(methods.accounts.len(), 1);
    let listed = &methods.cards[0];
    assert_eq!(listed.method_key, card["methodKey"].as_str().unwrap());
    assert_eq!(
        (&listed.status, &listed.card_type, &listed.owner_type),
        (
            &Open::Known(MethodStatus::Enabled),
            &Open::Known(CardType::Credit),
            &Open::Known(OwnerType::Personal)
        )
    );
    assert_eq!(
        methods.accounts[0].method_key,
        account["methodKey"].as_str().unwrap()
    );
    assert_code(
        bp.methods("not-a-token").await,
        &codes::INVALID_ACCESS_TOKEN,
    );
    assert_eq!(bp.methods_of(KEY).await.expect("methods of"), methods);
    assert_code(
        bp.methods_of("nobody-here").await,
        &codes::NOT_FOUND_CUSTOMER,
    );

    // Promotions; a wrong secret key is refused.
    let cards = bp.card_promotions().await.expect("card promotions");
    let banks = bp.bank_promotions().await.expect("bank promotions");
    assert!(!cards.discount_cards.is_empty() || !cards.interest_free_cards.is_empty());
    assert!(banks
        .discount_banks
        .iter()
        .all(|b| b.currency == "KRW" && b.bank_code.len() == 2));
    let stranger = Client::builder()
        .base_url(env.base())
        .secret_key("test_sk_unknown")
        .build()
        .unwrap();
    assert_code(
        stranger.brandpay().card_promotions().await,
        &codes::UNAUTHORIZED_KEY,
    );
    assert_code(
        stranger.brandpay().bank_promotions().await,
        &codes::UNAUTHORIZED_KEY,
    );

    // Removing methods: the second removal finds nothing.
    let card_key = listed.method_key.clone();
    let removed = bp
        .remove_card(&access, RemoveMethodRequest::new(&card_key))
        .await
        .expect("remove card");
    assert_eq!(removed.status, MethodStatus::Disabled);
    assert_eq!(removed.method_key, card_key);
    assert_code(
        bp.remove_card(&access, RemoveMethodRequest::new(&card_key))
            .await,
        &codes::NOT_FOUND_METHOD,
    );
    let account_key = methods.accounts[0].method_key.clone();
    let removed = bp
        .remove_account(&access, RemoveMethodRequest::new(&account_key))
        .await
        .expect("remove account");
    assert_eq!(removed.status, MethodStatus::Disabled);
    assert_code(
        bp.remove_account(&access, RemoveMethodRequest::new(&account_key))
            .await,
        &codes::NOT_FOUND_METHOD,
    );

    // Withdrawal: the token stops working.
    let gone = bp.remove_customer(&access).await.expect("remove customer");
    assert_eq!((gone.customer_key.as_str(), gone.success), (KEY, true));
    assert_code(
        bp.remove_customer(&access).await,
        &codes::INVALID_ACCESS_TOKEN,
    );
}

/// A webhook receiver: every body it is sent, in arrival order.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Bytes>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new()
        .fallback(
            |State(tx): State<mpsc::UnboundedSender<Bytes>>, body: Bytes| async move {
                let _ = tx.send(body);
            },
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("the receiver binds");
    let url = format!("http://{}/hooks/toss", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, rx)
}

async fn brandpay_payments_through_the_client(env: TestEnv) {
    let (url, mut bodies) = receiver().await;
    env.sim(
        Method::PUT,
        "/sim/v1/merchants/default/webhook",
        json!({"url": url}),
    )
    .await;
    let client = client(&env).await;
    let bp = client.brandpay();
    sign_up(&client, KEY).await;
    let card = register_card(&env, KEY, json!({})).await;
    let method_key = card["methodKey"].as_str().unwrap().to_owned();

    // Confirm of a window payment; a second confirm finds it processed.
    let window = env
        .sim(
            Method::POST,
            "/sim/v1/brandpay/payments",
            json!({"customerKey": KEY, "methodId": card["id"], "amount": 10000,
                   "orderId": "order-client-1", "orderName": "토스 티셔츠 외 2건", "password": "000000"}),
        )
        .await;
    let payment_key = window["paymentKey"].as_str().unwrap().to_owned();
    let confirm = ConfirmRequest::new(&payment_key, 10_000, KEY, "order-client-1");
    let done = bp.confirm(confirm.clone()).await.expect("confirm");
    assert_eq!(done.status, PaymentStatus::Done);
    assert_eq!(done.method, Some(Open::Known(PaymentMethod::Card)));
    assert_eq!((done.total_amount, done.balance_amount), (10_000, 10_000));
    assert_code(bp.confirm(confirm).await, &codes::ALREADY_PROCESSED_PAYMENT);

    // Auto-pay; the same orderId cannot be approved twice.
    let auto = AutoPayRequest::new(KEY, &method_key, 15_000, "order-client-2", "정기 구독");
    let charged = bp.auto_pay(auto.clone()).await.expect("auto-pay");
    assert_eq!(charged.status, PaymentStatus::Done);
    assert_eq!(charged.order_id, "order-client-2");
    assert_code(bp.auto_pay(auto).await, &codes::DUPLICATED_ORDER_ID);

    // Lookups.
    let payments = client.payments();
    assert_eq!(payments.get(&payment_key).await.expect("lookup"), done);
    assert_eq!(
        payments
            .get_by_order_id("order-client-2")
            .await
            .expect("lookup by order"),
        charged
    );
    assert_code(
        payments.get("no-such-payment").await,
        &codes::NOT_FOUND_PAYMENT,
    );
    assert_code(
        payments.get_by_order_id("no-such-order").await,
        &codes::NOT_FOUND_PAYMENT,
    );

    // A partial cancel sent twice with one key moves money once.
    let cancel = || {
        payments
            .cancel(
                &payment_key,
                CancelRequest::new("고객 변심").cancel_amount(1_000),
            )
            .idempotency_key("cancel-order-client-1")
    };
    let first = cancel().await.expect("cancel");
    let again = cancel().await.expect("cancel replayed");
    assert_eq!(first, again);
    assert_eq!(first.status, PaymentStatus::PartialCanceled);
    let now = payments.get(&payment_key).await.expect("lookup");
    assert_eq!(now.balance_amount, 9_000);
    assert_eq!(now.cancels.as_ref().map(Vec::len), Some(1));
    assert_code(
        payments
            .cancel(
                &payment_key,
                CancelRequest::new("너무 많이").cancel_amount(1_000_000),
            )
            .await,
        &codes::NOT_CANCELABLE_AMOUNT,
    );

    // The webhooks of all this, read with the client's parser.
    let (mut created, mut enabled, mut statuses) = (false, false, Vec::new());
    while !(created && enabled && statuses.contains(&PaymentStatus::PartialCanceled)) {
        let body = tokio::time::timeout(Duration::from_secs(20), bodies.recv())
            .await
            .expect("the webhooks arrive")
            .expect("the receiver runs");
        match webhooks::parse(&body).expect("a documented webhook") {
            WebhookEvent::CustomerStatusChanged(event) => {
                assert_eq!(event.data.customer_key, KEY);
                assert_eq!(event.data.status, CustomerStatusChange::Created);
                created = true;
            }
            WebhookEvent::MethodUpdated(event) => {
                assert_eq!(
                    (
                        event.data.customer_key.as_str(),
                        event.data.method_key.as_str()
                    ),
                    (KEY, method_key.as_str())
                );
                assert_eq!(event.data.status, MethodUpdateStatus::Enabled);
                enabled = true;
            }
            WebhookEvent::PaymentStatusChanged(event) => {
                assert_eq!(event.data.payment_key, payment_key);
                assert_eq!(event.data.secret, done.secret);
                statuses.extend(event.data.status.known().copied());
            }
            other => panic!("unexpected webhook {other:?}"),
        }
    }
    assert_eq!(
        statuses,
        [PaymentStatus::Done, PaymentStatus::PartialCanceled]
    );
}

async fn unknown_codes_and_values_survive(env: TestEnv) {
    let client = client(&env).await;
    // A code outside the catalogue, from a fault rule.
    env.sim(
        Method::POST,
        "/sim/v1/faults",
        json!({"path": "/v1/payments/custom", "action": {"type": "error", "status": 400,
               "code": "MY_OUTAGE", "message": "점검 중"}}),
    )
    .await;
    match client.payments().get("custom").await {
        Err(Error::Api(ApiError::TossPayments {
            status,
            code,
            message,
        })) => {
            assert_eq!(status, 400);
            assert_eq!(code, ErrorCode::Unknown("MY_OUTAGE".into()));
            assert_eq!(message, "점검 중");
        }
        other => panic!("{other:?}"),
    }
    // A documented code forced with the test header, in English.
    let forced = client
        .payments()
        .get("anything")
        .header("TossPayments-Test-Code", "REJECT_CARD_COMPANY")
        .header("Accept-Language", "en-US")
        .await;
    match forced {
        Err(Error::Api(api @ ApiError::TossPayments { .. })) => {
            assert_eq!(api.code(), "REJECT_CARD_COMPANY");
            assert_eq!(api.message(), codes::REJECT_CARD_COMPANY.en);
        }
        other => panic!("{other:?}"),
    }

    // A method this version does not know round-trips through the wire type unchanged.
    let approved = env.approved_payment("order-unknown-1", 10_000, 0).await;
    let key = approved["paymentKey"].as_str().unwrap();
    let basic = env.merchant_basic().await;
    let raw = env
        .get(&format!("/v1/payments/{key}"), &[("authorization", &basic)])
        .await
        .text;
    assert!(raw.contains(r#""method":"카드""#), "{raw}");
    let text = raw.replace(r#""method":"카드""#, r#""method":"새결제수단""#);
    let payment: Payment = serde_json::from_str(&text).expect("an unknown method is kept");
    assert_eq!(payment.method, Some(Open::Unknown("새결제수단".into())));
    assert_eq!(serde_json::to_string(&payment).unwrap(), text);
}
