//! Toss login: the user's login in the simulator, the five `user/oauth2/*` endpoints, unlink callbacks.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use reqwest::Method;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPublicKey};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::common::{
    advance, assert_resp, bearer, concurrently, deliveries, generate_token, invalid_grant,
    invalid_parameter, login_tokens, successes, toss_login, Resp, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    full_flow_returns_the_decryptable_profile,
    scopes_and_terms_limit_what_login_me_releases,
    codes_are_single_use_short_lived_and_bound_to_the_referrer,
    concurrent_exchanges_of_one_code_succeed_once,
    tokens_expire_by_the_clock,
    removals_revoke_every_token_without_callback,
    concurrent_removals_by_access_token_succeed_once,
    unlink_in_toss_revokes_and_records_the_callback,
    leaving_toss_fans_out_and_ends_the_user,
    bad_input_gets_documented_errors,
    two_servers_share_the_signing_key_and_tokens,
    the_token_issuer_is_configurable,
);

const BASE: &str = "/api-partner/v1/apps-in-toss/user/oauth2";
const HONG: i64 = 123456789;

fn path(p: &str) -> String {
    format!("{BASE}/{p}")
}

async fn login_me(env: &TestEnv, access_token: &str) -> Resp {
    env.get(
        &path("login-me"),
        &[("authorization", &bearer(access_token))],
    )
    .await
}

async fn refresh(env: &TestEnv, refresh_token: &str) -> Resp {
    env.post(
        &path("refresh-token"),
        &[],
        &json!({"refreshToken": refresh_token}),
    )
    .await
}

/// Decrypts a login-me field with the aes-gcm crate directly: base64 of IV (12) ‖ ciphertext ‖ tag (16).
fn decrypt(app: &Value, wire: &Value) -> String {
    let key = STANDARD
        .decode(app["decryptionKey"].as_str().unwrap())
        .unwrap();
    let bytes = STANDARD
        .decode(wire.as_str().expect("encrypted string"))
        .unwrap();
    let cipher = Aes256Gcm::new_from_slice(&key).unwrap();
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&bytes[..12]),
            Payload {
                msg: &bytes[12..],
                aad: app["aad"].as_str().unwrap().as_bytes(),
            },
        )
        .expect("decrypts with the app's key and AAD");
    String::from_utf8(plain).unwrap()
}

/// Verifies an RS256 JWT with the JWKS key; returns (header, claims).
fn verify_jwt(jwks: &Value, token: &str) -> (Value, Value) {
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["kid"], "cert");
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(key["e"].as_str().unwrap()).unwrap();
    let public = RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e)).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let signature =
        Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice()).unwrap();
    VerifyingKey::<Sha256>::new(public)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the signature checks with the JWKS key");
    let decode =
        |p: &str| -> Value { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap() };
    (decode(parts[0]), decode(parts[1]))
}

/// The unlink callbacks recorded in the outbox: (appId, body).
async fn unlink_events(env: &TestEnv) -> Vec<(String, Value)> {
    deliveries(env)
        .await
        .into_iter()
        .filter(|d| d["eventType"] == "UNLINK_CALLBACK")
        .map(|d| {
            (
                d["appId"].as_str().unwrap().to_owned(),
                d["payload"].clone(),
            )
        })
        .collect()
}

