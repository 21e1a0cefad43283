//! Toss Payments payments: the statuses and methods of docs/reference.md §2.6.1 and §3.6, the deadlines of
//! open payments (§2.9), the amounts and the cancel rules (§2.12.3), and the identifiers a payment
//! carries (§1.10). The Payment object itself is in `payment/object.rs`. Pure: no HTTP, no SQL.

mod object;

pub use object::{
    Approval, Cancel, Card, Discount, Failure, NewPayment, Payment, Receipt, Transfer, API_VERSION,
};

use crate::domain::secrets;
use crate::domain::time::Instant;

// The statuses and methods are wire values; their strings are toss-wire's.
pub use toss_wire::tosspayments::payments::{
    AcquireStatus, CancelStatus, PaymentMethod, PaymentStatus, SettlementStatus,
};

/// Wire strings for code that still matches statuses and methods as text (the BrandPay confirm and
/// method labels); new code uses [`PaymentStatus`] and [`PaymentMethod`].
pub const READY: &str = PaymentStatus::Ready.as_str();
pub const IN_PROGRESS: &str = PaymentStatus::InProgress.as_str();
pub const EXPIRED: &str = PaymentStatus::Expired.as_str();
pub const METHOD_CARD: &str = PaymentMethod::Card.as_str();
pub const METHOD_TRANSFER: &str = PaymentMethod::Transfer.as_str();

/// An unauthenticated window lapses 30 minutes after `requestedAt` (§2.9).
pub const WINDOW_SECONDS: i64 = 30 * 60;
/// An authenticated payment must be confirmed within 10 minutes (§2.9).
pub const CONFIRM_SECONDS: i64 = 10 * 60;

/// How long a payment may stay in `status` before it expires; `None` for the states that never expire.
pub fn lifetime_seconds(status: &PaymentStatus) -> Option<i64> {
    match status {
        PaymentStatus::Ready => Some(WINDOW_SECONDS),
        PaymentStatus::InProgress => Some(CONFIRM_SECONDS),
        PaymentStatus::Done
        | PaymentStatus::PartialCanceled
        | PaymentStatus::Canceled
        | PaymentStatus::Aborted
        | PaymentStatus::Expired => None,
    }
}

/// Whether a payment in `status` is still waiting for the customer or the merchant (and can expire).
pub fn is_open(status: &PaymentStatus) -> bool {
    lifetime_seconds(status).is_some()
}

/// The deadline of a payment stored new in `status` at `now`.
pub fn opening_deadline(status: &PaymentStatus, now: Instant) -> Option<Instant> {
    lifetime_seconds(status).map(|seconds| now.plus_seconds(seconds))
}

/// The deadline of a payment that moved from `previous` to `status` at `now`, having had `kept`: the
/// move to `IN_PROGRESS` starts the 10-minute confirm deadline, other open states keep theirs, final
/// states have none.
pub fn deadline_after(
    previous: &PaymentStatus,
    status: &PaymentStatus,
    kept: Option<Instant>,
    now: Instant,
) -> Option<Instant> {
    match status {
        PaymentStatus::InProgress if *previous != PaymentStatus::InProgress => {
            opening_deadline(status, now)
        }
        PaymentStatus::Ready | PaymentStatus::InProgress => kept,
        PaymentStatus::Done
        | PaymentStatus::PartialCanceled
        | PaymentStatus::Canceled
        | PaymentStatus::Aborted
        | PaymentStatus::Expired => None,
    }
}

/// Whether a payment in `status` with `deadline` expires at `now` (§3.6): only open payments expire,
/// at their deadline or after.
pub fn is_due(status: &PaymentStatus, deadline: Option<Instant>, now: Instant) -> bool {
    is_open(status) && deadline.is_some_and(|deadline| now >= deadline)
}

/// `paymentKey`: 48 alnum.
pub fn new_payment_key() -> String {
    secrets::random_alnum(48)
}

