//! Storage of the login area: codes, grants (refresh tokens), access tokens and the (app, user) link.
//!
//! Lock order, so concurrent transactions cannot deadlock on PostgreSQL: `users` → `app_users` →
//! `login_codes` → `login_grants` → `login_access_tokens`.

use sqlx::Row;

use crate::domain::login::{CODE_LIFETIME_SECONDS, REFRESH_TOKEN_LIFETIME_SECONDS};
use crate::domain::time::Instant;
use crate::store::{flag, Db, Tx};

/// An authorization code as issued.
pub struct CodeRow {
    pub app_id: String,
    pub user_key: i64,
    pub scopes: String,
    pub agreed_terms: String,
}

pub async fn find_code(db: &Db, code_hash: &str) -> Result<Option<CodeRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT app_id, user_key, scopes, agreed_terms FROM login_codes WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(db.reader())
    .await?;
    Ok(row.map(|row| CodeRow {
        app_id: row.get(0),
        user_key: row.get(1),
        scopes: row.get(2),
        agreed_terms: row.get(3),
    }))
}

/// The (app, user) link, locked for this transaction: `(linked, sub)`.
pub async fn lock_link(
    db: &Db,
    tx: &mut Tx,
    app_id: &str,
    user_key: i64,
) -> Result<Option<(bool, Option<String>)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT linked, sub FROM app_users WHERE app_id = $1 AND user_key = $2{}",
        db.for_update()
    ))
    .bind(app_id)
    .bind(user_key)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|row| (flag(row.get(0)), row.get(1))))
}

/// Consumes the code if it is unused, unrevoked, unexpired, the caller's and presented with its referrer.
/// The affected row count decides, so of concurrent exchanges exactly one succeeds.
pub async fn consume_code(
    tx: &mut Tx,
    code_hash: &str,
    app_id: &str,
    referrer: &str,
    now: Instant,
) -> Result<bool, sqlx::Error> {
    let issued_after = now.plus_seconds(-CODE_LIFETIME_SECONDS).micros();
    let done = sqlx::query(
        "UPDATE login_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND revoked_at IS NULL \
         AND app_id = $3 AND referrer = $4 AND issued_at > $5",
    )
    .bind(now.micros())
    .bind(code_hash)
    .bind(app_id)
    .bind(referrer)
    .bind(issued_after)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// A grant: what a refresh token carries.
pub struct GrantRow {
    pub id: i64,
    pub user_key: i64,
    pub scopes: String,
}

pub async fn insert_grant(
    tx: &mut Tx,
    refresh_hash: &str,
    code: &CodeRow,
    now: Instant,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO login_grants (refresh_hash, app_id, user_key, scopes, agreed_terms, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(refresh_hash)
    .bind(&code.app_id)
    .bind(code.user_key)
    .bind(&code.scopes)
    .bind(&code.agreed_terms)
    .bind(now.micros())
    .fetch_one(&mut **tx)
    .await
}

/// The user of a refresh token of `app_id`, whatever its state (read before locking the link).
pub async fn grant_owner(
    db: &Db,
    refresh_hash: &str,
    app_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_key FROM login_grants WHERE refresh_hash = $1 AND app_id = $2")
        .bind(refresh_hash)
        .bind(app_id)
        .fetch_optional(db.reader())
        .await
}

/// The grant of a refresh token if it is still usable (not revoked, within 14 days of its issue).
pub async fn live_grant(
    tx: &mut Tx,
    refresh_hash: &str,
    app_id: &str,
    now: Instant,
) -> Result<Option<GrantRow>, sqlx::Error> {
    let issued_after = now.plus_seconds(-REFRESH_TOKEN_LIFETIME_SECONDS).micros();
    let row = sqlx::query(
        "SELECT id, user_key, scopes FROM login_grants WHERE refresh_hash = $1 AND app_id = $2 \
         AND revoked_at IS NULL AND issued_at > $3",
    )
    .bind(refresh_hash)
    .bind(app_id)
    .bind(issued_after)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|row| GrantRow {
        id: row.get(0),
        user_key: row.get(1),
        scopes: row.get(2),
    }))
}

