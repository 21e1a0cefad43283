//! Operating endpoints: health, metrics, the OpenAPI document and Swagger UI (served from local assets).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .route("/docs", get(docs))
        .route("/docs/swagger-ui-bundle.js", get(swagger_js))
        .route("/docs/swagger-ui.css", get(swagger_css))
        .route(
            "/.well-known/jwks.json",
            get(crate::apps_in_toss::login::jwt::jwks),
        )
}

/// Metrics sit behind the operator guard with the simulator.
pub fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Ready when the database answers.
async fn healthz(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(state.db.reader())
        .await
    {
        Ok(_) => Json(json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

async fn openapi(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.to_string(),
    )
        .into_response()
}

async fn docs() -> Html<&'static str> {
    Html(include_str!("swagger.html"))
}

async fn swagger_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/javascript"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../assets/swagger-ui/swagger-ui-bundle.js"),
    )
        .into_response()
}

async fn swagger_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../assets/swagger-ui/swagger-ui.css"),
    )
        .into_response()
}
