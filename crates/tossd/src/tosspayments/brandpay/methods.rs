//! Payment methods: the BrandPayMethod list by access token or secret key, and removal of a card or an
//! account (REFERENCE.md §2.6.3, §2.8).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::domain::brandpay::{self, MethodUse};
use crate::domain::time::Instant;
use crate::state::AppState;
use crate::tosspayments::auth::{BrandPayCustomer, Merchant};
use crate::tosspayments::brandpay::catalogue::{self, MethodPromotion, Promotion};
use crate::tosspayments::brandpay::{self as bp, ok};
use crate::tosspayments::{codes, TpError, TpJson};

#[derive(Serialize, ToSchema, Clone, Copy)]
pub struct Color {
    pub background: &'static str,
    pub text: &'static str,
}

/// BrandPayCard (§2.6.3).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrandPayCard {
    pub id: String,
    pub method_key: String,
    pub alias: String,
    pub card_name: String,
    pub card_number: String,
    pub issuer_code: String,
    pub acquirer_code: String,
    pub owner_type: String,
    pub card_type: String,
    pub installment_minimum_amount: i64,
    pub registered_at: String,
    pub status: String,
    pub icon: String,
    pub icon_url: String,
    pub card_img_url: &'static str,
    pub card_product_code: &'static str,
    pub color: Color,
    pub promotions: Vec<MethodPromotion>,
}

/// BrandPayBankAccount (§2.6.3).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrandPayBankAccount {
    pub id: String,
    pub method_key: String,
    pub account_name: String,
    pub account_number: String,
    pub alias: String,
    pub bank_code: String,
    pub icon: String,
    pub icon_url: String,
    pub registered_at: String,
    pub status: String,
    pub color: Color,
    pub promotions: Vec<MethodPromotion>,
}

/// BrandPayMethod (§2.6.3).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrandPayMethod {
    pub cards: Vec<BrandPayCard>,
    pub accounts: Vec<BrandPayBankAccount>,
    pub is_identified: bool,
    pub selected_method_id: Option<String>,
}

/// The columns [`Method::from_row`] reads.
pub const METHOD_COLUMNS: &str = "seq, id, method_key, customer_id, kind, status, alias, card_name, \
    card_number, issuer_code, acquirer_code, owner_type, card_type, installment_minimum_amount, bank_code, \
    account_name, account_number, registered_at, last_used_at";

/// A stored card or account.
#[derive(Debug, Clone)]
pub struct Method {
    pub seq: i64,
    pub id: String,
    pub method_key: String,
    pub customer_id: i64,
    pub kind: String,
    pub status: String,
    pub alias: String,
    pub card_name: Option<String>,
    pub card_number: Option<String>,
    pub issuer_code: Option<String>,
    pub acquirer_code: Option<String>,
    pub owner_type: Option<String>,
    pub card_type: Option<String>,
    pub installment_minimum_amount: Option<i64>,
    pub bank_code: Option<String>,
    pub account_name: Option<String>,
    pub account_number: Option<String>,
    pub registered_at: Instant,
    pub last_used_at: Option<Instant>,
}

impl Method {
    pub fn from_row(row: &AnyRow) -> Method {
        Method {
            seq: row.get(0),
            id: row.get(1),
            method_key: row.get(2),
            customer_id: row.get(3),
            kind: row.get(4),
            status: row.get(5),
            alias: row.get(6),
            card_name: row.get(7),
            card_number: row.get(8),
            issuer_code: row.get(9),
            acquirer_code: row.get(10),
            owner_type: row.get(11),
            card_type: row.get(12),
            installment_minimum_amount: row.get(13),
            bank_code: row.get(14),
            account_name: row.get(15),
            account_number: row.get(16),
            registered_at: Instant(row.get(17)),
            last_used_at: row.get::<Option<i64>, _>(18).map(Instant),
        }
    }

    pub fn card(&self, promotions: &[Promotion]) -> BrandPayCard {
        let issuer = self.issuer_code.clone().unwrap_or_default();
        let acquirer = self.acquirer_code.clone().unwrap_or_else(|| issuer.clone());
        let company = brandpay::card_company(&issuer);
        let icon = company.map_or_else(|| "icn-bank-square-card".to_owned(), brandpay::card_icon);
        let colors = company.map_or(brandpay::DEFAULT_COLORS, |c| c.colors);
        BrandPayCard {
            id: self.id.clone(),
            method_key: self.method_key.clone(),
            alias: self.alias.clone(),
            card_name: self.card_name.clone().unwrap_or_default(),
            card_number: self.card_number.clone().unwrap_or_default(),
            owner_type: self.owner_type.clone().unwrap_or_default(),
            card_type: self.card_type.clone().unwrap_or_default(),
            installment_minimum_amount: self
                .installment_minimum_amount
                .unwrap_or(brandpay::DEFAULT_INSTALLMENT_MINIMUM_AMOUNT),
            registered_at: self.registered_at.tp(),
            status: self.status.clone(),
            icon_url: brandpay::icon_url(&icon),
            icon,
            card_img_url: "",
            card_product_code: "",
            color: Color {
                background: colors.background,
                text: colors.text,
            },
            promotions: catalogue::promotions_for_card(promotions, &issuer, &acquirer),
            issuer_code: issuer,
            acquirer_code: acquirer,
        }
    }

