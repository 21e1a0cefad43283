//! Slow and idle clients get nowhere: the head, body and keep-alive timeouts on plain HTTP and TLS, the
//! connection cap, and a flood of half-open connections against the real binary, whose memory must return
//! once they are closed. Clients here speak raw HTTP/1.1 over TCP so they can stop mid-request.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{error, fail, send, spawn_binary, TestEnv};
use crate::on_both_backends;

on_both_backends!(with_flags ["--header-timeout", "1", "--body-timeout", "1", "--keep-alive-timeout", "1"];
    half_sent_heads_are_closed_after_the_head_timeout,
    late_bodies_are_answered_408_in_the_family_envelope,
    a_late_body_leaves_its_idempotency_key_free,
    idle_kept_alive_connections_are_closed,
);

on_both_backends!(with_flags ["--max-connections", "2"];
    connections_beyond_the_cap_wait_for_a_free_slot,
);

on_both_backends!(
    the_tls_listener_has_the_same_limits,
    a_flood_of_half_open_connections_is_closed_and_memory_returns,
);

/// A request head that never ends (no blank line).
const HALF_HEAD: &[u8] =
    b"POST /v1/payments/abc/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";

/// How long a connection may take to be closed after a 1-second timeout before the test gives up: generous,
/// so a loaded machine never fails the test; a connection nobody closes would stay open forever.
const CLOSED_WITHIN: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Every response in `bytes` (all a connection received), in order.
fn responses(mut bytes: &[u8]) -> Vec<RawResponse> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("an incomplete head: {:?}", String::from_utf8_lossy(bytes)));
        let head = std::str::from_utf8(&bytes[..end]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.trim().to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let body = &bytes[end + 4..end + 4 + length];
        out.push(RawResponse {
            status: status.parse().unwrap(),
            headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        });
        bytes = &bytes[end + 4 + length..];
    }
    out
}

/// Reads until the server closes the connection (end of stream or reset); fails if it is still open after
/// [`CLOSED_WITHIN`]. Returns everything received.
async fn until_closed<S: AsyncRead + Unpin>(stream: &mut S) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(CLOSED_WITHIN, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the connection was still open after {CLOSED_WITHIN:?}; received {:?}",
        String::from_utf8_lossy(&received)
    );
    received
}

/// Sends `head` and the first bytes of a body of `length` bytes, then nothing more; returns what the
/// server answered before it closed the connection.
async fn send_a_late_body<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    head: &str,
    length: u64,
) -> Vec<RawResponse> {
    let request = format!("{head}Content-Length: {length}\r\n\r\n{{\"cancel");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    responses(&until_closed(stream).await)
}

fn host_of(env: &TestEnv) -> String {
    env.base().trim_start_matches("http://").to_owned()
}

async fn connect(env: &TestEnv) -> TcpStream {
    TcpStream::connect(host_of(env)).await.unwrap()
}

async fn healthy(client: &reqwest::Client, base: &str) {
    let r = send(client, Method::GET, &format!("{base}/healthz"), &[], None).await;
    assert_eq!((r.status, r.body), (200, json!({"status": "ok"})));
}

// ---------------------------------------------------------------------------------------------------

/// Connections whose head never completes are closed, without an answer, once the head timeout passes;
/// so is one that sends nothing at all. Meanwhile the server answers everyone else.
async fn half_sent_heads_are_closed_after_the_head_timeout(env: TestEnv) {
    let mut silent = connect(&env).await;
    let mut half = Vec::new();
    for _ in 0..20 {
        let mut stream = connect(&env).await;
        stream.write_all(HALF_HEAD).await.unwrap();
        half.push(stream);
    }
    healthy(&reqwest::Client::new(), env.base()).await;
    assert_eq!(until_closed(&mut silent).await, b"");
    for stream in &mut half {
        assert_eq!(until_closed(stream).await, b"");
    }
    healthy(&reqwest::Client::new(), env.base()).await;
}

