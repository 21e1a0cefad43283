//! Enums whose values travel as fixed strings (statuses, methods, modes) are declared with toss-wire's
//! `wire_enum!`, so the wire and the database cannot disagree; this module brings it in for the domain and
//! holds the one alphabet of the codes a partner picks in the console.

pub use toss_wire::UnknownValue;

/// A code a partner picks in the console (a promotion code, a template set code): 1–100 characters of
/// `[A-Za-z0-9_-]`.
pub fn is_console_code(code: &str) -> bool {
    (1..=100).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub(crate) use toss_wire::wire_enum;

/// Asserts that every one of `values` reads back from its wire string and serializes (and deserializes)
/// as that string: each module's test lists its enums' values with this.
#[cfg(test)]
pub fn assert_round_trips<T>(values: &[T])
where
    T: Copy
        + PartialEq
        + std::fmt::Debug
        + std::fmt::Display
        + std::str::FromStr
        + serde::Serialize,
    T: serde::de::DeserializeOwned,
    T::Err: std::fmt::Debug,
{
    for &value in values {
        let wire = value.to_string();
        assert_eq!(wire.parse::<T>().ok(), Some(value), "{wire}");
        let json = serde_json::to_value(value).unwrap();
        assert_eq!(json, serde_json::Value::from(wire.as_str()));
        assert_eq!(serde_json::from_value::<T>(json).unwrap(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::is_console_code;

    #[test]
    fn console_codes() {
        assert!(is_console_code("DEFAULT_PROMOTION"));
        assert!(is_console_code("01JPPJ6SB66BQXXDAKRQZ6SZD7"));
        assert!(is_console_code("welcome-2"));
        assert!(is_console_code(&"a".repeat(100)));
        assert!(!is_console_code(&"a".repeat(101)));
        assert!(!is_console_code(""));
        assert!(!is_console_code("has space"));
    }
}
