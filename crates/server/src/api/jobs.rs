//! Background jobs as staff and owners see them: the dead letters (and any status) for staff,
//! a retry for a dead job, and one job's progress for its owner.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use signet_core::desk::roles;
use signet_core::platform::jobs::{self, Job, Status};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::desk::user_id;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// Declared once with their OpenAPI descriptions, like every other route (see `api::api`).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(retry))
        .routes(routes!(show))
}

/// Whether the signed-in user holds any staff role; applicants are refused.
pub(super) async fn require_staff(state: &AppState, user: &str) -> Result<(), ApiError> {
    if roles::roles_of(&state.platform, user).await?.is_empty() {
        return Err(signet_core::CoreError::from(signet_core::desk::DeskError::StaffOnly).into());
    }
    Ok(())
}

#[derive(Deserialize, IntoParams)]
pub struct JobFilter {
    /// `queued`, `running`, `done` or `dead`.
    status: Option<String>,
    kind: Option<String>,
    limit: Option<i64>,
}

/// Jobs, newest first, filtered by status and kind (staff): `?status=dead` lists the dead letters.
#[utoipa::path(get, path = "/api/v1/staff/jobs", tag = "jobs", params(JobFilter),
    responses((status = 200, body = [Job]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<JobFilter>,
) -> ApiResult<Json<Vec<Job>>> {
    require_staff(&state, &user_id(&ctx)?).await?;
    let status = filter.status.as_deref().map(Status::parse).transpose()?;
    let kind = filter
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    Ok(Json(
        jobs::queue::list(&state.platform, status, kind, filter.limit.unwrap_or(100)).await?,
    ))
}

/// Puts a dead job back in the queue with fresh attempts (staff).
#[utoipa::path(post, path = "/api/v1/staff/jobs/{id}/retry", tag = "jobs",
    responses((status = 200, body = Job), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn retry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Job>> {
    let staff = user_id(&ctx)?;
    require_staff(&state, &staff).await?;
    let job = jobs::queue::retry(&state.platform, &id).await?;
    tracing::info!(job = %job.id, kind = %job.kind, %staff, "dead job retried");
    Ok(Json(job))
}

/// One job's state and progress, as its owner sees it.
#[derive(Serialize, ToSchema)]
pub struct JobProgress {
    pub id: String,
    pub kind: String,
    pub status: Status,
    pub attempts: i64,
    pub progress_done: i64,
    pub progress_total: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

/// One job's progress, for the user it belongs to or staff. Others get 404, as for a missing job.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs",
    responses((status = 200, body = JobProgress), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<JobProgress>> {
    let user = user_id(&ctx)?;
    let job = jobs::queue::get(&state.platform, &id).await?;
    if job.owner_id.as_deref() != Some(user.as_str())
        && roles::roles_of(&state.platform, &user).await?.is_empty()
    {
        return Err(signet_core::PlatformError::NotFound.into());
    }
    Ok(Json(JobProgress {
        id: job.id,
        kind: job.kind,
        status: job.status,
        attempts: job.attempts,
        progress_done: job.progress_done,
        progress_total: job.progress_total,
        last_error: job.last_error,
        created_at: job.created_at,
        updated_at: job.updated_at,
        finished_at: job.finished_at,
    }))
}
