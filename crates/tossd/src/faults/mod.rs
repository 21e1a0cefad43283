//! Fault rules (docs/faults.md): what an operator asks the partner API or webhook deliveries to get wrong —
//! an error answer, added latency, a dropped connection or an empty 502 — and when. This module holds the
//! rules and their matching as plain functions; `registry` keeps each process's copy in step with the
//! database and `middleware` applies them to partner API requests.

pub mod middleware;
pub mod registry;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::time::Instant;

pub use registry::FaultRules;

/// The longest latency a rule may add: beyond it a client's own timeout is the better tool.
pub const MAX_LATENCY_MS: u64 = 300_000;

/// What a rule applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Partner API requests (`/api-partner/…`, `/v1/…`).
    #[default]
    Api,
    /// Webhook and unlink-callback deliveries.
    Webhook,
}

/// A top-level field of the JSON request body and the value it must equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyMatch {
    pub field: String,
    #[schema(value_type = Object)]
    pub equals: Value,
}

/// What a rule does when it fires, as the simulator accepts it (and stores it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    /// The endpoint's error envelope with this status, code and message (status and message default to
    /// the family's catalogue entry for the code).
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Waits this long, then answers (or delivers) as usual.
    Latency { ms: u64 },
    /// Closes the connection without an answer (a delivery: counts as failed, without sending).
    Drop,
    /// An empty 502.
    BadGateway,
}

/// A rule as the simulator accepts it, and as it is stored and listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleSpec {
    #[serde(default)]
    pub target: Target,
    /// A glob over the request path (`*` any run of characters, `?` one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The Apps-in-Toss app making the call (`default` names the default app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// The merchant whose secret key a Toss Payments call carries (`default` names the default merchant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyMatch>,
    /// Webhook rules: a glob over the destination URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Webhook rules: the event type delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    pub action: Action,
    /// The chance (0 to 1) that a matching request is faulted; 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Fires at most this many times in total, across processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// Active from this instant of the simulated clock (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Active until (before) this instant of the simulated clock (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// What a firing rule does, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Error {
        status: u16,
        code: String,
        message: String,
    },
    Latency(Duration),
    Drop,
    BadGateway,
}

/// A checked rule, ready to match.
#[derive(Debug)]
pub struct Rule {
    pub id: i64,
    pub target: Target,
    pub path: Option<String>,
    /// Upper case.
    pub method: Option<String>,
    pub app_id: Option<String>,
    pub m_id: Option<String>,
    pub body: Option<BodyMatch>,
    pub url: Option<String>,
    pub event_type: Option<String>,
    pub effect: Effect,
    pub probability: f64,
    /// Whether the rule has a count (the database decides whether one is left).
    pub limited: bool,
    pub from: Option<Instant>,
    pub until: Option<Instant>,
}

impl RuleSpec {
    /// Checks everything that does not need the database: the target's fields, the action, the limits.
    /// The error action's status and message must already be filled in (the simulator fills them from the
    /// family's catalogue).
    pub fn check(&self, id: i64) -> Result<Rule, String> {
        match self.target {
            Target::Api => {
                if self.url.is_some() || self.event_type.is_some() {
                    return Err(
                        "url and eventType apply to webhook rules (target \"webhook\")".into(),
                    );
                }
            }
            Target::Webhook => {
                if self.path.is_some()
                    || self.method.is_some()
                    || self.app_id.is_some()
                    || self.m_id.is_some()
                    || self.body.is_some()
                {
                    return Err(
                        "webhook rules match on url and eventType only (not path, method, appId, mId or body)"
                            .into(),
                    );
                }
                if !matches!(self.action, Action::Latency { .. } | Action::Drop) {
                    return Err("a webhook rule's action is latency or drop".into());
                }
            }
        }
        if let Some(path) = &self.path {
            if !path.starts_with('/') && !path.starts_with('*') {
                return Err("path must start with / (or a *)".into());
            }
        }
        let method = match &self.method {
            Some(m) if m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()) => {
                return Err("method must be an HTTP method such as POST".into())
            }
            Some(m) => Some(m.to_ascii_uppercase()),
            None => None,
        };
        if let Some(body) = &self.body {
            if body.field.is_empty() {
                return Err("body.field must name a field of the JSON body".into());
            }
        }
        let effect = match &self.action {
            Action::Error {
                status,
                code,
                message,
            } => {
                if code.is_empty() || code.len() > 100 {
                    return Err("action.code must be 1 to 100 characters".into());
                }
                let Some(status) = *status else {
                    return Err(format!(
                        "action.status is required: {code} is not a documented code of the family the rule's path, appId or mId names"
                    ));
                };
                if !(400..=599).contains(&status) {
                    return Err("action.status must be an error status (400 to 599)".into());
                }
                let Some(message) = message.clone() else {
                    return Err(format!(
                        "action.message is required: {code} is not a documented code of the family the rule's path, appId or mId names"
                    ));
                };
                Effect::Error {
                    status,
                    code: code.clone(),
                    message,
                }
            }
            Action::Latency { ms } => {
                if *ms > MAX_LATENCY_MS {
                    return Err(format!("action.ms must be at most {MAX_LATENCY_MS}"));
                }
                Effect::Latency(Duration::from_millis(*ms))
            }
            Action::Drop => Effect::Drop,
            Action::BadGateway => Effect::BadGateway,
        };
        let probability = self.probability.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&probability) {
            return Err("probability must be between 0 and 1".into());
        }
        if self.count.is_some_and(|c| c < 1) {
            return Err("count must be at least 1".into());
        }
        let instant = |name: &str, text: &Option<String>| match text {
            Some(text) => Instant::parse_rfc3339(text)
                .map(Some)
                .ok_or_else(|| format!("{name} must be an RFC 3339 instant")),
            None => Ok(None),
        };
        let from = instant("from", &self.from)?;
        let until = instant("until", &self.until)?;
        if let (Some(from), Some(until)) = (from, until) {
            if from >= until {
                return Err("from must be before until".into());
            }
        }
        Ok(Rule {
            id,
            target: self.target,
            path: self.path.clone(),
            method,
            app_id: self.app_id.clone(),
            m_id: self.m_id.clone(),
            body: self.body.clone(),
            url: self.url.clone(),
            event_type: self.event_type.clone(),
            effect,
            probability,
            limited: self.count.is_some(),
            from,
            until,
        })
    }
}

