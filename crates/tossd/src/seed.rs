//! Reference data written on first start and again by `POST /sim/v1/reset` (REFERENCE.md §6).

use chrono::Utc;

use crate::clock::Clock;
use crate::config::SeedConfig;
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::store::{self, Db, Tx};

pub const DEFAULT_MID: &str = "tosspayments";

/// A seeded Toss user (REFERENCE.md §6.2).
struct SeedUser {
    user_key: i64,
    name: &'static str,
    phone: &'static str,
    birthday: &'static str,
    gender: &'static str,
    email: Option<&'static str>,
    ci_prefix: &'static str,
    marketing_consent: bool,
}

const SEED_USERS: &[SeedUser] = &[
    SeedUser {
        user_key: 123456789,
        name: "홍길동",
        phone: "1012345678",
        birthday: "19900101",
        gender: "MALE",
        email: Some("user@example.com"),
        ci_prefix: "aaf7cb53",
        marketing_consent: true,
    },
    SeedUser {
        user_key: 87654321,
        name: "김철수",
        phone: "1098765432",
        birthday: "19850315",
        gender: "MALE",
        email: Some("chulsoo@example.com"),
        ci_prefix: "",
        marketing_consent: true,
    },
    SeedUser {
        user_key: 443731103,
        name: "이영희",
        phone: "1055551234",
        birthday: "19951120",
        gender: "FEMALE",
        email: None,
        ci_prefix: "",
        marketing_consent: false,
    },
];

/// Seeds a new database once, even when several processes start together, and makes the default
/// merchant's keys match the configuration on every start.
pub async fn ensure_seeded(db: &Db, config: &SeedConfig) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let created = store::identity::create_instance(
        &mut tx,
        &secrets::random_instance_key(),
        Utc::now().timestamp_micros(),
    )
    .await?;
    if created {
        write_defaults(&mut tx, config).await?;
    } else {
        sync_default_merchant_keys(&mut tx, config).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Wipes every object and writes the defaults again (`POST /sim/v1/reset`).
pub async fn reset(db: &Db, config: &SeedConfig) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    db.wipe(&mut tx).await?;
    write_defaults(&mut tx, config).await?;
    tx.commit().await?;
    Ok(())
}

async fn write_defaults(tx: &mut Tx, config: &SeedConfig) -> anyhow::Result<()> {
    let start = config
        .clock_start
        .unwrap_or_else(|| Instant(Utc::now().timestamp_micros() / 1_000_000 * 1_000_000));
    Clock::reset(tx, start).await?;
    let now = start.micros();
    let d = &config.deriver;

    sqlx::query(
        "INSERT INTO apps (app_id, name, client_id, pii_key, aad, is_default, created_at) \
         VALUES ($1, 'default', $2, $3, 'TOSS', 1, $4)",
    )
    .bind(format!("ait_{}", d.lower_alnum("app.default.id", 16)))
    .bind(d.lower_alnum("app.default.client_id", 32))
    .bind(d.base64("app.default.pii_key", 32))
    .bind(now)
    .execute(&mut **tx)
    .await?;

    for user in SEED_USERS {
        sqlx::query(
            "INSERT INTO users (user_key, name, calling_code, phone, birthday, gender, nationality, email, ci, \
             push_enabled, marketing_consent, created_at) \
             VALUES ($1, $2, '82', $3, $4, $5, 'LOCAL', $6, $7, 1, $8, $9)",
        )
        .bind(user.user_key)
        .bind(user.name)
        .bind(user.phone)
        .bind(user.birthday)
        .bind(user.gender)
        .bind(user.email)
        .bind(config.ci(&user.user_key.to_string(), user.ci_prefix))
        .bind(i64::from(user.marketing_consent))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }

    let merchant_id: i64 = sqlx::query_scalar(
        "INSERT INTO merchants (mid, name, is_default, created_at) VALUES ($1, '토스페이먼츠', 1, $2) RETURNING id",
    )
    .bind(DEFAULT_MID)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let (client_key, secret_key) = config.default_merchant_keys();
    insert_merchant_keys(tx, merchant_id, &client_key, &secret_key).await?;
    crate::apps_in_toss::promotions::seed_defaults(tx, start).await?;
    crate::apps_in_toss::messenger::seed_defaults(tx, start).await?;
    crate::apps_in_toss::pay::seed_default_app(tx).await?;
    crate::store::brandpay::seed_catalogue(tx, merchant_id, start).await?;
    Ok(())
}

/// The mode a key belongs to, from its prefix.
pub fn key_mode(key: &str) -> &'static str {
    if key.starts_with("live_") {
        "live"
    } else {
        "test"
    }
}

pub async fn insert_merchant_keys(
    tx: &mut Tx,
    merchant_id: i64,
    client_key: &str,
    secret_key: &str,
) -> anyhow::Result<()> {
    let sealed = secrets::seal(
        &crate::store::identity::instance_key(&mut **tx).await?,
        secret_key,
    );
    sqlx::query(
        "INSERT INTO merchant_keys (merchant_id, mode, client_key, secret_key_hash, secret_key_sealed) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(merchant_id)
    .bind(key_mode(secret_key))
    .bind(client_key)
    .bind(secrets::hash(secret_key))
    .bind(sealed)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn sync_default_merchant_keys(tx: &mut Tx, config: &SeedConfig) -> anyhow::Result<()> {
    let (client_key, secret_key) = config.default_merchant_keys();
    let merchant_id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM merchants WHERE is_default = 1")
            .fetch_optional(&mut **tx)
            .await?;
    let Some(merchant_id) = merchant_id else {
        return Ok(());
    };
    let current: Option<String> = sqlx::query_scalar(
        "SELECT secret_key_hash FROM merchant_keys WHERE merchant_id = $1 AND mode = $2 AND client_key = $3",
    )
    .bind(merchant_id)
    .bind(key_mode(&secret_key))
    .bind(&client_key)
    .fetch_optional(&mut **tx)
    .await?;
    if current.as_deref() != Some(secrets::hash(&secret_key).as_str()) {
        sqlx::query("DELETE FROM merchant_keys WHERE merchant_id = $1 AND mode = $2")
            .bind(merchant_id)
            .bind(key_mode(&secret_key))
            .execute(&mut **tx)
            .await?;
        insert_merchant_keys(tx, merchant_id, &client_key, &secret_key).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::secrets::SeedDeriver;

    fn config() -> SeedConfig {
        SeedConfig {
            deriver: SeedDeriver::new("tossd"),
            secret_key: None,
            client_key: None,
            clock_start: None,
        }
    }

    #[test]
    fn seeded_keys_have_the_documented_shape() {
        let (ck, sk) = config().default_merchant_keys();
        assert!(ck.starts_with("test_ck_") && ck.len() == 36, "{ck}");
        assert!(sk.starts_with("test_sk_") && sk.len() == 36, "{sk}");
        assert_eq!(config().default_merchant_keys(), (ck, sk));
    }

    #[test]
    fn ci_is_88_characters_with_the_documented_prefix() {
        let ci = config().ci("123456789", "aaf7cb53");
        assert_eq!(ci.len(), 88);
        assert!(ci.starts_with("aaf7cb53"));
    }
}
