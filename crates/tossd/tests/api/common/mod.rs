//! The harness every integration test uses: a real tossd on a random port, over a fresh SQLite file or a
//! fresh PostgreSQL database, driven over HTTP. `on_both_backends!` runs one scenario on both. The helpers
//! the scenarios share live here, each defined once.

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

pub async fn admin_pool() -> sqlx::AnyPool {
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
    // Small pools keep the whole suite well under PostgreSQL's 100 connections.
    if !extra.contains(&"--database-max-connections") {
        argv.extend_from_slice(&["--database-max-connections", TEST_POOL_SIZE]);
    }
    argv.extend_from_slice(extra);
    match Cli::parse_from(argv).command {
        Command::Serve(args) => args,
        _ => unreachable!("the arguments name the serve command"),
    }
}

/// Connections per test server: two test threads with up to two servers each stay under 20.
pub const TEST_POOL_SIZE: &str = "4";

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

/// `tossd serve` as users run it, on a free port of 127.0.0.1 with `extra` flags; returns the child and
/// its `host:port`.
pub fn spawn_binary(
    database_url: &str,
    extra: &[&str],
    stdout: std::process::Stdio,
) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|probe| probe.local_addr())
        .expect("a free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tossd"))
        .args(["serve", "--listen", &listen, "--database-url", database_url])
        .args(["--database-max-connections", TEST_POOL_SIZE])
        .args(extra)
        .stdout(stdout)
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the tossd binary starts");
    (child, listen)
}

/// Runs `scenario` against a fresh server on `backend` started with `flags`, then tears everything down
/// (also on failure).
pub async fn run<F, Fut>(backend: Backend, flags: &[&str], scenario: F)
where
    F: FnOnce(TestEnv) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    run_serving(backend, flags, axum::Router::new(), scenario).await;
}

/// [`run`] with `extra` routes served beside tossd's own (a test's probes).
pub async fn run_serving<F, Fut>(
    backend: Backend,
    flags: &[&str],
    extra: axum::Router<tossd::state::AppState>,
    scenario: F,
) where
    F: FnOnce(TestEnv) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let env = TestEnv::start_serving(backend, flags, extra).await;
    let outcome = tokio::spawn(scenario(env.clone())).await;
    env.stop().await;
    if let Err(e) = outcome {
        resume_unwind(e.into_panic());
    }
}

/// `on_both_backends!(a, b)` makes tests `a::sqlite`, `a::postgres`, … from `async fn a(env: TestEnv)`;
/// `on_both_backends!(with_flags [..]; a, b)` starts their servers with those serve flags.
#[macro_export]
macro_rules! on_both_backends {
    (with_flags $flags:expr; $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    $crate::common::run($crate::common::Backend::Sqlite, &$flags, super::$name)
                        .await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    $crate::common::run($crate::common::Backend::Postgres, &$flags, super::$name)
                        .await;
                }
            }
        )*
    };
    ($($name:ident),* $(,)?) => {
        $crate::on_both_backends!(with_flags []; $($name),*);
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
    let pool = env.db().await;
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

// ---------------------------------------------------------------------------------------------------
// Answers and shapes shared by the scenarios.

/// Asserts `r` is exactly `status` with `body`.
pub fn assert_resp(r: &Resp, status: u16, body: &Value) {
    assert_eq!((r.status, &r.body), (status, body), "{}", r.text);
}

/// `Authorization: Bearer` with `token`.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A Toss Payments failure body: `{code, message}`.
pub fn error(code: &str, message: &str) -> Value {
    serde_json::json!({"code": code, "message": message})
}

/// Toss Payments' `INVALID_REQUEST` body.
pub fn invalid_request() -> Value {
    error("INVALID_REQUEST", "잘못된 요청입니다.")
}

/// Toss Payments' `INVALID_CUSTOMER_KEY` body.
pub fn invalid_customer_key() -> Value {
    error(
        "INVALID_CUSTOMER_KEY",
        "고객키는 영문 대소문자, 숫자, 특수문자 -, _, =, ., @로 2자 이상 50자 이하여야 합니다.",
    )
}

/// Toss Payments' `UNAUTHORIZED_KEY` body.
pub fn unauthorized_key() -> Value {
    error(
        "UNAUTHORIZED_KEY",
        "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.",
    )
}

/// An Apps-in-Toss failure envelope with `code` and `reason`.
pub fn fail(code: &str, reason: &str) -> Value {
    serde_json::json!({"resultType": "FAIL", "success": null,
           "error": {"errorType": 0, "errorCode": code, "reason": reason, "data": {}, "title": null}})
}

/// Apps-in-Toss' `INVALID_PARAMETER` envelope.
pub fn invalid_parameter() -> Value {
    fail("INVALID_PARAMETER", "요청에 실패했습니다.")
}

/// The OAuth2 `invalid_grant` body of the Toss login endpoints.
pub fn invalid_grant() -> Value {
    serde_json::json!({"error": "invalid_grant"})
}

/// A string of exactly `len` ASCII letters and digits.
pub fn is_alnum(value: &Value, len: usize) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.len() == len && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A Toss Payments transaction key: 32 upper-case hex digits.
pub fn is_transaction_key(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    })
}

