//! In-app purchase order status (`/order/get-order-status`): the status of an order the mini-app placed with
//! the in-app purchase SDK.

use serde::{Deserialize, Serialize};

use crate::Open;

crate::wire_enum! {
    /// `status` of the order-status answer: six an order can be in, and two lookup outcomes.
    pub enum OrderStatus {
        /// Created; payment or the partner's grant is not finished.
        OrderInProgress = "ORDER_IN_PROGRESS",
        /// Paid and the product was granted.
        Purchased = "PURCHASED",
        /// Paid, but the partner's grant failed or is not confirmed.
        PaymentCompleted = "PAYMENT_COMPLETED",
        /// The payment failed.
        Failed = "FAILED",
        /// Refunded.
        Refunded = "REFUNDED",
        /// Toss could not determine the order's status.
        Error = "ERROR",
        /// Lookup outcome: no order has this id.
        NotFound = "NOT_FOUND",
        /// Lookup outcome: the ordered product is another mini-app's.
        MiniappMismatch = "MINIAPP_MISMATCH",
    }
}

impl OrderStatus {
    /// The Korean `reason` Toss sends with each status.
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
}

/// The body of `get-order-status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderStatusRequest {
    /// The order id (UUID v7) from the purchase
    pub order_id: String,
}

impl OrderStatusRequest {
    /// The request for an order.
    pub fn new(order_id: impl Into<String>) -> OrderStatusRequest {
        OrderStatusRequest {
            order_id: order_id.into(),
        }
    }
}

/// The answer of `get-order-status` (a SUCCESS envelope even when the order is not found).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderStatusResponse {
    /// The requested order id
    pub order_id: String,
    /// The product id; omitted for NOT_FOUND, MINIAPP_MISMATCH and ERROR
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// When the status was determined, yyyy-MM-dd'T'HH:mm:ss KST; omitted while in progress and for lookup
    /// failures
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_determined_at: Option<String>,
    /// The order's status
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Open<OrderStatus>,
    /// The status in Korean
    pub reason: String,
}

impl OrderStatusResponse {
    /// The answer for an order in `status`, with the status's reason and no `sku` or time.
    pub fn new(order_id: impl Into<String>, status: OrderStatus) -> OrderStatusResponse {
        OrderStatusResponse {
            order_id: order_id.into(),
            sku: None,
            status_determined_at: None,
            status: Open::Known(status),
            reason: status.reason().to_owned(),
        }
    }
}
