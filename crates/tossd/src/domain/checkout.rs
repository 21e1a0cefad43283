//! BrandPay payment rules (REFERENCE.md §1.3, §2.9, §5.2.3–5.2.4): the `amount` that may be a digit
//! string, orderId/orderName/e-mail forms, card installments, instant discounts and which codes a
//! simulated decline may use. Pure: no HTTP, no SQL.

use serde_json::Value;

/// Installments apply only from this amount on (§2.9.2).
pub const INSTALLMENT_MINIMUM: i64 = 50_000;
/// Smallest auto-pay amount by card and by account (`BELOW_MINIMUM_AMOUNT`).
pub const CARD_MINIMUM: i64 = 100;
pub const ACCOUNT_MINIMUM: i64 = 200;
/// Under the merchant's `restrictNewAccounts`, an account pays only 12 hours after registration.
pub const NEW_ACCOUNT_SECONDS: i64 = 12 * 3600;

/// A TP `amount` (§1.3): a JSON integer (no fraction or exponent, fits i64) or 1–19 ASCII digits whose
/// value fits i64. `None` for anything else (wrong type).
pub fn parse_amount(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s)
            if (1..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
        _ => None,
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
pub fn installment_refused(plan: i64, amount: i64, card_type: &str) -> bool {
    (2..=12).contains(&plan) && amount >= INSTALLMENT_MINIMUM && card_type != "신용"
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

/// `(isInterestFree, interestPayer)` for the applied months: `null` payer for lump sum, `CARD_COMPANY`
/// when a promotion covers the months and amount, `BUYER` otherwise.
pub fn interest(
    months: i64,
    amount: i64,
    promotions: &[InterestFree<'_>],
) -> (bool, Option<&'static str>) {
    if months == 0 {
        return (false, None);
    }
    let free = promotions
        .iter()
        .any(|p| p.months.contains(&months) && amount >= p.minimum_payment_amount);
    if free {
        (true, Some("CARD_COMPANY"))
    } else {
        (false, Some("BUYER"))
    }
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

/// Whether `code` may decline a method of `kind` (`CARD` or `ACCOUNT`).
pub fn is_decline_capable(kind: &str, code: &str) -> bool {
    match kind {
        "CARD" => CARD_DECLINES.contains(&code),
        "ACCOUNT" => ACCOUNT_DECLINES.contains(&code),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert!(installment_refused(3, 50_000, "체크"));
        assert!(installment_refused(3, 50_000, "기프트"));
        assert!(!installment_refused(3, 49_999, "체크"));
        assert!(!installment_refused(3, 50_000, "신용"));
        assert!(!installment_refused(0, 50_000, "체크"));
        let promos = [InterestFree {
            months: &[2, 3],
            minimum_payment_amount: 10_000,
        }];
        assert_eq!(interest(0, 60_000, &promos), (false, None));
        assert_eq!(interest(3, 60_000, &promos), (true, Some("CARD_COMPANY")));
        assert_eq!(interest(6, 60_000, &promos), (false, Some("BUYER")));
        assert_eq!(interest(3, 60_000, &[]), (false, Some("BUYER")));
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
        assert!(is_decline_capable("CARD", "REJECT_CARD_COMPANY"));
        assert!(!is_decline_capable("ACCOUNT", "REJECT_CARD_COMPANY"));
        assert!(is_decline_capable("ACCOUNT", "REJECT_ACCOUNT_PAYMENT"));
        assert!(!is_decline_capable("CARD", "INVALID_PASSWORD"));
        assert!(!is_decline_capable("OTHER", "PROVIDER_ERROR"));
    }
}
