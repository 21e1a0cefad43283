//! [`Call`]: one prepared request, sent when awaited, with retries where Toss documents them safe.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use rand::Rng;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use toss_wire::apps_in_toss::{Envelope, OAuthError, ResultType, USER_KEY_HEADER};
use toss_wire::tosspayments::ErrorBody;

use crate::{ApiError, Client, Error};

/// The host a call goes to, which also decides how its answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `apps-in-toss-api.toss.im`: enveloped answers.
    AppsInToss,
    /// `pay-apps-in-toss-api.toss.im`: enveloped answers.
    AppsInTossPay,
    /// `api.tosspayments.com`: bare bodies, `{code, message}` on failure.
    TossPayments,
}

/// Whether a call may be sent again after a failure that may or may not have reached Toss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Never: the call moves money or spends a one-time credential and has no idempotency key.
    Never,
    /// A read, safe to repeat.
    Read,
    /// A Toss Payments `POST` that takes an `Idempotency-Key`: repeated with the same key, which the
    /// client generates when the caller set none.
    WithIdempotencyKey,
}

#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) family: Family,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) basic: Option<String>,
    pub(crate) bearer: Option<String>,
    pub(crate) user_key: Option<String>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) retry: Retry,
    /// Why the call cannot be sent (a missing credential, an unserializable body); reported on send.
    pub(crate) invalid: Option<String>,
}

impl Prepared {
    pub(crate) fn new(family: Family, method: Method, path: String) -> Prepared {
        let retry = if method == Method::GET {
            Retry::Read
        } else {
            Retry::Never
        };
        Prepared {
            family,
            method,
            path,
            body: None,
            basic: None,
            bearer: None,
            user_key: None,
            idempotency_key: None,
            headers: Vec::new(),
            retry,
            invalid: None,
        }
    }
}

/// One request to Toss: await it to send it, or set options first.
///
/// ```no_run
/// # async fn run(client: toss_client::Client, key: &str) -> Result<(), toss_client::Error> {
/// let payment = client
///     .payments()
///     .cancel(key, toss_client::wire::tosspayments::payments::CancelRequest::new("고객 변심"))
///     .idempotency_key("cancel-order-42")
///     .await?;
/// # let _ = payment; Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'c, T> {
    client: &'c Client,
    pub(crate) prepared: Prepared,
    answer: PhantomData<fn() -> T>,
}

impl<'c, T> Call<'c, T> {
    pub(crate) fn new(client: &'c Client, prepared: Prepared) -> Call<'c, T> {
        Call {
            client,
            prepared,
            answer: PhantomData,
        }
    }

    /// Sends `x-toss-user-key` (the Toss user the Apps-in-Toss call is about).
    pub(crate) fn user_key(mut self, user_key: impl ToString) -> Call<'c, T> {
        self.prepared.user_key = Some(user_key.to_string());
        self
    }

    /// Authenticates with `Authorization: Bearer TOKEN` (a user or customer access token).
    pub(crate) fn bearer(mut self, token: &str) -> Call<'c, T> {
        self.prepared.bearer = Some(token.to_owned());
        self
    }

    /// Marks the call as safe to repeat.
    pub(crate) fn retry(mut self, retry: Retry) -> Call<'c, T> {
        self.prepared.retry = retry;
        self
    }

    /// The `Idempotency-Key` of a Toss Payments `POST` (up to 300 characters): Toss answers a repeat with
    /// the same key with the first answer for 15 days. Without one, the client generates a key for each
    /// call so that its own retries stay exactly-once. Calls that take no key ignore it.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Call<'c, T> {
        self.prepared.idempotency_key = Some(key.into());
        self
    }

    /// An extra request header, e.g. `Accept-Language: en-US` for English Toss Payments messages or a
    /// test header such as `TossPayments-Test-Code`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Call<'c, T> {
        self.prepared.headers.push((name.into(), value.into()));
        self
    }
}

impl<'c, T: DeserializeOwned + Send + 'c> Call<'c, T> {
    /// Sends the call and reads its answer; the same as awaiting it.
    pub async fn send(self) -> Result<T, Error> {
        let Call {
            client,
            mut prepared,
            ..
        } = self;
        if let Some(why) = prepared.invalid.take() {
            return Err(Error::Config(why));
        }
        if prepared.retry == Retry::WithIdempotencyKey && prepared.idempotency_key.is_none() {
            prepared.idempotency_key = Some(generated_key());
        }
        let (max_retries, initial_backoff) = client.retry_policy();
        let mut attempt = 0;
        loop {
            let outcome = send_once(client, &prepared).await;
            let retriable = match &outcome {
                Ok((status, _)) => {
                    status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
                }
                Err(e) => e.is_connect() || e.is_timeout(),
            };
            if retriable && prepared.retry != Retry::Never && attempt < max_retries {
                tokio::time::sleep(backoff(initial_backoff, attempt)).await;
                attempt += 1;
                continue;
            }
            let (status, body) = outcome.map_err(Error::Transport)?;
            return decode(prepared.family, status, &body);
        }
    }
}

impl<'c, T: DeserializeOwned + Send + 'c> IntoFuture for Call<'c, T> {
    type Output = Result<T, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

