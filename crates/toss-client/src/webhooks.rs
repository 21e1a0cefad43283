//! Webhook bodies Toss Payments sends to the merchant's webhook URL, and [`parse`] to read one.
//!
//! ```
//! use toss_client::webhooks::{self, WebhookEvent};
//!
//! let body = br#"{"eventType":"METHOD_UPDATED","createdAt":"2022-05-12T00:00:00.000000",
//!     "data":{"customerKey":"c6thB674j9vCU4XsvcPk","methodKey":"pa90","status":"DISABLED"}}"#;
//! match webhooks::parse(body)? {
//!     WebhookEvent::MethodUpdated(event) => assert_eq!(event.data.method_key, "pa90"),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), toss_client::Error>(())
//! ```

pub use toss_wire::tosspayments::webhooks::{
    CustomerStatusChange, CustomerStatusChanged, EventType, MethodUpdateStatus, MethodUpdated,
    Webhook, WebhookEvent,
};

use crate::Error;

/// Reads a webhook body by its `eventType`; a type this version does not know is
/// [`WebhookEvent::Unknown`] with the body as received. A body that is not JSON, has no `eventType`, or
/// does not have its type's shape is [`Error::Webhook`].
pub fn parse(body: &[u8]) -> Result<WebhookEvent, Error> {
    WebhookEvent::parse(body).map_err(Error::Webhook)
}
