//! Owner of `users` (Toss users), `app_users` (the (app, user) link) and the login credentials:
//! `login_codes`, `login_grants` (refresh tokens) and `login_access_tokens`.
//!
//! Lock order, so concurrent transactions cannot deadlock on PostgreSQL: `users` → `app_users` →
//! `login_codes` → `login_grants` → `login_access_tokens`.

use std::sync::LazyLock;

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, FromRow, Row};

use crate::domain::login::{Code, CodeState, Gender, Nationality};
use crate::domain::promotions;
use crate::domain::time::Instant;
use crate::store::{
    flag, inline, try_get_parsed, unique_violation, Db, Snapshot, Tx, SNAPSHOT_COLUMNS,
    SNAPSHOT_FROM, SNAPSHOT_WIDTH,
};

/// A Toss user: profile, notification preferences, points balance.
#[derive(Debug, Clone)]
pub struct User {
    pub user_key: i64,
    pub name: String,
    pub calling_code: String,
    pub phone: String,
    /// yyyyMMdd
    pub birthday: String,
    pub gender: Gender,
    pub nationality: Nationality,
    pub email: Option<String>,
    pub ci: String,
    pub push_enabled: bool,
    pub marketing_consent: bool,
    pub points_balance: i64,
    /// The user left Toss.
    pub withdrawn: bool,
}

const USER_COLUMNS: &str = "u.user_key, u.name, u.calling_code, u.phone, u.birthday, u.gender, \
     u.nationality, u.email, u.ci, u.push_enabled, u.marketing_consent, u.points_balance, u.withdrawn";

impl FromRow<'_, AnyRow> for User {
    fn from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
        Ok(User {
            user_key: row.try_get("user_key")?,
            name: row.try_get("name")?,
            calling_code: row.try_get("calling_code")?,
            phone: row.try_get("phone")?,
            birthday: row.try_get("birthday")?,
            gender: try_get_parsed(row, "gender")?,
            nationality: try_get_parsed(row, "nationality")?,
            email: row.try_get("email")?,
            ci: row.try_get("ci")?,
            push_enabled: flag(row.try_get("push_enabled")?),
            marketing_consent: flag(row.try_get("marketing_consent")?),
            points_balance: row.try_get("points_balance")?,
            withdrawn: flag(row.try_get("withdrawn")?),
        })
    }
}

/// A user to create; the balance starts at 0.
pub struct NewUser<'a> {
    pub user_key: i64,
    pub name: &'a str,
    pub calling_code: &'a str,
    pub phone: &'a str,
    pub birthday: &'a str,
    pub gender: Gender,
    pub nationality: Nationality,
    pub email: Option<&'a str>,
    pub ci: &'a str,
    pub push_enabled: bool,
    pub marketing_consent: bool,
    pub created_at: Instant,
}

/// Creates a user; false when the userKey is taken (`users_pkey`), so the caller can draw another.
pub async fn insert_user<'e, E>(executor: E, user: &NewUser<'_>) -> Result<bool, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let inserted = sqlx::query(
        "INSERT INTO users (user_key, name, calling_code, phone, birthday, gender, nationality, email, ci, \
         push_enabled, marketing_consent, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(user.user_key)
    .bind(user.name)
    .bind(user.calling_code)
    .bind(user.phone)
    .bind(user.birthday)
    .bind(user.gender.as_str())
    .bind(user.nationality.as_str())
    .bind(user.email)
    .bind(user.ci)
    .bind(i64::from(user.push_enabled))
    .bind(i64::from(user.marketing_consent))
    .bind(user.created_at.micros())
    .execute(executor)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if unique_violation(&e) == Some("users_pkey") => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn user<'e, E>(executor: E, user_key: i64) -> Result<Option<User>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.user_key = $1"
    ))
    .bind(user_key)
    .fetch_optional(executor)
    .await
}

