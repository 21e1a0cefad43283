//! Owner of the BrandPay customer tables: customers, terms agreements, authorization codes, access and
//! refresh tokens, payment methods (cards, accounts) and BrandPay promotions. Status changes are
//! conditional updates whose row count decides which of concurrent requests made them.

pub mod catalogue;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::brandpay::{
    self, AccountDetails, CardDetails, CodeStatus, Customer, CustomerEvent, CustomerIdentity,
    CustomerStatus, Method, MethodDetails, MethodStatus, MethodType, NewMethod, NewPromotion,
    Promotion, Scope, Terms,
};
use crate::domain::checkout::Discount;
use crate::domain::time::Instant;
use crate::store::{flag, try_get_parsed, Db, Tx};

/// Writes the terms catalogue and the default merchant's test-mode promotions.
pub async fn seed_catalogue(
    tx: &mut Tx,
    merchant_id: i64,
    now: Instant,
) -> Result<(), sqlx::Error> {
    for terms in catalogue::TERMS {
        sqlx::query(
            "INSERT INTO bp_terms (id, scope, title, version, url, required) VALUES ($1, $2, $3, $4, $5, 1)",
        )
        .bind(terms.id)
        .bind(terms.scope.as_str())
        .bind(terms.title)
        .bind(catalogue::SEED_TERMS_VERSION)
        .bind(terms.url)
        .execute(&mut **tx)
        .await?;
    }
    for promotion in catalogue::PROMOTIONS {
        insert_promotion(tx, merchant_id, "test", promotion, now).await?;
    }
    Ok(())
}

const TERMS_COLUMNS: &str = "id, scope, title, version, url, required";

fn terms_from_row(row: &AnyRow) -> Result<Terms, sqlx::Error> {
    Ok(Terms {
        id: row.try_get(0)?,
        scope: try_get_parsed(row, 1)?,
        title: row.try_get(2)?,
        version: row.try_get(3)?,
        url: row.try_get(4)?,
        required: flag(row.try_get(5)?),
    })
}

/// The catalogue entries of `scopes`, in id order.
pub async fn terms_of(
    conn: &mut AnyConnection,
    scopes: &[Scope],
) -> Result<Vec<Terms>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT {TERMS_COLUMNS} FROM bp_terms ORDER BY id"))
        .fetch_all(conn)
        .await?;
    let mut terms = Vec::new();
    for row in &rows {
        let entry = terms_from_row(row)?;
        if scopes.contains(&entry.scope) {
            terms.push(entry);
        }
    }
    Ok(terms)
}

/// One catalogue entry.
pub async fn terms_by_id(db: &Db, id: i64) -> Result<Option<Terms>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {TERMS_COLUMNS} FROM bp_terms WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(terms_from_row).transpose()
}

const CUSTOMER_COLUMNS: &str = "id, status, identified";

fn customer_from_row(row: &AnyRow) -> Result<Customer, sqlx::Error> {
    Ok(Customer {
        id: row.try_get(0)?,
        status: try_get_parsed(row, 1)?,
        identified: flag(row.try_get(2)?),
    })
}

/// The current (not `REMOVED`) record of a customerKey, with `lock` (empty or [`Db::for_update`]) appended.
/// The status is written out so PostgreSQL can use the partial index `bp_customers_current`.
async fn find_current_customer(
    conn: &mut AnyConnection,
    lock: &str,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
) -> Result<Option<Customer>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {CUSTOMER_COLUMNS} FROM bp_customers \
         WHERE merchant_id = $1 AND mode = $2 AND customer_key = $3 AND status <> '{}'{lock}",
        CustomerStatus::Removed.as_str()
    ))
    .bind(merchant_id)
    .bind(mode)
    .bind(customer_key)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(customer_from_row).transpose()
}

/// The current (not `REMOVED`) record of a customer.
pub async fn current_customer(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
) -> Result<Option<Customer>, sqlx::Error> {
    find_current_customer(conn, "", merchant_id, mode, customer_key).await
}

