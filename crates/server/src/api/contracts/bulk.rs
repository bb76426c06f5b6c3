//! Launch from templates (form fill) and bulk launch from Excel (ES-7 §2.5.1.1): the workbook
//! made from the templates, the upload checked row by row into a batch, a row's contract
//! previewed, the launch started as a background job, and the batch's progress. A batch of
//! another user (unless the caller administers its enterprise) answers 404.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use signet_core::PlatformError;
use signet_core::contracts::bulk::{self, BatchView, BulkSpec, LaunchChoice};
use signet_core::contracts::tasks::launch::options::{self, LaunchOptions};
use signet_core::contracts::tasks::{
    self, LaunchParty, OrderKind, TemplateDocument, TemplateLaunchInput,
};
use signet_core::platform::clock::Timestamp;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use super::tasks::{Launched, origin};
use crate::api::ApiJson;
use crate::api::desk::user_id;
use crate::api::files::{self, Caching};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(launch_options))
        .routes(routes!(launch_from_templates))
        .routes(routes!(bulk_workbook))
        .routes(routes!(bulk_upload).layer(DefaultBodyLimit::max(bulk::MAX_BYTES + 64 * 1024)))
        .routes(routes!(bulk_show))
        .routes(routes!(bulk_preview))
        .routes(routes!(bulk_start))
}

/// What the launch page offers the caller: the business types they may launch under, each with
/// its published templates (roles and the fields the launcher fills), and the quota left.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/launch-options", tag = "contracts",
    responses((status = 200, body = LaunchOptions), (status = 404, body = Problem)))]
pub async fn launch_options(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<LaunchOptions>> {
    Ok(Json(
        options::options(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct TemplateLaunchIn {
    pub business_type_id: String,
    pub title: String,
    #[serde(default)]
    pub confidential: bool,
    /// Unix seconds; past it the task becomes void.
    #[serde(default)]
    pub deadline: Option<Timestamp>,
    pub order: OrderKind,
    pub parties: Vec<LaunchParty>,
    #[serde(default)]
    pub cc: Vec<String>,
    /// Published templates of the business type with the values of their launcher fields.
    pub documents: Vec<TemplateDocument>,
    /// A QR code on every page; default: on for labour contracts.
    #[serde(default)]
    pub page_qr: Option<bool>,
}

/// Launches a task from published templates and values: the values checked (400
/// `template_values` names each refused field), the templates filled (page numbers, page QR
/// codes), one contract of the quota spent.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/tasks/from-templates", tag = "contracts",
    request_body = TemplateLaunchIn,
    responses((status = 201, body = Launched), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn launch_from_templates(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TemplateLaunchIn>,
) -> ApiResult<(StatusCode, Json<Launched>)> {
    let user = user_id(&ctx)?;
    let input = TemplateLaunchInput {
        enterprise_id: id,
        business_type_id: body.business_type_id,
        title: body.title,
        confidential: body.confidential,
        deadline: body.deadline,
        order: body.order,
        parties: body.parties,
        cc: body.cc,
        documents: body.documents,
        page_qr: body.page_qr,
    };
    let task = tasks::launch_from_templates(&state.platform, &user, input, &origin(&ctx, &headers))
        .await?;
    Ok((StatusCode::CREATED, Json(Launched { id: task })))
}

#[derive(Deserialize, IntoParams)]
pub struct WorkbookQuery {
    pub business_type_id: String,
    /// Template ids, comma-separated, in the task's order.
    pub template_ids: String,
}

/// The `.xlsx` to fill for a bulk launch of these templates: one column per launcher field and
/// one mobile column per person role, the enterprise's values prefilled in row 2, a hidden
/// sheet `columns` describing each column.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/bulk-launches/workbook", tag = "contracts",
    params(WorkbookQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn bulk_workbook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(query): Query<WorkbookQuery>,
) -> ApiResult<impl IntoResponse> {
    let ids: Vec<String> = query
        .template_ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let bytes = bulk::template_workbook(
        &state.platform,
        &user_id(&ctx)?,
        &id,
        &query.business_type_id,
        &ids,
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"contracts.xlsx\"",
            ),
        ],
        bytes,
    ))
}

/// Checks a filled workbook (multipart fields `spec`: the [`BulkSpec`] as JSON, and `file`) into
/// a batch: every data row with its errors by column; nothing is launched yet.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/bulk-launches", tag = "contracts",
    request_body(content_type = "multipart/form-data", description = "fields `spec` (BulkSpec JSON) and `file` (.xlsx)"),
    responses((status = 201, body = BatchView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem)))]
pub async fn bulk_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, Json<BatchView>)> {
    let user = user_id(&ctx)?;
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::from(PlatformError::TooLarge {
                field: "file",
                limit: bulk::MAX_BYTES,
            })
        } else {
            ApiError::Malformed(e.body_text())
        }
    };
    let (mut spec, mut bytes) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        match field.name() {
            Some("spec") => spec = Some(field.text().await.map_err(too_large)?),
            Some("file") => bytes = Some(field.bytes().await.map_err(too_large)?),
            _ => {}
        }
    }
    let spec: BulkSpec = serde_json::from_str(spec.as_deref().unwrap_or("")).map_err(|_| {
        ApiError::from(PlatformError::Invalid {
            field: "spec",
            zh: "批量发起的设置（spec）缺失或格式不正确",
            en: "The bulk launch settings (spec) are missing or malformed",
        })
    })?;
    let bytes = bytes.ok_or(ApiError::from(PlatformError::Invalid {
        field: "file",
        zh: "请选择要上传的 Excel 文件",
        en: "Choose the Excel file to upload",
    }))?;
    let view = bulk::create(&state.platform, &user, &id, spec, &bytes).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A batch: its rows with their errors, how many are launched or failed so far, and its job.
#[utoipa::path(get, path = "/api/v1/bulk-launches/{id}", tag = "contracts",
    responses((status = 200, body = BatchView), (status = 404, body = Problem)))]
pub async fn bulk_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<BatchView>> {
    Ok(Json(
        bulk::view(&state.platform, &user_id(&ctx)?, &id).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct PreviewQuery {
    /// The document (0-based, in the templates' order); the first by default.
    #[serde(default)]
    pub document: usize,
}

/// A row's contract as it will look when launched (row numbered as in Excel).
#[utoipa::path(get, path = "/api/v1/bulk-launches/{id}/rows/{row}/pdf", tag = "contracts",
    params(PreviewQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn bulk_preview(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, row)): Path<(String, i64)>,
    Query(query): Query<PreviewQuery>,
) -> ApiResult<impl IntoResponse> {
    let pdf = bulk::preview(&state.platform, &user_id(&ctx)?, &id, row, query.document).await?;
    Ok(files::pdf(None, Caching::NoStore, pdf))
}

/// Starts launching the batch as a background job (`valid_only`: only the rows that pass);
/// refused when the quota is short, naming how many contracts are missing.
#[utoipa::path(post, path = "/api/v1/bulk-launches/{id}/launch", tag = "contracts",
    request_body = LaunchChoice,
    responses((status = 202, body = BatchView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn bulk_start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LaunchChoice>,
) -> ApiResult<(StatusCode, Json<BatchView>)> {
    let view = bulk::start(&state.platform, &user_id(&ctx)?, &id, &body).await?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}