/// A Toss Payments time: `2022-06-07T17:21:21+09:00`.
pub fn is_tp_time(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 25 && s.ends_with("+09:00") && chrono::DateTime::parse_from_rfc3339(s).is_ok()
    })
}

/// `base` with `field` set to `value` (a request body with one field changed).
pub fn with(base: &Value, field: &str, value: Value) -> Value {
    let mut body = base.clone();
    body[field] = value;
    body
}

/// `base` without `field` (a request body missing one field).
pub fn without(base: &Value, field: &str) -> Value {
    let mut body = base.clone();
    body.as_object_mut().expect("a JSON object").remove(field);
    body
}

// ---------------------------------------------------------------------------------------------------
// Simulator steps.

/// Moves the clock of the tossd at `base` forward `seconds`; returns the clock after.
pub async fn advance_at(client: &reqwest::Client, base: &str, seconds: i64) -> Value {
    let body = serde_json::json!({"seconds": seconds}).to_string();
    let url = format!("{base}/sim/v1/clock/advance");
    let r = send(client, Method::POST, &url, &[], Some(&body)).await;
    assert_eq!(r.status, 200, "{url}: {}", r.text);
    r.body
}

/// Moves the test's clock forward `seconds`; returns the clock after.
pub async fn advance(env: &TestEnv, seconds: i64) -> Value {
    advance_at(env.client(), env.base(), seconds).await
}

/// Every outbox event as `GET /sim/v1/webhooks` shows it, oldest first.
pub async fn deliveries(env: &TestEnv) -> Vec<Value> {
    let list = env.sim(Method::GET, "/sim/v1/webhooks", Value::Null).await;
    let mut out = list.as_array().expect("a list").clone();
    out.reverse();
    out
}

/// Every outbox event's (eventType, payload), oldest first.
pub async fn outbox_events(env: &TestEnv) -> Vec<(String, Value)> {
    deliveries(env)
        .await
        .into_iter()
        .map(|d| {
            let event_type = d["eventType"].as_str().expect("eventType").to_owned();
            (event_type, d["payload"].clone())
        })
        .collect()
}

/// The payloads of the `PAYMENT_STATUS_CHANGED` events, oldest first.
pub async fn payment_webhooks(env: &TestEnv) -> Vec<Value> {
    outbox_events(env)
        .await
        .into_iter()
        .filter(|(event_type, _)| event_type == "PAYMENT_STATUS_CHANGED")
        .map(|(_, payload)| payload)
        .collect()
}

/// A card of BrandPay customer `key` registered through the simulator.
pub async fn register_card(env: &TestEnv, key: &str, body: Value) -> Value {
    env.sim(
        Method::POST,
        &format!("/sim/v1/brandpay/customers/{key}/cards"),
        body,
    )
    .await
}

/// An account of BrandPay customer `key` registered through the simulator.
pub async fn register_account(env: &TestEnv, key: &str, body: Value) -> Value {
    env.sim(
        Method::POST,
        &format!("/sim/v1/brandpay/customers/{key}/accounts"),
        body,
    )
    .await
}

// ---------------------------------------------------------------------------------------------------
// Partner calls.

/// The Toss user logs in to an app (`POST /sim/v1/login` with `body`); returns the authorization code
/// and referrer.
pub async fn toss_login(env: &TestEnv, body: Value) -> (String, String) {
    let r = env.sim(Method::POST, "/sim/v1/login", body).await;
    let code = r["authorizationCode"].as_str().expect("code").to_owned();
    assert_eq!(code.len(), 22);
    assert!(code.bytes().all(|b| b.is_ascii_alphanumeric()));
    (code, r["referrer"].as_str().expect("referrer").to_owned())
}

/// The partner exchanges a login's authorization code (`user/oauth2/generate-token`).
pub async fn generate_token(env: &TestEnv, code: &str, referrer: &str) -> Resp {
    env.post(
        "/api-partner/v1/apps-in-toss/user/oauth2/generate-token",
        &[],
        &serde_json::json!({"authorizationCode": code, "referrer": referrer}),
    )
    .await
}

/// Logs `user_key` in to the default app with every scope and exchanges the code; returns the `success`
/// payload (accessToken, refreshToken, …).
pub async fn login_tokens(env: &TestEnv, user_key: i64) -> Value {
    let (code, referrer) = toss_login(env, serde_json::json!({"userKey": user_key})).await;
    let r = generate_token(env, &code, &referrer).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["success"].clone()
}

