//! BrandPay payment rules (docs/reference.md §1.3, §2.9, §5.2.3–5.2.4): the `amount` that may be a digit
//! string, orderId/orderName/e-mail forms, card installments, instant discounts and their budgets, the
//! merchant's payment settings, the guards of the window, confirm and auto-pay, and which codes a
//! simulated decline may use. Pure: no HTTP, no SQL.

use serde_json::Value;

use crate::domain::brandpay::{
    CardType, Customer, CustomerStatus, Method, MethodDetails, MethodStatus, MethodType, Promotion,
    PromotionType,
};
use crate::domain::merchant::{PaymentSettings, TaxType};
use crate::domain::payment::PaymentStatus;
use crate::domain::time::Instant;
use crate::domain::wire::wire_enum;

/// Installments apply only from this amount on (§2.9.2).
pub const INSTALLMENT_MINIMUM: i64 = 50_000;
/// Smallest auto-pay amount by card and by account (`BELOW_MINIMUM_AMOUNT`).
pub const CARD_MINIMUM: i64 = 100;
pub const ACCOUNT_MINIMUM: i64 = 200;
/// Under the merchant's `restrictNewAccounts`, an account pays only 12 hours after registration.
pub const NEW_ACCOUNT_SECONDS: i64 = 12 * 3600;
/// The window's payment password unless the customer set another (§6.13).
pub const DEFAULT_PASSWORD: &str = "000000";

/// A TP `amount` (§1.3): a JSON integer (no fraction or exponent, fits i64) or 1–19 ASCII digits whose
/// value fits i64. `None` for anything else (wrong type).
pub fn parse_amount(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => ((1..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten(),
        Value::Null | Value::Bool(_) | Value::Array(_) | Value::Object(_) => None,
    }
}

/// An orderId of 6–64 characters from `A–Z a–z 0–9 - _`, plus `=` where `allow_equals` (auto-pay).
pub fn is_valid_order_id(order_id: &str, allow_equals: bool) -> bool {
    (6..=64).contains(&order_id.len())
        && order_id.bytes().all(|b| {
            b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (allow_equals && b == b'=')
        })
}

/// An orderName of 1–100 characters (code points).
pub fn is_valid_order_name(name: &str) -> bool {
    (1..=100).contains(&name.chars().count())
}

/// A `customerEmail`: at most 100 characters, `local@domain.tld` without spaces.
pub fn is_valid_email(email: &str) -> bool {
    if email.chars().count() > 100 || email.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain
            .split_once('.')
            .is_some_and(|(host, rest)| !host.is_empty() && !rest.is_empty())
        && !domain.ends_with('.')
}

/// `cardInstallmentPlan` as requested: `0` or absent is lump sum, `2`–`12` months.
pub fn is_valid_installment_plan(plan: i64) -> bool {
    plan == 0 || (2..=12).contains(&plan)
}

/// Whether a requested plan asks for installments that the amount would apply (`≥ 50,000`): such a request
/// on a check or gift card is `NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN`.
pub fn installment_refused(plan: i64, amount: i64, card_type: CardType) -> bool {
    match card_type {
        CardType::Credit => false,
        CardType::Check | CardType::Gift => {
            (2..=12).contains(&plan) && amount >= INSTALLMENT_MINIMUM
        }
    }
}

/// The months applied: the requested plan for amounts of 50,000 or more that also reach the card's
/// `installmentMinimumAmount`; lump sum (0) otherwise.
pub fn applied_months(plan: i64, amount: i64, card_minimum: i64) -> i64 {
    if (2..=12).contains(&plan) && amount >= INSTALLMENT_MINIMUM && amount >= card_minimum {
        plan
    } else {
        0
    }
}

/// A card interest-free promotion as the installment rule reads it.
#[derive(Debug, Clone)]
pub struct InterestFree<'a> {
    pub months: &'a [i64],
    pub minimum_payment_amount: i64,
}

wire_enum! {
    /// `interestPayer` of an installment payment.
    pub enum InterestPayer {
        CardCompany = "CARD_COMPANY",
        Buyer = "BUYER",
    }
}

/// `(isInterestFree, interestPayer)` for the applied months: no payer for lump sum, the card company when
/// a promotion covers the months and amount, the buyer otherwise.
pub fn interest(
    months: i64,
    amount: i64,
    promotions: &[InterestFree<'_>],
) -> (bool, Option<InterestPayer>) {
    if months == 0 {
        return (false, None);
    }
    let free = promotions
        .iter()
        .any(|p| p.months.contains(&months) && amount >= p.minimum_payment_amount);
    if free {
        (true, Some(InterestPayer::CardCompany))
    } else {
        (false, Some(InterestPayer::Buyer))
    }
}

/// The interest-free promotions of a card (its issuer's or acquirer's).
pub fn interest_free_of<'a>(
    promotions: &'a [Promotion],
    card: &MethodDetails,
) -> Vec<InterestFree<'a>> {
    promotions
        .iter()
        .filter(|p| p.kind == PromotionType::CardInterestFree && p.applies_to(card))
        .map(|p| InterestFree {
            months: &p.installment_free_months,
            minimum_payment_amount: p.minimum_payment_amount,
        })
        .collect()
}

/// An instant-discount promotion as the discount rule reads it.
#[derive(Debug, Clone)]
pub struct DiscountOffer {
    pub discount_amount: i64,
    pub minimum_payment_amount: i64,
    pub maximum_payment_amount: i64,
}

/// Why a discount code cannot be applied (balance aside, which the conditional update decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountRefusal {
    /// Unknown, expired, not for this method or below the minimum: `INVALID_REQUEST`.
    NotApplicable,
    /// Above `maximumPaymentAmount`: `INVALID_MAXIMUM_DISCOUNT_AMOUNT`.
    AboveMaximum,
}

