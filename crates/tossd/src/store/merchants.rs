//! Owner of `merchants`, `merchant_keys` and merchant settings (webhook URLs, payment settings).

// --- used by outbox ---

/// A merchant's key and its `mId`.
#[derive(Debug, Clone)]
pub struct MerchantRef {
    pub id: i64,
    pub mid: String,
}

/// The merchant with `mId` `mid`, or the default merchant for `None`.
pub async fn find_ref(
    db: &crate::store::Db,
    mid: Option<&str>,
) -> Result<Option<MerchantRef>, sqlx::Error> {
    let row = match mid {
        None => {
            sqlx::query("SELECT id, mid FROM merchants WHERE is_default = 1")
                .fetch_optional(db.reader())
                .await?
        }
        Some(mid) => {
            sqlx::query("SELECT id, mid FROM merchants WHERE mid = $1")
                .bind(mid)
                .fetch_optional(db.reader())
                .await?
        }
    };
    row.map(|row| {
        Ok(MerchantRef {
            id: sqlx::Row::try_get(&row, 0)?,
            mid: sqlx::Row::try_get(&row, 1)?,
        })
    })
    .transpose()
}
