//! The per-user limit of promotion and messenger calls (docs/reference.md §1.8), kept in the database so every
//! tossd process on one PostgreSQL counts in the same bucket.

use axum::http::StatusCode;
use serde_json::json;

use crate::apps_in_toss::auth::PartnerApp;
use crate::apps_in_toss::AitError;
use crate::domain::rate_limit::{self, Decision};
use crate::state::AppState;
use crate::store;

/// The bucket shared by the three promotion endpoints.
pub const PROMOTION: &str = "promotion";
/// The bucket shared by `send-message` and `send-test-message`.
pub const MESSENGER: &str = "messenger";

/// Counts one request of `user_key` in `bucket`, or refuses it with `403 4095`. The count is committed on
/// its own, so the request counts whatever happens to it afterwards.
pub async fn count_request(
    state: &AppState,
    app: &PartnerApp,
    user_key: i64,
    bucket: &str,
) -> Result<(), AitError> {
    if app.rate_limit_per_minute <= 0 {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    let hits = store::rate_limits::lock(&state.db, &mut tx, &app.app_id, user_key, bucket).await?;
    let now = state.clock.now_in(&mut tx).await?;
    match rate_limit::decide(&hits, now, app.rate_limit_per_minute) {
        Decision::Allowed(hits) => {
            store::rate_limits::save(&mut tx, &app.app_id, user_key, bucket, &hits).await?;
            tx.commit().await?;
            Ok(())
        }
        Decision::Refused {
            retry_after_seconds,
        } => Err(AitError::Fail {
            status: StatusCode::FORBIDDEN,
            code: "4095".into(),
            reason: "요청 가능한 횟수를 초과했어요. 잠시 후 다시 시도해 주세요.",
            data: json!({ "retryAfterSeconds": retry_after_seconds }),
        }),
    }
}
