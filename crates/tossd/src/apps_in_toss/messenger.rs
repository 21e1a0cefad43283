//! Smart messages (docs/reference.md §2.5): a template rendered with the partner's context and delivered to the
//! user's push log and inbox, subject to the user's push opt-out and marketing consent.

use std::fmt;

use axum::extract::State;
use axum::http::StatusCode;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::apps_in_toss::auth::PartnerApp;
use crate::apps_in_toss::caller::{Caller, Messenger};
use crate::apps_in_toss::{AitError, AitJson, AitSuccess};
use crate::clock::Clock;
use crate::domain::messages::{self, Channel, Recipient};
use crate::store::messages::{NewMessage, Template};
use crate::store::{self, Db};

/// One delivery attempt.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub content_id: String,
    /// `null` for delivered messages
    pub reached_fail_reason: Option<&'static str>,
}

/// Deliveries per channel.
#[derive(Serialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct ChannelLists {
    pub sent_push: Vec<Delivery>,
    pub sent_inbox: Vec<Delivery>,
    pub sent_sms: Vec<Delivery>,
    pub sent_alimtalk: Vec<Delivery>,
    pub sent_friendtalk: Vec<Delivery>,
}

/// What every messenger endpoint answers.
#[derive(Serialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    pub msg_count: i64,
    pub sent_push_count: i64,
    pub sent_inbox_count: i64,
    pub sent_sms_count: i64,
    pub sent_alimtalk_count: i64,
    pub sent_friendtalk_count: i64,
    pub detail: ChannelLists,
    pub fail: ChannelLists,
}

/// `TEMPLATE_NOT_FOUND` or `TEMPLATE_NOT_APPROVED`, else the template.
async fn approved_template(db: &Db, app: &PartnerApp, code: &str) -> Result<Template, AitError> {
    let template = store::messages::template(db, &app.app_id, code)
        .await?
        .ok_or_else(|| {
            AitError::fail(
                StatusCode::BAD_REQUEST,
                "TEMPLATE_NOT_FOUND",
                "템플릿을 찾을 수 없어요.",
            )
        })?;
    if !template.status.is_sendable() {
        return Err(AitError::fail(
            StatusCode::FORBIDDEN,
            "TEMPLATE_NOT_APPROVED",
            "검수가 완료되지 않은 템플릿이에요.",
        ));
    }
    Ok(template)
}

/// A recipient as the app sees them, with their name for `{{userName}}`.
async fn recipient(
    db: &Db,
    app: &PartnerApp,
    user_key: i64,
) -> Result<(Recipient, Option<String>), sqlx::Error> {
    Ok(
        match store::users::known_to_app(db, &app.app_id, user_key).await? {
            Some(row) if !row.withdrawn => (
                Recipient {
                    exists: true,
                    push_enabled: row.push_enabled,
                    marketing_consent: row.marketing_consent,
                },
                Some(row.name),
            ),
            Some(_) | None => (
                Recipient {
                    exists: false,
                    push_enabled: false,
                    marketing_consent: false,
                },
                None,
            ),
        },
    )
}

/// One rendered message for one user.
struct Outgoing {
    user_key: i64,
    recipient: Recipient,
    text: String,
}

fn render(
    template: &Template,
    context: &Map<String, Value>,
    user_name: Option<&str>,
) -> Result<String, AitError> {
    messages::render(&template.text, context, user_name).map_err(|_| AitError::invalid_parameter())
}

