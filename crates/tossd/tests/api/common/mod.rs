//! The harness every integration test uses: a real tossd on a random port, over a fresh SQLite file or a
//! fresh PostgreSQL database, driven over HTTP. `on_both_backends!` runs one scenario on both.

#![allow(dead_code)]

pub mod browser;

use std::panic::resume_unwind;
use std::sync::Arc;

use clap::Parser;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;
use sqlx::Executor;
use tossd::config::{Cli, Command, ServeArgs};
use tossd::server::Server;

/// Where PostgreSQL test databases are created; tests fail (never skip) when it cannot be reached.
pub fn postgres_admin_url() -> String {
    std::env::var("TOSSD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database for one test, removed when the test ends.
pub struct TestDatabase {
    pub url: String,
    backend: Backend,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> TestDatabase {
        sqlx::any::install_default_drivers();
        let name = format!(
            "tossd_test_{}",
            tossd::domain::secrets::random_alnum(12).to_lowercase()
        );
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("tossd.db").display());
                TestDatabase {
                    url,
                    backend,
                    name,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let admin = admin_pool().await;
                admin
                    .execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("CREATE DATABASE for the test");
                admin.close().await;
                let base = postgres_admin_url();
                let server = &base[..base.rfind('/').expect("a database URL has a path")];
                TestDatabase {
                    url: format!("{server}/{name}"),
                    backend,
                    name,
                    _dir: None,
                }
            }
        }
    }

    pub async fn drop_database(&self) {
        if self.backend == Backend::Postgres {
            let admin = admin_pool().await;
            admin
                .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
                .await
                .expect("DROP DATABASE after the test");
            admin.close().await;
        }
    }
}

async fn admin_pool() -> sqlx::AnyPool {
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&postgres_admin_url())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {} is required for these tests: {e}",
                postgres_admin_url()
            )
        })
}

/// Serve arguments for a test server on `database_url`, plus any extra flags.
pub fn serve_args(database_url: &str, extra: &[&str]) -> ServeArgs {
    let mut argv = vec![
        "tossd",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        database_url,
    ];
    argv.extend_from_slice(extra);
    match Cli::parse_from(argv).command {
        Command::Serve(args) => args,
        _ => unreachable!("the arguments name the serve command"),
    }
}

/// One test's world: a database and a server on it (more servers can join the same database).
#[derive(Clone)]
pub struct TestEnv {
    inner: Arc<EnvInner>,
}

struct EnvInner {
    backend: Backend,
    database: TestDatabase,
    server: tokio::sync::Mutex<Option<Server>>,
    base: String,
    client: reqwest::Client,
}

/// A response: status, headers and the body parsed as JSON (`Value::Null` when it is not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl TestEnv {
    pub async fn start(backend: Backend) -> TestEnv {
        TestEnv::start_with(backend, &[]).await
    }

    pub async fn start_with(backend: Backend, extra_flags: &[&str]) -> TestEnv {
        TestEnv::start_serving(backend, extra_flags, axum::Router::new()).await
    }

    /// A server that also serves `extra` routes (a test's probes) beside tossd's own.
    pub async fn start_serving(
        backend: Backend,
        extra_flags: &[&str],
        extra: axum::Router<tossd::state::AppState>,
    ) -> TestEnv {
        let database = TestDatabase::create(backend).await;
        let server = Server::start_with(&serve_args(&database.url, extra_flags), extra)
            .await
            .expect("tossd starts");
        let base = server.base_url();
        TestEnv {
            inner: Arc::new(EnvInner {
                backend,
                database,
                server: tokio::sync::Mutex::new(Some(server)),
                base,
                client: reqwest::Client::new(),
            }),
        }
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    pub fn database_url(&self) -> &str {
        &self.inner.database.url
    }

    pub fn base(&self) -> &str {
        &self.inner.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// Another tossd on the same database (the multi-process setup on PostgreSQL).
    pub async fn second_server(&self, extra_flags: &[&str]) -> Server {
        Server::start(&serve_args(self.database_url(), extra_flags))
            .await
            .expect("second tossd starts")
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Resp {
        send(&self.inner.client, method, &self.url(path), headers, body).await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        self.request(Method::GET, path, headers, None).await
    }

    pub async fn post(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Resp {
        self.request(Method::POST, path, headers, Some(&body.to_string()))
            .await
    }

    /// A simulator call that must succeed; returns its body.
    pub async fn sim(&self, method: Method, path: &str, body: Value) -> Value {
        let resp = self
            .request(method, path, &[], Some(&body.to_string()))
            .await;
        assert!(
            resp.status < 300,
            "{path} answered {}: {}",
            resp.status,
            resp.text
        );
        resp.body
    }

    /// `Authorization: Basic` for the default merchant's secret key.
    pub async fn merchant_basic(&self) -> String {
        let merchant = self
            .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
            .await;
        basic(merchant["secretKey"].as_str().expect("secretKey"))
    }

    /// A payment of the default merchant approved through the simulator (`POST /sim/v1/payments`).
    pub async fn approved_payment(&self, order_id: &str, amount: i64, tax_free: i64) -> Value {
        self.sim(
            Method::POST,
            "/sim/v1/payments",
            serde_json::json!({
                "orderId": order_id, "orderName": "토스 티셔츠 외 2건", "amount": amount,
                "taxFreeAmount": tax_free,
            }),
        )
        .await
    }

    /// A direct connection to the test's database, to inspect rows no API shows yet.
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(self.database_url())
            .await
            .expect("the test database opens")
    }

    async fn stop(&self) {
        if let Some(server) = self.inner.server.lock().await.take() {
            server.stop().await.expect("tossd stops cleanly");
        }
        self.inner.database.drop_database().await;
    }
}

pub fn basic(secret_key: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{secret_key}:"))
    )
}

pub async fn send(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Resp {
    let mut request = client.request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("request reaches tossd");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("response body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        body,
    }
}

/// Runs `scenario` against a fresh server on `backend`, then tears everything down (also on failure).
pub async fn run<F, Fut>(backend: Backend, scenario: F)
where
    F: FnOnce(TestEnv) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    run_with_routes(backend, axum::Router::new(), scenario).await;
}

/// [`run`] with `extra` routes served beside tossd's own.
pub async fn run_with_routes<F, Fut>(
    backend: Backend,
    extra: axum::Router<tossd::state::AppState>,
    scenario: F,
) where
    F: FnOnce(TestEnv) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let env = TestEnv::start_serving(backend, &[], extra).await;
    let outcome = tokio::spawn(scenario(env.clone())).await;
    env.stop().await;
    if let Err(e) = outcome {
        resume_unwind(e.into_panic());
    }
}

