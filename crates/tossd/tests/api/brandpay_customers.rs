//! BrandPay customers: terms, agreement, access tokens, methods (registered through the simulator),
//! removal, withdrawal and promotions (docs/reference.md §2.7–2.11, §3.5, §4.4, §4.5).

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{
    advance, assert_resp, basic, bearer, brandpay_agree, brandpay_exchange, brandpay_signup_code,
    brandpay_tokens, concurrently, error, invalid_customer_key, invalid_request, is_alnum,
    outbox_events, post_concurrently, register_account, register_card, successes, unauthorized_key,
    Resp, Servers, TestEnv,
};
use crate::on_both_backends;

on_both_backends!(
    customer_flow_end_to_end,
    access_token_grants_extend_refresh_and_identify,
    codes_are_single_use_and_expire_after_ten_minutes,
    concurrent_code_exchanges_succeed_once,
    concurrent_method_removals_succeed_once,
    bearer_auth_table,
    bad_inputs_get_documented_errors,
    promotions_are_listed_and_attached,
    two_servers_keep_codes_and_removals_exactly_once,
    endpoints_are_documented,
);

const KEY: &str = "c6thB674j9vCU4XsvcPk";

fn invalid_access_token() -> Value {
    error("INVALID_ACCESS_TOKEN", "유효하지 않은 Access Token입니다.")
}

fn code_not_found() -> Value {
    error(
        "NOT_FOUND_AUTHORIZATION_CODE",
        "인증 코드가 존재하지 않거나 만료되었습니다.",
    )
}

fn need_agreement() -> Value {
    error("NEED_AGREEMENT_WITH_TERMS", "이용약관 동의가 필요합니다.")
}

async fn refresh(env: &TestEnv, auth: &str, key: &str, token: &str) -> Resp {
    env.post(
        "/v1/brandpay/authorizations/access-token",
        &[("authorization", auth)],
        &json!({"grantType": "RefreshToken", "customerKey": key, "refreshToken": token}),
    )
    .await
}

fn hyundai_promotions() -> Value {
    json!([
        {"payType": "NORMAL", "type": "CARD_DISCOUNT",
         "cardDiscount": {"issuerCode": "61", "discountAmount": 5000, "minimumPaymentAmount": 10000,
                          "maximumPaymentAmount": 888888888, "currency": "KRW", "discountCode": "12863",
                          "dueDate": "2099-12-31", "balance": 1000000},
         "cardInterestFree": null, "cardPoint": null, "bankDiscount": null},
        {"payType": "NORMAL", "type": "CARD_INTEREST_FREE", "cardDiscount": null,
         "cardInterestFree": {"issuerCode": "61", "dueDate": "2099-12-31",
                              "installmentFreeMonths": [2, 3, 4, 5, 6, 7], "currency": "KRW",
                              "minimumPaymentAmount": 10000},
         "cardPoint": null, "bankDiscount": null},
        {"payType": "NORMAL", "type": "CARD_POINT", "cardDiscount": null, "cardInterestFree": null,
         "cardPoint": {"issuerCode": "61", "minimumPaymentAmount": 4000, "currency": "KRW",
                       "dueDate": "2099-12-31"},
         "bankDiscount": null}
    ])
}

fn register_terms(agreed: bool) -> Vec<Value> {
    vec![
        json!({"id": 1, "title": "브랜드페이 서비스 이용약관", "version": "1.0", "url": "https://pages.tosspayments.com/terms/brandpay/service", "required": true, "agreed": agreed}),
        json!({"id": 2, "title": "전자금융거래 기본약관", "version": "1.0", "url": "https://pages.tosspayments.com/terms/user", "required": true, "agreed": agreed}),
        json!({"id": 3, "title": "개인정보 수집 및 이용 동의", "version": "1.0", "url": "https://pages.tosspayments.com/terms/brandpay/privacy", "required": true, "agreed": agreed}),
        json!({"id": 4, "title": "개인정보 제3자 제공 동의", "version": "1.0", "url": "https://pages.tosspayments.com/terms/brandpay/privacy3", "required": true, "agreed": agreed}),
    ]
}

