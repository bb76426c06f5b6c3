//! Reports to the supervising platform as staff see them (ES-17): every report with its state,
//! attempts and last answer, filtered by state (`?state=failed` lists what needs a hand), and a
//! resend for a failed one; and the dashboard of counts an operator watches.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use signet_core::contracts::dashboard::Dashboard;
use signet_core::contracts::regulator::{self, ReportRow};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::desk::user_id;
use super::jobs::require_staff;
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(resend))
        .routes(routes!(dashboard))
}

#[derive(Deserialize, IntoParams)]
pub struct DashboardQuery {
    /// Days of per-day counts, 1–90 (default 14).
    days: Option<i64>,
}

/// The counts an operator watches: contracts per day, reports by state, dead jobs, quota sold
/// (staff).
#[utoipa::path(get, path = "/api/v1/staff/dashboard", tag = "jobs", params(DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 403, body = Problem)))]
pub async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<DashboardQuery>,
) -> ApiResult<Json<Dashboard>> {
    require_staff(&state, &user_id(&ctx)?).await?;
    Ok(Json(
        signet_core::contracts::dashboard::dashboard(&state.platform, query.days.unwrap_or(14))
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct ReportFilter {
    /// `pending`, `reported` or `failed`.
    state: Option<String>,
    limit: Option<i64>,
}

/// Regulator reports, latest change first (staff).
#[utoipa::path(get, path = "/api/v1/staff/regulator-reports", tag = "jobs", params(ReportFilter),
    responses((status = 200, body = [ReportRow]), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<ReportFilter>,
) -> ApiResult<Json<Vec<ReportRow>>> {
    require_staff(&state, &user_id(&ctx)?).await?;
    let only = filter
        .state
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    Ok(Json(
        regulator::reports::list(&state.platform, only, filter.limit.unwrap_or(100)).await?,
    ))
}

/// Sends a failed report again, with the same body and `Idempotency-Key` (staff).
#[utoipa::path(post, path = "/api/v1/staff/regulator-reports/{id}/resend", tag = "jobs",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    let staff = user_id(&ctx)?;
    require_staff(&state, &staff).await?;
    regulator::reports::resend(&state.platform, &id, &staff).await?;
    tracing::info!(report = %id, %staff, "regulator report resent");
    Ok(axum::http::StatusCode::NO_CONTENT)
}
