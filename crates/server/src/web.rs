//! The built web app: static files, and `index.html` for every other path so the SPA's own router
//! handles `/login`, `/account` and the rest.

use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::any;
use axum::{Extension, Router};
use tower_http::services::{ServeDir, ServeFile};

use crate::state::{AppState, ServerConfig};

/// Marks responses of the web app's fallback, so API paths that reach it become problem+json.
#[derive(Debug, Clone, Copy)]
pub struct SpaFallback;

pub fn routes(config: &ServerConfig) -> Router<AppState> {
    match &config.web_dir {
        Some(dir) if dir.join("index.html").is_file() => {
            let index = ServeFile::new(dir.join("index.html"));
            let files = tower::ServiceBuilder::new()
                .map_response(|mut response: axum::http::Response<_>| {
                    response.extensions_mut().insert(SpaFallback);
                    response
                })
                .service(ServeDir::new(dir).fallback(index));
            Router::new().fallback_service(files)
        }
        _ => Router::new().fallback(any(not_built)),
    }
}

async fn not_built() -> (StatusCode, Extension<SpaFallback>, Html<&'static str>) {
    (
        StatusCode::NOT_FOUND,
        Extension(SpaFallback),
        Html(
            "<!doctype html><meta charset=utf-8><title>Signet</title>\
             <p>Signet 的网页尚未构建。请运行 <code>cargo xtask run</code>，或设置 SIGNET_WEB_DIR 指向 web/dist。</p>\
             <p>The web app is not built: run <code>cargo xtask run</code> or point SIGNET_WEB_DIR at web/dist.</p>",
        ),
    )
}
