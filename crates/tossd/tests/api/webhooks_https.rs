//! Webhooks and unlink callbacks to HTTPS receivers: delivered when the receiver's certificate chains to
//! the system's roots or to `--webhook-ca`, and otherwise a failed (recorded, retried) attempt. The
//! receiver is a small HTTPS server inside the test with a certificate from a test CA made here.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method as HttpMethod, Uri};
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{advance, brandpay_tokens, link_user, run, serve_args, Backend, TestEnv};
use crate::on_both_backends;

on_both_backends!(without_the_ca_an_https_attempt_fails_and_is_retried);

mod with_the_webhook_ca {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        with_webhook_ca(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        with_webhook_ca(Backend::Postgres).await;
    }
}

const HONG: i64 = 123456789;

/// A test CA and a server certificate it issued for `localhost` and `127.0.0.1`.
struct TestPki {
    ca_pem: String,
    server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    server_key_der: Vec<u8>,
}

impl TestPki {
    fn new() -> TestPki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "tossd webhook test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, &ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .unwrap();
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &issuer).unwrap();
        TestPki {
            ca_pem: ca_cert.pem(),
            server_chain: vec![cert.der().clone()],
            server_key_der: key.serialize_der(),
        }
    }
}

#[derive(Debug, Clone)]
struct Received {
    method: String,
    uri: String,
    headers: HeaderMap,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// An HTTPS server that answers 200 to everything and records what it received.
struct HttpsReceiver {
    port: u16,
    log: Arc<Mutex<Vec<Received>>>,
    refused_handshakes: Arc<AtomicUsize>,
}

impl HttpsReceiver {
    async fn start(pki: &TestPki) -> HttpsReceiver {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            pki.server_chain.clone(),
            rustls::pki_types::PrivatePkcs8KeyDer::from(pki.server_key_der.clone()).into(),
        )
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let refused_handshakes = Arc::new(AtomicUsize::new(0));
        let app = Router::new().fallback(record).with_state(log.clone());
        let refused = refused_handshakes.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, app, refused) = (acceptor.clone(), app.clone(), refused.clone());
                tokio::spawn(async move {
                    match acceptor.accept(tcp).await {
                        Ok(tls) => {
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                                .await;
                        }
                        Err(_) => {
                            refused.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        HttpsReceiver {
            port,
            log,
            refused_handshakes,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    fn log(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// Waits until `n` requests have arrived and returns them.
    async fn received(&self, n: usize) -> Vec<Received> {
        until(&format!("{n} requests at the HTTPS receiver"), || async {
            let log = self.log();
            (log.len() >= n).then_some(log)
        })
        .await
    }
}

async fn record(
    State(log): State<Arc<Mutex<Vec<Received>>>>,
    method: HttpMethod,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    log.lock().unwrap().push(Received {
        method: method.to_string(),
        uri: uri.to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    "ok"
}

/// Polls `check` (every 20 ms, for at most 20 s) until it yields a value.
async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Delivery `id` once it has `n` recorded attempts.
async fn with_attempts(env: &TestEnv, id: i64, n: usize) -> Value {
    until(&format!("{n} attempts of delivery {id}"), || async {
        let d = env
            .sim(Method::GET, &format!("/sim/v1/webhooks/{id}"), Value::Null)
            .await;
        (d["attempts"].as_array().map_or(0, Vec::len) >= n).then_some(d)
    })
    .await
}

// ---------------------------------------------------------------------------------------------------

async fn with_webhook_ca(backend: Backend) {
    let pki = TestPki::new();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("webhook-ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let ca_file = ca_file.to_str().unwrap().to_owned();
    run(backend, &["--webhook-ca", &ca_file], move |env| {
        https_receivers_get_webhooks_and_unlink_callbacks(env, pki)
    })
    .await;
}

/// A BrandPay customer signs up (a Toss Payments webhook to the merchant) and a Toss user unlinks the app
/// (an Apps-in-Toss unlink callback): both reach the HTTPS receiver, whose CA came with --webhook-ca.
async fn https_receivers_get_webhooks_and_unlink_callbacks(env: TestEnv, pki: TestPki) {
    let receiver = HttpsReceiver::start(&pki).await;
    env.sim(
        Method::PUT,
        "/sim/v1/merchants/default/webhook",
        json!({"url": receiver.url("/hooks/toss")}),
    )
    .await;
    env.sim(
        Method::PUT,
        "/sim/v1/apps/default/unlink-callback",
        json!({"url": receiver.url("/toss/unlink"), "method": "POST", "basicAuth": "dXNlcjpwYXNz"}),
    )
    .await;

    let auth = env.merchant_basic().await;
    brandpay_tokens(&env, &auth, "https-customer").await;
    link_user(&env, HONG).await;
    env.sim(
        Method::POST,
        &format!("/sim/v1/users/{HONG}/unlink"),
        json!({"referrer": "UNLINK"}),
    )
    .await;

    let got = receiver.received(2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    let webhook = got.iter().find(|r| r.uri == "/hooks/toss").unwrap();
    assert_eq!(webhook.method, "POST");
    assert_eq!(webhook.header("content-type"), Some("application/json"));
    assert_eq!(
        webhook.header("tosspayments-webhook-transmission-retried-count"),
        Some("0")
    );
    assert!(webhook
        .header("tosspayments-webhook-transmission-id")
        .is_some_and(|id| id.starts_with("whtrans_a")));
    let body = webhook.json();
    assert_eq!(body["eventType"], "CUSTOMER_STATUS_CHANGED");
    assert_eq!(body["data"]["customerKey"], "https-customer");
    assert_eq!(body["data"]["status"], "CREATED");

    let callback = got.iter().find(|r| r.uri == "/toss/unlink").unwrap();
    assert_eq!(callback.method, "POST");
    assert_eq!(callback.header("authorization"), Some("Basic dXNlcjpwYXNz"));
    assert_eq!(
        callback.json(),
        json!({"userKey": HONG, "referrer": "UNLINK"})
    );

    let deliveries = env.sim(Method::GET, "/sim/v1/webhooks", Value::Null).await;
    for delivery in deliveries.as_array().unwrap() {
        let id = delivery["id"].as_i64().unwrap();
        let done = until(&format!("delivery {id} DELIVERED"), || async {
            let d = env
                .sim(Method::GET, &format!("/sim/v1/webhooks/{id}"), Value::Null)
                .await;
            (d["state"] == "DELIVERED").then_some(d)
        })
        .await;
        let attempts = done["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 1, "{done}");
        assert_eq!(attempts[0]["statusCode"], 200);
        assert!(attempts[0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://localhost:"));
    }
    assert_eq!(receiver.refused_handshakes.load(Ordering::SeqCst), 0);
}

/// Without --webhook-ca the test CA is unknown: the attempt fails at the handshake, is recorded with the
/// reason, and is retried on schedule; nothing reaches the receiver and tossd carries on.
async fn without_the_ca_an_https_attempt_fails_and_is_retried(env: TestEnv) {
    let pki = TestPki::new();
    let receiver = HttpsReceiver::start(&pki).await;
    env.sim(
        Method::PUT,
        "/sim/v1/merchants/default/webhook",
        json!({"url": receiver.url("/hooks/toss")}),
    )
    .await;
    let event = env
        .sim(
            Method::POST,
            "/sim/v1/webhooks/test-events",
            json!({"target": "merchant", "data": {"paymentKey": "pk_https"}}),
        )
        .await;
    let id = event["id"].as_i64().unwrap();
    let first = with_attempts(&env, id, 1).await;
    assert_eq!(first["state"], "PENDING", "{first}");
    assert_eq!(first["retriedCount"], 1);
    assert!(first["nextAttemptAt"].is_string());
    let attempt = &first["attempts"][0];
    assert_eq!(attempt["url"], receiver.url("/hooks/toss"));
    assert_eq!(attempt["statusCode"], Value::Null);
    assert_eq!(attempt["success"], false);
    assert_eq!(
        attempt["error"],
        "connection failed: invalid peer certificate: UnknownIssuer"
    );

    advance(&env, 65).await;
    let second = with_attempts(&env, id, 2).await;
    assert_eq!(second["retriedCount"], 2, "{second}");
    assert_eq!(second["attempts"][1]["retriedCount"], 1);
    assert_eq!(second["attempts"][1]["error"], attempt["error"]);
    assert!(receiver.log().is_empty());
    assert!(receiver.refused_handshakes.load(Ordering::SeqCst) >= 2);
    let r = env.get("/healthz", &[]).await;
    assert_eq!(r.status, 200);
}

/// A --webhook-ca that cannot be read or holds no certificate stops tossd at start, saying why.
#[tokio::test]
async fn an_unusable_webhook_ca_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("tossd.db").display());
    let missing = dir.path().join("missing.pem");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "just text\n").unwrap();
    for (file, reason) in [
        (&missing, "reading --webhook-ca"),
        (&not_pem, "holds no PEM certificate"),
    ] {
        let path = file.to_str().unwrap();
        let started =
            tossd::server::Server::start(&serve_args(&database, &["--webhook-ca", path])).await;
        let message = format!("{:#}", started.err().expect("tossd refuses to start"));
        assert!(message.contains(reason), "{message}");
    }
}