async fn full_flow_returns_the_decryptable_profile(env: TestEnv) {
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    let (code, referrer) = toss_login(&env, json!({"userKey": HONG})).await;
    assert_eq!(referrer, "DEFAULT");
    let r = generate_token(&env, &code, &referrer).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["resultType"], "SUCCESS");
    let t = &r.body["success"];
    let all = "user_key user_name user_phone user_birthday user_gender user_nationality user_ci user_email";
    assert_eq!(t["scope"], all);
    assert_eq!(t["tokenType"], "Bearer");
    assert_eq!(t["expiresIn"], 3600);
    let refresh_token = t["refreshToken"].as_str().unwrap();
    assert_eq!(refresh_token.len(), 128);
    assert!(refresh_token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));

    let jwks = env.get("/.well-known/jwks.json", &[]).await;
    assert_eq!(jwks.status, 200);
    let access_token = t["accessToken"].as_str().unwrap();
    assert!(access_token.starts_with("eyJraWQiOiJjZXJ0IiwiYWxnIjoiUlMyNTYifQ."));
    let (header, claims) = verify_jwt(&jwks.body, access_token);
    assert_eq!(header, json!({"kid": "cert", "alg": "RS256"}));
    let keys: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["aud", "exp", "iat", "iss", "jti", "nbf", "scope", "sub"]
    );
    assert_eq!(claims["aud"], app["clientId"]);
    assert_eq!(claims["iss"], "https://cert.toss.im");
    let iat = claims["iat"].as_i64().unwrap();
    assert_eq!(claims["nbf"].as_i64(), Some(iat));
    assert_eq!(claims["exp"].as_i64(), Some(iat + 3600));
    assert_eq!(claims["scope"], json!(all.split(' ').collect::<Vec<_>>()));
    assert_eq!(claims["jti"].as_str().unwrap().len(), 36);
    let sub = claims["sub"].as_str().unwrap().to_owned();
    assert_eq!(sub.len(), 32);
    assert_ne!(sub, HONG.to_string());

    let me = login_me(&env, access_token).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["resultType"], "SUCCESS");
    let s = &me.body["success"];
    assert_eq!(s["userKey"], HONG);
    assert_eq!(s["scope"], all.replace(' ', ","));
    assert_eq!(s["agreedTerms"], json!(["tos_terms_1", "privacy_policy"]));
    assert_eq!(s["di"], Value::Null);
    // Fields in the documented order.
    let positions: Vec<usize> = [
        "userKey",
        "scope",
        "agreedTerms",
        "name",
        "callingCode",
        "phone",
        "birthday",
        "ci",
        "di",
        "gender",
        "nationality",
        "email",
    ]
    .iter()
    .map(|f| me.text.find(&format!("\"{f}\":")).expect(f))
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", me.text);
    let user = env
        .sim(Method::GET, &format!("/sim/v1/users/{HONG}"), Value::Null)
        .await;
    assert_eq!(decrypt(&app, &s["name"]), "홍길동");
    assert_eq!(decrypt(&app, &s["callingCode"]), "82");
    assert_eq!(decrypt(&app, &s["phone"]), "1012345678");
    assert_eq!(decrypt(&app, &s["birthday"]), "19900101");
    assert_eq!(decrypt(&app, &s["gender"]), "MALE");
    assert_eq!(decrypt(&app, &s["nationality"]), "LOCAL");
    assert_eq!(decrypt(&app, &s["email"]), "user@example.com");
    let ci = decrypt(&app, &s["ci"]);
    assert_eq!(ci, user["ci"].as_str().unwrap());
    assert!(ci.starts_with("aaf7cb53"));

    // Refresh: a new access token, the same refresh token, the same grant.
    let r = refresh(&env, refresh_token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let again = &r.body["success"];
    assert_eq!(again["refreshToken"], refresh_token);
    assert_eq!(again["scope"], all);
    assert_eq!(again["expiresIn"], 3600);
    let second = again["accessToken"].as_str().unwrap();
    assert_ne!(second, access_token);
    let (_, claims2) = verify_jwt(&jwks.body, second);
    assert_eq!(claims2["sub"], sub.as_str());
    assert_eq!(login_me(&env, second).await.status, 200);
    // Earlier access tokens stay valid.
    assert_eq!(login_me(&env, access_token).await.status, 200);

    // A second login of the same user keeps the subject.
    let t2 = login_tokens(&env, HONG).await;
    let (_, claims3) = verify_jwt(&jwks.body, t2["accessToken"].as_str().unwrap());
    assert_eq!(claims3["sub"], sub.as_str());

    // The plaintext switch.
    let patched = env
        .sim(
            Method::PATCH,
            "/sim/v1/apps/default",
            json!({"plaintextPii": true}),
        )
        .await;
    assert_eq!(patched["plaintextPii"], true);
    let plain = login_me(&env, access_token).await;
    assert_eq!(plain.body["success"]["name"], "홍길동");
    assert_eq!(plain.body["success"]["phone"], "1012345678");
    assert_eq!(plain.body["success"]["di"], Value::Null);
    env.sim(
        Method::PATCH,
        "/sim/v1/apps/default",
        json!({"plaintextPii": false}),
    )
    .await;
    let encrypted = login_me(&env, access_token).await;
    assert_eq!(decrypt(&app, &encrypted.body["success"]["name"]), "홍길동");

    // The signing key survives reset; tokens of before the reset are gone with their rows.
    env.sim(Method::POST, "/sim/v1/reset", json!({})).await;
    let after = env.get("/.well-known/jwks.json", &[]).await;
    assert_eq!(after.body, jwks.body);
    assert_eq!(login_me(&env, access_token).await.status, 401);
}

