//! Creating partner apps beyond the default one (`tossd apps create`, `POST /sim/v1/apps`).

use base64::Engine;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::login::PII_AAD;
use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::identity::tls::Authority;
use crate::store::apps::NewApp;
use crate::store::{self, Db};

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
    store::apps::insert_app(
        &mut tx,
        &NewApp {
            app_id: &app_id,
            name,
            client_id: &client_id,
            pii_key: &decryption_key,
            aad: PII_AAD,
            is_default: false,
            created_at: now,
        },
    )
    .await?;
    store::apps::insert_certificate(&mut tx, &app_id, &certificate.fingerprint, now).await?;
    // Like the default app, a new app can take Toss Pay payments at once (a private merchant key).
    store::pay::set_private_merchant_key(&mut tx, &app_id).await?;
    tx.commit().await?;
    Ok(IssuedApp {
        app_id,
        name: name.to_owned(),
        client_id,
        certificate_pem: certificate.certificate_pem,
        private_key_pem: certificate.private_key_pem,
        ca_certificate_pem: authority.certificate_pem().to_owned(),
        decryption_key,
        aad: PII_AAD.to_owned(),
    })
}
