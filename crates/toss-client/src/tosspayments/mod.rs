//! The Toss Payments API: BrandPay ([`BrandPay`], `client.brandpay()`) and the payment lookup and cancel
//! ([`Payments`], `client.payments()`). Calls authenticate with the secret key
//! ([`crate::ClientBuilder::secret_key`]) or, where Toss says so, with a BrandPay customer's access token.
//!
//! Lookups are retried after a connection failure, a 5xx or a 429; every `POST` carries an
//! `Idempotency-Key` (yours from [`crate::Call::idempotency_key`], or a generated one) and is retried with
//! the same key, so Toss runs it at most once.

mod brandpay;
mod payments;

pub use brandpay::BrandPay;
pub use payments::Payments;

use crate::Client;

impl Client {
    /// BrandPay: terms, customer tokens, payment methods, confirm and auto-pay, withdrawal, promotions.
    pub fn brandpay(&self) -> BrandPay<'_> {
        BrandPay::new(self)
    }

    /// The payment lookup (by `paymentKey` or `orderId`) and cancel.
    pub fn payments(&self) -> Payments<'_> {
        Payments::new(self)
    }
}

/// `text` percent-encoded for a path segment or a query value: everything but `A–Z a–z 0–9 - _ . ~`.
fn encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encoded;
    use crate::call::Retry;
    use crate::Client;
    use toss_wire::tosspayments::brandpay::methods::RemoveMethodRequest;
    use toss_wire::tosspayments::brandpay::payments::ConfirmRequest;
    use toss_wire::tosspayments::payments::CancelRequest;

    #[test]
    fn reads_retry_posts_carry_keys_and_customer_calls_use_the_token() {
        let client = Client::builder().secret_key("test_sk_x").build().unwrap();
        let get = client.payments().get("pk").prepared;
        assert_eq!(
            (get.retry, get.basic.as_deref()),
            (Retry::Read, Some("test_sk_x"))
        );
        assert_eq!(get.path, "/v1/payments/pk");
        let cancel = client
            .payments()
            .cancel("pk", CancelRequest::new("r"))
            .prepared;
        assert_eq!(cancel.retry, Retry::WithIdempotencyKey);
        assert_eq!(cancel.path, "/v1/payments/pk/cancel");
        let confirm = client
            .brandpay()
            .confirm(ConfirmRequest::new("pk", 1, "ck", "order-1"))
            .prepared;
        assert_eq!(confirm.retry, Retry::WithIdempotencyKey);
        let methods = client.brandpay().methods("token").prepared;
        assert_eq!(
            (methods.retry, methods.bearer.as_deref(), methods.basic),
            (Retry::Read, Some("token"), None)
        );
        let remove = client
            .brandpay()
            .remove_card("token", RemoveMethodRequest::new("mk"))
            .prepared;
        assert_eq!(
            (remove.retry, remove.bearer.as_deref(), remove.basic),
            (Retry::WithIdempotencyKey, Some("token"), None)
        );
        let terms = client
            .brandpay()
            .terms(
                "a=b",
                &[crate::wire::tosspayments::brandpay::Scope::Register],
            )
            .prepared;
        assert_eq!(
            terms.path,
            "/v1/brandpay/terms?customerKey=a%3Db&scope=REGISTER"
        );
        let unkeyed = Client::builder().build().unwrap();
        assert!(unkeyed.payments().get("pk").prepared.invalid.is_some());
    }

    #[test]
    fn keys_are_encoded_for_paths_and_queries() {
        assert_eq!(encoded("c6thB674j9vCU4XsvcPk"), "c6thB674j9vCU4XsvcPk");
        assert_eq!(encoded("a=b@c/d 한"), "a%3Db%40c%2Fd%20%ED%95%9C");
    }
}
