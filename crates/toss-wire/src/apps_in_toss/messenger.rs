//! Smart messages (`/messenger/…`): a reviewed template rendered with the partner's variables and delivered
//! to the user's push notifications and Toss inbox.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::Open;

crate::wire_enum! {
    /// `reachedFailReason`: why a delivery did not reach the user.
    pub enum FailReason {
        /// The user turned push notifications off.
        PushOptOut = "푸시 수신 거부 상태입니다.",
        /// A marketing template, and the user has not consented to marketing.
        NoMarketingConsent = "마케팅 정보 수신에 동의하지 않은 사용자입니다.",
        /// (bulk) The userKey is unknown to the app, or the user left Toss.
        UnknownUser = "존재하지 않는 사용자입니다.",
    }
}

/// Template variables: `{{name}}` in the template is replaced by the value of `name` (a string, number or
/// boolean). Names are unique: a body naming one twice is malformed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context(pub Map<String, Value>);

impl Context {
    /// No variables.
    pub fn new() -> Context {
        Context::default()
    }

    /// The same variables and `name` = `value`.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Context {
        self.0.insert(name.into(), value.into());
        self
    }
}

impl Serialize for Context {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Context {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Context, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = Context;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Context, A::Error> {
                let mut map = Map::new();
                while let Some((name, value)) = access.next_entry::<String, Value>()? {
                    // A plain map would silently keep the last of a duplicated name.
                    if map.contains_key(&name) {
                        return Err(de::Error::custom(format!("duplicate field `{name}`")));
                    }
                    map.insert(name, value);
                }
                Ok(Context(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// The body of `send-message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SendRequest {
    /// The template's code from the console
    pub template_set_code: String,
    /// Template variables: strings, numbers or booleans
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub context: Context,
}

impl SendRequest {
    /// Sends the template with these variables.
    pub fn new(template_set_code: impl Into<String>, context: Context) -> SendRequest {
        SendRequest {
            template_set_code: template_set_code.into(),
            context,
        }
    }
}

/// The body of `send-test-message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SendTestRequest {
    /// The template's code from the console
    pub template_set_code: String,
    /// The uploaded bundle's id (UUID)
    pub deployment_id: String,
    /// Template variables: strings, numbers or booleans
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub context: Context,
}

impl SendTestRequest {
    /// Sends the template as a test against the bundle `deployment_id`.
    pub fn new(
        template_set_code: impl Into<String>,
        deployment_id: impl Into<String>,
        context: Context,
    ) -> SendTestRequest {
        SendTestRequest {
            template_set_code: template_set_code.into(),
            deployment_id: deployment_id.into(),
            context,
        }
    }
}

/// One recipient of `send-bulk-message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkItem {
    /// The recipient: a positive int64 (Toss also accepts its decimal string)
    #[serde(deserialize_with = "super::user_key::deserialize")]
    pub user_key: i64,
    /// This recipient's template variables
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub context: Context,
}

impl BulkItem {
    /// A recipient with their variables.
    pub fn new(user_key: i64, context: Context) -> BulkItem {
        BulkItem { user_key, context }
    }
}

/// The body of `send-bulk-message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkRequest {
    /// The template's code from the console
    pub template_set_code: String,
    /// 1 to 2,500 recipients
    pub context_list: Vec<BulkItem>,
}

impl BulkRequest {
    /// Sends the template to each recipient.
    pub fn new(template_set_code: impl Into<String>, context_list: Vec<BulkItem>) -> BulkRequest {
        BulkRequest {
            template_set_code: template_set_code.into(),
            context_list,
        }
    }
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Delivery {
    /// The delivered (or failed) message's id
    pub content_id: String,
    /// Why it failed; `null` for delivered messages
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub reached_fail_reason: Option<Open<FailReason>>,
}

impl Delivery {
    /// An attempt, failed for `reason` if there is one.
    pub fn new(content_id: impl Into<String>, reason: Option<FailReason>) -> Delivery {
        Delivery {
            content_id: content_id.into(),
            reached_fail_reason: reason.map(Open::Known),
        }
    }
}

/// Deliveries per channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChannelLists {
    /// Push notifications
    pub sent_push: Vec<Delivery>,
    /// Toss inbox messages
    pub sent_inbox: Vec<Delivery>,
    /// SMS (never sent by tossd)
    pub sent_sms: Vec<Delivery>,
    /// Kakao Alimtalk (never sent by tossd)
    pub sent_alimtalk: Vec<Delivery>,
    /// Kakao Friendtalk (never sent by tossd)
    pub sent_friendtalk: Vec<Delivery>,
}

/// What every messenger endpoint answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SendResult {
    /// Successful deliveries over all channels
    pub msg_count: i64,
    /// Successful push deliveries
    pub sent_push_count: i64,
    /// Successful inbox deliveries
    pub sent_inbox_count: i64,
    /// Successful SMS deliveries
    pub sent_sms_count: i64,
    /// Successful Alimtalk deliveries
    pub sent_alimtalk_count: i64,
    /// Successful Friendtalk deliveries
    pub sent_friendtalk_count: i64,
    /// Successful deliveries per channel
    pub detail: ChannelLists,
    /// Failed deliveries per channel, with their reasons
    pub fail: ChannelLists,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Context, Delivery, FailReason};
    use crate::Open;

    #[test]
    fn context_names_are_unique() {
        let ok: Context = serde_json::from_str(r#"{"a": 1, "b": "x"}"#).unwrap();
        assert_eq!(ok.0.len(), 2);
        assert!(serde_json::from_str::<Context>(r#"{"a": 1, "a": 2}"#).is_err());
        assert!(serde_json::from_str::<Context>("[1]").is_err());
        assert!(serde_json::from_str::<Context>("null").is_err());
        assert_eq!(
            serde_json::to_value(Context::new().with("otp", "123456")).unwrap(),
            json!({"otp": "123456"})
        );
    }

    #[test]
    fn unknown_fail_reasons_round_trip() {
        let body = json!({"contentId": "c", "reachedFailReason": "새 사유"});
        let delivery: Delivery = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(
            delivery.reached_fail_reason,
            Some(Open::Unknown("새 사유".into()))
        );
        assert_eq!(serde_json::to_value(&delivery).unwrap(), body);
        let known = Delivery::new("c", Some(FailReason::PushOptOut));
        assert_eq!(
            known.reached_fail_reason,
            Some(Open::Known(FailReason::PushOptOut))
        );
    }
}
