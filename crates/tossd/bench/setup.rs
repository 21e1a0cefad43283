//! The fixtures every row needs, made through the public and simulator APIs as a client would, and
//! printed as `KEY=VALUE` lines for scripts/bench.sh (and as flags of `drive` and `commits`).

use anyhow::Context;
use base64::Engine;
use serde_json::{json, Value};
use toss_client::wire::apps_in_toss::login::GenerateTokenRequest;

use crate::driver::Http;

/// The BrandPay customer of row (f).
pub const CUSTOMER_KEY: &str = "bench-customer";

pub async fn run(base: &str) -> anyhow::Result<()> {
    let http = Http::new(base)?;

    let merchant = http.get_ok("/sim/v1/merchants/default", None).await?;
    let secret_key = text(&merchant, "secretKey")?;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{secret_key}:"))
    );

    // (b): an approved card payment to look up; its answer's size is (a)'s body size.
    let payment = http
        .post_ok(
            "/sim/v1/payments",
            &[],
            &json!({"orderId": "bench-lookup-0001", "orderName": "벤치마크 조회", "amount": 10000}),
        )
        .await?;
    let payment_key = text(&payment, "paymentKey")?;
    let lookup = http
        .send(
            reqwest::Method::GET,
            &format!("/v1/payments/{payment_key}"),
            &[("authorization", &basic)],
            None,
        )
        .await?;
    anyhow::ensure!(lookup.0 == 200, "payment lookup answered {}", lookup.0);

    // (c), (d), (e): a user logged in to the default app (so x-toss-user-key is known) with an access
    // token, as docs/login.md describes.
    let user = http.post_ok("/sim/v1/users", &[], &json!({})).await?;
    let user_key = user["userKey"].as_i64().context("userKey")?;
    let login = http
        .post_ok("/sim/v1/login", &[], &json!({"userKey": user_key}))
        .await?;
    let toss = toss_client::Client::builder().base_url(base).build()?;
    let token = toss
        .login()
        .generate_token(GenerateTokenRequest::new(
            text(&login, "authorizationCode")?,
            "DEFAULT",
        ))
        .await?;
    let access_token = token.access_token;
    toss.login().me(&access_token).await?;

    // (f): a BrandPay customer with a card; registering it through the simulator signs the customer up
    // (docs/brandpay.md).
    let card = http
        .post_ok(
            &format!("/sim/v1/brandpay/customers/{CUSTOMER_KEY}/cards"),
            &[],
            &json!({}),
        )
        .await?;
    let method_id = text(&card, "id")?;

    println!("SECRET_KEY={secret_key}");
    println!("BASIC_AUTH={basic}");
    println!("PAYMENT_KEY={payment_key}");
    println!("LOOKUP_BYTES={}", lookup.1.len());
    println!("USER_KEY={user_key}");
    println!("ACCESS_TOKEN={access_token}");
    println!("CUSTOMER_KEY={CUSTOMER_KEY}");
    println!("METHOD_ID={method_id}");
    Ok(())
}

fn text(value: &Value, field: &str) -> anyhow::Result<String> {
    value[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{field} missing in {value}"))
}
