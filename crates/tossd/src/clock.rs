//! The injectable clock (docs/reference.md §1.9). Its state lives in the database so every tossd process on
//! one PostgreSQL agrees on "now".

use chrono::Utc;

use crate::config::ClockMode;
use crate::domain::time::{Instant, LAST_INSTANT};
use crate::store::clock::StoredClock;
use crate::store::{self, Db, Tx};

#[derive(Clone)]
pub struct Clock {
    mode: ClockMode,
}

impl Clock {
    pub fn new(mode: ClockMode) -> Clock {
        Clock { mode }
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// Business time now.
    pub async fn now(&self, db: &Db) -> Result<Instant, sqlx::Error> {
        Ok(self.reading(store::clock::read(db).await?))
    }

    /// Business time now, read inside a write transaction.
    pub async fn now_in(&self, tx: &mut Tx) -> Result<Instant, sqlx::Error> {
        Ok(self.reading(store::clock::read_in(tx).await?))
    }

    /// Business time from a clock read with other data (`store::Snapshot`).
    pub fn at(&self, stored: StoredClock) -> Instant {
        self.reading(stored)
    }

    fn reading(&self, stored: StoredClock) -> Instant {
        match self.mode {
            ClockMode::System => Instant(
                Utc::now()
                    .timestamp_micros()
                    .saturating_add(stored.offset_us),
            ),
            ClockMode::Manual => Instant(stored.manual_now_us),
        }
    }

    /// Moves time forward by `seconds` (both readings, so switching modes keeps time monotonic). `None`,
    /// changing nothing, when the clock would pass [`LAST_INSTANT`]; the shift locks the clock's row, so
    /// concurrent advances are judged one after the other.
    pub async fn advance(&self, db: &Db, seconds: i64) -> Result<Option<Instant>, sqlx::Error> {
        let mut tx = db.begin().await?;
        store::clock::shift(&mut tx, seconds.saturating_mul(1_000_000)).await?;
        let now = self.now_in(&mut tx).await?;
        if now > LAST_INSTANT {
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(now))
    }

    /// Sets the clock back to its initial state (offset 0, the manual clock at `start`).
    pub async fn reset(tx: &mut Tx, start: Instant) -> Result<(), sqlx::Error> {
        store::clock::reset(tx, start.micros()).await
    }
}