async fn customer_flow_end_to_end(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let h = [("authorization", auth.as_str())];

    let r = env
        .get(
            &format!("/v1/brandpay/terms?customerKey={KEY}&scope=REGISTER"),
            &h,
        )
        .await;
    assert_resp(&r, 200, &Value::Array(register_terms(false)));
    assert_eq!(r.headers["content-type"], "application/json;charset=UTF-8");

    let card_terms = json!({"id": 5, "title": "브랜드페이 카드 결제 이용약관", "version": "1.0",
        "url": format!("{}/sim/terms/5", env.base()), "required": true, "agreed": false});
    let mut expected = register_terms(false);
    expected.push(card_terms.clone());
    for query in [
        "scope=REGISTER&scope=CARD",
        "scope=CARD,REGISTER",
        "scope=REGISTER&&scope=CARD&scope=CARD",
    ] {
        let r = env
            .get(&format!("/v1/brandpay/terms?customerKey={KEY}&{query}"), &h)
            .await;
        assert_resp(&r, 200, &Value::Array(expected.clone()));
    }

    let page = env.get("/sim/terms/5", &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("브랜드페이 카드 결제 이용약관"));
    assert_eq!(env.get("/sim/terms/99", &[]).await.status, 404);

    let code = brandpay_agree(
        &env,
        &auth,
        KEY,
        json!(["REGISTER", "CARD"]),
        json!([1, 2, 3, 4, 5]),
    )
    .await;
    let mut agreed = register_terms(true);
    let mut card_agreed = card_terms.clone();
    card_agreed["agreed"] = json!(true);
    agreed.push(card_agreed);
    let r = env
        .get(
            &format!("/v1/brandpay/terms?customerKey={KEY}&scope=REGISTER,CARD"),
            &h,
        )
        .await;
    assert_resp(&r, 200, &Value::Array(agreed));
    // Agreement alone is no sign-up: no webhook yet, and the customer has no methods to list.
    assert!(outbox_events(&env).await.is_empty());
    let r = env
        .get(&format!("/v1/brandpay/payments/methods/{KEY}"), &h)
        .await;
    assert_resp(
        &r,
        404,
        &error("NOT_FOUND_CUSTOMER", "유효한 고객 정보가 없습니다."),
    );

    let r = brandpay_exchange(&env, &auth, KEY, &code).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let access = r.body["accessToken"].as_str().unwrap().to_owned();
    let refresh_token = r.body["refreshToken"].as_str().unwrap().to_owned();
    assert!(is_alnum(&json!(access), 48) && is_alnum(&json!(refresh_token), 48));
    assert_eq!(
        r.body,
        json!({"accessToken": access, "refreshToken": refresh_token, "tokenType": "bearer", "expiresIn": 2592000})
    );
    let events = outbox_events(&env).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "CUSTOMER_STATUS_CHANGED");
    assert_eq!(events[0].1["eventType"], "CUSTOMER_STATUS_CHANGED");
    assert_eq!(events[0].1["data"]["customerKey"], KEY);
    assert_eq!(events[0].1["data"]["status"], "CREATED");

    let bh = [("authorization", bearer(&access))];
    let bh: Vec<(&str, &str)> = bh.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = env.get("/v1/brandpay/payments/methods", &bh).await;
    assert_resp(
        &r,
        200,
        &json!({"cards": [], "accounts": [], "isIdentified": false, "selectedMethodId": null}),
    );

    let card = register_card(
        &env,
        KEY,
        json!({"issuerCode": "61", "cardNumber": "4330123456781234", "alias": "카드 별칭"}),
    )
    .await;
    let card_id = card["id"].as_str().unwrap().to_owned();
    let card_key = card["methodKey"].as_str().unwrap().to_owned();
    assert!(
        card_id.starts_with("c_") && is_alnum(&json!(&card_id[2..]), 16),
        "{card_id}"
    );
    assert!(is_alnum(&json!(card_key), 48));
    let registered_at = card["registeredAt"].as_str().unwrap().to_owned();
    assert!(registered_at.ends_with("+09:00") && registered_at.len() == 25);
    let expected_card = json!({
        "id": card_id, "methodKey": card_key, "alias": "카드 별칭", "cardName": "현대카드",
        "cardNumber": "43301234****123*", "issuerCode": "61", "acquirerCode": "61", "ownerType": "개인",
        "cardType": "신용", "installmentMinimumAmount": 50000, "registeredAt": registered_at,
        "status": "ENABLED", "icon": "icn-bank-square-hyundaicard",
        "iconUrl": "https://static.toss.im/icons/png/4x/icn-bank-square-hyundaicard.png",
        "cardImgUrl": "", "cardProductCode": "", "color": {"background": "#3C3C42", "text": "#FFFFFF"},
        "promotions": hyundai_promotions()
    });
    assert_eq!(card, expected_card);

    let account = register_account(
        &env,
        KEY,
        json!({"bankCode": "92", "accountNumber": "1234567890"}),
    )
    .await;
    let account_id = account["id"].as_str().unwrap().to_owned();
    assert!(account_id.starts_with("b_") && is_alnum(&json!(&account_id[2..]), 16));
    let expected_account = json!({
        "id": account_id, "methodKey": account["methodKey"], "accountName": "토스뱅크 계좌",
        "accountNumber": "123***7890", "alias": "", "bankCode": "92", "icon": "icn-bank-toss",
        "iconUrl": "https://static.toss.im/icons/png/4x/icn-bank-toss.png",
        "registeredAt": account["registeredAt"], "status": "ENABLED",
        "color": {"background": "#F2F4F6", "text": "#333D4B"},
        "promotions": [{"payType": "NORMAL", "type": "BANK_DISCOUNT", "cardDiscount": null,
            "cardInterestFree": null, "cardPoint": null,
            "bankDiscount": {"bankCode": "92", "currency": "KRW", "discountAmount": 600, "balance": 1000000,
                "discountCode": "12861", "dueDate": "2099-12-31", "minimumPaymentAmount": 2000,
                "maximumPaymentAmount": 99999999}}]
    });
    assert_eq!(account, expected_account);

    let both = json!({"cards": [expected_card], "accounts": [expected_account.clone()],
        "isIdentified": true, "selectedMethodId": account_id});
    let r = env.get("/v1/brandpay/payments/methods", &bh).await;
    assert_resp(&r, 200, &both);
    let r = env
        .get(&format!("/v1/brandpay/payments/methods/{KEY}"), &h)
        .await;
    assert_resp(&r, 200, &both);

    let r = env
        .post(
            "/v1/brandpay/payments/methods/card/remove",
            &bh,
            &json!({"methodKey": card_key}),
        )
        .await;
    let mut disabled = card.clone();
    disabled["status"] = json!("DISABLED");
    assert_resp(&r, 200, &disabled);

    let after = json!({"cards": [], "accounts": [expected_account],
        "isIdentified": true, "selectedMethodId": account_id});
    let r = env.get("/v1/brandpay/payments/methods", &bh).await;
    assert_resp(&r, 200, &after);

    let events = outbox_events(&env).await;
    let method_events: Vec<(Value, Value)> = events
        .iter()
        .filter(|(t, _)| t == "METHOD_UPDATED")
        .map(|(_, b)| (b["data"]["methodKey"].clone(), b["data"]["status"].clone()))
        .collect();
    assert_eq!(
        method_events,
        vec![
            (json!(card_key), json!("ENABLED")),
            (account["methodKey"].clone(), json!("ENABLED")),
            (json!(card_key), json!("DISABLED")),
        ]
    );

    let r = env
        .request(Method::POST, "/v1/brandpay/customers/remove", &bh, None)
        .await;
    assert_resp(&r, 200, &json!({"customerKey": KEY, "success": true}));
    let events = outbox_events(&env).await;
    assert_eq!(events.len(), 5);
    let last = &events[4];
    assert_eq!(last.0, "CUSTOMER_STATUS_CHANGED");
    assert_eq!(last.1["data"]["status"], "REMOVED");
    assert_eq!(last.1["data"]["customerKey"], KEY);

    // Everything of the customer is dead.
    let r = env.get("/v1/brandpay/payments/methods", &bh).await;
    assert_resp(&r, 401, &invalid_access_token());
    let r = env
        .post(
            "/v1/brandpay/payments/methods/account/remove",
            &bh,
            &json!({"methodKey": account["methodKey"]}),
        )
        .await;
    assert_resp(&r, 401, &invalid_access_token());
    let r = env
        .request(Method::POST, "/v1/brandpay/customers/remove", &bh, None)
        .await;
    assert_resp(&r, 401, &invalid_access_token());
    let r = refresh(&env, &auth, KEY, &refresh_token).await;
    assert_resp(
        &r,
        403,
        &error(
            "INVALID_REFRESH_TOKEN",
            "유효하지 않은 Refresh Token입니다.",
        ),
    );
    let r = env
        .get(&format!("/v1/brandpay/payments/methods/{KEY}"), &h)
        .await;
    assert_eq!(r.status, 404);
    let r = env
        .get(
            &format!("/v1/brandpay/terms?customerKey={KEY}&scope=REGISTER"),
            &h,
        )
        .await;
    assert_resp(&r, 200, &Value::Array(register_terms(false)));

    // The key can sign up again: a new customer, CREATED again, a new token.
    let (again, _) = brandpay_tokens(&env, &auth, KEY).await;
    assert_ne!(again, access);
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[("authorization", &bearer(&again))],
        )
        .await;
    assert_resp(
        &r,
        200,
        &json!({"cards": [], "accounts": [], "isIdentified": false, "selectedMethodId": null}),
    );
    let created = outbox_events(&env)
        .await
        .iter()
        .filter(|(_, b)| b["data"]["status"] == "CREATED")
        .count();
    assert_eq!(created, 2);
}