/// Records one delivery attempt per (recipient, channel) and tallies the answer.
async fn deliver(
    db: &Db,
    clock: &Clock,
    app: &PartnerApp,
    template: &Template,
    outgoing: &[Outgoing],
    is_test: bool,
) -> Result<SendResult, AitError> {
    let mut result = SendResult::default();
    let mut tx = db.begin().await?;
    let now = clock.now_in(&mut tx).await?;
    for message in outgoing {
        for &channel in &template.channels {
            let content_id = messages::content_id();
            let reason = messages::channel_failure(channel, template.kind, message.recipient);
            store::messages::insert_message(
                &mut tx,
                &NewMessage {
                    content_id: &content_id,
                    app_id: &app.app_id,
                    user_key: message.user_key,
                    channel,
                    template_set_code: &template.template_set_code,
                    text: &message.text,
                    fail_reason: reason,
                    is_test,
                },
                now,
            )
            .await?;
            let lists = if reason.is_some() {
                &mut result.fail
            } else {
                result.msg_count += 1;
                match channel {
                    Channel::Push => result.sent_push_count += 1,
                    Channel::Inbox => result.sent_inbox_count += 1,
                }
                &mut result.detail
            };
            let list = match channel {
                Channel::Push => &mut lists.sent_push,
                Channel::Inbox => &mut lists.sent_inbox,
            };
            list.push(Delivery {
                content_id,
                reached_fail_reason: reason.map(|r| r.as_str()),
            });
        }
    }
    tx.commit().await?;
    Ok(result)
}

/// Template variables: a JSON object whose names are unique (a duplicated name is malformed input,
/// docs/reference.md §1.3, which a plain map would silently accept).
pub struct Context(pub Map<String, Value>);

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

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    pub template_set_code: String,
    /// Template variables: strings, numbers or booleans
    #[schema(value_type = Object)]
    pub context: Context,
}

/// Sends to the caller's user; shared by `send-message` and `send-test-message`.
async fn send_one(
    db: &Db,
    clock: &Clock,
    caller: &Caller<Messenger>,
    template_set_code: &str,
    context: &Map<String, Value>,
    is_test: bool,
) -> Result<SendResult, AitError> {
    let template = approved_template(db, &caller.app, template_set_code).await?;
    let (recipient, name) = recipient(db, &caller.app, caller.user_key).await?;
    let text = render(&template, context, name.as_deref())?;
    let outgoing = [Outgoing {
        user_key: caller.user_key,
        recipient,
        text,
    }];
    deliver(db, clock, &caller.app, &template, &outgoing, is_test).await
}

