//! In-app purchase order statuses (docs/reference.md §2.4.1, §3.2): what each status says and which moves the
//! simulator may make, and the default app's products (§6.5).

use crate::domain::time::Instant;
use crate::domain::wire::{wire_enum, UnknownValue};

pub use toss_wire::apps_in_toss::iap::OrderStatus;

/// Whether an order can be in this status (the lookup outcomes are never stored).
pub fn is_stored(status: OrderStatus) -> bool {
    match status {
        OrderStatus::OrderInProgress
        | OrderStatus::Purchased
        | OrderStatus::PaymentCompleted
        | OrderStatus::Failed
        | OrderStatus::Refunded
        | OrderStatus::Error => true,
        OrderStatus::NotFound | OrderStatus::MiniappMismatch => false,
    }
}

/// Whether reaching this status fixes `statusDeterminedAt` (the start and the error mark do not).
pub fn determines_time(status: OrderStatus) -> bool {
    match status {
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
pub fn shows_sku(status: OrderStatus) -> bool {
    match status {
        OrderStatus::OrderInProgress
        | OrderStatus::Purchased
        | OrderStatus::PaymentCompleted
        | OrderStatus::Failed
        | OrderStatus::Refunded => true,
        OrderStatus::Error | OrderStatus::NotFound | OrderStatus::MiniappMismatch => false,
    }
}

/// Parses a status an order can be in; the lookup outcomes are refused like any unknown text.
pub fn stored_status(text: &str) -> Result<OrderStatus, UnknownValue> {
    text.parse()
        .ok()
        .filter(|s| is_stored(*s))
        .ok_or_else(|| UnknownValue {
            kind: "OrderStatus",
            value: text.to_owned(),
        })
}

/// Whether the simulator may move an order from `from` to `to` in one step.
pub fn can_move(from: OrderStatus, to: OrderStatus) -> bool {
    use OrderStatus::*;
    match to {
        Purchased => matches!(from, OrderInProgress | PaymentCompleted),
        PaymentCompleted | Failed => from == OrderInProgress,
        Refunded => matches!(from, Purchased | PaymentCompleted),
        Error => is_stored(from) && from != Error,
        OrderInProgress | NotFound | MiniappMismatch => false,
    }
}

/// `statusDeterminedAt` after an order reaches `to` at `now`: moves that determine the status fix it,
/// the others keep what it was.
pub fn determined_at(to: OrderStatus, previous: Option<Instant>, now: Instant) -> Option<Instant> {
    if determines_time(to) {
        Some(now)
    } else {
        previous
    }
}

/// What an order's status-determined time shows in the order-status answer: nothing for statuses that
/// do not determine one.
pub fn shown_determined_at(status: OrderStatus, stored: Option<Instant>) -> Option<Instant> {
    stored.filter(|_| determines_time(status))
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
        assert_eq!(stored_status("PURCHASED"), Ok(Purchased));
        assert_eq!(
            stored_status("NOT_FOUND"),
            Err(UnknownValue {
                kind: "OrderStatus",
                value: "NOT_FOUND".into()
            })
        );
        assert!(stored_status("purchased").is_err());
        assert_eq!(NotFound.reason(), "주문을 찾을 수 없어요.");
        assert!(!shows_sku(Error) && shows_sku(Refunded));
        assert!(!determines_time(OrderInProgress) && determines_time(Failed));
        assert_eq!(
            OrderStatus::ALL.iter().filter(|s| is_stored(**s)).count(),
            6
        );
        for &status in OrderStatus::ALL {
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
            if is_stored(status) {
                assert_eq!(stored_status(status.as_str()), Ok(status));
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
                prop_assert!(is_stored(from) && is_stored(to));
                prop_assert!(to != OrderInProgress && from != to);
                if matches!(from, Failed | Refunded | Error) {
                    prop_assert_eq!(to, Error);
                }
            }
        }
    }
}