/// An Apps-in-Toss POST as the Toss user `user_key` (`x-toss-user-key`).
pub async fn post_as(env: &TestEnv, path: &str, user_key: i64, body: &Value) -> Resp {
    env.post(path, &[("x-toss-user-key", &user_key.to_string())], body)
        .await
}

/// BrandPay terms agreement of customer `key`; returns the 24-character code.
pub async fn brandpay_agree(
    env: &TestEnv,
    auth: &str,
    key: &str,
    scope: Value,
    terms: Value,
) -> String {
    let r = env
        .post(
            "/v1/brandpay/terms/agree",
            &[("authorization", auth)],
            &serde_json::json!({"customerKey": key, "scope": scope, "termsId": terms}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let code = r.body["code"].as_str().expect("code").to_owned();
    assert!(is_alnum(&Value::from(code.as_str()), 24), "{code}");
    assert_eq!(r.body.as_object().map(|o| o.len()), Some(1));
    code
}

/// The BrandPay `AuthorizationCode` grant of `code` for customer `key`.
pub async fn brandpay_exchange(env: &TestEnv, auth: &str, key: &str, code: &str) -> Resp {
    env.post(
        "/v1/brandpay/authorizations/access-token",
        &[("authorization", auth)],
        &serde_json::json!({"grantType": "AuthorizationCode", "customerKey": key, "code": code}),
    )
    .await
}

/// The code of BrandPay customer `key` agreeing to every sign-up term.
pub async fn brandpay_signup_code(env: &TestEnv, auth: &str, key: &str) -> String {
    brandpay_agree(
        env,
        auth,
        key,
        serde_json::json!(["REGISTER"]),
        serde_json::json!([1, 2, 3, 4]),
    )
    .await
}

/// Signs BrandPay customer `key` up (sign-up code exchanged); returns (accessToken, refreshToken).
pub async fn brandpay_tokens(env: &TestEnv, auth: &str, key: &str) -> (String, String) {
    let code = brandpay_signup_code(env, auth, key).await;
    let r = brandpay_exchange(env, auth, key, &code).await;
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

// ---------------------------------------------------------------------------------------------------
// Races.

/// Runs `call(0)` … `call(n - 1)` at once; returns their outcomes in the order they finish.
pub async fn concurrently<T, Fut>(n: usize, call: impl Fn(usize) -> Fut) -> Vec<T>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        set.spawn(call(i));
    }
    let mut out = Vec::with_capacity(n);
    while let Some(outcome) = set.join_next().await {
        out.push(outcome.expect("request task"));
    }
    out
}

/// The 200s among `responses`; every other response must be exactly `status` with `body`.
pub fn successes<'a>(responses: &'a [Resp], status: u16, body: &Value) -> Vec<&'a Resp> {
    let mut ok = Vec::new();
    for r in responses {
        if r.status == 200 {
            ok.push(r);
        } else {
            assert_resp(r, status, body);
        }
    }
    ok
}

/// The server at `first` and, on PostgreSQL, a second tossd on the test's database (the multi-process
/// deployment; a SQLite file has one tossd). Races spread their requests over both.
pub struct Servers {
    bases: Vec<String>,
    second: Option<Server>,
}

impl Servers {
    /// `first` plus, on PostgreSQL, a second tossd started with `flags`.
    pub async fn start(env: &TestEnv, first: &str, flags: &[&str]) -> Servers {
        let second = match env.backend() {
            Backend::Postgres => Some(env.second_server(flags).await),
            Backend::Sqlite => None,
        };
        let mut bases = vec![first.to_owned()];
        bases.extend(second.as_ref().map(Server::base_url));
        Servers { bases, second }
    }

    /// The test's server plus, on PostgreSQL, a second tossd.
    pub async fn of(env: &TestEnv) -> Servers {
        Servers::start(env, env.base(), &[]).await
    }

    pub fn bases(&self) -> &[String] {
        &self.bases
    }

    /// Where the `i`-th request goes: the servers in turn.
    pub fn base(&self, i: usize) -> &str {
        &self.bases[i % self.bases.len()]
    }

    pub async fn stop(self) {
        if let Some(second) = self.second {
            second.stop().await.expect("the second tossd stops");
        }
    }
}

/// `n` identical POSTs of `body` to `path` at once, spread over `servers`; returns every response.
pub async fn post_concurrently(
    env: &TestEnv,
    servers: &Servers,
    n: usize,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Vec<Resp> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    concurrently(n, |i| {
        let client = env.client().clone();
        let url = format!("{}{path}", servers.base(i));
        let (headers, body) = (headers.clone(), body.to_owned());
        async move {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            send(&client, Method::POST, &url, &headers, Some(&body)).await
        }
    })
    .await
}
