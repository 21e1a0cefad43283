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

    #[test]
    fn keys_are_encoded_for_paths_and_queries() {
        assert_eq!(encoded("c6thB674j9vCU4XsvcPk"), "c6thB674j9vCU4XsvcPk");
        assert_eq!(encoded("a=b@c/d 한"), "a%3Db%40c%2Fd%20%ED%95%9C");
    }
}
