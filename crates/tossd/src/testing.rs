//! tossd inside `cargo test` (feature `testing`): [`TestServer`] starts the whole server in the test's
//! process on `127.0.0.1:0` with a temporary SQLite database, the way `wiremock::MockServer::start()`
//! starts a mock, and plays the user's side through typed simulator helpers
//! (docs/testing-with-tossd.md, `tests/test_server.rs`).
//!
//! ```no_run
//! # async fn merchant_test() -> anyhow::Result<()> {
//! let toss = tossd::testing::TestServer::start().await?;
//! // Point the code under test at toss.url() for every Toss host; authenticate with toss.secret_key().
//! let user_key = toss.create_user("김토스").await?;
//! let login = toss.login(user_key).await?;
//! // … the code under test exchanges login.authorization_code at generate-token …
//! # Ok(()) }
//! ```

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::{Cli, Command};
use crate::domain::secrets;
use crate::ready::{create_private_dir, Connection};
use crate::server::Server;

/// A running tossd for one test. Stops when dropped (inside a Tokio runtime) or with [`TestServer::stop`].
pub struct TestServer {
    server: Option<Server>,
    connection: Connection,
    client: reqwest::Client,
    scratch: Option<PathBuf>,
}

/// How to start a [`TestServer`]; [`TestServer::start`] is `TestServer::builder().start()`.
#[derive(Debug, Default, Clone)]
pub struct Builder {
    database_url: Option<String>,
    tls: bool,
    args: Vec<String>,
}

impl Builder {
    /// Serves from this database (`sqlite://FILE` or `postgres://…`) instead of a temporary SQLite file.
    /// The database is neither created nor dropped.
    pub fn database_url(mut self, url: impl Into<String>) -> Builder {
        self.database_url = Some(url.into());
        self
    }

    /// Serves HTTPS and requires a client certificate, as the Apps-in-Toss partner API does:
    /// [`TestServer::client_identity_pem`] and [`TestServer::ca_certificate_pem`] then give the default
    /// app's identity and the CA to trust.
    pub fn mtls(mut self) -> Builder {
        self.tls = true;
        self
    }

    /// Any other `tossd serve` flag, e.g. `["--clock", "manual"]` (README's flag table).
    pub fn args<I, S>(mut self, args: I) -> Builder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Starts the server and waits until it answers.
    pub async fn start(self) -> anyhow::Result<TestServer> {
        let scratch = std::env::temp_dir().join(format!(
            "tossd-test-{}",
            secrets::random_alnum(12).to_lowercase()
        ));
        create_private_dir(&scratch)?;
        match self.start_in(&scratch).await {
            Ok(server) => Ok(server),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&scratch);
                Err(e)
            }
        }
    }

    async fn start_in(self, scratch: &std::path::Path) -> anyhow::Result<TestServer> {
        let database_url = self
            .database_url
            .unwrap_or_else(|| format!("sqlite://{}", scratch.join("tossd.db").display()));
        let mut argv = vec![
            "tossd".to_owned(),
            "serve".to_owned(),
            "--listen".to_owned(),
            "127.0.0.1:0".to_owned(),
            "--database-url".to_owned(),
            database_url,
            // A test's pool: several test servers run side by side on one PostgreSQL.
            "--database-max-connections".to_owned(),
            "4".to_owned(),
        ];
        if self.tls {
            argv.push("--require-mtls".to_owned());
        }
        argv.extend(self.args);
        let Command::Serve(args) = Cli::try_parse_args(&argv)?.command else {
            anyhow::bail!("the flags do not start a server");
        };
        let server = Server::start(&args).await?;
        let connection = match Connection::describe(&server, &scratch.join("tls")).await {
            Ok(connection) => connection,
            Err(e) => {
                server.stop().await?;
                return Err(e);
            }
        };
        let mut client = reqwest::Client::builder();
        if let Some(files) = &connection.tls {
            let ca = std::fs::read(&files.ca_certificate_file)?;
            client = client
                .add_root_certificate(reqwest::Certificate::from_pem(&ca)?)
                .identity(reqwest::Identity::from_pem(
                    identity_pem(&connection)?.as_bytes(),
                )?);
        }
        Ok(TestServer {
            server: Some(server),
            connection,
            client: client.build()?,
            scratch: Some(scratch.to_owned()),
        })
    }
}

fn identity_pem(connection: &Connection) -> anyhow::Result<String> {
    let Some(files) = &connection.tls else {
        anyhow::bail!("the server was not started with mTLS");
    };
    Ok(format!(
        "{}{}",
        std::fs::read_to_string(&files.certificate_file)?,
        std::fs::read_to_string(&files.private_key_file)?
    ))
}

/// A Toss login authorization code, as the user's consent gives it to the mini-app.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoginCode {
    /// Exchanged once at `POST /api-partner/v1/apps-in-toss/user/oauth2/generate-token`.
    pub authorization_code: String,
    /// `DEFAULT` (the Toss app) or `SANDBOX`.
    pub referrer: String,
}

