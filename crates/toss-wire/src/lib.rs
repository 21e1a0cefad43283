//! The wire types of Toss's partner APIs: request and response bodies of the Apps-in-Toss partner API
//! ([`apps_in_toss`]) and of the Toss Payments BrandPay API with its payment lookup and cancel
//! ([`tosspayments`]), their error bodies and error-code catalogues.
//!
//! One set of types serves both ends: tossd serializes its responses with them and `toss-client`
//! deserializes them, so the emulator and the client cannot drift apart. Field names, `null`s and enum
//! strings are exactly those on the wire. Enums that Toss may extend are read through [`Open`], so a value
//! this version does not know arrives as [`Open::Unknown`] instead of failing the whole response; error
//! codes do the same ([`tosspayments::ErrorCode`], [`apps_in_toss::ErrorCode`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod apps_in_toss;
mod enums;
mod open;
pub mod tosspayments;

pub use enums::{UnknownValue, WireValue};
pub use open::Open;

/// What [`wire_enum!`] expands to needs; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}
