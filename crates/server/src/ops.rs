//! Operations endpoints: health and Prometheus metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.platform.db.backend().name();
    match sqlx_ping(&state).await {
        true => (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": database})),
        ),
        false => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "database": database})),
        ),
    }
}

async fn sqlx_ping(state: &AppState) -> bool {
    signet_core::platform::db::ping(&state.platform.db).await
}

async fn metrics() -> impl IntoResponse {
    let body = crate::metrics::handle()
        .map(|h| h.render())
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
