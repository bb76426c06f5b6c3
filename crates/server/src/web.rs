//! The built web app: static files, and `index.html` for every other path so the SPA's own router
//! handles `/login`, `/account` and the rest.

use axum::Router;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};

use crate::state::{AppState, ServerConfig};

pub fn routes(config: &ServerConfig) -> Router<AppState> {
    match &config.web_dir {
        Some(dir) if dir.join("index.html").is_file() => {
            let index = ServeFile::new(dir.join("index.html"));
            Router::new().fallback_service(ServeDir::new(dir).fallback(index))
        }
        _ => Router::new().fallback(get(not_built)),
    }
}

async fn not_built() -> (StatusCode, Html<&'static str>) {
    (
        StatusCode::NOT_FOUND,
        Html(
            "<!doctype html><meta charset=utf-8><title>Signet</title>\
             <p>Signet 的网页尚未构建。请运行 <code>cargo xtask run</code>，或设置 SIGNET_WEB_DIR 指向 web/dist。</p>\
             <p>The web app is not built: run <code>cargo xtask run</code> or point SIGNET_WEB_DIR at web/dist.</p>",
        ),
    )
}
