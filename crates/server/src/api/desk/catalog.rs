//! The product catalog: projects and channels with their products.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use signet_core::desk::catalog::{self, Project};
use utoipa::ToSchema;

use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct CatalogQuery {
    /// Name, code, or an A–Z initial.
    pub search: Option<String>,
}

/// Projects and channels with their products, A–Z.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "desk", params(CatalogQuery),
    responses((status = 200, body = [Project])))]
pub async fn catalog_list(
    State(state): State<AppState>,
    Query(q): Query<CatalogQuery>,
) -> ApiResult<Json<Vec<Project>>> {
    Ok(Json(
        catalog::list(&state.platform, q.search.as_deref()).await?,
    ))
}

/// One project or channel (a partner platform links to its landing page).
#[utoipa::path(get, path = "/api/v1/catalog/{code}", tag = "desk",
    responses((status = 200, body = Project), (status = 404, body = Problem)))]
pub async fn catalog_one(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Project>> {
    Ok(Json(
        catalog::project_by_code(&state.platform, &code).await?,
    ))
}
