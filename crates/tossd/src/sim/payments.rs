//! Operator shortcut: a BrandPay payment approved by a registered test card (or account) of the default
//! merchant, without going through the window and confirm. Useful to test lookup and cancel.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::merchant::Mode;
use crate::domain::payment::{AcquireStatus, Amounts, Approval, Card, NewPayment, Payment};
use crate::sim::{SimError, SimJson};
use crate::state::AppState;
use crate::store::merchants;
use crate::store::payments::{self as store, StoredPayment, WriteError};
use crate::web::json_response;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimPaymentRequest {
    /// 6–64 characters of `A–Z a–z 0–9 - _`
    pub order_id: String,
    /// 1–100 characters
    pub order_name: String,
    /// At least 1
    pub amount: i64,
    /// 0 ≤ value ≤ amount; default 0
    pub tax_free_amount: Option<i64>,
    /// `CARD` (default) or `TRANSFER`
    pub method: Option<String>,
    /// `DONE` (default), or `IN_PROGRESS`: authenticated in the window but not yet confirmed (it
    /// expires 10 minutes later)
    pub status: Option<String>,
}

fn valid_order_id(order_id: &str) -> bool {
    (6..=64).contains(&order_id.len())
        && order_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The simulator's default card (docs/reference.md §6.13): issuer 61, credit, personal.
fn default_card(amount: i64) -> Card {
    Card {
        issuer_code: "61".to_owned(),
        acquirer_code: Some("61".to_owned()),
        number: "43301234****123*".to_owned(),
        installment_plan_months: 0,
        is_interest_free: false,
        interest_payer: None,
        approve_no: "00000000".to_owned(),
        use_card_point: false,
        card_type: "신용".to_owned(),
        owner_type: "개인".to_owned(),
        acquire_status: AcquireStatus::Ready.as_str().to_owned(),
        amount,
    }
}

/// Creates a `DONE` payment of the default merchant (test mode), as if approved by a registered test
/// card (`CARD`) or account (`TRANSFER`, bank 88). No webhook is queued, as for auto-pay approvals.
/// With `status: IN_PROGRESS` the payment is only authenticated and waits for a confirm.
#[utoipa::path(post, path = "/sim/v1/payments", tag = "Simulator", request_body = SimPaymentRequest,
    responses(
        (status = 200, description = "The approved Payment object", body = toss_wire::tosspayments::payments::Payment),
        (status = 400, description = "INVALID_REQUEST or DUPLICATED_ORDER_ID"),
    ))]
pub async fn create_payment(
    State(state): State<AppState>,
    SimJson(request): SimJson<SimPaymentRequest>,
) -> Result<Response, SimError> {
    if !valid_order_id(&request.order_id) {
        return Err(SimError::bad_request(
            "orderId must be 6-64 characters of A-Z a-z 0-9 - _",
        ));
    }
    if !(1..=100).contains(&request.order_name.chars().count()) {
        return Err(SimError::bad_request("orderName must be 1-100 characters"));
    }
    let amounts =
        Amounts::new(request.amount, request.tax_free_amount.unwrap_or(0)).ok_or_else(|| {
            SimError::bad_request("amount must be at least 1 and taxFreeAmount within 0..=amount")
        })?;
    let approval = match request.method.as_deref().unwrap_or("CARD") {
        "CARD" => Approval::Card(default_card(request.amount)),
        "TRANSFER" => Approval::Transfer {
            bank_code: "88".to_owned(),
        },
        _ => return Err(SimError::bad_request("method must be CARD or TRANSFER")),
    };
    let approve = match request.status.as_deref().unwrap_or("DONE") {
        "DONE" => true,
        "IN_PROGRESS" => false,
        _ => return Err(SimError::bad_request("status must be DONE or IN_PROGRESS")),
    };
    let merchant = merchants::default_merchant(state.db.reader())
        .await?
        .ok_or_else(|| SimError::not_found("no default merchant"))?;
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let mut payment = Payment::ready(
        NewPayment {
            mid: merchant.mid,
            order_id: request.order_id,
            order_name: request.order_name,
            amounts,
            culture_expense: false,
            metadata: None,
        },
        now,
    );
    payment.authenticate(approval.method().as_str());
    if approve {
        payment.approve(approval, None, now, &state.settings.public_url);
    }
    let duplicate = || SimError {
        status: StatusCode::BAD_REQUEST,
        code: "DUPLICATED_ORDER_ID",
        message: "this orderId already has an approved payment".into(),
    };
    // A window cannot open for an orderId that is already approved (docs/reference.md §2.9); an approval is
    // also refused by the unique index.
    let mode = Mode::Test.as_str();
    if store::order_approved(&mut tx, merchant.id, mode, &payment.order_id).await? {
        return Err(duplicate());
    }
    let mut stored = StoredPayment::new(merchant.id, mode, None, payment);
    match store::insert(&mut tx, &mut stored, now).await {
        Ok(()) => {}
        Err(WriteError::DuplicateApprovedOrder) => return Err(duplicate()),
        Err(WriteError::Conflict) => return Err(anyhow::anyhow!("payment write conflict").into()),
        Err(WriteError::Db(e)) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(json_response(StatusCode::OK, &stored.payment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_follow_the_confirm_rule() {
        assert!(valid_order_id("order-1_A"));
        assert!(!valid_order_id("short"));
        assert!(!valid_order_id(&"a".repeat(65)));
        assert!(!valid_order_id("order=123"));
    }
}
