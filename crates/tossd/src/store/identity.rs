//! Owner of `instance` (the instance key and the login signing key) and `tls_authority` (the local CA).
//! Both survive `POST /sim/v1/reset`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sqlx::Row;

use crate::domain::secrets::InstanceKey;
use crate::store::{decode_error, Db, Tx};

/// Creates the instance row once (several processes may start together). True if this call created it.
pub async fn create_instance(
    tx: &mut Tx,
    instance_key: &InstanceKey,
    created_at_us: i64,
) -> Result<bool, sqlx::Error> {
    let created = sqlx::query(
        "INSERT INTO instance (id, instance_key, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
    )
    .bind(STANDARD.encode(instance_key))
    .bind(created_at_us)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(created == 1)
}

/// The instance key that seals values shown again later (merchant secret keys, the CA key).
pub async fn instance_key<'e, E>(executor: E) -> Result<InstanceKey, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let encoded: String = sqlx::query_scalar("SELECT instance_key FROM instance WHERE id = 1")
        .fetch_one(executor)
        .await?;
    let bytes = STANDARD.decode(encoded).map_err(decode_error)?;
    InstanceKey::try_from(bytes.as_slice()).map_err(decode_error)
}

/// The login JWT signing key (PKCS#8 DER, base64), if one was made.
pub async fn jwt_private_key(pool: &sqlx::AnyPool) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT jwt_private_key FROM instance WHERE id = 1")
        .fetch_one(pool)
        .await
}

/// Stores `key` as the login signing key unless one is there already (the first process wins).
/// [`jwt_private_key`] with the configuration epoch of the same statement.
pub async fn jwt_private_key_at(db: &Db) -> Result<(i64, Option<String>), sqlx::Error> {
    let row = sqlx::query(
        "SELECT e.epoch, i.jwt_private_key FROM config_epoch e LEFT JOIN instance i ON i.id = 1 \
         WHERE e.id = 1",
    )
    .fetch_one(db.reader())
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

pub async fn set_jwt_private_key_once(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE instance SET jwt_private_key = $1 WHERE id = 1 AND jwt_private_key IS NULL",
    )
    .bind(key)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// The stored CA: its certificate and its sealed key.
pub struct StoredAuthority {
    pub certificate_pem: String,
    pub key_sealed: String,
}

pub async fn authority(db: &Db) -> Result<Option<StoredAuthority>, sqlx::Error> {
    let row = sqlx::query("SELECT certificate_pem, key_sealed FROM tls_authority WHERE id = 1")
        .fetch_optional(db.reader())
        .await?;
    row.map(|row| {
        Ok(StoredAuthority {
            certificate_pem: row.try_get(0)?,
            key_sealed: row.try_get(1)?,
        })
    })
    .transpose()
}

/// Stores the CA unless one is there already: two processes starting together keep the first.
pub async fn create_authority_once(db: &Db, new: &StoredAuthority) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tls_authority (id, certificate_pem, key_sealed) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&new.certificate_pem)
    .bind(&new.key_sealed)
    .execute(db.writer())
    .await?;
    Ok(())
}
