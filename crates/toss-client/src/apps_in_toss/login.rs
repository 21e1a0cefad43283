//! Toss login: exchanging the code `appLogin()` returned for tokens, refreshing them, reading the user's
//! profile ([`Login::me`], decrypted with [`Decryptor`]) and disconnecting the user.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::Method;
use toss_wire::apps_in_toss::login::{
    Gender, GenerateTokenRequest, LoginMe, Nationality, RefreshTokenRequest,
    RemoveByUserKeyRequest, RemovedUser, TokenResponse,
};
use toss_wire::apps_in_toss::PREFIX;
use toss_wire::Open;

use crate::call::{Call, Family, Retry};
use crate::Client;

/// Toss login's endpoints; [`Client::login`] returns it.
#[derive(Debug, Clone, Copy)]
pub struct Login<'c> {
    pub(crate) client: &'c Client,
}

impl<'c> Login<'c> {
    /// `POST /user/oauth2/generate-token`: exchanges the authorization code for an access token (one hour)
    /// and a refresh token (14 days). The code is single use, so the call is never retried; a spent,
    /// expired or unknown code is `ApiError::OAuth` with `invalid_grant` (HTTP 400).
    pub fn generate_token(&self, request: GenerateTokenRequest) -> Call<'c, TokenResponse> {
        super::post(
            self.client,
            Family::AppsInToss,
            "/user/oauth2/generate-token",
            &request,
        )
        .retry(Retry::Never)
    }

    /// `POST /user/oauth2/refresh-token`: a new access token from the refresh token (which stays the
    /// same). An expired or revoked refresh token is `invalid_grant` (HTTP 400).
    pub fn refresh_token(&self, request: RefreshTokenRequest) -> Call<'c, TokenResponse> {
        super::post(
            self.client,
            Family::AppsInToss,
            "/user/oauth2/refresh-token",
            &request,
        )
        .retry(Retry::Never)
    }

    /// `GET /user/oauth2/login-me` with the user's access token: the profile, its personal fields
    /// encrypted (decrypt them with [`Decryptor::login_me`]) and `null` outside the granted scopes. A bad,
    /// expired or revoked token is `invalid_grant` (HTTP 401). A read, retried when safe.
    pub fn me(&self, access_token: &str) -> Call<'c, LoginMe> {
        self.client
            .call(
                Family::AppsInToss,
                Method::GET,
                format!("{PREFIX}/user/oauth2/login-me"),
            )
            .bearer(access_token)
            .retry(Retry::Read)
    }

    /// `POST /user/oauth2/access/remove-by-user-key`: disconnects the user from the app, revoking every
    /// code and token (no unlink callback). An unknown userKey is `USER_KEY_NOT_FOUND`.
    pub fn remove_by_user_key(&self, user_key: i64) -> Call<'c, RemovedUser> {
        super::post(
            self.client,
            Family::AppsInToss,
            "/user/oauth2/access/remove-by-user-key",
            &RemoveByUserKeyRequest::new(user_key),
        )
        .retry(Retry::Never)
    }

    /// `POST /user/oauth2/access/remove-by-access-token`: disconnects the user who owns the access token.
    /// A second call with the same token is `invalid_grant` (HTTP 401), so it is never retried.
    pub fn remove_by_access_token(&self, access_token: &str) -> Call<'c, RemovedUser> {
        self.client
            .call(
                Family::AppsInToss,
                Method::POST,
                format!("{PREFIX}/user/oauth2/access/remove-by-access-token"),
            )
            .bearer(access_token)
            .retry(Retry::Never)
    }
}

/// Why a login-me field does not decrypt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecryptError {
    /// The decryption key is not base64 of 32 bytes.
    Key,
    /// The field is not base64 of IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes).
    Format,
    /// The tag does not verify: another key or AAD, or a damaged field.
    Authentication,
    /// The plaintext is not UTF-8.
    Utf8,
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecryptError::Key => "the decryption key is not base64 of 32 bytes",
            DecryptError::Format => "the field is not base64 of IV, ciphertext and tag",
            DecryptError::Authentication => "the field does not verify with this key and AAD",
            DecryptError::Utf8 => "the decrypted field is not UTF-8",
        })
    }
}

impl std::error::Error for DecryptError {}

/// Decrypts login-me's personal fields: AES-256-GCM with the app's key and AAD (both from the Apps-in-Toss
/// console; tossd shows them at `GET /sim/v1/apps/default`), each field base64 of a 12-byte IV, the
/// ciphertext and the 16-byte tag.
///
/// ```no_run
/// # async fn run(client: toss_client::Client, token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// use toss_client::apps_in_toss::login::Decryptor;
///
/// let decryptor = Decryptor::new("base64 of the 32-byte key", "TOSS")?;
/// let me = client.login().me(token).await?;
/// let profile = decryptor.login_me(&me)?;
/// println!("{:?}", profile.name);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Decryptor {
    cipher: Aes256Gcm,
    aad: String,
}

impl fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key stays out of logs.
        f.debug_struct("Decryptor")
            .field("aad", &self.aad)
            .finish_non_exhaustive()
    }
}

