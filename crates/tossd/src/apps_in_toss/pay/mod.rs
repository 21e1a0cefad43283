//! Apps-in-Toss Toss Pay (docs/reference.md §2.3): make, execute, refund and look up payments. The buyer's
//! side (the pay sheet) is the simulator's (`sim::pay`).

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use toss_wire::Open;

use crate::apps_in_toss::caller::{Caller, TossPay};
use crate::apps_in_toss::{AitError, AitJson, AitSuccess};
use crate::domain::pay::{
    self, ExecuteRefusal, KeyNeed, PayMethod, PaySettings, PayStatus, Payment, RefundRefusal,
};
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::domain::uuid;
use crate::state::AppState;
use crate::store::pay::{self as store, Lookup, Made, NewPayment, Refund, Transaction};

pub use toss_wire::apps_in_toss::pay::{
    CardView, ExecutePaymentRequest, ExecutePaymentResponse, MakePaymentRequest,
    MakePaymentResponse, PaymentStatusRequest, PaymentStatusView, RefundPaymentRequest,
    RefundPaymentResponse, TransactionView,
};

const BAD: StatusCode = StatusCode::BAD_REQUEST;

fn fail(code: &'static str, reason: &'static str) -> AitError {
    AitError::fail(BAD, code, reason)
}

fn not_found(status: StatusCode) -> AitError {
    AitError::fail(status, "PAYMENT_NOT_FOUND", "결제 정보를 찾을 수 없어요.")
}

fn break_time_of_bank() -> AitError {
    fail(
        "COMMON_BREAK_TIME_OF_BANK",
        "지금은 은행 점검 시간이에요. 점검이 끝난 후 사용해 주세요.",
    )
}

/// Which merchant key a Toss Pay endpoint needs.
pub trait KeyRule {
    const NEED: KeyNeed;
}

/// make-payment and get-payment-status: any key, the public test key included.
pub enum AnyKey {}

impl KeyRule for AnyKey {
    const NEED: KeyNeed = KeyNeed::Any;
}

/// execute-payment and refund-payment: a private key.
pub enum PrivateKey {}

impl KeyRule for PrivateKey {
    const NEED: KeyNeed = KeyNeed::Private;
}

/// The caller of a Toss Pay endpoint, checked in the order of docs/reference.md §1.6.6: the app and the user
/// header ([`Caller<TossPay>`]), then the app's merchant key as the endpoint needs it; the handler reads
/// the body after.
pub struct PayCaller<K> {
    app_id: String,
    user_key: i64,
    settings: PaySettings,
    key: PhantomData<K>,
}

impl<K: KeyRule> FromRequestParts<AppState> for PayCaller<K> {
    type Rejection = AitError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AitError> {
        let caller = Caller::<TossPay>::from_request_parts(parts, state).await?;
        let settings = store::settings(state.db.reader(), &caller.app.app_id).await?;
        if !pay::key_allows(settings.merchant_key, K::NEED) {
            return Err(fail("COMMON_INVALID_API_KEY", "바르지 않은 apiKey예요."));
        }
        Ok(PayCaller {
            app_id: caller.app.app_id,
            user_key: caller.user_key,
            settings,
            key: PhantomData,
        })
    }
}

