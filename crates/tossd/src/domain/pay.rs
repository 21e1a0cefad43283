//! Toss Pay rules (REFERENCE.md §2.3, §3.1): input validation, the tax split, the state machine's checks
//! and the refund arithmetic. No IO: callers pass values and clock readings.

use crate::domain::time::Instant;

pub const PAY_STANDBY: &str = "PAY_STANDBY";
pub const PAY_APPROVED: &str = "PAY_APPROVED";
pub const PAY_CANCEL: &str = "PAY_CANCEL";
pub const PAY_COMPLETE: &str = "PAY_COMPLETE";
pub const REFUND_SUCCESS: &str = "REFUND_SUCCESS";

pub const CARD: &str = "CARD";
pub const TOSS_MONEY: &str = "TOSS_MONEY";

/// A payment not executed within 30 minutes of its creation is cancelled.
pub const PAYMENT_LIFETIME_SECONDS: i64 = 30 * 60;

/// `amount` has at most 7 digits.
pub const MAX_AMOUNT: i64 = 9_999_999;

/// Installment months are possible only from this amount on.
pub const INSTALLMENT_MIN_AMOUNT: i64 = 50_000;

/// `payToken` as callers may send it: at most 30 characters.
pub const MAX_PAY_TOKEN_CHARS: usize = 30;

/// `orderNo`: 1–50 characters of digits, letters and `_-:.^@`.
pub fn is_order_no(text: &str) -> bool {
    (1..=50).contains(&text.chars().count())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-:.^@".contains(c))
}

/// `productDesc`: 1–255 characters, not only whitespace, without `\` or `"`.
pub fn is_product_desc(text: &str) -> bool {
    text.chars().count() <= 255
        && !text.trim().is_empty()
        && !text.chars().any(|c| c == '\\' || c == '"')
}

/// A Hangul syllable or jamo.
fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// Refund `reason`: at most 55 characters of Hangul, digits, letters, space and `_-:.^@()[]#/!%?&`.
pub fn is_refund_reason(text: &str) -> bool {
    text.chars().count() <= 55
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || is_hangul(c) || c == ' ' || "_-:.^@()[]#/!%?&".contains(c)
        })
}

/// `enablePayMethods`: `TOSS_MONEY` or `CARD` restrict the sheet; anything else (or nothing) means both.
/// `None` when the value is too long to be accepted at all.
pub fn enable_pay_methods(value: Option<&str>) -> Option<Option<&'static str>> {
    match value {
        Some(text) if text.chars().count() > 100 => None,
        Some(TOSS_MONEY) => Some(Some(TOSS_MONEY)),
        Some(CARD) => Some(Some(CARD)),
        _ => Some(None),
    }
}

/// Whether `method` may be used under the payment's `enablePayMethods`.
pub fn method_allowed(enabled: Option<&str>, method: &str) -> bool {
    enabled.is_none_or(|only| only == method)
}

/// `cashReceiptTradeOption`: default `GENERAL`; an unknown value is refused (`None`).
pub fn trade_option(value: Option<&str>) -> Option<&'static str> {
    match value {
        None => Some("GENERAL"),
        Some("GENERAL") => Some("GENERAL"),
        Some("CULTURE") => Some("CULTURE"),
        Some("PUBLIC_TP") => Some("PUBLIC_TP"),
        Some(_) => None,
    }
}

/// `installment`: default `USE`; an unknown value is refused (`None`).
pub fn installment(value: Option<&str>) -> Option<&'static str> {
    match value {
        None | Some("USE") => Some("USE"),
        Some("NOT_USE") => Some("NOT_USE"),
        Some(_) => None,
    }
}

/// The tax split of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxSplit {
    pub taxable: i64,
    pub vat: i64,
    pub tax_free: i64,
    pub service_fee: i64,
}

/// Completes the tax split (REFERENCE.md §2.3.1 "Tax split"); `None` when a given value is negative, a
/// computed one would be, or the parts do not add up to `amount`.
pub fn tax_split(
    amount: i64,
    tax_free: i64,
    service_fee: i64,
    taxable: Option<i64>,
    vat: Option<i64>,
) -> Option<TaxSplit> {
    if amount < 0
        || tax_free < 0
        || tax_free > amount
        || service_fee < 0
        || taxable.is_some_and(|t| t < 0)
        || vat.is_some_and(|v| v < 0)
    {
        return None;
    }
    // i128: callers may send any int64, and sums of several must not overflow.
    let base = i128::from(amount) - i128::from(tax_free) - i128::from(service_fee);
    let (taxable, vat) = match (taxable.map(i128::from), vat.map(i128::from)) {
        (None, None) => {
            if base < 0 {
                return None;
            }
            let vat = (base + 10) / 11;
            (base - vat, vat)
        }
        (Some(taxable), None) => (taxable, base - taxable),
        (None, Some(vat)) => (base - vat, vat),
        (Some(taxable), Some(vat)) => {
            if taxable + vat != base {
                return None;
            }
            (taxable, vat)
        }
    };
    if taxable < 0 || vat < 0 {
        return None;
    }
    Some(TaxSplit {
        taxable: i64::try_from(taxable).ok()?,
        vat: i64::try_from(vat).ok()?,
        tax_free,
        service_fee,
    })
}

