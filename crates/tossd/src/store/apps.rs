//! Owner of `apps`, `app_certificates` and the apps' settings (callbacks, keys): partner mini-apps.

/// The default app's id, if it exists.
pub async fn default_app_id<'e, E>(executor: E) -> Result<Option<String>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT app_id FROM apps WHERE is_default = 1")
        .fetch_optional(executor)
        .await
}

/// `app_id` if that app exists, or the default app's id for `None`.
pub async fn find_app_id(
    db: &crate::store::Db,
    app_id: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    match app_id {
        None => default_app_id(db.reader()).await,
        Some(app_id) => {
            sqlx::query_scalar("SELECT app_id FROM apps WHERE app_id = $1")
                .bind(app_id)
                .fetch_optional(db.reader())
                .await
        }
    }
}
