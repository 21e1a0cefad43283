//! Toss login rules (docs/reference.md §2.1, §3.4): lifetimes and the guards of codes and tokens, scopes, terms,
//! referrers, the user's profile values, the personal-field encryption of `login-me`, and the shapes of
//! generated identifiers.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::domain::wire::wire_enum;

pub use toss_wire::apps_in_toss::login::{Gender, Nationality};

/// An authorization code is valid for 10 minutes after issue.
pub const CODE_LIFETIME_SECONDS: i64 = 600;
/// An access token is valid for 1 hour (`expiresIn`).
pub const ACCESS_TOKEN_LIFETIME_SECONDS: i64 = 3600;
/// A refresh token is valid for 14 days after the `generate-token` call that issued it.
pub const REFRESH_TOKEN_LIFETIME_SECONDS: i64 = 14 * 24 * 3600;

/// The additional authenticated data of login-me's encryption that tossd gives every app.
pub const PII_AAD: &str = "TOSS";

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

wire_enum! {
    /// The `referrer` `appLogin()` returns with a code: the Toss app or one of the two spellings of the
    /// sandbox app. The exchange must present it unchanged.
    pub enum Referrer {
        Default = "DEFAULT",
        Sandbox = "SANDBOX",
        /// The sandbox app of older SDKs spells it in lower case.
        SandboxLowercase = "sandbox",
    }
}

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
                    Some(_) | None => return Err(item),
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

wire_enum! {
    /// Why a user's link to an app ends inside Toss (the unlink callback's `referrer`, §4.2).
    pub enum UnlinkReason {
        Unlink = "UNLINK",
        WithdrawalTerms = "WITHDRAWAL_TERMS",
        WithdrawalToss = "WITHDRAWAL_TOSS",
    }
}

/// The credentials of Toss login, each with its own lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    AuthorizationCode,
    AccessToken,
    RefreshToken,
}

impl Credential {
    pub fn lifetime_seconds(self) -> i64 {
        match self {
            Credential::AuthorizationCode => CODE_LIFETIME_SECONDS,
            Credential::AccessToken => ACCESS_TOKEN_LIFETIME_SECONDS,
            Credential::RefreshToken => REFRESH_TOKEN_LIFETIME_SECONDS,
        }
    }
}

/// Why a credential is refused. The partner sees `invalid_grant` for each; the reason is for the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Expired,
    Revoked,
    /// An authorization code already exchanged.
    Used,
    /// A code issued to another app.
    OtherApp,
    /// A code presented without the referrer it was returned with.
    OtherReferrer,
}

/// A token (access or refresh) counts while it is unrevoked and within its lifetime (docs/reference.md §1.9
/// "Expiry boundary": valid while `now < issued + lifetime`).
pub fn check_live(
    credential: Credential,
    issued_at: Instant,
    revoked: bool,
    now: Instant,
) -> Result<(), Refusal> {
    if revoked {
        Err(Refusal::Revoked)
    } else if Instant::is_expired(issued_at, credential.lifetime_seconds(), now) {
        Err(Refusal::Expired)
    } else {
        Ok(())
    }
}

/// What became of an authorization code: it is spent by one exchange or revoked by an unlink, never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeState {
    Unused,
    Used,
    Revoked,
}

/// An authorization code as issued by a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub app_id: String,
    pub user_key: i64,
    /// Granted scopes, space-separated
    pub scopes: String,
    /// Agreed term tags, space-separated
    pub agreed_terms: String,
    pub referrer: Referrer,
    pub issued_at: Instant,
    pub state: CodeState,
}

