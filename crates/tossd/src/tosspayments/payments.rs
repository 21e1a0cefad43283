//! Core payment lookup and cancel (docs/reference.md §2.12). Lookups and cancels apply a due expiry first
//! (§3.6); cancels lock the payment row, so concurrent cancels of one payment are serialised and the
//! balance never goes below zero.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use serde_json::Value;
use toss_wire::tosspayments::payments::Payment as WirePayment;
use utoipa::ToSchema;

use crate::domain::payment::{self as rules, CancelAsk, CancelRefusal, Payment};
use crate::state::AppState;
use crate::store::payments::{self as store, PaymentDocument, StoredPayment, WriteError};
use crate::store::Snapshot;
use crate::tosspayments::auth::{merchant_of, Merchant};
use crate::tosspayments::credential::KeyEpoch;
use crate::tosspayments::error::prefers_english;
use crate::tosspayments::idempotency::Idempotency;
use crate::tosspayments::{codes, PaymentPath, TpError, TpJson};
use crate::web::{json_response, raw_json_response};

/// A payment visible to `merchant`: `NOT_FOUND_PAYMENT` when it does not exist, `INVALID_API_KEY` when it
/// belongs to another merchant or mode.
pub fn visible_to(
    stored: Option<StoredPayment>,
    merchant: &Merchant,
) -> Result<StoredPayment, TpError> {
    let stored = stored.ok_or(TpError(&codes::NOT_FOUND_PAYMENT))?;
    if stored.merchant_id != merchant.id || stored.mode != merchant.mode {
        return Err(TpError(&codes::INVALID_API_KEY));
    }
    Ok(stored)
}

/// The Payment as a 200 response; `failure.message` follows `Accept-Language`.
pub fn payment_response(payment: &Payment, headers: &HeaderMap) -> Response {
    json_response(StatusCode::OK, &as_answered(payment, headers))
}

/// The Payment as the caller is answered: `failure.message` follows `Accept-Language`.
pub fn as_answered(payment: &Payment, headers: &HeaderMap) -> WirePayment {
    let mut answer = payment.to_wire();
    if prefers_english(headers) {
        in_english(&mut answer);
    }
    answer
}

/// The document as an English caller sees it: `failure.message` follows `Accept-Language`
/// (docs/reference.md §2.6.1); every other value stays Korean (§1.5).
fn in_english(payment: &mut WirePayment) {
    if let Some(failure) = &mut payment.failure {
        if let Some(code) = codes::by_name(&failure.code) {
            failure.message = code.en.to_owned();
        }
    }
}

/// paymentKey로 결제 조회
#[utoipa::path(
    get,
    path = "/v1/payments/{paymentKey}",
    tag = "Toss Payments core",
    params(("paymentKey" = String, Path, description = "The payment's key")),
    responses(
        (status = 200, description = "The Payment object", body = WirePayment),
        (status = 404, description = "NOT_FOUND_PAYMENT"),
        (status = 401, description = "UNAUTHORIZED_KEY"),
    ),
    security(("basic" = []))
)]
pub async fn get_by_payment_key(
    State(state): State<AppState>,
    merchant: Merchant,
    key_epoch: Option<Extension<KeyEpoch>>,
    headers: HeaderMap,
    PaymentPath(payment_key): PaymentPath,
) -> Result<Response, TpError> {
    let (snapshot, found) = store::read_by_key(&state.db, &payment_key).await?;
    let merchant = merchant_at(&state, &headers, merchant, key_epoch, &snapshot).await?;
    let document = document_visible_to(found, &merchant)?;
    let now = state.clock.at(snapshot.clock);
    if document.is_due(now) {
        store::expire_if_due(&state.db, &payment_key, now).await?;
        let stored = visible_to(store::find(&state.db, &payment_key).await?, &merchant)?;
        return Ok(payment_response(&stored.payment, &headers));
    }
    document_response(document, &headers)
}

