//! Enums whose values travel as fixed strings (statuses, methods, modes): each value's string is written
//! once in [`wire_enum!`], and serde, `as_str`, `Display` and `FromStr` all use it, so the wire and a
//! database column cannot disagree. An unknown string is an error value, never a panic; read a field Toss
//! may extend through [`crate::Open`].

use std::fmt;

/// A string that is none of an enum's values (say, an unknown status read from a row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The enum's name.
    pub kind: &'static str,
    /// The string that matched none of its values.
    pub value: String,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.kind, self.value)
    }
}

impl std::error::Error for UnknownValue {}

/// A fieldless enum declared with [`wire_enum!`](crate::wire_enum): each value has one wire string.
pub trait WireValue: Copy + 'static {
    /// The wire string.
    fn as_str(self) -> &'static str;
}

/// Declares a fieldless `Copy` enum with the wire string of each value: `ALL`, `as_str`, `FromStr`,
/// `Display` and serde all come from the one list.
#[macro_export]
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

        impl $crate::WireValue for $name {
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownValue;

            fn from_str(text: &str) -> ::std::result::Result<$name, Self::Err> {
                match text {
                    $($wire => Ok($name::$variant),)+
                    other => Err($crate::UnknownValue {
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

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<$name, D::Error> {
                let text = <::std::string::String as $crate::__private::serde::Deserialize>::deserialize(
                    deserializer,
                )?;
                text.parse().map_err($crate::__private::serde::de::Error::custom)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::wire_enum! {
        enum Sample {
            One = "ONE",
            TwoWords = "TWO_WORDS",
        }
    }

    #[test]
    fn every_value_round_trips_through_its_string() {
        for &value in Sample::ALL {
            assert_eq!(value.as_str().parse::<Sample>(), Ok(value));
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(json, format!("\"{value}\""));
            assert_eq!(serde_json::from_str::<Sample>(&json).unwrap(), value);
        }
        assert_eq!(Sample::TwoWords.as_str(), "TWO_WORDS");
    }

    #[test]
    fn unknown_strings_are_errors() {
        let e = "one".parse::<Sample>().unwrap_err();
        assert_eq!(e.to_string(), "unknown Sample \"one\"");
        assert!(serde_json::from_str::<Sample>("\"THREE\"").is_err());
    }
}
