//! Redaction: what the request journal never stores (docs/journal.md). Credentials in headers, queries
//! and bodies are replaced by [`REDACTED`] before an entry is written; ids (paymentKey, userKey, …) stay.

/// What a redacted value reads as.
pub const REDACTED: &str = "[REDACTED]";

/// Headers whose values are credentials. `Authorization` keeps its scheme (`Basic [REDACTED]`), so a
/// reader still sees which kind of credential was sent.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-toss-secret-key",
];

/// Body and query fields whose values are secrets, compared without case, `_` or `-`.
const SECRET_FIELDS: &[&str] = &[
    "secretkey",
    "clientkey",
    "apikey",
    "accesstoken",
    "refreshtoken",
    "customertoken",
    "authorizationcode",
    "password",
    "cardpassword",
    "cardnumber",
    "cardno",
    "cvc",
    "cvv",
    "pin",
];

/// Personal data the Toss login answers (encrypted on the wire, docs/reference.md §2): redacted in the
/// bodies of `login-me` calls.
const PERSONAL_FIELDS: &[&str] = &[
    "name",
    "callingcode",
    "phone",
    "birthday",
    "ci",
    "di",
    "gender",
    "nationality",
    "email",
];

/// Where a text comes from: a request's `code` is an authorization code, a response's is an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Request,
    Response,
}

/// The longest field name the lists above hold; a longer name is none of them.
const LONGEST_FIELD: usize = 24;

/// Whether the value of a field `name` is redacted, for a body of `path` on `side`. Every key of every
/// journaled body comes here, so the name is normalized (lower case, no `_` or `-`) on the stack.
pub fn secret_field(name: &str, path: &str, side: Side) -> bool {
    let mut buffer = [0u8; LONGEST_FIELD];
    let mut len = 0;
    for b in name.bytes().filter(|b| *b != b'_' && *b != b'-') {
        if len == LONGEST_FIELD {
            return false;
        }
        buffer[len] = b.to_ascii_lowercase();
        len += 1;
    }
    let name = &buffer[..len];
    let listed = |list: &[&str]| list.iter().any(|field| field.as_bytes() == name);
    listed(SECRET_FIELDS)
        || (side == Side::Request && name == b"code")
        || (path.ends_with("/login-me") && listed(PERSONAL_FIELDS))
}

/// A header's value as stored.
pub fn header(name: &str, value: &str) -> String {
    if !SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return value.to_owned();
    }
    match value.split_once(' ') {
        Some((scheme, _)) if name.eq_ignore_ascii_case("authorization") => {
            format!("{scheme} {REDACTED}")
        }
        _ => REDACTED.to_owned(),
    }
}

/// A query string or form body (`a=1&b=2`) with secret fields' values redacted.
pub fn form(text: &str, path: &str, side: Side) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(text.as_bytes()) {
        if secret_field(&name, path, side) {
            out.append_pair(&name, REDACTED);
        } else {
            out.append_pair(&name, &value);
        }
    }
    out.finish()
}

/// A body as stored: JSON (also a truncated prefix of it, which cannot be parsed) with the values of
/// secret fields replaced, a form body through [`form`], anything else as it came.
pub fn body(text: &str, form_encoded: bool, path: &str, side: Side) -> String {
    if form_encoded {
        form(text, path, side)
    } else {
        json_text(text, path, side)
    }
}

/// Scans JSON text token by token, without parsing it whole: a string followed by `:` is a key, and the
/// scalar value after a secret key is replaced. Works on a truncated document (a value cut off at the
/// end is replaced too) and keeps the text's layout otherwise.
pub fn json_text(text: &str, path: &str, side: Side) -> String {
    scan_json(text, path, side, &mut |_, _, _| {})
}

