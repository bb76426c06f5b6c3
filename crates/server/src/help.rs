//! `GET /manuals/{code}.pdf`: each project's or channel's operation manual as a PDF, made by
//! `signet_core::desk::manual` from the user guide and the channel's own help; kept in memory
//! until the channel's catalog entry changes.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use signet_core::desk::{catalog, manual};
use signet_core::{CoreError, PlatformError};

use crate::problem::ApiError;
use crate::state::AppState;

type Cache = Mutex<HashMap<String, (u64, Arc<Vec<u8>>)>>;

fn cache() -> &'static Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/manuals/{file}", get(manual_pdf))
}

async fn manual_pdf(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(code) = file.strip_suffix(".pdf") else {
        return not_found();
    };
    match pdf(&state, code).await {
        Ok(bytes) => {
            let mut response = (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/pdf"),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                ],
                bytes.as_ref().clone(),
            )
                .into_response();
            let disposition = format!("inline; filename=\"manual-{code}.pdf\"");
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(CoreError::Platform(PlatformError::NotFound)) => not_found(),
        Err(error) => ApiError::from(error).into_response(),
    }
}

async fn pdf(state: &AppState, code: &str) -> Result<Arc<Vec<u8>>, CoreError> {
    let project = catalog::project_by_code(&state.platform, code).await?;
    let mut hasher = DefaultHasher::new();
    serde_json::to_string(&project)
        .unwrap_or_default()
        .hash(&mut hasher);
    let version = hasher.finish();
    if let Some((seen, bytes)) = cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(code)
        && *seen == version
    {
        return Ok(Arc::clone(bytes));
    }
    let bytes = Arc::new(manual::render(&project).await?);
    cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(code.to_owned(), (version, Arc::clone(&bytes)));
    Ok(bytes)
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "没有这份操作手册 / no such manual",
    )
        .into_response()
}
