//! Toss Pay end to end against tossd started in this process: the partner makes a payment, the buyer
//! approves it in the pay sheet (played by the simulator), the partner executes it, looks it up and
//! refunds it.
//!
//! `cargo run -p toss-client --example toss_pay`

use toss_client::wire::apps_in_toss::pay::{
    ExecutePaymentRequest, MakePaymentRequest, PaymentStatusRequest, RefundPaymentRequest,
};
use toss_client::Client;
use tossd::testing::TestServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let toss = TestServer::start().await?;
    // Against real Toss: the partner's mTLS identity instead of a base URL.
    let client = Client::builder().base_url(toss.url()).build()?;
    let pay = client.toss_pay();

    // The buyer is a Toss user who logged in to the mini-app.
    let buyer = toss.create_user("김토스").await?;
    toss.login(buyer).await?;

    let made = pay
        .make_payment(
            buyer,
            MakePaymentRequest::new("order-2026-0001", "아메리카노", 4_500, true),
        )
        .await?;
    println!("make-payment: payToken {}", made.pay_token);

    // The mini-app opens the pay sheet with the payToken; the buyer approves.
    toss.approve_payment(&made.pay_token).await?;

    let executed = pay
        .execute_payment(buyer, ExecutePaymentRequest::new(&made.pay_token, true))
        .await?;
    println!(
        "execute-payment: {} {} won by {:?} at {}",
        executed.state_msg,
        executed.paid_amount,
        executed.pay_method.as_ref().map(ToString::to_string),
        executed.approval_time
    );

    let status = pay
        .payment_status(
            buyer,
            PaymentStatusRequest::by_pay_token(&made.pay_token, true),
        )
        .await?;
    println!(
        "get-payment-status: {} with {} transaction(s), {} won refundable",
        status.pay_status,
        status.transactions.len(),
        status.refundable_amount
    );

    let refunded = pay
        .refund_payment(
            buyer,
            RefundPaymentRequest::new(&made.pay_token, true).reason("고객 변심"),
        )
        .await?;
    println!(
        "refund-payment: {} won refunded ({}), {} won left",
        refunded.refunded_amount, refunded.refund_no, refunded.refundable_amount
    );

    match pay
        .refund_payment(buyer, RefundPaymentRequest::new(&made.pay_token, true))
        .await
    {
        Err(e) => println!("refunding again: {e}"),
        Ok(_) => println!("refunding again unexpectedly succeeded"),
    }

    toss.stop().await?;
    Ok(())
}