impl<K> PayCaller<K> {
    /// The caller's payment named by `pay_token` and/or `order_no` in the mode of `isTestPayment`.
    fn lookup<'a>(
        &'a self,
        is_test_payment: bool,
        pay_token: Option<&'a str>,
        order_no: Option<&'a str>,
    ) -> Lookup<'a> {
        Lookup {
            app_id: &self.app_id,
            mode: pay::mode_of(is_test_payment),
            user_key: self.user_key,
            pay_token,
            order_no,
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// make-payment

/// A validated make-payment request.
struct ValidMake {
    split: pay::TaxSplit,
    enable_pay_methods: Option<PayMethod>,
    trade_option: pay::TradeOption,
    installment: pay::Installment,
}

fn validate_make(r: &MakePaymentRequest) -> Option<ValidMake> {
    if !pay::is_order_no(&r.order_no)
        || !pay::is_product_desc(&r.product_desc)
        || !(1..=pay::MAX_AMOUNT).contains(&r.amount)
    {
        return None;
    }
    let split = pay::tax_split(
        r.amount,
        r.amount_tax_free,
        r.amount_service_fee.unwrap_or(0),
        r.amount_taxable,
        r.amount_vat,
    )?;
    Some(ValidMake {
        split,
        enable_pay_methods: pay::enable_pay_methods(
            r.enable_pay_methods.as_ref().map(Open::as_str),
        )?,
        trade_option: pay::trade_option(r.cash_receipt_trade_option.as_ref().map(Open::as_str))?,
        installment: pay::installment(r.installment.as_ref().map(Open::as_str))?,
    })
}

/// 결제 생성하기
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/pay/make-payment",
    tag = "Apps-in-Toss Toss Pay",
    request_body = MakePaymentRequest,
    params(("x-toss-user-key" = String, Header, description = "The buyer's userKey")),
    responses(
        (status = 200, description = "SUCCESS envelope with the payToken", body = MakePaymentResponse),
        (status = 400, description = "USER_KEY_NOT_FOUND, USER_NOT_FOUND, COMMON_INVALID_API_KEY, INVALID_PARAMETER, PAYMENT_EXISTING_PAYMENT"),
    )
)]
pub async fn make_payment(
    State(state): State<AppState>,
    caller: PayCaller<AnyKey>,
    AitJson(request): AitJson<MakePaymentRequest>,
) -> Result<AitSuccess<MakePaymentResponse>, AitError> {
    let valid = validate_make(&request).ok_or_else(AitError::invalid_parameter)?;
    let now = state.clock.now(&state.db).await?;
    let pay_token = secrets::random_alnum(22);
    let made = store::make_payment(
        &state.db,
        &NewPayment {
            pay_token: &pay_token,
            app_id: &caller.app_id,
            mode: pay::mode_of(request.is_test_payment),
            user_key: caller.user_key,
            order_no: &request.order_no,
            product_desc: &request.product_desc,
            amount: request.amount,
            split: valid.split,
            enable_pay_methods: valid.enable_pay_methods,
            cash_receipt: request.cash_receipt == Some(true),
            trade_option: valid.trade_option,
            installment: valid.installment,
            created_at: now,
        },
    )
    .await?;
    match made {
        Made::Made => Ok(AitSuccess(MakePaymentResponse::new(pay_token))),
        Made::OrderNoTaken => Err(fail("PAYMENT_EXISTING_PAYMENT", "이미 존재하는 결제예요.")),
    }
}

// ---------------------------------------------------------------------------------------------------
// execute-payment

/// The approval of an executed payment.
fn execute_response(p: &Payment, approval: Instant, public_url: &str) -> ExecutePaymentResponse {
    let card = p.is_card();
    let money = p.is_toss_money();
    let mut r =
        ExecutePaymentResponse::new(p.mode, p.pay_token.clone(), p.order_no.clone(), p.amount);
    r.approval_time = approval.kst_plain();
    r.discounted_amount = p.discounted_amount();
    r.paid_amount = p.paid_amount;
    r.pay_method = p.pay_method.map(Open::Known);
    r.transaction_id = p.pay_transaction_id.clone().unwrap_or_default();
    r.card_company_code = p.card_company_code.filter(|_| card);
    r.card_company_name = p.card_company_name().filter(|_| card).map(str::to_owned);
    r.card_authorization_no = p.card_authorization_no.clone().filter(|_| card);
    r.spread_out = p.spread_out.filter(|_| card);
    r.no_interest = p.no_interest.filter(|_| card);
    r.sales_check_link_url = p.sales_check_link_url(public_url);
    r.card_method_type = p.card_method_type.clone().filter(|_| card);
    r.card_number = p.card_number().filter(|_| card);
    r.card_user_type = p.card_user_type.clone().filter(|_| card);
    r.card_num4_print = p.card_last4.clone().filter(|_| card);
    r.card_bin_number = p.card_bin.clone().filter(|_| card);
    r.cash_receipt_mgt_key = p.cash_receipt_mgt_key.clone();
    r.account_bank_code = p.account_bank_code.clone().filter(|_| money);
    r.account_bank_name = p.account_bank_name().filter(|_| money).map(str::to_owned);
    r.account_number = p.account_number.clone().filter(|_| money);
    r
}

