//! The administrator claim as a desk order (§2.9.3.2): a member opens it, continues it on the
//! desk's order page, lists and withdraws it. The old direct claim route answers with a pointer.
//! An enterprise the caller does not belong to, or another person's claim, answers 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use signet_core::contracts::ContractsError;
use signet_core::contracts::members::claims::{self, AdminClaim, ClaimInput};

use crate::api::ApiJson;
use crate::api::desk::user_id;
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// Opens a claim of the administrator role: a desk order of the "管理员申领" product naming the
/// enterprise, prefilled; continue it at `/orders/{order_id}`.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/admin-claims", tag = "contracts", request_body = ClaimInput,
    responses((status = 201, body = AdminClaim), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ClaimInput>,
) -> ApiResult<(StatusCode, Json<AdminClaim>)> {
    let claim = claims::open(&state.platform, &id, &user_id(&ctx)?, &body).await?;
    Ok((StatusCode::CREATED, Json(claim)))
}

/// The caller's claims of the enterprise, newest first.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/admin-claims", tag = "contracts",
    responses((status = 200, body = [AdminClaim]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<AdminClaim>>> {
    Ok(Json(
        claims::mine(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// Withdraws an open claim (its order is cancelled; refused once paid or approved).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/admin-claims/{claim_id}/withdraw", tag = "contracts",
    responses((status = 200, body = AdminClaim), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, claim_id)): Path<(String, String)>,
) -> ApiResult<Json<AdminClaim>> {
    Ok(Json(
        claims::withdraw(&state.platform, &id, &user_id(&ctx)?, &claim_id).await?,
    ))
}

/// The former direct claim (a provider lookup in the request): claims are desk orders now, so it
/// answers 409 `admin_claim_moved`, pointing at `POST /api/v1/enterprises/{id}/admin-claims`.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/admin/claim", tag = "contracts",
    responses((status = 409, body = Problem)))]
pub async fn moved(ctx: Ctx, Path(_id): Path<String>) -> ApiResult<StatusCode> {
    user_id(&ctx)?;
    Err(signet_core::CoreError::from(ContractsError::AdminClaimMoved).into())
}
