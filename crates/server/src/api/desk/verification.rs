//! Identity checks: starting one, confirming a micro-deposit, or the offline mail flow.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use signet_core::desk::orders::{self, OrderDetail};
use signet_core::desk::verification::{self, StartInput, Started};
use utoipa::ToSchema;

use super::{detail_of, my_order};
use crate::api::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// Starts an identity check (micro-deposit, three-/four-factor, face).
#[utoipa::path(post, path = "/api/v1/orders/{id}/verifications", tag = "desk", request_body = StartInput,
    responses((status = 200, body = Started), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn start_verification(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StartInput>,
) -> ApiResult<Json<Started>> {
    let order = my_order(&state, &ctx, &id).await?;
    Ok(Json(
        verification::start(&state.platform, &order, &body).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct DepositIn {
    /// The amount received, in yuan (`0.37`).
    pub amount: String,
}

/// Confirms a micro-deposit amount (3 tries, 72 hours).
#[utoipa::path(post, path = "/api/v1/orders/{id}/verifications/{vid}/deposit", tag = "desk", request_body = DepositIn,
    responses((status = 200, body = Started), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn confirm_deposit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, vid)): Path<(String, String)>,
    ApiJson(body): ApiJson<DepositIn>,
) -> ApiResult<Json<Started>> {
    let order = my_order(&state, &ctx, &id).await?;
    Ok(Json(
        verification::confirm_deposit(&state.platform, &order, &vid, &body.amount).await?,
    ))
}

/// Chooses the offline mail flow: the remaining checks go to a reviewer.
#[utoipa::path(post, path = "/api/v1/orders/{id}/offline", tag = "desk",
    responses((status = 200, body = OrderDetail), (status = 409, body = Problem)))]
pub async fn offline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    verification::choose_offline(&state.platform, &order).await?;
    let order = orders::load(&state.platform, &order.id).await?;
    detail_of(&state, &order).await
}
