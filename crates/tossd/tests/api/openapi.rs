//! The OpenAPI document describes what the server really sends: real success and failure answers of the
//! Apps-in-Toss (in their envelopes), Toss Payments and simulator operations validate against the schema the
//! document gives their status (JSON Schema 2020-12, checked by Python's jsonschema, which `.ci/run`
//! installs with openapi-spec-validator).

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{link_user, login_tokens, post_as, Resp, TestEnv};
use crate::on_both_backends;

on_both_backends!(real_answers_validate_against_the_document);

/// One answer and the operation it came from.
struct Answer {
    path: String,
    method: &'static str,
    resp: Resp,
}

fn answer(path: impl Into<String>, method: &'static str, resp: Resp) -> Answer {
    Answer {
        path: path.into(),
        method,
        resp,
    }
}

const AIT: &str = "/api-partner/v1/apps-in-toss";

fn ait(path: &str) -> String {
    format!("{AIT}{path}")
}

async fn real_answers_validate_against_the_document(env: TestEnv) {
    let mut answers = Vec::new();
    let user = 123456789;
    link_user(&env, user).await;
    let tokens = login_tokens(&env, 443731103).await;
    let bearer = format!("Bearer {}", tokens["accessToken"].as_str().unwrap());

    // Apps-in-Toss successes, one per operation the flows reach.
    let (code, referrer) = crate::common::toss_login(&env, json!({"userKey": 87654321})).await;
    let r = crate::common::generate_token(&env, &code, &referrer).await;
    answers.push(answer(ait("/user/oauth2/generate-token"), "post", r));
    let r = env
        .post(
            &format!("{AIT}/user/oauth2/refresh-token"),
            &[],
            &json!({"refreshToken": tokens["refreshToken"]}),
        )
        .await;
    answers.push(answer(ait("/user/oauth2/refresh-token"), "post", r));
    let r = env
        .get(
            &format!("{AIT}/user/oauth2/login-me"),
            &[("authorization", &bearer)],
        )
        .await;
    answers.push(answer(ait("/user/oauth2/login-me"), "get", r));
    let r = post_as(
        &env,
        &format!("{AIT}/promotion/execute-promotion/get-key"),
        user,
        &json!({}),
    )
    .await;
    let key = r.body["success"]["key"].clone();
    answers.push(answer(
        ait("/promotion/execute-promotion/get-key"),
        "post",
        r,
    ));
    let r = post_as(
        &env,
        &format!("{AIT}/promotion/execute-promotion"),
        user,
        &json!({"promotionCode": "DEFAULT_PROMOTION", "key": key, "amount": 100}),
    )
    .await;
    answers.push(answer(ait("/promotion/execute-promotion"), "post", r));
    let r = post_as(
        &env,
        &format!("{AIT}/promotion/execution-result"),
        user,
        &json!({"promotionCode": "DEFAULT_PROMOTION", "key": key}),
    )
    .await;
    answers.push(answer(ait("/promotion/execution-result"), "post", r));
    let r = post_as(
        &env,
        &format!("{AIT}/pay/make-payment"),
        user,
        &json!({"orderNo": "openapi-1", "productDesc": "상품", "amount": 10000, "amountTaxFree": 0,
                "isTestPayment": true}),
    )
    .await;
    let token = r.body["success"]["payToken"].as_str().unwrap().to_owned();
    answers.push(answer(ait("/pay/make-payment"), "post", r));
    env.sim(
        Method::POST,
        &format!("/sim/v1/pay/{token}/approve"),
        json!({}),
    )
    .await;
    let on_token = json!({"payToken": token, "isTestPayment": true});
    for (path, body) in [
        ("/pay/execute-payment", with_order(&on_token, "openapi-1")),
        ("/pay/get-payment-status", on_token.clone()),
        ("/pay/refund-payment", on_token.clone()),
        ("/pay/get-payment-status", on_token.clone()),
    ] {
        let r = post_as(&env, &format!("{AIT}{path}"), user, &body).await;
        answers.push(answer(ait(path), "post", r));
    }
    let r = post_as(
        &env,
        &format!("{AIT}/order/get-order-status"),
        user,
        &json!({"orderId": "no-such-order"}),
    )
    .await;
    answers.push(answer(ait("/order/get-order-status"), "post", r));
    let r = env
        .post(
            &format!("{AIT}/user/oauth2/access/remove-by-access-token"),
            &[("authorization", &bearer)],
            &json!({}),
        )
        .await;
    answers.push(answer(
        ait("/user/oauth2/access/remove-by-access-token"),
        "post",
        r,
    ));

    // Apps-in-Toss failures: the FAIL envelope and login's bare invalid_grant.
    let r = env
        .get(
            &format!("{AIT}/user/oauth2/login-me"),
            &[("authorization", &bearer)],
        )
        .await;
    answers.push(answer(ait("/user/oauth2/login-me"), "get", r));
    let r = crate::common::generate_token(&env, "nope", "DEFAULT").await;
    answers.push(answer(ait("/user/oauth2/generate-token"), "post", r));
    let r = post_as(
        &env,
        &format!("{AIT}/pay/make-payment"),
        user,
        &json!({"orderNo": 1}),
    )
    .await;
    answers.push(answer(ait("/pay/make-payment"), "post", r));

    // Toss Payments: a Payment, a cancel and failures.
    let auth = env.merchant_basic().await;
    let basic = [("authorization", auth.as_str())];
    let p = env.approved_payment("openapi-order-1", 10_000, 0).await;
    let key = p["paymentKey"].as_str().unwrap().to_owned();
    let r = env.get(&format!("/v1/payments/{key}"), &basic).await;
    answers.push(answer("/v1/payments/{paymentKey}", "get", r));
    let r = env
        .post(
            &format!("/v1/payments/{key}/cancel"),
            &basic,
            &json!({"cancelReason": "고객 변심", "cancelAmount": 1000}),
        )
        .await;
    answers.push(answer("/v1/payments/{paymentKey}/cancel", "post", r));
    let r = env.get("/v1/payments/orders/openapi-order-1", &basic).await;
    answers.push(answer("/v1/payments/orders/{orderId}", "get", r));
    let r = env.get("/v1/payments/nope", &basic).await;
    answers.push(answer("/v1/payments/{paymentKey}", "get", r));
    let r = env.get("/v1/payments/nope", &[]).await;
    answers.push(answer("/v1/payments/{paymentKey}", "get", r));

    // Simulator: a success and a failure.
    let r = env.get("/sim/v1/clock", &[]).await;
    answers.push(answer("/sim/v1/clock", "get", r));
    let r = env
        .post("/sim/v1/clock/advance", &[], &json!({"seconds": -1}))
        .await;
    answers.push(answer("/sim/v1/clock/advance", "post", r));

    let checks: Vec<Value> = answers
        .iter()
        .map(|a| {
            json!({"path": a.path, "method": a.method, "status": a.resp.status.to_string(),
                   "contentType": a.resp.headers.get("content-type").and_then(|v| v.to_str().ok()),
                   "body": a.resp.body})
        })
        .collect();
    let successes = checks.iter().filter(|c| c["status"] == "200").count();
    assert_eq!(successes, 17, "every success answer of the flows");
    let document: Value = env.get("/openapi.json", &[]).await.body;
    validate(document, checks).await;
}

