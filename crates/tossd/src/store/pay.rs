//! Storage of Toss Pay payments, their transactions and the per-app Toss Pay settings.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

use crate::domain::pay::{self, PAY_APPROVED, PAY_CANCEL, PAY_COMPLETE, PAY_STANDBY};
use crate::domain::time::Instant;
use crate::store::{flag, Db, Tx};

/// The kind of Toss Pay merchant key an app registered (REFERENCE.md §2.3 "Merchant key").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MerchantKey {
    Unset,
    /// The public test key: payments can be created and looked up, not executed or refunded.
    PublicTest,
    Private,
}

/// The public test key of Toss's console documentation.
pub const PUBLIC_TEST_KEY: &str = "sk_test_w5lNQylNqa5lNQe013Nq";

impl MerchantKey {
    /// The kind of a key as registered; the key itself is not kept.
    pub fn of(key: Option<&str>) -> MerchantKey {
        match key {
            None | Some("") => MerchantKey::Unset,
            Some(PUBLIC_TEST_KEY) => MerchantKey::PublicTest,
            Some(_) => MerchantKey::Private,
        }
    }

    fn column(self) -> Option<&'static str> {
        match self {
            MerchantKey::Unset => None,
            MerchantKey::PublicTest => Some("PUBLIC_TEST"),
            MerchantKey::Private => Some("PRIVATE"),
        }
    }

    fn from_column(value: Option<&str>) -> MerchantKey {
        match value {
            Some("PRIVATE") => MerchantKey::Private,
            Some("PUBLIC_TEST") => MerchantKey::PublicTest,
            _ => MerchantKey::Unset,
        }
    }

    /// How the simulator shows the setting.
    pub fn label(self) -> Option<&'static str> {
        self.column()
    }
}

/// An app's Toss Pay settings.
#[derive(Debug, Clone, Copy)]
pub struct PaySettings {
    pub merchant_key: MerchantKey,
    pub maintenance: Option<(Instant, Instant)>,
}

