//! BrandPay payments (REFERENCE.md §2.9): confirming a payment the customer authenticated in the window,
//! and auto-pay with a registered method. The window itself is the simulator's
//! (`sim::brandpay_payments`). Both flows run in one write transaction: the payment row is locked (confirm)
//! or inserted (auto-pay), the approved-orderId unique index keeps one approval per orderId, a discount
//! is debited with a conditional update and a simulated decline is consumed with another.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::domain::checkout::{self, DiscountOffer, DiscountRefusal, InterestFree};
use crate::domain::payment::{self as rules, Amounts};
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::outbox;
use crate::state::AppState;
use crate::store::payments::{self as store, StoredPayment, WriteError};
use crate::store::{flag, Tx};
use crate::tosspayments::auth::Merchant;
use crate::tosspayments::brandpay::catalogue::{self, Promotion};
use crate::tosspayments::brandpay::methods::{Method, METHOD_COLUMNS};
use crate::tosspayments::brandpay::{self as bp};
use crate::tosspayments::codes::{self, TpCode};
use crate::tosspayments::payment::{
    Approval, Card, NewPayment, Payment, METHOD_CARD, METHOD_TRANSFER,
};
use crate::tosspayments::payments::{payment_response, visible_to};
use crate::tosspayments::{TpError, TpJson};

/// A method of a merchant and mode by its `methodKey`.
pub async fn method_by_key(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    method_key: &str,
) -> Result<Option<Method>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {METHOD_COLUMNS} FROM bp_methods WHERE method_key = $1 AND merchant_id = $2 AND mode = $3"
    ))
    .bind(method_key)
    .bind(merchant_id)
    .bind(mode)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(Method::from_row))
}

/// Whether the customer record a method belongs to is still `ACTIVE` (not withdrawn).
pub async fn owner_active(conn: &mut AnyConnection, method: &Method) -> Result<bool, sqlx::Error> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM bp_customers WHERE id = $1")
            .bind(method.customer_id)
            .fetch_optional(conn)
            .await?;
    Ok(status.as_deref() == Some("ACTIVE"))
}

/// Whether the customerKey's latest record in the merchant and mode is a withdrawal.
pub async fn withdrawn(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    customer_key: &str,
) -> Result<bool, sqlx::Error> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM bp_customers WHERE merchant_id = $1 AND mode = $2 AND customer_key = $3 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(merchant_id)
    .bind(mode)
    .bind(customer_key)
    .fetch_optional(conn)
    .await?;
    Ok(status.as_deref() == Some("REMOVED"))
}

/// A merchant's BrandPay payment settings (§6.7).
#[derive(Debug, Clone, Copy)]
pub struct MerchantSettings {
    pub auto_pay_enabled: bool,
    pub restrict_new_accounts: bool,
    /// `taxType` `GENERAL`: every `taxFreeAmount` is 0.
    pub general_tax: bool,
}

pub async fn merchant_settings(
    conn: &mut AnyConnection,
    merchant_id: i64,
) -> Result<MerchantSettings, sqlx::Error> {
    let row = sqlx::query(
        "SELECT auto_pay_enabled, restrict_new_accounts, tax_type FROM merchants WHERE id = $1",
    )
    .bind(merchant_id)
    .fetch_one(conn)
    .await?;
    Ok(MerchantSettings {
        auto_pay_enabled: flag(row.get(0)),
        restrict_new_accounts: flag(row.get(1)),
        general_tax: row.get::<String, _>(2) == "GENERAL",
    })
}

/// Whether an account is too new to pay with under `restrictNewAccounts` (registered < 12 hours ago).
fn restricted(settings: MerchantSettings, method: &Method, now: Instant) -> bool {
    settings.restrict_new_accounts
        && method.kind == "ACCOUNT"
        && !Instant::is_expired(method.registered_at, checkout::NEW_ACCOUNT_SECONDS, now)
}

/// Consumes one pending simulated decline of the method, if any (§5.2.4). The conditional update makes
/// each decline count once under concurrency; the transaction's rollback gives it back.
async fn take_decline(
    tx: &mut Tx,
    method: &Method,
) -> Result<Option<&'static TpCode>, sqlx::Error> {
    let code: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE bp_methods SET decline_remaining = decline_remaining - 1 \
         WHERE seq = $1 AND decline_remaining > 0 RETURNING decline_code",
    )
    .bind(method.seq)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(code
        .flatten()
        .map(|c| codes::by_name(&c).unwrap_or(&codes::UNKNOWN_PAYMENT_ERROR)))
}

