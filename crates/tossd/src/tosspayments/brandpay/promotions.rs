//! `GET /v1/brandpay/promotions/card` and `/bank` (docs/reference.md §2.11): the merchant's promotions whose
//! `dueDate` has not passed.

use axum::extract::State;
use axum::response::Response;

use crate::state::AppState;
use crate::store::brandpay as store;
use crate::tosspayments::auth::Merchant;
use crate::tosspayments::brandpay::catalogue;
use crate::tosspayments::brandpay::ok;
use crate::tosspayments::TpError;
use toss_wire::tosspayments::brandpay::promotions::{BankPromotions, CardPromotions};

/// Card promotions: instant discounts, interest-free installments, card points.
#[utoipa::path(
    get,
    path = "/v1/brandpay/promotions/card",
    tag = "BrandPay",
    responses(
        (status = 200, body = CardPromotions),
        (status = 401, description = "UNAUTHORIZED_KEY"),
    ),
    security(("basic" = []))
)]
pub async fn card_promotions(
    State(state): State<AppState>,
    merchant: Merchant,
) -> Result<Response, TpError> {
    let promotions = running(&state, &merchant).await?;
    Ok(ok(&catalogue::card_promotions(&promotions)))
}

/// Bank promotions: instant discounts.
#[utoipa::path(
    get,
    path = "/v1/brandpay/promotions/bank",
    tag = "BrandPay",
    responses(
        (status = 200, body = BankPromotions),
        (status = 401, description = "UNAUTHORIZED_KEY"),
    ),
    security(("basic" = []))
)]
pub async fn bank_promotions(
    State(state): State<AppState>,
    merchant: Merchant,
) -> Result<Response, TpError> {
    let promotions = running(&state, &merchant).await?;
    Ok(ok(&catalogue::bank_promotions(&promotions)))
}

/// The merchant's promotions running now.
async fn running(
    state: &AppState,
    merchant: &Merchant,
) -> Result<Vec<crate::domain::brandpay::Promotion>, TpError> {
    let now = state.clock.now(&state.db).await?;
    let mut conn = state.db.reader().acquire().await?;
    Ok(store::active_promotions(&mut conn, merchant.id, &merchant.mode, now).await?)
}
