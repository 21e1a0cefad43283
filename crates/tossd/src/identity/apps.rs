//! Creating partner apps beyond the default one (`tossd apps create`, `POST /sim/v1/apps`).

use base64::Engine;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::identity::tls::Authority;
use crate::store::Db;

/// A new app with everything its developers need: the mTLS client certificate and key, the CA that
/// issued them (to trust tossd's server certificate), and the login-me decryption key.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedApp {
    pub app_id: String,
    pub name: String,
    pub client_id: String,
    pub certificate_pem: String,
    pub private_key_pem: String,
    pub ca_certificate_pem: String,
    pub decryption_key: String,
    pub aad: String,
}

pub fn valid_name(name: &str) -> bool {
    !name.trim().is_empty() && name.chars().count() <= 50
}

pub async fn create_app(
    db: &Db,
    authority: &Authority,
    name: &str,
    now: Instant,
) -> anyhow::Result<IssuedApp> {
    let app_id = format!("ait_{}", secrets::random_alnum(16).to_lowercase());
    let client_id = secrets::random_alnum(32).to_lowercase();
    let decryption_key =
        base64::engine::general_purpose::STANDARD.encode(secrets::random_bytes(32));
    let certificate = authority.issue_client(&app_id, name)?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO apps (app_id, name, client_id, pii_key, aad, is_default, created_at) \
         VALUES ($1, $2, $3, $4, 'TOSS', 0, $5)",
    )
    .bind(&app_id)
    .bind(name)
    .bind(&client_id)
    .bind(&decryption_key)
    .bind(now.micros())
    .execute(&mut *tx)
    .await?;
    register_certificate(&mut tx, &app_id, &certificate.fingerprint, now).await?;
    // Like the default app, a new app can take Toss Pay payments at once (a private merchant key).
    crate::store::pay::set_private_merchant_key(&mut tx, &app_id).await?;
    tx.commit().await?;
    Ok(IssuedApp {
        app_id,
        name: name.to_owned(),
        client_id,
        certificate_pem: certificate.certificate_pem,
        private_key_pem: certificate.private_key_pem,
        ca_certificate_pem: authority.certificate_pem().to_owned(),
        decryption_key,
        aad: "TOSS".to_owned(),
    })
}

pub async fn register_certificate(
    tx: &mut crate::store::Tx,
    app_id: &str,
    fingerprint: &str,
    now: Instant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO app_certificates (fingerprint, app_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(fingerprint)
    .bind(app_id)
    .bind(now.micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
