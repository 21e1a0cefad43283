//! The Toss Payments API: BrandPay and the payment lookup and cancel. Calls authenticate with the secret
//! key ([`crate::ClientBuilder::secret_key`]) or a BrandPay customer's access token.
