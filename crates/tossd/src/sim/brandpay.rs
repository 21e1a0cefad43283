//! The customer's side of BrandPay: registering cards and accounts in the BrandPay window, and the
//! operator adding card/bank promotions (docs/reference.md §2.8, §3.5, §6.9–6.13).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::domain::brandpay::{
    self, AccountDetails, CardDetails, CardType, MethodDetails, MethodType, NewMethod,
    NewPromotion, OwnerType, Promotion, PromotionType, Scope,
};
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::sim::{SimError, SimJson, SimPath, SimQuery};
use crate::state::AppState;
use crate::store::brandpay as store;
use crate::tosspayments::brandpay::catalogue;
use crate::tosspayments::brandpay::methods::MethodView;
use crate::tosspayments::brandpay::{self as bp};
use toss_wire::tosspayments::brandpay::methods::{BrandPayBankAccount, BrandPayCard};

/// `?mId=`: the merchant to act for (absent or `default`: the default merchant). Simulator calls use
/// test mode.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MerchantQuery {
    #[serde(rename = "mId")]
    pub m_id: Option<String>,
}

/// The merchant to act for, `(id, mId)`.
pub async fn merchant(state: &AppState, query: &MerchantQuery) -> Result<(i64, String), SimError> {
    let merchant = crate::sim::identities::merchant(&state.db, query.m_id.as_deref()).await?;
    Ok((merchant.id, merchant.mid))
}

pub const MODE: &str = "test";

#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterCard {
    /// Issuer code (docs/reference.md §6.9); default `61` 현대카드
    pub issuer_code: Option<String>,
    /// Default: the issuer code
    pub acquirer_code: Option<String>,
    /// 14–19 digits; default generated
    pub card_number: Option<String>,
    /// 신용, 체크, 기프트; default 신용
    pub card_type: Option<String>,
    /// 개인, 법인; default 개인
    pub owner_type: Option<String>,
    /// Default: the issuer's name
    pub card_name: Option<String>,
    pub alias: Option<String>,
    /// Default 50000
    pub installment_minimum_amount: Option<i64>,
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterAccount {
    /// Bank code (docs/reference.md §6.10); default `88` 신한은행
    pub bank_code: Option<String>,
    /// 10–14 digits; default generated
    pub account_number: Option<String>,
    pub alias: Option<String>,
}

fn alias(value: Option<String>) -> Result<String, SimError> {
    let alias = value.unwrap_or_default();
    if alias.chars().count() > 50 {
        return Err(SimError::bad_request("alias must be at most 50 characters"));
    }
    Ok(alias)
}

fn generated_digits(prefix: &str, len: usize) -> String {
    let mut digits = prefix.to_owned();
    while digits.len() < len {
        digits.push(char::from(b'0' + secrets::random_in(0..=9) as u8));
    }
    digits
}

fn customer_key(key: &str) -> Result<(), SimError> {
    if brandpay::is_valid_customer_key(key) {
        Ok(())
    } else {
        Err(SimError::bad_request(
            "customerKey must be 2–50 characters of A–Z a–z 0–9 - _ = . @",
        ))
    }
}

/// Registers the method for the customer as the BrandPay window does: the customer signs up if needed
/// (REGISTER terms and the method's terms agreed, identity verified, `CUSTOMER_STATUS_CHANGED CREATED`),
/// the method is stored `ENABLED` and `METHOD_UPDATED ENABLED` is queued, all in one transaction.
async fn register(
    state: &AppState,
    merchant_id: i64,
    customer_key: &str,
    new: NewMethod,
) -> Result<MethodView, SimError> {
    let mut tx = state.db.begin().await?;
    let now = state.clock.now_in(&mut tx).await?;
    let customer =
        match store::lock_current_customer(&mut tx, &state.db, merchant_id, MODE, customer_key)
            .await?
        {
            Some(customer) => customer,
            None => {
                store::sign_up(&mut tx, &state.db, merchant_id, MODE, customer_key, now).await?
            }
        };
    bp::activate(&mut tx, customer.id, merchant_id, MODE, customer_key, now).await?;
    store::mark_identified(&mut tx, customer.id).await?;
    let scopes = [Scope::Register, new.details.kind().scope()];
    let ids: Vec<i64> = store::terms_of(&mut tx, &scopes)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    store::record_agreements(&mut tx, customer.id, &ids, now).await?;
    let method = store::insert_method(&mut tx, customer.id, merchant_id, MODE, &new, now).await?;
    bp::method_updated(
        &mut tx,
        now,
        merchant_id,
        MODE,
        customer_key,
        &method.method_key,
        method.status,
    )
    .await?;
    let promotions = store::active_promotions(&mut tx, merchant_id, MODE, now).await?;
    tx.commit().await?;
    Ok(MethodView::of(&method, &promotions))
}

