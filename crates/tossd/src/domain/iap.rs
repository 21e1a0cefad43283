//! In-app purchase order statuses (REFERENCE.md §2.4.1, §3.2): what each status says and which moves the
//! simulator may make.

pub const ORDER_IN_PROGRESS: &str = "ORDER_IN_PROGRESS";
pub const PURCHASED: &str = "PURCHASED";
pub const PAYMENT_COMPLETED: &str = "PAYMENT_COMPLETED";
pub const FAILED: &str = "FAILED";
pub const REFUNDED: &str = "REFUNDED";
pub const ERROR: &str = "ERROR";
/// Lookup outcomes, never stored.
pub const NOT_FOUND: &str = "NOT_FOUND";
pub const MINIAPP_MISMATCH: &str = "MINIAPP_MISMATCH";

/// The Korean `reason` of each status.
pub fn reason(status: &str) -> &'static str {
    match status {
        PURCHASED => "완료된 주문이에요.",
        PAYMENT_COMPLETED => "결제가 완료되었어요.",
        FAILED => "결제에 실패한 주문이에요.",
        REFUNDED => "환불된 주문이에요.",
        ORDER_IN_PROGRESS => "주문이 진행 중이에요.",
        MINIAPP_MISMATCH => "해당 미니앱의 상품이 아니에요.",
        ERROR => "주문 상태를 확인하는 중 오류가 발생했어요.",
        _ => "주문을 찾을 수 없어요.",
    }
}

/// The stored status named by `text`, if it is one.
pub fn stored_status(text: &str) -> Option<&'static str> {
    [
        ORDER_IN_PROGRESS,
        PURCHASED,
        PAYMENT_COMPLETED,
        FAILED,
        REFUNDED,
        ERROR,
    ]
    .into_iter()
    .find(|s| *s == text)
}

/// Whether the simulator may move an order from `from` to `to` in one step.
pub fn can_move(from: &str, to: &str) -> bool {
    match to {
        PURCHASED => from == ORDER_IN_PROGRESS || from == PAYMENT_COMPLETED,
        PAYMENT_COMPLETED | FAILED => from == ORDER_IN_PROGRESS,
        REFUNDED => from == PURCHASED || from == PAYMENT_COMPLETED,
        ERROR => from != ERROR,
        _ => false,
    }
}

/// Whether reaching `status` fixes `statusDeterminedAt` (the error mark and the start do not).
pub fn determines_time(status: &str) -> bool {
    !matches!(status, ORDER_IN_PROGRESS | ERROR)
}

/// Whether the order-status answer carries `sku` for `status`.
pub fn shows_sku(status: &str) -> bool {
    !matches!(status, NOT_FOUND | MINIAPP_MISMATCH | ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_state_machine() {
        assert!(can_move(ORDER_IN_PROGRESS, PURCHASED));
        assert!(can_move(ORDER_IN_PROGRESS, PAYMENT_COMPLETED));
        assert!(can_move(ORDER_IN_PROGRESS, FAILED));
        assert!(can_move(PAYMENT_COMPLETED, PURCHASED));
        assert!(can_move(PURCHASED, REFUNDED));
        assert!(can_move(PAYMENT_COMPLETED, REFUNDED));
        assert!(can_move(FAILED, ERROR));
        assert!(!can_move(ERROR, ERROR));
        assert!(!can_move(FAILED, PURCHASED));
        assert!(!can_move(REFUNDED, PURCHASED));
        assert!(!can_move(ORDER_IN_PROGRESS, REFUNDED));
        assert!(!can_move(PURCHASED, ORDER_IN_PROGRESS));
        assert!(!can_move(PURCHASED, NOT_FOUND));
    }

    #[test]
    fn statuses_and_reasons() {
        assert_eq!(stored_status("PURCHASED"), Some(PURCHASED));
        assert_eq!(stored_status("NOT_FOUND"), None);
        assert_eq!(reason(NOT_FOUND), "주문을 찾을 수 없어요.");
        assert!(!shows_sku(ERROR) && shows_sku(REFUNDED));
        assert!(!determines_time(ORDER_IN_PROGRESS) && determines_time(FAILED));
    }
}
