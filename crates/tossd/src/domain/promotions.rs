//! Toss points promotions (REFERENCE.md §2.2, §3.3): which grant a promotion accepts, promotion keys.

use crate::domain::time::Instant;

/// A promotion key lives one hour from issue.
pub const KEY_LIFETIME_SECONDS: i64 = 3600;

/// The states of a promotion; only `RUNNING` accepts grants.
pub const STATES: &[&str] = &["NOT_STARTED", "RUNNING", "STOPPED", "ENDED"];

/// What a grant is checked against.
#[derive(Debug, Clone)]
pub struct PromotionLimits<'a> {
    pub state: &'a str,
    pub budget: i64,
    pub remaining_budget: i64,
    pub max_amount_per_grant: Option<i64>,
}

/// Why a promotion refuses a grant, in the order REFERENCE.md §2.2.2 checks them.
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
pub fn check_grant(promotion: &PromotionLimits<'_>, amount: i64) -> Result<(), Refusal> {
    if promotion.state != "RUNNING" {
        return Err(Refusal::NotRunning);
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

/// Why a key cannot be executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    /// `INVALID_PROMOTION_KEY`: unknown, another user's or app's, or expired before use.
    Invalid,
    /// `4113`: already executed.
    AlreadyUsed,
}

/// A stored key as seen by the caller who presents it.
pub struct KeyRecord {
    pub belongs_to_caller: bool,
    pub executed: bool,
    pub issued_at: Instant,
}

/// Checks a presented key (REFERENCE.md §2.2.2, key rows of the error table).
pub fn check_key(key: Option<&KeyRecord>, now: Instant) -> Result<(), KeyProblem> {
    let Some(key) = key.filter(|k| k.belongs_to_caller) else {
        return Err(KeyProblem::Invalid);
    };
    if key.executed {
        return Err(KeyProblem::AlreadyUsed);
    }
    if Instant::is_expired(key.issued_at, KEY_LIFETIME_SECONDS, now) {
        return Err(KeyProblem::Invalid);
    }
    Ok(())
}

/// A simulator-supplied promotion code: 1–100 characters of `[A-Za-z0-9_-]`.
pub fn promotion_code_is_valid(code: &str) -> bool {
    (1..=100).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(budget: i64, remaining: i64, max: Option<i64>) -> PromotionLimits<'static> {
        PromotionLimits {
            state: "RUNNING",
            budget,
            remaining_budget: remaining,
            max_amount_per_grant: max,
        }
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
            state: "STOPPED",
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
    fn keys_are_single_use_and_live_one_hour() {
        let issued = Instant(0);
        let fresh = KeyRecord {
            belongs_to_caller: true,
            executed: false,
            issued_at: issued,
        };
        assert_eq!(check_key(Some(&fresh), Instant(3_599_999_999)), Ok(()));
        assert_eq!(
            check_key(Some(&fresh), Instant(3_600_000_000)),
            Err(KeyProblem::Invalid)
        );
        let used = KeyRecord {
            executed: true,
            ..fresh
        };
        // Used keys say so however long ago they were issued.
        assert_eq!(
            check_key(Some(&used), Instant(10_000_000_000)),
            Err(KeyProblem::AlreadyUsed)
        );
        let foreign = KeyRecord {
            belongs_to_caller: false,
            executed: true,
            issued_at: issued,
        };
        assert_eq!(check_key(Some(&foreign), issued), Err(KeyProblem::Invalid));
        assert_eq!(check_key(None, issued), Err(KeyProblem::Invalid));
    }

    #[test]
    fn promotion_codes() {
        assert!(promotion_code_is_valid("DEFAULT_PROMOTION"));
        assert!(promotion_code_is_valid("01JPPJ6SB66BQXXDAKRQZ6SZD7"));
        assert!(!promotion_code_is_valid(""));
        assert!(!promotion_code_is_valid("has space"));
    }
}
