//! An example of a merchant testing its own code against tossd inside `cargo test`, with
//! `tossd::testing::TestServer` (feature `testing`; docs/testing-with-tossd.md shows this file).
//!
//! The merchant's code below knows nothing of tossd: it takes the Toss base URL and its credentials,
//! as it would in production. The tests hand it the test server's instead.

use std::time::Duration;

use serde_json::{json, Value};
use tossd::testing::TestServer;

const AIT: &str = "/api-partner/v1/apps-in-toss";

/// The merchant's login handler: exchanges the Toss login code and returns the user's key.
async fn sign_in(
    toss: &str,
    http: &reqwest::Client,
    code: &str,
    referrer: &str,
) -> anyhow::Result<i64> {
    let token: Value = http
        .post(format!("{toss}{AIT}/user/oauth2/generate-token"))
        .json(&json!({"authorizationCode": code, "referrer": referrer}))
        .send()
        .await?
        .json()
        .await?;
    let access_token = token["success"]["accessToken"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no token: {token}"))?;
    let me: Value = http
        .get(format!("{toss}{AIT}/user/oauth2/login-me"))
        .bearer_auth(access_token)
        .send()
        .await?
        .json()
        .await?;
    me["success"]["userKey"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("no userKey: {me}"))
}

/// The merchant's checkout: starts a Toss Pay payment for the signed-in user; returns the payToken.
async fn start_checkout(
    toss: &str,
    http: &reqwest::Client,
    user_key: i64,
    order_no: &str,
) -> anyhow::Result<String> {
    let made: Value = http
        .post(format!("{toss}{AIT}/pay/make-payment"))
        .header("x-toss-user-key", user_key.to_string())
        .json(
            &json!({"orderNo": order_no, "productDesc": "토스 티셔츠", "amount": 10000,
                      "amountTaxFree": 0, "isTestPayment": true}),
        )
        .send()
        .await?
        .json()
        .await?;
    Ok(made["success"]["payToken"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no payToken: {made}"))?
        .to_owned())
}

/// The merchant's order completion: executes the approved payment; returns Toss's status.
async fn complete_order(
    toss: &str,
    http: &reqwest::Client,
    user_key: i64,
    pay_token: &str,
) -> anyhow::Result<String> {
    let call = |path: &'static str| {
        http.post(format!("{toss}{AIT}/pay/{path}"))
            .header("x-toss-user-key", user_key.to_string())
            .json(&json!({"payToken": pay_token, "isTestPayment": true}))
            .send()
    };
    let executed: Value = call("execute-payment").await?.json().await?;
    anyhow::ensure!(
        executed["resultType"] == "SUCCESS",
        "not executed: {executed}"
    );
    let status: Value = call("get-payment-status").await?.json().await?;
    Ok(status["success"]["payStatus"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

#[tokio::test]
async fn a_user_signs_in_and_pays() -> anyhow::Result<()> {
    let toss = TestServer::start().await?;
    let http = reqwest::Client::new();

    let user_key = toss.create_user("김토스").await?;
    let code = toss.login(user_key).await?;
    assert_eq!(
        sign_in(toss.url(), &http, &code.authorization_code, &code.referrer).await?,
        user_key
    );

    let pay_token = start_checkout(toss.url(), &http, user_key, "order-1").await?;
    toss.approve_payment(&pay_token).await?;
    assert_eq!(
        complete_order(toss.url(), &http, user_key, &pay_token).await?,
        "PAY_COMPLETE"
    );
    toss.stop().await
}

#[tokio::test]
async fn an_unexecuted_payment_expires_after_thirty_minutes() -> anyhow::Result<()> {
    let toss = TestServer::builder()
        .args(["--clock", "manual"])
        .start()
        .await?;
    let http = reqwest::Client::new();
    let user_key = toss.create_user("김토스").await?;
    let code = toss.login(user_key).await?;
    sign_in(toss.url(), &http, &code.authorization_code, &code.referrer).await?;
    let pay_token = start_checkout(toss.url(), &http, user_key, "order-2").await?;
    toss.approve_payment(&pay_token).await?;
    toss.advance_clock(Duration::from_secs(31 * 60)).await?;
    let refused = complete_order(toss.url(), &http, user_key, &pay_token).await;
    assert!(refused.is_err(), "an expired payment cannot be executed");
    Ok(())
}

#[tokio::test]
async fn brandpay_cards_and_toss_payments_keys() -> anyhow::Result<()> {
    let toss = TestServer::start().await?;
    let card = toss.register_card("customer-1").await?;
    assert_eq!(card.card_name, "현대카드");
    // The merchant's server lists the customer's methods with its secret key.
    let methods: Value = reqwest::Client::new()
        .get(format!(
            "{}/v1/brandpay/payments/methods/customer-1",
            toss.url()
        ))
        .basic_auth(toss.secret_key(), Some(""))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(methods["cards"][0]["methodKey"], card.method_key);
    assert!(toss.client_key().starts_with("test_ck_"));
    Ok(())
}

#[tokio::test]
async fn the_partner_api_over_mutual_tls() -> anyhow::Result<()> {
    let toss = TestServer::builder().mtls().start().await?;
    assert!(toss.url().starts_with("https://127.0.0.1:"));
    // toss.client() trusts tossd's CA and presents the default app's certificate.
    let user_key = toss.create_user("김토스").await?;
    let code = toss.login(user_key).await?;
    assert_eq!(
        sign_in(
            toss.url(),
            toss.client(),
            &code.authorization_code,
            &code.referrer
        )
        .await?,
        user_key
    );
    // Without a certificate the server refuses the connection.
    let ca = reqwest::Certificate::from_pem(toss.ca_certificate_pem()?.as_bytes())?;
    let anonymous = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()?;
    assert!(anonymous
        .get(format!("{}/healthz", toss.url()))
        .send()
        .await
        .is_err());
    Ok(())
}

/// The same merchant code against a TestServer on PostgreSQL (a database of its own, dropped after).
#[tokio::test]
async fn the_same_on_postgresql() -> anyhow::Result<()> {
    use sqlx::Executor;
    let admin_url = std::env::var("TOSSD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&admin_url).await?;
    let name = format!("tossd_test_server_{}", std::process::id());
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await?;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    let url = format!(
        "{}/{name}",
        &admin_url[..admin_url.rfind('/').unwrap_or(admin_url.len())]
    );

    let outcome = async {
        let toss = TestServer::builder().database_url(&url).start().await?;
        let http = reqwest::Client::new();
        let user_key = toss.create_user("김토스").await?;
        let code = toss.login(user_key).await?;
        sign_in(toss.url(), &http, &code.authorization_code, &code.referrer).await?;
        let pay_token = start_checkout(toss.url(), &http, user_key, "order-pg").await?;
        toss.approve_payment(&pay_token).await?;
        let status = complete_order(toss.url(), &http, user_key, &pay_token).await?;
        toss.stop().await?;
        anyhow::Ok(status)
    }
    .await;
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await?;
    assert_eq!(outcome?, "PAY_COMPLETE");
    Ok(())
}
