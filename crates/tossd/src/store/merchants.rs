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

// --- used by login ---

/// The default merchant with its test keys, the secret key still sealed (the simulator shows it).
pub struct DefaultMerchantKeys {
    pub mid: String,
    pub name: String,
    pub client_key: String,
    pub secret_key_sealed: String,
}

pub async fn default_merchant_test_keys(
    db: &crate::store::Db,
) -> Result<Option<DefaultMerchantKeys>, sqlx::Error> {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT m.mid, m.name, k.client_key, k.secret_key_sealed FROM merchants m \
         JOIN merchant_keys k ON k.merchant_id = m.id WHERE m.is_default = 1 AND k.mode = 'test'",
    )
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| {
        Ok(DefaultMerchantKeys {
            mid: row.try_get("mid")?,
            name: row.try_get("name")?,
            client_key: row.try_get("client_key")?,
            secret_key_sealed: row.try_get("secret_key_sealed")?,
        })
    })
    .transpose()
}
