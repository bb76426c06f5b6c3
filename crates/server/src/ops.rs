//! Operations endpoints: health and Prometheus metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.platform.db.backend().name();
    if signet_core::platform::db::ping(&state.platform.db).await {
        (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": database})),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "database": database})),
        )
    }
}

/// The process's request metrics, and the platform's counts an operator watches (read from the
/// database at each scrape, so every node reports the same).
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut body = crate::metrics::handle()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    match signet_core::contracts::dashboard::dashboard(&state.platform, 1).await {
        Ok(counts) => body.push_str(&crate::metrics::platform_counts(&counts)),
        Err(error) => tracing::warn!(%error, "platform counts for /metrics"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