impl PaySettings {
    /// Whether the bank maintenance window covers `now`.
    pub fn in_maintenance(&self, now: Instant) -> bool {
        self.maintenance
            .is_some_and(|(from, until)| from <= now && now < until)
    }
}

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
    Ok(match row {
        None => PaySettings {
            merchant_key: MerchantKey::Unset,
            maintenance: None,
        },
        Some(row) => {
            let from: Option<i64> = row.get(1);
            let until: Option<i64> = row.get(2);
            PaySettings {
                merchant_key: MerchantKey::from_column(row.get::<Option<String>, _>(0).as_deref()),
                maintenance: from.zip(until).map(|(f, u)| (Instant(f), Instant(u))),
            }
        }
    })
}

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
    .bind(settings.merchant_key.column())
    .bind(settings.maintenance.map(|(f, _)| f.micros()))
    .bind(settings.maintenance.map(|(_, u)| u.micros()))
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Gives an app a private Toss Pay merchant key, so the whole pay flow works (the default app and apps
/// created later).
pub async fn set_private_merchant_key(tx: &mut Tx, app_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO ait_pay_settings (app_id, merchant_key) VALUES ($1, 'PRIVATE')")
        .bind(app_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A stored payment.
#[derive(Debug, Clone)]
pub struct Payment {
    pub seq: i64,
    pub pay_token: String,
    pub app_id: String,
    pub mode: String,
    pub user_key: i64,
    pub order_no: String,
    pub status: String,
    pub amount: i64,
    pub amount_tax_free: i64,
    pub amount_taxable: i64,
    pub amount_vat: i64,
    pub amount_service_fee: i64,
    pub enable_pay_methods: Option<String>,
    pub cash_receipt: bool,
    pub installment: String,
    pub pay_method: Option<String>,
    pub card_company_code: Option<i64>,
    pub card_method_type: Option<String>,
    pub card_user_type: Option<String>,
    pub card_bin: Option<String>,
    pub card_last4: Option<String>,
    pub spread_out: Option<i64>,
    pub no_interest: Option<bool>,
    pub card_authorization_no: Option<String>,
    pub account_bank_code: Option<String>,
    pub account_number: Option<String>,
    pub discount_amount: i64,
    pub paid_point: i64,
    pub paid_amount: i64,
    pub refundable_amount: i64,
    pub cash_receipt_mgt_key: Option<String>,
    pub pay_transaction_id: Option<String>,
    pub created_at: Instant,
    pub expires_at: Instant,
    pub paid_at: Option<Instant>,
}

pub const PAYMENT_COLUMNS: &str = "seq, pay_token, app_id, mode, user_key, order_no, status, amount, \
     amount_tax_free, amount_taxable, amount_vat, amount_service_fee, enable_pay_methods, cash_receipt, \
     installment, pay_method, card_company_code, card_method_type, card_user_type, card_bin, card_last4, \
     spread_out, no_interest, card_authorization_no, account_bank_code, account_number, discount_amount, \
     paid_point, paid_amount, refundable_amount, cash_receipt_mgt_key, pay_transaction_id, created_at, \
     expires_at, paid_at";

impl Payment {
    pub fn from_row(row: &AnyRow) -> Payment {
        Payment {
            seq: row.get("seq"),
            pay_token: row.get("pay_token"),
            app_id: row.get("app_id"),
            mode: row.get("mode"),
            user_key: row.get("user_key"),
            order_no: row.get("order_no"),
            status: row.get("status"),
            amount: row.get("amount"),
            amount_tax_free: row.get("amount_tax_free"),
            amount_taxable: row.get("amount_taxable"),
            amount_vat: row.get("amount_vat"),
            amount_service_fee: row.get("amount_service_fee"),
            enable_pay_methods: row.get("enable_pay_methods"),
            cash_receipt: flag(row.get("cash_receipt")),
            installment: row.get("installment"),
            pay_method: row.get("pay_method"),
            card_company_code: row.get("card_company_code"),
            card_method_type: row.get("card_method_type"),
            card_user_type: row.get("card_user_type"),
            card_bin: row.get("card_bin"),
            card_last4: row.get("card_last4"),
            spread_out: row.get("spread_out"),
            no_interest: row.get::<Option<i64>, _>("no_interest").map(flag),
            card_authorization_no: row.get("card_authorization_no"),
            account_bank_code: row.get("account_bank_code"),
            account_number: row.get("account_number"),
            discount_amount: row.get("discount_amount"),
            paid_point: row.get("paid_point"),
            paid_amount: row.get("paid_amount"),
            refundable_amount: row.get("refundable_amount"),
            cash_receipt_mgt_key: row.get("cash_receipt_mgt_key"),
            pay_transaction_id: row.get("pay_transaction_id"),
            created_at: Instant(row.get("created_at")),
            expires_at: Instant(row.get("expires_at")),
            paid_at: row.get::<Option<i64>, _>("paid_at").map(Instant),
        }
    }

    pub fn is_card(&self) -> bool {
        self.pay_method.as_deref() == Some(pay::CARD)
    }

    pub fn is_toss_money(&self) -> bool {
        self.pay_method.as_deref() == Some(pay::TOSS_MONEY)
    }

    pub fn discounted_amount(&self) -> i64 {
        self.discount_amount + self.paid_point
    }

    pub fn card_company_name(&self) -> Option<&'static str> {
        self.card_company_code.and_then(pay::card_company_name)
    }

    pub fn account_bank_name(&self) -> Option<&'static str> {
        self.account_bank_code.as_deref().and_then(pay::bank_name)
    }

    pub fn card_number(&self) -> Option<String> {
        Some(pay::masked_card_number(
            self.card_bin.as_deref()?,
            self.card_last4.as_deref()?,
        ))
    }

    /// The card slip page of an executed card payment.
    pub fn sales_check_link_url(&self, public_url: &str) -> Option<String> {
        if !self.is_card() {
            return None;
        }
        self.pay_transaction_id
            .as_ref()
            .map(|id| format!("{public_url}/sim/receipts/tosspay/{id}"))
    }
}

/// Which payment a partner call names: always within one app, mode and user.
pub struct Lookup<'a> {
    pub app_id: &'a str,
    pub mode: &'a str,
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
            .bind(self.mode)
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
        Ok(row.as_ref().map(Payment::from_row))
    }

    /// The payment, locked for the rest of `tx`.
    pub async fn lock(&self, db: &Db, tx: &mut Tx) -> Result<Option<Payment>, sqlx::Error> {
        let sql = self.sql(db.for_update());
        let row = self.query(&sql).fetch_optional(&mut **tx).await?;
        Ok(row.as_ref().map(Payment::from_row))
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
    Ok(row.as_ref().map(Payment::from_row))
}

