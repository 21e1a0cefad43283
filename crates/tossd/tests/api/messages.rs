//! Smart messages: templates, rendering, opt-outs, the user's inbox.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{advance, assert_resp, fail, invalid_parameter, link_user, post_as, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    send_message_lands_in_the_inbox,
    opt_outs_fail_per_channel,
    bad_inputs_get_documented_failures,
    test_and_bulk_messages,
    messenger_rate_limit_is_its_own_bucket,
);

const HONG: i64 = 123456789;
const KIM: i64 = 87654321;
const LEE: i64 = 443731103;
const SEND: &str = "/api-partner/v1/apps-in-toss/messenger/send-message";
const SEND_TEST: &str = "/api-partner/v1/apps-in-toss/messenger/send-test-message";
const SEND_BULK: &str = "/api-partner/v1/apps-in-toss/messenger/send-bulk-message";

async fn inbox(env: &TestEnv, user_key: i64) -> Value {
    env.sim(
        Method::GET,
        &format!("/sim/v1/users/{user_key}/messages"),
        Value::Null,
    )
    .await
}

fn content_id(item: &Value) -> &str {
    let id = item["contentId"].as_str().expect("contentId");
    assert!(id.starts_with("MSG_") && id.len() == 20, "{id}");
    id
}

const EMPTY_LISTS: fn() -> Value = || json!({"sentPush": [], "sentInbox": [], "sentSms": [], "sentAlimtalk": [], "sentFriendtalk": []});