/// A body that stops arriving — also one announcing far more bytes than it ever sends — gets its family's
/// 408 after the body timeout, and the connection is closed (the rest of the body is never read).
async fn late_bodies_are_answered_408_in_the_family_envelope(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let host = host_of(&env);
    let cancel = format!(
        "POST /v1/payments/abc/cancel HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n"
    );
    let cases = [
        (
            cancel.clone(),
            1000,
            error("REQUEST_TIMEOUT", "요청 시간이 초과되었습니다. 다시 시도해주세요."),
        ),
        (
            cancel.clone(),
            1_000_000_000_000,
            error("REQUEST_TIMEOUT", "요청 시간이 초과되었습니다. 다시 시도해주세요."),
        ),
        (
            format!("{cancel}Accept-Language: en-US\r\n"),
            1000,
            error("REQUEST_TIMEOUT", "The request timed out. Please try again."),
        ),
        (
            format!(
                "POST /api-partner/v1/apps-in-toss/user/oauth2/generate-token HTTP/1.1\r\nHost: {host}\r\n"
            ),
            1000,
            fail("REQUEST_TIMEOUT", "요청 시간이 초과되었어요."),
        ),
        (
            format!("POST /sim/v1/payments HTTP/1.1\r\nHost: {host}\r\n"),
            1_000_000_000_000,
            json!({"error": {"code": "REQUEST_TIMEOUT",
                             "message": "the request body did not arrive in time"}}),
        ),
    ];
    for (head, length, body) in cases {
        let mut stream = connect(&env).await;
        let answers = send_a_late_body(&mut stream, &head, length).await;
        assert_eq!(answers.len(), 1, "{head}: {answers:?}");
        let answer = &answers[0];
        assert_eq!((answer.status, answer.json()), (408, body), "{head}");
        assert_eq!(answer.header("connection"), Some("close"), "{head}");
    }

    // Requests whose bodies arrive are untouched.
    let r = env
        .post(
            "/v1/payments/abc/cancel",
            &[("authorization", &auth)],
            &json!({"cancelReason": "x"}),
        )
        .await;
    assert_eq!(r.body["code"], "NOT_FOUND_PAYMENT", "{}", r.text);
    let metrics = env.get("/metrics", &[]).await.text;
    assert!(
        metrics.lines().any(|l| l.contains("status=\"408\"")),
        "408s are counted: {metrics}"
    );
}

/// A cancel whose body came too late ran nothing, so its Idempotency-Key is not spent: the retry with the
/// whole body cancels, and a duplicate of that replays the cancel.
async fn a_late_body_leaves_its_idempotency_key_free(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let payment = env.approved_payment("late-body-order", 15_000, 0).await;
    let key = payment["paymentKey"].as_str().unwrap();
    let path = format!("/v1/payments/{key}/cancel");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\nIdempotency-Key: retry-me\r\n",
        host_of(&env)
    );
    let answers = send_a_late_body(&mut connect(&env).await, &head, 40).await;
    assert_eq!(answers[0].status, 408, "{answers:?}");

    let headers = [
        ("authorization", auth.as_str()),
        ("idempotency-key", "retry-me"),
    ];
    let body = json!({"cancelReason": "고객 변심"});
    let first = env.post(&path, &headers, &body).await;
    assert_eq!(
        (first.status, &first.body["status"]),
        (200, &json!("CANCELED")),
        "{}",
        first.text
    );
    let replay = env.post(&path, &headers, &body).await;
    assert_eq!((replay.status, &replay.text), (200, &first.text));
}

/// A kept-alive connection serves request after request (here two pipelined ones), tells the client how
/// long it stays open, and is closed once idle for the keep-alive timeout.
async fn idle_kept_alive_connections_are_closed(env: TestEnv) {
    let mut stream = connect(&env).await;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", host_of(&env));
    stream
        .write_all(format!("{request}{request}").as_bytes())
        .await
        .unwrap();
    let answers = responses(&until_closed(&mut stream).await);
    assert_eq!(answers.len(), 2, "{answers:?}");
    for answer in &answers {
        assert_eq!(
            (answer.status, answer.json()),
            (200, json!({"status": "ok"}))
        );
        assert_eq!(answer.header("keep-alive"), Some("timeout=1"));
        assert_eq!(answer.header("connection"), None);
    }
}

/// At the cap tossd stops accepting: a new connection waits in the listen queue, unanswered, until a
/// slot frees, and is then served.
async fn connections_beyond_the_cap_wait_for_a_free_slot(env: TestEnv) {
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = connect(&env).await;
        stream.write_all(HALF_HEAD).await.unwrap();
        held.push(stream);
    }
    let base = env.base().to_owned();
    let waiting = tokio::spawn(async move {
        let client = reqwest::Client::new();
        send(&client, Method::GET, &format!("{base}/healthz"), &[], None).await
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!waiting.is_finished(), "a third connection was served");
    drop(held.pop());
    let r = tokio::time::timeout(CLOSED_WITHIN, waiting)
        .await
        .expect("served once a slot is free")
        .unwrap();
    assert_eq!(r.status, 200);
    // The harness's own requests need the slot back before the test ends.
    drop(held);
}

