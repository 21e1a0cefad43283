//! Owner of `ait_pay_settings`, `ait_payments` and `ait_pay_transactions`: Toss Pay payments, their
//! transactions and the per-app Toss Pay settings. Every state change is a conditional update whose row
//! count decides, so it happens once however many callers race.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::pay::{
    self, MerchantKey, PayMethod, PayMode, PaySettings, PayStatus, Payment, RefundSplit, TaxSplit,
    TradeOption, TransactionKind,
};
use crate::domain::time::Instant;
use crate::store::{flag, try_get_parsed, try_get_parsed_optional, unique_violation, Db, Tx};

// ---------------------------------------------------------------------------------------------------
// Settings

/// An app's Toss Pay settings; an app without a row has none.
pub async fn settings<'e, E>(executor: E, app_id: &str) -> Result<PaySettings, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT merchant_key, maintenance_from, maintenance_until FROM ait_pay_settings WHERE app_id = $1",
    )
    .bind(app_id)
    .fetch_optional(executor)
    .await?;
    let Some(row) = row else {
        return Ok(PaySettings {
            merchant_key: None,
            maintenance: None,
        });
    };
    let from: Option<i64> = row.try_get("maintenance_from")?;
    let until: Option<i64> = row.try_get("maintenance_until")?;
    Ok(PaySettings {
        merchant_key: try_get_parsed_optional(&row, "merchant_key")?,
        maintenance: from.zip(until).map(|(f, u)| (Instant(f), Instant(u))),
    })
}

