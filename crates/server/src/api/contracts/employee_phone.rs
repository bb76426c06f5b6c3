//! The employee's phone pages (no session: the link is the credential): the self-onboarding page
//! behind an enterprise's QR code, and the form behind an SMS link.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use signet_core::contracts::employees::EmployeeState;
use signet_core::contracts::employees::onboarding::{self, FormPage, JoinPage, Onboarded};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::employees::FormIn;
use crate::api::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(join_page, join))
        .routes(routes!(form, submit))
}

/// The enterprise behind a self-onboarding QR code.
#[utoipa::path(get, path = "/api/v1/employee-join/{code}", tag = "contracts",
    responses((status = 200, body = JoinPage), (status = 404, body = Problem)))]
pub async fn join_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<JoinPage>> {
    Ok(Json(onboarding::join_page(&state.platform, &code).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct JoinIn {
    pub name: String,
    pub phone: String,
}

/// Self-onboarding: name and mobile number; the form link goes to that number by SMS.
#[utoipa::path(post, path = "/api/v1/employee-join/{code}", tag = "contracts", request_body = JoinIn,
    responses((status = 201, body = Onboarded), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn join(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<JoinIn>,
) -> ApiResult<impl IntoResponse> {
    let done = onboarding::join(&state.platform, &code, &body.name, &body.phone).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// The phone form of an SMS link.
#[utoipa::path(get, path = "/api/v1/employee-forms/{token}", tag = "contracts",
    responses((status = 200, body = FormPage), (status = 400, body = Problem)))]
pub async fn form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<FormPage>> {
    Ok(Json(onboarding::form(&state.platform, &token).await?))
}

#[derive(Serialize, ToSchema)]
pub struct Submitted {
    pub state: EmployeeState,
}

/// Submits the phone form (once per link).
#[utoipa::path(post, path = "/api/v1/employee-forms/{token}", tag = "contracts", request_body = FormIn,
    responses((status = 200, body = Submitted), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(body): ApiJson<FormIn>,
) -> ApiResult<Json<Submitted>> {
    let state = onboarding::submit(&state.platform, &token, &body.values).await?;
    Ok(Json(Submitted { state }))
}
