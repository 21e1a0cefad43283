//! Owner of `merchants`, `merchant_keys` and merchant settings (webhook URLs, payment settings).

// --- used by brandpay ---

/// The merchant the simulator acts for, `(id, mId)`: the one with `mid`, or the default merchant.
pub async fn by_mid_or_default(
    db: &crate::store::Db,
    mid: Option<&str>,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let query = match mid {
        Some(mid) => sqlx::query_as("SELECT id, mid FROM merchants WHERE mid = $1").bind(mid),
        None => sqlx::query_as("SELECT id, mid FROM merchants WHERE is_default = 1"),
    };
    query.fetch_optional(db.reader()).await
}

fn brandpay_settings_from_row(
    row: &sqlx::any::AnyRow,
) -> Result<crate::domain::checkout::MerchantSettings, sqlx::Error> {
    use sqlx::Row;
    let tax_type: String = row.try_get(2)?;
    Ok(crate::domain::checkout::MerchantSettings {
        auto_pay_enabled: crate::store::flag(row.try_get(0)?),
        restrict_new_accounts: crate::store::flag(row.try_get(1)?),
        tax_type: tax_type
            .parse()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
    })
}

/// A merchant's BrandPay payment settings (REFERENCE.md §6.7).
pub async fn brandpay_settings(
    conn: &mut sqlx::AnyConnection,
    merchant_id: i64,
) -> Result<crate::domain::checkout::MerchantSettings, sqlx::Error> {
    let row = sqlx::query(
        "SELECT auto_pay_enabled, restrict_new_accounts, tax_type FROM merchants WHERE id = $1",
    )
    .bind(merchant_id)
    .fetch_one(conn)
    .await?;
    brandpay_settings_from_row(&row)
}

/// Changes the BrandPay payment settings of the merchant with `mid`; `None` fields keep their value.
/// Returns the settings after the change, or `None` when no merchant has that mId.
pub async fn update_brandpay_settings(
    db: &crate::store::Db,
    mid: &str,
    auto_pay_enabled: Option<bool>,
    restrict_new_accounts: Option<bool>,
    tax_type: Option<crate::domain::checkout::TaxType>,
) -> Result<Option<crate::domain::checkout::MerchantSettings>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE merchants SET auto_pay_enabled = COALESCE($1, auto_pay_enabled), \
         restrict_new_accounts = COALESCE($2, restrict_new_accounts), tax_type = COALESCE($3, tax_type) \
         WHERE mid = $4 RETURNING auto_pay_enabled, restrict_new_accounts, tax_type",
    )
    .bind(auto_pay_enabled.map(i64::from))
    .bind(restrict_new_accounts.map(i64::from))
    .bind(tax_type.map(|t| t.as_str()))
    .bind(mid)
    .fetch_optional(db.writer())
    .await?;
    row.as_ref().map(brandpay_settings_from_row).transpose()
}
