//! Employees of an enterprise (ES-6): the onboarding field set, onboarding (single, Excel, QR
//! link), approval, the roster and the resigned list, and the directory's department tree. Every
//! route names the enterprise; a caller who is not its delegate or administrator, or an employee
//! or department of another enterprise, gets 404.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use signet_core::contracts::ContractsError;
use signet_core::contracts::employees::departments::{self, Department};
use signet_core::contracts::employees::fields::{self, FieldSet};
use signet_core::contracts::employees::import::{self, ImportReport, RowError};
use signet_core::contracts::employees::onboarding::{self, JoinLink, Onboarded};
use signet_core::contracts::employees::roster::{self, EmployeePage, Filter, View};
use signet_core::contracts::employees::{EmployeeDetail, EmployeeState};
use signet_core::{CoreError, PlatformError};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::api::desk::user_id;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show_fields, choose_fields))
        .routes(routes!(list_departments, add_department))
        .routes(routes!(rename_department, delete_department))
        .routes(routes!(move_department))
        .routes(routes!(list, onboard))
        .routes(routes!(upload).layer(DefaultBodyLimit::max(import::MAX_BYTES + 64 * 1024)))
        .routes(routes!(template))
        .routes(routes!(detail))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(resend))
        .routes(routes!(transfer))
        .routes(routes!(resign))
        .routes(routes!(join_link, renew_join_link))
        .merge(super::employee_phone::routes())
}

#[derive(Deserialize, ToSchema)]
pub struct FieldsIn {
    /// Codes from the platform's list; name, phone and ID number are always added.
    pub fields: Vec<String>,
}

/// The platform's onboarding fields and the ones this enterprise collects.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/employee-fields", tag = "contracts",
    responses((status = 200, body = FieldSet), (status = 404, body = Problem)))]
