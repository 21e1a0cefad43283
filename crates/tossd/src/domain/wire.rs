//! Enums whose values travel as fixed strings (statuses, methods, modes): each value's string is written
//! once, and serde, `as_str`, `Display` and `FromStr` all use it, so the wire and the database cannot
//! disagree. An unknown string is an error value, never a panic. Also the one alphabet of the codes a
//! partner picks in the console.

use std::fmt;

/// A string that is none of an enum's values (say, an unknown status read from a row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.kind, self.value)
    }
}

impl std::error::Error for UnknownValue {}

/// A code a partner picks in the console (a promotion code, a template set code): 1–100 characters of
/// `[A-Za-z0-9_-]`.
pub fn is_console_code(code: &str) -> bool {
    (1..=100).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Declares a fieldless `Copy` enum with the wire string of each value.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $wire:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$variant_meta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire string.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::wire::UnknownValue;

            fn from_str(text: &str) -> Result<$name, Self::Err> {
                match text {
                    $($wire => Ok($name::$variant),)+
                    other => Err($crate::domain::wire::UnknownValue {
                        kind: stringify!($name),
                        value: other.to_owned(),
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let text = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                text.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use wire_enum;

/// Asserts that every one of `values` reads back from its wire string and serializes (and deserializes)
/// as that string: each module's test lists its enums' values with this.
#[cfg(test)]
pub fn assert_round_trips<T>(values: &[T])
where
    T: Copy + PartialEq + fmt::Debug + fmt::Display + std::str::FromStr + serde::Serialize,
    T: serde::de::DeserializeOwned,
    T::Err: fmt::Debug,
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
    use super::{assert_round_trips, is_console_code};

    wire_enum! {
        enum Sample {
            One = "ONE",
            TwoWords = "TWO_WORDS",
        }
    }

    #[test]
    fn every_value_round_trips_through_its_string() {
        assert_round_trips(Sample::ALL);
        assert_eq!(Sample::TwoWords.as_str(), "TWO_WORDS");
        assert_eq!(
            serde_json::to_string(&Sample::TwoWords).unwrap(),
            "\"TWO_WORDS\""
        );
    }

    #[test]
    fn unknown_strings_are_errors() {
        let e = "one".parse::<Sample>().unwrap_err();
        assert_eq!(e.to_string(), "unknown Sample \"one\"");
        assert!(serde_json::from_str::<Sample>("\"THREE\"").is_err());
    }

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