/// `transactionKey`: 32 uppercase hex.
pub fn new_transaction_key() -> String {
    secrets::random_bytes(16)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Payment `secret`: `ps_` + 28 alnum.
pub fn new_secret() -> String {
    format!("ps_{}", secrets::random_alnum(28))
}

/// The taxable part `balance − taxFree`, 0 when there is none (or it would not fit in an i64).
fn taxable(balance: i64, tax_free: i64) -> i64 {
    balance.checked_sub(tax_free).map_or(0, |t| t.max(0))
}

/// `round_half_up(taxable / 11)`, exact for every i64: `x / 11 + ½` rounds up exactly when the remainder
/// is at least 6, so nothing is multiplied and nothing can overflow.
pub fn vat(balance: i64, tax_free: i64) -> i64 {
    let taxable = taxable(balance, tax_free);
    taxable / 11 + i64::from(taxable % 11 >= 6)
}

/// `balance − taxFree − vat`.
pub fn supplied(balance: i64, tax_free: i64) -> i64 {
    let taxable = taxable(balance, tax_free);
    taxable - vat(balance, tax_free)
}

/// The money state of a payment: what was paid, what remains cancelable, and its tax-free part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amounts {
    pub total: i64,
    pub balance: i64,
    pub tax_free: i64,
}

impl Amounts {
    /// A freshly approved (or requested) payment; `None` unless `0 < total` and `0 ≤ taxFree ≤ total`.
    pub fn new(total: i64, tax_free: i64) -> Option<Amounts> {
        (total > 0 && (0..=total).contains(&tax_free)).then_some(Amounts {
            total,
            balance: total,
            tax_free,
        })
    }

    pub fn vat(&self) -> i64 {
        vat(self.balance, self.tax_free)
    }

    pub fn supplied(&self) -> i64 {
        supplied(self.balance, self.tax_free)
    }
}

/// A validated cancel request, as far as it can be checked without the payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelAsk {
    /// `None` = the whole remaining balance.
    pub amount: Option<i64>,
    /// `None` = not given (see [`plan_cancel`] for the default).
    pub tax_free: Option<i64>,
    pub refundable: Option<i64>,
}

/// Why a cancel is refused, in the order of §2.12.3's error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelRefusal {
    AlreadyCanceled,
    NotCancelable,
    RefundableMismatch,
    AmountTooLarge,
    InvalidTaxFree,
    BelowDiscount,
}

/// What a successful cancel does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelPlan {
    pub amount: i64,
    pub tax_free: i64,
    pub after: Amounts,
    /// The instant discount returned by this cancel (only the cancel that empties the balance).
    pub discount_returned: i64,
}

impl CancelPlan {
    /// The status after the cancel: `CANCELED` once nothing is left.
    pub fn status(&self) -> PaymentStatus {
        if self.after.balance == 0 {
            PaymentStatus::Canceled
        } else {
            PaymentStatus::PartialCanceled
        }
    }
}