pub async fn show_fields(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<FieldSet>> {
    Ok(Json(
        fields::show(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// Chooses the fields to collect on the phone form.
#[utoipa::path(put, path = "/api/v1/enterprises/{id}/employee-fields", tag = "contracts",
    request_body = FieldsIn,
    responses((status = 200, body = FieldSet), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn choose_fields(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FieldsIn>,
) -> ApiResult<Json<FieldSet>> {
    Ok(Json(
        fields::choose(&state.platform, &id, &user_id(&ctx)?, &body.fields).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct DepartmentIn {
    pub name: String,
    /// None: directly under the enterprise.
    pub parent_id: Option<String>,
}

/// The department tree (flat; `parent_id` links it).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/departments", tag = "contracts",
    responses((status = 200, body = [Department]), (status = 404, body = Problem)))]
pub async fn list_departments(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Department>>> {
    Ok(Json(
        departments::list(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// Adds a department.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/departments", tag = "contracts",
    request_body = DepartmentIn,
    responses((status = 201, body = Department), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn add_department(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DepartmentIn>,
) -> ApiResult<impl IntoResponse> {
    let department = departments::add(
        &state.platform,
        &id,
        &user_id(&ctx)?,
        body.parent_id.as_deref(),
        &body.name,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(department)))
}

#[derive(Deserialize, ToSchema)]
pub struct NameIn {
    pub name: String,
}

/// Renames a department.
#[utoipa::path(put, path = "/api/v1/enterprises/{id}/departments/{department_id}", tag = "contracts",
    request_body = NameIn,
    responses((status = 200, body = Department), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn rename_department(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, department_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<NameIn>,
) -> ApiResult<Json<Department>> {
    Ok(Json(
        departments::rename(
            &state.platform,
            &id,
            &user_id(&ctx)?,
            &department_id,
            &body.name,
        )
        .await?,
    ))
}

/// Deletes an empty department.
#[utoipa::path(delete, path = "/api/v1/enterprises/{id}/departments/{department_id}", tag = "contracts",
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_department(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, department_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    departments::delete(&state.platform, &id, &user_id(&ctx)?, &department_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ParentIn {
    /// None: to the top of the tree.
    pub parent_id: Option<String>,
}

/// Moves a department under another (never under itself or its sub-departments).
#[utoipa::path(put, path = "/api/v1/enterprises/{id}/departments/{department_id}/parent", tag = "contracts",
    request_body = ParentIn,
    responses((status = 200, body = Department), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn move_department(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, department_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ParentIn>,
) -> ApiResult<Json<Department>> {
    Ok(Json(
        departments::move_to(
            &state.platform,
            &id,
            &user_id(&ctx)?,
            &department_id,
            body.parent_id.as_deref(),
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct ListQuery {
    /// `onboarding` (default), `roster` or `resigned`.
    pub view: Option<String>,
    /// A state within the view (`invited`, `submitted`, `rejected`, …).
    pub state: Option<String>,
    pub department_id: Option<String>,
    /// A name fragment or a whole mobile number.
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn bad_filter(field: &'static str) -> ApiError {
    ApiError::from(PlatformError::Invalid {
        field,
        zh: "筛选条件不正确",
        en: "The filter is not valid",
    })
}

/// A list of employees (masked): the onboarding desk, the roster or the resigned.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/employees", tag = "contracts", params(ListQuery),
    responses((status = 200, body = EmployeePage), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<EmployeePage>> {
    let view = match query.view.as_deref() {
        None => View::Onboarding,
        Some(text) => View::parse(text).ok_or_else(|| bad_filter("view"))?,
    };
    let employee_state = query
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| EmployeeState::parse(s).ok_or_else(|| bad_filter("state")))
        .transpose()?;
    let filter = Filter {
        view,
        state: employee_state,
        department_id: query.department_id.filter(|d| !d.is_empty()),
        query: query.q,
        page: query.page.unwrap_or(1),
        per_page: query.per_page.unwrap_or(20),
    };
    Ok(Json(
        roster::list(&state.platform, &id, &user_id(&ctx)?, &filter).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct OnboardIn {
    pub name: String,
    pub phone: String,
    pub department_id: Option<String>,
}

/// Onboards one employee; an SMS link to the phone form goes out.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/employees", tag = "contracts",
    request_body = OnboardIn,
    responses((status = 201, body = Onboarded), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn onboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OnboardIn>,
) -> ApiResult<impl IntoResponse> {
    let done = onboarding::single(
        &state.platform,
        &id,
        &user_id(&ctx)?,
        &body.name,
        &body.phone,
        body.department_id.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// The 400 answer of an import with bad rows: the problem, plus every row's error.
#[derive(serde::Serialize, ToSchema)]
pub struct ImportProblem {
    #[serde(flatten)]
    pub problem: Problem,
    pub errors: Vec<RowError>,
}

fn rows_refused(errors: Vec<RowError>) -> Response {
    crate::problem::refused_with(
        &CoreError::from(ContractsError::ImportRows(errors.len())),
        errors,
    )
}

/// Onboards every row of an Excel workbook (multipart field `file`, the template's columns), or
/// none: a file with bad rows answers 400 with each row's error.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/employees/import", tag = "contracts",
    request_body(content_type = "multipart/form-data", description = "field `file` (.xlsx)"),
    responses((status = 201, body = ImportReport), (status = 400, body = ImportProblem),
        (status = 404, body = Problem), (status = 413, body = Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> ApiResult<Response> {
    let user = user_id(&ctx)?;
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::from(PlatformError::TooLarge {
                field: "file",
                limit: import::MAX_BYTES,
            })
        } else {
            ApiError::Malformed(e.body_text())
        }
    };
    let mut bytes = None;
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        if field.name() == Some("file") {
            bytes = Some(field.bytes().await.map_err(too_large)?);
            break;
        }
    }
    let bytes = bytes.ok_or(ApiError::from(PlatformError::Invalid {
        field: "file",
        zh: "请选择要上传的 Excel 文件",
        en: "Choose the Excel file to upload",
    }))?;
    let report = import::import(&state.platform, &id, &user, &bytes).await?;
    if report.errors.is_empty() {
        Ok((StatusCode::CREATED, Json(report)).into_response())
    } else {
        Ok(rows_refused(report.errors))
    }
}

/// The Excel template for batch onboarding.
#[utoipa::path(get, path = "/api/v1/employee-template.xlsx", tag = "contracts",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn template() -> ApiResult<impl IntoResponse> {
    let bytes = import::template()?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"employees.xlsx\"",
            ),
        ],
        bytes,
    ))
}

/// One employee in full (the view is audited).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/employees/{employee_id}", tag = "contracts",
    responses((status = 200, body = EmployeeDetail), (status = 404, body = Problem)))]
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, employee_id)): Path<(String, String)>,
) -> ApiResult<Json<EmployeeDetail>> {
    Ok(Json(
        roster::detail(&state.platform, &id, &user_id(&ctx)?, &employee_id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ApproveIn {
    pub department_id: Option<String>,
}

/// Approves a submitted form: the employee joins the roster (SMS).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/employees/{employee_id}/approve", tag = "contracts",
    request_body = ApproveIn,
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, employee_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ApproveIn>,
) -> ApiResult<StatusCode> {
    roster::approve(
        &state.platform,
        &id,
        &user_id(&ctx)?,
        &employee_id,
        body.department_id.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonIn {
    pub reason: String,
}

/// Rejects a submitted form with a reason; the employee gets it and a new link by SMS.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/employees/{employee_id}/reject", tag = "contracts",
    request_body = ReasonIn,
    responses((status = 204), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, employee_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReasonIn>,
) -> ApiResult<StatusCode> {
    roster::reject(
        &state.platform,
        &id,
        &user_id(&ctx)?,
        &employee_id,
        &body.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a new form link to an employee who has not filled the form.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/employees/{employee_id}/resend", tag = "contracts",
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, employee_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    onboarding::resend(&state.platform, &id, &user_id(&ctx)?, &employee_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct TransferIn {
    pub department_id: String,
}

/// Transfers an employee on the roster to another department.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/employees/{employee_id}/transfer", tag = "contracts",
    request_body = TransferIn,
    responses((status = 204), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, employee_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<TransferIn>,
) -> ApiResult<StatusCode> {
    roster::transfer(
        &state.platform,
        &id,
        &user_id(&ctx)?,
        &employee_id,
        &body.department_id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ResignIn {
    /// The leaving date, `YYYY-MM-DD`.
    pub date: String,
}

/// Records a resignation on a date.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/employees/{employee_id}/resign", tag = "contracts",
    request_body = ResignIn,
    responses((status = 204), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn resign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, employee_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ResignIn>,
) -> ApiResult<StatusCode> {
    roster::resign(
        &state.platform,
        &id,
        &user_id(&ctx)?,
        &employee_id,
        &body.date,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The enterprise's self-onboarding link (shown as a QR code), if created.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/employee-join-link", tag = "contracts",
    responses((status = 200, body = JoinLink), (status = 404, body = Problem)))]
pub async fn join_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<JoinLink>> {
    Ok(Json(
        onboarding::join_link(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// Creates a new self-onboarding link; the old QR code stops working.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/employee-join-link", tag = "contracts",
    responses((status = 200, body = JoinLink), (status = 404, body = Problem)))]
pub async fn renew_join_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<JoinLink>> {
    Ok(Json(
        onboarding::renew_join_link(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// The body of the phone form: values by field code.
#[derive(Deserialize, ToSchema)]
pub struct FormIn {
    pub values: BTreeMap<String, String>,
}
