//! Owner of `merchants`, `merchant_keys` and the merchants' payment settings columns. A secret key is
//! stored as its SHA-256 (for lookups) and sealed with the instance key (so the simulator can show it
//! again); client keys are public and stored as they are.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::merchant::{Mode, PaymentSettings, PaymentSettingsChange};
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::store::{flag, identity, try_get_parsed, Db, Tx};

/// A merchant row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    pub id: i64,
    pub mid: String,
    pub name: String,
}

impl Merchant {
    fn from_row(row: &AnyRow) -> Result<Merchant, sqlx::Error> {
        Ok(Merchant {
            id: row.try_get(0)?,
            mid: row.try_get(1)?,
            name: row.try_get(2)?,
        })
    }
}

/// A merchant's keys of one mode, the secret opened.
#[derive(Debug, Clone)]
pub struct MerchantKeys {
    pub merchant: Merchant,
    pub mode: Mode,
    pub client_key: String,
    pub secret_key: String,
}

/// One key pair as the dashboard lists it (no secret).
#[derive(Debug, Clone)]
pub struct ClientKey {
    pub mid: String,
    pub name: String,
    pub mode: Mode,
    pub client_key: String,
}

/// Creates a merchant and returns its id.
pub async fn insert(
    tx: &mut Tx,
    mid: &str,
    name: &str,
    is_default: bool,
    now: Instant,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO merchants (mid, name, is_default, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(mid)
    .bind(name)
    .bind(i64::from(is_default))
    .bind(now.micros())
    .fetch_one(&mut **tx)
    .await
}

/// Stores a merchant's key pair; the mode is the secret key's (`live_…` or test).
pub async fn insert_keys(
    tx: &mut Tx,
    merchant_id: i64,
    client_key: &str,
    secret_key: &str,
) -> Result<(), sqlx::Error> {
    let sealed = secrets::seal(&identity::instance_key(&mut **tx).await?, secret_key);
    sqlx::query(
        "INSERT INTO merchant_keys (merchant_id, mode, client_key, secret_key_hash, secret_key_sealed) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(merchant_id)
    .bind(Mode::of_key(secret_key).as_str())
    .bind(client_key)
    .bind(secrets::hash(secret_key))
    .bind(sealed)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Makes the merchant's keys of the secret key's mode exactly this pair, replacing different ones.
pub async fn replace_keys(
    tx: &mut Tx,
    merchant_id: i64,
    client_key: &str,
    secret_key: &str,
) -> Result<(), sqlx::Error> {
    let mode = Mode::of_key(secret_key);
    let current: Option<String> = sqlx::query_scalar(
        "SELECT secret_key_hash FROM merchant_keys WHERE merchant_id = $1 AND mode = $2 AND client_key = $3",
    )
    .bind(merchant_id)
    .bind(mode.as_str())
    .bind(client_key)
    .fetch_optional(&mut **tx)
    .await?;
    if current.as_deref() == Some(secrets::hash(secret_key).as_str()) {
        return Ok(());
    }
    sqlx::query("DELETE FROM merchant_keys WHERE merchant_id = $1 AND mode = $2")
        .bind(merchant_id)
        .bind(mode.as_str())
        .execute(&mut **tx)
        .await?;
    insert_keys(tx, merchant_id, client_key, secret_key).await
}

/// The default merchant (`GET /sim/v1/merchants/default`), if seeded.
pub async fn default_merchant<'e, E>(executor: E) -> Result<Option<Merchant>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("SELECT id, mid, name FROM merchants WHERE is_default = 1")
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(Merchant::from_row)
        .transpose()
}

/// The merchant of an `mId`.
pub async fn by_mid<'e, E>(executor: E, mid: &str) -> Result<Option<Merchant>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("SELECT id, mid, name FROM merchants WHERE mid = $1")
        .bind(mid)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(Merchant::from_row)
        .transpose()
}

/// The merchant of `mid`, or the default merchant for `None` (the simulator's `default`).
pub async fn by_mid_or_default(
    db: &Db,
    mid: Option<&str>,
) -> Result<Option<Merchant>, sqlx::Error> {
    match mid {
        Some(mid) => by_mid(db.reader(), mid).await,
        None => default_merchant(db.reader()).await,
    }
}

/// The merchant of an id.
pub async fn by_id<'e, E>(executor: E, id: i64) -> Result<Option<Merchant>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("SELECT id, mid, name FROM merchants WHERE id = $1")
        .bind(id)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(Merchant::from_row)
        .transpose()
}