/// Decides a cancel of a payment in `status` with `amounts` and an instant `discount` (0 if none).
///
/// An absent `taxFreeAmount` is 0 unless the cancel reaches into the tax-free part (the taxable remainder
/// is cancelled first), so a full cancel without it always succeeds; a given value must leave the
/// remaining tax-free part within the remaining balance.
pub fn plan_cancel(
    status: &PaymentStatus,
    amounts: Amounts,
    discount: i64,
    ask: CancelAsk,
) -> Result<CancelPlan, CancelRefusal> {
    match status {
        PaymentStatus::Canceled => return Err(CancelRefusal::AlreadyCanceled),
        PaymentStatus::Done | PaymentStatus::PartialCanceled => {}
        PaymentStatus::Ready
        | PaymentStatus::InProgress
        | PaymentStatus::Aborted
        | PaymentStatus::Expired => return Err(CancelRefusal::NotCancelable),
    }
    if ask.refundable.is_some_and(|r| r != amounts.balance) {
        return Err(CancelRefusal::RefundableMismatch);
    }
    let amount = ask.amount.unwrap_or(amounts.balance);
    let after_balance = amounts
        .balance
        .checked_sub(amount)
        .filter(|after| *after >= 0)
        .ok_or(CancelRefusal::AmountTooLarge)?;
    // The taxable remainder is cancelled first, so an absent tax-free part is what reaches beyond it.
    let taxable_left = taxable(amounts.balance, amounts.tax_free);
    let tax_free = match ask.tax_free {
        Some(t) => t,
        None => amount.checked_sub(taxable_left).map_or(0, |t| t.max(0)),
    };
    let after_tax_free = amounts
        .tax_free
        .checked_sub(tax_free)
        .ok_or(CancelRefusal::InvalidTaxFree)?;
    if tax_free < 0 || tax_free > amount || after_tax_free < 0 || after_tax_free > after_balance {
        return Err(CancelRefusal::InvalidTaxFree);
    }
    if after_balance > 0 && amount < discount {
        return Err(CancelRefusal::BelowDiscount);
    }
    Ok(CancelPlan {
        amount,
        tax_free,
        after: Amounts {
            total: amounts.total,
            balance: after_balance,
            tax_free: after_tax_free,
        },
        discount_returned: if after_balance == 0 { discount } else { 0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use PaymentStatus::{Aborted, Canceled, Done, Expired, InProgress, PartialCanceled, Ready};

    #[test]
    fn vat_rounds_half_up_as_documented() {
        assert_eq!(vat(10_000, 0), 909);
        assert_eq!(supplied(10_000, 0), 9_091);
        assert_eq!(vat(15_000, 0), 1_364);
        assert_eq!(vat(0, 0), 0);
        // 5.5 rounds up, 5.4… down.
        assert_eq!(vat(60_500, 0) * 11, 60_500);
        assert_eq!(vat(6, 0), 1);
        assert_eq!(vat(5, 0), 0);
        assert_eq!(vat(10_000, 4_000), 545);
    }

    #[test]
    fn identifiers_have_the_documented_shape() {
        let key = new_payment_key();
        assert_eq!(key.len(), 48);
        assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()));
        let tx = new_transaction_key();
        assert_eq!(tx.len(), 32);
        assert!(tx
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
        let secret = new_secret();
        assert!(secret.starts_with("ps_") && secret.len() == 31);
    }

    #[test]
    fn statuses_have_their_documented_strings() {
        let wire: Vec<&str> = PaymentStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            wire,
            [
                "READY",
                "IN_PROGRESS",
                "DONE",
                "PARTIAL_CANCELED",
                "CANCELED",
                "ABORTED",
                "EXPIRED"
            ]
        );
        assert_eq!(PaymentMethod::Card.as_str(), "카드");
        assert_eq!("계좌이체".parse(), Ok(PaymentMethod::Transfer));
        assert!("CARD".parse::<PaymentMethod>().is_err());
        assert_eq!(CancelStatus::Done.as_str(), "DONE");
    }

    const MINUTE: i64 = 60;

    #[test]
    fn windows_last_30_minutes_and_confirms_10() {
        let now = Instant(1_000_000);
        assert_eq!(
            opening_deadline(&Ready, now),
            Some(now.plus_seconds(30 * MINUTE))
        );
        assert_eq!(
            opening_deadline(&InProgress, now),
            Some(now.plus_seconds(10 * MINUTE))
        );
        for s in [Done, PartialCanceled, Canceled, Aborted, Expired] {
            assert_eq!(opening_deadline(&s, now), None);
        }
        let window = now.plus_seconds(30 * MINUTE);
        let later = now.plus_seconds(5 * MINUTE);
        // Authenticating starts the confirm deadline; staying in an open state keeps the deadline.
        assert_eq!(
            deadline_after(&Ready, &InProgress, Some(window), later),
            Some(later.plus_seconds(10 * MINUTE))
        );
        assert_eq!(
            deadline_after(&InProgress, &InProgress, Some(window), later),
            Some(window)
        );
        assert_eq!(
            deadline_after(&Ready, &Ready, Some(window), later),
            Some(window)
        );
        assert_eq!(
            deadline_after(&InProgress, &Done, Some(window), later),
            None
        );
        assert_eq!(deadline_after(&Ready, &Expired, Some(window), later), None);
    }

    #[test]
    fn only_open_payments_fall_due_at_their_deadline() {
        let deadline = Instant(600_000_000);
        assert!(!is_due(&Ready, Some(deadline), Instant(599_999_999)));
        assert!(is_due(&Ready, Some(deadline), deadline));
        assert!(is_due(&InProgress, Some(deadline), Instant(700_000_000)));
        assert!(!is_due(&Ready, None, Instant(i64::MAX)));
        for s in [Done, PartialCanceled, Canceled, Aborted, Expired] {
            assert!(!is_due(&s, Some(deadline), Instant(i64::MAX)));
        }
    }

    fn done(total: i64, tax_free: i64) -> Amounts {
        Amounts::new(total, tax_free).unwrap()
    }

    fn ask(amount: Option<i64>) -> CancelAsk {
        CancelAsk {
            amount,
            tax_free: None,
            refundable: None,
        }
    }

    #[test]
    fn cancels_follow_the_documented_order() {
        let a = done(10_000, 0);
        assert_eq!(
            plan_cancel(&Canceled, a, 0, ask(None)),
            Err(CancelRefusal::AlreadyCanceled)
        );
        for s in [Ready, InProgress, Aborted, Expired] {
            assert_eq!(
                plan_cancel(&s, a, 0, ask(None)),
                Err(CancelRefusal::NotCancelable)
            );
        }
        let wrong_refundable = CancelAsk {
            refundable: Some(9_000),
            ..ask(Some(20_000))
        };
        assert_eq!(
            plan_cancel(&Done, a, 0, wrong_refundable),
            Err(CancelRefusal::RefundableMismatch)
        );
        assert_eq!(
            plan_cancel(&Done, a, 0, ask(Some(10_001))),
            Err(CancelRefusal::AmountTooLarge)
        );
        let p = plan_cancel(&Done, a, 0, ask(Some(1_000))).unwrap();
        assert_eq!((p.after.balance, p.status()), (9_000, PartialCanceled));
        let p = plan_cancel(&PartialCanceled, p.after, 0, ask(None)).unwrap();
        assert_eq!(
            (p.amount, p.after.balance, p.status()),
            (9_000, 0, Canceled)
        );
    }

    #[test]
    fn tax_free_parts_are_checked_and_defaulted() {
        let a = done(10_000, 4_000);
        // The taxable 6,000 goes first; beyond it the tax-free part follows by default.
        assert_eq!(
            plan_cancel(&Done, a, 0, ask(Some(5_000))).unwrap().tax_free,
            0
        );
        assert_eq!(
            plan_cancel(&Done, a, 0, ask(Some(7_000))).unwrap().tax_free,
            1_000
        );
        assert_eq!(plan_cancel(&Done, a, 0, ask(None)).unwrap().tax_free, 4_000);
        let explicit = |amount, tax_free| CancelAsk {
            amount: Some(amount),
            tax_free: Some(tax_free),
            refundable: None,
        };
        assert_eq!(
            plan_cancel(&Done, a, 0, explicit(1_000, 1_001)),
            Err(CancelRefusal::InvalidTaxFree)
        );
        assert_eq!(
            plan_cancel(&Done, a, 0, explicit(5_000, 4_001)),
            Err(CancelRefusal::InvalidTaxFree)
        );
        assert_eq!(
            plan_cancel(&Done, a, 0, explicit(7_000, 0)),
            Err(CancelRefusal::InvalidTaxFree)
        );
        let p = plan_cancel(&Done, a, 0, explicit(1_000, 1_000)).unwrap();
        assert_eq!(
            p.after,
            Amounts {
                total: 10_000,
                balance: 9_000,
                tax_free: 3_000
            }
        );
    }

    #[test]
    fn discounts_limit_partial_cancels_and_return_on_the_last() {
        let a = done(10_000, 0);
        assert_eq!(
            plan_cancel(&Done, a, 2_000, ask(Some(1_000))),
            Err(CancelRefusal::BelowDiscount)
        );
        let p = plan_cancel(&Done, a, 2_000, ask(Some(3_000))).unwrap();
        assert_eq!(p.discount_returned, 0);
        let p = plan_cancel(&PartialCanceled, p.after, 2_000, ask(None)).unwrap();
        assert_eq!(p.discount_returned, 2_000);
    }

    #[test]
    fn the_largest_amounts_do_not_overflow() {
        // 5,000,000,000,000,000,000 once answered a negative vat (2x overflowed).
        assert_eq!(vat(5_000_000_000_000_000_000, 0), 454_545_454_545_454_545);
        assert_eq!(vat(i64::MAX, 0), 838_488_366_986_797_801);
        assert_eq!(supplied(i64::MAX, 0) + vat(i64::MAX, 0), i64::MAX);
        assert_eq!(vat(i64::MAX, i64::MAX), 0);
        let a = done(i64::MAX, 0);
        let p = plan_cancel(&Done, a, 0, ask(Some(i64::MAX))).unwrap();
        assert_eq!(p.after.balance, 0);
        assert_eq!(
            plan_cancel(&Done, done(1, 0), 0, ask(Some(i64::MAX))),
            Err(CancelRefusal::AmountTooLarge)
        );
    }

    proptest! {
        /// The overflow-free rounding equals `floor((2x + 11) / 22)` computed in 128 bits.
        #[test]
        fn vat_is_exact_over_the_whole_range(balance in 0i64..=i64::MAX, tax_free in 0i64..=i64::MAX) {
            let taxable = i128::from(balance) - i128::from(tax_free);
            let expected = if taxable <= 0 { 0 } else { (taxable * 2 + 11) / 22 };
            prop_assert_eq!(i128::from(vat(balance, tax_free)), expected);
            let supplied = supplied(balance, tax_free);
            prop_assert!(supplied >= 0);
            prop_assert_eq!(i128::from(supplied) + expected, taxable.max(0));
        }

        #[test]
        fn cancels_near_the_largest_amount_add_up(
            total in (i64::MAX - 1_000_000)..=i64::MAX,
            tax_free in 0i64..=1_000_000,
            amount in proptest::option::of(1i64..=i64::MAX),
            tax in proptest::option::of(0i64..=i64::MAX),
        ) {
            let amounts = done(total, tax_free);
            if let Ok(plan) = plan_cancel(&Done, amounts, 0, CancelAsk { amount, tax_free: tax, refundable: None }) {
                prop_assert_eq!(i128::from(plan.after.balance) + i128::from(plan.amount), i128::from(total));
                prop_assert!(plan.after.tax_free >= 0 && plan.after.tax_free <= plan.after.balance);
                prop_assert_eq!(plan.after.supplied() + plan.after.vat() + plan.after.tax_free, plan.after.balance);
            }
        }

        #[test]
        fn amounts_always_add_up(balance in 0i64..1_000_000_000_000, share in 0u32..=100) {
            let tax_free = balance / 100 * i64::from(share);
            let (v, s) = (vat(balance, tax_free), supplied(balance, tax_free));
            prop_assert!(v >= 0 && s >= 0);
            prop_assert_eq!(s + v + tax_free, balance);
            prop_assert!(v <= s || balance - tax_free < 11);
        }

        #[test]
        fn expiry_never_touches_a_final_payment(
            status in proptest::sample::select(PaymentStatus::ALL),
            previous in proptest::sample::select(PaymentStatus::ALL),
            kept in proptest::option::of(0i64..1_000_000_000_000),
            now in 0i64..1_000_000_000_000,
        ) {
            let now = Instant(now);
            let deadline = deadline_after(&previous, &status, kept.map(Instant), now);
            if is_open(&status) {
                prop_assert!(deadline == kept.map(Instant) || deadline == opening_deadline(&status, now));
            } else {
                prop_assert_eq!(deadline, None);
            }
            if is_due(&status, deadline, now) {
                prop_assert!(is_open(&status));
                prop_assert!(deadline.is_some_and(|d| d <= now));
            }
            prop_assert!(!is_due(&status, opening_deadline(&status, now), now));
        }

        #[test]
        fn cancels_never_go_below_zero(
            total in 1i64..10_000_000,
            tax_free_share in 0u32..=100,
            asks in proptest::collection::vec((proptest::option::of(1i64..5_000_000), proptest::option::of(0i64..5_000_000)), 1..12),
        ) {
            let tax_free = total / 100 * i64::from(tax_free_share);
            let mut amounts = done(total, tax_free);
            let mut status = Done;
            let mut cancelled = 0;
            for (amount, tax) in asks {
                let ask = CancelAsk { amount, tax_free: tax, refundable: None };
                if let Ok(plan) = plan_cancel(&status, amounts, 0, ask) {
                    prop_assert!(plan.amount >= 1 || amounts.balance == 0);
                    cancelled += plan.amount;
                    amounts = plan.after;
                    status = plan.status();
                }
                prop_assert!(amounts.balance >= 0 && amounts.balance <= total);
                prop_assert!(amounts.tax_free >= 0 && amounts.tax_free <= amounts.balance);
                prop_assert_eq!(amounts.balance, total - cancelled);
                prop_assert_eq!(amounts.supplied() + amounts.vat() + amounts.tax_free, amounts.balance);
            }
        }
    }
}
