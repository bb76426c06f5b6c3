//! People of an enterprise (ES-3, ES-13; seed 004 §2.2.4, §2.7.1–2.7.2, §2.8, §2.9.3): joining,
//! the review of requests, the members list, business types, the administrator's transfer (the
//! claim is a desk order: `claims`), and the log of seal grants and uses. An enterprise the
//! caller does not belong to, or a request, member, type or seal of another enterprise, answers
//! 404.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use signet_core::contracts::members::admin;
use signet_core::contracts::members::business_types::{self, BusinessType, TypeInput};
use signet_core::contracts::members::joining::{self, Found, Joined};
use signet_core::contracts::members::logs::{self, LogPage, LogQuery};
use signet_core::contracts::members::review::{self, Approval, GrantOptions, Request};
use signet_core::contracts::members::roster::{self, Member, MemberUpdate, Removal};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::api::desk::user_id;
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(apply, requests))
        .routes(routes!(withdraw))
        .routes(routes!(joined))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(options))
        .routes(routes!(members))
        .routes(routes!(update_member))
        .routes(routes!(remove_member))
        .routes(routes!(list_types, add_type))
        .routes(routes!(update_type))
        .routes(routes!(transfer))
        .routes(routes!(seal_log))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Part of the name, or the unified social credit code.
    q: String,
}

/// Certified enterprises to join, by name or credit code (real-named persons).
#[utoipa::path(get, path = "/api/v1/enterprise-directory", tag = "contracts", params(SearchQuery),
    responses((status = 200, body = [Found]), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<Vec<Found>>> {
    Ok(Json(
        joining::search(&state.platform, &user_id(&ctx)?, &query.q).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonIn {
    reason: String,
}

/// Asks to join a certified enterprise (again, after a rejection or withdrawal).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/join-requests", tag = "contracts", request_body = ReasonIn,
    responses((status = 201), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReasonIn>,
) -> ApiResult<StatusCode> {
    joining::apply(&state.platform, &id, &user_id(&ctx)?, &body.reason).await?;
    Ok(StatusCode::CREATED)
}

/// The requests waiting for a decision (delegates and the administrator).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/join-requests", tag = "contracts",
    responses((status = 200, body = [Request]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn requests(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Request>>> {
    Ok(Json(
        review::pending(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// Withdraws the caller's request, or leaves the enterprise.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/membership/withdraw", tag = "contracts",
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    joining::withdraw(&state.platform, &id, &user_id(&ctx)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The enterprises the caller asked to join or belongs to (§2.9.3.2).
#[utoipa::path(get, path = "/api/v1/me/joined-enterprises", tag = "contracts",
    responses((status = 200, body = [Joined]), (status = 401, body = Problem)))]
pub async fn joined(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Vec<Joined>>> {
    Ok(Json(
        joining::joined(&state.platform, &user_id(&ctx)?).await?,
    ))
}

/// Approves a request with a role, business types and seal grants; SMS to the applicant.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/join-requests/{user_id}/approve", tag = "contracts",
    request_body = Approval,
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, applicant)): Path<(String, String)>,
    ApiJson(body): ApiJson<Approval>,
) -> ApiResult<StatusCode> {
    review::approve(&state.platform, &id, &applicant, &user_id(&ctx)?, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rejects a request with a reason; SMS to the applicant.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/join-requests/{user_id}/reject", tag = "contracts",
    request_body = ReasonIn,
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, applicant)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReasonIn>,
) -> ApiResult<StatusCode> {
    review::reject(
        &state.platform,
        &id,
        &applicant,
        &user_id(&ctx)?,
        &body.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The active business types and seals an approval or an edit can give.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/grant-options", tag = "contracts",
    responses((status = 200, body = GrantOptions), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn options(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<GrantOptions>> {
    Ok(Json(
        review::options(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// The active members with role, business types and grants; phones masked.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/members", tag = "contracts",
    responses((status = 200, body = [Member]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn members(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(
        roster::list(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// Edits a member's role, business types or grants.
#[utoipa::path(put, path = "/api/v1/enterprises/{id}/members/{user_id}", tag = "contracts",
    request_body = MemberUpdate,
    responses((status = 200, body = Member), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn update_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, member)): Path<(String, String)>,
    ApiJson(body): ApiJson<MemberUpdate>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        roster::update(&state.platform, &id, &member, &user_id(&ctx)?, &body).await?,
    ))
}

/// Removes a member (their grants are revoked; who holds contracts needs a takeover).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/members/{user_id}/remove", tag = "contracts",
    request_body = Removal,
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, member)): Path<(String, String)>,
    ApiJson(body): ApiJson<Removal>,
) -> ApiResult<StatusCode> {
    roster::remove(&state.platform, &id, &member, &user_id(&ctx)?, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The enterprise's business types (any member).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/business-types", tag = "contracts",
    responses((status = 200, body = [BusinessType]), (status = 404, body = Problem)))]
pub async fn list_types(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<BusinessType>>> {
    Ok(Json(
        business_types::list(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// Adds a custom business type (administrator).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/business-types", tag = "contracts", request_body = TypeInput,
    responses((status = 201, body = BusinessType), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn add_type(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TypeInput>,
) -> ApiResult<(StatusCode, Json<BusinessType>)> {
    let added = business_types::add(&state.platform, &id, &user_id(&ctx)?, &body).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Renames a business type or switches it on or off (administrator).
#[utoipa::path(put, path = "/api/v1/enterprises/{id}/business-types/{type_id}", tag = "contracts", request_body = TypeInput,
    responses((status = 200, body = BusinessType), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn update_type(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, type_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<TypeInput>,
) -> ApiResult<Json<BusinessType>> {
    Ok(Json(
        business_types::update(&state.platform, &id, &type_id, &user_id(&ctx)?, &body).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct TransferIn {
    user_id: String,
}

/// Hands the administrator role to an active member; the former administrator becomes a delegate.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/admin/transfer", tag = "contracts", request_body = TransferIn,
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransferIn>,
) -> ApiResult<StatusCode> {
    admin::transfer(&state.platform, &id, &user_id(&ctx)?, &body.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct LogParams {
    seal_id: Option<String>,
    user_id: Option<String>,
    /// `contracts.seal_grant`, `contracts.seal_revoke` or `contracts.seal_use`.
    action: Option<String>,
    /// Unix seconds, inclusive.
    from: Option<i64>,
    /// Unix seconds, exclusive.
    to: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The log of seal grant changes and seal uses, newest first (delegates and the administrator).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/seal-log", tag = "contracts", params(LogParams),
    responses((status = 200, body = LogPage), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn seal_log(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(params): Query<LogParams>,
) -> ApiResult<Json<LogPage>> {
    let query = LogQuery {
        seal_id: params.seal_id,
        user_id: params.user_id,
        action: params.action,
        from: params.from,
        to: params.to,
        page: params.page,
        per_page: params.per_page,
    };
    Ok(Json(
        logs::list(&state.platform, &id, &user_id(&ctx)?, &query).await?,
    ))
}
