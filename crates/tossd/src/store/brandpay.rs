//! Owner of the BrandPay customer tables: customers, terms agreements, authorization codes, access and refresh tokens, payment methods (cards, accounts) and BrandPay promotions.

// --- used by payments ---

/// The customer holding an access token, as the `Bearer` credential names it.
#[derive(Debug, Clone)]
pub struct TokenHolder {
    pub customer_id: i64,
    pub merchant_id: i64,
    pub mode: crate::domain::merchant::Mode,
    pub customer_key: String,
}

/// The holder of a current (unexpired, unrevoked) access token, if it is an `ACTIVE` customer.
pub async fn access_token_holder(
    db: &crate::store::Db,
    access_token: &str,
    now: crate::domain::time::Instant,
) -> Result<Option<TokenHolder>, sqlx::Error> {
    use sqlx::Row;
    let Some(row) = sqlx::query(
        "SELECT c.id, c.merchant_id, c.mode, c.customer_key FROM bp_tokens t \
         JOIN bp_customers c ON c.id = t.customer_id \
         WHERE t.access_hash = $1 AND t.revoked = 0 AND t.access_expires_at > $2 AND c.status = 'ACTIVE'",
    )
    .bind(crate::domain::secrets::hash(access_token))
    .bind(now.micros())
    .fetch_optional(db.reader())
    .await?
    else {
        return Ok(None);
    };
    let mode: String = row.try_get(2)?;
    Ok(Some(TokenHolder {
        customer_id: row.try_get(0)?,
        merchant_id: row.try_get(1)?,
        mode: mode.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        customer_key: row.try_get(3)?,
    }))
}
