//! In-app purchase order statuses (docs/reference.md §2.4.1, §3.2): what each status says and which moves the
//! simulator may make, and the default app's products (§6.5).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::domain::time::Instant;
use crate::domain::wire::{wire_enum, UnknownValue};

// Not `wire_enum!`: `FromStr` refuses the two lookup outcomes, which are never stored or requested.
/// The `status` of the order-status answer: six an order can be in, and two lookup outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    OrderInProgress,
    Purchased,
    PaymentCompleted,
    Failed,
    Refunded,
    Error,
    /// Lookup outcome, never stored: no order has this id.
    NotFound,
    /// Lookup outcome, never stored: the order is another mini-app's.
    MiniappMismatch,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::OrderInProgress,
        OrderStatus::Purchased,
        OrderStatus::PaymentCompleted,
        OrderStatus::Failed,
        OrderStatus::Refunded,
        OrderStatus::Error,
        OrderStatus::NotFound,
        OrderStatus::MiniappMismatch,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStatus::OrderInProgress => "ORDER_IN_PROGRESS",
            OrderStatus::Purchased => "PURCHASED",
            OrderStatus::PaymentCompleted => "PAYMENT_COMPLETED",
            OrderStatus::Failed => "FAILED",
            OrderStatus::Refunded => "REFUNDED",
            OrderStatus::Error => "ERROR",
            OrderStatus::NotFound => "NOT_FOUND",
            OrderStatus::MiniappMismatch => "MINIAPP_MISMATCH",
        }
    }

    /// Whether an order can be in this status (the lookup outcomes are never stored).
    pub fn is_stored(self) -> bool {
        match self {
            OrderStatus::OrderInProgress
            | OrderStatus::Purchased
            | OrderStatus::PaymentCompleted
            | OrderStatus::Failed
            | OrderStatus::Refunded
            | OrderStatus::Error => true,
            OrderStatus::NotFound | OrderStatus::MiniappMismatch => false,
        }
    }

    /// The Korean `reason` of each status.
    pub fn reason(self) -> &'static str {
        match self {
            OrderStatus::Purchased => "완료된 주문이에요.",
            OrderStatus::PaymentCompleted => "결제가 완료되었어요.",
            OrderStatus::Failed => "결제에 실패한 주문이에요.",
            OrderStatus::Refunded => "환불된 주문이에요.",
            OrderStatus::OrderInProgress => "주문이 진행 중이에요.",
            OrderStatus::MiniappMismatch => "해당 미니앱의 상품이 아니에요.",
            OrderStatus::Error => "주문 상태를 확인하는 중 오류가 발생했어요.",
            OrderStatus::NotFound => "주문을 찾을 수 없어요.",
        }
    }

    /// Whether reaching this status fixes `statusDeterminedAt` (the start and the error mark do not).
    pub fn determines_time(self) -> bool {
        match self {
            OrderStatus::Purchased
            | OrderStatus::PaymentCompleted
            | OrderStatus::Failed
            | OrderStatus::Refunded => true,
            OrderStatus::OrderInProgress
            | OrderStatus::Error
            | OrderStatus::NotFound
            | OrderStatus::MiniappMismatch => false,
        }
    }

    /// Whether the order-status answer carries `sku`.
    pub fn shows_sku(self) -> bool {
        match self {
            OrderStatus::OrderInProgress
            | OrderStatus::Purchased
            | OrderStatus::PaymentCompleted
            | OrderStatus::Failed
            | OrderStatus::Refunded => true,
            OrderStatus::Error | OrderStatus::NotFound | OrderStatus::MiniappMismatch => false,
        }
    }
}

/// Parses a status an order can be in; the lookup outcomes are refused like any unknown text.
impl FromStr for OrderStatus {
    type Err = UnknownValue;

    fn from_str(text: &str) -> Result<OrderStatus, UnknownValue> {
        OrderStatus::ALL
            .into_iter()
            .find(|s| s.is_stored() && s.as_str() == text)
            .ok_or_else(|| UnknownValue {
                kind: "OrderStatus",
                value: text.to_owned(),
            })
    }
}

/// Whether the simulator may move an order from `from` to `to` in one step.
pub fn can_move(from: OrderStatus, to: OrderStatus) -> bool {
    use OrderStatus::*;
    match to {
        Purchased => matches!(from, OrderInProgress | PaymentCompleted),
        PaymentCompleted | Failed => from == OrderInProgress,
        Refunded => matches!(from, Purchased | PaymentCompleted),
        Error => from.is_stored() && from != Error,
        OrderInProgress | NotFound | MiniappMismatch => false,
    }
}

