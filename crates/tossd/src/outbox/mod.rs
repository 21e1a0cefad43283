//! The durable outbox (docs/reference.md §4.1): events that Toss sends to partners (Toss Payments webhooks,
//! Apps-in-Toss unlink callbacks) are rows written in the same transaction as the state change that causes
//! them (`store::outbox`). Delivery happens afterwards, in [`worker`].

pub mod client;
pub mod worker;

use crate::state::AppState;

/// Wakes this process's delivery worker; call after committing a transaction that enqueued events so the
/// first attempt starts right away (other processes pick them up on their next poll).
pub fn wake(state: &AppState) {
    state.outbox_wake.wake();
}
