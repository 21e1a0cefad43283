//! Toss points promotions (docs/reference.md §2.2, §3.3): the states of promotions, keys and grants, which
//! grant a promotion accepts, how a grant debits its budget, when a key may be spent and when a grant
//! settles.

use crate::domain::time::Instant;
use crate::domain::wire::wire_enum;

pub use toss_wire::apps_in_toss::promotions::GrantStatus;

/// A promotion key lives one hour from issue.
pub const KEY_LIFETIME_SECONDS: i64 = 3600;

wire_enum! {
    /// The state of a promotion, as the console shows it; only `RUNNING` accepts grants.
    pub enum PromotionState {
        NotStarted = "NOT_STARTED",
        Running = "RUNNING",
        Stopped = "STOPPED",
        Ended = "ENDED",
    }
}

wire_enum! {
    /// The state of a promotion key; expiry is read from its issue time, not stored.
    pub enum KeyState {
        Issued = "ISSUED",
        Executed = "EXECUTED",
    }
}

/// What a grant is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromotionLimits {
    pub state: PromotionState,
    pub budget: i64,
    pub remaining_budget: i64,
    pub max_amount_per_grant: Option<i64>,
}

/// Why a promotion refuses a grant, in the order docs/reference.md §2.2.2 checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `4109`
    NotRunning,
    /// `4114`
    OverPerGrantLimit,
    /// `4116`
    OverTotalBudget,
    /// `4112`
    InsufficientBudget,
}

impl Refusal {
    /// The wire `errorCode` and reason.
    pub fn code_and_reason(self) -> (&'static str, &'static str) {
        match self {
            Refusal::NotRunning => ("4109", "프로모션이 실행중이 아니에요"),
            Refusal::OverPerGrantLimit => ("4114", "1회 지급 금액을 초과했어요"),
            Refusal::OverTotalBudget => ("4116", "최대 지급 금액이 예산을 초과했어요"),
            Refusal::InsufficientBudget => ("4112", "프로모션 머니가 부족해요"),
        }
    }
}

/// A grant amount must be a whole number of points, at least 1.
pub fn amount_is_valid(amount: i64) -> bool {
    amount >= 1
}

/// Whether `promotion` accepts a grant of `amount` (already known to be valid).
pub fn check_grant(promotion: &PromotionLimits, amount: i64) -> Result<(), Refusal> {
    match promotion.state {
        PromotionState::Running => {}
        PromotionState::NotStarted | PromotionState::Stopped | PromotionState::Ended => {
            return Err(Refusal::NotRunning)
        }
    }
    if promotion
        .max_amount_per_grant
        .is_some_and(|max| amount > max)
    {
        return Err(Refusal::OverPerGrantLimit);
    }
    if amount > promotion.budget {
        return Err(Refusal::OverTotalBudget);
    }
    if amount > promotion.remaining_budget {
        return Err(Refusal::InsufficientBudget);
    }
    Ok(())
}

/// The promotion after a grant: what remains of its budget and its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Debit {
    pub remaining_budget: i64,
    pub state: PromotionState,
}

/// Debits a grant of `amount` (at least 1) from `promotion`, refused as [`check_grant`] refuses. The grant
/// that spends the last point ends the promotion.
pub fn debit(promotion: &PromotionLimits, amount: i64) -> Result<Debit, Refusal> {
    check_grant(promotion, amount)?;
    let remaining_budget = promotion
        .remaining_budget
        .checked_sub(amount)
        .ok_or(Refusal::InsufficientBudget)?;
    let state = if remaining_budget == 0 {
        PromotionState::Ended
    } else {
        promotion.state
    };
    Ok(Debit {
        remaining_budget,
        state,
    })
}

/// The budget and what remains of it once the operator adds `increase` (at least 0); `None` when either
/// would pass the largest amount tossd stores (an i64).
pub fn raised_budget(budget: i64, remaining_budget: i64, increase: i64) -> Option<(i64, i64)> {
    Some((
        budget.checked_add(increase)?,
        remaining_budget.checked_add(increase)?,
    ))
}