/// The user, locked for this transaction (logins and unlinks inside Toss start here).
pub async fn lock_user(db: &Db, tx: &mut Tx, user_key: i64) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.user_key = $1{}",
        db.for_update()
    ))
    .bind(user_key)
    .fetch_optional(&mut **tx)
    .await
}

/// The user if they are known to the app (they logged in to it once, docs/reference.md §1.6.2), whether or not
/// they left Toss since.
pub async fn known_to_app(
    db: &Db,
    app_id: &str,
    user_key: i64,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM app_users l JOIN users u ON u.user_key = l.user_key \
         WHERE l.app_id = $1 AND l.user_key = $2"
    ))
    .bind(app_id)
    .bind(user_key)
    .fetch_optional(db.reader())
    .await
}

/// Changes the notification preferences given; false when there is no such user.
pub async fn update_preferences(
    db: &Db,
    user_key: i64,
    push_enabled: Option<bool>,
    marketing_consent: Option<bool>,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE users SET push_enabled = CASE WHEN $1 < 0 THEN push_enabled ELSE $1 END, \
         marketing_consent = CASE WHEN $2 < 0 THEN marketing_consent ELSE $2 END WHERE user_key = $3",
    )
    .bind(push_enabled.map_or(-1, i64::from))
    .bind(marketing_consent.map_or(-1, i64::from))
    .bind(user_key)
    .execute(db.writer())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// The user leaves Toss; true only for the call that made them leave.
pub async fn withdraw(tx: &mut Tx, user_key: i64) -> Result<bool, sqlx::Error> {
    let left = sqlx::query("UPDATE users SET withdrawn = 1 WHERE user_key = $1 AND withdrawn = 0")
        .bind(user_key)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(left == 1)
}

/// The (app, user) link: whether the user is linked now, and the JWT `sub` of the pair.
#[derive(Debug, Clone)]
pub struct Link {
    pub app_id: String,
    pub linked: bool,
    pub sub: Option<String>,
}

impl FromRow<'_, AnyRow> for Link {
    fn from_row(row: &AnyRow) -> Result<Link, sqlx::Error> {
        Ok(Link {
            app_id: row.try_get("app_id")?,
            linked: flag(row.try_get("linked")?),
            sub: row.try_get("sub")?,
        })
    }
}

/// The (app, user) link, locked for this transaction.
pub async fn lock_link(
    db: &Db,
    tx: &mut Tx,
    app_id: &str,
    user_key: i64,
) -> Result<Option<Link>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT app_id, linked, sub FROM app_users WHERE app_id = $1 AND user_key = $2{}",
        db.for_update()
    ))
    .bind(app_id)
    .bind(user_key)
    .fetch_optional(&mut **tx)
    .await
}

/// Every link of the user, locked for this transaction, in app order (the lock order between apps).
pub async fn lock_links_of_user(
    db: &Db,
    tx: &mut Tx,
    user_key: i64,
) -> Result<Vec<Link>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT app_id, linked, sub FROM app_users WHERE user_key = $1 ORDER BY app_id{}",
        db.for_update()
    ))
    .bind(user_key)
    .fetch_all(&mut **tx)
    .await
}

/// Links the user to the app at login: the first login makes the userKey known to the app with `new_sub`
/// as the pair's `sub` (docs/reference.md §1.6.2); later ones relink it and keep the first `sub`.
pub async fn link(
    tx: &mut Tx,
    app_id: &str,
    user_key: i64,
    new_sub: &str,
    now: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO app_users (app_id, user_key, linked, first_login, sub) VALUES ($1, $2, 1, $3, $4) \
         ON CONFLICT (app_id, user_key) DO UPDATE SET linked = 1, sub = COALESCE(app_users.sub, excluded.sub)",
    )
    .bind(app_id)
    .bind(user_key)
    .bind(now.micros())
    .bind(new_sub)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a code issued by a login; only its hash is kept.
