//! Payment methods: the BrandPayMethod list by access token or secret key, and removal of a card or an
//! account (docs/reference.md §2.6.3, §2.8).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::AnyConnection;
use utoipa::ToSchema;

use toss_wire::tosspayments::brandpay::methods::{
    BrandPayBankAccount, BrandPayCard, BrandPayMethod, Color,
};

use crate::domain::brandpay::{
    self, AccountDetails, CardDetails, Customer, CustomerStatus, Method, MethodDetails,
    MethodStatus, MethodType, MethodUse, Promotion,
};
use crate::domain::time::Instant;
use crate::state::AppState;
use crate::store::brandpay as store;
use crate::tosspayments::auth::{BrandPayCustomer, Merchant};
use crate::tosspayments::brandpay::catalogue;
use crate::tosspayments::brandpay::{self as bp, ok};
use crate::tosspayments::idempotency::Idempotency;
use crate::tosspayments::{codes, TpError, TpJson};

/// The wire form of a stored card with the promotions of its companies.
pub fn card_of(method: &Method, card: &CardDetails, promotions: &[Promotion]) -> BrandPayCard {
    let company = brandpay::card_company(&card.issuer_code);
    let icon = company.map_or_else(|| "icn-bank-square-card".to_owned(), brandpay::card_icon);
    let colors = company.map_or(brandpay::DEFAULT_COLORS, |c| c.colors);
    let mut view = BrandPayCard::default();
    view.id = method.id.clone();
    view.method_key = method.method_key.clone();
    view.alias = method.alias.clone();
    view.card_name = card.card_name.clone();
    view.card_number = card.card_number.clone();
    view.issuer_code = card.issuer_code.clone();
    view.acquirer_code = card.acquirer_code.clone();
    view.owner_type = card.owner_type.into();
    view.card_type = card.card_type.into();
    view.installment_minimum_amount = card.installment_minimum_amount;
    view.registered_at = method.registered_at.tp();
    view.status = method.status.into();
    view.icon_url = brandpay::icon_url(&icon);
    view.icon = icon;
    view.color = Color::new(colors.background, colors.text);
    view.promotions = catalogue::promotions_for(promotions, &method.details);
    view
}

/// The wire form of a stored account with its bank's promotions.
pub fn account_of(
    method: &Method,
    account: &AccountDetails,
    promotions: &[Promotion],
) -> BrandPayBankAccount {
    let icon = brandpay::bank_by_code(&account.bank_code)
        .map_or_else(|| "icn-bank-bank".to_owned(), brandpay::bank_icon);
    let mut view = BrandPayBankAccount::default();
    view.id = method.id.clone();
    view.method_key = method.method_key.clone();
    view.account_name = account.account_name.clone();
    view.account_number = account.account_number.clone();
    view.alias = method.alias.clone();
    view.bank_code = account.bank_code.clone();
    view.icon_url = brandpay::icon_url(&icon);
    view.icon = icon;
    view.registered_at = method.registered_at.tp();
    view.status = method.status.into();
    view.color = Color::new(
        brandpay::DEFAULT_COLORS.background,
        brandpay::DEFAULT_COLORS.text,
    );
    view.promotions = catalogue::promotions_for(promotions, &method.details);
    view
}

/// A stored method in its wire form: a BrandPayCard or a BrandPayBankAccount.
#[derive(Serialize)]
#[serde(untagged)]
pub enum MethodView {
    Card(BrandPayCard),
    Account(BrandPayBankAccount),
}

impl MethodView {
    pub fn of(method: &Method, promotions: &[Promotion]) -> MethodView {
        match &method.details {
            MethodDetails::Card(card) => MethodView::Card(card_of(method, card, promotions)),
            MethodDetails::Account(account) => {
                MethodView::Account(account_of(method, account, promotions))
            }
        }
    }
}

/// The BrandPayMethod of a customer: enabled methods, oldest first.
pub async fn method_list(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    customer: &Customer,
    now: Instant,
) -> Result<BrandPayMethod, sqlx::Error> {
    let methods = store::enabled_methods(conn, customer.id).await?;
    let promotions = store::active_promotions(conn, merchant_id, mode, now).await?;
    let uses: Vec<MethodUse> = methods
        .iter()
        .map(|m| MethodUse {
            id: &m.id,
            seq: m.seq,
            registered_at: m.registered_at,
            last_used_at: m.last_used_at,
        })
        .collect();
    let selected = brandpay::selected_method_id(&uses, now).map(str::to_owned);
    let mut list = BrandPayMethod::default();
    list.is_identified = customer.identified;
    list.selected_method_id = selected;
    for method in &methods {
        match MethodView::of(method, &promotions) {
            MethodView::Card(card) => list.cards.push(card),
            MethodView::Account(account) => list.accounts.push(account),
        }
    }
    Ok(list)
}