impl Rule {
    /// Whether a partner API request's method and path match (the cheap part of matching).
    pub fn matches_route(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| glob(p, path))
    }

    /// Whether a delivery to `url` of an event of `event_type` matches.
    pub fn matches_delivery(&self, url: &str, event_type: &str) -> bool {
        self.url.as_deref().is_none_or(|p| glob(p, url))
            && self.event_type.as_deref().is_none_or(|t| t == event_type)
    }

    /// Whether the rule needs the request body to decide.
    pub fn needs_body(&self) -> bool {
        self.body.is_some()
    }

    /// Whether the rule needs the time to decide.
    pub fn has_window(&self) -> bool {
        self.from.is_some() || self.until.is_some()
    }

    /// Whether `now` is inside the rule's window (`from` inclusive, `until` exclusive).
    pub fn active_at(&self, now: Instant) -> bool {
        self.from.is_none_or(|from| now >= from) && self.until.is_none_or(|until| now < until)
    }

    /// Whether a JSON body (`None`: not a JSON object) has the field with the value.
    pub fn body_matches(&self, body: Option<&Value>) -> bool {
        match &self.body {
            None => true,
            Some(m) => body
                .and_then(|b| b.get(&m.field))
                .is_some_and(|v| *v == m.equals),
        }
    }

    /// Decides by the rule's probability, given a uniform draw in [0, 1).
    pub fn chosen(&self, draw: f64) -> bool {
        draw < self.probability
    }
}

