//! Webhooks: the enterprise administrator's endpoints for task events, their deliveries
//! with every attempt, a test `ping`, secret rotation and redelivery. Anyone else reads them as
//! not found; a member below the administrator is refused (403 `role_required`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use signet_core::PlatformError;
use signet_core::contracts::webhooks::{
    CreatedEndpoint, Delivery, Endpoint, NewEndpoint, deliveries, endpoints,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// The webhook routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(remove))
        .routes(routes!(rotate_secret))
        .routes(routes!(test))
        .routes(routes!(list_deliveries))
        .routes(routes!(redeliver))
}

fn user_id(ctx: &Ctx) -> Result<String, ApiError> {
    ctx.session()?
        .user_id
        .clone()
        .ok_or(ApiError::from(PlatformError::NotSignedIn))
}

/// The enterprise's webhook endpoints (administrator).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/webhooks", tag = "contracts",
    responses((status = 200, body = [Endpoint]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Endpoint>>> {
    Ok(Json(
        endpoints::list(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateWebhookIn {
    /// `https://…` to a public address (`http://127.0.0.1` or `localhost` in sandbox mode).
    pub url: String,
    /// Event kinds: `task.launched`, `task.signed`, `task.completed`, `task.void`.
    pub events: Vec<String>,
    #[serde(default)]
    pub description: String,
}

/// Registers an endpoint; the answer carries its signing secret, shown this once.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/webhooks", tag = "contracts", request_body = CreateWebhookIn,
    responses((status = 201, body = CreatedEndpoint), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateWebhookIn>,
) -> ApiResult<impl IntoResponse> {
    let new = NewEndpoint {
        url: body.url,
        description: body.description,
        events: body.events,
    };
    let created = endpoints::create(&state.platform, &id, &user_id(&ctx)?, &new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Removes an endpoint: no new deliveries; pending ones end as failed.
#[utoipa::path(delete, path = "/api/v1/enterprises/{id}/webhooks/{webhook_id}", tag = "contracts",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, webhook_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    endpoints::delete(&state.platform, &id, &user_id(&ctx)?, &webhook_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the signing secret at once; the new one is in the answer, shown this once.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/webhooks/{webhook_id}/rotate-secret", tag = "contracts",
    responses((status = 200, body = CreatedEndpoint), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, webhook_id)): Path<(String, String)>,
) -> ApiResult<Json<CreatedEndpoint>> {
    Ok(Json(
        endpoints::rotate_secret(&state.platform, &id, &user_id(&ctx)?, &webhook_id).await?,
    ))
}

/// Queues a `ping` event to the endpoint; its delivery appears in the list.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/webhooks/{webhook_id}/test", tag = "contracts",
    responses((status = 202, body = Delivery), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn test(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, webhook_id)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let delivery = endpoints::ping(&state.platform, &id, &user_id(&ctx)?, &webhook_id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct DeliveriesQuery {
    /// At most this many, newest first (default 50, at most 200).
    pub limit: Option<i64>,
}

/// The endpoint's deliveries, newest first, each with its attempts.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/webhooks/{webhook_id}/deliveries", tag = "contracts",
    params(DeliveriesQuery),
    responses((status = 200, body = [Delivery]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, webhook_id)): Path<(String, String)>,
    Query(query): Query<DeliveriesQuery>,
) -> ApiResult<Json<Vec<Delivery>>> {
    Ok(Json(
        deliveries::list(
            &state.platform,
            &id,
            &user_id(&ctx)?,
            &webhook_id,
            query.limit.unwrap_or(50),
        )
        .await?,
    ))
}

/// Sends a delivered or failed delivery again, under the same delivery id.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", tag = "contracts",
    responses((status = 202, body = Delivery), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn redeliver(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, webhook_id, delivery_id)): Path<(String, String, String)>,
) -> ApiResult<impl IntoResponse> {
    let delivery = deliveries::redeliver(
        &state.platform,
        &id,
        &user_id(&ctx)?,
        &webhook_id,
        &delivery_id,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}
