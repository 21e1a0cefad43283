//! The injectable clock (REFERENCE.md §1.9). Its state lives in the database so every tossd process on
//! one PostgreSQL agrees on "now".

use chrono::Utc;
use sqlx::Row;

use crate::config::ClockMode;
use crate::domain::time::Instant;
use crate::store::{Db, Tx};

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
        let row = sqlx::query("SELECT offset_us, manual_now_us FROM clock WHERE id = 1")
            .fetch_one(db.reader())
            .await?;
        Ok(self.reading(row.get(0), row.get(1)))
    }

    /// Business time now, read inside a write transaction.
    pub async fn now_in(&self, tx: &mut Tx) -> Result<Instant, sqlx::Error> {
        let row = sqlx::query("SELECT offset_us, manual_now_us FROM clock WHERE id = 1")
            .fetch_one(&mut **tx)
            .await?;
        Ok(self.reading(row.get(0), row.get(1)))
    }

    fn reading(&self, offset_us: i64, manual_now_us: i64) -> Instant {
        match self.mode {
            ClockMode::System => Instant(Utc::now().timestamp_micros().saturating_add(offset_us)),
            ClockMode::Manual => Instant(manual_now_us),
        }
    }

    /// Moves time forward by `seconds` (both readings, so switching modes keeps time monotonic).
    pub async fn advance(&self, db: &Db, seconds: i64) -> Result<Instant, sqlx::Error> {
        let micros = seconds.saturating_mul(1_000_000);
        let mut tx = db.begin().await?;
        sqlx::query(
            "UPDATE clock SET offset_us = offset_us + $1, manual_now_us = manual_now_us + $1 WHERE id = 1",
        )
        .bind(micros)
        .execute(&mut *tx)
        .await?;
        let now = self.now_in(&mut tx).await?;
        tx.commit().await?;
        Ok(now)
    }

    /// Sets the clock back to its initial state (offset 0, the manual clock at `start`).
    pub async fn reset(tx: &mut Tx, start: Instant) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO clock (id, offset_us, manual_now_us) VALUES (1, 0, $1) \
             ON CONFLICT (id) DO UPDATE SET offset_us = 0, manual_now_us = $1",
        )
        .bind(start.micros())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