/// The TLS listener: a connection that never starts its handshake, and one that completes it but sends
/// half a head, are closed; a late body is answered 408; and normal clients are served throughout.
async fn the_tls_listener_has_the_same_limits(env: TestEnv) {
    let app = env
        .sim(Method::POST, "/sim/v1/apps", json!({"name": "tls"}))
        .await;
    let ca = app["caCertificatePem"].as_str().unwrap().to_owned();
    let server = env
        .second_server(&["--tls", "--header-timeout", "1", "--body-timeout", "1"])
        .await;
    let base = server.base_url();
    let client = crate::common::tls_client(&ca, None);

    let mut no_handshake = TcpStream::connect(server.addr).await.unwrap();
    let mut half_head = tls_connect(server.addr, &ca).await;
    half_head.write_all(HALF_HEAD).await.unwrap();
    half_head.flush().await.unwrap();
    healthy(&client, &base).await;
    assert_eq!(until_closed(&mut no_handshake).await, b"");
    assert_eq!(until_closed(&mut half_head).await, b"");

    let auth = env.merchant_basic().await;
    let mut late = tls_connect(server.addr, &ca).await;
    let head = format!(
        "POST /v1/payments/abc/cancel HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\n",
        server.addr
    );
    let answers = send_a_late_body(&mut late, &head, 1000).await;
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(
        (answers[0].status, answers[0].json()),
        (
            408,
            error(
                "REQUEST_TIMEOUT",
                "요청 시간이 초과되었습니다. 다시 시도해주세요."
            )
        )
    );
    healthy(&client, &base).await;
    server.stop().await.unwrap();
}

async fn tls_connect(
    addr: std::net::SocketAddr,
    ca_pem: &str,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    connector.connect(name, tcp).await.unwrap()
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap()
}

/// 1,000 connections that never finish their head, against `tossd serve` itself: the server answers others
/// while they are held, closes every one after the head timeout, and its memory returns near where it was.
async fn a_flood_of_half_open_connections_is_closed_and_memory_returns(env: TestEnv) {
    const FLOOD: usize = 1000;
    let (child, listen) = spawn_binary(
        env.database_url(),
        &["--header-timeout", "2", "--max-connections", "2000"],
        std::process::Stdio::null(),
    );
    let pid = child.id().unwrap();
    let base = format!("http://{listen}");
    let client = reqwest::Client::new();
    let started = tokio::time::timeout(CLOSED_WITHIN, async {
        while client.get(format!("{base}/healthz")).send().await.is_err() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(started.is_ok(), "tossd serve did not start");
    // Warm up, so the baseline is a server that has served, not a fresh one.
    for _ in 0..100 {
        healthy(&reqwest::Client::new(), &base).await;
    }
    let baseline = rss_kib(pid);

    let mut held = Vec::with_capacity(FLOOD);
    for _ in 0..FLOOD {
        let mut stream = TcpStream::connect(&listen).await.unwrap();
        stream.write_all(HALF_HEAD).await.unwrap();
        held.push(stream);
    }
    let peak = rss_kib(pid);
    for _ in 0..5 {
        healthy(&reqwest::Client::new(), &base).await;
    }
    let mut closing = tokio::task::JoinSet::new();
    for mut stream in held {
        closing.spawn(async move { until_closed(&mut stream).await });
    }
    while let Some(received) = closing.join_next().await {
        assert_eq!(received.unwrap(), b"");
    }
    healthy(&reqwest::Client::new(), &base).await;

    // Freed memory goes back to the system once the connections are gone.
    let near = baseline + baseline / 4;
    let mut after = rss_kib(pid);
    for _ in 0..100 {
        if after <= near {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = rss_kib(pid);
    }
    eprintln!("half-open flood of {FLOOD}: VmRSS {baseline} KiB before, {peak} KiB held, {after} KiB after");
    assert!(
        after <= near,
        "VmRSS {after} KiB after the flood, {baseline} KiB before (peak {peak} KiB)"
    );
    drop(child);
}