pub async fn insert_code(tx: &mut Tx, code_hash: &str, code: &Code) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_codes (code_hash, app_id, user_key, scopes, agreed_terms, referrer, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(code_hash)
    .bind(&code.app_id)
    .bind(code.user_key)
    .bind(&code.scopes)
    .bind(&code.agreed_terms)
    .bind(code.referrer.as_str())
    .bind(code.issued_at.micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl FromRow<'_, AnyRow> for Code {
    fn from_row(row: &AnyRow) -> Result<Code, sqlx::Error> {
        let used_at: Option<i64> = row.try_get("used_at")?;
        let revoked_at: Option<i64> = row.try_get("revoked_at")?;
        let state = match (used_at, revoked_at) {
            (None, None) => CodeState::Unused,
            (Some(_), _) => CodeState::Used,
            (None, Some(_)) => CodeState::Revoked,
        };
        Ok(Code {
            app_id: row.try_get("app_id")?,
            user_key: row.try_get("user_key")?,
            scopes: row.try_get("scopes")?,
            agreed_terms: row.try_get("agreed_terms")?,
            referrer: try_get_parsed(row, "referrer")?,
            issued_at: Instant(row.try_get("issued_at")?),
            state,
        })
    }
}

pub async fn code(db: &Db, code_hash: &str) -> Result<Option<Code>, sqlx::Error> {
    sqlx::query_as(
        "SELECT app_id, user_key, scopes, agreed_terms, referrer, issued_at, used_at, revoked_at \
         FROM login_codes WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(db.reader())
    .await
}

/// Spends the code if it is still unused and unrevoked (the caller checked the rest with
/// [`check_exchange`](crate::domain::login::check_exchange)). The affected row count decides, so of
/// concurrent exchanges exactly one succeeds.
pub async fn consume_code(tx: &mut Tx, code_hash: &str, now: Instant) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE login_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now.micros())
    .bind(code_hash)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// A grant: what a refresh token carries, from the `generate-token` call that issued it.
#[derive(Debug, Clone)]
pub struct Grant {
    pub id: i64,
    pub user_key: i64,
    /// Granted scopes, space-separated
    pub scopes: String,
    pub issued_at: Instant,
    pub revoked: bool,
}

impl FromRow<'_, AnyRow> for Grant {
    fn from_row(row: &AnyRow) -> Result<Grant, sqlx::Error> {
        Ok(Grant {
            id: row.try_get("id")?,
            user_key: row.try_get("user_key")?,
            scopes: row.try_get("scopes")?,
            issued_at: Instant(row.try_get("issued_at")?),
            revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
        })
    }
}

/// Records the grant of an exchanged code; returns its id.
pub async fn insert_grant(
    tx: &mut Tx,
    refresh_hash: &str,
    code: &Code,
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

/// The grant of a refresh token of `app_id`, whatever its state.
pub async fn grant<'e, E>(
    executor: E,
    refresh_hash: &str,
    app_id: &str,
) -> Result<Option<Grant>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_as(
        "SELECT id, user_key, scopes, issued_at, revoked_at FROM login_grants \
         WHERE refresh_hash = $1 AND app_id = $2",
    )
    .bind(refresh_hash)
    .bind(app_id)
    .fetch_optional(executor)
    .await
}

/// Records an access token (its `jti`) issued under grant `grant_id`.
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

/// An access token with what its grant allows.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub user_key: i64,
    pub issued_at: Instant,
    pub revoked: bool,
    /// Granted scopes, space-separated
    pub scopes: String,
    /// Agreed term tags, space-separated
    pub agreed_terms: String,
}

impl FromRow<'_, AnyRow> for AccessToken {
    fn from_row(row: &AnyRow) -> Result<AccessToken, sqlx::Error> {
        Ok(AccessToken {
            user_key: row.try_get("user_key")?,
            issued_at: Instant(row.try_get("issued_at")?),
            revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            scopes: row.try_get("scopes")?,
            agreed_terms: row.try_get("agreed_terms")?,
        })
    }
}

