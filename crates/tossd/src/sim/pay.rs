//! The simulated Toss Pay sheet (`checkoutPayment`): the buyer authenticates or closes it
//! (docs/reference.md §2.3 "Simulated pay sheet", §3.1), and the app's Toss Pay settings.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::apps_in_toss::pay::{self as pay_api, PaymentStatusView};
use crate::domain::pay::{
    self, AccountChoice, Approval, CardChoice, Means, MerchantKey, PayMethod, PaySettings, Payment,
};
use crate::domain::time::Instant;
use crate::sim::{SimError, SimJson, SimPath};
use crate::state::AppState;
use crate::store::pay as store;
use crate::store::Tx;

fn conflict(message: impl Into<String>) -> SimError {
    SimError {
        status: StatusCode::CONFLICT,
        code: "INVALID_STATE",
        message: message.into(),
    }
}

/// Opens a transaction on the payment, locked, with its expiry applied, if the pay sheet still takes an
/// answer; 404 when there is none, 409 (with the expiry kept) when it has had its answer.
async fn open_sheet(state: &AppState, pay_token: &str) -> Result<(Tx, Payment), SimError> {
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let mut payment = store::lock_by_token(&state.db, &mut tx, pay_token)
        .await?
        .ok_or_else(|| SimError::not_found("no payment with this payToken"))?;
    store::expire_if_due(&mut *tx, &mut payment, now).await?;
    if !pay::sheet_open(payment.status) {
        tx.commit().await?;
        return Err(conflict(format!(
            "the payment is {}, not PAY_STANDBY",
            payment.status.as_str()
        )));
    }
    Ok((tx, payment))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApproveRequest {
    /// `CARD` or `TOSS_MONEY`; default `TOSS_MONEY` when the payment allows it, else `CARD`
    pub pay_method: Option<String>,
    /// Card company 1–10 except 9 (씨티, unsupported); default 2 (현대카드)
    pub card_company_code: Option<i64>,
    /// `CREDIT` (default), `CHECK` or `PREPAYMENT`
    pub card_method_type: Option<String>,
    /// `PERSONAL` (default), `PERSONAL_FAMILY`, `CORP_PERSONAL`, `CORP_PRIVATE`, `CORP_COMPANY`
    pub card_user_type: Option<String>,
    /// Installment months (0 = lump sum, the default; 2–36 only for card payments of at least 50,000
    /// created with `installment: USE`)
    pub spread_out: Option<i64>,
    /// Interest-free installment; default false
    pub no_interest: Option<bool>,
    /// Instant discount; default 0
    pub discount_amount: Option<i64>,
    /// Toss points used; default 0 (discount + points ≤ amount)
    pub point_amount: Option<i64>,
    /// Toss Pay bank code of the Toss Money account; default `092` (토스뱅크)
    pub account_bank_code: Option<String>,
}

/// The buyer's choices in the pay sheet, checked against the payment.
fn choose(payment: &Payment, r: ApproveRequest) -> Result<Approval, SimError> {
    let enabled = payment.enable_pay_methods;
    let method = match r.pay_method.as_deref() {
        None if pay::method_allowed(enabled, PayMethod::TossMoney) => PayMethod::TossMoney,
        None => PayMethod::Card,
        Some(text) => text
            .parse()
            .map_err(|_| SimError::bad_request("payMethod must be CARD or TOSS_MONEY"))?,
    };
    if !pay::method_allowed(enabled, method) {
        return Err(SimError::bad_request(format!(
            "this payment only accepts {}",
            enabled.map(PayMethod::as_str).unwrap_or_default()
        )));
    }
    let discount_amount = r.discount_amount.unwrap_or(0);
    let paid_point = r.point_amount.unwrap_or(0);
    if !pay::discount_fits(payment.amount, discount_amount, paid_point) {
        return Err(SimError::bad_request(
            "discountAmount and pointAmount must be ≥ 0 and together at most the amount",
        ));
    }
    let means = match method {
        PayMethod::Card => {
            let company_code = r.card_company_code.unwrap_or(2);
            if !pay::card_company_supported(company_code) {
                return Err(SimError::bad_request(
                    "cardCompanyCode must be 1–10 (9, 씨티, is not supported)",
                ));
            }
            let method_type = r.card_method_type.unwrap_or_else(|| "CREDIT".into());
            if !pay::CARD_METHOD_TYPES.contains(&method_type.as_str()) {
                return Err(SimError::bad_request(
                    "cardMethodType must be CREDIT, CHECK or PREPAYMENT",
                ));
            }
            let user_type = r.card_user_type.unwrap_or_else(|| "PERSONAL".into());
            if !pay::CARD_USER_TYPES.contains(&user_type.as_str()) {
                return Err(SimError::bad_request("unknown cardUserType"));
            }
            let spread_out = r.spread_out.unwrap_or(0);
            if !pay::installment_months_allowed(payment.amount, payment.installment, spread_out) {
                return Err(SimError::bad_request(
                    "spreadOut other than 0 needs 2–36 months, an amount of at least 50,000 and installment USE",
                ));
            }
            Means::Card(CardChoice {
                company_code,
                method_type,
                user_type,
                bin: "123456".into(),
                last4: "3456".into(),
                spread_out,
                no_interest: r.no_interest.unwrap_or(false),
            })
        }
        PayMethod::TossMoney => {
            let bank_code = r.account_bank_code.unwrap_or_else(|| "092".into());
            if pay::bank_name(&bank_code).is_none() {
                return Err(SimError::bad_request("unknown accountBankCode"));
            }
            Means::TossMoney(AccountChoice {
                bank_code,
                number: "100******094".into(),
            })
        }
    };
    Ok(Approval {
        means,
        discount_amount,
        paid_point,
    })
}

/// The buyer authenticates in the pay sheet: the payment becomes `PAY_APPROVED` with the chosen method.
#[utoipa::path(post, path = "/sim/v1/pay/{payToken}/approve", tag = "Simulator",
    params(("payToken" = String, Path)), request_body = ApproveRequest,
    responses((status = 200, body = PaymentStatusView), (status = 400, description = "a choice is invalid"),
        (status = 404, description = "no such payment"), (status = 409, description = "not PAY_STANDBY")))]
