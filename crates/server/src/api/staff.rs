//! The CA staff's console: review queue, order detail with materials, approve / reject, ship,
//! refund, and the catalog editor. Every route checks the staff role it needs.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use signet_core::desk::catalog::{self, ProductInput, ProjectInput};
use signet_core::desk::orders::{self, Lang, OrderDetail, OrderFilter, OrderLine, Viewer};
use signet_core::desk::roles::{self, Role};
use signet_core::desk::{materials, review};
use signet_core::platform::audit::AuditEvent;
use signet_core::platform::clock::Clock as _;
use utoipa::ToSchema;

use super::ApiJson;
use super::certificates::RevokedOut;
use super::desk::{image, user_id};
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// The signed-in staff member's id after checking `role`.
pub(super) async fn staff(
    state: &AppState,
    ctx: &Ctx,
    role: Role,
) -> Result<String, crate::problem::ApiError> {
    let id = user_id(ctx)?;
    roles::require(&state.platform, &id, role).await?;
    Ok(id)
}

#[derive(Serialize, ToSchema)]
pub struct RolesOut {
    pub roles: Vec<Role>,
}

/// The signed-in user's staff roles (empty for applicants).
#[utoipa::path(get, path = "/api/v1/staff/roles", tag = "staff",
    responses((status = 200, body = RolesOut), (status = 401, body = Problem)))]
pub async fn my_roles(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<RolesOut>> {
    let id = user_id(&ctx)?;
    Ok(Json(RolesOut {
        roles: roles::roles_of(&state.platform, &id).await?,
    }))
}

/// Every order, filtered (reviewers and producers).
#[utoipa::path(get, path = "/api/v1/staff/orders", tag = "staff", params(OrderFilter),
    responses((status = 200, body = [OrderLine]), (status = 403, body = Problem)))]
pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<OrderFilter>,
) -> ApiResult<Json<Vec<OrderLine>>> {
    let id = user_id(&ctx)?;
    let held = roles::roles_of(&state.platform, &id).await?;
    if !held.contains(&Role::Reviewer) && !held.contains(&Role::Producer) {
        return Err(signet_core::CoreError::from(signet_core::desk::DeskError::StaffOnly).into());
    }
    Ok(Json(orders::list(&state.platform, None, &filter).await?))
}

/// One order in full, personal data included; the view is audited.
#[utoipa::path(get, path = "/api/v1/staff/orders/{id}", tag = "staff",
    responses((status = 200, body = OrderDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn order(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let staff_id = user_id(&ctx)?;
    let held = roles::roles_of(&state.platform, &staff_id).await?;
    if !held.contains(&Role::Reviewer) && !held.contains(&Role::Producer) {
        return Err(signet_core::CoreError::from(signet_core::desk::DeskError::StaffOnly).into());
    }
    let order = orders::load(&state.platform, &id).await?;
    let platform = &state.platform;
    let mut tx = platform.db.begin().await?;
    let event = AuditEvent::new(
        format!("user:{staff_id}"),
        "desk.order.view",
        format!("order:{id}"),
    )
    .from_ip(&ctx.origin.ip);
    platform
        .audit
        .append(&mut tx, platform.clock.now(), &event)
        .await?;
    tx.commit().await.map_err(signet_core::CoreError::from)?;
    Ok(Json(
        orders::detail_for(platform, &order, Viewer::Staff, Lang::ZhCn).await?,
    ))
}

/// A material of any order (reviewers).
#[utoipa::path(get, path = "/api/v1/staff/materials/{id}", tag = "staff",
    responses((status = 200, content_type = "image/png"), (status = 403, body = Problem)))]