/// `*` matches any run of characters (including `/`), `?` exactly one; everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    // The last `*` seen and the text position it was tried at, to backtrack to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(value: Value) -> Result<Rule, String> {
        serde_json::from_value::<RuleSpec>(value)
            .map_err(|e| e.to_string())?
            .check(1)
    }

    #[test]
    fn globs() {
        assert!(glob(
            "/api-partner/v1/apps-in-toss/pay/*",
            "/api-partner/v1/apps-in-toss/pay/make-payment"
        ));
        assert!(!glob(
            "/api-partner/v1/apps-in-toss/pay/*",
            "/api-partner/v1/apps-in-toss/order/x"
        ));
        assert!(glob("*", ""));
        assert!(glob("/v1/*/cancel", "/v1/payments/abc/cancel"));
        assert!(!glob("/v1/*/cancel", "/v1/payments/abc/cancel/x"));
        assert!(glob("/v1/payments/?", "/v1/payments/a"));
        assert!(!glob("/v1/payments/?", "/v1/payments/ab"));
        assert!(glob("a*b*c", "aXXbYYbc"));
        assert!(!glob("exact", "exactly"));
        assert!(glob(
            "http://127.0.0.1:*/hook",
            "http://127.0.0.1:4000/hook"
        ));
    }

    #[test]
    fn route_matching_is_by_method_and_path() {
        let rule = spec(json!({"path": "/v1/payments/*", "method": "post",
            "action": {"type": "drop"}}))
        .unwrap();
        assert_eq!(rule.method.as_deref(), Some("POST"));
        assert!(rule.matches_route("POST", "/v1/payments/k/cancel"));
        assert!(!rule.matches_route("GET", "/v1/payments/k"));
        assert!(!rule.matches_route("POST", "/v1/brandpay/payments"));
        let any = spec(json!({"action": {"type": "bad-gateway"}})).unwrap();
        assert!(any.matches_route("DELETE", "/anything"));
    }

    #[test]
    fn body_and_window() {
        let rule = spec(json!({"body": {"field": "orderNo", "equals": "A-1"},
            "from": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z",
            "action": {"type": "latency", "ms": 5}}))
        .unwrap();
        assert!(rule.body_matches(Some(&json!({"orderNo": "A-1", "x": 1}))));
        assert!(!rule.body_matches(Some(&json!({"orderNo": "A-2"}))));
        assert!(!rule.body_matches(Some(&json!({"orderNo": 1}))));
        assert!(!rule.body_matches(None));
        let at = |t: &str| Instant::parse_rfc3339(t).unwrap();
        assert!(rule.active_at(at("2026-01-01T00:00:00Z")));
        assert!(rule.active_at(at("2026-01-01T23:59:59Z")));
        assert!(!rule.active_at(at("2026-01-02T00:00:00Z")));
        assert!(!rule.active_at(at("2025-12-31T23:59:59Z")));
        assert_eq!(rule.effect, Effect::Latency(Duration::from_millis(5)));
    }

    #[test]
    fn probability_decides_by_the_draw() {
        let rule = spec(json!({"probability": 0.25, "action": {"type": "drop"}})).unwrap();
        assert!(rule.chosen(0.0) && rule.chosen(0.2499));
        assert!(!rule.chosen(0.25) && !rule.chosen(0.99));
        let never = spec(json!({"probability": 0, "action": {"type": "drop"}})).unwrap();
        assert!(!never.chosen(0.0));
    }

    #[test]
    fn deliveries_match_by_url_and_event_type() {
        let rule = spec(
            json!({"target": "webhook", "url": "http://127.0.0.1:*/hook",
            "eventType": "PAYMENT_STATUS_CHANGED", "action": {"type": "drop"}}),
        )
        .unwrap();
        assert!(rule.matches_delivery("http://127.0.0.1:9/hook", "PAYMENT_STATUS_CHANGED"));
        assert!(!rule.matches_delivery("http://127.0.0.1:9/hook", "METHOD_UPDATED"));
        assert!(!rule.matches_delivery("http://example.com/hook", "PAYMENT_STATUS_CHANGED"));
    }

    #[test]
    fn bad_rules_are_refused() {
        let refused = |value: Value| spec(value).unwrap_err();
        assert!(
            refused(json!({"action": {"type": "error", "code": "X"}})).contains("action.status")
        );
        assert!(
            refused(json!({"action": {"type": "error", "status": 400, "code": "X"}}))
                .contains("action.message")
        );
        assert!(refused(
            json!({"action": {"type": "error", "status": 200, "code": "X",
            "message": "m"}})
        )
        .contains("400 to 599"));
        assert!(refused(json!({"action": {"type": "teapot"}})).contains("unknown variant"));
        assert!(
            refused(json!({"probability": 1.5, "action": {"type": "drop"}}))
                .contains("probability")
        );
        assert!(refused(json!({"count": 0, "action": {"type": "drop"}})).contains("count"));
        assert!(
            refused(json!({"from": "yesterday", "action": {"type": "drop"}})).contains("RFC 3339")
        );
        assert!(refused(
            json!({"from": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z",
            "action": {"type": "drop"}})
        )
        .contains("before"));
        assert!(refused(json!({"path": "v1/x", "action": {"type": "drop"}})).contains("path"));
        assert!(refused(json!({"method": "PO ST", "action": {"type": "drop"}})).contains("method"));
        assert!(refused(json!({"action": {"type": "latency", "ms": 300_001}})).contains("ms"));
        assert!(
            refused(json!({"target": "webhook", "path": "/x", "action": {"type": "drop"}}))
                .contains("webhook")
        );
        assert!(
            refused(json!({"target": "webhook", "action": {"type": "bad-gateway"}}))
                .contains("latency or drop")
        );
        assert!(
            refused(json!({"url": "http://x/*", "action": {"type": "drop"}})).contains("webhook")
        );
        assert!(
            refused(json!({"paht": "/x", "action": {"type": "drop"}})).contains("unknown field")
        );
    }
}