fn with_order(body: &Value, order_no: &str) -> Value {
    let mut body = body.clone();
    body["orderNo"] = json!(order_no);
    body
}

/// Validates every answer against the schema the document gives its operation and status.
async fn validate(document: Value, checks: Vec<Value>) {
    let input = json!({"document": document, "checks": checks}).to_string();
    let script = r##"
import json, sys
from jsonschema import Draft202012Validator
data = json.load(sys.stdin)
doc, problems = data["document"], []
for c in data["checks"]:
    op = doc["paths"].get(c["path"], {}).get(c["method"])
    where = f'{c["method"].upper()} {c["path"]} {c["status"]}'
    if op is None:
        problems.append(f"{where}: no such operation"); continue
    response = op["responses"].get(c["status"])
    if response is None:
        problems.append(f"{where}: status not documented"); continue
    if not (c["contentType"] or "").startswith("application/json"):
        problems.append(f'{where}: content type {c["contentType"]}'); continue
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        problems.append(f"{where}: no body schema"); continue
    pointer = "#/paths/" + c["path"].replace("~", "~0").replace("/", "~1") + "/" + c["method"] + "/responses/" + c["status"] + "/content/application~1json/schema"
    validator = Draft202012Validator({**doc, "$ref": pointer})
    for error in validator.iter_errors(c["body"]):
        problems.append(f"{where}: {error.message} at {list(error.absolute_path)}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
"##;
    let output = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect(
                "python3 runs (jsonschema comes with openapi-spec-validator, installed by .ci/run)",
            );
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "answers that do not match the document:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
