//! [`Client`] and its [`ClientBuilder`]: base URLs per Toss host, credentials, retries.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;

use crate::call::{Call, Family, Prepared};
use crate::Error;

/// The real Apps-in-Toss partner API host.
pub const APPS_IN_TOSS_URL: &str = "https://apps-in-toss-api.toss.im";
/// The real Apps-in-Toss Toss Pay host (`/pay/…`).
pub const APPS_IN_TOSS_PAY_URL: &str = "https://pay-apps-in-toss-api.toss.im";
/// The real Toss Payments API host.
pub const TOSSPAYMENTS_URL: &str = "https://api.tosspayments.com";

/// A client for both Toss families. Cheap to clone; clones share one connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) apps_in_toss_url: String,
    pub(crate) pay_url: String,
    pub(crate) tosspayments_url: String,
    pub(crate) secret_key: Option<String>,
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
}

impl Client {
    /// A client with the defaults: real Toss hosts, no credentials, two retries.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL used for a family's host.
    pub(crate) fn base(&self, family: Family) -> &str {
        match family {
            Family::AppsInToss => &self.inner.apps_in_toss_url,
            Family::AppsInTossPay => &self.inner.pay_url,
            Family::TossPayments => &self.inner.tosspayments_url,
        }
    }

    /// A call with no body (a `GET`, or a `POST` without one).
    pub(crate) fn call<T>(&self, family: Family, method: Method, path: String) -> Call<'_, T> {
        Call::new(self, Prepared::new(family, method, path))
    }

    /// A call with a JSON body.
    pub(crate) fn call_json<T, B: Serialize + ?Sized>(
        &self,
        family: Family,
        method: Method,
        path: String,
        body: &B,
    ) -> Call<'_, T> {
        let mut prepared = Prepared::new(family, method, path);
        match serde_json::to_vec(body) {
            Ok(bytes) => prepared.body = Some(bytes),
            Err(e) => prepared.invalid = Some(format!("the request body does not serialize: {e}")),
        }
        Call::new(self, prepared)
    }

    /// A Toss Payments call authenticated with the secret key (HTTP Basic, the key as user name).
    pub(crate) fn with_secret_key<'c, T>(&'c self, mut call: Call<'c, T>) -> Call<'c, T> {
        match &self.inner.secret_key {
            Some(key) => call.prepared.basic = Some(key.clone()),
            None => {
                call.prepared.invalid =
                    Some("this call needs a secret key: set ClientBuilder::secret_key".into())
            }
        }
        call
    }

    pub(crate) fn retry_policy(&self) -> (u32, Duration) {
        (self.inner.max_retries, self.inner.initial_backoff)
    }
}

/// How to build a [`Client`]; [`Client::builder`] starts one.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    apps_in_toss_url: String,
    pay_url: String,
    tosspayments_url: String,
    identity: Option<Vec<u8>>,
    roots: Vec<Vec<u8>>,
    secret_key: Option<String>,
    max_retries: u32,
    initial_backoff: Duration,
    timeout: Option<Duration>,
    user_agent: String,
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder {
            apps_in_toss_url: APPS_IN_TOSS_URL.to_owned(),
            pay_url: APPS_IN_TOSS_PAY_URL.to_owned(),
            tosspayments_url: TOSSPAYMENTS_URL.to_owned(),
            identity: None,
            roots: Vec::new(),
            secret_key: None,
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            timeout: Some(Duration::from_secs(30)),
            user_agent: concat!("toss-client/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl ClientBuilder {
    /// One base URL for every Toss host, e.g. tossd's `http://127.0.0.1:8700`.
    pub fn base_url(self, url: impl Into<String>) -> ClientBuilder {
        let url = trimmed(url.into());
        ClientBuilder {
            apps_in_toss_url: url.clone(),
            pay_url: url.clone(),
            tosspayments_url: url,
            ..self
        }
    }

    /// The Apps-in-Toss host (default [`APPS_IN_TOSS_URL`]).
    pub fn apps_in_toss_url(mut self, url: impl Into<String>) -> ClientBuilder {
        self.apps_in_toss_url = trimmed(url.into());
        self
    }

    /// The Apps-in-Toss Toss Pay host (default [`APPS_IN_TOSS_PAY_URL`]).
    pub fn apps_in_toss_pay_url(mut self, url: impl Into<String>) -> ClientBuilder {
        self.pay_url = trimmed(url.into());
        self
    }

    /// The Toss Payments host (default [`TOSSPAYMENTS_URL`]).
    pub fn tosspayments_url(mut self, url: impl Into<String>) -> ClientBuilder {
        self.tosspayments_url = trimmed(url.into());
        self
    }

    /// The partner's mTLS identity for the Apps-in-Toss API: the certificate Toss issued (PEM) and its
    /// private key (PEM, PKCS#8, PKCS#1 or SEC1).
    pub fn identity_pem(mut self, certificate: &[u8], private_key: &[u8]) -> ClientBuilder {
        let mut pem = certificate.to_vec();
        if !pem.ends_with(b"\n") {
            pem.push(b'\n');
        }
        pem.extend_from_slice(private_key);
        self.identity = Some(pem);
        self
    }

    /// Also trusts this CA (PEM), e.g. tossd's own CA when it serves HTTPS.
    pub fn root_certificate_pem(mut self, pem: &[u8]) -> ClientBuilder {
        self.roots.push(pem.to_vec());
        self
    }

    /// The Toss Payments secret key (`test_sk_…`, `live_sk_…`, `test_gsk_…`), sent as HTTP Basic.
    pub fn secret_key(mut self, key: impl Into<String>) -> ClientBuilder {
        self.secret_key = Some(key.into());
        self
    }

    /// How many times a call Toss documents as safe to repeat is retried after a connection failure, a
    /// 5xx or a 429 (default 2; 0 turns retries off).
    pub fn max_retries(mut self, retries: u32) -> ClientBuilder {
        self.max_retries = retries;
        self
    }

    /// The first backoff; each retry doubles it, with jitter (default 200 ms).
    pub fn initial_backoff(mut self, backoff: Duration) -> ClientBuilder {
        self.initial_backoff = backoff;
        self
    }

    /// The whole-request timeout (default 30 s); `None` waits indefinitely.
    pub fn timeout(mut self, timeout: Option<Duration>) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` (default `toss-client/VERSION`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ClientBuilder {
        self.user_agent = user_agent.into();
        self
    }

    /// The client, or [`Error::Config`] for an unreadable identity or certificate.
    pub fn build(self) -> Result<Client, Error> {
        let mut http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(self.user_agent);
        if let Some(timeout) = self.timeout {
            http = http.timeout(timeout);
        }
        if let Some(pem) = &self.identity {
            let identity = reqwest::Identity::from_pem(pem)
                .map_err(|e| Error::Config(format!("the mTLS identity is not usable: {e}")))?;
            http = http.identity(identity);
        }
        for pem in &self.roots {
            let certificate = reqwest::Certificate::from_pem(pem)
                .map_err(|e| Error::Config(format!("the root certificate is not usable: {e}")))?;
            http = http.add_root_certificate(certificate);
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("the HTTP client does not build: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                apps_in_toss_url: self.apps_in_toss_url,
                pay_url: self.pay_url,
                tosspayments_url: self.tosspayments_url,
                secret_key: self.secret_key,
                max_retries: self.max_retries,
                initial_backoff: self.initial_backoff,
            }),
        })
    }
}

fn trimmed(url: String) -> String {
    url.trim_end_matches('/').to_owned()
}
