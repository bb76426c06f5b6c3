//! Handwriting capture (ES-14): the signed-in PC page's capture link, its long poll and the stored
//! image; the phone's drawing page (no session: the link is its credential).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use signet_core::contracts::handwriting::{self, CaptureInfo, CaptureLink, CaptureStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::desk::{image, user_id};
use crate::api::qr_login::HoldQuery;
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(wait))
        .routes(routes!(stored_image))
        .routes(routes!(open, submit))
}

/// A one-time link (ten minutes) that opens the handwriting page on a phone: show `url` as a QR
/// code.
#[utoipa::path(post, path = "/api/v1/me/handwriting-captures", tag = "contracts",
    responses((status = 201, body = CaptureLink), (status = 401, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
) -> ApiResult<(StatusCode, Json<CaptureLink>)> {
    let link = handwriting::create(&state.platform, &user_id(&ctx)?).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Long poll: answers once the handwriting is stored or the link expired, or after `hold`
/// seconds with `open`.
#[utoipa::path(get, path = "/api/v1/me/handwriting-captures/{id}/wait", tag = "contracts", params(HoldQuery),
    responses((status = 200, body = CaptureStatus), (status = 404, body = Problem)))]
pub async fn wait(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(query): Query<HoldQuery>,
) -> ApiResult<Json<CaptureStatus>> {
    let found = handwriting::wait(&state.platform, &user_id(&ctx)?, &id, query.duration()).await?;
    Ok(Json(found))
}

/// The handwriting stored from this capture (transparent PNG, trimmed).
#[utoipa::path(get, path = "/api/v1/me/handwriting-captures/{id}/image", tag = "contracts",
    responses((status = 200, content_type = "image/png", description = "PNG"), (status = 404, body = Problem)))]
pub async fn stored_image(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let png = handwriting::image(&state.platform, &user_id(&ctx)?, &id).await?;
    Ok(image(png, "image/png".to_owned()))
}

/// What the phone's drawing page needs; refused once the link was used or expired.
#[utoipa::path(get, path = "/api/v1/handwriting-captures/{token}", tag = "contracts",
    responses((status = 200, body = CaptureInfo), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn open(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<CaptureInfo>> {
    Ok(Json(handwriting::open(&state.platform, &token).await?))
}

/// The drawn handwriting, a transparent PNG (`Content-Type: image/png`, at most 512 KB); the
/// link then stops working.
#[utoipa::path(post, path = "/api/v1/handwriting-captures/{token}", tag = "contracts",
    request_body(content_type = "image/png", description = "the PNG drawn on the phone"),
    responses((status = 201, body = CaptureStatus), (status = 400, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<CaptureStatus>)> {
    let stored = handwriting::submit(&state.platform, &token, &body).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}