async fn send_once(
    client: &Client,
    prepared: &Prepared,
) -> Result<(StatusCode, Vec<u8>), reqwest::Error> {
    let url = format!("{}{}", client.base(prepared.family), prepared.path);
    let mut request = client
        .inner
        .http
        .request(prepared.method.clone(), url)
        .header("Accept", "application/json");
    if let Some(key) = &prepared.basic {
        request = request.basic_auth(key, Some(""));
    }
    if let Some(token) = &prepared.bearer {
        request = request.bearer_auth(token);
    }
    if let Some(user_key) = &prepared.user_key {
        request = request.header(USER_KEY_HEADER, user_key);
    }
    if let Some(key) = &prepared.idempotency_key {
        if prepared.retry == Retry::WithIdempotencyKey {
            request = request.header("Idempotency-Key", key);
        }
    }
    for (name, value) in &prepared.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &prepared.body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.clone());
    }
    let response = request.send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    Ok((status, body.to_vec()))
}

/// Reads an answer of the call's family: the payload, or the family's failure as an [`ApiError`].
fn decode<T: DeserializeOwned>(
    family: Family,
    status: StatusCode,
    body: &[u8],
) -> Result<T, Error> {
    let code = status.as_u16();
    let undecodable = |source: serde_json::Error| Error::Decode {
        status: code,
        body: String::from_utf8_lossy(body).into_owned(),
        source,
    };
    match family {
        Family::TossPayments if status.is_success() => {
            serde_json::from_slice(body).map_err(undecodable)
        }
        Family::TossPayments => {
            let error: ErrorBody = serde_json::from_slice(body).map_err(undecodable)?;
            Err(Error::Api(ApiError::TossPayments {
                status: code,
                code: error.code,
                message: error.message,
            }))
        }
        Family::AppsInToss | Family::AppsInTossPay => {
            if let Ok(oauth) = serde_json::from_slice::<OAuthError>(body) {
                return Err(Error::Api(ApiError::OAuth {
                    status: code,
                    error: oauth.error,
                }));
            }
            let envelope: Envelope<T> = serde_json::from_slice(body).map_err(undecodable)?;
            match (envelope.result_type, envelope.success, envelope.error) {
                (toss_wire::Open::Known(ResultType::Success), Some(payload), _) => Ok(payload),
                (result_type, _, fail) => Err(Error::Api(ApiError::AppsInToss {
                    status: code,
                    result_type,
                    fail: fail.map(Box::new),
                })),
            }
        }
    }
}

/// `initial × 2^attempt`, capped at 10 s, with up to 50 % random jitter so clients do not retry in step.
fn backoff(initial: Duration, attempt: u32) -> Duration {
    let base = initial
        .saturating_mul(1u32 << attempt.min(16))
        .min(Duration::from_secs(10));
    let jitter = rand::thread_rng().gen_range(0.0..0.5);
    base.mul_f64(1.0 + jitter)
}

/// A fresh `Idempotency-Key`: 32 random alphanumerics.
fn generated_key() -> String {
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{backoff, decode, Family};
    use crate::{ApiError, Error};
    use reqwest::StatusCode;
    use serde_json::Value;
    use toss_wire::Open;

    #[test]
    fn backoff_doubles_and_stays_capped() {
        let first = backoff(Duration::from_millis(100), 0);
        assert!(first >= Duration::from_millis(100) && first < Duration::from_millis(150));
        let third = backoff(Duration::from_millis(100), 2);
        assert!(third >= Duration::from_millis(400) && third < Duration::from_millis(600));
        assert!(backoff(Duration::from_secs(1), 30) <= Duration::from_secs(15));
    }

    #[test]
    fn failures_of_each_family_are_typed() {
        let tp = decode::<Value>(
            Family::TossPayments,
            StatusCode::NOT_FOUND,
            br#"{"code":"BRAND_NEW_CODE","message":"?"}"#,
        );
        match tp {
            Err(Error::Api(ApiError::TossPayments { status, code, .. })) => {
                assert_eq!(status, 404);
                assert_eq!(code.as_str(), "BRAND_NEW_CODE");
            }
            other => panic!("{other:?}"),
        }
        let oauth = decode::<Value>(
            Family::AppsInToss,
            StatusCode::BAD_REQUEST,
            br#"{"error":"invalid_grant"}"#,
        );
        assert!(matches!(
            oauth,
            Err(Error::Api(ApiError::OAuth { status: 400, .. }))
        ));
        let fail = decode::<Value>(
            Family::AppsInToss,
            StatusCode::BAD_REQUEST,
            br#"{"resultType":"FAIL","success":null,"error":{"errorType":0,"errorCode":"4999","reason":"x","data":{},"title":null}}"#,
        );
        match fail {
            Err(Error::Api(ApiError::AppsInToss {
                fail: Some(fail), ..
            })) => {
                assert_eq!(fail.error_code, Open::Unknown("4999".into()))
            }
            other => panic!("{other:?}"),
        }
        let ok = decode::<String>(
            Family::AppsInToss,
            StatusCode::OK,
            br#"{"resultType":"SUCCESS","success":"PENDING"}"#,
        );
        assert_eq!(ok.unwrap(), "PENDING");
    }
}
