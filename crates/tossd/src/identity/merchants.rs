//! Creating Toss Payments merchants beyond the default one (`tossd merchants create`,
//! `POST /sim/v1/merchants`).

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::store::{merchants, Db};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedMerchant {
    pub m_id: String,
    pub name: String,
    pub client_key: String,
    pub secret_key: String,
}

pub async fn create_merchant(db: &Db, name: &str, now: Instant) -> anyhow::Result<IssuedMerchant> {
    // mId is at most 14 characters (docs/reference.md §1.10).
    let m_id = format!("mid_{}", secrets::random_alnum(10).to_lowercase());
    let client_key = format!("test_ck_{}", secrets::random_alnum(28));
    let secret_key = format!("test_sk_{}", secrets::random_alnum(28));
    let mut tx = db.begin().await?;
    let merchant_id = merchants::insert(&mut tx, &m_id, name, false, now).await?;
    merchants::insert_keys(&mut tx, merchant_id, &client_key, &secret_key).await?;
    tx.commit().await?;
    Ok(IssuedMerchant {
        m_id,
        name: name.to_owned(),
        client_key,
        secret_key,
    })
}