/// A Toss points balance stops at the largest i64 rather than overflow: a balance above this threshold
/// takes a credit of `amount` as exactly that largest value.
pub fn credit_threshold(amount: i64) -> i64 {
    i64::MAX.saturating_sub(amount)
}

/// The balance after crediting `amount` points to `balance` ([`credit_threshold`] is its SQL form).
pub fn credited(balance: i64, amount: i64) -> i64 {
    if balance > credit_threshold(amount) {
        i64::MAX
    } else {
        balance + amount
    }
}

/// The state a promotion takes when the operator steers it: the requested state if any; otherwise a
/// budget increase runs an ended promotion again.
pub fn steered_state(
    current: PromotionState,
    requested: Option<PromotionState>,
    budget_increase: i64,
) -> PromotionState {
    if let Some(state) = requested {
        return state;
    }
    match current {
        PromotionState::Ended if budget_increase > 0 => PromotionState::Running,
        PromotionState::NotStarted
        | PromotionState::Running
        | PromotionState::Stopped
        | PromotionState::Ended => current,
    }
}

/// Why a key cannot be executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    /// `INVALID_PROMOTION_KEY`: unknown, another user's or app's, or expired before use.
    Invalid,
    /// `4113`: already executed.
    AlreadyUsed,
}

/// A stored key as seen by the caller who presents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRecord {
    pub belongs_to_caller: bool,
    pub state: KeyState,
    pub issued_at: Instant,
}

/// Spends a presented key (docs/reference.md §2.2.2, key rows of the error table): the key as it is after
/// the grant, or why it cannot be spent.
pub fn spend_key(key: Option<&KeyRecord>, now: Instant) -> Result<KeyRecord, KeyProblem> {
    let Some(key) = key.filter(|k| k.belongs_to_caller) else {
        return Err(KeyProblem::Invalid);
    };
    match key.state {
        // Used keys say so however long ago they were issued.
        KeyState::Executed => Err(KeyProblem::AlreadyUsed),
        KeyState::Issued if Instant::is_expired(key.issued_at, KEY_LIFETIME_SECONDS, now) => {
            Err(KeyProblem::Invalid)
        }
        KeyState::Issued => Ok(KeyRecord {
            state: KeyState::Executed,
            ..*key
        }),
    }
}

/// Whether a grant in `status`, due at `settle_at`, is credited at `now`.
pub fn settlement_due(status: GrantStatus, settle_at: Instant, now: Instant) -> bool {
    match status {
        GrantStatus::Pending => now >= settle_at,
        GrantStatus::Success | GrantStatus::Failed => false,
    }
}

/// The grant is no longer pending, so the operator cannot fail it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotPending(pub GrantStatus);

