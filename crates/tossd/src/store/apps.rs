//! Owner of `apps`, `app_certificates` and the apps' settings (callbacks, keys): partner mini-apps.

// --- used by pay ---

/// The default app's id, inside a transaction (seeding).
pub async fn default_app_id(tx: &mut crate::store::Tx) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT app_id FROM apps WHERE is_default = 1")
        .fetch_one(&mut **tx)
        .await
}
