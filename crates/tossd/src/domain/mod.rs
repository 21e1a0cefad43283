//! Pure domain rules: no HTTP, no SQL. Functions here take data and a clock reading.

pub mod iap;
pub mod pay;
pub mod secrets;
pub mod time;
pub mod uuid;
