//! The Apps-in-Toss partner API: Toss login, Toss Pay, in-app purchase order status, promotions and smart
//! messages. Every call needs the partner's mTLS identity ([`crate::ClientBuilder::identity_pem`]).
