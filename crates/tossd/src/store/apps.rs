//! Owner of `apps` (partner mini-apps and their login settings) and `app_certificates` (the mTLS client
//! certificates that identify them).

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, FromRow, Row};

use crate::domain::time::Instant;
use crate::store::{flag, Db, Tx};

/// A partner mini-app: who calls the Apps-in-Toss API and how its login-me answers are sealed.
#[derive(Debug, Clone)]
pub struct PartnerApp {
    pub app_id: String,
    pub name: String,
    /// The JWT `aud` of the app's access tokens.
    pub client_id: String,
    /// Base64 AES-256 key of login-me's personal fields.
    pub pii_key: String,
    pub aad: String,
    pub plaintext_pii: bool,
    pub rate_limit_per_minute: i64,
}

const APP_COLUMNS: &str =
    "a.app_id, a.name, a.client_id, a.pii_key, a.aad, a.plaintext_pii, a.rate_limit_per_minute";

impl FromRow<'_, AnyRow> for PartnerApp {
    fn from_row(row: &AnyRow) -> Result<PartnerApp, sqlx::Error> {
        Ok(PartnerApp {
            app_id: row.try_get("app_id")?,
            name: row.try_get("name")?,
            client_id: row.try_get("client_id")?,
            pii_key: row.try_get("pii_key")?,
            aad: row.try_get("aad")?,
            plaintext_pii: flag(row.try_get("plaintext_pii")?),
            rate_limit_per_minute: row.try_get("rate_limit_per_minute")?,
        })
    }
}

/// The default app: every Apps-in-Toss call without a client certificate is its.
pub async fn default_app<'e, E>(executor: E) -> Result<Option<PartnerApp>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM apps a WHERE a.is_default = 1"
    ))
    .fetch_optional(executor)
    .await
}

pub async fn by_app_id(db: &Db, app_id: &str) -> Result<Option<PartnerApp>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM apps a WHERE a.app_id = $1"
    ))
    .bind(app_id)
    .fetch_optional(db.reader())
    .await
}

/// The app a client certificate (by its SHA-256 fingerprint) was issued to.
pub async fn by_certificate(db: &Db, fingerprint: &str) -> Result<Option<PartnerApp>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM app_certificates c JOIN apps a ON a.app_id = c.app_id \
         WHERE c.fingerprint = $1"
    ))
    .bind(fingerprint)
    .fetch_optional(db.reader())
    .await
}

/// The app of a client certificate's fingerprint, or (`None`) the default app, with the configuration epoch
/// of the same statement (`crate::cache` keeps the answer at that epoch).
pub async fn of_caller_at(
    db: &Db,
    fingerprint: Option<&str>,
) -> Result<(i64, Option<PartnerApp>), sqlx::Error> {
    let row = match fingerprint {
        Some(fingerprint) => {
            sqlx::query(&format!(
                "SELECT e.epoch, {APP_COLUMNS} FROM config_epoch e \
                 LEFT JOIN app_certificates c ON c.fingerprint = $1 \
                 LEFT JOIN apps a ON a.app_id = c.app_id WHERE e.id = 1"
            ))
            .bind(fingerprint)
            .fetch_one(db.reader())
            .await?
        }
        None => {
            sqlx::query(&format!(
                "SELECT e.epoch, {APP_COLUMNS} FROM config_epoch e \
                 LEFT JOIN apps a ON a.is_default = 1 WHERE e.id = 1"
            ))
            .fetch_one(db.reader())
            .await?
        }
    };
    let epoch = row.try_get("epoch")?;
    if row.try_get::<Option<String>, _>("app_id")?.is_none() {
        return Ok((epoch, None));
    }
    Ok((epoch, Some(PartnerApp::from_row(&row)?)))
}

/// What an app may ask at login: space-separated scopes (without `user_key`, always granted) and term tags.
#[derive(Debug, Clone)]
pub struct LoginOffer {
    pub scopes: String,
    pub terms: String,
}

pub async fn login_offer(db: &Db, app_id: &str) -> Result<Option<LoginOffer>, sqlx::Error> {
    let row = sqlx::query("SELECT login_scopes, login_terms FROM apps WHERE app_id = $1")
        .bind(app_id)
        .fetch_optional(db.reader())
        .await?;
    row.map(|row| {
        Ok(LoginOffer {
            scopes: row.try_get("login_scopes")?,
            terms: row.try_get("login_terms")?,
        })
    })
    .transpose()
}

/// An app to create; its login settings and limits start at the schema's defaults.
pub struct NewApp<'a> {
    pub app_id: &'a str,
    pub name: &'a str,
    pub client_id: &'a str,
    pub pii_key: &'a str,
    pub aad: &'a str,
    pub is_default: bool,
    pub created_at: Instant,
}

pub async fn insert_app(tx: &mut Tx, app: &NewApp<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO apps (app_id, name, client_id, pii_key, aad, is_default, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(app.app_id)
    .bind(app.name)
    .bind(app.client_id)
    .bind(app.pii_key)
    .bind(app.aad)
    .bind(i64::from(app.is_default))
    .bind(app.created_at.micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The fingerprint of the app's first client certificate: fixture steps (`sim::fixtures`) make partner
/// calls as that app with it.
pub async fn first_certificate(db: &Db, app_id: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT fingerprint FROM app_certificates WHERE app_id = $1 ORDER BY created_at, fingerprint LIMIT 1",
    )
    .bind(app_id)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| row.try_get(0)).transpose()
}

/// Makes the client certificate with this fingerprint identify the app.
pub async fn insert_certificate(
    tx: &mut Tx,
    app_id: &str,
    fingerprint: &str,
    now: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO app_certificates (fingerprint, app_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(fingerprint)
    .bind(app_id)
    .bind(now.micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Changes the app's settings that are given; the others stay as they are.
pub async fn update_settings(
    db: &Db,
    app_id: &str,
    rate_limit_per_minute: Option<i64>,
    plaintext_pii: Option<bool>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE apps SET rate_limit_per_minute = CASE WHEN $1 < 0 THEN rate_limit_per_minute ELSE $1 END, \
         plaintext_pii = CASE WHEN $2 < 0 THEN plaintext_pii ELSE $2 END WHERE app_id = $3",
    )
    .bind(rate_limit_per_minute.unwrap_or(-1))
    .bind(plaintext_pii.map_or(-1, i64::from))
    .bind(app_id)
    .execute(db.writer())
    .await?;
    Ok(())
}

// --- for the other areas' call sites (seeding of their tables, webhooks, dashboard) ---

/// The default app's id, for seeding rows that belong to it.
pub async fn default_app_id<'e, E>(executor: E) -> Result<Option<String>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_scalar("SELECT app_id FROM apps WHERE is_default = 1")
        .fetch_optional(executor)
        .await
}

/// An app as the operator's lists show it.
#[derive(Debug, Clone)]
pub struct ListedApp {
    pub app: PartnerApp,
    pub is_default: bool,
}

impl FromRow<'_, AnyRow> for ListedApp {
    fn from_row(row: &AnyRow) -> Result<ListedApp, sqlx::Error> {
        Ok(ListedApp {
            app: PartnerApp::from_row(row)?,
            is_default: flag(row.try_get("is_default")?),
        })
    }
}

/// Every app, in creation order.
pub async fn list(db: &Db) -> Result<Vec<ListedApp>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS}, a.is_default FROM apps a ORDER BY a.id"
    ))
    .fetch_all(db.reader())
    .await
}