pub async fn material(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl axum::response::IntoResponse> {
    staff(&state, &ctx, Role::Reviewer).await?;
    let (bytes, content_type) =
        materials::content_for_staff(&state.platform, &id, &user_id(&ctx)?).await?;
    Ok(image(bytes, content_type))
}

/// Approves an order under review.
#[utoipa::path(post, path = "/api/v1/staff/orders/{id}/approve", tag = "staff",
    responses((status = 200, body = OrderDetail), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let staff_id = staff(&state, &ctx, Role::Reviewer).await?;
    let order = orders::load(&state.platform, &id).await?;
    let order = review::approve(&state.platform, &order, &format!("user:{staff_id}")).await?;
    Ok(Json(
        orders::detail_for(&state.platform, &order, Viewer::Staff, Lang::ZhCn).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RejectIn {
    pub reason: String,
}

/// Rejects an order with the reason the applicant sees.
#[utoipa::path(post, path = "/api/v1/staff/orders/{id}/reject", tag = "staff", request_body = RejectIn,
    responses((status = 200, body = OrderDetail), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RejectIn>,
) -> ApiResult<Json<OrderDetail>> {
    let staff_id = staff(&state, &ctx, Role::Reviewer).await?;
    let order = orders::load(&state.platform, &id).await?;
    let order = review::reject(
        &state.platform,
        &order,
        &format!("user:{staff_id}"),
        &body.reason,
    )
    .await?;
    Ok(Json(
        orders::detail_for(&state.platform, &order, Viewer::Staff, Lang::ZhCn).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ShipIn {
    pub courier: String,
    pub tracking_number: String,
}

/// Records the tracking number of a produced USB key.
#[utoipa::path(post, path = "/api/v1/staff/orders/{id}/ship", tag = "staff", request_body = ShipIn,
    responses((status = 200, body = OrderDetail), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn ship(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ShipIn>,
) -> ApiResult<Json<OrderDetail>> {
    let staff_id = staff(&state, &ctx, Role::Producer).await?;
    let order = orders::load(&state.platform, &id).await?;
    let order = review::ship(
        &state.platform,
        &order,
        &format!("user:{staff_id}"),
        &body.courier,
        &body.tracking_number,
    )
    .await?;
    Ok(Json(
        orders::detail_for(&state.platform, &order, Viewer::Staff, Lang::ZhCn).await?,
    ))
}

/// Refunds a paid order that was not produced.
#[utoipa::path(post, path = "/api/v1/staff/orders/{id}/refund", tag = "staff",
    responses((status = 200, body = OrderDetail), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn refund(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let staff_id = staff(&state, &ctx, Role::Reviewer).await?;
    let order = orders::load(&state.platform, &id).await?;
    let order = review::refund(&state.platform, &order, &format!("user:{staff_id}")).await?;
    Ok(Json(
        orders::detail_for(&state.platform, &order, Viewer::Staff, Lang::ZhCn).await?,
    ))
}

/// The catalog as saved, for the editor: every product's methods (also those this server cannot
/// run, which the public catalog hides) and help links as typed (channel admins).
#[utoipa::path(get, path = "/api/v1/staff/catalog", tag = "staff",
    responses((status = 200, body = [catalog::Project]), (status = 403, body = Problem)))]
pub async fn catalog(
    State(state): State<AppState>,
    ctx: Ctx,
) -> ApiResult<Json<Vec<catalog::Project>>> {
    staff(&state, &ctx, Role::ChannelAdmin).await?;
    Ok(Json(catalog::list_as_saved(&state.platform).await?))
}

#[derive(Serialize, ToSchema)]
pub struct IdOut {
    pub id: String,
}

/// Creates or updates a project or channel (by code).
#[utoipa::path(put, path = "/api/v1/staff/catalog/projects", tag = "staff", request_body = ProjectInput,
    responses((status = 200, body = IdOut), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn save_project(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ProjectInput>,
) -> ApiResult<Json<IdOut>> {
    let staff_id = staff(&state, &ctx, Role::ChannelAdmin).await?;
    let id = catalog::save_project(&state.platform, &body, &format!("user:{staff_id}")).await?;
    Ok(Json(IdOut { id }))
}

/// Creates or updates a product of a project (by code).
#[utoipa::path(put, path = "/api/v1/staff/catalog/projects/{id}/products", tag = "staff", request_body = ProductInput,
    responses((status = 200, body = IdOut), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn save_product(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<ProductInput>,
) -> ApiResult<Json<IdOut>> {
    let staff_id = staff(&state, &ctx, Role::ChannelAdmin).await?;
    let id = catalog::save_product(
        &state.platform,
        &project_id,
        &body,
        &format!("user:{staff_id}"),
    )
    .await?;
    Ok(Json(IdOut { id }))
}

#[derive(Deserialize, ToSchema)]
pub struct StaffRevokeIn {
    /// `key-compromise`, `affiliation-changed`, `superseded`, `cessation-of-operation`, …
    pub reason: String,
}

/// Revokes any certificate (reviewers), with a reason; OCSP answers `revoked` at once.
#[utoipa::path(post, path = "/api/v1/staff/certificates/{serial}/revoke", tag = "staff", request_body = StaffRevokeIn,
    responses((status = 200, body = RevokedOut), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
    ApiJson(body): ApiJson<StaffRevokeIn>,
) -> ApiResult<Json<RevokedOut>> {
    let staff_id = staff(&state, &ctx, Role::Reviewer).await?;
    let done = signet_core::ca::revoke(
        &state.platform,
        &serial,
        &body.reason,
        &format!("user:{staff_id}"),
    )
    .await?;
    Ok(Json(RevokedOut {
        serial: done.serial,
        reason: done.reason.to_owned(),
        revoked_at: done.revoked_at,
    }))
}