pub async fn approve(
    State(state): State<AppState>,
    SimPath(pay_token): SimPath<String>,
    SimJson(request): SimJson<ApproveRequest>,
) -> Result<Json<PaymentStatusView>, SimError> {
    let (mut tx, mut payment) = open_sheet(&state, &pay_token).await?;
    let approval = choose(&payment, request)?;
    payment.approve(approval);
    if !store::record_approval(&mut tx, &payment).await? {
        return Err(conflict("the payment was answered meanwhile"));
    }
    let view = pay_api::load_status_view(&mut *tx, &payment, &state.settings.public_url).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// The buyer closes the pay sheet: a `PAY_STANDBY` payment becomes `PAY_CANCEL`.
#[utoipa::path(post, path = "/sim/v1/pay/{payToken}/cancel", tag = "Simulator", operation_id = "sim_pay_cancel",
    params(("payToken" = String, Path)),
    responses((status = 200, body = PaymentStatusView), (status = 404, description = "no such payment"),
        (status = 409, description = "not PAY_STANDBY")))]
pub async fn cancel(
    State(state): State<AppState>,
    SimPath(pay_token): SimPath<String>,
) -> Result<Json<PaymentStatusView>, SimError> {
    let (mut tx, mut payment) = open_sheet(&state, &pay_token).await?;
    payment.close_sheet();
    if !store::record_sheet_closed(&mut tx, payment.seq).await? {
        return Err(conflict("the payment was answered meanwhile"));
    }
    let view = pay_api::load_status_view(&mut *tx, &payment, &state.settings.public_url).await?;
    tx.commit().await?;
    Ok(Json(view))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TossPaySettingsRequest {
    /// The merchant key registered in the console: absent or null → none (every pay call fails with
    /// COMMON_INVALID_API_KEY); the public test key `sk_test_w5lNQylNqa5lNQe013Nq` → payments can be made
    /// and looked up but not executed or refunded; anything else → everything works. Not stored.
    pub merchant_key: Option<String>,
    /// Start of a bank maintenance window (RFC 3339); give both ends or neither
    pub maintenance_from: Option<String>,
    /// End (exclusive) of the bank maintenance window (RFC 3339)
    pub maintenance_until: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TossPaySettingsView {
    pub app_id: String,
    /// `PRIVATE`, `PUBLIC_TEST` or null (none registered)
    pub merchant_key: Option<&'static str>,
    pub maintenance_from: Option<String>,
    pub maintenance_until: Option<String>,
}

/// Replaces an app's Toss Pay settings (`default` names the default app).
#[utoipa::path(post, path = "/sim/v1/apps/{appId}/toss-pay", tag = "Simulator",
    params(("appId" = String, Path)), request_body = TossPaySettingsRequest,
    responses((status = 200, body = TossPaySettingsView), (status = 400), (status = 404)))]
pub async fn set_toss_pay(
    State(state): State<AppState>,
    SimPath(app_id): SimPath<String>,
    SimJson(request): SimJson<TossPaySettingsRequest>,
) -> Result<Json<TossPaySettingsView>, SimError> {
    let app = crate::sim::identities::app(&state.db, Some(&app_id)).await?;
    let instant = |text: &str| {
        Instant::parse_rfc3339(text)
            .ok_or_else(|| SimError::bad_request("maintenance times must be RFC 3339 instants"))
    };
    let maintenance = match (
        request.maintenance_from.as_deref(),
        request.maintenance_until.as_deref(),
    ) {
        (None, None) => None,
        (Some(from), Some(until)) => Some((instant(from)?, instant(until)?)),
        _ => {
            return Err(SimError::bad_request(
                "give both maintenanceFrom and maintenanceUntil, or neither",
            ))
        }
    };
    let settings = PaySettings {
        merchant_key: MerchantKey::of(request.merchant_key.as_deref()),
        maintenance,
    };
    store::save_settings(&state.db, &app.app_id, &settings).await?;
    Ok(Json(TossPaySettingsView {
        app_id: app.app_id,
        merchant_key: settings.merchant_key.map(MerchantKey::as_str),
        maintenance_from: maintenance.map(|(f, _)| f.rfc3339_micros()),
        maintenance_until: maintenance.map(|(_, u)| u.rfc3339_micros()),
    }))
}