/// Checks `amount` against an applicable offer (`None` = no applicable promotion for the code) and
/// returns the discount to debit.
pub fn check_discount(offer: Option<&DiscountOffer>, amount: i64) -> Result<i64, DiscountRefusal> {
    let offer = offer.ok_or(DiscountRefusal::NotApplicable)?;
    if amount < offer.minimum_payment_amount || offer.discount_amount <= 0 {
        return Err(DiscountRefusal::NotApplicable);
    }
    if amount > offer.maximum_payment_amount {
        return Err(DiscountRefusal::AboveMaximum);
    }
    Ok(offer.discount_amount)
}

/// The discount promotion `code` names for the method, if one of `promotions` (the active ones) is it.
pub fn discount_promotion<'a>(
    promotions: &'a [Promotion],
    method: &MethodDetails,
    code: &str,
) -> Option<&'a Promotion> {
    promotions
        .iter()
        .find(|p| p.kind.is_discount() && p.discount_code == code && p.applies_to(method))
}

/// The budget left after debiting `discount`, or `None` when it does not cover it. The store's
/// conditional update (`… SET balance = balance - d WHERE balance >= d`) is this rule, so concurrent
/// payments never take a budget below zero.
pub fn debit(balance: i64, discount: i64) -> Option<i64> {
    if discount > 0 && balance >= discount {
        balance.checked_sub(discount)
    } else {
        None
    }
}

impl PaymentSettings {
    /// The `taxFreeAmount` a payment records for the requested one.
    pub fn tax_free(self, requested: i64) -> i64 {
        match self.tax_type {
            TaxType::Mixed => requested,
            TaxType::General => 0,
        }
    }

    /// Whether the method is an account too new to pay with under `restrictNewAccounts` (registered less
    /// than 12 hours ago).
    pub fn too_new(self, method: &Method, now: Instant) -> bool {
        match method.kind() {
            MethodType::Card => false,
            MethodType::Account => {
                self.restrict_new_accounts
                    && !Instant::is_expired(method.registered_at, NEW_ACCOUNT_SECONDS, now)
            }
        }
    }
}

/// Why a BrandPay payment (window, confirm or auto-pay) is refused; each is one documented code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    InvalidRequest,
    NotFoundPaymentSession,
    AlreadyProcessedPayment,
    NotMatchesCustomerKey,
    NotAllowedBrandpayMethod,
    ForbiddenDormantOrWithdrawalCustomer,
    DuplicatedOrderId,
    RestrictedTransferAccount,
    ForbiddenRequest,
    NotFoundCustomer,
    NotFoundMethod,
    NotFoundMethodOwnership,
    BelowMinimumAmount,
    NotSupportedMonthlyInstallmentPlan,
    InvalidMaximumDiscountAmount,
    NotEnoughDiscountBalance,
    InvalidPassword,
}

/// The customer who pays, from the latest record of the customerKey (`None`: never signed up): only an
/// `ACTIVE` customer pays; a withdrawn one is `FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER`.
pub fn payer(latest: Option<&Customer>) -> Result<&Customer, Refusal> {
    let customer = latest.ok_or(Refusal::NotFoundCustomer)?;
    match customer.status {
        CustomerStatus::Active => Ok(customer),
        CustomerStatus::Agreed => Err(Refusal::NotFoundCustomer),
        CustomerStatus::Removed => Err(Refusal::ForbiddenDormantOrWithdrawalCustomer),
    }
}

/// What the BrandPay window checks before it creates an `IN_PROGRESS` payment.
#[derive(Debug, Clone)]
pub struct WindowFacts<'a> {
    /// The latest record of the customerKey.
    pub customer: Option<&'a Customer>,
    /// The method the customer picked, by its `id`.
    pub method: Option<&'a Method>,
    pub password: Option<&'a str>,
    /// Another payment of the orderId is already approved.
    pub order_approved: bool,
}

/// The window's checks, in the order the failUrl reports them.
pub fn window(facts: &WindowFacts<'_>) -> Result<(), Refusal> {
    let customer = payer(facts.customer)?;
    let method = facts
        .method
        .filter(|m| m.customer_id == customer.id)
        .ok_or(Refusal::NotFoundMethod)?;
    match method.status {
        MethodStatus::Enabled => {}
        MethodStatus::Disabled => return Err(Refusal::NotAllowedBrandpayMethod),
    }
    if facts.password.unwrap_or(DEFAULT_PASSWORD) != DEFAULT_PASSWORD {
        return Err(Refusal::InvalidPassword);
    }
    if facts.order_approved {
        return Err(Refusal::DuplicatedOrderId);
    }
    Ok(())
}

/// Where a payment stands for a confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `READY`: the customer has not authenticated it.
    Ready,
    /// `IN_PROGRESS`: authenticated, waiting for the confirm.
    InProgress,
    /// `EXPIRED`: the confirm came too late.
    Expired,
    /// `DONE`, `CANCELED`, `PARTIAL_CANCELED` or `ABORTED`.
    Processed,
}

impl Stage {
    pub fn of(status: &PaymentStatus) -> Stage {
        match status {
            PaymentStatus::Ready => Stage::Ready,
            PaymentStatus::InProgress => Stage::InProgress,
            PaymentStatus::Expired => Stage::Expired,
            PaymentStatus::Done
            | PaymentStatus::PartialCanceled
            | PaymentStatus::Canceled
            | PaymentStatus::Aborted => Stage::Processed,
        }
    }
}

/// A validated confirm request.
#[derive(Debug, Clone, Copy)]
pub struct ConfirmAsk<'a> {
    pub amount: i64,
    pub customer_key: &'a str,
    pub order_id: &'a str,
}

