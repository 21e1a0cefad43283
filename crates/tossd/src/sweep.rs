//! Time-based transitions (REFERENCE.md §1.9): promotion grants settle, unexecuted Toss Pay payments and
//! BrandPay payment windows expire, webhook retries fall due. Each is applied lazily when its object is
//! read or written, by every clock advance before it answers, and — with the system clock, where time
//! moves by itself — by a background sweeper at least once a second. All paths use the same conditional
//! updates, so a transition happens once even with several processes sweeping one database.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::config::ClockMode;
use crate::domain::time::Instant;
use crate::state::AppState;

/// Applies every transition due now and wakes the webhook worker for the events they recorded.
pub async fn apply_due(state: &AppState) -> Result<Instant, sqlx::Error> {
    let now = state.clock.now(&state.db).await?;
    crate::store::promotions::settle_due(&state.db, now).await?;
    crate::store::pay::expire_due(&state.db, now).await?;
    crate::store::payments::expire_due(&state.db, now).await?;
    crate::outbox::wake(state);
    Ok(now)
}

/// The background sweeper of the system clock (the manual clock only moves by advances, which sweep).
pub fn spawn(state: AppState) -> Option<JoinHandle<()>> {
    if state.clock.mode() != ClockMode::System {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = apply_due(&state).await {
                tracing::warn!(error = %e, "sweeping due transitions failed; retrying next second");
            }
        }
    }))
}
