//! Owner of the Toss points promotion tables: promotions, grant keys and grants.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::promotions::{
    self, Debit, GrantStatus, KeyState, PromotionLimits, PromotionState,
};
use crate::domain::time::Instant;
use crate::store::{self, try_get_parsed, Db, Tx};

/// A promotion of an app.
#[derive(Debug, Clone)]
pub struct Promotion {
    pub id: i64,
    pub promotion_code: String,
    pub budget: i64,
    pub remaining_budget: i64,
    /// `None`: no per-grant limit.
    pub max_amount_per_grant: Option<i64>,
    pub state: PromotionState,
    pub settle_delay_seconds: i64,
}

impl Promotion {
    /// What a grant is checked against.
    pub fn limits(&self) -> PromotionLimits {
        PromotionLimits {
            state: self.state,
            budget: self.budget,
            remaining_budget: self.remaining_budget,
            max_amount_per_grant: self.max_amount_per_grant,
        }
    }

    fn decode(row: &AnyRow) -> Result<Promotion, sqlx::Error> {
        Ok(Promotion {
            id: row.try_get("id")?,
            promotion_code: row.try_get("promotion_code")?,
            budget: row.try_get("budget")?,
            remaining_budget: row.try_get("budget_remaining")?,
            max_amount_per_grant: row.try_get("max_amount_per_grant")?,
            state: try_get_parsed(row, "state")?,
            settle_delay_seconds: row.try_get("settle_delay_seconds")?,
        })
    }
}

const PROMOTION_COLUMNS: &str =
    "id, promotion_code, budget, budget_remaining, max_amount_per_grant, \
     state, settle_delay_seconds";

pub async fn find(db: &Db, app_id: &str, code: &str) -> Result<Option<Promotion>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {PROMOTION_COLUMNS} FROM promotions WHERE app_id = $1 AND promotion_code = $2"
    ))
    .bind(app_id)
    .bind(code)
    .fetch_optional(db.reader())
    .await?
    .as_ref()
    .map(Promotion::decode)
    .transpose()
}

/// The promotion, locked for this transaction.
pub async fn lock(
    db: &Db,
    tx: &mut Tx,
    app_id: &str,
    code: &str,
) -> Result<Option<Promotion>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {PROMOTION_COLUMNS} FROM promotions WHERE app_id = $1 AND promotion_code = $2{}",
        db.for_update()
    ))
    .bind(app_id)
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(Promotion::decode)
    .transpose()
}

/// A promotion as the operator (or the seed) defines it, with its whole budget remaining.
pub struct NewPromotion<'a> {
    pub promotion_code: &'a str,
    pub budget: i64,
    pub max_amount_per_grant: Option<i64>,
    pub state: PromotionState,
    pub settle_delay_seconds: i64,
}

/// Creates the promotion, or replaces the definition of the app's promotion with this code.
pub async fn put<'e, E>(
    executor: E,
    app_id: &str,
    promotion: &NewPromotion<'_>,
    now: Instant,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO promotions (app_id, promotion_code, budget, budget_remaining, max_amount_per_grant, state, \
         settle_delay_seconds, created_at) VALUES ($1, $2, $3, $3, $4, $5, $6, $7) \
         ON CONFLICT (app_id, promotion_code) DO UPDATE SET budget = excluded.budget, \
         budget_remaining = excluded.budget_remaining, max_amount_per_grant = excluded.max_amount_per_grant, \
         state = excluded.state, settle_delay_seconds = excluded.settle_delay_seconds",
    )
    .bind(app_id)
    .bind(promotion.promotion_code)
    .bind(promotion.budget)
    .bind(promotion.max_amount_per_grant)
    .bind(promotion.state.as_str())
    .bind(promotion.settle_delay_seconds)
    .bind(now.micros())
    .execute(executor)
    .await?;
    Ok(())
}