/// Replaces an app's Toss Pay settings.
pub async fn save_settings(
    db: &Db,
    app_id: &str,
    settings: &PaySettings,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ait_pay_settings (app_id, merchant_key, maintenance_from, maintenance_until) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (app_id) DO UPDATE SET merchant_key = $2, \
         maintenance_from = $3, maintenance_until = $4",
    )
    .bind(app_id)
    .bind(settings.merchant_key.map(MerchantKey::as_str))
    .bind(settings.maintenance.map(|(f, _)| f.micros()))
    .bind(settings.maintenance.map(|(_, u)| u.micros()))
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Gives a new app a private Toss Pay merchant key, so the whole pay flow works (the default app and apps
/// created later).
pub async fn set_private_merchant_key(tx: &mut Tx, app_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO ait_pay_settings (app_id, merchant_key) VALUES ($1, $2)")
        .bind(app_id)
        .bind(MerchantKey::Private.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Payments

const PAYMENT_COLUMNS: &str = "seq, pay_token, app_id, mode, user_key, order_no, status, amount, \
     amount_tax_free, amount_taxable, amount_vat, amount_service_fee, enable_pay_methods, cash_receipt, \
     installment, pay_method, card_company_code, card_method_type, card_user_type, card_bin, card_last4, \
     spread_out, no_interest, card_authorization_no, account_bank_code, account_number, discount_amount, \
     paid_point, paid_amount, refundable_amount, cash_receipt_mgt_key, pay_transaction_id, created_at, \
     expires_at, paid_at";

fn payment(row: &AnyRow) -> Result<Payment, sqlx::Error> {
    Ok(Payment {
        seq: row.try_get("seq")?,
        pay_token: row.try_get("pay_token")?,
        app_id: row.try_get("app_id")?,
        mode: try_get_parsed(row, "mode")?,
        user_key: row.try_get("user_key")?,
        order_no: row.try_get("order_no")?,
        status: try_get_parsed(row, "status")?,
        amount: row.try_get("amount")?,
        amount_tax_free: row.try_get("amount_tax_free")?,
        amount_taxable: row.try_get("amount_taxable")?,
        amount_vat: row.try_get("amount_vat")?,
        amount_service_fee: row.try_get("amount_service_fee")?,
        enable_pay_methods: try_get_parsed_optional(row, "enable_pay_methods")?,
        cash_receipt: flag(row.try_get("cash_receipt")?),
        installment: try_get_parsed(row, "installment")?,
        pay_method: try_get_parsed_optional(row, "pay_method")?,
        card_company_code: row.try_get("card_company_code")?,
        card_method_type: row.try_get("card_method_type")?,
        card_user_type: row.try_get("card_user_type")?,
        card_bin: row.try_get("card_bin")?,
        card_last4: row.try_get("card_last4")?,
        spread_out: row.try_get("spread_out")?,
        no_interest: row.try_get::<Option<i64>, _>("no_interest")?.map(flag),
        card_authorization_no: row.try_get("card_authorization_no")?,
        account_bank_code: row.try_get("account_bank_code")?,
        account_number: row.try_get("account_number")?,
        discount_amount: row.try_get("discount_amount")?,
        paid_point: row.try_get("paid_point")?,
        paid_amount: row.try_get("paid_amount")?,
        refundable_amount: row.try_get("refundable_amount")?,
        cash_receipt_mgt_key: row.try_get("cash_receipt_mgt_key")?,
        pay_transaction_id: row.try_get("pay_transaction_id")?,
        created_at: Instant(row.try_get("created_at")?),
        expires_at: Instant(row.try_get("expires_at")?),
        paid_at: row.try_get::<Option<i64>, _>("paid_at")?.map(Instant),
    })
}

/// A validated make-payment request.
pub struct NewPayment<'a> {
    pub pay_token: &'a str,
    pub app_id: &'a str,
    pub mode: PayMode,
    pub user_key: i64,
    pub order_no: &'a str,
    pub product_desc: &'a str,
    pub amount: i64,
    pub split: TaxSplit,
    pub enable_pay_methods: Option<PayMethod>,
    pub cash_receipt: bool,
    pub trade_option: TradeOption,
    pub installment: pay::Installment,
    pub created_at: Instant,
}

/// What making a payment came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    Made,
    /// The app already has a payment with this orderNo in this mode.
    OrderNoTaken,
}

/// Stores a new `PAY_STANDBY` payment that expires after [`pay::PAYMENT_LIFETIME_SECONDS`]. The unique
/// (app, mode, orderNo) constraint decides between concurrent makes.
pub async fn make_payment(db: &Db, p: &NewPayment<'_>) -> Result<Made, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO ait_payments (pay_token, app_id, mode, user_key, order_no, product_desc, status, amount, \
         amount_tax_free, amount_taxable, amount_vat, amount_service_fee, enable_pay_methods, cash_receipt, \
         cash_receipt_trade_option, installment, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(p.pay_token)
    .bind(p.app_id)
    .bind(p.mode.as_str())
    .bind(p.user_key)
    .bind(p.order_no)
    .bind(p.product_desc)
    .bind(PayStatus::PayStandby.as_str())
    .bind(p.amount)
    .bind(p.split.tax_free)
    .bind(p.split.taxable)
    .bind(p.split.vat)
    .bind(p.split.service_fee)
    .bind(p.enable_pay_methods.map(PayMethod::as_str))
    .bind(i64::from(p.cash_receipt))
    .bind(p.trade_option.as_str())
    .bind(p.installment.as_str())
    .bind(p.created_at.micros())
    .bind(
        p.created_at
            .plus_seconds(pay::PAYMENT_LIFETIME_SECONDS)
            .micros(),
    )
    .execute(db.writer())
    .await;
    match inserted {
        Ok(_) => Ok(Made::Made),
        Err(e) if unique_violation(&e) == Some("ait_payments_app_id_mode_order_no_key") => {
            Ok(Made::OrderNoTaken)
        }
        Err(e) => Err(e),
    }
}

/// Which payment a partner call names: always within one app, mode and user.
pub struct Lookup<'a> {
    pub app_id: &'a str,
    pub mode: PayMode,
    pub user_key: i64,
    pub pay_token: Option<&'a str>,
    pub order_no: Option<&'a str>,
}

impl Lookup<'_> {
    fn sql(&self, suffix: &str) -> String {
        let mut sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM ait_payments WHERE app_id = $1 AND mode = $2 AND user_key = $3"
        );
        let mut next = 4;
        if self.pay_token.is_some() {
            sql.push_str(&format!(" AND pay_token = ${next}"));
            next += 1;
        }
        if self.order_no.is_some() {
            sql.push_str(&format!(" AND order_no = ${next}"));
        }
        sql.push_str(suffix);
        sql
    }

    fn query<'q>(
        &'q self,
        sql: &'q str,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        let mut query = sqlx::query(sql)
            .bind(self.app_id)
            .bind(self.mode.as_str())
            .bind(self.user_key);
        if let Some(token) = self.pay_token {
            query = query.bind(token);
        }
        if let Some(order_no) = self.order_no {
            query = query.bind(order_no);
        }
        query
    }

    pub async fn find(&self, db: &Db) -> Result<Option<Payment>, sqlx::Error> {
        let sql = self.sql("");
        let row = self.query(&sql).fetch_optional(db.reader()).await?;
        row.as_ref().map(payment).transpose()
    }

    /// The payment, locked for the rest of `tx`.
    pub async fn lock(&self, db: &Db, tx: &mut Tx) -> Result<Option<Payment>, sqlx::Error> {
        let sql = self.sql(db.for_update());
        let row = self.query(&sql).fetch_optional(&mut **tx).await?;
        row.as_ref().map(payment).transpose()
    }
}

