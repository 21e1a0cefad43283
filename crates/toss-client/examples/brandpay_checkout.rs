//! A merchant's side of a BrandPay checkout through toss-client, against tossd started in-process:
//! the customer signs up (terms agreement and access token), registers a card in the BrandPay window
//! (tossd's simulator plays the customer), and the merchant lists the customer's methods, charges the card
//! with auto-pay, looks the payment up and cancels part of it.
//!
//! Run with `cargo run -p toss-client --example brandpay_checkout`.

use toss_client::wire::tosspayments::brandpay::payments::AutoPayRequest;
use toss_client::wire::tosspayments::brandpay::terms::AgreeRequest;
use toss_client::wire::tosspayments::brandpay::tokens::AccessTokenRequest;
use toss_client::wire::tosspayments::brandpay::Scope;
use toss_client::wire::tosspayments::payments::CancelRequest;
use toss_client::Client;
use tossd::testing::TestServer;

const CUSTOMER: &str = "customer-0001";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = TestServer::start().await?;
    println!("tossd listens on {}", server.url());
    // Against real Toss, leave out `base_url` and use your own secret key.
    let client = Client::builder()
        .base_url(server.url())
        .secret_key(server.secret_key())
        .build()?;
    let brandpay = client.brandpay();

    // The customer agrees to the sign-up terms; the merchant exchanges the code for an access token.
    let terms = brandpay.terms(CUSTOMER, &[Scope::Register]).await?;
    println!("{} sign-up terms to agree to", terms.len());
    let agreed = brandpay
        .agree(AgreeRequest::new(
            CUSTOMER,
            [Scope::Register],
            terms.iter().map(|t| t.id),
        ))
        .await?;
    let token = brandpay
        .access_token(AccessTokenRequest::authorization_code(
            CUSTOMER,
            agreed.code,
        ))
        .await?;
    println!("access token issued, valid {} s", token.expires_in);

    // The customer registers a card in the BrandPay window.
    server.register_card(CUSTOMER).await?;
    let methods = brandpay.methods(&token.access_token).await?;
    for card in &methods.cards {
        println!(
            "card {} {} ({}), status {}",
            card.card_name, card.card_number, card.card_type, card.status
        );
    }
    let card = methods.cards.first().ok_or("the customer has no card")?;

    // Auto-pay: the merchant charges the card now.
    let paid = brandpay
        .auto_pay(
            AutoPayRequest::new(
                CUSTOMER,
                &card.method_key,
                15_000,
                "order-20250417-0001",
                "토스 티셔츠 외 2건",
            )
            .customer_email("customer@example.com"),
        )
        .idempotency_key("pay-order-20250417-0001")
        .await?;
    println!(
        "paid {} won: {} {}, status {}",
        paid.total_amount,
        paid.method.as_ref().map_or("-", |m| m.as_str()),
        paid.payment_key,
        paid.status
    );

    // The merchant looks the order up and cancels part of it.
    let found = client
        .payments()
        .get_by_order_id("order-20250417-0001")
        .await?;
    println!("order {} is {}", found.order_id, found.status);
    let cancelled = client
        .payments()
        .cancel(
            &found.payment_key,
            CancelRequest::new("고객 변심").cancel_amount(5_000),
        )
        .idempotency_key("cancel-order-20250417-0001")
        .await?;
    println!(
        "cancelled 5000 won: status {}, {} won left to cancel",
        cancelled.status, cancelled.balance_amount
    );

    server.stop().await?;
    Ok(())
}
