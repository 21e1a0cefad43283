//! The operator's side of smart messages: templates of the default app and what a user received.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::apps_in_toss::auth::PartnerApp;
use crate::domain::messages::{template_code_is_valid, CHANNELS, KINDS, STATUSES};
use crate::domain::time::Instant;
use crate::sim::users::parse_user_key;
use crate::sim::{SimError, SimJson};
use crate::state::AppState;
use crate::store::flag;

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
    if !template_code_is_valid(&request.template_set_code) {
        return Err(SimError::bad_request(
            "templateSetCode must be 1–100 characters of A-Z, a-z, 0-9, _ and -",
        ));
    }
    if request.text.is_empty() || request.text.chars().count() > 2000 {
        return Err(SimError::bad_request("text must be 1–2000 characters"));
    }
    let kind = request.kind.unwrap_or_else(|| "FUNCTIONAL".to_owned());
    if !KINDS.contains(&kind.as_str()) {
        return Err(SimError::bad_request(
            "kind must be FUNCTIONAL or MARKETING",
        ));
    }
    let status = request.status.unwrap_or_else(|| "APPROVED".to_owned());
    if !STATUSES.contains(&status.as_str()) {
        return Err(SimError::bad_request(
            "status must be APPROVED or IN_REVIEW",
        ));
    }
    let requested = request
        .channels
        .unwrap_or_else(|| CHANNELS.iter().map(|c| (*c).to_owned()).collect());
    if requested.is_empty() || requested.iter().any(|c| !CHANNELS.contains(&c.as_str())) {
        return Err(SimError::bad_request(
            "channels must be a non-empty list of PUSH and INBOX",
        ));
    }
    // Stored in one canonical order, each channel once.
    let channels: Vec<String> = CHANNELS
        .iter()
        .filter(|c| requested.iter().any(|r| r == *c))
        .map(|c| (*c).to_owned())
        .collect();
    let app = PartnerApp::default_app(&state)
        .await?
        .ok_or_else(|| SimError::not_found("no default app"))?;
    let now = state.clock.now(&state.db).await?;
    sqlx::query(
        "INSERT INTO message_templates (app_id, template_set_code, text, kind, status, channels, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (app_id, template_set_code) DO UPDATE SET \
         text = excluded.text, kind = excluded.kind, status = excluded.status, channels = excluded.channels",
    )
    .bind(&app.app_id)
    .bind(&request.template_set_code)
    .bind(&request.text)
    .bind(&kind)
    .bind(&status)
    .bind(channels.join(","))
    .bind(now.micros())
    .execute(state.db.writer())
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(TemplateView {
            template_set_code: request.template_set_code,
            text: request.text,
            kind,
            status,
            channels,
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
    Path(user_key): Path<String>,
) -> Result<Json<Vec<ReceivedMessage>>, SimError> {
    let user_key = parse_user_key(&user_key)?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT user_key FROM users WHERE user_key = $1")
        .bind(user_key)
        .fetch_optional(state.db.reader())
        .await?;
    if exists.is_none() {
        return Err(SimError::not_found("no such user"));
    }
    let messages = sqlx::query(
        "SELECT content_id, channel, template_set_code, text, sent_at, app_id, is_test FROM messages \
         WHERE user_key = $1 AND fail_reason IS NULL ORDER BY sent_at DESC, seq DESC",
    )
    .bind(user_key)
    .fetch_all(state.db.reader())
    .await?
    .iter()
    .map(|row| ReceivedMessage {
        content_id: row.get(0),
        channel: row.get(1),
        template_set_code: row.get(2),
        text: row.get(3),
        sent_at: Instant(row.get(4)).rfc3339_micros(),
        app_id: row.get(5),
        test: flag(row.get(6)),
    })
    .collect();
    Ok(Json(messages))
}
