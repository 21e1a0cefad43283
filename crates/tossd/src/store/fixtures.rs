//! Owner of `fixture_steps`: the result of each named step a fixture file loaded (docs/fixtures.md), so a
//! second load of the same file returns the first load's objects.

use sqlx::Row;

use crate::store::Db;

/// A step loaded before: its kind, the digest of its resolved content and its result (JSON text).
#[derive(Debug, Clone)]
pub struct LoadedStep {
    pub kind: String,
    pub digest: String,
    pub result: String,
}

/// The step named `name`, if a fixture loaded one.
pub async fn find(db: &Db, name: &str) -> Result<Option<LoadedStep>, sqlx::Error> {
    // The writer: a step recorded a moment ago by this process must be seen by the next load.
    let row = sqlx::query("SELECT kind, digest, result FROM fixture_steps WHERE name = $1")
        .bind(name)
        .fetch_optional(db.writer())
        .await?;
    row.map(|row| {
        Ok(LoadedStep {
            kind: row.try_get(0)?,
            digest: row.try_get(1)?,
            result: row.try_get(2)?,
        })
    })
    .transpose()
}

/// Records a step's result. `false` when another load recorded a step of this name first.
pub async fn record(
    db: &Db,
    name: &str,
    step: &LoadedStep,
    created_at_us: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO fixture_steps (name, kind, digest, result, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(name)
    .bind(&step.kind)
    .bind(&step.digest)
    .bind(&step.result)
    .bind(created_at_us)
    .execute(db.writer())
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if crate::store::unique_violation(&e) == Some("fixture_steps_pkey") => Ok(false),
        Err(e) => Err(e),
    }
}