/// 메시지 발송하기
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/messenger/send-message",
    tag = "Apps-in-Toss smart messages",
    params(("x-toss-user-key" = String, Header, description = "The recipient's userKey")),
    request_body = SendRequest,
    responses(
        (status = 200, description = "SUCCESS envelope with the per-channel counts", body = SendResult),
        (status = 400, description = "INVALID_PARAMETER, TEMPLATE_NOT_FOUND"),
        (status = 401, description = "USER_KEY_NOT_FOUND / USER_NOT_FOUND"),
        (status = 403, description = "TEMPLATE_NOT_APPROVED, 4095"),
    )
)]
pub async fn send_message(
    State(db): State<Db>,
    State(clock): State<Clock>,
    caller: Caller<Messenger>,
    AitJson(request): AitJson<SendRequest>,
) -> Result<AitSuccess<SendResult>, AitError> {
    let result = send_one(
        &db,
        &clock,
        &caller,
        &request.template_set_code,
        &request.context.0,
        false,
    )
    .await?;
    Ok(AitSuccess(result))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendTestRequest {
    pub template_set_code: String,
    /// The uploaded bundle's id (UUID)
    pub deployment_id: String,
    #[schema(value_type = Object)]
    pub context: Context,
}

/// 테스트 메시지 발송하기
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/messenger/send-test-message",
    tag = "Apps-in-Toss smart messages",
    params(("x-toss-user-key" = String, Header, description = "The recipient's userKey")),
    request_body = SendTestRequest,
    responses(
        (status = 200, description = "SUCCESS envelope with the per-channel counts", body = SendResult),
        (status = 400, description = "INVALID_PARAMETER, TEMPLATE_NOT_FOUND"),
        (status = 401, description = "USER_KEY_NOT_FOUND / USER_NOT_FOUND"),
        (status = 403, description = "TEMPLATE_NOT_APPROVED, 4095"),
    )
)]
pub async fn send_test_message(
    State(db): State<Db>,
    State(clock): State<Clock>,
    caller: Caller<Messenger>,
    AitJson(request): AitJson<SendTestRequest>,
) -> Result<AitSuccess<SendResult>, AitError> {
    if !messages::is_uuid(&request.deployment_id) {
        return Err(AitError::invalid_parameter());
    }
    let result = send_one(
        &db,
        &clock,
        &caller,
        &request.template_set_code,
        &request.context.0,
        true,
    )
    .await?;
    Ok(AitSuccess(result))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkItem {
    /// A number or a string of decimal digits
    #[schema(value_type = i64)]
    pub user_key: Value,
    #[schema(value_type = Object)]
    pub context: Context,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkRequest {
    pub template_set_code: String,
    /// 1 to 2,500 recipients
    pub context_list: Vec<BulkItem>,
}

/// Most recipients one bulk request may carry.
const MAX_BULK: usize = 2500;

/// A positive int64 given as a JSON number or as 1–19 decimal digits.
fn bulk_user_key(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s)
            if (1..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
    .filter(|k| *k > 0)
}

/// 대량 메시지 발송하기
#[utoipa::path(
    post,
    path = "/api-partner/v1/apps-in-toss/messenger/send-bulk-message",
    tag = "Apps-in-Toss smart messages",
    request_body = BulkRequest,
    responses(
        (status = 200, description = "SUCCESS envelope aggregating every recipient", body = SendResult),
        (status = 400, description = "INVALID_PARAMETER, TEMPLATE_NOT_FOUND"),
        (status = 403, description = "TEMPLATE_NOT_APPROVED"),
    )
)]
pub async fn send_bulk_message(
    State(db): State<Db>,
    State(clock): State<Clock>,
    app: PartnerApp,
    AitJson(request): AitJson<BulkRequest>,
) -> Result<AitSuccess<SendResult>, AitError> {
    if request.context_list.is_empty() || request.context_list.len() > MAX_BULK {
        return Err(AitError::invalid_parameter());
    }
    let user_keys = request
        .context_list
        .iter()
        .map(|item| bulk_user_key(&item.user_key))
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(AitError::invalid_parameter)?;
    let template = approved_template(&db, &app, &request.template_set_code).await?;
    let mut outgoing = Vec::with_capacity(user_keys.len());
    for (item, user_key) in request.context_list.iter().zip(user_keys) {
        let (recipient, name) = recipient(&db, &app, user_key).await?;
        // An unknown recipient fails per item; its missing name must not fail the whole request.
        let name = if recipient.exists {
            name
        } else {
            Some(String::new())
        };
        let text = render(&template, &item.context.0, name.as_deref())?;
        outgoing.push(Outgoing {
            user_key,
            recipient,
            text,
        });
    }
    Ok(AitSuccess(
        deliver(&db, &clock, &app, &template, &outgoing, false).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bulk_user_keys_are_numbers_or_digit_strings() {
        assert_eq!(bulk_user_key(&json!(87654321)), Some(87654321));
        assert_eq!(bulk_user_key(&json!("87654321")), Some(87654321));
        assert_eq!(bulk_user_key(&json!("-1")), None);
        assert_eq!(bulk_user_key(&json!(0)), None);
        assert_eq!(bulk_user_key(&json!(1.5)), None);
        assert_eq!(bulk_user_key(&json!("12345678901234567890")), None);
        assert_eq!(bulk_user_key(&json!(null)), None);
    }

    #[test]
    fn context_names_are_unique() {
        let ok: Context = serde_json::from_str(r#"{"a": 1, "b": "x"}"#).unwrap();
        assert_eq!(ok.0.len(), 2);
        assert!(serde_json::from_str::<Context>(r#"{"a": 1, "a": 2}"#).is_err());
        assert!(serde_json::from_str::<Context>("[1]").is_err());
        assert!(serde_json::from_str::<Context>("null").is_err());
    }
}