/// Uses up one injected execute failure of the simulator, if any is left.
pub async fn take_injected_failure(tx: &mut Tx, promotion_id: i64) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query(
        "UPDATE promotions SET fail_next_executions = fail_next_executions - 1 \
         WHERE id = $1 AND fail_next_executions > 0",
    )
    .bind(promotion_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Writes a grant's [`Debit`] if the promotion is still as `before` saw it; the row count decides, so
/// a budget is debited once per grant even past a stale read.
pub async fn debit(
    tx: &mut Tx,
    promotion_id: i64,
    before: &PromotionLimits,
    after: Debit,
) -> Result<bool, sqlx::Error> {
    let debited = sqlx::query(
        "UPDATE promotions SET budget_remaining = $1, state = $2 \
         WHERE id = $3 AND state = $4 AND budget_remaining = $5",
    )
    .bind(after.remaining_budget)
    .bind(after.state.as_str())
    .bind(promotion_id)
    .bind(before.state.as_str())
    .bind(before.remaining_budget)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(debited == 1)
}

/// The operator's changes to a locked promotion: budget added (to the budget and what remains), the new
/// state and, if given, how many coming executes fail.
pub async fn steer(
    tx: &mut Tx,
    promotion_id: i64,
    budget_increase: i64,
    state: PromotionState,
    fail_next_executions: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE promotions SET budget = budget + $1, budget_remaining = budget_remaining + $1, state = $2, \
         fail_next_executions = COALESCE($3, fail_next_executions) WHERE id = $4",
    )
    .bind(budget_increase)
    .bind(state.as_str())
    .bind(fail_next_executions)
    .bind(promotion_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives a failed grant's amount back to what remains of the promotion's budget.
pub async fn return_to_budget(
    tx: &mut Tx,
    app_id: &str,
    code: &str,
    amount: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE promotions SET budget_remaining = budget_remaining + $1 WHERE app_id = $2 AND promotion_code = $3",
    )
    .bind(amount)
    .bind(app_id)
    .bind(code)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored promotion key (the key itself is kept only as its hash).
pub struct Key {
    pub key_hash: String,
    pub app_id: String,
    pub user_key: i64,
    pub state: KeyState,
    pub issued_at: Instant,
}

pub async fn insert_key(
    db: &Db,
    key_hash: &str,
    app_id: &str,
    user_key: i64,
    now: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO promotion_keys (key_hash, app_id, user_key, state, issued_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(key_hash)
    .bind(app_id)
    .bind(user_key)
    .bind(KeyState::Issued.as_str())
    .bind(now.micros())
    .execute(db.writer())
    .await?;
    Ok(())
}

/// The key with this hash, locked for this transaction.
pub async fn lock_key(db: &Db, tx: &mut Tx, key_hash: &str) -> Result<Option<Key>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT key_hash, app_id, user_key, state, issued_at FROM promotion_keys WHERE key_hash = $1{}",
        db.for_update()
    ))
    .bind(key_hash)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| {
        Ok(Key {
            key_hash: row.try_get("key_hash")?,
            app_id: row.try_get("app_id")?,
            user_key: row.try_get("user_key")?,
            state: try_get_parsed(&row, "state")?,
            issued_at: Instant(row.try_get("issued_at")?),
        })
    })
    .transpose()
}

/// Marks an issued key executed; of concurrent spends exactly one sees `true`.
pub async fn spend_key(tx: &mut Tx, key_hash: &str) -> Result<bool, sqlx::Error> {
    let spent =
        sqlx::query("UPDATE promotion_keys SET state = $1 WHERE key_hash = $2 AND state = $3")
            .bind(KeyState::Executed.as_str())
            .bind(key_hash)
            .bind(KeyState::Issued.as_str())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(spent == 1)
}

/// A grant: one executed key's points, pending until it settles.
#[derive(Debug, Clone)]
pub struct Grant {
    pub id: i64,
    pub app_id: String,
    pub user_key: i64,
    pub promotion_code: String,
    pub amount: i64,
    pub status: GrantStatus,
    pub settle_at: Instant,
    pub settled_at: Option<Instant>,
    pub executed_at: Instant,
}

impl Grant {
    fn decode(row: &AnyRow) -> Result<Grant, sqlx::Error> {
        Ok(Grant {
            id: row.try_get("id")?,
            app_id: row.try_get("app_id")?,
            user_key: row.try_get("user_key")?,
            promotion_code: row.try_get("promotion_code")?,
            amount: row.try_get("amount")?,
            status: try_get_parsed(row, "status")?,
            settle_at: Instant(row.try_get("settle_at")?),
            settled_at: row.try_get::<Option<i64>, _>("settled_at")?.map(Instant),
            executed_at: Instant(row.try_get("created_at")?),
        })
    }
}

const GRANT_COLUMNS: &str =
    "id, app_id, user_key, promotion_code, amount, status, settle_at, settled_at, created_at";

/// A grant as executed: pending until `settle_at`.
pub struct NewGrant<'a> {
    pub key_hash: &'a str,
    pub app_id: &'a str,
    pub user_key: i64,
    pub promotion_code: &'a str,
    pub amount: i64,
    pub settle_at: Instant,
}