/// The length of the IV that starts each field.
const IV_BYTES: usize = 12;
/// The length of the tag that ends each field.
const TAG_BYTES: usize = 16;

impl Decryptor {
    /// A decryptor for the app's key (base64 of 32 bytes) and AAD.
    pub fn new(key_base64: &str, aad: impl Into<String>) -> Result<Decryptor, DecryptError> {
        let key = STANDARD
            .decode(key_base64.trim())
            .map_err(|_| DecryptError::Key)?;
        let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| DecryptError::Key)?;
        Ok(Decryptor {
            cipher,
            aad: aad.into(),
        })
    }

    /// One encrypted field's plaintext.
    pub fn decrypt(&self, field: &str) -> Result<String, DecryptError> {
        let raw = STANDARD.decode(field).map_err(|_| DecryptError::Format)?;
        if raw.len() < IV_BYTES + TAG_BYTES {
            return Err(DecryptError::Format);
        }
        let (iv, sealed) = raw.split_at(IV_BYTES);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(iv),
                Payload {
                    msg: sealed,
                    aad: self.aad.as_bytes(),
                },
            )
            .map_err(|_| DecryptError::Authentication)?;
        String::from_utf8(plain).map_err(|_| DecryptError::Utf8)
    }

    fn optional(&self, field: Option<&String>) -> Result<Option<String>, DecryptError> {
        field.map(|f| self.decrypt(f)).transpose()
    }

    /// The whole login-me answer with its personal fields decrypted.
    pub fn login_me(&self, me: &LoginMe) -> Result<Profile, DecryptError> {
        Ok(Profile {
            user_key: me.user_key,
            scope: me
                .scope
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            agreed_terms: me.agreed_terms.clone(),
            name: self.optional(me.name.as_ref())?,
            calling_code: self.optional(me.calling_code.as_ref())?,
            phone: self.optional(me.phone.as_ref())?,
            birthday: self.optional(me.birthday.as_ref())?,
            ci: self.optional(me.ci.as_ref())?,
            gender: self.optional(me.gender.as_ref())?.map(|g| open(&g)),
            nationality: self.optional(me.nationality.as_ref())?.map(|n| open(&n)),
            email: self.optional(me.email.as_ref())?,
        })
    }
}

/// A decrypted enum field: a known value, or the text as decrypted.
fn open<T: std::str::FromStr>(text: &str) -> Open<T> {
    text.parse().unwrap_or_else(|never| match never {})
}

/// A login-me answer in plaintext ([`Decryptor::login_me`]); a field is `None` when its scope was not
/// granted (or, for `email`, when the user has none).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Profile {
    /// The user's key in this app.
    pub user_key: i64,
    /// The granted scopes (`user_key`, `user_name`, …).
    pub scope: Vec<String>,
    /// Tags of the app's login terms the user agreed to.
    pub agreed_terms: Vec<String>,
    /// Name, e.g. `홍길동` (`user_name`).
    pub name: Option<String>,
    /// Country calling code without `+`, e.g. `82` (`user_phone`).
    pub calling_code: Option<String>,
    /// National number without the leading 0, e.g. `1012345678` (`user_phone`).
    pub phone: Option<String>,
    /// Birthday, `yyyyMMdd` (`user_birthday`).
    pub birthday: Option<String>,
    /// Connecting information (`user_ci`).
    pub ci: Option<String>,
    /// `MALE` or `FEMALE` (`user_gender`).
    pub gender: Option<Open<Gender>>,
    /// `LOCAL` or `FOREIGNER` (`user_nationality`).
    pub nationality: Option<Open<Nationality>>,
    /// Unverified e-mail address (`user_email`).
    pub email: Option<String>,
}

#[cfg(test)]
mod tests {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::{Aes256Gcm, Nonce};
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    use super::{DecryptError, Decryptor};

    fn seal(key: &[u8], aad: &str, plain: &str) -> String {
        let iv = [7u8; 12];
        let cipher = Aes256Gcm::new_from_slice(key).unwrap();
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: plain.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .unwrap();
        STANDARD.encode([iv.as_slice(), &sealed].concat())
    }

    #[test]
    fn fields_decrypt_only_with_the_key_and_aad() {
        let key = [3u8; 32];
        let field = seal(&key, "TOSS", "홍길동");
        let decryptor = Decryptor::new(&STANDARD.encode(key), "TOSS").unwrap();
        assert_eq!(decryptor.decrypt(&field).unwrap(), "홍길동");
        let other_aad = Decryptor::new(&STANDARD.encode(key), "OTHER").unwrap();
        assert_eq!(other_aad.decrypt(&field), Err(DecryptError::Authentication));
        assert_eq!(decryptor.decrypt("AAAA"), Err(DecryptError::Format));
        assert_eq!(decryptor.decrypt("not base64!"), Err(DecryptError::Format));
        assert!(matches!(
            Decryptor::new("c2hvcnQ=", "TOSS"),
            Err(DecryptError::Key)
        ));
    }
}
