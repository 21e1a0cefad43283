//! Pure domain rules: no HTTP, no SQL. Functions here take data and a clock reading.

pub mod brandpay;
pub mod secrets;
pub mod time;
