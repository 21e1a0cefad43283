//! Loading fixture files (docs/fixtures.md): `POST /sim/v1/fixtures` and `tossd serve --fixtures`. Each
//! step calls the simulator's own handler for its kind (the Toss Pay steps also the partner's make, execute
//! and refund handlers, as the partner's server would), so a fixture object is made exactly as one made
//! through the API. Each named step's result is recorded (`store::fixtures`): loading the same file again
//! returns the recorded objects instead of making new ones.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::apps_in_toss::error::AitError;
use crate::apps_in_toss::pay::{
    self as partner_pay, AnyKey, ExecutePaymentRequest, MakePaymentRequest, PayCaller, PrivateKey,
    RefundPaymentRequest,
};
use crate::apps_in_toss::AitJson;
use crate::fixtures::{self, Document, Format, Problem};
use crate::identity::tls::PeerCertificate;
use crate::sim::brandpay::MerchantQuery;
use crate::sim::{
    brandpay, iap, identities, login, messages, pay, promotions, users, webhooks, SimError,
    SimJson, SimPath, SimQuery,
};
use crate::state::AppState;
use crate::store;
use crate::store::fixtures::Claim;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadedStep {
    pub name: String,
    /// The step's kind (`user`, `tossPayPayment`, …)
    pub kind: String,
    /// What the step made: the ids and keys a test needs (`${name.FIELD}` in later steps)
    #[schema(value_type = Object)]
    pub result: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoadedFixtures {
    pub steps: Vec<LoadedStep>,
}

/// A step that failed while loading: its line and the simulator's error (its message names the step).
#[derive(Debug)]
pub struct StepFailure {
    pub line: usize,
    pub error: SimError,
}

/// Loads a checked document step by step. A step loaded before under the same name with the same content
/// is not run again: its recorded result stands. The same name with other content is refused (409), since
/// the object it made cannot be changed into the new one. Steps before a failing one stay loaded. Loads
/// running at once run each step once (`store::fixtures::claim`).
pub async fn load(state: &AppState, document: &Document) -> Result<Vec<LoadedStep>, StepFailure> {
    let mut results: HashMap<String, Value> = HashMap::new();
    let mut loaded = Vec::with_capacity(document.steps.len());
    for step in &document.steps {
        let fail = |error: SimError| StepFailure {
            line: step.line,
            error: SimError {
                message: format!(
                    "step {:?} ({}): {}",
                    step.name, step.kind.name, error.message
                ),
                ..error
            },
        };
        let body = fixtures::resolve(&Value::Object(step.body.clone()), &results)
            .map_err(|m| fail(SimError::bad_request(m)))?;
        fixtures::check_resolved(step.kind, &body).map_err(|m| fail(SimError::bad_request(m)))?;
        let digest = digest(step.kind.name, &body);
        let result = load_step(state, &step.name, step.kind.name, &digest, body)
            .await
            .map_err(fail)?;
        results.insert(step.name.clone(), result.clone());
        loaded.push(LoadedStep {
            name: step.name.clone(),
            kind: step.kind.name.to_owned(),
            result,
        });
    }
    Ok(loaded)
}

/// The SHA-256 of a step's kind and resolved content. serde_json's maps keep their keys sorted, so the
/// order of the fields in the file does not matter (a test holds this).
fn digest(kind: &str, body: &Value) -> String {
    let mut hash = Sha256::new();
    hash.update(kind.as_bytes());
    hash.update(b"\n");
    hash.update(body.to_string().as_bytes());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn reuse(
    before: &store::fixtures::LoadedStep,
    kind: &str,
    digest: &str,
) -> Result<Value, SimError> {
    if before.kind != kind || before.digest != digest {
        return Err(SimError {
            status: StatusCode::CONFLICT,
            code: "INVALID_STATE",
            message:
                "a step of this name was loaded before with other content; reset the simulator \
                      (POST /sim/v1/reset) or give the step a new name"
                    .into(),
        });
    }
    serde_json::from_str(&before.result)
        .map_err(|e| SimError::from(anyhow::anyhow!("a recorded fixture step is not JSON: {e}")))
}

/// How long a loader holds a step it runs; a claim older than this (its loader gone) is taken over.
const CLAIM: Duration = Duration::from_secs(30);

/// How often a load waiting for a step another loader holds looks again.
const CLAIM_POLL: Duration = Duration::from_millis(50);

fn wall_clock_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Runs a step once: the recorded result when it was loaded before, else its kind's call, recorded. A
/// step another load is running is waited for.
async fn load_step(
    state: &AppState,
    name: &str,
    kind: &str,
    digest: &str,
    body: Value,
) -> Result<Value, SimError> {
    let give_up = tokio::time::Instant::now() + 2 * CLAIM;
    loop {
        let now = wall_clock_us();
        let until = now + i64::try_from(CLAIM.as_micros()).unwrap_or(i64::MAX);
        match store::fixtures::claim(&state.db, name, kind, digest, now, until).await? {
            Claim::Loaded(before) => return reuse(&before, kind, digest),
            Claim::Claimed => {
                return match run(state, kind, body).await {
                    Ok(result) => {
                        store::fixtures::complete(&state.db, name, &result.to_string()).await?;
                        Ok(result)
                    }
                    Err(error) => {
                        store::fixtures::release(&state.db, name).await?;
                        Err(error)
                    }
                };
            }
            Claim::Busy if tokio::time::Instant::now() < give_up => {
                tokio::time::sleep(CLAIM_POLL).await;
            }
            Claim::Busy => {
                return Err(SimError {
                    status: StatusCode::CONFLICT,
                    code: "INVALID_STATE",
                    message: "another load has been running this step for too long".into(),
                })
            }
        }
    }
}

fn request<T: DeserializeOwned>(body: Value) -> Result<T, SimError> {
    serde_json::from_value(body).map_err(|e| SimError::bad_request(e.to_string()))
}

fn to_value(view: &impl Serialize) -> Result<Value, SimError> {
    serde_json::to_value(view).map_err(|e| anyhow::Error::from(e).into())
}

fn take_text(body: &mut Map<String, Value>, key: &str) -> Option<String> {
    match body.remove(key) {
        Some(Value::String(text)) => Some(text),
        _ => None,
    }
}

/// Runs one step: the simulator call of its kind with the resolved content.
async fn run(state: &AppState, kind: &str, body: Value) -> Result<Value, SimError> {
    let mut fields = match body {
        Value::Object(fields) => fields,
        _ => {
            return Err(SimError::bad_request(
                "the step's content must be a mapping",
            ))
        }
    };
    let st = || State(state.clone());
    match kind {
        "app" => {
            let (_, Json(app)) =
                identities::create_app(st(), SimJson(request(fields.into())?)).await?;
            // The certificate and its private key are not kept: `tossd apps create` issues those.
            Ok(json!({
                "appId": app.app_id,
                "name": app.name,
                "clientId": app.client_id,
                "decryptionKey": app.decryption_key,
                "aad": app.aad,
            }))
        }
        "merchant" => {
            let (_, Json(merchant)) =
                identities::create_merchant(st(), SimJson(request(fields.into())?)).await?;
            to_value(&merchant)
        }
        "user" => {
            let consent = fields.remove("consent");
            let (_, Json(user)) =
                users::create_user(st(), SimJson(request(fields.into())?)).await?;
            if let Some(Value::Object(mut consent)) = consent {
                consent.insert("userKey".into(), user.user_key.into());
                let _code = login::login(st(), SimJson(request(consent.into())?)).await?;
            }
            to_value(&user)
        }
        "brandpayCard" | "brandpayAccount" => {
            let customer_key = take_text(&mut fields, "customerKey").unwrap_or_default();
            let query = MerchantQuery {
                m_id: take_text(&mut fields, "mId"),
            };
            let (_, Json(method)) = if kind == "brandpayCard" {
                brandpay::register_card(
                    st(),
                    SimPath(customer_key),
                    SimQuery(query),
                    SimJson(request(fields.into())?),
                )
                .await?
            } else {
                brandpay::register_account(
                    st(),
                    SimPath(customer_key),
                    SimQuery(query),
                    SimJson(request(fields.into())?),
                )
                .await?
            };
            to_value(&method)
        }
        "tossPayPayment" => toss_pay_payment(state, fields).await,
        "iapOrder" => {
            let (_, Json(order)) =
                iap::create_order(st(), SimJson(request(fields.into())?)).await?;
            to_value(&order)
        }
        "promotion" => {
            let (_, Json(promotion)) =
                promotions::create_promotion(st(), SimJson(request(fields.into())?)).await?;
            to_value(&promotion)
        }
        "messageTemplate" => {
            let (_, Json(template)) =
                messages::create_template(st(), SimJson(request(fields.into())?)).await?;
            to_value(&template)
        }
        "merchantWebhook" => {
            let m_id =
                take_text(&mut fields, "mId").unwrap_or_else(|| identities::DEFAULT_ID.into());
            let Json(view) = webhooks::put_merchant_webhook(
                State(state.db.clone()),
                SimPath(m_id),
                SimJson(request(fields.into())?),
            )
            .await?;
            to_value(&view)
        }
        "unlinkCallback" => {
            let app_id =
                take_text(&mut fields, "appId").unwrap_or_else(|| identities::DEFAULT_ID.into());
            let Json(view) = webhooks::put_unlink_callback(
                State(state.db.clone()),
                SimPath(app_id),
                SimJson(request(fields.into())?),
            )
            .await?;
            to_value(&view)
        }
        other => Err(SimError::bad_request(format!("unknown kind `{other}`"))),
    }
}

/// The Toss Pay answer to a partner call, as the simulator's error.
fn partner_error(error: AitError) -> SimError {
    match error {
        AitError::Fail {
            status,
            code,
            reason,
            ..
        } if status.is_client_error() => SimError::bad_request(format!("{code}: {reason}")),
        AitError::InvalidGrant(status) if status.is_client_error() => {
            SimError::bad_request("invalid_grant")
        }
        _ => anyhow::anyhow!("the Toss Pay call failed").into(),
    }
}

/// The client certificate a partner call of the app `app_id` presents: none for the default app (every
/// plain-HTTP call is its), else one issued to the app.
async fn certificate_of(
    state: &AppState,
    app_id: Option<&str>,
) -> Result<Option<String>, SimError> {
    let app = identities::app(&state.db, app_id).await?;
    let default = store::apps::default_app_id(state.db.reader()).await?;
    if default.as_deref() == Some(app.app_id.as_str()) {
        return Ok(None);
    }
    match store::apps::first_certificate(&state.db, &app.app_id).await? {
        Some(fingerprint) => Ok(Some(fingerprint)),
        None => Err(SimError::bad_request(format!(
            "the app {:?} has no client certificate",
            app.app_id
        ))),
    }
}

/// The request head of a partner call of the app presenting `certificate` for the buyer `user_key`.
async fn caller<K>(
    state: &AppState,
    certificate: &Option<String>,
    user_key: i64,
) -> Result<PayCaller<K>, SimError>
where
    PayCaller<K>: FromRequestParts<AppState, Rejection = AitError>,
{
    let (mut parts, ()) = axum::http::Request::builder()
        .header("x-toss-user-key", user_key.to_string())
        .body(())
        .map_err(anyhow::Error::from)?
        .into_parts();
    if certificate.is_some() {
        parts
            .extensions
            .insert(PeerCertificate(certificate.clone()));
    }
    PayCaller::<K>::from_request_parts(&mut parts, state)
        .await
        .map_err(partner_error)
}

/// A Toss Pay payment of the app `appId` (the default app when absent), made by the partner and taken to the wanted state the way it
/// gets there for real: PAY_STANDBY (made), PAY_CANCEL (the buyer closed the sheet), PAY_APPROVED (the
/// buyer authenticated), PAY_COMPLETE (the partner executed it), REFUND_SUCCESS (and refunded it all).
async fn toss_pay_payment(
    state: &AppState,
    mut fields: Map<String, Value>,
) -> Result<Value, SimError> {
    let wanted = take_text(&mut fields, "state").unwrap_or_else(|| "PAY_STANDBY".into());
    let steps = match wanted.as_str() {
        "PAY_STANDBY" => 0,
        "PAY_CANCEL" => 1,
        "PAY_APPROVED" => 2,
        "PAY_COMPLETE" => 3,
        "REFUND_SUCCESS" => 4,
        _ => return Err(SimError::bad_request(
            "state must be PAY_STANDBY, PAY_CANCEL, PAY_APPROVED, PAY_COMPLETE or REFUND_SUCCESS",
        )),
    };
    let certificate = certificate_of(state, take_text(&mut fields, "appId").as_deref()).await?;
    let pay_method = fields.remove("payMethod");
    let user_key = fields.get("userKey").and_then(Value::as_i64).unwrap_or(0);
    let is_test_payment = fields
        .get("isTestPayment")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let order_no = take_text(&mut fields, "orderNo").unwrap_or_default();
    let amount = fields.get("amount").and_then(Value::as_i64).unwrap_or(0);
    let product_desc = take_text(&mut fields, "productDesc").unwrap_or_else(|| "fixture".into());
    let make = MakePaymentRequest::new(order_no.clone(), product_desc, amount, is_test_payment)
        .amount_tax_free(
            fields
                .get("amountTaxFree")
                .and_then(Value::as_i64)
                .unwrap_or(0),
        );
    let made = partner_pay::make_payment(
        State(state.clone()),
        caller::<AnyKey>(state, &certificate, user_key).await?,
        AitJson(make),
    )
    .await
    .map_err(partner_error)?;
    let pay_token = made.0.pay_token;
    if steps == 1 {
        let _sheet = pay::cancel(State(state.clone()), SimPath(pay_token.clone())).await?;
    }
    if steps >= 2 {
        let approve = match pay_method {
            Some(method) => json!({ "payMethod": method }),
            None => json!({}),
        };
        let _sheet = pay::approve(
            State(state.clone()),
            SimPath(pay_token.clone()),
            SimJson(request(approve)?),
        )
        .await?;
    }
    if steps >= 3 {
        let execute = ExecutePaymentRequest::new(pay_token.clone(), is_test_payment);
        partner_pay::execute_payment(
            State(state.clone()),
            caller::<PrivateKey>(state, &certificate, user_key).await?,
            AitJson(execute),
        )
        .await
        .map_err(partner_error)?;
    }
    if steps == 4 {
        let refund = RefundPaymentRequest::new(pay_token.clone(), is_test_payment);
        partner_pay::refund_payment(
            State(state.clone()),
            caller::<PrivateKey>(state, &certificate, user_key).await?,
            AitJson(refund),
        )
        .await
        .map_err(partner_error)?;
    }
    Ok(json!({
        "payToken": pay_token,
        "orderNo": order_no,
        "amount": amount,
        "status": wanted,
    }))
}

/// The problems of a document as one message, each with its line.
pub fn describe_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("line {}: {}", p.line, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Loads a fixture document: the body is JSON, or YAML with `Content-Type: application/yaml`. The answer
/// lists each step's name, kind and result; loading the same document again answers the same.
#[utoipa::path(post, path = "/sim/v1/fixtures", tag = "Simulator",
    request_body(content = Object, description = "A fixture document: `{\"steps\": [{\"name\": …, KIND: {…}}]}` (docs/fixtures.md); YAML with Content-Type application/yaml"),
    responses((status = 200, body = LoadedFixtures),
        (status = 400, description = "the document is malformed (each problem with its line) or a step was refused"),
        (status = 404, description = "a step names something that does not exist"),
        (status = 409, description = "a step of the same name was loaded before with other content")))]
pub async fn load_fixtures(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<LoadedFixtures>, SimError> {
    let format = Format::of_content_type(
        request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    let bytes = axum::body::to_bytes(request.into_body(), crate::web::MAX_BODY_BYTES)
        .await
        .map_err(|_| SimError::from(crate::web::BodyError::TooLarge))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| SimError::bad_request("the fixture document is not UTF-8"))?;
    let document = fixtures::parse(text, format)
        .map_err(|problems| SimError::bad_request(describe_problems(&problems)))?;
    match load(&state, &document).await {
        Ok(steps) => Ok(Json(LoadedFixtures { steps })),
        Err(StepFailure { line, error }) => Err(SimError {
            message: format!("line {line}: {}", error.message),
            ..error
        }),
    }
}

/// `tossd serve --fixtures FILE`: loads the file, or fails with `FILE:LINE: message` lines.
pub async fn load_file(
    state: &AppState,
    path: &std::path::Path,
) -> anyhow::Result<Vec<LoadedStep>> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read the fixture file {shown}: {e}"))?;
    let document = fixtures::parse(&text, Format::of_path(path)).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("{shown}:{}: {}", p.line, p.message))
            .collect();
        anyhow::anyhow!(lines.join("\n"))
    })?;
    let steps = load(state, &document)
        .await
        .map_err(|f| anyhow::anyhow!("{shown}:{}: {}", f.line, f.error.message))?;
    tracing::info!(file = %shown, steps = steps.len(), "fixtures loaded");
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_ignores_field_order_but_not_content_or_kind() {
        let a: Value = serde_json::from_str(r#"{"name": "x", "phone": "1012345678"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"phone": "1012345678", "name": "x"}"#).unwrap();
        assert_eq!(digest("user", &a), digest("user", &b));
        assert_ne!(digest("user", &a), digest("merchant", &a));
        assert_ne!(digest("user", &a), digest("user", &json!({"name": "y"})));
    }
}