/// `statusDeterminedAt` after an order reaches `to` at `now`: moves that determine the status fix it,
/// the others keep what it was.
pub fn determined_at(to: OrderStatus, previous: Option<Instant>, now: Instant) -> Option<Instant> {
    if to.determines_time() {
        Some(now)
    } else {
        previous
    }
}

/// What an order's status-determined time shows in the order-status answer: nothing for statuses that
/// do not determine one.
pub fn shown_determined_at(status: OrderStatus, stored: Option<Instant>) -> Option<Instant> {
    stored.filter(|_| status.determines_time())
}

wire_enum! {
    /// The kind of an in-app product.
    pub enum ProductKind {
        Consumable = "CONSUMABLE",
        NonConsumable = "NON_CONSUMABLE",
    }
}

/// An in-app product of an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    pub sku: &'static str,
    pub name: &'static str,
    pub kind: ProductKind,
    pub supply_price: i64,
}

impl Product {
    /// The sale price: the supply price plus 10 % VAT.
    pub fn sale_price(&self) -> i64 {
        self.supply_price + self.supply_price / 10
    }
}

/// The default app's products (docs/reference.md §6.5).
pub const DEFAULT_PRODUCTS: &[Product] = &[
    Product {
        sku: "ait.0000010000.af647449.3bd55cfd00.0000000475",
        name: "테스트 상품 - 1",
        kind: ProductKind::Consumable,
        supply_price: 1_000,
    },
    Product {
        sku: "ait.0000010000.af647449.3bd55cfd00.0000000476",
        name: "테스트 상품 - 2",
        kind: ProductKind::NonConsumable,
        supply_price: 5_000,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use OrderStatus::*;

    #[test]
    fn transitions_follow_the_state_machine() {
        assert!(can_move(OrderInProgress, Purchased));
        assert!(can_move(OrderInProgress, PaymentCompleted));
        assert!(can_move(OrderInProgress, Failed));
        assert!(can_move(PaymentCompleted, Purchased));
        assert!(can_move(Purchased, Refunded));
        assert!(can_move(PaymentCompleted, Refunded));
        assert!(can_move(Failed, Error));
        assert!(!can_move(Error, Error));
        assert!(!can_move(Failed, Purchased));
        assert!(!can_move(Refunded, Purchased));
        assert!(!can_move(OrderInProgress, Refunded));
        assert!(!can_move(Purchased, OrderInProgress));
        assert!(!can_move(Purchased, NotFound));
    }

    #[test]
    fn statuses_and_reasons() {
        assert_eq!("PURCHASED".parse(), Ok(Purchased));
        assert_eq!(
            "NOT_FOUND".parse::<OrderStatus>(),
            Err(UnknownValue {
                kind: "OrderStatus",
                value: "NOT_FOUND".into()
            })
        );
        assert!("purchased".parse::<OrderStatus>().is_err());
        assert_eq!(NotFound.reason(), "주문을 찾을 수 없어요.");
        assert!(!Error.shows_sku() && Refunded.shows_sku());
        assert!(!OrderInProgress.determines_time() && Failed.determines_time());
        assert_eq!(OrderStatus::ALL.iter().filter(|s| s.is_stored()).count(), 6);
        for status in OrderStatus::ALL {
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
            if status.is_stored() {
                assert_eq!(status.as_str().parse(), Ok(status));
            }
        }
        assert_eq!(MiniappMismatch.as_str(), "MINIAPP_MISMATCH");
    }

    #[test]
    fn determined_time() {
        let (before, now) = (Some(Instant(1)), Instant(2));
        assert_eq!(determined_at(Purchased, before, now), Some(now));
        assert_eq!(determined_at(Error, before, now), before);
        assert_eq!(shown_determined_at(Error, before), None);
        assert_eq!(shown_determined_at(Failed, before), before);
    }

    #[test]
    fn default_products() {
        assert_eq!(DEFAULT_PRODUCTS[0].sale_price(), 1_100);
        assert_eq!(ProductKind::NonConsumable.as_str(), "NON_CONSUMABLE");
        assert_eq!(
            serde_json::to_value(ProductKind::NonConsumable).unwrap(),
            serde_json::json!("NON_CONSUMABLE")
        );
    }

    proptest! {
        /// Moves stay among the statuses an order can be in, never return to the start, and the
        /// terminal statuses only take the error mark.
        #[test]
        fn moves_stay_in_the_machine(
            from in proptest::sample::select(OrderStatus::ALL.to_vec()),
            to in proptest::sample::select(OrderStatus::ALL.to_vec()),
        ) {
            if can_move(from, to) {
                prop_assert!(from.is_stored() && to.is_stored());
                prop_assert!(to != OrderInProgress && from != to);
                if matches!(from, Failed | Refunded | Error) {
                    prop_assert_eq!(to, Error);
                }
            }
        }
    }
}
