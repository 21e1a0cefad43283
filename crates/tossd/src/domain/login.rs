//! Toss login rules (REFERENCE.md §2.1, §3.4): lifetimes, scopes, terms, referrers, the personal-field
//! encryption of `login-me`, and the shapes of generated identifiers.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use crate::domain::secrets;

/// An authorization code is valid for 10 minutes after issue.
pub const CODE_LIFETIME_SECONDS: i64 = 600;
/// An access token is valid for 1 hour (`expiresIn`).
pub const ACCESS_TOKEN_LIFETIME_SECONDS: i64 = 3600;
/// A refresh token is valid for 14 days after the `generate-token` call that issued it.
pub const REFRESH_TOKEN_LIFETIME_SECONDS: i64 = 14 * 24 * 3600;

/// Every scope in the canonical order tossd lists them; `user_key` is part of every grant.
pub const SCOPES: [&str; 8] = [
    "user_key",
    "user_name",
    "user_phone",
    "user_birthday",
    "user_gender",
    "user_nationality",
    "user_ci",
    "user_email",
];

/// The `referrer` values `appLogin()` returns: the Toss app and the two spellings of the sandbox app.
pub const REFERRERS: [&str; 3] = ["DEFAULT", "SANDBOX", "sandbox"];

/// The canonical name of a requested scope: the console's `USER_NAME` or the token's `user_name`.
pub fn scope_name(requested: &str) -> Option<&'static str> {
    SCOPES
        .iter()
        .copied()
        .find(|s| *s == requested || s.to_ascii_uppercase() == requested)
}

/// The scopes a login grants: the requested ones (all of the app's when `None`) plus `user_key`, in
/// canonical order. Fails with the first scope that is unknown or not configured for the app.
pub fn grant_scopes<'a>(
    app_scopes: &str,
    requested: Option<&'a [String]>,
) -> Result<Vec<&'static str>, &'a str> {
    let configured: Vec<&str> = app_scopes.split_whitespace().collect();
    let mut wanted = vec!["user_key"];
    match requested {
        None => wanted.extend(configured.iter().filter_map(|s| scope_name(s))),
        Some(list) => {
            for item in list {
                match scope_name(item) {
                    Some("user_key") => {}
                    Some(scope) if configured.contains(&scope) => wanted.push(scope),
                    _ => return Err(item),
                }
            }
        }
    }
    Ok(SCOPES
        .iter()
        .copied()
        .filter(|s| wanted.contains(s))
        .collect())
}

/// The terms a login agrees to: the requested tags (all of the app's when `None`), in the app's order.
/// Fails with the first tag the app does not have.
pub fn grant_terms<'a>(
    app_terms: &str,
    requested: Option<&'a [String]>,
) -> Result<Vec<String>, &'a str> {
    let configured: Vec<&str> = app_terms.split_whitespace().collect();
    if let Some(list) = requested {
        if let Some(unknown) = list.iter().find(|t| !configured.contains(&t.as_str())) {
            return Err(unknown);
        }
    }
    Ok(configured
        .into_iter()
        .filter(|t| requested.is_none_or(|list| list.iter().any(|r| r == t)))
        .map(str::to_owned)
        .collect())
}

/// Why a user's link to an app ends inside Toss (the unlink callback's `referrer`, §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlinkReason {
    Unlink,
    WithdrawalTerms,
    WithdrawalToss,
}

impl UnlinkReason {
    pub fn parse(text: &str) -> Option<UnlinkReason> {
        match text {
            "UNLINK" => Some(UnlinkReason::Unlink),
            "WITHDRAWAL_TERMS" => Some(UnlinkReason::WithdrawalTerms),
            "WITHDRAWAL_TOSS" => Some(UnlinkReason::WithdrawalToss),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UnlinkReason::Unlink => "UNLINK",
            UnlinkReason::WithdrawalTerms => "WITHDRAWAL_TERMS",
            UnlinkReason::WithdrawalToss => "WITHDRAWAL_TOSS",
        }
    }
}

/// A new authorization code: 22 alnum.
pub fn new_code() -> String {
    secrets::random_alnum(22)
}

/// A new refresh token: 128 chars of `[A-Za-z0-9_-]` (96 random bytes, URL-safe base64).
pub fn new_refresh_token() -> String {
    URL_SAFE_NO_PAD.encode(secrets::random_bytes(96))
}