/// 결제 실행하기
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/pay/execute-payment",
    tag = "Apps-in-Toss Toss Pay",
    request_body = ExecutePaymentRequest,
    params(("x-toss-user-key" = String, Header, description = "The buyer's userKey")),
    responses(
        (status = 200, description = "SUCCESS envelope with the approval", body = ExecutePaymentResponse),
        (status = 400, description = "USER_KEY_NOT_FOUND, USER_NOT_FOUND, COMMON_INVALID_API_KEY, INVALID_PARAMETER, PAYMENT_NOT_FOUND, PAYMENT_ORDER_NO_MISMATCH, PAYMENT_CANCELED, PAYMENT_NOT_APPROVED, PAYMENT_ALREADY_COMPLETED, COMMON_BREAK_TIME_OF_BANK"),
    )
)]
pub async fn execute_payment(
    State(state): State<AppState>,
    caller: PayCaller<PrivateKey>,
    AitJson(request): AitJson<ExecutePaymentRequest>,
) -> Result<AitSuccess<ExecutePaymentResponse>, AitError> {
    if request.pay_token.chars().count() > pay::MAX_PAY_TOKEN_CHARS {
        return Err(AitError::invalid_parameter());
    }
    let lookup = caller.lookup(request.is_test_payment, Some(&request.pay_token), None);
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let mut payment = lookup
        .lock(&state.db, &mut tx)
        .await?
        .ok_or_else(|| not_found(BAD))?;
    store::expire_if_due(&mut *tx, &mut payment, now).await?;
    let checked = pay::check_execute(&payment, request.order_no.as_deref(), &caller.settings, now);
    if let Err(refusal) = checked {
        // The expiry, if it just happened, is kept.
        tx.commit().await?;
        return Err(execute_refusal(refusal));
    }
    payment.execute(now);
    if !store::record_execution(&mut tx, &payment, now).await? {
        return Err(already_completed());
    }
    tx.commit().await?;
    Ok(AitSuccess(execute_response(
        &payment,
        now,
        &state.settings.public_url,
    )))
}

fn execute_refusal(refusal: ExecuteRefusal) -> AitError {
    match refusal {
        ExecuteRefusal::OrderNoMismatch => {
            fail("PAYMENT_ORDER_NO_MISMATCH", "주문번호가 일치하지 않아요.")
        }
        ExecuteRefusal::Canceled => fail("PAYMENT_CANCELED", "취소된 결제예요."),
        ExecuteRefusal::NotApproved => fail(
            "PAYMENT_NOT_APPROVED",
            "구매자 인증이 완료되지 않은 결제예요.",
        ),
        ExecuteRefusal::AlreadyCompleted => already_completed(),
        ExecuteRefusal::BreakTimeOfBank => break_time_of_bank(),
    }
}

fn already_completed() -> AitError {
    fail("PAYMENT_ALREADY_COMPLETED", "이미 완료된 결제예요.")
}

// ---------------------------------------------------------------------------------------------------
// refund-payment

