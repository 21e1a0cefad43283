//! Owner of `fault_rules` and `fault_generation`: the stored fault rules (docs/faults.md) and the counter
//! that says when their set last changed.

use sqlx::Row;

use crate::store::Db;

/// A stored rule: its id, the accepted rule as JSON, and its counts.
#[derive(Debug, Clone)]
pub struct StoredRule {
    pub id: i64,
    pub spec: String,
    /// Firings left of a count-limited rule; `None` when unlimited.
    pub remaining: Option<i64>,
    pub fired: i64,
    pub created_at: i64,
}

fn stored(row: &sqlx::any::AnyRow) -> Result<StoredRule, sqlx::Error> {
    Ok(StoredRule {
        id: row.try_get(0)?,
        spec: row.try_get(1)?,
        remaining: row.try_get(2)?,
        fired: row.try_get(3)?,
        created_at: row.try_get(4)?,
    })
}

const COLUMNS: &str = "id, spec, remaining, fired, created_at";

pub async fn insert(
    db: &Db,
    spec: &str,
    count: Option<i64>,
    created_at: i64,
) -> Result<StoredRule, sqlx::Error> {
    let row = sqlx::query(&format!(
        "INSERT INTO fault_rules (spec, remaining, fired, created_at) VALUES ($1, $2, 0, $3) \
         RETURNING {COLUMNS}"
    ))
    .bind(spec)
    .bind(count)
    .bind(created_at)
    .fetch_one(db.writer())
    .await?;
    stored(&row)
}

/// Every rule, oldest first.
pub async fn list(db: &Db) -> Result<Vec<StoredRule>, sqlx::Error> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM fault_rules ORDER BY id"))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(stored)
        .collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<StoredRule>, sqlx::Error> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM fault_rules WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(stored)
        .transpose()
}

/// Whether a rule with this id existed.
pub async fn delete(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM fault_rules WHERE id = $1")
        .bind(id)
        .execute(db.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// How many rules there were.
pub async fn delete_all(db: &Db) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM fault_rules")
        .execute(db.writer())
        .await?;
    Ok(done.rows_affected())
}

/// Counts one firing of the rule, if it may still fire: a count-limited rule's remaining count goes down
/// in the same conditional statement, so of concurrent firings (in any process) exactly `count` succeed.
/// `false` when the rule is exhausted or gone.
pub async fn fire(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE fault_rules SET fired = fired + 1, remaining = remaining - 1 \
         WHERE id = $1 AND (remaining IS NULL OR remaining > 0)",
    )
    .bind(id)
    .execute(db.writer())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The generation of the rule set: it changes whenever a rule is added or removed (or reset runs).
pub async fn generation(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT generation FROM fault_generation WHERE id = 1")
        .fetch_one(db.reader())
        .await?
        .try_get(0)
}

/// The generation and the rules of that generation, read together.
pub async fn snapshot(db: &Db) -> Result<(i64, Vec<StoredRule>), sqlx::Error> {
    let mut tx = db.reader().begin().await?;
    let generation: i64 = sqlx::query("SELECT generation FROM fault_generation WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let rules = sqlx::query(&format!("SELECT {COLUMNS} FROM fault_rules ORDER BY id"))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(stored)
        .collect::<Result<Vec<_>, _>>()?;
    tx.commit().await?;
    Ok((generation, rules))
}
