//! Apps-in-Toss Toss Pay (REFERENCE.md §2.3): make, execute, refund and look up payments. The buyer's
//! side (the pay sheet) is the simulator's (`sim::pay`).

use crate::store::pay as store;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::apps_in_toss::auth::{known_user, PartnerApp};
use crate::apps_in_toss::{AitError, AitSuccess};
use crate::domain::pay::{self, ExecuteRefusal, RefundRefusal, PAY_COMPLETE, REFUND_SUCCESS};
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::domain::uuid;
use crate::state::AppState;
use crate::store::Tx;
use crate::web::read_json;

use store::{Lookup, MerchantKey, NewTransaction, Payment, PaymentStatusView};

/// Seeds the default app's commerce data: its Toss Pay merchant key (REFERENCE.md §6.1) and its in-app
/// products (§6.5).
pub async fn seed_default_app(tx: &mut Tx) -> Result<(), sqlx::Error> {
    let app_id: String = sqlx::query_scalar("SELECT app_id FROM apps WHERE is_default = 1")
        .fetch_one(&mut **tx)
        .await?;
    store::set_private_merchant_key(tx, &app_id).await?;
    crate::apps_in_toss::iap::seed_default_app(tx, &app_id).await
}

const BAD: StatusCode = StatusCode::BAD_REQUEST;

fn fail(code: &'static str, reason: &'static str) -> AitError {
    AitError::fail(BAD, code, reason)
}

fn invalid_api_key() -> AitError {
    fail("COMMON_INVALID_API_KEY", "바르지 않은 apiKey예요.")
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

fn mode(is_test_payment: bool) -> &'static str {
    if is_test_payment {
        "TEST"
    } else {
        "LIVE"
    }
}

/// What an endpoint needs from the app's merchant key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyNeed {
    /// Any key, the public test key included (make, status).
    Any,
    /// A private key (execute, refund).
    Private,
}

/// The common checks of every Toss Pay call, in the order of REFERENCE.md §1.6.6: the user header, then
/// the app's merchant key. Returns the caller's userKey.
async fn common_checks(
    state: &AppState,
    app: &PartnerApp,
    headers: &HeaderMap,
    need: KeyNeed,
) -> Result<(i64, store::PaySettings), AitError> {
    let user_key = known_user(state, app, headers, BAD).await?;
    let settings = store::settings(state.db.reader(), &app.app_id).await?;
    match (settings.merchant_key, need) {
        (MerchantKey::Unset, _) | (MerchantKey::PublicTest, KeyNeed::Private) => {
            Err(invalid_api_key())
        }
        _ => Ok((user_key, settings)),
    }
}

/// `cardAuthorizationNo`: `00000000` in TEST mode, 8 random digits in LIVE mode.
fn authorization_no(mode: &str) -> String {
    if mode == "TEST" {
        "00000000".to_owned()
    } else {
        format!("{:08}", secrets::random_in(0..=99_999_999))
    }
}