/// Whether `app_id` may exchange `code` presenting `referrer` at `now`: the code is the app's, presented with
/// its referrer, unused, unrevoked and younger than 10 minutes. Of concurrent exchanges that all pass, the
/// store's conditional update lets exactly one spend the code.
pub fn check_exchange(
    code: &Code,
    app_id: &str,
    referrer: &str,
    now: Instant,
) -> Result<(), Refusal> {
    if code.app_id != app_id {
        return Err(Refusal::OtherApp);
    }
    if code.referrer.as_str() != referrer {
        return Err(Refusal::OtherReferrer);
    }
    match code.state {
        CodeState::Used => Err(Refusal::Used),
        CodeState::Revoked => Err(Refusal::Revoked),
        CodeState::Unused => check_live(Credential::AuthorizationCode, code.issued_at, false, now),
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
    use proptest::prelude::*;

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

    fn code(state: CodeState) -> Code {
        Code {
            app_id: "ait_a".into(),
            user_key: 1,
            scopes: "user_key".into(),
            agreed_terms: String::new(),
            referrer: Referrer::Sandbox,
            issued_at: Instant(1_000_000_000),
            state,
        }
    }

    #[test]
    fn codes_are_exchanged_by_their_app_with_their_referrer_within_ten_minutes() {
        let unused = code(CodeState::Unused);
        let issued = unused.issued_at;
        let last_moment = issued.plus_seconds(CODE_LIFETIME_SECONDS - 1);
        assert_eq!(check_exchange(&unused, "ait_a", "SANDBOX", issued), Ok(()));
        assert_eq!(
            check_exchange(&unused, "ait_a", "SANDBOX", last_moment),
            Ok(())
        );
        assert_eq!(
            check_exchange(
                &unused,
                "ait_a",
                "SANDBOX",
                issued.plus_seconds(CODE_LIFETIME_SECONDS)
            ),
            Err(Refusal::Expired)
        );
        assert_eq!(
            check_exchange(&unused, "ait_b", "SANDBOX", issued),
            Err(Refusal::OtherApp)
        );
        assert_eq!(
            check_exchange(&unused, "ait_a", "sandbox", issued),
            Err(Refusal::OtherReferrer)
        );
        assert_eq!(
            check_exchange(&code(CodeState::Used), "ait_a", "SANDBOX", issued),
            Err(Refusal::Used)
        );
        assert_eq!(
            check_exchange(&code(CodeState::Revoked), "ait_a", "SANDBOX", issued),
            Err(Refusal::Revoked)
        );
    }

    #[test]
    fn tokens_live_until_their_lifetime_ends_unless_revoked() {
        let issued = Instant(5_000_000);
        let hour = issued.plus_seconds(ACCESS_TOKEN_LIFETIME_SECONDS);
        assert_eq!(
            check_live(Credential::AccessToken, issued, false, issued),
            Ok(())
        );
        assert_eq!(
            check_live(
                Credential::AccessToken,
                issued,
                false,
                Instant(hour.micros() - 1)
            ),
            Ok(())
        );
        assert_eq!(
            check_live(Credential::AccessToken, issued, false, hour),
            Err(Refusal::Expired)
        );
        assert_eq!(
            check_live(Credential::RefreshToken, issued, false, hour),
            Ok(())
        );
        assert_eq!(
            check_live(
                Credential::RefreshToken,
                issued,
                false,
                issued.plus_seconds(REFRESH_TOKEN_LIFETIME_SECONDS)
            ),
            Err(Refusal::Expired)
        );
        assert_eq!(
            check_live(Credential::RefreshToken, issued, true, issued),
            Err(Refusal::Revoked)
        );
    }

    proptest! {
        #[test]
        fn a_credential_lives_exactly_while_unrevoked_and_young(
            issued in 0i64..=1_000_000_000_000_000,
            elapsed in -10_000_000i64..=2_000_000_000_000,
            revoked in any::<bool>(),
            credential in prop_oneof![
                Just(Credential::AuthorizationCode),
                Just(Credential::AccessToken),
                Just(Credential::RefreshToken),
            ],
        ) {
            let issued = Instant(issued);
            let now = Instant(issued.micros() + elapsed);
            let young = elapsed < credential.lifetime_seconds() * 1_000_000;
            let outcome = check_live(credential, issued, revoked, now);
            prop_assert_eq!(outcome.is_ok(), !revoked && young);
            if revoked {
                prop_assert_eq!(outcome, Err(Refusal::Revoked));
            }
        }

        #[test]
        fn only_an_unused_code_of_the_caller_with_its_referrer_is_exchanged(
            state in prop_oneof![
                Just(CodeState::Unused),
                Just(CodeState::Used),
                Just(CodeState::Revoked),
            ],
            caller in prop_oneof![Just("ait_a"), Just("ait_b")],
            presented in prop_oneof![Just("DEFAULT"), Just("SANDBOX"), Just("sandbox"), Just("")],
            elapsed in 0i64..=2 * CODE_LIFETIME_SECONDS * 1_000_000,
        ) {
            let issued = code(state);
            let now = Instant(issued.issued_at.micros() + elapsed);
            let allowed = state == CodeState::Unused
                && caller == "ait_a"
                && presented == "SANDBOX"
                && elapsed < CODE_LIFETIME_SECONDS * 1_000_000;
            prop_assert_eq!(check_exchange(&issued, caller, presented, now).is_ok(), allowed);
        }
    }

    #[test]
    fn profile_values_and_referrers_round_trip() {
        for text in ["DEFAULT", "SANDBOX", "sandbox"] {
            assert_eq!(text.parse::<Referrer>().unwrap().as_str(), text);
        }
        assert!("Sandbox".parse::<Referrer>().is_err());
        for text in ["MALE", "FEMALE"] {
            assert_eq!(text.parse::<Gender>().unwrap().as_str(), text);
        }
        assert!("male".parse::<Gender>().is_err());
        for text in ["LOCAL", "FOREIGNER"] {
            assert_eq!(text.parse::<Nationality>().unwrap().as_str(), text);
        }
        assert!("KR".parse::<Nationality>().is_err());
    }

    #[test]
    fn unlink_reasons_round_trip() {
        for text in ["UNLINK", "WITHDRAWAL_TERMS", "WITHDRAWAL_TOSS"] {
            assert_eq!(text.parse::<UnlinkReason>().unwrap().as_str(), text);
        }
        assert!("unlink".parse::<UnlinkReason>().is_err());
    }
}