async fn scopes_and_terms_limit_what_login_me_releases(env: TestEnv) {
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    let (code, referrer) = toss_login(
        &env,
        json!({"userKey": HONG, "scopes": ["USER_EMAIL", "user_name"], "agreedTerms": ["privacy_policy"]}),
    )
    .await;
    let r = generate_token(&env, &code, &referrer).await;
    assert_eq!(r.body["success"]["scope"], "user_key user_name user_email");
    let me = login_me(&env, r.body["success"]["accessToken"].as_str().unwrap()).await;
    let s = &me.body["success"];
    assert_eq!(s["scope"], "user_key,user_name,user_email");
    assert_eq!(s["agreedTerms"], json!(["privacy_policy"]));
    assert_eq!(decrypt(&app, &s["name"]), "홍길동");
    assert_eq!(decrypt(&app, &s["email"]), "user@example.com");
    for field in [
        "callingCode",
        "phone",
        "birthday",
        "ci",
        "di",
        "gender",
        "nationality",
    ] {
        assert_eq!(s[field], Value::Null, "{field}");
    }

    // Only user_key: every personal field is null.
    let (code, referrer) = toss_login(&env, json!({"userKey": HONG, "scopes": []})).await;
    let r = generate_token(&env, &code, &referrer).await;
    assert_eq!(r.body["success"]["scope"], "user_key");
    let me = login_me(&env, r.body["success"]["accessToken"].as_str().unwrap()).await;
    assert_eq!(me.body["success"]["name"], Value::Null);
    assert_eq!(me.body["success"]["userKey"], HONG);

    // A user without an e-mail: null even when consented.
    let t = login_tokens(&env, 443731103).await;
    let me = login_me(&env, t["accessToken"].as_str().unwrap()).await;
    assert_eq!(me.body["success"]["email"], Value::Null);
    assert_eq!(decrypt(&app, &me.body["success"]["name"]), "이영희");
    assert_eq!(decrypt(&app, &me.body["success"]["gender"]), "FEMALE");

    // A created user logs in too and becomes known to the app.
    let created = env
        .sim(
            Method::POST,
            "/sim/v1/users",
            json!({"name": "박민수", "email": "ms@example.com"}),
        )
        .await;
    let key = created["userKey"].as_i64().unwrap();
    let t = login_tokens(&env, key).await;
    let me = login_me(&env, t["accessToken"].as_str().unwrap()).await;
    assert_eq!(decrypt(&app, &me.body["success"]["name"]), "박민수");
    assert_eq!(
        decrypt(&app, &me.body["success"]["email"]),
        "ms@example.com"
    );

    // Scopes or terms the app does not have are refused by the simulator.
    for body in [
        json!({"userKey": HONG, "scopes": ["profile"]}),
        json!({"userKey": HONG, "scopes": ["User_Name"]}),
        json!({"userKey": HONG, "agreedTerms": ["marketing"]}),
        json!({"userKey": HONG, "referrer": "deeplink"}),
        json!({"userKey": "abc"}),
        json!({}),
    ] {
        let r = env
            .request(Method::POST, "/sim/v1/login", &[], Some(&body.to_string()))
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
    }
    let r = env
        .post("/sim/v1/login", &[], &json!({"userKey": 999}))
        .await;
    assert_eq!(r.status, 404);
    let r = env
        .post(
            "/sim/v1/login",
            &[],
            &json!({"userKey": HONG, "appId": "ait_nosuchapp"}),
        )
        .await;
    assert_eq!(r.status, 404);
}

