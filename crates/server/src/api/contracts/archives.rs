//! Paper archives (ES-10, §2.5.2): the fields an archive of a business type asks for, a single
//! archive (multipart `spec` + the scanned `file`), the bulk archive's Excel template, checking
//! and storing a bulk archive's zip, the two lists, one archive, its PDF and timestamp token,
//! and voiding. An archive another user may not see answers 404.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use signet_core::PlatformError;
use signet_core::contracts::ContractsError;
use signet_core::contracts::archives::bulk::{self, BulkArchived, BulkCheck};
use signet_core::contracts::archives::fields::ArchiveField;
use signet_core::contracts::archives::package::{self, PackageProblem};
use signet_core::contracts::archives::{
    self, ArchiveInput, ArchiveList, ArchiveQuery, ArchiveView, BulkInput, scan, single,
};
use signet_core::contracts::templates::FieldError;
use signet_core::error::CoreError;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::api::desk::user_id;
use crate::api::files::{self, Caching};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes() -> OpenApiRouter<AppState> {
    let single_limit = DefaultBodyLimit::max(scan::MAX_BYTES + 256 * 1024);
    let zip_limit = DefaultBodyLimit::max(package::MAX_ZIP_BYTES + 256 * 1024);
    OpenApiRouter::new()
        .routes(routes!(archive_fields))
        .routes(routes!(list, create).layer(single_limit))
        .routes(routes!(workbook))
        .routes(routes!(bulk_check).layer(zip_limit))
        .routes(routes!(bulk_archive).layer(zip_limit))
        .routes(routes!(show))
        .routes(routes!(pdf))
        .routes(routes!(timestamp_token))
        .routes(routes!(void))
}

#[derive(Deserialize, IntoParams)]
pub struct TypeQuery {
    pub business_type_id: String,
}

/// The contract fields an archive of the business type asks for (also the bulk template's
/// columns after 文件名, 合同名称, 姓名, 身份证号).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/archive-fields", tag = "contracts",
    params(TypeQuery),
    responses((status = 200, body = Vec<ArchiveField>), (status = 404, body = Problem)))]
pub async fn archive_fields(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(query): Query<TypeQuery>,
) -> ApiResult<Json<Vec<ArchiveField>>> {
    Ok(Json(
        archives::fields::of_type(
            &state.platform,
            &user_id(&ctx)?,
            &id,
            &query.business_type_id,
        )
        .await?,
    ))
}

/// The multipart parts of an archive upload: the JSON `spec` and the `file`, with its name.
struct Upload {
    spec: Option<String>,
    file: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut multipart: Multipart, limit: usize) -> ApiResult<Upload> {
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::from(PlatformError::TooLarge {
                field: "file",
                limit,
            })
        } else {
            ApiError::Malformed(e.body_text())
        }
    };
    let mut upload = Upload {
        spec: None,
        file: None,
    };
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        match field.name() {
            Some("spec") => upload.spec = Some(field.text().await.map_err(too_large)?),
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(too_large)?;
                if bytes.len() > limit {
                    return Err(PlatformError::TooLarge {
                        field: "file",
                        limit,
                    }
                    .into());
                }
                upload.file = Some((name, Vec::from(bytes)));
            }
            _ => {}
        }
    }
    Ok(upload)
}

fn spec<T: serde::de::DeserializeOwned>(raw: Option<&str>) -> ApiResult<T> {
    serde_json::from_str(raw.unwrap_or("")).map_err(|_| {
        ApiError::from(PlatformError::Invalid {
            field: "spec",
            zh: "归档信息（spec）缺失或格式不正确",
            en: "The archive's details (spec) are missing or malformed",
        })
    })
}

fn no_file(zh: &'static str, en: &'static str) -> ApiError {
    ApiError::from(PlatformError::Invalid {
        field: "file",
        zh,
        en,
    })
}

/// The 400 answer of refused values: the problem, plus each field's error.
#[derive(serde::Serialize, ToSchema)]
pub struct ArchiveValuesProblem {
    #[serde(flatten)]
    pub problem: Problem,
    pub errors: Vec<FieldError>,
}

/// Archives one scanned paper contract (multipart: `spec`, an [`ArchiveInput`] as JSON, and
/// `file`, the PDF). Refused fields answer 400 with each field's error.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/archives", tag = "contracts",
    request_body(content_type = "multipart/form-data", description = "fields `spec` (ArchiveInput JSON) and `file` (the scanned PDF)"),
    responses((status = 201, body = ArchiveView), (status = 400, body = ArchiveValuesProblem),
        (status = 404, body = Problem), (status = 413, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<Response> {
    let user = user_id(&ctx)?;
    let upload = read_upload(multipart, scan::MAX_BYTES).await?;
    let input: ArchiveInput = spec(upload.spec.as_deref())?;
    let (name, bytes) = upload.file.ok_or_else(|| {
        no_file(
            "请上传纸质合同的扫描件（PDF）",
            "Upload the scanned paper contract (PDF)",
        )
    })?;
    match single::create(&state.platform, &user, &id, input, &name, bytes).await {
        Ok(view) => Ok((StatusCode::CREATED, Json(view)).into_response()),
        Err(e) => match e.into_wing::<ContractsError>() {
            Ok(ContractsError::TemplateValues(errors)) => Ok(crate::problem::refused_with(
                &CoreError::from(ContractsError::TemplateValues(errors.clone())),
                errors,
            )),
            Ok(other) => Err(CoreError::from(other).into()),
            Err(e) => Err(e.into()),
        },
    }
}

/// One page of 我发起的归档 (`list=mine`) or 已完成的归档 (`list=completed`).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/archives", tag = "contracts",
    params(ArchiveQuery),
    responses((status = 200, body = ArchiveList), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(query): Query<ArchiveQuery>,
) -> ApiResult<Json<ArchiveList>> {
    Ok(Json(
        archives::lists::list(&state.platform, &user_id(&ctx)?, &id, &query).await?,
    ))
}

/// The bulk archive's Excel template of a business type.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/archive-workbook", tag = "contracts",
    params(TypeQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = Problem)))]