/// The current record of a customer, locked for the transaction: every BrandPay change of a customer
/// locks it first, so concurrent changes of one customer queue in one order.
pub async fn lock_current_customer(
    tx: &mut Tx,
    db: &Db,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
) -> Result<Option<Customer>, sqlx::Error> {
    find_current_customer(tx, db.for_update(), merchant_id, mode, customer_key).await
}

/// The customer's current record, created `AGREED` when there is none, locked for the transaction. A
/// concurrent sign-up of the same key makes the insert a no-op (the `bp_customers_current` index) and
/// this returns the other's record.
pub async fn sign_up(
    tx: &mut Tx,
    db: &Db,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
    now: Instant,
) -> Result<Customer, sqlx::Error> {
    sqlx::query(
        "INSERT INTO bp_customers (merchant_id, mode, customer_key, status, created_at, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (merchant_id, mode, customer_key) WHERE status <> 'REMOVED' DO NOTHING",
    )
    .bind(merchant_id)
    .bind(mode)
    .bind(customer_key)
    .bind(CustomerStatus::Agreed.as_str())
    .bind(now.micros())
    .execute(&mut **tx)
    .await?;
    lock_current_customer(tx, db, merchant_id, mode, customer_key)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// The latest record of a customerKey: the current one if there is one (a new sign-up always gets a
/// higher id than the withdrawn records before it), else the last withdrawn one.
pub async fn latest_customer(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
) -> Result<Option<Customer>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {CUSTOMER_COLUMNS} FROM bp_customers \
         WHERE merchant_id = $1 AND mode = $2 AND customer_key = $3 ORDER BY id DESC LIMIT 1"
    ))
    .bind(merchant_id)
    .bind(mode)
    .bind(customer_key)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(customer_from_row).transpose()
}

/// A customer record by id.
pub async fn customer_by_id(
    conn: &mut AnyConnection,
    customer_id: i64,
) -> Result<Option<Customer>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {CUSTOMER_COLUMNS} FROM bp_customers WHERE id = $1"
    ))
    .bind(customer_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(customer_from_row).transpose()
}

/// Locks a customer record for the transaction if it is still `ACTIVE`; `false` when it is not.
pub async fn lock_active_customer(
    tx: &mut Tx,
    db: &Db,
    customer_id: i64,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT id FROM bp_customers WHERE id = $1 AND status = $2{}",
        db.for_update()
    ))
    .bind(customer_id)
    .bind(CustomerStatus::Active.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.is_some())
}