/// The customer registers a card in the BrandPay window.
#[utoipa::path(post, path = "/sim/v1/brandpay/customers/{customerKey}/cards", tag = "Simulator",
    params(("customerKey" = String, Path), MerchantQuery), request_body = RegisterCard,
    responses((status = 201, body = BrandPayCard), (status = 400, description = "a field is invalid"),
        (status = 404, description = "no such merchant")))]
pub async fn register_card(
    State(state): State<AppState>,
    SimPath(key): SimPath<String>,
    SimQuery(query): SimQuery<MerchantQuery>,
    SimJson(request): SimJson<RegisterCard>,
) -> Result<(StatusCode, Json<MethodView>), SimError> {
    customer_key(&key)?;
    let issuer_code = request.issuer_code.unwrap_or_else(|| "61".to_owned());
    let company = brandpay::card_company(&issuer_code)
        .ok_or_else(|| SimError::bad_request("issuerCode is not a card company code (§6.9)"))?;
    let acquirer_code = request.acquirer_code.unwrap_or_else(|| issuer_code.clone());
    if brandpay::card_company(&acquirer_code).is_none() {
        return Err(SimError::bad_request(
            "acquirerCode is not a card company code (§6.9)",
        ));
    }
    let number = request
        .card_number
        .unwrap_or_else(|| generated_digits("43301234", 16));
    if !brandpay::is_valid_card_number(&number) {
        return Err(SimError::bad_request("cardNumber must be 14–19 digits"));
    }
    let card_type: CardType = match request.card_type.as_deref() {
        None => CardType::Credit,
        Some(text) => text
            .parse()
            .map_err(|_| SimError::bad_request("cardType must be 신용, 체크 or 기프트"))?,
    };
    let owner_type: OwnerType = match request.owner_type.as_deref() {
        None => OwnerType::Personal,
        Some(text) => text
            .parse()
            .map_err(|_| SimError::bad_request("ownerType must be 개인 or 법인"))?,
    };
    let card_name = request.card_name.unwrap_or_else(|| company.name.to_owned());
    if card_name.is_empty() || card_name.chars().count() > 50 {
        return Err(SimError::bad_request("cardName must be 1–50 characters"));
    }
    let minimum = request
        .installment_minimum_amount
        .unwrap_or(brandpay::DEFAULT_INSTALLMENT_MINIMUM_AMOUNT);
    if minimum < 0 {
        return Err(SimError::bad_request(
            "installmentMinimumAmount must not be negative",
        ));
    }
    let details = MethodDetails::Card(CardDetails {
        card_name,
        card_number: brandpay::mask_card_number(&number),
        issuer_code,
        acquirer_code,
        owner_type,
        card_type,
        installment_minimum_amount: minimum,
    });
    let new = NewMethod::new(alias(request.alias)?, details);
    let (merchant_id, _) = merchant(&state, &query).await?;
    let view = register(&state, merchant_id, &key, new).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The customer registers a bank account in the BrandPay window.
#[utoipa::path(post, path = "/sim/v1/brandpay/customers/{customerKey}/accounts", tag = "Simulator",
    params(("customerKey" = String, Path), MerchantQuery), request_body = RegisterAccount,
    responses((status = 201, body = BrandPayBankAccount), (status = 400, description = "a field is invalid"),
        (status = 404, description = "no such merchant")))]