/// The status a grant takes when the operator fails it; its amount returns to the promotion's budget.
pub fn fail_grant(status: GrantStatus) -> Result<GrantStatus, NotPending> {
    match status {
        GrantStatus::Pending => Ok(GrantStatus::Failed),
        GrantStatus::Success | GrantStatus::Failed => Err(NotPending(status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::wire::assert_round_trips;
    use proptest::prelude::*;

    fn running(budget: i64, remaining: i64, max: Option<i64>) -> PromotionLimits {
        PromotionLimits {
            state: PromotionState::Running,
            budget,
            remaining_budget: remaining,
            max_amount_per_grant: max,
        }
    }

    #[test]
    fn wire_words_round_trip() {
        assert_round_trips(PromotionState::ALL);
        assert_round_trips(KeyState::ALL);
        assert_round_trips(GrantStatus::ALL);
        assert!("running".parse::<PromotionState>().is_err());
        assert!("".parse::<GrantStatus>().is_err());
    }

    #[test]
    fn amounts_start_at_one() {
        assert!(!amount_is_valid(0));
        assert!(!amount_is_valid(-5));
        assert!(amount_is_valid(1));
    }

    #[test]
    fn grant_checks_run_in_the_documented_order() {
        let stopped = PromotionLimits {
            state: PromotionState::Stopped,
            ..running(100, 0, Some(1))
        };
        assert_eq!(check_grant(&stopped, 50), Err(Refusal::NotRunning));
        assert_eq!(
            check_grant(&running(100, 0, Some(10)), 50),
            Err(Refusal::OverPerGrantLimit)
        );
        assert_eq!(
            check_grant(&running(100, 0, None), 101),
            Err(Refusal::OverTotalBudget)
        );
        assert_eq!(
            check_grant(&running(100, 49, None), 50),
            Err(Refusal::InsufficientBudget)
        );
        assert_eq!(check_grant(&running(100, 50, Some(50)), 50), Ok(()));
        assert_eq!(check_grant(&running(100, 100, None), 100), Ok(()));
    }

    #[test]
    fn the_last_point_ends_the_promotion() {
        assert_eq!(
            debit(&running(100, 60, None), 10),
            Ok(Debit {
                remaining_budget: 50,
                state: PromotionState::Running
            })
        );
        assert_eq!(
            debit(&running(100, 10, None), 10),
            Ok(Debit {
                remaining_budget: 0,
                state: PromotionState::Ended
            })
        );
        assert_eq!(
            debit(&running(100, 9, None), 10),
            Err(Refusal::InsufficientBudget)
        );
    }

    #[test]
    fn steering() {
        use PromotionState::*;
        assert_eq!(steered_state(Ended, None, 1), Running);
        assert_eq!(steered_state(Ended, None, 0), Ended);
        assert_eq!(steered_state(Stopped, None, 10), Stopped);
        assert_eq!(steered_state(Ended, Some(Stopped), 10), Stopped);
        assert_eq!(steered_state(Running, Some(NotStarted), 0), NotStarted);
    }

    #[test]
    fn keys_are_single_use_and_live_one_hour() {
        let issued = Instant(0);
        let fresh = KeyRecord {
            belongs_to_caller: true,
            state: KeyState::Issued,
            issued_at: issued,
        };
        let spent = KeyRecord {
            state: KeyState::Executed,
            ..fresh
        };
        assert_eq!(spend_key(Some(&fresh), Instant(3_599_999_999)), Ok(spent));
        assert_eq!(
            spend_key(Some(&fresh), Instant(3_600_000_000)),
            Err(KeyProblem::Invalid)
        );
        // Used keys say so however long ago they were issued.
        assert_eq!(
            spend_key(Some(&spent), Instant(10_000_000_000)),
            Err(KeyProblem::AlreadyUsed)
        );
        let foreign = KeyRecord {
            belongs_to_caller: false,
            ..spent
        };
        assert_eq!(spend_key(Some(&foreign), issued), Err(KeyProblem::Invalid));
        assert_eq!(spend_key(None, issued), Err(KeyProblem::Invalid));
    }

    #[test]
    fn grants_settle_once_when_due_and_fail_only_while_pending() {
        let at = Instant(1_000);
        assert!(!settlement_due(GrantStatus::Pending, at, Instant(999)));
        assert!(settlement_due(GrantStatus::Pending, at, at));
        assert!(!settlement_due(GrantStatus::Success, at, Instant(5_000)));
        assert!(!settlement_due(GrantStatus::Failed, at, Instant(5_000)));
        assert_eq!(fail_grant(GrantStatus::Pending), Ok(GrantStatus::Failed));
        assert_eq!(
            fail_grant(GrantStatus::Success),
            Err(NotPending(GrantStatus::Success))
        );
        assert_eq!(
            fail_grant(GrantStatus::Failed),
            Err(NotPending(GrantStatus::Failed))
        );
    }

    fn any_state() -> impl Strategy<Value = PromotionState> {
        prop::sample::select(PromotionState::ALL.to_vec())
    }

    proptest! {
        /// Credits at the top of the range stop at the largest i64, below it they add exactly.
        #[test]
        fn credits_never_overflow(balance in 0i64..=i64::MAX, amount in 1i64..=i64::MAX) {
            let after = credited(balance, amount);
            let exact = i128::from(balance) + i128::from(amount);
            prop_assert_eq!(i128::from(after), exact.min(i128::from(i64::MAX)));
            prop_assert_eq!(balance > credit_threshold(amount), exact > i128::from(i64::MAX));
        }

        #[test]
        fn budget_increases_are_checked(
            budget in 1i64..=i64::MAX,
            spent in 0i64..=i64::MAX,
            increase in 0i64..=i64::MAX,
        ) {
            let remaining = budget - spent.min(budget);
            let raised = raised_budget(budget, remaining, increase);
            let fits = i128::from(budget) + i128::from(increase) <= i128::from(i64::MAX);
            prop_assert_eq!(raised.is_some(), fits);
            if let Some((b, r)) = raised {
                prop_assert_eq!((b - increase, r - increase), (budget, remaining));
            }
        }

        #[test]
        fn debits_at_the_largest_budget_are_exact(
            remaining in (i64::MAX - 1_000)..=i64::MAX,
            amount in 1i64..=i64::MAX,
        ) {
            let promotion = PromotionLimits {
                state: PromotionState::Running,
                budget: i64::MAX,
                remaining_budget: remaining,
                max_amount_per_grant: None,
            };
            match debit(&promotion, amount) {
                Ok(after) => prop_assert_eq!(after.remaining_budget + amount, remaining),
                Err(refusal) => {
                    prop_assert_eq!(refusal, Refusal::InsufficientBudget);
                    prop_assert!(amount > remaining);
                }
            }
        }

        #[test]
        fn budget_never_goes_negative(
            budget in 1i64..=1_000_000,
            max in proptest::option::of(1i64..=1_000_000),
            steps in proptest::collection::vec((1i64..=2_000_000, any_state(), 0i64..=1_000), 1..40),
        ) {
            let mut promotion = running(budget, budget, max);
            let mut granted = 0i64;
            for (amount, requested, increase) in steps {
                match debit(&promotion, amount) {
                    Ok(after) => {
                        prop_assert_eq!(after.remaining_budget, promotion.remaining_budget - amount);
                        prop_assert_eq!(after.state == PromotionState::Ended, after.remaining_budget == 0);
                        granted += amount;
                        promotion.remaining_budget = after.remaining_budget;
                        promotion.state = after.state;
                    }
                    Err(refusal) => {
                        prop_assert!(
                            promotion.state != PromotionState::Running
                                || max.is_some_and(|m| amount > m)
                                || amount > promotion.remaining_budget
                        );
                        // Now and then the operator adds budget and sets a state.
                        if refusal == Refusal::InsufficientBudget || increase % 7 == 0 {
                            promotion.state = steered_state(promotion.state, Some(requested), increase);
                            promotion.budget += increase;
                            promotion.remaining_budget += increase;
                        }
                    }
                }
                prop_assert!(promotion.remaining_budget >= 0);
                prop_assert!(promotion.remaining_budget <= promotion.budget);
                prop_assert!(granted <= promotion.budget);
            }
        }

        #[test]
        fn a_key_is_spent_at_most_once(
            issued_at in 0i64..=10_000_000_000,
            belongs in any::<bool>(),
            attempts in proptest::collection::vec(0i64..=10_000_000_000, 1..20),
        ) {
            let mut key = KeyRecord {
                belongs_to_caller: belongs,
                state: KeyState::Issued,
                issued_at: Instant(issued_at),
            };
            let mut spent = 0;
            for at in attempts {
                let now = Instant(at);
                match spend_key(Some(&key), now) {
                    Ok(after) => {
                        prop_assert!(belongs);
                        prop_assert!(now < key.issued_at.plus_seconds(KEY_LIFETIME_SECONDS));
                        prop_assert_eq!(after.state, KeyState::Executed);
                        key = after;
                        spent += 1;
                    }
                    Err(KeyProblem::AlreadyUsed) => prop_assert_eq!(spent, 1),
                    Err(KeyProblem::Invalid) => prop_assert!(
                        !belongs || Instant::is_expired(key.issued_at, KEY_LIFETIME_SECONDS, now)
                    ),
                }
                prop_assert!(spent <= 1);
            }
        }
    }
}
