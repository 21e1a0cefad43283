//! The operator guard: hostile pages (cross-site requests, DNS rebinding) get nowhere, the admin token and
//! the sign-in cookie let the operator in, and the files holding secrets are the owner's only.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::browser::Browser;
use crate::common::{assert_resp, basic, send, Resp, TestEnv};
use crate::on_both_backends;

/// The admin token of the guarded servers (repeated in their flags below).
const TOKEN: &str = "guard-admin-token-0123456789";
const EVIL: &str = "https://evil.example";

on_both_backends!(
    cross_site_reset_is_refused_and_changes_nothing,
    foreign_text_plain_payment_is_refused_and_creates_nothing,
    foreign_host_cannot_read_the_secret_key,
    database_and_key_files_are_owner_only,
);

on_both_backends!(with_flags ["--allowed-hosts", "tossd.test,.lan.test", "--public-url", "http://tossd.example:8700"];
    allowed_hosts_and_public_url_add_names_and_an_origin,
);

on_both_backends!(with_flags ["--admin-token", "guard-admin-token-0123456789"];
    admin_token_overrides_host_and_origin,
    sign_in_sets_a_cookie_the_guard_accepts_from_its_own_origin_only,
    browser_signs_in_uses_the_pages_and_signs_out,
    session_cookie_is_secure_over_tls,
);

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A form POST (`application/x-www-form-urlencoded`) as a browser sends one, with `headers`.
async fn form_post(env: &TestEnv, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    raw_post(
        env,
        path,
        "application/x-www-form-urlencoded",
        headers,
        body,
    )
    .await
}

async fn raw_post(
    env: &TestEnv,
    path: &str,
    content_type: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Resp {
    let mut request = no_redirects()
        .post(env.url(path))
        .header("content-type", content_type)
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request reaches tossd");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        body,
    }
}

async fn get_with(env: &TestEnv, path: &str, headers: &[(&str, &str)]) -> Resp {
    send(&no_redirects(), Method::GET, &env.url(path), headers, None).await
}

fn cross_site() -> Value {
    json!({"error": {"code": "CROSS_SITE_REQUEST",
        "message": "operator endpoints refuse state-changing requests from other origins"}})
}

fn host_not_allowed() -> Value {
    json!({"error": {"code": "HOST_NOT_ALLOWED",
        "message": "this Host is not a name of this tossd; add it with --allowed-hosts"}})
}

fn unauthorized() -> Value {
    json!({"error": {"code": "UNAUTHORIZED",
        "message": "operator endpoints need Authorization: Bearer <admin token>, or a sign-in at /dashboard/login"}})
}

fn location(r: &Resp) -> &str {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn instant(value: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("a time")).expect("RFC 3339")
}

/// `host:port` of the test's server.
fn authority(env: &TestEnv) -> &str {
    env.base().trim_start_matches("http://")
}

async fn user_exists(env: &TestEnv, user_key: i64) -> bool {
    let r = env.get(&format!("/sim/v1/users/{user_key}"), &[]).await;
    r.status == 200
}