async fn access_token_grants_extend_refresh_and_identify(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let (access, refresh_token) = brandpay_tokens(&env, &auth, KEY).await;

    // A known customer gets the same pair back, extended.
    advance(&env, 29 * 24 * 3600).await;
    let code = brandpay_agree(&env, &auth, KEY, json!(["CARD"]), json!([5])).await;
    let r = brandpay_exchange(&env, &auth, KEY, &code).await;
    assert_resp(
        &r,
        200,
        &json!({"accessToken": access, "refreshToken": refresh_token, "tokenType": "bearer", "expiresIn": 2592000}),
    );
    advance(&env, 2 * 24 * 3600).await;
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[("authorization", &bearer(&access))],
        )
        .await;
    assert_eq!(r.status, 200, "the extension outlives the first 30 days");

    // Expired, then extended again by a new code: the same string works again.
    advance(&env, 30 * 24 * 3600).await;
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[("authorization", &bearer(&access))],
        )
        .await;
    assert_resp(&r, 401, &invalid_access_token());
    let code = brandpay_agree(&env, &auth, KEY, json!(["REGISTER"]), json!([])).await;
    let r = brandpay_exchange(&env, &auth, KEY, &code).await;
    // Day 61: the refresh token (90 days) is still valid and comes back unchanged.
    assert_eq!(
        (
            r.body["accessToken"].clone(),
            r.body["refreshToken"].clone()
        ),
        (json!(access), json!(refresh_token))
    );
    advance(&env, 30 * 24 * 3600).await;
    let code = brandpay_agree(&env, &auth, KEY, json!(["REGISTER"]), json!([])).await;
    let r = brandpay_exchange(&env, &auth, KEY, &code).await;
    assert_eq!(r.body["accessToken"], json!(access));
    // Day 91: the refresh token has expired, so a new one replaces it.
    let new_refresh = r.body["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, refresh_token);
    let r = refresh(&env, &auth, KEY, &refresh_token).await;
    assert_eq!(r.status, 403);
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[("authorization", &bearer(&access))],
        )
        .await;
    assert_eq!(r.status, 200);

    // RefreshToken: a new pair, the old one dead at once, with complete identity data.
    let r = env
        .post(
            "/v1/brandpay/authorizations/access-token",
            &[("authorization", &auth)],
            &json!({"grantType": "RefreshToken", "customerKey": KEY, "refreshToken": new_refresh,
                    "customerIdentity": {"ci": "ci-value", "mobilePhone": "01012345678", "name": "홍길동", "rrn": "9001011"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let access2 = r.body["accessToken"].as_str().unwrap().to_owned();
    let refresh2 = r.body["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(access2, access);
    assert_ne!(refresh2, new_refresh);
    assert_eq!(
        (r.body["tokenType"].clone(), r.body["expiresIn"].clone()),
        (json!("bearer"), json!(2592000))
    );
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[("authorization", &bearer(&access))],
        )
        .await;
    assert_resp(&r, 401, &invalid_access_token());
    let r = refresh(&env, &auth, KEY, &new_refresh).await;
    assert_eq!(r.status, 403);
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[("authorization", &bearer(&access2))],
        )
        .await;
    assert_resp(
        &r,
        200,
        &json!({"cards": [], "accounts": [], "isIdentified": true, "selectedMethodId": null}),
    );
    // A refresh token of another customerKey is not this customer's.
    let r = refresh(&env, &auth, "other-customer", &refresh2).await;
    assert_eq!(r.status, 403);
    // Partial identity data changes nothing.
    let (other_access, _) = brandpay_tokens(&env, &auth, "partial-identity").await;
    let code = brandpay_agree(
        &env,
        &auth,
        "partial-identity",
        json!(["REGISTER"]),
        json!([]),
    )
    .await;
    let r = env
        .post(
            "/v1/brandpay/authorizations/access-token",
            &[("authorization", &auth)],
            &json!({"grantType": "AuthorizationCode", "customerKey": "partial-identity", "code": code,
                    "customerIdentity": {"name": "홍길동", "ci": null}}),
        )
        .await;
    assert_eq!(r.body["accessToken"], json!(other_access));
    let r = env
        .get(
            "/v1/brandpay/payments/methods",
            &[("authorization", &bearer(&other_access))],
        )
        .await;
    assert_eq!(r.body["isIdentified"], json!(false));
    // Only one CREATED per customer.
    let created = outbox_events(&env)
        .await
        .iter()
        .filter(|(_, b)| b["data"]["status"] == "CREATED")
        .count();
    assert_eq!(created, 2);
}

async fn codes_are_single_use_and_expire_after_ten_minutes(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let code = brandpay_signup_code(&env, &auth, KEY).await;
    assert_eq!(brandpay_exchange(&env, &auth, KEY, &code).await.status, 200);
    let r = brandpay_exchange(&env, &auth, KEY, &code).await;
    assert_resp(&r, 404, &code_not_found());

    let code = brandpay_signup_code(&env, &auth, KEY).await;
    let r = brandpay_exchange(&env, &auth, "another-customer", &code).await;
    assert_resp(&r, 404, &code_not_found());
    advance(&env, 599).await;
    assert_eq!(brandpay_exchange(&env, &auth, KEY, &code).await.status, 200);

    let code = brandpay_signup_code(&env, &auth, KEY).await;
    advance(&env, 600).await;
    let r = brandpay_exchange(&env, &auth, KEY, &code).await;
    assert_resp(&r, 404, &code_not_found());
    let r = brandpay_exchange(&env, &auth, KEY, "RnYX2w532omp6gDQgVNeyqAp").await;
    assert_resp(&r, 404, &code_not_found());
    let r = env
        .post(
            "/v1/brandpay/authorizations/access-token",
            &[("authorization", &auth), ("accept-language", "en-US")],
            &json!({"grantType": "AuthorizationCode", "customerKey": KEY, "code": code}),
        )
        .await;
    assert_resp(
        &r,
        404,
        &error(
            "NOT_FOUND_AUTHORIZATION_CODE",
            "The authorization code does not exist or has expired.",
        ),
    );

    // Withdrawal revokes unused codes.
    let (access, _) = brandpay_tokens(&env, &auth, "withdrawing").await;
    let code = brandpay_signup_code(&env, &auth, "withdrawing").await;
    let r = env
        .request(
            Method::POST,
            "/v1/brandpay/customers/remove",
            &[("authorization", &bearer(&access))],
            Some("{\"ignored\": true}"),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = brandpay_exchange(&env, &auth, "withdrawing", &code).await;
    assert_resp(&r, 404, &code_not_found());
}

async fn concurrent_code_exchanges_succeed_once(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let code = brandpay_signup_code(&env, &auth, KEY).await;
    let responses = concurrently(30, |_| {
        let (env, auth, code) = (env.clone(), auth.clone(), code.clone());
        async move { brandpay_exchange(&env, &auth, KEY, &code).await }
    })
    .await;
    assert_eq!(successes(&responses, 404, &code_not_found()).len(), 1);
    let events = outbox_events(&env).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].1["data"]["status"], "CREATED");
}

async fn concurrent_method_removals_succeed_once(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let (access, _) = brandpay_tokens(&env, &auth, KEY).await;
    let card = register_card(&env, KEY, json!({})).await;
    let method_key = card["methodKey"].as_str().unwrap().to_owned();
    let responses = concurrently(30, |_| {
        let (env, access, method_key) = (env.clone(), access.clone(), method_key.clone());
        async move {
            env.post(
                "/v1/brandpay/payments/methods/card/remove",
                &[("authorization", &bearer(&access))],
                &json!({"methodKey": method_key}),
            )
            .await
        }
    })
    .await;
    let ok = successes(
        &responses,
        404,
        &error("NOT_FOUND_METHOD", "존재하지 않는 결제수단 입니다."),
    );
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].body["status"], "DISABLED");
    let disabled = outbox_events(&env)
        .await
        .iter()
        .filter(|(t, b)| t == "METHOD_UPDATED" && b["data"]["status"] == "DISABLED")
        .count();
    assert_eq!(disabled, 1);
}