/// What the confirm guard reads of the locked payment and its method.
#[derive(Debug, Clone)]
pub struct ConfirmFacts<'a> {
    pub stage: Stage,
    pub order_id: &'a str,
    pub total_amount: i64,
    pub customer_key: Option<&'a str>,
    /// The method the payment was authenticated with (`None` when it has none or it is gone).
    pub method: Option<&'a Method>,
    /// The status of the record the method belongs to.
    pub method_owner: Option<CustomerStatus>,
    /// Another payment of the orderId is already approved.
    pub order_approved: bool,
    pub settings: PaymentSettings,
}

/// The confirm guard (§2.9.1), in the documented order of its errors. `Ok` means the payment may be
/// approved (or declined by a simulated decline).
pub fn confirm(
    facts: &ConfirmFacts<'_>,
    ask: &ConfirmAsk<'_>,
    now: Instant,
) -> Result<(), Refusal> {
    match facts.stage {
        Stage::Expired => return Err(Refusal::NotFoundPaymentSession),
        Stage::Ready => return Err(Refusal::InvalidRequest),
        Stage::Processed => return Err(Refusal::AlreadyProcessedPayment),
        Stage::InProgress => {}
    }
    if facts.order_id != ask.order_id || facts.total_amount != ask.amount {
        return Err(Refusal::InvalidRequest);
    }
    if facts.customer_key != Some(ask.customer_key) {
        return Err(Refusal::NotMatchesCustomerKey);
    }
    let method = facts.method.ok_or(Refusal::NotAllowedBrandpayMethod)?;
    match facts.method_owner {
        Some(CustomerStatus::Active) => {}
        Some(CustomerStatus::Agreed | CustomerStatus::Removed) | None => {
            return Err(Refusal::ForbiddenDormantOrWithdrawalCustomer)
        }
    }
    match method.status {
        MethodStatus::Enabled => {}
        MethodStatus::Disabled => return Err(Refusal::NotAllowedBrandpayMethod),
    }
    if facts.order_approved {
        return Err(Refusal::DuplicatedOrderId);
    }
    if facts.settings.too_new(method, now) {
        return Err(Refusal::RestrictedTransferAccount);
    }
    Ok(())
}

/// A validated auto-pay request.
#[derive(Debug, Clone, Copy)]
pub struct AutoPayAsk<'a> {
    pub amount: i64,
    /// 0 (lump sum) or 2–12.
    pub plan: i64,
    pub discount_code: Option<&'a str>,
    /// `0 ≤ tax_free ≤ amount`.
    pub tax_free: i64,
    pub culture_expense: bool,
}

/// What the auto-pay guard reads.
#[derive(Debug, Clone)]
pub struct AutoPayFacts<'a> {
    pub settings: PaymentSettings,
    /// The latest record of the customerKey.
    pub customer: Option<&'a Customer>,
    /// The method named by `methodKey` in the merchant and mode.
    pub method: Option<&'a Method>,
    /// Another payment of the orderId is already approved.
    pub order_approved: bool,
    /// The merchant's active promotions.
    pub promotions: &'a [Promotion],
}

/// A discount to debit from a promotion's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discount {
    pub promotion_id: i64,
    pub amount: i64,
    /// The budget as read; the debit itself is a conditional update ([`debit`]).
    pub balance: i64,
}

/// What an accepted auto-pay charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoPayPlan {
    /// Installment months applied (0 = lump sum).
    pub months: i64,
    pub discount: Option<Discount>,
    /// The `taxFreeAmount` recorded.
    pub tax_free: i64,
    /// Culture expense applies to accounts only.
    pub culture_expense: bool,
}

/// The auto-pay guard (§2.9.2), in the documented order of its errors, and what the payment charges.
pub fn auto_pay(
    facts: &AutoPayFacts<'_>,
    ask: &AutoPayAsk<'_>,
    now: Instant,
) -> Result<AutoPayPlan, Refusal> {
    if !facts.settings.auto_pay_enabled {
        return Err(Refusal::ForbiddenRequest);
    }
    let customer = payer(facts.customer)?;
    let method = facts.method.ok_or(Refusal::NotFoundMethod)?;
    if method.customer_id != customer.id {
        return Err(Refusal::NotFoundMethodOwnership);
    }
    match method.status {
        MethodStatus::Enabled => {}
        MethodStatus::Disabled => return Err(Refusal::NotAllowedBrandpayMethod),
    }
    let minimum = match method.kind() {
        MethodType::Card => CARD_MINIMUM,
        MethodType::Account => ACCOUNT_MINIMUM,
    };
    if ask.amount < minimum {
        return Err(Refusal::BelowMinimumAmount);
    }
    if facts.order_approved {
        return Err(Refusal::DuplicatedOrderId);
    }
    let months = match &method.details {
        MethodDetails::Card(card) => {
            if installment_refused(ask.plan, ask.amount, card.card_type) {
                return Err(Refusal::NotSupportedMonthlyInstallmentPlan);
            }
            applied_months(ask.plan, ask.amount, card.installment_minimum_amount)
        }
        MethodDetails::Account(_) => 0,
    };
    let discount = match ask.discount_code {
        None => None,
        Some(code) => {
            let promotion = discount_promotion(facts.promotions, &method.details, code);
            let offer = promotion.map(|p| DiscountOffer {
                discount_amount: p.discount_amount,
                minimum_payment_amount: p.minimum_payment_amount,
                maximum_payment_amount: p.maximum_payment_amount,
            });
            let amount = check_discount(offer.as_ref(), ask.amount).map_err(|r| match r {
                DiscountRefusal::NotApplicable => Refusal::InvalidRequest,
                DiscountRefusal::AboveMaximum => Refusal::InvalidMaximumDiscountAmount,
            })?;
            promotion.map(|p| Discount {
                promotion_id: p.id,
                amount,
                balance: p.balance,
            })
        }
    };
    if facts.settings.too_new(method, now) {
        return Err(Refusal::RestrictedTransferAccount);
    }
    let culture_expense = match method.kind() {
        MethodType::Card => false,
        MethodType::Account => ask.culture_expense,
    };
    Ok(AutoPayPlan {
        months,
        discount,
        tax_free: facts.settings.tax_free(ask.tax_free),
        culture_expense,
    })
}

