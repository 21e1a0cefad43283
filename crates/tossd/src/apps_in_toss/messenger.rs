//! Smart messages (REFERENCE.md §2.5): a template rendered with the partner's context and delivered to the
//! user's push log and inbox, subject to the user's push opt-out and marketing consent.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::Row;
use utoipa::ToSchema;

use crate::apps_in_toss::auth::{known_user, PartnerApp};
use crate::apps_in_toss::{rate_limit, AitError, AitSuccess};
use crate::domain::messages::{self, Recipient};
use crate::domain::time::Instant;
use crate::state::AppState;
use crate::store::{flag, Tx};

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

/// A message template of the calling app.
pub struct Template {
    pub code: String,
    pub text: String,
    pub marketing: bool,
    pub channels: Vec<String>,
}

/// `TEMPLATE_NOT_FOUND` or `TEMPLATE_NOT_APPROVED`, else the template.
async fn approved_template(
    state: &AppState,
    app: &PartnerApp,
    code: &str,
) -> Result<Template, AitError> {
    let row = sqlx::query(
        "SELECT text, kind, status, channels FROM message_templates WHERE app_id = $1 AND template_set_code = $2",
    )
    .bind(&app.app_id)
    .bind(code)
    .fetch_optional(state.db.reader())
    .await?
    .ok_or_else(|| {
        AitError::fail(
            StatusCode::BAD_REQUEST,
            "TEMPLATE_NOT_FOUND",
            "템플릿을 찾을 수 없어요.",
        )
    })?;
    if row.get::<String, _>(2) != "APPROVED" {
        return Err(AitError::fail(
            StatusCode::FORBIDDEN,
            "TEMPLATE_NOT_APPROVED",
            "검수가 완료되지 않은 템플릿이에요.",
        ));
    }
    Ok(Template {
        code: code.to_owned(),
        text: row.get(0),
        marketing: row.get::<String, _>(1) == "MARKETING",
        channels: row
            .get::<String, _>(3)
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// A recipient as the app sees them, with their name for `{{userName}}`.
async fn recipient(
    state: &AppState,
    app: &PartnerApp,
    user_key: i64,
) -> Result<(Recipient, Option<String>), sqlx::Error> {
    let row = sqlx::query(
        "SELECT u.name, u.push_enabled, u.marketing_consent, u.withdrawn FROM app_users l \
         JOIN users u ON u.user_key = l.user_key WHERE l.app_id = $1 AND l.user_key = $2",
    )
    .bind(&app.app_id)
    .bind(user_key)
    .fetch_optional(state.db.reader())
    .await?;
    Ok(match row {
        Some(row) if !flag(row.get(3)) => (
            Recipient {
                exists: true,
                push_enabled: flag(row.get(1)),
                marketing_consent: flag(row.get(2)),
            },
            Some(row.get(0)),
        ),
        _ => (
            Recipient {
                exists: false,
                push_enabled: false,
                marketing_consent: false,
            },
            None,
        ),
    })
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
    state: &AppState,
    app: &PartnerApp,
    template: &Template,
    outgoing: &[Outgoing],
    is_test: bool,
) -> Result<SendResult, AitError> {
    let mut result = SendResult::default();
    let mut tx: Tx = state.db.begin().await?;
    let now: Instant = state.clock.now_in(&mut tx).await?;
    for message in outgoing {
        for channel in &template.channels {
            let content_id = messages::content_id();
            let reason = messages::channel_failure(channel, template.marketing, message.recipient);
            sqlx::query(
                "INSERT INTO messages (content_id, app_id, user_key, channel, template_set_code, text, fail_reason, \
                 is_test, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&content_id)
            .bind(&app.app_id)
            .bind(message.user_key)
            .bind(channel)
            .bind(&template.code)
            .bind(&message.text)
            .bind(reason)
            .bind(i64::from(is_test))
            .bind(now.micros())
            .execute(&mut *tx)
            .await?;
            let lists = if reason.is_some() {
                &mut result.fail
            } else {
                result.msg_count += 1;
                match channel.as_str() {
                    "PUSH" => result.sent_push_count += 1,
                    _ => result.sent_inbox_count += 1,
                }
                &mut result.detail
            };
            let list = match channel.as_str() {
                "PUSH" => &mut lists.sent_push,
                _ => &mut lists.sent_inbox,
            };
            list.push(Delivery {
                content_id,
                reached_fail_reason: reason,
            });
        }
    }
    tx.commit().await?;
    Ok(result)
}

/// Template variables: a JSON object whose names are unique (a duplicated name is malformed input,
/// REFERENCE.md §1.3, which a plain map would silently accept).
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

/// Sends to the header's user; shared by `send-message` and `send-test-message`.
async fn send_one(
    state: &AppState,
    app: &PartnerApp,
    user_key: i64,
    template_set_code: &str,
    context: &Map<String, Value>,
    is_test: bool,
) -> Result<SendResult, AitError> {
    let template = approved_template(state, app, template_set_code).await?;
    let (recipient, name) = recipient(state, app, user_key).await?;
    let text = render(&template, context, name.as_deref())?;
    let outgoing = [Outgoing {
        user_key,
        recipient,
        text,
    }];
    deliver(state, app, &template, &outgoing, is_test).await
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
    State(state): State<AppState>,
    app: PartnerApp,
    headers: HeaderMap,
    body: Body,
) -> Result<AitSuccess<SendResult>, AitError> {
    let user_key = known_user(&state, &app, &headers, StatusCode::UNAUTHORIZED).await?;
    rate_limit::count_request(&state, &app, user_key, rate_limit::MESSENGER).await?;
    let request: SendRequest = crate::web::read_json(body).await?;
    let result = send_one(
        &state,
        &app,
        user_key,
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
    State(state): State<AppState>,
    app: PartnerApp,
    headers: HeaderMap,
    body: Body,
) -> Result<AitSuccess<SendResult>, AitError> {
    let user_key = known_user(&state, &app, &headers, StatusCode::UNAUTHORIZED).await?;
    rate_limit::count_request(&state, &app, user_key, rate_limit::MESSENGER).await?;
    let request: SendTestRequest = crate::web::read_json(body).await?;
    if !messages::is_uuid(&request.deployment_id) {
        return Err(AitError::invalid_parameter());
    }
    let result = send_one(
        &state,
        &app,
        user_key,
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
    State(state): State<AppState>,
    app: PartnerApp,
    body: Body,
) -> Result<AitSuccess<SendResult>, AitError> {
    let request: BulkRequest = crate::web::read_json(body).await?;
    if request.context_list.is_empty() || request.context_list.len() > MAX_BULK {
        return Err(AitError::invalid_parameter());
    }
    let user_keys = request
        .context_list
        .iter()
        .map(|item| bulk_user_key(&item.user_key))
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(AitError::invalid_parameter)?;
    let template = approved_template(&state, &app, &request.template_set_code).await?;
    let mut outgoing = Vec::with_capacity(user_keys.len());
    for (item, user_key) in request.context_list.iter().zip(user_keys) {
        let (recipient, name) = recipient(&state, &app, user_key).await?;
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
        deliver(&state, &app, &template, &outgoing, false).await?,
    ))
}

/// The default app's templates (REFERENCE.md §6.4).
pub async fn seed_defaults(tx: &mut Tx, now: Instant) -> Result<(), sqlx::Error> {
    for (code, kind, status, text) in [
        (
            "ALERT_OTP_TEMPLATE",
            "FUNCTIONAL",
            "APPROVED",
            "[{{userName}}님] 인증번호는 {{otp}}예요. 타인에게 알려주지 마세요.",
        ),
        (
            "EVENT_MARKETING_TEMPLATE",
            "MARKETING",
            "APPROVED",
            "{{userName}}님, {{eventName}} 이벤트가 시작됐어요.",
        ),
        (
            "REVIEW_PENDING_TEMPLATE",
            "FUNCTIONAL",
            "IN_REVIEW",
            "{{userName}}님, 주문이 접수됐어요.",
        ),
    ] {
        sqlx::query(
            "INSERT INTO message_templates (app_id, template_set_code, text, kind, status, channels, created_at) \
             SELECT app_id, $1, $2, $3, $4, 'PUSH,INBOX', $5 FROM apps WHERE is_default = 1",
        )
        .bind(code)
        .bind(text)
        .bind(kind)
        .bind(status)
        .bind(now.micros())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
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