/// The methods of the customer the access token identifies.
#[utoipa::path(
    get,
    path = "/v1/brandpay/payments/methods",
    tag = "BrandPay",
    responses(
        (status = 200, body = BrandPayMethod),
        (status = 401, description = "UNAUTHORIZED_KEY, INVALID_ACCESS_TOKEN"),
    ),
    security(("customerToken" = []))
)]
pub async fn methods_by_token(
    State(state): State<AppState>,
    customer: BrandPayCustomer,
) -> Result<Response, TpError> {
    let now = state.clock.now(&state.db).await?;
    let mut conn = state.db.reader().acquire().await?;
    let record = store::customer_by_id(&mut conn, customer.customer_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let list = method_list(
        &mut conn,
        customer.merchant_id,
        &customer.mode,
        &record,
        now,
    )
    .await?;
    Ok(ok(&list))
}

/// A customer's methods, with the merchant's secret key.
#[utoipa::path(
    get,
    path = "/v1/brandpay/payments/methods/{customerKey}",
    tag = "BrandPay",
    params(("customerKey" = String, Path, description = "The customer's key")),
    responses(
        (status = 200, body = BrandPayMethod),
        (status = 400, description = "INVALID_CUSTOMER_KEY"),
        (status = 401, description = "UNAUTHORIZED_KEY"),
        (status = 404, description = "NOT_FOUND_CUSTOMER"),
    ),
    security(("basic" = []))
)]
pub async fn methods_by_customer_key(
    State(state): State<AppState>,
    merchant: Merchant,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, TpError> {
    let Path(key) = path.map_err(|_| TpError(&codes::INVALID_CUSTOMER_KEY))?;
    let customer_key = bp::customer_key(Some(&Value::String(key)))?;
    let now = state.clock.now(&state.db).await?;
    let mut conn = state.db.reader().acquire().await?;
    let customer = store::current_customer(&mut conn, merchant.id, &merchant.mode, &customer_key)
        .await?
        .filter(|c| c.status == CustomerStatus::Active)
        .ok_or(TpError(&codes::NOT_FOUND_CUSTOMER))?;
    let list = method_list(&mut conn, merchant.id, &merchant.mode, &customer, now).await?;
    Ok(ok(&list))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemoveMethodRequest {
    #[schema(value_type = String)]
    pub method_key: Option<Value>,
}

/// Disables one of the token's own methods of `kind`, queuing `METHOD_UPDATED` `DISABLED`.
async fn remove(
    state: &AppState,
    customer: &BrandPayCustomer,
    idempotency: Idempotency,
    request: RemoveMethodRequest,
    kind: MethodType,
) -> Result<Response, TpError> {
    let method_key = match request.method_key {
        Some(Value::String(key)) if !key.is_empty() => key,
        _ => return Err(TpError(&codes::INVALID_REQUEST)),
    };
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    if !store::lock_active_customer(&mut tx, &state.db, customer.customer_id).await? {
        return Err(TpError(&codes::INVALID_ACCESS_TOKEN));
    }
    let mut method =
        store::method_by_key(&mut tx, customer.merchant_id, &customer.mode, &method_key)
            .await?
            .filter(|m| m.kind() == kind && m.status == MethodStatus::Enabled)
            .ok_or(TpError(&codes::NOT_FOUND_METHOD))?;
    if method.customer_id != customer.customer_id {
        return Err(TpError(&codes::NOT_FOUND_METHOD_OWNERSHIP));
    }
    // Exactly once: of concurrent removals only one sees the row still ENABLED.
    if !store::disable_method(&mut tx, method.seq, now).await? {
        return Err(TpError(&codes::NOT_FOUND_METHOD));
    }
    method.status = MethodStatus::Disabled;
    bp::method_updated(
        &mut tx,
        now,
        customer.merchant_id,
        &customer.mode,
        &customer.customer_key,
        &method.method_key,
        method.status,
    )
    .await?;
    let promotions =
        store::active_promotions(&mut tx, customer.merchant_id, &customer.mode, now).await?;
    idempotency
        .commit(tx, &MethodView::of(&method, &promotions))
        .await
}

/// Removes one of the customer's cards; returns it with `status: DISABLED`.
#[utoipa::path(
    post,
    path = "/v1/brandpay/payments/methods/card/remove",
    tag = "BrandPay",
    request_body = RemoveMethodRequest,
    responses(
        (status = 200, body = BrandPayCard),
        (status = 400, description = "INVALID_REQUEST"),
        (status = 401, description = "UNAUTHORIZED_KEY, INVALID_ACCESS_TOKEN"),
        (status = 404, description = "NOT_FOUND_METHOD, NOT_FOUND_METHOD_OWNERSHIP"),
    ),
    security(("customerToken" = []))
)]
pub async fn remove_card(
    State(state): State<AppState>,
    customer: BrandPayCustomer,
    idempotency: Idempotency,
    TpJson(request): TpJson<RemoveMethodRequest>,
) -> Result<Response, TpError> {
    remove(&state, &customer, idempotency, request, MethodType::Card).await
}

/// Removes one of the customer's accounts; returns it with `status: DISABLED`.
#[utoipa::path(
    post,
    path = "/v1/brandpay/payments/methods/account/remove",
    tag = "BrandPay",
    request_body = RemoveMethodRequest,
    responses(
        (status = 200, body = BrandPayBankAccount),
        (status = 400, description = "INVALID_REQUEST"),
        (status = 401, description = "UNAUTHORIZED_KEY, INVALID_ACCESS_TOKEN"),
        (status = 404, description = "NOT_FOUND_METHOD, NOT_FOUND_METHOD_OWNERSHIP"),
    ),
    security(("customerToken" = []))
)]
pub async fn remove_account(
    State(state): State<AppState>,
    customer: BrandPayCustomer,
    idempotency: Idempotency,
    TpJson(request): TpJson<RemoveMethodRequest>,
) -> Result<Response, TpError> {
    remove(&state, &customer, idempotency, request, MethodType::Account).await
}
