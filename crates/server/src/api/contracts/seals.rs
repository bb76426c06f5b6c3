//! Seals (ES-12, ES-14): the deployment's seal types, an enterprise's seals (members see them,
//! the administrator and delegates manage and grant them) and the caller's own seals, each
//! image served as `image.png`. Another enterprise's or person's id answers 404.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use signet_core::PlatformError;
use signet_core::contracts::seals::enterprise::manage::{self, Artwork};
use signet_core::contracts::seals::enterprise::{self, EnterpriseSeal, GranteeView, SealTypeView};
use signet_core::contracts::seals::{SealImage, SealView, personal, png};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// The seal routes.
pub fn routes() -> OpenApiRouter<AppState> {
    let uploads = DefaultBodyLimit::max(png::MAX_BYTES + 64 * 1024);
    OpenApiRouter::new()
        .routes(routes!(seal_types))
        .routes(routes!(list, create))
        .routes(routes!(upload).layer(uploads))
        .routes(routes!(replace_image).layer(uploads))
        .routes(routes!(regenerate))
        .routes(routes!(enable))
        .routes(routes!(disable))
        .routes(routes!(grantees))
        .routes(routes!(grant))
        .routes(routes!(revoke))
        .routes(routes!(image))
        .routes(routes!(my_seals))
        .routes(routes!(my_image))
}

fn user_id(ctx: &Ctx) -> Result<String, ApiError> {
    ctx.session()?
        .user_id
        .clone()
        .ok_or(ApiError::from(PlatformError::NotSignedIn))
}

fn png_response(image: SealImage) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/png".to_owned()),
            (header::CACHE_CONTROL, "private, max-age=60".to_owned()),
            (header::ETAG, format!("\"{}\"", image.digest)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        image.png,
    )
}

fn upload_error(error: &axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::from(PlatformError::TooLarge {
            field: png::FIELD,
            limit: png::MAX_BYTES,
        })
    } else {
        ApiError::Malformed(error.body_text())
    }
}

/// The fields of a seal upload: `seal_type` (when creating) and `image`.
async fn read_upload(mut multipart: Multipart) -> Result<(Option<String>, Vec<u8>), ApiError> {
    let mut seal_type = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| upload_error(&e))? {
        match field.name() {
            Some("seal_type") => {
                seal_type = Some(field.text().await.map_err(|e| upload_error(&e))?);
            }
            Some(png::FIELD) => {
                let bytes = field.bytes().await.map_err(|e| upload_error(&e))?;
                return Ok((seal_type, bytes.to_vec()));
            }
            _ => {}
        }
    }
    Err(ApiError::from(PlatformError::Invalid {
        field: png::FIELD,
        zh: "请选择要上传的印章图片",
        en: "Choose a seal image to upload",
    }))
}

/// The seal types this deployment offers.
#[utoipa::path(get, path = "/api/v1/seal-types", tag = "contracts",
    responses((status = 200, body = [SealTypeView])))]
pub async fn seal_types(State(state): State<AppState>) -> ApiResult<Json<Vec<SealTypeView>>> {
    Ok(Json(enterprise::seal_types(&state.platform).await?))
}

/// The enterprise's seals (void ones left out), for its members; grants for managers.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/seals", tag = "contracts",
    responses((status = 200, body = [EnterpriseSeal]), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<EnterpriseSeal>>> {
    Ok(Json(
        enterprise::list(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateSealIn {
    /// A seal type code (`GET /api/v1/seal-types`).
    pub seal_type: String,
}

/// Creates the seal of a type, drawn from the enterprise's name, credit code or legal
/// representative (administrator or delegate).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/seals", tag = "contracts", request_body = CreateSealIn,
    responses((status = 201, body = EnterpriseSeal), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateSealIn>,
) -> ApiResult<impl IntoResponse> {
    let seal = manage::create(
        &state.platform,
        &id,
        &user_id(&ctx)?,
        &body.seal_type,
        Artwork::Generated,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(seal)))
}

/// Creates the seal of a type from an uploaded transparent PNG (multipart: `seal_type`, then
/// `image`; at most 1 MiB and 2000 px a side).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/seals/upload", tag = "contracts",
    request_body(content_type = "multipart/form-data", description = "fields `seal_type`, `image`"),
    responses((status = 201, body = EnterpriseSeal), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<impl IntoResponse> {
    let actor = user_id(&ctx)?;
    let (seal_type, bytes) = read_upload(multipart).await?;
    let seal_type = seal_type.ok_or(ApiError::from(PlatformError::Invalid {
        field: "seal_type",
        zh: "缺少印章类型",
        en: "The seal type is missing",
    }))?;
    let seal = manage::create(
        &state.platform,
        &id,
        &actor,
        &seal_type,
        Artwork::Uploaded(&bytes),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(seal)))
}

/// Replaces a seal's image with an uploaded transparent PNG (multipart: `image`).
#[utoipa::path(put, path = "/api/v1/enterprises/{id}/seals/{seal_id}/image", tag = "contracts",
    request_body(content_type = "multipart/form-data", description = "field `image`"),
    responses((status = 200, body = EnterpriseSeal), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem)))]
pub async fn replace_image(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, seal_id)): Path<(String, String)>,
    multipart: Multipart,
) -> ApiResult<Json<EnterpriseSeal>> {
    let actor = user_id(&ctx)?;
    let (_, bytes) = read_upload(multipart).await?;
    Ok(Json(
        manage::replace_image(
            &state.platform,
            &id,
            &seal_id,
            &actor,
            Artwork::Uploaded(&bytes),
        )
        .await?,
    ))
}