/// Applies the 30-minute expiry to `payment` if it is due, in memory and in the database (a conditional
/// update, so it happens once whoever sees it first).
pub async fn expire_if_due<'e, E>(
    executor: E,
    payment: &mut Payment,
    now: Instant,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if pay::expired(&payment.status, payment.expires_at, now) {
        sqlx::query(
            "UPDATE ait_payments SET status = $1 WHERE seq = $2 AND status IN ($3, $4) AND expires_at <= $5",
        )
        .bind(PAY_CANCEL)
        .bind(payment.seq)
        .bind(PAY_STANDBY)
        .bind(PAY_APPROVED)
        .bind(now.micros())
        .execute(executor)
        .await?;
        payment.status = PAY_CANCEL.to_owned();
    }
    Ok(())
}

/// Cancels every payment whose window has closed by `now` (run when the clock is advanced).
pub async fn expire_due(db: &Db, now: Instant) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE ait_payments SET status = $1 WHERE status IN ($2, $3) AND expires_at <= $4",
    )
    .bind(PAY_CANCEL)
    .bind(PAY_STANDBY)
    .bind(PAY_APPROVED)
    .bind(now.micros())
    .execute(db.writer())
    .await?;
    Ok(())
}

/// One entry of `transactions[]`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransactionView {
    /// `PAY` or `REFUND`
    pub step_type: String,
    pub transaction_id: String,
    pub paid_amount: i64,
    /// Negative for refunds
    pub transaction_amount: i64,
    pub discounted_amount: i64,
    pub point_amount: i64,
    /// ISO-8601 UTC
    pub reg_ts: String,
}

pub async fn transactions<'e, E>(
    executor: E,
    pay_token: &str,
) -> Result<Vec<TransactionView>, sqlx::Error>
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
    Ok(rows
        .iter()
        .map(|row| TransactionView {
            step_type: row.get(0),
            transaction_id: row.get(1),
            paid_amount: row.get(2),
            transaction_amount: row.get(3),
            discounted_amount: row.get(4),
            point_amount: row.get(5),
            reg_ts: Instant(row.get(6)).iso_utc(),
        })
        .collect())
}

/// A new transaction of a payment.
pub struct NewTransaction<'a> {
    pub pay_token: &'a str,
    pub step_type: &'static str,
    pub transaction_id: &'a str,
    pub refund_no: Option<&'a str>,
    pub paid_amount: i64,
    pub transaction_amount: i64,
    pub discounted_amount: i64,
    pub point_amount: i64,
    pub at: Instant,
}

pub async fn insert_transaction(tx: &mut Tx, t: &NewTransaction<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ait_pay_transactions (pay_token, step_type, transaction_id, refund_no, paid_amount, \
         transaction_amount, discounted_amount, point_amount, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(t.pay_token)
    .bind(t.step_type)
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

/// Sums of the payment's earlier refunds: (paid part, points).
pub async fn refunded_so_far(tx: &mut Tx, pay_token: &str) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(paid_amount), 0) AS BIGINT), CAST(COALESCE(SUM(point_amount), 0) AS BIGINT) \
         FROM ait_pay_transactions WHERE pay_token = $1 AND step_type = 'REFUND'",
    )
    .bind(pay_token)
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.get(0), row.get(1)))
}

