//! Owner of `outbox` and its delivery attempts: events waiting to be sent to partners.