/// Whether a payment in `status` created with `expires_at` has been cancelled by the clock at `now`.
pub fn expired(status: &str, expires_at: Instant, now: Instant) -> bool {
    (status == PAY_STANDBY || status == PAY_APPROVED) && now >= expires_at
}

/// Why `execute-payment` refuses a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecuteRefusal {
    Canceled,
    NotApproved,
    AlreadyCompleted,
}

/// Only an approved payment can be executed.
pub fn check_execute(status: &str) -> Result<(), ExecuteRefusal> {
    match status {
        PAY_APPROVED => Ok(()),
        PAY_STANDBY => Err(ExecuteRefusal::NotApproved),
        PAY_CANCEL => Err(ExecuteRefusal::Canceled),
        _ => Err(ExecuteRefusal::AlreadyCompleted),
    }
}

/// Why `refund-payment` refuses a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRefusal {
    NotRefundable,
    AlreadyRefunded,
    AmountExceeded,
}

/// The amount to refund: `requested` (≥ 1, validated by the caller) or the whole remainder.
pub fn refund_amount(
    status: &str,
    refundable: i64,
    requested: Option<i64>,
) -> Result<i64, RefundRefusal> {
    match status {
        PAY_COMPLETE => {}
        REFUND_SUCCESS => return Err(RefundRefusal::AlreadyRefunded),
        _ => return Err(RefundRefusal::NotRefundable),
    }
    if refundable <= 0 {
        return Err(RefundRefusal::AlreadyRefunded);
    }
    match requested {
        Some(amount) if amount > refundable => Err(RefundRefusal::AmountExceeded),
        Some(amount) => Ok(amount),
        None => Ok(refundable),
    }
}

/// How one refund divides between the paid part, the discount, and the points within the discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundSplit {
    pub paid: i64,
    pub discount: i64,
    pub points: i64,
}

/// The paid part is returned first, then the discount; within the discount, points before the instant
/// discount. `earlier_*` are the sums of the payment's earlier refunds.
pub fn refund_split(
    amount: i64,
    paid_amount: i64,
    paid_point: i64,
    earlier_paid: i64,
    earlier_points: i64,
) -> RefundSplit {
    let paid = amount.min((paid_amount - earlier_paid).max(0));
    let discount = amount - paid;
    let points = discount.min((paid_point - earlier_points).max(0));
    RefundSplit {
        paid,
        discount,
        points,
    }
}

/// Toss Pay card companies (REFERENCE.md §6.6): code → `cardCompanyName`.
pub fn card_company_name(code: i64) -> Option<&'static str> {
    Some(match code {
        1 => "신한카드",
        2 => "현대카드",
        3 => "삼성카드",
        4 => "KB국민카드",
        5 => "롯데카드",
        6 => "하나카드",
        7 => "우리카드",
        8 => "NH농협카드",
        9 => "씨티카드",
        10 => "BC카드",
        _ => return None,
    })
}

/// Card code 9 (씨티) is listed but unsupported, so the pay sheet refuses it.
pub fn card_company_supported(code: i64) -> bool {
    code != 9 && card_company_name(code).is_some()
}

const BANKS: &[(&str, &str)] = &[
    ("002", "KDB산업은행"),
    ("003", "IBK기업은행"),
    ("004", "KB국민은행"),
    ("005", "KEB하나은행"),
    ("007", "수협은행"),
    ("011", "NH농협은행"),
    ("020", "우리은행"),
    ("023", "SC은행"),
    ("027", "씨티은행"),
    ("031", "대구은행"),
    ("032", "부산은행"),
    ("034", "광주은행"),
    ("035", "제주은행"),
    ("037", "전북은행"),
    ("039", "경남은행"),
    ("045", "MG새마을금고"),
    ("048", "신협"),
    ("050", "저축은행"),
    ("064", "산림조합"),
    ("071", "우체국"),
    ("081", "하나은행"),
    ("088", "신한은행"),
    ("089", "케이뱅크"),
    ("090", "카카오뱅크"),
    ("092", "토스뱅크"),
    ("103", "SBI저축은행"),
    ("218", "KB증권"),
    ("230", "미래에셋증권"),
    ("238", "미래에셋증권"),
    ("240", "삼성증권"),
    ("243", "한국투자증권"),
    ("247", "NH투자증권"),
    ("261", "교보증권"),
    ("262", "하이투자증권"),
    ("263", "현대차투자증권"),
    ("264", "키움증권"),
    ("265", "이베스트증권"),
    ("266", "SK증권"),
    ("267", "대신증권"),
    ("269", "한화투자증권"),
    ("270", "하나증권"),
    ("271", "토스증권"),
    ("278", "신한투자증권"),
    ("279", "DB금융투자"),
    ("280", "유진투자"),
    ("287", "메리츠증권"),
    ("888", "토스머니"),
    ("889", "토스포인트"),
];