/// [`json_text`], also handing every string or number that is a field's value to `value(key, depth,
/// token)` before redaction (`depth` 1 is the top-level object; `token` is the JSON token, a string with
/// its quotes), so the journal names the objects a body mentions in the same pass.
pub fn scan_json(
    text: &str,
    path: &str,
    side: Side,
    value: &mut dyn FnMut(&str, usize, &str),
) -> String {
    // Structural characters are ASCII, so the scan steps through bytes and copies the text between
    // replacements in whole spans; every slice starts and ends at an ASCII byte.
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    let mut secret_value = false;
    let mut depth = 0usize;
    let mut key: Option<&str> = None;
    let redact = |out: &mut String, from: usize, to: usize, copied: &mut usize| {
        out.push_str(&text[*copied..from]);
        out.push('"');
        out.push_str(REDACTED);
        out.push('"');
        *copied = to;
    };
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = i + string_end(&text[i..]);
                let token = &text[i..end];
                if text[end..].trim_start().starts_with(':') {
                    let name = token.trim_start_matches('"').trim_end_matches('"');
                    secret_value = secret_field(name, path, side);
                    key = Some(name);
                } else {
                    if let Some(key) = key.take() {
                        value(key, depth, token);
                    }
                    if secret_value {
                        redact(&mut out, i, end, &mut copied);
                        secret_value = false;
                    }
                }
                i = end;
            }
            c @ (b'-' | b'0'..=b'9' | b't' | b'f') => {
                let end = text[i..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.')))
                    .map_or(text.len(), |n| i + n);
                if let Some(key) = key.take() {
                    if c != b't' && c != b'f' {
                        value(key, depth, &text[i..end]);
                    }
                }
                if secret_value {
                    redact(&mut out, i, end, &mut copied);
                    secret_value = false;
                }
                i = end;
            }
            c => {
                // `{`, `[` (a structured value under a secret key has its own keys checked), `null`,
                // separators and whitespace.
                if !c.is_ascii_whitespace() && c != b':' {
                    secret_value = false;
                    key = None;
                }
                match c {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                i += 1;
            }
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The byte length of the JSON string token at the start of `text` (which starts with `"`), up to its
/// closing quote or the end of a truncated text.
fn string_end(text: &str) -> usize {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return i + 1,
            _ => {}
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAY: &str = "/v1/payments/confirm";

    #[test]
    fn every_listed_field_fits_the_normalizing_buffer() {
        for field in SECRET_FIELDS.iter().chain(PERSONAL_FIELDS) {
            assert!(field.len() <= LONGEST_FIELD, "{field}");
            assert!(field.bytes().all(|b| b.is_ascii_lowercase()), "{field}");
        }
        assert!(secret_field("Card-Number", PAY, Side::Response));
        assert!(secret_field("AUTHORIZATION_CODE", PAY, Side::Response));
        assert!(!secret_field(&"a".repeat(100), PAY, Side::Request));
        assert!(!secret_field("카드번호", PAY, Side::Request));
    }

    #[test]
    fn field_values_are_reported_with_their_depth_before_redaction() {
        let body = r#"{"orderId":"o-1","cancels":[{"orderId":"o-2","amount":10}],"ok":true,"n":null,"card_number":"1234"}"#;
        let mut seen = Vec::new();
        let out = scan_json(body, PAY, Side::Request, &mut |key, depth, token| {
            seen.push((key.to_owned(), depth, token.to_owned()))
        });
        let expected = [
            ("orderId", 1, "\"o-1\""),
            ("orderId", 3, "\"o-2\""),
            ("amount", 3, "10"),
            ("card_number", 1, "\"1234\""),
        ];
        let expected: Vec<(String, usize, String)> = expected
            .iter()
            .map(|(k, d, t)| (k.to_string(), *d, t.to_string()))
            .collect();
        assert_eq!(seen, expected);
        assert!(out.ends_with(r#""card_number":"[REDACTED]"}"#), "{out}");
    }

    #[test]
    fn authorization_keeps_its_scheme_only() {
        assert_eq!(
            header("Authorization", "Basic dGVzdF9za19hYmM6"),
            "Basic [REDACTED]"
        );
        assert_eq!(
            header("authorization", "Bearer eyJ.a.b"),
            "Bearer [REDACTED]"
        );
        assert_eq!(header("Cookie", "tossd_admin=abc"), "[REDACTED]");
        assert_eq!(header("x-toss-user-key", "123456789"), "123456789");
        assert_eq!(header("Idempotency-Key", "k-1"), "k-1");
    }

    #[test]
    fn secret_json_fields_are_replaced_and_ids_kept() {
        let body = r#"{"secretKey":"test_sk_abc","accessToken": "eyJ.x", "refresh_token":"r",
            "paymentKey":"pk","cardNumber":4330123412341234,"nested":{"password":"pw","ok":true}}"#;
        let redacted = json_text(body, PAY, Side::Request);
        let value: serde_json::Value = serde_json::from_str(&redacted).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"secretKey":"[REDACTED]","accessToken":"[REDACTED]",
                "refresh_token":"[REDACTED]","paymentKey":"pk","cardNumber":"[REDACTED]",
                "nested":{"password":"[REDACTED]","ok":true}})
        );
    }

    #[test]
    fn codes_are_secret_in_requests_only() {
        let request = json_text(
            r#"{"authorizationCode":"ac","code":"c","referrer":"DEFAULT"}"#,
            "/api-partner/v1/apps-in-toss/user/oauth2/generate-token",
            Side::Request,
        );
        assert_eq!(
            request,
            r#"{"authorizationCode":"[REDACTED]","code":"[REDACTED]","referrer":"DEFAULT"}"#
        );
        let response = json_text(
            r#"{"code":"NOT_FOUND_PAYMENT","message":"없음"}"#,
            PAY,
            Side::Response,
        );
        assert_eq!(response, r#"{"code":"NOT_FOUND_PAYMENT","message":"없음"}"#);
    }

    #[test]
    fn a_truncated_document_is_still_redacted() {
        let cut = r#"{"orderId":"o-1","secretKey":"test_sk_abcdef"#;
        assert_eq!(
            json_text(cut, PAY, Side::Request),
            r#"{"orderId":"o-1","secretKey":"[REDACTED]""#
        );
        let escaped = r#"{"a":"x\"y","password":"p\"q"}"#;
        assert_eq!(
            json_text(escaped, PAY, Side::Request),
            r#"{"a":"x\"y","password":"[REDACTED]"}"#
        );
    }

    #[test]
    fn login_me_personal_data_is_redacted() {
        let body = r#"{"userKey":1,"name":"ENC","phone":"ENC","scope":"user_name"}"#;
        assert_eq!(
            json_text(
                body,
                "/api-partner/v1/apps-in-toss/user/oauth2/login-me",
                Side::Response
            ),
            r#"{"userKey":1,"name":"[REDACTED]","phone":"[REDACTED]","scope":"user_name"}"#
        );
        assert_eq!(json_text(body, PAY, Side::Response), body);
    }

    #[test]
    fn forms_and_queries_are_redacted_by_field() {
        assert_eq!(
            form("grant_type=x&code=abc&client_key=ck", "/x", Side::Request),
            "grant_type=x&code=%5BREDACTED%5D&client_key=%5BREDACTED%5D"
        );
    }
}