/// The access token `jti` of `app_id`, whatever its state.
pub async fn access_token(
    db: &Db,
    jti: &str,
    app_id: &str,
) -> Result<Option<AccessToken>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.user_key, t.issued_at, t.revoked_at, g.scopes, g.agreed_terms FROM login_access_tokens t \
         JOIN login_grants g ON g.id = t.grant_id WHERE t.jti = $1 AND t.app_id = $2",
    )
    .bind(jti)
    .bind(app_id)
    .fetch_optional(db.reader())
    .await
}

/// An access token and, unless the row is gone, its user.
pub type TokenAndUser = (AccessToken, Option<User>);

static ACCESS_TOKEN_WITH_USER: LazyLock<String> = LazyLock::new(|| {
    // `user_key` is the token's column; the user's columns follow without it, so `User::from_row` reads
    // the same key. NOT NULL columns say which rows exist: `g.scopes` the token with its grant, `u.name`
    // the user. (Plain LEFT JOINs: SQLite names the columns of a parenthesised join differently.)
    format!(
        "SELECT {SNAPSHOT_COLUMNS}, t.user_key, t.issued_at, t.revoked_at, g.scopes, g.agreed_terms, \
         u.name, u.calling_code, u.phone, u.birthday, u.gender, u.nationality, u.email, u.ci, \
         u.push_enabled, u.marketing_consent, u.points_balance, u.withdrawn FROM {SNAPSHOT_FROM} \
         LEFT JOIN login_access_tokens t ON t.jti = $1 AND t.app_id = $2 \
         LEFT JOIN login_grants g ON g.id = t.grant_id \
         LEFT JOIN users u ON u.user_key = t.user_key WHERE e.id = 1"
    )
});

/// An access token of `app_id` with its grant and its user, and the snapshot (epoch, clock) of the same
/// statement: login-me's one query. The user is `None` if the row is gone.
pub async fn access_token_with_user(
    db: &Db,
    jti: &str,
    app_id: &str,
) -> Result<(Snapshot, Option<TokenAndUser>), sqlx::Error> {
    if let Some(inline) = db.inline() {
        return inline.read(|c| {
            c.prepare_cached(&ACCESS_TOKEN_WITH_USER)?
                .query_row([jti, app_id], access_token_with_user_inline)
        });
    }
    let row = sqlx::query(&ACCESS_TOKEN_WITH_USER)
        .bind(jti)
        .bind(app_id)
        .fetch_one(db.reader())
        .await?;
    let snapshot = Snapshot::from_row(&row)?;
    if row.try_get::<Option<String>, _>("scopes")?.is_none() {
        return Ok((snapshot, None));
    }
    let access = AccessToken::from_row(&row)?;
    let user = match row.try_get::<Option<String>, _>("name")? {
        Some(_) => Some(User::from_row(&row)?),
        None => None,
    };
    Ok((snapshot, Some((access, user))))
}

/// [`access_token_with_user`]'s row as rusqlite reads it (columns by position, as selected).
fn access_token_with_user_inline(
    row: &rusqlite::Row,
) -> rusqlite::Result<(Snapshot, Option<TokenAndUser>)> {
    let snapshot = Snapshot::from_inline(row)?;
    let at = SNAPSHOT_WIDTH;
    let Some(scopes) = row.get::<_, Option<String>>(at + 3)? else {
        return Ok((snapshot, None));
    };
    let user_key: i64 = row.get(at)?;
    let access = AccessToken {
        user_key,
        issued_at: Instant(row.get(at + 1)?),
        revoked: row.get::<_, Option<i64>>(at + 2)?.is_some(),
        scopes,
        agreed_terms: row.get(at + 4)?,
    };
    let u = at + 5;
    let Some(name) = row.get::<_, Option<String>>(u)? else {
        return Ok((snapshot, Some((access, None))));
    };
    let text = |i: usize| -> rusqlite::Result<String> { row.get(i) };
    let user = User {
        user_key,
        name,
        calling_code: text(u + 1)?,
        phone: text(u + 2)?,
        birthday: text(u + 3)?,
        gender: text(u + 4)?
            .parse()
            .map_err(|e| inline::refused(u + 4, e))?,
        nationality: text(u + 5)?
            .parse()
            .map_err(|e| inline::refused(u + 5, e))?,
        email: row.get(u + 6)?,
        ci: text(u + 7)?,
        push_enabled: flag(row.get(u + 8)?),
        marketing_consent: flag(row.get(u + 9)?),
        points_balance: row.get(u + 10)?,
        withdrawn: flag(row.get(u + 11)?),
    };
    Ok((snapshot, Some((access, Some(user)))))
}

