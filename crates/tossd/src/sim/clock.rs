//! Moving time and starting over.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::config::ClockMode;
use crate::domain::time::{Instant, MAX_ADVANCE_SECONDS, PAST_LAST_INSTANT};
use crate::seed;
use crate::sim::{SimError, SimJson};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClockView {
    /// Business time now, RFC 3339 UTC with microseconds
    pub now: String,
    /// Business time now in KST, as Toss Payments writes times
    pub now_kst: String,
    /// `system` or `manual`
    pub mode: &'static str,
}

impl ClockView {
    fn new(now: Instant, mode: ClockMode) -> ClockView {
        ClockView {
            now: now.rfc3339_micros(),
            now_kst: now.tp(),
            mode: match mode {
                ClockMode::System => "system",
                ClockMode::Manual => "manual",
            },
        }
    }
}

/// The server's business time.
#[utoipa::path(get, path = "/sim/v1/clock", tag = "Simulator", responses((status = 200, body = ClockView)))]
pub async fn get_clock(State(state): State<AppState>) -> Result<Json<ClockView>, SimError> {
    let now = state.clock.now(&state.db).await?;
    Ok(Json(ClockView::new(now, state.clock.mode())))
}

#[derive(Deserialize, ToSchema)]
pub struct AdvanceRequest {
    /// Whole seconds to move forward: 0 to 3153600000 (100 years)
    pub seconds: i64,
}

/// Moves business time forward; every expiry and schedule reads this clock.
#[utoipa::path(post, path = "/sim/v1/clock/advance", tag = "Simulator", request_body = AdvanceRequest,
    responses((status = 200, body = ClockView), (status = 400, description = "seconds missing, negative or beyond 100 years, or the clock would pass 9999-12-31T23:59:59+09:00")))]
pub async fn advance_clock(
    State(state): State<AppState>,
    SimJson(request): SimJson<AdvanceRequest>,
) -> Result<Json<ClockView>, SimError> {
    if !(0..=MAX_ADVANCE_SECONDS).contains(&request.seconds) {
        return Err(SimError::bad_request(
            "seconds must be a whole number from 0 to 3153600000 (100 years)",
        ));
    }
    let now =
        crate::sweep::advance_clock(&state.db, &state.clock, &state.outbox_wake, request.seconds)
            .await?
            .ok_or_else(|| SimError::bad_request(PAST_LAST_INSTANT))?;
    Ok(Json(ClockView::new(now, state.clock.mode())))
}

/// Wipes all state and writes the seeded defaults again.
#[utoipa::path(post, path = "/sim/v1/reset", tag = "Simulator", responses((status = 200, description = "{}")))]
pub async fn reset(State(state): State<AppState>) -> Result<Json<Value>, SimError> {
    seed::reset_serving(&state).await?;
    Ok(Json(json!({})))
}
