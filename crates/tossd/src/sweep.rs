//! Time-based transitions (docs/reference.md §1.9): promotion grants settle, unexecuted Toss Pay payments and
//! BrandPay payment windows expire, webhook retries fall due. Each is applied lazily when its object is
//! read or written, by every clock advance before it answers, and — with the system clock, where time
//! moves by itself — by a background sweeper at least once a second. All paths use the same conditional
//! updates, so a transition happens once even with several processes sweeping one database.
//!
//! The sweeper takes the narrow handles it needs (database, clock, the outbox's wake-up), not the whole
//! application state, and calls owner stores only.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::ClockMode;
use crate::domain::time::Instant;
use crate::state::OutboxWake;
use crate::store::Db;

/// Applies every transition due now and wakes the webhook worker for the events they recorded.
pub async fn apply_due(db: &Db, clock: &Clock, wake: &OutboxWake) -> Result<Instant, sqlx::Error> {
    let now = clock.now(db).await?;
    crate::store::promotions::settle_due(db, now).await?;
    crate::store::pay::expire_due(db, now).await?;
    crate::store::payments::expire_due(db, now).await?;
    wake.wake();
    Ok(now)
}

/// Moves the clock by `seconds` and applies every transition that became due before answering.
pub async fn advance_clock(
    db: &Db,
    clock: &Clock,
    wake: &OutboxWake,
    seconds: i64,
) -> Result<Option<Instant>, sqlx::Error> {
    let Some(now) = clock.advance(db, seconds).await? else {
        return Ok(None);
    };
    apply_due(db, clock, wake).await?;
    Ok(Some(now))
}

/// The background sweeper of the system clock (the manual clock only moves by advances, which sweep).
pub fn spawn(db: Db, clock: Clock, wake: OutboxWake) -> Option<JoinHandle<()>> {
    if clock.mode() != ClockMode::System {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = apply_due(&db, &clock, &wake).await {
                tracing::warn!(error = %e, "sweeping due transitions failed; retrying next second");
            }
        }
    }))
}
