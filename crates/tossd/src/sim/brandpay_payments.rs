//! The customer's side of a BrandPay payment (docs/reference.md §2.9, §5.2.4, §5.3): authenticating a payment
//! in the BrandPay window (what the SDK's `requestPayment` does before redirecting to the merchant's
//! successUrl with `paymentKey`, `orderId` and `amount`), and making a method decline its next approvals.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::domain::checkout::{self, WindowFacts};
use crate::domain::merchant::{PaymentSettingsChange, TaxType};
use crate::domain::payment::Amounts;
use crate::sim::brandpay::{merchant, MerchantQuery, MODE};
use crate::sim::{SimError, SimJson, SimPath, SimQuery};
use crate::state::AppState;
use crate::store::brandpay as store;
use crate::store::merchants;
use crate::store::payments::{self, StoredPayment, WriteError};
use crate::tosspayments::brandpay::payments::{method_label, refusal_code};
use crate::tosspayments::codes::{self, TpCode};
use crate::tosspayments::payment::{NewPayment, Payment};

/// A window failure carrying the catalogue's code, status and Korean message (the failUrl's `code` and
/// `message`, §5.3).
pub fn fail(code: &'static TpCode) -> SimError {
    SimError {
        status: StatusCode::from_u16(code.status).unwrap_or(StatusCode::BAD_REQUEST),
        code: code.code,
        message: code.ko.to_owned(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WindowPayment {
    /// The customer paying (must be ACTIVE)
    pub customer_key: String,
    /// The chosen method's `id` (`c_…` card, `b_…` account) as the window lists it
    pub method_id: String,
    /// At least 1
    pub amount: i64,
    /// 6–64 characters of `A–Z a–z 0–9 - _`
    pub order_id: String,
    /// 1–100 characters
    pub order_name: String,
    /// The payment password; default `000000`
    pub password: Option<String>,
    /// The merchant (absent or `default`: the default merchant); also accepted as `?mId=`
    #[serde(rename = "mId")]
    pub m_id: Option<String>,
    /// Up to 5 key/value pairs shown as `metadata`
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, Value>>,
}

/// What the window's success redirect carries.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WindowResult {
    pub payment_key: String,
    pub order_id: String,
    pub amount: i64,
}

/// The customer authenticates a payment in the BrandPay window: the payment is created `IN_PROGRESS`
/// (confirm within 10 minutes). Failures create nothing and answer with the failUrl code.
#[utoipa::path(post, path = "/sim/v1/brandpay/payments", tag = "Simulator",
    params(MerchantQuery), request_body = WindowPayment,
    responses(
        (status = 200, body = WindowResult, description = "what the successUrl redirect carries"),
        (status = 400, description = "INVALID_REQUEST, INVALID_ORDER_ID, INVALID_ORDER_NAME, BELOW_ZERO_AMOUNT, NOT_ALLOWED_BRANDPAY_METHOD, DUPLICATED_ORDER_ID"),
        (status = 403, description = "INVALID_PASSWORD, FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER"),
        (status = 404, description = "no such merchant, NOT_FOUND_CUSTOMER, NOT_FOUND_METHOD"),
    ))]
