//! Merchant credentials: `Authorization: Basic base64("<secretKey>:")` (docs/reference.md §1.6.4).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use crate::domain::merchant::Mode;
use crate::domain::secrets;
use crate::state::AppState;
use crate::store;
use crate::tosspayments::codes;
use crate::tosspayments::TpError;

/// Padded and unpadded base64 are both accepted.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The merchant a secret key belongs to, and the mode (`test`/`live`) the key selects.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub id: i64,
    pub mid: String,
    /// A [`Mode`]'s wire string.
    pub mode: String,
}

/// What the `Authorization` header says, before any lookup.
#[derive(Debug, PartialEq, Eq)]
pub enum BasicCredential {
    Missing,
    Malformed,
    Key(String),
}

pub fn parse_basic(value: Option<&str>) -> BasicCredential {
    let Some(value) = value else {
        return BasicCredential::Missing;
    };
    let Some((scheme, rest)) = value.split_once(' ') else {
        return BasicCredential::Missing;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return BasicCredential::Missing;
    }
    let decoded = match LENIENT_BASE64.decode(rest.trim()) {
        Ok(bytes) => bytes,
        Err(_) => return BasicCredential::Malformed,
    };
    let Ok(text) = String::from_utf8(decoded) else {
        return BasicCredential::Malformed;
    };
    match text.split_once(':') {
        Some((user, _password)) => BasicCredential::Key(user.to_owned()),
        None => BasicCredential::Malformed,
    }
}

/// A secret key's merchant and mode, and the configuration epoch that answer belongs to.
#[derive(Debug, Clone)]
pub struct ResolvedKey {
    pub merchant: Merchant,
    pub mode: Mode,
    pub epoch: i64,
}

/// The merchant and mode of a secret key, if it is one. With `from_cache` a read may be answered from the
/// configuration cache (`crate::cache`; the read then checks [`ResolvedKey::epoch`] against its own
/// statement's); writes always ask the database.
pub async fn merchant_by_secret_key(
    state: &AppState,
    key_hash: &str,
    from_cache: bool,
) -> Result<Option<ResolvedKey>, sqlx::Error> {
    let resolved = |merchant: &store::merchants::Merchant, mode: Mode, epoch: i64| ResolvedKey {
        merchant: Merchant {
            id: merchant.id,
            mid: merchant.mid.clone(),
            mode: mode.as_str().to_owned(),
        },
        mode,
        epoch,
    };
    if from_cache {
        if let Some(hit) = state.cache.merchant(key_hash) {
            let (merchant, mode) = &hit.value;
            return Ok(Some(resolved(merchant, *mode, hit.epoch)));
        }
    }
    let (epoch, found) = store::merchants::by_secret_key_hash(&state.db, key_hash).await?;
    state.cache.observe(epoch);
    Ok(found.map(|(merchant, mode)| {
        state
            .cache
            .remember_merchant(epoch, key_hash, &merchant, mode);
        resolved(&merchant, mode, epoch)
    }))
}

/// The merchant of the request's secret key, asking the database: the documented error when there is none.
pub async fn merchant_of(state: &AppState, header: Option<&str>) -> Result<Merchant, TpError> {
    let key = match parse_basic(header) {
        BasicCredential::Missing => return Err(TpError(&codes::UNAUTHORIZED_KEY)),
        BasicCredential::Malformed => return Err(TpError(&codes::INCORRECT_BASIC_AUTH_FORMAT)),
        BasicCredential::Key(key) => key,
    };
    if let Some(found) = merchant_by_secret_key(state, &secrets::hash(&key), false).await? {
        return Ok(found.merchant);
    }
    Err(TpError(
        if store::merchants::is_client_key(&state.db, &key).await? {
            &codes::INVALID_API_KEY
        } else {
            &codes::UNAUTHORIZED_KEY
        },
    ))
}

impl FromRequestParts<AppState> for Merchant {
    type Rejection = TpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, TpError> {
        // The credentials middleware has already resolved a valid secret key.
        if let Some(merchant) = parts.extensions.get::<Merchant>() {
            return Ok(merchant.clone());
        }
        merchant_of(state, authorization(parts)).await
    }
}

/// A BrandPay customer identified by `Authorization: Bearer <accessToken>` (docs/reference.md §1.6.5).
#[derive(Debug, Clone)]
pub struct BrandPayCustomer {
    pub customer_id: i64,
    pub merchant_id: i64,
    /// A [`Mode`]'s wire string.
    pub mode: String,
    pub customer_key: String,
}

/// The `Authorization` header, if it is text.
fn authorization(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

/// The token of a `Bearer` header: `None` when there is no header or another scheme.
pub fn parse_bearer(value: Option<&str>) -> Option<&str> {
    let value = value?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for BrandPayCustomer {
    type Rejection = TpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, TpError> {
        let header = authorization(parts);
        let token = parse_bearer(header).ok_or(TpError(&codes::UNAUTHORIZED_KEY))?;
        // The credentials middleware has already resolved a current token.
        if let Some(customer) = parts.extensions.get::<BrandPayCustomer>() {
            return Ok(customer.clone());
        }
        if token.is_empty() {
            return Err(TpError(&codes::INVALID_ACCESS_TOKEN));
        }
        customer_by_token(state, token)
            .await?
            .map(|(customer, _)| customer)
            .ok_or(TpError(&codes::INVALID_ACCESS_TOKEN))
    }
}

/// The customer of a current (unexpired, unrevoked) access token of an `ACTIVE` customer, and its mode.
pub async fn customer_by_token(
    state: &AppState,
    token: &str,
) -> Result<Option<(BrandPayCustomer, Mode)>, sqlx::Error> {
    let now = state.clock.now(&state.db).await?;
    let holder = store::brandpay::access_token_holder(&state.db, token, now).await?;
    Ok(holder.map(|holder| {
        let customer = BrandPayCustomer {
            customer_id: holder.customer_id,
            merchant_id: holder.merchant_id,
            mode: holder.mode.as_str().to_owned(),
            customer_key: holder.customer_key,
        };
        (customer, holder.mode)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_values_parse_as_documented() {
        use BasicCredential::*;
        assert_eq!(parse_basic(None), Missing);
        assert_eq!(parse_basic(Some("Bearer abc")), Missing);
        assert_eq!(parse_basic(Some("Basic")), Missing);
        // "test_sk_x:" padded and unpadded.
        assert_eq!(
            parse_basic(Some("Basic dGVzdF9za194Og==")),
            Key("test_sk_x".into())
        );
        assert_eq!(
            parse_basic(Some("Basic dGVzdF9za194Og")),
            Key("test_sk_x".into())
        );
        assert_eq!(
            parse_basic(Some("basic dGVzdF9za194Og==")),
            Key("test_sk_x".into())
        );
        // "test_sk_x" without the colon, and not base64 at all.
        assert_eq!(parse_basic(Some("Basic dGVzdF9za194")), Malformed);
        assert_eq!(parse_basic(Some("Basic !!!")), Malformed);
    }

    #[test]
    fn bearer_values_parse() {
        assert_eq!(parse_bearer(None), None);
        assert_eq!(parse_bearer(Some("Basic abc")), None);
        assert_eq!(parse_bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(parse_bearer(Some("bearer abc")), Some("abc"));
        assert_eq!(parse_bearer(Some("Bearer")), Some(""));
    }
}