/// Codes a simulated card decline may use (§5.2.3 "decline-capable: card").
pub const CARD_DECLINES: &[&str] = &[
    "CARD_PROCESSING_ERROR",
    "EXCEED_MAX_AMOUNT",
    "EXCEED_MAX_AUTH_COUNT",
    "EXCEED_MAX_DAILY_PAYMENT_COUNT",
    "EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT",
    "EXCEED_MAX_ONE_DAY_AMOUNT",
    "EXCEED_MAX_PAYMENT_AMOUNT",
    "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING",
    "FDS_ERROR",
    "INVALID_CARD_EXPIRATION",
    "INVALID_CARD_LOST_OR_STOLEN",
    "INVALID_CARD_NUMBER",
    "INVALID_REJECT_CARD",
    "INVALID_STOPPED_CARD",
    "NOT_ALLOWED_POINT_USE",
    "NOT_AVAILABLE_PAYMENT",
    "NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT",
    "PROVIDER_ERROR",
    "REJECT_CARD_COMPANY",
    "REJECT_CARD_PAYMENT",
    "UNKNOWN_PAYMENT_ERROR",
];

/// Codes a simulated account decline may use (§5.2.3 "decline-capable: account").
pub const ACCOUNT_DECLINES: &[&str] = &[
    "EXCEED_MAX_AMOUNT",
    "EXCEED_MAX_DAILY_PAYMENT_COUNT",
    "EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT",
    "EXCEED_MAX_ONE_DAY_AMOUNT",
    "EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT",
    "EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT",
    "EXCEED_MAX_PAYMENT_AMOUNT",
    "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING",
    "FDS_ERROR",
    "NOT_AVAILABLE_BANK",
    "NOT_AVAILABLE_PAYMENT",
    "PROVIDER_ERROR",
    "REJECT_ACCOUNT_PAYMENT",
    "REJECT_TOSSPAY_INVALID_ACCOUNT",
    "UNKNOWN_PAYMENT_ERROR",
];

