//! Owner of `rate_limit_buckets`: the per-user request windows of promotion and messenger calls.

use sqlx::Row;

use crate::domain::rate_limit;
use crate::store::{Db, Tx};

/// The counted hits of one (app, user, bucket), oldest first; the bucket is created if it is new and
/// locked for the transaction, so concurrent requests of one user count one after the other.
pub async fn lock(
    db: &Db,
    tx: &mut Tx,
    app_id: &str,
    user_key: i64,
    bucket: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query(
        "INSERT INTO rate_limit_buckets (app_id, user_key, bucket, hits) VALUES ($1, $2, $3, '') \
         ON CONFLICT (app_id, user_key, bucket) DO NOTHING",
    )
    .bind(app_id)
    .bind(user_key)
    .bind(bucket)
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query(&format!(
        "SELECT hits FROM rate_limit_buckets WHERE app_id = $1 AND user_key = $2 AND bucket = $3{}",
        db.for_update()
    ))
    .bind(app_id)
    .bind(user_key)
    .bind(bucket)
    .fetch_one(&mut **tx)
    .await?;
    let hits: String = row.try_get(0)?;
    Ok(rate_limit::decode(&hits))
}

/// Stores the hits a request leaves in its bucket.
pub async fn save(
    tx: &mut Tx,
    app_id: &str,
    user_key: i64,
    bucket: &str,
    hits: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE rate_limit_buckets SET hits = $1 WHERE app_id = $2 AND user_key = $3 AND bucket = $4",
    )
    .bind(rate_limit::encode(hits))
    .bind(app_id)
    .bind(user_key)
    .bind(bucket)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
