//! Contract templates (ES-11, seed 004 §2.6): upload (PDF or Word), the draft's roles, fields
//! and signing spots, publishing, the version PDFs for the editor, a filled preview, and the
//! enterprise's custom fields. The enterprise's administrator and delegates act here; a plain
//! member is refused, and another enterprise's ids answer 404.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use signet_core::contracts::ContractsError;
use signet_core::contracts::templates::custom_fields::{self, FieldDef, FieldInput};
use signet_core::contracts::templates::source::MAX_SOURCE_BYTES;
use signet_core::contracts::templates::{
    self, DraftInput, FieldError, NewTemplate, TemplateSummary, TemplateView,
};
use signet_core::{CoreError, PlatformError};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::api::desk::user_id;
use crate::api::files::{self, Caching};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// The template routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create).layer(DefaultBodyLimit::max(MAX_SOURCE_BYTES + 64 * 1024)))
        .routes(routes!(show))
        .routes(routes!(version_pdf))
        .routes(routes!(save_draft))
        .routes(routes!(publish))
        .routes(routes!(preview))
        .routes(routes!(fields, add_field))
        .routes(routes!(remove_field))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only templates of this business type.
    business_type: Option<String>,
}

/// The enterprise's templates, newest change first.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/templates", tag = "contracts", params(ListQuery),
    responses((status = 200, body = [TemplateSummary]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Vec<TemplateSummary>>> {
    Ok(Json(
        templates::store::list(
            &state.platform,
            &id,
            &user_id(&ctx)?,
            query.business_type.as_deref().filter(|t| !t.is_empty()),
        )
        .await?,
    ))
}

fn upload_error(error: &axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::from(PlatformError::TooLarge {
            field: "file",
            limit: MAX_SOURCE_BYTES,
        })
    } else {
        ApiError::Malformed(error.body_text())
    }
}

/// Creates a template from a PDF or a Word `.docx` (converted by LibreOffice): multipart
/// fields `name`, `business_type_id` and `file` (at most 20 MiB). Its first version is a draft.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/templates", tag = "contracts",
    request_body(content_type = "multipart/form-data", description = "fields `name`, `business_type_id`, `file` (PDF or .docx)"),
    responses((status = 201, body = TemplateView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> ApiResult<impl IntoResponse> {
    let actor = user_id(&ctx)?;
    let (mut name, mut business_type_id, mut file) = (None, None, None);
    while let Some(field) = multipart.next_field().await.map_err(|e| upload_error(&e))? {
        match field.name() {
            Some("name") => name = Some(field.text().await.map_err(|e| upload_error(&e))?),
            Some("business_type_id") => {
                business_type_id = Some(field.text().await.map_err(|e| upload_error(&e))?);
            }
            Some("file") => {
                file = Some(field.bytes().await.map_err(|e| upload_error(&e))?.to_vec());
            }
            _ => {}
        }
    }
    let missing = |field, zh, en| ApiError::from(PlatformError::Invalid { field, zh, en });
    let input = NewTemplate {
        name: name.ok_or_else(|| missing("name", "请填写模板名称", "Give the template a name"))?,
        business_type_id: business_type_id.ok_or_else(|| {
            missing(
                "business_type_id",
                "请选择业务类型",
                "Choose a business type",
            )
        })?,
        file: file.ok_or_else(|| {
            missing(
                "file",
                "请选择模板文件（PDF 或 .docx）",
                "Choose a template file (PDF or .docx)",
            )
        })?,
    };
    let view = templates::create(&state.platform, &id, &actor, input).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A template with its current version (the draft when there is one).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/templates/{template_id}", tag = "contracts",
    responses((status = 200, body = TemplateView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, template_id)): Path<(String, String)>,
) -> ApiResult<Json<TemplateView>> {
    Ok(Json(
        templates::store::get(&state.platform, &id, &template_id, &user_id(&ctx)?).await?,
    ))
}

/// The PDF of a version, for rendering in the editor.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/templates/{template_id}/versions/{version_id}/pdf", tag = "contracts",
    responses((status = 200, content_type = "application/pdf"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn version_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, template_id, version_id)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let bytes = templates::store::version_pdf(
        &state.platform,
        &id,
        &template_id,
        &version_id,
        &user_id(&ctx)?,
    )
    .await?;
    // A version's file never changes.
    Ok(files::pdf(None, Caching::Immutable, bytes))
}

/// Saves the draft's name, roles, fields and signing spots (a published template gets a new
/// draft version; the published one stays as it is until the draft is published).
#[utoipa::path(put, path = "/api/v1/enterprises/{id}/templates/{template_id}/draft", tag = "contracts", request_body = DraftInput,
    responses((status = 200, body = TemplateView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn save_draft(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, template_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<DraftInput>,
) -> ApiResult<Json<TemplateView>> {
    Ok(Json(
        templates::save_draft(&state.platform, &id, &template_id, &user_id(&ctx)?, &body).await?,
    ))
}

/// Publishes the draft; refused, naming them, while a field the business type requires is not
/// placed or an enterprise or person role is missing.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/templates/{template_id}/publish", tag = "contracts",
    responses((status = 200, body = TemplateView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, template_id)): Path<(String, String)>,
) -> ApiResult<Json<TemplateView>> {
    Ok(Json(
        templates::publish(&state.platform, &id, &template_id, &user_id(&ctx)?).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PreviewIn {
    /// Values by field key; fields left out stay empty.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

/// The 400 answer of refused values: the problem, plus each field's error.
#[derive(serde::Serialize, ToSchema)]
pub struct ValuesProblem {
    #[serde(flatten)]
    pub problem: Problem,
    pub errors: Vec<FieldError>,
}

fn values_refused(errors: Vec<FieldError>) -> Response {
    crate::problem::refused_with(
        &CoreError::from(ContractsError::TemplateValues(errors.clone())),
        errors,
    )
}

/// The current version filled with the values given, with page numbers (a PDF).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/templates/{template_id}/preview", tag = "contracts", request_body = PreviewIn,
    responses((status = 200, content_type = "application/pdf"), (status = 400, body = ValuesProblem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, template_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<PreviewIn>,
) -> ApiResult<Response> {
    match templates::fill::preview(
        &state.platform,
        &id,
        &template_id,
        &user_id(&ctx)?,
        &body.values,
    )
    .await
    {
        Ok(bytes) => Ok(files::pdf(None, Caching::NoStore, bytes)),
        Err(e) => match e.into_wing::<ContractsError>() {
            Ok(ContractsError::TemplateValues(errors)) => Ok(values_refused(errors)),
            Ok(other) => Err(CoreError::from(other).into()),
            Err(e) => Err(e.into()),
        },
    }
}

/// The fields the template editor offers: the platform's standard ones, then the enterprise's.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/template-fields", tag = "contracts",
    responses((status = 200, body = [FieldDef]), (status = 404, body = Problem)))]
pub async fn fields(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<FieldDef>>> {
    Ok(Json(
        custom_fields::list(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// Adds a custom field (§2.6.2).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/template-fields", tag = "contracts", request_body = FieldInput,
    responses((status = 201, body = FieldDef), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn add_field(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FieldInput>,
) -> ApiResult<impl IntoResponse> {
    let field = custom_fields::add(&state.platform, &id, &user_id(&ctx)?, &body).await?;
    Ok((StatusCode::CREATED, Json(field)))
}

/// Removes a custom field (templates using it keep it).
#[utoipa::path(delete, path = "/api/v1/enterprises/{id}/template-fields/{field_id}", tag = "contracts",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_field(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, field_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    custom_fields::remove(&state.platform, &id, &field_id, &user_id(&ctx)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
