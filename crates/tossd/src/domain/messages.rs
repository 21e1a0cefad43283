//! Smart messages (docs/reference.md §2.5): template kinds, statuses and channels, template rendering and
//! which channels a delivery reaches.

use serde_json::{Map, Value};

use crate::domain::secrets;
use crate::domain::wire::{wire_enum, UnknownValue};

pub use toss_wire::apps_in_toss::messenger::FailReason;

wire_enum! {
    /// A channel a template can use; SMS, Alimtalk and Friendtalk are never sent by tossd. Declared in the
    /// order a template's channels are stored and sent.
    pub enum Channel {
        Push = "PUSH",
        Inbox = "INBOX",
    }
}

/// The channels of a template in canonical order, each once.
pub fn canonical_channels(requested: &[Channel]) -> Vec<Channel> {
    Channel::ALL
        .iter()
        .copied()
        .filter(|c| requested.contains(c))
        .collect()
}

/// The stored form of a template's channels: comma-separated words.
pub fn encode_channels(channels: &[Channel]) -> String {
    channels
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads [`encode_channels`]'s text.
pub fn decode_channels(text: &str) -> Result<Vec<Channel>, UnknownValue> {
    text.split(',')
        .filter(|c| !c.is_empty())
        .map(str::parse)
        .collect()
}

wire_enum! {
    /// What a template is for: marketing messages need the user's marketing consent.
    pub enum TemplateKind {
        Functional = "FUNCTIONAL",
        Marketing = "MARKETING",
    }
}

wire_enum! {
    /// The review status of a template; only approved templates are sent.
    pub enum TemplateStatus {
        Approved = "APPROVED",
        InReview = "IN_REVIEW",
    }
}

impl TemplateStatus {
    /// Whether messages may be sent with a template in this status.
    pub fn is_sendable(self) -> bool {
        match self {
            TemplateStatus::Approved => true,
            TemplateStatus::InReview => false,
        }
    }
}

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
            None => {
                let profile_name = user_name.filter(|_| name == "userName");
                out.push_str(
                    profile_name.ok_or_else(|| RenderError::MissingVariable(name.to_owned()))?,
                );
            }
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The `{{name}}` placeholders of `text`, in order of first appearance (what [`render`] fills).
pub fn variables(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            break;
        };
        if !names.contains(&&after[..close]) {
            names.push(&after[..close]);
        }
        rest = &after[close + 2..];
    }
    names
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
    channel: Channel,
    kind: TemplateKind,
    recipient: Recipient,
) -> Option<FailReason> {
    if !recipient.exists {
        return Some(FailReason::UnknownUser);
    }
    let consent_needed = match kind {
        TemplateKind::Marketing => true,
        TemplateKind::Functional => false,
    };
    if consent_needed && !recipient.marketing_consent {
        return Some(FailReason::NoMarketingConsent);
    }
    match channel {
        Channel::Push if !recipient.push_enabled => Some(FailReason::PushOptOut),
        Channel::Push | Channel::Inbox => None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::wire::assert_round_trips;
    use serde_json::json;

    fn ctx(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn variables_are_the_placeholders_in_order() {
        assert_eq!(variables(OTP), ["userName", "otp"]);
        assert_eq!(variables("{{a}}{{b}}{{a}} {{ open"), ["a", "b"]);
        assert!(variables("none").is_empty());
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
        assert_eq!(
            channel_failure(Channel::Push, TemplateKind::Marketing, everyone),
            None
        );
        let opted_out = Recipient {
            push_enabled: false,
            ..everyone
        };
        assert_eq!(
            channel_failure(Channel::Push, TemplateKind::Functional, opted_out),
            Some(FailReason::PushOptOut)
        );
        assert_eq!(
            channel_failure(Channel::Inbox, TemplateKind::Functional, opted_out),
            None
        );
        let no_consent = Recipient {
            marketing_consent: false,
            ..opted_out
        };
        assert_eq!(
            channel_failure(Channel::Push, TemplateKind::Marketing, no_consent),
            Some(FailReason::NoMarketingConsent)
        );
        assert_eq!(
            channel_failure(Channel::Inbox, TemplateKind::Functional, no_consent),
            None
        );
        let unknown = Recipient {
            exists: false,
            ..everyone
        };
        assert_eq!(
            channel_failure(Channel::Inbox, TemplateKind::Marketing, unknown),
            Some(FailReason::UnknownUser)
        );
    }

    #[test]
    fn wire_words_round_trip() {
        assert_round_trips(Channel::ALL);
        assert_round_trips(TemplateKind::ALL);
        assert_round_trips(TemplateStatus::ALL);
        assert_round_trips(FailReason::ALL);
        assert!("SMS".parse::<Channel>().is_err());
        assert!("approved".parse::<TemplateStatus>().is_err());
    }

    #[test]
    fn channels_are_stored_in_canonical_order() {
        let both = canonical_channels(&[Channel::Inbox, Channel::Push, Channel::Inbox]);
        assert_eq!(both, vec![Channel::Push, Channel::Inbox]);
        assert_eq!(encode_channels(&both), "PUSH,INBOX");
        assert_eq!(decode_channels("PUSH,INBOX"), Ok(both));
        assert_eq!(decode_channels("INBOX"), Ok(vec![Channel::Inbox]));
        assert_eq!(decode_channels(""), Ok(vec![]));
        assert!(decode_channels("PUSH,SMS").is_err());
    }

    #[test]
    fn only_approved_templates_are_sent() {
        assert!(TemplateStatus::Approved.is_sendable());
        assert!(!TemplateStatus::InReview.is_sendable());
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