async fn bearer_auth_table(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let (access, _) = brandpay_tokens(&env, &auth, KEY).await;
    let bearer_calls: [(Method, &str); 4] = [
        (Method::GET, "/v1/brandpay/payments/methods"),
        (Method::POST, "/v1/brandpay/payments/methods/card/remove"),
        (Method::POST, "/v1/brandpay/payments/methods/account/remove"),
        (Method::POST, "/v1/brandpay/customers/remove"),
    ];
    let garbage = bearer("not-a-token");
    let cases: Vec<(Vec<(&str, &str)>, Value)> = vec![
        (vec![], unauthorized_key()),
        (vec![("authorization", auth.as_str())], unauthorized_key()),
        (vec![("authorization", "Token abc")], unauthorized_key()),
        (
            vec![("authorization", garbage.as_str())],
            invalid_access_token(),
        ),
        (vec![("authorization", "Bearer")], invalid_access_token()),
    ];
    for (method, path) in &bearer_calls {
        for (headers, expected) in &cases {
            let body = (method == Method::POST).then_some("{\"methodKey\": \"x\"}");
            let r = env.request(method.clone(), path, headers, body).await;
            assert_resp(&r, 401, expected);
        }
    }
    // Expired after 30 days.
    advance(&env, 30 * 24 * 3600).await;
    let expired = bearer(&access);
    for (method, path) in &bearer_calls {
        let body = (method == Method::POST).then_some("{\"methodKey\": \"x\"}");
        let r = env
            .request(method.clone(), path, &[("authorization", &expired)], body)
            .await;
        assert_resp(&r, 401, &invalid_access_token());
    }
    // Basic endpoints refuse a missing key and a customer token.
    for path in [
        "/v1/brandpay/terms?customerKey=abc&scope=REGISTER",
        "/v1/brandpay/payments/methods/abc",
        "/v1/brandpay/promotions/card",
        "/v1/brandpay/promotions/bank",
    ] {
        let r = env.get(path, &[]).await;
        assert_resp(&r, 401, &unauthorized_key());
        let r = env.get(path, &[("authorization", &expired)]).await;
        assert_resp(&r, 401, &unauthorized_key());
    }
    let r = env
        .post(
            "/v1/brandpay/terms/agree",
            &[("authorization", &basic("test_sk_unknownunknownunknown1234"))],
            &json!({}),
        )
        .await;
    assert_resp(&r, 401, &unauthorized_key());
}