async fn codes_are_single_use_short_lived_and_bound_to_the_referrer(env: TestEnv) {
    let (code, referrer) = toss_login(&env, json!({"userKey": HONG})).await;
    assert_eq!(generate_token(&env, &code, &referrer).await.status, 200);
    let r = generate_token(&env, &code, &referrer).await;
    assert_resp(&r, 400, &invalid_grant());

    // Another referrer, even by case, fails and does not use the code up.
    let (code, referrer) = toss_login(&env, json!({"userKey": HONG, "referrer": "sandbox"})).await;
    assert_eq!(referrer, "sandbox");
    for other in ["SANDBOX", "DEFAULT", "deeplink"] {
        let r = generate_token(&env, &code, other).await;
        assert_eq!((r.status, &r.body), (400, &invalid_grant()), "{other}");
    }
    assert_eq!(generate_token(&env, &code, "sandbox").await.status, 200);

    // Ten minutes after issue the code is expired.
    let (code, referrer) = toss_login(&env, json!({"userKey": HONG})).await;
    advance(&env, 600).await;
    let r = generate_token(&env, &code, &referrer).await;
    assert_resp(&r, 400, &invalid_grant());

    // Just before, it still works.
    let (code, referrer) = toss_login(&env, json!({"userKey": HONG})).await;
    advance(&env, 540).await;
    assert_eq!(generate_token(&env, &code, &referrer).await.status, 200);

    let r = generate_token(&env, "SplxlOBeZQQYbYS6WxSbIA", "deeplink").await;
    assert_resp(&r, 400, &invalid_grant());

    // A code issued before a removal is revoked with the link.
    let (code, referrer) = toss_login(&env, json!({"userKey": HONG})).await;
    let r = env
        .post(
            &path("access/remove-by-user-key"),
            &[],
            &json!({"userKey": HONG}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = generate_token(&env, &code, &referrer).await;
    assert_resp(&r, 400, &invalid_grant());
}

async fn concurrent_exchanges_of_one_code_succeed_once(env: TestEnv) {
    // Makes the signing key first, so the race is about the code alone.
    assert_eq!(env.get("/.well-known/jwks.json", &[]).await.status, 200);
    let (code, referrer) = toss_login(&env, json!({"userKey": HONG})).await;
    let responses = concurrently(50, |_| {
        let env = env.clone();
        let (code, referrer) = (code.clone(), referrer.clone());
        async move { generate_token(&env, &code, &referrer).await }
    })
    .await;
    assert_eq!(successes(&responses, 400, &invalid_grant()).len(), 1);
}

async fn tokens_expire_by_the_clock(env: TestEnv) {
    let t = login_tokens(&env, HONG).await;
    let access = t["accessToken"].as_str().unwrap();
    let refresh_token = t["refreshToken"].as_str().unwrap();
    advance(&env, 3600).await;
    let r = login_me(&env, access).await;
    assert_resp(&r, 401, &invalid_grant());
    let r = env
        .request(
            Method::POST,
            &path("access/remove-by-access-token"),
            &[("authorization", &bearer(access))],
            None,
        )
        .await;
    assert_resp(&r, 401, &invalid_grant());

    // The refresh token still works, and its lifetime does not move with use.
    let r = refresh(&env, refresh_token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        login_me(&env, r.body["success"]["accessToken"].as_str().unwrap())
            .await
            .status,
        200
    );
    advance(&env, 14 * 24 * 3600 - 3600).await;
    let r = refresh(&env, refresh_token).await;
    assert_resp(&r, 400, &invalid_grant());
}

async fn removals_revoke_every_token_without_callback(env: TestEnv) {
    let first = login_tokens(&env, HONG).await;
    let second = login_tokens(&env, HONG).await;
    let r = env
        .post(
            &path("access/remove-by-user-key"),
            &[("authorization", "Bearer ignored")],
            &json!({"userKey": HONG}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"resultType": "SUCCESS", "success": {"userKey": HONG}})
    );
    for t in [&first, &second] {
        let r = login_me(&env, t["accessToken"].as_str().unwrap()).await;
        assert_resp(&r, 401, &invalid_grant());
        let r = refresh(&env, t["refreshToken"].as_str().unwrap()).await;
        assert_resp(&r, 400, &invalid_grant());
    }
    // Idempotent, and a decimal string works too.
    let r = env
        .post(
            &path("access/remove-by-user-key"),
            &[],
            &json!({"userKey": "123456789"}),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"resultType": "SUCCESS", "success": {"userKey": HONG}})
    );
    // A user who never logged in to the app is unknown to it.
    let r = env
        .post(
            &path("access/remove-by-user-key"),
            &[],
            &json!({"userKey": 87654321}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["errorCode"], "USER_KEY_NOT_FOUND");
    assert_eq!(r.body["error"]["reason"], "유저 키를 찾을 수 없어요.");

    // By access token: only the token's pair, every token of it.
    let third = login_tokens(&env, HONG).await;
    let fourth = login_tokens(&env, HONG).await;
    let other = login_tokens(&env, 443731103).await;
    let third_bearer = bearer(third["accessToken"].as_str().unwrap());
    let r = env
        .request(
            Method::POST,
            &path("access/remove-by-access-token"),
            &[("authorization", &third_bearer)],
            Some("not json at all"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"resultType": "SUCCESS", "success": {"userKey": HONG}})
    );
    let r = env
        .request(
            Method::POST,
            &path("access/remove-by-access-token"),
            &[("authorization", &third_bearer)],
            None,
        )
        .await;
    assert_resp(&r, 401, &invalid_grant());
    assert_eq!(
        login_me(&env, fourth["accessToken"].as_str().unwrap())
            .await
            .status,
        401
    );
    assert_eq!(
        refresh(&env, fourth["refreshToken"].as_str().unwrap())
            .await
            .status,
        400
    );
    assert_eq!(
        login_me(&env, other["accessToken"].as_str().unwrap())
            .await
            .status,
        200
    );
    // Partner-initiated removals send no callback.
    assert!(unlink_events(&env).await.is_empty());
    // The user logs in again: linked anew.
    let again = login_tokens(&env, HONG).await;
    assert_eq!(
        login_me(&env, again["accessToken"].as_str().unwrap())
            .await
            .status,
        200
    );
}