    pub fn account(&self, promotions: &[Promotion]) -> BrandPayBankAccount {
        let bank_code = self.bank_code.clone().unwrap_or_default();
        let icon = brandpay::bank_by_code(&bank_code)
            .map_or_else(|| "icn-bank-bank".to_owned(), brandpay::bank_icon);
        BrandPayBankAccount {
            id: self.id.clone(),
            method_key: self.method_key.clone(),
            account_name: self.account_name.clone().unwrap_or_default(),
            account_number: self.account_number.clone().unwrap_or_default(),
            alias: self.alias.clone(),
            icon_url: brandpay::icon_url(&icon),
            icon,
            registered_at: self.registered_at.tp(),
            status: self.status.clone(),
            color: Color {
                background: brandpay::DEFAULT_COLORS.background,
                text: brandpay::DEFAULT_COLORS.text,
            },
            promotions: catalogue::promotions_for_account(promotions, &bank_code),
            bank_code,
        }
    }
}

/// The BrandPayMethod of a customer: enabled methods, oldest first.
pub async fn method_list(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    customer_id: i64,
    identified: bool,
    now: Instant,
) -> Result<BrandPayMethod, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {METHOD_COLUMNS} FROM bp_methods WHERE customer_id = $1 AND status = 'ENABLED' ORDER BY seq"
    ))
    .bind(customer_id)
    .fetch_all(&mut *conn)
    .await?;
    let methods: Vec<Method> = rows.iter().map(Method::from_row).collect();
    let promotions = catalogue::active_promotions(conn, merchant_id, mode, now).await?;
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
    Ok(BrandPayMethod {
        cards: methods
            .iter()
            .filter(|m| m.kind == "CARD")
            .map(|m| m.card(&promotions))
            .collect(),
        accounts: methods
            .iter()
            .filter(|m| m.kind == "ACCOUNT")
            .map(|m| m.account(&promotions))
            .collect(),
        is_identified: identified,
        selected_method_id: selected,
    })
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
    security(("bearer" = []))
)]
pub async fn methods_by_token(
    State(state): State<AppState>,
    customer: BrandPayCustomer,
) -> Result<Response, TpError> {
    let now = state.clock.now(&state.db).await?;
    let mut conn = state.db.reader().acquire().await?;
    let identified: i64 = sqlx::query_scalar("SELECT identified FROM bp_customers WHERE id = $1")
        .bind(customer.customer_id)
        .fetch_one(&mut *conn)
        .await?;
    let list = method_list(
        &mut conn,
        customer.merchant_id,
        &customer.mode,
        customer.customer_id,
        crate::store::flag(identified),
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
    let customer =
        bp::current_customer(&mut conn, None, merchant.id, &merchant.mode, &customer_key)
            .await?
            .filter(|c| c.status == "ACTIVE")
            .ok_or(TpError(&codes::NOT_FOUND_CUSTOMER))?;
    let list = method_list(
        &mut conn,
        merchant.id,
        &merchant.mode,
        customer.id,
        customer.identified,
        now,
    )
    .await?;
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
    request: RemoveMethodRequest,
    kind: &str,
) -> Result<(Method, Vec<Promotion>), TpError> {
    let method_key = match request.method_key {
        Some(Value::String(key)) if !key.is_empty() => key,
        _ => return Err(TpError(&codes::INVALID_REQUEST)),
    };
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let still_active: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM bp_customers WHERE id = $1 AND status = 'ACTIVE'{}",
        state.db.for_update()
    ))
    .bind(customer.customer_id)
    .fetch_optional(&mut *tx)
    .await?;
    if still_active.is_none() {
        return Err(TpError(&codes::INVALID_ACCESS_TOKEN));
    }
    let row = sqlx::query(&format!(
        "SELECT {METHOD_COLUMNS} FROM bp_methods WHERE method_key = $1 AND merchant_id = $2 AND mode = $3"
    ))
    .bind(&method_key)
    .bind(customer.merchant_id)
    .bind(&customer.mode)
    .fetch_optional(&mut *tx)
    .await?;
    let mut method = row
        .as_ref()
        .map(Method::from_row)
        .filter(|m| m.kind == kind && m.status == "ENABLED")
        .ok_or(TpError(&codes::NOT_FOUND_METHOD))?;
    if method.customer_id != customer.customer_id {
        return Err(TpError(&codes::NOT_FOUND_METHOD_OWNERSHIP));
    }
    // Exactly once: of concurrent removals only one sees the row still ENABLED.
    let disabled = sqlx::query(
        "UPDATE bp_methods SET status = 'DISABLED', disabled_at = $1 WHERE seq = $2 AND status = 'ENABLED'",
    )
    .bind(now.micros())
    .bind(method.seq)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if disabled != 1 {
        return Err(TpError(&codes::NOT_FOUND_METHOD));
    }
    method.status = "DISABLED".to_owned();
    bp::method_updated(
        &mut tx,
        now,
        customer.merchant_id,
        &customer.mode,
        &customer.customer_key,
        &method.method_key,
        "DISABLED",
    )
    .await?;
    let promotions =
        catalogue::active_promotions(&mut tx, customer.merchant_id, &customer.mode, now).await?;
    tx.commit().await?;
    Ok((method, promotions))
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
    security(("bearer" = []))
)]
pub async fn remove_card(
    State(state): State<AppState>,
    customer: BrandPayCustomer,
    TpJson(request): TpJson<RemoveMethodRequest>,
) -> Result<Response, TpError> {
    let (method, promotions) = remove(&state, &customer, request, "CARD").await?;
    Ok(ok(&method.card(&promotions)))
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
    security(("bearer" = []))
)]
pub async fn remove_account(
    State(state): State<AppState>,
    customer: BrandPayCustomer,
    TpJson(request): TpJson<RemoveMethodRequest>,
) -> Result<Response, TpError> {
    let (method, promotions) = remove(&state, &customer, request, "ACCOUNT").await?;
    Ok(ok(&method.account(&promotions)))
}