async fn cross_site_reset_is_refused_and_changes_nothing(env: TestEnv) {
    let created = env
        .sim(Method::POST, "/sim/v1/users", json!({"name": "리셋대상"}))
        .await;
    let user_key = created["userKey"].as_i64().unwrap();
    // A page on another site submits the dashboard's reset form; or a browser says only that it is
    // cross-site.
    for headers in [
        vec![("origin", EVIL)],
        vec![("origin", EVIL), ("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "null")],
        vec![("origin", "http://127.0.0.1:1")],
    ] {
        let r = form_post(&env, "/dashboard/reset", &headers, "").await;
        assert_resp(&r, 403, &cross_site());
        let r = form_post(&env, "/dashboard/clock/advance", &headers, "seconds=3600").await;
        assert_resp(&r, 403, &cross_site());
    }
    assert!(user_exists(&env, user_key).await, "the reset happened");
    let r = env
        .post("/sim/v1/reset", &[("origin", EVIL)], &json!({}))
        .await;
    assert_resp(&r, 403, &cross_site());
    assert!(user_exists(&env, user_key).await, "the reset happened");

    // The dashboard's own form (its origin) and a request with no Origin at all (curl) still work.
    let own = env.base().to_owned();
    let r = form_post(
        &env,
        "/dashboard/reset",
        &[("origin", &own), ("sec-fetch-site", "same-origin")],
        "",
    )
    .await;
    assert_eq!((r.status, location(&r)), (303, "/dashboard"), "{}", r.text);
    assert!(!user_exists(&env, user_key).await);
    let created = env
        .sim(Method::POST, "/sim/v1/users", json!({"name": "리셋대상"}))
        .await;
    let r = form_post(&env, "/dashboard/reset", &[], "").await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(!user_exists(&env, created["userKey"].as_i64().unwrap()).await);
}

async fn foreign_text_plain_payment_is_refused_and_creates_nothing(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let payment = |order: &str| {
        json!({"orderId": order, "orderName": "위조 결제", "amount": 1000}).to_string()
    };
    // A `text/plain` POST is a "simple" request: a foreign page's fetch sends it without a preflight.
    for (order, headers) in [
        ("csrf-order-1", vec![("origin", EVIL)]),
        ("csrf-order-2", vec![("sec-fetch-site", "cross-site")]),
        (
            "csrf-order-3",
            vec![
                ("origin", "http://localhost:3000"),
                ("sec-fetch-site", "same-site"),
            ],
        ),
    ] {
        let r = raw_post(
            &env,
            "/sim/v1/payments",
            "text/plain",
            &headers,
            &payment(order),
        )
        .await;
        assert_resp(&r, 403, &cross_site());
        let r = env
            .get(
                &format!("/v1/payments/orders/{order}"),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(
            (r.status, &r.body["code"]),
            (404, &json!("NOT_FOUND_PAYMENT")),
            "{order} was created"
        );
    }
    // Without Origin (a server or curl), and from tossd's own origin under any of its names.
    let own = env.base().to_owned();
    let localhost = own.replace("127.0.0.1", "localhost");
    let host_localhost = authority(&env).replace("127.0.0.1", "localhost");
    for (order, headers) in [
        ("plain-order-1", vec![]),
        ("plain-order-2", vec![("origin", own.as_str())]),
        (
            "plain-order-3",
            vec![
                ("origin", localhost.as_str()),
                ("host", host_localhost.as_str()),
            ],
        ),
    ] {
        let r = raw_post(
            &env,
            "/sim/v1/payments",
            "text/plain",
            &headers,
            &payment(order),
        )
        .await;
        assert_eq!(r.status, 200, "{order}: {}", r.text);
        assert_eq!(r.body["orderId"], order);
    }
}

async fn foreign_host_cannot_read_the_secret_key(env: TestEnv) {
    let secret = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await["secretKey"]
        .as_str()
        .unwrap()
        .to_owned();
    // A DNS-rebinding page reaches 127.0.0.1 under its own name.
    let port = env.base().rsplit(':').next().unwrap().to_owned();
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_owned(),
        format!("localhost.evil.example:{port}"),
        "not a host".to_owned(),
    ] {
        for path in [
            "/sim/v1/merchants/default",
            "/dashboard",
            "/metrics",
            "/sim/login",
        ] {
            let r = get_with(&env, path, &[("host", &host)]).await;
            assert_resp(&r, 403, &host_not_allowed());
            assert!(!r.text.contains(&secret));
        }
    }
    // tossd's own names: loopback names and addresses.
    for host in [
        format!("localhost:{port}"),
        format!("LocalHost.:{port}"),
        format!("app.localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let r = get_with(&env, "/sim/v1/merchants/default", &[("host", &host)]).await;
        assert_eq!(r.status, 200, "{host}: {}", r.text);
        assert_eq!(r.body["secretKey"], secret.as_str());
    }
    // The partner APIs are not guarded: real servers call them under any name.
    let auth = basic(&secret);
    let r = get_with(
        &env,
        "/v1/payments/orders/no-such-order",
        &[("host", "tossd.docker.internal"), ("authorization", &auth)],
    )
    .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (404, &json!("NOT_FOUND_PAYMENT"))
    );
    let r = get_with(&env, "/healthz", &[("host", "evil.example")]).await;
    assert_eq!(r.status, 200);
}

async fn allowed_hosts_and_public_url_add_names_and_an_origin(env: TestEnv) {
    for (host, status) in [
        ("tossd.test:8700", 200),
        ("lan.test", 200),
        ("box.lan.test", 200),
        ("tossd.example", 200),
        ("other.tossd.test", 403),
        ("evil.example", 403),
    ] {
        let r = get_with(&env, "/sim/v1/clock", &[("host", host)]).await;
        assert_eq!(r.status, status, "{host}: {}", r.text);
    }
    // Behind a proxy that passes its own Host, --public-url's origin is tossd's own.
    let r = env
        .post(
            "/sim/v1/clock/advance",
            &[("origin", "http://tossd.example:8700")],
            &json!({"seconds": 60}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for origin in ["http://tossd.example", "https://tossd.example:8700"] {
        let r = env
            .post(
                "/sim/v1/clock/advance",
                &[("origin", origin)],
                &json!({"seconds": 60}),
            )
            .await;
        assert_resp(&r, 403, &cross_site());
    }
    // A name of --allowed-hosts is tossd's own origin when the request was sent to it.
    let r = env
        .post(
            "/sim/v1/clock/advance",
            &[
                ("origin", "http://box.lan.test:8700"),
                ("host", "box.lan.test:8700"),
            ],
            &json!({"seconds": 60}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn admin_token_overrides_host_and_origin(env: TestEnv) {
    let bearer = format!("Bearer {TOKEN}");
    let r = get_with(
        &env,
        "/sim/v1/merchants/default",
        &[
            ("host", "tossd.docker.internal"),
            ("authorization", &bearer),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["secretKey"]
        .as_str()
        .unwrap()
        .starts_with("test_sk_"));
    let r = form_post(
        &env,
        "/dashboard/clock/advance",
        &[
            ("origin", EVIL),
            ("sec-fetch-site", "cross-site"),
            ("authorization", &bearer),
        ],
        "seconds=60",
    )
    .await;
    assert_eq!((r.status, location(&r)), (303, "/dashboard#clock"));
    // Without it: the host and origin rules first, then the token.
    let r = get_with(&env, "/sim/v1/clock", &[("host", "evil.example")]).await;
    assert_resp(&r, 403, &host_not_allowed());
    let r = form_post(&env, "/dashboard/reset", &[("origin", EVIL)], "").await;
    assert_resp(&r, 403, &cross_site());
    let r = get_with(&env, "/sim/v1/clock", &[]).await;
    assert_resp(&r, 401, &unauthorized());
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    let r = get_with(&env, "/sim/v1/clock", &[("authorization", "Bearer wrong")]).await;
    assert_resp(&r, 401, &unauthorized());
}

/// Signs in over HTTP from tossd's own origin; returns the `Cookie` header value.
async fn sign_in(env: &TestEnv) -> String {
    let own = env.base().to_owned();
    let r = form_post(
        env,
        "/dashboard/login",
        &[("origin", &own)],
        &format!("token={TOKEN}&next=%2Fsim%2Fpay%2Fabc%3Fx%3D1"),
    )
    .await;
    assert_eq!(
        (r.status, location(&r)),
        (303, "/sim/pay/abc?x=1"),
        "{}",
        r.text
    );
    let set_cookie = r.headers["set-cookie"].to_str().unwrap().to_owned();
    let (pair, attributes) = set_cookie.split_once("; ").unwrap();
    assert_eq!(
        attributes,
        "Path=/; Max-Age=43200; HttpOnly; SameSite=Strict"
    );
    assert!(pair.starts_with("tossd_session="), "{set_cookie}");
    pair.to_owned()
}

async fn sign_in_sets_a_cookie_the_guard_accepts_from_its_own_origin_only(env: TestEnv) {
    // A browser without a session is sent to the form, keeping where it was going; API calls get 401.
    let r = get_with(&env, "/dashboard", &[]).await;
    assert_eq!(
        (r.status, location(&r)),
        (303, "/dashboard/login?next=%2Fdashboard")
    );
    let r = get_with(&env, "/sim/login?userKey=123456789", &[]).await;
    assert_eq!(
        (r.status, location(&r)),
        (
            303,
            "/dashboard/login?next=%2Fsim%2Flogin%3FuserKey%3D123456789"
        )
    );
    let r = get_with(&env, "/metrics", &[]).await;
    assert_resp(&r, 401, &unauthorized());
    let r = get_with(&env, "/dashboard/login?next=%2Fdashboard", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("id=\"token\"") && r.text.contains("value=\"/dashboard\""));

    // A wrong token, or none, is refused and sets nothing.
    let own = env.base().to_owned();
    for body in ["token=wrong", "token=", "", &format!("token={TOKEN}x")] {
        let r = form_post(&env, "/dashboard/login", &[("origin", &own)], body).await;
        assert_eq!(r.status, 401, "{body}");
        assert!(r.text.contains("id=\"error\""), "{}", r.text);
        assert!(r.headers.get("set-cookie").is_none());
    }
    // The login form refuses other sites too, so no page can sign a browser in (or out).
    let r = form_post(
        &env,
        "/dashboard/login",
        &[("origin", EVIL)],
        &format!("token={TOKEN}"),
    )
    .await;
    assert_resp(&r, 403, &cross_site());

    let cookie = sign_in(&env).await;
    let with_cookie = [("cookie", cookie.as_str())];
    let r = get_with(&env, "/sim/v1/clock", &with_cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let before = r.body["now"].clone();
    let r = get_with(&env, "/dashboard", &with_cookie).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("id=\"sign-out\""));
    let r = get_with(&env, "/dashboard/login?next=%2Fmetrics", &with_cookie).await;
    assert_eq!((r.status, location(&r)), (303, "/metrics"));

    // The cookie does not carry a cross-site state change (SameSite=Strict aside: a sibling port is
    // same-site).
    for headers in [
        vec![("cookie", cookie.as_str()), ("origin", EVIL)],
        vec![
            ("cookie", cookie.as_str()),
            ("origin", "http://127.0.0.1:3000"),
            ("sec-fetch-site", "same-site"),
        ],
        vec![
            ("cookie", cookie.as_str()),
            ("sec-fetch-site", "cross-site"),
        ],
    ] {
        let r = raw_post(
            &env,
            "/sim/v1/clock/advance",
            "text/plain",
            &headers,
            r#"{"seconds": 3600}"#,
        )
        .await;
        assert_resp(&r, 403, &cross_site());
        let r = form_post(&env, "/dashboard/reset", &headers, "").await;
        assert_resp(&r, 403, &cross_site());
    }
    let r = get_with(&env, "/sim/v1/clock", &with_cookie).await;
    let moved = instant(&r.body["now"]) - instant(&before);
    assert!(
        moved.num_seconds() < 600,
        "a refused request moved the clock"
    );
    // From tossd's own origin it does.
    let r = raw_post(
        &env,
        "/sim/v1/clock/advance",
        "application/json",
        &[
            ("cookie", cookie.as_str()),
            ("origin", &own),
            ("sec-fetch-site", "same-origin"),
        ],
        r#"{"seconds": 3600}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Forged or stale values are not sessions.
    let (issued, mac) = cookie
        .trim_start_matches("tossd_session=")
        .split_once('.')
        .unwrap();
    let older = issued.parse::<u64>().unwrap() - 1;
    for forged in [
        format!("tossd_session={older}.{mac}"),
        format!("tossd_session={issued}.{}", mac.to_lowercase()),
        "tossd_session=1.AAAA".to_owned(),
        format!("other={issued}.{mac}"),
    ] {
        let r = get_with(&env, "/sim/v1/clock", &[("cookie", &forged)]).await;
        assert_resp(&r, 401, &unauthorized());
    }

    // Another tossd on the same database and token accepts it; one with another token does not.
    let same = env.second_server(&["--admin-token", TOKEN]).await;
    let url = format!("{}/sim/v1/clock", same.base_url());
    let r = send(&no_redirects(), Method::GET, &url, &with_cookie, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    same.stop().await.unwrap();
    let other = env.second_server(&["--admin-token", "another-token"]).await;
    let url = format!("{}/sim/v1/clock", other.base_url());
    let r = send(&no_redirects(), Method::GET, &url, &with_cookie, None).await;
    assert_resp(&r, 401, &unauthorized());
    other.stop().await.unwrap();

    // Signing out clears the cookie in the browser.
    let r = form_post(
        &env,
        "/dashboard/logout",
        &[("cookie", cookie.as_str()), ("origin", &own)],
        "",
    )
    .await;
    assert_eq!((r.status, location(&r)), (303, "/dashboard/login"));
    assert_eq!(
        r.headers["set-cookie"],
        "tossd_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
    );
}

async fn browser_signs_in_uses_the_pages_and_signs_out(env: TestEnv) {
    let browser = Browser::open().await;
    // The consent sheet first sends the browser to the sign-in form, and back after it.
    browser.goto(&env.url("/sim/login?userKey=123456789")).await;
    browser
        .wait_for_url(|u| u.contains("/dashboard/login?next="))
        .await;
    browser.type_into("#token", "not-the-token").await;
    browser.click("#sign-in-button").await;
    let error = browser.wait_for_text("#error", |e| !e.is_empty()).await;
    assert!(error.contains("wrong admin token"), "{error}");
    browser.type_into("#token", TOKEN).await;
    browser.click("#sign-in-button").await;
    browser
        .wait_for_url(|u| u.ends_with("/sim/login?userKey=123456789"))
        .await;
    // The sheet's script calls /sim/v1 with the cookie.
    browser.click("#agree").await;
    let code = browser
        .wait_for_text("#authorization-code", |c| c.len() == 22)
        .await;
    assert!(code.bytes().all(|b| b.is_ascii_alphanumeric()), "{code}");

    // The dashboard's forms work with the cookie.
    browser.goto(&env.url("/dashboard")).await;
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t.trim()).unwrap();
    let before = parse(&browser.text("#clock-now").await);
    browser.click("#advance-3600").await;
    browser
        .wait_for_text("#clock-now", |shown| {
            (parse(shown) - before).num_seconds() >= 3600
        })
        .await;

    // Signing out ends it: the dashboard asks again.
    browser.click("#sign-out").await;
    browser
        .wait_for_url(|u| u.ends_with("/dashboard/login"))
        .await;
    browser.goto(&env.url("/dashboard")).await;
    browser
        .wait_for_url(|u| u.contains("/dashboard/login?next=%2Fdashboard"))
        .await;
    assert!(browser.text("#sign-in").await.contains("--admin-token"));
    browser.close().await;
}

async fn session_cookie_is_secure_over_tls(env: TestEnv) {
    let bearer = format!("Bearer {TOKEN}");
    let app = env
        .post(
            "/sim/v1/apps",
            &[("authorization", &bearer)],
            &json!({"name": "tls-guard"}),
        )
        .await;
    assert_eq!(app.status, 201, "{}", app.text);
    let https = env.second_server(&["--admin-token", TOKEN, "--tls"]).await;
    let base = https.base_url();
    let ca = app.body["caCertificatePem"].as_str().unwrap();
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .post(format!("{base}/dashboard/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &base)
        .body(format!("token={TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.ends_with("; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure"),
        "{set_cookie}"
    );
    https.stop().await.unwrap();
}

/// The mode bits of `path`.
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The tossd binary with `args` under umask 0, so only tossd's own choice of modes counts.
fn tossd_without_umask(args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("sh");
    command
        .args([
            "-c",
            "umask 0; exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_tossd"),
        ])
        .args(args)
        .kill_on_drop(true);
    command
}

async fn database_and_key_files_are_owner_only(env: TestEnv) {
    // `tossd apps create` writes the client key and certificates for the owner only.
    let out = tempfile::tempdir().unwrap();
    let output = tossd_without_umask(&[
        "apps",
        "create",
        "file-modes",
        "--out",
        out.path().to_str().unwrap(),
        "--database-url",
        env.database_url(),
    ])
    .output()
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let folders: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert_eq!(folders.len(), 1);
    let folder = folders[0].as_ref().unwrap().path();
    for file in ["client.key", "client.crt", "ca.crt"] {
        assert_eq!(mode(&folder.join(file)), 0o600, "{file}");
    }
    if env.backend() == crate::common::Backend::Postgres {
        return;
    }
    // The test's own database file, made by the server in this process.
    let own = env.database_url().trim_start_matches("sqlite://");
    assert_eq!(mode(std::path::Path::new(own)), 0o600);

    // `tossd serve` on a new SQLite file: the file and its -wal and -shm side files.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fresh.db");
    let url = format!("sqlite://{}", file.display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|probe| probe.local_addr())
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = tossd_without_umask(&["serve", "--listen", &listen, "--database-url", &url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut created = None;
    for _ in 0..400 {
        let request = client
            .post(format!("http://{listen}/sim/v1/users"))
            .body(r#"{"name": "파일권한"}"#)
            .send()
            .await;
        if let Ok(response) = request {
            created = Some(response.status().as_u16());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(created, Some(201), "tossd serve did not answer");
    let side = |suffix: &str| dir.path().join(format!("fresh.db{suffix}"));
    for path in [file.clone(), side("-wal"), side("-shm")] {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    child.kill().await.unwrap();
}