pub async fn register_account(
    State(state): State<AppState>,
    SimPath(key): SimPath<String>,
    SimQuery(query): SimQuery<MerchantQuery>,
    SimJson(request): SimJson<RegisterAccount>,
) -> Result<(StatusCode, Json<MethodView>), SimError> {
    customer_key(&key)?;
    let bank_code = request.bank_code.unwrap_or_else(|| "88".to_owned());
    let bank = brandpay::bank_by_code(&bank_code)
        .ok_or_else(|| SimError::bad_request("bankCode is not a bank code (§6.10)"))?;
    let number = request
        .account_number
        .unwrap_or_else(|| generated_digits("123", 12));
    if !brandpay::is_valid_account_number(&number) {
        return Err(SimError::bad_request("accountNumber must be 10–14 digits"));
    }
    let details = MethodDetails::Account(AccountDetails {
        account_name: format!("{} 계좌", bank.name),
        bank_code,
        account_number: brandpay::mask_account_number(&number),
    });
    let new = NewMethod::new(alias(request.alias)?, details);
    let (merchant_id, _) = merchant(&state, &query).await?;
    let view = register(&state, merchant_id, &key, new).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewBrandPayPromotion {
    /// CARD_DISCOUNT, CARD_INTEREST_FREE, CARD_POINT or BANK_DISCOUNT
    #[serde(rename = "type")]
    pub kind: String,
    /// Card company code (card types) or bank code (BANK_DISCOUNT)
    pub company_code: String,
    /// yyyy-MM-dd, valid through 23:59:59 KST that day
    pub due_date: String,
    pub minimum_payment_amount: i64,
    /// Discounts only
    pub discount_amount: Option<i64>,
    /// Discounts only: the live budget
    pub balance: Option<i64>,
    /// Discounts only
    pub discount_code: Option<String>,
    /// Discounts only; default 99999999
    pub maximum_payment_amount: Option<i64>,
    /// CARD_INTEREST_FREE only, ascending months 2–36
    pub installment_free_months: Option<Vec<i64>>,
}

/// Adds a card or bank promotion to a merchant (test mode).
#[utoipa::path(post, path = "/sim/v1/brandpay/promotions", tag = "Simulator",
    params(MerchantQuery), request_body = NewBrandPayPromotion,
    responses((status = 201, description = "the promotion as the list endpoints show it"),
        (status = 400, description = "a field is invalid"), (status = 404, description = "no such merchant")))]