/// `cashReceiptMgtKey`: 20 characters of `[A-Z0-9]`.
fn cash_receipt_mgt_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..20)
        .map(|_| ALPHABET[secrets::random_in(0..=(ALPHABET.len() as i64 - 1)) as usize] as char)
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// make-payment

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MakePaymentRequest {
    /// ≤ 50 characters of digits, letters and `_-:.^@`; unique per app and mode
    pub order_no: String,
    /// ≤ 255 characters, not blank, without `\` or `"`
    pub product_desc: String,
    /// 1 – 9,999,999
    pub amount: i64,
    pub amount_tax_free: i64,
    pub amount_taxable: Option<i64>,
    pub amount_vat: Option<i64>,
    pub amount_service_fee: Option<i64>,
    /// `TOSS_MONEY` or `CARD`; anything else means both
    pub enable_pay_methods: Option<String>,
    /// Any value other than `true` means `false`
    #[schema(value_type = Option<bool>)]
    pub cash_receipt: Option<Value>,
    /// `GENERAL` (default), `CULTURE` or `PUBLIC_TP`
    pub cash_receipt_trade_option: Option<String>,
    /// `USE` (default) or `NOT_USE`
    pub installment: Option<String>,
    /// `true`: a TEST payment; `false`: a LIVE payment
    pub is_test_payment: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MakePaymentResponse {
    pub pay_token: String,
}

/// A validated make-payment request.
struct NewPayment {
    split: pay::TaxSplit,
    enable_pay_methods: Option<&'static str>,
    trade_option: &'static str,
    installment: &'static str,
}

fn validate_make(r: &MakePaymentRequest) -> Option<NewPayment> {
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
    Some(NewPayment {
        split,
        enable_pay_methods: pay::enable_pay_methods(r.enable_pay_methods.as_deref())?,
        trade_option: pay::trade_option(r.cash_receipt_trade_option.as_deref())?,
        installment: pay::installment(r.installment.as_deref())?,
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
    app: PartnerApp,
    headers: HeaderMap,
    body: Body,
) -> Result<AitSuccess<MakePaymentResponse>, AitError> {
    let (user_key, _) = common_checks(&state, &app, &headers, KeyNeed::Any).await?;
    let request: MakePaymentRequest = read_json(body).await?;
    let valid = validate_make(&request).ok_or_else(AitError::invalid_parameter)?;
    let now = state.clock.now(&state.db).await?;
    let pay_token = secrets::random_alnum(22);
    let cash_receipt = matches!(request.cash_receipt, Some(Value::Bool(true)));
    // The unique (app, mode, orderNo) constraint decides between concurrent creates.
    let inserted = sqlx::query(
        "INSERT INTO ait_payments (pay_token, app_id, mode, user_key, order_no, product_desc, status, amount, \
         amount_tax_free, amount_taxable, amount_vat, amount_service_fee, enable_pay_methods, cash_receipt, \
         cash_receipt_trade_option, installment, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (app_id, mode, order_no) DO NOTHING",
    )
    .bind(&pay_token)
    .bind(&app.app_id)
    .bind(mode(request.is_test_payment))
    .bind(user_key)
    .bind(&request.order_no)
    .bind(&request.product_desc)
    .bind(pay::PAY_STANDBY)
    .bind(request.amount)
    .bind(valid.split.tax_free)
    .bind(valid.split.taxable)
    .bind(valid.split.vat)
    .bind(valid.split.service_fee)
    .bind(valid.enable_pay_methods)
    .bind(i64::from(cash_receipt))
    .bind(valid.trade_option)
    .bind(valid.installment)
    .bind(now.micros())
    .bind(now.plus_seconds(pay::PAYMENT_LIFETIME_SECONDS).micros())
    .execute(state.db.writer())
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(fail("PAYMENT_EXISTING_PAYMENT", "이미 존재하는 결제예요."));
    }
    Ok(AitSuccess(MakePaymentResponse { pay_token }))
}

// ---------------------------------------------------------------------------------------------------
// execute-payment

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutePaymentRequest {
    /// ≤ 30 characters
    pub pay_token: String,
    /// If given, must be the payment's orderNo
    pub order_no: Option<String>,
    pub is_test_payment: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutePaymentResponse {
    pub code: i64,
    pub mode: String,
    pub order_no: String,
    pub amount: i64,
    /// yyyy-MM-dd HH:mm:ss, KST
    pub approval_time: String,
    pub state_msg: &'static str,
    pub discounted_amount: i64,
    pub paid_amount: i64,
    pub pay_method: Option<String>,
    pub pay_token: String,
    pub transaction_id: String,
    pub card_company_code: Option<i64>,
    pub card_company_name: Option<&'static str>,
    pub card_authorization_no: Option<String>,
    pub spread_out: Option<i64>,
    pub no_interest: Option<bool>,
    pub sales_check_link_url: Option<String>,
    pub card_method_type: Option<String>,
    pub card_number: Option<String>,
    pub card_user_type: Option<String>,
    pub card_num4_print: Option<String>,
    pub card_bin_number: Option<String>,
    pub cash_receipt_mgt_key: Option<String>,
    pub account_bank_code: Option<String>,
    pub account_bank_name: Option<&'static str>,
    pub account_number: Option<String>,
    pub msg: Option<String>,
    pub error_code: Option<String>,
}

impl ExecutePaymentResponse {
    fn new(p: &Payment, approval: Instant, public_url: &str) -> ExecutePaymentResponse {
        let card = p.is_card();
        let money = p.is_toss_money();
        ExecutePaymentResponse {
            code: 0,
            mode: p.mode.clone(),
            order_no: p.order_no.clone(),
            amount: p.amount,
            approval_time: approval.kst_plain(),
            state_msg: "결제 완료",
            discounted_amount: p.discounted_amount(),
            paid_amount: p.paid_amount,
            pay_method: p.pay_method.clone(),
            pay_token: p.pay_token.clone(),
            transaction_id: p.pay_transaction_id.clone().unwrap_or_default(),
            card_company_code: p.card_company_code.filter(|_| card),
            card_company_name: p.card_company_name().filter(|_| card),
            card_authorization_no: p.card_authorization_no.clone().filter(|_| card),
            spread_out: p.spread_out.filter(|_| card),
            no_interest: p.no_interest.filter(|_| card),
            sales_check_link_url: p.sales_check_link_url(public_url),
            card_method_type: p.card_method_type.clone().filter(|_| card),
            card_number: p.card_number().filter(|_| card),
            card_user_type: p.card_user_type.clone().filter(|_| card),
            card_num4_print: p.card_last4.clone().filter(|_| card),
            card_bin_number: p.card_bin.clone().filter(|_| card),
            cash_receipt_mgt_key: p.cash_receipt_mgt_key.clone(),
            account_bank_code: p.account_bank_code.clone().filter(|_| money),
            account_bank_name: p.account_bank_name().filter(|_| money),
            account_number: p.account_number.clone().filter(|_| money),
            msg: None,
            error_code: None,
        }
    }
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
    app: PartnerApp,
    headers: HeaderMap,
    body: Body,
) -> Result<AitSuccess<ExecutePaymentResponse>, AitError> {
    let (user_key, settings) = common_checks(&state, &app, &headers, KeyNeed::Private).await?;
    let request: ExecutePaymentRequest = read_json(body).await?;
    if request.pay_token.chars().count() > pay::MAX_PAY_TOKEN_CHARS {
        return Err(AitError::invalid_parameter());
    }
    let mode = mode(request.is_test_payment);
    let lookup = Lookup {
        app_id: &app.app_id,
        mode,
        user_key,
        pay_token: Some(&request.pay_token),
        order_no: None,
    };
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let mut payment = lookup
        .lock(&state.db, &mut tx)
        .await?
        .ok_or_else(|| not_found(BAD))?;
    if request
        .order_no
        .as_deref()
        .is_some_and(|o| o != payment.order_no)
    {
        return Err(fail(
            "PAYMENT_ORDER_NO_MISMATCH",
            "주문번호가 일치하지 않아요.",
        ));
    }
    store::expire_if_due(&mut *tx, &mut payment, now).await?;
    if let Err(refusal) = pay::check_execute(&payment.status) {
        // The expiry, if it just happened, is kept.
        tx.commit().await?;
        return Err(match refusal {
            ExecuteRefusal::Canceled => fail("PAYMENT_CANCELED", "취소된 결제예요."),
            ExecuteRefusal::NotApproved => fail(
                "PAYMENT_NOT_APPROVED",
                "구매자 인증이 완료되지 않은 결제예요.",
            ),
            ExecuteRefusal::AlreadyCompleted => already_completed(),
        });
    }
    if payment.is_toss_money() && settings.in_maintenance(now) {
        return Err(break_time_of_bank());
    }
    payment.paid_amount = payment.amount - payment.discounted_amount();
    payment.refundable_amount = payment.amount;
    payment.paid_at = Some(now);
    payment.pay_transaction_id = Some(uuid::v4());
    if payment.is_card() {
        payment.card_authorization_no = Some(authorization_no(&payment.mode));
    }
    if payment.is_toss_money() && payment.cash_receipt {
        payment.cash_receipt_mgt_key = Some(cash_receipt_mgt_key());
    }
    // Exactly once: only the update that still finds PAY_APPROVED executes.
    let updated = sqlx::query(
        "UPDATE ait_payments SET status = $1, paid_amount = $2, refundable_amount = $3, paid_at = $4, \
         pay_transaction_id = $5, card_authorization_no = $6, cash_receipt_mgt_key = $7 \
         WHERE seq = $8 AND status = $9",
    )
    .bind(PAY_COMPLETE)
    .bind(payment.paid_amount)
    .bind(payment.refundable_amount)
    .bind(now.micros())
    .bind(&payment.pay_transaction_id)
    .bind(&payment.card_authorization_no)
    .bind(&payment.cash_receipt_mgt_key)
    .bind(payment.seq)
    .bind(pay::PAY_APPROVED)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated != 1 {
        return Err(already_completed());
    }
    let transaction_id = payment.pay_transaction_id.clone().unwrap_or_default();
    store::insert_transaction(
        &mut tx,
        &NewTransaction {
            pay_token: &payment.pay_token,
            step_type: "PAY",
            transaction_id: &transaction_id,
            refund_no: None,
            paid_amount: payment.paid_amount,
            transaction_amount: payment.amount,
            discounted_amount: payment.discounted_amount(),
            point_amount: payment.paid_point,
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(AitSuccess(ExecutePaymentResponse::new(
        &payment,
        now,
        &state.settings.public_url,
    )))
}

fn already_completed() -> AitError {
    fail("PAYMENT_ALREADY_COMPLETED", "이미 완료된 결제예요.")
}

// ---------------------------------------------------------------------------------------------------
// refund-payment

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundPaymentRequest {
    /// ≤ 30 characters
    pub pay_token: String,
    /// ≤ 55 characters of Hangul, digits, letters, space and `_-:.^@()[]#/!%?&`
    pub reason: Option<String>,
    pub is_test_payment: bool,
    /// tossd extension: a partial refund (1 ≤ amount ≤ refundableAmount); omitted → the whole remainder
    pub amount: Option<i64>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundPaymentResponse {
    pub refund_no: String,
    /// yyyy-MM-dd HH:mm:ss, KST
    pub approval_time: String,
    pub cash_receipt_mgt_key: Option<String>,
    /// What remains refundable after this refund
    pub refundable_amount: i64,
    pub discounted_amount: i64,
    pub paid_amount: i64,
    /// This refund's amount
    pub refunded_amount: i64,
    pub refunded_discount_amount: i64,
    pub refunded_paid_amount: i64,
    pub pay_token: String,
    pub transaction_id: String,
    pub card_method_type: Option<String>,
    pub card_number: Option<String>,
    pub card_user_type: Option<String>,
    pub card_num4_print: Option<String>,
    pub card_bin_number: Option<String>,
    pub account_bank_code: Option<String>,
    pub account_bank_name: Option<&'static str>,
    pub account_number: Option<String>,
}

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
    app: PartnerApp,
    headers: HeaderMap,
    body: Body,
) -> Result<AitSuccess<RefundPaymentResponse>, AitError> {
    let (user_key, settings) = common_checks(&state, &app, &headers, KeyNeed::Private).await?;
    let request: RefundPaymentRequest = read_json(body).await?;
    if request.pay_token.chars().count() > pay::MAX_PAY_TOKEN_CHARS
        || request
            .reason
            .as_deref()
            .is_some_and(|r| !pay::is_refund_reason(r))
        || request.amount.is_some_and(|a| a < 1)
    {
        return Err(AitError::invalid_parameter());
    }
    let lookup = Lookup {
        app_id: &app.app_id,
        mode: mode(request.is_test_payment),
        user_key,
        pay_token: Some(&request.pay_token),
        order_no: None,
    };
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let mut payment = lookup
        .lock(&state.db, &mut tx)
        .await?
        .ok_or_else(|| not_found(BAD))?;
    store::expire_if_due(&mut *tx, &mut payment, now).await?;
    let amount =
        match pay::refund_amount(&payment.status, payment.refundable_amount, request.amount) {
            Ok(amount) => amount,
            Err(refusal) => {
                tx.commit().await?;
                return Err(refund_refusal(refusal));
            }
        };
    if payment.is_toss_money() && settings.in_maintenance(now) {
        return Err(break_time_of_bank());
    }
    let (earlier_paid, earlier_points) =
        store::refunded_so_far(&mut tx, &payment.pay_token).await?;
    let split = pay::refund_split(
        amount,
        payment.paid_amount,
        payment.paid_point,
        earlier_paid,
        earlier_points,
    );
    // Exactly once, never below zero: the update only applies while enough remains.
    let updated = sqlx::query(
        "UPDATE ait_payments SET refundable_amount = refundable_amount - $1, \
         status = CASE WHEN refundable_amount = $1 THEN $2 ELSE $3 END \
         WHERE seq = $4 AND status = $3 AND refundable_amount >= $1",
    )
    .bind(amount)
    .bind(REFUND_SUCCESS)
    .bind(PAY_COMPLETE)
    .bind(payment.seq)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated != 1 {
        return Err(refund_refusal(RefundRefusal::AmountExceeded));
    }
    let transaction_id = uuid::v4();
    let refund_no = uuid::v4();
    store::insert_transaction(
        &mut tx,
        &NewTransaction {
            pay_token: &payment.pay_token,
            step_type: "REFUND",
            transaction_id: &transaction_id,
            refund_no: Some(&refund_no),
            paid_amount: split.paid,
            transaction_amount: -amount,
            discounted_amount: split.discount,
            point_amount: split.points,
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    let card = payment.is_card();
    let money = payment.is_toss_money();
    Ok(AitSuccess(RefundPaymentResponse {
        refund_no,
        approval_time: now.kst_plain(),
        cash_receipt_mgt_key: payment.cash_receipt_mgt_key.clone(),
        refundable_amount: payment.refundable_amount - amount,
        discounted_amount: payment.discounted_amount(),
        paid_amount: payment.paid_amount,
        refunded_amount: amount,
        refunded_discount_amount: split.discount,
        refunded_paid_amount: split.paid,
        pay_token: payment.pay_token.clone(),
        transaction_id,
        card_method_type: payment.card_method_type.clone().filter(|_| card),
        card_number: payment.card_number().filter(|_| card),
        card_user_type: payment.card_user_type.clone().filter(|_| card),
        card_num4_print: payment.card_last4.clone().filter(|_| card),
        card_bin_number: payment.card_bin.clone().filter(|_| card),
        account_bank_code: payment.account_bank_code.clone().filter(|_| money),
        account_bank_name: payment.account_bank_name().filter(|_| money),
        account_number: payment.account_number.clone().filter(|_| money),
    }))
}

fn refund_refusal(refusal: RefundRefusal) -> AitError {
    match refusal {
        RefundRefusal::NotRefundable => fail("PAYMENT_NOT_REFUNDABLE", "환불할 수 없는 결제예요."),
        RefundRefusal::AlreadyRefunded => fail("PAYMENT_ALREADY_REFUNDED", "이미 환불된 결제예요."),
        RefundRefusal::AmountExceeded => fail(
            "PAYMENT_REFUND_AMOUNT_EXCEEDED",
            "환불 가능 금액을 초과했어요.",
        ),
    }
}

// ---------------------------------------------------------------------------------------------------
// get-payment-status

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentStatusRequest {
    /// payToken or orderNo (or both, naming the same payment)
    pub pay_token: Option<String>,
    pub order_no: Option<String>,
    pub is_test_payment: bool,
}

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
    app: PartnerApp,
    headers: HeaderMap,
    body: Body,
) -> Result<AitSuccess<PaymentStatusView>, AitError> {
    let (user_key, _) = common_checks(&state, &app, &headers, KeyNeed::Any).await?;
    let request: PaymentStatusRequest = read_json(body).await?;
    if request.pay_token.is_none() && request.order_no.is_none() {
        return Err(AitError::invalid_parameter());
    }
    let lookup = Lookup {
        app_id: &app.app_id,
        mode: mode(request.is_test_payment),
        user_key,
        pay_token: request.pay_token.as_deref(),
        order_no: request.order_no.as_deref(),
    };
    let mut payment = lookup
        .find(&state.db)
        .await?
        .ok_or_else(|| not_found(StatusCode::NOT_FOUND))?;
    let now = state.clock.now(&state.db).await?;
    store::expire_if_due(state.db.writer(), &mut payment, now).await?;
    let view =
        PaymentStatusView::load(state.db.reader(), &payment, &state.settings.public_url).await?;
    Ok(AitSuccess(view))
}
