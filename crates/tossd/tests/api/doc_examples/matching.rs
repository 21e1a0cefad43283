//! Comparing a documented answer with the real one.
//!
//! JSON: every field the answer shows must be in the response with that value (fields it leaves out are
//! not checked). `"<name>"` matches any value and binds it to `name` (the next blocks see `$name`; a second
//! `"<name>"` must be the same value); `"…"` matches anything; `"text…"` any string starting with `text`;
//! arrays match element by element, with a last `"…"` allowing more elements.
//!
//! Text: each line of the answer must match a line of the output (in order, anywhere in the line);
//! `<name>` matches a word and binds it, `…` anything.

use std::collections::BTreeMap;

use serde_json::Value;

/// Values bound by answers so far, by name.
pub type Bindings = BTreeMap<String, String>;

const ELLIPSIS: &str = "…";

fn placeholder(text: &str) -> Option<&str> {
    let name = text.strip_prefix('<')?.strip_suffix('>')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() || first == '_')
        .then_some(())
        .filter(|_| chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(|_| name)
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn bind(name: &str, value: String, bindings: &mut Bindings) -> Result<(), String> {
    match bindings.get(name) {
        Some(bound) if *bound != value => Err(format!(
            "<{name}> was {bound:?} in an earlier answer, here it is {value:?}"
        )),
        Some(_) => Ok(()),
        None => {
            bindings.insert(name.to_owned(), value);
            Ok(())
        }
    }
}

/// Whether `actual` shows everything `expected` does; binds its placeholders.
pub fn json(
    expected: &Value,
    actual: &Value,
    at: &str,
    bindings: &mut Bindings,
) -> Result<(), String> {
    let mismatch = || {
        Err(format!(
            "at {at}: the answer shows {expected}, the response has {actual}"
        ))
    };
    match expected {
        Value::String(text) if text == ELLIPSIS => Ok(()),
        Value::String(text) if placeholder(text).is_some() => bind(
            placeholder(text).unwrap_or_default(),
            as_text(actual),
            bindings,
        ),
        Value::String(text) if text.ends_with(ELLIPSIS) => {
            let prefix = text.trim_end_matches(ELLIPSIS);
            match actual {
                Value::String(s) if s.starts_with(prefix) => Ok(()),
                _ => mismatch(),
            }
        }
        Value::Object(fields) => {
            let Value::Object(actual_fields) = actual else {
                return mismatch();
            };
            for (key, value) in fields {
                let inner = format!("{at}.{key}");
                match actual_fields.get(key) {
                    Some(actual_value) => json(value, actual_value, &inner, bindings)?,
                    None => return Err(format!("at {inner}: the response has no such field")),
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            let Value::Array(actual_items) = actual else {
                return mismatch();
            };
            let open = items.last() == Some(&Value::String(ELLIPSIS.into()));
            let items = if open {
                &items[..items.len() - 1]
            } else {
                &items[..]
            };
            if actual_items.len() < items.len() || (!open && actual_items.len() != items.len()) {
                return Err(format!(
                    "at {at}: the answer shows {} elements, the response has {}",
                    items.len(),
                    actual_items.len()
                ));
            }
            for (i, (e, a)) in items.iter().zip(actual_items).enumerate() {
                json(e, a, &format!("{at}[{i}]"), bindings)?;
            }
            Ok(())
        }
        _ if expected == actual => Ok(()),
        _ => mismatch(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Literal(String),
    Word(String),
    Any,
}

fn pieces(pattern: &str, bindings: &Bindings) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix(ELLIPSIS) {
            out.push(Piece::Literal(std::mem::take(&mut literal)));
            out.push(Piece::Any);
            rest = after;
            continue;
        }
        if c == '<' {
            if let Some(end) = rest.find('>') {
                if let Some(name) = placeholder(&rest[..=end]) {
                    match bindings.get(name) {
                        Some(value) => literal.push_str(value),
                        None => {
                            out.push(Piece::Literal(std::mem::take(&mut literal)));
                            out.push(Piece::Word(name.to_owned()));
                        }
                    }
                    rest = &rest[end + 1..];
                    continue;
                }
            }
        }
        literal.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.push(Piece::Literal(literal));
    out.retain(|p| *p != Piece::Literal(String::new()));
    out
}

/// Matches `pieces` at the start of `text`; on success returns the words bound.
fn match_here(pieces: &[Piece], text: &str) -> Option<Vec<(String, String)>> {
    let Some((first, rest)) = pieces.split_first() else {
        return Some(Vec::new());
    };
    match first {
        Piece::Literal(literal) => match_here(rest, text.strip_prefix(literal.as_str())?),
        Piece::Any => text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .find_map(|i| match_here(rest, &text[i..])),
        Piece::Word(name) => {
            let word_end = text.find(char::is_whitespace).unwrap_or(text.len());
            text[..word_end]
                .char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .find_map(|end| {
                    let mut bound = match_here(rest, &text[end..])?;
                    bound.push((name.clone(), text[..end].to_owned()));
                    Some(bound)
                })
        }
    }
}

/// Whether each line of `expected` matches a line of `output`, in order; binds the words.
pub fn text(expected: &str, output: &str, bindings: &mut Bindings) -> Result<(), String> {
    let mut lines = output.lines();
    'patterns: for pattern in expected.lines().filter(|l| !l.trim().is_empty()) {
        let pieces = pieces(pattern.trim(), bindings);
        for line in lines.by_ref() {
            let found = line
                .char_indices()
                .map(|(i, _)| i)
                .find_map(|i| match_here(&pieces, &line[i..]));
            if let Some(bound) = found {
                for (name, value) in bound {
                    bind(&name, value, bindings)?;
                }
                continue 'patterns;
            }
        }
        return Err(format!(
            "no line of the output (after the lines matched before) matches {pattern:?}"
        ));
    }
    Ok(())
}

mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_answers_are_subsets_with_placeholders() {
        let mut b = Bindings::new();
        let actual =
            json!({"a": 1, "token": "xyz", "key": "test_sk_123", "list": [1, 2, 3], "n": null});
        json(
            &json!({"token": "<token>", "key": "test_sk_…", "list": [1, "…"], "n": null}),
            &actual,
            "$",
            &mut b,
        )
        .unwrap();
        assert_eq!(b["token"], "xyz");
        assert!(json(
            &json!({"token": "<token>"}),
            &json!({"token": "other"}),
            "$",
            &mut b
        )
        .is_err());
        assert!(json(&json!({"list": [1, 2]}), &actual, "$", &mut b).is_err());
        assert!(json(&json!({"missing": 1}), &actual, "$", &mut b).is_err());
        assert!(json(&json!({"a": 2}), &actual, "$", &mut b).is_err());
    }

    #[test]
    fn text_answers_match_lines_in_order() {
        let mut b = Bindings::new();
        let output = "created app ait_abc (My app)\n  client key  test_ck_1\nlast";
        text(
            "created app <appId> (My app)\nclient key  test_ck_…",
            output,
            &mut b,
        )
        .unwrap();
        assert_eq!(b["appId"], "ait_abc");
        assert!(text("last\ncreated app", output, &mut b).is_err());
        text("created app <appId> (", output, &mut b).unwrap();
    }
}
