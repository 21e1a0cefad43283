//! [`Open`]: a value of a set Toss may extend.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value of a set Toss documents but may extend (a status, a method, an error code): [`Open::Known`]
/// when this version knows the string, [`Open::Unknown`] with the string as sent otherwise, so a value
/// Toss adds later never fails a response. Serializes back to the same string either way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Open<T> {
    /// One of the documented values.
    Known(T),
    /// A string this version does not know, exactly as received.
    Unknown(String),
}

impl<T> Open<T> {
    /// The documented value, if this is one.
    pub fn known(&self) -> Option<&T> {
        match self {
            Open::Known(value) => Some(value),
            Open::Unknown(_) => None,
        }
    }
}

impl<T: crate::WireValue> Open<T> {
    /// The string as sent.
    pub fn as_str(&self) -> &str {
        match self {
            Open::Known(value) => value.as_str(),
            Open::Unknown(text) => text,
        }
    }
}

impl<T: fmt::Display> fmt::Display for Open<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Open::Known(value) => value.fmt(f),
            Open::Unknown(text) => f.write_str(text),
        }
    }
}

/// The documented default value (a response built field by field starts from it).
impl<T: Default> Default for Open<T> {
    fn default() -> Open<T> {
        Open::Known(T::default())
    }
}

impl<T> From<T> for Open<T> {
    fn from(value: T) -> Open<T> {
        Open::Known(value)
    }
}

impl<T: PartialEq> PartialEq<T> for Open<T> {
    fn eq(&self, other: &T) -> bool {
        self.known() == Some(other)
    }
}

impl<T: FromStr> FromStr for Open<T> {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Open<T>, Self::Err> {
        Ok(match text.parse() {
            Ok(value) => Open::Known(value),
            Err(_) => Open::Unknown(text.to_owned()),
        })
    }
}

impl<T: Serialize> Serialize for Open<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Open::Known(value) => value.serialize(serializer),
            Open::Unknown(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de, T: FromStr> Deserialize<'de> for Open<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Open<T>, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.parse() {
            Ok(value) => Open::Known(value),
            Err(_) => Open::Unknown(text),
        })
    }
}

#[cfg(feature = "openapi")]
impl<T> utoipa::PartialSchema for Open<T> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <String as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl<T> utoipa::ToSchema for Open<T> {}

#[cfg(test)]
mod tests {
    use super::Open;

    crate::wire_enum! {
        enum Colour {
            Red = "RED",
        }
    }

    #[test]
    fn known_and_unknown_strings_round_trip() {
        let known: Open<Colour> = serde_json::from_str("\"RED\"").unwrap();
        assert_eq!(known, Open::Known(Colour::Red));
        assert_eq!(known, Colour::Red);
        let unknown: Open<Colour> = serde_json::from_str("\"BLUE\"").unwrap();
        assert_eq!(unknown, Open::Unknown("BLUE".into()));
        assert_eq!(serde_json::to_string(&unknown).unwrap(), "\"BLUE\"");
        assert_eq!(serde_json::to_string(&known).unwrap(), "\"RED\"");
        assert!(serde_json::from_str::<Open<Colour>>("1").is_err());
        assert_eq!(Colour::ALL, [Colour::Red]);
    }
}
