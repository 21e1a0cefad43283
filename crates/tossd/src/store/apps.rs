//! Owner of `apps`, `app_certificates` and the apps' settings (callbacks, keys): partner mini-apps.

// --- used by promos ---

/// The default app's id, if it exists.
pub async fn default_app_id<'e, E>(executor: E) -> Result<Option<String>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT app_id FROM apps WHERE is_default = 1")
        .fetch_optional(executor)
        .await
}
