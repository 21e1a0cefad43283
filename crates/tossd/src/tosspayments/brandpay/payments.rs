//! BrandPay payments (docs/reference.md §2.9): confirming a payment the customer authenticated in the window,
//! and auto-pay with a registered method. The window itself is the simulator's
//! (`sim::brandpay_payments`). Both flows run in one write transaction: the payment row is locked (confirm)
//! or inserted (auto-pay), the guard of `domain::checkout` decides over what was read, the
//! approved-orderId unique index keeps one approval per orderId, a discount is debited with a conditional
//! update and a simulated decline is consumed with another.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::brandpay::{Method, MethodDetails, MethodType, Promotion};
use crate::domain::checkout::{
    self, AutoPayAsk, AutoPayFacts, ConfirmAsk, ConfirmFacts, Refusal, Stage,
};
use crate::domain::payment::Amounts;
use crate::domain::secrets;
use crate::outbox;
use crate::state::AppState;
use crate::store::brandpay as store;
use crate::store::payments::{self, StoredPayment, WriteError};
use crate::store::{merchants, Tx};
use crate::tosspayments::auth::Merchant;
use crate::tosspayments::brandpay::{self as bp};
use crate::tosspayments::codes::{self, TpCode};
use crate::tosspayments::idempotency::Idempotency;
use crate::tosspayments::payment::{
    Approval, Card, NewPayment, Payment, METHOD_CARD, METHOD_TRANSFER,
};
use crate::tosspayments::payments::{as_answered, visible_to};
use crate::tosspayments::{TpError, TpJson};

/// `method` of a payment by this method.
pub fn method_label(method: &Method) -> &'static str {
    match method.kind() {
        MethodType::Card => METHOD_CARD,
        MethodType::Account => METHOD_TRANSFER,
    }
}

/// The documented code of a refused BrandPay payment.
pub fn refusal_code(refusal: Refusal) -> &'static TpCode {
    match refusal {
        Refusal::InvalidRequest => &codes::INVALID_REQUEST,
        Refusal::NotFoundPaymentSession => &codes::NOT_FOUND_PAYMENT_SESSION,
        Refusal::AlreadyProcessedPayment => &codes::ALREADY_PROCESSED_PAYMENT,
        Refusal::NotMatchesCustomerKey => &codes::NOT_MATCHES_CUSTOMER_KEY,
        Refusal::NotAllowedBrandpayMethod => &codes::NOT_ALLOWED_BRANDPAY_METHOD,
        Refusal::ForbiddenDormantOrWithdrawalCustomer => {
            &codes::FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER
        }
        Refusal::DuplicatedOrderId => &codes::DUPLICATED_ORDER_ID,
        Refusal::RestrictedTransferAccount => &codes::RESTRICTED_TRANSFER_ACCOUNT,
        Refusal::ForbiddenRequest => &codes::FORBIDDEN_REQUEST,
        Refusal::NotFoundCustomer => &codes::NOT_FOUND_CUSTOMER,
        Refusal::NotFoundMethod => &codes::NOT_FOUND_METHOD,
        Refusal::NotFoundMethodOwnership => &codes::NOT_FOUND_METHOD_OWNERSHIP,
        Refusal::BelowMinimumAmount => &codes::BELOW_MINIMUM_AMOUNT,
        Refusal::NotSupportedMonthlyInstallmentPlan => {
            &codes::NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN
        }
        Refusal::InvalidMaximumDiscountAmount => &codes::INVALID_MAXIMUM_DISCOUNT_AMOUNT,
        Refusal::NotEnoughDiscountBalance => &codes::NOT_ENOUGH_DISCOUNT_BALANCE,
        Refusal::InvalidPassword => &codes::INVALID_PASSWORD,
    }
}

fn refused(refusal: Refusal) -> TpError {
    TpError(refusal_code(refusal))
}

