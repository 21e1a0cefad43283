//! In-app purchase: the status of an order the mini-app placed with the in-app purchase SDK.

use toss_wire::apps_in_toss::iap::{OrderStatusRequest, OrderStatusResponse};

use crate::call::{Call, Family, Retry};
use crate::Client;

/// The in-app purchase endpoint; [`Client::iap`] returns it.
#[derive(Debug, Clone, Copy)]
pub struct Iap<'c> {
    pub(crate) client: &'c Client,
}

impl<'c> Iap<'c> {
    /// `POST /order/get-order-status`: the order's status. An unknown order is not an error but the
    /// status `NOT_FOUND` (another app's: `MINIAPP_MISMATCH`). A lookup, retried when safe.
    pub fn order_status(&self, order_id: impl Into<String>) -> Call<'c, OrderStatusResponse> {
        super::post(
            self.client,
            Family::AppsInToss,
            "/order/get-order-status",
            &OrderStatusRequest::new(order_id),
        )
        .retry(Retry::Read)
    }
}
