//! Pure domain rules: no HTTP, no SQL. Functions here take data and a clock reading.

pub mod brandpay;
pub mod checkout;
pub mod iap;
pub mod idempotency;
pub mod login;
pub mod merchant;
pub mod messages;
pub mod pay;
pub mod payment;
pub mod promotions;
pub mod rate_limit;
pub mod secrets;
pub mod time;
pub mod uuid;
pub mod webhooks;
pub mod wire;
