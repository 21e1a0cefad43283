//! Enums whose values travel as fixed strings (statuses, methods, modes): each value's string is written
//! once, and serde, `as_str`, `Display` and `FromStr` all use it, so the wire and the database cannot
//! disagree. An unknown string is an error value, never a panic.

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

/// Declares an enum with the wire string of each value (add `#[derive(Copy)]` where wanted).
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $wire:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$variant_meta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire string.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::wire::UnknownValue;

            fn from_str(text: &str) -> Result<$name, Self::Err> {
                $name::ALL
                    .iter()
                    .find(|value| value.as_str() == text)
                    .cloned()
                    .ok_or_else(|| $crate::domain::wire::UnknownValue {
                        kind: stringify!($name),
                        value: text.to_owned(),
                    })
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

#[cfg(test)]
mod tests {
    wire_enum! {
        enum Sample {
            One = "ONE",
            TwoWords = "TWO_WORDS",
        }
    }

    #[test]
    fn every_value_round_trips_through_its_string() {
        for value in Sample::ALL {
            assert_eq!(value.as_str().parse::<Sample>().as_ref(), Ok(value));
            let json = serde_json::to_string(value).unwrap();
            assert_eq!(json, format!("\"{value}\""));
            assert_eq!(&serde_json::from_str::<Sample>(&json).unwrap(), value);
        }
    }

    #[test]
    fn unknown_strings_are_errors() {
        let e = "one".parse::<Sample>().unwrap_err();
        assert_eq!(e.to_string(), "unknown Sample \"one\"");
        assert!(serde_json::from_str::<Sample>("\"THREE\"").is_err());
    }
}