async fn send_message_lands_in_the_inbox(env: TestEnv) {
    link_user(&env, HONG).await;
    let r = post_as(
        &env,
        SEND,
        HONG,
        &json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"userName": "홍길동", "otp": "123456"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = &r.body["success"];
    let push = content_id(&s["detail"]["sentPush"][0]).to_owned();
    let inbox_id = content_id(&s["detail"]["sentInbox"][0]).to_owned();
    assert_eq!(
        r.body,
        json!({"resultType": "SUCCESS", "success": {
            "msgCount": 2, "sentPushCount": 1, "sentInboxCount": 1, "sentSmsCount": 0,
            "sentAlimtalkCount": 0, "sentFriendtalkCount": 0,
            "detail": {"sentPush": [{"contentId": push, "reachedFailReason": null}],
                       "sentInbox": [{"contentId": inbox_id, "reachedFailReason": null}],
                       "sentSms": [], "sentAlimtalk": [], "sentFriendtalk": []},
            "fail": EMPTY_LISTS()}})
    );

    let text = "[홍길동님] 인증번호는 123456예요. 타인에게 알려주지 마세요.";
    let received = inbox(&env, HONG).await;
    let list = received.as_array().unwrap();
    assert_eq!(list.len(), 2);
    for m in list {
        assert_eq!(m["text"], text);
        assert_eq!(m["templateSetCode"], "ALERT_OTP_TEMPLATE");
        assert!(m["sentAt"].as_str().unwrap().ends_with('Z'));
    }
    let mut ids: Vec<&str> = list
        .iter()
        .map(|m| m["contentId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected = vec![push.as_str(), inbox_id.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);

    // A template of the operator's, numbers in the context, userName from the profile; newest first.
    env.sim(
        Method::POST,
        "/sim/v1/message-templates",
        json!({"templateSetCode": "ORDER_SHIPPED", "text": "{{userName}}님, 주문 {{orderNo}}번이 {{count}}개 발송됐어요.",
               "channels": ["INBOX"]}),
    )
    .await;
    advance(&env, 1).await;
    let r = post_as(
        &env,
        SEND,
        HONG,
        &json!({"templateSetCode": "ORDER_SHIPPED", "context": {"orderNo": "A-1", "count": 3, "extra": true}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["success"]["msgCount"], 1);
    assert_eq!(r.body["success"]["sentPushCount"], 0);
    let received = inbox(&env, HONG).await;
    assert_eq!(received.as_array().unwrap().len(), 3);
    assert_eq!(received[0]["channel"], "INBOX");
    assert_eq!(
        received[0]["text"],
        "홍길동님, 주문 A-1번이 3개 발송됐어요."
    );
    assert_eq!(received[0]["templateSetCode"], "ORDER_SHIPPED");

    let openapi = env.get("/openapi.json", &[]).await;
    for path in [
        SEND,
        SEND_TEST,
        SEND_BULK,
        "/sim/v1/message-templates",
        "/sim/v1/users/{userKey}/messages",
    ] {
        assert!(openapi.body["paths"][path].is_object(), "{path} documented");
    }
    assert!(openapi.body["paths"]["/sim/v1/users/{userKey}"]["patch"].is_object());
    assert!(openapi.body["paths"]["/sim/v1/apps/{appId}"]["patch"].is_object());
}

async fn opt_outs_fail_per_channel(env: TestEnv) {
    link_user(&env, HONG).await;
    link_user(&env, LEE).await;
    let user = env
        .sim(
            Method::PATCH,
            &format!("/sim/v1/users/{HONG}"),
            json!({"pushEnabled": false}),
        )
        .await;
    assert_eq!(
        (&user["pushEnabled"], &user["marketingConsent"]),
        (&json!(false), &json!(true))
    );
    let r = post_as(
        &env,
        SEND,
        HONG,
        &json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"otp": 42}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = &r.body["success"];
    assert_eq!(
        (&s["msgCount"], &s["sentPushCount"], &s["sentInboxCount"]),
        (&json!(1), &json!(0), &json!(1))
    );
    assert_eq!(s["detail"]["sentPush"], json!([]));
    let failed = &s["fail"]["sentPush"][0];
    content_id(failed);
    assert_eq!(failed["reachedFailReason"], "푸시 수신 거부 상태입니다.");
    assert_eq!(s["fail"]["sentInbox"], json!([]));
    let received = inbox(&env, HONG).await;
    assert_eq!(received.as_array().unwrap().len(), 1);
    assert_eq!(received[0]["channel"], "INBOX");
    assert_eq!(
        received[0]["text"],
        "[홍길동님] 인증번호는 42예요. 타인에게 알려주지 마세요."
    );

    // 이영희 has not agreed to marketing: a marketing template reaches no channel.
    let r = post_as(
        &env,
        SEND,
        LEE,
        &json!({"templateSetCode": "EVENT_MARKETING_TEMPLATE", "context": {"eventName": "봄맞이"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = &r.body["success"];
    assert_eq!(s["msgCount"], 0);
    assert_eq!(s["detail"], EMPTY_LISTS());
    let reason = "마케팅 정보 수신에 동의하지 않은 사용자입니다.";
    assert_eq!(s["fail"]["sentPush"][0]["reachedFailReason"], reason);
    assert_eq!(s["fail"]["sentInbox"][0]["reachedFailReason"], reason);
    assert_eq!(inbox(&env, LEE).await, json!([]));

    // Consent given: delivered, rendered with the profile's name.
    env.sim(
        Method::PATCH,
        &format!("/sim/v1/users/{LEE}"),
        json!({"marketingConsent": true}),
    )
    .await;
    let r = post_as(
        &env,
        SEND,
        LEE,
        &json!({"templateSetCode": "EVENT_MARKETING_TEMPLATE", "context": {"eventName": "봄맞이"}}),
    )
    .await;
    assert_eq!(r.body["success"]["msgCount"], 2);
    assert_eq!(
        inbox(&env, LEE).await[0]["text"],
        "이영희님, 봄맞이 이벤트가 시작됐어요."
    );
}

async fn bad_inputs_get_documented_failures(env: TestEnv) {
    env.sim(
        Method::PATCH,
        "/sim/v1/apps/default",
        json!({"rateLimitPerMinute": 0}),
    )
    .await;
    link_user(&env, HONG).await;
    let good = json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"otp": "1"}});

    let missing_user = fail("USER_KEY_NOT_FOUND", "유저 키를 찾을 수 없어요.");
    let r = env.post(SEND, &[], &good).await;
    assert_resp(&r, 401, &missing_user);
    let r = post_as(&env, SEND, KIM, &good).await;
    assert_resp(&r, 401, &missing_user);

    let r = post_as(
        &env,
        SEND,
        HONG,
        &json!({"templateSetCode": "NO_SUCH_TEMPLATE", "context": {}}),
    )
    .await;
    assert_resp(
        &r,
        400,
        &fail("TEMPLATE_NOT_FOUND", "템플릿을 찾을 수 없어요."),
    );
    let r = post_as(
        &env,
        SEND,
        HONG,
        &json!({"templateSetCode": "REVIEW_PENDING_TEMPLATE", "context": {}}),
    )
    .await;
    assert_resp(
        &r,
        403,
        &fail(
            "TEMPLATE_NOT_APPROVED",
            "검수가 완료되지 않은 템플릿이에요.",
        ),
    );

    let invalid = invalid_parameter();
    for body in [
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {}}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"userName": "x"}}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"otp": null}}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"otp": [1]}}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"otp": "1", "x": {"a": 1}}}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"additionalProperties": {}}}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": []}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": null}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE"}),
        json!({"context": {"otp": "1"}}),
        json!({"templateSetCode": 7, "context": {"otp": "1"}}),
        json!("text"),
    ] {
        let r = post_as(&env, SEND, HONG, &body).await;
        assert_eq!((r.status, &r.body), (400, &invalid), "{body}");
    }
    let r = env
        .request(
            Method::POST,
            SEND,
            &[("x-toss-user-key", "123456789")],
            Some("{"),
        )
        .await;
    assert_resp(&r, 400, &invalid);
    let r = env
        .request(
            Method::POST,
            SEND,
            &[("x-toss-user-key", "123456789")],
            Some(
                r#"{"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"otp": "1", "otp": "2"}}"#,
            ),
        )
        .await;
    assert_resp(&r, 400, &invalid);
    // Nothing was delivered by any failed call.
    assert_eq!(inbox(&env, HONG).await, json!([]));
    let r = post_as(&env, SEND, HONG, &good).await;
    assert_eq!(r.status, 200);

    // Simulator validation.
    for body in [
        json!({"templateSetCode": "", "text": "x"}),
        json!({"templateSetCode": "A", "text": ""}),
        json!({"templateSetCode": "A", "text": "x", "kind": "OTHER"}),
        json!({"templateSetCode": "A", "text": "x", "status": "DRAFT"}),
        json!({"templateSetCode": "A", "text": "x", "channels": ["SMS"]}),
        json!({"templateSetCode": "A", "text": "x", "channels": []}),
    ] {
        let r = env
            .request(
                Method::POST,
                "/sim/v1/message-templates",
                &[],
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(r.status, 400, "{body}");
    }
    let r = env.get("/sim/v1/users/1/messages", &[]).await;
    assert_eq!(r.status, 404);
    let r = env.get("/sim/v1/users/abc/messages", &[]).await;
    assert_eq!(r.status, 400);
}

