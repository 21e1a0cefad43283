//! Owner of `fixture_steps`: the result of each named step a fixture file loaded (docs/fixtures.md), so a
//! second load of the same file returns the first load's objects, and concurrent loads (two requests, two
//! processes starting with the same `--fixtures`) run each step once.

use sqlx::Row;

use crate::store::Db;

/// A step loaded before: its kind, the digest of its resolved content and its result (JSON text).
#[derive(Debug, Clone)]
pub struct LoadedStep {
    pub kind: String,
    pub digest: String,
    pub result: String,
}

/// What [`claim`] found.
#[derive(Debug)]
pub enum Claim {
    /// The caller holds the step: it runs it, then [`complete`]s or [`release`]s it.
    Claimed,
    /// The step was loaded before.
    Loaded(LoadedStep),
    /// Another loader holds it; ask again shortly.
    Busy,
}

/// Claims the step `name` until `until_us` (wall-clock microseconds), unless it is loaded, or held by a
/// loader whose claim has not lapsed by `now_us`.
pub async fn claim(
    db: &Db,
    name: &str,
    kind: &str,
    digest: &str,
    now_us: i64,
    until_us: i64,
) -> Result<Claim, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO fixture_steps (name, kind, digest, result, claimed_until, created_at) \
         VALUES ($1, $2, $3, NULL, $4, $5)",
    )
    .bind(name)
    .bind(kind)
    .bind(digest)
    .bind(until_us)
    .bind(now_us)
    .execute(db.writer())
    .await;
    match inserted {
        Ok(_) => return Ok(Claim::Claimed),
        Err(e) if crate::store::unique_violation(&e) == Some("fixture_steps_pkey") => {}
        Err(e) => return Err(e),
    }
    let row = sqlx::query("SELECT kind, digest, result FROM fixture_steps WHERE name = $1")
        .bind(name)
        .fetch_optional(db.writer())
        .await?;
    let Some(row) = row else {
        // Released between the insert and the read: the next claim may get it.
        return Ok(Claim::Busy);
    };
    if let Some(result) = row.try_get::<Option<String>, _>(2)? {
        return Ok(Claim::Loaded(LoadedStep {
            kind: row.try_get(0)?,
            digest: row.try_get(1)?,
            result,
        }));
    }
    // A loader that stopped half-way (its process ended) holds the step no longer once its claim lapses.
    let taken = sqlx::query(
        "UPDATE fixture_steps SET kind = $2, digest = $3, claimed_until = $4 \
         WHERE name = $1 AND result IS NULL AND claimed_until < $5",
    )
    .bind(name)
    .bind(kind)
    .bind(digest)
    .bind(until_us)
    .bind(now_us)
    .execute(db.writer())
    .await?;
    Ok(if taken.rows_affected() == 1 {
        Claim::Claimed
    } else {
        Claim::Busy
    })
}

/// Records the result of a claimed step.
pub async fn complete(db: &Db, name: &str, result: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE fixture_steps SET result = $2 WHERE name = $1 AND result IS NULL")
        .bind(name)
        .bind(result)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Gives up a claimed step that failed, so a later load runs it again.
pub async fn release(db: &Db, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM fixture_steps WHERE name = $1 AND result IS NULL")
        .bind(name)
        .execute(db.writer())
        .await?;
    Ok(())
}