/// `card` of the status answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardView {
    pub no_interest: bool,
    pub spread_out: i64,
    pub card_authorization_no: Option<String>,
    pub card_method_type: Option<String>,
    pub card_user_type: Option<String>,
    pub card_number: Option<String>,
    pub card_bin_number: Option<String>,
    pub card_num4_print: Option<String>,
    pub sales_check_link_url: Option<String>,
    pub card_company_name: Option<&'static str>,
    pub card_company_code: Option<i64>,
}

/// The payload of `get-payment-status` (and of the simulator's pay-sheet calls).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentStatusView {
    /// `TEST` or `LIVE`
    pub mode: String,
    pub pay_token: String,
    pub order_no: String,
    pub pay_status: String,
    pub pay_method: Option<String>,
    pub amount: i64,
    pub discounted_amount: i64,
    pub discount_amount_v2: i64,
    pub paid_point_v2: i64,
    pub paid_amount: i64,
    pub refundable_amount: i64,
    pub amount_taxable: i64,
    pub amount_tax_free: i64,
    pub amount_vat: i64,
    pub amount_service_fee: i64,
    pub disposable_cup_deposit: i64,
    pub account_bank_code: Option<String>,
    pub account_bank_name: Option<&'static str>,
    pub account_number: Option<String>,
    pub card: Option<CardView>,
    pub transactions: Vec<TransactionView>,
    pub created_ts: String,
    pub paid_ts: Option<String>,
}

impl PaymentStatusView {
    pub fn new(
        p: &Payment,
        transactions: Vec<TransactionView>,
        public_url: &str,
    ) -> PaymentStatusView {
        let executed = p.status == PAY_COMPLETE || p.status == pay::REFUND_SUCCESS;
        let toss_money = p.is_toss_money();
        let card = p.is_card().then(|| CardView {
            no_interest: p.no_interest.unwrap_or(false),
            spread_out: p.spread_out.unwrap_or(0),
            card_authorization_no: p.card_authorization_no.clone(),
            card_method_type: p.card_method_type.clone(),
            card_user_type: p.card_user_type.clone(),
            card_number: p.card_number(),
            card_bin_number: p.card_bin.clone(),
            card_num4_print: p.card_last4.clone(),
            sales_check_link_url: p.sales_check_link_url(public_url),
            card_company_name: p.card_company_name(),
            card_company_code: p.card_company_code,
        });
        PaymentStatusView {
            mode: p.mode.clone(),
            pay_token: p.pay_token.clone(),
            order_no: p.order_no.clone(),
            pay_status: p.status.clone(),
            pay_method: p.pay_method.clone(),
            amount: p.amount,
            discounted_amount: p.discounted_amount(),
            discount_amount_v2: p.discount_amount,
            paid_point_v2: p.paid_point,
            paid_amount: if executed { p.paid_amount } else { 0 },
            refundable_amount: if executed { p.refundable_amount } else { 0 },
            amount_taxable: p.amount_taxable,
            amount_tax_free: p.amount_tax_free,
            amount_vat: p.amount_vat,
            amount_service_fee: p.amount_service_fee,
            disposable_cup_deposit: 0,
            account_bank_code: p.account_bank_code.clone().filter(|_| toss_money),
            account_bank_name: p.account_bank_name().filter(|_| toss_money),
            account_number: p.account_number.clone().filter(|_| toss_money),
            card,
            transactions,
            created_ts: p.created_at.iso_utc(),
            paid_ts: p.paid_at.map(Instant::iso_utc),
        }
    }

    /// The view of a payment read inside `tx` (or any executor), with its transactions.
    pub async fn load<'e, E>(
        executor: E,
        p: &Payment,
        public_url: &str,
    ) -> Result<PaymentStatusView, sqlx::Error>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let transactions = transactions(executor, &p.pay_token).await?;
        Ok(PaymentStatusView::new(p, transactions, public_url))
    }
}
