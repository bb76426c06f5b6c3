//! Materials: uploads from the browser or through a one-time phone link, and reuse.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use signet_core::PlatformError;
use signet_core::desk::catalog;
use signet_core::desk::materials::{self, Material, UploadLink};
use utoipa::ToSchema;

use super::{my_order, user_id};
use crate::api::ApiJson;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

fn upload_error(error: &axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::from(PlatformError::TooLarge {
            field: "file",
            limit: MAX_UPLOAD,
        })
    } else {
        ApiError::Malformed(error.body_text())
    }
}

/// The largest upload any product can allow (the product's own limit is checked after).
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;

/// Reads the multipart fields `kind` (optional) and `file`.
async fn read_upload(mut multipart: Multipart) -> Result<(Option<String>, Bytes), ApiError> {
    let mut kind = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| upload_error(&e))? {
        match field.name() {
            Some("kind") => kind = Some(field.text().await.map_err(|e| upload_error(&e))?),
            Some("file") => {
                let bytes = field.bytes().await.map_err(|e| upload_error(&e))?;
                return Ok((kind, bytes));
            }
            _ => {}
        }
    }
    Err(ApiError::from(PlatformError::Invalid {
        field: "file",
        zh: "请选择要上传的文件",
        en: "Choose a file to upload",
    }))
}

/// Uploads a material (multipart: `kind` first, then `file`).
#[utoipa::path(post, path = "/api/v1/orders/{id}/materials", tag = "desk",
    request_body(content_type = "multipart/form-data", description = "fields `kind`, `file`"),
    responses((status = 201, body = Material), (status = 400, body = Problem), (status = 413, body = Problem)))]
pub async fn upload_material(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let (kind, bytes) = read_upload(multipart).await?;
    let kind = kind.ok_or(ApiError::from(PlatformError::Invalid {
        field: "kind",
        zh: "缺少材料类型",
        en: "The material kind is missing",
    }))?;
    let material = materials::upload(&state.platform, &order, &kind, &bytes).await?;
    Ok((StatusCode::CREATED, Json(material)))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct MaterialsQuery {
    pub kind: Option<String>,
}

/// The user's earlier uploads, for reuse.
#[utoipa::path(get, path = "/api/v1/materials", tag = "desk", params(MaterialsQuery),
    responses((status = 200, body = [Material])))]
pub async fn my_materials(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MaterialsQuery>,
) -> ApiResult<Json<Vec<Material>>> {
    Ok(Json(
        materials::list_for_user(&state.platform, &user_id(&ctx)?, q.kind.as_deref()).await?,
    ))
}

/// One of the user's materials (the image).
#[utoipa::path(get, path = "/api/v1/materials/{id}", tag = "desk",
    responses((status = 200, content_type = "image/png"), (status = 404, body = Problem)))]
pub async fn material(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let (bytes, content_type) =
        materials::content(&state.platform, &id, Some(&user_id(&ctx)?)).await?;
    Ok(image(bytes, content_type))
}

pub fn image(bytes: Vec<u8>, content_type: String) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct KindIn {
    pub kind: String,
}

/// A one-time link to upload a material from a phone (shown as a QR code).
#[utoipa::path(post, path = "/api/v1/orders/{id}/upload-links", tag = "desk", request_body = KindIn,
    responses((status = 201, body = UploadLink), (status = 400, body = Problem)))]
pub async fn upload_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<KindIn>,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let link = materials::create_link(&state.platform, &order, &body.kind).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

#[derive(serde::Serialize, ToSchema)]
pub struct MobileUploadView {
    pub order_number: String,
    pub kind: String,
    pub label: String,
    /// The label in the English UI; empty shows `label`.
    pub label_en: String,
    pub max_bytes: usize,
}

/// What a phone-upload link is for (no session: the link is the credential).
#[utoipa::path(get, path = "/api/v1/mobile-upload/{token}", tag = "desk",
    responses((status = 200, body = MobileUploadView), (status = 400, body = Problem)))]
pub async fn mobile_upload_info(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<MobileUploadView>> {
    let (order, kind) = materials::open_link(&state.platform, &token).await?;
    let product = catalog::product(&state.platform, &order.product_id).await?;
    let spec = product.material(&kind).cloned();
    Ok(Json(MobileUploadView {
        order_number: order.number,
        label: spec.as_ref().map(|s| s.label.clone()).unwrap_or_default(),
        label_en: spec
            .as_ref()
            .map(|s| s.label_en.clone())
            .unwrap_or_default(),
        max_bytes: spec.map_or(0, |s| s.max_bytes),
        kind,
    }))
}

/// Uploads through a phone link (multipart `file`); the link then stops working.
#[utoipa::path(post, path = "/api/v1/mobile-upload/{token}", tag = "desk",
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = Material), (status = 400, body = Problem)))]
pub async fn mobile_upload(
    State(state): State<AppState>,
    Path(token): Path<String>,
    multipart: Multipart,
) -> ApiResult<impl IntoResponse> {
    let (_, bytes) = read_upload(multipart).await?;
    let material = materials::upload_by_link(&state.platform, &token, &bytes).await?;
    Ok((StatusCode::CREATED, Json(material)))
}