/// A payment by its payToken alone (the simulated pay sheet), locked for the rest of `tx`.
pub async fn lock_by_token(
    db: &Db,
    tx: &mut Tx,
    pay_token: &str,
) -> Result<Option<Payment>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM ait_payments WHERE pay_token = $1{}",
        db.for_update()
    ))
    .bind(pay_token)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(payment).transpose()
}

/// Applies the expiry ([`pay::expired`]) to `payment` if it is due, in memory and in the database (a
/// conditional update, so it happens once whoever sees it first).
pub async fn expire_if_due<'e, E>(
    executor: E,
    payment: &mut Payment,
    now: Instant,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if pay::expired(payment.status, payment.expires_at, now) {
        let [standby, approved] = pay::EXPIRING;
        sqlx::query(
            "UPDATE ait_payments SET status = $1 WHERE seq = $2 AND status IN ($3, $4) AND expires_at <= $5",
        )
        .bind(PayStatus::PayCancel.as_str())
        .bind(payment.seq)
        .bind(standby.as_str())
        .bind(approved.as_str())
        .bind(now.micros())
        .execute(executor)
        .await?;
        payment.status = PayStatus::PayCancel;
    }
    Ok(())
}

/// Cancels every payment whose lifetime has ended by `now` (run when the clock is advanced).
pub async fn expire_due(db: &Db, now: Instant) -> Result<(), sqlx::Error> {
    let [standby, approved] = pay::EXPIRING;
    sqlx::query(
        "UPDATE ait_payments SET status = $1 WHERE status IN ($2, $3) AND expires_at <= $4",
    )
    .bind(PayStatus::PayCancel.as_str())
    .bind(standby.as_str())
    .bind(approved.as_str())
    .bind(now.micros())
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Stores the buyer's authentication, already applied to `approved` ([`Payment::approve`]). Only the
/// update that still finds `PAY_STANDBY` applies; `false` when another answer came first.
pub async fn record_approval(tx: &mut Tx, approved: &Payment) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE ait_payments SET status = $1, pay_method = $2, card_company_code = $3, card_method_type = $4, \
         card_user_type = $5, card_bin = $6, card_last4 = $7, spread_out = $8, no_interest = $9, \
         account_bank_code = $10, account_number = $11, discount_amount = $12, paid_point = $13 \
         WHERE seq = $14 AND status = $15",
    )
    .bind(approved.status.as_str())
    .bind(approved.pay_method.map(PayMethod::as_str))
    .bind(approved.card_company_code)
    .bind(&approved.card_method_type)
    .bind(&approved.card_user_type)
    .bind(&approved.card_bin)
    .bind(&approved.card_last4)
    .bind(approved.spread_out)
    .bind(approved.no_interest.map(i64::from))
    .bind(&approved.account_bank_code)
    .bind(&approved.account_number)
    .bind(approved.discount_amount)
    .bind(approved.paid_point)
    .bind(approved.seq)
    .bind(PayStatus::PayStandby.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// The buyer closes the pay sheet: `PAY_STANDBY` → `PAY_CANCEL`; `false` when another answer came first.
pub async fn record_sheet_closed(tx: &mut Tx, seq: i64) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query("UPDATE ait_payments SET status = $1 WHERE seq = $2 AND status = $3")
        .bind(PayStatus::PayCancel.as_str())
        .bind(seq)
        .bind(PayStatus::PayStandby.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(updated == 1)
}

/// Stores the execution, already applied to `executed` ([`Payment::execute`]), and its `PAY`
/// transaction. Exactly once: only the update that still finds `PAY_APPROVED` executes; `false` when
/// another execution came first.
pub async fn record_execution(
    tx: &mut Tx,
    executed: &Payment,
    now: Instant,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE ait_payments SET status = $1, paid_amount = $2, refundable_amount = $3, paid_at = $4, \
         pay_transaction_id = $5, card_authorization_no = $6, cash_receipt_mgt_key = $7 \
         WHERE seq = $8 AND status = $9",
    )
    .bind(executed.status.as_str())
    .bind(executed.paid_amount)
    .bind(executed.refundable_amount)
    .bind(now.micros())
    .bind(&executed.pay_transaction_id)
    .bind(&executed.card_authorization_no)
    .bind(&executed.cash_receipt_mgt_key)
    .bind(executed.seq)
    .bind(PayStatus::PayApproved.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if updated != 1 {
        return Ok(false);
    }
    insert_transaction(
        tx,
        &NewTransaction {
            pay_token: &executed.pay_token,
            kind: TransactionKind::Pay,
            transaction_id: executed.pay_transaction_id.as_deref().unwrap_or_default(),
            refund_no: None,
            paid_amount: executed.paid_amount,
            transaction_amount: executed.amount,
            discounted_amount: executed.discounted_amount(),
            point_amount: executed.paid_point,
            at: now,
        },
    )
    .await?;
    Ok(true)
}

/// Sums of the payment's earlier refunds: (paid part, points).
pub async fn refunded_so_far(tx: &mut Tx, pay_token: &str) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(paid_amount), 0) AS BIGINT), CAST(COALESCE(SUM(point_amount), 0) AS BIGINT) \
         FROM ait_pay_transactions WHERE pay_token = $1 AND step_type = $2",
    )
    .bind(pay_token)
    .bind(TransactionKind::Refund.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// One refund, as [`pay::check_refund`] and [`pay::refund_split`] decided it.
pub struct Refund<'a> {
    pub amount: i64,
    pub split: RefundSplit,
    pub transaction_id: &'a str,
    pub refund_no: &'a str,
}