/// A new JWT `sub`: standard base64 of 23 random bytes (32 chars).
pub fn new_subject() -> String {
    STANDARD.encode(secrets::random_bytes(23))
}

/// A random UUID v4 (JWT `jti`).
pub fn new_uuid_v4() -> String {
    let mut b = secrets::random_bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Encrypts one personal field of `login-me`: AES-256-GCM with the app's key and AAD, a fresh 12-byte IV,
/// sent as standard base64 of IV ‖ ciphertext ‖ tag. `None` when the key is not 32 bytes.
pub fn encrypt_field(key: &[u8], aad: &str, plain: &str) -> Option<String> {
    let cipher = Aes256Gcm::new_from_slice(key).ok()?;
    let iv = secrets::random_bytes(12);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: plain.as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .ok()?;
    let mut out = iv;
    out.extend(sealed);
    Some(STANDARD.encode(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    const ALL: &str =
        "user_name user_phone user_birthday user_gender user_nationality user_ci user_email";

    #[test]
    fn grants_are_canonical_and_always_carry_user_key() {
        assert_eq!(grant_scopes(ALL, None).unwrap(), SCOPES.to_vec());
        let asked = strings(&["USER_EMAIL", "user_name", "user_name"]);
        assert_eq!(
            grant_scopes(ALL, Some(&asked)).unwrap(),
            vec!["user_key", "user_name", "user_email"]
        );
        assert_eq!(grant_scopes(ALL, Some(&[])).unwrap(), vec!["user_key"]);
        let bad = strings(&["profile"]);
        assert_eq!(grant_scopes(ALL, Some(&bad)), Err("profile"));
        let mixed_case = strings(&["User_Name"]);
        assert_eq!(grant_scopes(ALL, Some(&mixed_case)), Err("User_Name"));
        let not_configured = strings(&["user_ci"]);
        assert_eq!(
            grant_scopes("user_name", Some(&not_configured)),
            Err("user_ci")
        );
    }

    #[test]
    fn terms_follow_the_app() {
        let app = "tos_terms_1 privacy_policy";
        assert_eq!(
            grant_terms(app, None).unwrap(),
            strings(&["tos_terms_1", "privacy_policy"])
        );
        let asked = strings(&["privacy_policy"]);
        assert_eq!(
            grant_terms(app, Some(&asked)).unwrap(),
            strings(&["privacy_policy"])
        );
        let bad = strings(&["marketing"]);
        assert_eq!(grant_terms(app, Some(&bad)), Err("marketing"));
    }

    #[test]
    fn identifiers_have_the_documented_shapes() {
        assert_eq!(new_code().len(), 22);
        let refresh = new_refresh_token();
        assert_eq!(refresh.len(), 128);
        assert!(refresh
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
        assert_eq!(new_subject().len(), 32);
        let uuid = new_uuid_v4();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn fields_decrypt_with_the_key_and_aad_only() {
        let key = secrets::random_bytes(32);
        let wire = encrypt_field(&key, "TOSS", "홍길동").unwrap();
        let bytes = STANDARD.decode(&wire).unwrap();
        assert_eq!(bytes.len(), 12 + "홍길동".len() + 16);
        let cipher = Aes256Gcm::new_from_slice(&key).unwrap();
        let open = |aad: &str| {
            cipher.decrypt(
                Nonce::from_slice(&bytes[..12]),
                Payload {
                    msg: &bytes[12..],
                    aad: aad.as_bytes(),
                },
            )
        };
        assert_eq!(open("TOSS").unwrap(), "홍길동".as_bytes());
        assert!(open("OTHER").is_err());
        assert_ne!(encrypt_field(&key, "TOSS", "홍길동").unwrap(), wire);
        assert_eq!(encrypt_field(&key[..16], "TOSS", "x"), None);
    }

    #[test]
    fn unlink_reasons_round_trip() {
        for text in ["UNLINK", "WITHDRAWAL_TERMS", "WITHDRAWAL_TOSS"] {
            assert_eq!(UnlinkReason::parse(text).unwrap().as_str(), text);
        }
        assert_eq!(UnlinkReason::parse("unlink"), None);
    }
}
