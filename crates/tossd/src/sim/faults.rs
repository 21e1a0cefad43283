//! Fault rules from the operator's side (docs/faults.md): add, list, look at and remove the rules every
//! tossd process on the database applies to partner API calls and webhook deliveries.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::apps_in_toss::test_code;
use crate::domain::time::Instant;
use crate::faults::{Action, RuleSpec};
use crate::sim::{identities, SimError, SimJson, SimPath};
use crate::state::AppState;
use crate::store;
use crate::store::faults::StoredRule;
use crate::tosspayments::codes;

/// A rule with its id and what it has done so far.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultView {
    pub id: i64,
    #[serde(flatten)]
    pub rule: RuleSpec,
    /// How many times the rule fired, in every process.
    pub fired: i64,
    /// Firings left of a count-limited rule (`null`: unlimited).
    pub remaining: Option<i64>,
    /// When it was added, on the simulated clock.
    pub created_at: String,
}

impl FaultView {
    fn of(stored: StoredRule) -> Result<FaultView, SimError> {
        let rule = serde_json::from_str(&stored.spec)
            .map_err(|e| anyhow::anyhow!("stored fault rule {} is unreadable: {e}", stored.id))?;
        Ok(FaultView {
            id: stored.id,
            rule,
            fired: stored.fired,
            remaining: stored.remaining,
            created_at: Instant(stored.created_at).iso_utc(),
        })
    }
}

/// The API family whose envelope an error rule answers in, by what the rule matches.
enum Family {
    AppsInToss,
    TossPayments,
}

fn family(rule: &RuleSpec) -> Option<Family> {
    match rule.path.as_deref() {
        Some(p) if p.starts_with("/api-partner/") => Some(Family::AppsInToss),
        Some(p) if p.starts_with("/v1/") => Some(Family::TossPayments),
        _ if rule.app_id.is_some() => Some(Family::AppsInToss),
        _ if rule.m_id.is_some() => Some(Family::TossPayments),
        _ => None,
    }
}

/// Adds a fault rule. Every process applies it: this one at once, others within 0.5 s.
#[utoipa::path(post, path = "/sim/v1/faults", tag = "Simulator",
    request_body = RuleSpec,
    responses((status = 201, body = FaultView), (status = 400, description = "a malformed rule")))]
pub async fn create_fault(
    State(state): State<AppState>,
    SimJson(mut rule): SimJson<RuleSpec>,
) -> Result<(StatusCode, Json<FaultView>), SimError> {
    if let Some(app_id) = &rule.app_id {
        let app = identities::app(&state.db, Some(app_id))
            .await
            .map_err(|e| SimError::bad_request(format!("appId: {}", e.message)))?;
        rule.app_id = Some(app.app_id);
    }
    if let Some(m_id) = &rule.m_id {
        let merchant = identities::merchant(&state.db, Some(m_id))
            .await
            .map_err(|e| SimError::bad_request(format!("mId: {}", e.message)))?;
        rule.m_id = Some(merchant.mid);
    }
    let family = family(&rule);
    if let Action::Error {
        status,
        code,
        message,
    } = &mut rule.action
    {
        let known = match family {
            Some(Family::AppsInToss) => test_code::any_endpoint(code).map(|c| (c.status, c.reason)),
            Some(Family::TossPayments) => codes::by_name(code).map(|c| (c.status, c.ko)),
            None => None,
        };
        if let Some((known_status, known_message)) = known {
            status.get_or_insert(known_status);
            message.get_or_insert_with(|| known_message.to_owned());
        }
    }
    let checked = rule.check(0).map_err(SimError::bad_request)?;
    rule.method = checked.method;
    let spec = serde_json::to_string(&rule).map_err(anyhow::Error::from)?;
    let now = state.clock.now(&state.db).await?;
    let stored = store::faults::insert(&state.db, &spec, rule.count, now.micros()).await?;
    state.faults.reload(&state.db).await?;
    Ok((StatusCode::CREATED, Json(FaultView::of(stored)?)))
}

/// Every fault rule, oldest first, with its counts.
#[utoipa::path(get, path = "/sim/v1/faults", tag = "Simulator",
    responses((status = 200, body = Vec<FaultView>)))]
pub async fn list_faults(State(state): State<AppState>) -> Result<Json<Vec<FaultView>>, SimError> {
    let rules = store::faults::list(&state.db).await?;
    Ok(Json(
        rules
            .into_iter()
            .map(FaultView::of)
            .collect::<Result<_, _>>()?,
    ))
}

/// The id of a path, or 404 (no rule has an id that is not a number).
fn rule_id(text: &str) -> Result<i64, SimError> {
    text.parse()
        .map_err(|_| SimError::not_found(format!("no fault rule {text:?}")))
}

#[utoipa::path(get, path = "/sim/v1/faults/{id}", tag = "Simulator",
    params(("id" = i64, Path, description = "the rule's id")),
    responses((status = 200, body = FaultView), (status = 404, description = "no such rule")))]
pub async fn get_fault(
    State(state): State<AppState>,
    SimPath(id): SimPath<String>,
) -> Result<Json<FaultView>, SimError> {
    let id = rule_id(&id)?;
    let stored = store::faults::get(&state.db, id)
        .await?
        .ok_or_else(|| SimError::not_found(format!("no fault rule {id}")))?;
    Ok(Json(FaultView::of(stored)?))
}

/// Removes one rule.
#[utoipa::path(delete, path = "/sim/v1/faults/{id}", tag = "Simulator",
    params(("id" = i64, Path, description = "the rule's id")),
    responses((status = 200, description = "{}"), (status = 404, description = "no such rule")))]
pub async fn delete_fault(
    State(state): State<AppState>,
    SimPath(id): SimPath<String>,
) -> Result<Json<Value>, SimError> {
    let id = rule_id(&id)?;
    if !store::faults::delete(&state.db, id).await? {
        return Err(SimError::not_found(format!("no fault rule {id}")));
    }
    state.faults.reload(&state.db).await?;
    Ok(Json(json!({})))
}

/// Removes every rule.
#[utoipa::path(delete, path = "/sim/v1/faults", tag = "Simulator",
    responses((status = 200, description = "`{\"deleted\": n}`")))]
pub async fn clear_faults(State(state): State<AppState>) -> Result<Json<Value>, SimError> {
    let deleted = store::faults::delete_all(&state.db).await?;
    state.faults.reload(&state.db).await?;
    Ok(Json(json!({ "deleted": deleted })))
}