/// Consumes one pending simulated decline of the method, if any (§5.2.4), as its catalogue entry.
async fn take_decline(
    tx: &mut Tx,
    method: &Method,
) -> Result<Option<&'static TpCode>, sqlx::Error> {
    Ok(store::take_decline(tx, method.seq)
        .await?
        .map(|c| codes::by_name(&c).unwrap_or(&codes::UNKNOWN_PAYMENT_ERROR)))
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
    let card = match &method.details {
        MethodDetails::Card(card) => card,
        MethodDetails::Account(account) => {
            return Approval::Transfer {
                bank_code: account.bank_code.clone(),
            }
        }
    };
    let interest_free = checkout::interest_free_of(promotions, &method.details);
    let (is_interest_free, payer) = checkout::interest(ask.months, amount, &interest_free);
    let approve_no = if mode == "test" {
        "00000000".to_owned()
    } else {
        (0..8)
            .map(|_| char::from(b'0' + secrets::random_in(0..=9) as u8))
            .collect()
    };
    Approval::Card(Card {
        issuer_code: card.issuer_code.clone(),
        acquirer_code: Some(card.acquirer_code.clone()),
        number: card.card_number.clone(),
        installment_plan_months: ask.months,
        is_interest_free,
        interest_payer: payer.map(|p| p.as_str().to_owned()),
        approve_no,
        use_card_point: ask.use_card_point,
        card_type: card.card_type.as_str().to_owned(),
        owner_type: card.owner_type.as_str().to_owned(),
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
        (status = 200, description = "The DONE Payment", body = toss_wire::tosspayments::payments::Payment),
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
    idempotency: Idempotency,
    TpJson(request): TpJson<ConfirmRequest>,
) -> Result<Response, TpError> {
    let ask = validate_confirm(&request)?;
    // The row lock (PostgreSQL) or the single writer (SQLite) serialises confirms of one payment; the
    // version check on the update is a second guard after which the decision is taken again.
    for _ in 0..3 {
        let mut tx = state.db.begin().await?;
        let now = state.clock.now_in(&mut tx).await?;
        let mut stored = visible_to(
            payments::lock(&mut tx, &state.db, ask.payment_key).await?,
            &merchant,
        )?;
        match payments::expire_locked(&mut tx, &mut stored, now).await {
            Ok(true) => {
                tx.commit().await?;
                outbox::wake(&state);
                return Err(TpError(&codes::NOT_FOUND_PAYMENT_SESSION));
            }
            Ok(false) => {}
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(write_error(e)),
        }
        let method = match stored.method_key.as_deref() {
            Some(key) => {
                store::method_by_key(&mut tx, stored.merchant_id, &stored.mode, key).await?
            }
            None => None,
        };
        let method_owner = match &method {
            Some(m) => store::customer_by_id(&mut tx, m.customer_id)
                .await?
                .map(|c| c.status),
            None => None,
        };
        let facts = ConfirmFacts {
            stage: Stage::of(&stored.payment.status),
            order_id: &stored.payment.order_id,
            total_amount: stored.payment.total_amount,
            customer_key: stored.customer_key.as_deref(),
            method: method.as_ref(),
            method_owner,
            order_approved: payments::order_approved(
                &mut tx,
                stored.merchant_id,
                &stored.mode,
                ask.order_id,
            )
            .await?,
            settings: merchants::payment_settings(&mut *tx, stored.merchant_id).await?,
        };
        let confirm = ConfirmAsk {
            amount: ask.amount,
            customer_key: &ask.customer_key,
            order_id: ask.order_id,
        };
        checkout::confirm(&facts, &confirm, now).map_err(refused)?;
        let method = method.ok_or(TpError(&codes::NOT_ALLOWED_BRANDPAY_METHOD))?;
        let previous = stored.payment.status;
        let decline = take_decline(&mut tx, &method).await?;
        if let Some(code) = decline {
            stored.payment.abort(code.code, code.ko);
        } else {
            let promotions =
                store::active_promotions(&mut tx, stored.merchant_id, &stored.mode, now).await?;
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
        match payments::save_with_event(&mut tx, &mut stored, &previous, now).await {
            Ok(()) => {}
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(write_error(e)),
        }
        if let Some(code) = decline {
            tx.commit().await?;
            outbox::wake(&state);
            return Err(TpError(code));
        }
        store::mark_used(&mut tx, method.seq, now).await?;
        let answer = idempotency
            .commit(tx, &as_answered(&stored.payment, &headers))
            .await;
        outbox::wake(&state);
        return answer;
    }
    Err(TpError(&codes::COMMON_ERROR))
}

/// Where a payment of this status stands for a confirm.
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

/// 자동결제 실행: charges a registered method now. No webhook is sent for auto-pay (§4.3).
#[utoipa::path(
    post,
    path = "/v1/brandpay/payments",
    tag = "BrandPay",
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 300 characters; replays the first response for 15 days")),
    request_body = AutoPayRequest,
    responses(
        (status = 200, description = "The DONE Payment", body = toss_wire::tosspayments::payments::Payment),
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
    idempotency: Idempotency,
    TpJson(request): TpJson<AutoPayRequest>,
) -> Result<Response, TpError> {
    let ask = validate_auto_pay(&request)?;
    let mode = merchant.mode.as_str();
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let settings = merchants::payment_settings(&mut *tx, merchant.id).await?;
    let customer = store::latest_customer(&mut tx, merchant.id, mode, &ask.customer_key).await?;
    let method = store::method_by_key(&mut tx, merchant.id, mode, ask.method_key).await?;
    let order_approved = payments::order_approved(&mut tx, merchant.id, mode, ask.order_id).await?;
    let promotions = store::active_promotions(&mut tx, merchant.id, mode, now).await?;
    let facts = AutoPayFacts {
        settings,
        customer: customer.as_ref(),
        method: method.as_ref(),
        order_approved,
        promotions: &promotions,
    };
    let charge = AutoPayAsk {
        amount: ask.amount,
        plan: ask.plan,
        discount_code: ask.discount_code,
        tax_free: ask.tax_free,
        culture_expense: ask.culture_expense,
    };
    let plan = checkout::auto_pay(&facts, &charge, now).map_err(refused)?;
    let method = method.ok_or(TpError(&codes::NOT_FOUND_METHOD))?;
    let decline = take_decline(&mut tx, &method).await?;
    if let Some(discount) = &plan.discount {
        let covered = match decline {
            // A declined payment spends nothing; it is still refused when the budget is short.
            Some(_) => checkout::debit(discount.balance, discount.amount).is_some(),
            // Exactly once: the budget is debited only while it still covers the discount.
            None => store::debit_discount(&mut tx, discount).await?,
        };
        if !covered {
            return Err(refused(Refusal::NotEnoughDiscountBalance));
        }
    }
    let amounts =
        Amounts::new(ask.amount, plan.tax_free).ok_or(TpError(&codes::INVALID_REQUEST))?;
    let mut payment = Payment::ready(
        NewPayment {
            mid: merchant.mid.clone(),
            order_id: ask.order_id.to_owned(),
            order_name: ask.order_name.to_owned(),
            amounts,
            culture_expense: plan.culture_expense,
            metadata: None,
        },
        now,
    );
    payment.authenticate(method_label(&method));
    match decline {
        Some(code) => payment.abort(code.code, code.ko),
        None => {
            let details = approval(
                &method,
                ask.amount,
                CardAsk {
                    months: plan.months,
                    use_card_point: ask.use_card_point,
                },
                &promotions,
                mode,
            );
            payment.approve(
                details,
                plan.discount.map(|d| d.amount),
                now,
                &state.settings.public_url,
            );
        }
    }
    let mut stored = StoredPayment::new(merchant.id, mode, Some(ask.customer_key.clone()), payment);
    stored.method_key = Some(method.method_key.clone());
    payments::insert(&mut tx, &mut stored, now)
        .await
        .map_err(write_error)?;
    if let Some(code) = decline {
        tx.commit().await?;
        return Err(TpError(code));
    }
    store::mark_used(&mut tx, method.seq, now).await?;
    idempotency
        .commit(tx, &as_answered(&stored.payment, &headers))
        .await
}
