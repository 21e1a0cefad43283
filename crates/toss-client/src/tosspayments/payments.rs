//! [`Payments`]: `GET /v1/payments/{paymentKey}`, `GET /v1/payments/orders/{orderId}` and
//! `POST /v1/payments/{paymentKey}/cancel`.

use reqwest::Method;
use toss_wire::tosspayments::payments::{CancelRequest, Payment};

use super::encoded;
use crate::call::{Family, Retry};
use crate::{Call, Client};

/// The payment lookup and cancel, with the secret key. [`Client::payments`] returns it.
#[derive(Debug, Clone, Copy)]
pub struct Payments<'c> {
    client: &'c Client,
}

impl<'c> Payments<'c> {
    pub(crate) fn new(client: &'c Client) -> Payments<'c> {
        Payments { client }
    }

    /// `GET /v1/payments/{paymentKey}`: the payment `payment_key` (`NOT_FOUND_PAYMENT` if there is none).
    pub fn get(&self, payment_key: &str) -> Call<'c, Payment> {
        let path = format!("/v1/payments/{}", encoded(payment_key));
        self.client
            .with_secret_key(self.client.call(Family::TossPayments, Method::GET, path))
    }

    /// `GET /v1/payments/orders/{orderId}`: the most recent payment of the order `order_id`.
    pub fn get_by_order_id(&self, order_id: &str) -> Call<'c, Payment> {
        let path = format!("/v1/payments/orders/{}", encoded(order_id));
        self.client
            .with_secret_key(self.client.call(Family::TossPayments, Method::GET, path))
    }

    /// `POST /v1/payments/{paymentKey}/cancel`: cancels the payment in full or in part; the answer is the
    /// Payment with the new Cancel appended. Set [`Call::idempotency_key`] to make a cancel you may send
    /// again (after a timeout, say) move money once.
    pub fn cancel(&self, payment_key: &str, request: CancelRequest) -> Call<'c, Payment> {
        let path = format!("/v1/payments/{}/cancel", encoded(payment_key));
        let call = self
            .client
            .call_json(Family::TossPayments, Method::POST, path, &request);
        self.client
            .with_secret_key(call)
            .retry(Retry::WithIdempotencyKey)
    }
}
