//! Smart messages (docs/reference.md §2.5): a template rendered with the partner's context and delivered to the
//! user's push log and inbox, subject to the user's push opt-out and marketing consent.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::apps_in_toss::auth::PartnerApp;
use crate::apps_in_toss::caller::{Caller, Messenger};
use crate::apps_in_toss::{AitError, AitJson, AitSuccess};
use crate::clock::Clock;
use crate::domain::messages::{self, Channel, Recipient};
use crate::store::messages::{NewMessage, Template};
use crate::store::{self, Db};

pub use toss_wire::apps_in_toss::messenger::{
    BulkItem, BulkRequest, ChannelLists, Context, Delivery, SendRequest, SendResult,
    SendTestRequest,
};

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
            list.push(Delivery::new(content_id, reason));
        }
    }
    tx.commit().await?;
    Ok(result)
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

/// Most recipients one bulk request may carry.
const MAX_BULK: usize = 2500;

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
    let template = approved_template(&db, &app, &request.template_set_code).await?;
    let mut outgoing = Vec::with_capacity(request.context_list.len());
    for item in &request.context_list {
        let user_key = item.user_key;
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