/// orderId로 결제 조회
#[utoipa::path(
    get,
    path = "/v1/payments/orders/{orderId}",
    tag = "Toss Payments core",
    params(("orderId" = String, Path, description = "The merchant's order id")),
    responses(
        (status = 200, description = "The Payment object (the most recent one for this orderId)", body = WirePayment),
        (status = 404, description = "NOT_FOUND_PAYMENT"),
        (status = 401, description = "UNAUTHORIZED_KEY"),
    ),
    security(("basic" = []))
)]
pub async fn get_by_order_id(
    State(state): State<AppState>,
    merchant: Merchant,
    key_epoch: Option<Extension<KeyEpoch>>,
    headers: HeaderMap,
    PaymentPath(order_id): PaymentPath,
) -> Result<Response, TpError> {
    let (snapshot, mut found) =
        store::read_by_order(&state.db, merchant.id, &merchant.mode, &order_id).await?;
    let current = merchant_at(&state, &headers, merchant.clone(), key_epoch, &snapshot).await?;
    if current.id != merchant.id || current.mode != merchant.mode {
        // The key now names another merchant or mode: its orders are other rows.
        found = store::read_by_order(&state.db, current.id, &current.mode, &order_id)
            .await?
            .1;
    }
    let document = found.ok_or(TpError(&codes::NOT_FOUND_PAYMENT))?;
    let now = state.clock.at(snapshot.clock);
    if document.is_due(now) {
        let payment_key = document.decode()?.payment_key;
        store::expire_if_due(&state.db, &payment_key, now).await?;
        let stored = visible_to(store::find(&state.db, &payment_key).await?, &current)?;
        return Ok(payment_response(&stored.payment, &headers));
    }
    document_response(document, &headers)
}

/// The merchant a read may answer for, given the snapshot its statement returned: the one the credentials
/// middleware resolved when that was at the same configuration epoch. Otherwise the key may have been
/// rotated or removed since it was cached, so it is checked again in the database (`crate::cache`).
async fn merchant_at(
    state: &AppState,
    headers: &HeaderMap,
    merchant: Merchant,
    key_epoch: Option<Extension<KeyEpoch>>,
    snapshot: &Snapshot,
) -> Result<Merchant, TpError> {
    if key_epoch.map(|Extension(epoch)| epoch) == Some(KeyEpoch(snapshot.epoch)) {
        return Ok(merchant);
    }
    state.cache.observe(snapshot.epoch);
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    merchant_of(state, header).await
}

/// [`visible_to`] for a stored document.
fn document_visible_to(
    found: Option<PaymentDocument>,
    merchant: &Merchant,
) -> Result<PaymentDocument, TpError> {
    let document = found.ok_or(TpError(&codes::NOT_FOUND_PAYMENT))?;
    if document.merchant_id != merchant.id || document.mode != merchant.mode {
        return Err(TpError(&codes::INVALID_API_KEY));
    }
    Ok(document)
}

/// The stored document as it is, unless `Accept-Language` asks for an English `failure.message`. Only its
/// syntax is checked (a damaged row answers 500, as every undecodable row does): tossd wrote it from a
/// `Payment`, so decoding and encoding it again would change nothing but the cost.
fn document_response(document: PaymentDocument, headers: &HeaderMap) -> Result<Response, TpError> {
    if prefers_english(headers) {
        return Ok(payment_response(&document.decode()?, headers));
    }
    document.check_syntax()?;
    Ok(raw_json_response(StatusCode::OK, document.document))
}

/// The cancel request (§2.12.3). Unknown fields are ignored; a wrong type is `INVALID_REQUEST`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelRequest {
    /// 1–200 characters
    pub cancel_reason: Option<String>,
    /// Amount to cancel; absent = the whole remaining balance
    pub cancel_amount: Option<i64>,
    /// Only for virtual-account payments; ignored
    #[schema(value_type = Option<Object>)]
    pub refund_receive_account: Option<Value>,
    /// Tax-free part of this cancel
    pub tax_free_amount: Option<i64>,
    /// Must be `KRW` when given
    pub currency: Option<String>,
    /// The caller's view of the cancelable balance; the cancel is refused if it differs
    pub refundable_amount: Option<i64>,
}

/// The checks that need no payment, in the order of the error table.
fn validate(request: &CancelRequest) -> Result<(&str, CancelAsk), TpError> {
    let reason = request
        .cancel_reason
        .as_deref()
        .filter(|r| (1..=200).contains(&r.chars().count()))
        .ok_or(TpError(&codes::INVALID_REQUEST))?;
    if request.tax_free_amount.is_some_and(|t| t < 0) {
        return Err(TpError(&codes::INVALID_REQUEST));
    }
    if request.cancel_amount.is_some_and(|a| a <= 0) {
        return Err(TpError(&codes::BELOW_ZERO_AMOUNT));
    }
    if request.currency.as_deref().is_some_and(|c| c != "KRW") {
        return Err(TpError(&codes::INVALID_CURRENCY));
    }
    Ok((
        reason,
        CancelAsk {
            amount: request.cancel_amount,
            tax_free: request.tax_free_amount,
            refundable: request.refundable_amount,
        },
    ))
}