/// A card the customer registered in the BrandPay window.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegisteredCard {
    /// The simulator's id of the method (`/sim/v1/brandpay/methods/{id}/decline`).
    pub id: String,
    /// The key BrandPay's payment calls take.
    pub method_key: String,
    pub card_name: String,
}

impl TestServer {
    /// Starts tossd on a temporary SQLite database and a free loopback port.
    pub async fn start() -> anyhow::Result<TestServer> {
        Builder::default().start().await
    }

    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The base URL of every Toss host: `https://apps-in-toss-api.toss.im` and `https://api.tosspayments.com`
    /// both become this (`http://127.0.0.1:PORT`, or `https://…` with mTLS).
    pub fn url(&self) -> &str {
        &self.connection.url
    }

    /// The default merchant's secret key (`test_sk_…`), for `Authorization: Basic`.
    pub fn secret_key(&self) -> &str {
        &self.connection.secret_key
    }

    /// The default merchant's client key (`test_ck_…`), for the browser SDK.
    pub fn client_key(&self) -> &str {
        &self.connection.client_key
    }

    /// The default merchant's `mId`.
    pub fn m_id(&self) -> &str {
        &self.connection.m_id
    }

    /// The default partner app's `appId`.
    pub fn app_id(&self) -> &str {
        &self.connection.app_id
    }

    /// With [`Builder::mtls`]: the default app's client certificate and private key as one PEM
    /// (`reqwest::Identity::from_pem` takes it).
    pub fn client_identity_pem(&self) -> anyhow::Result<String> {
        identity_pem(&self.connection)
    }

    /// With [`Builder::mtls`]: the CA certificate (PEM) that issued the server's certificate.
    pub fn ca_certificate_pem(&self) -> anyhow::Result<String> {
        let Some(files) = &self.connection.tls else {
            anyhow::bail!("the server was not started with mTLS");
        };
        Ok(std::fs::read_to_string(&files.ca_certificate_file)?)
    }

    /// A client that reaches this server (trusting its CA and presenting the default app's identity
    /// under mTLS).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Makes a Toss user (a random profile with `name`); returns its `userKey`.
    pub async fn create_user(&self, name: &str) -> anyhow::Result<i64> {
        let user = self
            .sim(
                reqwest::Method::POST,
                "/sim/v1/users",
                json!({"name": name}),
            )
            .await?;
        user["userKey"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("the simulator answered no userKey: {user}"))
    }

    /// The user consents to the default app's login (every scope and term): the authorization code.
    pub async fn login(&self, user_key: i64) -> anyhow::Result<LoginCode> {
        let code = self
            .sim(
                reqwest::Method::POST,
                "/sim/v1/login",
                json!({"userKey": user_key}),
            )
            .await?;
        Ok(serde_json::from_value(code)?)
    }

    /// The buyer approves a Toss Pay payment in the pay sheet (Toss Money when the payment allows it,
    /// else a card); it becomes `PAY_APPROVED`.
    pub async fn approve_payment(&self, pay_token: &str) -> anyhow::Result<()> {
        let path = format!("/sim/v1/pay/{}/approve", segment(pay_token));
        self.sim(reqwest::Method::POST, &path, json!({})).await?;
        Ok(())
    }

    /// The customer registers a card (the simulator's defaults: a 현대카드 credit card) with the default
    /// merchant's BrandPay.
    pub async fn register_card(&self, customer_key: &str) -> anyhow::Result<RegisteredCard> {
        let path = format!("/sim/v1/brandpay/customers/{}/cards", segment(customer_key));
        let card = self.sim(reqwest::Method::POST, &path, json!({})).await?;
        Ok(serde_json::from_value(card)?)
    }

    /// Moves tossd's business clock forward (expiries, schedules and webhook retries follow it).
    pub async fn advance_clock(&self, by: Duration) -> anyhow::Result<()> {
        self.sim(
            reqwest::Method::POST,
            "/sim/v1/clock/advance",
            json!({"seconds": by.as_secs()}),
        )
        .await?;
        Ok(())
    }

    /// Any simulator call (`/sim/v1/…`, DESIGN's contract): its JSON answer, or an error with its body.
    pub async fn sim(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let response = self
            .client
            .request(method, format!("{}{path}", self.url()))
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        anyhow::ensure!(status.is_success(), "{path} answered {status}: {text}");
        Ok(serde_json::from_str(&text)?)
    }

    /// Stops accepting, lets requests in flight finish, and removes the temporary database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let stopped = match self.server.take() {
            Some(server) => server.stop().await,
            None => Ok(()),
        };
        if let Some(scratch) = self.scratch.take() {
            let _ = std::fs::remove_dir_all(scratch);
        }
        stopped
    }
}

/// A path segment with the characters a URL path cannot carry escaped.
fn segment(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let (Some(server), scratch) = (self.server.take(), self.scratch.take()) else {
            return;
        };
        // Stopping is asynchronous: it runs on the test's runtime (a runtime already shutting down ends
        // the server with it, and the temporary files are left to the system's temp directory).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = server.stop().await;
                if let Some(scratch) = scratch {
                    let _ = std::fs::remove_dir_all(scratch);
                }
            });
        }
    }
}
