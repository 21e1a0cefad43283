//! Owner of `apps`, `app_certificates` and the apps' settings (callbacks, keys): partner mini-apps.

// --- used by outbox ---

/// `app_id` if that app exists, or the default app's id for `None`.
pub async fn find_app_id(
    db: &crate::store::Db,
    app_id: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    match app_id {
        None => {
            sqlx::query_scalar("SELECT app_id FROM apps WHERE is_default = 1")
                .fetch_optional(db.reader())
                .await
        }
        Some(app_id) => {
            sqlx::query_scalar("SELECT app_id FROM apps WHERE app_id = $1")
                .bind(app_id)
                .fetch_optional(db.reader())
                .await
        }
    }
}
