//! The webhooks Toss Payments sends to the merchant's webhook URL: `{eventType, createdAt, data}` with the
//! data of `PAYMENT_STATUS_CHANGED` (the [`Payment`] after the change), `METHOD_UPDATED` and
//! `CUSTOMER_STATUS_CHANGED` (BrandPay). [`WebhookEvent::parse`] reads a body by its `eventType`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::tosspayments::payments::Payment;
use crate::Open;

crate::wire_enum! {
    /// `eventType` of a webhook.
    pub enum EventType {
        /// A payment's status changed; `data` is the Payment.
        PaymentStatusChanged = "PAYMENT_STATUS_CHANGED",
        /// A BrandPay customer's payment method changed.
        MethodUpdated = "METHOD_UPDATED",
        /// A BrandPay customer's status changed.
        CustomerStatusChanged = "CUSTOMER_STATUS_CHANGED",
    }
}

crate::wire_enum! {
    /// `data.status` of `METHOD_UPDATED`: what happened to the method.
    pub enum MethodUpdateStatus {
        /// A method was registered.
        Enabled = "ENABLED",
        /// A method was removed.
        Disabled = "DISABLED",
        /// The method's alias changed.
        AliasUpdated = "ALIAS_UPDATED",
    }
}

crate::wire_enum! {
    /// `data.status` of `CUSTOMER_STATUS_CHANGED`: what happened to the customer.
    pub enum CustomerStatusChange {
        /// The customer joined BrandPay.
        Created = "CREATED",
        /// The customer left BrandPay.
        Removed = "REMOVED",
        /// The customer changed the payment password.
        PasswordChanged = "PASSWORD_CHANGED",
        /// The customer turned on one-touch payment.
        OneTouchActivated = "ONE_TOUCH_ACTIVATED",
        /// The customer turned off one-touch payment.
        OneTouchDeactivated = "ONE_TOUCH_DEACTIVATED",
    }
}

/// One webhook body: what happened, when, and its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Webhook<T> {
    /// What happened.
    pub event_type: Open<EventType>,
    /// When the event was created: `yyyy-MM-dd'T'HH:mm:ss.SSSSSS`, KST without an offset.
    pub created_at: String,
    /// The event's data.
    pub data: T,
}

/// `data` of `METHOD_UPDATED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MethodUpdated {
    /// The customer whose method changed.
    pub customer_key: String,
    /// The method that changed.
    pub method_key: String,
    /// What happened to it.
    pub status: Open<MethodUpdateStatus>,
}

impl MethodUpdated {
    /// `method_key` of `customer_key` changed as `status` says.
    pub fn new(
        customer_key: impl Into<String>,
        method_key: impl Into<String>,
        status: MethodUpdateStatus,
    ) -> MethodUpdated {
        MethodUpdated {
            customer_key: customer_key.into(),
            method_key: method_key.into(),
            status: Open::Known(status),
        }
    }
}

/// `data` of `CUSTOMER_STATUS_CHANGED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerStatusChanged {
    /// The customer whose status changed.
    pub customer_key: String,
    /// What happened.
    pub status: Open<CustomerStatusChange>,
    /// When it happened (`yyyy-MM-dd'T'HH:mm:ss+09:00`).
    pub changed_at: String,
}

impl CustomerStatusChanged {
    /// `customer_key` changed as `status` says at `changed_at`.
    pub fn new(
        customer_key: impl Into<String>,
        status: CustomerStatusChange,
        changed_at: impl Into<String>,
    ) -> CustomerStatusChanged {
        CustomerStatusChanged {
            customer_key: customer_key.into(),
            status: Open::Known(status),
            changed_at: changed_at.into(),
        }
    }
}

