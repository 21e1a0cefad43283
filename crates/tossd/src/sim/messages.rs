//! The operator's side of smart messages: templates of the default app and what a user received.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::messages::{canonical_channels, Channel, TemplateKind, TemplateStatus};
use crate::domain::wire::is_console_code;
use crate::sim::users::parse_user_key;
use crate::sim::{SimError, SimJson, SimPath};
use crate::state::AppState;
use crate::store::{self, messages::Template};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    pub template_set_code: String,
    /// With `{{variable}}` placeholders
    pub text: String,
    /// FUNCTIONAL or MARKETING
    pub kind: String,
    /// APPROVED or IN_REVIEW
    pub status: String,
    /// PUSH and/or INBOX
    pub channels: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTemplate {
    /// 1–100 characters of `[A-Za-z0-9_-]`
    pub template_set_code: String,
    /// 1–2,000 characters with `{{variable}}` placeholders
    pub text: String,
    /// FUNCTIONAL (default) or MARKETING
    pub kind: Option<String>,
    /// APPROVED (default) or IN_REVIEW
    pub status: Option<String>,
    /// PUSH and/or INBOX (default both)
    pub channels: Option<Vec<String>>,
}

/// A message template of the default app; an existing code is replaced.
#[utoipa::path(post, path = "/sim/v1/message-templates", tag = "Simulator", request_body = CreateTemplate,
    responses((status = 201, body = TemplateView), (status = 400, description = "a field is invalid")))]
pub async fn create_template(
    State(state): State<AppState>,
    SimJson(request): SimJson<CreateTemplate>,
) -> Result<(StatusCode, Json<TemplateView>), SimError> {
    if !is_console_code(&request.template_set_code) {
        return Err(SimError::bad_request(
            "templateSetCode must be 1–100 characters of A-Z, a-z, 0-9, _ and -",
        ));
    }
    if request.text.is_empty() || request.text.chars().count() > 2000 {
        return Err(SimError::bad_request("text must be 1–2000 characters"));
    }
    let kind = match request.kind.as_deref() {
        None => TemplateKind::Functional,
        Some(word) => word
            .parse()
            .map_err(|_| SimError::bad_request("kind must be FUNCTIONAL or MARKETING"))?,
    };
    let status = match request.status.as_deref() {
        None => TemplateStatus::Approved,
        Some(word) => word
            .parse()
            .map_err(|_| SimError::bad_request("status must be APPROVED or IN_REVIEW"))?,
    };
    let requested = match &request.channels {
        None => Channel::ALL.to_vec(),
        Some(words) => words
            .iter()
            .map(|w| w.parse())
            .collect::<Result<Vec<Channel>, _>>()
            .ok()
            .filter(|channels| !channels.is_empty())
            .ok_or_else(|| {
                SimError::bad_request("channels must be a non-empty list of PUSH and INBOX")
            })?,
    };
    let template = Template {
        template_set_code: request.template_set_code,
        text: request.text,
        kind,
        status,
        // Stored in one canonical order, each channel once.
        channels: canonical_channels(&requested),
    };
    let app = crate::store::apps::default_app(state.db.reader())
        .await?
        .ok_or_else(|| SimError::not_found("no default app"))?;
    let now = state.clock.now(&state.db).await?;
    store::messages::put_template(state.db.writer(), &app.app_id, &template, now).await?;
    Ok((
        StatusCode::CREATED,
        Json(TemplateView {
            template_set_code: template.template_set_code,
            text: template.text,
            kind: template.kind.as_str().to_owned(),
            status: template.status.as_str().to_owned(),
            channels: template
                .channels
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedMessage {
    pub content_id: String,
    /// PUSH or INBOX
    pub channel: String,
    pub template_set_code: String,
    /// The rendered text
    pub text: String,
    /// RFC 3339 UTC
    pub sent_at: String,
    pub app_id: String,
    /// Sent by send-test-message
    pub test: bool,
}

/// What the user received (push log and inbox), newest first.
#[utoipa::path(get, path = "/sim/v1/users/{userKey}/messages", tag = "Simulator",
    params(("userKey" = i64, Path)), responses((status = 200, body = [ReceivedMessage]), (status = 404)))]
pub async fn get_messages(
    State(state): State<AppState>,
    SimPath(user_key): SimPath<String>,
) -> Result<Json<Vec<ReceivedMessage>>, SimError> {
    let user_key = parse_user_key(&user_key)?;
    if !store::users::exists(state.db.reader(), user_key).await? {
        return Err(SimError::not_found("no such user"));
    }
    let messages = store::messages::received(&state.db, user_key)
        .await?
        .into_iter()
        .map(|m| ReceivedMessage {
            content_id: m.content_id,
            channel: m.channel.as_str().to_owned(),
            template_set_code: m.template_set_code,
            text: m.text,
            sent_at: m.sent_at.rfc3339_micros(),
            app_id: m.app_id,
            test: m.is_test,
        })
        .collect();
    Ok(Json(messages))
}
