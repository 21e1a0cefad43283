//! Owner of `bp_redirect_urls`: the URLs each merchant registered for the BrandPay SDK's `redirectUrl`
//! (docs/front-end.md), and the client-key lookup the SDK window starts from.

use sqlx::Row;

use crate::domain::time::Instant;
use crate::store::merchants::Merchant;
use crate::store::Db;

/// The merchant whose client key this is, with the key's mode (`test` or `live`).
pub async fn merchant_by_client_key(
    db: &Db,
    client_key: &str,
) -> Result<Option<(Merchant, String)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT m.id, m.mid, m.name, k.mode FROM merchant_keys k \
         JOIN merchants m ON m.id = k.merchant_id WHERE k.client_key = $1",
    )
    .bind(client_key)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| {
        Ok((
            Merchant {
                id: row.try_get(0)?,
                mid: row.try_get(1)?,
                name: row.try_get(2)?,
            },
            row.try_get(3)?,
        ))
    })
    .transpose()
}

/// The merchant's registered redirect URLs, in the order they were registered.
pub async fn redirect_urls(db: &Db, merchant_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT url FROM bp_redirect_urls WHERE merchant_id = $1 ORDER BY created_at, url",
    )
    .bind(merchant_id)
    .fetch_all(db.reader())
    .await
}

/// Whether `url` is one of the merchant's registered redirect URLs (compared exactly).
pub async fn is_registered(db: &Db, merchant_id: i64, url: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT merchant_id FROM bp_redirect_urls WHERE merchant_id = $1 AND url = $2",
    )
    .bind(merchant_id)
    .bind(url)
    .fetch_optional(db.reader())
    .await?;
    Ok(found.is_some())
}

/// Replaces the merchant's redirect URLs with `urls` (already validated and deduplicated) in one
/// transaction. Each keeps its position through `created_at` (now plus its index, in microseconds).
pub async fn replace_redirect_urls(
    db: &Db,
    merchant_id: i64,
    urls: &[String],
    now: Instant,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM bp_redirect_urls WHERE merchant_id = $1")
        .bind(merchant_id)
        .execute(&mut *tx)
        .await?;
    for (i, url) in urls.iter().enumerate() {
        sqlx::query(
            "INSERT INTO bp_redirect_urls (merchant_id, url, created_at) VALUES ($1, $2, $3)",
        )
        .bind(merchant_id)
        .bind(url)
        .bind(now.0 + i as i64)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