/// Records a pending grant; returns its id.
pub async fn insert_grant(
    tx: &mut Tx,
    grant: &NewGrant<'_>,
    now: Instant,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO promotion_grants (key_hash, app_id, user_key, promotion_code, amount, status, settle_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(grant.key_hash)
    .bind(grant.app_id)
    .bind(grant.user_key)
    .bind(grant.promotion_code)
    .bind(grant.amount)
    .bind(GrantStatus::Pending.as_str())
    .bind(grant.settle_at.micros())
    .bind(now.micros())
    .fetch_one(&mut **tx)
    .await
}

/// The grant of a key, executed by `user_key` of `app_id`.
pub async fn find_grant(
    db: &Db,
    key_hash: &str,
    app_id: &str,
    user_key: i64,
) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS} FROM promotion_grants WHERE key_hash = $1 AND app_id = $2 AND user_key = $3"
    ))
    .bind(key_hash)
    .bind(app_id)
    .bind(user_key)
    .fetch_optional(db.reader())
    .await?
    .as_ref()
    .map(Grant::decode)
    .transpose()
}

/// The grant of a key under one promotion of `app_id`, locked for this transaction.
pub async fn lock_grant(
    db: &Db,
    tx: &mut Tx,
    key_hash: &str,
    app_id: &str,
    promotion_code: &str,
) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS} FROM promotion_grants \
         WHERE key_hash = $1 AND app_id = $2 AND promotion_code = $3{}",
        db.for_update()
    ))
    .bind(key_hash)
    .bind(app_id)
    .bind(promotion_code)
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(Grant::decode)
    .transpose()
}

/// Fails a pending grant; the row count decides against a concurrent settlement.
pub async fn fail_grant(tx: &mut Tx, grant_id: i64) -> Result<bool, sqlx::Error> {
    let failed =
        sqlx::query("UPDATE promotion_grants SET status = $1 WHERE id = $2 AND status = $3")
            .bind(GrantStatus::Failed.as_str())
            .bind(grant_id)
            .bind(GrantStatus::Pending.as_str())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(failed == 1)
}

/// Every grant of a user, newest first.
pub async fn grants_of_user(db: &Db, user_key: i64) -> Result<Vec<Grant>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS} FROM promotion_grants WHERE user_key = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user_key)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(Grant::decode)
    .collect()
}

/// Credits a pending grant exactly once: the `PENDING → SUCCESS` update decides, the credit follows it in
/// the same transaction.
pub async fn settle(
    tx: &mut Tx,
    grant_id: i64,
    user_key: i64,
    amount: i64,
    now: Instant,
) -> Result<(), sqlx::Error> {
    let settled = sqlx::query(
        "UPDATE promotion_grants SET status = $1, settled_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(GrantStatus::Success.as_str())
    .bind(now.micros())
    .bind(grant_id)
    .bind(GrantStatus::Pending.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if settled == 1 {
        store::users::credit_points(tx, user_key, amount).await?;
    }
    Ok(())
}

/// Settles every grant that is due at `now`, as clock advances and the sweeper do.
pub async fn settle_due(db: &Db, now: Instant) -> Result<(), sqlx::Error> {
    settle_due_of(db, None, now).await
}

/// Settles the grants of one user that are due at `now`, before the user's balance is shown.
pub async fn settle_due_for(db: &Db, user_key: i64, now: Instant) -> Result<(), sqlx::Error> {
    settle_due_of(db, Some(user_key), now).await
}

/// Grants are taken in id order so concurrent settlements lock rows in the same order.
async fn settle_due_of(db: &Db, user_key: Option<i64>, now: Instant) -> Result<(), sqlx::Error> {
    let pending = sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS} FROM promotion_grants \
         WHERE status = $1 AND settle_at <= $2 AND ($3 = 0 OR user_key = $3) ORDER BY id"
    ))
    .bind(GrantStatus::Pending.as_str())
    .bind(now.micros())
    .bind(user_key.unwrap_or(0))
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(Grant::decode)
    .collect::<Result<Vec<_>, _>>()?;
    let due: Vec<&Grant> = pending
        .iter()
        .filter(|g| promotions::settlement_due(g.status, g.settle_at, now))
        .collect();
    if due.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for grant in due {
        settle(&mut tx, grant.id, grant.user_key, grant.amount, now).await?;
    }
    tx.commit().await
}

/// A promotion as the dashboard lists it.
pub struct PromotionSummary {
    pub app_id: String,
    pub promotion_code: String,
    pub state: String,
    pub budget_remaining: i64,
    pub budget: i64,
}

/// Every promotion, in creation order.
pub async fn list(db: &Db) -> Result<Vec<PromotionSummary>, sqlx::Error> {
    sqlx::query(
        "SELECT app_id, promotion_code, state, budget_remaining, budget FROM promotions ORDER BY id",
    )
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(PromotionSummary {
            app_id: row.try_get(0)?,
            promotion_code: row.try_get(1)?,
            state: row.try_get(2)?,
            budget_remaining: row.try_get(3)?,
            budget: row.try_get(4)?,
        })
    })
    .collect()
}
