//! The Apps-in-Toss partner API: Toss login ([`Client::login`]), Toss Pay ([`Client::toss_pay`]), in-app
//! purchase order status ([`Client::iap`]), Toss points promotions ([`Client::promotions`]) and smart
//! messages ([`Client::messenger`]). Every call needs the partner's mTLS identity
//! ([`crate::ClientBuilder::identity_pem`]); calls about one user send their `userKey` as
//! `x-toss-user-key`.
//!
//! ```no_run
//! # async fn run(client: toss_client::Client) -> Result<(), toss_client::Error> {
//! use toss_client::wire::apps_in_toss::pay::{MakePaymentRequest, PaymentStatusRequest};
//!
//! let made = client
//!     .toss_pay()
//!     .make_payment(87654321, MakePaymentRequest::new("order-1", "커피", 4500, true))
//!     .await?;
//! let status = client
//!     .toss_pay()
//!     .payment_status(87654321, PaymentStatusRequest::by_pay_token(&made.pay_token, true))
//!     .await?;
//! # let _ = status; Ok(()) }
//! ```

pub mod iap;
pub mod login;
pub mod messenger;
pub mod promotions;
pub mod toss_pay;

use reqwest::Method;
use serde::Serialize;
use toss_wire::apps_in_toss::PREFIX;

use crate::call::{Call, Family};
use crate::Client;

impl Client {
    /// Toss login: tokens, the user's profile, disconnecting.
    pub fn login(&self) -> login::Login<'_> {
        login::Login { client: self }
    }

    /// Toss Pay: make, execute, refund and look up payments (on the pay host).
    pub fn toss_pay(&self) -> toss_pay::TossPay<'_> {
        toss_pay::TossPay { client: self }
    }

    /// In-app purchase: order status.
    pub fn iap(&self) -> iap::Iap<'_> {
        iap::Iap { client: self }
    }

    /// Toss points promotions: keys, grants and their results.
    pub fn promotions(&self) -> promotions::Promotions<'_> {
        promotions::Promotions { client: self }
    }

    /// Smart messages: send a reviewed template to one user, as a test, or to many.
    pub fn messenger(&self) -> messenger::Messenger<'_> {
        messenger::Messenger { client: self }
    }
}

/// A `POST` of `body` to the Apps-in-Toss endpoint `path` (after [`PREFIX`]).
fn post<'c, T, B: Serialize>(
    client: &'c Client,
    family: Family,
    path: &str,
    body: &B,
) -> Call<'c, T> {
    client.call_json(family, Method::POST, format!("{PREFIX}{path}"), body)
}