/// A webhook body read by its `eventType`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `PAYMENT_STATUS_CHANGED`: the Payment after the change. Compare `data.secret` with the `secret` of
    /// the Payment you hold (or look the payment up) before trusting it.
    PaymentStatusChanged(Box<Webhook<Payment>>),
    /// `METHOD_UPDATED`: a BrandPay customer's method was registered, removed or renamed.
    MethodUpdated(Webhook<MethodUpdated>),
    /// `CUSTOMER_STATUS_CHANGED`: a BrandPay customer joined, left or changed a setting.
    CustomerStatusChanged(Webhook<CustomerStatusChanged>),
    /// An `eventType` this version does not know, with the whole body as received.
    Unknown(Value),
}

impl WebhookEvent {
    /// Reads a webhook body: a JSON object whose `eventType` is a string. A known type whose body does
    /// not have that type's shape is an error; an unknown type is [`WebhookEvent::Unknown`].
    pub fn parse(body: &[u8]) -> Result<WebhookEvent, serde_json::Error> {
        let value: Value = serde_json::from_slice(body)?;
        let event_type = match value.get("eventType") {
            Some(Value::String(text)) => text.parse::<EventType>().ok(),
            _ => {
                return Err(serde::de::Error::custom(
                    "a webhook body is an object with a string eventType",
                ))
            }
        };
        Ok(match event_type {
            Some(EventType::PaymentStatusChanged) => {
                WebhookEvent::PaymentStatusChanged(serde_json::from_value(value)?)
            }
            Some(EventType::MethodUpdated) => {
                WebhookEvent::MethodUpdated(serde_json::from_value(value)?)
            }
            Some(EventType::CustomerStatusChanged) => {
                WebhookEvent::CustomerStatusChanged(serde_json::from_value(value)?)
            }
            None => WebhookEvent::Unknown(value),
        })
    }

    /// `eventType` as sent.
    pub fn event_type(&self) -> &str {
        match self {
            WebhookEvent::PaymentStatusChanged(w) => w.event_type.as_str(),
            WebhookEvent::MethodUpdated(w) => w.event_type.as_str(),
            WebhookEvent::CustomerStatusChanged(w) => w.event_type.as_str(),
            WebhookEvent::Unknown(value) => value["eventType"].as_str().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{CustomerStatusChange, MethodUpdateStatus, WebhookEvent};
    use crate::Open;

    #[test]
    fn bodies_are_read_by_event_type() {
        let body = br#"{"eventType":"METHOD_UPDATED","createdAt":"2022-05-12T00:00:00.000000",
            "data":{"customerKey":"c6thB674j9vCU4XsvcPk","methodKey":"pa90","status":"ENABLED"}}"#;
        match WebhookEvent::parse(body).unwrap() {
            WebhookEvent::MethodUpdated(w) => {
                assert_eq!(w.data.status, MethodUpdateStatus::Enabled);
                assert_eq!(w.data.method_key, "pa90");
            }
            other => panic!("{other:?}"),
        }
        let body = br#"{"eventType":"CUSTOMER_STATUS_CHANGED","createdAt":"2022-01-01T00:00:00.000000",
            "data":{"customerKey":"c6","status":"SOMETHING_NEW","changedAt":"2022-01-01T00:00:00+09:00"}}"#;
        match WebhookEvent::parse(body).unwrap() {
            WebhookEvent::CustomerStatusChanged(w) => {
                assert_eq!(w.data.status, Open::Unknown("SOMETHING_NEW".into()));
                assert_ne!(w.data.status, CustomerStatusChange::Created);
            }
            other => panic!("{other:?}"),
        }
        let body = br#"{"eventType":"PAYOUT_STATUS_CHANGED","createdAt":"x","data":{"a":1}}"#;
        let event = WebhookEvent::parse(body).unwrap();
        assert_eq!(event.event_type(), "PAYOUT_STATUS_CHANGED");
        assert!(matches!(event, WebhookEvent::Unknown(ref v) if v["data"]["a"] == 1));
        assert!(WebhookEvent::parse(b"{}").is_err());
        assert!(WebhookEvent::parse(br#"{"eventType":"METHOD_UPDATED","data":{}}"#).is_err());
    }
}