pub async fn add_promotion(
    State(state): State<AppState>,
    SimQuery(query): SimQuery<MerchantQuery>,
    SimJson(request): SimJson<NewBrandPayPromotion>,
) -> Result<(StatusCode, Json<serde_json::Value>), SimError> {
    let kind: PromotionType = request.kind.parse().map_err(|_| {
        SimError::bad_request(
            "type must be CARD_DISCOUNT, CARD_INTEREST_FREE, CARD_POINT or BANK_DISCOUNT",
        )
    })?;
    match crate::domain::brandpay::promotion_method_type(kind) {
        MethodType::Account if brandpay::bank_by_code(&request.company_code).is_none() => {
            return Err(SimError::bad_request(
                "companyCode is not a bank code (§6.10)",
            ))
        }
        MethodType::Card if brandpay::card_company(&request.company_code).is_none() => {
            return Err(SimError::bad_request(
                "companyCode is not a card company code (§6.9)",
            ))
        }
        MethodType::Account | MethodType::Card => {}
    }
    if brandpay::due_date_end(&request.due_date).is_none() {
        return Err(SimError::bad_request(
            "dueDate must be a date written yyyy-MM-dd",
        ));
    }
    if request.minimum_payment_amount < 0 {
        return Err(SimError::bad_request(
            "minimumPaymentAmount must not be negative",
        ));
    }
    let (amount, balance, code, max) = if kind.is_discount() {
        let amount = request
            .discount_amount
            .filter(|a| *a > 0)
            .ok_or_else(|| SimError::bad_request("discountAmount must be a positive integer"))?;
        let balance = request
            .balance
            .filter(|b| *b >= 0)
            .ok_or_else(|| SimError::bad_request("balance must be a non-negative integer"))?;
        let code = request
            .discount_code
            .clone()
            .filter(|c| !c.is_empty() && c.chars().count() <= 50)
            .ok_or_else(|| SimError::bad_request("discountCode must be 1–50 characters"))?;
        let max = request.maximum_payment_amount.unwrap_or(99_999_999);
        if max < request.minimum_payment_amount {
            return Err(SimError::bad_request(
                "maximumPaymentAmount must not be below minimumPaymentAmount",
            ));
        }
        (Some(amount), Some(balance), Some(code), Some(max))
    } else {
        (None, None, None, None)
    };
    let months = if kind == PromotionType::CardInterestFree {
        let text = request
            .installment_free_months
            .as_ref()
            .map(|m| m.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
            .unwrap_or_default();
        brandpay::parse_months(&text).ok_or_else(|| {
            SimError::bad_request("installmentFreeMonths must be ascending months between 2 and 36")
        })?;
        Some(text)
    } else {
        None
    };
    let (merchant_id, _) = merchant(&state, &query).await?;
    let now: Instant = state.clock.now(&state.db).await?;
    let promotion = NewPromotion {
        kind,
        company_code: &request.company_code,
        discount_amount: amount,
        balance,
        discount_code: code.as_deref(),
        due_date: &request.due_date,
        minimum_payment_amount: request.minimum_payment_amount,
        maximum_payment_amount: max,
        installment_free_months: months.as_deref(),
    };
    let mut conn = state.db.writer().acquire().await?;
    let id = store::insert_promotion(&mut conn, merchant_id, MODE, &promotion, now).await?;
    let stored = Promotion {
        id,
        kind,
        company_code: request.company_code.clone(),
        discount_amount: amount.unwrap_or(0),
        balance: balance.unwrap_or(0),
        discount_code: code.unwrap_or_default(),
        due_date: request.due_date.clone(),
        minimum_payment_amount: request.minimum_payment_amount,
        maximum_payment_amount: max.unwrap_or(0),
        installment_free_months: request.installment_free_months.unwrap_or_default(),
    };
    let one = std::slice::from_ref(&stored);
    let view = match crate::domain::brandpay::promotion_method_type(kind) {
        MethodType::Account => serde_json::to_value(catalogue::bank_promotions(one)),
        MethodType::Card => serde_json::to_value(catalogue::card_promotions(one)),
    }
    .map_err(|e| anyhow::anyhow!(e))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The page a tossd-hosted terms URL (`{public URL}/sim/terms/{id}`) points at.
#[utoipa::path(get, path = "/sim/terms/{id}", tag = "Simulator",
    params(("id" = i64, Path, description = "Terms id (docs/reference.md §6.8)")),
    responses((status = 200, description = "an HTML page with the terms' title"), (status = 404)))]
pub async fn terms_page(
    State(state): State<AppState>,
    SimPath(id): SimPath<String>,
) -> Result<Html<String>, SimError> {
    let id: i64 = id
        .parse()
        .map_err(|_| SimError::not_found("no such terms"))?;
    let terms = store::terms_by_id(&state.db, id)
        .await?
        .ok_or_else(|| SimError::not_found("no such terms"))?;
    let version = terms.version;
    // Titles come from the seeded catalogue; they are still escaped like any text put in HTML.
    let title = terms
        .title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    Ok(Html(format!(
        "<!doctype html><html lang=\"ko\"><meta charset=\"utf-8\"><title>{title}</title>\
         <h1>{title}</h1><p>버전 {version}. tossd가 시뮬레이션하는 약관입니다.</p></html>"
    )))
}
