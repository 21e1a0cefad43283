//! Settings of a partner app that the operator changes.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::sim::identities::{self, AppView};
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

/// Changes an app's settings (`default` names the default app); absent fields stay as they are.
#[utoipa::path(patch, path = "/sim/v1/apps/{appId}", tag = "Simulator", request_body = UpdateApp,
    params(("appId" = String, Path, description = "the app's id, or `default`")),
    responses((status = 200, body = AppView), (status = 400, description = "a field is invalid"),
        (status = 404, description = "no such app")))]
pub async fn update_app(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
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
    let app = identities::app(&state.db, Some(&app_id)).await?;
    store::apps::update_settings(
        &state.db,
        &app.app_id,
        request.rate_limit_per_minute,
        request.plaintext_pii,
    )
    .await?;
    Ok(Json(
        identities::app(&state.db, Some(&app.app_id)).await?.into(),
    ))
}
