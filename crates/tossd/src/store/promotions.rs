//! Owner of the Toss points promotion tables: promotions, grant keys and grants.

use sqlx::Row;

use crate::domain::time::Instant;
use crate::store::Db;

/// Settles every grant that is due: the grant turns SUCCESS and its points reach the user's balance,
/// once, whichever process or request gets there first. Grants are taken in id order so concurrent
/// settlements lock rows in the same order.
pub async fn settle_due(db: &Db, now: Instant) -> Result<(), sqlx::Error> {
    let due = sqlx::query(
        "SELECT id, user_key, amount FROM promotion_grants \
         WHERE status = 'PENDING' AND settle_at <= $1 ORDER BY id",
    )
    .bind(now.micros())
    .fetch_all(db.reader())
    .await?;
    if due.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for row in &due {
        let (grant_id, user_key, amount): (i64, i64, i64) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let settled = sqlx::query(
            "UPDATE promotion_grants SET status = 'SUCCESS', settled_at = $1 WHERE id = $2 AND status = 'PENDING'",
        )
        .bind(now.micros())
        .bind(grant_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if settled == 1 {
            sqlx::query(
                "UPDATE users SET points_balance = points_balance + $1 WHERE user_key = $2",
            )
            .bind(amount)
            .bind(user_key)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}