/// The method's last use, for `selectedMethodId` (§2.6.3).
async fn mark_used(tx: &mut Tx, method: &Method, now: Instant) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE bp_methods SET last_used_at = $1 WHERE seq = $2")
        .bind(now.micros())
        .bind(method.seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `method` of a payment by this method.
pub fn method_label(method: &Method) -> &'static str {
    if method.kind == "CARD" {
        METHOD_CARD
    } else {
        METHOD_TRANSFER
    }
}

/// What the card company is asked for: the installment months and card-point flag.
struct CardAsk {
    months: i64,
    use_card_point: bool,
}

/// The approval details of the method (§2.6.1 `card` / `transfer`).
fn approval(
    method: &Method,
    amount: i64,
    ask: CardAsk,
    promotions: &[Promotion],
    mode: &str,
) -> Approval {
    if method.kind != "CARD" {
        return Approval::Transfer {
            bank_code: method.bank_code.clone().unwrap_or_default(),
        };
    }
    let issuer = method.issuer_code.clone().unwrap_or_default();
    let acquirer = method
        .acquirer_code
        .clone()
        .unwrap_or_else(|| issuer.clone());
    let interest_free: Vec<InterestFree<'_>> = promotions
        .iter()
        .filter(|p| p.kind == "CARD_INTEREST_FREE")
        .filter(|p| p.company_code == issuer || p.company_code == acquirer)
        .map(|p| InterestFree {
            months: &p.installment_free_months,
            minimum_payment_amount: p.minimum_payment_amount,
        })
        .collect();
    let (is_interest_free, payer) = checkout::interest(ask.months, amount, &interest_free);
    let approve_no = if mode == "test" {
        "00000000".to_owned()
    } else {
        (0..8)
            .map(|_| char::from(b'0' + secrets::random_in(0..=9) as u8))
            .collect()
    };
    Approval::Card(Card {
        issuer_code: issuer,
        acquirer_code: Some(acquirer),
        number: method.card_number.clone().unwrap_or_default(),
        installment_plan_months: ask.months,
        is_interest_free,
        interest_payer: payer.map(str::to_owned),
        approve_no,
        use_card_point: ask.use_card_point,
        card_type: method.card_type.clone().unwrap_or_default(),
        owner_type: method.owner_type.clone().unwrap_or_default(),
        acquire_status: "READY".to_owned(),
        amount,
    })
}

fn write_error(e: WriteError) -> TpError {
    match e {
        WriteError::DuplicateApprovedOrder => TpError(&codes::DUPLICATED_ORDER_ID),
        WriteError::Conflict => TpError(&codes::COMMON_ERROR),
        WriteError::Db(e) => e.into(),
    }
}

fn string(value: &Option<Value>) -> Option<&str> {
    match value {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The confirm request (§2.9.1). Fields are read as JSON values so each problem gets its documented
/// code in the documented order.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmRequest {
    #[schema(value_type = String)]
    pub payment_key: Option<Value>,
    /// An integer or a string of decimal digits
    #[schema(value_type = i64)]
    pub amount: Option<Value>,
    #[schema(value_type = String)]
    pub customer_key: Option<Value>,
    #[schema(value_type = String)]
    pub order_id: Option<Value>,
}

struct Confirm<'a> {
    payment_key: &'a str,
    amount: i64,
    customer_key: String,
    order_id: &'a str,
}

fn validate_confirm(request: &ConfirmRequest) -> Result<Confirm<'_>, TpError> {
    let invalid = TpError(&codes::INVALID_REQUEST);
    let payment_key = string(&request.payment_key).ok_or(invalid)?;
    let amount = request
        .amount
        .as_ref()
        .and_then(checkout::parse_amount)
        .ok_or(invalid)?;
    let order_id = string(&request.order_id).ok_or(invalid)?;
    if payment_key.is_empty() || payment_key.chars().count() > 200 {
        return Err(TpError(&codes::INVALID_PAYMENT_KEY));
    }
    if amount <= 0 {
        return Err(TpError(&codes::BELOW_ZERO_AMOUNT));
    }
    let customer_key = bp::customer_key(request.customer_key.as_ref())?;
    if !checkout::is_valid_order_id(order_id, false) {
        return Err(TpError(&codes::INVALID_ORDER_ID));
    }
    Ok(Confirm {
        payment_key,
        amount,
        customer_key,
        order_id,
    })
}