/// Revokes the access token if it is still unrevoked (the caller checked its lifetime with
/// [`check_live`](crate::domain::login::check_live)); the row count decides which concurrent caller wins.
pub async fn revoke_access_token(
    tx: &mut Tx,
    jti: &str,
    now: Instant,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE login_access_tokens SET revoked_at = $1 WHERE jti = $2 AND revoked_at IS NULL",
    )
    .bind(now.micros())
    .bind(jti)
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

// --- for the other areas' call sites (promotions, messenger, simulator pages, dashboard) ---

/// Whether the user exists (left Toss or not).
pub async fn exists<'e, E>(executor: E, user_key: i64) -> Result<bool, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let found: Option<i64> = sqlx::query_scalar("SELECT user_key FROM users WHERE user_key = $1")
        .bind(user_key)
        .fetch_optional(executor)
        .await?;
    Ok(found.is_some())
}

/// The user's Toss points balance; `None` when there is no such user.
pub async fn points_balance(db: &Db, user_key: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT points_balance FROM users WHERE user_key = $1")
        .bind(user_key)
        .fetch_optional(db.reader())
        .await
}

/// Credits settled Toss points to the user's balance, which stops at the largest i64
/// (`domain::promotions::credited`) instead of overflowing.
pub async fn credit_points(tx: &mut Tx, user_key: i64, amount: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET points_balance = CASE WHEN points_balance > $1 THEN $2 \
         ELSE points_balance + $3 END WHERE user_key = $4",
    )
    .bind(promotions::credit_threshold(amount))
    .bind(i64::MAX)
    .bind(amount)
    .bind(user_key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Users in creation order (the dashboard), at most `limit`.
pub async fn list(db: &Db, limit: i64) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u ORDER BY u.created_at, u.user_key LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db.reader())
    .await
}

/// Users who have not left Toss, in creation order (the login sheet's choice), at most `limit`.
pub async fn active(db: &Db, limit: i64) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.withdrawn = 0 ORDER BY u.created_at, u.user_key LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db.reader())
    .await
}

/// Every app the user is known to, in app order.
pub async fn links_of_user(db: &Db, user_key: i64) -> Result<Vec<Link>, sqlx::Error> {
    sqlx::query_as("SELECT app_id, linked, sub FROM app_users WHERE user_key = $1 ORDER BY app_id")
        .bind(user_key)
        .fetch_all(db.reader())
        .await
}

/// A login consent as the dashboard shows it: the app, the scopes agreed, and whether it still holds.
pub struct Consent {
    pub app_id: String,
    pub scopes: String,
    pub issued_at: Instant,
    pub revoked: bool,
}

/// The user's newest login grants, newest first.
pub async fn consents_of_user(
    db: &Db,
    user_key: i64,
    limit: i64,
) -> Result<Vec<Consent>, sqlx::Error> {
    sqlx::query(
        "SELECT app_id, scopes, issued_at, revoked_at FROM login_grants WHERE user_key = $1 \
         ORDER BY id DESC LIMIT $2",
    )
    .bind(user_key)
    .bind(limit)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(Consent {
            app_id: row.try_get(0)?,
            scopes: row.try_get(1)?,
            issued_at: Instant(row.try_get(2)?),
            revoked: row.try_get::<Option<i64>, _>(3)?.is_some(),
        })
    })
    .collect()
}