async fn bad_inputs_get_documented_errors(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let h = [("authorization", auth.as_str())];
    for (query, expected) in [
        ("scope=REGISTER", invalid_customer_key()),
        ("customerKey=a&scope=REGISTER", invalid_customer_key()),
        (
            "customerKey=has%20space&scope=REGISTER",
            invalid_customer_key(),
        ),
        (
            &*format!("customerKey={}&scope=REGISTER", "x".repeat(51)),
            invalid_customer_key(),
        ),
        ("customerKey=abc", invalid_request()),
        ("customerKey=abc&scope=", invalid_request()),
        ("customerKey=abc&scope=CARD,ACCOUNT", invalid_request()),
        (
            "customerKey=abc&scope=REGISTER&scope=CARD&scope=BILLING",
            invalid_request(),
        ),
        ("customerKey=abc&scope=register", invalid_request()),
        ("customerKey=abc&scope=FOO", invalid_request()),
    ] {
        let r = env.get(&format!("/v1/brandpay/terms?{query}"), &h).await;
        assert_resp(&r, 400, &expected);
    }

    let agree_cases: Vec<(&str, u16, Value)> = vec![
        ("not json", 400, invalid_request()),
        ("[1]", 400, invalid_request()),
        ("{}", 400, invalid_customer_key()),
        (
            r#"{"customerKey": 5, "scope": ["REGISTER"]}"#,
            400,
            invalid_customer_key(),
        ),
        (
            r#"{"customerKey": "a", "scope": ["REGISTER"]}"#,
            400,
            invalid_customer_key(),
        ),
        (r#"{"customerKey": "abc"}"#, 400, invalid_request()),
        (
            r#"{"customerKey": "abc", "scope": []}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "scope": [1]}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "scope": ["CARD", "BILLING"]}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "scope": ["REGISTER"], "termsId": "1"}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "scope": ["REGISTER"], "termsId": ["1"]}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "scope": ["REGISTER"], "termsId": [1.5]}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "scope": ["REGISTER"], "termsId": [1, 2, 3, 4, 5]}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "scope": ["CARD"], "termsId": [5]}"#,
            400,
            need_agreement(),
        ),
        (
            r#"{"customerKey": "abc", "scope": ["REGISTER"], "termsId": [1, 2]}"#,
            400,
            need_agreement(),
        ),
        (
            r#"{"customerKey": "abc", "scope": ["REGISTER", "CARD"], "termsId": [1, 2, 3, 4]}"#,
            400,
            need_agreement(),
        ),
    ];
    for (body, status, expected) in &agree_cases {
        let r = env
            .request(Method::POST, "/v1/brandpay/terms/agree", &h, Some(body))
            .await;
        assert_resp(&r, *status, expected);
    }
    // A single string scope is accepted.
    let r = env
        .post(
            "/v1/brandpay/terms/agree",
            &h,
            &json!({"customerKey": "abc", "scope": "REGISTER", "termsId": [1, 2, 3, 4]}),
        )
        .await;
    assert_eq!(r.status, 200);

    let token_cases: Vec<(&str, u16, Value)> = vec![
        ("", 400, invalid_request()),
        ("{}", 400, invalid_customer_key()),
        (r#"{"customerKey": "abc"}"#, 400, invalid_request()),
        (
            r#"{"customerKey": "abc", "grantType": "authorization_code", "code": "x"}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "grantType": "AuthorizationCode"}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "grantType": "AuthorizationCode", "code": ""}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "grantType": "AuthorizationCode", "code": 12}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "grantType": "RefreshToken", "code": "x"}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "grantType": "AuthorizationCode", "code": "x", "customerIdentity": "x"}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "grantType": "AuthorizationCode", "code": "x", "customerIdentity": {"rrn": "123"}}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "grantType": "AuthorizationCode", "code": "x", "customerIdentity": {"mobilePhone": "010-1234-5678"}}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "grantType": "AuthorizationCode", "code": "x", "customerIdentity": {"name": 5}}"#,
            400,
            invalid_request(),
        ),
        (
            r#"{"customerKey": "abc", "grantType": "AuthorizationCode", "code": "x"}"#,
            404,
            code_not_found(),
        ),
        (
            r#"{"customerKey": "never-seen", "grantType": "RefreshToken", "refreshToken": "x"}"#,
            403,
            error(
                "INVALID_REFRESH_TOKEN",
                "유효하지 않은 Refresh Token입니다.",
            ),
        ),
    ];
    for (body, status, expected) in &token_cases {
        let r = env
            .request(
                Method::POST,
                "/v1/brandpay/authorizations/access-token",
                &h,
                Some(body),
            )
            .await;
        assert_resp(&r, *status, expected);
    }

    let r = env.get("/v1/brandpay/payments/methods/a", &h).await;
    assert_resp(&r, 400, &invalid_customer_key());
    let r = env.get("/v1/brandpay/payments/methods/a%2Fb%20c", &h).await;
    assert_resp(&r, 400, &invalid_customer_key());
    let r = env.get("/v1/brandpay/payments/methods/%FF%FE", &h).await;
    assert_resp(&r, 400, &invalid_customer_key());
    let r = env
        .get("/v1/brandpay/payments/methods/unknown-key", &h)
        .await;
    assert_resp(
        &r,
        404,
        &error("NOT_FOUND_CUSTOMER", "유효한 고객 정보가 없습니다."),
    );

    // Removal: ownership and kinds.
    let (mine, _) = brandpay_tokens(&env, &auth, KEY).await;
    let my_card = register_card(&env, KEY, json!({"issuerCode": "11", "cardType": "체크"})).await;
    let my_account = register_account(&env, KEY, json!({})).await;
    let theirs = register_card(&env, "someone-else", json!({})).await;
    let bh = bearer(&mine);
    let bh = [("authorization", bh.as_str())];
    let not_found_method = error("NOT_FOUND_METHOD", "존재하지 않는 결제수단 입니다.");
    let remove_cases: Vec<(&str, Option<String>, u16, Value)> = vec![
        ("card", Some("{}".into()), 400, invalid_request()),
        ("card", Some("not json".into()), 400, invalid_request()),
        ("card", None, 400, invalid_request()),
        (
            "card",
            Some(r#"{"methodKey": 5}"#.into()),
            400,
            invalid_request(),
        ),
        (
            "card",
            Some(r#"{"methodKey": ""}"#.into()),
            400,
            invalid_request(),
        ),
        (
            "card",
            Some(r#"{"methodKey": "unknown"}"#.into()),
            404,
            not_found_method.clone(),
        ),
        (
            "card",
            Some(json!({"methodKey": my_account["methodKey"]}).to_string()),
            404,
            not_found_method.clone(),
        ),
        (
            "account",
            Some(json!({"methodKey": my_card["methodKey"]}).to_string()),
            404,
            not_found_method.clone(),
        ),
        (
            "card",
            Some(json!({"methodKey": theirs["methodKey"]}).to_string()),
            404,
            error(
                "NOT_FOUND_METHOD_OWNERSHIP",
                "결제수단의 소유자가 아닙니다.",
            ),
        ),
    ];
    for (kind, body, status, expected) in &remove_cases {
        let r = env
            .request(
                Method::POST,
                &format!("/v1/brandpay/payments/methods/{kind}/remove"),
                &bh,
                body.as_deref(),
            )
            .await;
        assert_resp(&r, *status, expected);
    }
    let r = env
        .post(
            "/v1/brandpay/payments/methods/account/remove",
            &bh,
            &json!({"methodKey": my_account["methodKey"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["status"].clone()),
        (200, json!("DISABLED"))
    );
    let r = env
        .post(
            "/v1/brandpay/payments/methods/account/remove",
            &bh,
            &json!({"methodKey": my_account["methodKey"]}),
        )
        .await;
    assert_resp(&r, 404, &not_found_method);

    // The simulator refuses what the window would not accept.
    for (path, body) in [
        ("/sim/v1/brandpay/customers/a/cards", json!({})),
        (
            "/sim/v1/brandpay/customers/abc/cards",
            json!({"issuerCode": "99"}),
        ),
        (
            "/sim/v1/brandpay/customers/abc/cards",
            json!({"cardNumber": "1234"}),
        ),
        (
            "/sim/v1/brandpay/customers/abc/cards",
            json!({"cardType": "credit"}),
        ),
        (
            "/sim/v1/brandpay/customers/abc/cards",
            json!({"ownerType": "x"}),
        ),
        (
            "/sim/v1/brandpay/customers/abc/accounts",
            json!({"bankCode": "S8"}),
        ),
        (
            "/sim/v1/brandpay/customers/abc/accounts",
            json!({"accountNumber": "12"}),
        ),
        (
            "/sim/v1/brandpay/promotions",
            json!({"type": "X", "companyCode": "61", "dueDate": "2099-01-01", "minimumPaymentAmount": 1}),
        ),
        (
            "/sim/v1/brandpay/promotions",
            json!({"type": "CARD_POINT", "companyCode": "61", "dueDate": "tomorrow", "minimumPaymentAmount": 1}),
        ),
    ] {
        let r = env.post(path, &[], &body).await;
        assert_eq!(r.status, 400, "{path} {body}: {}", r.text);
    }
    let r = env
        .post(
            "/sim/v1/brandpay/customers/abc/cards?mId=nobody",
            &[],
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 404);
}

async fn promotions_are_listed_and_attached(env: TestEnv) {
    let auth = env.merchant_basic().await;
    let h = [("authorization", auth.as_str())];
    let r = env.get("/v1/brandpay/promotions/bank", &h).await;
    assert_resp(
        &r,
        200,
        &json!({"discountBanks": [
            {"bankCode": "20", "currency": "KRW", "discountAmount": 500, "balance": 1000000, "discountCode": "12860", "dueDate": "2099-12-31", "minimumPaymentAmount": 1000, "maximumPaymentAmount": 99999999},
            {"bankCode": "92", "currency": "KRW", "discountAmount": 600, "balance": 1000000, "discountCode": "12861", "dueDate": "2099-12-31", "minimumPaymentAmount": 2000, "maximumPaymentAmount": 99999999}
        ]}),
    );
    let r = env.get("/v1/brandpay/promotions/card?ignored=1", &h).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["discountCards"][0],
        json!({"companyCode": "71", "discountAmount": 500, "balance": 1000000, "discountCode": "12860", "dueDate": "2099-12-31", "minimumPaymentAmount": 1000, "maximumPaymentAmount": 99999999})
    );
    assert_eq!(
        r.body["interestFreeCards"][0],
        json!({"companyCode": "11", "dueDate": "2099-12-31", "installmentFreeMonths": [2, 3, 4, 5, 6, 7], "minimumPaymentAmount": 50000})
    );
    assert_eq!(
        r.body["pointCards"][0],
        json!({"companyCode": "33", "dueDate": "2099-12-31", "minimumPaymentAmount": 1000})
    );
    let counts: Vec<usize> = ["discountCards", "interestFreeCards", "pointCards"]
        .iter()
        .map(|k| r.body[k].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(counts, vec![4, 11, 5]);

    // A promotion due today (KST) is listed until midnight KST, and attached to matching methods.
    let clock = env.sim(Method::GET, "/sim/v1/clock", Value::Null).await;
    let today = clock["nowKst"].as_str().unwrap()[..10].to_owned();
    let added = env
        .sim(
            Method::POST,
            "/sim/v1/brandpay/promotions",
            json!({"type": "BANK_DISCOUNT", "companyCode": "88", "discountAmount": 300, "balance": 5000,
                   "discountCode": "DC-1", "dueDate": today, "minimumPaymentAmount": 1000}),
        )
        .await;
    let entry = json!({"bankCode": "88", "currency": "KRW", "discountAmount": 300, "balance": 5000,
        "discountCode": "DC-1", "dueDate": today, "minimumPaymentAmount": 1000, "maximumPaymentAmount": 99999999});
    assert_eq!(added, json!({"discountBanks": [entry.clone()]}));
    let r = env.get("/v1/brandpay/promotions/bank", &h).await;
    assert_eq!(r.body["discountBanks"][2], entry);
    let account = register_account(&env, KEY, json!({})).await;
    assert_eq!(account["bankCode"], "88");
    assert_eq!(account["accountName"], "신한은행 계좌");
    assert_eq!(account["icon"], "icn-bank-shinhan");
    assert_eq!(account["promotions"][0]["bankDiscount"], entry);
    assert!(account["accountNumber"]
        .as_str()
        .unwrap()
        .starts_with("123***"));

    advance(&env, 24 * 3600).await;
    let r = env.get("/v1/brandpay/promotions/bank", &h).await;
    assert_eq!(r.body["discountBanks"].as_array().map(Vec::len), Some(2));
    let r = env
        .get(&format!("/v1/brandpay/payments/methods/{KEY}"), &h)
        .await;
    assert_eq!(r.body["accounts"][0]["promotions"], json!([]));

    // Cards match on the issuer or the acquirer code.
    let card = register_card(&env, KEY, json!({"issuerCode": "21", "acquirerCode": "31"})).await;
    let types: Vec<(String, String)> = card["promotions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let kind = p["type"].as_str().unwrap().to_owned();
            let field = match kind.as_str() {
                "CARD_DISCOUNT" => "cardDiscount",
                "CARD_INTEREST_FREE" => "cardInterestFree",
                _ => "cardPoint",
            };
            (kind, p[field]["issuerCode"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        types,
        vec![
            ("CARD_DISCOUNT".to_owned(), "31".to_owned()),
            ("CARD_INTEREST_FREE".to_owned(), "31".to_owned()),
            ("CARD_INTEREST_FREE".to_owned(), "21".to_owned()),
        ]
    );
    assert_eq!(card["cardName"], "하나카드");
    assert_eq!(card["icon"], "icn-bank-square-hana");
    assert_eq!(
        card["color"],
        json!({"background": "#F2F4F6", "text": "#333D4B"})
    );
}

async fn two_servers_keep_codes_and_removals_exactly_once(env: TestEnv) {
    // Several processes on one database is the PostgreSQL deployment; on SQLite the one server takes
    // every request.
    let servers = Servers::of(&env).await;
    let auth = env.merchant_basic().await;

    let code = brandpay_signup_code(&env, &auth, KEY).await;
    let body = json!({"grantType": "AuthorizationCode", "customerKey": KEY, "code": code});
    let responses = post_concurrently(
        &env,
        &servers,
        30,
        "/v1/brandpay/authorizations/access-token",
        &[("authorization", &auth)],
        &body.to_string(),
    )
    .await;
    let tokens: Vec<String> = successes(&responses, 404, &code_not_found())
        .iter()
        .map(|r| r.body["accessToken"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tokens.len(), 1);

    let account = register_account(&env, KEY, json!({})).await;
    let method_key = account["methodKey"].as_str().unwrap();
    let responses = post_concurrently(
        &env,
        &servers,
        30,
        "/v1/brandpay/payments/methods/account/remove",
        &[("authorization", &bearer(&tokens[0]))],
        &json!({"methodKey": method_key}).to_string(),
    )
    .await;
    let mut ok = 0;
    for r in &responses {
        if r.status == 200 {
            ok += 1;
        } else {
            assert_eq!(
                (r.status, r.body["code"].as_str()),
                (404, Some("NOT_FOUND_METHOD"))
            );
        }
    }
    assert_eq!(ok, 1);
    let events: Vec<(String, Value)> = outbox_events(&env)
        .await
        .into_iter()
        .map(|(t, b)| (t, b["data"]["status"].clone()))
        .collect();
    assert_eq!(
        events,
        vec![
            ("CUSTOMER_STATUS_CHANGED".to_owned(), json!("CREATED")),
            ("METHOD_UPDATED".to_owned(), json!("ENABLED")),
            ("METHOD_UPDATED".to_owned(), json!("DISABLED")),
        ]
    );
    servers.stop().await;
}

async fn endpoints_are_documented(env: TestEnv) {
    let doc = env.get("/openapi.json", &[]).await;
    assert_eq!(doc.status, 200);
    for path in [
        "/v1/brandpay/terms",
        "/v1/brandpay/terms/agree",
        "/v1/brandpay/authorizations/access-token",
        "/v1/brandpay/payments/methods",
        "/v1/brandpay/payments/methods/{customerKey}",
        "/v1/brandpay/payments/methods/card/remove",
        "/v1/brandpay/payments/methods/account/remove",
        "/v1/brandpay/customers/remove",
        "/v1/brandpay/promotions/card",
        "/v1/brandpay/promotions/bank",
        "/sim/v1/brandpay/customers/{customerKey}/cards",
        "/sim/v1/brandpay/customers/{customerKey}/accounts",
        "/sim/v1/brandpay/promotions",
    ] {
        assert!(
            doc.body["paths"].get(path).is_some(),
            "{path} is in /openapi.json"
        );
    }
    // A known path with another method answers in the Toss Payments envelope.
    let r = env.get("/v1/brandpay/customers/remove", &[]).await;
    assert_resp(
        &r,
        404,
        &error(
            "NOT_FOUND_HTTP_METHOD",
            "존재하지 않는 HTTP 메소드 접근입니다.",
        ),
    );
}