/// `on_both_backends!(a, b)` makes tests `a::sqlite`, `a::postgres`, … from `async fn a(env: TestEnv)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    $crate::common::run($crate::common::Backend::Sqlite, super::$name).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    $crate::common::run($crate::common::Backend::Postgres, super::$name).await;
                }
            }
        )*
    };
}

/// The user logs in to the default app once (`POST /sim/v1/login`), which makes their userKey known to it.
pub async fn link_user(env: &TestEnv, user_key: i64) {
    env.sim(
        Method::POST,
        "/sim/v1/login",
        serde_json::json!({"userKey": user_key}),
    )
    .await;
}

/// Runs one SQL statement on the test database (fixtures the simulator has no call for yet).
pub async fn exec_sql(env: &TestEnv, sql: &str) {
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(env.database_url())
        .await
        .expect("test database");
    pool.execute(sql).await.expect("fixture SQL");
    pool.close().await;
}

/// A TLS client that trusts tossd's CA, presenting `identity_pem` (certificate + key) when given.
pub fn tls_client(ca_pem: &str, identity_pem: Option<String>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA PEM"));
    if let Some(pem) = identity_pem {
        builder =
            builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity PEM"));
    }
    builder.build().expect("TLS client")
}

/// The mTLS client of an app made by `POST /sim/v1/apps` (its certificate, key and tossd's CA).
pub fn app_client(app: &serde_json::Value) -> reqwest::Client {
    let identity = format!(
        "{}{}",
        app["certificatePem"].as_str().expect("certificatePem"),
        app["privateKeyPem"].as_str().expect("privateKeyPem")
    );
    tls_client(
        app["caCertificatePem"].as_str().expect("caCertificatePem"),
        Some(identity),
    )
}

/// Signs a new BrandPay customer up (terms/agree → access-token) and returns (accessToken, refreshToken).
pub async fn brandpay_tokens(env: &TestEnv, auth: &str, customer_key: &str) -> (String, String) {
    let r = env
        .post(
            "/v1/brandpay/terms/agree",
            &[("authorization", auth)],
            &serde_json::json!({"customerKey": customer_key, "scope": ["REGISTER"], "termsId": [1, 2, 3, 4]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = env
        .post(
            "/v1/brandpay/authorizations/access-token",
            &[("authorization", auth)],
            &serde_json::json!({"grantType": "AuthorizationCode", "customerKey": customer_key, "code": r.body["code"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    (
        r.body["accessToken"]
            .as_str()
            .expect("accessToken")
            .to_owned(),
        r.body["refreshToken"]
            .as_str()
            .expect("refreshToken")
            .to_owned(),
    )
}
