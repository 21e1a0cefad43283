//! A `userKey` in a request body: a positive int64, sent as a JSON number; a string of 1–19 decimal digits
//! is also accepted, as Toss does.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// Reads a positive int64 given as a JSON number or as its decimal string.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct KeyVisitor;

    impl Visitor<'_> for KeyVisitor {
        type Value = i64;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a positive int64 or its decimal string")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            (v > 0)
                .then_some(v)
                .ok_or_else(|| E::custom("userKey must be positive"))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v)
                .map_err(|_| E::custom("userKey does not fit in int64"))
                .and_then(|v| self.visit_i64(v))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
            if v.is_empty() || v.len() > 19 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(E::custom("userKey must be decimal digits"));
            }
            let parsed = v
                .parse::<i64>()
                .map_err(|_| E::custom("userKey does not fit in int64"))?;
            self.visit_i64(parsed)
        }
    }

    deserializer.deserialize_any(KeyVisitor)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{json, Value};

    #[derive(Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "super::deserialize")]
        key: i64,
    }

    fn key(value: Value) -> Option<i64> {
        serde_json::from_value::<Holder>(json!({ "key": value }))
            .ok()
            .map(|h| h.key)
    }

    #[test]
    fn user_keys_are_positive_numbers_or_digit_strings() {
        assert_eq!(key(json!(87654321)), Some(87654321));
        assert_eq!(key(json!("87654321")), Some(87654321));
        assert_eq!(key(json!("-1")), None);
        assert_eq!(key(json!(0)), None);
        assert_eq!(key(json!(1.5)), None);
        assert_eq!(key(json!("12345678901234567890")), None);
        assert_eq!(key(json!(u64::MAX)), None);
        assert_eq!(key(json!(null)), None);
    }
}