pub async fn insert_access_token(
    tx: &mut Tx,
    jti: &str,
    grant_id: i64,
    app_id: &str,
    user_key: i64,
    now: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_access_tokens (jti, grant_id, app_id, user_key, issued_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(jti)
    .bind(grant_id)
    .bind(app_id)
    .bind(user_key)
    .bind(now.micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An access token that has not been revoked: its user, issue time and grant.
pub struct AccessRow {
    pub user_key: i64,
    pub issued_at: Instant,
    pub scopes: String,
    pub agreed_terms: String,
}

pub async fn unrevoked_access_token(
    db: &Db,
    jti: &str,
    app_id: &str,
) -> Result<Option<AccessRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT t.user_key, t.issued_at, g.scopes, g.agreed_terms FROM login_access_tokens t \
         JOIN login_grants g ON g.id = t.grant_id WHERE t.jti = $1 AND t.app_id = $2 AND t.revoked_at IS NULL",
    )
    .bind(jti)
    .bind(app_id)
    .fetch_optional(db.reader())
    .await?;
    Ok(row.map(|row| AccessRow {
        user_key: row.get(0),
        issued_at: Instant(row.get(1)),
        scopes: row.get(2),
        agreed_terms: row.get(3),
    }))
}

/// Revokes one access token if it is still live; the row count decides which concurrent caller wins.
pub async fn revoke_access_token(
    tx: &mut Tx,
    jti: &str,
    issued_after: Instant,
    now: Instant,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE login_access_tokens SET revoked_at = $1 WHERE jti = $2 AND revoked_at IS NULL AND issued_at > $3",
    )
    .bind(now.micros())
    .bind(jti)
    .bind(issued_after.micros())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Ends the (app, user) link: every unused code, grant and access token of the pair is revoked and the link
/// becomes UNLINKED (the user stays known to the app). The link row must be locked by the caller.
pub async fn unlink_pair(
    tx: &mut Tx,
    app_id: &str,
    user_key: i64,
    now: Instant,
) -> Result<(), sqlx::Error> {
    for sql in [
        "UPDATE login_codes SET revoked_at = $1 WHERE app_id = $2 AND user_key = $3 \
         AND used_at IS NULL AND revoked_at IS NULL",
        "UPDATE login_grants SET revoked_at = $1 WHERE app_id = $2 AND user_key = $3 AND revoked_at IS NULL",
        "UPDATE login_access_tokens SET revoked_at = $1 WHERE app_id = $2 AND user_key = $3 AND revoked_at IS NULL",
    ] {
        sqlx::query(sql)
            .bind(now.micros())
            .bind(app_id)
            .bind(user_key)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE app_users SET linked = 0 WHERE app_id = $1 AND user_key = $2")
        .bind(app_id)
        .bind(user_key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// --- used by promos ---

/// Adds settled Toss points to a user's balance.
pub async fn credit_points(tx: &mut Tx, user_key: i64, amount: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET points_balance = points_balance + $1 WHERE user_key = $2")
        .bind(amount)
        .bind(user_key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A user's Toss points balance, if the user exists.
pub async fn points_balance(db: &Db, user_key: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT points_balance FROM users WHERE user_key = $1")
        .bind(user_key)
        .fetch_optional(db.reader())
        .await
}

/// Whether a Toss user exists (withdrawn or not).
pub async fn exists(db: &Db, user_key: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT user_key FROM users WHERE user_key = $1")
        .bind(user_key)
        .fetch_optional(db.reader())
        .await?;
    Ok(found.is_some())
}

/// A user known to an app, as a message recipient: the name and what the user allows.
pub struct RecipientRow {
    pub name: String,
    pub push_enabled: bool,
    pub marketing_consent: bool,
    pub withdrawn: bool,
}

pub async fn recipient(
    db: &Db,
    app_id: &str,
    user_key: i64,
) -> Result<Option<RecipientRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT u.name, u.push_enabled, u.marketing_consent, u.withdrawn FROM app_users l \
         JOIN users u ON u.user_key = l.user_key WHERE l.app_id = $1 AND l.user_key = $2",
    )
    .bind(app_id)
    .bind(user_key)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| {
        Ok(RecipientRow {
            name: row.try_get(0)?,
            push_enabled: flag(row.try_get(1)?),
            marketing_consent: flag(row.try_get(2)?),
            withdrawn: flag(row.try_get(3)?),
        })
    })
    .transpose()
}
