//! Settings of the default partner app that the operator changes.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::sim::identities::AppView;
use crate::sim::{SimError, SimJson};
use crate::state::AppState;
use crate::store;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateApp {
    /// Return login-me's personal fields in plaintext instead of encrypted
    pub plaintext_pii: Option<bool>,
    /// Per-user calls per minute of the promotion and messenger endpoints; 0 switches the limit off
    pub rate_limit_per_minute: Option<i64>,
}

/// Changes the default app's settings; absent fields stay as they are.
#[utoipa::path(patch, path = "/sim/v1/apps/default", tag = "Simulator", request_body = UpdateApp,
    responses((status = 200, body = AppView), (status = 400, description = "a field is invalid")))]
pub async fn update_default_app(
    State(state): State<AppState>,
    SimJson(request): SimJson<UpdateApp>,
) -> Result<Json<AppView>, SimError> {
    if request
        .rate_limit_per_minute
        .is_some_and(|limit| !(0..=10_000).contains(&limit))
    {
        return Err(SimError::bad_request(
            "rateLimitPerMinute must be 0 (off) to 10000",
        ));
    }
    store::apps::update_default(
        &state.db,
        request.rate_limit_per_minute,
        request.plaintext_pii,
    )
    .await?;
    let app = crate::store::apps::default_app(state.db.reader())
        .await?
        .ok_or_else(|| SimError::not_found("no default app"))?;
    Ok(Json(app.into()))
}