/// Stores a refund of `payment` (as read, locked) and its `REFUND` transaction. Exactly once, never below
/// zero: the update only applies while the payment is still `PAY_COMPLETE` with the refundable amount it
/// was read with; `false` otherwise.
pub async fn record_refund(
    tx: &mut Tx,
    payment: &Payment,
    refund: &Refund<'_>,
    now: Instant,
) -> Result<bool, sqlx::Error> {
    let status = pay::status_after_refund(payment.refundable_amount, refund.amount);
    let updated = sqlx::query(
        "UPDATE ait_payments SET refundable_amount = $1, status = $2 \
         WHERE seq = $3 AND status = $4 AND refundable_amount = $5 AND refundable_amount >= $6",
    )
    .bind(payment.refundable_amount - refund.amount)
    .bind(status.as_str())
    .bind(payment.seq)
    .bind(PayStatus::PayComplete.as_str())
    .bind(payment.refundable_amount)
    .bind(refund.amount)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if updated != 1 {
        return Ok(false);
    }
    insert_transaction(
        tx,
        &NewTransaction {
            pay_token: &payment.pay_token,
            kind: TransactionKind::Refund,
            transaction_id: refund.transaction_id,
            refund_no: Some(refund.refund_no),
            paid_amount: refund.split.paid,
            transaction_amount: -refund.amount,
            discounted_amount: refund.split.discount,
            point_amount: refund.split.points,
            at: now,
        },
    )
    .await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------------
// Transactions

/// An approval (`PAY`) or refund (`REFUND`) of a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub kind: TransactionKind,
    pub transaction_id: String,
    pub paid_amount: i64,
    /// Negative for refunds.
    pub transaction_amount: i64,
    pub discounted_amount: i64,
    pub point_amount: i64,
    pub created_at: Instant,
}

/// The payment's transactions in commit order.
pub async fn transactions<'e, E>(
    executor: E,
    pay_token: &str,
) -> Result<Vec<Transaction>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT step_type, transaction_id, paid_amount, transaction_amount, discounted_amount, point_amount, \
         created_at FROM ait_pay_transactions WHERE pay_token = $1 ORDER BY seq",
    )
    .bind(pay_token)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Transaction {
                kind: try_get_parsed(row, "step_type")?,
                transaction_id: row.try_get("transaction_id")?,
                paid_amount: row.try_get("paid_amount")?,
                transaction_amount: row.try_get("transaction_amount")?,
                discounted_amount: row.try_get("discounted_amount")?,
                point_amount: row.try_get("point_amount")?,
                created_at: Instant(row.try_get("created_at")?),
            })
        })
        .collect()
}

struct NewTransaction<'a> {
    pay_token: &'a str,
    kind: TransactionKind,
    transaction_id: &'a str,
    refund_no: Option<&'a str>,
    paid_amount: i64,
    transaction_amount: i64,
    discounted_amount: i64,
    point_amount: i64,
    at: Instant,
}