/// Whether `code` may decline a method of `kind`.
pub fn is_decline_capable(kind: MethodType, code: &str) -> bool {
    match kind {
        MethodType::Card => CARD_DECLINES.contains(&code),
        MethodType::Account => ACCOUNT_DECLINES.contains(&code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::brandpay::{AccountDetails, CardDetails, OwnerType};
    use serde_json::json;

    #[test]
    fn amounts_are_integers_or_digit_strings() {
        assert_eq!(parse_amount(&json!(10000)), Some(10_000));
        assert_eq!(parse_amount(&json!("10000")), Some(10_000));
        assert_eq!(parse_amount(&json!("0010")), Some(10));
        assert_eq!(parse_amount(&json!(-5)), Some(-5));
        assert_eq!(parse_amount(&json!(10000.0)), None);
        assert_eq!(parse_amount(&json!(1e4)), None);
        assert_eq!(parse_amount(&json!("-5")), None);
        assert_eq!(parse_amount(&json!("1 0")), None);
        assert_eq!(parse_amount(&json!("")), None);
        assert_eq!(parse_amount(&json!("99999999999999999999")), None);
        assert_eq!(parse_amount(&json!("9999999999999999999")), None);
        assert_eq!(parse_amount(&json!(true)), None);
        assert_eq!(parse_amount(&Value::Null), None);
    }

    #[test]
    fn order_ids_names_and_emails() {
        assert!(is_valid_order_id("order-1_A", false));
        assert!(!is_valid_order_id("order=1_A", false));
        assert!(is_valid_order_id("order=1_A", true));
        assert!(!is_valid_order_id("short", true));
        assert!(!is_valid_order_id(&"a".repeat(65), true));
        assert!(is_valid_order_name(&"가".repeat(100)));
        assert!(!is_valid_order_name(&"가".repeat(101)));
        assert!(!is_valid_order_name(""));
        assert!(is_valid_email("buyer@example.com"));
        for bad in [
            "buyer",
            "@example.com",
            "buyer@",
            "buyer@example",
            "a b@c.d",
            "a@b@c.d",
            "a@b.",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
        assert!(!is_valid_email(&format!("{}@example.com", "a".repeat(90))));
    }

    #[test]
    fn installment_rules() {
        assert!(is_valid_installment_plan(0));
        assert!(is_valid_installment_plan(2) && is_valid_installment_plan(12));
        assert!(!is_valid_installment_plan(1) && !is_valid_installment_plan(13));
        assert!(!is_valid_installment_plan(-3));
        assert_eq!(applied_months(3, 50_000, 50_000), 3);
        assert_eq!(applied_months(3, 49_999, 0), 0);
        assert_eq!(applied_months(3, 60_000, 70_000), 0);
        assert_eq!(applied_months(0, 60_000, 0), 0);
        assert!(installment_refused(3, 50_000, CardType::Check));
        assert!(installment_refused(3, 50_000, CardType::Gift));
        assert!(!installment_refused(3, 49_999, CardType::Check));
        assert!(!installment_refused(3, 50_000, CardType::Credit));
        assert!(!installment_refused(0, 50_000, CardType::Check));
        let promos = [InterestFree {
            months: &[2, 3],
            minimum_payment_amount: 10_000,
        }];
        assert_eq!(interest(0, 60_000, &promos), (false, None));
        assert_eq!(
            interest(3, 60_000, &promos),
            (true, Some(InterestPayer::CardCompany))
        );
        assert_eq!(
            interest(6, 60_000, &promos),
            (false, Some(InterestPayer::Buyer))
        );
        assert_eq!(
            interest(3, 60_000, &[]),
            (false, Some(InterestPayer::Buyer))
        );
        assert_eq!(InterestPayer::CardCompany.as_str(), "CARD_COMPANY");
    }

    #[test]
    fn discount_rules() {
        let offer = DiscountOffer {
            discount_amount: 5_000,
            minimum_payment_amount: 10_000,
            maximum_payment_amount: 100_000,
        };
        assert_eq!(check_discount(Some(&offer), 10_000), Ok(5_000));
        assert_eq!(check_discount(Some(&offer), 100_000), Ok(5_000));
        assert_eq!(
            check_discount(Some(&offer), 9_999),
            Err(DiscountRefusal::NotApplicable)
        );
        assert_eq!(
            check_discount(Some(&offer), 100_001),
            Err(DiscountRefusal::AboveMaximum)
        );
        assert_eq!(
            check_discount(None, 10_000),
            Err(DiscountRefusal::NotApplicable)
        );
    }

    #[test]
    fn declines_follow_the_method_kind() {
        assert!(is_decline_capable(MethodType::Card, "REJECT_CARD_COMPANY"));
        assert!(!is_decline_capable(
            MethodType::Account,
            "REJECT_CARD_COMPANY"
        ));
        assert!(is_decline_capable(
            MethodType::Account,
            "REJECT_ACCOUNT_PAYMENT"
        ));
        assert!(!is_decline_capable(MethodType::Card, "INVALID_PASSWORD"));
    }

    const DAY: i64 = 24 * 3600;

    fn now() -> Instant {
        Instant(0).plus_seconds(100 * DAY)
    }

    fn customer(id: i64, status: CustomerStatus) -> Customer {
        Customer {
            id,
            status,
            identified: true,
        }
    }

    fn card(customer_id: i64, card_type: CardType) -> Method {
        Method {
            seq: 1,
            id: "c_1".to_owned(),
            method_key: "mk_card".to_owned(),
            customer_id,
            status: MethodStatus::Enabled,
            alias: String::new(),
            details: MethodDetails::Card(CardDetails {
                card_name: "현대카드".to_owned(),
                card_number: "43301234****123*".to_owned(),
                issuer_code: "61".to_owned(),
                acquirer_code: "61".to_owned(),
                owner_type: OwnerType::Personal,
                card_type,
                installment_minimum_amount: 50_000,
            }),
            registered_at: Instant(0).plus_seconds(10 * DAY),
            last_used_at: None,
        }
    }

    fn account(customer_id: i64, registered_at: Instant) -> Method {
        Method {
            seq: 2,
            id: "b_1".to_owned(),
            method_key: "mk_account".to_owned(),
            customer_id,
            status: MethodStatus::Enabled,
            alias: String::new(),
            details: MethodDetails::Account(AccountDetails {
                bank_code: "92".to_owned(),
                account_name: "토스뱅크 계좌".to_owned(),
                account_number: "123***7890".to_owned(),
            }),
            registered_at,
            last_used_at: None,
        }
    }

    fn promotion(id: i64, kind: PromotionType, company: &str, code: &str) -> Promotion {
        Promotion {
            id,
            kind,
            company_code: company.to_owned(),
            discount_amount: 5_000,
            balance: 1_000_000,
            discount_code: code.to_owned(),
            due_date: "2099-12-31".to_owned(),
            minimum_payment_amount: 10_000,
            maximum_payment_amount: 888_888_888,
            installment_free_months: Vec::new(),
        }
    }

    const SETTINGS: PaymentSettings = PaymentSettings {
        auto_pay_enabled: true,
        restrict_new_accounts: false,
        tax_type: TaxType::Mixed,
    };

    #[test]
    fn only_an_active_customer_pays() {
        assert_eq!(payer(None), Err(Refusal::NotFoundCustomer));
        let agreed = customer(1, CustomerStatus::Agreed);
        assert_eq!(payer(Some(&agreed)), Err(Refusal::NotFoundCustomer));
        let removed = customer(1, CustomerStatus::Removed);
        assert_eq!(
            payer(Some(&removed)),
            Err(Refusal::ForbiddenDormantOrWithdrawalCustomer)
        );
        let active = customer(1, CustomerStatus::Active);
        assert_eq!(payer(Some(&active)), Ok(&active));
    }

    #[test]
    fn window_checks_in_order() {
        let active = customer(1, CustomerStatus::Active);
        let mine = card(1, CardType::Credit);
        let theirs = card(2, CardType::Credit);
        let disabled = Method {
            status: MethodStatus::Disabled,
            ..mine.clone()
        };
        let ok = WindowFacts {
            customer: Some(&active),
            method: Some(&mine),
            password: None,
            order_approved: false,
        };
        assert_eq!(window(&ok), Ok(()));
        let cases = [
            (
                WindowFacts {
                    customer: None,
                    password: Some("bad"),
                    ..ok.clone()
                },
                Err(Refusal::NotFoundCustomer),
            ),
            (
                WindowFacts {
                    method: Some(&theirs),
                    ..ok.clone()
                },
                Err(Refusal::NotFoundMethod),
            ),
            (
                WindowFacts {
                    method: None,
                    ..ok.clone()
                },
                Err(Refusal::NotFoundMethod),
            ),
            (
                WindowFacts {
                    method: Some(&disabled),
                    password: Some("bad"),
                    ..ok.clone()
                },
                Err(Refusal::NotAllowedBrandpayMethod),
            ),
            (
                WindowFacts {
                    password: Some("123456"),
                    order_approved: true,
                    ..ok.clone()
                },
                Err(Refusal::InvalidPassword),
            ),
            (
                WindowFacts {
                    password: Some(DEFAULT_PASSWORD),
                    ..ok.clone()
                },
                Ok(()),
            ),
            (
                WindowFacts {
                    order_approved: true,
                    ..ok.clone()
                },
                Err(Refusal::DuplicatedOrderId),
            ),
        ];
        for (facts, outcome) in cases {
            assert_eq!(window(&facts), outcome, "{facts:?}");
        }
    }

    fn confirm_facts<'a>(method: &'a Method) -> ConfirmFacts<'a> {
        ConfirmFacts {
            stage: Stage::InProgress,
            order_id: "order-1",
            total_amount: 10_000,
            customer_key: Some("customer-1"),
            method: Some(method),
            method_owner: Some(CustomerStatus::Active),
            order_approved: false,
            settings: SETTINGS,
        }
    }

    const CONFIRM: ConfirmAsk<'static> = ConfirmAsk {
        amount: 10_000,
        customer_key: "customer-1",
        order_id: "order-1",
    };

    #[test]
    fn confirm_checks_in_the_documented_order() {
        let method = card(1, CardType::Credit);
        let disabled = Method {
            status: MethodStatus::Disabled,
            ..method.clone()
        };
        let ok = confirm_facts(&method);
        assert_eq!(confirm(&ok, &CONFIRM, now()), Ok(()));
        let mut cases = Vec::new();
        for (stage, refusal) in [
            (Stage::Expired, Refusal::NotFoundPaymentSession),
            (Stage::Ready, Refusal::InvalidRequest),
            (Stage::Processed, Refusal::AlreadyProcessedPayment),
        ] {
            // The stage decides before anything else is looked at.
            let facts = ConfirmFacts {
                stage,
                total_amount: 1,
                method: None,
                ..ok.clone()
            };
            cases.push((facts, refusal));
        }
        cases.extend([
            (
                ConfirmFacts {
                    total_amount: 9_999,
                    customer_key: None,
                    ..ok.clone()
                },
                Refusal::InvalidRequest,
            ),
            (
                ConfirmFacts {
                    order_id: "order-2",
                    ..ok.clone()
                },
                Refusal::InvalidRequest,
            ),
            (
                ConfirmFacts {
                    customer_key: Some("customer-2"),
                    method: None,
                    ..ok.clone()
                },
                Refusal::NotMatchesCustomerKey,
            ),
            (
                ConfirmFacts {
                    method: None,
                    method_owner: None,
                    ..ok.clone()
                },
                Refusal::NotAllowedBrandpayMethod,
            ),
            (
                ConfirmFacts {
                    method: Some(&disabled),
                    order_approved: true,
                    ..ok.clone()
                },
                Refusal::NotAllowedBrandpayMethod,
            ),
            (
                ConfirmFacts {
                    order_approved: true,
                    ..ok.clone()
                },
                Refusal::DuplicatedOrderId,
            ),
        ]);
        for owner in [
            None,
            Some(CustomerStatus::Removed),
            Some(CustomerStatus::Agreed),
        ] {
            let facts = ConfirmFacts {
                method_owner: owner,
                method: Some(&disabled),
                ..ok.clone()
            };
            cases.push((facts, Refusal::ForbiddenDormantOrWithdrawalCustomer));
        }
        for (facts, refusal) in cases {
            assert_eq!(confirm(&facts, &CONFIRM, now()), Err(refusal), "{facts:?}");
        }
    }

    #[test]
    fn new_accounts_wait_twelve_hours_under_the_restriction() {
        let registered = now().plus_seconds(-NEW_ACCOUNT_SECONDS + 1);
        let fresh = account(1, registered);
        let restricted = PaymentSettings {
            restrict_new_accounts: true,
            ..SETTINGS
        };
        let mut facts = confirm_facts(&fresh);
        facts.settings = restricted;
        assert_eq!(
            confirm(&facts, &CONFIRM, now()),
            Err(Refusal::RestrictedTransferAccount)
        );
        assert_eq!(confirm(&facts, &CONFIRM, now().plus_seconds(1)), Ok(()));
        facts.settings = SETTINGS;
        assert_eq!(confirm(&facts, &CONFIRM, now()), Ok(()));
        let card = card(1, CardType::Credit);
        assert!(!restricted.too_new(&card, card.registered_at));
    }

    fn auto_pay_ask(amount: i64) -> AutoPayAsk<'static> {
        AutoPayAsk {
            amount,
            plan: 0,
            discount_code: None,
            tax_free: 0,
            culture_expense: true,
        }
    }

    #[test]
    fn auto_pay_checks_in_the_documented_order() {
        let active = customer(1, CustomerStatus::Active);
        let method = card(1, CardType::Check);
        let promotions = [
            promotion(7, PromotionType::CardDiscount, "61", "12863"),
            promotion(8, PromotionType::BankDiscount, "61", "12863"),
        ];
        let ok = AutoPayFacts {
            settings: SETTINGS,
            customer: Some(&active),
            method: Some(&method),
            order_approved: false,
            promotions: &promotions,
        };
        let plan = auto_pay(&ok, &auto_pay_ask(10_000), now());
        assert_eq!(
            plan,
            Ok(AutoPayPlan {
                months: 0,
                discount: None,
                tax_free: 0,
                culture_expense: false,
            })
        );
        let theirs = card(2, CardType::Credit);
        let ask = auto_pay_ask(10_000);
        let cases = [
            (
                AutoPayFacts {
                    settings: PaymentSettings {
                        auto_pay_enabled: false,
                        ..SETTINGS
                    },
                    customer: None,
                    ..ok.clone()
                },
                ask,
                Refusal::ForbiddenRequest,
            ),
            (
                AutoPayFacts {
                    customer: None,
                    method: None,
                    ..ok.clone()
                },
                ask,
                Refusal::NotFoundCustomer,
            ),
            (
                AutoPayFacts {
                    method: None,
                    ..ok.clone()
                },
                ask,
                Refusal::NotFoundMethod,
            ),
            (
                AutoPayFacts {
                    method: Some(&theirs),
                    ..ok.clone()
                },
                ask,
                Refusal::NotFoundMethodOwnership,
            ),
            (
                AutoPayFacts {
                    order_approved: true,
                    ..ok.clone()
                },
                auto_pay_ask(CARD_MINIMUM - 1),
                Refusal::BelowMinimumAmount,
            ),
            (
                AutoPayFacts {
                    order_approved: true,
                    ..ok.clone()
                },
                ask,
                Refusal::DuplicatedOrderId,
            ),
        ];
        for (facts, ask, refusal) in cases {
            assert_eq!(auto_pay(&facts, &ask, now()), Err(refusal), "{facts:?}");
        }
        let with = |ask: AutoPayAsk<'static>| auto_pay(&ok, &ask, now());
        let installments = AutoPayAsk {
            plan: 3,
            ..auto_pay_ask(50_000)
        };
        assert_eq!(
            with(installments),
            Err(Refusal::NotSupportedMonthlyInstallmentPlan)
        );
        let discounted = AutoPayAsk {
            discount_code: Some("12863"),
            ..auto_pay_ask(10_000)
        };
        assert_eq!(
            with(discounted).map(|p| p.discount),
            Ok(Some(Discount {
                promotion_id: 7,
                amount: 5_000,
                balance: 1_000_000,
            }))
        );
        let unknown_code = AutoPayAsk {
            discount_code: Some("nope"),
            ..ask
        };
        assert_eq!(with(unknown_code), Err(Refusal::InvalidRequest));
        let below = AutoPayAsk {
            discount_code: Some("12863"),
            ..auto_pay_ask(9_999)
        };
        assert_eq!(with(below), Err(Refusal::InvalidRequest));
        let above = AutoPayAsk {
            discount_code: Some("12863"),
            ..auto_pay_ask(888_888_889)
        };
        assert_eq!(with(above), Err(Refusal::InvalidMaximumDiscountAmount));
    }

    #[test]
    fn auto_pay_by_account_applies_its_rules() {
        let active = customer(1, CustomerStatus::Active);
        let method = account(1, now());
        let facts = AutoPayFacts {
            settings: PaymentSettings {
                tax_type: TaxType::General,
                ..SETTINGS
            },
            customer: Some(&active),
            method: Some(&method),
            order_approved: false,
            promotions: &[],
        };
        assert_eq!(
            auto_pay(&facts, &auto_pay_ask(ACCOUNT_MINIMUM - 1), now()),
            Err(Refusal::BelowMinimumAmount)
        );
        let ask = AutoPayAsk {
            plan: 3,
            tax_free: 100,
            ..auto_pay_ask(60_000)
        };
        assert_eq!(
            auto_pay(&facts, &ask, now()),
            Ok(AutoPayPlan {
                months: 0,
                discount: None,
                tax_free: 0,
                culture_expense: true,
            })
        );
        let restricted = AutoPayFacts {
            settings: PaymentSettings {
                restrict_new_accounts: true,
                ..SETTINGS
            },
            ..facts
        };
        assert_eq!(
            auto_pay(&restricted, &ask, now()),
            Err(Refusal::RestrictedTransferAccount)
        );
    }

    #[test]
    fn budgets_are_debited_only_while_they_cover_the_discount() {
        assert_eq!(debit(10_000, 5_000), Some(5_000));
        assert_eq!(debit(5_000, 5_000), Some(0));
        assert_eq!(debit(4_999, 5_000), None);
        assert_eq!(debit(10_000, 0), None);
        assert_eq!(debit(10_000, -1), None);
    }

    #[test]
    fn tax_types_read_their_wire_strings() {
        assert_eq!("MIXED".parse(), Ok(TaxType::Mixed));
        assert_eq!("GENERAL".parse(), Ok(TaxType::General));
        assert!("general".parse::<TaxType>().is_err());
        assert_eq!(
            serde_json::to_value(TaxType::General).ok(),
            Some(json!("GENERAL"))
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn offer() -> impl Strategy<Value = DiscountOffer> {
            (-10i64..100_000, 0i64..1_000_000, 0i64..2_000_000).prop_map(
                |(discount_amount, minimum_payment_amount, span)| DiscountOffer {
                    discount_amount,
                    minimum_payment_amount,
                    maximum_payment_amount: minimum_payment_amount + span,
                },
            )
        }

        fn stage() -> impl Strategy<Value = Stage> {
            prop_oneof![
                Just(Stage::Ready),
                Just(Stage::InProgress),
                Just(Stage::Expired),
                Just(Stage::Processed),
            ]
        }

        proptest! {
            #[test]
            fn debits_at_the_bounds_are_exact(balance in 0i64..=i64::MAX, discount in i64::MIN..=i64::MAX) {
                match debit(balance, discount) {
                    Some(after) => {
                        prop_assert!(discount > 0 && after >= 0);
                        prop_assert_eq!(i128::from(after) + i128::from(discount), i128::from(balance));
                    }
                    None => prop_assert!(discount <= 0 || discount > balance),
                }
            }
        }

        proptest! {
            /// However many payments race for one budget, each debit is either the whole discount or
            /// nothing, the balance never goes below zero and no more than the budget is spent.
            #[test]
            fn discount_balances_never_go_negative(
                budget in 0i64..1_000_000,
                discounts in proptest::collection::vec(-100i64..200_000, 0..64),
            ) {
                let mut balance = budget;
                let mut spent = 0;
                for discount in discounts {
                    match debit(balance, discount) {
                        Some(after) => {
                            prop_assert!(discount > 0);
                            prop_assert_eq!(after, balance - discount);
                            spent += discount;
                            balance = after;
                        }
                        None => prop_assert!(discount <= 0 || balance < discount),
                    }
                    prop_assert!(balance >= 0);
                }
                prop_assert_eq!(spent + balance, budget);
            }

            /// An accepted discount is the offer's positive amount, for a payment within its bounds.
            #[test]
            fn accepted_discounts_are_bounded(offer in offer(), amount in -10i64..3_000_000) {
                if let Ok(discount) = check_discount(Some(&offer), amount) {
                    prop_assert!(discount > 0);
                    prop_assert_eq!(discount, offer.discount_amount);
                    prop_assert!(offer.minimum_payment_amount <= amount);
                    prop_assert!(amount <= offer.maximum_payment_amount);
                }
            }

            /// Applied months are lump sum or a plan of 2–12 for an amount that reaches every minimum.
            #[test]
            fn applied_months_are_bounded(
                plan in -5i64..40,
                amount in 0i64..200_000,
                minimum in 0i64..200_000,
            ) {
                let months = applied_months(plan, amount, minimum);
                prop_assert!(months == 0 || (2..=12).contains(&months));
                if months > 0 {
                    prop_assert_eq!(months, plan);
                    prop_assert!(amount >= INSTALLMENT_MINIMUM && amount >= minimum);
                }
            }

            /// Amounts written as digit strings read back as the same number.
            #[test]
            fn digit_amounts_round_trip(amount in 0i64..=i64::MAX) {
                prop_assert_eq!(parse_amount(&json!(amount.to_string())), Some(amount));
                prop_assert_eq!(parse_amount(&json!(amount)), Some(amount));
            }

            /// A confirm is accepted only for an authenticated payment whose order, amount and customer
            /// match, paid by an enabled method of an active customer.
            #[test]
            fn confirms_accept_only_matching_in_progress_payments(
                stage in stage(),
                total in 1i64..100_000,
                asked in 1i64..100_000,
                same_customer in any::<bool>(),
                enabled in any::<bool>(),
                owner_active in any::<bool>(),
                order_approved in any::<bool>(),
            ) {
                let mut method = card(1, CardType::Credit);
                if !enabled {
                    method.status = MethodStatus::Disabled;
                }
                let facts = ConfirmFacts {
                    stage,
                    order_id: "order-1",
                    total_amount: total,
                    customer_key: Some(if same_customer { "customer-1" } else { "other" }),
                    method: Some(&method),
                    method_owner: Some(if owner_active {
                        CustomerStatus::Active
                    } else {
                        CustomerStatus::Removed
                    }),
                    order_approved,
                    settings: SETTINGS,
                };
                let ask = ConfirmAsk { amount: asked, ..CONFIRM };
                let accepted = confirm(&facts, &ask, now()).is_ok();
                prop_assert_eq!(
                    accepted,
                    stage == Stage::InProgress
                        && total == asked
                        && same_customer
                        && enabled
                        && owner_active
                        && !order_approved
                );
            }

            /// An accepted auto-pay charges at least the method's minimum, records a tax-free amount
            /// within the payment, applies a valid plan and a discount within the payment's bounds.
            #[test]
            fn accepted_auto_pays_are_bounded(
                amount in 1i64..1_000_000,
                plan in prop_oneof![Just(0i64), 2i64..=12],
                tax_free_share in 0i64..=100,
                general in any::<bool>(),
                by_card in any::<bool>(),
                with_code in any::<bool>(),
            ) {
                let active = customer(1, CustomerStatus::Active);
                let method = if by_card {
                    card(1, CardType::Credit)
                } else {
                    account(1, Instant(0))
                };
                let promotions = [
                    promotion(7, PromotionType::CardDiscount, "61", "code"),
                    promotion(8, PromotionType::BankDiscount, "92", "code"),
                ];
                let facts = AutoPayFacts {
                    settings: PaymentSettings {
                        tax_type: if general { TaxType::General } else { TaxType::Mixed },
                        ..SETTINGS
                    },
                    customer: Some(&active),
                    method: Some(&method),
                    order_approved: false,
                    promotions: &promotions,
                };
                let ask = AutoPayAsk {
                    amount,
                    plan,
                    discount_code: with_code.then_some("code"),
                    tax_free: amount * tax_free_share / 100,
                    culture_expense: true,
                };
                if let Ok(plan) = auto_pay(&facts, &ask, now()) {
                    let minimum = if by_card { CARD_MINIMUM } else { ACCOUNT_MINIMUM };
                    prop_assert!(amount >= minimum);
                    prop_assert!((0..=amount).contains(&plan.tax_free));
                    prop_assert!(plan.months == 0 || (by_card && (2..=12).contains(&plan.months)));
                    prop_assert_eq!(plan.culture_expense, !by_card);
                    if let Some(discount) = plan.discount {
                        prop_assert!(discount.amount > 0);
                        prop_assert!((10_000..=888_888_888).contains(&amount));
                    }
                    prop_assert_eq!(plan.discount.is_some(), with_code);
                }
            }
        }
    }
}
