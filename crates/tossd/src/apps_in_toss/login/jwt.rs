//! The access-token JWT (docs/reference.md §2.1.1): RS256 with one RSA-2048 key per database, shared by every
//! tossd process on it and published at `/.well-known/jwks.json` with `kid: "cert"`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::state::AppState;
use crate::store::{self, Db};
use crate::web::json_response;

/// The JOSE header, in the order of Toss's tokens (`eyJraWQiOiJjZXJ0IiwiYWxnIjoiUlMyNTYifQ`).
const HEADER: &str = r#"{"kid":"cert","alg":"RS256"}"#;

/// The claims of an access token, in the order Toss writes them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub aud: String,
    pub nbf: i64,
    pub scope: Vec<String>,
    pub iss: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
}

/// How many verified tokens a key remembers before it starts over.
const VERIFIED_TOKENS: usize = 4096;

/// The database's signing key, ready to use.
pub struct JwtKeys {
    signing: SigningKey<Sha256>,
    verifying: VerifyingKey<Sha256>,
    jwks: Value,
    /// Tokens whose signature this key already checked: an RSA verification costs more than the rest of
    /// a login-me read, and a token's signature stays valid under its key.
    verified: Mutex<HashMap<String, Claims>>,
}

impl JwtKeys {
    fn from_stored(stored: &str) -> anyhow::Result<JwtKeys> {
        let private = RsaPrivateKey::from_pkcs8_der(&STANDARD.decode(stored)?)?;
        let public = private.to_public_key();
        let jwks = json!({"keys": [{
            "kty": "RSA",
            "kid": "cert",
            "use": "sig",
            "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        }]});
        Ok(JwtKeys {
            signing: SigningKey::new(private),
            verifying: VerifyingKey::new(public),
            jwks,
            verified: Mutex::default(),
        })
    }

    /// The compact JWT of `claims`.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?)
        );
        let signature = self.signing.sign(signed.as_bytes());
        Ok(format!(
            "{signed}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }

    /// [`JwtKeys::verify`], remembering tokens that passed.
    pub fn verify_remembered(&self, token: &str) -> Option<Claims> {
        if let Some(claims) = self.verified.lock().ok()?.get(token) {
            return Some(claims.clone());
        }
        let claims = self.verify(token)?;
        if let Ok(mut verified) = self.verified.lock() {
            if verified.len() >= VERIFIED_TOKENS {
                verified.clear();
            }
            verified.insert(token.to_owned(), claims.clone());
        }
        Some(claims)
    }

    /// The claims of `token` if it is an RS256 JWT signed with this key; nothing else is checked here.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let mut parts = token.split('.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header_text = header;
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return None;
        }
        let signature =
            Signature::try_from(URL_SAFE_NO_PAD.decode(signature).ok()?.as_slice()).ok()?;
        let signed = &token.as_bytes()[..header_text.len() + 1 + payload.len()];
        self.verifying.verify(signed, &signature).ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

/// Parsed keys by their stored text: parsing an RSA key on every request would cost more than signing.
fn cache() -> &'static Mutex<HashMap<String, Arc<JwtKeys>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<JwtKeys>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The database's signing key, made on first use (key generation is slow and most databases, tests' above
/// all, never issue a token). It lives in the `instance` row, which reset keeps.
pub async fn keys(db: &Db) -> anyhow::Result<Arc<JwtKeys>> {
    let stored = match stored_key(db.reader()).await? {
        Some(stored) => stored,
        None => create(db).await?,
    };
    parsed(stored)
}

/// The keys for a read that may answer from the configuration cache (`crate::cache`), and the epoch they
/// belong to; the read checks it against its own statement's.
pub async fn keys_for_read(state: &AppState) -> anyhow::Result<(Arc<JwtKeys>, i64)> {
    if let Some(hit) = state.cache.jwt_private_key() {
        return Ok((parsed(hit.value)?, hit.epoch));
    }
    let (epoch, stored) = store::identity::jwt_private_key_at(&state.db).await?;
    state.cache.observe(epoch);
    match stored {
        Some(stored) => {
            state.cache.remember_jwt_private_key(epoch, &stored);
            Ok((parsed(stored)?, epoch))
        }
        // Creating the key changes the epoch; the caller's check against its own read sees that.
        None => Ok((keys(&state.db).await?, epoch)),
    }
}

fn parsed(stored: String) -> anyhow::Result<Arc<JwtKeys>> {
    if let Some(keys) = cache().lock().map_err(poisoned)?.get(&stored) {
        return Ok(keys.clone());
    }
    let keys = Arc::new(JwtKeys::from_stored(&stored)?);
    cache()
        .lock()
        .map_err(poisoned)?
        .insert(stored, keys.clone());
    Ok(keys)
}

fn poisoned<T>(_: T) -> anyhow::Error {
    anyhow::anyhow!("the JWT key cache is poisoned")
}

async fn stored_key(pool: &sqlx::AnyPool) -> Result<Option<String>, sqlx::Error> {
    store::identity::jwt_private_key(pool).await
}

async fn create(db: &Db) -> anyhow::Result<String> {
    // Only spares concurrent first requests of this process from each generating a key; across processes
    // the conditional update below decides which key is kept.
    static CREATING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _guard = CREATING.lock().await;
    if let Some(stored) = stored_key(db.writer()).await? {
        return Ok(stored);
    }
    let generated = tokio::task::spawn_blocking(|| -> anyhow::Result<String> {
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)?;
        Ok(STANDARD.encode(key.to_pkcs8_der()?.as_bytes()))
    })
    .await??;
    store::identity::set_jwt_private_key_once(db, &generated).await?;
    stored_key(db.writer())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the JWT key was not stored"))
}

/// The public key of the access tokens, as a JSON Web Key Set.
pub async fn jwks(State(state): State<AppState>) -> Response {
    match keys(&state.db).await {
        Ok(keys) => json_response(StatusCode::OK, &keys.jwks),
        Err(e) => {
            tracing::error!(error = %e, "JWT key unavailable");
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({"error": {"code": "INTERNAL", "message": "the signing key is unavailable"}}),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            sub: "m0uf2hZRjINsDA7K4unTxLor0qcRkbM=".into(),
            aud: "3ezt6e1th86oday9p9cuy84u4ovng6ss".into(),
            nbf: 1718254836,
            scope: vec!["user_key".into(), "user_name".into()],
            iss: "https://cert.toss.im".into(),
            exp: 1718254836 + 3600,
            iat: 1718254836,
            jti: "12db60f6-213a-45d7-9e92-80c30fcbd0d7".into(),
        }
    }

    #[test]
    fn tokens_verify_only_untouched_and_with_their_key() {
        let generate = || {
            let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
            let stored = STANDARD.encode(key.to_pkcs8_der().unwrap().as_bytes());
            JwtKeys::from_stored(&stored).unwrap()
        };
        let keys = generate();
        let token = keys.sign(&claims()).unwrap();
        assert!(token.starts_with("eyJraWQiOiJjZXJ0IiwiYWxnIjoiUlMyNTYifQ."));
        let back = keys.verify(&token).unwrap();
        assert_eq!(back.jti, claims().jti);
        assert_eq!(back.scope, claims().scope);

        let parts: Vec<&str> = token.split('.').collect();
        let mut forged = claims();
        forged.aud = "other".into();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert!(keys
            .verify(&format!("{}.{forged_payload}.{}", parts[0], parts[2]))
            .is_none());
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
        assert!(keys
            .verify(&format!("{none_header}.{}.{}", parts[1], parts[2]))
            .is_none());
        assert!(keys.verify(&format!("{token}.extra")).is_none());
        assert!(keys.verify("a.b").is_none());
        assert!(generate().verify(&token).is_none());

        let jwk = &keys.jwks["keys"][0];
        assert_eq!(jwk["kid"], "cert");
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["e"], "AQAB");
    }
}
