//! Signet's HTTP layer: `/api/v1` (JSON with an OpenAPI document), `/pki` (CA certificates, CRLs,
//! OCSP, time-stamps), the sandbox's `/dev` routes, operations endpoints and the web app. Thin: parse, authorise, call `signet-core`, render.

mod api;
mod client_ip;
mod dev;
mod dev_regulator;
pub mod downloads;
mod headers;
mod help;
mod metrics;
mod ops;
mod pki;
mod problem;
mod problem_page;
mod rate_limit;
mod session;
mod state;
mod web;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::trace::TraceLayer;

pub use api::openapi_json;
pub use client_ip::ClientAddress;
pub use state::{AppState, ServerConfig};

/// The whole application. Sandbox-only routes exist only when the platform runs in sandbox mode.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .merge(api::routes())
        .nest("/pki", pki::routes())
        .merge(ops::routes())
        .merge(downloads::routes())
        .merge(help::routes());
    if state.platform.sandbox.is_some() {
        app = app.nest("/dev", dev::routes());
    }
    app.merge(web::routes(&state.config))
        .layer(axum::middleware::from_fn(session::audit_client_ip))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client_ip::resolve,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn(problem::json_not_found))
        .layer(axum::middleware::from_fn(problem_page::html_for_browsers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(DefaultBodyLimit::max(4 * 1024 * 1024))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
