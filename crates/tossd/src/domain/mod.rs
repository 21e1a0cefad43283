//! Pure domain rules: no HTTP, no SQL. Functions here take data and a clock reading.

pub mod payment;
pub mod secrets;
pub mod time;