/// 결제 승인: approves a payment the customer authenticated in the BrandPay window.
#[utoipa::path(
    post,
    path = "/v1/brandpay/payments/confirm",
    tag = "BrandPay",
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 300 characters; replays the first response for 15 days")),
    request_body = ConfirmRequest,
    responses(
        (status = 200, description = "The DONE Payment"),
        (status = 400, description = "INVALID_REQUEST, INVALID_PAYMENT_KEY, BELOW_ZERO_AMOUNT, INVALID_CUSTOMER_KEY, INVALID_ORDER_ID, INVALID_API_KEY, ALREADY_PROCESSED_PAYMENT, NOT_MATCHES_CUSTOMER_KEY, NOT_ALLOWED_BRANDPAY_METHOD, DUPLICATED_ORDER_ID, or a simulated decline"),
        (status = 401, description = "UNAUTHORIZED_KEY"),
        (status = 403, description = "FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER, or a simulated decline"),
        (status = 404, description = "NOT_FOUND_PAYMENT, NOT_FOUND_PAYMENT_SESSION"),
        (status = 409, description = "IDEMPOTENT_REQUEST_PROCESSING"),
    ),
    security(("basic" = []))
)]
pub async fn confirm(
    State(state): State<AppState>,
    merchant: Merchant,
    headers: HeaderMap,
    TpJson(request): TpJson<ConfirmRequest>,
) -> Result<Response, TpError> {
    let ask = validate_confirm(&request)?;
    // The row lock (PostgreSQL) or the single writer (SQLite) serialises confirms of one payment; the
    // version check on the update is a second guard after which the decision is taken again.
    for _ in 0..3 {
        let mut tx = state.db.begin().await?;
        let now = state.clock.now_in(&mut tx).await?;
        let mut stored = visible_to(
            store::lock(&mut tx, &state.db, ask.payment_key).await?,
            &merchant,
        )?;
        match store::expire_locked(&mut tx, &mut stored, now).await {
            Ok(true) => {
                tx.commit().await?;
                outbox::wake(&state);
                return Err(TpError(&codes::NOT_FOUND_PAYMENT_SESSION));
            }
            Ok(false) => {}
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(write_error(e)),
        }
        let payment = &stored.payment;
        match payment.status.as_str() {
            rules::EXPIRED => return Err(TpError(&codes::NOT_FOUND_PAYMENT_SESSION)),
            rules::READY => return Err(TpError(&codes::INVALID_REQUEST)),
            rules::IN_PROGRESS => {}
            _ => return Err(TpError(&codes::ALREADY_PROCESSED_PAYMENT)),
        }
        if payment.order_id != ask.order_id || payment.total_amount != ask.amount {
            return Err(TpError(&codes::INVALID_REQUEST));
        }
        if stored.customer_key.as_deref() != Some(ask.customer_key.as_str()) {
            return Err(TpError(&codes::NOT_MATCHES_CUSTOMER_KEY));
        }
        let method = match stored.method_key.as_deref() {
            Some(key) => method_by_key(&mut tx, stored.merchant_id, &stored.mode, key).await?,
            None => None,
        }
        .ok_or(TpError(&codes::NOT_ALLOWED_BRANDPAY_METHOD))?;
        if !owner_active(&mut tx, &method).await? {
            return Err(TpError(&codes::FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER));
        }
        if method.status != "ENABLED" {
            return Err(TpError(&codes::NOT_ALLOWED_BRANDPAY_METHOD));
        }
        if store::order_approved(&mut tx, stored.merchant_id, &stored.mode, ask.order_id).await? {
            return Err(TpError(&codes::DUPLICATED_ORDER_ID));
        }
        let settings = merchant_settings(&mut tx, stored.merchant_id).await?;
        if restricted(settings, &method, now) {
            return Err(TpError(&codes::RESTRICTED_TRANSFER_ACCOUNT));
        }
        let previous = payment.status.clone();
        let decline = take_decline(&mut tx, &method).await?;
        if let Some(code) = decline {
            stored.payment.abort(code.code, code.ko);
        } else {
            let promotions =
                catalogue::active_promotions(&mut tx, stored.merchant_id, &stored.mode, now)
                    .await?;
            let details = approval(
                &method,
                ask.amount,
                CardAsk {
                    months: 0,
                    use_card_point: false,
                },
                &promotions,
                &stored.mode,
            );
            stored
                .payment
                .approve(details, None, now, &state.settings.public_url);
        }
        match store::save_with_event(&mut tx, &mut stored, &previous, now).await {
            Ok(()) => {}
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(write_error(e)),
        }
        if decline.is_none() {
            mark_used(&mut tx, &method, now).await?;
        }
        tx.commit().await?;
        outbox::wake(&state);
        return match decline {
            Some(code) => Err(TpError(code)),
            None => Ok(payment_response(&stored.payment, &headers)),
        };
    }
    Err(TpError(&codes::COMMON_ERROR))
}

