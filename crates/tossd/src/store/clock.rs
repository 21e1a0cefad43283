//! Owner of `clock`: the stored offset (system clock) and reading (manual clock) every process shares.

use sqlx::Row;

use crate::store::{Db, Tx};

/// The stored clock: the system clock's offset and the manual clock's reading, in microseconds.
#[derive(Debug, Clone, Copy)]
pub struct StoredClock {
    pub offset_us: i64,
    pub manual_now_us: i64,
}

fn decode(row: &sqlx::any::AnyRow) -> Result<StoredClock, sqlx::Error> {
    Ok(StoredClock {
        offset_us: row.try_get(0)?,
        manual_now_us: row.try_get(1)?,
    })
}

pub async fn read(db: &Db) -> Result<StoredClock, sqlx::Error> {
    let row = sqlx::query("SELECT offset_us, manual_now_us FROM clock WHERE id = 1")
        .fetch_one(db.reader())
        .await?;
    decode(&row)
}

pub async fn read_in(tx: &mut Tx) -> Result<StoredClock, sqlx::Error> {
    let row = sqlx::query("SELECT offset_us, manual_now_us FROM clock WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    decode(&row)
}

/// Moves both readings by `micros`.
pub async fn shift(tx: &mut Tx, micros: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE clock SET offset_us = offset_us + $1, manual_now_us = manual_now_us + $1 WHERE id = 1",
    )
    .bind(micros)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Offset 0, the manual clock at `start_us`.
pub async fn reset(tx: &mut Tx, start_us: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO clock (id, offset_us, manual_now_us) VALUES (1, 0, $1) \
         ON CONFLICT (id) DO UPDATE SET offset_us = 0, manual_now_us = $1",
    )
    .bind(start_us)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
