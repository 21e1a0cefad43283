//! Smart messages (REFERENCE.md §2.5): template rendering and which channels a delivery reaches.

use serde_json::{Map, Value};

use crate::domain::secrets;

pub const REASON_PUSH_OPT_OUT: &str = "푸시 수신 거부 상태입니다.";
pub const REASON_NO_MARKETING_CONSENT: &str = "마케팅 정보 수신에 동의하지 않은 사용자입니다.";
pub const REASON_UNKNOWN_USER: &str = "존재하지 않는 사용자입니다.";

/// The channels a template can use; SMS, Alimtalk and Friendtalk are never sent by tossd.
pub const CHANNELS: &[&str] = &["PUSH", "INBOX"];
pub const KINDS: &[&str] = &["FUNCTIONAL", "MARKETING"];
pub const STATUSES: &[&str] = &["APPROVED", "IN_REVIEW"];

/// Why a template could not be rendered: both are `INVALID_PARAMETER` on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// A `{{name}}` with no value in the context.
    MissingVariable(String),
    /// A context value that is an object, an array or `null`.
    InvalidValue(String),
}

/// Replaces every `{{name}}` in `text` by `context[name]`. Strings are inserted as they are, numbers and
/// booleans as their JSON text. `userName` falls back to `user_name` when the context lacks it. Every
/// context value must be a string, number or boolean, used or not; extra keys are otherwise ignored.
/// A `{{` without a closing `}}` is plain text.
pub fn render(
    text: &str,
    context: &Map<String, Value>,
    user_name: Option<&str>,
) -> Result<String, RenderError> {
    for (name, value) in context {
        if !matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
            return Err(RenderError::InvalidValue(name.clone()));
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            break;
        };
        let name = &after[..close];
        out.push_str(&rest[..open]);
        match context.get(name) {
            Some(Value::String(s)) => out.push_str(s),
            Some(other) => out.push_str(&other.to_string()),
            None => match (name, user_name) {
                ("userName", Some(user_name)) => out.push_str(user_name),
                _ => return Err(RenderError::MissingVariable(name.to_owned())),
            },
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// What the recipient allows.
#[derive(Debug, Clone, Copy)]
pub struct Recipient {
    /// Known to the app and still a Toss user.
    pub exists: bool,
    pub push_enabled: bool,
    pub marketing_consent: bool,
}

/// The failure reason of one channel, or `None` when it is delivered. When several apply, the most
/// fundamental wins: unknown user, then missing marketing consent, then push opt-out.
pub fn channel_failure(
    channel: &str,
    marketing: bool,
    recipient: Recipient,
) -> Option<&'static str> {
    if !recipient.exists {
        Some(REASON_UNKNOWN_USER)
    } else if marketing && !recipient.marketing_consent {
        Some(REASON_NO_MARKETING_CONSENT)
    } else if channel == "PUSH" && !recipient.push_enabled {
        Some(REASON_PUSH_OPT_OUT)
    } else {
        None
    }
}

/// A fresh `contentId`: `MSG_` + 16 characters of `[A-Z0-9]`.
pub fn content_id() -> String {
    format!("MSG_{}", secrets::random_alnum(16).to_ascii_uppercase())
}

/// A `deploymentId` in UUID form (8-4-4-4-12 hex digits).
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A template code set by the simulator: 1–100 characters of `[A-Za-z0-9_-]`.
pub fn template_code_is_valid(code: &str) -> bool {
    (1..=100).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    const OTP: &str = "[{{userName}}님] 인증번호는 {{otp}}예요. 타인에게 알려주지 마세요.";

    #[test]
    fn renders_variables() {
        assert_eq!(
            render(
                OTP,
                &ctx(json!({"userName": "홍길동", "otp": "123456"})),
                None
            )
            .unwrap(),
            "[홍길동님] 인증번호는 123456예요. 타인에게 알려주지 마세요."
        );
        assert_eq!(
            render(
                "{{n}}/{{b}}",
                &ctx(json!({"n": 12, "b": true, "extra": "x"})),
                None
            )
            .unwrap(),
            "12/true"
        );
        assert_eq!(
            render("no vars {{ open", &ctx(json!({})), None).unwrap(),
            "no vars {{ open"
        );
    }

    #[test]
    fn user_name_falls_back_to_the_profile() {
        assert_eq!(
            render(OTP, &ctx(json!({"otp": 1})), Some("김철수")).unwrap(),
            "[김철수님] 인증번호는 1예요. 타인에게 알려주지 마세요."
        );
        assert_eq!(
            render("{{userName}}", &ctx(json!({"userName": "A"})), Some("B")).unwrap(),
            "A"
        );
    }

    #[test]
    fn missing_and_invalid_values_are_errors() {
        assert_eq!(
            render(OTP, &ctx(json!({"userName": "x"})), None),
            Err(RenderError::MissingVariable("otp".into()))
        );
        assert_eq!(
            render(OTP, &ctx(json!({"otp": "1"})), None),
            Err(RenderError::MissingVariable("userName".into()))
        );
        for bad in [json!(null), json!([1]), json!({"a": 1})] {
            assert_eq!(
                render("x", &ctx(json!({"v": bad})), None),
                Err(RenderError::InvalidValue("v".into()))
            );
        }
    }

    #[test]
    fn failure_reasons_take_the_most_fundamental_cause() {
        let everyone = Recipient {
            exists: true,
            push_enabled: true,
            marketing_consent: true,
        };
        assert_eq!(channel_failure("PUSH", true, everyone), None);
        let opted_out = Recipient {
            push_enabled: false,
            ..everyone
        };
        assert_eq!(
            channel_failure("PUSH", false, opted_out),
            Some(REASON_PUSH_OPT_OUT)
        );
        assert_eq!(channel_failure("INBOX", false, opted_out), None);
        let no_consent = Recipient {
            marketing_consent: false,
            ..opted_out
        };
        assert_eq!(
            channel_failure("PUSH", true, no_consent),
            Some(REASON_NO_MARKETING_CONSENT)
        );
        assert_eq!(channel_failure("INBOX", false, no_consent), None);
        let unknown = Recipient {
            exists: false,
            ..everyone
        };
        assert_eq!(
            channel_failure("INBOX", true, unknown),
            Some(REASON_UNKNOWN_USER)
        );
    }

    #[test]
    fn ids_and_formats() {
        let id = content_id();
        assert_eq!(id.len(), 20);
        assert!(id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert!(is_uuid("019abfe8-fd68-7021-9cdc-30d6053cc009"));
        assert!(!is_uuid("019abfe8fd6870219cdc30d6053cc009"));
        assert!(!is_uuid("019abfe8-fd68-7021-9cdc-30d6053cc00g"));
    }
}