async fn concurrent_removals_by_access_token_succeed_once(env: TestEnv) {
    let t = login_tokens(&env, HONG).await;
    let token = bearer(t["accessToken"].as_str().unwrap());
    let responses = concurrently(20, |_| {
        let env = env.clone();
        let token = token.clone();
        async move {
            env.request(
                Method::POST,
                &path("access/remove-by-access-token"),
                &[("authorization", &token)],
                None,
            )
            .await
        }
    })
    .await;
    assert_eq!(successes(&responses, 401, &invalid_grant()).len(), 1);
}

async fn unlink_in_toss_revokes_and_records_the_callback(env: TestEnv) {
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    let app_id = app["appId"].as_str().unwrap().to_owned();
    for reason in ["UNLINK", "WITHDRAWAL_TERMS"] {
        let t = login_tokens(&env, HONG).await;
        let (code, referrer) = toss_login(&env, json!({"userKey": HONG})).await;
        let r = env
            .post(
                &format!("/sim/v1/users/{HONG}/unlink"),
                &[],
                &json!({"referrer": reason}),
            )
            .await;
        assert_resp(&r, 200, &json!({}));
        let r = login_me(&env, t["accessToken"].as_str().unwrap()).await;
        assert_resp(&r, 401, &invalid_grant());
        let r = refresh(&env, t["refreshToken"].as_str().unwrap()).await;
        assert_resp(&r, 400, &invalid_grant());
        let r = generate_token(&env, &code, &referrer).await;
        assert_resp(&r, 400, &invalid_grant());
        // Unlinking again fires nothing: callbacks only leave LINKED.
        env.sim(
            Method::POST,
            &format!("/sim/v1/users/{HONG}/unlink"),
            json!({"referrer": reason, "appId": app_id}),
        )
        .await;
    }
    let events = unlink_events(&env).await;
    assert_eq!(
        events,
        vec![
            (
                app_id.clone(),
                json!({"userKey": HONG, "referrer": "UNLINK"})
            ),
            (
                app_id.clone(),
                json!({"userKey": HONG, "referrer": "WITHDRAWAL_TERMS"})
            ),
        ]
    );
    // The user stays known to the app after unlinking.
    let r = env
        .post(
            &path("access/remove-by-user-key"),
            &[],
            &json!({"userKey": HONG}),
        )
        .await;
    assert_eq!(r.status, 200);

    for (body, status) in [
        (json!({"referrer": "unlink"}), 400),
        (json!({}), 400),
        (json!({"referrer": "UNLINK", "appId": "ait_nosuchapp"}), 404),
    ] {
        let r = env
            .post(&format!("/sim/v1/users/{HONG}/unlink"), &[], &body)
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
    }
    let r = env
        .post(
            "/sim/v1/users/87654321/unlink",
            &[],
            &json!({"referrer": "UNLINK"}),
        )
        .await;
    assert_eq!(r.status, 404, "never logged in: {}", r.text);
    let r = env
        .post(
            "/sim/v1/users/1/unlink",
            &[],
            &json!({"referrer": "UNLINK"}),
        )
        .await;
    assert_eq!(r.status, 404);
}