async fn test_and_bulk_messages(env: TestEnv) {
    link_user(&env, HONG).await;
    link_user(&env, KIM).await;
    let deployment = "019abfe8-fd68-7021-9cdc-30d6053cc009";
    let r = post_as(
        &env,
        SEND_TEST,
        HONG,
        &json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "deploymentId": "not-a-uuid", "context": {"otp": "1"}}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["errorCode"], "INVALID_PARAMETER");
    let r = post_as(
        &env,
        SEND_TEST,
        HONG,
        &json!({"templateSetCode": "REVIEW_PENDING_TEMPLATE", "deploymentId": deployment, "context": {}}),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = post_as(
        &env,
        SEND_TEST,
        HONG,
        &json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "deploymentId": deployment,
                "context": {"userName": "홍길동", "otp": "123456"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["success"]["msgCount"], 2);
    let received = inbox(&env, HONG).await;
    assert_eq!(received[0]["test"], true);

    env.sim(
        Method::PATCH,
        &format!("/sim/v1/users/{KIM}"),
        json!({"pushEnabled": false}),
    )
    .await;
    let r = env
        .post(
            SEND_BULK,
            &[],
            &json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "contextList": [
                {"userKey": HONG, "context": {"otp": "111"}},
                {"userKey": "87654321", "context": {"otp": "222"}},
                {"userKey": LEE, "context": {"otp": "333"}},
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = &r.body["success"];
    assert_eq!(
        (&s["msgCount"], &s["sentPushCount"], &s["sentInboxCount"]),
        (&json!(3), &json!(1), &json!(2))
    );
    let push_fails: Vec<&str> = s["fail"]["sentPush"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reachedFailReason"].as_str().unwrap())
        .collect();
    assert_eq!(
        push_fails,
        vec!["푸시 수신 거부 상태입니다.", "존재하지 않는 사용자입니다."]
    );
    assert_eq!(
        s["fail"]["sentInbox"][0]["reachedFailReason"],
        "존재하지 않는 사용자입니다."
    );
    assert_eq!(
        inbox(&env, KIM).await[0]["text"],
        "[김철수님] 인증번호는 222예요. 타인에게 알려주지 마세요."
    );
    assert_eq!(inbox(&env, LEE).await, json!([]));

    let invalid = invalid_parameter();
    let too_many: Vec<Value> = (0..2501)
        .map(|_| json!({"userKey": HONG, "context": {"otp": "1"}}))
        .collect();
    for body in [
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "contextList": []}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "contextList": too_many}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "contextList": [{"userKey": "abc", "context": {"otp": "1"}}]}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "contextList": [{"userKey": HONG}]}),
        json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "contextList": [
            {"userKey": HONG, "context": {"otp": "1"}}, {"userKey": KIM, "context": {}}]}),
    ] {
        let r = env.post(SEND_BULK, &[], &body).await;
        assert_resp(&r, 400, &invalid);
    }
    let r = env
        .post(
            SEND_BULK,
            &[],
            &json!({"templateSetCode": "NOPE", "contextList": [{"userKey": HONG, "context": {}}]}),
        )
        .await;
    assert_eq!(r.body["error"]["errorCode"], "TEMPLATE_NOT_FOUND");
}

async fn messenger_rate_limit_is_its_own_bucket(env: TestEnv) {
    link_user(&env, HONG).await;
    let body = json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "context": {"otp": "1"}});
    for _ in 0..10 {
        let r = post_as(&env, SEND, HONG, &body).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = post_as(&env, SEND, HONG, &body).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error"]["errorCode"], "4095");
    assert!(
        r.body["error"]["data"]["retryAfterSeconds"]
            .as_i64()
            .unwrap()
            >= 1
    );
    // send-test-message shares the bucket; promotions have their own.
    let r = post_as(
        &env,
        SEND_TEST,
        HONG,
        &json!({"templateSetCode": "ALERT_OTP_TEMPLATE", "deploymentId": "019abfe8-fd68-7021-9cdc-30d6053cc009",
                "context": {"otp": "1"}}),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = post_as(
        &env,
        "/api-partner/v1/apps-in-toss/promotion/execute-promotion/get-key",
        HONG,
        &json!({}),
    )
    .await;
    assert_eq!(r.status, 200);
    advance(&env, 60).await;
    let r = post_as(&env, SEND, HONG, &body).await;
    assert_eq!(r.status, 200);
    assert_eq!(inbox(&env, HONG).await.as_array().unwrap().len(), 22);
}