/// The auto-pay request (§2.9.2), read as JSON values for the documented error order.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AutoPayRequest {
    #[schema(value_type = String)]
    pub customer_key: Option<Value>,
    #[schema(value_type = String)]
    pub method_key: Option<Value>,
    /// An integer or a string of decimal digits
    #[schema(value_type = i64)]
    pub amount: Option<Value>,
    #[schema(value_type = String)]
    pub order_id: Option<Value>,
    #[schema(value_type = String)]
    pub order_name: Option<Value>,
    /// 0 (lump sum) or 2–12
    #[schema(value_type = Option<i64>)]
    pub card_installment_plan: Option<Value>,
    #[schema(value_type = Option<bool>)]
    pub culture_expense: Option<Value>,
    #[schema(value_type = Option<String>)]
    pub customer_email: Option<Value>,
    #[schema(value_type = Option<String>)]
    pub discount_code: Option<Value>,
    #[schema(value_type = Option<i64>)]
    pub tax_free_amount: Option<Value>,
    #[schema(value_type = Option<bool>)]
    pub use_card_point: Option<Value>,
}

struct AutoPay<'a> {
    customer_key: String,
    method_key: &'a str,
    amount: i64,
    order_id: &'a str,
    order_name: &'a str,
    plan: i64,
    culture_expense: bool,
    discount_code: Option<&'a str>,
    tax_free: i64,
    use_card_point: bool,
}

/// An optional field of one JSON type: absent (or `null`) is `Ok(None)`, another type is an error.
fn optional<'a, T>(
    value: &'a Option<Value>,
    read: impl Fn(&'a Value) -> Option<T>,
) -> Result<Option<T>, TpError> {
    match value {
        None => Ok(None),
        Some(v) => read(v).map(Some).ok_or(TpError(&codes::INVALID_REQUEST)),
    }
}

fn validate_auto_pay(request: &AutoPayRequest) -> Result<AutoPay<'_>, TpError> {
    let customer_key = bp::customer_key(request.customer_key.as_ref())?;
    let invalid = TpError(&codes::INVALID_REQUEST);
    let method_key = string(&request.method_key)
        .filter(|k| !k.is_empty())
        .ok_or(invalid)?;
    let amount = request
        .amount
        .as_ref()
        .and_then(checkout::parse_amount)
        .ok_or(invalid)?;
    let order_id = string(&request.order_id).ok_or(invalid)?;
    let order_name = string(&request.order_name).ok_or(invalid)?;
    let plan = optional(&request.card_installment_plan, Value::as_i64)?;
    let culture_expense = optional(&request.culture_expense, Value::as_bool)?;
    let email = optional(&request.customer_email, Value::as_str)?;
    let discount_code = optional(&request.discount_code, Value::as_str)?;
    let tax_free = optional(&request.tax_free_amount, Value::as_i64)?.unwrap_or(0);
    let use_card_point = optional(&request.use_card_point, Value::as_bool)?;
    if tax_free < 0 || (amount > 0 && tax_free > amount) {
        return Err(invalid);
    }
    if amount <= 0 {
        return Err(TpError(&codes::BELOW_ZERO_AMOUNT));
    }
    if !checkout::is_valid_order_id(order_id, true) {
        return Err(TpError(&codes::INVALID_ORDER_ID));
    }
    if !checkout::is_valid_order_name(order_name) {
        return Err(TpError(&codes::INVALID_ORDER_NAME));
    }
    if email.is_some_and(|e| !checkout::is_valid_email(e)) {
        return Err(TpError(&codes::INVALID_EMAIL));
    }
    let plan = plan.unwrap_or(0);
    if !checkout::is_valid_installment_plan(plan) {
        return Err(TpError(&codes::INVALID_CARD_INSTALLMENT_PLAN));
    }
    Ok(AutoPay {
        customer_key,
        method_key,
        amount,
        order_id,
        order_name,
        plan,
        culture_expense: culture_expense.unwrap_or(false),
        discount_code,
        tax_free,
        use_card_point: use_card_point.unwrap_or(false),
    })
}