pub async fn workbook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(query): Query<TypeQuery>,
) -> ApiResult<Response> {
    let bytes = bulk::workbook(
        &state.platform,
        &user_id(&ctx)?,
        &id,
        &query.business_type_id,
    )
    .await?;
    Ok(files::file(
        XLSX,
        Some("archive-template.xlsx"),
        Caching::NoStore,
        bytes,
    ))
}

async fn bulk_upload(multipart: Multipart) -> ApiResult<(BulkInput, Vec<u8>)> {
    let upload = read_upload(multipart, package::MAX_ZIP_BYTES).await?;
    let input: BulkInput = spec(upload.spec.as_deref())?;
    let (_, bytes) = upload
        .file
        .ok_or_else(|| no_file("请选择归档 zip 压缩包", "Choose the archive zip"))?;
    Ok((input, bytes))
}

/// Checks a bulk archive's zip (multipart: `spec`, a [`BulkInput`] as JSON, and `file`, the zip)
/// without storing anything: the rows that pass, and every problem by row and column or entry.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/archives/bulk/check", tag = "contracts",
    request_body(content_type = "multipart/form-data", description = "fields `spec` (BulkInput JSON) and `file` (.zip)"),
    responses((status = 200, body = BulkCheck), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem)))]
pub async fn bulk_check(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<Json<BulkCheck>> {
    let user = user_id(&ctx)?;
    let (input, bytes) = bulk_upload(multipart).await?;
    let (found, _) = bulk::check(&state.platform, &user, &id, &input, bytes).await?;
    Ok(Json(found))
}

/// The 400 answer of a bulk archive with problems: nothing was stored.
#[derive(serde::Serialize, ToSchema)]
pub struct PackageProblems {
    #[serde(flatten)]
    pub problem: Problem,
    pub errors: Vec<PackageProblem>,
}

/// Archives every row of a bulk archive's zip, or none: an upload with any problem answers 400
/// with every problem, and nothing is stored.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/archives/bulk", tag = "contracts",
    request_body(content_type = "multipart/form-data", description = "fields `spec` (BulkInput JSON) and `file` (.zip)"),
    responses((status = 201, body = BulkArchived), (status = 400, body = PackageProblems),
        (status = 404, body = Problem), (status = 413, body = Problem)))]
pub async fn bulk_archive(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<Response> {
    let user = user_id(&ctx)?;
    let (input, bytes) = bulk_upload(multipart).await?;
    match bulk::archive(&state.platform, &user, &id, &input, bytes).await? {
        Ok(done) => Ok((StatusCode::CREATED, Json(done)).into_response()),
        Err(found) => Ok(crate::problem::refused_with(
            &CoreError::from(ContractsError::ArchivePackage {
                count: found.problems.len(),
            }),
            found.problems,
        )),
    }
}

/// One archive: its fields, parties (ID numbers masked), hash, timestamp and report status.
#[utoipa::path(get, path = "/api/v1/archives/{id}", tag = "contracts",
    responses((status = 200, body = ArchiveView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<ArchiveView>> {
    Ok(Json(
        archives::lists::view(&state.platform, &user_id(&ctx)?, &id).await?,
    ))
}

/// The archive's PDF exactly as uploaded.
#[utoipa::path(get, path = "/api/v1/archives/{id}/pdf", tag = "contracts",
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem)))]
pub async fn pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (_, bytes) = archives::lists::pdf(&state.platform, &user_id(&ctx)?, &id).await?;
    Ok(files::pdf(None, Caching::Immutable, bytes))
}

/// The RFC 3161 timestamp token over the PDF's SHA-256 (DER): check it with
/// `openssl ts -verify -token_in -in archive.tst -data archive.pdf -CAfile chain.pem`.
#[utoipa::path(get, path = "/api/v1/archives/{id}/timestamp", tag = "contracts",
    responses((status = 200, content_type = "application/timestamp-reply"), (status = 404, body = Problem)))]
pub async fn timestamp_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let token = archives::lists::timestamp_token(&state.platform, &user_id(&ctx)?, &id).await?;
    Ok(files::file(
        "application/octet-stream",
        Some("archive.tst"),
        Caching::Immutable,
        token,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct VoidIn {
    pub reason: String,
}

/// Voids an archive with a reason (its maker or the administrator); a void report follows.
#[utoipa::path(post, path = "/api/v1/archives/{id}/void", tag = "contracts", request_body = VoidIn,
    responses((status = 200, body = ArchiveView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn void(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VoidIn>,
) -> ApiResult<Json<ArchiveView>> {
    Ok(Json(
        archives::lists::void(&state.platform, &user_id(&ctx)?, &id, &body.reason).await?,
    ))
}
