//! Partner identity over mTLS, several apps and merchants.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    app_client, assert_resp, basic, bearer, invalid_grant, send, tls_client, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    require_mtls_refuses_connections_without_a_tossd_certificate,
    tls_without_require_mtls_serves_clients_without_certificates,
    new_merchants_have_their_own_keys,
    simulator_validates_new_apps_and_merchants,
    apps_see_only_their_own_logins,
    apps_see_only_their_own_payments_keys_and_templates,
);

/// A client certificate from a CA that is not tossd's.
fn foreign_identity() -> String {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &issuer).unwrap();
    format!("{}{}", cert.pem(), key.serialize_pem())
}

async fn require_mtls_refuses_connections_without_a_tossd_certificate(env: TestEnv) {
    let app = env
        .sim(Method::POST, "/sim/v1/apps", json!({"name": "파트너 앱"}))
        .await;
    assert!(app["appId"].as_str().unwrap().starts_with("ait_"));
    assert_eq!(app["name"], "파트너 앱");
    assert_eq!(app["aad"], "TOSS");
    for field in ["certificatePem", "caCertificatePem"] {
        assert!(
            app[field]
                .as_str()
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----"),
            "{field}"
        );
    }
    assert!(app["privateKeyPem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    let ca = app["caCertificatePem"].as_str().unwrap();

    let server = env.second_server(&["--require-mtls"]).await;
    let base = server.base_url();
    assert!(base.starts_with("https://"));
    let url = format!("{base}/healthz");

    let with_certificate = app_client(&app);
    let r = send(&with_certificate, Method::GET, &url, &[], None).await;
    assert_resp(&r, 200, &json!({"status": "ok"}));
    // Toss Payments clients on the same port need a certificate too, then use their secret key as usual.
    let auth = env.merchant_basic().await;
    let r = send(
        &with_certificate,
        Method::GET,
        &format!("{base}/v1/payments/abc"),
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(r.body["code"], "NOT_FOUND_PAYMENT");

    for (label, client) in [
        ("no certificate", tls_client(ca, None)),
        (
            "a foreign CA's certificate",
            tls_client(ca, Some(foreign_identity())),
        ),
    ] {
        let outcome = client.get(&url).send().await;
        assert!(
            outcome.is_err(),
            "a client with {label} completed a request: {outcome:?}"
        );
    }
    server.stop().await.unwrap();
}

async fn tls_without_require_mtls_serves_clients_without_certificates(env: TestEnv) {
    let app = env
        .sim(Method::POST, "/sim/v1/apps", json!({"name": "second"}))
        .await;
    let server = env.second_server(&["--tls"]).await;
    let client = tls_client(app["caCertificatePem"].as_str().unwrap(), None);
    let r = send(
        &client,
        Method::GET,
        &format!("{}/healthz", server.base_url()),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    // Apps-in-Toss paths still answer in their envelope over TLS.
    let r = send(
        &client,
        Method::POST,
        &format!("{}/api-partner/v1/apps-in-toss/none", server.base_url()),
        &[],
        Some("{}"),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"]["errorCode"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    server.stop().await.unwrap();
}

async fn new_merchants_have_their_own_keys(env: TestEnv) {
    let merchant = env
        .sim(
            Method::POST,
            "/sim/v1/merchants",
            json!({"name": "두번째 상점"}),
        )
        .await;
    let m_id = merchant["mId"].as_str().unwrap();
    assert!(m_id.len() <= 14 && m_id.starts_with("mid_"), "{m_id}");
    let secret = merchant["secretKey"].as_str().unwrap();
    let client_key = merchant["clientKey"].as_str().unwrap();
    assert!(secret.starts_with("test_sk_") && secret.len() == 36);
    assert!(client_key.starts_with("test_ck_") && client_key.len() == 36);
    let default = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    assert_ne!(default["secretKey"], merchant["secretKey"]);

    let r = env
        .get("/v1/payments/abc", &[("authorization", &basic(secret))])
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (404, Some("NOT_FOUND_PAYMENT"))
    );
    let r = env
        .get("/v1/payments/abc", &[("authorization", &basic(client_key))])
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("INVALID_API_KEY"))
    );
}

async fn simulator_validates_new_apps_and_merchants(env: TestEnv) {
    for path in ["/sim/v1/apps", "/sim/v1/merchants"] {
        for body in ["{}", r#"{"name": ""}"#, r#"{"name": 5}"#, "not json"] {
            let r = env.request(Method::POST, path, &[], Some(body)).await;
            assert_eq!(r.status, 400, "{path} {body}: {}", r.text);
        }
        let long = json!({"name": "가".repeat(51)});
        assert_eq!(env.post(path, &[], &long).await.status, 400);
    }
}

/// A login to app B is exchanged over TLS with B's certificate; the default app (plain HTTP, or TLS
/// without a certificate) cannot use B's code or B's tokens, and B cannot use the default app's.
async fn apps_see_only_their_own_logins(env: TestEnv) {
    let app_b = env
        .sim(Method::POST, "/sim/v1/apps", json!({"name": "B"}))
        .await;
    let server = env.second_server(&["--tls"]).await;
    let base = server.base_url();
    let ca = app_b["caCertificatePem"].as_str().unwrap();
    let as_b = app_client(&app_b);
    let as_default = tls_client(ca, None);
    let generate = format!("{base}/api-partner/v1/apps-in-toss/user/oauth2/generate-token");
    let login_me = format!("{base}/api-partner/v1/apps-in-toss/user/oauth2/login-me");

    let login = |app_id: Option<&str>| {
        let mut body = json!({"userKey": 123456789});
        if let Some(id) = app_id {
            body["appId"] = json!(id);
        }
        body
    };
    let code_b = env
        .sim(
            Method::POST,
            "/sim/v1/login",
            login(app_b["appId"].as_str()),
        )
        .await;
    let exchange = |code: &Value| {
        json!({"authorizationCode": code["authorizationCode"], "referrer": code["referrer"]})
            .to_string()
    };

    // The default app cannot exchange B's code (over TLS without a certificate, or over plain HTTP).
    let r = send(
        &as_default,
        Method::POST,
        &generate,
        &[],
        Some(&exchange(&code_b)),
    )
    .await;
    assert_resp(&r, 400, &invalid_grant());
    let r = env
        .request(
            Method::POST,
            "/api-partner/v1/apps-in-toss/user/oauth2/generate-token",
            &[],
            Some(&exchange(&code_b)),
        )
        .await;
    assert_resp(&r, 400, &invalid_grant());

    // B can, and its token works only for B.
    let r = send(
        &as_b,
        Method::POST,
        &generate,
        &[],
        Some(&exchange(&code_b)),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token_b = r.body["success"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer_b = bearer(&token_b);
    let r = send(
        &as_b,
        Method::GET,
        &login_me,
        &[("authorization", &bearer_b)],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["success"]["userKey"], 123456789);
    let r = send(
        &as_default,
        Method::GET,
        &login_me,
        &[("authorization", &bearer_b)],
        None,
    )
    .await;
    assert_resp(&r, 401, &invalid_grant());

    // And the default app's code is useless to B.
    let code_default = env.sim(Method::POST, "/sim/v1/login", login(None)).await;
    let r = send(
        &as_b,
        Method::POST,
        &generate,
        &[],
        Some(&exchange(&code_default)),
    )
    .await;
    assert_resp(&r, 400, &invalid_grant());
    server.stop().await.unwrap();
}

/// A user who logged in to both apps: app B still sees none of app A's payTokens, orderNos, promotion
/// keys, promotions or templates.
async fn apps_see_only_their_own_payments_keys_and_templates(env: TestEnv) {
    const PREFIX: &str = "/api-partner/v1/apps-in-toss";
    const USER: &str = "123456789";
    let app_b = env
        .sim(Method::POST, "/sim/v1/apps", json!({"name": "B"}))
        .await;
    env.sim(Method::POST, "/sim/v1/login", json!({"userKey": 123456789}))
        .await;
    env.sim(
        Method::POST,
        "/sim/v1/login",
        json!({"userKey": 123456789, "appId": app_b["appId"]}),
    )
    .await;
    let server = env.second_server(&["--tls"]).await;
    let as_b = app_client(&app_b);
    let user = [("x-toss-user-key", USER)];
    // A call of app B's for the same user.
    let post_b = |path: &str, body: Value| {
        let (client, url) = (as_b.clone(), format!("{}{PREFIX}{path}", server.base_url()));
        async move { send(&client, Method::POST, &url, &user, Some(&body.to_string())).await }
    };

    // App A (plain HTTP: the default app) makes a payment and gets a promotion key.
    let r = env
        .post(&format!("{PREFIX}/pay/make-payment"), &user,
            &json!({"orderNo": "tenant-order-1", "productDesc": "상품", "amount": 10000, "amountTaxFree": 0, "isTestPayment": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pay_token = r.body["success"]["payToken"].as_str().unwrap().to_owned();
    let r = env
        .post(
            &format!("{PREFIX}/promotion/execute-promotion/get-key"),
            &user,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let key = r.body["success"]["key"].as_str().unwrap().to_owned();

    // App B, for the same user, sees none of it.
    let r = post_b(
        "/pay/get-payment-status",
        json!({"payToken": pay_token, "isTestPayment": true}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"]["errorCode"].as_str()),
        (404, Some("PAYMENT_NOT_FOUND")),
        "{}",
        r.text
    );
    let r = post_b(
        "/pay/get-payment-status",
        json!({"orderNo": "tenant-order-1", "isTestPayment": true}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"]["errorCode"].as_str()),
        (404, Some("PAYMENT_NOT_FOUND")),
        "{}",
        r.text
    );
    let r = post_b(
        "/promotion/execute-promotion",
        json!({"promotionCode": "DEFAULT_PROMOTION", "key": key, "amount": 100}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.body["error"]["errorCode"], "INVALID_PROMOTION_KEY",
        "{}",
        r.text
    );
    // B's own key for A's promotion code: the promotion is A's, so B has none of that name.
    let r = post_b("/promotion/execute-promotion/get-key", json!({})).await;
    let b_key = r.body["success"]["key"].as_str().unwrap().to_owned();
    let r = post_b(
        "/promotion/execute-promotion",
        json!({"promotionCode": "DEFAULT_PROMOTION", "key": b_key, "amount": 100}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"]["errorCode"].as_str()),
        (400, Some("4100")),
        "{}",
        r.text
    );
    let r = post_b(
        "/messenger/send-message",
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"userName": "홍길동", "otp": "1"}}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"]["errorCode"].as_str()),
        (400, Some("TEMPLATE_NOT_FOUND")),
        "{}",
        r.text
    );

    // App A's objects are untouched and still A's.
    let r = env
        .post(
            &format!("{PREFIX}/pay/get-payment-status"),
            &user,
            &json!({"payToken": pay_token, "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = env
        .post(
            &format!("{PREFIX}/promotion/execute-promotion"),
            &user,
            &json!({"promotionCode": "DEFAULT_PROMOTION", "key": key, "amount": 100}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    server.stop().await.unwrap();
}
