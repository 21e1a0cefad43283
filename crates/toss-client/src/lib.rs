//! An async client for Toss's partner APIs: the Apps-in-Toss partner API (Toss login, Toss Pay, in-app
//! purchase order status, Toss points promotions, smart messages) and the Toss Payments BrandPay API with
//! the payment lookup and cancel it relies on.
//!
//! ```no_run
//! # async fn run() -> Result<(), toss_client::Error> {
//! use toss_client::Client;
//!
//! // Real Toss: the partner's mTLS identity for Apps-in-Toss, the secret key for Toss Payments.
//! let client = Client::builder()
//!     .identity_pem(&std::fs::read("partner.crt").unwrap(), &std::fs::read("partner.key").unwrap())
//!     .secret_key("test_sk_…")
//!     .build()?;
//! let payment = client.payments().get("tgen_20250417…").await?;
//! # let _ = payment; Ok(()) }
//! ```
//!
//! Against tossd (or any one base URL for every Toss host), set [`ClientBuilder::base_url`].
//!
//! Every call returns a [`Call`]: await it, or first set call options such as
//! [`Call::idempotency_key`]. Failures are [`Error`]s; a failure Toss answered carries its status, code and
//! message ([`ApiError`]), with codes this version does not know kept as strings.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod apps_in_toss;
mod call;
mod client;
mod error;
pub mod tosspayments;
pub mod webhooks;

pub use call::Call;
pub use client::{Client, ClientBuilder, APPS_IN_TOSS_PAY_URL, APPS_IN_TOSS_URL, TOSSPAYMENTS_URL};
pub use error::{ApiError, Error};
/// The wire types, re-exported so callers need one dependency.
pub use toss_wire as wire;