fn refusal(refusal: CancelRefusal) -> TpError {
    TpError(match refusal {
        CancelRefusal::AlreadyCanceled => &codes::ALREADY_CANCELED_PAYMENT,
        CancelRefusal::NotCancelable => &codes::NOT_CANCELABLE_PAYMENT,
        CancelRefusal::RefundableMismatch => &codes::NOT_MATCHES_REFUNDABLE_AMOUNT,
        CancelRefusal::AmountTooLarge => &codes::NOT_CANCELABLE_AMOUNT,
        CancelRefusal::InvalidTaxFree => &codes::INVALID_REQUEST,
        CancelRefusal::BelowDiscount => &codes::EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT,
    })
}

/// 결제 취소
#[utoipa::path(
    post,
    path = "/v1/payments/{paymentKey}/cancel",
    tag = "Toss Payments core",
    params(
        ("paymentKey" = String, Path, description = "The payment's key"),
        ("Idempotency-Key" = Option<String>, Header, description = "Up to 300 characters; replays the first response for 15 days"),
    ),
    request_body = CancelRequest,
    responses(
        (status = 200, description = "The Payment with the new Cancel appended", body = WirePayment),
        (status = 400, description = "INVALID_REQUEST, BELOW_ZERO_AMOUNT, INVALID_CURRENCY, INVALID_API_KEY, ALREADY_CANCELED_PAYMENT, NOT_MATCHES_REFUNDABLE_AMOUNT, EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT"),
        (status = 403, description = "NOT_CANCELABLE_PAYMENT, NOT_CANCELABLE_AMOUNT"),
        (status = 404, description = "NOT_FOUND_PAYMENT"),
        (status = 409, description = "IDEMPOTENT_REQUEST_PROCESSING"),
    ),
    security(("basic" = []))
)]
pub async fn cancel(
    State(state): State<AppState>,
    merchant: Merchant,
    headers: HeaderMap,
    idempotency: Idempotency,
    PaymentPath(payment_key): PaymentPath,
    TpJson(request): TpJson<CancelRequest>,
) -> Result<Response, TpError> {
    let (reason, ask) = validate(&request)?;
    // The row lock (PostgreSQL) or the single writer (SQLite) serialises cancels; the version check on
    // the update is a second guard, after which the decision is taken again on fresh data.
    for _ in 0..3 {
        let mut tx = state.db.begin().await?;
        let now = state.clock.now_in(&mut tx).await?;
        let mut stored = visible_to(
            store::lock(&mut tx, &state.db, &payment_key).await?,
            &merchant,
        )?;
        let expired = match store::expire_locked(&mut tx, &mut stored, now).await {
            Ok(expired) => expired,
            Err(WriteError::Conflict) => continue,
            Err(WriteError::DuplicateApprovedOrder) => return Err(TpError(&codes::COMMON_ERROR)),
            Err(WriteError::Db(e)) => return Err(e.into()),
        };
        let payment = &stored.payment;
        let plan = rules::plan_cancel(
            &payment.status,
            payment.amounts(),
            payment.discount_amount(),
            ask,
        );
        let plan = match plan {
            Ok(plan) => plan,
            Err(r) => {
                // A lazy expiry found on the way is kept, with its webhook.
                if expired {
                    tx.commit().await?;
                }
                return Err(refusal(r));
            }
        };
        let previous = payment.status;
        stored.payment.apply_cancel(&plan, reason, now);
        match store::save_with_event(&mut tx, &mut stored, &previous, now).await {
            Ok(()) => {}
            Err(WriteError::Conflict) => continue,
            Err(WriteError::DuplicateApprovedOrder) => return Err(TpError(&codes::COMMON_ERROR)),
            Err(WriteError::Db(e)) => return Err(e.into()),
        }
        return idempotency
            .commit(tx, &as_answered(&stored.payment, &headers))
            .await;
    }
    Err(TpError(&codes::COMMON_ERROR))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payment::{NewPayment, PaymentMethod};
    use crate::domain::time::Instant;

    #[test]
    fn failures_are_translated_only_in_their_message() {
        let mut p = Payment::ready(NewPayment::sample(), Instant(0));
        p.authenticate(PaymentMethod::Card.as_str());
        let mut english = p.to_wire();
        in_english(&mut english);
        assert_eq!(english, p.to_wire());
        p.abort("REJECT_CARD_COMPANY", codes::REJECT_CARD_COMPANY.ko);
        let mut english = p.to_wire();
        in_english(&mut english);
        let failure = english.failure.as_ref().unwrap();
        assert_eq!(
            (failure.code.as_str(), failure.message.as_str()),
            ("REJECT_CARD_COMPANY", "Payment confirm is rejected")
        );
        assert_eq!(english.method, p.to_wire().method);
        assert_eq!(english.status, p.status);
    }
}