/// 결제 환불하기
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/pay/refund-payment",
    tag = "Apps-in-Toss Toss Pay",
    request_body = RefundPaymentRequest,
    params(("x-toss-user-key" = String, Header, description = "The buyer's userKey")),
    responses(
        (status = 200, description = "SUCCESS envelope with the refund", body = RefundPaymentResponse),
        (status = 400, description = "USER_KEY_NOT_FOUND, USER_NOT_FOUND, COMMON_INVALID_API_KEY, INVALID_PARAMETER, PAYMENT_NOT_FOUND, PAYMENT_NOT_REFUNDABLE, PAYMENT_ALREADY_REFUNDED, PAYMENT_REFUND_AMOUNT_EXCEEDED, COMMON_BREAK_TIME_OF_BANK"),
    )
)]
pub async fn refund_payment(
    State(state): State<AppState>,
    caller: PayCaller<PrivateKey>,
    AitJson(request): AitJson<RefundPaymentRequest>,
) -> Result<AitSuccess<RefundPaymentResponse>, AitError> {
    if request.pay_token.chars().count() > pay::MAX_PAY_TOKEN_CHARS
        || request
            .reason
            .as_deref()
            .is_some_and(|r| !pay::is_refund_reason(r))
        || request.amount.is_some_and(|a| a < 1)
    {
        return Err(AitError::invalid_parameter());
    }
    let lookup = caller.lookup(request.is_test_payment, Some(&request.pay_token), None);
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let mut payment = lookup
        .lock(&state.db, &mut tx)
        .await?
        .ok_or_else(|| not_found(BAD))?;
    store::expire_if_due(&mut *tx, &mut payment, now).await?;
    let amount = match pay::check_refund(&payment, request.amount, &caller.settings, now) {
        Ok(amount) => amount,
        Err(refusal) => {
            tx.commit().await?;
            return Err(refund_refusal(refusal));
        }
    };
    let (earlier_paid, earlier_points) =
        store::refunded_so_far(&mut tx, &payment.pay_token).await?;
    let split = pay::refund_split(
        amount,
        payment.paid_amount,
        payment.paid_point,
        earlier_paid,
        earlier_points,
    );
    let transaction_id = uuid::v4();
    let refund_no = uuid::v4();
    let refund = Refund {
        amount,
        split,
        transaction_id: &transaction_id,
        refund_no: &refund_no,
    };
    if !store::record_refund(&mut tx, &payment, &refund, now).await? {
        return Err(refund_refusal(RefundRefusal::AmountExceeded));
    }
    tx.commit().await?;
    let card = payment.is_card();
    let money = payment.is_toss_money();
    let mut r =
        RefundPaymentResponse::new(payment.pay_token.clone(), refund_no, transaction_id, amount);
    r.approval_time = now.kst_plain();
    r.cash_receipt_mgt_key = payment.cash_receipt_mgt_key.clone();
    r.refundable_amount = payment.refundable_amount - amount;
    r.discounted_amount = payment.discounted_amount();
    r.paid_amount = payment.paid_amount;
    r.refunded_discount_amount = split.discount;
    r.refunded_paid_amount = split.paid;
    r.card_method_type = payment.card_method_type.clone().filter(|_| card);
    r.card_number = payment.card_number().filter(|_| card);
    r.card_user_type = payment.card_user_type.clone().filter(|_| card);
    r.card_num4_print = payment.card_last4.clone().filter(|_| card);
    r.card_bin_number = payment.card_bin.clone().filter(|_| card);
    r.account_bank_code = payment.account_bank_code.clone().filter(|_| money);
    r.account_bank_name = payment
        .account_bank_name()
        .filter(|_| money)
        .map(str::to_owned);
    r.account_number = payment.account_number.clone().filter(|_| money);
    Ok(AitSuccess(r))
}

fn refund_refusal(refusal: RefundRefusal) -> AitError {
    match refusal {
        RefundRefusal::NotRefundable => fail("PAYMENT_NOT_REFUNDABLE", "환불할 수 없는 결제예요."),
        RefundRefusal::AlreadyRefunded => fail("PAYMENT_ALREADY_REFUNDED", "이미 환불된 결제예요."),
        RefundRefusal::AmountExceeded => fail(
            "PAYMENT_REFUND_AMOUNT_EXCEEDED",
            "환불 가능 금액을 초과했어요.",
        ),
        RefundRefusal::BreakTimeOfBank => break_time_of_bank(),
    }
}

// ---------------------------------------------------------------------------------------------------
// get-payment-status