/// Applies `event` to the customer if the record is in the one status the event applies from. Returns
/// whether this call changed it (of concurrent calls, exactly one does).
pub async fn apply_customer_event(
    tx: &mut Tx,
    customer_id: i64,
    event: CustomerEvent,
    now: Instant,
) -> Result<bool, sqlx::Error> {
    let (from, to) = event.transition();
    let changed = sqlx::query(
        "UPDATE bp_customers SET status = $1, changed_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(now.micros())
    .bind(customer_id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Withdraws an `ACTIVE` customer: the record becomes `REMOVED`, every method is disabled, every token
/// and code revoked and the agreements cleared. Returns whether this call withdrew it.
pub async fn withdraw(tx: &mut Tx, customer_id: i64, now: Instant) -> Result<bool, sqlx::Error> {
    if !apply_customer_event(tx, customer_id, CustomerEvent::Removed, now).await? {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE bp_methods SET status = $1, disabled_at = $2 WHERE customer_id = $3 AND status = $4",
    )
    .bind(MethodStatus::Disabled.as_str())
    .bind(now.micros())
    .bind(customer_id)
    .bind(MethodStatus::Enabled.as_str())
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE bp_tokens SET revoked = 1 WHERE customer_id = $1 AND revoked = 0")
        .bind(customer_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE bp_codes SET status = $1 WHERE customer_id = $2 AND status = $3")
        .bind(CodeStatus::Revoked.as_str())
        .bind(customer_id)
        .bind(CodeStatus::Issued.as_str())
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM bp_agreements WHERE customer_id = $1")
        .bind(customer_id)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// The customer verified their identity in the BrandPay window.
pub async fn mark_identified(tx: &mut Tx, customer_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE bp_customers SET identified = 1 WHERE id = $1")
        .bind(customer_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records the given `customerIdentity` fields (absent ones keep their value); a complete identity makes
/// the customer identified.
pub async fn store_identity(
    tx: &mut Tx,
    customer_id: i64,
    identity: &CustomerIdentity,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE bp_customers SET identity_ci = COALESCE($1, identity_ci), \
         identity_phone = COALESCE($2, identity_phone), identity_name = COALESCE($3, identity_name), \
         identity_rrn = COALESCE($4, identity_rrn), identified = CASE WHEN $5 = 1 THEN 1 ELSE identified END \
         WHERE id = $6",
    )
    .bind(&identity.ci)
    .bind(&identity.mobile_phone)
    .bind(&identity.name)
    .bind(&identity.rrn)
    .bind(i64::from(identity.is_complete()))
    .bind(customer_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The ids of the terms the customer agreed to.
pub async fn agreed_terms(
    conn: &mut AnyConnection,
    customer_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query("SELECT terms_id FROM bp_agreements WHERE customer_id = $1")
        .bind(customer_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect()
}

/// Records agreement to `terms_ids` at their current versions (set-like: agreeing twice is harmless).
pub async fn record_agreements(
    tx: &mut Tx,
    customer_id: i64,
    terms_ids: &[i64],
    now: Instant,
) -> Result<(), sqlx::Error> {
    for id in terms_ids {
        sqlx::query(
            "INSERT INTO bp_agreements (customer_id, terms_id, version, agreed_at) \
             SELECT $1, id, version, $2 FROM bp_terms WHERE id = $3 \
             ON CONFLICT (customer_id, terms_id) DO NOTHING",
        )
        .bind(customer_id)
        .bind(now.micros())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Stores a new authorization code (hashed) for the customer.
pub async fn issue_code(
    tx: &mut Tx,
    customer_id: i64,
    code_hash: &str,
    now: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bp_codes (code_hash, customer_id, status, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(code_hash)
    .bind(customer_id)
    .bind(CodeStatus::Issued.as_str())
    .bind(now.micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Uses the customer's code if it is issued and unexpired. Of concurrent exchanges of one code exactly
/// one gets `true`.
pub async fn consume_code(
    tx: &mut Tx,
    customer_id: i64,
    code_hash: &str,
    now: Instant,
) -> Result<bool, sqlx::Error> {
    let used = sqlx::query(
        "UPDATE bp_codes SET status = $1 \
         WHERE code_hash = $2 AND customer_id = $3 AND status = $4 AND created_at > $5",
    )
    .bind(CodeStatus::Used.as_str())
    .bind(code_hash)
    .bind(customer_id)
    .bind(CodeStatus::Issued.as_str())
    .bind(brandpay::codes_valid_since(now).micros())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(used == 1)
}

/// A customer's live (unrevoked) token pair, its tokens sealed with the instance key.
#[derive(Debug, Clone)]
pub struct LivePair {
    pub id: i64,
    pub access_sealed: String,
    pub refresh_sealed: String,
    pub refresh_expires_at: Instant,
}

/// A token pair to store: hashes for lookup, sealed copies to hand out again.
#[derive(Debug, Clone)]
pub struct NewPair {
    pub access_hash: String,
    pub access_sealed: String,
    pub access_expires_at: Instant,
    pub refresh_hash: String,
    pub refresh_sealed: String,
    pub refresh_expires_at: Instant,
}

/// The customer's live pair (at most one: the `bp_tokens_live` index).
pub async fn live_pair(tx: &mut Tx, customer_id: i64) -> Result<Option<LivePair>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, access_sealed, refresh_sealed, refresh_expires_at FROM bp_tokens \
         WHERE customer_id = $1 AND revoked = 0",
    )
    .bind(customer_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| {
        Ok(LivePair {
            id: row.try_get(0)?,
            access_sealed: row.try_get(1)?,
            refresh_sealed: row.try_get(2)?,
            refresh_expires_at: Instant(row.try_get(3)?),
        })
    })
    .transpose()
}

/// Stores a new pair for the customer (the caller has revoked any previous one).
pub async fn insert_pair(
    tx: &mut Tx,
    customer_id: i64,
    pair: &NewPair,
    now: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bp_tokens (customer_id, access_hash, access_sealed, access_expires_at, refresh_hash, \
         refresh_sealed, refresh_expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(customer_id)
    .bind(&pair.access_hash)
    .bind(&pair.access_sealed)
    .bind(pair.access_expires_at.micros())
    .bind(&pair.refresh_hash)
    .bind(&pair.refresh_sealed)
    .bind(pair.refresh_expires_at.micros())
    .bind(now.micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves a pair's access-token expiry.
pub async fn extend_access(
    tx: &mut Tx,
    pair_id: i64,
    expires_at: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE bp_tokens SET access_expires_at = $1 WHERE id = $2")
        .bind(expires_at.micros())
        .bind(pair_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces a pair's refresh token.
pub async fn replace_refresh(
    tx: &mut Tx,
    pair_id: i64,
    refresh_hash: &str,
    refresh_sealed: &str,
    expires_at: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE bp_tokens SET refresh_hash = $1, refresh_sealed = $2, refresh_expires_at = $3 WHERE id = $4",
    )
    .bind(refresh_hash)
    .bind(refresh_sealed)
    .bind(expires_at.micros())
    .bind(pair_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Revokes the customer's pair whose refresh token this is, if it is current. Of concurrent refreshes
/// with one token exactly one gets `true`.
pub async fn revoke_by_refresh(
    tx: &mut Tx,
    customer_id: i64,
    refresh_hash: &str,
    now: Instant,
) -> Result<bool, sqlx::Error> {
    let revoked = sqlx::query(
        "UPDATE bp_tokens SET revoked = 1 \
         WHERE refresh_hash = $1 AND customer_id = $2 AND revoked = 0 AND refresh_expires_at > $3",
    )
    .bind(refresh_hash)
    .bind(customer_id)
    .bind(now.micros())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(revoked == 1)
}

const METHOD_COLUMNS: &str = "seq, id, method_key, customer_id, kind, status, alias, card_name, \
    card_number, issuer_code, acquirer_code, owner_type, card_type, installment_minimum_amount, bank_code, \
    account_name, account_number, registered_at, last_used_at";

fn method_from_row(row: &AnyRow) -> Result<Method, sqlx::Error> {
    let kind: MethodType = try_get_parsed(row, 4)?;
    let details = match kind {
        MethodType::Card => {
            let issuer_code: String = row.try_get(9)?;
            MethodDetails::Card(CardDetails {
                card_name: row.try_get(7)?,
                card_number: row.try_get(8)?,
                acquirer_code: row
                    .try_get::<Option<String>, _>(10)?
                    .unwrap_or_else(|| issuer_code.clone()),
                issuer_code,
                owner_type: try_get_parsed(row, 11)?,
                card_type: try_get_parsed(row, 12)?,
                installment_minimum_amount: row
                    .try_get::<Option<i64>, _>(13)?
                    .unwrap_or(brandpay::DEFAULT_INSTALLMENT_MINIMUM_AMOUNT),
            })
        }
        MethodType::Account => MethodDetails::Account(AccountDetails {
            bank_code: row.try_get(14)?,
            account_name: row.try_get(15)?,
            account_number: row.try_get(16)?,
        }),
    };
    Ok(Method {
        seq: row.try_get(0)?,
        id: row.try_get(1)?,
        method_key: row.try_get(2)?,
        customer_id: row.try_get(3)?,
        status: try_get_parsed(row, 5)?,
        alias: row.try_get(6)?,
        details,
        registered_at: Instant(row.try_get(17)?),
        last_used_at: row.try_get::<Option<i64>, _>(18)?.map(Instant),
    })
}

/// The customer's enabled methods, oldest first.
pub async fn enabled_methods(
    conn: &mut AnyConnection,
    customer_id: i64,
) -> Result<Vec<Method>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {METHOD_COLUMNS} FROM bp_methods WHERE customer_id = $1 AND status = $2 ORDER BY seq"
    ))
    .bind(customer_id)
    .bind(MethodStatus::Enabled.as_str())
    .fetch_all(conn)
    .await?
    .iter()
    .map(method_from_row)
    .collect()
}

/// A method of a merchant and mode whose `column` (`method_key` or `id`) is `value`.
async fn method_of_merchant(
    conn: &mut AnyConnection,
    column: &'static str,
    value: &str,
    merchant_id: i64,
    mode: &str,
) -> Result<Option<Method>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {METHOD_COLUMNS} FROM bp_methods WHERE {column} = $1 AND merchant_id = $2 AND mode = $3"
    ))
    .bind(value)
    .bind(merchant_id)
    .bind(mode)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(method_from_row).transpose()
}

/// A method of a merchant and mode by its `methodKey`.
pub async fn method_by_key(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    method_key: &str,
) -> Result<Option<Method>, sqlx::Error> {
    method_of_merchant(conn, "method_key", method_key, merchant_id, mode).await
}

/// A method of a merchant and mode by its `id` (`c_…` / `b_…`), as the BrandPay window shows it.
pub async fn method_by_id(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    id: &str,
) -> Result<Option<Method>, sqlx::Error> {
    method_of_merchant(conn, "id", id, merchant_id, mode).await
}

/// A method of any merchant by its `id` or `methodKey` (the simulator's decline setting).
pub async fn method_by_id_or_key(
    conn: &mut AnyConnection,
    id_or_key: &str,
) -> Result<Option<Method>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {METHOD_COLUMNS} FROM bp_methods WHERE id = $1 OR method_key = $1"
    ))
    .bind(id_or_key)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(method_from_row).transpose()
}

/// Stores a method `ENABLED` for the customer and returns it.
pub async fn insert_method(
    tx: &mut Tx,
    customer_id: i64,
    merchant_id: i64,
    mode: &str,
    method: &NewMethod,
    now: Instant,
) -> Result<Method, sqlx::Error> {
    let card = match &method.details {
        MethodDetails::Card(card) => Some(card),
        MethodDetails::Account(_) => None,
    };
    let account = match &method.details {
        MethodDetails::Card(_) => None,
        MethodDetails::Account(account) => Some(account),
    };
    let row = sqlx::query(&format!(
        "INSERT INTO bp_methods (id, method_key, customer_id, merchant_id, mode, kind, status, alias, card_name, \
         card_number, issuer_code, acquirer_code, owner_type, card_type, installment_minimum_amount, bank_code, \
         account_name, account_number, registered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         RETURNING {METHOD_COLUMNS}"
    ))
    .bind(&method.id)
    .bind(&method.method_key)
    .bind(customer_id)
    .bind(merchant_id)
    .bind(mode)
    .bind(method.details.kind().as_str())
    .bind(MethodStatus::Enabled.as_str())
    .bind(&method.alias)
    .bind(card.map(|c| c.card_name.as_str()))
    .bind(card.map(|c| c.card_number.as_str()))
    .bind(card.map(|c| c.issuer_code.as_str()))
    .bind(card.map(|c| c.acquirer_code.as_str()))
    .bind(card.map(|c| c.owner_type.as_str()))
    .bind(card.map(|c| c.card_type.as_str()))
    .bind(card.map(|c| c.installment_minimum_amount))
    .bind(account.map(|a| a.bank_code.as_str()))
    .bind(account.map(|a| a.account_name.as_str()))
    .bind(account.map(|a| a.account_number.as_str()))
    .bind(now.micros())
    .fetch_one(&mut **tx)
    .await?;
    method_from_row(&row)
}

/// Disables an enabled method. Of concurrent removals exactly one gets `true`.
pub async fn disable_method(tx: &mut Tx, seq: i64, now: Instant) -> Result<bool, sqlx::Error> {
    let disabled = sqlx::query(
        "UPDATE bp_methods SET status = $1, disabled_at = $2 WHERE seq = $3 AND status = $4",
    )
    .bind(MethodStatus::Disabled.as_str())
    .bind(now.micros())
    .bind(seq)
    .bind(MethodStatus::Enabled.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(disabled == 1)
}

/// Consumes one pending simulated decline of the method, if any (§5.2.4), returning its code. The
/// conditional update makes each decline count once under concurrency; the transaction's rollback gives
/// it back.
pub async fn take_decline(tx: &mut Tx, seq: i64) -> Result<Option<String>, sqlx::Error> {
    let code: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE bp_methods SET decline_remaining = decline_remaining - 1 \
         WHERE seq = $1 AND decline_remaining > 0 RETURNING decline_code",
    )
    .bind(seq)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(code.flatten())
}

/// Makes the method decline its next `count` approvals with `code` (0 clears).
pub async fn set_decline(db: &Db, seq: i64, code: &str, count: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE bp_methods SET decline_code = $1, decline_remaining = $2 WHERE seq = $3")
        .bind(code)
        .bind(count)
        .bind(seq)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// The method's last use, for `selectedMethodId` (§2.6.3).
pub async fn mark_used(tx: &mut Tx, seq: i64, now: Instant) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE bp_methods SET last_used_at = $1 WHERE seq = $2")
        .bind(now.micros())
        .bind(seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records a promotion; returns its id.
pub async fn insert_promotion(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    p: &NewPromotion<'_>,
    now: Instant,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO bp_promotions (merchant_id, mode, kind, company_code, discount_amount, balance, \
         discount_code, due_date, minimum_payment_amount, maximum_payment_amount, installment_free_months, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(merchant_id)
    .bind(mode)
    .bind(p.kind.as_str())
    .bind(p.company_code)
    .bind(p.discount_amount)
    .bind(p.balance)
    .bind(p.discount_code)
    .bind(p.due_date)
    .bind(p.minimum_payment_amount)
    .bind(p.maximum_payment_amount)
    .bind(p.installment_free_months)
    .bind(now.micros())
    .fetch_one(conn)
    .await
}

fn promotion_from_row(row: &AnyRow) -> Result<Promotion, sqlx::Error> {
    Ok(Promotion {
        id: row.try_get(0)?,
        kind: try_get_parsed(row, 1)?,
        company_code: row.try_get(2)?,
        discount_amount: row.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
        balance: row.try_get::<Option<i64>, _>(4)?.unwrap_or(0),
        discount_code: row.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
        due_date: row.try_get(6)?,
        minimum_payment_amount: row.try_get(7)?,
        maximum_payment_amount: row.try_get::<Option<i64>, _>(8)?.unwrap_or(0),
        installment_free_months: row
            .try_get::<Option<String>, _>(9)?
            .and_then(|m| brandpay::parse_months(&m))
            .unwrap_or_default(),
    })
}

/// The merchant's promotions (one mode) whose `dueDate` has not passed at `now`, oldest first.
pub async fn active_promotions(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    now: Instant,
) -> Result<Vec<Promotion>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, kind, company_code, discount_amount, balance, discount_code, due_date, \
         minimum_payment_amount, maximum_payment_amount, installment_free_months FROM bp_promotions \
         WHERE merchant_id = $1 AND mode = $2 ORDER BY id",
    )
    .bind(merchant_id)
    .bind(mode)
    .fetch_all(conn)
    .await?;
    let mut active = Vec::new();
    for row in &rows {
        let promotion = promotion_from_row(row)?;
        if brandpay::promotion_active(&promotion.due_date, now) {
            active.push(promotion);
        }
    }
    Ok(active)
}

/// Debits a discount from its promotion's budget while the budget still covers it
/// (`domain::checkout::debit`): of concurrent payments sharing a budget, only those it covers get `true`,
/// and the balance never goes below zero.
pub async fn debit_discount(tx: &mut Tx, discount: &Discount) -> Result<bool, sqlx::Error> {
    let debited = sqlx::query(
        "UPDATE bp_promotions SET balance = balance - $1 WHERE id = $2 AND balance >= $1 AND $1 > 0",
    )
    .bind(discount.amount)
    .bind(discount.promotion_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(debited == 1)
}

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
    db: &Db,
    access_token: &str,
    now: Instant,
) -> Result<Option<TokenHolder>, sqlx::Error> {
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
    Ok(Some(TokenHolder {
        customer_id: row.try_get(0)?,
        merchant_id: row.try_get(1)?,
        mode: try_get_parsed(&row, 2)?,
        customer_key: row.try_get(3)?,
    }))
}

/// The enabled methods of the default merchant's test customer `customer_key`, in registration order (the
/// simulated BrandPay window offers them).
pub async fn window_methods(db: &Db, customer_key: &str) -> Result<Vec<Method>, sqlx::Error> {
    let columns = METHOD_COLUMNS
        .split(", ")
        .map(|c| format!("m.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(&format!(
        "SELECT {columns} FROM bp_methods m JOIN bp_customers c ON c.id = m.customer_id \
         JOIN merchants mc ON mc.id = m.merchant_id \
         WHERE c.customer_key = $1 AND mc.is_default = 1 AND m.mode = 'test' AND m.status = $2 \
         ORDER BY m.seq"
    ))
    .bind(customer_key)
    .bind(MethodStatus::Enabled.as_str())
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(method_from_row)
    .collect()
}

/// A BrandPay customer record as the dashboard lists it.
pub struct CustomerSummary {
    pub created_at: Instant,
    pub customer_key: String,
    pub mode: String,
    pub status: String,
    pub identified: bool,
}

/// The newest customer records, newest first.
pub async fn recent_customers(db: &Db, limit: i64) -> Result<Vec<CustomerSummary>, sqlx::Error> {
    crate::store::listing(db, "SELECT created_at, customer_key, mode, status, identified FROM bp_customers ORDER BY id DESC LIMIT $1", limit, |row| {
    Ok(CustomerSummary {
        created_at: Instant(row.try_get(0)?),
        customer_key: row.try_get(1)?,
        mode: row.try_get(2)?,
        status: row.try_get(3)?,
        identified: crate::store::flag(row.try_get(4)?),
    })
    })
    .await
}

/// A record of a customerKey with its merchant, as the dashboard's customer page shows it.
pub struct CustomerRecord {
    pub id: i64,
    pub mid: String,
    pub summary: CustomerSummary,
}

/// Every record of a customerKey (any merchant and mode; withdrawn ones too), newest first.
pub async fn customer_records(
    db: &Db,
    customer_key: &str,
) -> Result<Vec<CustomerRecord>, sqlx::Error> {
    sqlx::query(
        "SELECT c.id, m.mid, c.created_at, c.customer_key, c.mode, c.status, c.identified \
         FROM bp_customers c JOIN merchants m ON m.id = c.merchant_id \
         WHERE c.customer_key = $1 ORDER BY c.id DESC",
    )
    .bind(customer_key)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(CustomerRecord {
            id: row.try_get(0)?,
            mid: row.try_get(1)?,
            summary: CustomerSummary {
                created_at: Instant(row.try_get(2)?),
                customer_key: row.try_get(3)?,
                mode: row.try_get(4)?,
                status: row.try_get(5)?,
                identified: flag(row.try_get(6)?),
            },
        })
    })
    .collect()
}

/// Every method a customer record registered, whatever its status, oldest first.
pub async fn methods_of(db: &Db, customer_id: i64) -> Result<Vec<Method>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {METHOD_COLUMNS} FROM bp_methods WHERE customer_id = $1 ORDER BY seq"
    ))
    .bind(customer_id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(method_from_row)
    .collect()
}