/// Toss Pay bank codes (REFERENCE.md §6.6): code → `accountBankName`.
pub fn bank_name(code: &str) -> Option<&'static str> {
    BANKS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

pub const CARD_METHOD_TYPES: &[&str] = &["CREDIT", "CHECK", "PREPAYMENT"];
pub const CARD_USER_TYPES: &[&str] = &[
    "PERSONAL",
    "PERSONAL_FAMILY",
    "CORP_PERSONAL",
    "CORP_PRIVATE",
    "CORP_COMPANY",
];

/// A masked card number: the first 6 digits, `******`, the last 4.
pub fn masked_card_number(bin: &str, last4: &str) -> String {
    format!("{bin}******{last4}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn order_numbers() {
        assert!(is_order_no("20250422-01"));
        assert!(is_order_no("a_b-c:d.e^f@g"));
        assert!(is_order_no(&"9".repeat(50)));
        assert!(!is_order_no(&"9".repeat(51)));
        assert!(!is_order_no(""));
        assert!(!is_order_no("order 1"));
        assert!(!is_order_no("주문1"));
        assert!(!is_order_no("a/b"));
    }

    #[test]
    fn product_descriptions() {
        assert!(is_product_desc("토스 티셔츠"));
        assert!(is_product_desc(&"가".repeat(255)));
        assert!(!is_product_desc(&"가".repeat(256)));
        assert!(!is_product_desc(""));
        assert!(!is_product_desc(" \t "));
        assert!(!is_product_desc("a\"b"));
        assert!(!is_product_desc("a\\b"));
    }

    #[test]
    fn refund_reasons() {
        assert!(is_refund_reason("고객 요청 (단순 변심) #1/2 50%?!&"));
        assert!(is_refund_reason(""));
        assert!(is_refund_reason(&"a".repeat(55)));
        assert!(!is_refund_reason(&"a".repeat(56)));
        assert!(!is_refund_reason("a\"b"));
        assert!(!is_refund_reason("a*b"));
        assert!(!is_refund_reason("tab\there"));
    }

    #[test]
    fn options() {
        assert_eq!(enable_pay_methods(None), Some(None));
        assert_eq!(enable_pay_methods(Some("CARD")), Some(Some(CARD)));
        assert_eq!(
            enable_pay_methods(Some("TOSS_MONEY")),
            Some(Some(TOSS_MONEY))
        );
        assert_eq!(enable_pay_methods(Some("string")), Some(None));
        assert_eq!(enable_pay_methods(Some(&"x".repeat(101))), None);
        assert!(method_allowed(None, CARD));
        assert!(!method_allowed(Some(CARD), TOSS_MONEY));
        assert_eq!(trade_option(None), Some("GENERAL"));
        assert_eq!(trade_option(Some("PUBLIC_TP")), Some("PUBLIC_TP"));
        assert_eq!(trade_option(Some("string")), None);
        assert_eq!(installment(None), Some("USE"));
        assert_eq!(installment(Some("NOT_USE")), Some("NOT_USE"));
        assert_eq!(installment(Some("string")), None);
    }

    #[test]
    fn tax_split_cases() {
        let split = |t, v| tax_split(10_000, 0, 0, t, v);
        assert_eq!(
            split(None, None),
            Some(TaxSplit {
                taxable: 9_090,
                vat: 910,
                tax_free: 0,
                service_fee: 0
            })
        );
        assert_eq!(split(Some(9_000), None).map(|s| s.vat), Some(1_000));
        assert_eq!(split(None, Some(1_000)).map(|s| s.taxable), Some(9_000));
        assert!(split(Some(9_000), Some(1_000)).is_some());
        assert!(split(Some(9_000), Some(999)).is_none());
        assert!(split(Some(10_001), None).is_none());
        assert!(split(Some(-1), None).is_none());
        assert_eq!(
            tax_split(10, 0, 0, None, None),
            Some(TaxSplit {
                taxable: 9,
                vat: 1,
                tax_free: 0,
                service_fee: 0
            })
        );
        // Everything tax-free: nothing is taxable.
        assert_eq!(
            tax_split(5_000, 5_000, 0, None, None).map(|s| (s.taxable, s.vat)),
            Some((0, 0))
        );
        assert!(tax_split(5_000, 5_001, 0, None, None).is_none());
        assert!(tax_split(5_000, 4_000, 1_001, None, None).is_none());
        assert!(tax_split(5_000, 0, 0, Some(i64::MAX), Some(i64::MAX)).is_none());
    }

    #[test]
    fn execute_and_refund_checks() {
        assert_eq!(check_execute(PAY_APPROVED), Ok(()));
        assert_eq!(check_execute(PAY_STANDBY), Err(ExecuteRefusal::NotApproved));
        assert_eq!(check_execute(PAY_CANCEL), Err(ExecuteRefusal::Canceled));
        assert_eq!(
            check_execute(PAY_COMPLETE),
            Err(ExecuteRefusal::AlreadyCompleted)
        );
        assert_eq!(
            check_execute(REFUND_SUCCESS),
            Err(ExecuteRefusal::AlreadyCompleted)
        );
        assert_eq!(refund_amount(PAY_COMPLETE, 10, None), Ok(10));
        assert_eq!(refund_amount(PAY_COMPLETE, 10, Some(3)), Ok(3));
        assert_eq!(
            refund_amount(PAY_COMPLETE, 10, Some(11)),
            Err(RefundRefusal::AmountExceeded)
        );
        assert_eq!(
            refund_amount(REFUND_SUCCESS, 0, None),
            Err(RefundRefusal::AlreadyRefunded)
        );
        for status in [PAY_STANDBY, PAY_APPROVED, PAY_CANCEL] {
            assert_eq!(
                refund_amount(status, 0, None),
                Err(RefundRefusal::NotRefundable)
            );
        }
    }

    #[test]
    fn expiry_applies_before_execution_only() {
        let created = Instant(0);
        let expires = created.plus_seconds(PAYMENT_LIFETIME_SECONDS);
        assert!(!expired(PAY_STANDBY, expires, Instant(1_799_999_999)));
        assert!(expired(PAY_STANDBY, expires, Instant(1_800_000_000)));
        assert!(expired(PAY_APPROVED, expires, Instant(1_800_000_000)));
        assert!(!expired(PAY_COMPLETE, expires, Instant(9_000_000_000)));
    }

    #[test]
    fn refunds_return_the_paid_part_first() {
        // amount 10,000 = paid 7,000 + points 2,000 + instant discount 1,000.
        let first = refund_split(8_000, 7_000, 2_000, 0, 0);
        assert_eq!(
            first,
            RefundSplit {
                paid: 7_000,
                discount: 1_000,
                points: 1_000
            }
        );
        let second = refund_split(2_000, 7_000, 2_000, 7_000, 1_000);
        assert_eq!(
            second,
            RefundSplit {
                paid: 0,
                discount: 2_000,
                points: 1_000
            }
        );
    }

    proptest! {
        #[test]
        fn tax_split_always_adds_up(
            amount in 1i64..=MAX_AMOUNT,
            free in 0i64..=MAX_AMOUNT,
            fee in 0i64..=MAX_AMOUNT,
            taxable in proptest::option::of(0i64..=MAX_AMOUNT),
            vat in proptest::option::of(0i64..=MAX_AMOUNT),
        ) {
            if let Some(s) = tax_split(amount, free, fee, taxable, vat) {
                prop_assert_eq!(s.taxable + s.vat + s.tax_free + s.service_fee, amount);
                prop_assert!(s.taxable >= 0 && s.vat >= 0);
                if taxable.is_none() && vat.is_none() {
                    prop_assert!(s.vat * 11 >= amount - free - fee);
                }
            } else if taxable.is_none() && vat.is_none() {
                prop_assert!(free + fee > amount);
            }
        }

        #[test]
        fn refunds_never_exceed_what_was_paid(
            amount in 1i64..=MAX_AMOUNT,
            discount_pct in 0i64..=100,
            point_pct in 0i64..=100,
            parts in proptest::collection::vec(1i64..=MAX_AMOUNT, 1..8),
        ) {
            let discounted = amount * discount_pct / 100;
            let points = discounted * point_pct / 100;
            let paid_amount = amount - discounted;
            let (mut refundable, mut paid_back, mut points_back, mut discount_back) = (amount, 0, 0, 0);
            for part in parts {
                match refund_amount(PAY_COMPLETE, refundable, Some(part)) {
                    Ok(a) => {
                        let s = refund_split(a, paid_amount, points, paid_back, points_back);
                        prop_assert_eq!(s.paid + s.discount, a);
                        paid_back += s.paid;
                        points_back += s.points;
                        discount_back += s.discount;
                        refundable -= a;
                    }
                    Err(e) => prop_assert_eq!(e, RefundRefusal::AmountExceeded),
                }
                prop_assert!(refundable >= 0);
                prop_assert!(paid_back <= paid_amount);
                prop_assert!(points_back <= points);
                prop_assert!(discount_back <= discounted);
            }
        }
    }
}