/// 결제 상태 조회하기
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/pay/get-payment-status",
    tag = "Apps-in-Toss Toss Pay",
    request_body = PaymentStatusRequest,
    params(("x-toss-user-key" = String, Header, description = "The buyer's userKey")),
    responses(
        (status = 200, description = "SUCCESS envelope with the payment", body = PaymentStatusView),
        (status = 400, description = "USER_KEY_NOT_FOUND, USER_NOT_FOUND, COMMON_INVALID_API_KEY, INVALID_PARAMETER"),
        (status = 404, description = "PAYMENT_NOT_FOUND"),
    )
)]
pub async fn get_payment_status(
    State(state): State<AppState>,
    caller: PayCaller<AnyKey>,
    AitJson(request): AitJson<PaymentStatusRequest>,
) -> Result<AitSuccess<PaymentStatusView>, AitError> {
    if request.pay_token.is_none() && request.order_no.is_none() {
        return Err(AitError::invalid_parameter());
    }
    let lookup = caller.lookup(
        request.is_test_payment,
        request.pay_token.as_deref(),
        request.order_no.as_deref(),
    );
    let mut payment = lookup
        .find(&state.db)
        .await?
        .ok_or_else(|| not_found(StatusCode::NOT_FOUND))?;
    let now = state.clock.now(&state.db).await?;
    store::expire_if_due(state.db.writer(), &mut payment, now).await?;
    let view = load_status_view(state.db.reader(), &payment, &state.settings.public_url).await?;
    Ok(AitSuccess(view))
}

fn transaction_view(t: Transaction) -> TransactionView {
    TransactionView::new(
        t.kind,
        t.transaction_id,
        t.paid_amount,
        t.transaction_amount,
        t.discounted_amount,
        t.point_amount,
        t.created_at.iso_utc(),
    )
}

/// The payload of `get-payment-status` (and of the simulator's pay-sheet calls).
pub fn status_view(
    p: &Payment,
    transactions: Vec<Transaction>,
    public_url: &str,
) -> PaymentStatusView {
    let executed = match p.status {
        PayStatus::PayComplete | PayStatus::RefundSuccess => true,
        PayStatus::PayStandby | PayStatus::PayApproved | PayStatus::PayCancel => false,
    };
    let toss_money = p.is_toss_money();
    let card = p.is_card().then(|| {
        let mut card = CardView::new();
        card.no_interest = p.no_interest.unwrap_or(false);
        card.spread_out = p.spread_out.unwrap_or(0);
        card.card_authorization_no = p.card_authorization_no.clone();
        card.card_method_type = p.card_method_type.clone();
        card.card_user_type = p.card_user_type.clone();
        card.card_number = p.card_number();
        card.card_bin_number = p.card_bin.clone();
        card.card_num4_print = p.card_last4.clone();
        card.sales_check_link_url = p.sales_check_link_url(public_url);
        card.card_company_name = p.card_company_name().map(str::to_owned);
        card.card_company_code = p.card_company_code;
        card
    });
    let mut view = PaymentStatusView::new(
        p.mode,
        p.pay_token.clone(),
        p.order_no.clone(),
        p.status,
        p.amount,
    );
    view.pay_method = p.pay_method.map(Open::Known);
    view.discounted_amount = p.discounted_amount();
    view.discount_amount_v2 = p.discount_amount;
    view.paid_point_v2 = p.paid_point;
    view.paid_amount = if executed { p.paid_amount } else { 0 };
    view.refundable_amount = if executed { p.refundable_amount } else { 0 };
    view.amount_taxable = p.amount_taxable;
    view.amount_tax_free = p.amount_tax_free;
    view.amount_vat = p.amount_vat;
    view.amount_service_fee = p.amount_service_fee;
    view.account_bank_code = p.account_bank_code.clone().filter(|_| toss_money);
    view.account_bank_name = p
        .account_bank_name()
        .filter(|_| toss_money)
        .map(str::to_owned);
    view.account_number = p.account_number.clone().filter(|_| toss_money);
    view.card = card;
    view.transactions = transactions.into_iter().map(transaction_view).collect();
    view.created_ts = p.created_at.iso_utc();
    view.paid_ts = p.paid_at.map(Instant::iso_utc);
    view
}

/// The view of a payment read inside a transaction (or any executor), with its transactions.
pub async fn load_status_view<'e, E>(
    executor: E,
    p: &Payment,
    public_url: &str,
) -> Result<PaymentStatusView, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let transactions = store::transactions(executor, &p.pay_token).await?;
    Ok(status_view(p, transactions, public_url))
}