pub async fn authenticate(
    State(state): State<AppState>,
    SimQuery(query): SimQuery<MerchantQuery>,
    SimJson(request): SimJson<WindowPayment>,
) -> Result<Json<WindowResult>, SimError> {
    if !crate::domain::brandpay::is_valid_customer_key(&request.customer_key) {
        return Err(fail(&codes::INVALID_CUSTOMER_KEY));
    }
    if request.amount <= 0 {
        return Err(fail(&codes::BELOW_ZERO_AMOUNT));
    }
    if !checkout::is_valid_order_id(&request.order_id, false) {
        return Err(fail(&codes::INVALID_ORDER_ID));
    }
    if !checkout::is_valid_order_name(&request.order_name) {
        return Err(fail(&codes::INVALID_ORDER_NAME));
    }
    if request.metadata.as_ref().is_some_and(|m| m.len() > 5) {
        return Err(SimError::bad_request("metadata holds at most 5 pairs"));
    }
    let query = MerchantQuery {
        m_id: request.m_id.clone().or(query.m_id),
    };
    let (merchant_id, mid) = merchant(&state, &query).await?;
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let customer =
        store::latest_customer(&mut tx, merchant_id, MODE, &request.customer_key).await?;
    let method = store::method_by_id(&mut tx, merchant_id, MODE, &request.method_id).await?;
    let facts = WindowFacts {
        customer: customer.as_ref(),
        method: method.as_ref(),
        password: request.password.as_deref(),
        order_approved: payments::order_approved(&mut tx, merchant_id, MODE, &request.order_id)
            .await?,
    };
    checkout::window(&facts).map_err(|r| fail(refusal_code(r)))?;
    let method = method.ok_or_else(|| fail(&codes::NOT_FOUND_METHOD))?;
    let amounts = Amounts::new(request.amount, 0).ok_or_else(|| fail(&codes::BELOW_ZERO_AMOUNT))?;
    let mut payment = Payment::ready(
        NewPayment {
            mid,
            order_id: request.order_id.clone(),
            order_name: request.order_name,
            amounts,
            culture_expense: false,
            metadata: request.metadata,
        },
        now,
    );
    payment.authenticate(method_label(&method));
    let mut stored = StoredPayment::new(merchant_id, MODE, Some(request.customer_key), payment);
    stored.method_key = Some(method.method_key.clone());
    match payments::insert(&mut tx, &mut stored, now).await {
        Ok(()) => {}
        Err(WriteError::DuplicateApprovedOrder) => return Err(fail(&codes::DUPLICATED_ORDER_ID)),
        Err(WriteError::Conflict) => return Err(anyhow::anyhow!("payment write conflict").into()),
        Err(WriteError::Db(e)) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(Json(WindowResult {
        payment_key: stored.payment.payment_key,
        order_id: request.order_id,
        amount: request.amount,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeclineSetting {
    /// A decline-capable code for the method's kind (docs/reference.md §5.2.3)
    pub code: String,
    /// How many approvals to decline; default 1; 0 clears
    pub count: Option<i64>,
}

/// Makes a method (by `id` or `methodKey`) decline its next approval(s) with `code` (§5.2.4). A declined
/// confirm or auto-pay records an ABORTED payment with `failure` and answers with the code.
#[utoipa::path(post, path = "/sim/v1/brandpay/methods/{methodId}/decline", tag = "Simulator",
    params(("methodId" = String, Path, description = "the method's id or methodKey")),
    request_body = DeclineSetting,
    responses((status = 200, description = "`{methodId, code, remaining}`"),
        (status = 400, description = "the code cannot decline this kind of method, or a bad count"),
        (status = 404, description = "no such method")))]
pub async fn set_decline(
    State(state): State<AppState>,
    SimPath(method): SimPath<String>,
    SimJson(request): SimJson<DeclineSetting>,
) -> Result<Json<Value>, SimError> {
    let count = request.count.unwrap_or(1);
    if !(0..=1000).contains(&count) {
        return Err(SimError::bad_request("count must be within 0..=1000"));
    }
    let mut conn = state.db.reader().acquire().await?;
    let found = store::method_by_id_or_key(&mut conn, &method)
        .await?
        .ok_or_else(|| SimError::not_found("no such method"))?;
    drop(conn);
    let kind = found.kind();
    if !checkout::is_decline_capable(kind, &request.code) {
        return Err(SimError::bad_request(format!(
            "{} cannot decline a {kind} method (docs/reference.md §5.2.3)",
            request.code
        )));
    }
    store::set_decline(&state.db, found.seq, &request.code, count).await?;
    Ok(Json(
        json!({"methodId": method, "code": request.code, "remaining": count}),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentSettings {
    /// Auto-pay allowed (default on); off makes auto-pay `403 FORBIDDEN_REQUEST`
    pub auto_pay_enabled: Option<bool>,
    /// Accounts pay only 12 hours after registration (default off): `RESTRICTED_TRANSFER_ACCOUNT`
    pub restrict_new_accounts: Option<bool>,
    /// `MIXED` (default, request taxFreeAmount values apply) or `GENERAL` (always 0)
    pub tax_type: Option<String>,
}

/// Changes a merchant's BrandPay payment settings (docs/reference.md §6.7); absent fields keep their value.
#[utoipa::path(patch, path = "/sim/v1/merchants/{mId}/payment-settings", tag = "Simulator",
    params(("mId" = String, Path, description = "the merchant's mId, or `default`")),
    request_body = PaymentSettings,
    responses((status = 200, description = "`{mId, autoPayEnabled, restrictNewAccounts, taxType}`"),
        (status = 400, description = "taxType is not MIXED or GENERAL"),
        (status = 404, description = "no such merchant")))]
pub async fn update_payment_settings(
    State(state): State<AppState>,
    SimPath(mid): SimPath<String>,
    SimJson(request): SimJson<PaymentSettings>,
) -> Result<Json<Value>, SimError> {
    let tax_type = request
        .tax_type
        .as_deref()
        .map(str::parse::<TaxType>)
        .transpose()
        .map_err(|_| SimError::bad_request("taxType must be MIXED or GENERAL"))?;
    let merchant = crate::sim::identities::merchant(&state.db, Some(&mid)).await?;
    let settings = merchants::update_payment_settings(
        &state.db,
        &merchant.mid,
        PaymentSettingsChange {
            auto_pay_enabled: request.auto_pay_enabled,
            restrict_new_accounts: request.restrict_new_accounts,
            tax_type,
        },
    )
    .await?
    .ok_or_else(|| SimError::not_found("no such merchant"))?;
    Ok(Json(json!({
        "mId": merchant.mid,
        "autoPayEnabled": settings.auto_pay_enabled,
        "restrictNewAccounts": settings.restrict_new_accounts,
        "taxType": settings.tax_type,
    })))
}