async fn leaving_toss_fans_out_and_ends_the_user(env: TestEnv) {
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    let app_id = app["appId"].as_str().unwrap().to_owned();
    let t = login_tokens(&env, HONG).await;
    env.sim(
        Method::POST,
        &format!("/sim/v1/users/{HONG}/unlink"),
        json!({"referrer": "WITHDRAWAL_TOSS", "appId": "ignored"}),
    )
    .await;
    let user = env
        .sim(Method::GET, &format!("/sim/v1/users/{HONG}"), Value::Null)
        .await;
    assert_eq!(user["withdrawn"], true);
    let r = login_me(&env, t["accessToken"].as_str().unwrap()).await;
    assert_resp(&r, 401, &invalid_grant());
    let r = refresh(&env, t["refreshToken"].as_str().unwrap()).await;
    assert_resp(&r, 400, &invalid_grant());
    assert_eq!(
        unlink_events(&env).await,
        vec![(
            app_id,
            json!({"userKey": HONG, "referrer": "WITHDRAWAL_TOSS"})
        )]
    );
    let r = env
        .post(
            &path("access/remove-by-user-key"),
            &[],
            &json!({"userKey": HONG}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["errorCode"], "USER_NOT_FOUND");
    assert_eq!(
        r.body["error"]["reason"],
        "토스 유저 정보를 찾을 수 없어요."
    );
    let r = env
        .post("/sim/v1/login", &[], &json!({"userKey": HONG}))
        .await;
    assert_eq!(r.status, 400);
    // Leaving twice changes nothing.
    env.sim(
        Method::POST,
        &format!("/sim/v1/users/{HONG}/unlink"),
        json!({"referrer": "WITHDRAWAL_TOSS"}),
    )
    .await;
    assert_eq!(unlink_events(&env).await.len(), 1);
    // A user who was never linked leaves without callbacks.
    env.sim(
        Method::POST,
        "/sim/v1/users/87654321/unlink",
        json!({"referrer": "WITHDRAWAL_TOSS"}),
    )
    .await;
    assert_eq!(unlink_events(&env).await.len(), 1);
}

async fn bad_input_gets_documented_errors(env: TestEnv) {
    for body in [
        "",
        "{not json",
        "[]",
        "null",
        "{}",
        r#"{"authorizationCode": "abc"}"#,
        r#"{"referrer": "DEFAULT"}"#,
        r#"{"authorizationCode": 12, "referrer": "DEFAULT"}"#,
        r#"{"authorizationCode": "abc", "referrer": null}"#,
        r#"{"authorizationCode": "", "referrer": "DEFAULT"}"#,
        r#"{"authorizationCode": "abc", "referrer": ""}"#,
    ] {
        let r = env
            .request(Method::POST, &path("generate-token"), &[], Some(body))
            .await;
        assert_eq!(
            (r.status, &r.body),
            (400, &invalid_parameter()),
            "generate-token {body:?}"
        );
    }
    for body in [
        "",
        "{}",
        r#"{"refreshToken": ""}"#,
        r#"{"refreshToken": 5}"#,
    ] {
        let r = env
            .request(Method::POST, &path("refresh-token"), &[], Some(body))
            .await;
        assert_eq!(
            (r.status, &r.body),
            (400, &invalid_parameter()),
            "refresh-token {body:?}"
        );
    }
    let r = refresh(&env, "x".repeat(128).as_str()).await;
    assert_resp(&r, 400, &invalid_grant());
    for body in [
        "",
        "{}",
        r#"{"userKey": 0}"#,
        r#"{"userKey": -5}"#,
        r#"{"userKey": 1.5}"#,
        r#"{"userKey": 1e4}"#,
        r#"{"userKey": "12a"}"#,
        r#"{"userKey": "-1"}"#,
        r#"{"userKey": "99999999999999999999"}"#,
        r#"{"userKey": 99999999999999999999}"#,
        r#"{"userKey": true}"#,
        r#"{"userKey": null}"#,
    ] {
        let r = env
            .request(
                Method::POST,
                &path("access/remove-by-user-key"),
                &[],
                Some(body),
            )
            .await;
        assert_eq!(
            (r.status, &r.body),
            (400, &invalid_parameter()),
            "remove-by-user-key {body:?}"
        );
    }
    // Garbage bearers on both token endpoints.
    let t = login_tokens(&env, HONG).await;
    let token = t["accessToken"].as_str().unwrap();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(
        br#"{"sub":"x","aud":"x","nbf":0,"scope":[],"iss":"x","exp":9999999999,"iat":0,"jti":"x"}"#,
    );
    let forged = parts.join(".");
    let headers: Vec<Option<String>> = vec![
        None,
        Some("Bearer".into()),
        Some("Bearer ".into()),
        Some("Basic abc".into()),
        Some(token.to_owned()),
        Some("Bearer garbage".into()),
        Some("Bearer a.b.c".into()),
        Some(format!("Bearer {forged}")),
        Some(format!("Bearer {token}.x")),
    ];
    for header in &headers {
        let h: Vec<(&str, &str)> = header
            .iter()
            .map(|v| ("authorization", v.as_str()))
            .collect();
        let r = env.get(&path("login-me"), &h).await;
        assert_eq!((r.status, &r.body), (401, &invalid_grant()), "{header:?}");
        let r = env
            .request(
                Method::POST,
                &path("access/remove-by-access-token"),
                &h,
                None,
            )
            .await;
        assert_eq!((r.status, &r.body), (401, &invalid_grant()), "{header:?}");
    }
    // The genuine token still works after all that.
    assert_eq!(login_me(&env, token).await.status, 200);
}

async fn two_servers_share_the_signing_key_and_tokens(env: TestEnv) {
    let second = env.second_server(&[]).await;
    let other = |p: &str| format!("{}{p}", second.base_url());
    let client = env.client().clone();
    // The first use of the key may happen on either server; both then publish the same one.
    let theirs = crate::common::send(
        &client,
        Method::GET,
        &other("/.well-known/jwks.json"),
        &[],
        None,
    )
    .await;
    let mine = env.get("/.well-known/jwks.json", &[]).await;
    assert_resp(&theirs, 200, &mine.body);

    let (code, referrer) = toss_login(&env, json!({"userKey": HONG})).await;
    let r = crate::common::send(
        &client,
        Method::POST,
        &other(&path("generate-token")),
        &[],
        Some(&json!({"authorizationCode": code, "referrer": referrer}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.body["success"]["accessToken"].as_str().unwrap();
    assert_eq!(login_me(&env, token).await.status, 200);
    // The code was used on the other server.
    let r = generate_token(&env, &code, &referrer).await;
    assert_resp(&r, 400, &invalid_grant());
    second.stop().await.unwrap();
}

async fn the_token_issuer_is_configurable(env: TestEnv) {
    let second = env
        .second_server(&["--jwt-issuer", "https://toss.staging.example"])
        .await;
    let (code, referrer) = toss_login(&env, json!({"userKey": HONG})).await;
    let r = crate::common::send(
        env.client(),
        Method::POST,
        &format!("{}{}", second.base_url(), path("generate-token")),
        &[],
        Some(&json!({"authorizationCode": code, "referrer": referrer}).to_string()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let jwks = env.get("/.well-known/jwks.json", &[]).await;
    let (_, claims) = verify_jwt(
        &jwks.body,
        r.body["success"]["accessToken"].as_str().unwrap(),
    );
    assert_eq!(claims["iss"], "https://toss.staging.example");
    second.stop().await.unwrap();
}