async fn insert_transaction(tx: &mut Tx, t: &NewTransaction<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ait_pay_transactions (pay_token, step_type, transaction_id, refund_no, paid_amount, \
         transaction_amount, discounted_amount, point_amount, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(t.pay_token)
    .bind(t.kind.as_str())
    .bind(t.transaction_id)
    .bind(t.refund_no)
    .bind(t.paid_amount)
    .bind(t.transaction_amount)
    .bind(t.discounted_amount)
    .bind(t.point_amount)
    .bind(t.at.micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What the simulated pay sheet shows of a payment.
pub struct SheetView {
    pub product_desc: String,
    pub amount: i64,
    pub status: PayStatus,
    pub mode: PayMode,
}

/// A payment by its payToken alone, whoever made it (the simulated pay sheet shows it).
pub async fn sheet_view(db: &Db, pay_token: &str) -> Result<Option<SheetView>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT product_desc, amount, status, mode FROM ait_payments WHERE pay_token = $1",
    )
    .bind(pay_token)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| {
        Ok(SheetView {
            product_desc: row.try_get("product_desc")?,
            amount: row.try_get("amount")?,
            status: try_get_parsed(&row, "status")?,
            mode: try_get_parsed(&row, "mode")?,
        })
    })
    .transpose()
}

/// What the card slip of an executed payment shows: the payment, what was bought and from which app.
pub struct ReceiptView {
    pub payment: Payment,
    pub product_desc: String,
    pub app_name: String,
}

/// The executed payment whose PAY transaction is `transaction_id` (its `salesCheckLinkUrl`), whoever made it.
pub async fn receipt(db: &Db, transaction_id: &str) -> Result<Option<ReceiptView>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {PAYMENT_COLUMNS}, product_desc, \
         (SELECT name FROM apps WHERE apps.app_id = ait_payments.app_id) AS app_name \
         FROM ait_payments WHERE pay_transaction_id = $1"
    ))
    .bind(transaction_id)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| {
        Ok(ReceiptView {
            payment: payment(&row)?,
            product_desc: row.try_get("product_desc")?,
            app_name: row.try_get("app_name")?,
        })
    })
    .transpose()
}

/// A Toss Pay payment as the dashboard lists it.
pub struct PaySummary {
    pub created_at: Instant,
    pub pay_token: String,
    pub order_no: String,
    pub user_key: i64,
    pub mode: String,
    pub status: String,
    pub amount: i64,
}

/// The newest payments, newest first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<PaySummary>, sqlx::Error> {
    crate::store::listing(
        db,
        "SELECT created_at, pay_token, order_no, user_key, mode, status, amount FROM ait_payments \
         ORDER BY seq DESC LIMIT $1",
        limit,
        |row| {
            Ok(PaySummary {
                created_at: Instant(row.try_get(0)?),
                pay_token: row.try_get(1)?,
                order_no: row.try_get(2)?,
                user_key: row.try_get(3)?,
                mode: row.try_get(4)?,
                status: row.try_get(5)?,
                amount: row.try_get(6)?,
            })
        },
    )
    .await
}

/// A payment by its payToken alone and what was bought, whoever made it (the dashboard's payment page).
pub async fn by_token(db: &Db, pay_token: &str) -> Result<Option<(Payment, String)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {PAYMENT_COLUMNS}, product_desc FROM ait_payments WHERE pay_token = $1"
    ))
    .bind(pay_token)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| Ok((payment(&row)?, row.try_get("product_desc")?)))
        .transpose()
}

/// The user's newest payments, newest first.
pub async fn of_user(db: &Db, user_key: i64, limit: i64) -> Result<Vec<PaySummary>, sqlx::Error> {
    sqlx::query(
        "SELECT created_at, pay_token, order_no, user_key, mode, status, amount FROM ait_payments \
         WHERE user_key = $1 ORDER BY seq DESC LIMIT $2",
    )
    .bind(user_key)
    .bind(limit)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(PaySummary {
            created_at: Instant(row.try_get(0)?),
            pay_token: row.try_get(1)?,
            order_no: row.try_get(2)?,
            user_key: row.try_get(3)?,
            mode: row.try_get(4)?,
            status: row.try_get(5)?,
            amount: row.try_get(6)?,
        })
    })
    .collect()
}
