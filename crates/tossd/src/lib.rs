//! tossd: the Apps-in-Toss partner API and the Toss Payments BrandPay API, served statefully on one port.
//!
//! Layout (docs/architecture.md): [`apps_in_toss`] and [`tosspayments`] are the two API families, [`sim`]
//! is the user's side of Toss, [`domain`] holds the pure rules, [`store`] the two database backends with one
//! owner module per aggregate, [`state`] the shared handles, [`web`] the HTTP plumbing the families share
//! and [`ops`] health, metrics and API docs.

// A panic on a request path is a bug: decode with `try_get`, map errors to the family's envelope.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod apps_in_toss;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod domain;
pub mod exec;
pub mod faults;
pub mod fixtures;
pub mod identity;
pub mod journal;
pub mod ops;
pub mod outbox;
pub mod ready;
pub mod seed;
pub mod server;
pub mod sim;
pub mod state;
pub mod store;
pub mod sweep;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tosspayments;
pub mod web;