/// The discount promotion a code names for this method, if it is active and applies to it.
fn discount_offer<'a>(
    promotions: &'a [Promotion],
    method: &Method,
    code: &str,
) -> Option<&'a Promotion> {
    promotions.iter().find(|p| {
        p.discount_code == code
            && match (p.kind.as_str(), method.kind.as_str()) {
                ("CARD_DISCOUNT", "CARD") => {
                    method.issuer_code.as_deref() == Some(p.company_code.as_str())
                        || method.acquirer_code.as_deref() == Some(p.company_code.as_str())
                }
                ("BANK_DISCOUNT", "ACCOUNT") => {
                    method.bank_code.as_deref() == Some(p.company_code.as_str())
                }
                _ => false,
            }
    })
}

/// 자동결제 실행: charges a registered method now. No webhook is sent for auto-pay (§4.3).
#[utoipa::path(
    post,
    path = "/v1/brandpay/payments",
    tag = "BrandPay",
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 300 characters; replays the first response for 15 days")),
    request_body = AutoPayRequest,
    responses(
        (status = 200, description = "The DONE Payment"),
        (status = 400, description = "INVALID_REQUEST, INVALID_CUSTOMER_KEY, BELOW_ZERO_AMOUNT, INVALID_ORDER_ID, INVALID_ORDER_NAME, INVALID_EMAIL, INVALID_CARD_INSTALLMENT_PLAN, NOT_ALLOWED_BRANDPAY_METHOD, BELOW_MINIMUM_AMOUNT, DUPLICATED_ORDER_ID, NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN, INVALID_MAXIMUM_DISCOUNT_AMOUNT, NOT_ENOUGH_DISCOUNT_BALANCE, or a simulated decline"),
        (status = 401, description = "UNAUTHORIZED_KEY"),
        (status = 403, description = "FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER, or a simulated decline"),
        (status = 404, description = "NOT_FOUND_CUSTOMER, NOT_FOUND_METHOD, NOT_FOUND_METHOD_OWNERSHIP"),
        (status = 409, description = "IDEMPOTENT_REQUEST_PROCESSING"),
    ),
    security(("basic" = []))
)]
pub async fn auto_pay(
    State(state): State<AppState>,
    merchant: Merchant,
    headers: HeaderMap,
    TpJson(request): TpJson<AutoPayRequest>,
) -> Result<Response, TpError> {
    let ask = validate_auto_pay(&request)?;
    let mode = merchant.mode.as_str();
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let settings = merchant_settings(&mut tx, merchant.id).await?;
    if !settings.auto_pay_enabled {
        return Err(TpError(&codes::FORBIDDEN_REQUEST));
    }
    let customer =
        bp::current_customer(&mut tx, None, merchant.id, mode, &ask.customer_key).await?;
    let customer = match customer {
        Some(c) if c.status == "ACTIVE" => c,
        Some(_) => return Err(TpError(&codes::NOT_FOUND_CUSTOMER)),
        None if withdrawn(&mut tx, merchant.id, mode, &ask.customer_key).await? => {
            return Err(TpError(&codes::FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER))
        }
        None => return Err(TpError(&codes::NOT_FOUND_CUSTOMER)),
    };
    let method = method_by_key(&mut tx, merchant.id, mode, ask.method_key)
        .await?
        .ok_or(TpError(&codes::NOT_FOUND_METHOD))?;
    if method.customer_id != customer.id {
        return Err(TpError(&codes::NOT_FOUND_METHOD_OWNERSHIP));
    }
    if method.status != "ENABLED" {
        return Err(TpError(&codes::NOT_ALLOWED_BRANDPAY_METHOD));
    }
    let card = method.kind == "CARD";
    let minimum = if card {
        checkout::CARD_MINIMUM
    } else {
        checkout::ACCOUNT_MINIMUM
    };
    if ask.amount < minimum {
        return Err(TpError(&codes::BELOW_MINIMUM_AMOUNT));
    }
    if store::order_approved(&mut tx, merchant.id, mode, ask.order_id).await? {
        return Err(TpError(&codes::DUPLICATED_ORDER_ID));
    }
    let card_type = method.card_type.as_deref().unwrap_or_default();
    if card && checkout::installment_refused(ask.plan, ask.amount, card_type) {
        return Err(TpError(&codes::NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN));
    }
    let promotions = catalogue::active_promotions(&mut tx, merchant.id, mode, now).await?;
    let discount = match ask.discount_code {
        None => None,
        Some(code) => {
            let promotion = discount_offer(&promotions, &method, code);
            let offer = promotion.map(|p| DiscountOffer {
                discount_amount: p.discount_amount,
                minimum_payment_amount: p.minimum_payment_amount,
                maximum_payment_amount: p.maximum_payment_amount,
            });
            let amount = checkout::check_discount(offer.as_ref(), ask.amount).map_err(|r| {
                TpError(match r {
                    DiscountRefusal::NotApplicable => &codes::INVALID_REQUEST,
                    DiscountRefusal::AboveMaximum => &codes::INVALID_MAXIMUM_DISCOUNT_AMOUNT,
                })
            })?;
            promotion.map(|p| (p, amount))
        }
    };
    if restricted(settings, &method, now) {
        return Err(TpError(&codes::RESTRICTED_TRANSFER_ACCOUNT));
    }
    let decline = take_decline(&mut tx, &method).await?;
    if let Some((promotion, amount)) = discount {
        let enough = if decline.is_some() {
            promotion.balance >= amount
        } else {
            // Exactly once: the budget is debited only while it still covers the discount.
            sqlx::query(
                "UPDATE bp_promotions SET balance = balance - $1 WHERE id = $2 AND balance >= $1",
            )
            .bind(amount)
            .bind(promotion.id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1
        };
        if !enough {
            return Err(TpError(&codes::NOT_ENOUGH_DISCOUNT_BALANCE));
        }
    }
    let tax_free = if settings.general_tax {
        0
    } else {
        ask.tax_free
    };
    let amounts = Amounts::new(ask.amount, tax_free).ok_or(TpError(&codes::INVALID_REQUEST))?;
    let mut payment = Payment::ready(
        NewPayment {
            mid: merchant.mid.clone(),
            order_id: ask.order_id.to_owned(),
            order_name: ask.order_name.to_owned(),
            amounts,
            culture_expense: !card && ask.culture_expense,
            metadata: None,
        },
        now,
    );
    payment.authenticate(method_label(&method));
    match decline {
        Some(code) => payment.abort(code.code, code.ko),
        None => {
            let months = if card {
                let minimum = method
                    .installment_minimum_amount
                    .unwrap_or(crate::domain::brandpay::DEFAULT_INSTALLMENT_MINIMUM_AMOUNT);
                checkout::applied_months(ask.plan, ask.amount, minimum)
            } else {
                0
            };
            let details = approval(
                &method,
                ask.amount,
                CardAsk {
                    months,
                    use_card_point: ask.use_card_point,
                },
                &promotions,
                mode,
            );
            payment.approve(
                details,
                discount.map(|(_, d)| d),
                now,
                &state.settings.public_url,
            );
        }
    }
    let mut stored = StoredPayment::new(merchant.id, mode, Some(ask.customer_key.clone()), payment);
    stored.method_key = Some(method.method_key.clone());
    store::insert(&mut tx, &mut stored, now)
        .await
        .map_err(write_error)?;
    if decline.is_none() {
        mark_used(&mut tx, &method, now).await?;
    }
    tx.commit().await?;
    match decline {
        Some(code) => Err(TpError(code)),
        None => Ok(payment_response(&stored.payment, &headers)),
    }
}

/// A method of a merchant and mode by its `id` (`c_…` / `b_…`), as the BrandPay window shows it.
pub async fn method_by_id(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    id: &str,
) -> Result<Option<Method>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {METHOD_COLUMNS} FROM bp_methods WHERE id = $1 AND merchant_id = $2 AND mode = $3"
    ))
    .bind(id)
    .bind(merchant_id)
    .bind(mode)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(Method::from_row))
}

/// A method's kind by its `id` or `methodKey` (for the simulator's decline setting).
pub async fn method_kind(
    conn: &mut AnyConnection,
    id_or_key: &str,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT seq, kind FROM bp_methods WHERE id = $1 OR method_key = $1")
        .bind(id_or_key)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}