/// Draws a seal's image again from the enterprise's current facts.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/seals/{seal_id}/regenerate", tag = "contracts",
    responses((status = 200, body = EnterpriseSeal), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn regenerate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, seal_id)): Path<(String, String)>,
) -> ApiResult<Json<EnterpriseSeal>> {
    Ok(Json(
        manage::replace_image(
            &state.platform,
            &id,
            &seal_id,
            &user_id(&ctx)?,
            Artwork::Generated,
        )
        .await?,
    ))
}

/// Enables a disabled seal.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/seals/{seal_id}/enable", tag = "contracts",
    responses((status = 200, body = EnterpriseSeal), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn enable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, seal_id)): Path<(String, String)>,
) -> ApiResult<Json<EnterpriseSeal>> {
    Ok(Json(
        manage::set_enabled(&state.platform, &id, &seal_id, &user_id(&ctx)?, true).await?,
    ))
}

/// Disables a seal: it can no longer be used or granted until enabled again.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/seals/{seal_id}/disable", tag = "contracts",
    responses((status = 200, body = EnterpriseSeal), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, seal_id)): Path<(String, String)>,
) -> ApiResult<Json<EnterpriseSeal>> {
    Ok(Json(
        manage::set_enabled(&state.platform, &id, &seal_id, &user_id(&ctx)?, false).await?,
    ))
}

/// The enterprise's active members, to choose a grantee (administrator or delegate).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/seal-grantees", tag = "contracts",
    responses((status = 200, body = [GranteeView]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn grantees(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<GranteeView>>> {
    Ok(Json(
        enterprise::grantees(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct GrantIn {
    /// The member to grant the seal to.
    pub user_id: String,
    /// Until when (Unix seconds); none: until revoked.
    pub expires_at: Option<i64>,
}

/// Grants the seal to a member, optionally until a time (granting again sets the new expiry).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/seals/{seal_id}/grants", tag = "contracts", request_body = GrantIn,
    responses((status = 200, body = EnterpriseSeal), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn grant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, seal_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<GrantIn>,
) -> ApiResult<Json<EnterpriseSeal>> {
    Ok(Json(
        enterprise::grant(
            &state.platform,
            &id,
            &seal_id,
            &user_id(&ctx)?,
            &body.user_id,
            body.expires_at,
        )
        .await?,
    ))
}

/// Revokes a member's grant of the seal.
#[utoipa::path(delete, path = "/api/v1/enterprises/{id}/seals/{seal_id}/grants/{user_id}", tag = "contracts",
    responses((status = 200, body = EnterpriseSeal), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, seal_id, grantee)): Path<(String, String, String)>,
) -> ApiResult<Json<EnterpriseSeal>> {
    Ok(Json(
        enterprise::revoke(&state.platform, &id, &seal_id, &user_id(&ctx)?, &grantee).await?,
    ))
}

/// A seal's image, for members of its enterprise.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/seals/{seal_id}/image.png", tag = "contracts",
    responses((status = 200, content_type = "image/png"), (status = 404, body = Problem)))]
pub async fn image(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, seal_id)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    Ok(png_response(
        enterprise::image(&state.platform, &id, &seal_id, &user_id(&ctx)?).await?,
    ))
}

/// The caller's active personal seals; a real-named person's name seal is drawn on first call.
#[utoipa::path(get, path = "/api/v1/me/seals", tag = "contracts",
    responses((status = 200, body = [SealView]), (status = 401, body = Problem)))]
pub async fn my_seals(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Vec<SealView>>> {
    Ok(Json(
        personal::list(&state.platform, &user_id(&ctx)?).await?,
    ))
}

/// The image of one of the caller's own seals.
#[utoipa::path(get, path = "/api/v1/me/seals/{id}/image.png", tag = "contracts",
    responses((status = 200, content_type = "image/png"), (status = 404, body = Problem)))]
pub async fn my_image(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(png_response(
        personal::image(&state.platform, &user_id(&ctx)?, &id).await?,
    ))
}