/// The merchant whose secret key hashes to `key_hash` (`secrets::hash`), and the key's mode, with the
/// configuration epoch read in the same statement (`crate::cache` keeps the answer at that epoch).
pub async fn by_secret_key_hash(
    db: &Db,
    key_hash: &str,
) -> Result<(i64, Option<(Merchant, Mode)>), sqlx::Error> {
    let row = sqlx::query(
        "SELECT m.id, m.mid, m.name, k.mode, e.epoch FROM config_epoch e \
         LEFT JOIN merchant_keys k ON k.secret_key_hash = $1 \
         LEFT JOIN merchants m ON m.id = k.merchant_id WHERE e.id = 1",
    )
    .bind(key_hash)
    .fetch_one(db.reader())
    .await?;
    let epoch = row.try_get(4)?;
    if row.try_get::<Option<i64>, _>(0)?.is_none() {
        return Ok((epoch, None));
    }
    Ok((
        epoch,
        Some((Merchant::from_row(&row)?, try_get_parsed(&row, 3)?)),
    ))
}

/// Whether `key` is some merchant's client key (a client key sent where the secret key belongs).
pub async fn is_client_key(db: &Db, key: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT merchant_id FROM merchant_keys WHERE client_key = $1")
            .bind(key)
            .fetch_optional(db.reader())
            .await?;
    Ok(found.is_some())
}

/// A merchant with its test keys, the secret key opened (the simulator shows it).
pub async fn test_keys(db: &Db, merchant_id: i64) -> Result<Option<MerchantKeys>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT m.id, m.mid, m.name, k.client_key, k.secret_key_sealed FROM merchants m \
         JOIN merchant_keys k ON k.merchant_id = m.id WHERE m.id = $1 AND k.mode = $2",
    )
    .bind(merchant_id)
    .bind(Mode::Test.as_str())
    .fetch_optional(db.reader())
    .await?
    else {
        return Ok(None);
    };
    let instance_key = identity::instance_key(db.reader()).await?;
    let sealed: String = row.try_get(4)?;
    let secret_key = secrets::open(&instance_key, &sealed)
        .ok_or_else(|| sqlx::Error::Decode("a sealed secret key does not open".into()))?;
    Ok(Some(MerchantKeys {
        merchant: Merchant::from_row(&row)?,
        mode: Mode::Test,
        client_key: row.try_get(3)?,
        secret_key,
    }))
}

/// Every merchant's client keys, by merchant then mode.
pub async fn client_keys(db: &Db) -> Result<Vec<ClientKey>, sqlx::Error> {
    sqlx::query(
        "SELECT m.mid, m.name, k.mode, k.client_key FROM merchants m \
         JOIN merchant_keys k ON k.merchant_id = m.id ORDER BY m.id, k.mode",
    )
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(ClientKey {
            mid: row.try_get(0)?,
            name: row.try_get(1)?,
            mode: try_get_parsed(row, 2)?,
            client_key: row.try_get(3)?,
        })
    })
    .collect()
}

const SETTINGS_COLUMNS: &str = "auto_pay_enabled, restrict_new_accounts, tax_type";

fn settings_from_row(row: &AnyRow) -> Result<PaymentSettings, sqlx::Error> {
    Ok(PaymentSettings {
        auto_pay_enabled: flag(row.try_get(0)?),
        restrict_new_accounts: flag(row.try_get(1)?),
        tax_type: try_get_parsed(row, 2)?,
    })
}

/// A merchant's payment settings (`RowNotFound` if there is no such merchant).
pub async fn payment_settings<'e, E>(
    executor: E,
    merchant_id: i64,
) -> Result<PaymentSettings, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {SETTINGS_COLUMNS} FROM merchants WHERE id = $1"
    ))
    .bind(merchant_id)
    .fetch_one(executor)
    .await?;
    settings_from_row(&row)
}

/// Changes the payment settings of the merchant `mid`; `None` if there is no such merchant.
pub async fn update_payment_settings(
    db: &Db,
    mid: &str,
    change: PaymentSettingsChange,
) -> Result<Option<PaymentSettings>, sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE merchants SET auto_pay_enabled = COALESCE($1, auto_pay_enabled), \
         restrict_new_accounts = COALESCE($2, restrict_new_accounts), tax_type = COALESCE($3, tax_type) \
         WHERE mid = $4 RETURNING {SETTINGS_COLUMNS}"
    ))
    .bind(change.auto_pay_enabled.map(i64::from))
    .bind(change.restrict_new_accounts.map(i64::from))
    .bind(change.tax_type.map(|t| t.as_str()))
    .bind(mid)
    .fetch_optional(db.writer())
    .await?
    .as_ref()
    .map(settings_from_row)
    .transpose()
}
