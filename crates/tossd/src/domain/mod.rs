//! Pure domain rules: no HTTP, no SQL. Functions here take data and a clock reading.

pub mod secrets;
pub mod time;
pub mod webhooks;
