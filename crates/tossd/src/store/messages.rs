//! Owner of the smart-message tables: templates and sent messages (one row per attempted delivery). The
//! user's push and marketing preferences are columns of `users` (store::users).

use sqlx::Row;

use crate::domain::messages::{self, Channel, FailReason, TemplateKind, TemplateStatus};
use crate::domain::time::Instant;
use crate::store::{decode_error, flag, try_get_parsed, Db, Tx};

/// A message template of an app.
#[derive(Debug, Clone)]
pub struct Template {
    pub template_set_code: String,
    /// With `{{variable}}` placeholders.
    pub text: String,
    pub kind: TemplateKind,
    pub status: TemplateStatus,
    /// In canonical order, each once.
    pub channels: Vec<Channel>,
}

pub async fn template(
    db: &Db,
    app_id: &str,
    template_set_code: &str,
) -> Result<Option<Template>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT template_set_code, text, kind, status, channels FROM message_templates \
         WHERE app_id = $1 AND template_set_code = $2",
    )
    .bind(app_id)
    .bind(template_set_code)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| {
        let channels: String = row.try_get("channels")?;
        Ok(Template {
            template_set_code: row.try_get("template_set_code")?,
            text: row.try_get("text")?,
            kind: try_get_parsed(&row, "kind")?,
            status: try_get_parsed(&row, "status")?,
            channels: messages::decode_channels(&channels).map_err(decode_error)?,
        })
    })
    .transpose()
}

/// Creates the template, or replaces the app's template with this code.
pub async fn put_template<'e, E>(
    executor: E,
    app_id: &str,
    template: &Template,
    now: Instant,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO message_templates (app_id, template_set_code, text, kind, status, channels, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (app_id, template_set_code) DO UPDATE SET \
         text = excluded.text, kind = excluded.kind, status = excluded.status, channels = excluded.channels",
    )
    .bind(app_id)
    .bind(&template.template_set_code)
    .bind(&template.text)
    .bind(template.kind.as_str())
    .bind(template.status.as_str())
    .bind(messages::encode_channels(&template.channels))
    .bind(now.micros())
    .execute(executor)
    .await?;
    Ok(())
}

/// One delivery attempt of a rendered message on one channel.
pub struct NewMessage<'a> {
    pub content_id: &'a str,
    pub app_id: &'a str,
    pub user_key: i64,
    pub channel: Channel,
    pub template_set_code: &'a str,
    pub text: &'a str,
    /// `None`: delivered (push log or inbox).
    pub fail_reason: Option<FailReason>,
    pub is_test: bool,
}

pub async fn insert_message(
    tx: &mut Tx,
    message: &NewMessage<'_>,
    now: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO messages (content_id, app_id, user_key, channel, template_set_code, text, fail_reason, \
         is_test, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(message.content_id)
    .bind(message.app_id)
    .bind(message.user_key)
    .bind(message.channel.as_str())
    .bind(message.template_set_code)
    .bind(message.text)
    .bind(message.fail_reason.map(FailReason::as_str))
    .bind(i64::from(message.is_test))
    .bind(now.micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A message that reached the user.
pub struct Received {
    pub content_id: String,
    pub channel: Channel,
    pub template_set_code: String,
    pub text: String,
    pub sent_at: Instant,
    pub app_id: String,
    /// Sent by `send-test-message`.
    pub is_test: bool,
}

/// What reached the user (push log and inbox), newest first.
pub async fn received(db: &Db, user_key: i64) -> Result<Vec<Received>, sqlx::Error> {
    sqlx::query(
        "SELECT content_id, channel, template_set_code, text, sent_at, app_id, is_test FROM messages \
         WHERE user_key = $1 AND fail_reason IS NULL ORDER BY sent_at DESC, seq DESC",
    )
    .bind(user_key)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(Received {
            content_id: row.try_get("content_id")?,
            channel: try_get_parsed(row, "channel")?,
            template_set_code: row.try_get("template_set_code")?,
            text: row.try_get("text")?,
            sent_at: Instant(row.try_get("sent_at")?),
            app_id: row.try_get("app_id")?,
            is_test: flag(row.try_get("is_test")?),
        })
    })
    .collect()
}

/// A sent message as the dashboard lists it.
pub struct MessageSummary {
    pub sent_at: Instant,
    pub user_key: i64,
    pub channel: String,
    pub template_set_code: String,
    pub text: String,
    pub fail_reason: Option<String>,
}

/// The newest messages, newest first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<MessageSummary>, sqlx::Error> {
    crate::store::listing(
        db,
        "SELECT sent_at, user_key, channel, template_set_code, text, fail_reason FROM messages \
         ORDER BY seq DESC LIMIT $1",
        limit,
        |row| {
            Ok(MessageSummary {
                sent_at: Instant(row.try_get(0)?),
                user_key: row.try_get(1)?,
                channel: row.try_get(2)?,
                template_set_code: row.try_get(3)?,
                text: row.try_get(4)?,
                fail_reason: row.try_get(5)?,
            })
        },
    )
    .await
}
